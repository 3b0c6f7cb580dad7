"""Request and response bodies of the agency registry: applications (public), the
operator's registry and its actions (register, rotate keys, revoke).

Names go into the `agency_registered` log entry, so they hold no control characters
(`LOGGABLE`, the entry's own rule). Keys are taken as text here and checked by the
service (`keys.py`), whose errors say what a key should look like.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, Field

from frontporch.crypto.keys import fingerprint
from frontporch.server.agencies.models import Agency, AgencyRegistration
from frontporch.server.kit.schemas import SINGLE_LINE, Strict

# What a log entry's label may hold: no control characters at all.
LOGGABLE = r"^[^\x00-\x1f\x7f]*$"

FINGERPRINT = Field(
    min_length=1,
    max_length=100,
    pattern=SINGLE_LINE,
    description="The fingerprint as the agency read it back (16 groups of 4 hex digits; "
    "spaces and case are ignored).",
)


class AgencyIn(Strict):
    name: str = Field(
        min_length=1, max_length=200, pattern=LOGGABLE, description="The verified name."
    )


class ApplicationIn(Strict):
    """An agency's application: who it is, and the public parts of the keys it made
    offline with `frontporch agency keygen DIR`."""

    name: str = Field(
        min_length=1,
        max_length=200,
        pattern=LOGGABLE,
        description="The agency's official name, as its members' posts will be signed.",
    )
    jurisdiction: str = Field(
        min_length=1,
        max_length=200,
        pattern=LOGGABLE,
        description="Where the agency has authority (e.g. 'City of Springfield, IL').",
    )
    contact: str = Field(
        min_length=3,
        max_length=320,
        pattern=LOGGABLE,
        description="An official email or phone number the operator can check independently.",
    )
    signing_key: str = Field(
        min_length=1,
        max_length=100,
        pattern=SINGLE_LINE,
        description="The Ed25519 public key, base64 (keygen's 'signing key' line).",
    )
    age_recipient: str = Field(
        min_length=1,
        max_length=200,
        pattern=SINGLE_LINE,
        description="The age recipient 'age1…' (keygen's 'age recipient' line).",
    )


class ApplicationOut(BaseModel):
    """An application as received: the fingerprints the operator will read back."""

    id: uuid.UUID
    name: str
    status: str
    signing_key_fingerprint: str
    age_recipient_fingerprint: str
    detail: str


class RegisterIn(Strict):
    """The fingerprints of the keys on file, as the agency read them back out of band."""

    signing_key_fingerprint: str = FINGERPRINT
    age_recipient_fingerprint: str = FINGERPRINT


class RotateIn(Strict):
    """New keys for a verified agency, and their fingerprints as the agency read them back."""

    signing_key: str = Field(
        min_length=1, max_length=100, pattern=SINGLE_LINE, description="The new Ed25519 key."
    )
    age_recipient: str = Field(
        min_length=1, max_length=200, pattern=SINGLE_LINE, description="The new age recipient."
    )
    signing_key_fingerprint: str = FINGERPRINT
    age_recipient_fingerprint: str = FINGERPRINT


class RegistrationOut(BaseModel):
    """One `agency_registered` log entry of an agency."""

    log_index: int
    signing_key: str
    age_recipient: str
    signing_key_fingerprint: str
    age_recipient_fingerprint: str
    registered_at: datetime
    supersedes: int | None

    @classmethod
    def of(cls, row: AgencyRegistration) -> RegistrationOut:
        return cls(
            log_index=row.log_index,
            signing_key=row.signing_key,
            age_recipient=row.age_recipient,
            signing_key_fingerprint=fingerprint(row.signing_key),
            age_recipient_fingerprint=fingerprint(row.age_recipient),
            registered_at=row.registered_at,
            supersedes=row.supersedes,
        )


class AgencyOut(BaseModel):
    """An agency as the operator sees it. A feed-only agency (made by name) is verified
    with no keys: it posts, but files no footage request until keys are registered."""

    id: uuid.UUID
    name: str
    status: str
    verified: bool
    verified_at: datetime | None
    created_at: datetime
    jurisdiction: str | None
    contact: str | None
    signing_key: str | None
    age_recipient: str | None
    signing_key_fingerprint: str | None
    age_recipient_fingerprint: str | None
    registration_index: int | None
    revoked_at: datetime | None

    @classmethod
    def of(cls, agency: Agency) -> AgencyOut:
        return cls(
            id=agency.id,
            name=agency.name,
            status=agency.status,
            verified=agency.status == "verified" and agency.verified_at is not None,
            verified_at=agency.verified_at,
            created_at=agency.created_at,
            jurisdiction=agency.jurisdiction,
            contact=agency.contact,
            signing_key=agency.signing_key,
            age_recipient=agency.age_recipient,
            signing_key_fingerprint=fingerprint(agency.signing_key) if agency.signing_key else None,
            age_recipient_fingerprint=(
                fingerprint(agency.age_recipient) if agency.age_recipient else None
            ),
            registration_index=agency.registration_index,
            revoked_at=agency.revoked_at,
        )


class AgencyDetailOut(AgencyOut):
    """An agency with every registration it had, newest first."""

    registrations: list[RegistrationOut]


class AgencyMembershipIn(Strict):
    agency_id: uuid.UUID | None = Field(description="The agency; null to detach the account.")


class AgencyMembershipOut(BaseModel):
    user_id: uuid.UUID
    agency: AgencyOut | None
