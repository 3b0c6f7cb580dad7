"""C2SP signed notes with Ed25519 keys: the envelope the log's checkpoints travel in.

Spec: https://c2sp.org/signed-note (v1.0.0); the reference implementation is
golang.org/x/mod/sumdb/note, whose published keys and notes are our known answers.

A signed note is UTF-8 text ending in a newline, a blank line, then one or more
signature lines::

    If you think cryptography is the answer to your problem,
    then you don't know what your problem is.

    — PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqf…

Each signature line is an em dash (U+2014), a space, the key name, a space and
base64(key hash || signature) ("Signatures"). The key hash is the first four bytes,
big-endian, of SHA-256(key name || 0x0A || 0x01 || 32-byte Ed25519 public key), 0x01
being the Ed25519 signature type ("Ed25519 signatures"). Key names are non-empty and
hold no Unicode space and no '+'.

Keys are exchanged as the strings of the Go implementation:

- verifier key: ``<name>+<8 hex digits key hash>+<base64(0x01 || public key)>``;
- signer key: ``PRIVATE+KEY+<name>+<key hash>+<base64(0x01 || 32-byte seed)>`` — a
  secret: it is never logged and never echoed in an error message.

Opening a note follows the spec's rules: a signature whose (name, key hash) pair is
not a trusted key is ignored (kept as unverified), even if it shares the name or the
hash with one; every signature by a trusted key must verify, or the whole note is
refused; and at least one must, or the note is refused. Notes larger than
`MAX_NOTE_BYTES` or with more than `MAX_SIGNATURES` signature lines (the spec asks
for at least 16) are refused before any signature is checked.

Stricter than the reference implementation, on purpose: base64 must be canonical (so
each note has exactly one encoding), key names may hold no control characters, and
a second, different signature by a trusted key is verified too rather than skipped.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from frontporch.translog.errors import CheckpointError, SignatureError

ALGORITHM_ED25519 = 0x01
ED25519_KEY_BYTES = 32
ED25519_SIGNATURE_BYTES = 64
KEY_HASH_BYTES = 4
MAX_SIGNATURES = 100
MAX_NOTE_BYTES = 1 << 20
SIGNATURE_PREFIX = "— "
SIGNER_KEY_PREFIX = "PRIVATE+KEY+"

_HEX_KEY_HASH = re.compile(r"[0-9a-fA-F]{8}")
_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f]")


@dataclass(frozen=True)
class Signature:
    """One signature line of a note: who signed (name, key hash) and its base64 text."""

    name: str
    key_hash: int
    encoded: str

    @property
    def line(self) -> str:
        """The signature line as it appears in the note, newline included."""
        return f"{SIGNATURE_PREFIX}{self.name} {self.encoded}\n"


@dataclass(frozen=True)
class Note:
    """An opened note: its text, the signatures verified, and those by unknown keys."""

    text: str
    signatures: tuple[Signature, ...]
    unverified_signatures: tuple[Signature, ...] = ()


def is_valid_key_name(name: str) -> bool:
    """Whether `name` may name a key: non-empty, no Unicode space, '+' or control character."""
    return (
        bool(name)
        and "+" not in name
        and not any(ch.isspace() for ch in name)
        and _CONTROL.search(name) is None
        and _encodes_as_utf8(name)
    )


def key_hash(name: str, public_key: bytes) -> int:
    """The 32-bit key ID of an Ed25519 key: SHA-256(name || 0x0A || 0x01 || key)[:4]."""
    digest = hashlib.sha256(
        name.encode("utf-8") + b"\n" + bytes([ALGORITHM_ED25519]) + public_key
    ).digest()
    return int.from_bytes(digest[:KEY_HASH_BYTES], "big")


def format_verifier_key(name: str, public_key: bytes) -> str:
    """The verifier key string `<name>+<hash>+<base64(0x01 || key)>` of a public key."""
    return Verifier(name, public_key).key_string


def format_signer_key(name: str, seed: bytes) -> str:
    """The secret signer key string `PRIVATE+KEY+<name>+<hash>+<base64(0x01 || seed)>`."""
    _require_key_name(name)
    if len(seed) != ED25519_KEY_BYTES:
        raise SignatureError(f"an Ed25519 private key seed is {ED25519_KEY_BYTES} bytes")
    public_key = _raw_public_key(Ed25519PrivateKey.from_private_bytes(seed).public_key())
    encoded = _b64encode(bytes([ALGORITHM_ED25519]) + seed)
    return f"{SIGNER_KEY_PREFIX}{name}+{key_hash(name, public_key):08x}+{encoded}"


def generate_key(name: str) -> tuple[str, str]:
    """A fresh Ed25519 key for `name`: (secret signer key string, verifier key string)."""
    signer = Signer.generate(name)
    return signer.private_key_string(), signer.verifier.key_string


@dataclass(frozen=True)
class Verifier:
    """A trusted public key: checks signatures made by the signer of the same name and hash."""

    name: str
    public_key: bytes
    key_hash: int = field(init=False)
    _key: Ed25519PublicKey = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        _require_key_name(self.name)
        if len(self.public_key) != ED25519_KEY_BYTES:
            raise SignatureError(
                f"an Ed25519 public key is {ED25519_KEY_BYTES} bytes, not {len(self.public_key)}"
            )
        try:
            key = Ed25519PublicKey.from_public_bytes(self.public_key)
        except ValueError as exc:
            raise SignatureError(f"the public key for '{self.name}' is not Ed25519") from exc
        object.__setattr__(self, "key_hash", key_hash(self.name, self.public_key))
        object.__setattr__(self, "_key", key)

    @classmethod
    def parse(cls, key: str) -> Verifier:
        """A verifier from its key string `<name>+<hash>+<base64(0x01 || key)>`.

        Raises SignatureError naming what is wrong: the layout, the algorithm, the key
        length, or a key hash that does not match the key (a corrupted string).
        """
        parts = key.split("+", 2)
        if len(parts) != 3:
            raise SignatureError(
                f"a verifier key looks like '<name>+<8 hex digits>+<base64 key>'; got {_show(key)}"
            )
        name, hash_hex, key_b64 = parts
        _require_key_name(name)
        stated_hash = _parse_key_hash(hash_hex, f"verifier key for '{name}'")
        raw = _b64decode(key_b64, f"the key data of verifier key '{name}'", SignatureError)
        public_key = _split_algorithm(raw, f"verifier key '{name}'")
        verifier = cls(name, public_key)
        if verifier.key_hash != stated_hash:
            raise SignatureError(
                f"verifier key '{name}' says key hash {stated_hash:08x}, but its key hashes to "
                f"{verifier.key_hash:08x}: the key string is corrupted; copy it again"
            )
        return verifier

    @property
    def key_string(self) -> str:
        """This key as a verifier key string (to publish and to configure verifiers with)."""
        encoded = _b64encode(bytes([ALGORITHM_ED25519]) + self.public_key)
        return f"{self.name}+{self.key_hash:08x}+{encoded}"

    def verify(self, message: bytes, signature: bytes) -> None:
        """Check an Ed25519 signature over `message`; SignatureError if it does not verify."""
        if len(signature) != ED25519_SIGNATURE_BYTES:
            raise SignatureError(
                f"a signature by '{self.name}' is {ED25519_SIGNATURE_BYTES} bytes, "
                f"not {len(signature)}"
            )
        try:
            self._key.verify(signature, message)
        except InvalidSignature as exc:
            raise SignatureError(f"signature for key '{self.name}' does not verify") from exc


class Signer:
    """A named Ed25519 signing key. Holds a secret: its repr shows only name and hash."""

    def __init__(self, name: str, private_key: Ed25519PrivateKey) -> None:
        """A signer for `name` with `private_key`; SignatureError if the name is invalid."""
        _require_key_name(name)
        self._name = name
        self._private_key = private_key
        self._verifier = Verifier(name, _raw_public_key(private_key.public_key()))

    @classmethod
    def generate(cls, name: str) -> Signer:
        """A signer with a fresh random key."""
        return cls(name, Ed25519PrivateKey.generate())

    @classmethod
    def parse(cls, key: str) -> Signer:
        """A signer from its secret key string `PRIVATE+KEY+<name>+<hash>+<base64>`.

        Raises SignatureError; the message repeats no part of the key string, since a
        garbled key may put secret bytes where the name belongs.
        """
        parts = key.split("+", 4)
        if len(parts) != 5 or parts[0] != "PRIVATE" or parts[1] != "KEY":
            raise SignatureError(
                "a signer key looks like 'PRIVATE+KEY+<name>+<8 hex digits>+<base64 key>'"
            )
        name, hash_hex, key_b64 = parts[2:]
        if not is_valid_key_name(name):
            raise SignatureError(
                "the signer key's name must be non-empty, with no spaces, '+' or control characters"
            )
        stated_hash = _parse_key_hash(hash_hex, "signer key")
        raw = _b64decode(key_b64, "the key data of the signer key", SignatureError, show=False)
        seed = _split_algorithm(raw, "the signer key")
        signer = cls(name, Ed25519PrivateKey.from_private_bytes(seed))
        if signer.key_hash != stated_hash:
            raise SignatureError(
                "the signer key's key hash does not match its key: the key string is corrupted"
            )
        return signer

    @property
    def name(self) -> str:
        """The key name written in signature lines."""
        return self._name

    @property
    def key_hash(self) -> int:
        """The 32-bit key ID written before each signature."""
        return self._verifier.key_hash

    @property
    def verifier(self) -> Verifier:
        """The public half, to hand to whoever checks this signer's notes."""
        return self._verifier

    def private_key_string(self) -> str:
        """The secret signer key string; store it like a password, never log it."""
        seed = self._private_key.private_bytes(
            serialization.Encoding.Raw,
            serialization.PrivateFormat.Raw,
            serialization.NoEncryption(),
        )
        return format_signer_key(self._name, seed)

    def sign(self, message: bytes) -> bytes:
        """The 64-byte Ed25519 signature of `message` (RFC 8032)."""
        return self._private_key.sign(message)

    def __repr__(self) -> str:
        return f"Signer(name={self._name!r}, key_hash={self.key_hash:08x})"


