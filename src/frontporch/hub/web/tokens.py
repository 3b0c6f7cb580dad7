"""API tokens for scripts: created, checked, listed and revoked one at a time.

A token is a random 256-bit secret with a recognisable prefix (`fph_`, so secret
scanners and people can tell it from a session cookie; tokens made before scopes
existed have none and still work); the store keeps only its
SHA-256, a name, a scope (`scopes.py`: what it may reach), when it was made and when
it was last used. It is sent as `Authorization: Bearer <token>`; browser sessions are
accepted only as the cookie, so a token can never stand in for the owner's browser.

A token stops working when it is revoked, 30 days after its last use, or when the
owner password changes (it was made under the old one). Last use is written at most
once a minute, so a Prometheus scraping every few seconds does not write every time.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable

from frontporch.hub.ports import ApiTokenRecord, StorePort
from frontporch.hub.web.errors import WebError
from frontporch.hub.web.passwords import password_changed_at
from frontporch.hub.web.scopes import TokenScope
from frontporch.hub.web.sessions import SESSION_TTL_S, hash_token

TOKEN_PREFIX = "fph_"  # noqa: S105 (a prefix, not a secret)
TOKEN_IDLE_TTL_S = SESSION_TTL_S
TOUCH_EVERY_S = 60.0
MAX_TOKENS = 50
MAX_NAME_LENGTH = 60


def token_name(raw: str) -> str:
    """A token's name as given, trimmed; a 400 naming the field if it is empty or long."""
    name = " ".join(raw.split())
    problem = None
    if not name:
        problem = "give the token a name, e.g. 'Prometheus', so you know what to revoke"
    elif len(name) > MAX_NAME_LENGTH:
        problem = f"at most {MAX_NAME_LENGTH} characters"
    if problem is not None:
        raise WebError(400, "invalid request", [{"field": "name", "message": problem}])
    return name


def token_scope(raw: str) -> TokenScope:
    """A scope by its name; a 400 listing the scopes if it is not one."""
    try:
        return TokenScope(raw)
    except ValueError:
        known = ", ".join(scope.value for scope in TokenScope)
        raise WebError(
            400, "invalid request", [{"field": "scope", "message": f"one of: {known}"}]
        ) from None


class TokenAuth:
    """Creates, checks, lists and revokes API tokens in the store."""

    def __init__(self, store: StorePort, clock: Callable[[], float]) -> None:
        self._store = store
        self._clock = clock

    def create(self, name: str, scope: TokenScope) -> tuple[str, ApiTokenRecord]:
        """A new token and its record; the secret exists in full only in this answer."""
        if len(self.live()) >= MAX_TOKENS:
            raise WebError(
                409,
                "too many tokens",
                f"This hub keeps at most {MAX_TOKENS} API tokens; revoke unused ones first.",
            )
        secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
        record = self._store.create_api_token(
            secrets.token_hex(8), hash_token(secret), token_name(name), scope.value, self._clock()
        )
        return secret, record

    def resolve(self, secret: str) -> ApiTokenRecord | None:
        """The live token for a secret (its last use recorded), or None."""
        token = self._store.get_api_token(hash_token(secret))
        now = self._clock()
        if token is None or not self._alive(token, now, password_changed_at(self._store)):
            return None
        if token.last_used is None or now - token.last_used >= TOUCH_EVERY_S:
            self._store.touch_api_token(token.id, now)
        return token

    def live(self) -> list[ApiTokenRecord]:
        """Every token that still works, newest first; dead ones are deleted on the way."""
        now, changed_at = self._clock(), password_changed_at(self._store)
        tokens = []
        for token in self._store.list_api_tokens():
            if self._alive(token, now, changed_at):
                tokens.append(token)
            else:
                self._store.delete_api_token(token.id)
        return tokens

    def revoke(self, token_id: str) -> None:
        """Revoke one token; a 404 if there is no such token (or it already stopped)."""
        if not self._store.delete_api_token(token_id):
            raise WebError(
                404, "token not found", f"No API token {token_id!r}; see the Account page."
            )

    @staticmethod
    def _alive(token: ApiTokenRecord, now: float, password_changed: float) -> bool:
        last_seen = token.created if token.last_used is None else token.last_used
        return token.created >= password_changed and now < last_seen + TOKEN_IDLE_TTL_S
