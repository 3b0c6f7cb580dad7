"""Which change counters check a feed page's area (feed/posts/repository.py): its own
cells while it is small, the resolution-6 parents that cover it when it is wide — the
same parents the triggers of migration 0016 compute in SQL."""

from __future__ import annotations

import importlib
import sqlite3

import h3

from frontporch import geo
from frontporch.server.feed import rules
from frontporch.server.feed.posts.repository import (
    EXACT_AREA_CELLS,
    cell_parent,
    counted_cells,
)

CHICAGO = (41.8781, -87.6298)
HOME = geo.cell_to_int(geo.home_cell(*CHICAGO))
migration = importlib.import_module("frontporch.server.migrations.versions.0016_feed_cell_changes")


def test_a_cells_parent_is_h3s_at_resolution_6() -> None:
    for radius in (2.0, 5.0):
        for cell in rules.area_cells(HOME, radius):
            expected = h3.str_to_int(h3.cell_to_parent(h3.int_to_str(cell), 6))
            assert cell_parent(cell) == expected


def test_a_small_area_is_checked_by_its_cells_and_a_wide_one_by_their_parents() -> None:
    near = tuple(rules.area_cells(HOME, 2.0))
    assert len(near) <= EXACT_AREA_CELLS
    assert counted_cells(near) == near
    wide = tuple(rules.area_cells(HOME, 5.0))
    parents = counted_cells(wide)
    assert len(wide) > EXACT_AREA_CELLS
    assert 1 < len(parents) < 20
    # Every cell of the area is under one of them, so a change anywhere in it counts.
    assert {cell_parent(cell) for cell in wide} == set(parents)


def test_the_triggers_compute_the_same_parent() -> None:
    with sqlite3.connect(":memory:") as connection:
        for cell in rules.area_cells(HOME, 5.0)[:50]:
            sql = f"SELECT {migration._parent('?')}"
            assert connection.execute(sql, (cell,)).fetchone()[0] == cell_parent(cell)
