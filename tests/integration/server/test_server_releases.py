"""Releases on the server (server/evidence/): a paired hub's signed manifest is checked
against the logged request and registration, logged as `release` with its row before any
upload, and each clip's ciphertext arrives in resumable, capped chunks checked against
the manifest. Real parts throughout: the app on SQLite and PostgreSQL, a hub paired
through the API with a real identity, real MP4s sealed with age to the agency's key."""

from __future__ import annotations

import base64
import json
import resource
import signal
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import func, inspect, select, text

from frontporch.crypto.keys import HubIdentity, key_id
from frontporch.evidence.manifest import manifest_sha256
from frontporch.protocol import MAX_UPLOAD_CHUNK, RELEASES_PATH
from frontporch.server.evidence.models import Release, ReleaseClip
from frontporch.server.evidence.queries import release_summary, releases_of
from frontporch.server.evidence.uploads import spool_path
from frontporch.server.transparency.models import LogCheckpoint, LogEntry
from release_tools import (
    FAR_AWAY,
    PairedHub,
    RequestSetup,
    close_request,
    file_request,
    make_clip,
    paired_hub,
    put_chunk,
    register_agency,
    signed_release,
    submit,
    upload_all,
)
from server_harness import ServerHarness


@dataclass
class Scene:
    server: ServerHarness
    request: RequestSetup
    hub: PairedHub


@pytest.fixture
def scene(server: ServerHarness) -> Scene:
    hub = paired_hub(server)
    agency = register_agency(server)
    return Scene(server, file_request(server, agency, [hub.cell]), hub)


def _log_size(server: ServerHarness) -> int:
    with server.app.state.server.sessions() as db:
        return int(db.scalar(select(func.count()).select_from(LogEntry)) or 0)


def _release_rows(server: ServerHarness) -> int:
    with server.app.state.server.sessions() as db:
        return int(db.scalar(select(func.count()).select_from(Release)) or 0)


def test_a_release_is_logged_with_its_row_then_uploaded_and_complete(
    scene: Scene, tmp_path: Path
) -> None:
    server, hub = scene.server, scene.hub
    clips = [make_clip(tmp_path, n, scene.request.agency.identity.age_recipient) for n in (1, 2)]
    release = signed_release(hub.identity, scene.request, clips)
    before = _log_size(server)

    created = submit(hub.client, release)
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["release"] == release.id
    assert body["complete"] is False
    assert [(c["file"], c["size"], c["received"]) for c in body["clips"]] == [
        (c.file, len(c.ciphertext), 0) for c in clips
    ]
    # The entry is in the log, and a checkpoint covers it, before any byte is uploaded.
    index = body["log_index"]
    assert _log_size(server) == before + 1
    entry = server.new_client().get(f"/api/log/entries?start={index}&end={index + 1}").json()
    logged = json.loads(base64.b64decode(entry["entries"][0]["data"]))
    assert logged == {
        "v": 1,
        "type": "release",
        "at": logged["at"],
        "request": str(scene.request.request_id),
        "release": release.id,
        "hub": key_id(hub.identity.public_key),
        "manifest_sha256": manifest_sha256(release.data),
        "clips": 2,
    }
    proof = server.new_client().get(f"/api/log/proof/inclusion?index={index}&size={index + 1}")
    assert proof.status_code == 200, proof.text
    with server.app.state.server.sessions() as db:
        row = db.get(Release, uuid.UUID(release.id))
        assert row is not None
        assert row.log_index == index
        assert row.manifest == release.data
        assert row.complete_at is None
        assert "home" not in {c["name"] for c in inspect(db.connection()).get_columns("releases")}

    upload_all(hub.client, release, chunk=40_000)
    state = hub.client.get(f"{RELEASES_PATH}/{release.id}").json()
    assert state["complete"] is True
    assert all(c["received"] == c["size"] and c["complete"] for c in state["clips"])
    blobs = server.app.state.server.blobs
    for clip in clips:
        assert blobs.get(f"releases/{release.id}/{clip.file}") == clip.ciphertext
        assert not spool_path(server.app.state.server, uuid.UUID(release.id), clip.file).exists()
    with server.app.state.server.sessions() as db:
        row = db.get(Release, uuid.UUID(release.id))
        assert row is not None
        assert row.complete_at is not None
        [view] = releases_of(db, scene.request.request_id)
        summary = release_summary(db, [scene.request.request_id])[scene.request.request_id]
    assert view.complete
    assert view.clips == 2
    assert view.deleted_at is None
    assert view.hub_fingerprint.replace(" ", "") == key_id(hub.identity.public_key)
    assert (summary.releases, summary.clips, summary.deleted) == (1, 2, False)
    assert summary.ciphertext_bytes == sum(len(c.ciphertext) for c in clips)


