"""Confirming the signed-in person before an action that sends footage out of the home.

Releasing footage for a request and sharing an event with the Neighbors feed both ask
for the same thing: the person's own password (the argon2 hash the sign-in checks), or
a WebAuthn assertion of one of their passkeys on a challenge made for that action.
`confirm_person` is that one check; it makes a `Confirmation`, the proof the actions
require, for one purpose. A passkey challenge is made for one purpose too
(`confirm_purpose`), so an assertion made to confirm a release cannot confirm a share,
and the other way round (`passkeys.PasskeyDesk` checks the purpose when it takes the
challenge).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from frontporch.hub.people.passkeys import PasskeyAnswer, PasskeyDesk, PasskeyError
from frontporch.hub.people.ports import MemberStorePort
from frontporch.hub.web.passwords import verify_user_password

CONFIRMATION_TTL_S = 300.0
_MINT = object()  # only this module makes a Confirmation


class ConfirmAction(StrEnum):
    """What a confirmation is for."""

    release = "release"
    share = "share"


class NotConfirmed(Exception):
    """The person could not be confirmed; the message says what to do."""


class NothingToConfirm(NotConfirmed):
    """Neither a password nor a passkey answer was given."""


class WrongConfirmation(NotConfirmed):
    """The password is not the person's, or the passkey answer did not verify."""


@dataclass(frozen=True, slots=True)
class Confirmation:
    """Proof that `user_id` confirmed `action` at `confirmed_at`."""

    user_id: str
    action: ConfirmAction
    confirmed_at: float
    _mint: object = field(repr=False, compare=False)

    def __post_init__(self) -> None:
        if self._mint is not _MINT:
            raise NotConfirmed("a Confirmation is made only by confirm_person")


def confirm_purpose(action: ConfirmAction) -> str:
    """The passkey challenge purpose for confirming `action`."""
    return f"confirm:{action.value}"


def confirm_person(
    store: MemberStorePort,
    passkeys: PasskeyDesk | None,
    user_id: str,
    action: ConfirmAction,
    now: float,
    *,
    password: str = "",
    answer: PasskeyAnswer | None = None,
) -> Confirmation:
    """The confirmation of `user_id` for `action`, by `answer` (a passkey assertion on a
    challenge made for this action) when given, else by `password`.

    Raises NothingToConfirm when neither is given, WrongConfirmation when the password
    is not the person's or the assertion does not verify.
    """
    if answer is not None:
        if passkeys is None or answer.user_id != user_id:
            raise WrongConfirmation("the passkey did not confirm: it was made for someone else")
        try:
            passkeys.check_assertion(
                answer.where,
                confirm_purpose(action),
                answer.challenge_id,
                answer.credential,
                user_id,
            )
        except PasskeyError as exc:
            raise WrongConfirmation(f"the passkey did not confirm: {exc}") from None
    elif not password:
        raise NothingToConfirm("enter your password (or use your passkey) to confirm")
    else:
        user = store.get_user(user_id)
        if user is None or not verify_user_password(store, user, password):
            raise WrongConfirmation("that is not your password; enter it again")
    return Confirmation(user_id, action, now, _MINT)


def check_confirmation(confirmation: object, action: ConfirmAction, now: float) -> Confirmation:
    """The confirmation, if it is one for `action` and not older than CONFIRMATION_TTL_S;
    NotConfirmed otherwise."""
    if not isinstance(confirmation, Confirmation) or confirmation.action is not action:
        raise NotConfirmed(f"this was not confirmed for {action.value}; confirm again")
    if now - confirmation.confirmed_at > CONFIRMATION_TTL_S:
        raise NotConfirmed("the confirmation is too old; confirm again")
    return confirmation
