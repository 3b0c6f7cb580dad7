"""The agency registry: applications, the operator's verification and key rotation,
revocation, and who may act (post, file requests) for which agency.

- **Apply** (anyone, throttled per client address): name, jurisdiction, official
  contact and the public keys made offline; the agency is `applied`.
- **Register** (an operator, two-factor): only with both key fingerprints as the agency
  read them back out of band; then `agency_registered` is appended to the log IN THE
  SAME TRANSACTION as the status change and the `agency_registrations` row, so the keys
  are in force exactly when the public log says so (a failed append registers nothing,
  a failed write logs nothing).
- **Rotate** (an operator): new keys for a verified agency, with their fingerprints; a
  new `agency_registered` that `supersedes` the one in force. A feed-only agency (made by
  name, keyless) gets its first keys this way.
- **Revoke** (an operator): the agency's members post and file nothing from then on.
  **Reject** removes an application that was never registered (nothing was logged).
- A key registered to one agency is refused for any other.

`filing_agency(user)` is what the requests area asks before filing: the agency in
force for the member, or a Forbidden that says why not.

Services change the session; they never commit (the request boundary does).
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime

from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from frontporch.server.accounts.models import Role, User
from frontporch.server.agencies.errors import (
    AccountNotFound,
    AgencyCannotFile,
    AgencyNotFound,
    BlankField,
    BlankName,
    DuplicateAgency,
    KeyAlreadyRegistered,
    NotAnAgencyMember,
    SameKeys,
    UnloggableName,
    WrongAgencyStatus,
)
from frontporch.server.agencies.keys import (
    canonical_age_recipient,
    canonical_signing_key,
    check_fingerprints,
)
from frontporch.server.agencies.models import Agency, AgencyRegistration, AgencyStatus
from frontporch.server.agencies.repository import AgencyRepository
from frontporch.server.context import ServerContext
from frontporch.server.kit.quotas import quotas_of
from frontporch.server.kit.throttles import address_bucket
from frontporch.server.transparency.service import append_entries
from frontporch.translog.entries import AgencyRegistered, moment

log = logging.getLogger(__name__)

# Applications per client address (IPv4, or IPv6 /64) and hour: an agency applies once;
# a few more allow for mistakes, not for flooding the operator's list.
APPLICATIONS_PER_HOUR = 5

NAME_TAKEN = (
    "An agency with this name has applied or is registered. If it is yours, ask the "
    "server's operator; otherwise give the agency's full official name."
)


def _one_line(text: str) -> str:
    return " ".join(text.split())


def registration(db: Session, log_index: int) -> AgencyRegistration | None:
    """The agency registration logged at `log_index` (the keys in force from then on),
    or None if that entry is not one: what the requests and evidence areas read."""
    return AgencyRepository(db).registration(log_index)


class AgencyService:
    """The agency registry, in one request's database session."""

    def __init__(self, db: Session, context: ServerContext) -> None:
        self.db = db
        self.context = context
        self.agencies = AgencyRepository(db)

    # -- reading ----------------------------------------------------------------------

    def list_agencies(self, status: AgencyStatus | None = None) -> list[Agency]:
        """Every agency, or those of one status, by name."""
        return self.agencies.all_for_operators(status)

    def get(self, agency_id: uuid.UUID) -> Agency:
        """An agency by id; AgencyNotFound if there is none."""
        agency = self.agencies.get(agency_id)
        if agency is None:
            raise AgencyNotFound()
        return agency

    def registrations(self, agency_id: uuid.UUID) -> list[AgencyRegistration]:
        """Every registration the agency had, newest first."""
        return self.agencies.registrations_for_operators(agency_id)

    def registration(self, log_index: int) -> AgencyRegistration | None:
        """The registration logged at `log_index`, if that entry is one."""
        return self.agencies.registration(log_index)

    def of_member(self, user: User) -> Agency | None:
        """The verified agency an agency-member account acts for, if any."""
        return self.agencies.verified_of(user)

    def attached_agency(self, user: User) -> Agency | None:
        """The agency an agency-member account is attached to, whatever its status (what
        the agency portal shows the member)."""
        return self.agencies.of_member(user)

    def filing_agency(self, user: User) -> Agency:
        """The agency `user` files footage requests for: verified, with registered keys,
        not revoked. AgencyCannotFile (403) saying why otherwise."""
        agency = self.agencies.of_member(user)
        if agency is None:
            raise AgencyCannotFile(
                "no agency",
                "This account is not attached to an agency. Ask the server's operator to "
                "attach it to your agency.",
            )
        if agency.status == AgencyStatus.REVOKED.value:
            raise AgencyCannotFile(
                "agency revoked",
                f"The operator revoked {agency.name}; its members cannot file requests. "
                "Contact the server's operator.",
            )
        if agency.status != AgencyStatus.VERIFIED.value or agency.verified_at is None:
            raise AgencyCannotFile(
                "agency not verified",
                f"{agency.name} has applied but is not verified yet: the operator registers "
                "it after reading its key fingerprints back with you.",
            )
        if agency.registration_index is None or not agency.signing_key or not agency.age_recipient:
            raise AgencyCannotFile(
                "no registered keys",
                f"{agency.name} has no keys in the transparency log, so hubs could not check "
                "a request or encrypt footage to it. Make keys with `frontporch agency "
                "keygen DIR` and have the operator register them.",
            )
        return agency

    # -- applying ---------------------------------------------------------------------

    def apply(
        self,
        *,
        name: str,
        jurisdiction: str,
        contact: str,
        signing_key: str,
        age_recipient: str,
        client_address: str,
    ) -> Agency:
        """Record an agency's application (status `applied`); nothing is logged yet."""
        name, jurisdiction, contact = _one_line(name), _one_line(jurisdiction), _one_line(contact)
        if not name:
            raise BlankName()
        for field, value in (("jurisdiction", jurisdiction), ("contact", contact)):
            if not value:
                raise BlankField(field)
        key = canonical_signing_key(signing_key)
        recipient = canonical_age_recipient(age_recipient)
        quotas_of(self.context).spend(
            "agency-application",
            address_bucket(client_address),
            APPLICATIONS_PER_HOUR,
            "agency applications from this address",
        )
        if self.agencies.find_by_name(name) is not None:
            raise DuplicateAgency(NAME_TAKEN)
        self._refuse_keys_of_others(key, recipient, None)
        row = Agency(
            name=name,
            status=AgencyStatus.APPLIED.value,
            jurisdiction=jurisdiction,
            contact=contact,
            signing_key=key,
            age_recipient=recipient,
            verified_at=None,
            created_at=self.context.clock(),
        )
        try:
            agency = self.agencies.add(row)
        except IntegrityError:  # the same name at the same moment
            raise DuplicateAgency(NAME_TAKEN) from None
        log.info("agency %s applied", agency.id)
        return agency

    # -- the operator's actions ---------------------------------------------------------

    def create(self, name: str) -> Agency:
        """Register a feed-only agency the operator has verified, by name: it posts (its
        name is what readers see) but has no keys, so it files no footage request until
        keys are registered (`rotate`)."""
        name = _one_line(name)
        if not name:
            raise BlankName()
        if self.agencies.find_by_name(name) is not None:
            raise DuplicateAgency()
        now = self.context.clock()
        row = Agency(name=name, status=AgencyStatus.VERIFIED.value, verified_at=now, created_at=now)
        try:
            agency = self.agencies.add(row)
        except IntegrityError:  # registered at the same moment by another operator
            raise DuplicateAgency() from None
        log.info("agency %s registered", agency.id)
        return agency

    def register(
        self,
        operator: User,
        agency_id: uuid.UUID,
        signing_key_fingerprint: str,
        age_recipient_fingerprint: str,
    ) -> Agency:
        """Verify an application: the typed fingerprints must be those of its keys; then
        `agency_registered` is logged and the agency is verified, in this transaction."""
        agency = self._locked(agency_id)
        if agency.status != AgencyStatus.APPLIED.value:
            raise WrongAgencyStatus(
                "register",
                agency.status,
                "Only applications are registered. To change a verified agency's keys, "
                "rotate them; a revoked agency applies again under a new name.",
            )
        assert agency.signing_key is not None
        assert agency.age_recipient is not None
        check_fingerprints(
            agency.signing_key,
            agency.age_recipient,
            signing_key_fingerprint,
            age_recipient_fingerprint,
        )
        self._refuse_keys_of_others(agency.signing_key, agency.age_recipient, agency.id)
        now = self.context.clock()
        self._log_registration(operator, agency, agency.signing_key, agency.age_recipient, now)
        agency.status = AgencyStatus.VERIFIED.value
        agency.verified_at = now
        log.info("agency %s registered at log index %s", agency.id, agency.registration_index)
        return agency

    def rotate(
        self,
        operator: User,
        agency_id: uuid.UUID,
        *,
        signing_key: str,
        age_recipient: str,
        signing_key_fingerprint: str,
        age_recipient_fingerprint: str,
    ) -> Agency:
        """Register new keys for a verified agency: a new `agency_registered` entry that
        supersedes the one in force (if any), logged in this transaction."""
        key = canonical_signing_key(signing_key)
        recipient = canonical_age_recipient(age_recipient)
        agency = self._locked(agency_id)
        if agency.status != AgencyStatus.VERIFIED.value:
            raise WrongAgencyStatus(
                "rotate the keys of",
                agency.status,
                "Register an application first (with the fingerprints read back); a "
                "revoked agency's keys are not rotated.",
            )
        if (
            agency.registration_index is not None
            and key == agency.signing_key
            and recipient == agency.age_recipient
        ):
            raise SameKeys()
        check_fingerprints(key, recipient, signing_key_fingerprint, age_recipient_fingerprint)
        self._refuse_keys_of_others(key, recipient, agency.id)
        previous = agency.registration_index
        self._log_registration(operator, agency, key, recipient, self.context.clock())
        log.info(
            "agency %s keys rotated at log index %s (supersedes %s)",
            agency.id,
            agency.registration_index,
            previous,
        )
        return agency

    def revoke(self, agency_id: uuid.UUID) -> Agency:
        """Revoke an agency: its members post and file nothing from now on."""
        agency = self._locked(agency_id)
        if agency.status == AgencyStatus.REVOKED.value:
            raise WrongAgencyStatus(
                "revoke", agency.status, "It is revoked already; nothing changed."
            )
        agency.status = AgencyStatus.REVOKED.value
        agency.revoked_at = self.context.clock()
        log.info("agency %s revoked", agency.id)
        return agency

    def reject(self, agency_id: uuid.UUID) -> None:
        """Remove an application that was never registered (nothing of it was logged)."""
        agency = self._locked(agency_id)
        if agency.status != AgencyStatus.APPLIED.value or agency.registration_index is not None:
            raise WrongAgencyStatus(
                "reject",
                agency.status,
                "Only applications are rejected; revoke a verified agency instead.",
            )
        self.db.delete(agency)
        self.db.flush()
        log.info("agency application %s rejected", agency_id)

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

    # -- helpers ------------------------------------------------------------------------

    def _locked(self, agency_id: uuid.UUID) -> Agency:
        agency = self.agencies.get(agency_id, for_update=True)
        if agency is None:
            raise AgencyNotFound()
        return agency

    def _refuse_keys_of_others(
        self, signing_key: str, age_recipient: str, agency_id: uuid.UUID | None
    ) -> None:
        """KeyAlreadyRegistered naming the field if another agency registered either key."""
        others = self.agencies.key_holders(
            signing_key, age_recipient, agency_id or uuid.UUID(int=0)
        )
        for row in others:
            field = "signing_key" if row.signing_key == signing_key else "age_recipient"
            raise KeyAlreadyRegistered(field)

    def _log_registration(
        self, operator: User, agency: Agency, signing_key: str, age_recipient: str, now: datetime
    ) -> None:
        """Append `agency_registered` and record it: the keys in force, in one transaction."""
        try:
            entry = AgencyRegistered(
                at=moment(now),
                agency=str(agency.id),
                name=agency.name,
                age_recipient=age_recipient,
                signing_key=signing_key,
                supersedes=agency.registration_index,
            )
        except ValidationError:
            raise UnloggableName() from None
        (index,) = append_entries(self.db, [entry], self.context.clock)
        self.agencies.add_registration(
            AgencyRegistration(
                log_index=index,
                agency_id=agency.id,
                signing_key=signing_key,
                age_recipient=age_recipient,
                registered_at=now,
                registered_by=operator.id,
                supersedes=agency.registration_index,
            )
        )
        agency.signing_key = signing_key
        agency.age_recipient = age_recipient
        agency.registration_index = index
