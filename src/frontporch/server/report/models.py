"""Tables of the report area: the transparency report's running aggregates.

`report_aggregates` holds one row (id 1): how many log entries have been folded into
the report (`size`) and the `translog.report.ReportBuilder` state after them (JSON).
A read folds only the entries appended since, so the report never recomputes from
scratch per request; `service.check_report` recomputes from entry 0 to check the row.
The row is a cache of what the log says: deleting it loses nothing but time.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, Integer, Text
from sqlalchemy.orm import Mapped, mapped_column

from frontporch.server.db import Base, UTCDateTime

AGGREGATES_ROW_ID = 1


class ReportAggregates(Base):
    """The report builder's state after the first `size` log entries."""

    __tablename__ = "report_aggregates"
    __table_args__ = (CheckConstraint(f"id = {AGGREGATES_ROW_ID}", name="single_row"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    size: Mapped[int] = mapped_column(BigInteger)
    state: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
