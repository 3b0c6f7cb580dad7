"""Checkpoints: the log's signed tree heads, in the C2SP tlog-checkpoint format.

Spec: https://c2sp.org/tlog-checkpoint; the envelope is a signed note (`note`,
https://c2sp.org/signed-note). A checkpoint's note text is::

    frontporch.example.org/log
    20852163
    CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=

the origin (the log's identity: non-empty, one line; a schema-less URL-like name is
recommended), the tree size in ASCII decimal without sign or leading zeros, and the
standard base64 of the RFC 9162 root hash (32 bytes, SHA-256), each ending in a
newline, then optional non-empty extension lines. Parsing is strict: exactly that,
or CheckpointError. The text is parsed only after a trusted signature on it verified.

Keys and rotation. The log signs each checkpoint with its Ed25519 key, whose key name
should be the origin. To rotate, the operator generates a new key under the same name
and publishes its verifier key; from then on every checkpoint carries two signatures,
the old key's and the new one's (`sign_checkpoint(cp, old, new)`). A note may carry
several signatures and verifiers ignore those by keys they do not know (signed-note,
"Signatures"), so a verifier holding only the old key keeps working, and one given
the new key works at once. Once verifiers have the new key, the old one is retired
and checkpoints carry only the new signature; a verifier still holding only the old
key is then refused with a message saying the log may have rotated its key.
Witness cosignatures travel the same way, as extra signature lines.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterable
from dataclasses import dataclass

from frontporch.translog.errors import CheckpointError
from frontporch.translog.note import Signer, Verifier, open_note, sign_note

ROOT_HASH_BYTES = 32
MAX_TREE_SIZE = 2**64 - 1
_DECIMAL = re.compile(r"0|[1-9][0-9]{0,19}")
_CONTROL = re.compile(r"[\x00-\x1f]")


@dataclass(frozen=True)
class Checkpoint:
    """A log's tree head: its origin, size and root hash, plus opaque extension lines."""

    origin: str
    size: int
    root_hash: bytes
    extensions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "extensions", tuple(self.extensions))
        _check_line(self.origin, "origin")
        if isinstance(self.size, bool) or not isinstance(self.size, int):
            raise CheckpointError("the tree size must be an integer")
        if not 0 <= self.size <= MAX_TREE_SIZE:
            raise CheckpointError(f"the tree size must be between 0 and {MAX_TREE_SIZE}")
        if not isinstance(self.root_hash, bytes) or len(self.root_hash) != ROOT_HASH_BYTES:
            raise CheckpointError(f"the root hash must be {ROOT_HASH_BYTES} bytes (SHA-256)")
        for extension in self.extensions:
            _check_line(extension, "extension line")

    def to_note_body(self) -> str:
        """The checkpoint as note text: origin, size, base64 root, extensions; newline-ended."""
        lines = [
            self.origin,
            str(self.size),
            base64.b64encode(self.root_hash).decode("ascii"),
            *self.extensions,
        ]
        return "".join(f"{line}\n" for line in lines)

    @classmethod
    def parse(cls, body: str) -> Checkpoint:
        """A checkpoint from note text, exactly as the spec lays it out; CheckpointError else."""
        if not body.endswith("\n"):
            raise CheckpointError("a checkpoint's text must end with a newline")
        lines = body[:-1].split("\n")
        if len(lines) < 3:
            raise CheckpointError(
                "a checkpoint has at least 3 lines (origin, tree size, root hash); "
                f"got {len(lines)}"
            )
        origin, size_text, root_text, *extensions = lines
        if _DECIMAL.fullmatch(size_text) is None:
            raise CheckpointError(
                "the checkpoint's tree size must be a decimal number without sign or leading "
                f"zeros; got {_show(size_text)}"
            )
        return cls(origin, int(size_text), _decode_root(root_text), tuple(extensions))


def sign_checkpoint(checkpoint: Checkpoint, *signers: Signer) -> bytes:
    """The checkpoint as a signed note, signed by each signer (two while rotating keys)."""
    return sign_note(checkpoint.to_note_body(), *signers)


def open_checkpoint(
    data: bytes, verifier: Verifier | Iterable[Verifier], expected_origin: str
) -> Checkpoint:
    """The checkpoint in `data`, once the log's key has verified it and its origin matches.

    `verifier` is the log's key (or keys: any one signing suffices, and every one that
    signed must verify). Raises SignatureError if no trusted key signed it or a
    signature is bad, and CheckpointError if it is malformed or for another log.
    """
    verifiers = [verifier] if isinstance(verifier, Verifier) else list(verifier)
    note = open_note(data, verifiers, subject="checkpoint")
    checkpoint = Checkpoint.parse(note.text)
    if checkpoint.origin != expected_origin:
        raise CheckpointError(
            f"checkpoint is for log {_show(checkpoint.origin)}, expected "
            f"{_show(expected_origin)}: the server sent another log's checkpoint, or the "
            "log's origin is configured wrongly"
        )
    return checkpoint


def _check_line(value: str, what: str) -> None:
    """CheckpointError unless `value` is one non-empty line a note can hold."""
    if not isinstance(value, str) or not value:
        raise CheckpointError(f"the checkpoint's {what} must be non-empty text")
    if _CONTROL.search(value) is not None:
        raise CheckpointError(
            f"the checkpoint's {what} must be one line with no control characters; "
            f"got {_show(value)}"
        )
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise CheckpointError(f"the checkpoint's {what} is not valid Unicode") from exc


def _decode_root(text: str) -> bytes:
    """The root hash from its base64 line: canonical standard base64 of 32 bytes."""
    try:
        root = base64.b64decode(text.encode("ascii"), validate=True)
    except (UnicodeEncodeError, binascii.Error, ValueError) as exc:
        raise CheckpointError(
            f"the checkpoint's root hash is not standard base64: {_show(text)}"
        ) from exc
    if base64.b64encode(root).decode("ascii") != text:
        raise CheckpointError(f"the checkpoint's root hash is not canonical base64: {_show(text)}")
    if len(root) != ROOT_HASH_BYTES:
        raise CheckpointError(
            f"the checkpoint's root hash is {len(root)} bytes; this log uses "
            f"{ROOT_HASH_BYTES}-byte SHA-256 roots"
        )
    return root


def _show(value: str, limit: int = 60) -> str:
    """A value quoted for an error message, cut short so a huge input stays readable."""
    return repr(value if len(value) <= limit else value[:limit] + "…")
