"""The log monitor: checks that a log server's log only ever grows, as anyone can run it.

DESIGN.md, trust model 6: log entries are never silently rewritten or dropped — a
verifier holding an older checkpoint detects it. `Monitor.update(server_url)` does what
such a verifier must (docs/transparency.md, "Monitoring the log"):

1. fetch the latest checkpoint and open it with the trusted verifier key(s) and origin
   (C2SP signed-note / tlog-checkpoint: `checkpoint.open_checkpoint`);
2. refuse a size smaller than the last verified one (a rollback), and a different root
   at the same size (a fork);
3. for a larger size, fetch the consistency proof from the last verified checkpoint and
   verify it (RFC 9162 section 2.1.4.2): the new tree must extend the old one;
4. with `audit=True`, fetch every new entry, check that its bytes hash to the leaf hash
   the server lists (section 2.1.1) and decode as a valid entry (`entries`), append it
   to the compact range (`compact`), and require the range to fold to the new root
   exactly. A state with no compact range (never audited, or audited only in part)
   audits from entry 0, once.

`Monitor.check_inclusion(...)` proves one entry (by index, leaf hash or canonical bytes)
is in the verified checkpoint (section 2.1.3.2). A hub uses the same code: it acts only
on requests proven into a checkpoint consistent with the last one it saw (trust model 3).

Every failed check raises a `TranslogError` subclass with a message saying what was
found and what it means; none returns False. `LogInconsistency` (and `NotInLog`) are
proof failures: the log contradicts itself or a checkpoint already verified, and carry
`evidence` (the signed notes involved) to keep. `client.LogUnavailable` means nothing
could be checked. The monitor's state (`state.MonitorState`) changes only when a check
passed; the caller saves it after a run in which everything checked out.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from frontporch.translog.checkpoint import Checkpoint, open_checkpoint
from frontporch.translog.client import (
    ENTRIES_PER_CALL,
    BadResponse,
    Fetch,
    LogClient,
    LogUnavailable,
    RemoteEntry,
    urllib_fetch,
)
from frontporch.translog.compact import CompactRange
from frontporch.translog.entries import decode_entry
from frontporch.translog.errors import EntryError, ProofError, TranslogError
from frontporch.translog.merkle import leaf_hash, verify_consistency, verify_inclusion
from frontporch.translog.note import Verifier
from frontporch.translog.state import MonitorState, StateFileError, format_time

__all__ = [
    "BadResponse",
    "Inclusion",
    "LogInconsistency",
    "LogUnavailable",
    "Monitor",
    "MonitorState",
    "NotInLog",
    "Result",
    "StateFileError",
    "trust_on_first_use",
]

EVIDENCE = "keep your state file as evidence"


class LogInconsistency(ProofError):
    """The log contradicts a checkpoint already verified, or its own signed root."""

    def __init__(self, message: str, evidence: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.evidence = evidence or {}


class NotInLog(ProofError):
    """An entry is not proven to be in the verified checkpoint."""


@dataclass(frozen=True)
class Result:
    """What one `update` verified: sizes before and after, the root, entries audited."""

    origin: str
    previous_size: int | None
    size: int | None
    root: bytes | None
    audited: int
    fully_audited: bool
    state: MonitorState


@dataclass(frozen=True)
class Inclusion:
    """An entry proven to be in the verified checkpoint of `size` leaves with `root`."""

    index: int
    leaf_hash: bytes
    size: int
    root: bytes
    proof: tuple[bytes, ...] = field(repr=False)


def _utcnow() -> datetime:
    return datetime.now(UTC)


def trust_on_first_use(server_url: str, *, fetch: Fetch = urllib_fetch) -> MonitorState:
    """A fresh state trusting whatever key the server publishes at /api/log/key.

    Weaker than a pinned key (`state.pinned_state`): whoever answers this first call is
    believed. The caller must say so loudly and explain how to pin the key.
    """
    origin, keys = LogClient(server_url, fetch=fetch).key()
    try:
        parsed = [Verifier.parse(key).key_string for key in keys]
    except TranslogError as exc:
        raise BadResponse(f"the server publishes a malformed verifier key: {exc}") from None
    return MonitorState(origin, tuple(parsed))


class Monitor:
    """Checks a log against the state it holds; `state` advances only on success."""

    def __init__(
        self,
        state: MonitorState,
        *,
        fetch: Fetch = urllib_fetch,
        clock: Callable[[], datetime] = _utcnow,
        page_size: int = ENTRIES_PER_CALL,
    ) -> None:
        """A monitor starting from `state` (see `state.pinned_state`, `trust_on_first_use`)."""
        self.state = state
        self._fetch = fetch
        self._clock = clock
        self._page_size = max(1, page_size)

    def update(self, server_url: str, *, audit: bool = False) -> Result:
        """Verify the server's latest checkpoint against the state (module docstring).

        Raises SignatureError / CheckpointError (a checkpoint not by the trusted key or
        for another log), LogInconsistency (rollback, fork, rewrite, entries that do not
        build the signed root), EntryError (an invalid entry, when auditing),
        BadResponse and LogUnavailable. On success `self.state` is the new state.
        """
        client = LogClient(server_url, fetch=self._fetch)
        old = self.state.checkpoint
        note = client.checkpoint()
        if note is None:
            if old is not None:
                raise self._inconsistency(
                    f"the server says the log has no checkpoint, but you verified one of "
                    f"{old.size} entries on {format_time(old.verified_at)}: the log was "
                    f"deleted or replaced; {EVIDENCE}",
                    None,
                )
            self.state = MonitorState(
                self.state.origin, self.state.verifier_keys, server=client.server_url
            )
            return Result(self.state.origin, None, None, None, 0, False, self.state)
        checkpoint = open_checkpoint(note, self.state.verifiers(), self.state.origin)
        self._check_not_rolled_back(checkpoint, note)
        if old is not None and old.size < checkpoint.size:
            proof = client.consistency_proof(old.size, checkpoint.size)
            self._check_consistency(checkpoint, note, proof)
        compact = self.state.compact_range
        audited = 0
        if audit:
            compact, audited = self._audit(client, checkpoint, note)
        self.state = self.state.advanced(
            checkpoint, note, self._clock(), compact, client.server_url
        )
        return Result(
            origin=self.state.origin,
            previous_size=old.size if old else None,
            size=checkpoint.size,
            root=checkpoint.root_hash,
            audited=audited,
            fully_audited=self.state.compact_range is not None,
            state=self.state,
        )

    def check_inclusion(
        self,
        server_url: str,
        *,
        index: int | None = None,
        leaf: bytes | None = None,
        entry: bytes | None = None,
    ) -> Inclusion:
        """Prove one entry — by `index`, `leaf` hash or canonical `entry` bytes — is in the
        verified checkpoint (RFC 9162 section 2.1.3.2). Run `update` first to check the
        latest one. Raises NotInLog, LogInconsistency, BadResponse, LogUnavailable.
        """
        if (index is None) + (leaf is None) + (entry is None) != 2:
            raise TranslogError("name the entry by exactly one of index, leaf hash or bytes")
        verified = self.state.checkpoint
        if verified is None:
            raise NotInLog("no checkpoint has been verified yet, so no entry is proven in it")
        client = LogClient(server_url, fetch=self._fetch)
        size, root = verified.size, verified.root
        if entry is not None:
            leaf = leaf_hash(entry)
        if index is not None:
            if not 0 <= index < size:
                raise NotInLog(
                    f"entry {index} is not in the checkpoint you verified, which has {size} "
                    "entries (numbered from 0); run again later if it is newer"
                )
            listed = client.entries(index, index + 1)
            if len(listed) != 1 or listed[0].index != index:
                raise BadResponse(f"the server did not send entry {index} when asked for it")
            leaf = _checked_leaf(listed[0])
            answer = client.inclusion_proof(size, index=index)
        else:
            assert leaf is not None
            answer = client.inclusion_proof(size, leaf_hash=leaf)
        what = f"entry {index}" if index is not None else f"the entry with leaf hash {_b64(leaf)}"
        if answer is None:
            raise NotInLog(
                f"the server has no proof of {what} in the size-{size} checkpoint you "
                "verified: it is not in the log"
            )
        if answer.size != size or answer.leaf_hash != leaf or index not in (None, answer.index):
            raise BadResponse(
                f"the server answered a request for the proof of {what} about another"
            )
        try:
            verify_inclusion(leaf, answer.index, size, answer.proof, root)
        except ProofError as exc:
            if index is None:
                raise NotInLog(
                    f"{what} is not proven to be in the size-{size} checkpoint you verified: {exc}"
                ) from exc
            raise self._inconsistency(
                f"entry {index} as the server now serves it is not the entry the size-{size} "
                f"checkpoint you verified committed to ({exc}): the stored entry was "
                f"rewritten after it was logged; {EVIDENCE}",
                None,
            ) from exc
        return Inclusion(answer.index, leaf, size, root, answer.proof)

    # -- the checks ----------------------------------------------------------------------

    def _check_not_rolled_back(self, checkpoint: Checkpoint, note: bytes) -> None:
        old = self.state.checkpoint
        if old is None:
            return
        when = format_time(old.verified_at)
        if checkpoint.size < old.size:
            raise self._inconsistency(
                f"the log now has {checkpoint.size} entries, but you verified a checkpoint "
                f"of {old.size} entries on {when}: a log only grows, so it was rolled back "
                f"(entries dropped) or you are shown a different log; {EVIDENCE}",
                note,
            )
        if checkpoint.size == old.size and checkpoint.root_hash != old.root:
            raise self._inconsistency(
                f"the log at size {checkpoint.size} has a different root than the size-"
                f"{old.size} checkpoint you verified on {when}: two signed checkpoints of "
                f"one size that differ prove the log was rewritten or forked; {EVIDENCE}",
                note,
            )

    def _check_consistency(
        self, checkpoint: Checkpoint, note: bytes, proof: tuple[bytes, ...]
    ) -> None:
        old = self.state.checkpoint
        assert old is not None
        try:
            verify_consistency(old.size, checkpoint.size, proof, old.root, checkpoint.root_hash)
        except ProofError as exc:
            raise self._inconsistency(
                f"the log at size {checkpoint.size} is not an extension of the size-"
                f"{old.size} checkpoint you verified on {format_time(old.verified_at)} "
                f"({exc}): the log was rewritten or forked; {EVIDENCE}",
                note,
                proof=proof,
            ) from exc

    def _audit(
        self, client: LogClient, checkpoint: Checkpoint, note: bytes
    ) -> tuple[CompactRange, int]:
        """Rebuild the new root from the entries; the compact range and how many were read."""
        old = self.state.checkpoint
        compact = self.state.compact_range or CompactRange()
        start = compact.size
        while compact.size < checkpoint.size:
            wanted = min(checkpoint.size, compact.size + self._page_size)
            batch = client.entries(compact.size, wanted)
            if not batch or len(batch) > wanted - compact.size:
                raise BadResponse(
                    f"asked for entries {compact.size}..{wanted - 1}, the server sent "
                    f"{len(batch)}; its checkpoint says it has {checkpoint.size}"
                )
            for item in batch:
                if item.index != compact.size:
                    raise BadResponse(
                        f"the server sent entry {item.index} where entry {compact.size} belongs"
                    )
                compact = compact.appended([_checked_leaf(item)])
                if old is not None and compact.size == old.size and compact.root() != old.root:
                    raise self._inconsistency(
                        f"the first {old.size} entries the server now serves do not build the "
                        f"root of the size-{old.size} checkpoint you verified on "
                        f"{format_time(old.verified_at)}: stored entries were rewritten, "
                        f"dropped or reordered after they were logged; {EVIDENCE}",
                        note,
                    )
        if compact.root() != checkpoint.root_hash:
            raise self._inconsistency(
                f"the {checkpoint.size} entries the server serves do not build the root its "
                f"size-{checkpoint.size} checkpoint signs: the stored entries differ from "
                f"what was logged (rewritten, dropped or reordered); {EVIDENCE}",
                note,
            )
        return compact, checkpoint.size - start

    def _inconsistency(
        self, message: str, note: bytes | None, *, proof: tuple[bytes, ...] = ()
    ) -> LogInconsistency:
        old = self.state.checkpoint
        evidence: dict[str, Any] = {"found": message, "origin": self.state.origin}
        if old is not None:
            evidence["verified_checkpoint"] = old.note.decode("utf-8")
            evidence["verified_at"] = format_time(old.verified_at)
        if note is not None:
            evidence["new_checkpoint"] = note.decode("utf-8")
        if proof:
            evidence["consistency_proof"] = [_b64(value) for value in proof]
        evidence["observed_at"] = format_time(self._clock())
        return LogInconsistency(message, evidence)


def _checked_leaf(item: RemoteEntry) -> bytes:
    """The entry's leaf hash, once its bytes hash to it and decode as a valid entry."""
    computed = leaf_hash(item.data)
    if computed != item.leaf_hash:
        raise LogInconsistency(
            f"entry {item.index}'s bytes hash to {_b64(computed)}, but the server lists its "
            f"leaf hash as {_b64(item.leaf_hash)}: the stored entry or its hash was changed "
            f"after it was logged; {EVIDENCE}",
            {
                "found": "entry bytes do not hash to their listed leaf hash",
                "index": item.index,
                "data": _b64(item.data),
                "listed_leaf_hash": _b64(item.leaf_hash),
            },
        )
    try:
        decode_entry(item.data)
    except EntryError as exc:
        raise EntryError(f"entry {item.index} is not a valid log entry: {exc}") from None
    return computed


def _b64(value: bytes) -> str:
    return base64.b64encode(value).decode("ascii")
