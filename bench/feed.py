"""The Neighbors feed: `GET /api/feed` requests per second and latency, served by the
real server, against the server's trivial `/healthz` in the same run.

The database is the server's own (its Alembic migrations), bulk-loaded with a seeded
city of homes and a skewed history of posts; the server is `create_app(settings)` under
uvicorn in a process of its own, so the load generator never shares its interpreter
lock; the client is a pool of keep-alive HTTP connections in this process. On SQLite
(a WAL file, as the server runs it) and on PostgreSQL when its binaries are installed
(a throwaway cluster, `bench.databases`).
"""

from __future__ import annotations

import datetime as dt
import http.client
import json
import multiprocessing
import socket
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from bench import databases
from bench.result import Result, median, ratio

NAME = "feed"
TITLE = "Neighbors feed (GET /api/feed throughput and latency)"
HOMES = 10_000
POSTS = 100_000
QUICK_HOMES = 1_000
QUICK_POSTS = 10_000
DAYS = 90
HIDDEN_SHARE = 0.03
MEDIA_SHARE = 0.15
CELL_SKEW = 1.5  # σ of the log-normal posting rate of each cell: a few busy cells
CATEGORY_SHARES = {
    "crime": 0.2,
    "safety": 0.15,
    "suspicious_activity": 0.3,
    "lost_and_found_pets": 0.1,
    "unexpected_activity": 0.1,
    "community": 0.15,
}
READERS = 16
PAGES = 10
LIMIT = 20
CONNECTIONS = 8
DURATION_S = 10.0  # per run, in ROUNDS interleaved slices
QUICK_DURATION_S = 3.0
ROUNDS = 5
QUICK_ROUNDS = 3
WARMUP_S = 1.0  # per run, once, before the rounds
QUICK_WARMUP_S = 0.5
LEAD_IN_S = 0.25  # at the start of every slice, not counted
TARGET_RATIO = 0.5
SEED = 17
METHOD = f"""\
- Data: {HOMES:,} homes at seeded uniform-random points in a {databases.CITY_KM:g} km square,
  each stored as the server stores homes (its resolution-8 cell as a BIGINT) and owned by an
  account of its own; {POSTS:,} posts, each from one of those homes (its author the owner,
  its cell the home's), with a log-normal posting rate per cell (σ {CELL_SKEW:g}: a few busy
  cells, many quiet ones), times spread over the last {DAYS} days and numbered (`seq`) in
  time order with the `feed_counters` row at the last number, mixed categories (suspicious
  activity and crime the most common), {MEDIA_SHARE:.0%} with a clip, {HIDDEN_SHARE:.0%}
  hidden by an operator (with the moderation action that hid them). Schema from the
  server's Alembic migrations; rows bulk-loaded (`executemany` on SQLite, `COPY` on
  PostgreSQL), then `ANALYZE`d (SQLite) or `VACUUM ANALYZE`d (PostgreSQL). `--quick`:
  {QUICK_POSTS:,} posts over {QUICK_HOMES:,} homes.
- Server: the real app, `create_app(settings)`, under uvicorn in a separate process (one
  worker, log level warning, no access log) on a free local port; the database a WAL
  SQLite file, or a throwaway PostgreSQL cluster (unix socket, fsync off). Readers:
  {READERS} seeded homes whose owners each hold an API token (made through the server's
  token repository) and call with `Authorization: Bearer …`.
- Load: {CONNECTIONS} keep-alive HTTP/1.1 connections from threads of the benchmark process
  (closed loop: each sends its next request when the last answer is read), cycling over
  the readers. Four feed runs, each `GET /api/feed?home_id=…&limit={LIMIT}`: the first page
  at 2 mi (the default radius), the first page at 5 mi (the widest), the first page at 2 mi
  filtered by a category (cycling over all six), and deeper pages at 2 mi (pages 2-{PAGES},
  with the `before` cursors the earlier pages returned). The server keeps rendered pages
  (`feed_cache_pages`, default 1,024) while nothing changes, which is how a feed is read:
  every run after its warm-up is served from memory, the database still asked for the
  reader's account, home and the change counter on every request; the database does not
  change during the runs. Two more runs, first pages at 2 and 5 mi, go to a second server
  on the same database with `feed_cache_pages` 0, so every request reads and renders its
  page, as the first reader after a change does (reported, no target). Each run gets
  {DURATION_S:g} s (`--quick` {QUICK_DURATION_S:g} s) after {WARMUP_S:g} s of warm-up,
  measured in {ROUNDS} rounds (`--quick` {QUICK_ROUNDS}) in which every run, the baseline
  included, takes its turn for a slice ({LEAD_IN_S:g} s of each slice not counted), so a
  change in the machine's load falls on all runs alike. Latency is each request's round
  trip as the client sees it, queueing behind the other connections included.
- Baseline, same server, same connections, same rounds: `GET /healthz` (a session,
  `SELECT 1`, a small JSON answer). Target (issue): requests per second ≥
  {TARGET_RATIO:g}× the baseline's, for every feed run. Also reported: the p99 latency of
  the default first page next to the baseline's, and, as a reference, `GET
  /api/homes/{{id}}` with the same tokens: one home behind the same guard (token and
  account lookups), nothing kept in memory."""

