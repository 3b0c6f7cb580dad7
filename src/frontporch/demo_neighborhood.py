"""The demo's neighborhood: a community server on embedded defaults (SQLite, local files)
with residents, homes, posts and comments, an operator and a verified agency — and the
demo hub paired with one of the homes, having shared a clip with its privacy mask burned in.

Everything is seeded through the server's own services (the same rules as the API: a
post's area is its home's cell, agency posts carry the agency's name), once; later runs
keep the data and only give every demo account a fresh password, so the logins printed
are always the ones that work. Homes sit at made-up points around `CENTER`; only their
coarse cells are stored, as for any home.
"""

from __future__ import annotations

import dataclasses
import hashlib
import math
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from frontporch import geo
from frontporch.protocol import Category
from frontporch.server.accounts import mfa
from frontporch.server.accounts.models import Role, User
from frontporch.server.accounts.passwords import PasswordHashing
from frontporch.server.accounts.repository import RecoveryCodeRepository
from frontporch.server.accounts.subject import AuthSubject
from frontporch.server.agencies.service import AgencyService
from frontporch.server.context import ServerContext
from frontporch.server.feed.comments.service import CommentService
from frontporch.server.feed.posts.service import Draft, PostService
from frontporch.server.homes.models import Home
from frontporch.server.homes.service import HomeService
from frontporch.server.hubs.service import HubService
from frontporch.server.settings import ServerSettings, load_settings
from frontporch.server.transparency.service import append_entries
from frontporch.translog.entries import PolicyChanged, moment

CENTER = (41.8800, -87.6600)  # a made-up neighborhood; any point works
DOMAIN = "neighbors.example.org"  # a reserved domain: mail to it goes nowhere
AGENCY_NAME = "Lakeside Police Department"
MILES_KM = 1.609344


@dataclass(frozen=True)
class Resident:
    """A demo resident: the local part of the email, the home's name and where it lies."""

    handle: str
    home: str
    north_mi: float
    east_mi: float


RESIDENTS = (
    Resident("porch", "Porch house", 0.0, 0.0),  # the demo hub's home
    Resident("maple", "Maple Street", 0.5, 0.4),
    Resident("oak", "Oak Court", -1.1, 0.3),
    Resident("cedar", "Cedar Lane", 0.2, -3.2),  # outside the default 2-mile radius
)

POSTS: tuple[tuple[str, Category, str, str, float], ...] = (
    (
        "maple",
        Category.SUSPICIOUS_ACTIVITY,
        "Someone trying car doors on Maple",
        "Around 2 am a person walked down the block pulling on car door handles. "
        "Nothing taken from ours; lock up tonight.",
        30.0,
    ),
    (
        "oak",
        Category.LOST_AND_FOUND_PETS,
        "Found: grey cat with a red collar",
        "Friendly, no tag. She is on our porch with water. Message here if she is yours.",
        20.0,
    ),
    (
        "maple",
        Category.SAFETY,
        "Streetlight out at the corner",
        "The light at the corner by the bus stop has been out for three nights. "
        "Reported to the city; take care walking after dark.",
        9.0,
    ),
    (
        "oak",
        Category.COMMUNITY,
        "Block cleanup on Saturday",
        "Meet at the park entrance at 10. Gloves and bags provided.",
        5.0,
    ),
    (
        "cedar",
        Category.CRIME,
        "Bike stolen from a garage",
        "Blue road bike taken from an open garage in the afternoon.",
        3.0,
    ),
)

COMMENTS = (
    (0, "oak", "Same here on Oak around 2:30. Our camera caught someone in a hoodie."),
    (1, "maple", "Looks like the Hendersons' cat? I'll let them know."),
)


@dataclass(frozen=True)
class Login:
    """A demo account and how to sign in with it."""

    who: str
    email: str
    password: str
    extra: str = ""


@dataclass(frozen=True)
class Neighborhood:
    """What the seed made: logins to print, and the demo hub's home."""

    logins: list[Login]
    porch_user: uuid.UUID
    porch_home: uuid.UUID
    porch_home_name: str


def server_settings(data: Path, port: int) -> ServerSettings:
    """Development settings for the demo server: SQLite and files under `data`."""
    return load_settings(
        None,
        environment="development",
        data_dir=data,
        base_url=f"http://127.0.0.1:{port}",
        host="127.0.0.1",
        port=port,
        map_center=CENTER,
    )


def point(north_mi: float, east_mi: float) -> tuple[float, float]:
    """The latitude and longitude `north_mi`, `east_mi` miles from CENTER."""
    latitude, longitude = CENTER
    north_km, east_km = north_mi * MILES_KM, east_mi * MILES_KM
    return (
        latitude + math.degrees(north_km / geo.EARTH_RADIUS_KM),
        longitude
        + math.degrees(east_km / (geo.EARTH_RADIUS_KM * math.cos(math.radians(latitude)))),
    )


def _email(handle: str) -> str:
    return f"{handle}@{DOMAIN}"


def _password() -> str:
    # Four random words' worth of entropy, readable enough to type from the terminal.
    return "-".join(secrets.token_hex(3) for _ in range(4))


