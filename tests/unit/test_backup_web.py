"""The Backup page over the real store: the recovery key shown once and stored nowhere,
confirmed before backups start, replaced only on purpose; errors of passes shown."""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from backup_tools import MemoryTarget, backup_config
from fakes import (
    OWNER_PASSWORD,
    FakeClock,
    FakeRuntime,
    camera_status,
    cheap_password_hashing,
    sign_in,
)
from frontporch.hub.backup.recovery import parse_identity
from frontporch.hub.backup.service import BackupDesk
from frontporch.hub.store.index import HubStore
from frontporch.hub.web.app import create_hub_app
from frontporch.hub.web.passwords import set_owner_password

SECRET = re.compile(r"AGE-SECRET-KEY-1[0-9A-Z]+")


@pytest.fixture
def store(tmp_path: Path) -> Iterator[HubStore]:
    with HubStore(tmp_path / "hub.db") as store:
        yield store


@pytest.fixture
def target() -> MemoryTarget:
    return MemoryTarget()


@pytest.fixture
def app(
    store: HubStore, tmp_path: Path, target: MemoryTarget, monkeypatch: pytest.MonkeyPatch
) -> FastAPI:
    cheap_password_hashing(monkeypatch)
    clock = FakeClock()
    set_owner_password(store, OWNER_PASSWORD, now=clock.now - 60)
    config = backup_config(tmp_path, backup={"enabled": True, "target": {"type": "server"}})
    desk = BackupDesk(config, store, tmp_path, clock=clock, target=target)
    desk.retry_delays = ()
    runtime = FakeRuntime({"front": camera_status("front"), "back": camera_status("back")})
    return create_hub_app(config, store, runtime, clock=clock, backup_desk=desk)


@pytest.fixture
def client(app: FastAPI) -> TestClient:
    client = TestClient(app)
    client.headers["X-Test-CSRF"] = sign_in(client)
    return client


def token(client: TestClient) -> str:
    return client.headers["X-Test-CSRF"]


def make_key(client: TestClient, **form: str) -> tuple[str, str]:
    page = client.post("/backup/recovery-key", data={"csrf_token": token(client), **form})
    assert page.status_code == 200, page.text
    found = SECRET.search(page.text)
    assert found is not None
    recipient = re.search(r'name="recipient" value="(age1[^"]+)"', page.text)
    assert recipient is not None
    return found.group(0), recipient.group(1)


def test_the_page_offers_a_key_at_first_and_says_what_losing_it_means(client: TestClient) -> None:
    page = client.get("/backup")
    assert page.status_code == 200
    assert "Make my recovery key" in page.text
    assert "If you lose it, your backups are lost" in page.text
    assert "No recovery key is confirmed yet" in page.text


def test_the_key_is_shown_once_and_only_its_public_half_is_kept(
    client: TestClient, store: HubStore, tmp_path: Path
) -> None:
    page = client.post("/backup/recovery-key", data={"csrf_token": token(client)})
    assert page.headers["cache-control"] == "no-store"
    secret = SECRET.search(page.text)
    assert secret is not None
    assert "<svg" in page.text
    assert "the hub does not keep it and cannot show it again" in page.text
    # The downloads carry the key themselves; nothing to fetch from the hub later.
    printable = re.search(r'href="data:text/html;base64,([^"]+)"', page.text)
    assert printable is not None
    assert secret.group(0) in base64.b64decode(printable.group(1)).decode()
    text = re.search(r'href="data:text/plain;charset=utf-8,([^"]+)"', page.text)
    assert text is not None
    identity = parse_identity(unquote(text.group(1)))
    pending = store.backup_pending_recipient()
    assert pending is not None
    assert str(identity.to_public()) == pending.recipient
    assert store.backup_recipient() is None
    again = client.get("/backup")
    assert SECRET.search(again.text) is None
    assert pending.recipient in again.text  # it can still be confirmed
    store.close()
    for path in tmp_path.glob("hub.db*"):
        assert secret.group(0).encode() not in path.read_bytes()


