"""What operators and owners are shown of a demand: the 48-hour paperwork deadline of
emergency demands, and what the server gave, in words."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

from frontporch.server.legal.models import LegalDemandRow
from frontporch.server.legal.views import NOT_ANSWERED, DemandView, server_answer

RECORDED = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def demand(kind: str = "emergency", **values: object) -> LegalDemandRow:
    row = LegalDemandRow(
        id=uuid.uuid4(),
        kind=kind,
        authority="County Court, Division 3",
        received_on=date(2026, 12, 1),
        scope="Account metadata.",
        document_sha256="0" * 64,
        recorded_at=RECORDED,
    )
    for name, value in values.items():
        setattr(row, name, value)
    return row


def test_emergency_paperwork_is_overdue_after_48_hours_without_it() -> None:
    due = RECORDED + timedelta(hours=48)
    assert DemandView.of(demand(), [], due).paperwork_overdue is False
    late = DemandView.of(demand(), [], due + timedelta(seconds=1))
    assert late.paperwork_overdue is True
    assert "paperwork overdue" in late.status_text


def test_paperwork_on_time_is_not_overdue_and_late_paperwork_stays_late() -> None:
    later = RECORDED + timedelta(days=10)
    on_time = demand(paperwork_at=RECORDED + timedelta(hours=47))
    assert DemandView.of(on_time, [], later).paperwork_overdue is False
    late = demand(paperwork_at=RECORDED + timedelta(hours=49))
    assert DemandView.of(late, [], later).paperwork_overdue is True


def test_other_kinds_have_no_paperwork_deadline() -> None:
    view = DemandView.of(demand("warrant"), [], RECORDED + timedelta(days=30))
    assert view.paperwork_due_at is None
    assert view.paperwork_overdue is False


def test_the_server_answer_in_words() -> None:
    assert server_answer(demand()) == NOT_ANSWERED
    given = server_answer(demand(outcome="partially_complied", categories="account_metadata,posts"))
    assert given.startswith("The server partially complied; it gave: account metadata")
    assert server_answer(demand(outcome="rejected", categories="")) == (
        "The server rejected; it gave nothing."
    )
