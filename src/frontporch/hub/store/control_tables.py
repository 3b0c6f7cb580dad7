"""The owner's switches, kept across restarts: per camera detect/record/alerts, and the
household's "nobody home" switch (see `hub/controls.py`)."""

from __future__ import annotations

from frontporch.hub.store.tables import StoreConnections

SCHEMA = """
CREATE TABLE switches (
    scope TEXT NOT NULL,
    name TEXT NOT NULL,
    value INTEGER NOT NULL CHECK (value IN (0, 1)),
    changed_by TEXT NOT NULL,
    changed_at REAL NOT NULL,
    PRIMARY KEY (scope, name)
) WITHOUT ROWID;
"""


class ControlTables(StoreConnections):
    """Switch values by (scope, name): a camera's name or "home", and the switch."""

    def switch_values(self) -> dict[tuple[str, str], bool]:
        """Every switch that was ever set; a switch not here has its default."""
        with self._read() as conn:
            rows = conn.execute("SELECT scope, name, value FROM switches").fetchall()
        return {(row["scope"], row["name"]): bool(row["value"]) for row in rows}

    def set_switch(self, scope: str, name: str, value: bool, by: str, at: float) -> None:
        with self._tx() as conn:
            conn.execute(
                "INSERT INTO switches (scope, name, value, changed_by, changed_at) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT (scope, name) DO UPDATE SET "
                "value = excluded.value, changed_by = excluded.changed_by, "
                "changed_at = excluded.changed_at",
                (scope, name, int(value), by, at),
            )
