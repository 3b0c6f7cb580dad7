"""Errors of the legal area; each says what to do next and names the field at fault."""

from __future__ import annotations

from frontporch.server.errors import BadRequest, Conflict, NotFound, ServerError


class LegalError(ServerError):
    """Base of the legal area's errors."""


class InvalidDemand(LegalError, BadRequest):
    """A demand, delay order, paperwork or response whose fields cannot be used as given."""

    def __init__(self, field: str, detail: str) -> None:
        super().__init__("invalid legal demand", detail, field=field)


class UnknownAccount(LegalError, NotFound):
    """A demand names an account this server does not have."""

    def __init__(self, given: str) -> None:
        super().__init__(
            "no such account",
            f"No account has the email or id {given!r}; check the demand's wording.",
            field="accounts",
        )


class DemandNotFound(LegalError, NotFound):
    """No demand with this id (or, for an owner, none that named their account)."""

    def __init__(self) -> None:
        super().__init__(
            "legal demand not found", "See GET /api/operator/legal/demands.", field="demand_id"
        )


class DemandConflict(LegalError, Conflict):
    """The demand's state does not allow this (answered already, notice already sent)."""

    def __init__(self, field: str, detail: str) -> None:
        super().__init__("not possible for this demand now", detail, field=field)


class AttachingRefused(LegalError, Conflict):
    """No operator recipient is configured, so a document cannot be stored encrypted."""

    def __init__(self) -> None:
        super().__init__(
            "attaching documents is off",
            "Set legal_document_recipient to the operator's age recipient to attach "
            "documents (they are stored encrypted to it); or record only the SHA-256.",
            field="document",
        )


class DocumentTooLarge(LegalError):
    """A document over `legal_document_max_bytes`."""

    status = 413

    def __init__(self, limit: int) -> None:
        super().__init__(
            "document too large",
            f"Documents may be at most {limit} bytes; record only its SHA-256 instead.",
            field="document",
        )
