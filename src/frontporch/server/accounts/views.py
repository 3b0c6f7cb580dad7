"""What the accounts area shows: the read models its API answers and pages render.

A new sign-in's tokens and a two-factor enrolment's seed are shown once, when they are
made; the server keeps only hashes of the tokens (`models.py`).
"""

from __future__ import annotations

from dataclasses import dataclass

from frontporch.server.accounts.models import User, UserSession


@dataclass(frozen=True)
class SignIn:
    """A new session: its cookie token, CSRF token and a device cookie to (re)set."""

    user: User
    session: UserSession
    token: str
    csrf_token: str
    device_cookie: str | None

    @property
    def mfa_pending(self) -> bool:
        """True while the two-factor code is still to be entered (pages only)."""
        return not self.session.mfa_passed


@dataclass(frozen=True)
class MfaEnrolment:
    """What the user needs to add the account to an authenticator app."""

    secret: str
    otpauth_uri: str
    qr_svg: str
