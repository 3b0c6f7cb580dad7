"""All SQL of the agreements area: agreements (public by nature), partners, and agency
statements with their hides. Agreements and statements are only ever added; nothing
here updates or deletes one (the database would refuse: migration 0013)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from sqlalchemy import select

from frontporch.server.agencies.models import Agency
from frontporch.server.agreements.models import AgencyStatement, Agreement, StatementHide
from frontporch.server.kit.repository import Repository


class AgreementRepository(Repository[Agreement]):
    """Published agreements, and the agencies they are with."""

    def all_public(self) -> list[tuple[Agreement, str]]:
        """Every agreement with its agency's name, newest first (anyone may read them)."""
        query = (
            select(Agreement, Agency.name)
            .join(Agency, Agency.id == Agreement.agency_id)
            .order_by(Agreement.log_index.desc())
        )
        return [(row, name) for row, name in self.db.execute(query).all()]

    def get_public(self, agreement_id: uuid.UUID) -> tuple[Agreement, str] | None:
        """One agreement with its agency's name."""
        query = (
            select(Agreement, Agency.name)
            .join(Agency, Agency.id == Agreement.agency_id)
            .where(Agreement.id == agreement_id)
        )
        found = self.db.execute(query).first()
        return (found[0], found[1]) if found else None

    def agency(self, agency_id: uuid.UUID, *, for_update: bool = False) -> Agency | None:
        """An agency by id (locked until the transaction ends with `for_update`)."""
        return self.db.get(Agency, agency_id, with_for_update=for_update)

    def has_agreement(self, agency_id: uuid.UUID) -> bool:
        """Whether an agreement with the agency has been published."""
        query = select(Agreement.id).where(Agreement.agency_id == agency_id).limit(1)
        return self.db.scalar(query) is not None

    def partners_public(self) -> list[Agency]:
        """The agencies shown as the operator's partners, by name."""
        return list(
            self.db.scalars(
                select(Agency).where(Agency.partner.is_(True)).order_by(Agency.name, Agency.id)
            )
        )


class StatementRepository(Repository[AgencyStatement]):
    """Agency statements as submitted, and their logged hides."""

    def of_post(self, post_id: uuid.UUID) -> AgencyStatement | None:
        """The statement a post shows (an agency post, or a request's post)."""
        return self.db.scalar(select(AgencyStatement).where(AgencyStatement.post_id == post_id))

    def of_request(self, request_id: uuid.UUID) -> AgencyStatement | None:
        """The statement of a request's text."""
        return self.db.scalar(
            select(AgencyStatement).where(AgencyStatement.request_id == request_id)
        )

    def indexes_of_posts(self, post_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, int]:
        """The `statement` log index of each of these posts that has one."""
        ids = list(set(post_ids))
        if not ids:
            return {}
        query = select(AgencyStatement.post_id, AgencyStatement.log_index).where(
            AgencyStatement.post_id.in_(ids)
        )
        return {post_id: index for post_id, index in self.db.execute(query).all() if post_id}

    def add_hide(self, hide: StatementHide) -> StatementHide:
        """Record a `statement_hidden` entry."""
        self.db.add(hide)
        self.db.flush()
        return hide

    def hides(self, statement_id: uuid.UUID) -> list[StatementHide]:
        """Every logged hide of a statement, oldest first."""
        return list(
            self.db.scalars(
                select(StatementHide)
                .where(StatementHide.statement_id == statement_id)
                .order_by(StatementHide.log_index)
            )
        )
