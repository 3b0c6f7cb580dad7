"""The community server as a backup target: a paired hub stores opaque objects under
its home's quota, never reaches another home's, and its home's objects are deleted
(blobs before rows) when the home goes or has had no hub for the grace period. The
operator sets quotas through the API and the page."""

from __future__ import annotations

import logging
import os
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import func, select

from frontporch.crypto.keys import HubIdentity
from frontporch.server.accounts.models import Role
from frontporch.server.backups.models import BackupHome, BackupObject, BackupUpload
from frontporch.server.backups.service import blob_key, hubless_grace, sweep, sweep_unrecorded
from frontporch.server.blobs import BlobStore
from frontporch.server.context import ServerContext
from homes_tools import pair_body
from http_tools import form_csrf
from release_tools import paired_hub
from server_fixtures import Account
from server_harness import ServerHarness

OBJECTS = "/api/hub/backup/objects"
KEY_A = "0123456789abcdef0123456789abcdef"
KEY_B = "fedcba9876543210fedcba9876543210"
MIB = 1024 * 1024


def _context(server: ServerHarness) -> ServerContext:
    context: ServerContext = server.app.state.server
    return context


def _operator(server: ServerHarness) -> Account:
    return server.account(Role.OPERATOR, mfa_on=True)


def _set_quota(operator: Account, home_id: str, limit: int | None) -> None:
    response = operator.client.put(
        f"/api/operator/backups/homes/{home_id}/quota", json={"limit_bytes": limit}
    )
    assert response.status_code == 200, response.text
    assert response.json()["limit_bytes"] == limit or limit is None


def _put(client: TestClient, key: str, data: bytes) -> int:
    response = client.put(
        f"{OBJECTS}/{key}", content=data, headers={"content-type": "application/octet-stream"}
    )
    return int(response.status_code)


def _pair_again(server: ServerHarness, owner: Account, home_id: str) -> TestClient:
    """A further hub paired with the home (a replacement after a theft)."""
    code = owner.client.post(f"/api/homes/{home_id}/pairing-code").json()["code"]
    paired = server.new_client().post(
        "/api/hub/pair", json=pair_body(HubIdentity.generate(), "http://testserver", code)
    )
    assert paired.status_code == 201, paired.text
    hub: TestClient = server.new_client()
    hub.headers["authorization"] = f"Bearer {paired.json()['credential']}"
    return hub


def _rows(server: ServerHarness, home_id: str) -> int:
    with _context(server).sessions() as db:
        return int(
            db.scalar(
                select(func.count())
                .select_from(BackupObject)
                .where(BackupObject.home_id == uuid.UUID(home_id))
            )
            or 0
        )


def test_an_object_goes_there_and_back(server: ServerHarness) -> None:
    hub = paired_hub(server).client
    data = os.urandom(300_000)

    stored = hub.put(f"{OBJECTS}/{KEY_A}", content=data)
    assert stored.status_code == 200, stored.text
    assert stored.json() == {"key": KEY_A, "size": len(data)}
    got = hub.get(f"{OBJECTS}/{KEY_A}")
    assert got.status_code == 200
    assert got.content == data
    assert got.headers["content-type"] == "application/octet-stream"
    assert got.headers["cache-control"] == "no-store"

    assert _put(hub, KEY_B, b"") == 200  # an empty object is an object
    listed = hub.get(OBJECTS).json()
    assert listed == {
        "objects": [{"key": KEY_A, "size": len(data)}, {"key": KEY_B, "size": 0}],
        "next": None,
    }
    assert hub.get("/api/hub/backup/quota").json() == {
        "objects": 2,
        "used_bytes": len(data),
        "limit_bytes": 5 * 1000**3,  # the default: 5 GB
    }

    assert _put(hub, KEY_A, b"replaced") == 200
    assert hub.get(f"{OBJECTS}/{KEY_A}").content == b"replaced"
    assert hub.get("/api/hub/backup/quota").json()["used_bytes"] == len(b"replaced")

    assert hub.delete(f"{OBJECTS}/{KEY_A}").status_code == 204
    missing = hub.get(f"{OBJECTS}/{KEY_A}")
    assert missing.status_code == 404
    assert missing.json()["error"] == "backup object not found"
    assert hub.delete(f"{OBJECTS}/{KEY_A}").status_code == 204  # nothing there: still fine
    assert [o["key"] for o in hub.get(OBJECTS).json()["objects"]] == [KEY_B]


