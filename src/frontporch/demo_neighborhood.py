"""The demo's neighborhood: a community server on embedded defaults (SQLite, local files)
with residents, homes, posts and comments, an operator, the request policy and a
verified agency — and the demo hub paired with one of the homes, having shared a clip
with its privacy mask burned in, and asked for footage by the agency.

Everything is seeded through the server's own services (the same rules as the API: a
post's area is its home's cell, agency posts carry the agency's name), once; later runs
keep the data and only give every demo account a fresh password, so the logins printed
are always the ones that work. Homes sit at made-up points around `CENTER`; only their
coarse cells are stored, as for any home.

The agency is made as a real one is: its keys are created once by `AgencyIdentity`
into the demo's agency folder (0700, files 0600; what `frontporch agency keygen`
writes), it applies with their public parts, and the operator registers it with both
fingerprints, which logs `agency_registered`. Later runs reuse the keys and the
registration; keys that differ from the registered ones (the folder was deleted) are
registered anew by rotation. Its footage request is filed through `RequestService`
like any other (`file_request`), so it is logged, reaches the paired hub over the link,
notifies the owner and shows in the feed.
"""

from __future__ import annotations

import dataclasses
import math
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from frontporch import geo
from frontporch.crypto.keys import (
    AGENCY_AGE_KEY_FILE,
    AGENCY_SIGNING_KEY_FILE,
    AgencyIdentity,
    fingerprint,
)
from frontporch.protocol import Category
from frontporch.server.accounts import mfa
from frontporch.server.accounts.models import Role, User
from frontporch.server.accounts.passwords import PasswordHashing
from frontporch.server.accounts.repository import RecoveryCodeRepository
from frontporch.server.accounts.subject import AuthSubject
from frontporch.server.agencies.models import Agency, AgencyStatus
from frontporch.server.agencies.repository import AgencyRepository
from frontporch.server.agencies.service import AgencyService
from frontporch.server.context import ServerContext
from frontporch.server.feed.comments.service import CommentService
from frontporch.server.feed.posts.service import Draft, PostService
from frontporch.server.homes.models import Home
from frontporch.server.homes.service import HomeService
from frontporch.server.hubs.service import HubService
from frontporch.server.requests import area as areas
from frontporch.server.requests.models import RequestStatus
from frontporch.server.requests.policy import DEFAULT_POLICY
from frontporch.server.requests.service import Filing, RequestService
from frontporch.server.requests.views import RequestView
from frontporch.server.settings import ServerSettings, load_settings
from frontporch.server.transparency.keys import LogKeys, load_log_keys

CENTER = (41.8800, -87.6600)  # a made-up neighborhood; any point works
DOMAIN = "neighbors.example.org"  # a reserved domain: mail to it goes nowhere
AGENCY_NAME = "Lakeside Police Department"
AGENCY_JURISDICTION = "City of Lakeside (a made-up city)"
AGENCY_CONTACT = f"records@{DOMAIN}"
AGENCY_ADDRESS = "127.0.0.1"  # where the demo's application "comes from" (its quota)
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
class DemoAgency:
    """The registered agency: its id, the log entry of its keys, and where they are."""

    id: uuid.UUID
    registration_index: int
    folder: Path
    signing_key_fingerprint: str
    age_recipient_fingerprint: str

    @property
    def age_identity_file(self) -> Path:
        """The agency's age identity: `age -d -i` and `frontporch evidence verify
        --identity` open released footage with it."""
        return self.folder / AGENCY_AGE_KEY_FILE


@dataclass(frozen=True)
class Neighborhood:
    """What the seed made: logins to print, the demo hub's home, the agency and the
    account that acts for it."""

    logins: list[Login]
    porch_user: uuid.UUID
    porch_home: uuid.UUID
    porch_home_name: str
    officer: uuid.UUID
    agency: DemoAgency


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


def seed(context: ServerContext, agency_folder: Path) -> Neighborhood:
    """Seed the neighborhood once (later calls reset the demo passwords, and register
    the agency's keys in `agency_folder` again only if they changed)."""
    with context.sessions.begin() as db:
        seeder = _Seeder(db, context)
        users = {r.handle: seeder.user(r.handle, f"Resident ({r.home})") for r in RESIDENTS}
        operator = seeder.user("operator", "Operator (moderation)", Role.OPERATOR)
        officer = seeder.user("officer", f"Agency member ({AGENCY_NAME})", Role.AGENCY_MEMBER)
        user_ids = {handle: user.id for handle, user in users.items()} | {"officer": officer.id}
        operator_id, officer_id = operator.id, officer.id
        homes = HomeService(db, context).list_homes(AuthSubject(users["porch"]))
        fresh = not homes
        if fresh:
            home_ids = _add_homes(db, context, users)
            # The server's first log entry: the request policy it enforces (the defaults).
            RequestService(db, context, load_log_keys(context.settings)).set_policy(
                operator, DEFAULT_POLICY
            )
            porch_home = db.get(Home, home_ids["porch"])
        else:
            porch_home = homes[0].home
        assert porch_home is not None
        porch = (porch_home.id, porch_home.name)
        logins = seeder.logins
    # After the accounts are committed: applying takes the per-address quota, which
    # SQLite could not write beside a longer open transaction.
    agency = _register_agency(context, agency_folder, operator_id, officer_id)
    neighborhood = Neighborhood(logins, user_ids["porch"], *porch, officer_id, agency)
    if fresh:
        # One transaction per post, as the API does: posting takes the per-author
        # hourly limit, which SQLite could not write beside a longer open transaction.
        _add_posts(context, user_ids, home_ids, context.clock())
    return neighborhood


