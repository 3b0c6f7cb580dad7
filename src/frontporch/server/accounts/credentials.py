"""The caller's credentials: sessions they can see and revoke, API tokens, two-factor.

Everything here acts on the caller's own rows (the repositories filter by subject).
Turning two-factor on takes two steps — a pending seed is shown as a QR code, and only
a correct code from it enables it — so a mistyped setup cannot lock anyone out.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy.orm import Session

from frontporch.server.accounts import mfa
from frontporch.server.accounts.errors import InvalidCredentials
from frontporch.server.accounts.models import ApiToken, UserSession
from frontporch.server.accounts.repository import (
    ApiTokenRepository,
    RecoveryCodeRepository,
    SessionRepository,
)
from frontporch.server.accounts.service import AccountService
from frontporch.server.accounts.sessions import new_api_token
from frontporch.server.accounts.subject import AuthSubject
from frontporch.server.accounts.views import MfaEnrolment
from frontporch.server.context import ServerContext
from frontporch.server.errors import BadRequest, Conflict, Forbidden, NotFound
from frontporch.server.kit.tokens import hash_token

MAX_API_TOKENS = 20
USE_RECORD_INTERVAL = timedelta(minutes=1)


class CredentialService:
    """Sessions, API tokens and two-factor settings of the caller."""

    def __init__(self, db: Session, context: ServerContext) -> None:
        self.db = db
        self.context = context
        self.accounts = AccountService(db, context)
        self.sessions = SessionRepository(db)
        self.tokens = ApiTokenRepository(db)
        self.recovery = RecoveryCodeRepository(db)

    # -- sessions -----------------------------------------------------------------------

    def list_sessions(self, subject: AuthSubject) -> list[UserSession]:
        """The caller's live sessions."""
        return self.sessions.list_for(subject, self.context.clock())

    def revoke_session(self, subject: AuthSubject, session_id: uuid.UUID) -> None:
        """End one of the caller's sessions (their current one included)."""
        session = self.sessions.get_for(subject, session_id)
        if session is None:
            raise NotFound(
                "no such session", "List your sessions to see their ids.", field="session_id"
            )
        self.sessions.delete(session)

    # -- API tokens ---------------------------------------------------------------------

    def list_tokens(self, subject: AuthSubject) -> list[ApiToken]:
        """The caller's API tokens (never their secrets)."""
        return self.tokens.list_for(subject)

    def create_token(self, subject: AuthSubject, name: str) -> tuple[ApiToken, str]:
        """A new API token and its secret, which is shown this once."""
        if self.tokens.count_for(subject) >= MAX_API_TOKENS:
            raise Conflict(
                "too many API tokens",
                f"An account can hold {MAX_API_TOKENS} tokens; revoke one you no longer use.",
            )
        secret = new_api_token()
        token = self.tokens.add(
            ApiToken(
                user_id=subject.user_id,
                name=name.strip() or "API token",
                token_hash=hash_token(secret),
                prefix=secret[:10],
                created_at=self.context.clock(),
            )
        )
        return token, secret

    def revoke_token(self, subject: AuthSubject, token_id: uuid.UUID) -> None:
        """Revoke one of the caller's API tokens."""
        token = self.tokens.get_for(subject, token_id)
        if token is None:
            raise NotFound(
                "no such API token", "List your tokens to see their ids.", field="token_id"
            )
        self.tokens.delete(token)

    # -- two-factor ---------------------------------------------------------------------

    def begin_mfa_setup(self, subject: AuthSubject) -> MfaEnrolment:
        """Make a pending TOTP seed for the caller and return how to enrol it."""
        user = subject.user
        if user.mfa_enabled:
            raise Conflict(
                "two-factor already on",
                "Turn it off first (with a current code) to enrol a new authenticator.",
            )
        if user.totp_pending_secret is None:
            user.totp_pending_secret = mfa.new_secret()
        uri = mfa.provisioning_uri(user.totp_pending_secret, user.email)
        return MfaEnrolment(user.totp_pending_secret, uri, mfa.qr_svg(uri))

    def confirm_mfa_setup(self, subject: AuthSubject, code: str) -> list[str]:
        """Turn two-factor on if `code` matches the pending seed; the new recovery codes."""
        user = subject.user
        if user.mfa_enabled:
            raise Conflict("two-factor already on", "Nothing to confirm.")
        if user.totp_pending_secret is None:
            raise BadRequest(
                "no setup in progress", "Start the setup first to get a QR code.", field="code"
            )
        now = self.context.clock()
        step = mfa.matching_step(user.totp_pending_secret, code, now, None)
        if step is None:
            raise InvalidCredentials(
                "That code does not match; check the app's clock and enter the current code.",
                field="code",
            )
        user.totp_secret = user.totp_pending_secret
        user.totp_pending_secret = None
        user.totp_enabled_at = now
        user.totp_last_step = step
        if subject.session is not None:
            subject.session.mfa_passed = True
        return self._new_recovery_codes(subject)

    def regenerate_recovery_codes(self, subject: AuthSubject, code: str) -> list[str]:
        """Replace the caller's recovery codes (needs a current second factor)."""
        if not subject.user.mfa_enabled:
            raise BadRequest("two-factor is off", "Set up two-factor sign-in first.")
        self.accounts.check_second_factor(subject.user, code, None)
        return self._new_recovery_codes(subject)

    def disable_mfa(self, subject: AuthSubject, password: str, code: str) -> None:
        """Turn two-factor off (not allowed for roles that require it); the password and
        the code are checked together, under the sign-in lockout, with one answer."""
        user = subject.user
        if user.mfa_required:
            raise Forbidden(
                "two-factor required for this role",
                "Agency and operator accounts cannot turn two-factor sign-in off.",
            )
        if not user.mfa_enabled:
            raise BadRequest("two-factor is off", "Nothing to turn off.")
        self.accounts.check_password_and_code(user, password, code)
        user.totp_secret = None
        user.totp_enabled_at = None
        user.totp_last_step = None
        self.recovery.delete_all_of(user.id)

    def recovery_codes_left(self, subject: AuthSubject) -> int:
        """How many unused recovery codes the caller has."""
        return self.recovery.count_unused_for(subject)

    def _new_recovery_codes(self, subject: AuthSubject) -> list[str]:
        codes = mfa.new_recovery_codes()
        self.recovery.replace_all_of(subject.user_id, [mfa.hash_recovery_code(c) for c in codes])
        return codes