def test_the_list_comes_in_pages(server: ServerHarness) -> None:
    hub = paired_hub(server).client
    keys = sorted(f"{n:032x}" for n in range(5))
    for key in keys:
        assert _put(hub, key, key.encode()) == 200
    seen: list[str] = []
    after = ""
    while True:
        page = hub.get(OBJECTS, params={"after": after, "limit": 2}).json()
        seen += [item["key"] for item in page["objects"]]
        if page["next"] is None:
            break
        after = page["next"]
    assert seen == keys


def test_bad_keys_are_refused(server: ServerHarness) -> None:
    hub = paired_hub(server).client
    for key in ("index", KEY_A.upper(), KEY_A[:-1], KEY_A + "0", "g" * 32):
        response = hub.put(f"{OBJECTS}/{key}", content=b"x")
        assert response.status_code == 422, (key, response.text)
        assert response.json()["field"] == "key"
        assert hub.get(f"{OBJECTS}/{key}").status_code == 422
    assert hub.get(OBJECTS, params={"after": "../x"}).status_code == 422
    assert hub.get(OBJECTS).json()["objects"] == []


def test_a_body_over_16_mib_is_413(server: ServerHarness) -> None:
    hub = paired_hub(server).client
    response = hub.put(f"{OBJECTS}/{KEY_A}", content=b"\0" * (16 * MIB + 1))
    assert response.status_code == 413
    assert "16.8 MB" in response.json()["detail"]
    assert _put(hub, KEY_A, b"\0" * (16 * MIB)) == 200  # exactly the limit fits

    def chunks() -> Iterator[bytes]:  # no Content-Length: the limit is counted as bytes arrive
        for _ in range(17):
            yield b"\1" * MIB

    streamed = hub.put(f"{OBJECTS}/{KEY_B}", content=chunks())
    assert streamed.status_code == 413
    assert hub.get(f"{OBJECTS}/{KEY_B}").status_code == 404
    assert hub.get("/api/hub/backup/quota").json()["used_bytes"] == 16 * MIB


def test_a_full_quota_is_507_with_the_reason(server: ServerHarness) -> None:
    owner = server.account()
    hub = paired_hub(server, owner=owner)
    operator = _operator(server)
    _set_quota(operator, hub.home_id, 1000)

    assert _put(hub.client, KEY_A, b"a" * 600) == 200
    full = hub.client.put(f"{OBJECTS}/{KEY_B}", content=b"b" * 401)
    assert full.status_code == 507
    assert full.json()["error"] == "backup quota of 1 kB for this home is full"
    assert "600 bytes of 1 kB" in full.json()["detail"]
    assert hub.client.get(f"{OBJECTS}/{KEY_B}").status_code == 404
    assert _put(hub.client, KEY_B, b"b" * 400) == 200  # exactly to the limit
    # Replacing an object counts only the difference.
    assert _put(hub.client, KEY_A, b"a" * 550) == 200
    assert _put(hub.client, KEY_A, b"a" * 600) == 200
    assert hub.client.put(f"{OBJECTS}/{KEY_A}", content=b"a" * 601).status_code == 507
    assert hub.client.get(f"{OBJECTS}/{KEY_A}").content == b"a" * 600  # the old one stays

    # 0 turns backups off: nothing fits, what is there stays readable and deletable.
    _set_quota(operator, hub.home_id, 0)
    off = hub.client.put(f"{OBJECTS}/{KEY_A}", content=b"")
    assert off.status_code == 507
    assert off.json()["error"] == "backups are turned off for this home"
    assert hub.client.get(f"{OBJECTS}/{KEY_B}").status_code == 200
    assert hub.client.get("/api/hub/backup/quota").json()["limit_bytes"] == 0

    _set_quota(operator, hub.home_id, None)  # back to the default
    assert hub.client.get("/api/hub/backup/quota").json()["limit_bytes"] == 5 * 1000**3
    overview = operator.client.get("/api/operator/backups").json()
    assert overview["default_limit_bytes"] == 5 * 1000**3
    assert overview["homes"] == [
        {
            "home_id": hub.home_id,
            "objects": 2,
            "used_bytes": 1000,
            "limit_bytes": 5 * 1000**3,
            "custom": False,
        }
    ]


def test_uploads_in_flight_count_against_the_quota(server: ServerHarness) -> None:
    hub = paired_hub(server)
    _set_quota(_operator(server), hub.home_id, 1000)
    context = _context(server)
    with context.sessions.begin() as db:  # another upload of this home, under way
        db.add(BackupUpload(home_id=uuid.UUID(hub.home_id), size=700, started_at=server.clock()))
    assert hub.client.put(f"{OBJECTS}/{KEY_A}", content=b"a" * 301).status_code == 507
    assert _put(hub.client, KEY_A, b"a" * 300) == 200
    server.clock.advance(16 * 60)  # the other upload's process died: its bytes expire
    assert _put(hub.client, KEY_B, b"b" * 700) == 200


