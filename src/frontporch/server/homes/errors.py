"""Errors of the homes area; each says what to do next."""

from __future__ import annotations

from datetime import datetime

from frontporch.server.errors import BadRequest, Forbidden, NotFound, ServerError, TooManyRequests


class HomeError(ServerError):
    """Base of the homes area's errors."""


class HomeNotFound(HomeError, NotFound):
    """No such home, or not one of the caller's (the two are not told apart)."""

    def __init__(self) -> None:
        super().__init__(
            "home not found",
            "No home with this id belongs to your household; see GET /api/homes.",
        )


class OwnerOnly(HomeError, Forbidden):
    """A member tried what only the home's owner may do."""

    def __init__(self, what: str) -> None:
        super().__init__("owners only", f"Only the home's owner can {what}.")


class ResidentsOnly(HomeError, Forbidden):
    """Agency accounts do not have homes."""

    def __init__(self) -> None:
        super().__init__(
            "residents only",
            "Homes belong to residents; agency accounts cannot add or join homes. "
            "Use a personal account for your own home.",
        )


class InvalidLocation(HomeError, BadRequest):
    """Coordinates or a cell that cannot be used."""

    def __init__(self, detail: str, field: str = "latitude") -> None:
        super().__init__("invalid location", detail, field=field)


class InvalidInvitation(HomeError, BadRequest):
    """An invitation link that is unknown, used or expired."""

    def __init__(self) -> None:
        super().__init__(
            "invitation invalid or expired",
            "Invitations work once and expire after 7 days; ask the home's owner for a new one.",
            field="token",
        )


class InvitationForAnotherAccount(HomeError, Forbidden):
    """The invitation was sent to a different address than the signed-in account's."""

    def __init__(self, masked: str) -> None:
        super().__init__(
            "invitation for another account",
            f"This invitation was sent to {masked}. Sign in with that account to accept it.",
        )


class HomeLimitReached(HomeError, TooManyRequests):
    """The account added as many homes as the 30-day limit allows (deleted ones count)."""

    def __init__(self, limit: int, retry_after_s: int) -> None:
        days = max(1, round(retry_after_s / 86400))
        super().__init__(
            "too many homes added",
            f"An account can add {limit} homes in 30 days, deleted ones included, so that "
            f"no one can visit every neighborhood's feed. You can add another in about "
            f"{days} day{'s' if days != 1 else ''}; an owner can also invite you to their home.",
            retry_after_s,
        )


class InvitationLimitReached(HomeError, TooManyRequests):
    """The account sent as many invitations as the daily limit allows."""

    def __init__(self, limit: int, retry_after_s: int) -> None:
        hours = max(1, round(retry_after_s / 3600))
        super().__init__(
            "too many invitations",
            f"An account can send {limit} invitations in 24 hours. Try again in about "
            f"{hours} hour{'s' if hours != 1 else ''}.",
            retry_after_s,
        )


class MediaNotYet(HomeError, Forbidden):
    """The reader's homes near the post are all too new to open its clip or snapshot."""

    def __init__(self, opens_at: datetime) -> None:
        super().__init__(
            "media not yet available",
            "Clips and snapshots open to a new home's household a while after the home is "
            f"added (the text of posts is readable now). Access begins at "
            f"{opens_at.strftime('%Y-%m-%d %H:%M UTC')}.",
        )
        self.opens_at = opens_at
