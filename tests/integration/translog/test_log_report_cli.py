"""`frontporch log report` against a real server over HTTP: for a log with hundreds of
entries of every type its recomputed report equals the server's JSON; a stored entry
altered after it was logged fails the audit with the entry named; running aggregates
that disagree with the log are caught, naming the first differing field."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text, update
from typer.testing import CliRunner

from frontporch.cli import app as cli
from frontporch.server.report.models import ReportAggregates
from frontporch.server.report.service import RunningReport, check_report
from frontporch.server.transparency.models import LogEntry
from frontporch.translog.entries import decode_entry, encode_entry
from report_tools import append_every_type
from server_harness import ServerHarness
from server_live import served_sqlite_server


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, ServerHarness]]:
    with served_sqlite_server(tmp_path) as (url, harness):
        append_every_type(harness.app)
        yield url, harness


def _run(url: str, harness: ServerHarness, *extra: str) -> Any:
    key = harness.app.state.log_keys.verifier_keys[0]
    return CliRunner().invoke(cli, ["log", "report", "--server", url, "--key", key, *extra])


def _served_report(url: str, period: str = "month") -> Any:
    with urllib.request.urlopen(f"{url}/api/transparency/report?period={period}") as response:
        return json.loads(response.read())


def test_the_recomputed_report_equals_the_server_s(served: tuple[str, ServerHarness]) -> None:
    url, harness = served
    for period in ("month", "quarter"):
        result = _run(url, harness, "--json", "--period", period)
        assert result.exit_code == 0, result.output
        printed, verdict = result.stdout.rsplit("\n}\n", 1)
        mine = json.loads(printed + "\n}")
        assert mine == _served_report(url, period) | {"as_of": mine["as_of"]}
        assert mine["log_size"] > 500
        assert "equals the one recomputed from its" in verdict
    plain = _run(url, harness)
    assert plain.exit_code == 0, plain.output
    assert "legal demands: 30" in plain.stdout


def test_an_altered_entry_fails_naming_it(served: tuple[str, ServerHarness]) -> None:
    url, harness = served
    context = harness.app.state.server
    with context.sessions() as db:
        rows = db.execute(select(LogEntry.idx, LogEntry.data).order_by(LogEntry.idx)).all()
    index, data = next((i, bytes(d)) for i, d in rows if b'"type":"release"' in bytes(d))
    release = decode_entry(data)
    altered = encode_entry(release.model_copy(update={"clips": release.clips + 5}))  # type: ignore[union-attr]
    with context.engine.begin() as connection:  # what the triggers cannot stop: the DB owner
        connection.execute(text("DROP TRIGGER IF EXISTS log_entries_no_update"))
    with context.sessions.begin() as db:
        db.execute(update(LogEntry).where(LogEntry.idx == index).values(data=altered))

    result = _run(url, harness)
    assert result.exit_code == 1, result.output
    assert f"entry {index}'s bytes hash to" in result.stderr


def test_aggregates_that_disagree_with_the_log_are_caught(
    served: tuple[str, ServerHarness],
) -> None:
    url, harness = served
    context = harness.app.state.server
    RunningReport(context.sessions, context.clock, save_every=1).report()  # saves the row
    with context.sessions.begin() as db:
        row = db.get(ReportAggregates, 1)
        assert row is not None
        state = json.loads(row.state)
        agency = sorted(state["months"])[0]
        month = sorted(state["months"][agency])[0]
        state["months"][agency][month]["clips"] += 1  # one clip the log never released
        row.state = json.dumps(state)
    assert check_report(context.sessions, context.clock) is not None
    harness.app.state.running_report = RunningReport(context.sessions, context.clock)

    result = _run(url, harness)
    assert result.exit_code == 1, result.output
    assert "differs from what its log says" in result.stderr
    assert ".clips_released" in result.stderr


def test_the_operator_s_report_check(served: tuple[str, ServerHarness], tmp_path: Path) -> None:
    _, harness = served
    context = harness.app.state.server
    env = {"FRONTPORCH_DATABASE_URL": str(context.engine.url)}
    command = ["server", "--data-dir", str(tmp_path), "report-check"]
    RunningReport(context.sessions, context.clock, save_every=1).report()
    agree = CliRunner().invoke(cli, command, env=env)
    assert agree.exit_code == 0, agree.output
    assert "equal a recompute of the whole log" in agree.stdout
    with context.sessions.begin() as db:
        row = db.get(ReportAggregates, 1)
        assert row is not None
        state = json.loads(row.state)
        state["notices"] = {month: count + 1 for month, count in state["notices"].items()}
        row.state = json.dumps(state)
    differ = CliRunner().invoke(cli, command, env=env)
    assert differ.exit_code == 1, differ.output
    assert "legal.periods[0].notices_sent" in differ.stderr
