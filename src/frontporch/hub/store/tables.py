"""What the store's table groups (`request_tables`, `notice_tables`) need from `HubStore`:
its write transaction and its read connection, declared once."""

from __future__ import annotations

import sqlite3
from abc import ABC, abstractmethod
from contextlib import AbstractContextManager


class StoreConnections(ABC):
    """A base for groups of tables mixed into `HubStore`, which provides both methods."""

    @abstractmethod
    def _tx(self) -> AbstractContextManager[sqlite3.Connection]:
        """A write transaction (one writer at a time)."""

    @abstractmethod
    def _read(self) -> AbstractContextManager[sqlite3.Connection]:
        """A connection for reading."""
