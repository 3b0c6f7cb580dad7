"""What the agency pages show, as values: an agency with its key fingerprints, and a
form's validation errors as one message per field."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from pydantic import ValidationError

from frontporch.crypto.keys import fingerprint
from frontporch.server.agencies.models import Agency

LABELS = {
    "name": "the agency's name",
    "jurisdiction": "the jurisdiction",
    "contact": "the official contact",
    "signing_key": "the signing key",
    "age_recipient": "the age recipient",
    "signing_key_fingerprint": "the signing key's fingerprint",
    "age_recipient_fingerprint": "the age recipient's fingerprint",
}


@dataclass(frozen=True)
class AgencyView:
    """An agency and the fingerprints of its current keys (None: it has none)."""

    agency: Agency
    signing_fingerprint: str | None
    recipient_fingerprint: str | None


def agency_view(agency: Agency) -> AgencyView:
    """The view of one agency."""
    return AgencyView(
        agency,
        fingerprint(agency.signing_key) if agency.signing_key else None,
        fingerprint(agency.age_recipient) if agency.age_recipient else None,
    )


def agency_views(agencies: Iterable[Agency]) -> list[AgencyView]:
    """The views of several agencies, in order."""
    return [agency_view(agency) for agency in agencies]


def field_errors(exc: ValidationError) -> dict[str, str]:
    """One message per form field from a request model's validation errors."""
    errors: dict[str, str] = {}
    for error in exc.errors():
        name = str(error["loc"][0]) if error.get("loc") else "general"
        what = LABELS.get(name, name)
        kind = error.get("type", "")
        if kind in ("missing", "string_too_short"):
            message = f"Write {what}."
        elif kind == "string_too_long":
            message = f"Keep {what} to {(error.get('ctx') or {}).get('max_length')} characters."
        elif kind == "string_pattern_mismatch":
            message = f"Write {what} on one line, without control characters."
        else:
            message = f"Check {what}: {error.get('msg', 'invalid')}."
        errors.setdefault(name, message)
    return errors
