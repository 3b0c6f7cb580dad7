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
import math
import multiprocessing
import os
import re
import socket
import subprocess
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
TARGET_P99_MS = 50.0  # the first page after a change, at CONNECTIONS connections
WRITE_EVERY_S = 0.1  # the writer of the per-area run: one post in one area this often
SEED = 17
PROFILE_S = 6  # per profiled run (whole seconds: py-spy's unit)
QUICK_PROFILE_S = 3
PROFILE_RATE_HZ = 400
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
  reader's account, home and the change counters of the page's area on every request; the
  database does not change during these runs. The first page after a change, which the
  cache cannot serve, is measured on a second server on the same database with
  `feed_cache_pages` 0: no page is kept, so every request reads its page from the
  database (two runs, first pages at 2 and 5 mi: targets). Posts already rendered are
  kept by the server whatever `feed_cache_pages` is (a page read again after a change
  lists mostly posts it listed before), so these requests render none; the first reader
  after a change renders the one post that changed (about 15 µs more). One more run
  shows invalidation per area: first pages at 2 mi on the caching server while a writer
  in the benchmark process adds a post every {WRITE_EVERY_S:g} s to the cell of one
  reader's home (straight into the database, as another process would; the triggers
  raise that cell's counters): only the pages of readers whose area holds that cell are
  read again after each post (reported, with how many readers those are). Each run gets
  {DURATION_S:g} s (`--quick` {QUICK_DURATION_S:g} s) after {WARMUP_S:g} s of warm-up,
  measured in {ROUNDS} rounds (`--quick` {QUICK_ROUNDS}) in which every run, the baseline
  included, takes its turn for a slice ({LEAD_IN_S:g} s of each slice not counted), so a
  change in the machine's load falls on all runs alike. Latency is each request's round
  trip as the client sees it, queueing behind the other connections included.
