"""Errors of the transparency report: each names the query field at fault."""

from __future__ import annotations

from frontporch.server.errors import BadRequest, ServerError


class ReportQueryError(ServerError):
    """Base of the report area's errors."""


class InvalidReportQuery(ReportQueryError, BadRequest):
    """A period or agency the report cannot be cut by."""

    def __init__(self, field: str, detail: str) -> None:
        super().__init__(f"invalid {field}", detail, field=field)
