"""The v12 member tables on the real SQLite store: the owner migrated with their hash,
sessions and tokens, and users with everything that signs them in removed together."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from frontporch.hub.people.records import Passkey, TotpSecret, User, UserSession, UserToken
from frontporch.hub.store.index import HubStore
from frontporch.hub.store.schema import MIGRATIONS

NOW = 1_717_400_000.0
V12 = 11  # MIGRATIONS[11] takes a database from version 11 to 12


def _database_at_v11(path: Path) -> None:
    conn = sqlite3.connect(path)
    for script in MIGRATIONS[:V12]:
        for statement in (part.strip() for part in script.split(";")):
            if statement:
                conn.execute(statement)
    conn.execute("PRAGMA user_version = 11")
    conn.execute(
        "INSERT INTO settings (key, value) VALUES ('owner_password_hash', '$argon2id$old')"
    )
    conn.execute(
        "INSERT INTO settings (key, value) VALUES ('owner_password_changed_at', ?)", (repr(NOW),)
    )
    conn.execute(
        "INSERT INTO sessions (token_hash, created, expires, user_agent) VALUES (?, ?, ?, ?)",
        ("h1", NOW + 1, NOW + 1000, "Firefox"),
    )
    conn.execute(
        "INSERT INTO api_tokens (id, token_hash, name, scope, created, last_used) "
        "VALUES ('t1', 'th1', 'Prometheus', 'metrics', ?, NULL)",
        (NOW + 2,),
    )
    conn.commit()
    conn.close()


def test_upgrading_keeps_the_owner_signed_in(tmp_path: Path) -> None:
    db = tmp_path / "index.db"
    _database_at_v11(db)
    store = HubStore(db)
    try:
        owner = store.get_user("owner")
        assert owner == User("owner", "owner", "owner", frozenset(), "$argon2id$old", NOW, NOW)
        assert store.get_setting("owner_password_hash") is None, "one place for the hash"
        (session,) = store.list_user_sessions("owner")
        assert (session.token_hash, session.user_agent, session.user_id) == (
            "h1",
            "Firefox",
            "owner",
        )
        token = store.get_user_token("th1")
        assert token is not None
        assert token.user_id == "owner"
        assert token.name == "Prometheus"
    finally:
        store.close()


def test_a_fresh_hub_has_an_owner_without_a_password(tmp_path: Path) -> None:
    store = HubStore(tmp_path / "index.db")
    try:
        (owner,) = store.list_users()
        assert owner.id == "owner"
        assert owner.role == "owner"
        assert owner.password_hash is None
    finally:
        store.close()


def test_removing_a_member_removes_what_signs_them_in(tmp_path: Path) -> None:
    store = HubStore(tmp_path / "index.db")
    try:
        member = User("m1", "guest", "member", frozenset({"share", "release"}), "$h", NOW, NOW)
        store.create_user(member)
        assert store.get_user_by_name("GUEST") == member
        store.create_user_session(UserSession("s1", "m1", NOW, NOW + 100, "Phone", NOW))
        store.create_user_session(UserSession("s2", "owner", NOW, NOW + 100, "Laptop", NOW))
        store.create_user_token(UserToken("t1", "th1", "script", "owner", NOW, None, "m1"))
        store.add_passkey(Passkey("cred", "m1", "Phone", b"key", 0, "internal", NOW))
        store.set_totp(TotpSecret("m1", "BASE32", True, NOW), "m1")
        store.set_recovery_codes("m1", ["c1"])
        assert [s.token_hash for s in store.list_user_sessions("m1")] == ["s1"]
        assert store.delete_user("m1")
        assert store.get_user("m1") is None
        assert [s.token_hash for s in store.list_user_sessions()] == ["s2"]
        assert store.list_user_tokens() == []
        assert store.list_passkeys() == []
        assert store.get_totp("m1") is None
        assert not store.claim_recovery_code("m1", "c1")
    finally:
        store.close()


def test_a_name_is_taken_once_whatever_its_case(tmp_path: Path) -> None:
    store = HubStore(tmp_path / "index.db")
    try:
        store.create_user(User("a", "Guest", "member", frozenset(), None, NOW, NOW))
        with pytest.raises(ValueError, match="exists"):
            store.create_user(User("b", "guest", "member", frozenset(), None, NOW, NOW))
    finally:
        store.close()


def test_a_totp_step_and_a_recovery_code_work_once(tmp_path: Path) -> None:
    store = HubStore(tmp_path / "index.db")
    try:
        assert store.claim_totp_step("owner", 100)
        assert not store.claim_totp_step("owner", 100)
        assert store.claim_totp_step("owner", 101)
        store.set_recovery_codes("owner", ["a", "b"])
        assert store.claim_recovery_code("owner", "a")
        assert not store.claim_recovery_code("owner", "a")
        store.add_passkey(Passkey("cred", "owner", "Laptop", b"key", 0, "", NOW))
        store.use_passkey("cred", 5, NOW + 1)
        passkey = store.get_passkey("cred")
        assert passkey is not None
        assert passkey.sign_count == 5
        assert passkey.last_used == NOW + 1
        assert not store.delete_passkey("someone-else", "cred")
        assert store.delete_passkey("owner", "cred")
    finally:
        store.close()