def test_another_homes_objects_are_never_reached(server: ServerHarness) -> None:
    mine = paired_hub(server)
    theirs = paired_hub(server)
    assert _put(mine.client, KEY_A, b"mine") == 200

    assert theirs.client.get(f"{OBJECTS}/{KEY_A}").status_code == 404
    assert theirs.client.get(OBJECTS).json()["objects"] == []
    assert theirs.client.get("/api/hub/backup/quota").json()["used_bytes"] == 0
    assert theirs.client.delete(f"{OBJECTS}/{KEY_A}").status_code == 204
    assert _put(theirs.client, KEY_A, b"theirs") == 200  # the same key is their own object
    assert mine.client.get(f"{OBJECTS}/{KEY_A}").content == b"mine"
    assert theirs.client.get(f"{OBJECTS}/{KEY_A}").content == b"theirs"

    # A second hub of the same home shares the home's objects (a replacement restores).
    replacement = _pair_again(server, mine.owner, mine.home_id)
    assert replacement.get(f"{OBJECTS}/{KEY_A}").content == b"mine"

    # Users are not hubs, and hubs are not users.
    assert mine.owner.client.get(f"{OBJECTS}/{KEY_A}").status_code == 401
    assert mine.client.get("/api/operator/backups").status_code == 401
    resident = server.account()
    assert resident.client.get("/api/operator/backups").status_code == 403


def test_deleting_the_home_deletes_its_objects_blobs_first(server: ServerHarness) -> None:
    doomed = paired_hub(server)
    kept = paired_hub(server)
    for hub in (doomed, kept):
        assert _put(hub.client, KEY_A, b"a") == 200
        assert _put(hub.client, KEY_B, b"b") == 200
    context = _context(server)
    blobs: BlobStore = context.blobs

    assert doomed.owner.client.delete(f"/api/homes/{doomed.home_id}").status_code == 204
    assert doomed.client.get(OBJECTS).status_code == 401  # its hubs went with it
    swept = sweep(context)
    assert swept.homes_gone == 1
    assert swept.objects_deleted == 2
    home = uuid.UUID(doomed.home_id)
    assert not blobs.exists(blob_key(home, KEY_A))
    assert not blobs.exists(blob_key(home, KEY_B))
    assert _rows(server, doomed.home_id) == 0
    with context.sessions() as db:
        assert db.get(BackupHome, home) is None
    assert kept.client.get(f"{OBJECTS}/{KEY_A}").content == b"a"
    assert _rows(server, kept.home_id) == 2
    assert sweep(context).objects_deleted == 0


def test_unpairing_keeps_objects_for_the_grace_period(server: ServerHarness) -> None:
    hub = paired_hub(server)
    assert _put(hub.client, KEY_A, b"restore me") == 200
    context = _context(server)
    home = uuid.UUID(hub.home_id)
    assert hub.client.delete("/api/hub/pairing").status_code == 204  # stolen: revoked

    assert sweep(context).objects_deleted == 0  # marks the home hubless
    server.clock.advance(hubless_grace(context.settings).total_seconds() - 60)
    assert sweep(context).objects_deleted == 0
    assert context.blobs.exists(blob_key(home, KEY_A))
    server.clock.advance(60)
    swept = sweep(context)
    assert swept.homes_hubless == 1
    assert swept.objects_deleted == 1
    assert not context.blobs.exists(blob_key(home, KEY_A))
    assert _rows(server, hub.home_id) == 0


def test_a_new_hub_within_the_grace_period_keeps_them(server: ServerHarness) -> None:
    hub = paired_hub(server)
    assert _put(hub.client, KEY_A, b"restore me") == 200
    context = _context(server)
    assert hub.client.delete("/api/hub/pairing").status_code == 204
    sweep(context)
    server.clock.advance(86400)
    new_hub = _pair_again(server, hub.owner, hub.home_id)
    sweep(context)  # the home has a hub again: no longer counting
    server.clock.advance(hubless_grace(context.settings).total_seconds() * 2)
    assert sweep(context).objects_deleted == 0
    assert new_hub.get(f"{OBJECTS}/{KEY_A}").content == b"restore me"


def test_blobs_no_row_records_are_swept_when_old(server: ServerHarness) -> None:
    hub = paired_hub(server)
    assert _put(hub.client, KEY_A, b"recorded") == 200
    context = _context(server)
    home = uuid.UUID(hub.home_id)
    context.blobs.put(blob_key(home, KEY_B), b"a crash left me")  # no row
    assert sweep_unrecorded(context) == 0  # too new: may be an upload under way
    server.clock.advance(max(3600.0, time.time() - server.clock().timestamp() + 3600))
    assert sweep_unrecorded(context) == 1
    assert not context.blobs.exists(blob_key(home, KEY_B))
    assert context.blobs.exists(blob_key(home, KEY_A))


