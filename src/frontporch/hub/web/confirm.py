"""The web side of confirming the signed-in person before releasing or sharing footage.

The release form and the share form (and `POST /api/events/{id}/publish`) send the
person's password, or the answer `static/passkeys.js` got from their passkey on a
challenge made for that action (`POST /api/passkeys/confirm/options` with its
`purpose`). `confirm_signed_in` checks it (`people/confirm.py`) after the same rate
limit as the sign-in form, and turns what goes wrong into one `WebError`: 429 while
locked out, 400 when nothing was given, 401 when it is wrong (counted for the lock).
"""

from __future__ import annotations

from typing import Any

from fastapi import Request

from frontporch.hub.people.confirm import (
    ConfirmAction,
    Confirmation,
    NothingToConfirm,
    WrongConfirmation,
    confirm_person,
)
from frontporch.hub.web.context import HubContext, client_address
from frontporch.hub.web.errors import WebError
from frontporch.hub.web.people_kit import passkey_answer, people
from frontporch.hub.web.sessions import Owner, lockout_message

# The `error` of each refusal about the confirmation itself (a form marks its password).
CONFIRM_ERRORS = frozenset({"confirmation needed", "not confirmed", "too many tries"})
# The words that end every refusal: what did not happen.
NOTHING_DONE = {
    ConfirmAction.release: "nothing was released",
    ConfirmAction.share: "nothing was shared",
}


def confirm_signed_in(
    request: Request,
    context: HubContext,
    owner: Owner,
    action: ConfirmAction,
    *,
    password: str = "",
    passkey_challenge: str = "",
    passkey_credential: str | dict[str, Any] | None = None,
) -> Confirmation:
    """The signed-in person's confirmation for `action` by password or passkey; a
    `WebError` (429, 400 or 401) whose words end with what was not done."""
    nothing = NOTHING_DONE[action]
    client = client_address(request)
    wait = context.limiter.retry_after(client)
    if wait is not None:
        raise WebError(429, "too many tries", f"{lockout_message(wait)} {nothing.capitalize()}.")
    answer = passkey_answer(request, owner, passkey_challenge, passkey_credential)
    try:
        confirmed = confirm_person(
            context.store,
            people(request).passkeys,
            owner.user_id,
            action,
            context.clock(),
            password=password,
            answer=answer,
        )
    except NothingToConfirm:
        raise WebError(
            400,
            "confirmation needed",
            f"Enter your password or use your passkey to confirm; {nothing}.",
        ) from None
    except WrongConfirmation as exc:
        context.limiter.record_failure(client)
        words = "Wrong password" if answer is None else str(exc).capitalize()
        raise WebError(401, "not confirmed", f"{words}; {nothing}.") from None
    context.limiter.reset(client)
    return confirmed
