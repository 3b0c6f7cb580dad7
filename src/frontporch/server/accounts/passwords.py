"""Password policy and hashing: argon2id, a minimum length, and no common passwords.

The policy follows NIST SP 800-63B §5.1.1.2: a minimum length (12 by default, never
below 10), no composition rules, and refusal of passwords that are commonly used
(the bundled `common_passwords.txt`), made of too few distinct characters, or built
from the account's own email address. Hashes are argon2id (RFC 9106) with the
configured cost; a hash made with older parameters is upgraded at the next sign-in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib.resources import files

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from frontporch.server.errors import BadRequest

MAX_PASSWORD_LENGTH = 1024
MIN_DISTINCT_CHARACTERS = 5
_TRAILING_NOISE = re.compile(r"[\d\W_]+$")
_TRAILING_SYMBOLS = re.compile(r"[\W_]+$")
_UNLEET = str.maketrans({"@": "a", "$": "s", "0": "o", "3": "e", "!": "i"})


class WeakPassword(BadRequest):
    """A new password does not meet the policy; the detail says why and what to do."""

    def __init__(self, detail: str, field: str = "password") -> None:
        super().__init__("password refused", detail, field=field)


@cache
def common_passwords() -> frozenset[str]:
    """The bundled list of common passwords (lowercase)."""
    text = files("frontporch.server.accounts").joinpath("common_passwords.txt").read_text("utf-8")
    return frozenset(
        line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")
    )


def check_password_policy(
    password: str, *, email: str, min_length: int, field: str = "password"
) -> None:
    """Raise WeakPassword if `password` may not be used by the account with `email`."""
    if len(password) < min_length:
        raise WeakPassword(
            f"Use at least {min_length} characters; a few unrelated words work well.", field
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise WeakPassword(f"Use at most {MAX_PASSWORD_LENGTH} characters.", field)
    lowered = password.lower()
    if _is_common(lowered):
        raise WeakPassword(
            "This password is on the list of commonly used ones; pick another.", field
        )
    if len(set(lowered)) < MIN_DISTINCT_CHARACTERS:
        raise WeakPassword("This password repeats too few characters; pick another.", field)
    local = email.partition("@")[0].lower()
    if len(local) >= 4 and local in lowered and len(lowered) - len(local) < min_length:
        raise WeakPassword("This password is mostly your email address; pick another.", field)


def _is_common(lowered: str) -> bool:
    """Listed as is, without trailing symbols, de-leeted, or as a base word plus noise."""
    listed = common_passwords()
    bare = _TRAILING_SYMBOLS.sub("", lowered)
    candidates = {lowered, bare, lowered.translate(_UNLEET), bare.translate(_UNLEET)}
    cores = {_TRAILING_NOISE.sub("", c) for c in (lowered, lowered.translate(_UNLEET))}
    return bool(candidates & listed) or any(len(c) >= 6 and c in listed for c in cores)


@dataclass(frozen=True)
class PasswordHashing:
    """argon2id with the configured cost parameters."""

    time_cost: int
    memory_kib: int
    parallelism: int

    @property
    def _hasher(self) -> PasswordHasher:
        return _hasher_for(self.time_cost, self.memory_kib, self.parallelism)

    def hash(self, password: str) -> str:
        """The argon2id hash of `password` (PHC string format)."""
        return self._hasher.hash(password)

    def verify(self, stored: str, password: str) -> bool:
        """True if `password` matches the stored hash."""
        try:
            return self._hasher.verify(stored, password)
        except (VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, stored: str) -> bool:
        """True if `stored` was made with other parameters than the current ones."""
        return self._hasher.check_needs_rehash(stored)

    def dummy_verify(self) -> None:
        """Spend the time of one verification, so unknown accounts answer as slowly."""
        self.verify(_dummy_hash(self.time_cost, self.memory_kib, self.parallelism), "x")


@cache
def _hasher_for(time_cost: int, memory_kib: int, parallelism: int) -> PasswordHasher:
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism)


@cache
def _dummy_hash(time_cost: int, memory_kib: int, parallelism: int) -> str:
    return _hasher_for(time_cost, memory_kib, parallelism).hash("frontporch-dummy-password")
