"""Hub pairing end to end: the hub side (`frontporch.hub.community.link`, real HTTP through
uvicorn) against the server; refusals for bad signatures, expired, reused and unknown
codes, other origins, keys already paired; unpairing and revocation; the long-poll;
hubs and users as separate principals."""

from __future__ import annotations

import json
import stat
import uuid
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from frontporch.crypto.keys import HubIdentity
from frontporch.hub.community import link
from homes_tools import add_home, pair_body, pairing_code
from server_fixtures import FakeClock, free_port
from server_harness import ServerHarness

pytestmark = pytest.mark.served


def _hub_client(server: ServerHarness, credential: str) -> TestClient:
    client = server.new_client()
    client.headers["authorization"] = f"Bearer {credential}"
    return client


def test_pairing_end_to_end(server: ServerHarness, live: str, tmp_path: Path) -> None:
    owner = server.account()
    home = add_home(owner)
    code = pairing_code(owner, home["id"])
    storage = tmp_path / "hub"
    paired = link.pair(storage, live, code.lower(), "Porch hub")
    assert paired.home_id == home["id"]
    assert paired.home_name == "Maple St"
    assert paired.credential.startswith("fph_")
    saved = storage / link.LINK_FILE
    assert stat.S_IMODE(saved.stat().st_mode) == 0o600
    assert json.loads(saved.read_text())["server_url"] == live

    hubs = owner.client.get(f"/api/homes/{home['id']}/hubs").json()
    identity = HubIdentity.load(storage)
    assert [(h["name"], h["public_key"], h["age_recipient"]) for h in hubs] == [
        ("Porch hub", identity.public_key, identity.age_recipient)
    ]
    # The credential is stored hashed only.
    with server.app.state.server.engine.connect() as connection:
        dump = repr(list(connection.exec_driver_sql("SELECT * FROM hubs")))
    assert paired.credential not in dump

    hub = _hub_client(server, paired.credential)
    assert hub.get("/api/hub/messages").json() == {"messages": []}
    assert link.unpair(storage) is True
    assert not saved.exists()
    assert hub.get("/api/hub/messages").status_code == 401
    assert owner.client.get(f"/api/homes/{home['id']}/hubs").json() == []


def test_refusals_say_what_went_wrong(server: ServerHarness, live: str, clock: FakeClock) -> None:
    owner = server.account()
    home_id = add_home(owner)["id"]
    client = server.new_client()
    identity = HubIdentity.generate()

    unknown = client.post("/api/hub/pair", json=pair_body(identity, live, "AAAA-AAAA"))
    assert unknown.status_code == 400
    assert unknown.json()["error"] == "pairing code not recognised"
    assert unknown.json()["field"] == "code"

    code = pairing_code(owner, home_id)
    forged = pair_body(identity, live, code)
    forged["signature"] = pair_body(HubIdentity.generate(), live, code)["signature"]
    bad = client.post("/api/hub/pair", json=forged)
    assert bad.status_code == 400
    assert bad.json()["error"] == "signature does not verify"
    assert live in bad.json()["detail"]

    elsewhere = client.post("/api/hub/pair", json=pair_body(identity, "https://evil.test", code))
    assert elsewhere.status_code == 400
    assert elsewhere.json()["field"] == "signature"

    bad_key = {**pair_body(identity, live, code), "age_recipient": "age1nope"}
    assert client.post("/api/hub/pair", json=bad_key).json()["field"] == "age_recipient"

    ok = client.post("/api/hub/pair", json=pair_body(identity, live, code))
    assert ok.status_code == 201, ok.text
    reused = client.post("/api/hub/pair", json=pair_body(HubIdentity.generate(), live, code))
    assert reused.status_code == 400
    assert reused.json()["error"] == "pairing code already used"

    again = client.post(
        "/api/hub/pair", json=pair_body(identity, live, pairing_code(owner, home_id))
    )
    assert again.status_code == 409
    assert again.json()["error"] == "hub already paired"

    stale = pairing_code(owner, home_id)
    clock.advance(601)
    expired = client.post("/api/hub/pair", json=pair_body(HubIdentity.generate(), live, stale))
    assert expired.status_code == 400
    assert expired.json()["error"] == "pairing code expired"

    first, second = pairing_code(owner, home_id), pairing_code(owner, home_id)
    replaced = client.post("/api/hub/pair", json=pair_body(HubIdentity.generate(), live, first))
    assert replaced.json()["error"] == "pairing code already used"
    fresh = client.post("/api/hub/pair", json=pair_body(HubIdentity.generate(), live, second))
    assert fresh.status_code == 201


def test_the_cli_path_reports_refusals(server: ServerHarness, live: str, tmp_path: Path) -> None:
    with pytest.raises(link.PairingRefused, match="not recognised"):
        link.pair(tmp_path / "hub", live, "ZZZZ-ZZZZ", "Hub")
    with pytest.raises(link.PairingRefused, match="8 characters"):
        link.pair(tmp_path / "hub", live, "123", "Hub")
    with pytest.raises(link.NotPaired):
        link.unpair(tmp_path / "hub")
    with pytest.raises(link.LinkError, match="cannot reach"):
        link.pair(tmp_path / "hub", f"http://127.0.0.1:{free_port()}", "ZZZZ-ZZZZ", "Hub")


