"""Who is calling: the authenticated user and the credential they used."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from frontporch.server.accounts.models import ApiToken, Role, User, UserSession


@dataclass(frozen=True)
class AuthSubject:
    """The caller of one request: a user, by browser session or by API token."""

    user: User
    session: UserSession | None = None
    api_token: ApiToken | None = None
    csrf_token: str | None = None

    @property
    def user_id(self) -> uuid.UUID:
        """The caller's user id."""
        return self.user.id

    @property
    def is_operator(self) -> bool:
        """Whether the caller runs this server."""
        return self.user.role == Role.OPERATOR.value
