"""Which review items are alerts rather than detections, per camera (`cameras.<name>.review`)."""

from __future__ import annotations

from pydantic import Field

from frontporch.hub.config_base import Strict


class ReviewConfig(Strict):
    alert_labels: list[str] = Field(
        default_factory=lambda: ["person"],
        description=(
            "Labels that make a review item an alert; items with only other labels are detections."
        ),
    )
    alert_zones: list[str] = Field(
        default_factory=list,
        description=(
            "Zones an alert label must be in for the item to be an alert; empty: anywhere."
        ),
    )
