"""Passkeys (WebAuthn Level 3) with the `webauthn` library: register, sign in, confirm.

The relying party id (RP ID) is the host name the hub is reached at, from the request
(`hub.local`, `localhost`): a passkey made for one name works only under that name.
Browsers allow WebAuthn only in a secure context (HTTPS, or `http://localhost`) and
never with an IP address as RP ID, so a hub reached as `http://192.168.1.20:8080` cannot
use passkeys; there the password stays the way in (the pages say so).

Challenges live in memory for five minutes, one use each, keyed by a random id the
browser sends back with the answer; a purpose ("register", "sign-in", "confirm:release",
"confirm:share"; see `confirm.py`) and the user they were made for are checked too, so
an assertion made to sign in cannot stand in for a release confirmation, nor one made
to confirm a release for a share, and the other way round.
"""

from __future__ import annotations

import json
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    AuthenticatorTransport,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from frontporch.hub.people.ports import MemberStorePort
from frontporch.hub.people.records import Passkey, User

CHALLENGE_TTL_S = 300.0
MAX_PASSKEYS = 20
MAX_NAME_LENGTH = 60
RP_NAME = "Frontporch hub"


class PasskeyError(Exception):
    """A passkey step failed; the message says why in words a person can act on."""


@dataclass(frozen=True)
class Origin:
    """Where the browser reached the hub: RP ID (host name) and origin (scheme://host)."""

    rp_id: str
    origin: str


@dataclass(frozen=True)
class PasskeyAnswer:
    """A browser's answer to a confirmation challenge, sent with a page's form."""

    where: Origin
    challenge_id: str
    credential: dict[str, Any]
    user_id: str


@dataclass(frozen=True)
class _Challenge:
    challenge: bytes
    purpose: str
    user_id: str | None
    rp_id: str
    expires: float


def passkey_name(raw: str) -> str:
    """A passkey's name as given, trimmed; PasskeyError if empty or too long."""
    name = " ".join(raw.split())
    if not name:
        raise PasskeyError("give the passkey a name, e.g. 'Phone', so you know what to remove")
    if len(name) > MAX_NAME_LENGTH:
        raise PasskeyError(f"a passkey name has at most {MAX_NAME_LENGTH} characters")
    return name


def usable_rp_id(host: str) -> bool:
    """Whether browsers accept `host` as RP ID: a name, not an IP address."""
    stripped = host.strip("[]")
    if ":" in stripped:  # IPv6
        return False
    parts = stripped.split(".")
    return not (len(parts) == 4 and all(part.isdigit() for part in parts))


def passkeys_possible(where: Origin) -> bool:
    """Whether a browser can use passkeys at this address: a secure context (HTTPS, or
    localhost) and a host name, not an IP address, as RP ID."""
    secure = where.origin.startswith("https://") or where.rp_id == "localhost"
    return secure and usable_rp_id(where.rp_id)


