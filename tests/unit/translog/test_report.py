"""The transparency report from log entries alone (translog/report.py): every aggregate,
the k threshold, overdue emergency paperwork at 48 h ± 1 s, delayed notices outstanding,
lower medians, quarters, and a state that survives JSON mid-fold."""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from frontporch.geo import average_area_km2
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
    canonical_json,
    moment,
)
from frontporch.translog.report import ReportBuilder, ReportError, first_difference, period_of

T0 = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
AGENCY = "11111111-1111-4111-8111-111111111111"
OTHER = "22222222-2222-4222-8222-222222222222"
ACCOUNT = "a" * 32
ACCOUNT_2 = "b" * 32
CELLS = [f"88{n:013x}" for n in range(600)]


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _id(n: int) -> str:
    return str(uuid.UUID(int=n, version=4))


def _at(when: datetime) -> str:
    return moment(when)


def registered(agency: str = AGENCY, name: str = "County Sheriff", at: datetime = T0) -> Entry:
    return AgencyRegistered(
        at=_at(at), agency=agency, name=name, age_recipient="age1" + "q" * 58,
        signing_key="A" * 43 + "=",
    )  # fmt: skip


def filed(
    n: int, *, cells: int = 1, hours: int = 2, at: datetime = T0, agency: str = AGENCY
) -> Entry:
    return RequestFiled(
        at=_at(at), request=_id(n), agency=agency, incident="burglary",
        case_sha256=_sha(f"case {n}"), description_sha256=_sha(f"desc {n}"),
        cells=CELLS[:cells], window_start=_at(at - timedelta(hours=hours + 1)),
        window_end=_at(at - timedelta(hours=1)),
    )  # fmt: skip


def reach(n: int, homes: int | None, k: int = 10, at: datetime = T0) -> Entry:
    return RequestReach(at=_at(at), request=_id(n), homes=homes, k=k)


def release(n: int, r: int, clips: int, at: datetime = T0) -> Entry:
    return Release(
        at=_at(at), request=_id(n), release=_id(10_000 + r), hub=_sha(f"hub {r}"),
        manifest_sha256=_sha(f"manifest {r}"), clips=clips,
    )  # fmt: skip


def closed(n: int, reason: str, at: datetime = T0) -> Entry:
    return RequestClosed(at=_at(at), request=_id(n), reason=reason)  # type: ignore[arg-type]


def demand(
    n: int, kind: str = "warrant", at: datetime = T0, account: str = ACCOUNT,
    delayed: datetime | None = None,
) -> Entry:  # fmt: skip
    return LegalDemand(
        at=_at(at), demand=_id(50_000 + n), kind=kind,  # type: ignore[arg-type]
        authority="County Court, Division 3", account=account,
        notice_delayed_until=_at(delayed) if delayed else None,
    )  # fmt: skip


def build(entries: list[Entry]) -> ReportBuilder:
    builder = ReportBuilder()
    for index, entry in enumerate(entries):
        builder.add(index, entry)
    return builder


def agency_figures(report: dict[str, Any], agency: str = AGENCY) -> dict[str, Any]:
    found: list[dict[str, Any]] = [a for a in report["agencies"] if a["agency"] == agency]
    assert len(found) == 1
    return found[0]


def test_requests_area_window_and_lower_median() -> None:
    entries = [registered()] + [
        filed(n, cells=c, hours=h) for n, (c, h) in enumerate([(1, 1), (4, 3), (3, 2), (9, 7)])
    ]
    report = build(entries).report(T0)
    figures = agency_figures(report)
    assert figures["name"] == "County Sheriff"
    [month] = figures["periods"]
    assert month["period"] == "2026-11"
    assert month["requests_filed"] == 4
    # Values 1, 3, 4, 9: the lower median is the 2nd smallest.
    assert month["area_cells"] == {"median": 3, "max": 9}
    km2 = average_area_km2()
    assert month["area_km2"] == {"median": f"{3 * km2:.3f}", "max": f"{9 * km2:.3f}"}
    assert month["window_hours"] == {"median": "2.00", "max": "7.00"}
    assert report["cell_area_km2"] == f"{km2:.3f}"
    assert figures["totals"]["requests_filed"] == 4
    canonical_json(report)  # no floats anywhere


def test_median_of_an_odd_count_and_none_when_empty() -> None:
    report = build([filed(n, cells=c) for n, c in enumerate([5, 1, 3])]).report(T0)
    assert agency_figures(report)["periods"][0]["area_cells"] == {"median": 3, "max": 5}
    empty = build([registered()]).report(T0)
    assert agency_figures(empty)["periods"] == []
    assert agency_figures(empty)["totals"]["area_km2"] == {"median": None, "max": None}
    assert agency_figures(empty)["totals"]["window_hours"] == {"median": None, "max": None}


