"""Web Push message encryption (RFC 8291), VAPID tokens (RFC 8292) and the payload.

Our ciphertext is checked two independent ways: byte for byte against the example RFC
8291 publishes in its Appendix A, and by decrypting it with `http_ece`, the reference
implementation of RFC 8188, which shares no code with ours. The VAPID JWT is checked
with `cryptography`'s ECDSA verification over the RFC 7515 signing input.
"""

from __future__ import annotations

import base64
import json
import string

import http_ece
import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from frontporch.hub.alerts.model import Alert
from frontporch.hub.alerts.push import (
    BadSubscription,
    browser_name,
    check_endpoint,
    payload,
    payload_bytes,
    topic_for,
)
from frontporch.hub.alerts.vapid import TOKEN_LIFETIME_S, VapidError, VapidKey, origin_of
from frontporch.hub.alerts.webpush_crypto import (
    MAX_PLAINTEXT,
    PushCryptoError,
    b64url,
    b64url_decode,
    encrypt,
    public_key_bytes,
)

# RFC 8291 Appendix A ("Push Message Encryption Example").
RFC_PLAINTEXT = b"When I grow up, I want to be a watermelon"
RFC_AS_PRIVATE = "yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw"
RFC_AS_PUBLIC = (
    "BP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A8"
)
RFC_UA_PRIVATE = "q1dXpw3UpT5VOmu_cf_v6ih07Aems3njxI-JWgLcM94"
RFC_UA_PUBLIC = (
    "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4"
)
RFC_SALT = "DGv6ra1nlYgDCS1FRnbzlw"
RFC_AUTH = "BTBZMqHH6r4Tts7J_aSIgg"
RFC_BODY = (
    "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS"
    "6TlzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qu"
    "lcy4a-fN"
)


def _private(b64: str) -> ec.EllipticCurvePrivateKey:
    return ec.derive_private_key(int.from_bytes(b64url_decode(b64), "big"), ec.SECP256R1())


class Browser:
    """The browser's half of a subscription: its key pair and auth secret."""

    def __init__(self) -> None:
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.auth = bytes(range(16))
        self.p256dh = public_key_bytes(self.key)

    def decrypt(self, body: bytes) -> bytes:
        return bytes(
            http_ece.decrypt(body, private_key=self.key, auth_secret=self.auth, version="aes128gcm")
        )


def _alert(**changes: object) -> Alert:
    values: dict[str, object] = {
        "id": "item-1",
        "camera": "porch",
        "labels": ("person",),
        "zones": ("steps",),
        "event_ids": ("ev-1", "ev-2"),
        "start": 1_717_400_000.0,
        "title": "Person at porch",
        "body": "Person · 14:32",
        "url": "/events/ev-2",
        "snapshot_jpeg": b"\xff\xd8jpeg\xff\xd9",
    }
    values.update(changes)
    return Alert(**values)  # type: ignore[arg-type]


# --- RFC 8291 -------------------------------------------------------------------------


def test_rfc8291_appendix_a_exact_body() -> None:
    as_private = _private(RFC_AS_PRIVATE)
    assert b64url(public_key_bytes(as_private)) == RFC_AS_PUBLIC
    body = encrypt(
        RFC_PLAINTEXT,
        b64url_decode(RFC_UA_PUBLIC),
        b64url_decode(RFC_AUTH),
        salt=b64url_decode(RFC_SALT),
        ephemeral_key=as_private,
    )
    assert b64url(body) == RFC_BODY


def test_rfc8291_example_decrypts_with_the_reference_implementation() -> None:
    plaintext = http_ece.decrypt(
        b64url_decode(RFC_BODY),
        private_key=_private(RFC_UA_PRIVATE),
        auth_secret=b64url_decode(RFC_AUTH),
        version="aes128gcm",
    )
    assert plaintext == RFC_PLAINTEXT


def test_our_messages_decrypt_with_http_ece() -> None:
    browser = Browser()
    message = json.dumps({"title": "Person at porch", "body": "Person · 14:32"}).encode()
    body = encrypt(message, browser.p256dh, browser.auth)
    assert browser.decrypt(body) == message
    # A fresh salt and ephemeral key each time: the same alert never looks the same.
    again = encrypt(message, browser.p256dh, browser.auth)
    assert again[:16] != body[:16]
    assert again[21:86] != body[21:86]


def test_header_is_one_4096_byte_record_keyed_by_the_ephemeral_key() -> None:
    browser = Browser()
    body = encrypt(b"x", browser.p256dh, browser.auth)
    assert int.from_bytes(body[16:20], "big") == 4096
    assert body[20] == 65
    assert body[21] == 0x04
    assert len(body) == 16 + 4 + 1 + 65 + 1 + 1 + 16  # header, "x", delimiter, tag


def test_the_largest_payload_fits_in_a_4096_byte_message() -> None:
    browser = Browser()
    biggest = b"a" * MAX_PLAINTEXT
    body = encrypt(biggest, browser.p256dh, browser.auth)
    assert len(body) == 4096
    assert browser.decrypt(body) == biggest
    with pytest.raises(PushCryptoError, match="holds"):
        encrypt(biggest + b"a", browser.p256dh, browser.auth)


@pytest.mark.parametrize(
    ("p256dh", "auth", "error"),
    [
        (b"\x04" + b"\x01" * 64, bytes(16), "not a point"),
        (b"\x04" + b"\x01" * 10, bytes(16), "65 bytes"),
        (None, bytes(15), "16 bytes"),
    ],
)
def test_unusable_browser_keys_are_refused(p256dh: bytes | None, auth: bytes, error: str) -> None:
    key = p256dh if p256dh is not None else Browser().p256dh
    with pytest.raises(PushCryptoError, match=error):
        encrypt(b"hello", key, auth)


