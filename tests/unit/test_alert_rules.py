"""The alert rule decision (`hub/alerts/rules.py`): labels, zones, cooldown, quiet hours
(wrapping midnight), "only when nobody is home", the camera's switch; and the rule's
stored/submitted form, refusing bad input with the field named."""

from __future__ import annotations

from datetime import time
from typing import Any

import pytest

from frontporch.hub.alerts.rules import (
    AlertRule,
    QuietHours,
    RuleError,
    decide,
    default_rule,
    rule_from_json,
    rule_to_json,
)

NOW = 1_717_400_000.0


def check(rule: AlertRule, **overrides: Any) -> tuple[bool, str]:
    values: dict[str, Any] = {
        "camera": "front",
        "labels": ["person"],
        "zones": [],
        "alerts_on": True,
        "away": False,
        "local_time": time(12, 0),
        "now": NOW,
        "last_alert_at": None,
    }
    values.update(overrides)
    decision = decide(rule, **values)
    return decision.send, decision.reason


def test_default_rule_sends_people_anywhere() -> None:
    assert check(default_rule()) == (True, "matches the rule")
    sent, reason = check(default_rule(), labels=["car"])
    assert not sent
    assert "person" in reason


def test_the_cameras_switch_off_stops_everything() -> None:
    sent, reason = check(default_rule(), alerts_on=False)
    assert not sent
    assert reason == "alerts are switched off for front"


def test_one_matching_label_of_several_is_enough() -> None:
    rule = AlertRule(labels=("person", "car"))
    assert check(rule, labels=["dog", "car"])[0]


def test_zones_empty_means_anywhere_else_one_must_match() -> None:
    rule = AlertRule(zones=("porch",))
    assert check(rule, zones=["porch", "drive"])[0]
    sent, reason = check(rule, zones=["drive"])
    assert not sent
    assert "porch" in reason
    assert not check(rule, zones=[])[0]


def test_cooldown_holds_new_alerts_but_not_updates() -> None:
    rule = AlertRule(cooldown_s=60)
    sent, reason = check(rule, last_alert_at=NOW - 20)
    assert not sent
    assert "cooldown" in reason
    assert "40 s left" in reason
    assert check(rule, last_alert_at=NOW - 60)[0]
    assert check(rule, last_alert_at=NOW - 20, update=True)[0]


def test_quiet_hours_wrapping_midnight() -> None:
    rule = AlertRule(quiet=QuietHours(time(22, 0), time(6, 30)))
    for inside in (time(22, 0), time(23, 59), time(0, 0), time(6, 29)):
        sent, reason = check(rule, local_time=inside)
        assert not sent, inside
        assert "22:00-06:30" in reason
    for outside in (time(6, 30), time(12, 0), time(21, 59)):
        assert check(rule, local_time=outside)[0], outside


def test_quiet_hours_within_a_day_and_empty_span() -> None:
    rule = AlertRule(quiet=QuietHours(time(9, 0), time(17, 0)))
    assert not check(rule, local_time=time(9, 0))[0]
    assert check(rule, local_time=time(17, 0))[0]
    assert check(AlertRule(quiet=QuietHours(time(9, 0), time(9, 0))), local_time=time(9, 0))[0]


def test_only_when_nobody_is_home() -> None:
    rule = AlertRule(only_when_away=True)
    sent, reason = check(rule, away=False)
    assert not sent
    assert "someone is home" in reason
    assert check(rule, away=True)[0]


def test_rule_round_trips_through_json() -> None:
    rule = AlertRule(("person", "dog"), ("porch",), 30.0, QuietHours(time(23, 0), time(7, 0)), True)
    assert rule_from_json(rule_to_json(rule)) == rule
    assert rule_from_json({}) == default_rule()


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ({"labels": []}, "labels"),
        ({"labels": ["<script>"]}, "labels"),
        ({"labels": "person", "zones": 3}, "zones"),
        ({"cooldown_s": "soon"}, "cooldown_s"),
        ({"cooldown_s": -1}, "cooldown_s"),
        ({"cooldown_s": 10**9}, "cooldown_s"),
        ({"quiet_start": "25:00", "quiet_end": "06:00"}, "quiet_start"),
        ({"quiet_start": "22:00"}, "quiet hours"),
        ({"only_when_away": "yes"}, "only_when_away"),
        ({"colour": "red"}, "unknown field"),
    ],
)
def test_bad_rules_are_refused_naming_the_field(raw: dict[str, Any], field: str) -> None:
    with pytest.raises(RuleError, match=field):
        rule_from_json(raw)


def test_names_outside_the_cameras_labels_and_zones_are_refused() -> None:
    with pytest.raises(RuleError, match=r"labels: persn not known here \(known: car, person\)"):
        rule_from_json({"labels": ["persn"]}, known_labels=["person", "car"], known_zones=[])
    with pytest.raises(RuleError, match="zones: garden"):
        rule_from_json({"zones": ["garden"]}, known_labels=["person"], known_zones=["porch"])


def test_form_text_lists_are_split_and_deduplicated() -> None:
    rule = rule_from_json({"labels": "person, car,person", "zones": ""})
    assert rule.labels == ("person", "car")
    assert rule.zones == ()
