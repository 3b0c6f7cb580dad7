"""`ServerTarget` against a community server served over real HTTP: a hub paired through
`community.link.pair` stores, lists, reads and deletes objects; a full quota is
`TargetFull` in the server's words; another home's objects are `ObjectMissing`; an
unpaired or revoked hub and an unreachable server are `TargetError`s that say what to do.
"""

from __future__ import annotations

import os
import re
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select

from backup_tools import add_event, add_segment, backup_config
from frontporch.hub.backup.index import INDEX_KEY
from frontporch.hub.backup.recovery import parse_identity
from frontporch.hub.backup.restore import read_index, restore
from frontporch.hub.backup.server_target import NOT_PAIRED, ServerTarget, wire_key
from frontporch.hub.backup.service import BackupDesk
from frontporch.hub.backup.target import (
    MAX_OBJECT_BYTES,
    BackupTarget,
    ObjectMissing,
    StoredObject,
    TargetError,
    TargetFull,
)
from frontporch.hub.community import link
from frontporch.hub.community.link import ServerLink
from frontporch.hub.store.index import HubStore
from frontporch.hub.store.layout import RECORDINGS_DIR
from frontporch.server.accounts.models import Role
from frontporch.server.backups.models import BackupObject
from homes_tools import add_home
from server_fixtures import Account, free_port
from server_harness import ServerHarness
from server_live import served_sqlite_server

KEY_A = "00112233445566778899aabbccddeeff"
KEY_B = "ffeeddccbbaa99887766554433221100"


@dataclass
class Served:
    base: str
    server: ServerHarness
    folder: Path

    def paired(self, name: str, owner: Account | None = None) -> tuple[ServerTarget, Account]:
        """A new home and a hub paired with it over HTTP; the hub's target and owner."""
        owner = owner or self.server.account()
        home = add_home(owner, name)
        storage = self.folder / f"hub-{name}"
        code = owner.client.post(f"/api/homes/{home['id']}/pairing-code").json()["code"]
        link.pair(storage, self.base, code, f"{name} hub")
        return ServerTarget(storage), owner


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    (tmp_path / "server").mkdir()
    with served_sqlite_server(tmp_path / "server") as (base, server):
        yield Served(base, server, tmp_path)


def test_objects_go_there_and_back(served: Served) -> None:
    target, _ = served.paired("maple")
    typed: BackupTarget = target  # the hub's protocol, checked by mypy
    sealed = os.urandom(2 * 1024 * 1024 + 7)

    typed.put(KEY_A, sealed)
    typed.put(INDEX_KEY, b"the encrypted index")
    typed.put(KEY_B, b"")
    assert typed.get(KEY_A) == sealed
    assert typed.get(INDEX_KEY) == b"the encrypted index"
    assert sorted(typed.list(), key=lambda o: o.key) == [
        StoredObject(KEY_A, len(sealed)),
        StoredObject(KEY_B, 0),
        StoredObject(INDEX_KEY, len(b"the encrypted index")),
    ]
    assert target.quota() == (len(sealed) + len(b"the encrypted index"), 5 * 1000**3)

    typed.put(KEY_A, b"smaller now")
    assert typed.get(KEY_A) == b"smaller now"
    typed.delete(KEY_A)
    typed.delete(KEY_A)  # nothing there: nothing happens
    with pytest.raises(ObjectMissing):
        typed.get(KEY_A)
    assert {o.key for o in typed.list()} == {KEY_B, INDEX_KEY}


def test_the_server_sees_only_hex_keys(served: Served) -> None:
    target, _ = served.paired("maple")
    target.put(INDEX_KEY, b"x")
    target.put(KEY_A, b"y")
    with served.server.app.state.server.sessions() as db:
        stored = set(db.scalars(select(BackupObject.key)))
    assert stored == {wire_key(INDEX_KEY), KEY_A}
    assert all(re.fullmatch(r"[0-9a-f]{32}", key) for key in stored)
    assert wire_key(KEY_A) == KEY_A


def test_a_full_quota_is_target_full_in_the_servers_words(served: Served) -> None:
    target, owner = served.paired("maple")
    home_id = owner.client.get("/api/homes").json()[0]["id"]
    operator = served.server.account(Role.OPERATOR, mfa_on=True)
    set_quota = operator.client.put(
        f"/api/operator/backups/homes/{home_id}/quota", json={"limit_bytes": 2_000}
    )
    assert set_quota.status_code == 200, set_quota.text

    target.put(KEY_A, b"a" * 1_500)
    with pytest.raises(TargetFull) as full:
        target.put(KEY_B, b"b" * 501)
    assert "backup quota of 2 kB for this home is full" in str(full.value)
    assert "ask the server's operator for a larger quota" in str(full.value)
    with pytest.raises(ObjectMissing):
        target.get(KEY_B)

    operator.client.put(f"/api/operator/backups/homes/{home_id}/quota", json={"limit_bytes": 0})
    with pytest.raises(TargetFull, match="backups are turned off for this home"):
        target.put(KEY_B, b"b")
    assert target.get(KEY_A) == b"a" * 1_500  # what is stored stays readable


def test_another_homes_objects_are_missing(served: Served) -> None:
    mine, _ = served.paired("maple")
    theirs, _ = served.paired("oak")
    mine.put(KEY_A, b"mine")
    with pytest.raises(ObjectMissing):
        theirs.get(KEY_A)
    assert list(theirs.list()) == []
    theirs.delete(KEY_A)
    assert mine.get(KEY_A) == b"mine"


