"""The transparency log: batched appends, and proofs at 1k and at 1M entries.

Everything goes through the server's own code: the schema from its Alembic migrations,
`translog.log.TransparencyLog` over `server.transparency.repository.SqlLogStorage`
(the sequencer lock, the subtree table, one indexed query per proof), on SQLite in a
file as the server runs it.
"""

from __future__ import annotations

import hashlib
import random
import sys
import tempfile
import time
from collections.abc import Callable, Collection, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.result import Result, best, median, ratio

NAME = "translog"
TITLE = "Transparency log (appends, proofs at 1k and 1M entries)"
SMALL = 1_000
LARGE = 1_000_000
QUICK_LARGE = 100_000
APPEND_BATCH = 1_000
APPEND_BATCHES = 20
SINGLE_APPENDS = 300
BUILD_BATCH = 50_000
PROOFS = 300
TARGET_RATIO = 3.0
SEED = 11
METHOD = f"""\
- Storage: the server's schema (its Alembic migrations, with the append-only triggers)
  in an SQLite file (WAL, as the server runs it); the log is `TransparencyLog` over the
  server's `SqlLogStorage`. Entries are canonical `policy_changed` entries (~200 bytes).
- Appends: {APPEND_BATCHES} batches of {APPEND_BATCH:,} entries, one transaction each (take
  the sequencer lock, read the right-edge subtrees, insert the entries and the subtrees
  they complete, move the state, commit), onto a log of {SMALL:,} entries: entries per
  second. Baseline, same run: {SINGLE_APPENDS} appends of one entry per transaction.
- Proofs: two logs, of {SMALL:,} and of {LARGE:,} entries (the large one bulk-appended in
  batches of {BUILD_BATCH:,} through the same code). For each of {PROOFS} seeded random
  (index, size) pairs, size ≤ n: the wall time of building the inclusion proof (one
  query for the stored hashes it needs) plus verifying it with `merkle.verify_inclusion`
  against the root; likewise consistency proofs between two random sizes. The median;
  the 1k log is the baseline, and the ratio shows how proof cost grows with the log.
  Target (issue): 1M/1k ≤ {TARGET_RATIO:g}×, i.e. logarithmic, not linear, growth.
- Notes give the stored hashes each proof read (median, at most 2·⌈log2 n⌉)."""


def _entry(number: int) -> bytes:
    """A canonical policy_changed entry, as `translog.entries.encode_entry` writes it."""
    from frontporch.translog.entries import canonical_json

    return canonical_json(
        {
            "at": "2026-12-01T12:00:00Z",
            "policy_sha256": hashlib.sha256(number.to_bytes(8, "big")).hexdigest(),
            "summary": f"policy revision {number}",
            "type": "policy_changed",
            "v": 1,
        }
    )


@dataclass
class Counter:
    """How many stored hashes the last proof read."""

    hashes: int = 0


@contextmanager
def _log(folder: Path, name: str) -> Iterator[tuple[Any, Counter]]:
    """A migrated SQLite database and a session factory over it."""
    from frontporch.server.db import make_engine, make_sessionmaker
    from frontporch.server.migrations import upgrade_to_head

    url = f"sqlite:///{folder / name}"
    upgrade_to_head(url)
    engine = make_engine(url)
    try:
        yield make_sessionmaker(engine), Counter()
    finally:
        engine.dispose()


def _storage(db: Any, counter: Counter) -> Any:
    from frontporch.server.db import utcnow
    from frontporch.server.transparency.repository import SqlLogStorage
    from frontporch.translog.merkle import Range

    class CountingStorage(SqlLogStorage):
        def read_subtrees(self, ranges: Collection[Range]) -> Mapping[Range, bytes]:
            counter.hashes = len(ranges)
            return super().read_subtrees(ranges)

    return CountingStorage(db, utcnow)


def _append(sessions: Any, counter: Counter, entries: list[bytes]) -> None:
    from frontporch.translog.log import TransparencyLog

    with sessions.begin() as db:
        TransparencyLog(_storage(db, counter)).append(entries)


def _build(sessions: Any, counter: Counter, size: int, batch: int) -> None:
    for start in range(0, size, batch):
        _append(sessions, counter, [_entry(i) for i in range(start, min(size, start + batch))])
        if start and start % 200_000 == 0:
            print(f"    {start:,} entries", file=sys.stderr, flush=True)


