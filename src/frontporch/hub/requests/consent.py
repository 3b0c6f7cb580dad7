"""The owner's consent to release footage for one request: the password, again, on it.

`OwnerConsent` is the only thing `RequestDesk.release` accepts, and the only way to
make one is `confirm_consent`, which checks the owner password (the same argon2 hash
the login uses) and that the request is still answerable on this hub at `now`. So no
code path — page, JSON API or script — can release footage without the owner typing
the password for that request. A consent is for one request and is short-lived: the
desk refuses one older than `CONSENT_TTL_S`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from frontporch.hub.ports import RequestStorePort
from frontporch.hub.requests.records import ANSWERABLE_STATES, RequestState
from frontporch.hub.web.passwords import verify_owner_password

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
    store: RequestStorePort, password: str, request_id: str, now: float
) -> OwnerConsent:
    """The owner's consent for `request_id`; WrongPassword or NotOpen otherwise.

    The password is checked first, so a wrong one says nothing about the request.
    """
    if not password or not verify_owner_password(store, password):
        raise WrongPassword("that is not the owner password; enter it again to release")
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
]
