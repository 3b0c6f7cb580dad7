"""The owner's switches over HTTP, on the hub's app over fakes: the JSON API, the camera
page's buttons (CSRF checked), and what API tokens may not do."""

from __future__ import annotations

import re

import pytest

from fakes import cheap_password_hashing, sign_in, web_harness


@pytest.fixture(autouse=True)
def _fast_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    cheap_password_hashing(monkeypatch)


def test_the_api_reads_and_sets_switches_and_they_are_kept() -> None:
    web = web_harness()
    client = web.client()
    token = sign_in(client)
    assert client.get("/api/switches").json() == {
        "away": False,
        "cameras": {
            "front": {"detect": True, "record": True, "alerts": True},
            "back": {"detect": True, "record": True, "alerts": True},
        },
    }
    changed = client.put(
        "/api/cameras/front/switches/record", json={"on": False}, headers={"X-CSRF-Token": token}
    )
    assert changed.json() == {"detect": True, "record": False, "alerts": True}
    away = client.put("/api/switches/away", json={"away": True}, headers={"X-CSRF-Token": token})
    assert away.json()["away"] is True
    assert web.store.switch_values() == {("front", "record"): False, ("home", "away"): True}
    # Unknown cameras and switches, and a missing CSRF token, change nothing.
    refused = [
        client.put(
            "/api/cameras/garage/switches/record",
            json={"on": False},
            headers={"X-CSRF-Token": token},
        ),
        client.put(
            "/api/cameras/front/switches/zoom", json={"on": False}, headers={"X-CSRF-Token": token}
        ),
        client.put(
            "/api/cameras/front/switches/detect",
            json={"on": "maybe"},
            headers={"X-CSRF-Token": token},
        ),
        client.put("/api/cameras/front/switches/detect", json={"on": False}),
    ]
    assert [r.status_code for r in refused] == [404, 422, 422, 403]
    assert client.get("/api/switches").json()["cameras"]["front"]["detect"] is True


def test_the_camera_page_shows_the_switches_and_its_buttons_flip_them() -> None:
    web = web_harness()
    client = web.client()
    sign_in(client)
    page = client.get("/cameras/front")
    assert "Recording is <strong>on</strong>" in page.text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert csrf is not None
    flipped = client.post(
        "/cameras/front/switches/record",
        data={"csrf_token": csrf.group(1), "value": "off"},
        follow_redirects=False,
    )
    assert flipped.status_code == 303
    assert "Recording is <strong>off</strong>" in client.get("/cameras/front").text
    forged = client.post(
        "/cameras/front/switches/detect", data={"value": "off"}, follow_redirects=False
    )
    assert forged.status_code in (400, 403)
    assert "Detection is <strong>on</strong>" in client.get("/cameras/front").text
