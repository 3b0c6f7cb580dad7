"""Release manifests: what a hub signs when its owner releases footage to an agency.

A manifest names the request (and its log index), the agency registration whose age
recipient the clips are encrypted to, the hub (its Ed25519 key and that key's id), the
time, and for each clip its camera, time range, whether masks were burned in, and the
size and SHA-256 of both the plaintext MP4 and the age ciphertext. Its bytes are the
canonical JSON of `translog.entries.canonical_json` (sorted keys, no whitespace, UTF-8,
no floats), so one manifest has exactly one byte string: `decode_manifest` refuses any
other spelling, and `manifest_sha256` (what the log's `release` entry carries) is
well defined.

The signature is Ed25519 (RFC 8032) over a domain-separated message,
``b"frontporch-release-manifest/1\\n" + manifest_bytes``, so a manifest signature can
never be replayed as any other thing the hub signs (a pairing request, a post), and
the reverse. It travels as standard base64.

This module decides what a well-formed manifest is; it does not decide whether the
request is open or the recipient is the registered one (the server and the verifier
check those against the log).
"""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Annotated, Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from frontporch.crypto.keys import Identity, SignatureError, key_id, verify_signature
from frontporch.translog.entries import Id, Label, Moment, Sha256Hex, canonical_json
from frontporch.translog.errors import EntryError

MANIFEST_FORMAT: Final = "frontporch-release-manifest/1"
SIGNATURE_DOMAIN: Final = b"frontporch-release-manifest/1\n"
MAX_CLIPS: Final = 1000
MAX_MANIFEST_BYTES: Final = 1 << 20
CLIP_FILE_PATTERN: Final = r"^clip-[0-9]{2,4}\.mp4\.age$"

ClipFileName = Annotated[
    str, Field(pattern=CLIP_FILE_PATTERN, description="The ciphertext's file name.")
]
AgeRecipient = Annotated[str, Field(pattern=r"^age1[02-9ac-hj-np-z]{58}$")]
Ed25519PublicKey = Annotated[str, Field(pattern=r"^[A-Za-z0-9+/]{43}=$")]


class ManifestError(Exception):
    """A manifest is malformed, not canonical, or its signature does not verify.

    `field` names the manifest field at fault (dotted, e.g. ``clips.0.file``) when
    there is one, so an API can point at it.
    """

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class ClipRecord(BaseModel):
    """One released clip: where it came from, and the hashes that pin its bytes."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    file: ClipFileName
    camera: Label
    start: Moment
    end: Moment
    duration_ms: int = Field(ge=0, description="The clip's length, in milliseconds.")
    masked: bool = Field(description="Whether privacy masks were burned into the video.")
    plaintext_sha256: Sha256Hex
    plaintext_bytes: int = Field(ge=0)
    ciphertext_sha256: Sha256Hex
    ciphertext_bytes: int = Field(ge=1)

    @model_validator(mode="after")
    def _ordered(self) -> ClipRecord:
        if self.end < self.start:  # Moments of one fixed format compare as text.
            raise ValueError("a clip's end is before its start")
        return self


class ReleaseManifest(BaseModel):
    """What one hub released for one request, signed by that hub."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    format: Literal["frontporch-release-manifest/1"] = MANIFEST_FORMAT
    release: Id
    request: Id
    request_index: int = Field(ge=0, description="Log index of the request_filed entry.")
    agency: Id
    agency_registration_index: int = Field(
        ge=0, description="Log index of the agency_registered entry holding the recipient."
    )
    recipient: AgeRecipient
    hub_key: Ed25519PublicKey
    hub: Sha256Hex
    created_at: Moment
    clips: Annotated[list[ClipRecord], Field(min_length=1, max_length=MAX_CLIPS)]

    @model_validator(mode="after")
    def _consistent(self) -> ReleaseManifest:
        if self.hub != key_id(self.hub_key):
            raise ValueError("hub is not the key id (SHA-256) of hub_key")
        seen: set[str] = set()
        for clip in self.clips:
            if clip.file in seen:
                raise ValueError(f"clip file {clip.file} is listed twice")
            seen.add(clip.file)
        return self

    def clip(self, file: str) -> ClipRecord:
        """The record of clip `file`; KeyError if the manifest lists no such clip."""
        for record in self.clips:
            if record.file == file:
                return record
        raise KeyError(file)


