"""What the household-member tests share: `FakeMemberTables`, the `MemberStorePort` in
memory for `tests/fakes.py:FakeStore` to inherit (state made on first use, like
`FakeAlertTables`; sessions and API tokens live in FakeStore's own `sessions` and
`api_tokens` dicts so older tests that look there still see them), and helpers to add
a member and sign them in through the real forms."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from fastapi.testclient import TestClient

from frontporch.hub.people.records import (
    OWNER_ID,
    Passkey,
    TotpSecret,
    User,
    UserSession,
    UserToken,
)


class FakeMemberTables:
    """Users, their passkeys and TOTP secrets in memory; the owner row exists from the
    start, as the v12 migration makes it."""

    sessions: dict[str, Any]
    api_tokens: dict[str, Any]

    def _people(self) -> dict[str, Any]:
        state: dict[str, Any] | None = getattr(self, "_fake_people", None)
        if state is None:
            owner = User(OWNER_ID, "owner", "owner", frozenset(), None, 0.0, 0.0)
            state = {
                "users": {OWNER_ID: owner},
                "passkeys": {},
                "totp": {},
                "steps": set(),
                "codes": {},
            }
            object.__setattr__(self, "_fake_people", state)
        return state

    def list_users(self) -> list[User]:
        users = self._people()["users"].values()
        return sorted(users, key=lambda u: (u.role == "member", u.name.lower()))

    def get_user(self, user_id: str) -> User | None:
        user: User | None = self._people()["users"].get(user_id)
        return user

    def get_user_by_name(self, name: str) -> User | None:
        return next((u for u in self.list_users() if u.name.lower() == name.lower()), None)

    def get_user_by_invite(self, invite_hash: str) -> User | None:
        return next((u for u in self.list_users() if u.invite_hash == invite_hash), None)

    def create_user(self, user: User) -> User:
        if self.get_user(user.id) is not None or self.get_user_by_name(user.name) is not None:
            raise ValueError(f"a user named {user.name!r} exists already")
        self._people()["users"][user.id] = user
        return user

    def update_user(self, user: User) -> bool:
        users = self._people()["users"]
        if user.id not in users:
            return False
        users[user.id] = user
        return True

    def delete_user(self, user_id: str) -> bool:
        state = self._people()
        for token_hash in [h for h, s in self.sessions.items() if s.user_id == user_id]:
            del self.sessions[token_hash]
        for token_id in [i for i, t in self.api_tokens.items() if t.user_id == user_id]:
            del self.api_tokens[token_id]
        for key in [k for k, p in state["passkeys"].items() if p.user_id == user_id]:
            del state["passkeys"][key]
        state["totp"].pop(user_id, None)
        state["codes"].pop(user_id, None)
        return state["users"].pop(user_id, None) is not None

    def create_user_session(self, session: UserSession) -> None:
        if session.token_hash in self.sessions:
            raise ValueError("session exists")
        self.sessions[session.token_hash] = session

    def get_user_session(self, token_hash: str, now: float) -> UserSession | None:
        session = self.sessions.get(token_hash)
        if session is None or session.expires <= now:
            return None
        return session if isinstance(session, UserSession) else _as_user_session(session)

    def list_user_sessions(self, user_id: str | None = None) -> list[UserSession]:
        found = [_as_user_session(s) for s in self.sessions.values()]
        found = [s for s in found if user_id is None or s.user_id == user_id]
        return sorted(found, key=lambda s: (-(s.last_used or s.created), s.token_hash))

    def touch_user_session(self, token_hash: str, last_used: float, expires: float) -> None:
        session = self.sessions.get(token_hash)
        if session is not None:
            current = _as_user_session(session)
            self.sessions[token_hash] = replace(
                current, last_used=last_used, expires=max(current.expires, expires)
            )

    def delete_user_sessions(self, user_id: str, keep: str | None = None) -> int:
        gone = [h for h, s in self.sessions.items() if _as_user_session(s).user_id == user_id]
        gone = [h for h in gone if h != keep]
        for token_hash in gone:
            del self.sessions[token_hash]
        return len(gone)

    def create_user_token(self, token: UserToken) -> None:
        if token.id in self.api_tokens or self.get_user_token(token.token_hash) is not None:
            raise ValueError("token exists")
        self.api_tokens[token.id] = token

    def get_user_token(self, token_hash: str) -> UserToken | None:
        found = next((t for t in self.api_tokens.values() if t.token_hash == token_hash), None)
        return None if found is None else _as_user_token(found)

    def list_user_tokens(self, user_id: str | None = None) -> list[UserToken]:
        found = [_as_user_token(t) for t in self.api_tokens.values()]
        found = [t for t in found if user_id is None or t.user_id == user_id]
        return sorted(found, key=lambda t: (-t.created, t.id))

    def add_passkey(self, passkey: Passkey) -> None:
        keys = self._people()["passkeys"]
        if passkey.id in keys:
            raise ValueError("passkey exists")
        keys[passkey.id] = passkey

    def get_passkey(self, credential_id: str) -> Passkey | None:
        passkey: Passkey | None = self._people()["passkeys"].get(credential_id)
        return passkey

    def list_passkeys(self, user_id: str | None = None) -> list[Passkey]:
        keys = self._people()["passkeys"].values()
        return sorted(
            (k for k in keys if user_id is None or k.user_id == user_id),
            key=lambda k: (k.created, k.id),
        )

    def use_passkey(self, credential_id: str, sign_count: int, now: float) -> None:
        keys = self._people()["passkeys"]
        if credential_id in keys:
            keys[credential_id] = replace(keys[credential_id], sign_count=sign_count, last_used=now)

    def delete_passkey(self, user_id: str, credential_id: str) -> bool:
        keys = self._people()["passkeys"]
        if credential_id in keys and keys[credential_id].user_id == user_id:
            del keys[credential_id]
            return True
        return False

    def get_totp(self, user_id: str) -> TotpSecret | None:
        secret: TotpSecret | None = self._people()["totp"].get(user_id)
        return secret

    def set_totp(self, secret: TotpSecret | None, user_id: str) -> None:
        state = self._people()
        if secret is None:
            state["totp"].pop(user_id, None)
            state["codes"].pop(user_id, None)
        else:
            state["totp"][user_id] = secret

    def claim_totp_step(self, user_id: str, step: int) -> bool:
        steps = self._people()["steps"]
        if (user_id, step) in steps:
            return False
        steps.add((user_id, step))
        return True

    def set_recovery_codes(self, user_id: str, code_hashes: Sequence[str]) -> None:
        self._people()["codes"][user_id] = set(code_hashes)

    def claim_recovery_code(self, user_id: str, code_hash: str) -> bool:
        codes = self._people()["codes"].get(user_id, set())
        if code_hash not in codes:
            return False
        codes.discard(code_hash)
        return True


def _as_user_session(session: Any) -> UserSession:
    if isinstance(session, UserSession):
        return session
    return UserSession(
        session.token_hash, OWNER_ID, session.created, session.expires, session.user_agent
    )


def _as_user_token(token: Any) -> UserToken:
    if isinstance(token, UserToken):
        return token
    return UserToken(
        token.id,
        token.token_hash,
        token.name,
        token.scope,
        token.created,
        token.last_used,
        OWNER_ID,
    )


MEMBER_PASSWORD = "household member password"


def sign_in_as(client: TestClient, user_name: str, password: str) -> str:
    """Sign a TestClient in as `user_name` through the real /login form; the CSRF token."""
    form = client.get("/login")
    login_csrf = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert login_csrf is not None
    response = client.post(
        "/login",
        data={
            "user_name": user_name,
            "password": password,
            "csrf_token": login_csrf.group(1),
            "next": "/",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    page = client.get("/account")
    token = re.search(r'name="csrf-token" content="([^"]+)"', page.text)
    assert token is not None, page.text[:500]
    return token.group(1)