CATEGORY_TITLES = {
    "crime": ("Car broken into overnight", "Package stolen from porch", "Bike taken from yard"),
    "safety": ("Streetlight out on the corner", "Downed branch blocking the sidewalk"),
    "suspicious_activity": ("Someone trying car doors", "Unknown van circling the block"),
    "lost_and_found_pets": ("Lost grey cat, answers to Miso", "Found a friendly beagle"),
    "unexpected_activity": ("Drone over the back yards", "Doorbell rung at 3 am, nobody there"),
    "community": ("Block party on Saturday", "Free firewood by the curb"),
}
HIDE_REASON = "Shares a neighbor's address"
BODY = (
    "Around dinner time my camera caught this at the front of the house. Nobody was hurt, "
    "but if you live nearby it may be worth checking your own footage and keeping an eye "
    "out tonight. I have let the non-emergency line know and will update this post if I "
    "hear anything back. Thanks, neighbors, for looking out for each other."
)


@dataclass(frozen=True)
class City:
    """The rows to load: homes (one owner each), posts, and the readers' homes."""

    home_ids: list[uuid.UUID]
    owner_ids: list[uuid.UUID]
    home_cells: list[int]
    posts: list[tuple[Any, ...]]
    hidden: list[tuple[uuid.UUID, dt.datetime]]
    readers: list[int]  # indexes into the homes
    now: dt.datetime
    busiest_cell_posts: int
    median_cell_posts: float


POST_COLUMNS = (
    "id", "seq", "author_id", "home_id", "cell", "category", "title", "body", "created_at",
    "media_key", "media_type", "media_size", "hidden_at", "hidden_reason", "comment_count",
)  # fmt: skip


def _city(homes: int, posts: int) -> City:
    import numpy as np

    rng = np.random.default_rng(SEED)
    cells = databases.city_cells(homes, SEED)
    home_ids = [uuid.uuid4() for _ in range(homes)]
    owner_ids = [uuid.uuid4() for _ in range(homes)]
    distinct, home_cell_index = np.unique(np.array(cells), return_inverse=True)
    rate = rng.lognormal(0.0, CELL_SKEW, len(distinct))[home_cell_index]
    poster = rng.choice(homes, size=posts, p=rate / rate.sum())
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    ages = np.sort(rng.uniform(0, DAYS * 86400, posts))[::-1]  # oldest first: seq 1
    names = list(CATEGORY_SHARES)
    category = rng.choice(len(names), size=posts, p=list(CATEGORY_SHARES.values()))
    hidden = rng.random(posts) < HIDDEN_SHARE
    media = rng.random(posts) < MEDIA_SHARE
    pick, length = rng.integers(0, 3, posts), rng.integers(60, len(BODY), posts)
    rows, hidden_rows = [], []
    for i in range(posts):
        post_id = uuid.uuid4()
        home = int(poster[i])
        created = now - dt.timedelta(seconds=float(ages[i]))
        name = names[int(category[i])]
        titles = CATEGORY_TITLES[name]
        hidden_at = None
        if hidden[i]:
            hidden_at = min(now, created + dt.timedelta(hours=2))
            hidden_rows.append((post_id, hidden_at))
        rows.append(
            (post_id, i + 1, owner_ids[home], home_ids[home], cells[home], name,
             titles[int(pick[i]) % len(titles)], BODY[: int(length[i])], created,
             f"posts/{post_id.hex}" if media[i] else None, "video/mp4" if media[i] else None,
             int(rng.integers(1, 20)) * 1_000_000 if media[i] else None, hidden_at,
             HIDE_REASON if hidden_at else None, 0)
        )  # fmt: skip
    per_cell = np.bincount(home_cell_index[poster], minlength=len(distinct))
    readers = [int(i) for i in rng.choice(homes, size=READERS, replace=False)]
    return City(
        home_ids, owner_ids, cells, rows, hidden_rows, readers, now,
        int(per_cell.max()), float(np.median(per_cell)),
    )  # fmt: skip


