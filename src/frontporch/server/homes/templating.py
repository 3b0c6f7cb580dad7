"""What `base.html`'s navigation asks the homes area: whether to offer Neighbors and
Homes to the page's caller.

Residents always get them (a resident without a home is led to add one); agency
members never do (homes are for households); operators only when they belong to a
household, since their own work is moderation. `install` adds it to the app's template
environment once (`create_app`).
"""

from __future__ import annotations

from collections.abc import Callable

from jinja2 import Environment
from sqlalchemy import exists, or_, select
from sqlalchemy.orm import Session, sessionmaker

from frontporch.server.accounts.models import Role
from frontporch.server.accounts.subject import AuthSubject
from frontporch.server.homes.models import Home, HomeMember


def household_links(sessions: sessionmaker[Session]) -> Callable[[AuthSubject | None], bool]:
    """What `base.html` calls with the page's subject: whether the navigation shows the
    household's links. Only an operator costs a query (one indexed lookup, its own
    short session, so pages need not pass it)."""

    def shows(subject: AuthSubject | None) -> bool:
        if subject is None or subject.user.role == Role.AGENCY_MEMBER.value:
            return False
        if not subject.is_operator:
            return True
        member = select(HomeMember.home_id).where(HomeMember.user_id == subject.user_id)
        with sessions() as db:
            return bool(
                db.scalar(
                    select(
                        exists().where(or_(Home.owner_id == subject.user_id, Home.id.in_(member)))
                    )
                )
            )

    return shows


def install(env: Environment, sessions: sessionmaker[Session]) -> None:
    """Make the helper above available to every template."""
    env.globals["household_links"] = household_links(sessions)