def sign_note(text: str, *signers: Signer) -> bytes:
    """`text` signed by each of `signers`, as a signed note (UTF-8 bytes).

    Several signers give several signature lines, in the order given: this is how a
    log signs with its old and new keys while rotating. Raises CheckpointError if the
    text cannot be a note (no final newline, control characters, too large) and
    SignatureError for no signers or the same key twice.
    """
    if not signers:
        raise SignatureError("a signed note needs at least one signer")
    if len(signers) > MAX_SIGNATURES:
        raise SignatureError(f"a note may carry at most {MAX_SIGNATURES} signatures")
    seen: set[tuple[str, int]] = set()
    for signer in signers:
        if (signer.name, signer.key_hash) in seen:
            raise SignatureError(
                f"key '{signer.name}' ({signer.key_hash:08x}) is given twice; sign once per key"
            )
        seen.add((signer.name, signer.key_hash))
    _check_text(text)
    body = text.encode("utf-8")
    lines = []
    for signer in signers:
        raw = signer.key_hash.to_bytes(KEY_HASH_BYTES, "big") + signer.sign(body)
        lines.append(Signature(signer.name, signer.key_hash, _b64encode(raw)).line)
    note = body + b"\n" + "".join(lines).encode("utf-8")
    if len(note) > MAX_NOTE_BYTES:
        raise CheckpointError(f"the signed note would exceed {MAX_NOTE_BYTES} bytes")
    return note


