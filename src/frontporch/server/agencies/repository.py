"""All SQL of the agencies area: the registry, applications, registrations (the keys
each agency had, by log index), who acts for which agency, and names.

Reads for operators say so (`..._for_operators`); `verified_of` answers for an account
only what it may act as (a verified agency, not a revoked one), so no caller can sign
with an agency it no longer speaks for.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from sqlalchemy import or_, select

from frontporch.server.accounts.models import Role, User
from frontporch.server.agencies.models import Agency, AgencyRegistration, AgencyStatus
from frontporch.server.kit.repository import Repository


class AgencyRepository(Repository[Agency]):
    """Agencies and which account belongs to which."""

    def all_for_operators(self, status: AgencyStatus | None = None) -> list[Agency]:
        """Every agency (or those of one status), by name."""
        query = select(Agency).order_by(Agency.name, Agency.id)
        if status is not None:
            query = query.where(Agency.status == status.value)
        return list(self.db.scalars(query))

    def get(self, agency_id: uuid.UUID, *, for_update: bool = False) -> Agency | None:
        """An agency by id; with `for_update`, locked until the transaction ends (on
        PostgreSQL), so that two operators acting on it at once act one after the other."""
        return self.db.get(Agency, agency_id, with_for_update=for_update)

    def registrations_for_operators(self, agency_id: uuid.UUID) -> list[AgencyRegistration]:
        """Every registration an agency had, newest first."""
        return list(
            self.db.scalars(
                select(AgencyRegistration)
                .where(AgencyRegistration.agency_id == agency_id)
                .order_by(AgencyRegistration.log_index.desc())
            )
        )

    def registration(self, log_index: int) -> AgencyRegistration | None:
        """The registration logged at `log_index`, if that entry is one."""
        return self.db.get(AgencyRegistration, log_index)

    def key_holders(
        self, signing_key: str, age_recipient: str, other_than: uuid.UUID
    ) -> list[AgencyRegistration]:
        """Registrations of agencies other than `other_than` that used either key."""
        return list(
            self.db.scalars(
                select(AgencyRegistration).where(
                    AgencyRegistration.agency_id != other_than,
                    or_(
                        AgencyRegistration.signing_key == signing_key,
                        AgencyRegistration.age_recipient == age_recipient,
                    ),
                )
            )
        )

    def add_registration(self, row: AgencyRegistration) -> AgencyRegistration:
        """Insert a registration (its log index is the primary key)."""
        self.db.add(row)
        self.db.flush()
        return row

    def find_by_name(self, name: str) -> Agency | None:
        """The agency with this exact name, if any."""
        return self.db.scalars(select(Agency).where(Agency.name == name)).one_or_none()

    def add(self, row: Agency) -> Agency:
        """Insert an agency in a savepoint, so that a duplicate name (an IntegrityError)
        leaves the request's transaction usable."""
        with self.db.begin_nested():
            super().add(row)
        return row

    def account_for_operators(self, user_id: uuid.UUID) -> User | None:
        """The account an operator attaches to an agency, if it exists."""
        return self.db.get(User, user_id)

    def verified_of(self, user: User) -> Agency | None:
        """The verified agency an agency-member account acts for, if any (an account whose
        role was changed since keeps the link but no longer speaks for the agency; an
        agency still applying, or revoked, speaks for no one)."""
        agency = self.of_member(user)
        if agency is None or agency.status != AgencyStatus.VERIFIED.value:
            return None
        return agency if agency.verified_at is not None else None

    def of_member(self, user: User) -> Agency | None:
        """The agency an agency-member account is attached to, whatever its status."""
        if user.agency_id is None or user.role != Role.AGENCY_MEMBER.value:
            return None
        return self.db.get(Agency, user.agency_id)

    def names(self, agency_ids: Iterable[uuid.UUID | None]) -> dict[uuid.UUID, str]:
        """The names of the given agencies (what their posts and comments are signed with)."""
        wanted = {agency_id for agency_id in agency_ids if agency_id is not None}
        if not wanted:
            return {}
        rows = self.db.execute(select(Agency.id, Agency.name).where(Agency.id.in_(wanted)))
        return {row[0]: row[1] for row in rows}
