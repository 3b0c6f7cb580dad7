"""What the agencies area decides about an agency's public keys, without I/O: whether a
pasted key is one, its canonical form (what is stored and logged), and whether the
fingerprint an operator typed is the key's.

The canonical forms are those `frontporch agency keygen` prints and the
`agency_registered` entry requires: the Ed25519 public key as 32 raw bytes in standard
base64 (44 characters ending in '='), the age recipient as pyrage writes it back. A
fingerprint (`crypto.keys.fingerprint`) is compared ignoring spaces and case, since it
is read aloud and typed in groups of four.
"""

from __future__ import annotations

import base64

from frontporch.crypto.keys import (
    RecipientError,
    SignatureError,
    key_id,
    parse_age_recipient,
    public_key_from_base64,
)
from frontporch.server.agencies.errors import (
    FingerprintMismatch,
    InvalidAgeRecipient,
    InvalidSigningKey,
)


def canonical_signing_key(text: str, field: str = "signing_key") -> str:
    """The Ed25519 public key in `text` in its canonical base64 form; InvalidSigningKey
    (naming `field`) if it is not one."""
    try:
        key = public_key_from_base64("".join(text.split()))
    except SignatureError as exc:
        raise InvalidSigningKey(str(exc), field) from None
    except ValueError:  # 32 bytes that are not a point of the curve
        raise InvalidSigningKey("not a point of the Ed25519 curve", field) from None
    raw = key.public_bytes_raw()
    return base64.b64encode(raw).decode("ascii")


def canonical_age_recipient(text: str, field: str = "age_recipient") -> str:
    """The age X25519 recipient in `text`, canonical; InvalidAgeRecipient (naming
    `field`) if it is not one."""
    try:
        return parse_age_recipient(text)
    except RecipientError as exc:
        raise InvalidAgeRecipient(str(exc), field) from None


def fingerprint_matches(typed: str, public: str) -> bool:
    """Whether `typed` is the fingerprint of `public`, ignoring spaces and case."""
    return "".join(typed.split()).lower() == key_id(public)


def check_fingerprints(
    signing_key: str, age_recipient: str, signing_typed: str, recipient_typed: str
) -> None:
    """FingerprintMismatch naming the first typed fingerprint that is not its key's."""
    if not fingerprint_matches(signing_typed, signing_key):
        raise FingerprintMismatch("signing_key_fingerprint")
    if not fingerprint_matches(recipient_typed, age_recipient):
        raise FingerprintMismatch("age_recipient_fingerprint")