def test_an_unpaired_hub_is_told_to_pair(served: Served, tmp_path: Path) -> None:
    target = ServerTarget(tmp_path / "never-paired")
    for call in (
        lambda: target.put(KEY_A, b"x"),
        lambda: target.get(KEY_A),
        lambda: target.delete(KEY_A),
        lambda: list(target.list()),
    ):
        with pytest.raises(TargetError) as refused:
            call()
        assert str(refused.value) == NOT_PAIRED
        assert not isinstance(refused.value, (ObjectMissing, TargetFull))

    paired, _ = served.paired("maple")
    paired.put(KEY_A, b"x")
    assert link.unpair(paired.root) is True
    with pytest.raises(TargetError, match="not paired with a community server"):
        paired.get(KEY_A)


def test_a_revoked_hub_is_told_to_pair_again(served: Served) -> None:
    target, owner = served.paired("maple")
    target.put(KEY_A, b"x")
    saved = ServerLink.load(target.root)
    revoked = owner.client.delete(f"/api/homes/{saved.home_id}/hubs/{saved.hub_id}")
    assert revoked.status_code == 204
    with pytest.raises(TargetError, match="no longer accepts this hub") as refused:
        target.get(KEY_A)
    assert saved.credential not in str(refused.value)
    assert "frontporch hub pair" in str(refused.value)


def test_too_large_is_refused_before_sending_and_413_over_http(served: Served) -> None:
    target, _ = served.paired("maple")
    with pytest.raises(TargetError, match="at most 16777216 bytes"):
        target.put(KEY_A, b"\0" * (MAX_OBJECT_BYTES + 1))

    # A client that sends everything before reading still gets the server's 413.
    saved = ServerLink.load(target.root)
    request = urllib.request.Request(
        f"{served.base}/api/hub/backup/objects/{KEY_A}",
        data=b"\0" * (MAX_OBJECT_BYTES + 1),
        method="PUT",
        headers={"Authorization": f"Bearer {saved.credential}"},
    )
    with pytest.raises(urllib.error.HTTPError) as answer:
        urllib.request.urlopen(request, timeout=60)
    assert answer.value.code == 413
    with pytest.raises(ObjectMissing):
        target.get(KEY_A)


def test_an_unreachable_server_is_a_target_error(tmp_path: Path) -> None:
    storage = tmp_path / "hub"
    ServerLink(
        server_url=f"http://127.0.0.1:{free_port()}",
        hub_id="00000000-0000-0000-0000-000000000000",
        home_id="00000000-0000-0000-0000-000000000000",
        home_name="Maple St",
        credential="fph_made-up",
    ).save(storage)
    target = ServerTarget(storage, timeout_s=5)
    with pytest.raises(TargetError, match="cannot reach the community server") as refused:
        target.put(KEY_A, b"x")
    assert "fph_made-up" not in str(refused.value)


def test_two_uploads_at_once_cannot_both_take_the_last_room(served: Served) -> None:
    target, owner = served.paired("maple")
    home_id = owner.client.get("/api/homes").json()[0]["id"]
    operator = served.server.account(Role.OPERATOR, mfa_on=True)
    operator.client.put(
        f"/api/operator/backups/homes/{home_id}/quota", json={"limit_bytes": 10_000}
    )
    keys = [f"{n:032x}" for n in range(8)]
    outcomes: dict[str, str] = {}

    def upload(key: str) -> None:
        try:
            target.put(key, os.urandom(3_000))
            outcomes[key] = "stored"
        except TargetFull:
            outcomes[key] = "full"

    threads = [threading.Thread(target=upload, args=(key,)) for key in keys]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes.values()) == ["full"] * 5 + ["stored"] * 3
    assert target.quota() == (9_000, 10_000)
    assert len(list(target.list())) == 3


def test_a_stolen_hub_is_restored_from_the_server(served: Served) -> None:
    """The hub backs up to its server (the configured target, no stand-in); it is
    stolen and revoked; a new hub paired with the same home restores every file."""
    owner = served.server.account()
    home_id = add_home(owner, "maple")["id"]
    root = served.folder / "hub"
    root.mkdir()
    code = owner.client.post(f"/api/homes/{home_id}/pairing-code").json()["code"]
    link.pair(root, served.base, code, "porch hub")
    now = time.time()
    files: dict[str, bytes] = {}
    with HubStore(root / "hub.db") as store:
        for i in range(3):
            data = os.urandom(3000 + i)
            rel = add_segment(store, root, "front", now - 300 + 10 * i, data)
            files[f"{RECORDINGS_DIR}/{rel}"] = data
        add_event(store, root, "e1", "front", now - 295, now - 280, clip=b"clip-bytes-e1")
        config = backup_config(root, backup={"enabled": True, "target": {"type": "server"}})
        desk = BackupDesk(config, store, root, clock=lambda: now)
        key = desk.new_key()
        desk.confirm_key(key.recipient)
        run = desk.run_pass()
        assert run is not None
    assert {o.key for o in ServerTarget(root).list()} >= {INDEX_KEY}

    stolen = ServerLink.load(root)
    revoked = owner.client.delete(f"/api/homes/{home_id}/hubs/{stolen.hub_id}")
    assert revoked.status_code == 204
    replacement = served.folder / "replacement"
    code = owner.client.post(f"/api/homes/{home_id}/pairing-code").json()["code"]
    link.pair(replacement, served.base, code, "new porch hub")
    target = ServerTarget(replacement)
    identity = parse_identity(key.secret)
    items = read_index(target, identity)
    report = restore(target, identity, served.folder / "restored", items)
    assert report.failed == []
    for rel, data in files.items():
        assert (served.folder / "restored" / rel).read_bytes() == data, rel
    assert (served.folder / "restored" / "clips/e1.mp4").read_bytes() == b"clip-bytes-e1"