def test_wrong_codes_are_throttled(server: ServerHarness, live: str) -> None:
    client = server.new_client(address="203.0.113.50")
    identity = HubIdentity.generate()
    answers = [
        client.post("/api/hub/pair", json=pair_body(identity, live, f"AAAA-AA{n:02d}")).status_code
        for n in range(11)
    ]
    assert answers[:10] == [400] * 10
    assert answers[10] == 429
    owner = server.account()
    code = pairing_code(owner, add_home(owner)["id"])
    locked = client.post("/api/hub/pair", json=pair_body(identity, live, code))
    assert locked.status_code == 429  # even the right code, while locked
    elsewhere = server.new_client(address="198.51.100.99")
    assert elsewhere.post("/api/hub/pair", json=pair_body(identity, live, code)).status_code == 201


def test_owner_revokes_and_other_homes_cannot(
    server: ServerHarness, live: str, tmp_path: Path
) -> None:
    owner, stranger = server.account(), server.account()
    home_id = add_home(owner)["id"]
    stranger_home = add_home(stranger, "Elm St")["id"]
    paired = link.pair(tmp_path / "hub", live, pairing_code(owner, home_id), "Hub")
    hub = _hub_client(server, paired.credential)
    for path in (
        f"/api/homes/{home_id}/hubs/{paired.hub_id}",
        f"/api/homes/{stranger_home}/hubs/{paired.hub_id}",
    ):
        assert stranger.client.delete(path).status_code == 404
        assert stranger.client.post(path + "/ping").status_code == 404
    assert hub.get("/api/hub/messages").status_code == 200
    assert owner.client.delete(f"/api/homes/{home_id}/hubs/{paired.hub_id}").status_code == 204
    revoked = hub.get("/api/hub/messages")
    assert revoked.status_code == 401
    assert revoked.json()["error"] == "hub credential required"
    assert link.unpair(tmp_path / "hub") is False  # already revoked; forgets the link anyway
    assert not (tmp_path / "hub" / link.LINK_FILE).exists()


def test_long_poll_returns_a_ping_and_times_out_cleanly(
    server: ServerHarness, live: str, tmp_path: Path
) -> None:
    owner = server.account()
    home_id = add_home(owner)["id"]
    paired = link.pair(tmp_path / "hub", live, pairing_code(owner, home_id), "Hub")
    hub = _hub_client(server, paired.credential)
    empty = hub.get("/api/hub/messages", params={"after": 0, "wait": 0.6})
    assert empty.status_code == 200
    assert empty.json() == {"messages": []}
    queued = owner.client.post(f"/api/homes/{home_id}/hubs/{paired.hub_id}/ping")
    assert queued.status_code == 202
    assert queued.json() == {"seq": 1}
    got = hub.get("/api/hub/messages", params={"after": 0, "wait": 5}).json()["messages"]
    assert [(m["seq"], m["kind"]) for m in got] == [(1, "ping")]
    assert "sent_at" in got[0]["body"]
    # Not acknowledged yet: it comes again; acknowledged with after=1: gone.
    assert len(hub.get("/api/hub/messages", params={"after": 0}).json()["messages"]) == 1
    assert hub.get("/api/hub/messages", params={"after": 1}).json() == {"messages": []}
    assert hub.get("/api/hub/messages", params={"after": 0}).json() == {"messages": []}
    too_long = hub.get("/api/hub/messages", params={"wait": 31})
    assert too_long.status_code == 422
    assert too_long.json()["field"] == "wait"


def test_hubs_and_users_are_separate_principals(
    server: ServerHarness, live: str, tmp_path: Path
) -> None:
    owner = server.account()
    home_id = add_home(owner)["id"]
    paired = link.pair(tmp_path / "hub", live, pairing_code(owner, home_id), "Hub")
    hub = _hub_client(server, paired.credential)
    for path in ("/api/account", "/api/homes", f"/api/homes/{home_id}/hubs"):
        response = hub.get(path)
        assert response.status_code == 401, path
        assert response.json()["error"] == "sign-in required"
    user = owner.client.get("/api/hub/messages")
    assert user.status_code == 401
    assert user.json()["error"] == "hub credential required"
    token = owner.client.post("/api/account/tokens", json={"name": "t"}).json()["token"]
    with_token = _hub_client(server, token).get("/api/hub/messages")
    assert with_token.status_code == 401
    assert _hub_client(server, "fph_made-up").delete("/api/hub/pairing").status_code == 401
    assert hub.get(f"/api/hub/messages?after={2**62 + 1}").status_code == 422
    assert owner.client.post(f"/api/homes/{home_id}/hubs/{uuid.uuid4()}/ping").status_code == 404
