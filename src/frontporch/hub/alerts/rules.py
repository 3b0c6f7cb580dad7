"""Whether an alert goes out: the owner's rule for a camera, decided without I/O.

A rule says which labels and zones matter, how long a camera stays quiet after an
alert (the cooldown), the quiet hours (local time, may wrap midnight) and whether to
alert only when nobody is home. `decide` takes the rule, the review item, the switches
and the clock as plain values and answers send or skip with the reason, so every case
is a unit test and the alerts page can say why nothing came.

Rules are kept in the hub's index as JSON (`rule_to_json` / `rule_from_json`); a camera
without a stored rule has `default_rule`: people, anywhere, a minute's cooldown.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import time
from typing import Any

DEFAULT_LABELS = ("person",)
DEFAULT_COOLDOWN_S = 60.0
MAX_COOLDOWN_S = 24 * 3600.0
_NAME = re.compile(r"^[A-Za-z0-9_\- ]{1,64}$")
_CLOCK = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


class RuleError(ValueError):
    """A rule the owner entered cannot be used; the message says which field and why."""


@dataclass(frozen=True, slots=True)
class QuietHours:
    """A daily span of local time in which nothing is sent; `end` < `start` wraps midnight."""

    start: time
    end: time

    def contains(self, moment: time) -> bool:
        """Whether `moment` (local) falls in the span; start included, end excluded."""
        if self.start == self.end:
            return False  # an empty span, not the whole day
        if self.start < self.end:
            return self.start <= moment < self.end
        return moment >= self.start or moment < self.end


@dataclass(frozen=True, slots=True)
class AlertRule:
    """One camera's alert rule."""

    labels: tuple[str, ...] = DEFAULT_LABELS
    zones: tuple[str, ...] = ()  # empty: anywhere in the picture
    cooldown_s: float = DEFAULT_COOLDOWN_S
    quiet: QuietHours | None = None
    only_when_away: bool = False


def default_rule() -> AlertRule:
    """The rule of a camera the owner has not set one for."""
    return AlertRule()


@dataclass(frozen=True, slots=True)
class Decision:
    """Send or skip, and why (shown to the owner, logged with ids only)."""

    send: bool
    reason: str


SEND = Decision(True, "matches the rule")


def decide(
    rule: AlertRule,
    *,
    camera: str,
    labels: Iterable[str],
    zones: Iterable[str],
    alerts_on: bool,
    away: bool,
    local_time: time,
    now: float,
    last_alert_at: float | None,
    update: bool = False,
) -> Decision:
    """Whether to send the alert for a review item of `camera` with these labels/zones.

    `alerts_on` is the camera's alerts switch, `away` the household's "nobody home"
    switch, `local_time` the hub's wall clock now, `last_alert_at` when this camera last
    alerted (None: never). An `update` (a better snapshot of an item already alerted)
    is not a new alert, so the cooldown does not hold it back; the rest still applies.
    """
    if not alerts_on:
        return Decision(False, f"alerts are switched off for {camera}")
    item_labels = set(labels)
    if not item_labels & set(rule.labels):
        return Decision(False, f"no label the rule asks for ({', '.join(rule.labels)})")
    if rule.zones and not set(zones) & set(rule.zones):
        return Decision(False, f"not in a zone the rule asks for ({', '.join(rule.zones)})")
    if rule.only_when_away and not away:
        return Decision(False, "someone is home and the rule alerts only when nobody is")
    if rule.quiet is not None and rule.quiet.contains(local_time):
        span = f"{rule.quiet.start:%H:%M}-{rule.quiet.end:%H:%M}"
        return Decision(False, f"inside quiet hours ({span})")
    if not update and last_alert_at is not None and now - last_alert_at < rule.cooldown_s:
        left = rule.cooldown_s - (now - last_alert_at)
        return Decision(
            False, f"cooldown: {camera} alerted {now - last_alert_at:.0f} s ago ({left:.0f} s left)"
        )
    return SEND


# --- the stored and the submitted form --------------------------------------------------


def rule_to_json(rule: AlertRule) -> dict[str, Any]:
    """The rule as the index and the JSON API keep it."""
    return {
        "labels": list(rule.labels),
        "zones": list(rule.zones),
        "cooldown_s": rule.cooldown_s,
        "quiet_start": f"{rule.quiet.start:%H:%M}" if rule.quiet else None,
        "quiet_end": f"{rule.quiet.end:%H:%M}" if rule.quiet else None,
        "only_when_away": rule.only_when_away,
    }


def _names(value: object, field: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [part.strip() for part in value.split(",")]
    if not isinstance(value, list | tuple):
        raise RuleError(f"{field}: a list of names")
    names: list[str] = []
    for item in value:
        if not isinstance(item, str):
            raise RuleError(f"{field}: a list of names")
        item = item.strip()
        if not item:
            continue
        if not _NAME.match(item):
            raise RuleError(f"{field}: {item[:70]!r} is not a name (letters, digits, - and _)")
        if item not in names:
            names.append(item)
    return tuple(names)


def _clock(value: object, field: str) -> time | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str) or not _CLOCK.match(value):
        raise RuleError(f"{field}: a time of day as HH:MM (24-hour)")
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


def rule_from_json(
    raw: Mapping[str, Any],
    *,
    known_labels: Iterable[str] | None = None,
    known_zones: Iterable[str] | None = None,
) -> AlertRule:
    """A rule from its JSON (or form) shape; RuleError naming the field at fault.

    Absent fields take the default rule's values. With `known_labels`/`known_zones`
    (the camera's tracked labels and zones), names outside them are refused, so a typo
    does not silence a camera.
    """
    unknown = set(raw) - {
        "labels",
        "zones",
        "cooldown_s",
        "quiet_start",
        "quiet_end",
        "only_when_away",
    }
    if unknown:
        raise RuleError(f"unknown field(s): {', '.join(sorted(unknown))}")
    labels = _names(raw.get("labels", list(DEFAULT_LABELS)), "labels")
    if not labels:
        raise RuleError("labels: choose at least one label (or switch the camera's alerts off)")
    zones = _names(raw.get("zones", []), "zones")
    for field, names, known in (("labels", labels, known_labels), ("zones", zones, known_zones)):
        if known is not None:
            allowed = set(known)
            wrong = [name for name in names if name not in allowed]
            if wrong:
                listed = ", ".join(sorted(allowed)) or "none"
                raise RuleError(f"{field}: {', '.join(wrong)} not known here (known: {listed})")
    cooldown = raw.get("cooldown_s", DEFAULT_COOLDOWN_S)
    try:
        cooldown_s = float(cooldown)
    except (TypeError, ValueError):
        raise RuleError("cooldown_s: a number of seconds") from None
    if not 0 <= cooldown_s <= MAX_COOLDOWN_S:
        raise RuleError(f"cooldown_s: between 0 and {MAX_COOLDOWN_S:.0f} seconds")
    start = _clock(raw.get("quiet_start"), "quiet_start")
    end = _clock(raw.get("quiet_end"), "quiet_end")
    if (start is None) != (end is None):
        raise RuleError("quiet hours: give both a start and an end, or neither")
    away = raw.get("only_when_away", False)
    if not isinstance(away, bool):
        raise RuleError("only_when_away: true or false")
    quiet = QuietHours(start, end) if start is not None and end is not None else None
    return AlertRule(labels, zones, cooldown_s, quiet, away)
