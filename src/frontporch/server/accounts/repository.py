"""All SQL of the accounts area.

Queries that serve a caller take the `AuthSubject` and filter by it, so a handler
cannot forget access control: a user reads their own sessions, tokens and account; an
operator may read every account. The few lookups that run *before* anyone is
authenticated (by email at sign-in, by token hash) say so in their names.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Select, bindparam, delete, func, select

from frontporch.server.accounts.models import (
    ApiToken,
    EmailToken,
    KnownDevice,
    RecoveryCode,
    User,
    UserSession,
)
from frontporch.server.accounts.subject import AuthSubject
from frontporch.server.kit.repository import Repository

# Every signed-in request runs one of these, so they are built once (not per request)
# and fetch the credential with its account in one query.
_SESSION_WITH_USER = (
    select(UserSession, User)
    .join(User, User.id == UserSession.user_id)
    .where(UserSession.token_hash == bindparam("token_hash"))
)
_TOKEN_WITH_USER = (
    select(ApiToken, User)
    .join(User, User.id == ApiToken.user_id)
    .where(ApiToken.token_hash == bindparam("token_hash"))
)


class UserRepository(Repository[User]):
    """Users."""

    def readable_statement(self, subject: AuthSubject) -> Select[User]:
        """Users the caller may read: themselves, or everyone for an operator."""
        statement = select(User)
        if not subject.is_operator:
            statement = statement.where(User.id == subject.user_id)
        return statement

    def get_readable(self, subject: AuthSubject, user_id: uuid.UUID) -> User | None:
        """A user the caller may read, or None."""
        return self.db.scalars(
            self.readable_statement(subject).where(User.id == user_id)
        ).one_or_none()

    def find_by_email_for_authentication(self, email: str) -> User | None:
        """The user with this (normalized) email; only for sign-in, sign-up and resets."""
        return self.db.scalars(select(User).where(User.email == email)).one_or_none()

    def get_for_authentication(self, user_id: uuid.UUID) -> User | None:
        """The user a valid credential belongs to."""
        return self.db.get(User, user_id)

    def delete(self, user: User) -> None:
        """Delete a user; the database cascades to every row that belongs to them."""
        self.db.execute(delete(User).where(User.id == user.id))
        self.db.expunge(user)


class SessionRepository(Repository[UserSession]):
    """Browser sessions."""

    def find_with_user_for_authentication(self, token_hash: str) -> tuple[UserSession, User] | None:
        """The session whose cookie hashes to `token_hash`, and its user (one query)."""
        row = self.db.execute(_SESSION_WITH_USER, {"token_hash": token_hash}).one_or_none()
        return None if row is None else (row[0], row[1])

    def list_for(self, subject: AuthSubject, now: datetime) -> list[UserSession]:
        """The caller's live sessions, most recently used first."""
        return list(
            self.db.scalars(
                select(UserSession)
                .where(UserSession.user_id == subject.user_id, UserSession.expires_at > now)
                .order_by(UserSession.last_seen_at.desc(), UserSession.id)
            )
        )

    def get_for(self, subject: AuthSubject, session_id: uuid.UUID) -> UserSession | None:
        """One of the caller's sessions, or None."""
        return self.db.scalars(
            select(UserSession).where(
                UserSession.id == session_id, UserSession.user_id == subject.user_id
            )
        ).one_or_none()

    def delete(self, session: UserSession) -> None:
        """End one session."""
        self.db.execute(delete(UserSession).where(UserSession.id == session.id))

    def delete_all_of(self, user_id: uuid.UUID, *, keep: uuid.UUID | None = None) -> None:
        """End every session of a user (but `keep`)."""
        statement = delete(UserSession).where(UserSession.user_id == user_id)
        if keep is not None:
            statement = statement.where(UserSession.id != keep)
        self.db.execute(statement)

    def delete_expired(self, now: datetime) -> None:
        """Forget sessions past their expiry."""
        self.db.execute(delete(UserSession).where(UserSession.expires_at <= now))


