"""Tables of the evidence area (releases and their clips' uploads): see migration 0011."""

from __future__ import annotations