def open_note(data: bytes, verifiers: Iterable[Verifier], *, subject: str = "note") -> Note:
    """Parse a signed note and check its signatures against the trusted `verifiers`.

    Returns the note with the signatures verified and those by keys not in
    `verifiers` (ignored, as the spec requires). Raises CheckpointError if the note is
    malformed, and SignatureError if a trusted key's signature does not verify or no
    trusted key signed it. `subject` names the note in messages ("checkpoint").
    """
    trusted = _index_verifiers(verifiers)
    text, signatures = _split_note(data, subject)
    body = text.encode("utf-8")
    verified: dict[tuple[str, int], Signature] = {}
    checked_lines: set[str] = set()
    unverified: dict[str, Signature] = {}
    for signature, raw in signatures:
        verifier = trusted.get((signature.name, signature.key_hash))
        if verifier is None:
            unverified.setdefault(signature.line, signature)
            continue
        if signature.line in checked_lines:
            continue
        try:
            verifier.verify(body, raw[KEY_HASH_BYTES:])
        except SignatureError as exc:
            raise SignatureError(
                f"{subject} signature for key '{signature.name}' ({signature.key_hash:08x}) "
                f"does not verify — the {subject} was altered or forged; do not trust it"
            ) from exc
        checked_lines.add(signature.line)
        verified.setdefault((signature.name, signature.key_hash), signature)
    if not verified:
        raise SignatureError(_untrusted_message(subject, list(unverified.values()), trusted))
    return Note(text, tuple(verified.values()), tuple(unverified.values()))