def test_the_operator_sets_quotas_on_the_page(server: ServerHarness) -> None:
    hub = paired_hub(server)
    assert _put(hub.client, KEY_A, b"x" * 1234) == 200
    operator = _operator(server)
    page = operator.client.get("/operator/backups")
    assert page.status_code == 200
    assert hub.home_id in page.text
    assert "1.23 kB" in page.text
    assert KEY_A not in page.text  # keys are nobody's business

    done = operator.client.post(
        "/operator/backups",
        data={"home_id": hub.home_id, "quota_gb": "0.5", "csrf_token": form_csrf(page.text)},
        follow_redirects=True,
    )
    assert done.status_code == 200
    assert "Quota set." in done.text
    assert hub.client.get("/api/hub/backup/quota").json()["limit_bytes"] == 500_000_000

    for home_id, quota, status, words in (
        (hub.home_id, "lots", 422, "Give the quota as a number of GB"),
        (hub.home_id, "-1", 422, "from 0 GB"),
        (str(uuid.uuid4()), "1", 404, "No home has that id"),
        ("not an id", "1", 404, "No home has that id"),
    ):
        refused = operator.client.post(
            "/operator/backups",
            data={"home_id": home_id, "quota_gb": quota, "csrf_token": form_csrf(page.text)},
        )
        assert refused.status_code == status, refused.text
        assert words in refused.text
    assert hub.client.get("/api/hub/backup/quota").json()["limit_bytes"] == 500_000_000

    resident = server.account()
    assert resident.client.get("/operator/backups").status_code == 403


def test_the_operator_api_refuses_bad_quotas(server: ServerHarness) -> None:
    hub = paired_hub(server)
    operator = _operator(server)
    url = f"/api/operator/backups/homes/{hub.home_id}/quota"
    assert operator.client.put(url, json={"limit_bytes": -1}).status_code == 422
    assert operator.client.put(url, json={"limit_bytes": "5GB"}).status_code == 422
    assert operator.client.put(url, json={"limit": 5}).status_code == 422
    missing = operator.client.put(
        f"/api/operator/backups/homes/{uuid.uuid4()}/quota", json={"limit_bytes": 5}
    )
    assert missing.status_code == 404


def test_nothing_logs_an_object_key(
    server: ServerHarness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    hub = paired_hub(server)
    _set_quota(_operator(server), hub.home_id, 10)
    _put(hub.client, KEY_A, b"x" * 5)
    _put(hub.client, KEY_B, b"x" * 50)  # 507
    hub.client.get(f"{OBJECTS}/{KEY_A}")
    hub.client.delete(f"{OBJECTS}/{KEY_A}")
    hub.owner.client.delete(f"/api/homes/{hub.home_id}")
    sweep(_context(server))
    ours = "\n".join(
        record.getMessage() for record in caplog.records if record.name.startswith("frontporch")
    )
    assert hub.home_id in ours  # what is logged names the home ...
    assert KEY_A not in ours  # ... never an object key
    assert KEY_B not in ours


def _fuzz_backups(app: object, headers: dict[str, str], cookies: dict[str, str]) -> int:
    """Schemathesis over the backup operations only: no input makes a 5xx, and every
    answer matches its documented schema."""
    schema = schemathesis.openapi.from_asgi("/api/openapi.json", app)
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        if "/backup" not in operation.path:
            continue
        operations += 1

        @given(case=operation.as_strategy())
        @settings(
            max_examples=25,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def run(case: Any) -> None:
            response = case.call(headers=headers, cookies=cookies, timeout=60)
            case.validate_response(
                response,
                checks=[
                    not_a_server_error,
                    response_schema_conformance,
                    status_code_conformance,
                    content_type_conformance,
                ],
            )

        run()
    return operations


@pytest.mark.timeout(600)
def test_no_input_makes_a_server_error(server: ServerHarness) -> None:
    hub = paired_hub(server)
    assert _put(hub.client, KEY_A, b"something") == 200
    hub_headers = {"authorization": str(hub.client.headers["authorization"])}
    assert _fuzz_backups(server.app, hub_headers, {}) == 7
    operator = _operator(server)
    cookies = dict(operator.client.cookies.items())
    assert _fuzz_backups(server.app, {"x-csrf-token": operator.csrf or ""}, cookies) == 7
