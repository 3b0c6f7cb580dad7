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


class BlankField(AgencyError, BadRequest):
    """An application field that is only whitespace."""

    def __init__(self, field: str) -> None:
        super().__init__(f"{field} required", f"Write something in '{field}'.", field=field)


class DuplicateAgency(AgencyError, Conflict):
    """An agency with this name exists."""

    def __init__(self, detail: str = "") -> None:
        super().__init__(
            "agency exists",
            detail or "An agency with this name already exists; attach accounts to it instead.",
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


class InvalidSigningKey(AgencyError, BadRequest):
    """A signing key that is not an Ed25519 public key in base64."""

    def __init__(self, problem: str, field: str = "signing_key") -> None:
        super().__init__(
            "invalid signing key",
            f"'{field}' is not an Ed25519 public key ({problem}). Paste the 'signing key' "
            "line that `frontporch agency keygen` printed: 44 characters of base64 ending in '='.",
            field=field,
        )


class InvalidAgeRecipient(AgencyError, BadRequest):
    """An age recipient that is not an X25519 `age1…` recipient."""

    def __init__(self, problem: str, field: str = "age_recipient") -> None:
        super().__init__(
            "invalid age recipient",
            f"'{field}' is not an age recipient ({problem}). Paste the 'age recipient' line "
            "that `frontporch agency keygen` printed: it starts with 'age1'.",
            field=field,
        )


class KeyAlreadyRegistered(AgencyError, Conflict):
    """A key that another agency has registered (each key speaks for one agency)."""

    def __init__(self, field: str) -> None:
        super().__init__(
            "key registered to another agency",
            f"The key in '{field}' is already registered to another agency. Each agency "
            "makes its own keys with `frontporch agency keygen DIR`; use a new pair.",
            field=field,
        )


class SameKeys(AgencyError, Conflict):
    """A rotation to the keys already in force."""

    def __init__(self) -> None:
        super().__init__(
            "keys already registered",
            "These are the agency's keys in force; a rotation needs a new pair from "
            "`frontporch agency keygen DIR`.",
            field="signing_key",
        )


class FingerprintMismatch(AgencyError, BadRequest):
    """The fingerprint the operator typed is not that of the key on file."""

    def __init__(self, field: str) -> None:
        what = "signing key" if field.startswith("signing") else "age recipient"
        super().__init__(
            "fingerprint does not match",
            f"'{field}' is not the fingerprint of the {what} on file. Nothing was "
            "registered: read the fingerprint back with the agency again, over a contact "
            "you checked yourself; if it still differs, the key was changed on the way.",
            field=field,
        )


class WrongAgencyStatus(AgencyError, Conflict):
    """An action the agency's status does not allow (register twice, rotate an
    application, act on a revoked agency)."""

    def __init__(self, action: str, status: str, advice: str) -> None:
        super().__init__(f"cannot {action} an agency that is {status}", advice, field="agency_id")


class AgencyCannotFile(AgencyError, Forbidden):
    """An agency member whose agency may not file footage requests (yet, or any more)."""

    def __init__(self, reason: str, advice: str) -> None:
        super().__init__(f"agency cannot file requests: {reason}", advice)


class UnloggableName(AgencyError, Conflict):
    """A (feed-only) agency whose stored name the log's entry rules refuse."""

    def __init__(self) -> None:
        super().__init__(
            "name cannot be logged",
            "The agency's name holds control characters, which log entries refuse. "
            "Make a new agency with a plain name and attach its members to it.",
            field="agency_id",
        )