- Baseline, same server, same connections, same rounds: `GET /healthz` (a session,
  `SELECT 1`, a small JSON answer). Target (issue): requests per second ≥
  {TARGET_RATIO:g}× the baseline's, for every feed run, the first pages after a change
  included, and a p99 latency of at most {TARGET_P99_MS:g} ms for those. Also reported: the
  p99 latency of the default first page next to the baseline's, and, as a reference, `GET
  /api/homes/{{id}}` with the same tokens: one home behind the same guard (token and
  account lookups), nothing kept in memory.
- Profile (reported, no target): after the rounds, `/healthz`, the kept first page and the
  first page after a change (2 mi) once more for {PROFILE_S} s each (`--quick`
  {QUICK_PROFILE_S} s): the server process's CPU time per answer (Linux `/proc`), and,
  where py-spy is installed next to the benchmark's Python, {PROFILE_RATE_HZ} samples a
  second of the server thread holding the interpreter lock (`py-spy --gil`: one uvicorn
  worker runs one request's Python at a time, so this is the time a request costs the
  server), each sample put in the stage of its innermost frame that names one: HTTP
  parsing and writing (uvicorn), the security middleware, routing and response (FastAPI,
  Starlette), dependencies and parameters, thread-pool hops, auth (the token and account
  statement, its ORM objects), the session (open, commit, close), the home and counters
  statement, the page statement, rendering, the event loop and socket I/O, with the
  database stages split into driver and ORM time. Shares are of the samples; µs are the
  shares of the CPU time per answer."""

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


@dataclass(frozen=True)
class Served:
    """A running server process: where it listens and which process it is (profiled)."""

    port: int
    pid: int


@contextmanager
def server(url: str, target: Any = serve) -> Iterator[Served]:
    """The app serving `url` in a fresh process, once /healthz answers."""
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
            assert process.pid is not None  # started above
            yield Served(port, process.pid)
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
    answered: int = 0  # every answer, warm-up included: what the server's CPU time paid for

    @property
    def rate(self) -> float:
        return len(self.latencies_ms) / self.seconds

    def add(self, other: Load) -> None:
        self.seconds += other.seconds
        self.latencies_ms += other.latencies_ms
        self.answered += other.answered

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
        answered = 0
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
                answered += 1
                if response.status != 200:
                    errors.append(f"{response.status} {path}: {body[:200]!r}")
                elif window[0] <= ended <= window[1]:
                    latencies.append((ended - began) * 1000)
        finally:
            connection.close()
            with lock:
                load.latencies_ms.extend(latencies)
                load.errors.extend(errors)
                load.answered += answered

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


# -- where a request's time goes ----------------------------------------------------------------

# The stages of a request, each named by the frames that belong to it; a sample goes to the
# stage of its innermost frame that names one (so the SQL an auth guard runs is auth's).
STAGES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("auth (API token and account: one statement, ORM objects)",
     ("authenticate (frontporch/server/accounts/auth.py",)),
    ("home and change counters statement",
     ("reader_state (frontporch", "area_changes (frontporch")),
    ("page statement", ("visible_page (frontporch", "own_hidden (frontporch")),
    ("rendering (post views, the page's JSON)", ("_entries (frontporch", "json_for (frontporch")),
    ("/healthz's SELECT 1", ("healthz (frontporch",)),
    ("session (open, commit, close)",
     ("finish (frontporch", "_commit (frontporch", "_roll_back (frontporch",
      "db_session (frontporch")),
    ("feed endpoint, the rest",
     ("read_feed (frontporch", "frontporch/server/feed/posts/reading.py")),
    ("thread-pool hops (hand-over, worker wake-ups)",
     ("anyio/to_thread", "run_sync_in_worker_thread", "run_in_threadpool", "WorkerThread",
      "call_soon_threadsafe", "_write_to_self", "_read_from_self", "CapacityLimiter")),
    ("security middleware", ("frontporch/web/security.py",)),
    ("dependencies and parameters (FastAPI, pydantic)",
     ("fastapi/dependencies", "fastapi/_compat", "pydantic")),
    ("routing, exception handling, response (FastAPI, Starlette)",
     ("fastapi/routing.py", "fastapi/applications.py", "starlette/")),
    ("HTTP parsing and writing (uvicorn)", ("uvicorn/protocols", "h11/", "httptools")),
    ("event loop and socket I/O", ("asyncio/", "selectors")),
)  # fmt: skip
OTHER_STAGE = "other"
DATABASE_STAGES = 6  # the first STAGES: their samples are also split into driver and ORM
DRIVER_FRAMES = ("do_execute (", "do_commit (", "do_rollback (", "sqlite3", "psycopg")
ORM_FRAMES = ("sqlalchemy/orm/",)
SAMPLE = re.compile(r"^(.*) (\d+)$")


@dataclass(frozen=True)
class Profile:
    """Where one run's requests spent the server's time: the server process's CPU time
    per answer, and the share of each stage in py-spy's samples of the thread holding
    the interpreter lock (what one worker does one request at a time)."""

    cpu_ms: float | None
    shares: dict[str, float]
    driver: dict[str, float]
    orm: dict[str, float]
    samples: int
    problem: str = ""


def _stage(frames: Sequence[str]) -> str:
    for frame in reversed(frames):
        for name, marks in STAGES:
            if any(mark in frame for mark in marks):
                return name
    return OTHER_STAGE


def _breakdown(raw: str, cpu_ms: float | None) -> Profile:
    """Shares of py-spy's `raw` (collapsed) stacks by stage."""
    counts: dict[str, int] = {}
    driver: dict[str, int] = {}
    orm: dict[str, int] = {}
    database = {name for name, _ in STAGES[:DATABASE_STAGES]}
    total = 0
    for line in raw.splitlines():
        match = SAMPLE.match(line.rstrip())
        if match is None:  # a statement's text spilling over a line
            continue
        frames, samples = match.group(1).split(";"), int(match.group(2))
        name = _stage(frames)
        counts[name] = counts.get(name, 0) + samples
        total += samples
        if name in database:
            if any(mark in frame for frame in frames for mark in DRIVER_FRAMES):
                driver[name] = driver.get(name, 0) + samples
            elif any(mark in frame for frame in frames for mark in ORM_FRAMES):
                orm[name] = orm.get(name, 0) + samples

    def shares(values: dict[str, int]) -> dict[str, float]:
        return {name: count / total for name, count in values.items()} if total else {}

    return Profile(cpu_ms, shares(counts), shares(driver), shares(orm), total)


def _cpu_s(pid: int) -> float | None:
    """The process's user and system CPU time so far (Linux), or None."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _profile(served: Served, requests: Sequence[Request], seconds: int) -> Profile:
    """`requests` driven for `seconds` while py-spy (when the environment has it) samples
    the server; without py-spy, the CPU time per answer alone."""
    spy = Path(sys.executable).with_name("py-spy")
    before = _cpu_s(served.pid)
    with tempfile.TemporaryDirectory(prefix="frontporch-bench-feed-profile-") as folder:
        out = Path(folder) / "stacks.txt"
        sampler = None
        if spy.exists():
            sampler = subprocess.Popen(
                [str(spy), "record", "--pid", str(served.pid), "--format", "raw", "--gil",
                 "--nonblocking", "--rate", str(PROFILE_RATE_HZ), "--duration", str(seconds),
                 "--output", str(out)],
                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
            )  # fmt: skip
        load = _drive(served.port, requests, LEAD_IN_S, seconds)
        after = _cpu_s(served.pid)
        cpu_ms = None
        if before is not None and after is not None and load.answered:
            cpu_ms = (after - before) * 1000 / load.answered
        if sampler is None:
            return Profile(cpu_ms, {}, {}, {}, 0, "py-spy is not installed next to Python")
        try:
            _, errors = sampler.communicate(timeout=seconds + 30)
        except subprocess.TimeoutExpired:
            sampler.kill()
            return Profile(cpu_ms, {}, {}, {}, 0, "py-spy did not finish")
        if sampler.returncode != 0 or not out.exists():
            problem = (errors or "").strip().splitlines()[-1:] or ["no output"]
            return Profile(cpu_ms, {}, {}, {}, 0, f"py-spy failed: {problem[0][:200]}")
        return _breakdown(out.read_text(errors="replace"), cpu_ms)


def _profile_notes(profile: Profile) -> str:
    """The stages, largest first, in µs per request where the CPU time is known."""
    if profile.problem:
        return f"no profile ({profile.problem})"
    parts = []
    for name, share in sorted(profile.shares.items(), key=lambda item: -item[1]):
        cost = f"{share * profile.cpu_ms * 1000:,.0f} µs, " if profile.cpu_ms else ""
        split = []
        if profile.driver.get(name):
            split.append(f"database driver {profile.driver[name]:.0%}")
        if profile.orm.get(name):
            split.append(f"ORM {profile.orm[name]:.0%}")
        detail = f" ({cost}{share:.0%}{'; ' + ', '.join(split) if split else ''})"
        parts.append(name + detail)
    return f"{profile.samples:,} samples: " + "; ".join(parts)


# -- the runs ----------------------------------------------------------------------------------

HEALTH = "/healthz"
REFERENCE = "authenticated reference"
FEED_RUNS = (
    "first page, 2 mi",
    "first page, 5 mi",
    "first page, 2 mi, one category",
    f"pages 2-{PAGES}, 2 mi",
)
UNCACHED_RUNS = (
    "first page after a change (no page kept), 2 mi",
    "first page after a change (no page kept), 5 mi",
)
WRITING_RUN = "first page, 2 mi, while one area receives a post every"


class Writer:
    """Posts into one home's cell every `WRITE_EVERY_S` while running: straight into the
    database through the server's own models, as another process would."""

    def __init__(self, url: str, city: City) -> None:
        self.url = url
        self.home = city.readers[0]
        self.city = city
        self.written = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _run(self) -> None:
        from frontporch.server.db import make_engine, make_sessionmaker
        from frontporch.server.feed.models import Post
        from frontporch.server.feed.posts.repository import PostRepository

        engine = make_engine(self.url)
        sessions = make_sessionmaker(engine)
        try:
            while not self._stop.wait(WRITE_EVERY_S):
                with sessions.begin() as db:
                    db.add(
                        Post(
                            id=uuid.uuid4(),
                            seq=PostRepository(db).next_seq(),
                            author_id=self.city.owner_ids[self.home],
                            home_id=self.city.home_ids[self.home],
                            cell=self.city.home_cells[self.home],
                            category="community",
                            title="Block party on Saturday",
                            body=BODY[:120],
                            created_at=dt.datetime.now(dt.UTC),
                            comment_count=0,
                        )
                    )
                self.written += 1
        finally:
            engine.dispose()

    def __enter__(self) -> Writer:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()


@dataclass(frozen=True)
class Runs:
    """One database's measurements by run name, and /healthz's rate in each round."""

    loads: dict[str, Load]
    health_rounds: list[float]
    deeper_requests: int
    posts_written: int
    profiles: dict[str, Profile]  # by run name: /healthz, the kept and the read first page


def _measure(url: str, tokens: dict[str, str], city: City, warmup: float, seconds: float,
             rounds: int, profile_s: int) -> Runs:  # fmt: skip
    """Every run, interleaved: `rounds` rounds of a `seconds / rounds` slice each, so
    that a change in the machine's load between runs falls on all of them alike. The
    runs without the page cache go to a second server on the same database (idle while
    the others run). Then /healthz, the kept first page and the first page after a
    change once more, `profile_s` each, profiled."""
    with server(url) as served, server(url, serve_without_cache) as served_uncached:
        port, uncached = served.port, served_uncached.port
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
            WRITING_RUN: (port, _first_pages(tokens, 2)),
        }
        writer = Writer(url, city)
        for target, requests in plans.values():
            _drive(target, requests, warmup, 0)
        loads = {name: Load(0) for name in plans}
        health_rounds = []
        names = list(plans)
        for number in range(rounds):
            print(f"    round {number + 1} of {rounds} ...", file=sys.stderr, flush=True)
            for name in names[number % len(names) :] + names[: number % len(names)]:
                target, requests = plans[name]
                if name == WRITING_RUN:
                    with writer:
                        load = _drive(target, requests, LEAD_IN_S, seconds / rounds)
                else:
                    load = _drive(target, requests, LEAD_IN_S, seconds / rounds)
                loads[name].add(load)
                if name == HEALTH:
                    health_rounds.append(load.rate)
        print("    profiling ...", file=sys.stderr, flush=True)
        profiles = {
            HEALTH: _profile(served, plans[HEALTH][1], profile_s),
            FEED_RUNS[0]: _profile(served, plans[FEED_RUNS[0]][1], profile_s),
            UNCACHED_RUNS[0]: _profile(served_uncached, plans[UNCACHED_RUNS[0]][1], profile_s),
        }
    return Runs(loads, health_rounds, len(deeper), writer.written, profiles)


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
    from frontporch.server.feed import rules

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
        load = runs.loads[kind]
        notes = (
            "a server with feed_cache_pages 0 on the same database: every request reads its "
            f"page, as the first reader after a change does; latency p50 "
            f"{load.percentile(0.5):.1f} ms, p99 {load.percentile(0.99):.1f} ms; {context}"
        )
        results.append(_rate(f"feed {kind}, {scale}", load, base, notes, judged=True))
        p99 = load.percentile(0.99)
        results.append(
            Result(
                name=f"feed p99 latency, {kind}, {scale}",
                figure=p99,
                unit="ms",
                baseline=base.percentile(0.99),
                baseline_unit="ms (/healthz p99)",
                ratio=ratio(p99, base.percentile(0.99)),
                target=f"≤ {TARGET_P99_MS:g} ms",
                passed=p99 <= TARGET_P99_MS,
                notes=f"{CONNECTIONS} connections in a closed loop (queueing included); "
                f"p50 {load.percentile(0.5):.1f} ms",
            )
        )
    writing = runs.loads[WRITING_RUN]
    cached = runs.loads[FEED_RUNS[0]]
    poster_cell = city.home_cells[city.readers[0]]
    touched = sum(
        poster_cell in set(rules.area_cells(city.home_cells[reader], 2)) for reader in city.readers
    )
    notes = (
        f"{runs.posts_written} posts written in the run's slices, all in one cell: "
        f"{touched} of the {len(city.readers)} readers' 2 mi areas hold it and have their "
        f"page read again after each post, the others' pages stay kept; "
        f"{ratio(writing.rate, cached.rate) or 0:.2f}× the rate of the same requests with "
        "no posts arriving"
    )
    name = f"feed {WRITING_RUN} {WRITE_EVERY_S:g} s, {scale}"
    results.append(_rate(name, writing, base, notes))
    notes = (
        "one home behind the feed's guard (token and account lookups, one home, a small "
        "answer, nothing kept in memory), its route matched after the feed's"
    )
    name = f"reference: GET /api/homes/{{id}} with an API token, {database}"
    results.append(_rate(name, runs.loads[REFERENCE], base, notes))
    results += _profile_results(runs.profiles, database)
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


def _profile_results(profiles: dict[str, Profile], database: str) -> list[Result]:
    """Server CPU time per request of /healthz, the kept and the read first page, each
    with where it goes (the profile that explains the feed's ratio to /healthz)."""
    base = profiles[HEALTH]
    results = []
    for kind in (HEALTH, FEED_RUNS[0], UNCACHED_RUNS[0]):
        profile = profiles[kind]
        figure = profile.cpu_ms if profile.cpu_ms is not None else math.nan
        share = None
        if profile.cpu_ms is not None and base.cpu_ms:
            share = ratio(profile.cpu_ms, base.cpu_ms)
        results.append(
            Result(
                name=f"profile: server CPU time per request, {kind}, {database}",
                figure=figure,
                unit="ms",
                baseline=base.cpu_ms,
                baseline_unit="ms (/healthz)",
                ratio=share,
                target="reported",
                passed=None,
                notes=_profile_notes(profile),
                raw={
                    "shares": profile.shares,
                    "driver": profile.driver,
                    "orm": profile.orm,
                    "samples": profile.samples,
                },
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
    profile_s = QUICK_PROFILE_S if quick else PROFILE_S
    print(f"  building {posts:,} posts over {homes:,} homes ...", file=sys.stderr, flush=True)
    city = _city(homes, posts)
    results = []
    with tempfile.TemporaryDirectory(prefix="frontporch-bench-feed-") as folder:
        url = f"sqlite:///{Path(folder) / 'feed.db'}"
        print("  SQLite ...", file=sys.stderr, flush=True)
        runs = _measure(url, _load(url, city), city, warmup, seconds, rounds, profile_s)
        results += _results("SQLite", runs, city)
    with databases.postgres() as pg_url:
        if pg_url is not None:
            print("  PostgreSQL ...", file=sys.stderr, flush=True)
            runs = _measure(pg_url, _load(pg_url, city), city, warmup, seconds, rounds, profile_s)
            results += _results("PostgreSQL", runs, city)
    return results
