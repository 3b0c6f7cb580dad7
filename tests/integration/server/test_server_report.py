"""The transparency report on a real server (SQLite and PostgreSQL): the JSON, CSV and
page agree with a fold of the stored entries; running aggregates fold only new entries,
survive in the `report_aggregates` row for another process, and match a recompute;
filing a request logs its reach; malformed periods and agencies are 400s naming the field."""

from __future__ import annotations

import base64
import csv
import io
import json
from datetime import timedelta

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from frontporch.server.report.models import ReportAggregates
from frontporch.server.report.service import RunningReport, check_report
from frontporch.server.transparency.models import LogEntry
from frontporch.translog.report import ReportBuilder
from homes_tools import CHICAGO
from release_tools import register_agency
from report_tools import AGENCY_NAMES, append_every_type
from server_fixtures import FakeClock
from server_harness import ServerHarness
from transparency_tools import append


def _fold_stored(app: FastAPI) -> ReportBuilder:
    builder = ReportBuilder()
    with app.state.server.sessions() as db:
        for index, data in db.execute(select(LogEntry.idx, LogEntry.data).order_by(LogEntry.idx)):
            builder.add(index, json.loads(bytes(data)))
    return builder


def test_the_report_is_a_fold_of_the_log(
    app: FastAPI, client: TestClient, clock: FakeClock
) -> None:
    size = append_every_type(app)
    assert size > 500
    for period in ("month", "quarter"):
        served = client.get("/api/transparency/report", params={"period": period})
        assert served.status_code == 200, served.text
        assert served.json() == _fold_stored(app).report(clock(), period)
    report = client.get("/api/transparency/report").json()
    assert report["log_size"] == size
    assert sorted(a["name"] for a in report["agencies"]) == sorted(AGENCY_NAMES)
    assert sum(a["totals"]["requests_filed"] for a in report["agencies"]) == 150
    assert report["legal"]["totals"]["demands"] == 30
    assert report["legal"]["delayed_notices_outstanding"] > 0
    assert report["legal"]["overdue_emergency_paperwork"] > 0
    assert len(report["agreements"]) == 3
    assert check_report(app.state.server.sessions, clock) is None

    one = report["agencies"][0]["agency"]
    only = client.get("/api/transparency/report", params={"agency": one}).json()
    assert [a["agency"] for a in only["agencies"]] == [one]


def test_running_aggregates_fold_only_new_entries_and_persist(
    app: FastAPI, clock: FakeClock
) -> None:
    context = app.state.server
    first = RunningReport(context.sessions, clock, save_every=10)
    assert first.report()["log_size"] == 0
    size = append_every_type(app, requests=20, demands=10)
    assert first.report()["log_size"] == size
    with context.sessions() as db:
        row = db.get(ReportAggregates, 1)
        assert row is not None
        assert row.size == size
    append(app, 5, first=1000)
    clock.advance(3600)
    # Another process: starts from the saved row, folds the 5 new entries.
    second = RunningReport(context.sessions, clock, save_every=10)
    assert second.report("quarter") == first.report("quarter")
    assert second.report()["log_size"] == size + 5
    assert first.report() == _fold_stored(app).report(clock())
    assert check_report(context.sessions, clock) is None


def test_downloads_and_page(app: FastAPI, client: TestClient) -> None:
    append_every_type(app, requests=30, demands=10)
    report = client.get("/api/transparency/report", params={"period": "quarter"}).json()

    as_json = client.get("/api/transparency/report.json", params={"period": "quarter"})
    assert as_json.status_code == 200
    assert "attachment" in as_json.headers["content-disposition"]
    assert as_json.json() == report

    as_csv = client.get("/api/transparency/report.csv", params={"period": "quarter"})
    assert as_csv.status_code == 200
    assert as_csv.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(as_csv.text)))
    agency = report["agencies"][0]
    [filed] = [
        r for r in rows
        if r["agency"] == agency["agency"] and r["period"] == "total"
        and r["measure"] == "requests_filed"
    ]  # fmt: skip
    assert int(filed["value"]) == agency["totals"]["requests_filed"]
    assert any(r["section"] == "agreements" for r in rows)
    assert any(r["measure"] == "overdue_emergency_paperwork" for r in rows)

    page = client.get("/transparency/report", params={"period": "quarter"})
    assert page.status_code == 200
    html = page.text
    assert html.count('<svg role="img"') == len(report["agencies"])
    assert "<title id=" in html
    assert "<desc id=" in html
    assert "<table" in html
    assert "frontporch log report --server" in html
    for name in AGENCY_NAMES:
        assert name in html
    assert "County Court, Division 3" not in html  # demands are counted, never listed
    assert '/transparency/report"' in client.get("/transparency").text


def test_filing_logs_the_request_s_reach(server: ServerHarness, client: TestClient) -> None:
    from feed_tools import resident_at

    agency = register_agency(server, "County Sheriff")
    resident_at(server, CHICAGO, "Near")
    now = server.clock()
    body = {
        "case_number": "2026-CR-0042", "incident": "burglary",
        "description": "A break-in on the 100 block.", "contact": "Records desk",
        "area": {"type": "circle", "center": list(CHICAGO), "radius_m": 300},
        "window_start": (now - timedelta(hours=5)).isoformat(),
        "window_end": (now - timedelta(hours=1)).isoformat(),
        "expires_at": (now + timedelta(days=7)).isoformat(), "attestation": True,
    }  # fmt: skip
    filed = agency.member.client.post("/api/agency/requests", json=body)
    assert filed.status_code == 201, filed.text
    index = filed.json()["filed_index"]
    size = int(client.get("/api/log/checkpoint").text.splitlines()[1])
    stored = client.get("/api/log/entries", params={"start": 0, "end": size}).json()["entries"]
    logged = [json.loads(base64.b64decode(e["data"])) for e in stored if e["index"] > index]
    [reach] = [e for e in logged if e["type"] == "request_reach"]  # same transaction
    assert reach["request"] == filed.json()["id"]
    assert reach["k"] == 10
    assert "homes" not in reach  # one home, below k: the count is withheld
    totals = client.get("/api/transparency/report").json()["agencies"][0]["totals"]
    assert (totals["requests_filed"], totals["requests_below_k"]) == (1, 1)


def test_malformed_queries_are_400s_naming_the_field(client: TestClient) -> None:
    for path in ("/api/transparency/report", "/api/transparency/report.csv"):
        bad = client.get(path, params={"period": "fortnight"})
        assert bad.status_code == 400, bad.text
        assert bad.json()["field"] == "period"
        bad = client.get(path, params={"agency": "Robert'); DROP TABLE"})
        assert bad.status_code == 400
        assert bad.json()["field"] == "agency"
    page = client.get("/transparency/report", params={"period": "2026-13"})
    assert page.status_code == 400
    assert "period" in page.text
