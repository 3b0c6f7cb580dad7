"""API tokens for scripts: created, checked, listed and revoked one at a time.

A token is a random 256-bit secret with a recognisable prefix (`fph_`, so secret
scanners and people can tell it from a session cookie; tokens made before scopes
existed have none and still work); the store keeps only its
SHA-256, a name, a scope (`scopes.py`: what it may reach), when it was made and when
it was last used. It is sent as `Authorization: Bearer <token>`; browser sessions are
accepted only as the cookie, so a token can never stand in for the owner's browser.

Each token belongs to one user and reaches no more than that user may (a member's
token no more than the member). A token stops working when it is revoked, 30 days
after its last use, when its user's password changes (it was made under the old one)
or when its user is removed. Last use is written at most
once a minute, so a Prometheus scraping every few seconds does not write every time.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable

from frontporch.hub.people.records import OWNER_ID, UserToken
from frontporch.hub.ports import StorePort
from frontporch.hub.web.errors import WebError
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
    """Creates, checks, lists and revokes API tokens in the store, per user."""

    def __init__(self, store: StorePort, clock: Callable[[], float]) -> None:
        self._store = store
        self._clock = clock

    def create(
        self, name: str, scope: TokenScope, user_id: str = OWNER_ID
    ) -> tuple[str, UserToken]:
        """A new token of a user and its record; the secret exists in full only in this
        answer."""
        if len(self.live()) >= MAX_TOKENS:
            raise WebError(
                409,
                "too many tokens",
                f"This hub keeps at most {MAX_TOKENS} API tokens; revoke unused ones first.",
            )
        secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
        record = UserToken(
            secrets.token_hex(8),
            hash_token(secret),
            token_name(name),
            scope.value,
            self._clock(),
            None,
            user_id,
        )
        self._store.create_user_token(record)
        return secret, record

    def resolve(self, secret: str) -> UserToken | None:
        """The live token for a secret (its last use recorded), or None."""
        token = self._store.get_user_token(hash_token(secret))
        now = self._clock()
        if token is None or not self._alive(token, now):
            return None
        if token.last_used is None or now - token.last_used >= TOUCH_EVERY_S:
            self._store.touch_api_token(token.id, now)
        return token

    def live(self, user_id: str | None = None) -> list[UserToken]:
        """Every token (of one user, if given) that still works, newest first; dead
        ones are deleted on the way."""
        now = self._clock()
        tokens = []
        for token in self._store.list_user_tokens(user_id):
            if self._alive(token, now):
                tokens.append(token)
            else:
                self._store.delete_api_token(token.id)
        return tokens

    def revoke(self, token_id: str, user_id: str | None = None) -> None:
        """Revoke one token (only among `user_id`'s, unless None); a 404 if there is no
        such token (or it already stopped)."""
        mine = user_id is None or any(t.id == token_id for t in self.live(user_id))
        if not mine or not self._store.delete_api_token(token_id):
            raise WebError(
                404, "token not found", f"No API token {token_id!r}; see the Account page."
            )

    def _alive(self, token: UserToken, now: float) -> bool:
        user = self._store.get_user(token.user_id)
        if user is None:
            return False
        last_seen = token.created if token.last_used is None else token.last_used
        return token.created >= user.password_changed and now < last_seen + TOKEN_IDLE_TTL_S