def test_no_mp4_signature_anywhere_in_the_servers_storage(scene: Scene, tmp_path: Path) -> None:
    server, hub = scene.server, scene.hub
    clips = [make_clip(tmp_path, 1, scene.request.agency.identity.age_recipient)]
    assert b"ftyp" in clips[0].plaintext[:16]
    release = signed_release(hub.identity, scene.request, clips)
    assert submit(hub.client, release).status_code == 201
    half = len(clips[0].ciphertext) // 2
    assert (
        put_chunk(hub.client, release.id, clips[0].file, 0, clips[0].ciphertext[:half]).status_code
        == 200
    )
    # Midway (a partial in the spool) and at the end (a blob), no file holds plaintext.
    data_dir = server.app.state.server.settings.data_dir
    for _ in range(2):
        files = [p for p in data_dir.rglob("*") if p.is_file() and "hub-side" not in p.parts]
        assert any(p.suffix in {".part", ".age"} for p in files)
        for path in files:
            assert b"ftyp" not in path.read_bytes(), path
        upload_all(hub.client, release)
    dump = _database_dump(server)
    assert b"ftyp" not in dump
    assert clips[0].ciphertext[:64] not in dump  # and no ciphertext in the database either


def _database_dump(server: ServerHarness) -> bytes:
    """Every value of every table, as bytes."""
    engine = server.app.state.server.engine
    parts: list[bytes] = []
    with engine.connect() as connection:
        for table in inspect(connection).get_table_names():
            for row in connection.execute(text(f'SELECT * FROM "{table}"')):
                for value in row:
                    parts.append(value if isinstance(value, bytes) else str(value).encode())
    return b"\n".join(parts)


def test_refusals_log_nothing_and_store_nothing(scene: Scene, tmp_path: Path) -> None:
    server, hub, request = scene.server, scene.hub, scene.request
    clip = make_clip(tmp_path, 1, request.agency.identity.age_recipient)
    other = HubIdentity.generate()
    stranger = register_agency(server)
    before = _log_size(server)

    def refused(release: object, status: int, field: str | None = None) -> dict[str, object]:
        answer = submit(hub.client, release)  # type: ignore[arg-type]
        assert answer.status_code == status, answer.text
        body: dict[str, object] = answer.json()
        assert body["detail"]
        if field is not None:
            assert body.get("field") == field, body
        return body

    # Signed by another key than the manifest names, or naming another hub entirely.
    refused(signed_release(hub.identity, request, [clip], signer=other), 400, "signature")
    refused(signed_release(other, request, [clip]), 403, "hub_key")
    # Not canonical bytes (the same JSON with spaces).
    good = signed_release(hub.identity, request, [clip])
    spaced = json.dumps(json.loads(good.data)).encode()
    refused(type(good)(good.manifest, spaced, good.signature), 422)
    # Fields that disagree with the logged request and registration.
    refused(
        signed_release(hub.identity, request, [clip], request_index=request.filed_index + 1),
        400,
        "request_index",
    )
    refused(
        signed_release(
            hub.identity,
            request,
            [clip],
            agency_registration_index=stranger.registration_index,
        ),
        400,
        "agency_registration_index",
    )
    refused(
        signed_release(hub.identity, request, [clip], recipient=stranger.identity.age_recipient),
        400,
        "recipient",
    )
    refused(
        signed_release(hub.identity, request, [clip], request=str(uuid.uuid4())), 404, "request"
    )
    # Declared clips past the per-clip cap (4 GiB by default), and past the release cap.
    huge = clip.record.model_copy(update={"ciphertext_bytes": 5 * 1024**3})
    refused(signed_release(hub.identity, request, [huge]), 413)
    # A hub whose home is outside the request's cells.
    far = paired_hub(server, at=FAR_AWAY)
    answer = submit(far.client, signed_release(far.identity, request, [clip]))
    assert answer.status_code == 403
    assert answer.json()["error"] == "home outside the request's area"
    # A closed request.
    closed = file_request(server, request.agency, [hub.cell])
    close_request(server, closed)
    before = _log_size(server)
    refused(signed_release(hub.identity, closed, [clip]), 409, "request")

    assert _log_size(server) == before
    assert _release_rows(server) == 0


