"""Two-factor sign-in: TOTP (RFC 6238) codes, the enrolment QR code, recovery codes.

Codes are 6 digits over 30-second steps (what every authenticator app expects). A code
is accepted from the step before to the step after now (clock drift), and never for a
step at or before the last one accepted, so an observed code cannot be replayed.
Recovery codes are 16 base32 characters (80 bits), shown once and stored as SHA-256.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime

import pyotp
import segno

STEP_S = 30
DIGITS = 6
RECOVERY_CODE_COUNT = 10
ISSUER = "Frontporch"
_RECOVERY_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"  # no l, o, 0, 1: easy to copy


def new_secret() -> str:
    """A fresh TOTP seed (160 bits, base32)."""
    return pyotp.random_base32(32)


def provisioning_uri(secret: str, account: str, issuer: str = ISSUER) -> str:
    """The otpauth:// URI an authenticator app scans."""
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_S).provisioning_uri(
        name=account, issuer_name=issuer
    )


def qr_svg(uri: str) -> str:
    """The URI as an inline SVG QR code (no external image, no script)."""
    code = segno.make(uri, error="m")
    svg: str = code.svg_inline(scale=4, border=2, dark="#000", light="#fff", title="QR code")
    return svg


def step_of(moment: datetime) -> int:
    """The TOTP time step that `moment` falls in."""
    return int(moment.timestamp()) // STEP_S


def matching_step(secret: str, code: str, now: datetime, last_step: int | None) -> int | None:
    """The step `code` is valid for (now ± one step, after `last_step`), or None."""
    code = code.strip().replace(" ", "")
    if len(code) != DIGITS or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret, digits=DIGITS, interval=STEP_S)
    current = step_of(now)
    for step in (current - 1, current, current + 1):
        if last_step is not None and step <= last_step:
            continue
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def code_at(secret: str, moment: datetime) -> str:
    """The TOTP code for `moment` (what an authenticator app would show then)."""
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_S).generate_otp(step_of(moment))


def new_recovery_codes(count: int = RECOVERY_CODE_COUNT) -> list[str]:
    """Fresh recovery codes, formatted 'xxxx-xxxx-xxxx-xxxx'."""
    codes = []
    for _ in range(count):
        raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(16))
        codes.append("-".join(raw[i : i + 4] for i in range(0, 16, 4)))
    return codes


def normalize_recovery_code(code: str) -> str:
    """A recovery code as typed, reduced to its 16 characters (case, spaces, dashes ignored)."""
    return "".join(ch for ch in code.lower() if ch.isalnum())


def hash_recovery_code(code: str) -> str:
    """The SHA-256 under which a recovery code is stored."""
    return hashlib.sha256(
        b"frontporch-recovery\0" + normalize_recovery_code(code).encode()
    ).hexdigest()


def looks_like_recovery_code(code: str) -> bool:
    """True if `code` has the shape of a recovery code rather than a TOTP code."""
    return len(normalize_recovery_code(code)) == 16
