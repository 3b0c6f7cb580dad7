"""The transparency report: the page and its JSON for a log of 1M entries, next to
/healthz in the same run, and the time to fold 1M entries once."""

from __future__ import annotations

import http.client
import json
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.isolate import in_child
from bench.requests import _free_port, _served
from bench.result import Result, best, median, ratio

NAME = "transparency-report"
TITLE = "Transparency report (running aggregates of a 1M-entry log)"
ENTRIES = 1_000_000
QUICK_ENTRIES = 50_000
READS = 30
QUICK_READS = 10
AGENCIES = 20
TARGET_MS = 250.0
METHOD = f"""\
- Entries: {ENTRIES:,} (`--quick` {QUICK_ENTRIES:,}) canonical log entries of the real
  types, made here in the mix a busy server writes: per footage request `request_filed`
  (1-9 cells, 1-7 hour windows), `request_reach`, a `statement`, 0-2 `release`s and a
  `request_closed` for half; one legal demand (all kinds, responses, notices, delay
  orders, emergency paperwork) per 40 requests; {AGENCIES} agencies with an agreement
  each; times spread over three years.
- Fold: the time for `ReportBuilder.add_bytes` over all of them once, in order (what a
  server does on its first read of such a log, from the stored bytes).
- Server: the real app (`create_app`) under uvicorn in a thread of a fresh spawned
  process, on a migrated SQLite file; the folded state stored as its `report_aggregates`
  row (as a server that has folded them keeps it), so reads fold nothing new. One
  keep-alive connection; after one read of each not counted (loading the row), {READS}
  reads (`--quick` {QUICK_READS}) each of `GET /api/transparency/report` (JSON) and
  `GET /transparency/report` (the HTML page, with its SVG charts), interleaved with
  `GET /healthz`, the baseline. Target: each median under {TARGET_MS:g} ms."""


