"""The hub's identity: an Ed25519 signing key and an X25519 age identity.

- Ed25519 (RFC 8032, via `cryptography`) signs what the hub says to the world: its
  pairing request now, release manifests and disclosures later. The public form is the
  raw 32-byte public key (RFC 8032 section 5.1.5) in standard base64.
- The age identity (age v1 spec, https://age-encryption.org/v1, "X25519 recipient
  stanza"; via pyrage) is what footage for the owner's own use is encrypted to. Its
  public form is the Bech32 recipient `age1…`; the private file is the standard
  identity file (`# public key:` comment plus `AGE-SECRET-KEY-1…`), so the stock `age
  -d -i` tool can use it.

Both are generated once and kept in `<storage>/identity/` with mode 0600 (the folder
0700); they are never logged and never leave the hub. An agency holds the same two
kinds of key (`AgencyIdentity`), made offline by `frontporch agency keygen`; hubs learn
its public parts only from its registration in the transparency log.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Self

import pyrage
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

IDENTITY_DIR = "identity"
SIGNING_KEY_FILE = "hub-signing.key"
AGE_KEY_FILE = "hub-age.key"
AGENCY_SIGNING_KEY_FILE = "agency-signing.key"
AGENCY_AGE_KEY_FILE = "agency-age.key"
ED25519_PUBLIC_KEY_BYTES = 32
ED25519_SIGNATURE_BYTES = 64


class KeyMaterialError(Exception):
    """Base of the errors about keys, identity files and signatures."""


class IdentityFileError(KeyMaterialError):
    """An identity file is missing, unreadable, malformed or too widely readable."""


class SignatureError(KeyMaterialError):
    """A signature does not verify, or a public key or signature is malformed."""


class RecipientError(KeyMaterialError):
    """A string is not an age X25519 recipient."""


@dataclass(frozen=True)
class Identity:
    """An Ed25519 signing key and an age X25519 identity: what a hub, or an agency,
    holds privately."""

    signing_key: Ed25519PrivateKey
    age_identity: pyrage.x25519.Identity

    @classmethod
    def generate(cls) -> Self:
        """A fresh identity (not yet saved)."""
        return cls(Ed25519PrivateKey.generate(), pyrage.x25519.Identity.generate())

    @property
    def public_key(self) -> str:
        """The Ed25519 public key: 32 raw bytes (RFC 8032), standard base64."""
        raw = self.signing_key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        return base64.b64encode(raw).decode("ascii")

    @property
    def age_recipient(self) -> str:
        """The age recipient (`age1…`) that the age identity decrypts for."""
        return str(self.age_identity.to_public())

    def sign(self, message: bytes) -> bytes:
        """An Ed25519 signature (64 bytes) over `message`."""
        return self.signing_key.sign(message)

    def write(self, folder: Path, signing_file: str, age_file: str) -> None:
        """Write both keys into `folder` (0700): the signing key as PKCS#8 PEM, the age
        identity as the standard identity file; each 0600, never replacing a file."""
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.chmod(folder, 0o700)
        pem = self.signing_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        created = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        age_text = (
            f"# created: {created}\n# public key: {self.age_recipient}\n{self.age_identity}\n"
        )
        write_private_file(folder / signing_file, pem)
        write_private_file(folder / age_file, age_text.encode("ascii"))

    @classmethod
    def read(cls, folder: Path, signing_file: str, age_file: str) -> Self:
        """The identity written into `folder`; IdentityFileError if absent or unusable."""
        pem = read_private_file(folder / signing_file)
        try:
            key = serialization.load_pem_private_key(pem, password=None)
        except (ValueError, TypeError) as exc:
            raise IdentityFileError(f"{folder / signing_file} is not a PEM key") from exc
        if not isinstance(key, Ed25519PrivateKey):
            raise IdentityFileError(f"{folder / signing_file} is not an Ed25519 key")
        age_lines = [
            line.strip()
            for line in read_private_file(folder / age_file).decode("ascii").splitlines()
            if line.strip() and not line.startswith("#")
        ]
        if len(age_lines) != 1:
            raise IdentityFileError(f"{folder / age_file} must hold one AGE-SECRET-KEY-1 line")
        try:
            age_identity = pyrage.x25519.Identity.from_str(age_lines[0])
        except pyrage.IdentityError as exc:
            raise IdentityFileError(f"{folder / age_file} is not an age identity") from exc
        return cls(key, age_identity)


class HubIdentity(Identity):
    """A hub's identity, kept in `<storage>/identity/`."""

    def save(self, storage: Path) -> None:
        """Write both keys under `storage/identity/` (0600; refuses to overwrite)."""
        self.write(storage / IDENTITY_DIR, SIGNING_KEY_FILE, AGE_KEY_FILE)

    @classmethod
    def load(cls, storage: Path) -> HubIdentity:
        """The identity saved under `storage`; IdentityFileError if absent or unusable."""
        return cls.read(storage / IDENTITY_DIR, SIGNING_KEY_FILE, AGE_KEY_FILE)

    @classmethod
    def load_or_create(cls, storage: Path) -> HubIdentity:
        """The saved identity, or a new one saved now (the first pairing makes it)."""
        if (storage / IDENTITY_DIR / SIGNING_KEY_FILE).exists():
            return cls.load(storage)
        identity = cls.generate()
        identity.save(storage)
        return identity


