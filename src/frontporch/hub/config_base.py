"""The base of every hub configuration model: unknown keys are errors, values frozen.

Its own module so that the areas' sections (`alerts/config.py`, `mqtt/config.py`,
`backup/config.py`) and `config.py`, which assembles them, can all import it.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
