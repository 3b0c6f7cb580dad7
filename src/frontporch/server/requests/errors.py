"""Errors of the footage-requests area; each says what to do next and names the field."""

from __future__ import annotations

from frontporch.server.errors import BadRequest, Conflict, NotFound, ServerError


class RequestError(ServerError):
    """Base of the footage-requests area's errors."""


class PolicyViolation(RequestError, BadRequest):
    """A request outside the operator's policy (or the hard limits in code)."""

    def __init__(self, field: str | None, detail: str) -> None:
        super().__init__("outside the request policy", detail, field=field)


class InvalidRequest(RequestError, BadRequest):
    """A request whose fields cannot be used as given (an area with no shape, a blank
    case number)."""

    def __init__(self, field: str, detail: str) -> None:
        super().__init__("invalid request", detail, field=field)


class InvalidPolicy(RequestError, BadRequest):
    """An operator's policy value outside the hard limits in code."""

    def __init__(self, field: str, detail: str) -> None:
        super().__init__("policy value outside the hard limits", detail, field=field)


class RequestNotFound(RequestError, NotFound):
    """No such request, or not one of the caller's agency (the two are not told apart)."""

    def __init__(self) -> None:
        super().__init__(
            "request not found",
            "No request with this id was filed by your agency; see GET /api/agency/requests.",
        )


class RequestNotOpen(RequestError, Conflict):
    """The request was already withdrawn, expired or fulfilled."""

    def __init__(self, status: str) -> None:
        super().__init__(
            "request already closed",
            f"This request is {status}; nothing more can change. File a new request if "
            "you still need footage.",
        )