def test_backups_start_only_after_the_owner_confirms(
    client: TestClient, store: HubStore, target: MemoryTarget, app: FastAPI
) -> None:
    _, recipient = make_key(client)
    unticked = client.post(
        "/backup/recovery-key/confirm",
        data={"csrf_token": token(client), "recipient": recipient},
    )
    assert unticked.status_code == 400
    assert store.backup_recipient() is None
    done = client.post(
        "/backup/recovery-key/confirm",
        data={"csrf_token": token(client), "recipient": recipient, "saved": "yes"},
        follow_redirects=False,
    )
    assert done.status_code == 303
    confirmed = store.backup_recipient()
    assert confirmed is not None
    assert confirmed.recipient == recipient
    page = client.get("/backup?confirmed=1")
    assert "Recovery key confirmed" in page.text
    assert recipient in page.text
    app.state.backup.run_pass()
    assert "index" in target.objects


def test_confirming_a_key_that_is_not_waiting_is_refused(client: TestClient) -> None:
    make_key(client)
    other = client.post(
        "/backup/recovery-key/confirm",
        data={
            "csrf_token": token(client),
            "recipient": "age1qyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqs3290gq",
            "saved": "yes",
        },
    )
    assert other.status_code == 409
    assert "not the one waiting" in other.text
    bad = client.post(
        "/backup/recovery-key/confirm",
        data={"csrf_token": token(client), "recipient": "hello", "saved": "yes"},
    )
    assert bad.status_code == 409


def test_replacing_a_key_needs_the_box_ticked(client: TestClient, store: HubStore) -> None:
    _, first = make_key(client)
    client.post(
        "/backup/recovery-key/confirm",
        data={"csrf_token": token(client), "recipient": first, "saved": "yes"},
    )
    refused = client.post("/backup/recovery-key", data={"csrf_token": token(client)})
    assert refused.status_code == 400
    assert store.backup_pending_recipient() is None
    _, second = make_key(client, replace="yes")
    client.post(
        "/backup/recovery-key/confirm",
        data={"csrf_token": token(client), "recipient": second, "saved": "yes"},
    )
    current = store.backup_recipient()
    assert current is not None
    assert current.recipient == second


def test_a_failed_pass_is_shown_on_the_page(
    client: TestClient, target: MemoryTarget, app: FastAPI
) -> None:
    _, recipient = make_key(client)
    client.post(
        "/backup/recovery-key/confirm",
        data={"csrf_token": token(client), "recipient": recipient, "saved": "yes"},
    )
    target.refuse_writes = True
    app.state.backup.run_pass()
    page = client.get("/backup")
    assert "refuses writes" in page.text
    started = client.post("/backup/run", data={"csrf_token": token(client)}, follow_redirects=False)
    assert started.status_code == 303


def test_strangers_and_forged_posts_are_refused(app: FastAPI, client: TestClient) -> None:
    stranger = TestClient(app)
    assert stranger.get("/backup", follow_redirects=False).status_code in (303, 401)
    assert stranger.post("/backup/recovery-key", follow_redirects=False).status_code in (
        303,
        401,
        403,
    )
    forged = client.post("/backup/recovery-key", data={}, headers={"X-Test-CSRF": ""})
    assert forged.status_code == 403
    assert SECRET.search(forged.text) is None


def test_a_camera_name_the_hub_does_not_have_is_pointed_out(
    store: HubStore, tmp_path: Path, target: MemoryTarget
) -> None:
    config = backup_config(
        tmp_path,
        backup={"enabled": True, "target": {"type": "server"}, "cameras": ["front", "frnot"]},
    )
    desk = BackupDesk(config, store, tmp_path, target=target)
    key = desk.new_key()
    desk.confirm_key(key.recipient)
    assert desk.view().problem == "backup.cameras names cameras this hub does not have: frnot"


def test_the_front_page_offers_a_recovery_key_until_one_is_confirmed(
    client: TestClient, store: HubStore
) -> None:
    assert "Set up a recovery key" in client.get("/").text
    _, recipient = make_key(client)
    assert "Set up a recovery key" in client.get("/").text  # made but not yet confirmed
    client.post(
        "/backup/recovery-key/confirm",
        data={"csrf_token": token(client), "recipient": recipient, "saved": "yes"},
    )
    assert store.backup_recipient() is not None
    assert "Set up a recovery key" not in client.get("/").text
