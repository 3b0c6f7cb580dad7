"""Pairing from the hub's pages and API, against a real community server over HTTP and
a real running hub: the link opens right after pairing (a ping from the server reaches
it, no restart), the page shows the server, the home, since when and the last contact;
unpairing revokes the hub on the server and closes the link; refusals are in words."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from fakes import OWNER_PASSWORD, cheap_password_hashing, sign_in
from frontporch.hub.community.link import LINK_FILE, ServerLink
from frontporch.hub.process.runtime import Hub
from frontporch.hub.web.app import create_hub_app
from frontporch.hub.web.passwords import set_owner_password
from homes_tools import add_home, pairing_code
from hubtools import hub_config, running_hub, wait_until
from server_fixtures import Account, free_port
from server_harness import ServerHarness
from server_live import served_sqlite_server


@pytest.fixture(autouse=True)
def _fast_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    cheap_password_hashing(monkeypatch)


@dataclass
class Setup:
    base: str
    server: ServerHarness
    owner: Account
    home_id: str
    hub: Hub
    client: TestClient
    csrf: str

    def code(self) -> str:
        return pairing_code(self.owner, self.home_id)

    def pair(self, server: str | None = None, code: str | None = None, name: str = "Porch hub"):
        return self.client.post(
            "/settings/community/pair",
            data={
                "server": self.base if server is None else server,
                "code": self.code() if code is None else code,
                "name": name,
                "csrf_token": self.csrf,
            },
            follow_redirects=False,
        )

    def hubs_on_server(self) -> list[dict[str, object]]:
        response = self.owner.client.get(f"/api/homes/{self.home_id}/hubs")
        assert response.status_code == 200, response.text
        body = response.json()
        return list(body["hubs"] if isinstance(body, dict) else body)


@pytest.fixture
def setup(tmp_path: Path) -> Iterator[Setup]:
    (tmp_path / "server").mkdir()
    with served_sqlite_server(tmp_path / "server") as (base, server):
        owner = server.account()
        home_id = add_home(owner, "Maple St")["id"]
        with running_hub(hub_config(tmp_path / "hub", {})) as hub:
            set_owner_password(hub.store, OWNER_PASSWORD)
            app = create_hub_app(hub.config, hub.store, hub)
            with TestClient(app) as client:
                csrf = sign_in(client)
                yield Setup(base, server, owner, home_id, hub, client, csrf)


def _alert(page: str) -> str:
    found = re.search(r'role="alert"[^>]*>([^<]+)<', page)
    assert found, page[-3000:]
    return html.unescape(found.group(1))


def test_pair_from_the_page_opens_the_link_without_a_restart(setup: Setup) -> None:
    page = setup.client.get("/settings/community")
    assert page.status_code == 200
    assert 'data-state="not paired"' in page.text
    assert 'id="pair-form"' in page.text
    assert setup.hub.link is None

    response = setup.pair()
    assert response.status_code == 303, response.text
    assert response.headers["location"] == "/settings/community?done=paired"
    saved = ServerLink.load(setup.hub.root)
    assert saved.home_name == "Maple St"
    assert saved.paired_at is not None

    # The running hub's link is open: a ping from the server reaches it.
    running = setup.hub.link
    assert running is not None
    assert running.state in {"starting", "connected"}
    setup.owner.client.post(f"/api/homes/{setup.home_id}/hubs/{saved.hub_id}/ping")
    wait_until(lambda: running.state == "connected", 20, "the link to answer a ping")
    wait_until(lambda: ServerLink.load(setup.hub.root).after >= 1, 10, "the ping to be acked")

    page = setup.client.get("/settings/community?done=paired")
    assert 'data-state="connected"' in page.text
    assert "Maple St" in page.text
    assert setup.base in page.text
    assert "Paired since" in page.text
    assert "none yet" not in page.text
    assert 'id="unpair-form"' in page.text
    assert 'id="pair-form"' not in page.text
    api = setup.client.get("/api/pairing").json()
    assert api["paired"] is True
    assert api["state"] == "connected"
    assert api["home_name"] == "Maple St"
    assert api["last_contact"]
    assert api["paired_at"]
    assert [hub["name"] for hub in setup.hubs_on_server()] == ["Porch hub"]

    # Pairing again while paired is refused in words; nothing changes.
    again = setup.pair()
    assert again.status_code == 409
    assert "already paired with “Maple St”" in _alert(again.text)
    assert ServerLink.load(setup.hub.root).hub_id == saved.hub_id

    # Unpair: revoked on the server, the link file gone, the link closed.
    response = setup.client.post(
        "/settings/community/unpair", data={"csrf_token": setup.csrf}, follow_redirects=False
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/settings/community?done=unpaired"
    assert setup.hub.link is None
    assert running.state == "stopped"
    assert not (setup.hub.root / LINK_FILE).exists()
    assert setup.hubs_on_server() == [] or all(
        hub.get("revoked_at") for hub in setup.hubs_on_server()
    )
    page = setup.client.get("/settings/community?done=unpaired")
    assert "Unpaired: the server no longer accepts this hub" in page.text
    assert 'data-state="not paired"' in page.text

    # And pairing once more works, with a new code, still without a restart.
    assert setup.pair().status_code == 303
    assert setup.hub.link is not None
    assert setup.hub.link is not running


@pytest.mark.parametrize(
    ("server", "code", "status", "words"),
    [
        (None, "AAAA-BBBB", 400, "The server does not know this pairing code"),
        (None, "12", 400, "The pairing code has 8 characters"),
        ("porch.example.org", None, 400, "Start the address with https://"),
        ("ftp://porch.example.org", None, 400, "starts with https://"),
        ("UNREACHABLE", None, 502, "Cannot reach the server at http://127.0.0.1:"),
    ],
)
def test_refusals_are_in_words_and_keep_the_hub_unpaired(
    setup: Setup, server: str | None, code: str | None, status: int, words: str
) -> None:
    if server == "UNREACHABLE":
        server = f"http://127.0.0.1:{free_port()}"
    response = setup.pair(server=server, code=code)
    assert response.status_code == status, response.text
    assert words in _alert(response.text)
    assert 'id="pair-form"' in response.text  # the form again, the address kept
    if server:
        assert f'value="{server}"' in response.text
    assert not (setup.hub.root / LINK_FILE).exists()
    assert setup.hub.link is None


def test_a_used_or_expired_code_says_to_make_a_new_one(setup: Setup) -> None:
    code = setup.code()
    assert setup.pair(code=code).status_code == 303
    setup.client.post("/settings/community/unpair", data={"csrf_token": setup.csrf})
    used = setup.pair(code=code)
    assert used.status_code == 400
    assert "This pairing code was used already. Make a new code" in _alert(used.text)

    fresh = setup.code()
    setup.server.clock.advance(3600)
    expired = setup.pair(code=fresh)
    assert "This pairing code has expired" in _alert(expired.text)


def test_the_json_api_pairs_and_unpairs(setup: Setup) -> None:
    headers = {"X-CSRF-Token": setup.csrf}
    assert setup.client.get("/api/pairing").json()["state"] == "not paired"
    bad = setup.client.post(
        "/api/pairing", json={"server": setup.base, "code": "AAAA-BBBB"}, headers=headers
    )
    assert bad.status_code == 400
    assert bad.json()["error"] == "pairing code not recognised"
    made = setup.client.post(
        "/api/pairing", json={"server": setup.base, "code": setup.code()}, headers=headers
    )
    assert made.status_code == 201, made.text
    assert made.json()["paired"] is True
    assert made.json()["server_url"] == setup.base
    assert setup.hub.link is not None
    gone = setup.client.delete("/api/pairing", headers=headers)
    assert gone.status_code == 200
    assert gone.json() == {"confirmed": True}
    assert setup.hub.link is None
    again = setup.client.delete("/api/pairing", headers=headers)
    assert again.status_code == 409
    assert again.json()["error"] == "not paired"


def test_pairing_needs_the_owner(setup: Setup) -> None:
    with TestClient(setup.client.app) as stranger:
        assert stranger.get("/api/pairing").status_code == 401
        page = stranger.get("/settings/community", follow_redirects=False)
        assert page.status_code in {302, 303}
        assert "/login" in page.headers["location"]
        posted = stranger.post(
            "/settings/community/pair",
            data={"server": setup.base, "code": setup.code()},
            follow_redirects=False,
        )
        assert posted.status_code in {302, 303, 401, 403}
    assert not (setup.hub.root / LINK_FILE).exists()