def _split_note(data: bytes, subject: str) -> tuple[str, list[tuple[Signature, bytes]]]:
    """The text and parsed signature lines of a note; CheckpointError if malformed."""
    if len(data) > MAX_NOTE_BYTES:
        raise CheckpointError(
            f"{subject} is {len(data)} bytes; a signed note may be at most {MAX_NOTE_BYTES}"
        )
    try:
        message = bytes(data).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CheckpointError(f"{subject} is not valid UTF-8") from exc
    control = _CONTROL.search(message)
    if control is not None:
        raise CheckpointError(
            f"{subject} contains the control character U+{ord(control.group()):04X}; "
            "a signed note may hold no control character other than newline"
        )
    split = message.rfind("\n\n")
    if split < 0:
        raise CheckpointError(
            f"{subject} is not a signed note: expected text, a blank line, then "
            "'— <key name> <signature>' lines"
        )
    text, block = message[: split + 1], message[split + 2 :]
    if not block.endswith("\n"):
        raise CheckpointError(f"{subject} must end with a signature line and a newline")
    lines = block[:-1].split("\n")
    if len(lines) > MAX_SIGNATURES:
        raise CheckpointError(
            f"{subject} has {len(lines)} signature lines; at most {MAX_SIGNATURES} are accepted"
        )
    return text, [
        _parse_signature_line(line, number, subject) for number, line in enumerate(lines, 1)
    ]


def _parse_signature_line(line: str, number: int, subject: str) -> tuple[Signature, bytes]:
    """One `— <name> <base64>` line: the signature and its raw bytes (hash first)."""
    problem = (
        f"{subject} signature line {number} is malformed: "
        "expected '— <key name> <base64 signature>'"
    )
    if not line.startswith(SIGNATURE_PREFIX):
        raise CheckpointError(problem)
    name, space, encoded = line[len(SIGNATURE_PREFIX) :].partition(" ")
    if not space or not is_valid_key_name(name):
        raise CheckpointError(problem)
    raw = _b64decode(encoded, f"{subject} signature line {number}", CheckpointError)
    if len(raw) <= KEY_HASH_BYTES:
        raise CheckpointError(f"{problem}; the signature is too short")
    key_id = int.from_bytes(raw[:KEY_HASH_BYTES], "big")
    return Signature(name, key_id, encoded), raw


