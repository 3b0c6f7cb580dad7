"""The homes service: add a home (as a cell), list and read the caller's homes, delete,
members, invitations; and the per-account limits on adding homes and inviting.

A home's cell is self-declared, so an account could add a home anywhere, read that
area's feed and clips, delete it and go on (the threat model's "crawling areas"). What
bounds it: `homes_added_per_month` per account, counted in `home_activity`, which
outlives deleted homes; a new home opens posts' media only after `home_media_delay_h`
(`media_opens_at`); and every add and delete is logged with the account id and listed
for operators when it piles up (`churn`).

Coordinates never reach this module: handlers convert them to a cell with
`geo.home_cell` first. Services change the session's objects and queue mail with
`after_commit`; they never commit (the request boundary does).
"""

from __future__ import annotations

import logging
import unicodedata
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from frontporch import geo
from frontporch.server.accounts.service import normalize_email
from frontporch.server.accounts.subject import AuthSubject
from frontporch.server.context import ServerContext
from frontporch.server.errors import BadRequest, Conflict, TooManyRequests
from frontporch.server.homes.errors import (
    HomeLimitReached,
    HomeNotFound,
    InvalidInvitation,
    InvalidLocation,
    InvitationForAnotherAccount,
    InvitationLimitReached,
    OwnerOnly,
)
from frontporch.server.homes.models import Home, HomeInvitation, HomeMember
from frontporch.server.homes.repository import (
    ActivityRepository,
    HomeRepository,
    InvitationRepository,
    MemberRepository,
)
from frontporch.server.homes.views import Churn, HomeView, Member
from frontporch.server.kit.quotas import quotas_of
from frontporch.server.kit.tokens import hash_token, new_token
from frontporch.server.mail import mask_email, queue_mail

log = logging.getLogger(__name__)

MAX_HOMES_PER_OWNER = 10
MAX_OPEN_INVITATIONS = 20
INVITATION_LIFETIME = timedelta(days=7)
INVITE_PATH = "/invitations/accept"
HOME_LIMIT_PERIOD = timedelta(days=30)
INVITATION_LIMIT_PERIOD = timedelta(days=1)
CHURN_LIST_LENGTH = 100
# Line and paragraph separators are not control characters, but break a line all the same.
_LINE_BREAKS = frozenset("\u2028\u2029\x85")


def one_line(text: str) -> str:
    """`text` as one line of plain text: control and format characters dropped, any run
    of whitespace (line breaks included) one space. For text a person chose that others
    receive, e.g. a home's name in an invitation email."""
    kept = "".join(
        " " if char in _LINE_BREAKS else char
        for char in text
        if char.isspace() or unicodedata.category(char) not in ("Cc", "Cf")
    )
    return " ".join(kept.split())


def home_name(text: str) -> str:
    """A home's name as given, checked: one line of plain text, not blank."""
    name = text.strip()
    if not name:
        raise BadRequest("name required", "Give the home a name, e.g. 'Maple St'.", field="name")
    if any(unicodedata.category(char) in ("Cc", "Cf") or char in _LINE_BREAKS for char in name):
        raise BadRequest(
            "name not one line",
            "A home's name is one line of plain text: no line breaks, tabs or control characters.",
            field="name",
        )
    return name


def wait_for_limit(
    done: list[datetime], limit: int, period: timedelta, now: datetime
) -> int | None:
    """Seconds until one more is allowed when at most `limit` may be done per sliding
    `period` and `done` (oldest first) lists those within it; None if one is allowed now."""
    if len(done) < limit:
        return None
    oldest = done[len(done) - limit]
    return max(1, int((oldest + period - now).total_seconds() + 0.999))


def cell_from_input(latitude: float | None, longitude: float | None, cell: str | None) -> str:
    """The home-resolution cell of the coordinates or cell given; InvalidLocation if neither.

    Coordinates are turned into a cell here and dropped; they are never stored or logged.
    """
    try:
        if cell:
            return geo.coarsen(cell, geo.HOME_RESOLUTION)
        if latitude is None or longitude is None:
            raise InvalidLocation("Give latitude and longitude, or pick a cell on the map.")
        return geo.home_cell(latitude, longitude)
    except geo.GeoError as exc:
        raise InvalidLocation(f"{exc}.", field="cell" if cell else "latitude") from exc


