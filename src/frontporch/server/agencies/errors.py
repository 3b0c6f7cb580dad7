"""Errors of the agencies area; each says what to do next, and names the field at fault."""

from __future__ import annotations

from frontporch.server.errors import BadRequest, Conflict, Forbidden, NotFound, ServerError


class AgencyError(ServerError):
    """Base of the agencies area's errors."""


class AgencyMembersOnly(AgencyError, Forbidden):
    """A resident or operator opened the agency portal."""

    def __init__(self) -> None:
        super().__init__(
            "agency members only",
            "This page is for accounts of verified agencies. Residents read their "
            "neighbors at /feed; operators moderate at /moderation.",
        )


class BlankName(AgencyError, BadRequest):
    """An agency name that is only whitespace."""

    def __init__(self) -> None:
        super().__init__("name required", "Write something in 'name'.", field="name")


class DuplicateAgency(AgencyError, Conflict):
    """An agency with this name exists."""

    def __init__(self) -> None:
        super().__init__(
            "agency exists",
            "An agency with this name already exists; attach accounts to it instead.",
            field="name",
        )


class AgencyNotFound(AgencyError, NotFound):
    """No agency with this id."""

    def __init__(self) -> None:
        super().__init__("agency not found", "See GET /api/operator/agencies.", field="agency_id")


class AccountNotFound(AgencyError, NotFound):
    """No account with this id."""

    def __init__(self) -> None:
        super().__init__("no such account", "Check the account id.", field="user_id")


class NotAnAgencyMember(AgencyError, BadRequest):
    """Only agency-member accounts can belong to an agency."""

    def __init__(self) -> None:
        super().__init__(
            "not an agency-member account",
            "Give the account the agency_member role first "
            "(PUT /api/operator/users/{id}/role), then attach it to the agency.",
            field="user_id",
        )
