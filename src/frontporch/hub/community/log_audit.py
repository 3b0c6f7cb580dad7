"""What the hub knows of its server's transparency log, for every feature that must see
a claim proven there first (footage requests, legal notices): `LogAuditor` proves
entries into a checkpoint consistent with the last one this hub verified, keeping the
monitor state in `<storage>/log-monitor.json` (the server's key trusted on first use
unless the owner pinned one); `LOG_INCONSISTENT_KEY` is the store setting that holds
the hub's "server log inconsistent" state, in which it acts on no request or notice
until the owner resets it (`frontporch hub log-reset`). Entry times are Moments
("YYYY-MM-DDTHH:MM:SSZ"); `parse_time` and `as_moment` convert them.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from frontporch.translog.client import Fetch, LogClient, LogUnavailable, urllib_fetch
from frontporch.translog.entries import Entry, decode_entry, moment
from frontporch.translog.errors import TranslogError
from frontporch.translog.merkle import leaf_hash
from frontporch.translog.state import MonitorState, pinned_state
from frontporch.translog.verify import (
    BadResponse,
    LogInconsistency,
    Monitor,
    NotInLog,
    trust_on_first_use,
)

MONITOR_FILE = "log-monitor.json"
LOG_INCONSISTENT_KEY = "requests.log_inconsistent"


@dataclass(frozen=True, slots=True)
class Unproven:
    """Why entries could not be proven, in words; `inconsistent` when the log contradicts
    itself or a checkpoint this hub already verified (the hub then trusts nothing)."""

    reason: str
    inconsistent: str | None = None


def parse_time(value: str) -> float:
    """A Moment ("YYYY-MM-DDTHH:MM:SSZ") as Unix seconds."""
    return datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC).timestamp()


def as_moment(value: float) -> str:
    """Unix seconds as a Moment (to the second)."""
    return moment(datetime.fromtimestamp(value, UTC))


class LogAuditor:
    """Proves entries into the server's log, keeping this hub's monitor state on disk."""

    def __init__(
        self,
        storage_root: Path,
        server_url: str,
        *,
        pinned_key: str | None = None,
        fetch: Fetch = urllib_fetch,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.path = storage_root / MONITOR_FILE
        self.server_url = server_url
        self.pinned_key = pinned_key
        self._fetch = fetch
        self._clock = clock

    def _state(self) -> MonitorState:
        state = MonitorState.load(self.path)
        if self.pinned_key is not None:
            pinned = pinned_state([self.pinned_key])
            if state is None or state.verifier_keys != pinned.verifier_keys:
                # The owner pinned (or changed) the key: keep the verified checkpoint, so
                # the server must still prove it only grew, now under the pinned key.
                return (
                    pinned
                    if state is None
                    else replace(state, origin=pinned.origin, verifier_keys=pinned.verifier_keys)
                )
            return state
        if state is None:
            return trust_on_first_use(self.server_url, fetch=self._fetch)
        return state

    def prove(self, indexes: Iterable[int]) -> dict[int, bytes]:
        """The canonical bytes of each entry, each proven into a checkpoint consistent
        with the last one verified. Raises LogInconsistency, NotInLog, and
        TranslogError subclasses for anything else that could not be checked."""
        monitor = Monitor(self._state(), fetch=self._fetch, clock=self._clock)
        monitor.update(self.server_url)
        client = LogClient(self.server_url, fetch=self._fetch)
        proven: dict[int, bytes] = {}
        for index in indexes:
            inclusion = monitor.check_inclusion(self.server_url, index=index)
            listed = client.entries(index, index + 1)
            if len(listed) != 1 or leaf_hash(listed[0].data) != inclusion.leaf_hash:
                raise BadResponse(f"the server sent entry {index} differently when asked again")
            proven[index] = listed[0].data
        monitor.state.save(self.path)
        return proven

    def prove_entries(self, indexes: Sequence[int], what: str) -> dict[int, Entry] | Unproven:
        """Each entry at `indexes`, proven (as `prove`) and decoded; or why not, in words
        that name `what` the entries stand for ("request", "notice")."""
        try:
            proven = self.prove(indexes)
        except LogInconsistency as exc:
            return Unproven(f"the server's transparency log is inconsistent: {exc}", str(exc))
        except NotInLog as exc:
            return Unproven(f"the {what} is not proven to be in the server's log: {exc}")
        except LogUnavailable as exc:
            return Unproven(f"the server's log could not be reached to check the {what}: {exc}")
        except TranslogError as exc:
            return Unproven(f"the server's log could not be checked: {exc}")
        try:
            return {index: decode_entry(proven[index]) for index in indexes}
        except TranslogError as exc:
            return Unproven(f"a logged entry is not valid: {exc}")

    @staticmethod
    def set_aside(storage_root: Path, now: float) -> Path | None:
        """Move the monitor state away (kept as evidence) so the log is trusted afresh."""
        path = storage_root / MONITOR_FILE
        if not path.exists():
            return None
        kept = path.with_name(f"{MONITOR_FILE}.inconsistent-{int(now)}")
        shutil.move(path, kept)
        return kept
