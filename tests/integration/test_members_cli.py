"""The owner's command-line password reset still works with household members: the real
`frontporch hub set-password` changes the owner's password in the v12 users table,
signs out only the owner's sessions, and leaves members' passwords alone."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from fakes import FakeClock
from frontporch.hub.people.records import UserSession
from frontporch.hub.people.service import add_member
from frontporch.hub.store.index import HubStore
from frontporch.hub.store.layout import INDEX_FILE
from frontporch.hub.web.passwords import (
    ensure_owner_password,
    hash_password,
    verify_owner_password,
    verify_user_password,
)
from hubtools import frontporch_command, hub_config, write_config
from member_tools import MEMBER_PASSWORD

NEW_PASSWORD = "a brand new owner password"


def test_set_password_resets_the_owner_only(tmp_path: Path) -> None:
    storage = tmp_path / "storage"
    storage.mkdir()
    config = write_config(tmp_path / "hub.yaml", hub_config(storage, {}))
    now = FakeClock().now
    with HubStore(storage / INDEX_FILE) as store:
        first = ensure_owner_password(store)
        assert first is not None
        member, _ = add_member(store, "guest", "member", [], hash_password(MEMBER_PASSWORD), now)
        store.create_user_session(UserSession("owner-s", "owner", now, now + 9e9, "Laptop"))
        store.create_user_session(UserSession("guest-s", member.id, now, now + 9e9, "Phone"))
    done = subprocess.run(
        [*frontporch_command(), "hub", "set-password", "--config", str(config)],
        input=f"{NEW_PASSWORD}\n{NEW_PASSWORD}\n",
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "NO_COLOR": "1"},
    )
    assert done.returncode == 0, done.stderr
    assert "Password changed" in done.stdout
    with HubStore(storage / INDEX_FILE) as store:
        assert verify_owner_password(store, NEW_PASSWORD)
        assert not verify_owner_password(store, first)
        owner = store.get_user("owner")
        guest = store.get_user(member.id)
        assert owner is not None
        assert guest is not None
        assert verify_user_password(store, guest, MEMBER_PASSWORD)
        assert owner.password_changed > now, "the owner's older sessions stop working"
        assert guest.password_changed == now, "the member's sessions keep working"