def encode_manifest(manifest: ReleaseManifest) -> bytes:
    """The canonical bytes of `manifest`: what is signed, hashed, stored and shipped."""
    data = canonical_json(manifest.model_dump(mode="json"))
    if len(data) > MAX_MANIFEST_BYTES:
        raise ManifestError(f"the manifest is {len(data)} bytes; the limit is {MAX_MANIFEST_BYTES}")
    return data


def decode_manifest(data: bytes) -> ReleaseManifest:
    """The manifest in `data`; ManifestError (naming the field) unless valid and canonical."""
    if len(data) > MAX_MANIFEST_BYTES:
        raise ManifestError(f"the manifest is {len(data)} bytes; the limit is {MAX_MANIFEST_BYTES}")
    try:
        raw = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise ManifestError(f"the manifest is not UTF-8 JSON: {exc}") from None
    if not isinstance(raw, dict):
        raise ManifestError("a manifest is a JSON object")
    if raw.get("format") != MANIFEST_FORMAT:
        raise ManifestError(
            f"unknown manifest format {raw.get('format')!r}; this reads {MANIFEST_FORMAT!r}",
            "format",
        )
    manifest = _validate(raw)
    try:
        canonical = encode_manifest(manifest)
    except EntryError as exc:  # pragma: no cover - validated models hold no floats
        raise ManifestError(str(exc)) from None
    if canonical != data:
        raise ManifestError(
            "the manifest bytes are not in canonical form (sorted keys, no spaces, UTF-8 "
            "as written by canonical_json): re-encoding it would change its hash"
        )
    return manifest


def _validate(raw: dict[str, Any]) -> ReleaseManifest:
    try:
        return ReleaseManifest.model_validate(raw)
    except ValidationError as exc:
        problem = exc.errors()[0]
        where = ".".join(str(part) for part in problem["loc"]) or None
        message = str(problem["msg"]).removeprefix("Value error, ")
        label = f"manifest field {where!r}" if where else "manifest"
        raise ManifestError(f"invalid {label}: {message}", where) from None


def signed_message(manifest_bytes: bytes) -> bytes:
    """The bytes a manifest signature covers: the domain line, then the manifest."""
    return SIGNATURE_DOMAIN + manifest_bytes


def sign_manifest(identity: Identity, manifest_bytes: bytes) -> str:
    """The hub's base64 Ed25519 signature over `manifest_bytes` (domain-separated).

    Refuses bytes that do not decode, and a manifest whose hub_key is not this
    identity's key, so a hub cannot sign what no verifier would accept.
    """
    manifest = decode_manifest(manifest_bytes)
    if manifest.hub_key != identity.public_key:
        raise ManifestError("the manifest's hub_key is not this identity's public key", "hub_key")
    return base64.b64encode(identity.sign(signed_message(manifest_bytes))).decode("ascii")


def verify_manifest(manifest_bytes: bytes, signature_b64: str, public_key: str) -> ReleaseManifest:
    """The manifest, once its signature verifies under `public_key` and it names that key.

    Raises ManifestError: the bytes do not decode (see `decode_manifest`), hub_key is
    not `public_key` (field ``hub_key``), or the signature is malformed or does not
    verify (field ``signature``).
    """
    manifest = decode_manifest(manifest_bytes)
    if manifest.hub_key != public_key:
        raise ManifestError(
            "the manifest's hub_key is not the key it is checked against: it was made by "
            "another hub",
            "hub_key",
        )
    try:
        verify_signature(public_key, signed_message(manifest_bytes), signature_b64.strip())
    except SignatureError as exc:
        raise ManifestError(
            f"the manifest signature does not verify under hub_key: {exc}", "signature"
        ) from None
    return manifest


def manifest_sha256(manifest_bytes: bytes) -> str:
    """SHA-256 of the manifest bytes, hex: what the log's `release` entry carries."""
    return hashlib.sha256(manifest_bytes).hexdigest()