class HomeService:
    """Homes of one request's database session."""

    def __init__(self, db: Session, context: ServerContext) -> None:
        self.db = db
        self.context = context
        self.homes = HomeRepository(db)
        self.members = MemberRepository(db)
        self.invitations = InvitationRepository(db)
        self.activity = ActivityRepository(db)

    def now(self) -> datetime:
        """The current time by the server's clock."""
        return self.context.clock()

    def _check_limit(
        self,
        subject: AuthSubject,
        kind: str,
        limit: int,
        period: timedelta,
        now: datetime,
        reached: Callable[[int, int], TooManyRequests],
    ) -> int:
        """How often the caller did `kind` (home activity) in the sliding `period` before
        `now`; raises `reached(limit, seconds to wait)` if that is `limit` already."""
        done = self.activity.times_since(subject.user_id, kind, now - period)
        wait = wait_for_limit(done, limit, period, now)
        if wait is not None:
            raise reached(limit, wait)
        return len(done)

    def view(self, subject: AuthSubject, home: Home) -> HomeView:
        """How the caller sees one of their homes."""
        role = "owner" if home.owner_id == subject.user_id else "member"
        return HomeView(home, geo.int_to_cell(home.cell), role)

    def add_home(self, subject: AuthSubject, name: str, cell: str) -> HomeView:
        """A new home owned by the caller, located by its home-resolution cell only.

        Counts against the caller's `homes_added_per_month` (HomeLimitReached past it)."""
        name = home_name(name)
        if self.homes.count_owned_by(subject) >= MAX_HOMES_PER_OWNER:
            raise Conflict(
                "too many homes", f"An account can own at most {MAX_HOMES_PER_OWNER} homes."
            )
        home_cell = geo.coarsen(cell, geo.HOME_RESOLUTION)
        now = self.now()
        limit = self.context.settings.homes_added_per_month
        added = self._check_limit(subject, "added", limit, HOME_LIMIT_PERIOD, now, HomeLimitReached)
        home = self.homes.add(
            Home(
                owner_id=subject.user_id,
                name=name,
                cell=geo.cell_to_int(home_cell),
                created_at=now,
            )
        )
        self.activity.record(subject.user_id, "added", now)
        # For operators watching churn: the account and the home, never the cell or name.
        log.info("home %s added by account %s (%d in 30 days)", home.id, subject.user_id, added + 1)
        return self.view(subject, home)

    def list_homes(self, subject: AuthSubject) -> list[HomeView]:
        """The caller's homes."""
        return [self.view(subject, home) for home in self.homes.list_for(subject)]

    def get_home(self, subject: AuthSubject, home_id: uuid.UUID) -> HomeView:
        """One of the caller's homes; HomeNotFound for any other (existence is not told)."""
        home = self.homes.get_readable(subject, home_id)
        if home is None:
            raise HomeNotFound()
        return self.view(subject, home)

    def get_owned(self, subject: AuthSubject, home_id: uuid.UUID, what: str) -> HomeView:
        """One of the caller's homes that the caller owns; OwnerOnly for a member."""
        view = self.get_home(subject, home_id)
        if not view.is_owner:
            raise OwnerOnly(what)
        return view

    def delete_home(self, subject: AuthSubject, home_id: uuid.UUID) -> None:
        """Delete a home the caller owns, with its members, invitations and hubs."""
        view = self.get_owned(subject, home_id, "delete the home")
        self.homes.delete(view.home)
        self.activity.record(subject.user_id, "deleted", self.now())
        log.info("home %s deleted by account %s", home_id, subject.user_id)

    def list_members(self, subject: AuthSubject, home_id: uuid.UUID) -> list[Member]:
        """The owner and members of one of the caller's homes."""
        view = self.get_home(subject, home_id)
        return [
            Member(user, "owner" if user.id == view.home.owner_id else "member", joined)
            for user, joined in self.members.list_of(view.home)
        ]

    def remove_member(self, subject: AuthSubject, home_id: uuid.UUID, user_id: uuid.UUID) -> None:
        """The owner removes a member, or a member leaves; the owner cannot leave."""
        view = self.get_home(subject, home_id)
        if user_id == view.home.owner_id:
            raise BadRequest(
                "the owner cannot leave",
                "The owner cannot be removed from a home; delete the home instead.",
            )
        if user_id != subject.user_id and not view.is_owner:
            raise OwnerOnly("remove other members")
        if not self.members.remove(home_id, user_id):
            raise BadRequest(
                "not a member", "That account is not a member of this home.", field="user_id"
            )

    def invite(self, subject: AuthSubject, home_id: uuid.UUID, email: str) -> None:
        """Email a single-use link that lets the invitee join the home once signed in."""
        address = normalize_email(email)
        # The address's mail quota first: it commits in a transaction of its own, which
        # on SQLite must not wait behind this request's (a session touched by the guard
        # is written at the request's first query, and holds the lock until the end).
        quotas_of(self.context).spend(
            "mail", address, self.context.settings.email_per_hour, "emails to this address"
        )
        view = self.get_owned(subject, home_id, "invite members")
        now = self.now()
        # Per inviting account, in `home_activity`: a per-home count would start again
        # whenever the home is deleted and added anew.
        limit = self.context.settings.home_invitations_per_day
        self._check_limit(
            subject, "invited", limit, INVITATION_LIMIT_PERIOD, now, InvitationLimitReached
        )
        if self.invitations.count_open_for(home_id, now) >= MAX_OPEN_INVITATIONS:
            raise TooManyRequests(
                "too many open invitations",
                f"A home can have {MAX_OPEN_INVITATIONS} open invitations; wait for some to "
                "be accepted or to expire.",
                3600,
            )
        self.invitations.retire_for(home_id, address, now)
        self.activity.record(subject.user_id, "invited", now)
        token = new_token()
        self.invitations.add(
            HomeInvitation(
                home_id=home_id,
                email=address,
                token_hash=hash_token(token),
                created_at=now,
                expires_at=now + INVITATION_LIFETIME,
            )
        )
        base = self.context.settings.base_url.rstrip("/")
        queue_mail(
            self.db,
            self.context.mailer,
            address,
            "home_invitation",
            # One line whatever was stored (names from before the check included): the
            # mail goes to any address, so it must not carry paragraphs of someone's text.
            home_name=one_line(view.home.name),
            inviter=subject.user.email,
            link=f"{base}{INVITE_PATH}?token={token}",
            days=INVITATION_LIFETIME.days,
        )
        log.info("invitation to home %s sent to %s", home_id, mask_email(address))

    def invitation_home(self, subject: AuthSubject, token: str) -> Home:
        """The home an invitation link is for (shown before accepting)."""
        return self._open_invitation(subject, token)[1]

    def accept_invitation(self, subject: AuthSubject, token: str) -> HomeView:
        """Join the home of an invitation sent to the caller's address (single use)."""
        invitation, home = self._open_invitation(subject, token)
        invitation.used_at = self.now()
        if home.owner_id != subject.user_id and not self.members.is_member(
            home.id, subject.user_id
        ):
            self.members.add(
                HomeMember(home_id=home.id, user_id=subject.user_id, joined_at=self.now())
            )
        log.info("invitation to home %s accepted", home.id)
        return self.view(subject, home)

    def _open_invitation(self, subject: AuthSubject, token: str) -> tuple[HomeInvitation, Home]:
        invitation = self.invitations.find_usable_for_authentication(hash_token(token), self.now())
        if invitation is None:
            raise InvalidInvitation()
        if invitation.email != subject.user.email:
            raise InvitationForAnotherAccount(mask_email(invitation.email))
        home = self.homes.find_for_authentication(invitation.home_id)
        if home is None:
            raise InvalidInvitation()
        return invitation, home


def churn(db: Session, context: ServerContext) -> list[Churn]:
    """Accounts that added or deleted `home_churn_threshold` homes or more in 30 days,
    most first (for operators: someone may be visiting areas one after another)."""
    now = context.clock()
    return ActivityRepository(db).churn_for_operators(
        now - HOME_LIMIT_PERIOD, context.settings.home_churn_threshold, CHURN_LIST_LENGTH
    )