def test_homes_notified_only_at_or_above_k() -> None:
    entries = [filed(1), filed(2), filed(3), filed(4)]
    entries += [reach(1, 12, k=10), reach(2, 10, k=10), reach(3, None, k=10), reach(4, 4, k=5)]
    totals = agency_figures(build(entries).report(T0))["totals"]
    assert totals["homes_notified"] == 22
    assert totals["requests_at_or_above_k"] == 2
    assert totals["requests_below_k"] == 2


def test_releases_clips_and_requests_with_a_release() -> None:
    entries = [filed(1), filed(2), filed(3)]
    entries += [release(1, 1, 3), release(1, 2, 2), release(2, 3, 1)]
    entries += [release(3, 4, 5, at=T0 + timedelta(days=15))]  # December
    figures = agency_figures(build(entries).report(T0 + timedelta(days=20)))
    november, december = figures["periods"]
    assert (november["releases"], november["clips_released"]) == (3, 6)
    assert november["requests_with_release"] == 2
    assert (december["period"], december["requests_with_release"]) == ("2026-12", 1)
    assert december["requests_filed"] == 0
    assert figures["totals"]["requests_with_release"] == 3
    assert figures["totals"]["clips_released"] == 11


def test_closed_by_reason_and_unknown_requests_ignored() -> None:
    entries = [filed(1), filed(2), filed(3), closed(1, "fulfilled"), closed(2, "expired")]
    entries += [closed(3, "expired"), closed(99, "withdrawn"), release(99, 9, 4)]
    totals = agency_figures(build(entries).report(T0))["totals"]
    assert totals["requests_closed"] == {"fulfilled": 1, "withdrawn": 0, "expired": 2}
    assert totals["releases"] == 0


def test_per_agency_and_quarters() -> None:
    entries = [registered(), registered(OTHER, "City Police")]
    entries += [filed(1, at=datetime(2026, 10, 3, tzinfo=UTC))]
    entries += [filed(2, at=datetime(2026, 12, 30, tzinfo=UTC))]
    entries += [filed(3, at=datetime(2027, 1, 2, tzinfo=UTC), agency=OTHER)]
    builder = build(entries)
    now = datetime(2027, 2, 1, tzinfo=UTC)
    quarterly = builder.report(now, "quarter")
    assert [p["period"] for p in agency_figures(quarterly)["periods"]] == ["2026-Q4"]
    assert agency_figures(quarterly)["periods"][0]["requests_filed"] == 2
    assert [p["period"] for p in agency_figures(quarterly, OTHER)["periods"]] == ["2027-Q1"]
    monthly = builder.report(now, "month")
    assert [p["period"] for p in agency_figures(monthly)["periods"]] == ["2026-10", "2026-12"]
    only = builder.report(now, "month", agency=OTHER)
    assert [a["agency"] for a in only["agencies"]] == [OTHER]
    assert agency_figures(only, OTHER)["name"] == "City Police"


def test_legal_demands_by_kind_and_latest_outcome() -> None:
    entries = [demand(1), demand(2, "subpoena"), demand(3, "emergency")]
    entries += [
        LegalResponse(at=_at(T0), demand=_id(50_001), outcome="rejected"),
        LegalResponse(at=_at(T0), demand=_id(50_001), outcome="complied", categories=["posts"]),
        LegalResponse(at=_at(T0), demand=_id(50_002), outcome="no_data"),
        OwnerNotice(at=_at(T0), demand=_id(50_001), account=ACCOUNT),
        OwnerNotice(at=_at(T0 + timedelta(days=15)), demand=_id(50_002), account=ACCOUNT),
        EmergencyPaperwork(
            at=_at(T0), demand=_id(50_003), kind="court_order", document_sha256=_sha("order")
        ),
    ]
    legal = build(entries).report(T0 + timedelta(days=20))["legal"]
    totals = legal["totals"]
    assert totals["demands"] == 3
    assert totals["demands_by_kind"] == {
        "warrant": 1, "subpoena": 1, "court_order": 0, "emergency": 1, "other": 0,
    }  # fmt: skip
    assert totals["demands_by_outcome"]["complied"] == 1
    assert totals["demands_by_outcome"]["rejected"] == 0
    assert totals["demands_by_outcome"]["no_data"] == 1
    assert totals["demands_by_outcome"]["unanswered"] == 1
    assert totals["notices_sent"] == 2
    assert [(p["period"], p["notices_sent"]) for p in legal["periods"]] == [
        ("2026-11", 1), ("2026-12", 1),
    ]  # fmt: skip
    assert legal["overdue_emergency_paperwork"] == 0


@pytest.mark.parametrize(
    ("paperwork_after", "now_after", "overdue"),
    [
        (None, timedelta(hours=48) - timedelta(seconds=1), 0),
        (None, timedelta(hours=48), 0),
        (None, timedelta(hours=48) + timedelta(seconds=1), 1),
        (timedelta(hours=48), timedelta(days=5), 0),
        (timedelta(hours=48) + timedelta(seconds=1), timedelta(days=5), 1),
    ],
)
def test_overdue_emergency_paperwork_at_48_hours(
    paperwork_after: timedelta | None, now_after: timedelta, overdue: int
) -> None:
    entries = [demand(1, "emergency"), demand(2, "warrant")]
    if paperwork_after is not None:
        entries.append(
            EmergencyPaperwork(
                at=_at(T0 + paperwork_after),
                demand=_id(50_001),
                kind="warrant",
                document_sha256=_sha("warrant"),
            )
        )
    legal = build(entries).report(T0 + now_after)["legal"]
    assert legal["overdue_emergency_paperwork"] == overdue
    if overdue:
        [item] = legal["overdue"]
        assert item["demand"] == _id(50_001)
        assert item["due"] == _at(T0 + timedelta(hours=48))