def _index_verifiers(verifiers: Iterable[Verifier]) -> dict[tuple[str, int], Verifier]:
    """Trusted keys by (name, key hash); SignatureError if two different keys collide."""
    index: dict[tuple[str, int], Verifier] = {}
    for verifier in verifiers:
        pair = (verifier.name, verifier.key_hash)
        known = index.setdefault(pair, verifier)
        if known.public_key != verifier.public_key:
            raise SignatureError(
                f"two trusted keys share the name '{verifier.name}' and key hash "
                f"{verifier.key_hash:08x}; keep only the right one"
            )
    return index


def _untrusted_message(
    subject: str, unverified: list[Signature], trusted: dict[tuple[str, int], Verifier]
) -> str:
    """Why no trusted key signed: a likely key rotation, unknown signers, or no keys."""
    if not trusted:
        return f"no trusted key is configured to check the {subject} against"
    trusted_names = {name: key_id for name, key_id in trusted}
    for signature in unverified:
        if signature.name in trusted_names:
            return (
                f"{subject} signed by key '{signature.name}' with key hash "
                f"{signature.key_hash:08x}, but the trusted key '{signature.name}' has "
                f"{trusted_names[signature.name]:08x} — the log may have rotated its key; "
                "get its new verifier key from the operator"
            )
    signers = ", ".join(f"'{signature.name}'" for signature in unverified[:5])
    expected = ", ".join(f"'{name}'" for name in sorted(trusted_names))
    return f"{subject} signed by unknown key {signers}; the trusted keys are {expected}"


def _check_text(text: str) -> None:
    """CheckpointError unless `text` can be the text of a signed note."""
    if not text.endswith("\n"):
        raise CheckpointError("a note's text must end with a newline")
    control = _CONTROL.search(text)
    if control is not None:
        raise CheckpointError(
            f"a note's text may hold no control character other than newline; "
            f"found U+{ord(control.group()):04X}"
        )
    if not _encodes_as_utf8(text):
        raise CheckpointError("a note's text must be valid Unicode (no lone surrogates)")
    if len(text.encode("utf-8")) > MAX_NOTE_BYTES:
        raise CheckpointError(f"a note's text may be at most {MAX_NOTE_BYTES} bytes")


def _require_key_name(name: str) -> None:
    if not is_valid_key_name(name):
        raise SignatureError(
            f"{_show(name)} is not a key name: it must be non-empty, with no spaces, "
            "'+' or control characters"
        )


def _parse_key_hash(text: str, what: str) -> int:
    if _HEX_KEY_HASH.fullmatch(text) is None:
        raise SignatureError(f"the key hash of the {what} must be 8 hex digits")
    return int(text, 16)


def _split_algorithm(raw: bytes, what: str) -> bytes:
    """The 32 key bytes after the algorithm byte; SignatureError for others."""
    if not raw or raw[0] != ALGORITHM_ED25519:
        algorithm = f"0x{raw[0]:02x}" if raw else "none"
        raise SignatureError(
            f"{what} uses signature algorithm {algorithm}; only Ed25519 (0x01) is supported"
        )
    if len(raw) != 1 + ED25519_KEY_BYTES:
        raise SignatureError(f"{what} holds {len(raw) - 1} key bytes; Ed25519 needs 32")
    return raw[1:]


def _b64encode(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def _b64decode(
    text: str,
    what: str,
    error: type[CheckpointError],
    *,
    show: bool = True,
) -> bytes:
    """Strict standard base64 (RFC 4648 section 4): padded and canonical, else `error`."""
    shown = f": {_show(text)}" if show else ""
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
    except (UnicodeEncodeError, binascii.Error, ValueError) as exc:
        raise error(f"{what} is not standard base64{shown}") from exc
    if _b64encode(raw) != text:
        raise error(f"{what} is not canonical base64{shown}")
    return raw


def _raw_public_key(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def _encodes_as_utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _show(value: str, limit: int = 60) -> str:
    """A value quoted for an error message, cut short so a huge input stays readable."""
    return repr(value if len(value) <= limit else value[:limit] + "…")
