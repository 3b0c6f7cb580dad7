"""Errors of the agreements area; each says what to do next and names the field at fault."""

from __future__ import annotations

from frontporch.server.errors import BadRequest, Conflict, Forbidden, NotFound, ServerError


class AgreementError(ServerError):
    """Base of the agreements area's errors."""


class InvalidAgreement(AgreementError, BadRequest):
    """A field of an agreement that cannot be published as given."""

    def __init__(self, field: str, advice: str) -> None:
        super().__init__(f"invalid {field}", advice, field=field)


class DocumentTooLarge(AgreementError):
    """An agreement's document above the server's cap."""

    status = 413

    def __init__(self, max_bytes: int) -> None:
        super().__init__(
            "document too large",
            f"The document may be at most {max_bytes} bytes ({max_bytes / 1048576:.1f} MiB); "
            "publish a smaller PDF (scans at a lower resolution).",
            field="document",
        )


class NotAPdf(AgreementError, BadRequest):
    """A document that does not start like a PDF."""

    def __init__(self) -> None:
        super().__init__(
            "document is not a PDF",
            "Attach the signed agreement as a PDF file (it starts with '%PDF-').",
            field="document",
        )


class NotMultipart(AgreementError, BadRequest):
    """An agreement sent as anything but multipart/form-data."""

    def __init__(self) -> None:
        super().__init__(
            "multipart form required",
            "Send the agreement as multipart/form-data: its fields and the PDF as 'document'.",
            field="document",
        )


class AgencyNotEligible(AgreementError, BadRequest):
    """An agreement with an agency that is not registered (verified)."""

    def __init__(self, status: str) -> None:
        super().__init__(
            "agency not registered",
            f"This agency is {status}; agreements are published with registered (verified) "
            "agencies only.",
            field="agency_id",
        )


class UnknownAgency(AgreementError, NotFound):
    """No agency with this id."""

    def __init__(self) -> None:
        super().__init__("agency not found", "See GET /api/operator/agencies.", field="agency_id")


class AgreementNotFound(AgreementError, NotFound):
    """No agreement with this id."""

    def __init__(self) -> None:
        super().__init__("agreement not found", "See GET /api/agreements.", field="agreement_id")


class NoAgreement(AgreementError, Conflict):
    """Marking an agency as a partner without a published agreement."""

    def __init__(self, name: str) -> None:
        super().__init__(
            "no published agreement",
            f"{name} has no published agreement, so it cannot be shown as a partner: "
            "publish the agreement first (POST /api/operator/agreements, or /operator/agreements).",
            field="partner",
        )


class StatementNotFound(AgreementError, NotFound):
    """No agency statement for this post (or the caller cannot read the post)."""

    def __init__(self) -> None:
        super().__init__(
            "statement not found",
            "Only agency posts you can read have a statement as submitted.",
            field="post_id",
        )


class NotEditable(AgreementError, Forbidden):
    """Deleting or changing an agency's words in place of hiding them."""

    def __init__(self) -> None:
        super().__init__(
            "agency statements are not removed",
            "An agency's post stays as submitted; hide it with a reason "
            "(POST /api/moderation/posts/{id}/hide), which is logged.",
            field="post_id",
        )
