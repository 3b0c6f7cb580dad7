"""What the transparency log shows: entries as its API answers and pages render them.

Hashes and bytes are shown as standard base64 with padding (`b64`), as in the API.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any


def b64(value: bytes) -> str:
    """Standard base64 with padding, as every hash and blob in the API is written."""
    return base64.b64encode(value).decode("ascii")


@dataclass(frozen=True)
class EntryView:
    """One entry as the API shows it: index, leaf hash, canonical bytes, decoded JSON."""

    index: int
    leaf_hash: bytes
    data: bytes

    @property
    def decoded(self) -> dict[str, Any] | None:
        """The entry's JSON object (None if the stored bytes are not one)."""
        try:
            value = json.loads(self.data)
        except ValueError:
            return None
        return value if isinstance(value, dict) else None
