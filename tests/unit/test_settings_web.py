"""The camera settings pages and JSON API on the hub's app over fakes, with a real YAML
file: add (a wrong scheme refused in words), edit without seeing or losing the password,
disable, remove, zones with bad polygons refused, two owners at once (the later save is
refused with 409 and nothing is written), and a hub without a file offers no saving."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from fakes import (
    OWNER_PASSWORD,
    FakeClock,
    FakeRuntime,
    FakeStore,
    camera_status,
    cheap_password_hashing,
    hub_config,
    sign_in,
)
from frontporch.hub.config import load_config
from frontporch.hub.web.app import create_hub_app
from frontporch.hub.web.auth import set_owner_password
from settings_tools import write_hand_written

SQUARE = [[0.1, 0.1], [0.4, 0.1], [0.4, 0.4], [0.1, 0.4]]


@pytest.fixture(autouse=True)
def _fast_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    cheap_password_hashing(monkeypatch)


@dataclass
class Site:
    client: TestClient
    csrf: str
    path: Path

    def version(self) -> str:
        response = self.client.get("/api/settings/cameras")
        assert response.status_code == 200, response.text
        version: str = response.json()["version"]
        assert response.headers["etag"] == f'"{version}"'
        return version

    def headers(self, version: str | None = None) -> dict[str, str]:
        headers = {"X-CSRF-Token": self.csrf}
        if version:
            headers["If-Match"] = f'"{version}"'
        return headers


def _site(tmp_path: Path, *, with_file: bool = True) -> Site:
    path = write_hand_written(tmp_path)
    config = load_config(path) if with_file else hub_config("front", "back")
    clock = FakeClock()
    store = FakeStore()
    set_owner_password(store, OWNER_PASSWORD, now=clock.now - 60)
    runtime = FakeRuntime({"front": camera_status("front"), "back": camera_status("back")})
    app = create_hub_app(
        config, store, runtime, clock=clock, config_path=path if with_file else None
    )
    client = TestClient(app)
    return Site(client, sign_in(client), path)


def _page_csrf(text: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', text)
    assert found
    return found.group(1)


def _page_version(text: str) -> str:
    found = re.search(r'name="version" value="([0-9a-f]{64})"', text)
    assert found
    return found.group(1)


def test_the_list_shows_cameras_by_friendly_name_without_passwords(tmp_path: Path) -> None:
    site = _site(tmp_path)
    page = site.client.get("/settings/cameras")
    assert page.status_code == 200
    assert "Back yard" in page.text
    assert "(back)" in page.text
    assert "s3cret" not in page.text
    assert "rtsp://***@10.0.0.5:554/stream1" in page.text
    api = site.client.get("/api/settings/cameras").json()
    assert [c["display_name"] for c in api["cameras"]] == ["front", "Back yard"]
    assert "s3cret" not in str(api)


def test_adding_a_camera_with_a_wrong_scheme_is_refused_in_words(tmp_path: Path) -> None:
    site = _site(tmp_path)
    form = site.client.get("/settings/cameras/new")
    before = site.path.read_bytes()
    data = {
        "csrf_token": _page_csrf(form.text),
        "version": _page_version(form.text),
        "camera_id": "drive",
        "record_url": "ftp://camera.local/stream",
        "enabled": "on",
        "detect_enabled": "on",
        "record_enabled": "on",
    }
    refused = site.client.post("/settings/cameras/new", data=data)
    assert refused.status_code == 400
    assert "starts with &#39;ftp://&#39;, which the hub cannot read" in refused.text
    assert 'value="drive"' in refused.text  # what was typed is kept
    assert site.path.read_bytes() == before
    data["record_url"] = "/videos/drive.mp4"
    data["name"] = "Driveway"
    added = site.client.post("/settings/cameras/new", data=data, follow_redirects=False)
    assert added.status_code == 303
    config = load_config(site.path)
    assert config.cameras["drive"].name == "Driveway"
    assert config.cameras["drive"].inputs[0].url == "/videos/drive.mp4"
    listed = site.client.get(added.headers["location"])
    assert "Camera drive added" in listed.text
    assert "Driveway" in listed.text
    again = site.client.post(
        "/api/settings/cameras",
        json={"id": "drive", "record_url": "/videos/x.mp4"},
        headers=site.headers(site.version()),
    )
    assert again.status_code == 409
    assert "already exists" in again.json()["detail"]


def test_editing_keeps_the_hidden_password_and_restarts_only_that_camera(
    tmp_path: Path,
) -> None:
    site = _site(tmp_path)
    form = site.client.get("/settings/cameras/front")
    assert "s3cret" not in form.text
    assert 'value="rtsp://***@10.0.0.5:554/stream1"' in form.text
    data = {
        "csrf_token": _page_csrf(form.text),
        "version": _page_version(form.text),
        "record_url": "rtsp://***@10.0.0.5:554/stream1",
        "name": "Front door",
        "enabled": "on",
        "detect_enabled": "on",
        "record_enabled": "on",
        "detect_fps": "3",
        "all_days": "2",
        "motion_days": "7",
        "event_days": "30",
        "track": "person, car",
    }
    saved = site.client.post("/settings/cameras/front", data=data, follow_redirects=False)
    assert saved.status_code == 303, saved.text
    camera = load_config(site.path).cameras["front"]
    assert camera.inputs[0].url == "rtsp://admin:s3cret@10.0.0.5:554/stream1"
    assert camera.name == "Front door"
    assert camera.detect.fps == 3
    assert camera.objects.track == ["person", "car"]
    assert camera.inputs[0].timeout_s == 5.0  # the input's other settings are kept
    # The web layer's config follows the save at once.
    assert "Front door" in site.client.get("/settings/cameras").text


def test_two_owners_at_once_the_later_save_is_refused_and_nothing_is_lost(
    tmp_path: Path,
) -> None:
    site = _site(tmp_path)
    other = TestClient(site.client.app)
    other_csrf = sign_in(other)
    first_page = site.client.get("/settings/cameras/back")
    second_page = other.get("/settings/cameras/back")
    version = _page_version(first_page.text)
    assert _page_version(second_page.text) == version
    common = {"record_url": "/videos/back.mp4", "enabled": "on", "detect_enabled": "on"}
    first = site.client.post(
        "/settings/cameras/back",
        data={**common, "csrf_token": site.csrf, "version": version, "name": "Garden"},
        follow_redirects=False,
    )
    assert first.status_code == 303
    after_first = site.path.read_bytes()
    second = other.post(
        "/settings/cameras/back",
        data={**common, "csrf_token": other_csrf, "version": version, "name": "Patio"},
    )
    assert second.status_code == 409
    assert "someone else changed the configuration since you opened this page" in second.text
    assert site.path.read_bytes() == after_first
    assert load_config(site.path).cameras["back"].name == "Garden"
    # The API: a stale If-Match is refused the same way; none at all asks for one.
    stale = site.client.put(
        "/api/settings/cameras/back/enabled", json={"enabled": False}, headers=site.headers(version)
    )
    assert stale.status_code == 409
    assert stale.json()["detail"].startswith("someone else changed the configuration")
    missing = site.client.put(
        "/api/settings/cameras/back/enabled", json={"enabled": False}, headers=site.headers()
    )
    assert missing.status_code == 428
    assert site.path.read_bytes() == after_first


def test_bad_polygons_are_refused_and_overlapping_zones_are_allowed(tmp_path: Path) -> None:
    site = _site(tmp_path)
    url = "/api/settings/cameras/front/areas"
    before = site.path.read_bytes()
    bow_tie = [[0.1, 0.1], [0.5, 0.5], [0.5, 0.1], [0.1, 0.5]]
    cases = {
        "crosses itself: edge 1 (points 1→2) crosses edge 3 (points 3→4)": {
            "zones": [{"name": "yard", "points": bow_tie}]
        },
        "needs at least 3": {"zones": [{"name": "yard", "points": [[0.1, 0.1], [0.2, 0.2]]}]},
        "outside the frame": {"motion_masks": [[[0.1, 0.1], [1.5, 0.1], [0.3, 0.3]]]},
        "no area": {"privacy_masks": [[[0.1, 0.1], [0.2, 0.2], [0.3, 0.3]]]},
        "privacy mask 2 is the same as privacy mask 1": {"privacy_masks": [SQUARE, SQUARE]},
        "zone name 'Front Yard'": {"zones": [{"name": "Front Yard", "points": SQUARE}]},
    }
    for words, body in cases.items():
        response = site.client.put(url, json=body, headers=site.headers(site.version()))
        assert response.status_code == 422, (words, response.text)
        assert words in response.json()["detail"], response.json()
    assert site.path.read_bytes() == before
    overlapping = {
        "zones": [
            {"name": "yard", "points": SQUARE, "required": True},
            {"name": "step", "points": [[0.2, 0.2], [0.3, 0.2], [0.3, 0.3]]},
        ],
        "motion_masks": [[[0.8, 0.8], [0.9, 0.8], [0.9, 0.9]]],
    }
    saved = site.client.put(url, json=overlapping, headers=site.headers(site.version()))
    assert saved.status_code == 200, saved.text
    camera = load_config(site.path).cameras["front"]
    assert list(camera.zones) == ["yard", "step"]
    assert camera.events.required_zones == ["yard"]
    assert camera.motion.mask == [[(0.8, 0.8), (0.9, 0.8), (0.9, 0.9)]]
    areas = site.client.get(url).json()
    assert areas["zones"][0] == {
        "name": "yard",
        "points": SQUARE,
        "required": True,
        "objects": [],
    }
    assert "zone-editor" in site.client.get("/settings/cameras/front/zones").text


def test_disable_and_remove_from_the_list_page(tmp_path: Path) -> None:
    site = _site(tmp_path)
    page = site.client.get("/settings/cameras")
    data = {"csrf_token": _page_csrf(page.text), "version": _page_version(page.text)}
    off = site.client.post(
        "/settings/cameras/back/enabled", data={**data, "value": "off"}, follow_redirects=False
    )
    assert off.status_code == 303
    assert load_config(site.path).cameras["back"].enabled is False
    page = site.client.get("/settings/cameras")
    assert "Camera back disabled" in site.client.get(off.headers["location"]).text
    removed = site.client.post(
        "/settings/cameras/back/remove",
        data={"csrf_token": _page_csrf(page.text), "version": _page_version(page.text)},
        follow_redirects=False,
    )
    assert removed.status_code == 303
    assert set(load_config(site.path).cameras) == {"front"}
    assert site.client.get("/settings/cameras/back").status_code == 404


def test_a_hub_without_a_file_shows_the_cameras_and_offers_no_saving(tmp_path: Path) -> None:
    site = _site(tmp_path, with_file=False)
    page = site.client.get("/settings/cameras")
    assert page.status_code == 200
    assert "started without a configuration file" in page.text
    assert "Add a camera" not in page.text
    api = site.client.get("/api/settings/cameras").json()
    assert api["editable"] is False
    assert api["version"] is None
    refused = site.client.put(
        "/api/settings/cameras/front/enabled",
        json={"enabled": False},
        headers=site.headers("0" * 64),
    )
    assert refused.status_code == 409
    assert "started without a configuration file" in refused.json()["detail"]


def test_the_camera_test_refuses_a_wrong_scheme_before_connecting(tmp_path: Path) -> None:
    site = _site(tmp_path)
    response = site.client.post(
        "/api/settings/camera-test",
        json={"url": "udp://user:hunter2@239.0.0.1:1234"},
        headers=site.headers(),
    )
    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "camera test failed (scheme)"
    assert "use rtsp://, rtsps://, http:// or https://" in body["detail"]
    assert "hunter2" not in response.text
