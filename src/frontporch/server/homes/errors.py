"""Errors of the homes area; each says what to do next."""

from __future__ import annotations

from frontporch.server.errors import BadRequest, Forbidden, NotFound, ServerError


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
