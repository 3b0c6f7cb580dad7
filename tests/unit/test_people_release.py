"""Who confirms a release: the owner with their password, a member the owner allowed to
release with their own password (never the owner's), and nobody else; over the real
SQLite store, with the release desk stopped so no video is cut (unit tier)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from fakes import OWNER_PASSWORD, FakeClock, FakeRuntime, camera_status, cheap_password_hashing
from frontporch.hub.config import parse_config
from frontporch.hub.people.service import add_member
from frontporch.hub.requests.service import RequestDesk
from frontporch.hub.store.index import HubStore
from frontporch.hub.web.app import create_hub_app
from frontporch.hub.web.passwords import hash_password, set_owner_password
from hub_requests_tools import open_request_record
from member_tools import MEMBER_PASSWORD, sign_in_as

NOW = FakeClock().now


@pytest.fixture
def app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[FastAPI, str]]:
    cheap_password_hashing(monkeypatch)
    with HubStore(tmp_path / "hub.db") as store:
        set_owner_password(store, OWNER_PASSWORD, now=NOW - 60)
        for name, allowances in (("releaser", ["release"]), ("plain", [])):
            add_member(store, name, "member", allowances, hash_password(MEMBER_PASSWORD), NOW - 30)
        record = open_request_record(NOW)
        store.save_footage_request(record)
        start = record.window_start
        store.upsert_event(
            "in", camera="front", labels=["person"], top_score=0.9, start=start + 60, end=start + 90
        )
        store.add_segment("front", "front/0.mp4", start, start + 600, 1000)
        config = parse_config(
            {"storage": {"path": str(tmp_path)}, "cameras": {"front": {"inputs": [{"url": "/v"}]}}}
        )
        runtime = FakeRuntime({"front": camera_status("front")})
        hub = create_hub_app(config, store, runtime, clock=FakeClock())
        desk: RequestDesk = hub.state.requests
        desk.stop()
        yield hub, record.id
        desk.stop(timeout=5)


def _release(client: TestClient, request_id: str, csrf: str, password: str) -> int:
    form = {"csrf_token": csrf, "tz_offset": "0", "event": ["in"], "password": password}
    answer = client.post(f"/requests/{request_id}/release", data=form, follow_redirects=False)
    return answer.status_code


def test_a_member_allowed_to_release_confirms_with_their_own_password(
    app: tuple[FastAPI, str],
) -> None:
    hub, request_id = app
    member = TestClient(hub)
    csrf = sign_in_as(member, "releaser", MEMBER_PASSWORD)
    page = member.get(f"/requests/{request_id}").text
    assert re.search(r'<label for="release-password">Your password</label>', page)
    assert _release(member, request_id, csrf, OWNER_PASSWORD) == 401, "not the owner's"
    assert _release(member, request_id, csrf, MEMBER_PASSWORD) == 303
    desk: RequestDesk = hub.state.requests
    assert len(desk.releases()) == 1


def test_a_member_without_the_allowance_cannot_release(app: tuple[FastAPI, str]) -> None:
    hub, request_id = app
    member = TestClient(hub)
    csrf = sign_in_as(member, "plain", MEMBER_PASSWORD)
    assert member.get(f"/requests/{request_id}").status_code == 403
    assert _release(member, request_id, csrf, MEMBER_PASSWORD) == 403
    desk: RequestDesk = hub.state.requests
    assert desk.releases() == []
