"""The operator's agency registry: register a verified agency by name, and attach
agency-member accounts to it (their posts and comments then carry its name).

Services change the session; they never commit (the request boundary does).
"""

from __future__ import annotations

import logging
import uuid

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from frontporch.server.accounts.models import Role, User
from frontporch.server.agencies.errors import (
    AccountNotFound,
    AgencyNotFound,
    BlankName,
    DuplicateAgency,
    NotAnAgencyMember,
)
from frontporch.server.agencies.models import Agency
from frontporch.server.agencies.repository import AgencyRepository
from frontporch.server.context import ServerContext

log = logging.getLogger(__name__)


class AgencyService:
    """The operator's agency registry, in one request's database session."""

    def __init__(self, db: Session, context: ServerContext) -> None:
        self.db = db
        self.context = context
        self.agencies = AgencyRepository(db)

    def create(self, name: str) -> Agency:
        """Register an agency the operator has verified (its name is what readers see)."""
        name = " ".join(name.split())
        if not name:
            raise BlankName()
        if self.agencies.find_by_name(name) is not None:
            raise DuplicateAgency()
        now = self.context.clock()
        try:
            agency = self.agencies.add(Agency(name=name, verified_at=now, created_at=now))
        except IntegrityError:  # registered at the same moment by another operator
            raise DuplicateAgency() from None
        log.info("agency %s registered", agency.id)
        return agency

    def list_agencies(self) -> list[Agency]:
        """Every agency."""
        return self.agencies.all_for_operators()

    def attach(self, user_id: uuid.UUID, agency_id: uuid.UUID | None) -> tuple[User, Agency | None]:
        """Make an agency-member account act for an agency (None: for none)."""
        user = self.agencies.account_for_operators(user_id)
        if user is None:
            raise AccountNotFound()
        agency = None
        if agency_id is not None:
            if user.role != Role.AGENCY_MEMBER.value:
                raise NotAnAgencyMember()
            agency = self.agencies.get(agency_id)
            if agency is None:
                raise AgencyNotFound()
        user.agency_id = agency.id if agency else None
        log.info("account %s attached to agency %s", user.id, agency.id if agency else None)
        return user, agency

    def of_member(self, user: User) -> Agency | None:
        """The verified agency an agency-member account acts for, if any."""
        return self.agencies.verified_of(user)