class ApiTokenRepository(Repository[ApiToken]):
    """API tokens."""

    def find_with_user_for_authentication(self, token_hash: str) -> tuple[ApiToken, User] | None:
        """The token whose secret hashes to `token_hash`, and its user (one query)."""
        row = self.db.execute(_TOKEN_WITH_USER, {"token_hash": token_hash}).one_or_none()
        return None if row is None else (row[0], row[1])

    def list_for(self, subject: AuthSubject) -> list[ApiToken]:
        """The caller's tokens, newest first."""
        return list(
            self.db.scalars(
                select(ApiToken)
                .where(ApiToken.user_id == subject.user_id)
                .order_by(ApiToken.created_at.desc(), ApiToken.id)
            )
        )

    def get_for(self, subject: AuthSubject, token_id: uuid.UUID) -> ApiToken | None:
        """One of the caller's tokens, or None."""
        return self.db.scalars(
            select(ApiToken).where(ApiToken.id == token_id, ApiToken.user_id == subject.user_id)
        ).one_or_none()

    def count_for(self, subject: AuthSubject) -> int:
        """How many tokens the caller has."""
        return int(
            self.db.scalar(
                select(func.count())
                .select_from(ApiToken)
                .where(ApiToken.user_id == subject.user_id)
            )
            or 0
        )

    def delete(self, token: ApiToken) -> None:
        """Revoke one token."""
        self.db.execute(delete(ApiToken).where(ApiToken.id == token.id))

    def delete_all_of(self, user_id: uuid.UUID) -> None:
        """Revoke every token of a user."""
        self.db.execute(delete(ApiToken).where(ApiToken.user_id == user_id))


class EmailTokenRepository(Repository[EmailToken]):
    """One-time email links."""

    def find_usable_for_authentication(
        self, token_hash: str, purpose: str, now: datetime
    ) -> EmailToken | None:
        """An unused, unexpired token of `purpose` hashing to `token_hash`."""
        return self.db.scalars(
            select(EmailToken).where(
                EmailToken.token_hash == token_hash,
                EmailToken.purpose == purpose,
                *EmailToken.usable_at(now),
            )
        ).one_or_none()

    def retire_all_of(self, user_id: uuid.UUID, purpose: str, now: datetime) -> None:
        """Mark every open token of a user and purpose used (a newer one supersedes them)."""
        self.db.execute(
            EmailToken.retired(now, EmailToken.user_id == user_id, EmailToken.purpose == purpose)
        )


class RecoveryCodeRepository(Repository[RecoveryCode]):
    """Two-factor recovery codes."""

    def replace_all_of(self, user_id: uuid.UUID, code_hashes: list[str]) -> None:
        """Drop a user's codes and store new ones."""
        self.db.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user_id))
        self.db.add_all(RecoveryCode(user_id=user_id, code_hash=h) for h in code_hashes)
        self.db.flush()

    def find_unused_for_authentication(
        self, user_id: uuid.UUID, code_hash: str
    ) -> RecoveryCode | None:
        """An unused code of this user with this hash."""
        return self.db.scalars(
            select(RecoveryCode).where(
                RecoveryCode.user_id == user_id,
                RecoveryCode.code_hash == code_hash,
                RecoveryCode.used_at.is_(None),
            )
        ).first()

    def count_unused_for(self, subject: AuthSubject) -> int:
        """How many unused codes the caller has left."""
        return int(
            self.db.scalar(
                select(func.count())
                .select_from(RecoveryCode)
                .where(RecoveryCode.user_id == subject.user_id, RecoveryCode.used_at.is_(None))
            )
            or 0
        )

    def delete_all_of(self, user_id: uuid.UUID) -> None:
        """Drop a user's codes (two-factor turned off)."""
        self.db.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user_id))


class KnownDeviceRepository(Repository[KnownDevice]):
    """Devices users signed in from."""

    def find_any(self, user_id: uuid.UUID, device_hashes: list[str]) -> KnownDevice | None:
        """One of the user's devices matching any of `device_hashes`."""
        return self.db.scalars(
            select(KnownDevice).where(
                KnownDevice.user_id == user_id, KnownDevice.device_hash.in_(device_hashes)
            )
        ).first()

    def count_of(self, user_id: uuid.UUID) -> int:
        """How many devices a user has signed in from."""
        return int(
            self.db.scalar(
                select(func.count()).select_from(KnownDevice).where(KnownDevice.user_id == user_id)
            )
            or 0
        )

    def remember(self, user_id: uuid.UUID, device_hash: str, now: datetime) -> None:
        """Record (or refresh) a device of a user."""
        device = self.db.scalars(
            select(KnownDevice).where(
                KnownDevice.user_id == user_id, KnownDevice.device_hash == device_hash
            )
        ).one_or_none()
        if device is None:
            self.add(
                KnownDevice(
                    user_id=user_id, device_hash=device_hash, first_seen_at=now, last_seen_at=now
                )
            )
        else:
            device.last_seen_at = now
            self.db.flush()