def test_a_release_takes_only_the_cap(server: ServerHarness, tmp_path: Path) -> None:
    hub = paired_hub(server)
    request = file_request(server, register_agency(server), [hub.cell])
    clip = make_clip(tmp_path, 1, request.agency.identity.age_recipient)
    many = [
        clip.record.model_copy(
            update={"file": f"clip-{n:02d}.mp4.age", "ciphertext_bytes": 4 * 1024**3}
        )
        for n in range(1, 18)
    ]
    answer = submit(hub.client, signed_release(hub.identity, request, many))
    assert answer.status_code == 413, answer.text
    assert "per release" in answer.json()["detail"]


def test_the_same_manifest_again_resumes_and_another_under_its_id_conflicts(
    scene: Scene, tmp_path: Path
) -> None:
    server, hub, request = scene.server, scene.hub, scene.request
    clip = make_clip(tmp_path, 1, request.agency.identity.age_recipient)
    release = signed_release(hub.identity, request, [clip])
    first = submit(hub.client, release)
    assert first.status_code == 201
    assert (
        put_chunk(hub.client, release.id, clip.file, 0, clip.ciphertext[:1000]).status_code == 200
    )
    size = _log_size(server)

    again = submit(hub.client, release)
    assert again.status_code == 200, again.text
    assert again.json()["log_index"] == first.json()["log_index"]
    assert again.json()["clips"][0]["received"] == 1000
    other = make_clip(tmp_path, 2, request.agency.identity.age_recipient)
    reused = signed_release(hub.identity, request, [other], release_id=release.id)
    conflict = submit(hub.client, reused)
    assert conflict.status_code == 409
    assert conflict.json()["field"] == "release"
    # Another hub cannot claim it, nor read or upload to it.
    stranger = paired_hub(server, owner=hub.owner)
    assert submit(stranger.client, release).status_code == 403
    assert stranger.client.get(f"{RELEASES_PATH}/{release.id}").status_code == 404
    assert put_chunk(stranger.client, release.id, clip.file, 1000, b"x").status_code == 404
    assert _log_size(server) == size


def test_chunk_refusals_keep_what_is_held(scene: Scene, tmp_path: Path) -> None:
    hub, request = scene.hub, scene.request
    clip = make_clip(tmp_path, 1, request.agency.identity.age_recipient)
    release = signed_release(hub.identity, request, [clip])
    assert submit(hub.client, release).status_code == 201
    data = clip.ciphertext
    held = len(data) // 2
    assert put_chunk(hub.client, release.id, clip.file, 0, data[:held]).status_code == 200

    wrong = put_chunk(hub.client, release.id, clip.file, held - 100, data[held - 100 :])
    assert wrong.status_code == 409
    assert wrong.json()["received"] == held
    assert wrong.json()["field"] == "Upload-Offset"
    beyond = put_chunk(hub.client, release.id, clip.file, held, data[held:] + b"extra")
    assert beyond.status_code == 413, beyond.text
    missing = hub.client.put(f"{RELEASES_PATH}/{release.id}/clips/{clip.file}", content=b"x")
    assert missing.status_code == 400
    assert missing.json()["field"] == "Upload-Offset"
    unknown = put_chunk(hub.client, release.id, "clip-99.mp4.age", 0, b"x")
    assert unknown.status_code == 404
    assert put_chunk(hub.client, release.id, "..%2F..%2Fetc", 0, b"x").status_code == 404
    too_big = put_chunk(hub.client, release.id, clip.file, held, b"\0" * (MAX_UPLOAD_CHUNK + 1))
    assert too_big.status_code == 413
    state = hub.client.get(f"{RELEASES_PATH}/{release.id}").json()
    assert state["clips"][0]["received"] == held
    spooled = spool_path(scene.server.app.state.server, uuid.UUID(release.id), clip.file)
    assert spooled.read_bytes() == data[:held]  # nothing past the size was stored

    done = put_chunk(hub.client, release.id, clip.file, held, data[held:])
    assert done.status_code == 200
    assert done.json()["complete"] is True
    # Complete: an empty chunk at the end answers the state; anything else, 409.
    assert put_chunk(hub.client, release.id, clip.file, len(data), b"").json()["complete"]
    assert put_chunk(hub.client, release.id, clip.file, 0, data[:10]).status_code == 409


