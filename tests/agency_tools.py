"""A verified agency written straight into a server's database, as the agencies area
registers one (the agency row, its `agency_registered` log entry and registration
row, and a member account tied to it); or through the API, applied for and registered
by an operator. Shared by the release, multi-process, trust-model and request tools."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from frontporch.crypto.keys import AgencyIdentity, fingerprint
from frontporch.server.accounts.models import User
from frontporch.server.agencies.models import Agency, AgencyRegistration, AgencyStatus
from frontporch.server.transparency.service import append_entries
from frontporch.translog import entries


def log_verified_agency(
    sessions: sessionmaker[Session],
    clock: Callable[[], datetime],
    identity: AgencyIdentity,
    member_email: str,
    name: str | None = None,
) -> tuple[uuid.UUID, int]:
    """The new agency's id and the log index of its registration."""
    agency_id = uuid.uuid4()
    now = clock()
    with sessions.begin() as db:
        agency = Agency(
            id=agency_id,
            name=name or f"Agency {agency_id.hex[:8]}",
            verified_at=now,
            created_at=now,
            status=AgencyStatus.VERIFIED.value,
            jurisdiction="Cook County",
            contact="Records desk, records@agency.example",
            signing_key=identity.public_key,
            age_recipient=identity.age_recipient,
        )
        db.add(agency)
        db.flush()
        entry = entries.AgencyRegistered(
            at=entries.moment(now),
            agency=str(agency_id),
            name=agency.name,
            age_recipient=identity.age_recipient,
            signing_key=identity.public_key,
        )
        [index] = append_entries(db, [entry], clock)
        agency.registration_index = index
        db.add(
            AgencyRegistration(
                log_index=index,
                agency_id=agency_id,
                signing_key=identity.public_key,
                age_recipient=identity.age_recipient,
                registered_at=now,
            )
        )
        db.execute(update(User).where(User.email == member_email).values(agency_id=agency_id))
    return agency_id, index


class Poster(Protocol):
    """An HTTP client (httpx's or Starlette's test client): only `post` is used."""

    def post(self, url: str, *, json: Any) -> Any: ...


def apply_and_register(
    applicant: Poster,
    operator: Poster,
    identity: AgencyIdentity,
    name: str,
    jurisdiction: str,
    contact: str,
) -> tuple[str, int]:
    """An agency as the issue has it: keys made offline, an application through the API
    (no account), registered by an operator reading back both fingerprints. Its id and
    the log index of its registration."""
    applied = applicant.post(
        "/api/agency-applications",
        json={
            "name": name,
            "jurisdiction": jurisdiction,
            "contact": contact,
            "signing_key": identity.public_key,
            "age_recipient": identity.age_recipient,
        },
    )
    assert applied.status_code == 201, applied.text
    agency_id = str(applied.json()["id"])
    registered = operator.post(
        f"/api/operator/agencies/{agency_id}/register",
        json={
            "signing_key_fingerprint": fingerprint(identity.public_key),
            "age_recipient_fingerprint": fingerprint(identity.age_recipient),
        },
    )
    assert registered.status_code == 200, registered.text
    return agency_id, int(registered.json()["registration_index"])
