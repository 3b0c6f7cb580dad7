"""Household members, their sessions, API tokens, passkeys and TOTP secrets (v12).

Before v12 the hub had one account: the owner's password hash lived in `settings`.
The migration makes that account the user "owner" (role owner) with the same hash and
change time, and gives every existing session and API token to it, so nobody is signed
out by the upgrade. A fresh hub gets the same "owner" row without a password; the first
start then generates one (`web/passwords.py`).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from frontporch.hub.people.records import Passkey, TotpSecret, User, UserSession, UserToken
from frontporch.hub.store.tables import StoreConnections

SCHEMA = """
CREATE TABLE users (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE COLLATE NOCASE,
    role TEXT NOT NULL CHECK (role IN ('owner', 'member')),
    allowances TEXT NOT NULL,
    password_hash TEXT,
    password_changed REAL NOT NULL,
    created REAL NOT NULL,
    invite_hash TEXT UNIQUE,
    invite_expires REAL
) WITHOUT ROWID;
INSERT INTO users (id, name, role, allowances, password_hash, password_changed, created)
    VALUES ('owner', 'owner', 'owner', '',
            (SELECT value FROM settings WHERE key = 'owner_password_hash'),
            coalesce((SELECT CAST(value AS REAL) FROM settings
                      WHERE key = 'owner_password_changed_at'), 0.0),
            coalesce((SELECT CAST(value AS REAL) FROM settings
                      WHERE key = 'owner_password_changed_at'), 0.0));