class _Seeder:
    def __init__(self, db: Session, context: ServerContext) -> None:
        self.db = db
        self.context = context
        self.hashing = PasswordHashing(
            context.settings.argon2_time_cost,
            context.settings.argon2_memory_kib,
            context.settings.argon2_parallelism,
        )
        self.logins: list[Login] = []

    def user(self, handle: str, who: str, role: Role = Role.RESIDENT) -> User:
        """The demo account `handle`, made if missing, with a fresh password either way."""
        email = _email(handle)
        password = _password()
        user = self.db.scalars(select(User).where(User.email == email)).one_or_none()
        now = self.context.clock()
        if user is None:
            user = User(
                email=email,
                role=role.value,
                created_at=now,
                email_verified_at=now,
                password_changed_at=now,
                password_hash="",
            )
            self.db.add(user)
        user.password_hash = self.hashing.hash(password)
        extra = ""
        if role in (Role.OPERATOR, Role.AGENCY_MEMBER):
            extra = self._two_factor(user)
        self.db.flush()
        self.logins.append(Login(who, email, password, extra))
        return user

    def _two_factor(self, user: User) -> str:
        if user.totp_secret is None:
            user.totp_secret = mfa.new_secret()
            user.totp_enabled_at = self.context.clock()
        self.db.flush()
        codes = mfa.new_recovery_codes()
        RecoveryCodeRepository(self.db).replace_all_of(
            user.id, [mfa.hash_recovery_code(code) for code in codes]
        )
        return (
            f"two-factor secret {user.totp_secret} (add it to an authenticator app), "
            f"or the one-time recovery code {codes[0]}"
        )


def _at(context: ServerContext, moment: datetime) -> ServerContext:
    return dataclasses.replace(context, clock=lambda: moment)


def seed(context: ServerContext) -> Neighborhood:
    """Seed the neighborhood once (later calls only reset the demo passwords)."""
    with context.sessions.begin() as db:
        seeder = _Seeder(db, context)
        users = {r.handle: seeder.user(r.handle, f"Resident ({r.home})") for r in RESIDENTS}
        seeder.user("operator", "Operator (moderation)", Role.OPERATOR)
        officer = seeder.user("officer", f"Agency member ({AGENCY_NAME})", Role.AGENCY_MEMBER)
        user_ids = {handle: user.id for handle, user in users.items()} | {"officer": officer.id}
        homes = HomeService(db, context).list_homes(AuthSubject(users["porch"]))
        fresh = not homes
        if fresh:
            home_ids = _add_homes(db, context, users)
            agencies = AgencyService(db, context)
            agencies.attach(officer.id, agencies.create(AGENCY_NAME).id)
            append_entries(db, [_policy_entry(context.clock())], context.clock)
            porch_home = db.get(Home, home_ids["porch"])
        else:
            porch_home = homes[0].home
        assert porch_home is not None
        neighborhood = Neighborhood(
            seeder.logins, user_ids["porch"], porch_home.id, porch_home.name
        )
    if fresh:
        # One transaction per post, as the API does: posting takes the per-author
        # hourly limit, which SQLite could not write beside a longer open transaction.
        _add_posts(context, user_ids, home_ids, context.clock())
    return neighborhood


POLICY = (
    "Footage requests on this server: a verified agency only; an area of at most 0.5 sq mi; "
    "a window of at most 12 hours, not in the future; every request is logged here before "
    "any home is asked, and each owner decides on their own hub."
)


def _policy_entry(now: datetime) -> PolicyChanged:
    """The server's request policy, logged as its first transparency entry."""
    return PolicyChanged(
        at=moment(now),
        policy_sha256=hashlib.sha256(POLICY.encode()).hexdigest(),
        summary=POLICY,
    )


# The demo's homes were "added" this long ago: past the wait a new home has before it
# opens posts' clips (`home_media_delay_h`), so the residents see the shared clip.
HOMES_AGE = timedelta(days=30)


def _add_homes(db: Session, context: ServerContext, users: dict[str, User]) -> dict[str, uuid.UUID]:
    ids = {}
    added = _at(context, context.clock() - HOMES_AGE)
    for resident in RESIDENTS:
        cell = geo.home_cell(*point(resident.north_mi, resident.east_mi))
        view = HomeService(db, added).add_home(
            AuthSubject(users[resident.handle]), resident.home, cell
        )
        ids[resident.handle] = view.home.id
    return ids


def _subject(db: Session, user_id: uuid.UUID) -> AuthSubject:
    user = db.get(User, user_id)
    assert user is not None
    return AuthSubject(user)


def _add_posts(
    context: ServerContext,
    user_ids: dict[str, uuid.UUID],
    home_ids: dict[str, uuid.UUID],
    now: datetime,
) -> None:
    created = []
    for handle, category, title, body, hours_ago in POSTS:
        posted = now - timedelta(hours=hours_ago)
        with context.sessions.begin() as db:
            view = PostService(db, _at(context, posted)).create_post(
                _subject(db, user_ids[handle]),
                Draft(category, title, body, home_id=home_ids[handle]),
            )
            created.append((view.post.id, posted))
    for index, handle, text in COMMENTS:
        post_id, posted = created[index]
        with context.sessions.begin() as db:
            CommentService(db, _at(context, posted + timedelta(minutes=40))).add(
                _subject(db, user_ids[handle]), post_id, text
            )
    with context.sessions.begin() as db:
        PostService(db, _at(context, now - timedelta(hours=2))).create_post(
            _subject(db, user_ids["officer"]),
            Draft(
                Category.SAFETY,
                "Package thefts reported in the area",
                "Several porch package thefts were reported this week between 1 and 4 pm. "
                "Consider delivery to a locker or a neighbor who is home.",
                cell=geo.home_cell(*point(0.3, 0.1)),
            ),
        )


def new_pairing_code(context: ServerContext, neighborhood: Neighborhood) -> str:
    """A one-time code to pair the demo hub with the porch home."""
    with context.sessions.begin() as db:
        user = db.get(User, neighborhood.porch_user)
        assert user is not None
        return (
            HubService(db, context)
            .new_pairing_code(AuthSubject(user), neighborhood.porch_home)
            .code
        )
