"""TOTP (RFC 6238) as a second factor for password sign-ins, with recovery codes.

Enrolling stores an unconfirmed secret and shows it as a QR code (segno, SVG) and as
text; it takes effect only once a code from the app matches, which also shows ten
recovery codes once (only their SHA-256 is kept). A code is accepted for its 30 s step
and one step either side (clock drift), and each step only once per user: a code seen
over someone's shoulder cannot be replayed. Failed codes count in the sign-in rate
limit like wrong passwords (the caller records them).
"""

from __future__ import annotations

import hashlib
import io
import secrets
from collections.abc import Callable
from dataclasses import dataclass

import pyotp
import segno

from frontporch.hub.people.ports import MemberStorePort
from frontporch.hub.people.records import TotpSecret, User

ISSUER = "Frontporch hub"
STEP_S = 30
RECOVERY_CODES = 10


class TotpError(Exception):
    """A TOTP step failed; the message says why."""


@dataclass(frozen=True)
class Enrollment:
    """What the account page shows while enrolling: the secret, its URI and QR code."""

    secret: str
    uri: str
    qr_svg: str


def _code_hash(code: str) -> str:
    return hashlib.sha256(b"frontporch-recovery\0" + code.encode()).hexdigest()


def _clean(code: str) -> str:
    return "".join(code.split()).replace("-", "").lower()


def enrollment_of(user: User, secret: str) -> Enrollment:
    """The provisioning URI and QR code of a secret."""
    uri = pyotp.TOTP(secret).provisioning_uri(name=user.name, issuer_name=ISSUER)
    buffer = io.BytesIO()
    segno.make(uri, error="m").save(
        buffer, kind="svg", xmldecl=False, svgns=True, scale=4, title="QR code to scan"
    )
    return Enrollment(secret, uri, buffer.getvalue().decode())


class TotpDesk:
    """Enrolls, confirms, checks and removes users' TOTP second factors."""

    def __init__(self, store: MemberStorePort, clock: Callable[[], float]) -> None:
        self._store = store
        self._clock = clock

    def enabled(self, user_id: str) -> bool:
        secret = self._store.get_totp(user_id)
        return secret is not None and secret.confirmed

    def start(self, user: User) -> Enrollment:
        """A new unconfirmed secret (replacing an unconfirmed one); refused while one is on."""
        if self.enabled(user.id):
            raise TotpError("two-step sign-in is already on; turn it off first to re-enroll")
        secret = pyotp.random_base32()
        self._store.set_totp(TotpSecret(user.id, secret, False, self._clock()), user.id)
        return enrollment_of(user, secret)

    def pending(self, user: User) -> Enrollment | None:
        """The enrollment waiting for its confirming code, if any."""
        secret = self._store.get_totp(user.id)
        if secret is None or secret.confirmed:
            return None
        return enrollment_of(user, secret.secret)

    def confirm(self, user: User, code: str) -> list[str]:
        """Turn it on if `code` matches the pending secret; the recovery codes, once."""
        secret = self._store.get_totp(user.id)
        if secret is None or secret.confirmed:
            raise TotpError("there is no enrollment waiting; start again")
        if not self._matches(user.id, secret.secret, code):
            raise TotpError("that code does not match; check the app's clock and try again")
        self._store.set_totp(TotpSecret(user.id, secret.secret, True, secret.created), user.id)
        codes = [f"{secrets.token_hex(3)}-{secrets.token_hex(3)}" for _ in range(RECOVERY_CODES)]
        self._store.set_recovery_codes(user.id, [_code_hash(_clean(c)) for c in codes])
        return codes

    def check(self, user_id: str, code: str) -> bool:
        """Whether `code` (from the app, or an unused recovery code) passes now; each
        one works once."""
        secret = self._store.get_totp(user_id)
        if secret is None or not secret.confirmed:
            return True
        cleaned = _clean(code)
        if len(cleaned) == 12:
            return self._store.claim_recovery_code(user_id, _code_hash(cleaned))
        return self._matches(user_id, secret.secret, cleaned)

    def remove(self, user_id: str) -> None:
        self._store.set_totp(None, user_id)

    def _matches(self, user_id: str, secret: str, code: str) -> bool:
        cleaned = _clean(code)
        if not (cleaned.isdigit() and len(cleaned) == 6):
            return False
        totp = pyotp.TOTP(secret)
        now = self._clock()
        step = int(now // STEP_S)
        for candidate in (step, step - 1, step + 1):
            if secrets.compare_digest(totp.at(candidate * STEP_S), cleaned):
                return self._store.claim_totp_step(user_id, candidate)
        return False