DELETE FROM settings WHERE key IN ('owner_password_hash', 'owner_password_changed_at');
ALTER TABLE sessions ADD COLUMN user_id TEXT NOT NULL DEFAULT 'owner';
ALTER TABLE sessions ADD COLUMN last_used REAL;
CREATE INDEX sessions_user ON sessions (user_id);
ALTER TABLE api_tokens ADD COLUMN user_id TEXT NOT NULL DEFAULT 'owner';
CREATE INDEX api_tokens_user ON api_tokens (user_id);
CREATE TABLE passkeys (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    public_key BLOB NOT NULL,
    sign_count INTEGER NOT NULL,
    transports TEXT NOT NULL,
    created REAL NOT NULL,
    last_used REAL
) WITHOUT ROWID;
CREATE INDEX passkeys_user ON passkeys (user_id);
CREATE TABLE totp_secrets (
    user_id TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    secret TEXT NOT NULL,
    confirmed INTEGER NOT NULL CHECK (confirmed IN (0, 1)),
    created REAL NOT NULL
) WITHOUT ROWID;
CREATE TABLE totp_used_steps (
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    step INTEGER NOT NULL,
    PRIMARY KEY (user_id, step)
) WITHOUT ROWID;
CREATE TABLE recovery_codes (
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash TEXT NOT NULL,
    used_at REAL,
    PRIMARY KEY (user_id, code_hash)
) WITHOUT ROWID
"""


def _user(row: sqlite3.Row) -> User:
    allowances = frozenset(part for part in row["allowances"].split(",") if part)
    return User(
        row["id"],
        row["name"],
        row["role"],
        allowances,
        row["password_hash"],
        row["password_changed"],
        row["created"],
        row["invite_hash"],
        row["invite_expires"],
    )


def _session(row: sqlite3.Row) -> UserSession:
    return UserSession(
        row["token_hash"],
        row["user_id"],
        row["created"],
        row["expires"],
        row["user_agent"],
        row["last_used"],
    )


def _token(row: sqlite3.Row) -> UserToken:
    return UserToken(
        row["id"],
        row["token_hash"],
        row["name"],
        row["scope"],
        row["created"],
        row["last_used"],
        row["user_id"],
    )


def _passkey(row: sqlite3.Row) -> Passkey:
    return Passkey(
        row["id"],
        row["user_id"],
        row["name"],
        bytes(row["public_key"]),
        row["sign_count"],
        row["transports"],
        row["created"],
        row["last_used"],
    )


USER_COLUMNS = (
    "id, name, role, allowances, password_hash, password_changed, created, "
    "invite_hash, invite_expires"
)


def _user_values(user: User) -> tuple[object, ...]:
    return (
        user.id,
        user.name,
        user.role,
        ",".join(sorted(user.allowances)),
        user.password_hash,
        user.password_changed,
        user.created,
        user.invite_hash,
        user.invite_expires,
    )


class MemberTables(StoreConnections):
    """Users and what signs them in; removing a user removes all of it."""

    def list_users(self) -> list[User]:
        with self._read() as conn:
            rows = conn.execute(
                "SELECT * FROM users ORDER BY role = 'member', name COLLATE NOCASE"
            ).fetchall()
        return [_user(row) for row in rows]

    def get_user(self, user_id: str) -> User | None:
        with self._read() as conn:
            row = conn.execute("SELECT * FROM users WHERE id = ?", (user_id,)).fetchone()
        return None if row is None else _user(row)

    def get_user_by_name(self, name: str) -> User | None:
        with self._read() as conn:
            row = conn.execute("SELECT * FROM users WHERE name = ?", (name,)).fetchone()
        return None if row is None else _user(row)

    def get_user_by_invite(self, invite_hash: str) -> User | None:
        with self._read() as conn:
            row = conn.execute(
                "SELECT * FROM users WHERE invite_hash = ?", (invite_hash,)
            ).fetchone()
        return None if row is None else _user(row)

    def create_user(self, user: User) -> User:
        with self._tx() as conn:
            taken = conn.execute(
                "SELECT 1 FROM users WHERE id = ? OR name = ?", (user.id, user.name)
            ).fetchone()
            if taken is not None:
                raise ValueError(f"a user named {user.name!r} exists already")
            conn.execute(
                f"INSERT INTO users ({USER_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",  # noqa: S608
                _user_values(user),
            )
        return user

    def update_user(self, user: User) -> bool:
        values = _user_values(user)
        with self._tx() as conn:
            return (
                conn.execute(
                    "UPDATE users SET name = ?, role = ?, allowances = ?, password_hash = ?, "
                    "password_changed = ?, created = ?, invite_hash = ?, invite_expires = ? "
                    "WHERE id = ?",
                    (*values[1:], user.id),
                ).rowcount
                > 0
            )

    def delete_user(self, user_id: str) -> bool:
        with self._tx() as conn:
            conn.execute("DELETE FROM sessions WHERE user_id = ?", (user_id,))
            conn.execute("DELETE FROM api_tokens WHERE user_id = ?", (user_id,))
            for table in ("passkeys", "totp_secrets", "totp_used_steps", "recovery_codes"):
                conn.execute(f"DELETE FROM {table} WHERE user_id = ?", (user_id,))  # noqa: S608
            return conn.execute("DELETE FROM users WHERE id = ?", (user_id,)).rowcount > 0

    # -- sessions -------------------------------------------------------------------

    def create_user_session(self, session: UserSession) -> None:
        with self._tx() as conn:
            conn.execute(
                "INSERT INTO sessions (token_hash, created, expires, user_agent, user_id, "
                "last_used) VALUES (?, ?, ?, ?, ?, ?)",
                (
                    session.token_hash,
                    session.created,
                    session.expires,
                    session.user_agent,
                    session.user_id,
                    session.last_used,
                ),
            )

    def get_user_session(self, token_hash: str, now: float) -> UserSession | None:
        with self._read() as conn:
            row = conn.execute(
                "SELECT * FROM sessions WHERE token_hash = ? AND expires > ?", (token_hash, now)
            ).fetchone()
        return None if row is None else _session(row)

    def list_user_sessions(self, user_id: str | None = None) -> list[UserSession]:
        query = "SELECT * FROM sessions"
        args: tuple[str, ...] = ()
        if user_id is not None:
            query, args = query + " WHERE user_id = ?", (user_id,)
        with self._read() as conn:
            rows = conn.execute(
                query + " ORDER BY coalesce(last_used, created) DESC, token_hash", args
            ).fetchall()
        return [_session(row) for row in rows]

    def touch_user_session(self, token_hash: str, last_used: float, expires: float) -> None:
        with self._tx() as conn:
            conn.execute(
                "UPDATE sessions SET last_used = ?, expires = max(expires, ?) WHERE token_hash = ?",
                (last_used, expires, token_hash),
            )

    def delete_user_sessions(self, user_id: str, keep: str | None = None) -> int:
        with self._tx() as conn:
            return conn.execute(
                "DELETE FROM sessions WHERE user_id = ? AND token_hash IS NOT ?",
                (user_id, keep),
            ).rowcount

    # -- API tokens -----------------------------------------------------------------

    def create_user_token(self, token: UserToken) -> None:
        with self._tx() as conn:
            conn.execute(
                "INSERT INTO api_tokens (id, token_hash, name, scope, created, last_used, "
                "user_id) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    token.id,
                    token.token_hash,
                    token.name,
                    token.scope,
                    token.created,
                    token.last_used,
                    token.user_id,
                ),
            )

    def get_user_token(self, token_hash: str) -> UserToken | None:
        with self._read() as conn:
            row = conn.execute(
                "SELECT * FROM api_tokens WHERE token_hash = ?", (token_hash,)
            ).fetchone()
        return None if row is None else _token(row)

    def list_user_tokens(self, user_id: str | None = None) -> list[UserToken]:
        query = "SELECT * FROM api_tokens"
        args: tuple[str, ...] = ()
        if user_id is not None:
            query, args = query + " WHERE user_id = ?", (user_id,)
        with self._read() as conn:
            rows = conn.execute(query + " ORDER BY created DESC, id", args).fetchall()
        return [_token(row) for row in rows]

    # -- passkeys -------------------------------------------------------------------

    def add_passkey(self, passkey: Passkey) -> None:
        with self._tx() as conn:
            conn.execute(
                "INSERT INTO passkeys (id, user_id, name, public_key, sign_count, transports, "
                "created, last_used) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    passkey.id,
                    passkey.user_id,
                    passkey.name,
                    passkey.public_key,
                    passkey.sign_count,
                    passkey.transports,
                    passkey.created,
                    passkey.last_used,
                ),
            )

    def get_passkey(self, credential_id: str) -> Passkey | None:
        with self._read() as conn:
            row = conn.execute("SELECT * FROM passkeys WHERE id = ?", (credential_id,)).fetchone()
        return None if row is None else _passkey(row)

    def list_passkeys(self, user_id: str | None = None) -> list[Passkey]:
        query = "SELECT * FROM passkeys"
        args: tuple[str, ...] = ()
        if user_id is not None:
            query, args = query + " WHERE user_id = ?", (user_id,)
        with self._read() as conn:
            rows = conn.execute(query + " ORDER BY created, id", args).fetchall()
        return [_passkey(row) for row in rows]

    def use_passkey(self, credential_id: str, sign_count: int, now: float) -> None:
        with self._tx() as conn:
            conn.execute(
                "UPDATE passkeys SET sign_count = ?, last_used = ? WHERE id = ?",
                (sign_count, now, credential_id),
            )

    def delete_passkey(self, user_id: str, credential_id: str) -> bool:
        with self._tx() as conn:
            return (
                conn.execute(
                    "DELETE FROM passkeys WHERE id = ? AND user_id = ?", (credential_id, user_id)
                ).rowcount
                > 0
            )

    # -- TOTP -----------------------------------------------------------------------

    def get_totp(self, user_id: str) -> TotpSecret | None:
        with self._read() as conn:
            row = conn.execute(
                "SELECT * FROM totp_secrets WHERE user_id = ?", (user_id,)
            ).fetchone()
        if row is None:
            return None
        return TotpSecret(row["user_id"], row["secret"], bool(row["confirmed"]), row["created"])

    def set_totp(self, secret: TotpSecret | None, user_id: str) -> None:
        with self._tx() as conn:
            conn.execute("DELETE FROM totp_secrets WHERE user_id = ?", (user_id,))
            if secret is None:
                conn.execute("DELETE FROM recovery_codes WHERE user_id = ?", (user_id,))
                return
            conn.execute(
                "INSERT INTO totp_secrets (user_id, secret, confirmed, created) "
                "VALUES (?, ?, ?, ?)",
                (user_id, secret.secret, int(secret.confirmed), secret.created),
            )

    def claim_totp_step(self, user_id: str, step: int) -> bool:
        with self._tx() as conn:
            # Only recent steps matter for replay; older ones can go.
            conn.execute(
                "DELETE FROM totp_used_steps WHERE user_id = ? AND step < ?", (user_id, step - 10)
            )
            return (
                conn.execute(
                    "INSERT OR IGNORE INTO totp_used_steps (user_id, step) VALUES (?, ?)",
                    (user_id, step),
                ).rowcount
                > 0
            )

    def set_recovery_codes(self, user_id: str, code_hashes: Sequence[str]) -> None:
        with self._tx() as conn:
            conn.execute("DELETE FROM recovery_codes WHERE user_id = ?", (user_id,))
            conn.executemany(
                "INSERT INTO recovery_codes (user_id, code_hash) VALUES (?, ?)",
                [(user_id, code_hash) for code_hash in code_hashes],
            )

    def claim_recovery_code(self, user_id: str, code_hash: str) -> bool:
        with self._tx() as conn:
            return (
                conn.execute(
                    "UPDATE recovery_codes SET used_at = strftime('%s', 'now') "
                    "WHERE user_id = ? AND code_hash = ? AND used_at IS NULL",
                    (user_id, code_hash),
                ).rowcount
                > 0
            )
