"""The log monitor against the real server over HTTP, on SQLite and PostgreSQL — and against
a malicious operator who drops the append-only triggers (migration 0004) and edits the
database: rewriting a stored entry; rewriting it, recomputing every hash and re-signing
with the server's own key; deleting an entry and re-sequencing; forking the log. A
monitor holding an earlier checkpoint detects each; the CLI exits 1 and keeps its state."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from sqlalchemy import Engine, delete, select, text, update
from typer.testing import CliRunner

from frontporch.cli import app as cli
from frontporch.server.transparency.models import (
    LogCheckpoint,
    LogEntry,
    LogStateRow,
    LogSubtree,
)
from frontporch.server.transparency.repository import SqlLogStorage
from frontporch.translog.checkpoint import Checkpoint, sign_checkpoint
from frontporch.translog.entries import encode_entry
from frontporch.translog.errors import SignatureError
from frontporch.translog.log import TransparencyLog
from frontporch.translog.merkle import EMPTY_ROOT
from frontporch.translog.note import Signer
from frontporch.translog.state import pinned_state
from frontporch.translog.verify import LogInconsistency, Monitor, trust_on_first_use
from server_live import serving
from transparency_tools import append, checkpoint_now, policy_entry

APPEND_ONLY = ("log_entries", "log_subtrees", "log_checkpoints")


@pytest.fixture
def url(app: FastAPI) -> Iterator[str]:
    with serving(app) as base:  # lifespan off: no background checkpointer
        yield base


def _monitor(app: FastAPI) -> Monitor:
    return Monitor(pinned_state(app.state.log_keys.verifier_keys))


def _grow(app: FastAPI, count: int, first: int) -> int:
    append(app, count, first)
    return checkpoint_now(app)


# -- the malicious operator ----------------------------------------------------------------


def _drop_triggers(engine: Engine) -> None:
    """What the migration's triggers cannot stop: someone with the database's owner role."""
    with engine.begin() as connection:
        for table in APPEND_ONLY:
            if engine.dialect.name == "postgresql":
                connection.execute(text(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}"))
                connection.execute(text(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}"))
            else:
                connection.execute(text(f"DROP TRIGGER IF EXISTS {table}_no_update"))
                connection.execute(text(f"DROP TRIGGER IF EXISTS {table}_no_delete"))


def _stored_entries(app: FastAPI) -> list[bytes]:
    with app.state.server.sessions() as db:
        return [bytes(d) for d in db.scalars(select(LogEntry.data).order_by(LogEntry.idx))]


def _rewrite_history(app: FastAPI, entries: list[bytes]) -> None:
    """Replace the whole log with `entries`, every hash recomputed and a checkpoint signed
    with the server's key: a log that is perfectly consistent with itself."""
    context = app.state.server
    _drop_triggers(context.engine)
    with context.sessions.begin() as db:
        for table in (LogCheckpoint, LogSubtree, LogEntry):
            db.execute(delete(table))
        db.execute(update(LogStateRow).values(size=0, root=EMPTY_ROOT))
        TransparencyLog(SqlLogStorage(db, context.clock)).append(entries)
    checkpoint_now(app)


def _set_entry_data(app: FastAPI, index: int, data: bytes) -> None:
    _drop_triggers(app.state.server.engine)
    with app.state.server.sessions.begin() as db:
        db.execute(update(LogEntry).where(LogEntry.idx == index).values(data=data))


def _entry(number: int) -> bytes:
    return encode_entry(policy_entry(number))


# -- an honest log -------------------------------------------------------------------------


def test_monitor_follows_an_honest_log(app: FastAPI, url: str) -> None:
    _grow(app, 5, 0)
    monitor = _monitor(app)
    first = monitor.update(url, audit=True)
    assert (first.previous_size, first.size, first.audited) == (None, 5, 5)
    _grow(app, 4, 5)
    second = monitor.update(url, audit=True)
    assert (second.previous_size, second.size, second.audited) == (5, 9, 4)
    assert second.fully_audited
    assert monitor.check_inclusion(url, index=7).index == 7
    assert monitor.check_inclusion(url, entry=_entry(3)).index == 3
    assert trust_on_first_use(url).verifier_keys == tuple(app.state.log_keys.verifier_keys)


# -- a malicious operator ------------------------------------------------------------------


