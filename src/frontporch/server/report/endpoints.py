"""The transparency report's public API (docs/transparency.md, "The report").

- `GET /api/transparency/report`: the report as JSON, exactly what `frontporch log
  report` recomputes from the log (`translog.report`).
- `GET /api/transparency/report.json` and `.csv`: the same as downloads.

Query: `period=month|quarter` (default month), `agency=<agency id>` (one agency's
figures). A malformed value is a 400 naming the field. Public: no sign-in.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response

from frontporch.server.kit.schemas import ERRORS
from frontporch.server.report.service import RunningReport, report_csv
from frontporch.web.routing import public_router

api: APIRouter = public_router(prefix="/api/transparency", tags=["transparency report"])


def running_report(request: Request) -> RunningReport:
    """The app's running aggregates (`create_app` makes one)."""
    running: RunningReport = request.app.state.running_report
    return running


Running = Annotated[RunningReport, Depends(running_report)]
Period = Annotated[
    str, Query(description="Group by `month` (e.g. 2026-12) or `quarter` (e.g. 2026-Q4).")
]
AgencyFilter = Annotated[
    str | None, Query(description="Only this agency's figures (its id in the log).")
]

REPORT_RESPONSES: dict[int | str, dict[str, Any]] = {
    **ERRORS,
    200: {"description": "The report (see docs/transparency.md, “The report”)."},
}


def _json(report: dict[str, Any], download: str | None = None) -> JSONResponse:
    headers = {"Cache-Control": "no-cache"}
    if download:
        headers["Content-Disposition"] = f'attachment; filename="{download}"'
    return JSONResponse(report, headers=headers)


@api.get("/report", responses=REPORT_RESPONSES)
def report(running: Running, period: Period = "month", agency: AgencyFilter = None) -> Response:
    """The transparency report, computed from the log's entries alone."""
    return _json(running.report(period, agency))


@api.get("/report.json", responses=REPORT_RESPONSES)
def report_json(
    running: Running, period: Period = "month", agency: AgencyFilter = None
) -> Response:
    """The report as a JSON download."""
    return _json(running.report(period, agency), f"transparency-report-{period}.json")


@api.get(
    "/report.csv",
    responses={**REPORT_RESPONSES, 200: {"content": {"text/csv": {}}, "description": "CSV."}},
)
def report_csv_download(
    running: Running, period: Period = "month", agency: AgencyFilter = None
) -> Response:
    """The report as CSV: one figure per row (section, agency, period, item, measure, value)."""
    body = report_csv(running.report(period, agency))
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="transparency-report-{period}.csv"',
            "Cache-Control": "no-cache",
        },
    )


ROUTERS = (api,)
