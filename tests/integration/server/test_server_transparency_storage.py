"""The log's storage in the server's database: history cannot be rewritten (triggers),
concurrent appenders get gap-free indexes (the sequencer), checkpoints are signed in the
background, and the signing keys come from the settings (generated once in development,
required in production, two while rotating)."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import exc, func, select, text
from typer.testing import CliRunner

from frontporch.cli import app as cli
from frontporch.server.app import create_app
from frontporch.server.settings import ServerSettings, SettingsError
from frontporch.server.transparency.keys import KEY_FILE_NAME
from frontporch.server.transparency.models import LogEntry, LogSubtree
from frontporch.server.transparency.service import append_entries
from frontporch.translog.checkpoint import open_checkpoint
from frontporch.translog.errors import SignatureError
from frontporch.translog.merkle import is_perfect, leaf_hash, root_hash
from frontporch.translog.note import Signer, Verifier, generate_key
from server_fixtures import SmtpServer, make_settings
from transparency_tools import append, checkpoint_now, latest_checkpoint, policy_entry

ORIGIN = "testserver/log"


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE log_entries SET data = X'00' WHERE idx = 0",
        "DELETE FROM log_entries WHERE idx = 1",
        "UPDATE log_subtrees SET hash = X'00' WHERE level = 1",
        "DELETE FROM log_subtrees",
        "UPDATE log_checkpoints SET note = 'forged'",
        "DELETE FROM log_checkpoints",
        "TRUNCATE log_entries",
        "TRUNCATE log_subtrees",
        "TRUNCATE log_checkpoints",
    ],
)
def test_the_database_refuses_to_rewrite_history(app: FastAPI, statement: str) -> None:
    append(app, 3)
    checkpoint_now(app)
    engine = app.state.server.engine
    if engine.dialect.name == "postgresql":
        statement = statement.replace("X'00'", "'\\x00'::bytea")
    else:  # SQLite has no TRUNCATE: its fast path is an unconditional DELETE
        statement = statement.replace("TRUNCATE", "DELETE FROM")
    with pytest.raises(exc.DBAPIError, match="append-only"), engine.begin() as connection:
        connection.execute(text(statement))
    with engine.connect() as connection:
        assert connection.scalar(text("SELECT count(*) FROM log_entries")) == 3
        assert connection.scalar(text("SELECT count(*) FROM log_checkpoints")) == 1


def test_concurrent_appenders_get_every_index_once(app: FastAPI) -> None:
    context = app.state.server
    workers, rounds = 4, 12
    problems: list[BaseException] = []
    start = threading.Barrier(workers)

    def appender(worker: int) -> None:
        try:
            start.wait()
            for round_ in range(rounds):
                batch = [policy_entry(worker * 1000 + round_ * 10 + i) for i in range(worker + 1)]
                with context.sessions.begin() as db:
                    append_entries(db, batch, context.clock)
                    time.sleep(0.002)  # hold the sequencer lock while others queue up
        except BaseException as error:  # reported by the main thread
            problems.append(error)

    threads = [threading.Thread(target=appender, args=(w,)) for w in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not problems, problems
    total = rounds * sum(w + 1 for w in range(workers))
    with context.sessions() as db:
        rows = db.execute(select(LogEntry.idx, LogEntry.data).order_by(LogEntry.idx)).all()
        assert [row.idx for row in rows] == list(range(total))
        leaves = [leaf_hash(bytes(row.data)) for row in rows]
        assert len({bytes(row.data) for row in rows}) == total
        subtrees = db.execute(select(LogSubtree.level, LogSubtree.idx, LogSubtree.hash)).all()
    for level, idx, value in subtrees:
        start_leaf = idx << level
        assert is_perfect(start_leaf, start_leaf + (1 << level))
        assert bytes(value) == root_hash(leaves[start_leaf : start_leaf + (1 << level)])
    assert checkpoint_now(app) == total
    assert latest_checkpoint(TestClient(app)).root_hash == root_hash(leaves)


def test_an_append_rolls_back_with_its_transaction(app: FastAPI) -> None:
    context = app.state.server
    with context.sessions() as db:
        append_entries(db, [policy_entry(1)], context.clock)
        db.rollback()  # the request this entry logged failed
    assert append(app, 1) == [0]
    with context.sessions() as db:
        assert db.scalar(select(func.count()).select_from(LogSubtree)) == 1


def test_the_checkpointer_signs_while_entries_arrive(
    database_url: str, tmp_path: Path, smtp: SmtpServer
) -> None:
    settings = make_settings(database_url, tmp_path, smtp, log_checkpoint_interval_s=0.05)
    app = create_app(settings)
    try:
        with TestClient(app) as client:
            assert _eventually(lambda: client.get("/api/log/checkpoint").status_code == 200)
            assert latest_checkpoint(client).size == 0
            append(app, 5)
            assert _eventually(lambda: latest_checkpoint(client).size == 5)
            append(app, 2, first=5)
            assert _eventually(lambda: latest_checkpoint(client).size == 7)
            sizes = [c["size"] for c in client.get("/api/log/checkpoints").json()]
            assert sizes == [7, 5, 0]
    finally:
        app.state.server.engine.dispose()


def _eventually(check: object, timeout_s: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if check():  # type: ignore[operator]
            return True
        time.sleep(0.02)
    return False


def test_the_development_key_is_made_once_and_kept(app: FastAPI, settings: ServerSettings) -> None:
    key_file = settings.data_dir / KEY_FILE_NAME
    assert key_file.stat().st_mode & 0o077 == 0
    client = TestClient(app)
    append(app, 2)
    checkpoint_now(app)
    note = client.get("/api/log/checkpoint").content
    first_keys = client.get("/api/log/key").json()["verifier_keys"]
    restarted = create_app(settings)  # a restart: the same data_dir
    try:
        again = TestClient(restarted)
        assert again.get("/api/log/key").json()["verifier_keys"] == first_keys
        open_checkpoint(note, [Verifier.parse(k) for k in first_keys], ORIGIN)
    finally:
        restarted.state.server.engine.dispose()
    assert Signer.parse(key_file.read_text().strip()).verifier.key_string == first_keys[0]


def _production(tmp_path: Path, smtp: SmtpServer, **changes: object) -> ServerSettings:
    values: dict[str, object] = {
        "environment": "production",
        "base_url": "https://porch.example.org",
        "argon2_memory_kib": 19 * 1024,
        **changes,
    }
    return make_settings(f"sqlite:///{tmp_path / 'p.db'}", tmp_path, smtp, **values)


def test_production_refuses_to_start_without_a_signing_key(
    tmp_path: Path, smtp: SmtpServer
) -> None:
    with pytest.raises(SettingsError, match="log_signing_key is required in production"):
        create_app(_production(tmp_path, smtp))
    assert not (tmp_path / KEY_FILE_NAME).exists()
    signer, verifier = generate_key("porch.example.org/log")
    app = create_app(_production(tmp_path, smtp, log_signing_key=signer))
    try:
        assert TestClient(app).get("/api/log/key").json() == {
            "origin": "porch.example.org/log",
            "verifier_keys": [verifier],
        }
    finally:
        app.state.server.engine.dispose()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"log_signing_key": "PRIVATE+KEY+nonsense"}, "not a note signer key"),
        ({"log_signing_key": generate_key("other.example/log")[0]}, "named 'other.example/log'"),
        ({"log_signing_key_next": generate_key("elsewhere/log")[0]}, "log_signing_key_next"),
    ],
)
def test_unusable_keys_are_refused_with_a_clear_message(
    tmp_path: Path, smtp: SmtpServer, changes: dict[str, object], message: str
) -> None:
    signer, _ = generate_key("porch.example.org/log")
    settings = _production(tmp_path, smtp, **{"log_signing_key": signer, **changes})
    with pytest.raises(SettingsError, match=message) as refused:
        create_app(settings)
    for key in (signer, *changes.values()):  # the secret part of a key is never repeated
        # PRIVATE+KEY+<name>+<hash>+<base64 seed>; the base64 may itself contain '+'.
        parts = str(key).split("+", 4)
        if len(parts) == 5:
            assert parts[4] not in str(refused.value)


def test_the_next_key_must_be_a_new_key(tmp_path: Path, smtp: SmtpServer) -> None:
    signer, _ = generate_key("porch.example.org/log")
    settings = _production(tmp_path, smtp, log_signing_key=signer, log_signing_key_next=signer)
    with pytest.raises(SettingsError, match="same key"):
        create_app(settings)


def test_rotation_cosigns_so_either_key_verifies(
    database_url: str, tmp_path: Path, smtp: SmtpServer
) -> None:
    (old_signer, old), (new_signer, new) = generate_key(ORIGIN), generate_key(ORIGIN)
    key_file = tmp_path / "next.key"
    key_file.write_text(new_signer + "\n")
    settings = make_settings(
        database_url,
        tmp_path,
        smtp,
        log_signing_key=old_signer,
        log_signing_key_next_file=str(key_file),
    )
    app = create_app(settings)
    try:
        client = TestClient(app)
        assert client.get("/api/log/key").json()["verifier_keys"] == [old, new]
        append(app, 3)
        checkpoint_now(app)
        note = client.get("/api/log/checkpoint").content
        for keys in ([old], [new], [old, new]):
            checkpoint = open_checkpoint(note, [Verifier.parse(k) for k in keys], ORIGIN)
            assert checkpoint.size == 3
        with pytest.raises(SignatureError):
            open_checkpoint(note, [Verifier.parse(generate_key(ORIGIN)[1])], ORIGIN)
    finally:
        app.state.server.engine.dispose()


def test_the_origin_defaults_to_the_base_url_host(tmp_path: Path) -> None:
    assert ServerSettings(data_dir=tmp_path).resolved_log_origin == "127.0.0.1:8080/log"
    assert (
        ServerSettings(base_url="https://porch.example.org/app").resolved_log_origin
        == "porch.example.org/log"
    )
    assert ServerSettings(log_origin="log.example/x").resolved_log_origin == "log.example/x"
    with pytest.raises(ValueError, match="cannot name the log"):
        ServerSettings(log_origin="has space/log")


def test_log_key_command_prints_a_matching_pair() -> None:
    result = CliRunner().invoke(cli, ["server", "log-key", "--origin", "porch.example.org/log"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    signer = Signer.parse(next(line for line in lines if line.startswith("PRIVATE+KEY+")))
    verifier = next(line for line in lines if line.startswith("porch.example.org/log+"))
    assert signer.verifier.key_string == verifier
    assert signer.name == "porch.example.org/log"
    refused = CliRunner().invoke(cli, ["server", "log-key", "--origin", "no+plus"])
    assert refused.exit_code == 2
