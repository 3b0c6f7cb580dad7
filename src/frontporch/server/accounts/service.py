"""The accounts service: sign-up, email verification, sign-in, password reset, deletion.

Services change the session's objects and queue mail with `after_commit`; they never
commit (the request boundary does). Failed sign-ins are the exception that must stick
even though the request fails: they go through `ThrottleStore`, which commits its own
short transaction. Those writes happen before the request has written anything (so
SQLite's single writer is free), and clearing failures waits until after the commit.

A page sign-in of an account with two-factor on happens in two steps: the password
gives a pending session that can only enter the code and ends after
`PENDING_SIGN_IN_S`. Failures are cleared only once the code is in as well (see
`lockout.py`: a password success must not clear the code's failures).
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from email_validator import EmailNotValidError, validate_email
from sqlalchemy.orm import Session

from frontporch.server.accounts import mfa
from frontporch.server.accounts.devices import alert_wrong_code, note_device
from frontporch.server.accounts.errors import (
    EmailNotVerified,
    InvalidCredentials,
    InvalidLink,
    TwoFactorRequired,
    WrongPasswordOrCode,
)
from frontporch.server.accounts.lockout import HOUR_S, ClientInfo, SignInLimits
from frontporch.server.accounts.models import EmailToken, Role, User, UserSession
from frontporch.server.accounts.passwords import PasswordHashing, check_password_policy
from frontporch.server.accounts.repository import (
    ApiTokenRepository,
    EmailTokenRepository,
    RecoveryCodeRepository,
    SessionRepository,
    UserRepository,
)
from frontporch.server.accounts.sessions import (
    address_class,
    csrf_for,
)
from frontporch.server.accounts.subject import AuthSubject
from frontporch.server.accounts.views import SignIn
from frontporch.server.context import ServerContext
from frontporch.server.errors import BadRequest, Forbidden, NotFound
from frontporch.server.kit.quotas import quotas_of
from frontporch.server.kit.throttles import address_bucket
from frontporch.server.kit.tokens import hash_token, new_token
from frontporch.server.mail import queue_mail

# Long enough to open the authenticator app, short enough that a password alone is
# worth little: an abandoned or stolen pending session soon stops taking codes.
PENDING_SIGN_IN_S = 5 * 60


def revoke_everything(
    db: Session, user_id: uuid.UUID, *, keep_session: uuid.UUID | None = None
) -> None:
    """End every session (but `keep_session`) and revoke every API token of a user."""
    SessionRepository(db).delete_all_of(user_id, keep=keep_session)
    ApiTokenRepository(db).delete_all_of(user_id)


def normalize_email(email: str, field: str = "email") -> str:
    """The canonical (lowercased) form of an address; BadRequest if it is not one."""
    try:
        checked = validate_email(email.strip(), check_deliverability=False)
    except EmailNotValidError as exc:
        raise BadRequest("invalid email address", str(exc), field=field) from exc
    return checked.normalized.lower()


class AccountService:
    """Account life cycle for one request's database session."""

    def __init__(self, db: Session, context: ServerContext) -> None:
        self.db = db
        self.context = context
        self.settings = context.settings
        self.users = UserRepository(db)
        self.sessions = SessionRepository(db)
        self.email_tokens = EmailTokenRepository(db)
        self.limits = SignInLimits(db, context)
        self.quotas = quotas_of(context)
        self.hashing = PasswordHashing(
            self.settings.argon2_time_cost,
            self.settings.argon2_memory_kib,
            self.settings.argon2_parallelism,
        )

    def now(self) -> datetime:
        """The current time by the server's clock."""
        return self.context.clock()

    def _spend_mail_quota(self, address: str) -> None:
        self.quotas.spend("mail", address, self.settings.email_per_hour, "emails to this address")

    # -- sign-up and email verification -----------------------------------------------

    def sign_up(self, email: str, password: str, client: ClientInfo) -> None:
        """Create a resident account and email a verification link.

        If the address already has an account, its owner gets a note instead, and the
        caller sees the same answer: sign-up does not reveal who has an account.
        """
        address = normalize_email(email)
        check_password_policy(password, email=address, min_length=self.settings.password_min_length)
        self.quotas.spend(
            "signup", address_bucket(client.address), self.settings.signups_per_hour, "sign-ups"
        )
        self._spend_mail_quota(address)
        existing = self.users.find_by_email_for_authentication(address)
        if existing is not None:
            self._send(address, "already_registered", base_url=self.settings.base_url)
            return
        now = self.now()
        user = self.users.add(
            User(
                email=address,
                password_hash=self.hashing.hash(password),
                role=Role.RESIDENT.value,
                created_at=now,
                password_changed_at=now,
            )
        )
        self._send_link(user, "verify")

    def resend_verification(self, email: str) -> None:
        """Email a fresh verification link if the account exists and is unverified."""
        address = normalize_email(email)
        self._spend_mail_quota(address)
        user = self.users.find_by_email_for_authentication(address)
        if user is not None and user.email_verified_at is None:
            self._send_link(user, "verify")

    def verify_email(self, token: str) -> User:
        """Mark the address of a verification link verified."""
        user = self._redeem(token, "verify")
        if user.email_verified_at is None:
            user.email_verified_at = self.now()
        return user

    # -- password reset ---------------------------------------------------------------

    def request_password_reset(self, email: str) -> None:
        """Email a reset link if the account exists (the answer is the same if not)."""
        address = normalize_email(email)
        self._spend_mail_quota(address)
        user = self.users.find_by_email_for_authentication(address)
        if user is not None:
            self._send_link(user, "reset")

    def reset_password(self, token: str, new_password: str) -> User:
        """Set a new password from a reset link; every session and API token is revoked."""
        token_hash = hash_token(token)
        row = self.email_tokens.find_usable_for_authentication(token_hash, "reset", self.now())
        if row is None:
            raise InvalidLink()
        user = self.users.get_for_authentication(row.user_id)
        if user is None:
            raise InvalidLink()
        check_password_policy(
            new_password,
            email=user.email,
            min_length=self.settings.password_min_length,
            field="new_password",
        )
        self._redeem(token, "reset")
        # Receiving the link proves control of the address.
        user.email_verified_at = user.email_verified_at or self.now()
        self._set_password(user, new_password)
        revoke_everything(self.db, user.id)
        self.limits.clear_failures(user.email)
        return user

    def change_password(self, subject: AuthSubject, current: str, new: str) -> None:
        """Change the caller's password; their other sessions and API tokens are revoked."""
        user = subject.user
        self.limits.check_lock(user.email)
        if not self.hashing.verify(user.password_hash, current):
            self.limits.record_failure(user.email, None)
            raise InvalidCredentials("The current password is wrong.", field=None)
        check_password_policy(
            new,
            email=user.email,
            min_length=self.settings.password_min_length,
            field="new_password",
        )
        self._set_password(user, new)
        keep = subject.session.id if subject.session else None
        revoke_everything(self.db, user.id, keep_session=keep)

    def _set_password(self, user: User, password: str) -> None:
        user.password_hash = self.hashing.hash(password)
        user.password_changed_at = self.now()

    # -- sign-in ----------------------------------------------------------------------

    def sign_in(
        self, email: str, password: str, otp: str | None, client: ClientInfo, *, allow_pending: bool
    ) -> SignIn:
        """Check the credentials and start a session.

        Locked accounts and addresses are refused before the password is checked. With
        two-factor on and no `otp`, pages (`allow_pending`) get a session that can only
        enter the code (and clears no failures); the API gets TwoFactorRequired.
        """
        try:
            address = normalize_email(email)
        except BadRequest:  # no account has it; still counted and still slow
            address = email.strip().lower()[:320].replace("\x00", "")
            valid = False
        else:
            valid = True
        self.limits.check_lock(address, client)
        user = self.users.find_by_email_for_authentication(address) if valid else None
        if user is None:
            self.hashing.dummy_verify()
            self.limits.record_failure(address, client)
            raise InvalidCredentials()
        if not self.hashing.verify(user.password_hash, password):
            self.limits.record_failure(address, client)
            raise InvalidCredentials()
        if user.email_verified_at is None:
            raise EmailNotVerified()
        mfa_passed = not user.mfa_enabled
        if user.mfa_enabled and otp:
            self.check_second_factor(user, otp, client, password_was_right=True)
            mfa_passed = True
        elif user.mfa_enabled and not allow_pending:
            raise TwoFactorRequired()
        if self.hashing.needs_rehash(user.password_hash):
            user.password_hash = self.hashing.hash(password)
        if mfa_passed:
            self.limits.clear_failures(address)
        return self._start_session(user, client, mfa_passed=mfa_passed)

    def check_second_factor(
        self,
        user: User,
        code: str,
        client: ClientInfo | None,
        *,
        password_was_right: bool = False,
    ) -> None:
        """Accept a TOTP code (not replayed) or an unused recovery code, else count a
        failure against the account's codes; if the password of this sign-in was right,
        the owner is also told by email (someone else may hold it)."""
        self.limits.check_lock(user.email, client)
        if self._second_factor_matches(user, code):
            return
        self.limits.record_failure(user.email, client, code=True)
        if (
            password_was_right
            and client is not None
            and self.limits.first_alert_this_hour("wrong-code-mail", user.email)
        ):
            alert_wrong_code(self.context, user, client)
        raise InvalidCredentials(
            "Enter the current 6-digit code from your authenticator app, or a recovery code.",
            field="otp",
        )

    def check_password_and_code(self, user: User, password: str, code: str) -> None:
        """Check a signed-in user's password and code together, under the sign-in lockout.

        Either being wrong gives the same answer, so a stolen session cannot test
        passwords (or codes) one at a time; failures count as at sign-in.
        """
        self.limits.check_lock(user.email)
        if not self.hashing.verify(user.password_hash, password):
            self.limits.record_failure(user.email, None)
            raise WrongPasswordOrCode()
        if not self._second_factor_matches(user, code):
            self.limits.record_failure(user.email, None, code=True)
            raise WrongPasswordOrCode()

    def _second_factor_matches(self, user: User, code: str) -> bool:
        """Whether `code` is a current TOTP code (not replayed) or an unused recovery
        code; either is used up by matching."""
        if user.totp_secret is not None:
            step = mfa.matching_step(user.totp_secret, code, self.now(), user.totp_last_step)
            if step is not None:
                user.totp_last_step = step
                return True
        if mfa.looks_like_recovery_code(code):
            # No autoflush: a pending change (a session's last-seen time) written now
            # would hold SQLite's writer while a failure is counted in its own transaction.
            with self.db.no_autoflush:
                recovery = RecoveryCodeRepository(self.db).find_unused_for_authentication(
                    user.id, mfa.hash_recovery_code(code)
                )
            if recovery is not None:
                recovery.used_at = self.now()
                return True
        return False

    def complete_second_factor(self, subject: AuthSubject, code: str, client: ClientInfo) -> SignIn:
        """Finish a page sign-in that waits for its code: a fresh, full session replaces it."""
        assert subject.session is not None
        self.check_second_factor(subject.user, code, client, password_was_right=True)
        self.sessions.delete(subject.session)
        self.limits.clear_failures(subject.user.email)
        return self._start_session(subject.user, client, mfa_passed=True)

    def _start_session(self, user: User, client: ClientInfo, *, mfa_passed: bool) -> SignIn:
        now = self.now()
        self.sessions.delete_expired(now)
        lifetime_s = self.settings.session_lifetime_s if mfa_passed else PENDING_SIGN_IN_S
        token = new_token()
        session = self.sessions.add(
            UserSession(
                user_id=user.id,
                token_hash=hash_token(token),
                created_at=now,
                last_seen_at=now,
                expires_at=now + timedelta(seconds=lifetime_s),
                mfa_passed=mfa_passed,
                user_agent=client.user_agent[:200],
                address_class=address_class(client.address),
            )
        )
        device_cookie = note_device(self.db, self.context, user, client) if mfa_passed else None
        csrf = csrf_for(token, self.context.keyed_hash)
        return SignIn(user, session, token, csrf, device_cookie)

    def sign_out(self, subject: AuthSubject) -> None:
        """End the caller's session (an API token is not a session: nothing happens)."""
        if subject.session is not None:
            self.sessions.delete(subject.session)

    # -- deletion and roles -------------------------------------------------------------

    def delete_account(self, subject: AuthSubject, password: str, otp: str | None) -> None:
        """Delete the caller's account and, by cascade, everything that belongs to it
        (the media blobs of its posts once the deletion has committed)."""
        user = subject.user
        if user.mfa_enabled:
            if not otp:
                raise TwoFactorRequired()
            self.check_password_and_code(user, password, otp)
        else:
            self.limits.check_lock(user.email)
            if not self.hashing.verify(user.password_hash, password):
                self.limits.record_failure(user.email, None)
                raise InvalidCredentials("The password is wrong.", field=None)
        self.context.announcements.deleting_account(self.db, user.id)
        self.users.delete(user)

    def set_role(self, subject: AuthSubject, user_id: uuid.UUID, role: Role) -> User:
        """An operator changes an account's role (sessions of a raised account restart)."""
        if not subject.is_operator:
            raise Forbidden("operators only", "Only the server's operators can change roles.")
        user = self.users.get_readable(subject, user_id)
        if user is None:
            raise NotFound("no such account", "Check the account id.", field="user_id")
        if user.id == subject.user_id and role != Role.OPERATOR:
            raise BadRequest(
                "cannot demote yourself", "Ask another operator to change your role.", field="role"
            )
        user.role = role.value
        self.context.announcements.changed_role(self.db, user.id, role.value)
        return user

    # -- mail ---------------------------------------------------------------------------

    def _send_link(self, user: User, purpose: str) -> None:
        now = self.now()
        lifetime = (
            self.settings.email_verify_lifetime_s
            if purpose == "verify"
            else self.settings.password_reset_lifetime_s
        )
        self.email_tokens.retire_all_of(user.id, purpose, now)
        token = new_token()
        self.email_tokens.add(
            EmailToken(
                user_id=user.id,
                purpose=purpose,
                token_hash=hash_token(token),
                created_at=now,
                expires_at=now + timedelta(seconds=lifetime),
            )
        )
        page = "verify-email" if purpose == "verify" else "reset-password"
        link = f"{self.settings.base_url.rstrip('/')}/{page}?token={token}"
        kind = "verify_email" if purpose == "verify" else "reset_password"
        self._send(user.email, kind, link=link, hours=max(1, lifetime // HOUR_S))

    def _send(self, to: str, kind: str, **values: object) -> None:
        queue_mail(self.db, self.context.mailer, to, kind, **values)

    def _redeem(self, token: str, purpose: str) -> User:
        row = self.email_tokens.find_usable_for_authentication(
            hash_token(token), purpose, self.now()
        )
        if row is None:
            raise InvalidLink()
        user = self.users.get_for_authentication(row.user_id)
        if user is None:
            raise InvalidLink()
        row.used_at = self.now()
        return user