class AgencyIdentity(Identity):
    """An agency's identity, made offline (`frontporch agency keygen DIR`): it signs what
    the agency files, and footage released to the agency is encrypted to its age
    recipient. Only the public parts ever reach a server, through the agency's logged
    registration."""

    def save(self, folder: Path) -> None:
        """Write both keys into `folder` (0600; refuses to overwrite)."""
        self.write(folder, AGENCY_SIGNING_KEY_FILE, AGENCY_AGE_KEY_FILE)

    @classmethod
    def load(cls, folder: Path) -> AgencyIdentity:
        """The identity written into `folder`; IdentityFileError if absent or unusable."""
        return cls.read(folder, AGENCY_SIGNING_KEY_FILE, AGENCY_AGE_KEY_FILE)


def key_id(public: str) -> str:
    """A public key's id as log entries and release manifests carry it: the SHA-256 of
    its public form (the base64 Ed25519 key, or the `age1…` recipient, as ASCII), hex."""
    return hashlib.sha256(public.encode("ascii")).hexdigest()


def fingerprint(public: str) -> str:
    """A public key's fingerprint for reading aloud or comparing by eye: its `key_id` in
    16 groups of four hex digits."""
    digest = key_id(public)
    return " ".join(digest[i : i + 4] for i in range(0, len(digest), 4))


def write_private_file(path: Path, data: bytes) -> None:
    """Create `path` with mode 0600 and write `data`; refuses to replace an existing file."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


def read_private_file(path: Path) -> bytes:
    """Read a key file, refusing one that others can read (as ssh does)."""
    try:
        mode = path.stat().st_mode
        data = path.read_bytes()
    except OSError as exc:
        raise IdentityFileError(f"cannot read {path}: {exc.strerror}") from exc
    if mode & 0o077:
        raise IdentityFileError(f"{path} is readable by others; run: chmod 600 {path}")
    return data


def _ed25519_bytes(text: str, size: int, what: str) -> bytes:
    """The `size` raw bytes of an Ed25519 `what` in base64; SignatureError if malformed."""
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise SignatureError(f"the {what} is not base64") from exc
    if len(raw) != size:
        raise SignatureError(f"an Ed25519 {what} is {size} bytes")
    return raw


def public_key_from_base64(text: str) -> Ed25519PublicKey:
    """An Ed25519 public key from its base64 raw form; SignatureError if malformed."""
    raw = _ed25519_bytes(text, ED25519_PUBLIC_KEY_BYTES, "public key")
    return Ed25519PublicKey.from_public_bytes(raw)


def verify_signature(public_key: str, message: bytes, signature: str) -> None:
    """Check a base64 Ed25519 signature over `message`; raises SignatureError if it fails."""
    key = public_key_from_base64(public_key)
    raw = _ed25519_bytes(signature, ED25519_SIGNATURE_BYTES, "signature")
    try:
        key.verify(raw, message)
    except InvalidSignature as exc:
        raise SignatureError("the signature does not verify") from exc


def parse_age_recipient(text: str) -> str:
    """The canonical form of an age X25519 recipient (`age1…`); RecipientError otherwise."""
    candidate = text.strip()
    if not candidate.startswith("age1"):
        raise RecipientError("an age X25519 recipient starts with 'age1'")
    try:
        recipient = pyrage.x25519.Recipient.from_str(candidate)
    except pyrage.RecipientError as exc:
        raise RecipientError("not a valid age X25519 recipient") from exc
    return str(recipient)
