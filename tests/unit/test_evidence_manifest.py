"""Release manifests: one canonical byte string each, strict fields, and a signature that
verifies only under the hub key the manifest names, with the manifest domain."""

from __future__ import annotations

import base64
import json
import uuid
from typing import Any

import pytest

from frontporch.crypto.keys import HubIdentity, key_id
from frontporch.evidence.manifest import (
    ManifestError,
    ReleaseManifest,
    decode_manifest,
    encode_manifest,
    manifest_sha256,
    sign_manifest,
    signed_message,
    verify_manifest,
)

HUB = HubIdentity.generate()
AGENCY = HubIdentity.generate()


def clip(number: int = 1, **changes: Any) -> dict[str, Any]:
    record = {
        "file": f"clip-{number:02d}.mp4.age",
        "camera": "Front door",
        "start": "2026-11-29T10:05:00Z",
        "end": "2026-11-29T10:06:00Z",
        "duration_ms": 60_000,
        "masked": True,
        "plaintext_sha256": "a" * 64,
        "plaintext_bytes": 1234,
        "ciphertext_sha256": "b" * 64,
        "ciphertext_bytes": 1500,
    }
    return record | changes


def raw_manifest(**changes: Any) -> dict[str, Any]:
    manifest = {
        "format": "frontporch-release-manifest/1",
        "release": str(uuid.uuid4()),
        "request": str(uuid.uuid4()),
        "request_index": 5,
        "agency": str(uuid.uuid4()),
        "agency_registration_index": 3,
        "recipient": AGENCY.age_recipient,
        "hub_key": HUB.public_key,
        "hub": key_id(HUB.public_key),
        "created_at": "2026-11-29T12:30:00Z",
        "clips": [clip(1), clip(2)],
    }
    return manifest | changes


def canonical(raw: dict[str, Any]) -> bytes:
    return json.dumps(raw, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def test_encode_then_decode_is_the_same_manifest_and_bytes() -> None:
    manifest = ReleaseManifest.model_validate(raw_manifest())
    data = encode_manifest(manifest)
    assert decode_manifest(data) == manifest
    assert data == canonical(raw_manifest() | json.loads(data))
    assert b" " not in data.replace(b"Front door", b"")
    assert manifest.clip("clip-02.mp4.age").plaintext_bytes == 1234


@pytest.mark.parametrize(
    "spelling",
    [
        lambda raw: json.dumps(raw, sort_keys=True).encode(),  # spaces
        lambda raw: (
            json.dumps(raw, separators=(",", ":")).encode()  # keys unsorted
            if list(raw) != sorted(raw)
            else b"{}"
        ),
        lambda raw: canonical(raw) + b"\n",
        lambda raw: canonical(raw).replace(b'"request_index":5', b'"request_index":5.0'),
    ],
    ids=["spaces", "unsorted", "newline", "float"],
)
def test_decode_refuses_any_other_spelling(spelling: Any) -> None:
    with pytest.raises(ManifestError):
        decode_manifest(spelling(raw_manifest()))


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"format": "frontporch-release-manifest/2"}, "format"),
        ({"clips": [clip(1, file="clip-1.mp4.age")]}, "clips.0.file"),
        ({"clips": [clip(1, file="../etc/passwd")]}, "clips.0.file"),
        ({"clips": [clip(1, file="clip-01.mp4")]}, "clips.0.file"),
        ({"clips": []}, "clips"),
        ({"clips": [clip(1, plaintext_bytes="12")]}, "clips.0.plaintext_bytes"),
        ({"clips": [clip(1, masked=1)]}, "clips.0.masked"),
        ({"clips": [clip(1, ciphertext_sha256="B" * 64)]}, "clips.0.ciphertext_sha256"),
        ({"request_index": True}, "request_index"),
        ({"request_index": -1}, "request_index"),
        ({"recipient": "age1notarecipient"}, "recipient"),
        ({"created_at": "2026-11-29 12:30:00"}, "created_at"),
        ({"surprise": 1}, "surprise"),
    ],
)
def test_decode_names_the_field_at_fault(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(ManifestError) as caught:
        decode_manifest(canonical(raw_manifest(**changes)))
    assert caught.value.field == field
    assert field in str(caught.value)


def test_decode_refuses_a_clip_listed_twice_and_a_hub_that_is_not_the_keys_id() -> None:
    with pytest.raises(ManifestError, match="listed twice"):
        decode_manifest(canonical(raw_manifest(clips=[clip(1), clip(1)])))
    other = HubIdentity.generate()
    with pytest.raises(ManifestError, match="key id"):
        decode_manifest(canonical(raw_manifest(hub=key_id(other.public_key))))
    with pytest.raises(ManifestError, match="end is before"):
        decode_manifest(canonical(raw_manifest(clips=[clip(1, end="2026-11-29T10:04:00Z")])))


def test_decode_refuses_bytes_that_are_not_json_or_too_large() -> None:
    with pytest.raises(ManifestError, match="UTF-8 JSON"):
        decode_manifest(b"\xff")
    with pytest.raises(ManifestError, match="JSON object"):
        decode_manifest(b"[]")
    with pytest.raises(ManifestError, match="limit"):
        decode_manifest(b" " * (2 << 20))


def test_a_signed_manifest_verifies_under_its_hub_key_only() -> None:
    data = canonical(raw_manifest())
    signature = sign_manifest(HUB, data)
    assert verify_manifest(data, signature, HUB.public_key).hub_key == HUB.public_key
    assert verify_manifest(data, signature + "\n", HUB.public_key)  # one line, as shipped

    other = HubIdentity.generate()
    with pytest.raises(ManifestError) as caught:
        verify_manifest(data, signature, other.public_key)
    assert caught.value.field == "hub_key"

    forged = base64.b64encode(other.sign(signed_message(data))).decode()
    with pytest.raises(ManifestError) as caught:
        verify_manifest(data, forged, HUB.public_key)
    assert caught.value.field == "signature"


def test_the_signature_is_domain_separated() -> None:
    data = canonical(raw_manifest())
    undomained = base64.b64encode(HUB.sign(data)).decode()
    with pytest.raises(ManifestError, match="does not verify"):
        verify_manifest(data, undomained, HUB.public_key)
    assert signed_message(data) == b"frontporch-release-manifest/1\n" + data


def test_altering_any_byte_breaks_the_signature() -> None:
    data = canonical(raw_manifest())
    signature = sign_manifest(HUB, data)
    altered = data.replace(b'"duration_ms":60000', b'"duration_ms":60001', 1)
    assert altered != data
    with pytest.raises(ManifestError, match="does not verify"):
        verify_manifest(altered, signature, HUB.public_key)
    with pytest.raises(ManifestError, match="does not verify"):
        verify_manifest(data, "not base64!", HUB.public_key)


def test_a_hub_cannot_sign_a_manifest_naming_another_hub() -> None:
    data = canonical(raw_manifest())
    with pytest.raises(ManifestError) as caught:
        sign_manifest(HubIdentity.generate(), data)
    assert caught.value.field == "hub_key"


def test_manifest_sha256_is_the_sha256_of_the_bytes() -> None:
    import hashlib

    data = canonical(raw_manifest())
    assert manifest_sha256(data) == hashlib.sha256(data).hexdigest()
