"""SQL about the report's running aggregates (one row; see `models`)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from frontporch.server.report.models import AGGREGATES_ROW_ID, ReportAggregates


class AggregatesRepository:
    """Reads and advances the one aggregates row, in the caller's session."""

    def __init__(self, db: Session) -> None:
        self.db = db

    def load(self) -> tuple[int, str] | None:
        """The folded size and the state JSON, or None before the first save."""
        row = self.db.execute(
            select(ReportAggregates.size, ReportAggregates.state).where(
                ReportAggregates.id == AGGREGATES_ROW_ID
            )
        ).first()
        return None if row is None else (int(row.size), str(row.state))

    def advance(self, size: int, state: str, now: datetime) -> bool:
        """Store `state` as folded to `size` unless the row already holds as much; whether
        it was stored. Two processes advancing at once cannot move it backwards."""
        result = self.db.execute(
            update(ReportAggregates)
            .where(ReportAggregates.id == AGGREGATES_ROW_ID, ReportAggregates.size < size)
            .values(size=size, state=state, updated_at=now)
        )
        if getattr(result, "rowcount", 0):
            return True
        try:
            with self.db.begin_nested():
                self.db.execute(
                    insert(ReportAggregates).values(
                        id=AGGREGATES_ROW_ID, size=size, state=state, updated_at=now
                    )
                )
        except IntegrityError:  # another process saved first; theirs is at least as far
            return False
        return True