def _appends(sessions: Any, counter: Counter) -> dict[str, list[float]]:
    batched, single = [], []
    number = SMALL
    for _ in range(APPEND_BATCHES):
        entries = [_entry(number + i) for i in range(APPEND_BATCH)]
        number += APPEND_BATCH
        began = time.perf_counter()
        _append(sessions, counter, entries)
        batched.append(APPEND_BATCH / (time.perf_counter() - began))
    for _ in range(SINGLE_APPENDS):
        entry = [_entry(number)]
        number += 1
        began = time.perf_counter()
        _append(sessions, counter, entry)
        single.append(1 / (time.perf_counter() - began))
    return {"batched": batched, "single": single}


def _proofs(sessions: Any, counter: Counter, size: int, count: int) -> dict[str, list[float]]:
    from frontporch.translog.log import TransparencyLog
    from frontporch.translog.merkle import leaf_hash, verify_consistency, verify_inclusion

    rng = random.Random(SEED)
    cases = []
    for _ in range(count):
        tree = rng.randint(2, size)
        cases.append((rng.randrange(tree), tree, rng.randint(1, tree - 1)))
    data: dict[str, list[float]] = {"inclusion": [], "consistency": [], "reads": []}
    with sessions() as db:
        log = TransparencyLog(_storage(db, counter))
        roots = {n: log.root(n) for case in cases for n in case[1:]}
        leaves = {index: leaf_hash(_entry(index)) for index, _, _ in cases}
        log.inclusion_proof(0, size)  # warm the connection and the page cache
        for index, tree, older in cases:
            began = time.perf_counter()
            proof = log.inclusion_proof(index, tree)
            verify_inclusion(leaves[index], index, tree, proof, roots[tree])
            data["inclusion"].append((time.perf_counter() - began) * 1000)
            data["reads"].append(counter.hashes)

            began = time.perf_counter()
            proof = log.consistency_proof(older, tree)
            verify_consistency(older, tree, proof, roots[older], roots[tree])
            data["consistency"].append((time.perf_counter() - began) * 1000)
    return data


def _proof_result(kind: str, small: dict[str, list[float]], large: dict[str, list[float]],
                  size: int) -> Result:  # fmt: skip
    figure, base = median(large[kind]), median(small[kind])
    growth = figure / base
    reads = ""
    if kind == "inclusion":
        reads = (
            f"; stored hashes read per proof: median {median(large['reads']):.0f} at "
            f"{size:,}, {median(small['reads']):.0f} at {SMALL:,}"
        )
    return Result(
        name=f"{kind} proof, build + verify, {size:,} entries (SQLite)",
        figure=figure,
        unit="ms",
        baseline=base,
        baseline_unit=f"ms (same, {SMALL:,} entries)",
        ratio=ratio(figure, base),
        target=f"≤ {TARGET_RATIO:g}× the {SMALL:,}-entry figure",
        passed=growth <= TARGET_RATIO,
        notes=f"p99 {_percentile(large[kind], 0.99):.2f} ms; {len(large[kind])} proofs{reads}",
        repeats=len(large[kind]),
        figure_best=best(large[kind]),
        baseline_best=best(small[kind]),
    )


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def _timed(label: str, action: Callable[[], None]) -> float:
    print(f"  {label} ...", file=sys.stderr, flush=True)
    began = time.perf_counter()
    action()
    return time.perf_counter() - began


def run(quick: bool) -> list[Result]:
    large_size = QUICK_LARGE if quick else LARGE
    proofs = 100 if quick else PROOFS
    with tempfile.TemporaryDirectory(prefix="frontporch-bench-translog-") as folder:
        with _log(Path(folder), "small.db") as (small, small_counter):
            _build(small, small_counter, SMALL, SMALL)
            small_proofs = _proofs(small, small_counter, SMALL, proofs)
            appends = _appends(small, small_counter)
        with _log(Path(folder), "large.db") as (large, large_counter):
            took = _timed(
                f"building a log of {large_size:,} entries",
                lambda: _build(large, large_counter, large_size, BUILD_BATCH),
            )
            large_proofs = _proofs(large, large_counter, large_size, proofs)
    rate, single = median(appends["batched"]), median(appends["single"])
    return [
        Result(
            name=f"append, batches of {APPEND_BATCH:,} entries (SQLite)",
            figure=rate,
            unit="entries/s",
            baseline=single,
            baseline_unit="entries/s (one entry per transaction)",
            ratio=ratio(rate, single),
            target="reported",
            passed=None,
            notes=(
                f"{APPEND_BATCHES} batches; building the {large_size:,}-entry log in batches of "
                f"{BUILD_BATCH:,} took {took:.0f} s ({large_size / took:,.0f} entries/s)"
            ),
            repeats=APPEND_BATCHES,
            figure_best=max(appends["batched"]),
            baseline_best=max(appends["single"]),
        ),
        _proof_result("inclusion", small_proofs, large_proofs, large_size),
        _proof_result("consistency", small_proofs, large_proofs, large_size),
    ]