def test_b64url_decode_refuses_other_text() -> None:
    assert b64url_decode("AQID") == b"\x01\x02\x03"
    assert b64url_decode("AQI") == b"\x01\x02"  # browsers drop the padding
    for text in ("ab$d", "AQID AQID", "AQ+/"):
        with pytest.raises(PushCryptoError):
            b64url_decode(text)


# --- RFC 8292 -------------------------------------------------------------------------


def _verify_jwt(token: str, public_key: str) -> dict[str, object]:
    header_b64, claims_b64, signature_b64 = token.split(".")
    header = json.loads(b64url_decode(header_b64))
    assert header == {"typ": "JWT", "alg": "ES256"}
    signature = b64url_decode(signature_b64)
    assert len(signature) == 64  # r || s, not DER (RFC 7518 §3.4)
    der = encode_dss_signature(
        int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
    )
    key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), b64url_decode(public_key))
    key.verify(der, f"{header_b64}.{claims_b64}".encode(), ec.ECDSA(hashes.SHA256()))
    claims: dict[str, object] = json.loads(b64url_decode(claims_b64))
    return claims


def test_vapid_header_carries_a_signed_token_and_the_public_key() -> None:
    key = VapidKey.generate()
    now = 1_717_400_000.0
    header = key.authorization(
        "https://push.example.net/send/abc?x=1", "mailto:owner@localhost", now
    )
    assert header.startswith("vapid t=")
    token_part, key_part = header.removeprefix("vapid ").split(", ")
    assert key_part == f"k={key.public_key}"
    claims = _verify_jwt(token_part.removeprefix("t="), key.public_key)
    assert claims["aud"] == "https://push.example.net"
    assert claims["sub"] == "mailto:owner@localhost"
    assert isinstance(claims["exp"], int)
    assert now < claims["exp"] <= now + 24 * 3600
    assert claims["exp"] == int(now) + TOKEN_LIFETIME_S


def test_a_token_signed_by_another_key_does_not_verify() -> None:
    token = VapidKey.generate().token("https://push.example.net", "mailto:a@b", 0.0)
    with pytest.raises(InvalidSignature):
        _verify_jwt(token, VapidKey.generate().public_key)


def test_vapid_key_survives_its_pem_and_refuses_other_keys() -> None:
    key = VapidKey.generate()
    assert VapidKey.from_pem(key.pem()).public_key == key.public_key
    assert len(b64url_decode(key.public_key)) == 65
    with pytest.raises(VapidError):
        VapidKey.from_pem(b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")
    other = ec.generate_private_key(ec.SECP384R1())
    with pytest.raises(VapidError, match="P-256"):
        VapidKey.from_pem(VapidKey(other).pem())


def test_origin_of_endpoints() -> None:
    assert origin_of("https://fcm.googleapis.com/fcm/send/x") == "https://fcm.googleapis.com"
    assert origin_of("http://127.0.0.1:8123/push/1") == "http://127.0.0.1:8123"
    with pytest.raises(VapidError):
        origin_of("/relative")


# --- the payload and its headers ------------------------------------------------------


def test_payload_names_the_hubs_snapshot_url_not_the_snapshot() -> None:
    values = payload(_alert())
    assert values == {
        "id": "item-1",
        "title": "Person at porch",
        "body": "Person · 14:32",
        "url": "/events/ev-2",
        "image": "/api/events/ev-2/snapshot.jpg",
        "tag": "item-1",
        "update": False,
    }
    assert b"jpeg" not in payload_bytes(_alert())
    assert payload(_alert(snapshot_jpeg=None))["image"] is None
    assert payload(_alert(url="/events/other"))["image"] == "/api/events/ev-1/snapshot.jpg"
    assert payload(_alert(url="https://elsewhere.example/x"))["url"] == "/"


def test_a_long_body_is_cut_to_fit_one_message() -> None:
    data = payload_bytes(_alert(body="é" * 5000))
    assert len(data) <= MAX_PLAINTEXT
    assert json.loads(data)["title"] == "Person at porch"


def test_topic_is_a_short_stable_hash_of_the_alert_id() -> None:
    topic = topic_for("item-1" * 40)
    assert len(topic) == 32
    assert set(topic) <= set(string.ascii_letters + string.digits + "-_")
    assert topic == topic_for("item-1" * 40) != topic_for("item-2")
    assert base64.urlsafe_b64decode(topic + "=" * (-len(topic) % 4))


@pytest.mark.parametrize(
    ("user_agent", "name"),
    [
        (
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "HeadlessChrome/131.0.0.0 Safari/537.36",
            "Chromium on Linux",
        ),
        (
            "Mozilla/5.0 (Android 14; Mobile; rv:133.0) Gecko/133.0 Firefox/133.0",
            "Firefox on Android",
        ),
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
            "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
            "Safari on an iPhone",
        ),
        ("curl/8.5.0", "A browser"),
    ],
)
def test_browser_names(user_agent: str, name: str) -> None:
    assert browser_name(user_agent) == name


@pytest.mark.parametrize(
    "endpoint",
    [
        "http://push.example.net/send/1",
        "ftp://push.example.net/x",
        "https://user@push.example.net/x",
        "https://[::1/x",
        "https://push.example.net:99999/x",
        "https://püsh.example.net/x",
        "https://push.example.net/x y",
        "https://" + "a" * 2100,
    ],
)
def test_endpoints_must_be_https_except_on_this_machine(endpoint: str) -> None:
    with pytest.raises(BadSubscription):
        check_endpoint(endpoint)
    assert check_endpoint("http://127.0.0.1:9000/push/1")
    assert check_endpoint("https://updates.push.services.mozilla.com/wpush/v2/x")
