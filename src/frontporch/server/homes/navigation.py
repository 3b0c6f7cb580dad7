"""What the homes area adds to every page's header: whether the navigation offers the
household's links (Neighbors, Homes) to the page's caller.

Residents always get them (a resident without a home is led to add one); agency
members never do (homes are for households); operators only when they belong to a
household, since their own work is moderation. A part of the kit's `PageHeader`,
wired where the server is put together.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy.orm import Session

from frontporch.server.accounts.models import Role
from frontporch.server.accounts.subject import AuthSubject
from frontporch.server.homes.repository import HomeRepository


def household_links(db: Session, subject: AuthSubject) -> Mapping[str, object]:
    """`household_links` for `base.html`: whether to show the household's links. Only
    an operator costs a query (one indexed lookup, in the page's own session)."""
    if subject.user.role == Role.AGENCY_MEMBER.value:
        return {"household_links": False}
    if not subject.is_operator:
        return {"household_links": True}
    return {"household_links": HomeRepository(db).belongs_to_any(subject)}
