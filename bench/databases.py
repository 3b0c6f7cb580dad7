"""The databases the server benchmarks run on, and the synthetic city that fills them.

The schema always comes from the server's own Alembic migrations (`upgrade_to_head`),
so a benchmark measures the tables and indexes the server really has. Rows are
bulk-loaded — `executemany` on SQLite, `COPY` on PostgreSQL — and then analysed, as a
database that has run for a while would be. PostgreSQL is a throwaway local cluster
(unix socket, fsync off), started when its server binaries are installed, as the test
suite starts one.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import pwd
import shutil
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

CITY_KM = 25.0  # the synthetic city is a CITY_KM square (geo: 1M homes → ~1,600 per km²)
CENTER = (41.85, -87.70)
SQLITE_TIME = "%Y-%m-%d %H:%M:%S.%f"  # how SQLAlchemy stores a DateTime in SQLite


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def city_points(count: int, seed: int) -> tuple[Any, Any]:
    """Latitudes and longitudes (numpy arrays) of `count` seeded uniform-random points
    in the city square."""
    import numpy as np

    from frontporch import geo

    rng = np.random.default_rng(seed)
    half = CITY_KM / 2
    north = rng.uniform(-half, half, count)
    east = rng.uniform(-half, half, count)
    lat0, lng0 = CENTER
    lats = lat0 + np.degrees(north / geo.EARTH_RADIUS_KM)
    lngs = lng0 + np.degrees(east / (geo.EARTH_RADIUS_KM * np.cos(np.radians(lat0))))
    return lats, lngs


def city_cells(count: int, seed: int) -> list[int]:
    """The home cells (resolution 8, as integers, as `homes.cell` stores them) of
    `count` seeded homes in the city."""
    import h3

    from frontporch import geo

    lats, lngs = city_points(count, seed)
    return [
        int(h3.str_to_int(h3.latlng_to_cell(float(a), float(b), geo.HOME_RESOLUTION)))
        for a, b in zip(lats, lngs, strict=True)
    ]


def migrated_engine(url: str) -> Any:
    """An engine on `url` after the server's migrations have run on it."""
    from frontporch.server.db import make_engine
    from frontporch.server.migrations import upgrade_to_head

    upgrade_to_head(url)
    return make_engine(url)


def _plain(value: Any) -> Any:
    # Timestamps are stored as naive UTC (server.db.UTCDateTime); naive input means UTC.
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.astimezone(dt.UTC).replace(tzinfo=None)
    return value


def _sqlite_value(value: Any) -> Any:
    # As SQLAlchemy binds them on SQLite: a Uuid as 32 hex digits, a DateTime as text.
    if isinstance(value, uuid.UUID):
        return value.hex
    if isinstance(value, dt.datetime):
        return _plain(value).strftime(SQLITE_TIME)
    return value


def bulk_insert(
    engine: Any, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]
) -> None:
    """Insert rows of plain Python values (UUIDs, UTC datetimes, numbers, text) into
    `table` in one transaction: `executemany` on SQLite, `COPY … FROM STDIN` on
    PostgreSQL."""
    names = ", ".join(columns)
    raw: Any = engine.raw_connection()
    try:
        cursor = raw.cursor()
        if engine.dialect.name == "sqlite":
            marks = ", ".join("?" for _ in columns)
            cursor.executemany(
                f"INSERT INTO {table} ({names}) VALUES ({marks})",
                ([_sqlite_value(v) for v in row] for row in rows),
            )
        else:
            with cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row([_plain(v) for v in row])
        raw.commit()
    finally:
        raw.close()


def analyze(engine: Any, tables: Sequence[str]) -> None:
    """Planner statistics: `ANALYZE` (SQLite); `VACUUM ANALYZE` each table (PostgreSQL:
    VACUUM also sets the visibility map that index-only scans need, as autovacuum would)."""
    raw: Any = engine.raw_connection()
    try:
        if engine.dialect.name == "sqlite":
            raw.cursor().execute("ANALYZE")
            raw.commit()
        else:
            raw.driver_connection.autocommit = True
            for table in tables:
                raw.driver_connection.execute(f"VACUUM ANALYZE {table}")
    finally:
        raw.close()


def _as_postgres(command: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


@contextlib.contextmanager
def postgres() -> Iterator[str | None]:
    """A throwaway PostgreSQL cluster's URL (database 'bench'), or None if not installed."""
    from frontporch.devtools.services import postgres_bin_dir

    bin_dir = postgres_bin_dir()
    if bin_dir is None:
        yield None
        return
    root = Path(tempfile.mkdtemp(prefix="frontporch-bench-pg-"))
    if os.geteuid() == 0:
        owner = pwd.getpwnam("postgres")
        os.chown(root, owner.pw_uid, owner.pw_gid)
    data = root / "data"
    subprocess.run(
        _as_postgres([str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust",
                      "--no-sync"]),
        check=True,
        capture_output=True,
    )  # fmt: skip
    port = 54000 + os.getpid() % 1000
    server = subprocess.Popen(
        _as_postgres([str(bin_dir / "postgres"), "-D", str(data), "-k", str(root), "-p", str(port),
                      "-c", "listen_addresses=", "-c", "fsync=off", "-c", "synchronous_commit=off",
                      "-c", "full_page_writes=off", "-c", "shared_buffers=256MB"]),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while not (root / f".s.PGSQL.{port}").exists():
            if time.monotonic() > deadline or server.poll() is not None:
                raise RuntimeError("the benchmark's PostgreSQL did not start")
            time.sleep(0.1)
        time.sleep(0.3)
        subprocess.run(
            _as_postgres([str(bin_dir / "createdb"), "-h", str(root), "-p", str(port),
                          "-U", "postgres", "bench"]),
            check=True,
            capture_output=True,
        )  # fmt: skip
        yield f"postgresql+psycopg://postgres@/bench?host={root}&port={port}"
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(root, ignore_errors=True)
