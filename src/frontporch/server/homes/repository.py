"""All SQL of the homes area.

Reads that serve a caller take the `AuthSubject` and return only homes the caller
belongs to (as owner or member), so a handler cannot forget access control; a home of
another household is simply not found. `homes_in_area` is the one system query: it
matches homes to an area for request delivery and serves no caller directly.
`ActivityRepository` counts what an account did with homes (limits, operators' churn
list); `detach_account` is the system change made when an account stops being a
household's.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import Select, bindparam, delete, exists, func, or_, select
from sqlalchemy.orm import Session

from frontporch import geo
from frontporch.server.accounts.models import User
from frontporch.server.accounts.subject import AuthSubject
from frontporch.server.homes.models import Home, HomeActivity, HomeInvitation, HomeMember
from frontporch.server.homes.views import Churn
from frontporch.server.hubs.models import Hub
from frontporch.server.kit.repository import Repository


def _member_of(subject: AuthSubject) -> Select[uuid.UUID]:
    return select(HomeMember.home_id).where(HomeMember.user_id == subject.user_id)


# `get_readable` serves every feed request: built once, with parameters, instead of a new
# statement object per call (a quarter of a millisecond of Python each time).
# Parameters `home_id` and `user_id`: the home, if the user owns it or is a member.
READABLE_HOME = (
    Home.id == bindparam("home_id", type_=Home.id.type),
    or_(
        Home.owner_id == bindparam("user_id", type_=Home.owner_id.type),
        Home.id.in_(select(HomeMember.home_id).where(HomeMember.user_id == bindparam("user_id"))),
    ),
)
_READABLE_HOME = select(Home).where(*READABLE_HOME)


class HomeRepository(Repository[Home]):
    """Homes."""

    def readable_statement(self, subject: AuthSubject) -> Select[Home]:
        """Homes the caller belongs to (operators too: homes are private to households)."""
        return select(Home).where(
            or_(Home.owner_id == subject.user_id, Home.id.in_(_member_of(subject)))
        )

    def list_for(self, subject: AuthSubject) -> list[Home]:
        """The caller's homes, oldest first."""
        statement = self.readable_statement(subject).order_by(Home.created_at, Home.id)
        return list(self.db.scalars(statement))

    def get_readable(self, subject: AuthSubject, home_id: uuid.UUID) -> Home | None:
        """One of the caller's homes, or None."""
        values = {"home_id": home_id, "user_id": subject.user_id}
        return self.db.scalars(_READABLE_HOME, values).one_or_none()

    def find_for_authentication(self, home_id: uuid.UUID) -> Home | None:
        """The home a checked secret (an invitation, a pairing code) is for, if it still
        exists; the secret, not the caller, grants the read."""
        return self.db.get(Home, home_id)

    def belongs_to_any(self, subject: AuthSubject) -> bool:
        """Whether the caller owns or is a member of any home."""
        return bool(
            self.db.scalar(
                select(exists(self.readable_statement(subject).with_only_columns(Home.id)))
            )
        )

    def count_owned_by(self, subject: AuthSubject) -> int:
        """How many homes the caller owns."""
        return int(
            self.db.scalar(
                select(func.count()).select_from(Home).where(Home.owner_id == subject.user_id)
            )
            or 0
        )

    def delete(self, home: Home) -> None:
        """Delete a home; members, invitations and hubs go with it (cascades)."""
        self.db.execute(delete(Home).where(Home.id == home.id))
        self.db.expunge(home)


class MemberRepository(Repository[HomeMember]):
    """Household members (other than the owner)."""

    def list_of(self, home: Home) -> list[tuple[User, datetime]]:
        """The owner and members of a home the caller was allowed to read, owner first."""
        owner = self.db.get(User, home.owner_id)
        rows = self.db.execute(
            select(User, HomeMember.joined_at)
            .join(HomeMember, HomeMember.user_id == User.id)
            .where(HomeMember.home_id == home.id)
            .order_by(HomeMember.joined_at, User.id)
        ).all()
        members = [(row[0], row[1]) for row in rows]
        return ([(owner, home.created_at)] if owner else []) + members

    def is_member(self, home_id: uuid.UUID, user_id: uuid.UUID) -> bool:
        """Whether a user is a (non-owner) member of a home."""
        return (
            self.db.scalar(
                select(HomeMember.user_id).where(
                    HomeMember.home_id == home_id, HomeMember.user_id == user_id
                )
            )
            is not None
        )

    def remove(self, home_id: uuid.UUID, user_id: uuid.UUID) -> bool:
        """End a membership; whether there was one."""
        result = self.db.execute(
            delete(HomeMember).where(HomeMember.home_id == home_id, HomeMember.user_id == user_id)
        )
        return bool(getattr(result, "rowcount", 0))


