"""Area matching: the homes whose cells meet a 0.5 sq mi area, in a city of 1M homes.

The database is made by the server's own Alembic migrations, filled with a seeded
synthetic city (bulk-loaded: a row per home, its resolution-8 cell as a BIGINT,
indexed), and queried through the server's own `homes_in_area` — on SQLite, and on
PostgreSQL when its server binaries are installed (a throwaway cluster, as the test
suite starts).
"""

from __future__ import annotations

import datetime as dt
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from bench import databases
from bench.databases import CENTER, CITY_KM
from bench.result import Result, median, ratio

NAME = "geo"
TITLE = "Area matching (homes in a 0.5 sq mi area)"
HOMES = 1_000_000
QUICK_HOMES = 100_000
QUERIES = 200
AREA_SQ_MI = 0.5
TARGET_MS = 50.0
SEED = 7
METHOD = f"""\
- City: {HOMES:,} homes at seeded uniform-random points in a {CITY_KM:g} km square (about
  {HOMES / CITY_KM**2:,.0f} homes per km², a dense suburb), each stored as the server stores
  homes: one row in `homes` with its resolution-8 H3 cell as a BIGINT, indexed with the
  id (`ix_homes_cell` on `(cell, id)`, so matching reads only the index). The schema comes
  from the server's Alembic migrations; rows are bulk-loaded, then `ANALYZE`d (SQLite) or
  `VACUUM ANALYZE`d (PostgreSQL, as autovacuum would).
- Figure: for each of {QUERIES} seeded squares of {AREA_SQ_MI} sq mi inside the city, the wall
  time of `geo.cells_covering(square)` (every resolution-8 cell the square overlaps)
  plus `homes.repository.homes_in_area(session, cells)` (one indexed `IN` query returning
  the matching home ids); the median, p99 in the notes.
- Baseline, same database, same session: the ids of the homes in one cell
  (`SELECT id FROM homes WHERE cell = ?`), median over the same {QUERIES} centres.
- SQLite in a file (WAL, as the server runs it); PostgreSQL in a throwaway local cluster
  (unix socket, fsync off) when its binaries are installed. Target: median ≤
  {TARGET_MS:g} ms (issue 3)."""


def _centres(count: int) -> list[tuple[float, float]]:
    import numpy as np

    from frontporch import geo

    rng = np.random.default_rng(SEED + 1)
    inner = CITY_KM / 2 - 2
    lat0, lng0 = CENTER
    out = []
    for _ in range(count):
        north, east = rng.uniform(-inner, inner, 2)
        out.append(
            (
                lat0 + float(np.degrees(north / geo.EARTH_RADIUS_KM)),
                lng0 + float(np.degrees(east / (geo.EARTH_RADIUS_KM * np.cos(np.radians(lat0))))),
            )
        )
    return out


def _load(url: str, cells: list[int]) -> None:
    engine = databases.migrated_engine(url)
    owner = uuid.uuid4()
    now = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    try:
        databases.bulk_insert(
            engine,
            "users",
            ("id", "email", "password_hash", "role", "created_at", "password_changed_at"),
            [(owner, "bench@example.org", "x", "resident", now, now)],
        )
        databases.bulk_insert(
            engine,
            "homes",
            ("id", "owner_id", "name", "cell", "created_at"),
            ((uuid.uuid4(), owner, "home", cell, now) for cell in cells),
        )
        databases.analyze(engine, ["homes"])
    finally:
        engine.dispose()


def _measure(url: str, centres: list[tuple[float, float]]) -> dict[str, Any]:
    from sqlalchemy import select

    from frontporch import geo
    from frontporch.server.db import make_engine, make_sessionmaker
    from frontporch.server.homes.models import Home
    from frontporch.server.homes.repository import homes_in_area

    engine = make_engine(url)
    area_ms, base_ms, matched, cell_counts = [], [], [], []
    try:
        with make_sessionmaker(engine)() as db:
            homes_in_area(db, [geo.home_cell(*centres[0])])  # warm the connection
            for centre in centres:
                one = geo.cell_to_int(geo.home_cell(*centre))
                began = time.perf_counter()
                list(db.scalars(select(Home.id).where(Home.cell == one)))
                base_ms.append((time.perf_counter() - began) * 1000)

                began = time.perf_counter()
                cells = geo.cells_covering(geo.square_around(centre, AREA_SQ_MI))
                found = homes_in_area(db, cells)
                area_ms.append((time.perf_counter() - began) * 1000)
                matched.append(len(found))
                cell_counts.append(len(cells))
    finally:
        engine.dispose()
    return {"area_ms": area_ms, "base_ms": base_ms, "matched": matched, "cells": cell_counts}


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def _result(engine: str, data: dict[str, Any], homes: int) -> Result:
    figure, base = median(data["area_ms"]), median(data["base_ms"])
    return Result(
        name=f"homes in a {AREA_SQ_MI} sq mi area, {homes:,} homes, {engine}",
        figure=figure,
        unit="ms",
        baseline=base,
        baseline_unit="ms (homes of one cell)",
        ratio=ratio(figure, base),
        target=f"≤ {TARGET_MS:g} ms",
        passed=figure <= TARGET_MS,
        notes=(
            f"p99 {_percentile(data['area_ms'], 0.99):.1f} ms; median "
            f"{median(data['cells']):.0f} cells per area and {median(data['matched']):,.0f} "
            f"homes matched; {len(data['area_ms'])} areas"
        ),
        repeats=len(data["area_ms"]),
        figure_best=min(data["area_ms"]),
        baseline_best=min(data["base_ms"]),
        raw={k: data[k] for k in ("matched", "cells")},
    )


def run(quick: bool) -> list[Result]:
    homes = QUICK_HOMES if quick else HOMES
    queries = 50 if quick else QUERIES
    print(f"  building a city of {homes:,} homes ...", file=sys.stderr, flush=True)
    cells = databases.city_cells(homes, SEED)
    centres = _centres(queries)
    results = []
    with tempfile.TemporaryDirectory(prefix="frontporch-bench-geo-") as folder:
        url = f"sqlite:///{Path(folder) / 'city.db'}"
        _load(url, cells)
        results.append(_result("SQLite", _measure(url, centres), homes))
    with databases.postgres() as pg_url:
        if pg_url is not None:
            _load(pg_url, cells)
            results.append(_result("PostgreSQL", _measure(pg_url, centres), homes))
    return results
