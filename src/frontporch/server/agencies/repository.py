"""All SQL of the agencies area: the registry, who acts for which agency, and names.

Reads for operators say so (`..._for_operators`); `verified_of` answers for an account
only what it may act as, so no caller can sign with an agency it no longer speaks for.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from sqlalchemy import select

from frontporch.server.accounts.models import Role, User
from frontporch.server.agencies.models import Agency
from frontporch.server.kit.repository import Repository


class AgencyRepository(Repository[Agency]):
    """Agencies and which account belongs to which."""

    def all_for_operators(self) -> list[Agency]:
        """Every agency, by name."""
        return list(self.db.scalars(select(Agency).order_by(Agency.name, Agency.id)))

    def get(self, agency_id: uuid.UUID) -> Agency | None:
        """An agency by id."""
        return self.db.get(Agency, agency_id)

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
        role was changed since keeps the link but no longer speaks for the agency)."""
        if user.agency_id is None or user.role != Role.AGENCY_MEMBER.value:
            return None
        agency = self.db.get(Agency, user.agency_id)
        return agency if agency is not None and agency.verified_at is not None else None

    def names(self, agency_ids: Iterable[uuid.UUID | None]) -> dict[uuid.UUID, str]:
        """The names of the given agencies (what their posts and comments are signed with)."""
        wanted = {agency_id for agency_id in agency_ids if agency_id is not None}
        if not wanted:
            return {}
        rows = self.db.execute(select(Agency.id, Agency.name).where(Agency.id.in_(wanted)))
        return {row[0]: row[1] for row in rows}
