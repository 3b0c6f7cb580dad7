"""Pairing a hub with a home: one-time codes, the signed pairing request, credentials.

1. The home's owner asks for a code: 8 Crockford-base32 characters (40 bits), shown
   once, valid 10 minutes and once, stored as an HMAC under the server secret. A new
   code replaces the home's previous one.
2. The hub sends the code, its name, its Ed25519 public key and age recipient, and an
   Ed25519 signature (RFC 8032) over `crypto.pairing.pairing_message` for *this*
   server's origin — proof that it holds the private key, bound to this code and server.
3. The server checks the code (unknown, expired and used are told apart so the owner
   knows what went wrong), the signature and the keys; binds the hub to the code's home;
   marks the code used; and returns a hub credential (`fph_` + 256 bits) once, storing
   its SHA-256.

Guessing codes is throttled per client address (the `auth_throttles` lockout): after
`PAIRING_FAILURES_PER_ADDRESS` wrong codes the address waits, doubling per failure.
Codes and credentials are never logged.
"""

from __future__ import annotations

import logging
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from frontporch.crypto import keys
from frontporch.crypto.pairing import (
    CODE_ALPHABET,
    CODE_LENGTH,
    is_valid_code,
    normalize_code,
    origin_of,
    pairing_message,
)
from frontporch.server.context import ServerContext
from frontporch.server.homes.models import Home
from frontporch.server.homes.repository import HomeRepository
from frontporch.server.hubs.auth import HUB_CREDENTIAL_PREFIX
from frontporch.server.hubs.errors import (
    AlreadyPaired,
    BadHubKey,
    BadSignature,
    PairingCodeRejected,
)
from frontporch.server.hubs.models import Hub, PairingCode
from frontporch.server.hubs.repository import HubRepository, PairingCodeRepository
from frontporch.server.hubs.views import NewCode, Paired
from frontporch.server.kit.quotas import throttle_key
from frontporch.server.kit.throttles import (
    LockedOut,
    LockoutPolicy,
    ThrottleStore,
    address_bucket,
)
from frontporch.server.kit.tokens import hash_token

log = logging.getLogger(__name__)

CODE_LIFETIME = timedelta(minutes=10)
PAIRING_FAILURES_PER_ADDRESS = 10


@dataclass(frozen=True)
class PairingRequest:
    """What a hub sends to pair."""

    code: str
    name: str
    public_key: str
    age_recipient: str
    signature: str


def new_code_text() -> str:
    """A random pairing code (40 bits from the Crockford base32 alphabet)."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


class PairingService:
    """Codes for owners, pairing for hubs, in one request's database session."""

    def __init__(self, db: Session, context: ServerContext) -> None:
        self.db = db
        self.context = context
        self.codes = PairingCodeRepository(db)
        self.hubs = HubRepository(db)
        self.homes = HomeRepository(db)
        self.throttle = ThrottleStore(context.sessions, context.clock)
        s = context.settings
        self.policy = LockoutPolicy(
            PAIRING_FAILURES_PER_ADDRESS, s.lockout_base_s, s.lockout_max_s, s.failure_window_s
        )

    def _hash(self, code: str) -> str:
        return self.context.keyed_hash("pairing-code", code)

    def new_code(self, home: Home) -> NewCode:
        """A fresh code for a home the caller owns (checked by the caller of this method)."""
        now = self.context.clock()
        self.codes.delete_expired(now)
        self.codes.retire_open_of(home.id, now)
        code = new_code_text()
        expires = now + CODE_LIFETIME
        self.codes.add(
            PairingCode(
                home_id=home.id, code_hash=self._hash(code), created_at=now, expires_at=expires
            )
        )
        log.info("pairing code issued for home %s", home.id)
        return NewCode(code, expires)

    def pair(self, request: PairingRequest, client_address: str) -> Paired:
        """Verify a hub's pairing request and bind it to the code's home."""
        bucket = address_bucket(client_address)
        key = throttle_key(self.context.keyed_hash, "pairing", bucket)
        wait = self.throttle.locked_for(key)
        if wait is not None:
            raise LockedOut(wait, "wrong pairing codes")
        code = normalize_code(request.code)
        row = self.codes.find_for_authentication(self._hash(code)) if is_valid_code(code) else None
        now = self.context.clock()
        problem = self._code_problem(row, now)
        if problem is not None:
            self.throttle.record_failure(key, self.policy)
            raise PairingCodeRejected(problem)
        assert row is not None
        public_key, recipient = self._check_keys(request)
        origin = origin_of(self.context.settings.base_url)
        message = pairing_message(origin, code, request.name, public_key, recipient)
        try:
            keys.verify_signature(public_key, message, request.signature)
        except keys.SignatureError as exc:
            raise BadSignature(origin) from exc
        if self.hubs.find_by_public_key(public_key) is not None:
            raise AlreadyPaired()
        home = self.homes.find_for_authentication(row.home_id)
        if home is None:  # the home was deleted after the code was issued
            raise PairingCodeRejected("pairing code invalid")
        row.used_at = now
        credential = HUB_CREDENTIAL_PREFIX + secrets.token_urlsafe(32)
        hub = self.hubs.add(
            Hub(
                id=uuid.uuid4(),
                home_id=home.id,
                name=request.name.strip(),
                public_key=public_key,
                age_recipient=recipient,
                credential_hash=hash_token(credential),
                paired_at=now,
                last_seq=0,
            )
        )
        log.info("hub %s paired with home %s", hub.id, home.id)
        return Paired(hub, home, credential)

    @staticmethod
    def _code_problem(row: PairingCode | None, now: datetime) -> str | None:
        if row is None:
            return "pairing code not recognised"
        if row.used_at is not None:
            return "pairing code already used"
        if row.expires_at <= now:
            return "pairing code expired"
        return None

    @staticmethod
    def _check_keys(request: PairingRequest) -> tuple[str, str]:
        try:
            keys.public_key_from_base64(request.public_key)
        except keys.SignatureError as exc:
            raise BadHubKey(f"public_key: {exc}.", "public_key") from exc
        try:
            recipient = keys.parse_age_recipient(request.age_recipient)
        except keys.RecipientError as exc:
            raise BadHubKey(f"age_recipient: {exc}.", "age_recipient") from exc
        return request.public_key, recipient
