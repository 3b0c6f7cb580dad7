"""The two camera switches of H5 in the camera settings form and API: `record.audio`
(with its consent notice) and `live.privacy_masks` (with the re-encode's cost stated
next to it), written back to the hand-written YAML; a bad value is refused in words."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from fakes import OWNER_PASSWORD, FakeRuntime, camera_status, cheap_password_hashing, sign_in
from frontporch.hub.config import load_config
from frontporch.hub.live.config import LiveMasks
from frontporch.hub.store.index import HubStore
from frontporch.hub.web.app import create_hub_app
from frontporch.hub.web.auth import set_owner_password
from settings_tools import write_hand_written


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[TestClient, Path]]:
    cheap_password_hashing(monkeypatch)
    path = write_hand_written(tmp_path)
    store = HubStore(tmp_path / "index.db")
    set_owner_password(store, OWNER_PASSWORD)
    runtime = FakeRuntime({"front": camera_status("front"), "back": camera_status("back")})
    app = create_hub_app(load_config(path), store, runtime, config_path=path)
    try:
        with TestClient(app) as client:
            sign_in(client)
            yield client, path
    finally:
        store.close()


def _field(text: str, name: str) -> str:
    found = re.search(rf'name="{name}"[^>]*? value="([^"]*)"', text)
    assert found, f"no {name} field"
    return found.group(1)


def _form(client: TestClient, **extra: str) -> dict[str, str]:
    page = client.get("/settings/cameras/front")
    assert page.status_code == 200
    return {
        "csrf_token": _field(page.text, "csrf_token"),
        "version": _field(page.text, "version"),
        "record_url": _field(page.text, "record_url"),
        "enabled": "on",
        "detect_enabled": "on",
        "record_enabled": "on",
        "all_days": "2",
        **extra,
    }


def test_the_form_states_the_notice_and_the_cost(site: tuple[TestClient, Path]) -> None:
    client, _ = site
    page = client.get("/settings/cameras/front").text
    assert 'name="record_audio"' in page
    assert "consent of everyone" in page
    assert 'name="live_masks"' in page
    assert "10 ms of CPU per frame at 1280×720" in page


def test_the_switches_are_written_to_the_file(site: tuple[TestClient, Path]) -> None:
    client, path = site
    before = path.read_text()
    assert "audio" not in before
    saved = client.post(
        "/settings/cameras/front",
        data=_form(client, record_audio="on", live_masks="reencode"),
        follow_redirects=False,
    )
    assert saved.status_code == 303, saved.text
    config = load_config(path)
    assert config.cameras["front"].record.audio is True
    assert config.cameras["front"].live.privacy_masks is LiveMasks.reencode
    assert "# The porch camera, mounted 2019." in path.read_text()  # comments kept
    page = client.get("/settings/cameras/front").text
    assert re.search(r'id="record-audio"[^>]*checked', page)
    assert re.search(r'<option value="reencode" selected>', page)

    # Off again: back to the defaults.
    saved = client.post("/settings/cameras/front", data=_form(client), follow_redirects=False)
    assert saved.status_code == 303, saved.text[-1500:]
    config = load_config(path)
    assert config.cameras["front"].record.audio is False
    assert config.cameras["front"].live.privacy_masks is LiveMasks.off


def test_a_bad_live_mask_mode_is_refused_in_words(site: tuple[TestClient, Path]) -> None:
    client, path = site
    before = path.read_bytes()
    refused = client.post("/settings/cameras/front", data=_form(client, live_masks="blur"))
    assert 400 <= refused.status_code < 500
    assert "privacy_masks" in refused.text
    assert path.read_bytes() == before