def test_a_hash_mismatch_discards_the_partial(scene: Scene, tmp_path: Path) -> None:
    hub, request = scene.hub, scene.request
    clip = make_clip(tmp_path, 1, request.agency.identity.age_recipient)
    release = signed_release(hub.identity, request, [clip])
    assert submit(hub.client, release).status_code == 201
    tampered = bytearray(clip.ciphertext)
    tampered[-10] ^= 0xFF
    half = len(tampered) // 2
    assert (
        put_chunk(hub.client, release.id, clip.file, 0, bytes(tampered[:half])).status_code == 200
    )
    bad = put_chunk(hub.client, release.id, clip.file, half, bytes(tampered[half:]))
    assert bad.status_code == 422, bad.text
    assert bad.json()["field"] == "ciphertext_sha256"
    assert "again" in bad.json()["detail"]
    state = hub.client.get(f"{RELEASES_PATH}/{release.id}").json()
    assert state["clips"][0]["received"] == 0
    assert not state["complete"]
    context = scene.server.app.state.server
    assert not spool_path(context, uuid.UUID(release.id), clip.file).exists()
    assert not context.blobs.exists(f"releases/{release.id}/{clip.file}")
    upload_all(hub.client, release)  # the right bytes then go through


def test_an_interrupted_upload_resumes_from_what_was_durably_held(
    scene: Scene, tmp_path: Path
) -> None:
    server, hub, request = scene.server, scene.hub, scene.request
    clip = make_clip(tmp_path, 1, request.agency.identity.age_recipient)
    release = signed_release(hub.identity, request, [clip])
    assert submit(hub.client, release).status_code == 201
    data = clip.ciphertext
    held = len(data) // 3
    assert put_chunk(hub.client, release.id, clip.file, 0, data[:held]).status_code == 200
    # A server that died mid-chunk left bytes past `received` in the spool file.
    spooled = spool_path(server.app.state.server, uuid.UUID(release.id), clip.file)
    with spooled.open("ab") as handle:
        handle.write(b"torn write " * 100)
    # A restarted server (a fresh app on the same database and data) knows nothing else.
    state = hub.client.get(f"{RELEASES_PATH}/{release.id}").json()
    assert state["clips"][0]["received"] == held
    server.app.state.release_hashes = None  # the in-process hash states are gone too
    assert put_chunk(hub.client, release.id, clip.file, held, data[held:]).json()["complete"]
    assert server.app.state.server.blobs.get(f"releases/{release.id}/{clip.file}") == data


@pytest.fixture
def small_files() -> Iterator[None]:
    """Files of this process may not grow past 1 MiB while the block runs (EFBIG, as on
    a full disk or quota), SIGXFSZ ignored; restored after."""
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    previous = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    yield
    resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
    signal.signal(signal.SIGXFSZ, previous)


def test_a_full_disk_is_a_507_and_loses_nothing(
    scene: Scene, tmp_path: Path, small_files: None
) -> None:
    hub, request = scene.hub, scene.request
    clip = make_clip(tmp_path, 1, request.agency.identity.age_recipient, seconds=6.0)
    data = clip.ciphertext
    release = signed_release(hub.identity, request, [clip])
    assert submit(hub.client, release).status_code == 201
    first = len(data) // 3
    assert put_chunk(hub.client, release.id, clip.file, 0, data[:first]).status_code == 200
    hub.client.get(f"{RELEASES_PATH}/{release.id}")  # the hub was just seen: no write next
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (first + len(data) // 6, hard))
    try:
        full = put_chunk(hub.client, release.id, clip.file, first, data[first : 2 * first])
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
    assert full.status_code == 507, full.text
    assert full.json()["error"] == "server storage full"
    spooled = spool_path(scene.server.app.state.server, uuid.UUID(release.id), clip.file)
    assert spooled.read_bytes() == data[:first]
    assert hub.client.get(f"{RELEASES_PATH}/{release.id}").json()["clips"][0]["received"] == first
    assert put_chunk(hub.client, release.id, clip.file, first, data[first:]).json()["complete"]


def test_unpairing_keeps_the_release_and_its_hub_key(scene: Scene, tmp_path: Path) -> None:
    server, hub, request = scene.server, scene.hub, scene.request
    clip = make_clip(tmp_path, 1, request.agency.identity.age_recipient)
    release = signed_release(hub.identity, request, [clip])
    assert submit(hub.client, release).status_code == 201
    upload_all(hub.client, release)
    assert hub.client.delete("/api/hub/pairing").status_code == 204
    with server.app.state.server.sessions() as db:
        row = db.get(Release, uuid.UUID(release.id))
        assert row is not None
        assert row.hub_id is None
        assert row.hub_key_id == key_id(hub.identity.public_key)
        clips = list(db.scalars(select(ReleaseClip)))
        checkpoints = db.scalar(select(func.max(LogCheckpoint.size)))
    assert [c.complete for c in clips] == [True]
    assert checkpoints is not None
    assert checkpoints > row.log_index
