"""Errors of the accounts area; each tells the person what to do next."""

from __future__ import annotations

from frontporch.server.errors import BadRequest, Forbidden, ServerError
from frontporch.server.kit.throttles import LockedOut

TWO_FACTOR_PAGE = "/account/two-factor"


class AccountError(ServerError):
    """Base of the accounts area's errors."""


class InvalidCredentials(AccountError):
    """Wrong email, password or two-factor code (never says which of email/password)."""

    status = 401

    def __init__(self, detail: str | None = None, field: str | None = None) -> None:
        super().__init__(
            "wrong email or password" if field is None else "wrong two-factor code",
            detail or "Check them and try again, or reset the password by email.",
            field=field,
        )


class WrongPasswordOrCode(AccountError):
    """A password and a two-factor code checked together, and at least one was wrong.

    One answer for both, so that neither can be tested on its own.
    """

    status = 401

    def __init__(self) -> None:
        super().__init__(
            "wrong password or code",
            "Check your password and the current code from your authenticator app (or a "
            "recovery code) and try again; repeated failures lock the account for a while.",
        )


class TwoFactorRequired(AccountError):
    """The password was right; the account also needs its two-factor code."""

    status = 401

    def __init__(self) -> None:
        super().__init__(
            "two-factor code required",
            "Send the 6-digit code from the authenticator app (or a recovery code) as 'otp'.",
            field="otp",
        )


class EmailNotVerified(AccountError, Forbidden):
    """Sign-in before the address was verified."""

    def __init__(self) -> None:
        super().__init__(
            "email not verified",
            "Open the link we emailed you; to get a new one, use 'resend verification'.",
        )


class MfaSetupRequired(AccountError, Forbidden):
    """An agency or operator account tried to act before setting up two-factor sign-in."""

    page_redirect = TWO_FACTOR_PAGE

    def __init__(self) -> None:
        super().__init__(
            "two-factor sign-in required",
            "Agency and operator accounts must set up two-factor sign-in first: "
            f"POST /api/account/two-factor/setup, or visit {TWO_FACTOR_PAGE}.",
        )


class BrowserSessionRequired(AccountError, Forbidden):
    """Credential changes need a signed-in browser session, not an API token."""

    def __init__(self) -> None:
        super().__init__(
            "browser sign-in required",
            "API tokens cannot change passwords, tokens, two-factor settings or delete the "
            "account; sign in with your password to do that.",
        )


class InvalidLink(AccountError, BadRequest):
    """An email link that is unknown, used or expired."""

    def __init__(self) -> None:
        super().__init__(
            "link invalid or expired",
            "Links work once and expire; ask for a new email and use the newest link.",
            field="token",
        )


class Locked(AccountError, LockedOut):
    """Too many failed sign-ins; try later, or reset the password by email."""

    def __init__(self, retry_after_s: int, what: str = "failed sign-ins") -> None:
        super().__init__(retry_after_s, what, ", or reset the password by email")


class SecondFactorPending(AccountError):
    """The password was accepted on the sign-in page; the two-factor code is still due."""

    status = 401
    page_redirect = "/sign-in/two-factor"

    def __init__(self) -> None:
        super().__init__(
            "two-factor code required",
            "Finish signing in: enter the code from your authenticator app at /sign-in/two-factor.",
        )
