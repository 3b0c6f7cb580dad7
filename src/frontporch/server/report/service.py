"""The transparency report the server serves: running aggregates, folded on read.

`RunningReport` (one per app, shared by its requests) keeps a `ReportBuilder` folded up
to some log size in memory. A read compares it with the log's size, folds only the
entries appended since (`SqlLogStorage.read_leaves`, in batches), and renders the
report from it, all under one lock, so two requests never fold the same entries. The
builder's state goes to the `report_aggregates` row every `save_every` new entries, so a
restarted or second process starts from there rather than from entry 0; the row only
ever moves forward (`AggregatesRepository.advance`), whichever process writes it.

`check_report` recomputes from entry 0 and compares, for tests and for the operator's
`frontporch server report-check`: the running aggregates must equal a fresh fold.

The JSON API, the CSV download and the page all read through `RunningReport.report`
(one read path), and every figure comes from log entries alone (`translog.report`).
"""

from __future__ import annotations

import csv
import io
import json
import re
import threading
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from frontporch.server.report.errors import InvalidReportQuery
from frontporch.server.report.repository import AggregatesRepository
from frontporch.server.transparency.repository import SqlLogStorage
from frontporch.translog.report import PERIODS, ReportBuilder, first_difference

FOLD_BATCH = 5000
SAVE_EVERY = 1000
_AGENCY_ID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def check_query(period: str, agency: str | None) -> None:
    """InvalidReportQuery (400, naming the field) unless the report can be cut this way."""
    if period not in PERIODS:
        raise InvalidReportQuery(
            "period", f"period must be one of {', '.join(PERIODS)}; got {period[:40]!r}"
        )
    if agency is not None and not _AGENCY_ID.match(agency):
        raise InvalidReportQuery(
            "agency", "agency must be an agency's id as the log names it (a lowercase UUID)"
        )


def _fold_new(db: Session, clock: Callable[[], datetime], builder: ReportBuilder) -> int:
    """Fold the entries appended since `builder.size`; the log size folded to."""
    storage = SqlLogStorage(db, clock)
    size = storage.read_state().size
    while builder.size < size:
        for leaf in storage.read_leaves(builder.size, min(size, builder.size + FOLD_BATCH)):
            builder.add_bytes(leaf.index, leaf.data)
    return size


class RunningReport:
    """The report's running aggregates for one app (thread-safe)."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        clock: Callable[[], datetime],
        *,
        save_every: int = SAVE_EVERY,
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._save_every = save_every
        self._lock = threading.Lock()
        self._builder: ReportBuilder | None = None
        self._saved_size = 0

    def report(self, period: str = "month", agency: str | None = None) -> dict[str, Any]:
        """The report as of now, over the whole log as it stands."""
        check_query(period, agency)
        with self._lock:
            builder = self._caught_up()
            return builder.report(self._clock(), period, agency)

    def state_size(self) -> int:
        """How many entries the in-memory aggregates hold (0 before the first read)."""
        with self._lock:
            return 0 if self._builder is None else self._builder.size

    def _caught_up(self) -> ReportBuilder:
        with self._sessions.begin() as db:
            repository = AggregatesRepository(db)
            if self._builder is None:
                saved = repository.load()
                if saved is None:
                    self._builder, self._saved_size = ReportBuilder(), 0
                else:
                    self._builder = ReportBuilder.from_state(json.loads(saved[1]))
                    self._saved_size = saved[0]
            builder = self._builder
            _fold_new(db, self._clock, builder)
            if builder.size - self._saved_size >= self._save_every:
                state = json.dumps(builder.state(), separators=(",", ":"))
                repository.advance(builder.size, state, self._clock())
                self._saved_size = builder.size
        return builder


def recompute(db: Session, clock: Callable[[], datetime], size: int | None = None) -> ReportBuilder:
    """A builder folded from entry 0 to `size` (the log's size if None)."""
    builder = ReportBuilder()
    storage = SqlLogStorage(db, clock)
    end = storage.read_state().size if size is None else size
    while builder.size < end:
        for leaf in storage.read_leaves(builder.size, min(end, builder.size + FOLD_BATCH)):
            builder.add_bytes(leaf.index, leaf.data)
    return builder


def check_report(sessions: sessionmaker[Session], clock: Callable[[], datetime]) -> str | None:
    """Recompute the report from scratch and compare it with the stored running aggregates
    (caught up to the same size): None if they agree, else the first differing field."""
    with sessions.begin() as db:
        saved = AggregatesRepository(db).load()
        running = ReportBuilder()
        if saved is not None:
            running = ReportBuilder.from_state(json.loads(saved[1]))
        size = _fold_new(db, clock, running)
        fresh = recompute(db, clock, size)
    now = clock()
    for period in PERIODS:
        found = first_difference(fresh.report(now, period), running.report(now, period))
        if found is not None:
            return f"{period} report: {found}"
    return None


AGREEMENT_FIELDS = ("kind", "title", "starts", "ends", "document_sha256", "published_at", "index")
CSV_COLUMNS = ("section", "agency", "agency_name", "period", "item", "measure", "value")


def report_csv(report: dict[str, Any]) -> str:
    """The report as CSV, one figure per row (`CSV_COLUMNS`), nested names joined by '.'."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    writer.writerows(_csv_rows(report))
    return out.getvalue()


def _csv_rows(report: dict[str, Any]) -> Iterator[list[Any]]:
    for agency in report["agencies"]:
        for figures in [*agency["periods"], {"period": "total", **agency["totals"]}]:
            for measure, value in _flat(figures, ""):
                if measure != "period":
                    yield ["requests", agency["agency"], agency["name"] or "",
                           figures["period"], "", measure, _cell(value)]  # fmt: skip
    legal = report["legal"]
    for figures in [*legal["periods"], {"period": "total", **legal["totals"]}]:
        for measure, value in _flat(figures, ""):
            if measure != "period":
                yield ["legal", "", "", figures["period"], "", measure, _cell(value)]
    for name in ("delayed_notices_outstanding", "overdue_emergency_paperwork"):
        yield ["legal", "", "", f"as of {report['as_of']}", "", name, legal[name]]
    for item in legal["overdue"]:
        for measure in ("received_at", "due", "paperwork_at"):
            yield ["overdue_paperwork", "", "", "", item["demand"], measure, _cell(item[measure])]
    for item in report["agreements"]:
        for measure in AGREEMENT_FIELDS:
            yield ["agreements", item["agency"], item["agency_name"] or "",
                   item["published_at"][:7], item["agreement"], measure,
                   _cell(item[measure])]  # fmt: skip


def _flat(value: Any, prefix: str) -> Iterator[tuple[str, Any]]:
    if isinstance(value, dict):
        for key, inner in value.items():
            yield from _flat(inner, f"{prefix}.{key}" if prefix else key)
    else:
        yield prefix, value


def _cell(value: Any) -> Any:
    return "" if value is None else value
