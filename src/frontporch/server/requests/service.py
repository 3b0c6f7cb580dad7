"""Footage requests: file, withdraw, expire, read as the agency; the operator's policy.

**Filing** is one transaction: the agency must be able to file (`AgencyService.
filing_agency`), the fields are cleaned (strings stripped of surrounding whitespace,
nothing else; times to the second), the policy is checked (`policy.check_scope`), then
`request_filed` is appended, the row inserted with its log indexes, the agency's post
added to the feed, every hub of the homes in the cells sent the request and each
household told (`delivery`), and a checkpoint signed over the new entry, so a hub can
prove inclusion the moment the message reaches it. If any step fails nothing of it
stays: no row without its entry, no entry without its row.

**Closing** (withdrawn by a member of the agency, or expired by the background job)
appends `request_closed` in the same transaction as the status change and queues
REQUEST_CLOSED to the area's hubs.

**Reading** is by the agency only, in aggregate: homes notified only from the
operator's k on ("fewer than k" below), releases and clips in total; never which homes,
hubs or people, never who declined. **The policy** is the operator's, within the hard
limits in code; a change appends `policy_changed` in the same transaction.

Services change the session; they never commit (the request boundary does).
"""

from __future__ import annotations

import hashlib
import json
import logging
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy.orm import Session

from frontporch.server.accounts.models import User
from frontporch.server.agencies.models import Agency
from frontporch.server.agencies.service import AgencyService
from frontporch.server.agreements.statements import record_statement
from frontporch.server.context import ServerContext
from frontporch.server.evidence.queries import (
    ReleaseSummary,
    ReleaseView,
    release_summary,
    releases_of,
)
from frontporch.server.requests import area as areas
from frontporch.server.requests import delivery
from frontporch.server.requests.errors import (
    InvalidPolicy,
    InvalidRequest,
    PolicyViolation,
    RequestNotFound,
    RequestNotOpen,
)
from frontporch.server.requests.models import FootageRequest, RequestPolicyRow, RequestStatus
from frontporch.server.requests.policy import (
    INCIDENTS,
    PolicyError,
    RequestPolicy,
    Scope,
    check_scope,
    homes_notified_shown,
    policy_sha256,
    summary,
    validate_policy,
)
from frontporch.server.requests.repository import (
    POLICY_ROW_ID,
    RequestRepository,
    policy_of,
    policy_row,
)
from frontporch.server.requests.views import RequestDetail, RequestView
from frontporch.server.transparency.keys import LogKeys
from frontporch.server.transparency.service import LogService, append_entries, hold_sequencer
from frontporch.translog.entries import (
    PolicyChanged,
    RequestClosed,
    RequestFiled,
    RequestReach,
    moment,
)

log = logging.getLogger(__name__)

# Lengths as the columns allow (footage_requests, migration 0009).
MAX_CASE_NUMBER = 100
MAX_DESCRIPTION = 4000
MAX_CONTACT = 320
EXPIRE_BATCH = 100

ClosedReason = Literal["fulfilled", "withdrawn", "expired"]
CLOSED_REASONS: dict[RequestStatus, ClosedReason] = {
    RequestStatus.WITHDRAWN: "withdrawn",
    RequestStatus.EXPIRED: "expired",
    RequestStatus.FULFILLED: "fulfilled",
}


@dataclass(frozen=True)
class Filing:
    """What an agency member asks for, as submitted (times timezone-aware)."""

    case_number: str
    incident: str
    description: str
    contact: str
    area: areas.Area
    window_start: datetime
    window_end: datetime
    expires_at: datetime
    attestation: bool