def test_delayed_notices_outstanding() -> None:
    until = T0 + timedelta(days=30)
    entries = [
        demand(1, delayed=until),
        demand(1, account=ACCOUNT_2),  # the same demand names a second account, not delayed
        demand(2),
        DelayOrder(
            at=_at(T0),
            demand=_id(50_002),
            account=ACCOUNT,
            until=_at(T0 + timedelta(days=10)),
            order_sha256=_sha("order 2"),
        ),
    ]
    builder = build(entries)
    legal = builder.report(T0 + timedelta(days=5))["legal"]
    assert legal["delayed_notices_outstanding"] == 2
    assert legal["totals"]["demands"] == 2
    assert builder.report(T0 + timedelta(days=10))["legal"]["delayed_notices_outstanding"] == 1
    # A later order extends the delay of demand 2; the notice for demand 1 goes out.
    builder.add(
        builder.size,
        DelayOrder(
            at=_at(T0 + timedelta(days=9)),
            demand=_id(50_002),
            account=ACCOUNT,
            until=_at(T0 + timedelta(days=40)),
            order_sha256=_sha("order 3"),
        ),
    )
    builder.add(builder.size, OwnerNotice(at=_at(until), demand=_id(50_001), account=ACCOUNT))
    assert builder.report(T0 + timedelta(days=31))["legal"]["delayed_notices_outstanding"] == 1
    assert builder.report(T0 + timedelta(days=41))["legal"]["delayed_notices_outstanding"] == 0


def test_agreements_listed_in_log_order() -> None:
    agreement = AgreementPublished(
        at=_at(T0), agreement=_id(7), agency=AGENCY, kind="mou", title="Records sharing MOU",
        starts=_at(T0), document_sha256=_sha("pdf"),
    )  # fmt: skip
    report = build([registered(), agreement]).report(T0)
    [item] = report["agreements"]
    assert item["index"] == 1
    assert item["agency_name"] == "County Sheriff"
    assert item["ends"] is None
    assert build([registered(), agreement]).report(T0, agency=OTHER)["agreements"] == []


def test_state_round_trips_through_json_mid_fold() -> None:
    entries: list[Entry] = [registered()]
    for n in range(40):
        entries += [filed(n, cells=1 + n % 7, hours=1 + n % 5), reach(n, n, k=10)]
        entries += [release(n, n, 1 + n % 3)] if n % 2 else [closed(n, "withdrawn")]
    entries += [demand(1, "emergency"), demand(2, delayed=T0 + timedelta(days=3))]
    entries += [PolicyChanged(at=_at(T0), policy_sha256=_sha("p"), summary="Policy revision")]
    whole = build(entries)
    half = build(entries[:50])
    resumed = ReportBuilder.from_state(json.loads(json.dumps(half.state())))
    for index in range(50, len(entries)):
        resumed.add(index, json.loads(canonical_json(entries[index].model_dump(mode="json"))))
    now = T0 + timedelta(days=2)
    for period in ("month", "quarter"):
        assert resumed.report(now, period) == whole.report(now, period)
    assert resumed.size == whole.size == len(entries)
    assert whole.report(now)["log_size"] == len(entries)


def test_entries_must_come_in_order_and_periods_are_checked() -> None:
    builder = build([registered()])
    with pytest.raises(ReportError, match="entry 3 given where entry 1 belongs"):
        builder.add(3, registered())
    with pytest.raises(ReportError, match="period must be one of month, quarter"):
        builder.report(T0, "week")
    with pytest.raises(ReportError, match="version"):
        ReportBuilder.from_state({"version": 99})
    assert period_of("2026-03-31T23:59:59Z", "quarter") == "2026-Q1"
    assert period_of("2026-12-01T00:00:00Z", "month") == "2026-12"


def test_report_depends_on_the_second_only() -> None:
    builder = build([demand(1, "emergency")])
    due = T0 + timedelta(hours=48)
    assert builder.report(due + timedelta(microseconds=500_000)) == builder.report(due)


def test_first_difference_names_the_field() -> None:
    a = {"agencies": [{"periods": [{"releases": 1}]}], "log_size": 3}
    b = {"agencies": [{"periods": [{"releases": 2}]}], "log_size": 3}
    assert first_difference(a, a) is None
    assert first_difference(a, b) == "agencies[0].periods[0].releases"
    assert first_difference({"x": [1]}, {"x": [1, 2]}) == "x[1]"
    assert first_difference({"x": 1}, {"y": 1}) == "x"