class InvitationRepository(Repository[HomeInvitation]):
    """Emailed invitations to join a home."""

    def count_open_for(self, home_id: uuid.UUID, now: datetime) -> int:
        """Unused, unexpired invitations of a home."""
        return int(
            self.db.scalar(
                select(func.count())
                .select_from(HomeInvitation)
                .where(HomeInvitation.home_id == home_id, *HomeInvitation.usable_at(now))
            )
            or 0
        )

    def find_usable_for_authentication(
        self, token_hash: str, now: datetime
    ) -> HomeInvitation | None:
        """The unused, unexpired invitation whose token hashes to `token_hash`."""
        return self.db.scalars(
            select(HomeInvitation).where(
                HomeInvitation.token_hash == token_hash, *HomeInvitation.usable_at(now)
            )
        ).one_or_none()

    def retire_for(self, home_id: uuid.UUID, email: str, now: datetime) -> None:
        """Mark earlier open invitations of this address to this home used (superseded)."""
        self.db.execute(
            HomeInvitation.retired(
                now, HomeInvitation.home_id == home_id, HomeInvitation.email == email
            )
        )


class ActivityRepository(Repository[HomeActivity]):
    """What accounts did with homes (`home_activity`)."""

    def record(self, user_id: uuid.UUID, kind: str, at: datetime) -> None:
        """Remember that an account did `kind` ('added', 'deleted', 'invited') at `at`."""
        self.add(HomeActivity(user_id=user_id, kind=kind, at=at))

    def times_since(self, user_id: uuid.UUID, kind: str, since: datetime) -> list[datetime]:
        """When the account did `kind` after `since`, oldest first."""
        return list(
            self.db.scalars(
                select(HomeActivity.at)
                .where(
                    HomeActivity.user_id == user_id,
                    HomeActivity.kind == kind,
                    HomeActivity.at > since,
                )
                .order_by(HomeActivity.at)
            )
        )

    def churn_for_operators(self, since: datetime, threshold: int, limit: int) -> list[Churn]:
        """Accounts that added or deleted at least `threshold` homes after `since`, most
        first (operators only: it names accounts, by id)."""
        added = func.count().filter(HomeActivity.kind == "added")
        deleted = func.count().filter(HomeActivity.kind == "deleted")
        invited = func.count().filter(HomeActivity.kind == "invited")
        changes = added + deleted
        rows = self.db.execute(
            select(HomeActivity.user_id, added, deleted, invited, func.max(HomeActivity.at))
            .where(HomeActivity.at > since)
            .group_by(HomeActivity.user_id)
            .having(changes >= threshold)
            .order_by(changes.desc(), func.max(HomeActivity.at).desc())
            .limit(limit)
        ).all()
        return [Churn(row[0], int(row[1]), int(row[2]), int(row[3]), row[4]) for row in rows]

    def prune(self, before: datetime) -> None:
        """Forget activity older than `before` (nothing reads further back)."""
        self.db.execute(delete(HomeActivity).where(HomeActivity.at < before))


def detach_account(db: Session, user_id: uuid.UUID) -> tuple[int, int, int]:
    """Take an account out of every household (its role no longer may have homes).

    Its memberships end. Each home it owns loses its hubs (their credentials stop
    working at once: they were paired by this account); a home with other members
    passes to the longest-standing one, a home without is deleted. Returns (homes left,
    homes handed over or deleted, hubs revoked).
    """
    left = db.execute(delete(HomeMember).where(HomeMember.user_id == user_id))
    owned = list(db.scalars(select(Home).where(Home.owner_id == user_id)))
    revoked = 0
    for home in owned:
        result = db.execute(delete(Hub).where(Hub.home_id == home.id))
        revoked += int(getattr(result, "rowcount", 0) or 0)
        heir = db.scalars(
            select(HomeMember)
            .where(HomeMember.home_id == home.id)
            .order_by(HomeMember.joined_at, HomeMember.user_id)
            .limit(1)
        ).one_or_none()
        if heir is None:
            db.execute(delete(Home).where(Home.id == home.id))
            db.expunge(home)
            continue
        home.owner_id = heir.user_id
        db.delete(heir)
    db.flush()
    return int(getattr(left, "rowcount", 0) or 0), len(owned), revoked


def homes_in_area(db: Session, cells: Iterable[str]) -> list[uuid.UUID]:
    """Ids of the homes whose cell meets any of `cells` (an area's cover, any resolution).

    The cells are brought to the home resolution (parents of finer cells, children of
    coarser ones) and matched with one indexed `IN` lookup on `homes.cell`. A system
    query for delivering an agency request: it serves no caller and reveals nothing
    about who the homes belong to.
    """
    wanted = sorted(geo.cell_to_int(c) for c in geo.at_resolution(cells, geo.HOME_RESOLUTION))
    if not wanted:
        return []
    return list(db.scalars(select(Home.id).where(Home.cell.in_(wanted))))
