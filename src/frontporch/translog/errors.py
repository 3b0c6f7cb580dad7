"""The transparency log's errors: one base, and one subclass per kind of failed check."""

from __future__ import annotations


class TranslogError(Exception):
    """Something about the transparency log is wrong; the message says what and why."""


class ProofError(TranslogError):
    """An inclusion or consistency proof does not check out, or is malformed."""


class CheckpointError(TranslogError):
    """A checkpoint (or its signed-note envelope) is malformed or cannot be accepted."""


class SignatureError(CheckpointError):
    """A signed note carries no valid signature by a key the verifier trusts."""


class EntryError(TranslogError):
    """A log entry is malformed, too large, not canonical, or of an unknown type."""