class PasskeyDesk:
    """Makes WebAuthn options and checks the browser's answers against the store."""

    def __init__(self, store: MemberStorePort, clock: Callable[[], float]) -> None:
        self._store = store
        self._clock = clock
        self._challenges: dict[str, _Challenge] = {}
        self._lock = threading.Lock()

    def _remember(self, challenge: bytes, purpose: str, user_id: str | None, rp_id: str) -> str:
        now = self._clock()
        key = secrets.token_urlsafe(16)
        with self._lock:
            for old in [k for k, c in self._challenges.items() if c.expires <= now]:
                del self._challenges[old]
            self._challenges[key] = _Challenge(
                challenge, purpose, user_id, rp_id, now + CHALLENGE_TTL_S
            )
        return key

    def _take(self, key: str, purpose: str, user_id: str | None) -> _Challenge:
        with self._lock:
            found = self._challenges.pop(key, None)
        if found is None or found.expires <= self._clock():
            raise PasskeyError("the passkey request expired; try again")
        if found.purpose != purpose or (user_id is not None and found.user_id != user_id):
            raise PasskeyError("this passkey answer was made for something else; try again")
        return found

    # -- registration -----------------------------------------------------------------

    def registration_options(self, user: User, where: Origin) -> dict[str, Any]:
        """Options for `navigator.credentials.create`, asking for a discoverable
        credential (so it can sign in without a user name), plus the challenge id."""
        if not usable_rp_id(where.rp_id):
            raise PasskeyError(
                f"passkeys need the hub reached by a name, not the address {where.rp_id}: "
                "open it as https://<name> (or http://localhost on the hub itself)"
            )
        existing = self._store.list_passkeys(user.id)
        if len(existing) >= MAX_PASSKEYS:
            raise PasskeyError(f"at most {MAX_PASSKEYS} passkeys per person; remove one first")
        options = generate_registration_options(
            rp_id=where.rp_id,
            rp_name=RP_NAME,
            user_name=user.name,
            user_id=user.id.encode(),
            user_display_name=user.name,
            authenticator_selection=AuthenticatorSelectionCriteria(
                resident_key=ResidentKeyRequirement.REQUIRED,
                user_verification=UserVerificationRequirement.REQUIRED,
            ),
            exclude_credentials=[_descriptor(key) for key in existing],
        )
        key = self._remember(options.challenge, "register", user.id, where.rp_id)
        return {"challenge_id": key, "options": json.loads(options_to_json(options))}

    def register(
        self, user: User, where: Origin, challenge_id: str, credential: dict[str, Any], name: str
    ) -> Passkey:
        """Check the browser's new credential and keep it for `user`."""
        label = passkey_name(name)
        expected = self._take(challenge_id, "register", user.id)
        try:
            verified = verify_registration_response(
                credential=credential,
                expected_challenge=expected.challenge,
                expected_rp_id=expected.rp_id,
                expected_origin=where.origin,
                require_user_verification=True,
            )
        except (WebAuthnException, ValueError, KeyError, TypeError) as exc:
            raise PasskeyError(f"the passkey could not be checked: {exc}") from None
        credential_id = bytes_to_base64url(verified.credential_id)
        if self._store.get_passkey(credential_id) is not None:
            raise PasskeyError("this passkey is registered already")
        transports = credential.get("response", {}).get("transports") or []
        passkey = Passkey(
            credential_id,
            user.id,
            label,
            verified.credential_public_key,
            verified.sign_count,
            ",".join(str(t) for t in transports if isinstance(t, str)),
            self._clock(),
        )
        self._store.add_passkey(passkey)
        return passkey

    # -- assertions: sign-in and confirmation ---------------------------------------

    def assertion_options(
        self, where: Origin, purpose: str, user: User | None = None
    ) -> dict[str, Any]:
        """Options for `navigator.credentials.get`: any discoverable passkey of this hub
        to sign in, or `user`'s own passkeys to confirm an action."""
        if not usable_rp_id(where.rp_id):
            raise PasskeyError(
                f"passkeys need the hub reached by a name, not the address {where.rp_id}"
            )
        allowed = [] if user is None else self._store.list_passkeys(user.id)
        if user is not None and not allowed:
            raise PasskeyError("you have no passkey yet; register one on the Account page")
        options = generate_authentication_options(
            rp_id=where.rp_id,
            allow_credentials=[_descriptor(key) for key in allowed] or None,
            user_verification=UserVerificationRequirement.REQUIRED,
        )
        key = self._remember(
            options.challenge, purpose, None if user is None else user.id, where.rp_id
        )
        return {"challenge_id": key, "options": json.loads(options_to_json(options))}

    def check_assertion(
        self,
        where: Origin,
        purpose: str,
        challenge_id: str,
        credential: dict[str, Any],
        user_id: str | None = None,
    ) -> Passkey:
        """The passkey that answered the challenge (its counter updated); PasskeyError
        if the answer does not verify, or the passkey is not `user_id`'s when given."""
        expected = self._take(challenge_id, purpose, user_id)
        raw_id = credential.get("id") if isinstance(credential, dict) else None
        passkey = self._store.get_passkey(raw_id) if isinstance(raw_id, str) else None
        if passkey is None or (user_id is not None and passkey.user_id != user_id):
            raise PasskeyError("this passkey is not registered on this hub for you")
        try:
            verified = verify_authentication_response(
                credential=credential,
                expected_challenge=expected.challenge,
                expected_rp_id=expected.rp_id,
                expected_origin=where.origin,
                credential_public_key=passkey.public_key,
                credential_current_sign_count=passkey.sign_count,
                require_user_verification=True,
            )
        except (WebAuthnException, ValueError, KeyError, TypeError) as exc:
            raise PasskeyError(f"the passkey answer did not verify: {exc}") from None
        self._store.use_passkey(passkey.id, verified.new_sign_count, self._clock())
        return passkey


def _descriptor(passkey: Passkey) -> PublicKeyCredentialDescriptor:
    transports = []
    for value in passkey.transports.split(","):
        try:
            transports.append(AuthenticatorTransport(value))
        except ValueError:
            continue
    return PublicKeyCredentialDescriptor(
        id=base64url_to_bytes(passkey.id), transports=transports or None
    )