def _entries(count: int) -> list[bytes]:
    """`count` canonical entries (see METHOD)."""
    from frontporch.translog.entries import canonical_json

    start = datetime(2024, 1, 1, tzinfo=UTC)
    step = timedelta(days=3 * 365) / count

    def at(n: int) -> str:
        return (start + step * n).strftime("%Y-%m-%dT%H:%M:%SZ")

    def uid(space: int, n: int) -> str:
        return str(uuid.UUID(int=(space << 64) | n, version=4))

    sha = "0" * 63
    cells = [f"88{n:013x}" for n in range(9)]
    entries: list[dict[str, Any]] = []
    agencies = [uid(1, a) for a in range(AGENCIES)]
    for a, agency in enumerate(agencies):
        entries.append({"v": 1, "type": "agency_registered", "at": at(0), "agency": agency,
                        "name": f"Agency {a}", "age_recipient": "age1" + "q" * 58,
                        "signing_key": "A" * 43 + "="})  # fmt: skip
        entries.append({"v": 2, "type": "agreement_published", "at": at(0), "agreement": uid(2, a),
                        "agency": agency, "kind": "mou", "title": f"MOU {a}", "starts": at(0),
                        "document_sha256": sha + "1"})  # fmt: skip
    n = 0
    while len(entries) < count:
        when, request = at(len(entries)), uid(3, n)
        ends = start + step * len(entries) - timedelta(hours=1)
        entries += [
            {"v": 1, "type": "request_filed", "at": when, "request": request,
             "agency": agencies[n % AGENCIES], "incident": "burglary", "case_sha256": sha + "2",
             "description_sha256": sha + "3", "cells": cells[: 1 + n % 9],
             "window_start": (ends - timedelta(hours=1 + n % 7)).strftime("%Y-%m-%dT%H:%M:%SZ"),
             "window_end": ends.strftime("%Y-%m-%dT%H:%M:%SZ")},
            {"v": 2, "type": "request_reach", "at": when, "request": request, "k": 10,
             **({"homes": 10 + n % 50} if n % 4 else {})},
            {"v": 2, "type": "statement", "at": when, "statement": uid(4, n),
             "agency": agencies[n % AGENCIES], "kind": "request", "sha256": sha + "4"},
        ]  # fmt: skip
        entries += [
            {"v": 1, "type": "release", "at": when, "request": request,
             "release": uid(5, 3 * n + r), "hub": sha + "5", "manifest_sha256": sha + "6",
             "clips": 1 + r}
            for r in range(n % 3)
        ]  # fmt: skip
        if n % 2 == 0:
            entries.append({"v": 1, "type": "request_closed", "at": when, "request": request,
                            "reason": ("fulfilled", "withdrawn", "expired")[n % 3]})  # fmt: skip
        if n % 40 == 0:
            demand, kind = (
                uid(6, n),
                ("warrant", "subpoena", "court_order", "emergency", "other")[n // 40 % 5],
            )
            entries += [
                {"v": 1, "type": "legal_demand", "at": when, "demand": demand, "kind": kind,
                 "authority": "County Court, Division 3", "account": "a" * 32},
                {"v": 1, "type": "legal_response", "at": when, "demand": demand,
                 "outcome": "no_data", "categories": []},
                {"v": 1, "type": "owner_notice", "at": when, "demand": demand, "account": "a" * 32},
            ]  # fmt: skip
        n += 1
    return [canonical_json(entry) for entry in entries[:count]]


def _get(connection: http.client.HTTPConnection, path: str) -> float:
    began = time.perf_counter()
    connection.request("GET", path)
    response = connection.getresponse()
    body = response.read()
    took = time.perf_counter() - began
    if response.status != 200 or not body:
        raise RuntimeError(f"GET {path}: {response.status} {body[:200]!r}")
    return took


def _measure(count: int, reads: int) -> dict[str, Any]:
    from frontporch.server.app import create_app
    from frontporch.server.migrations import upgrade_to_head
    from frontporch.server.report.repository import AggregatesRepository
    from frontporch.server.settings import ServerSettings
    from frontporch.translog.report import ReportBuilder

    entries = _entries(count)
    builder = ReportBuilder()
    began = time.perf_counter()
    for index, data in enumerate(entries):
        builder.add_bytes(index, data)
    fold_s = time.perf_counter() - began
    del entries
    state = json.dumps(builder.state(), separators=(",", ":"))
    with tempfile.TemporaryDirectory(prefix="frontporch-bench-report-") as folder:
        root = Path(folder)
        url = f"sqlite:///{root / 'server.db'}"
        upgrade_to_head(url)
        port = _free_port()
        values: dict[str, Any] = {
            "environment": "development", "data_dir": root / "server", "database_url": url,
            "base_url": f"http://127.0.0.1:{port}", "host": "127.0.0.1", "port": port,
        }  # fmt: skip
        app = create_app(ServerSettings(**values))
        with app.state.server.sessions.begin() as db:
            AggregatesRepository(db).advance(builder.size, state, datetime.now(UTC))
        with _served(app, port):
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            paths = {"json": "/api/transparency/report", "page": "/transparency/report",
                     "healthz": "/healthz"}  # fmt: skip
            first = {name: _get(connection, path) for name, path in paths.items()}
            times: dict[str, list[float]] = {name: [] for name in paths}
            for _ in range(reads):
                for name, path in paths.items():
                    times[name].append(_get(connection, path))
            connection.close()
    return {"fold_s": fold_s, "first": first, "times": times, "state_bytes": len(state)}


def run(quick: bool) -> list[Result]:
    count = QUICK_ENTRIES if quick else ENTRIES
    reads = QUICK_READS if quick else READS
    print(f"  {count:,} entries, {reads} reads ...", file=sys.stderr, flush=True)
    data = in_child(_measure, count, reads)
    ms = {name: [t * 1000 for t in values] for name, values in data["times"].items()}
    health = median(ms["healthz"])
    notes = (
        f"{count:,} entries; state {data['state_bytes'] / 1e6:.1f} MB JSON; the first read "
        f"(loading the row) took {data['first']['json'] * 1000:.0f} ms"
    )
    results = [
        Result(
            name=f"report {label}, median",
            figure=median(ms[name]),
            unit="ms",
            baseline=health,
            baseline_unit="ms (GET /healthz)",
            ratio=ratio(median(ms[name]), health),
            target=f"< {TARGET_MS:g} ms",
            passed=median(ms[name]) < TARGET_MS,
            notes=notes,
            repeats=reads,
            figure_best=best(ms[name]),
            baseline_best=best(ms["healthz"]),
            raw={"ms": ms[name], "healthz_ms": ms["healthz"]},
        )
        for name, label in (("json", "JSON"), ("page", "page (HTML)"))
    ]
    results.append(
        Result(
            name=f"fold {count:,} entries once",
            figure=data["fold_s"],
            unit="s",
            baseline=None,
            baseline_unit="",
            ratio=None,
            target="reported",
            passed=None,
            notes=f"{count / data['fold_s']:,.0f} entries/s, one core",
        )
    )
    return results
