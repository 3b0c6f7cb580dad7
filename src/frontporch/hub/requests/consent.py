"""The owner's consent to release footage for one request: the password, again, on it.

`OwnerConsent` is the only thing `RequestDesk.release` accepts, and the only way to make
one is `confirm_consent`, which checks the owner password (the same argon2 hash the
login uses; or, for a member the owner allowed to release, their own), or
`confirm_consent_by_passkey`, which checks a WebAuthn assertion of one of their passkeys
(both through `people/confirm.py`, the check sharing an event uses too), or
`consent_from`, which takes such a confirmation made already; all also check that the
request is still answerable on this hub at `now`. So no code path — page, JSON API or
script — can release footage without the owner typing the password (or touching their
passkey) for that request. A consent is for one request and is short-lived: the desk
refuses one older than `CONSENT_TTL_S`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from frontporch.hub.people.confirm import (
    ConfirmAction,
    Confirmation,
    NotConfirmed,
    check_confirmation,
    confirm_person,
)
from frontporch.hub.people.passkeys import PasskeyAnswer, PasskeyDesk
from frontporch.hub.people.records import OWNER_ID
from frontporch.hub.ports import RequestStorePort
from frontporch.hub.requests.records import ANSWERABLE_STATES, RequestState

CONSENT_TTL_S = 300.0
_MINT = object()  # only this module can make an OwnerConsent


class ConsentError(Exception):
    """The owner's consent could not be confirmed; the message says what to do."""


class WrongPassword(ConsentError):
    """The password entered is not the owner's."""


class NotOpen(ConsentError):
    """The request is unknown, refused, declined, closed or expired: nothing to release."""


@dataclass(frozen=True, slots=True)
class OwnerConsent:
    """Proof that the owner entered the password for `request_id` at `confirmed_at`."""

    request_id: str
    confirmed_at: float
    _mint: object = field(repr=False, compare=False)

    def __post_init__(self) -> None:
        if self._mint is not _MINT:
            raise ConsentError("an OwnerConsent is made only by confirm_consent")


def confirm_consent(
    store: RequestStorePort,
    password: str,
    request_id: str,
    now: float,
    *,
    user_id: str = OWNER_ID,
) -> OwnerConsent:
    """The consent for `request_id`; WrongPassword or NotOpen otherwise. `user_id` is
    who confirms: the owner, or a household member the owner allowed to release (their
    own password then).

    The password is checked first, so a wrong one says nothing about the request.
    """
    try:
        confirmed = confirm_person(
            store, None, user_id, ConfirmAction.release, now, password=password
        )
    except NotConfirmed:
        raise WrongPassword("that is not the owner password; enter it again to release") from None
    return consent_from(store, confirmed, request_id, now)


def confirm_consent_by_passkey(
    store: RequestStorePort,
    passkeys: PasskeyDesk,
    answer: PasskeyAnswer,
    request_id: str,
    now: float,
) -> OwnerConsent:
    """The consent for `request_id` confirmed by a passkey of `answer.user_id` (a
    WebAuthn assertion on a challenge made to confirm a release) instead of the
    password; WrongPassword if the assertion does not verify, NotOpen as for the
    password."""
    try:
        confirmed = confirm_person(
            store, passkeys, answer.user_id, ConfirmAction.release, now, answer=answer
        )
    except NotConfirmed as exc:
        raise WrongPassword(str(exc)) from None
    return consent_from(store, confirmed, request_id, now)


def consent_from(
    store: RequestStorePort, confirmation: Confirmation, request_id: str, now: float
) -> OwnerConsent:
    """The consent for `request_id` from a person's confirmation for a release
    (`people/confirm.py`, password or passkey); WrongPassword for a confirmation made
    for anything else or too old, NotOpen if the request is not answerable."""
    try:
        check_confirmation(confirmation, ConfirmAction.release, now)
    except NotConfirmed as exc:
        raise WrongPassword(str(exc)) from None
    return _open_consent(store, request_id, now)


def _open_consent(store: RequestStorePort, request_id: str, now: float) -> OwnerConsent:
    request = store.get_footage_request(request_id)
    if request is None:
        raise NotOpen(f"no footage request {request_id} on this hub")
    if request.state not in ANSWERABLE_STATES:
        raise NotOpen(f"this request is {request.state.value}; nothing can be released for it")
    if now >= request.expires_at:
        raise NotOpen("this request has expired; nothing can be released for it")
    return OwnerConsent(request_id=request_id, confirmed_at=now, _mint=_MINT)


def check_consent(consent: OwnerConsent, request_id: str, now: float) -> None:
    """Refuse (NotOpen) a consent for another request or one older than CONSENT_TTL_S."""
    if not isinstance(consent, OwnerConsent) or consent.request_id != request_id:
        raise NotOpen("the consent was given for another request; confirm again")
    if now - consent.confirmed_at > CONSENT_TTL_S:
        raise NotOpen("the consent is too old; enter the owner password again")


__all__ = [
    "CONSENT_TTL_S",
    "ConsentError",
    "NotOpen",
    "OwnerConsent",
    "RequestState",
    "WrongPassword",
    "check_consent",
    "confirm_consent",
    "confirm_consent_by_passkey",
    "consent_from",
]
