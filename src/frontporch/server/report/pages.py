"""The public report page: `GET /transparency/report` (no sign-in).

Renders from the same `RunningReport.report` as the JSON API: per agency a chart of
requests filed and releases per period (inline SVG with a title, a description and the
table it draws) and a table of every figure; legal demands, notices and overdue
paperwork; agreements; and the command that recomputes it all from the log.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from frontporch.server.accounts.auth import OptionalSubject
from frontporch.server.context import Context
from frontporch.server.kit.pages import render
from frontporch.server.report.charts import bar_chart
from frontporch.server.report.endpoints import AgencyFilter, Period, Running
from frontporch.server.transparency.endpoints import log_keys
from frontporch.translog.report import CLOSE_REASONS, DEMAND_KINDS, DEMAND_OUTCOMES
from frontporch.web.routing import public_router

pages: APIRouter = public_router(include_in_schema=False)


def _chart(agency: dict[str, Any]) -> Any:
    periods = agency["periods"]
    return bar_chart(
        f"Requests and releases per period: {agency['name'] or agency['agency']}",
        [p["period"] for p in periods],
        {
            "Requests filed": [p["requests_filed"] for p in periods],
            "Releases": [p["releases"] for p in periods],
        },
    )


@pages.get("/transparency/report")
def report_page(
    request: Request,
    context: Context,
    subject: OptionalSubject,
    running: Running,
    period: Period = "month",
    agency: AgencyFilter = None,
) -> Response:
    """The transparency report: charts, tables and how to recompute it."""
    report = running.report(period, agency)
    keys = log_keys(request)
    server = context.settings.base_url.rstrip("/")
    query = f"period={period}" + (f"&agency={agency}" if agency else "")
    return render(
        request,
        context,
        "report/index.html",
        subject,
        nav="transparency",
        report=report,
        charts={a["agency"]: _chart(a) for a in report["agencies"]},
        query=query,
        close_reasons=CLOSE_REASONS,
        demand_kinds=DEMAND_KINDS,
        demand_outcomes=DEMAND_OUTCOMES,
        command=f"frontporch log report --server {server} --key '{keys.verifier_keys[0]}'",
    )


ROUTERS = (pages,)