def test_rewritten_entry_bytes_are_detected(app: FastAPI, url: str) -> None:
    _grow(app, 6, 0)
    monitor = _monitor(app)
    monitor.update(url)
    _set_entry_data(app, 2, _entry(666))  # the hashes stay: roots and proofs still agree
    _grow(app, 2, 6)
    monitor.update(url)  # the tree itself is intact: the consistency proof holds
    with pytest.raises(LogInconsistency, match="entry 2's bytes hash to"):
        monitor.check_inclusion(url, index=2)
    before = monitor.state
    with pytest.raises(LogInconsistency, match="entry 2's bytes hash to"):
        monitor.update(url, audit=True)
    assert monitor.state == before


def test_rewritten_rehashed_and_resigned_log_is_detected(app: FastAPI, url: str) -> None:
    _grow(app, 6, 0)
    monitor = _monitor(app)
    monitor.update(url)
    held = monitor.state
    entries = _stored_entries(app)
    entries[2] = _entry(666)
    _rewrite_history(app, entries)
    with pytest.raises(LogInconsistency, match="size 6 has a different root"):
        monitor.update(url)
    _grow(app, 3, 6)
    with pytest.raises(LogInconsistency, match="size 9 is not an extension of the size-6"):
        monitor.update(url)
    assert monitor.state == held


def test_deleted_and_resequenced_entry_is_detected_and_the_cli_exits_1(
    app: FastAPI, url: str, tmp_path: Path
) -> None:
    _grow(app, 6, 0)
    state = tmp_path / "monitor.json"
    key = app.state.log_keys.verifier_keys[0]
    runner = CliRunner()
    first = runner.invoke(
        cli, ["log", "verify", "--server", url, "--key", key, "--state", str(state)]
    )
    assert first.exit_code == 0, first.stderr
    held = state.read_bytes()
    entries = _stored_entries(app)
    del entries[2]  # the entry vanishes; later ones move up one place
    _rewrite_history(app, entries)
    shrunk = runner.invoke(cli, ["log", "verify", "--server", url, "--state", str(state)])
    assert shrunk.exit_code == 1
    assert "the log now has 5 entries, but you verified a checkpoint of 6" in shrunk.stderr
    _grow(app, 3, 100)  # and grows past the old size again
    grown = runner.invoke(cli, ["log", "verify", "--server", url, "--state", str(state)])
    assert grown.exit_code == 1
    assert "size 8 is not an extension of the size-6 checkpoint" in grown.stderr
    assert "keep your state file as evidence" in grown.stderr
    assert state.read_bytes() == held
    evidence = sorted(tmp_path.glob("monitor.evidence-*.json"))
    assert evidence
    saved = json.loads(evidence[-1].read_text())
    assert saved["verified_checkpoint"] == json.loads(held)["checkpoint"]["note"]
    assert saved["new_checkpoint"].splitlines()[1] in {"5", "8"}


def test_a_fork_is_detected_by_the_monitor_that_saw_the_other_branch(
    app: FastAPI, url: str
) -> None:
    _grow(app, 6, 0)
    behind = _monitor(app)
    behind.update(url)  # both monitors saw the tree of 6
    ahead = _monitor(app)
    ahead.update(url)
    _grow(app, 2, 6)
    ahead.update(url)  # one sees the branch with entries 6 and 7 ...
    branch = [*_stored_entries(app)[:6], _entry(700), _entry(701)]
    _rewrite_history(app, branch)  # ... the operator shows the other branch from now on
    assert behind.update(url).size == 8  # consistent with what that monitor saw: it cannot tell
    with pytest.raises(LogInconsistency, match="size 8 has a different root"):
        ahead.update(url)
    assert behind.state.checkpoint is not None
    assert ahead.state.checkpoint is not None
    assert behind.state.checkpoint.note != ahead.state.checkpoint.note  # gossip would show it


def test_checkpoint_signed_with_another_key_is_refused(app: FastAPI, url: str) -> None:
    _grow(app, 4, 0)
    monitor = _monitor(app)
    monitor.update(url)
    append(app, 2, 4)
    origin = app.state.log_keys.origin
    impostor = Signer.generate(origin)
    context = app.state.server
    with context.sessions.begin() as db:
        state = db.execute(select(LogStateRow.size, LogStateRow.root)).one()
        note = sign_checkpoint(Checkpoint(origin, state.size, bytes(state.root)), impostor)
        db.add(
            LogCheckpoint(
                size=state.size, root=state.root, note=note.decode(), created_at=context.clock()
            )
        )
    with pytest.raises(SignatureError, match="may have rotated its key"):
        monitor.update(url)
    assert monitor.state.size == 4
