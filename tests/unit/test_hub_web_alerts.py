"""The alert pages and JSON API over the real SQLite store: the log with deliveries and
paging, the settings (rules, switches, webhooks with the secret shown once, test email
without SMTP), CSRF on every form, clear 400/404/422 answers to bad input."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx import Response

from alert_tools import T0, RecordingChannel
from fakes import (
    OWNER_PASSWORD,
    FakeClock,
    FakeRuntime,
    camera_status,
    cheap_password_hashing,
    sign_in,
)
from frontporch.hub.alerts.model import Alert
from frontporch.hub.alerts.service import AlertDesk
from frontporch.hub.config import HubConfig, parse_config
from frontporch.hub.controls import Controls
from frontporch.hub.store.index import HubStore
from frontporch.hub.web.app import create_hub_app
from frontporch.hub.web.passwords import set_owner_password


def config_at(root: Path) -> HubConfig:
    return parse_config(
        {
            "storage": {"path": str(root)},
            "cameras": {
                name: {
                    "inputs": [{"url": f"/videos/{name}.mp4"}],
                    "objects": {"track": ["person", "dog"]},
                    "zones": {"porch": {"polygon": [[0, 0], [1, 0], [1, 1]]}},
                }
                for name in ("front", "back")
            },
        }
    )


@pytest.fixture
def store(tmp_path: Path) -> Iterator[HubStore]:
    with HubStore(tmp_path / "hub.db") as store:
        yield store


@pytest.fixture
def app(store: HubStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FastAPI:
    cheap_password_hashing(monkeypatch)
    clock = FakeClock(T0)
    set_owner_password(store, OWNER_PASSWORD, now=clock.now - 60)
    runtime = FakeRuntime({"front": camera_status("front"), "back": camera_status("back")})
    return create_hub_app(config_at(tmp_path), store, runtime, clock=clock)


@pytest.fixture
def client(app: FastAPI) -> TestClient:
    client = TestClient(app)
    client.headers["X-Test-CSRF"] = sign_in(client)
    return client


def desk(app: FastAPI) -> AlertDesk:
    found: AlertDesk = app.state.alerts
    return found


def controls(app: FastAPI) -> Controls:
    found: Controls = app.state.controls
    return found


def post(client: TestClient, path: str, data: dict[str, object] | None = None) -> Response:
    body = dict(data or {})
    body["csrf_token"] = client.headers["X-Test-CSRF"]
    answer: Response = client.post(path, data=body, follow_redirects=False)
    return answer


def an_alert(alert_id: str, start: float = T0) -> Alert:
    return Alert(
        id=alert_id,
        camera="front",
        labels=("person", "dog"),
        zones=("porch",),
        event_ids=(alert_id,),
        start=start,
        title="Person at front",
        body="Person and dog · 14:32",
        url=f"/events/{alert_id}",
        snapshot_jpeg=None,
    )


def test_the_log_shows_each_alert_with_its_deliveries_and_pages(
    app: FastAPI, client: TestClient
) -> None:
    the_desk = desk(app)
    the_desk.add_channel(RecordingChannel("webhook"))
    clock: FakeClock = app.state.hub.clock
    for i in range(3):
        clock.now = T0 + i
        the_desk.send(an_alert(f"e{i}", T0 + i))
    page = client.get("/alerts")
    assert page.status_code == 200
    assert page.text.index("alert-e2") < page.text.index("alert-e0")  # newest first
    assert "Person and dog · 14:32" in page.text
    assert "delivered" in page.text
    assert 'href="/events/e1"' in page.text
    api = client.get("/api/alerts", params={"limit": 2}).json()
    assert [a["id"] for a in api["alerts"]] == ["e2", "e1"]
    assert api["alerts"][0]["deliveries"][0]["channel"] == "webhook"
    assert api["alerts"][0]["deliveries"][0]["ok"] is True
    rest = client.get("/api/alerts", params={"limit": 2, "cursor": api["next_cursor"]}).json()
    assert [a["id"] for a in rest["alerts"]] == ["e0"]
    assert rest["next_cursor"] is None
    bad = client.get("/api/alerts", params={"cursor": "nonsense"})
    assert bad.status_code == 400
    assert "cursor" in bad.json()["detail"]


def test_settings_page_has_every_camera_the_switches_and_the_push_partial(
    client: TestClient,
) -> None:
    page = client.get("/alerts/settings")
    assert page.status_code == 200
    for needle in (
        'id="camera-front"',
        'id="camera-back"',
        "Nobody home",
        "Webhooks",
        "Email is off",
        'aria-labelledby="push-title"',
    ):
        assert needle in page.text, needle
    assert "<script>" not in page.text  # the CSP forbids inline scripts
    assert "<table" not in page.text  # lists that wrap on a 390 px screen


def test_saving_a_rule_from_the_form(app: FastAPI, client: TestClient) -> None:
    answer = post(
        client,
        "/alerts/settings/cameras/front/rule",
        {
            "labels": ["person", "dog"],
            "zones": ["porch"],
            "cooldown_s": "120",
            "quiet_start": "22:00",
            "quiet_end": "06:00",
            "only_when_away": "on",
        },
    )
    assert answer.status_code == 303
    rule = desk(app).rule("front")
    assert rule.labels == ("person", "dog")
    assert rule.zones == ("porch",)
    assert rule.cooldown_s == 120
    assert rule.only_when_away
    assert rule.quiet is not None
    assert f"{rule.quiet.start:%H:%M}" == "22:00"
    page = client.get("/alerts/settings?saved=rule")
    assert "Rule saved." in page.text
    assert 'value="22:00"' in page.text


def test_a_bad_rule_is_a_400_page_naming_the_problem(app: FastAPI, client: TestClient) -> None:
    answer = post(client, "/alerts/settings/cameras/front/rule", {"labels": ["car"]})
    assert answer.status_code == 400
    assert "front: labels: car not known here" in answer.text
    answer = post(
        client, "/alerts/settings/cameras/front/rule", {"labels": ["person"], "quiet_start": "7"}
    )
    assert answer.status_code == 400
    assert "HH:MM" in answer.text
    assert desk(app).rule("front").quiet is None
    missing = post(client, "/alerts/settings/cameras/garage/rule", {"labels": ["person"]})
    assert missing.status_code == 404


def test_forms_need_the_csrf_token(app: FastAPI, client: TestClient) -> None:
    answer = client.post("/alerts/settings/away", data={"value": "on"}, follow_redirects=False)
    assert answer.status_code == 403
    assert controls(app).away is False


def test_switches_from_the_page(app: FastAPI, client: TestClient) -> None:
    assert post(client, "/alerts/settings/away", {"value": "on"}).status_code == 303
    assert controls(app).away is True
    assert "nobody is home" in client.get("/alerts/settings").text
    post(client, "/alerts/settings/cameras/back/switch", {"value": "off"})
    assert controls(app).switches("back").alerts is False
    assert controls(app).switches("front").alerts is True


def test_a_webhooks_secret_is_shown_once(app: FastAPI, client: TestClient) -> None:
    answer = post(
        client, "/alerts/settings/webhooks", {"url": "https://automation.example.lan/hook"}
    )
    assert answer.status_code == 200
    (hook,) = desk(app).webhook_list()
    assert hook.secret in answer.text
    assert "shown only once" in answer.text
    later = client.get("/alerts/settings")
    assert hook.url in later.text
    assert hook.secret not in later.text
    again = post(
        client, "/alerts/settings/webhooks", {"url": "https://automation.example.lan/hook"}
    )
    assert again.status_code == 400
    assert "already" in again.text
    removed = post(client, f"/alerts/settings/webhooks/{hook.id}/remove")
    assert removed.status_code == 303
    assert desk(app).webhook_list() == []
    gone = post(client, f"/alerts/settings/webhooks/{hook.id}/remove")
    assert gone.status_code == 404


@pytest.mark.parametrize(
    "url", ["ftp://example.org/x", "not a url", "https://user:pw@example.org/", "http:///path"]
)
def test_bad_webhook_urls_are_refused(client: TestClient, url: str) -> None:
    answer = post(client, "/alerts/settings/webhooks", {"url": url})
    assert answer.status_code == 400
    assert "webhook URL" in answer.text or "user name" in answer.text


def test_test_email_without_smtp_says_how_to_set_it_up(client: TestClient) -> None:
    answer = post(client, "/alerts/settings/email/test")
    assert answer.status_code == 400
    assert "alerts.email" in answer.text


def test_rules_api(app: FastAPI, client: TestClient) -> None:
    rules = client.get("/api/alerts/rules").json()
    assert [r["camera"] for r in rules] == ["front", "back"]
    assert rules[0]["labels"] == ["person"]
    assert rules[0]["alerts_on"] is True
    put = client.put(
        "/api/alerts/rules/back",
        json={"labels": ["dog"], "cooldown_s": 5, "quiet_start": "23:30", "quiet_end": "05:00"},
        headers={"X-CSRF-Token": client.headers["X-Test-CSRF"]},
    )
    assert put.status_code == 200, put.text
    assert put.json()["labels"] == ["dog"]
    assert put.json()["quiet_end"] == "05:00"
    assert client.get("/api/alerts/rules/back").json()["cooldown_s"] == 5
    bad = client.put(
        "/api/alerts/rules/back",
        json={"labels": ["dog"], "cooldown_s": -3},
        headers={"X-CSRF-Token": client.headers["X-Test-CSRF"]},
    )
    assert bad.status_code == 422
    assert "cooldown_s" in bad.text
    assert client.get("/api/alerts/rules/garage").status_code == 404
    no_csrf = client.put("/api/alerts/rules/back", json={"labels": ["person"]})
    assert no_csrf.status_code == 403


def test_signed_out_visitors_get_nothing(app: FastAPI) -> None:
    stranger = TestClient(app)
    assert stranger.get("/api/alerts").status_code == 401
    page = stranger.get("/alerts/settings", follow_redirects=False)
    assert page.status_code in (303, 307)
    assert "/login" in page.headers["location"]
    assert re.search("secret", stranger.get("/alerts", follow_redirects=False).text or "") is None
