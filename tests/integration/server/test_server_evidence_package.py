"""The evidence package (server/evidence/bundle.py, endpoints.py, pages.py) and deletion
after the download window (expiry.py): the ZIP an agency member downloads holds exactly
the files of the contract, whose entries, proofs, checkpoint, manifests and ciphertexts
check out with the log's key and open with `age -d`; another agency gets 404; streaming
keeps memory flat; after the window the ciphertext is gone and the package says so."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import subprocess
import tracemalloc
import uuid
import zipfile
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from frontporch.crypto.keys import AGENCY_AGE_KEY_FILE
from frontporch.server.accounts.models import Role
from frontporch.server.evidence.expiry import delete_expired_ciphertext
from frontporch.server.evidence.models import Release
from frontporch.server.evidence.queries import release_summary, releases_of
from frontporch.translog.checkpoint import open_checkpoint
from frontporch.translog.merkle import leaf_hash, root_from_inclusion_proof
from frontporch.translog.note import Verifier
from http_tools import HttpClients
from release_tools import (
    Clip,
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

AGE = "/usr/bin/age"


def _evidence(client: object, request: RequestSetup, page: bool = False) -> httpx.Response:
    path = (
        f"/agency/requests/{request.request_id}/evidence.zip"
        if page
        else f"/api/agency/requests/{request.request_id}/evidence"
    )
    response: httpx.Response = client.get(path)  # type: ignore[attr-defined]
    return response


def test_the_package_holds_the_contracts_files_and_they_check_out(
    server: ServerHarness, tmp_path: Path
) -> None:
    hub = paired_hub(server)
    agency = register_agency(server)
    request = file_request(server, agency, [hub.cell])
    recipient = agency.identity.age_recipient
    clips = [make_clip(tmp_path, n, recipient) for n in (1, 2)]
    done = signed_release(hub.identity, request, clips)
    assert submit(hub.client, done).status_code == 201
    upload_all(hub.client, done)
    pending_clip = make_clip(tmp_path, 1, recipient)
    second = paired_hub(server)
    pending = signed_release(second.identity, request, [pending_clip])
    assert submit(second.client, pending).status_code == 201  # never uploaded: left out
    closed_index = close_request(server, request, "fulfilled")

    response = _evidence(agency.member.client, request)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/zip"
    assert (
        f'filename="evidence-{request.request_id}.zip"' in response.headers["content-disposition"]
    )
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert all(info.compress_type == zipfile.ZIP_STORED for info in archive.infolist())
    index = json.loads(archive.read("package.json"))
    included = sorted(
        [request.filed_index, agency.registration_index, closed_index, _log_index(done, server)]
    )
    prefix = f"releases/{done.id}/"
    assert set(archive.namelist()) == {
        "README.txt",
        "package.json",
        "log/checkpoint.txt",
        "log/key.json",
        *(f"log/entries/{i}.json" for i in included),
        *(f"log/proofs/{i}.json" for i in included),
        prefix + "manifest.json",
        prefix + "manifest.sig",
        *(prefix + clip.file for clip in clips),
    }
    assert index == {
        "format": "frontporch-evidence/1",
        "request": str(request.request_id),
        "request_index": request.filed_index,
        "agency_registration_index": agency.registration_index,
        "checkpoint_size": index["checkpoint_size"],
        "created_at": index["created_at"],
        "releases": [
            {
                "release": done.id,
                "log_index": _log_index(done, server),
                "manifest_sha256": hashlib.sha256(done.data).hexdigest(),
                "ciphertext_deleted": False,
            }
        ],
    }
    # The log key is the one the server publishes; the checkpoint verifies under it and
    # every included entry is proven against its root.
    key = json.loads(archive.read("log/key.json"))
    assert key == server.new_client().get("/api/log/key").json()
    checkpoint = open_checkpoint(
        archive.read("log/checkpoint.txt"),
        [Verifier.parse(k) for k in key["verifier_keys"]],
        key["origin"],
    )
    assert checkpoint.size == index["checkpoint_size"]
    for position in included:
        data = archive.read(f"log/entries/{position}.json")
        logged = server.new_client().get(f"/api/log/entries?start={position}&end={position + 1}")
        assert base64.b64decode(logged.json()["entries"][0]["data"]) == data
        proof = json.loads(archive.read(f"log/proofs/{position}.json"))
        assert (proof["index"], proof["size"]) == (position, checkpoint.size)
        hashes = [base64.b64decode(h) for h in proof["proof"]]
        assert root_from_inclusion_proof(leaf_hash(data), position, checkpoint.size, hashes) == (
            checkpoint.root_hash
        )
    assert json.loads(archive.read(f"log/entries/{closed_index}.json"))["type"] == "request_closed"
    assert archive.read(prefix + "manifest.json") == done.data
    assert archive.read(prefix + "manifest.sig").decode().strip() == done.signature
    # Each clip is the uploaded ciphertext, and the stock age tool opens it.
    keys = tmp_path / "agency-keys"
    agency.identity.save(keys)
    for clip in clips:
        ciphertext = archive.read(prefix + clip.file)
        assert ciphertext == clip.ciphertext
        plain = subprocess.run(
            [AGE, "-d", "-i", str(keys / AGENCY_AGE_KEY_FILE)],
            input=ciphertext,
            capture_output=True,
            check=True,
        ).stdout
        assert plain == clip.plaintext
        assert hashlib.sha256(plain).hexdigest() == clip.record.plaintext_sha256
    assert "frontporch evidence verify" in archive.read("README.txt").decode()

    # The portal's download is the same package, byte for byte.
    page = _evidence(agency.member.client, request, page=True)
    assert page.status_code == 200
    assert page.content == response.content


def _log_index(release: object, server: ServerHarness) -> int:
    with server.app.state.server.sessions() as db:
        row = db.get(Release, uuid.UUID(release.id))  # type: ignore[attr-defined]
        assert row is not None
        return int(row.log_index)


def test_only_the_requests_own_agency_gets_its_package(server: ServerHarness) -> None:
    hub = paired_hub(server)
    request = file_request(server, register_agency(server), [hub.cell])
    other = register_agency(server)
    for page in (False, True):
        refused = _evidence(other.member.client, request, page=page)
        assert refused.status_code == 404, refused.text
    resident = server.account()
    assert _evidence(resident.client, request).status_code == 403
    lone = server.account(Role.AGENCY_MEMBER, mfa_on=True)  # of no agency
    assert _evidence(lone.client, request).status_code == 404
    missing = RequestSetup(uuid.uuid4(), 0, request.agency)
    assert _evidence(request.agency.member.client, missing).status_code == 404
    assert _evidence(request.agency.member.client, request).status_code == 200


def test_after_the_download_window_the_ciphertext_is_deleted_and_shown_so(
    server: ServerHarness, tmp_path: Path
) -> None:
    hub = paired_hub(server)
    agency = register_agency(server)
    request = file_request(server, agency, [hub.cell], expires_in_days=60)
    clip = make_clip(tmp_path, 1, agency.identity.age_recipient)
    release = signed_release(hub.identity, request, [clip])
    assert submit(hub.client, release).status_code == 201
    upload_all(hub.client, release)
    context = server.app.state.server
    key = f"releases/{release.id}/{clip.file}"

    server.clock.advance(timedelta(days=29).total_seconds())
    assert delete_expired_ciphertext(context) == 0
    assert context.blobs.exists(key)
    server.clock.advance(timedelta(days=2).total_seconds())
    assert delete_expired_ciphertext(context) == 1
    assert delete_expired_ciphertext(context) == 0
    assert not context.blobs.exists(key)
    with context.sessions() as db:
        [view] = releases_of(db, request.request_id)
        summary = release_summary(db, [request.request_id])[request.request_id]
    assert view.deleted_at == server.clock()
    assert summary.deleted
    assert summary.releases == 1

    member = agency.member  # a month on: the member signs in again
    server.sign_in(member.client, member.email, otp=server.next_code(member.totp_secret or ""))
    archive = zipfile.ZipFile(io.BytesIO(_evidence(member.client, request).content))
    index = json.loads(archive.read("package.json"))
    assert index["releases"][0]["ciphertext_deleted"] is True
    names = archive.namelist()
    assert f"releases/{release.id}/manifest.json" in names
    assert f"releases/{release.id}/{clip.file}" not in names
    refused = put_chunk(hub.client, release.id, clip.file, 0, clip.ciphertext)
    assert refused.status_code == 409
    assert refused.json()["error"] == "release deleted"


@pytest.mark.served
def test_the_package_streams_in_flat_memory(
    server: ServerHarness, live: str, tmp_path: Path
) -> None:
    hub = paired_hub(server, origin=live)
    agency = register_agency(server)
    request = file_request(server, agency, [hub.cell])
    real = make_clip(tmp_path, 1, agency.identity.age_recipient)
    size = 48 * 1024 * 1024
    # The server does not read ciphertext: random bytes of the declared hash stand in.
    big = os.urandom(size)
    record = real.record.model_copy(
        update={"ciphertext_bytes": size, "ciphertext_sha256": hashlib.sha256(big).hexdigest()}
    )
    release = signed_release(hub.identity, request, [Clip(real.file, real.plaintext, big, record)])
    assert submit(hub.client, release).status_code == 201
    upload_all(hub.client, release, chunk=8 * 1024 * 1024)
    del big, release

    clients = HttpClients(server, live)
    member = clients.signed_in(agency.member).client
    tracemalloc.start()
    try:
        received = 0
        with member.stream("GET", f"/api/agency/requests/{request.request_id}/evidence") as answer:
            assert answer.status_code == 200
            for chunk in answer.iter_bytes():
                received += len(chunk)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        clients.close()
    assert received > size
    assert peak < size // 4, f"peak {peak} bytes while streaming a {size}-byte clip"
