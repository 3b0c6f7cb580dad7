"""The owner's footage-request desk: one service for the pages, the JSON API and the link.

Every owner action on a request is one method of `RequestDesk` (STYLE.md 13): read the
inbox, look at a request and the hub's footage in its window, preview a pick with the
privacy masks burned in, decline (local only: nothing is sent anywhere), release with
the owner's consent (`consent.confirm_consent`). The server's messages arrive through
`on_footage_request` / `on_request_closed` (wired in `hub/process/runtime.py`).

What the desk decides, and why:
- A request becomes `open` only after `intake.check_request` proved it into the
  transparency log and it passed the owner's policy; anything else is stored `refused`
  with the reason in words and is never answerable.
- A log that contradicts a checkpoint already verified sets a persistent "server log
  inconsistent" state (a store setting): from then on the desk refuses every request
  and every release until the owner investigates and runs `frontporch hub log-reset`
  (`reset_log`).
- Expiry is decided on the hub's own clock: a request past `expires_at` is expired
  even if the server never said so.
- A release runs on a background thread named `hub-release`: clips cut, masked,
  sealed, the manifest signed and kept, then sent and uploaded (`release.py`,
  `upload.py`). Releases not done are resumed when the desk starts (`resume`).
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path

from frontporch.hub.community.link import JsonObject, ServerLink
from frontporch.hub.community.log_audit import LOG_INCONSISTENT_KEY, LogAuditor
from frontporch.hub.config import HubConfig
from frontporch.hub.ports import RequestStorePort
from frontporch.hub.requests.consent import OwnerConsent, check_consent
from frontporch.hub.requests.intake import check_request, parse_request_message
from frontporch.hub.requests.policy import policy_of
from frontporch.hub.requests.records import (
    ClipPick,
    Footage,
    FootageRequestRecord,
    LogHealth,
    RecordedSpan,
    ReleaseRecord,
    ReleaseState,
    RequestState,
)
from frontporch.hub.requests.release import (
    ReleaseError,
    new_release_id,
    plan_clips,
    render_preview,
    run_release,
)
from frontporch.hub.requests.upload import HttpUpload, UploadTransport
from frontporch.translog.client import Fetch, urllib_fetch

log = logging.getLogger(__name__)

CLOSE_REASONS = frozenset({"withdrawn", "expired", "fulfilled"})
PREVIEW_DIR = "request-previews"


class RequestDeskError(Exception):
    """A request action cannot be done; the message says why and what to do."""


class UnknownRequest(RequestDeskError):
    """No footage request (or release) with that id on this hub."""


class LogNotTrusted(RequestDeskError):
    """The hub is in the "server log inconsistent" state and acts on no request."""


class RequestDesk:
    """Footage requests on this hub: intake, the owner's view, decline and release.

    `link_loader` gives the server link (URL, credential; `ServerLink.load` by default,
    raising `NotPaired`); `clock` is Unix time. `fetch` reaches the server's log API
    and `transport` its release API (real HTTP by default; tests pass a real server's
    in-process client).
    """

    def __init__(
        self,
        config: HubConfig,
        store: RequestStorePort,
        storage_root: Path,
        link_loader: Callable[[], ServerLink] | None = None,
        clock: Callable[[], float] = time.time,
        *,
        fetch: Fetch = urllib_fetch,
        transport: UploadTransport | None = None,
    ) -> None:
        self.config = config
        self.store = store
        self.root = storage_root
        self.clock = clock
        self._link_loader = link_loader or (lambda: ServerLink.load(storage_root))
        self._fetch = fetch
        self.transport: UploadTransport = transport or HttpUpload()
        self._lock = threading.Lock()  # one intake / state change at a time
        self._workers: dict[str, threading.Thread] = {}
        self._stopping = threading.Event()

    # --- reading ----------------------------------------------------------------------

    def inbox(self) -> list[FootageRequestRecord]:
        """Every request, open ones first (soonest expiry first), then the rest, newest
        first. Requests past their expiry are marked expired on the way."""
        self.expire()
        requests = self.store.list_footage_requests()
        open_ = sorted(
            (r for r in requests if r.state is RequestState.OPEN), key=lambda r: r.expires_at
        )
        rest = sorted(
            (r for r in requests if r.state is not RequestState.OPEN),
            key=lambda r: r.received_at,
            reverse=True,
        )
        return open_ + rest

    def open_count(self) -> int:
        """How many requests await the owner's answer (the navigation's count)."""
        now = self.clock()
        return sum(
            1
            for r in self.store.list_footage_requests()
            if r.state is RequestState.OPEN and now < r.expires_at
        )

    def get(self, request_id: str) -> FootageRequestRecord | None:
        """One request (expired first if past its expiry), or None."""
        request = self.store.get_footage_request(request_id)
        if request is None:
            return None
        return self._expired_if_due(request, self.clock())

    def log_health(self) -> LogHealth:
        """Whether the hub trusts the server's log; the message says why not and what to do."""
        problem = self.store.get_setting(LOG_INCONSISTENT_KEY)
        if problem:
            return LogHealth(
                False,
                "The community server's transparency log is inconsistent with what this hub "
                f"verified before: {problem}. The hub acts on no footage request until this "
                "is resolved; after investigating, run `frontporch hub log-reset`.",
            )
        return LogHealth(True, "The community server's transparency log checks out.")

    def footage(self, request_id: str) -> Footage:
        """The hub's events and recorded spans inside the request's window."""
        request = self._require(request_id)
        start, end = request.window_start, request.window_end
        events = []
        cursor: str | None = None
        while True:
            page = self.store.list_events(after=None, before=end, cursor=cursor, limit=200)
            for event in page.events:
                event_end = event.end if event.end is not None else event.start
                if event_end >= start and event.start <= end:
                    events.append(event)
            cursor = page.next_cursor
            if cursor is None or (page.events and page.events[-1].start < start - 86400):
                break
        events.sort(key=lambda e: e.start)
        spans: dict[str, tuple[RecordedSpan, ...]] = {}
        for camera in self.config.cameras:
            merged: list[RecordedSpan] = []
            for segment in self.store.segments(camera, start, end):
                lo, hi = max(segment.start, start), min(segment.end, end)
                if hi <= lo:
                    continue
                if merged and lo - merged[-1].end <= 2.0:
                    merged[-1] = replace(merged[-1], end=max(merged[-1].end, hi))
                else:
                    merged.append(RecordedSpan(camera, lo, hi))
            spans[camera] = tuple(merged)
        return Footage(start, end, tuple(events), spans)

    def preview(self, request_id: str, pick: ClipPick) -> Path:
        """A masked MP4 of `pick` trimmed to the window, as it would be released (cached).

        RequestDeskError says why when the pick is outside the window or not recorded.
        """
        request = self._require(request_id)
        (trimmed,) = self._trim(request, [pick])
        folder = self.root / PREVIEW_DIR / request.id
        try:
            return render_preview(self.config, self.store, self.root, trimmed, folder)
        except ReleaseError as exc:
            raise RequestDeskError(str(exc)) from None

    def releases(self) -> list[ReleaseRecord]:
        """Every release this hub made, newest first (the manifests are kept forever)."""
        return sorted(self.store.list_releases(), key=lambda r: r.created_at, reverse=True)

    def get_release(self, release_id: str) -> ReleaseRecord | None:
        """One release, or None."""
        return self.store.get_release(release_id)

    # --- the owner's answers ------------------------------------------------------------

    def decline(self, request_id: str) -> FootageRequestRecord:
        """Decline a request. Local only: nothing is sent to the server or anyone."""
        with self._lock:
            request = self._require(request_id)
            request = self._expired_if_due(request, self.clock())
            if request.state is not RequestState.OPEN:
                raise RequestDeskError(
                    f"this request is {request.state.value}; it cannot be declined"
                )
            self.store.set_footage_request_state(request_id, RequestState.DECLINED)
            log.info("footage request %s declined by the owner (not reported)", request_id)
            return replace(request, state=RequestState.DECLINED)

    def release(self, consent: OwnerConsent, picks: list[ClipPick]) -> ReleaseRecord:
        """Start releasing `picks` for the consented request; returns at once (preparing).

        Needs an `OwnerConsent` from `confirm_consent` (the owner password on this
        request). Refuses while the log is inconsistent, for a request no longer
        answerable, and for picks outside the window or with no recording.
        """
        now = self.clock()
        self._require_trusted_log()
        check_consent(consent, consent.request_id, now)
        with self._lock:
            request = self._require(consent.request_id)
            request = self._expired_if_due(request, now)
            if not request.answerable:
                raise RequestDeskError(
                    f"this request is {request.state.value}; nothing can be released for it"
                )
            if not picks:
                raise RequestDeskError("pick at least one clip to release")
            trimmed = self._trim(request, picks)
            try:
                plan_clips(self.config, self.store, trimmed)
            except ReleaseError as exc:
                raise RequestDeskError(str(exc)) from None
            record = ReleaseRecord(
                id=new_release_id(),
                request_id=request.id,
                created_at=now,
                state=ReleaseState.PREPARING,
                picks=tuple(trimmed),
            )
            self.store.save_release(record)
        log.info("release %s for request %s started (%d clips)", record.id, request.id, len(picks))
        self._start_worker(record.id)
        return record

    # --- messages from the server ---------------------------------------------------------

    def on_footage_request(self, message: JsonObject) -> None:
        """The FOOTAGE_REQUEST handler: check off the link thread (thread `hub-intake`)."""
        body = message.get("body")
        thread = threading.Thread(
            target=self._intake_safely, args=(body,), name="hub-intake", daemon=True
        )
        thread.start()

    def _intake_safely(self, body: object) -> None:
        try:
            self.receive(body)
        except Exception:
            log.exception("checking a footage request failed")

    def receive(self, body: object) -> FootageRequestRecord:
        """Check one FOOTAGE_REQUEST body and store the request as open or refused."""
        now = self.clock()
        with self._lock:
            record, problem = parse_request_message(body, now)
            if problem is not None:
                log.warning("refused a footage request: %s", problem)
                if record is not None:
                    self.store.save_footage_request(record)
                    return record
                raise RequestDeskError(problem)
            assert record is not None
            existing = self.store.get_footage_request(record.id)
            if existing is not None and existing.state is not RequestState.VERIFYING:
                return existing  # a message delivered again
            self.store.save_footage_request(record)
            record = self._check(record, now)
            self.store.save_footage_request(record)
            if record.state is RequestState.REFUSED:
                log.warning("refused footage request %s: %s", record.id, record.refusal)
            else:
                log.info("footage request %s is open (log index %d)", record.id, record.log_index)
            return record

    def _check(self, record: FootageRequestRecord, now: float) -> FootageRequestRecord:
        health = self.log_health()
        if not health.ok:
            return replace(
                record,
                state=RequestState.REFUSED,
                refusal="the server's transparency log is inconsistent; the hub acts on no request",
            )
        try:
            server_url = self._link_loader().server_url
        except Exception as exc:  # any reason the link is unusable is a refusal
            return replace(record, state=RequestState.REFUSED, refusal=f"no server link: {exc}")
        auditor = LogAuditor(
            self.root, server_url, pinned_key=self.config.requests.log_key, fetch=self._fetch
        )
        outcome = check_request(record, auditor, policy_of(self.config.requests), now)
        if outcome.log_inconsistent is not None:
            self.store.set_setting(LOG_INCONSISTENT_KEY, outcome.log_inconsistent)
            log.error("server log inconsistent: %s", outcome.log_inconsistent)
        return outcome.record

    def on_request_closed(self, message: JsonObject) -> None:
        """The REQUEST_CLOSED handler: mark the request closed; releases in progress stop."""
        body = message.get("body")
        if not isinstance(body, Mapping):
            log.warning("a request_closed message without a body")
            return
        request_id, reason = body.get("request"), body.get("reason")
        if not isinstance(request_id, str) or reason not in CLOSE_REASONS:
            log.warning("a request_closed message with a bad request or reason")
            return
        self.close(request_id, str(reason))

    def close(self, request_id: str, reason: str) -> bool:
        """Mark a request closed by the server; False if unknown here."""
        with self._lock:
            request = self.store.get_footage_request(request_id)
            if request is None:
                return False
            if request.state not in (RequestState.REFUSED, RequestState.DECLINED):
                self.store.set_footage_request_state(
                    request_id, RequestState.CLOSED, closed_reason=reason
                )
        log.info("footage request %s closed by the server (%s)", request_id, reason)
        return True

    # --- upkeep -------------------------------------------------------------------------

    def expire(self, now: float | None = None) -> int:
        """Mark every request past its expiry as expired; how many changed."""
        now = self.clock() if now is None else now
        changed = 0
        for request in self.store.list_footage_requests():
            if self._expired_if_due(request, now) is not request:
                changed += 1
        return changed

    def reset_log(self) -> bool:
        """Leave the "server log inconsistent" state after the owner investigated.

        Keeps the monitor state file aside (`log-monitor.json.inconsistent-<time>`, as
        evidence) so the next request trusts the server's key afresh (or the pinned
        key). True if the hub was in that state.
        """
        was = bool(self.store.get_setting(LOG_INCONSISTENT_KEY))
        self.store.set_setting(LOG_INCONSISTENT_KEY, "")
        LogAuditor.set_aside(self.root, self.clock())
        return was

    def resume(self) -> int:
        """Restart the work of every release not done or failed (after a restart)."""
        started = 0
        for record in self.store.list_releases():
            if record.state not in (ReleaseState.DONE, ReleaseState.FAILED):
                self._start_worker(record.id)
                started += 1
        return started

    @property
    def stopping(self) -> bool:
        """True once `stop` was called: work in progress pauses rather than fails."""
        return self._stopping.is_set()

    def stop(self, timeout: float | None = None) -> None:
        """Ask release workers to stop at their next step and wait for them."""
        self._stopping.set()
        for thread in list(self._workers.values()):
            thread.join(timeout)

    def wait_idle(self, timeout: float = 60.0) -> bool:
        """Wait until no release worker runs (for tests and shutdown); True if idle."""
        deadline = time.monotonic() + timeout
        for thread in list(self._workers.values()):
            thread.join(max(0.0, deadline - time.monotonic()))
        return not any(t.is_alive() for t in self._workers.values())

    # --- helpers ------------------------------------------------------------------------

    def _require(self, request_id: str) -> FootageRequestRecord:
        request = self.store.get_footage_request(request_id)
        if request is None:
            raise UnknownRequest(f"no footage request {request_id} on this hub")
        return request

    def _require_trusted_log(self) -> None:
        health = self.log_health()
        if not health.ok:
            raise LogNotTrusted(health.message)

    def _expired_if_due(self, request: FootageRequestRecord, now: float) -> FootageRequestRecord:
        due = request.state in (RequestState.OPEN, RequestState.VERIFYING)
        if due and now >= request.expires_at:
            self.store.set_footage_request_state(request.id, RequestState.EXPIRED)
            return replace(request, state=RequestState.EXPIRED)
        return request

    def _trim(self, request: FootageRequestRecord, picks: list[ClipPick]) -> list[ClipPick]:
        trimmed = []
        for pick in picks:
            if pick.camera not in self.config.cameras:
                raise RequestDeskError(
                    f"the camera {pick.camera!r} is not in this hub's configuration"
                )
            if not (math.isfinite(pick.start) and math.isfinite(pick.end)):
                raise RequestDeskError("a pick's start and end must be times")
            start = max(pick.start, request.window_start)
            end = min(pick.end, request.window_end)
            if end <= start:
                raise RequestDeskError(
                    f"the range picked on {pick.camera} is outside the request's window"
                )
            trimmed.append(replace(pick, start=start, end=end))
        return trimmed

    def _start_worker(self, release_id: str) -> None:
        current = self._workers.get(release_id)
        if current is not None and current.is_alive():
            return
        thread = threading.Thread(
            target=self._work, args=(release_id,), name="hub-release", daemon=True
        )
        self._workers[release_id] = thread
        thread.start()

    def _work(self, release_id: str) -> None:
        try:
            run_release(self, release_id)
        except Exception as exc:
            log.exception("release %s failed", release_id)
            record = self.store.get_release(release_id)
            if record is not None and record.state is not ReleaseState.DONE:
                self.store.save_release(
                    replace(record, state=ReleaseState.FAILED, error=f"unexpected error: {exc}")
                )

    # for release.py: stop when the request closed or expired, or the hub stops
    def should_stop(self, request_id: str) -> str | None:
        """Why a release for `request_id` must stop now, or None to go on."""
        if self._stopping.is_set():
            return "the hub is stopping; the release resumes when it starts again"
        request = self.get(request_id)
        if request is None:
            return "the request is gone from this hub"
        if request.state is RequestState.CLOSED:
            return f"the server closed the request ({request.closed_reason or 'closed'})"
        if request.state is RequestState.EXPIRED:
            return "the request expired"
        if not self.log_health().ok:
            return "the server's transparency log is inconsistent"
        return None

    def link(self) -> ServerLink:
        """The server link (NotPaired when the hub is not paired)."""
        return self._link_loader()
