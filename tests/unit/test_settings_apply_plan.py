"""Which cameras a saved configuration starts, stops, restarts or leaves alone (pure)."""

from __future__ import annotations

from typing import Any

from frontporch.hub.config import HubConfig, parse_config
from frontporch.hub.process.apply import plan_apply
from frontporch.hub.settings.names import display_name


def _config(cameras: dict[str, dict[str, Any]], **more: Any) -> HubConfig:
    return parse_config({"cameras": cameras, **more})


def _cam(url: str, **more: Any) -> dict[str, Any]:
    return {"inputs": [{"url": url}], **more}


def test_added_removed_changed_and_renamed_cameras() -> None:
    old = _config({"a": _cam("/a.mp4"), "b": _cam("/b.mp4"), "c": _cam("/c.mp4")})
    new = _config(
        {
            "a": _cam("/a.mp4", name="Porch"),  # only the friendly name: no restart
            "c": _cam("/c.mp4", detect={"fps": 2}),  # its worker uses this: restart
            "d": _cam("/d.mp4"),
        }
    )
    plan = plan_apply(old, new)
    assert plan.added == ("d",)
    assert plan.removed == ("b",)
    assert plan.restarted == ("c",)
    assert plan.updated == ("a",)
    assert plan.unchanged == ()
    assert plan.needs_restart == ()


def test_sections_read_only_at_start_are_reported() -> None:
    old = _config({"a": _cam("/a.mp4")})
    new = _config({"a": _cam("/a.mp4")}, web={"port": 6000}, detector={"threads": 2})
    plan = plan_apply(old, new)
    assert plan.unchanged == ("a",)
    assert [line.split(":")[0] for line in plan.needs_restart] == [
        "'web' changed",
        "'detector' changed",
    ]


def test_display_name_is_the_friendly_name_else_the_id() -> None:
    config = _config({"a": _cam("/a.mp4", name="Front door"), "b": _cam("/b.mp4")})
    assert display_name("a", config.cameras["a"]) == "Front door"
    assert display_name("b", config.cameras["b"]) == "b"
    assert display_name("gone", None) == "gone"
