"""A log with hundreds of entries of every type, for the transparency report's tests and
benchmark: valid entries (the real entry types), times spread over several months up
to `end`, appended through `append_entries` as the areas that write them would."""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime, timedelta
from typing import Any

from fastapi import FastAPI

from frontporch.server.transparency.service import LogService, append_entries
from frontporch.translog.entries import (
    AgencyRegistered,
    AgreementPublished,
    DelayOrder,
    EmergencyPaperwork,
    Entry,
    LegalDemand,
    LegalResponse,
    OwnerNotice,
    PolicyChanged,
    Release,
    RequestClosed,
    RequestFiled,
    RequestReach,
    Statement,
    StatementHidden,
    moment,
)

AGENCY_NAMES = ("County Sheriff", "City Police Department", "State Highway Patrol")
CELLS = [f"88{n:013x}" for n in range(64)]
REASONS: tuple[Any, ...] = ("fulfilled", "withdrawn", "expired")
KINDS: tuple[Any, ...] = ("warrant", "subpoena", "court_order", "emergency", "other")
OUTCOMES: tuple[Any, ...] = ("complied", "partially_complied", "rejected", "no_data")


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _id(space: int, n: int) -> str:
    return str(uuid.UUID(int=(space << 64) | n, version=4))


def every_type(end: datetime, requests: int = 150, demands: int = 30) -> list[Entry]:
    """Entries of every type, in time order, the last at `end` or before."""
    start = end - timedelta(days=200)
    step = (end - start) / (requests + demands + 10)
    clock = [start]

    def at() -> str:
        clock[0] += step
        return moment(min(clock[0], end))

    entries: list[Entry] = []
    agencies = [_id(1, n) for n in range(len(AGENCY_NAMES))]
    for agency, name in zip(agencies, AGENCY_NAMES, strict=True):
        entries.append(
            AgencyRegistered(
                at=at(),
                agency=agency,
                name=name,
                age_recipient="age1" + "q" * 58,
                signing_key="A" * 43 + "=",
            )
        )
        entries.append(
            AgreementPublished(
                at=moment(clock[0]),
                agreement=_id(2, len(entries)),
                agency=agency,
                kind="mou",
                title=f"Memorandum of understanding with {name}",
                starts=moment(clock[0]),
                document_sha256=_sha(name),
            )
        )
    entries.append(PolicyChanged(at=at(), policy_sha256=_sha("policy"), summary="Policy set"))
    for n in range(requests):
        when = at()
        request, agency = _id(3, n), agencies[n % len(agencies)]
        window_end = datetime.fromisoformat(when) - timedelta(hours=1 + n % 5)
        entries += [
            RequestFiled(
                at=when,
                request=request,
                agency=agency,
                incident="burglary",
                case_sha256=_sha(f"case {n}"),
                description_sha256=_sha(f"description {n}"),
                cells=CELLS[: 1 + n % 9],
                window_start=moment(window_end - timedelta(hours=1 + n % 7)),
                window_end=moment(window_end),
            ),
            RequestReach(at=when, request=request, homes=None if n % 4 == 0 else 10 + n, k=10),
            Statement(
                at=when,
                statement=_id(4, n),
                agency=agency,
                kind="request",
                sha256=_sha(f"text {n}"),
            ),
        ]
        for r in range(n % 3):
            entries.append(
                Release(
                    at=when,
                    request=request,
                    release=_id(5, n * 10 + r),
                    hub=_sha(f"hub {r}"),
                    manifest_sha256=_sha(f"manifest {n} {r}"),
                    clips=1 + (n + r) % 4,
                )
            )
        if n % 2 == 0:
            entries.append(RequestClosed(at=when, request=request, reason=REASONS[n % 3]))
        if n % 25 == 0:
            entries.append(
                StatementHidden(
                    at=when, statement=_id(4, n), reason="spam", reason_sha256=_sha("x")
                )
            )
    for n in range(demands):
        when = at()
        demand, account, kind = _id(6, n), _sha(f"account {n}")[:32], KINDS[n % len(KINDS)]
        delayed = datetime.fromisoformat(when) + timedelta(days=30) if n % 3 == 0 else None
        entries.append(
            LegalDemand(
                at=when,
                demand=demand,
                kind=kind,
                authority="County Court, Division 3",
                account=account,
                notice_delayed_until=moment(delayed) if delayed else None,
            )
        )
        if n % 4 != 1:
            entries.append(
                LegalResponse(
                    at=when, demand=demand, outcome=OUTCOMES[n % 4], categories=["account_metadata"]
                )
            )
        if delayed is None:
            entries.append(OwnerNotice(at=when, demand=demand, account=account))
        elif n % 2 == 0:
            entries.append(
                DelayOrder(
                    at=when,
                    demand=demand,
                    account=account,
                    until=moment(delayed + timedelta(days=60)),
                    order_sha256=_sha(f"order {n}"),
                )
            )
        if kind == "emergency" and n % 2 == 0:
            entries.append(
                EmergencyPaperwork(
                    at=when, demand=demand, kind="warrant", document_sha256=_sha(f"w {n}")
                )
            )
    return entries


def append_every_type(app: FastAPI, requests: int = 150, demands: int = 30) -> int:
    """Append `every_type` entries ending at the app's clock, and sign a checkpoint; the
    log's size."""
    context = app.state.server
    entries = every_type(context.clock(), requests, demands)
    with context.sessions.begin() as db:
        append_entries(db, entries, context.clock)
    with context.sessions.begin() as db:
        checkpoint, _ = LogService(db, app.state.log_keys, context.clock).checkpoint_now()
    return checkpoint.size