def _load(url: str, city: City) -> dict[str, str]:
    """Fill the database; the API token of each reader, by home id."""
    from sqlalchemy import text

    from frontporch.server.accounts.models import ApiToken
    from frontporch.server.accounts.repository import ApiTokenRepository
    from frontporch.server.accounts.sessions import new_api_token
    from frontporch.server.db import make_sessionmaker
    from frontporch.server.kit.tokens import hash_token

    engine = databases.migrated_engine(url)
    now = city.now
    operator = uuid.uuid4()
    try:
        users = [
            (owner, f"resident{i}@bench.example.org", "x", "resident", now, now)
            for i, owner in enumerate(city.owner_ids)
        ]
        users.append((operator, "operator@bench.example.org", "x", "operator", now, now))
        databases.bulk_insert(
            engine,
            "users",
            ("id", "email", "password_hash", "role", "created_at", "password_changed_at"),
            users,
        )
        databases.bulk_insert(
            engine,
            "homes",
            ("id", "owner_id", "name", "cell", "created_at"),
            zip(city.home_ids, city.owner_ids, ["Home"] * len(city.home_ids), city.home_cells,
                [now] * len(city.home_ids), strict=True),
        )  # fmt: skip
        databases.bulk_insert(engine, "posts", POST_COLUMNS, city.posts)
        databases.bulk_insert(
            engine,
            "moderation_actions",
            ("post_id", "operator_id", "action", "reason", "at"),
            ((post, operator, "hide", HIDE_REASON, at) for post, at in city.hidden),
        )
        with engine.begin() as connection:
            connection.execute(
                text("UPDATE feed_counters SET value = :last WHERE name = 'posts'"),
                {"last": len(city.posts)},
            )
        tokens = {}
        with make_sessionmaker(engine).begin() as db:
            repository = ApiTokenRepository(db)
            for reader in city.readers:
                secret = new_api_token()
                repository.add(
                    ApiToken(
                        user_id=city.owner_ids[reader],
                        name="feed benchmark",
                        token_hash=hash_token(secret),
                        prefix=secret[:10],
                        created_at=now,
                    )
                )
                tokens[str(city.home_ids[reader])] = secret
        databases.analyze(engine, ["users", "homes", "posts", "moderation_actions", "api_tokens"])
    finally:
        engine.dispose()
    return tokens


# -- the server, in a process of its own ------------------------------------------------------


def serve(url: str, data_dir: str, port: int, cache_pages: int | None = None) -> None:
    """Run the real app under uvicorn until SIGTERM (the target of the server process)."""
    import uvicorn

    from frontporch.server.app import create_app
    from frontporch.server.settings import ServerSettings

    values: dict[str, Any] = {
        "environment": "development",
        "data_dir": Path(data_dir),
        "database_url": url,
        "base_url": f"http://127.0.0.1:{port}",
        "host": "127.0.0.1",
        "port": port,
    }
    if cache_pages is not None:
        values["feed_cache_pages"] = cache_pages
    settings = ServerSettings(**values)
    uvicorn.run(
        create_app(settings),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        access_log=False,
        proxy_headers=False,
        timeout_graceful_shutdown=5,
    )


