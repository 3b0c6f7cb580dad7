"""The owner's legal notices: one service for the page and the server link.

The server's LEGAL_NOTICE messages arrive through `on_legal_notice` (wired in
`hub/process/runtime.py`); every owner action is one method of `NoticeDesk` (STYLE.md
13): list the notices, count the unread ones, mark one read.

What the desk decides, and why:
- Every well-formed notice is kept, checked against the log (`intake.check_notice`) or
  not: one the log does not confirm is shown as "not confirmed by the log" with the
  reason. Only a body that breaks the contract is dropped (logged as a warning).
- The log check shares the footage-request desk's monitor state and its "server log
  inconsistent" setting: a log that contradicts what the hub verified puts the whole
  hub in that state, and while it lasts notices are kept unconfirmed unchecked.
- A notice delivered again (same demand, same `owner_notice` entry) keeps its stored
  check and read state, unless the first check could not confirm it, in which case it
  is checked again (the server may have been unreachable). A later message for the
  same demand that the log does not confirm never replaces a confirmed notice.
- Nothing here changes or sends footage: the server holds none to give.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import Path

from frontporch.hub.community.link import JsonObject, ServerLink
from frontporch.hub.community.log_audit import LOG_INCONSISTENT_KEY, LogAuditor
from frontporch.hub.config import HubConfig
from frontporch.hub.notices.intake import MalformedNotice, check_notice, parse_notice_message
from frontporch.hub.notices.records import LegalNoticeRecord
from frontporch.hub.ports import NoticeStorePort
from frontporch.translog.client import Fetch, urllib_fetch

log = logging.getLogger(__name__)

ENTRY_PATH = "/transparency/entries/{index}"
"""Where the server shows one log entry to anyone (its public transparency pages)."""


class NoticeDeskError(Exception):
    """A notice action cannot be done; the message says why."""


class UnknownNotice(NoticeDeskError):
    """No legal notice of that demand on this hub."""


class NoticeDesk:
    """Legal notices on this hub: intake from the link, and the owner's view.

    `link_loader` gives the server link (`ServerLink.load` by default, raising
    `NotPaired`); `clock` is Unix time; `fetch` reaches the server's log API (real
    HTTP by default; tests pass an in-memory log's).
    """

    def __init__(
        self,
        config: HubConfig,
        store: NoticeStorePort,
        storage_root: Path,
        link_loader: Callable[[], ServerLink] | None = None,
        clock: Callable[[], float] = time.time,
        *,
        fetch: Fetch = urllib_fetch,
    ) -> None:
        self.config = config
        self.store = store
        self.root = storage_root
        self.clock = clock
        self._link_loader = link_loader or (lambda: ServerLink.load(storage_root))
        self._fetch = fetch
        self._lock = threading.Lock()  # one intake at a time

    # --- reading ----------------------------------------------------------------------

    def notices(self) -> list[LegalNoticeRecord]:
        """Every notice, newest received first."""
        return list(self.store.list_legal_notices())

    def get(self, demand: str) -> LegalNoticeRecord | None:
        """The notice of one demand, or None."""
        return self.store.get_legal_notice(demand)

    def unread_count(self) -> int:
        """How many notices the owner has not read (the navigation's count)."""
        return self.store.count_unread_legal_notices()

    def entry_urls(self, indexes: Iterable[int]) -> dict[int, str]:
        """The server's public page of each log entry; empty when the hub is unpaired."""
        try:
            server_url = self._link_loader().server_url
        except Exception:  # not paired, or a link file that cannot be read: no links
            return {}
        base = server_url.rstrip("/")
        return {index: base + ENTRY_PATH.format(index=index) for index in indexes}

    # --- the owner's actions ----------------------------------------------------------

    def mark_read(self, demand: str) -> LegalNoticeRecord:
        """Mark a notice read (a second time keeps the first time); UnknownNotice if none."""
        if not self.store.mark_legal_notice_read(demand, self.clock()):
            raise UnknownNotice(f"no legal notice of demand {demand} on this hub")
        record = self.store.get_legal_notice(demand)
        assert record is not None
        return record

    # --- messages from the server -----------------------------------------------------

    def on_legal_notice(self, message: JsonObject) -> None:
        """The LEGAL_NOTICE handler: check off the link thread (thread `hub-notice`)."""
        thread = threading.Thread(
            target=self._intake_safely, args=(message.get("body"),), name="hub-notice", daemon=True
        )
        thread.start()

    def _intake_safely(self, body: object) -> None:
        try:
            self.receive(body)
        except MalformedNotice as exc:
            log.warning("dropped a legal notice message: %s", exc)
        except Exception:
            log.exception("checking a legal notice failed")

    def receive(self, body: object) -> LegalNoticeRecord:
        """Check one LEGAL_NOTICE body and keep the notice, confirmed or not.

        Raises `MalformedNotice` (naming the field) for a body that breaks the contract.
        """
        now = self.clock()
        record = parse_notice_message(body, now)
        with self._lock:
            existing = self.store.get_legal_notice(record.demand)
            same = existing is not None and existing.notice_index == record.notice_index
            if same and existing is not None and existing.confirmed:
                return existing  # a message delivered again
            if same and existing is not None:
                record = replace(record, received_at=existing.received_at, read_at=existing.read_at)
            record = self._check(record)
            if existing is not None and existing.confirmed and not record.confirmed:
                # A later message that fails the check does not replace a confirmed notice.
                log.warning(
                    "kept the confirmed notice of demand %s over a later one: %s",
                    record.demand,
                    record.problem,
                )
                return existing
            self.store.save_legal_notice(record)
        if record.confirmed:
            log.info("legal notice of demand %s confirmed by the log", record.demand)
        else:
            log.warning(
                "legal notice of demand %s not confirmed: %s", record.demand, record.problem
            )
        return record

    def _check(self, record: LegalNoticeRecord) -> LegalNoticeRecord:
        problem = self.store.get_setting(LOG_INCONSISTENT_KEY)
        if problem:
            return replace(
                record,
                confirmed=False,
                problem="the server's transparency log is inconsistent, so nothing from it "
                "can be confirmed",
            )
        try:
            server_url = self._link_loader().server_url
        except Exception as exc:  # any reason the link is unusable leaves it unconfirmed
            return replace(record, confirmed=False, problem=f"no server link to check it: {exc}")
        auditor = LogAuditor(
            self.root, server_url, pinned_key=self.config.requests.log_key, fetch=self._fetch
        )
        outcome = check_notice(record, auditor)
        if outcome.log_inconsistent is not None:
            self.store.set_setting(LOG_INCONSISTENT_KEY, outcome.log_inconsistent)
            log.error("server log inconsistent: %s", outcome.log_inconsistent)
        return outcome.record
