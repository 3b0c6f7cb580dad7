"""A verified agency written straight into a server's database, as the agencies area
registers one: the agency row, its `agency_registered` log entry and registration
row, and a member account tied to it. Shared by the release and multi-process tools."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from frontporch.crypto.keys import AgencyIdentity
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
