"""The backup desk: every owner action on backups, and the `hub-backup` thread.

One service for the page, the API and the background passes (STYLE 13):

- `new_key()` makes a recovery key, keeps only its recipient (pending), and returns
  the key for the one response that shows it; `confirm_key(recipient)` is the owner's
  "I have saved it", after which backups use that recipient (replacing the previous
  key: everything is uploaded again under the new one, then the old objects go).
- `start()` runs passes on its own thread every `interval_s`, sooner after an event
  ends (`on_change`, which only sets a flag: it runs on the index writer's thread);
  `run_now()` asks for a pass at once. A pass never blocks recording: it only reads
  closed files and the index, and a failing target only records an error.
- `view()` is what the page shows: the key's state, the policy, the latest passes.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from frontporch.hub.backup.config import BackupConfig, BackupConfigError
from frontporch.hub.backup.ports import BackupRun, BackupStorePort, RecoveryRecipient
from frontporch.hub.backup.recovery import RecoveryKey, check_recipient, generate
from frontporch.hub.backup.target import BackupTarget, TargetError
from frontporch.hub.backup.uploader import (
    RETRY_DELAYS_S,
    KeyReplaced,
    NoRecoveryKey,
    PassStopped,
    Uploader,
)
from frontporch.hub.changes import Change, ChangeType, EventChange
from frontporch.hub.config import HubConfig

log = logging.getLogger(__name__)

THREAD_NAME = "hub-backup"
FIRST_PASS_DELAY_S = 5.0


class BackupDeskError(Exception):
    """An owner action on backups cannot be done; the message says why."""


@dataclass(frozen=True, slots=True)
class BackupView:
    """What the Backup page shows."""

    config: BackupConfig
    target: str | None
    recipient: RecoveryRecipient | None
    pending: RecoveryRecipient | None
    runs: Sequence[BackupRun]
    running: bool
    problem: str | None  # why no pass can run (no key, no target), or None


class BackupDesk:
    """Backups of one hub: its key, its policy, its passes."""

    def __init__(
        self,
        config: HubConfig,
        store: BackupStorePort,
        root: Path,
        clock: Callable[[], float] = time.time,
        *,
        target: BackupTarget | None = None,
    ) -> None:
        """`target` replaces the configured one (tests, benchmarks); it is otherwise made
        from `config.backup.target` on first use."""
        self.config = config
        self.policy = config.backup
        self.store = store
        self.root = root
        self.clock = clock
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._running = threading.Event()
        self._target: BackupTarget | None = target
        self._target_problem: str | None = None
        self.retry_delays: Sequence[float] = RETRY_DELAYS_S
        self.padding = {
            name: (camera.events.pre_capture_s, camera.events.post_capture_s)
            for name, camera in config.cameras.items()
        }

    # -- the recovery key -------------------------------------------------------------------

    def new_key(self) -> RecoveryKey:
        """A new recovery key; the hub keeps only its recipient, unconfirmed."""
        key = generate()
        self.store.add_backup_recipient(key.recipient, self.clock())
        return key

    def confirm_key(self, recipient: str) -> RecoveryRecipient:
        """The owner saved the key with this recipient: backups use it from now on."""
        value = check_recipient(recipient)
        if not self.store.confirm_backup_recipient(value, self.clock()):
            raise BackupDeskError(
                "that key is not the one waiting for confirmation; make a new key"
            )
        confirmed = self.store.backup_recipient()
        assert confirmed is not None
        self._wake.set()
        return confirmed

    # -- what the page shows ------------------------------------------------------------------

    def target(self) -> BackupTarget | None:
        """The configured target (made once), or None with `problem` saying why."""
        if self._target is None and self._target_problem is None:
            try:
                self._target = self.policy.open_target(self.root)
            except (BackupConfigError, TargetError, ImportError) as exc:
                self._target_problem = str(exc)
        return self._target

    def needs_recovery_key(self) -> bool:
        """Whether the owner has yet to make and confirm a recovery key: until then the
        hub offers one on its front page (a stolen hub takes its footage with it)."""
        return self.store.backup_recipient() is None

    def view(self) -> BackupView:
        recipient = self.store.backup_recipient()
        target = self.target()
        problem: str | None = None
        if not self.policy.enabled:
            problem = "Backup is off: set backup.enabled and backup.target in the hub's config"
        elif target is None:
            problem = self._target_problem or "no backup target is configured"
        elif recipient is None:
            problem = "No recovery key is confirmed yet, so nothing is uploaded"
        elif self.unknown_cameras():
            problem = "backup.cameras names cameras this hub does not have: " + ", ".join(
                self.unknown_cameras()
            )
        return BackupView(
            config=self.policy,
            target=target.description if target is not None else None,
            recipient=recipient,
            pending=self.store.backup_pending_recipient(),
            runs=self.store.backup_runs(10),
            running=self._running.is_set(),
            problem=problem,
        )

    def unknown_cameras(self) -> list[str]:
        """Cameras the policy names that the hub's config does not have (a typo)."""
        return [name for name in self.policy.cameras or () if name not in self.config.cameras]

    # -- passes ---------------------------------------------------------------------------------

    def uploader(self, target: BackupTarget) -> Uploader:
        return Uploader(
            store=self.store,
            target=target,
            root=self.root,
            config=self.policy,
            padding=self.padding,
            stop=self._stop,
            clock=self.clock,
            retry_delays=self.retry_delays,
        )

    def run_pass(self) -> BackupRun | None:
        """One pass now, on the caller's thread; its record (None if none could run)."""
        target = self.target()
        if target is None or self.store.backup_recipient() is None:
            return None
        run_id = self.store.start_backup_run(self.clock())
        error: str | None = None
        uploaded = uploaded_bytes = deleted = 0
        self._running.set()
        try:
            result = self.uploader(target).run_pass()
            uploaded, uploaded_bytes, deleted = (
                result.uploaded,
                result.uploaded_bytes,
                result.deleted,
            )
        except KeyReplaced:
            error = "stopped: a new recovery key was confirmed; the next pass uses it"
            self._wake.set()
        except PassStopped:
            error = "stopped with the hub; the next pass resumes where this one ended"
        except (TargetError, NoRecoveryKey) as exc:
            error = str(exc)
            log.warning("backup pass failed: %s", exc)
        except Exception as exc:  # a bug must not kill the thread, and the page shows it
            error = f"the backup pass failed unexpectedly ({type(exc).__name__})"
            log.exception("backup pass failed")
        finally:
            self._running.clear()
        self.store.finish_backup_run(run_id, self.clock(), uploaded, uploaded_bytes, deleted, error)
        return self.store.backup_runs(1)[0]

    def run_now(self) -> None:
        """Ask the thread for a pass as soon as it is free."""
        self._wake.set()

    def start(self) -> None:
        """Start the `hub-backup` thread (only when backup is enabled)."""
        if not self.policy.enabled or self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name=THREAD_NAME, daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the thread; an upload in flight ends and resumes at the next start."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def on_change(self, change: Change) -> None:
        """An event ended: back it up soon (only a flag; this is the index writer's thread)."""
        if isinstance(change, EventChange) and change.type is ChangeType.end:
            self._wake.set()

    def _loop(self) -> None:
        wait = FIRST_PASS_DELAY_S
        while not self._stop.is_set():
            self._wake.wait(wait)
            self._wake.clear()
            if self._stop.is_set():
                return
            self.run_pass()
            wait = self.policy.interval_s
