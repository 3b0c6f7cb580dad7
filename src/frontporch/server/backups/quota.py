"""The quota rule and how sizes read, pure (no database, no HTTP): unit-tested alone.

A home may hold at most its limit in backup objects. An upload fits when what the home
holds, less the object it replaces (same key), plus the bytes of uploads already in
flight, plus the new object, stays within the limit. A limit of 0 turns backups off for
the home: nothing fits, not even an empty object, and the hub is told so in those words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Final

KEY_PATTERN: Final = r"^[0-9a-f]{32}$"
"""An object key: 32 lowercase hex digits (the hub derives them; they name nothing)."""
MAX_OBJECT_BYTES: Final = 16 * 1024 * 1024
"""The largest object (the hub's `hub/backup/target.py` says the same; tested)."""
"""Bytes per home when neither the operator nor the settings say otherwise (5 GB)."""
_UNITS: Final = ("bytes", "kB", "MB", "GB", "TB", "PB")


def is_key(key: str) -> bool:
    """Whether `key` is a well-formed object key."""
    return re.fullmatch(KEY_PATTERN, key) is not None


def size_text(size: int) -> str:
    """A byte count as people read it, in decimal units: 5 GB, 1.5 MB, 900 bytes."""
    value = float(size)
    unit = 0
    while value >= 1000 and unit < len(_UNITS) - 1:
        value /= 1000
        unit += 1
    if unit == 0:
        return f"{size} bytes" if size != 1 else "1 byte"
    return f"{value:.3g} {_UNITS[unit]}"


@dataclass(frozen=True)
class Room:
    """What a home holds against its limit when an upload asks for room."""

    limit: int
    stored: int  # bytes of the home's objects
    in_flight: int  # bytes reserved by other uploads not yet finished
    replaced: int  # bytes of the object under the same key, if any (it goes)

    def fits(self, incoming: int) -> bool:
        """Whether an object of `incoming` bytes fits (never when the limit is 0)."""
        if self.limit <= 0:
            return False
        return self.stored - self.replaced + self.in_flight + incoming <= self.limit


def parse_gb(text: str) -> int | None:
    """A quota typed in GB ("5", "0.5", "0"; blank: None, the default) as bytes;
    ValueError, in words, if it is not a number from 0 up."""
    text = text.strip().replace(",", ".")
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ValueError("give the quota as a number of GB, e.g. 5 or 0.5") from None
    if not value.is_finite() or value < 0 or value > 10**9:
        raise ValueError("a quota is from 0 GB (backups off) to 1,000,000,000 GB")
    return int(value * 1000**3)
