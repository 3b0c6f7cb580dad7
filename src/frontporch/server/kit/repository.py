"""The repository base every area's repositories derive from.

A repository holds all SQL about one kind of row and works in the caller's session: it
adds and flushes, so that ids and database defaults are there at once, and never
commits (the request boundary does). What is the same for every kind of row lives here
once; queries, which take the caller and differ per row, stay in each area.
"""

from __future__ import annotations

from typing import Generic, TypeVar

from sqlalchemy.orm import Session

from frontporch.server.db import Base

RowT = TypeVar("RowT", bound=Base)


class Repository(Generic[RowT]):
    """SQL about one kind of row (`RowT`), in the caller's database session."""

    def __init__(self, db: Session) -> None:
        self.db = db

    def add(self, row: RowT) -> RowT:
        """Insert a new row and flush it, so that its id and defaults are set."""
        self.db.add(row)
        self.db.flush()
        return row