def sha256_text(text: str) -> str:
    """SHA-256 (hex) of a stored string's UTF-8 bytes: what the log carries."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _whole_second(when: datetime, field: str) -> datetime:
    if when.tzinfo is None:
        raise InvalidRequest(field, f"give {field} with a time zone, e.g. 2026-11-29T12:00:00Z")
    return when.replace(microsecond=0)


def _text(value: str, field: str, limit: int, what: str) -> str:
    text = value.strip()
    if not text:
        raise InvalidRequest(field, f"write the {what}")
    if len(text) > limit:
        raise InvalidRequest(field, f"keep the {what} to {limit} characters")
    return text


class RequestService:
    """Footage requests and the request policy, in one database session."""

    def __init__(self, db: Session, context: ServerContext, keys: LogKeys) -> None:
        self.db = db
        self.context = context
        self.keys = keys
        self.requests = RequestRepository(db)
        self.agencies = AgencyService(db, context)

    # -- the policy ----------------------------------------------------------------------

    def policy(self) -> tuple[RequestPolicy, RequestPolicyRow | None]:
        """The policy in force, and its stored row (None: the defaults, never changed)."""
        row = policy_row(self.db)
        return policy_of(row), row

    def set_policy(
        self, user: User, wanted: RequestPolicy
    ) -> tuple[RequestPolicy, RequestPolicyRow]:
        """Make `wanted` the policy (within the hard limits), logging `policy_changed` in
        the same transaction; a policy equal to the one in force changes nothing."""
        try:
            policy = validate_policy(wanted)
        except PolicyError as exc:
            raise InvalidPolicy(exc.field or "policy", exc.message) from None
        digest = policy_sha256(policy)
        row = policy_row(self.db)
        if row is not None and row.policy_sha256 == digest:
            return policy, row
        now = self.context.clock()
        entry = PolicyChanged(at=moment(now), policy_sha256=digest, summary=summary(policy))
        [index] = append_entries(self.db, [entry], self.context.clock)
        if row is None:
            row = RequestPolicyRow(id=POLICY_ROW_ID)
            self.db.add(row)
        row.max_area_milli_sq_mi = round(policy.max_area_sq_mi * 1000)
        row.max_window_hours = policy.max_window_hours
        row.retention_days = policy.retention_days
        row.max_expiry_days = policy.max_expiry_days
        row.max_open_requests = policy.max_open_requests
        row.k_threshold = policy.k_threshold
        row.download_window_days = policy.download_window_days
        row.policy_sha256 = digest
        row.log_index = index
        row.changed_at = now
        row.changed_by = user.id
        self.db.flush()
        log.info("request policy changed (log entry %d)", index)
        return policy, row

    # -- filing --------------------------------------------------------------------------

    def file(self, user: User, filing: Filing) -> RequestView:
        """File a request for the member's agency (see the module's docstring)."""
        agency = self.agencies.filing_agency(user)
        assert agency.registration_index is not None  # filing_agency checked it
        case_number = _text(filing.case_number, "case_number", MAX_CASE_NUMBER, "case number")
        description = _text(filing.description, "description", MAX_DESCRIPTION, "description")
        contact = _text(filing.contact, "contact", MAX_CONTACT, "contact")
        if filing.incident not in INCIDENTS:
            raise InvalidRequest("incident", f"choose one of: {', '.join(INCIDENTS)}")
        if filing.attestation is not True:
            raise InvalidRequest(
                "attestation",
                "attest that the request does not target lawful protest or other protected "
                "activity; a request that does cannot be filed",
            )
        window_start = _whole_second(filing.window_start, "window_start")
        window_end = _whole_second(filing.window_end, "window_end")
        expires_at = _whole_second(filing.expires_at, "expires_at")
        try:
            size = areas.size_sq_mi(filing.area)
            cells = areas.covering_cells(filing.area)
        except areas.AreaError as exc:
            raise InvalidRequest(exc.field, exc.message) from None
        # Filings of one agency in several processes must not both count the same open
        # requests: the count below is made under the log's lock, held until commit.
        hold_sequencer(self.db, self.context.clock)
        now = self.context.clock().replace(microsecond=0)
        policy, _ = self.policy()
        try:
            check_scope(
                policy,
                Scope(size, window_start, window_end, expires_at),
                now,
                self.requests.count_open(agency.id),
            )
        except PolicyError as exc:
            raise PolicyViolation(exc.field, exc.message) from None
        request_id = delivery.new_request_id()
        entry = RequestFiled(
            at=moment(now),
            request=str(request_id),
            agency=str(agency.id),
            incident=filing.incident,
            case_sha256=sha256_text(case_number),
            description_sha256=sha256_text(description),
            cells=cells,
            window_start=moment(window_start),
            window_end=moment(window_end),
        )
        [filed_index] = append_entries(self.db, [entry], self.context.clock)
        request = self.requests.add(
            FootageRequest(
                id=request_id,
                agency_id=agency.id,
                filed_by=user.id,
                case_number=case_number,
                incident=filing.incident,
                description=description,
                contact=contact,
                area=json.dumps(areas.to_json(filing.area)),
                cells=",".join(cells),
                window_start=window_start,
                window_end=window_end,
                expires_at=expires_at,
                filed_at=now,
                status=RequestStatus.OPEN.value,
                filed_index=filed_index,
                registration_index=agency.registration_index,
                homes_notified=0,
            )
        )
        post = delivery.add_request_post(
            self.db, self.context, request, agency, filing.area, user.id
        )
        request.post_id = post.id
        # The request's text as the agency submitted it, hashed into the log (main flow 7).
        record_statement(
            self.db,
            self.context.clock,
            kind="request",
            agency_id=agency.id,
            fields={
                "case_number": filing.case_number,
                "description": filing.description,
                "contact": filing.contact,
            },
            request_id=request.id,
            post_id=post.id,
        )
        reached = delivery.announce_filing(self.db, self.context, request, agency)
        request.homes_notified = reached.homes
        reach = RequestReach(
            at=moment(now),
            request=str(request_id),
            homes=homes_notified_shown(reached.homes, policy),
            k=policy.k_threshold,
        )
        append_entries(self.db, [reach], self.context.clock)  # the report's homes notified
        self.db.flush()
        LogService(self.db, self.keys, self.context.clock).checkpoint_now()
        log.info(
            "request %s filed (log entry %d): hubs told: %d", request.id, filed_index, reached.hubs
        )
        return self._view(request, policy)

    # -- closing -------------------------------------------------------------------------

    def withdraw(self, user: User, request_id: uuid.UUID) -> RequestView:
        """Withdraw one of the member's agency's open requests (RequestNotOpen if closed)."""
        agency = self._agency_of(user)
        request = self.requests.get_of_agency(agency.id, request_id, for_update=True)
        if request is None:
            raise RequestNotFound()
        if request.status != RequestStatus.OPEN.value:
            raise RequestNotOpen(request.status)
        self._close(request, RequestStatus.WITHDRAWN)
        return self._view(request, self.policy()[0])

    def expire_due(self) -> int:
        """Close every open request past its expiry (the background job); how many."""
        now = self.context.clock()
        due = self.requests.due_for_expiry(now, EXPIRE_BATCH)
        for request in due:
            self._close(request, RequestStatus.EXPIRED)
        return len(due)

    def _close(self, request: FootageRequest, status: RequestStatus) -> None:
        now = self.context.clock()
        reason: ClosedReason = CLOSED_REASONS[status]
        entry = RequestClosed(at=moment(now), request=str(request.id), reason=reason)
        [index] = append_entries(self.db, [entry], self.context.clock)
        request.status = status.value
        request.closed_at = now
        request.closed_index = index
        delivery.announce_closing(self.db, self.context, request, status.value, index)
        self.db.flush()
        LogService(self.db, self.keys, self.context.clock).checkpoint_now()
        log.info("request %s %s (log entry %d)", request.id, status.value, index)

    # -- reading, as the agency ----------------------------------------------------------

    def list_for(self, user: User) -> list[RequestView]:
        """The member's agency's requests, newest first, with their aggregates."""
        agency = self.agencies.attached_agency(user)
        if agency is None:
            return []
        requests = self.requests.of_agency(agency.id)
        policy = self.policy()[0]
        summaries = release_summary(self.db, [r.id for r in requests])
        return [self._view(r, policy, summaries) for r in requests]

    def get_for(self, user: User, request_id: uuid.UUID) -> RequestDetail:
        """One of the member's agency's requests, with its releases."""
        agency = self._agency_of(user)
        request = self.requests.get_of_agency(agency.id, request_id)
        if request is None:
            raise RequestNotFound()
        releases: list[ReleaseView] = releases_of(self.db, request.id)
        return RequestDetail(self._view(request, self.policy()[0]), releases)

    def agency_for(self, user: User) -> Agency | None:
        """The agency the member's pages show (whatever its status)."""
        return self.agencies.attached_agency(user)

    def _agency_of(self, user: User) -> Agency:
        agency = self.agencies.attached_agency(user)
        if agency is None:
            raise RequestNotFound()
        return agency

    def _view(
        self,
        request: FootageRequest,
        policy: RequestPolicy,
        summaries: Mapping[uuid.UUID, ReleaseSummary] | None = None,
    ) -> RequestView:
        if summaries is None:
            summaries = release_summary(self.db, [request.id])
        return RequestView.of(
            request,
            homes_notified=homes_notified_shown(request.homes_notified, policy),
            k=policy.k_threshold,
            releases=summaries.get(request.id) or ReleaseSummary(),
        )