def serve_without_cache(url: str, data_dir: str, port: int) -> None:
    """`serve` with `feed_cache_pages` 0: every feed request reads its page."""
    serve(url, data_dir, port, cache_pages=0)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def server(url: str, target: Any = serve) -> Iterator[int]:
    """The app serving `url` in a fresh process; its port, once /healthz answers."""
    port = _free_port()
    with tempfile.TemporaryDirectory(prefix="frontporch-bench-feed-server-") as data_dir:
        process = multiprocessing.get_context("spawn").Process(
            target=target, args=(url, data_dir, port), daemon=True
        )
        process.start()
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    status, _ = _get(port, "/healthz", {})
                    if status == 200:
                        break
                except OSError:
                    pass
                if time.monotonic() > deadline or not process.is_alive():
                    raise RuntimeError("the benchmark's server did not start")
                time.sleep(0.2)
            yield port
        finally:
            process.terminate()
            process.join(timeout=15)
            if process.is_alive():
                process.kill()
                process.join()


def _get(port: int, path: str, headers: dict[str, str]) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


# -- the load ----------------------------------------------------------------------------------

Request = tuple[str, dict[str, str]]


@dataclass
class Load:
    """What one run measured: completed requests in the window and their latencies."""

    seconds: float
    latencies_ms: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return len(self.latencies_ms) / self.seconds

    def add(self, other: Load) -> None:
        self.seconds += other.seconds
        self.latencies_ms += other.latencies_ms

    def percentile(self, share: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


def _drive(port: int, requests: Sequence[Request], warmup: float, seconds: float) -> Load:
    """`CONNECTIONS` closed-loop clients over `requests`; counts what completes in the
    `seconds` after `warmup`."""
    load = Load(seconds)
    lock = threading.Lock()
    start = time.perf_counter() + 0.1
    window = (start + warmup, start + warmup + seconds)

    def client(offset: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        latencies, errors = [], []
        index = offset
        try:
            while time.perf_counter() < start:
                time.sleep(0.001)
            while True:
                path, headers = requests[index % len(requests)]
                index += 1
                began = time.perf_counter()
                if began >= window[1]:
                    break
                connection.request("GET", path, headers=headers)
                response = connection.getresponse()
                body = response.read()
                ended = time.perf_counter()
                if response.status != 200:
                    errors.append(f"{response.status} {path}: {body[:200]!r}")
                elif window[0] <= ended <= window[1]:
                    latencies.append((ended - began) * 1000)
        finally:
            connection.close()
            with lock:
                load.latencies_ms.extend(latencies)
                load.errors.extend(errors)

    step = max(1, len(requests) // CONNECTIONS)
    threads = [
        threading.Thread(target=client, args=(i * step,), daemon=True) for i in range(CONNECTIONS)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if load.errors:
        raise RuntimeError(f"{len(load.errors)} requests failed, e.g. {load.errors[0]}")
    return load


def _feed_path(home_id: str, radius_mi: float, **extra: str) -> str:
    query = {"home_id": home_id, "radius_mi": f"{radius_mi:g}", "limit": str(LIMIT), **extra}
    return f"/api/feed?{urlencode(query)}"


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _first_pages(tokens: dict[str, str], radius_mi: float) -> list[Request]:
    return [(_feed_path(home, radius_mi), _bearer(token)) for home, token in tokens.items()]


def _category_pages(tokens: dict[str, str]) -> list[Request]:
    homes = list(tokens.items())
    names = list(CATEGORY_SHARES)
    # Every (home, category) pair, ordered so that neighbours differ in both.
    return [
        (_feed_path(home, 2, category=names[(i + j) % len(names)]), _bearer(token))
        for j in range(len(names))
        for i, (home, token) in enumerate(homes)
    ]


def _deeper_pages(port: int, tokens: dict[str, str]) -> list[Request]:
    """Pages 2..PAGES at 2 mi of every reader, with the cursors the server handed out
    (walked once here, which also warms the server)."""
    requests = []
    for home, token in tokens.items():
        cursor = None
        for page in range(1, PAGES + 1):
            path = _feed_path(home, 2, **({"before": cursor} if cursor else {}))
            status, body = _get(port, path, _bearer(token))
            if status != 200:
                raise RuntimeError(f"GET {path} answered {status}: {body[:200]!r}")
            if page > 1:
                requests.append((path, _bearer(token)))
            cursor = json.loads(body)["next"]
            if cursor is None:
                break
    return requests


# -- the runs ----------------------------------------------------------------------------------

HEALTH = "/healthz"
REFERENCE = "authenticated reference"
FEED_RUNS = (
    "first page, 2 mi",
    "first page, 5 mi",
    "first page, 2 mi, one category",
    f"pages 2-{PAGES}, 2 mi",
)
UNCACHED_RUNS = ("first page, 2 mi, no page cache", "first page, 5 mi, no page cache")


@dataclass(frozen=True)
class Runs:
    """One database's measurements by run name, and /healthz's rate in each round."""

    loads: dict[str, Load]
    health_rounds: list[float]
    deeper_requests: int


def _measure(url: str, tokens: dict[str, str], warmup: float, seconds: float,
             rounds: int) -> Runs:  # fmt: skip
    """Every run, interleaved: `rounds` rounds of a `seconds / rounds` slice each, so
    that a change in the machine's load between runs falls on all of them alike. The
    runs without the page cache go to a second server on the same database (idle while
    the others run)."""
    with server(url) as port, server(url, serve_without_cache) as uncached:
        deeper = _deeper_pages(port, tokens)
        plans: dict[str, tuple[int, list[Request]]] = {
            HEALTH: (port, [("/healthz", {})]),
            REFERENCE: (
                port,
                [(f"/api/homes/{home}", _bearer(token)) for home, token in tokens.items()],
            ),
            FEED_RUNS[0]: (port, _first_pages(tokens, 2)),
            FEED_RUNS[1]: (port, _first_pages(tokens, 5)),
            FEED_RUNS[2]: (port, _category_pages(tokens)),
            FEED_RUNS[3]: (port, deeper),
            UNCACHED_RUNS[0]: (uncached, _first_pages(tokens, 2)),
            UNCACHED_RUNS[1]: (uncached, _first_pages(tokens, 5)),
        }
        for target, requests in plans.values():
            _drive(target, requests, warmup, 0)
        loads = {name: Load(0) for name in plans}
        health_rounds = []
        names = list(plans)
        for number in range(rounds):
            print(f"    round {number + 1} of {rounds} ...", file=sys.stderr, flush=True)
            for name in names[number % len(names) :] + names[: number % len(names)]:
                target, requests = plans[name]
                load = _drive(target, requests, LEAD_IN_S, seconds / rounds)
                loads[name].add(load)
                if name == HEALTH:
                    health_rounds.append(load.rate)
    return Runs(loads, health_rounds, len(deeper))


def _area_posts(city: City, radius_mi: float) -> float:
    """The median number of visible posts within `radius_mi` of a reader's home."""
    from frontporch.server.feed import rules

    counts = []
    visible_cells: dict[int, int] = {}
    for row in city.posts:
        if row[12] is None:  # hidden_at
            visible_cells[row[4]] = visible_cells.get(row[4], 0) + 1
    for reader in city.readers:
        area = rules.area_cells(city.home_cells[reader], radius_mi)
        counts.append(sum(visible_cells.get(cell, 0) for cell in area))
    return median(counts)


def _results(database: str, runs: Runs, city: City) -> list[Result]:
    scale = f"{len(city.posts):,} posts, {len(city.home_ids):,} homes, {database}"
    base = runs.loads[HEALTH]
    rounds = runs.health_rounds
    context = (
        f"/healthz p50 {base.percentile(0.5):.1f} ms, p99 {base.percentile(0.99):.1f} ms, "
        f"{min(rounds):,.0f}-{max(rounds):,.0f} req/s across the {len(rounds)} rounds"
    )
    results = []
    for kind in FEED_RUNS:
        load = runs.loads[kind]
        notes = (
            f"latency p50 {load.percentile(0.5):.1f} ms, p99 {load.percentile(0.99):.1f} ms; "
            f"{len(load.latencies_ms):,} requests in {load.seconds:g} s on {CONNECTIONS} "
            f"connections; {context}"
        )
        if kind == FEED_RUNS[3]:
            notes += f"; {runs.deeper_requests} distinct (reader, cursor) pages"
        results.append(_rate(f"feed {kind}, {scale}", load, base, notes, judged=True))
    for kind in UNCACHED_RUNS:
        notes = (
            "a server with feed_cache_pages 0 on the same database: every request reads "
            "and renders its page, as the first reader after a change does"
        )
        results.append(_rate(f"reference: feed {kind}, {scale}", runs.loads[kind], base, notes))
    notes = (
        "one home behind the feed's guard (token and account lookups, one home, a small "
        "answer, nothing kept in memory), its route matched after the feed's"
    )
    name = f"reference: GET /api/homes/{{id}} with an API token, {database}"
    results.append(_rate(name, runs.loads[REFERENCE], base, notes))
    first = runs.loads[FEED_RUNS[0]]
    p99, base_p99 = first.percentile(0.99), base.percentile(0.99)
    results.append(
        Result(
            name=f"feed p99 latency, first page, 2 mi, {scale}",
            figure=p99,
            unit="ms",
            baseline=base_p99,
            baseline_unit="ms (/healthz p99)",
            ratio=ratio(p99, base_p99),
            target="reported",
            passed=None,
            notes=(
                f"{CONNECTIONS} connections in a closed loop, so the figure includes queueing "
                f"at the server; p50 {first.percentile(0.5):.1f} ms; a reader's 2 mi area holds "
                f"a median {_area_posts(city, 2):,.0f} visible posts, its 5 mi area "
                f"{_area_posts(city, 5):,.0f}; busiest cell {city.busiest_cell_posts:,} posts, "
                f"median cell {city.median_cell_posts:,.0f}"
            ),
        )
    )
    return results


def _rate(name: str, load: Load, base: Load, notes: str, judged: bool = False) -> Result:
    """A run's requests per second against /healthz's; judged against the target or,
    for a reference, reported with its latencies."""
    share = ratio(load.rate, base.rate)
    if not judged:
        notes += f"; latency p50 {load.percentile(0.5):.1f} ms, p99 {load.percentile(0.99):.1f} ms"
    return Result(
        name=name,
        figure=load.rate,
        unit="req/s",
        baseline=base.rate,
        baseline_unit="req/s (/healthz)",
        ratio=share,
        target=f"≥ {TARGET_RATIO:g}× /healthz" if judged else "reported",
        passed=(share is not None and share >= TARGET_RATIO) if judged else None,
        notes=notes,
        raw=_raw(load),
    )


def _raw(load: Load) -> dict[str, Any]:
    return {
        "p50_ms": load.percentile(0.5),
        "p99_ms": load.percentile(0.99),
        "requests": len(load.latencies_ms),
        "seconds": load.seconds,
    }


def run(quick: bool) -> list[Result]:
    homes, posts = (QUICK_HOMES, QUICK_POSTS) if quick else (HOMES, POSTS)
    warmup, seconds = (QUICK_WARMUP_S, QUICK_DURATION_S) if quick else (WARMUP_S, DURATION_S)
    rounds = QUICK_ROUNDS if quick else ROUNDS
    print(f"  building {posts:,} posts over {homes:,} homes ...", file=sys.stderr, flush=True)
    city = _city(homes, posts)
    results = []
    with tempfile.TemporaryDirectory(prefix="frontporch-bench-feed-") as folder:
        url = f"sqlite:///{Path(folder) / 'feed.db'}"
        print("  SQLite ...", file=sys.stderr, flush=True)
        runs = _measure(url, _load(url, city), warmup, seconds, rounds)
        results += _results("SQLite", runs, city)
    with databases.postgres() as pg_url:
        if pg_url is not None:
            print("  PostgreSQL ...", file=sys.stderr, flush=True)
            runs = _measure(pg_url, _load(pg_url, city), warmup, seconds, rounds)
            results += _results("PostgreSQL", runs, city)
    return results