def agency_identity(folder: Path) -> AgencyIdentity:
    """The agency's keys in `folder`, made there once (as `frontporch agency keygen`
    does); IdentityFileError if the folder holds keys that cannot be used."""
    if (
        not (folder / AGENCY_SIGNING_KEY_FILE).exists()
        and not (folder / AGENCY_AGE_KEY_FILE).exists()
    ):
        AgencyIdentity.generate().save(folder)
    return AgencyIdentity.load(folder)


def _register_agency(
    context: ServerContext, folder: Path, operator_id: uuid.UUID, officer_id: uuid.UUID
) -> DemoAgency:
    """The agency registered with the keys in `folder`: applied for and registered with
    both fingerprints the first time, its keys rotated if they changed since, its
    member attached; each step through `AgencyService`."""
    identity = agency_identity(folder)
    signing, recipient = fingerprint(identity.public_key), fingerprint(identity.age_recipient)
    with context.sessions() as db:
        found = AgencyRepository(db).find_by_name(AGENCY_NAME)
        agency_id = found.id if found is not None else None
    with context.sessions.begin() as db:
        agencies = AgencyService(db, context)
        if agency_id is None:  # nothing written before the quota is spent (see seed)
            agency_id = agencies.apply(
                name=AGENCY_NAME,
                jurisdiction=AGENCY_JURISDICTION,
                contact=AGENCY_CONTACT,
                signing_key=identity.public_key,
                age_recipient=identity.age_recipient,
                client_address=AGENCY_ADDRESS,
            ).id
        operator = _user(db, operator_id)
        agency: Agency = agencies.get(agency_id)
        if agency.status == AgencyStatus.APPLIED.value:
            agency = agencies.register(operator, agency_id, signing, recipient)
        elif agency.registration_index is None or (agency.signing_key, agency.age_recipient) != (
            identity.public_key,
            identity.age_recipient,
        ):
            # A feed-only agency from an older demo, or keys made anew: log these.
            agency = agencies.rotate(
                operator,
                agency_id,
                signing_key=identity.public_key,
                age_recipient=identity.age_recipient,
                signing_key_fingerprint=signing,
                age_recipient_fingerprint=recipient,
            )
        agencies.attach(officer_id, agency_id)
        assert agency.registration_index is not None
        return DemoAgency(agency_id, agency.registration_index, folder, signing, recipient)


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


def _user(db: Session, user_id: uuid.UUID) -> User:
    user = db.get(User, user_id)
    assert user is not None
    return user


def _subject(db: Session, user_id: uuid.UUID) -> AuthSubject:
    return AuthSubject(_user(db, user_id))


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


# The agency's demo request: a package theft at the porch home, in a circle around it.
REQUEST_RADIUS_M = 200  # about 0.05 sq mi, well inside the policy's 0.5
REQUEST_OPEN_DAYS = 7
REQUEST_INCIDENT = "package_theft"
REQUEST_DESCRIPTION = (
    "A parcel was taken from a porch on this block. We are asking for footage of anyone "
    "walking up to a front door or along the sidewalk in this window."
)


def file_request(
    context: ServerContext,
    keys: LogKeys,
    neighborhood: Neighborhood,
    window_start: datetime,
    window_end: datetime,
) -> RequestView:
    """File the agency's request for footage around the porch home from `window_start`
    to `window_end`, as its member, through `RequestService`: logged, sent to the hubs
    in its cells, their owners notified, posted to the feed (PolicyViolation or
    InvalidRequest, naming the field, if the window does not fit the policy)."""
    now = context.clock()
    porch = RESIDENTS[0]
    filing = Filing(
        case_number=f"LPD-{now:%Y%m%d-%H%M%S}",
        incident=REQUEST_INCIDENT,
        description=REQUEST_DESCRIPTION,
        contact=AGENCY_CONTACT,
        area=areas.circle(point(porch.north_mi, porch.east_mi), REQUEST_RADIUS_M),
        window_start=window_start,
        window_end=window_end,
        expires_at=now + timedelta(days=REQUEST_OPEN_DAYS),
        attestation=True,
    )
    with context.sessions.begin() as db:
        return RequestService(db, context, keys).file(_user(db, neighborhood.officer), filing)


def open_requests(
    context: ServerContext, keys: LogKeys, neighborhood: Neighborhood
) -> list[RequestView]:
    """The agency's open requests, newest first, as its member sees them."""
    with context.sessions() as db:
        views = RequestService(db, context, keys).list_for(_user(db, neighborhood.officer))
    return [view for view in views if view.status == RequestStatus.OPEN.value]


def withdraw_request(
    context: ServerContext, keys: LogKeys, neighborhood: Neighborhood, request_id: uuid.UUID
) -> None:
    """Withdraw one of the agency's open requests, as its member (logs `request_closed`
    and tells the area's hubs)."""
    with context.sessions.begin() as db:
        RequestService(db, context, keys).withdraw(_user(db, neighborhood.officer), request_id)
