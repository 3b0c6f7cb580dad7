"""The trust model of footage requests (DESIGN.md "Trust model"), against real processes.

A community server served over real HTTP (SQLite), an agency registered through its
API, a hub paired through `community.link.pair` whose `RequestDesk` reads the server's
log API and uploads to its release API over HTTP (urllib), real recorded H.264, real
age encryption, real log proofs, `frontporch evidence verify` as a process and the
stock `age` tool (tests/trust_tools.py builds the scene). Each test names the property
it holds:

- a request goes from the agency to the owner and back as a package that checks out;
- the server's database, blobs and data folder hold no clip plaintext and no key that
  opens a clip;
- the hub refuses what the log does not prove, what its owner's policy excludes, a
  registration of another agency, a case number that does not match its hash, and a
  log that contradicts its last checkpoint (then everything, visibly);
- no hub route releases footage without the owner password;
- the agency sees no home, hub, owner, outside cell or decline;
- every filing and release is in the log before it has any effect;
- bad input at the release API's edges is refused clearly and loses nothing stored.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import html
import json
import re
import subprocess
import sys
import uuid
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import h3
import httpx
import pyrage
import pytest
from fastapi.routing import APIRoute, iter_route_contexts
from sqlalchemy import Engine, delete, func, inspect, select, text, update

from frontporch.crypto.keys import HubIdentity, fingerprint, key_id
from frontporch.evidence.manifest import decode_manifest, verify_manifest
from frontporch.geo import int_to_cell
from frontporch.hub.community.link import JsonObject
from frontporch.hub.requests.consent import confirm_consent
from frontporch.hub.requests.records import (
    ClipPick,
    FootageRequestRecord,
    ReleaseRecord,
    ReleaseState,
    RequestState,
)
from frontporch.hub.requests.service import LogNotTrusted
from frontporch.hub.requests.upload import HttpUpload
from frontporch.hub.web.request_views import hub_offset, local_input
from frontporch.protocol import RELEASES_PATH, MessageKind, clip_upload_path
from frontporch.server.accounts.models import User
from frontporch.server.evidence.models import Release
from frontporch.server.homes.models import Home
from frontporch.server.hubs.models import Hub
from frontporch.server.hubs.service import enqueue
from frontporch.server.requests.models import FootageRequest
from frontporch.server.requests.pages import MAP_RINGS
from frontporch.server.transparency.models import LogCheckpoint, LogEntry, LogStateRow, LogSubtree
from frontporch.server.transparency.service import LogService, append_entries
from frontporch.translog.checkpoint import open_checkpoint
from frontporch.translog.client import LogClient
from frontporch.translog.entries import Entry, RequestClosed, RequestFiled, decode_entry
from frontporch.translog.merkle import EMPTY_ROOT, leaf_hash, verify_inclusion
from frontporch.translog.note import Verifier
from homes_tools import add_home
from release_tools import (
    FAR_AWAY,
    AgencySetup,
    RequestSetup,
    SignedRelease,
    make_clip,
    signed_release,
)
from trust_tools import (
    CAMERA,
    CASE_NUMBER,
    HOME_AT,
    OWNER_PASSWORD,
    Neighborhood,
    hub_web,
    neighborhood,
    pair_hub,
    register_agency,
)

pytestmark = pytest.mark.age
AGE = "/usr/bin/age"


def verify_package(package: Path, *args: str | Path) -> subprocess.CompletedProcess[str]:
    """`frontporch evidence verify` as the agency runs it."""
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "frontporch.cli",
            "evidence",
            "verify",
            str(package),
            *map(str, args),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def release_two_picks(n: Neighborhood, request_id: str) -> ReleaseRecord:
    """The owner consents with the password and releases two picks; the finished release."""
    start = n.recording_start
    consent = confirm_consent(n.store, OWNER_PASSWORD, request_id, n.now().timestamp())
    started = n.desk.release(
        consent,
        [ClipPick(CAMERA, start + 0.5, start + 2.5), ClipPick(CAMERA, start + 4.0, start + 6.0)],
    )
    assert n.desk.wait_idle(120)
    done = n.desk.get_release(started.id)
    assert done is not None
    assert done.state is ReleaseState.DONE, done.error
    return done


def download(n: Neighborhood, request_id: str, folder: Path) -> Path:
    """The agency member downloads the evidence package over HTTP."""
    answer = n.agency.member.client.get(f"/api/agency/requests/{request_id}/evidence")
    assert answer.status_code == 200, answer.text
    folder.mkdir(parents=True, exist_ok=True)
    package = folder / f"evidence-{request_id}.zip"
    package.write_bytes(answer.content)
    return package


# -- 1 and 2: one request answered end to end ---------------------------------------------


@dataclass
class RoundTrip:
    """A request filed, checked by the hub, answered with two clips, downloaded."""

    n: Neighborhood
    filed: dict[str, Any]
    request: FootageRequestRecord
    release: ReleaseRecord
    package: Path
    folder: Path


@pytest.fixture(scope="module")
def round_trip(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RoundTrip]:
    folder = tmp_path_factory.mktemp("round-trip")
    with neighborhood(folder, record_s=8.0) as n:
        filed = n.file()
        [request] = n.poll()
        assert request.id == filed["id"]
        assert request.state is RequestState.OPEN, request.refusal
        release = release_two_picks(n, request.id)
        package = download(n, request.id, folder / "agency")
        yield RoundTrip(n, filed, request, release, package, folder)


def test_a_request_goes_from_agency_to_owner_and_back_as_a_package_that_checks_out(
    round_trip: RoundTrip,
) -> None:
    n, request, release = round_trip.n, round_trip.request, round_trip.release
    # The keys the hub encrypted to came from the logged registration only.
    assert request.recipient == n.agency.identity.age_recipient
    assert request.agency_key == n.agency.identity.public_key
    assert release.manifest is not None
    assert release.signature is not None
    manifest = verify_manifest(release.manifest, release.signature, n.hub_identity.public_key)
    assert manifest.recipient == n.agency.identity.age_recipient
    assert [c.duration_ms for c in manifest.clips] == [
        pytest.approx(2000, abs=200),
        pytest.approx(2000, abs=200),
    ]

    # The server holds the whole upload; the agency sees one release of two clips.
    view = n.agency_view(request.id)
    assert (view["releases"], view["clips"]) == (1, 2)
    assert view["ciphertext_bytes"] == sum(c.ciphertext_bytes for c in manifest.clips)
    [listed] = view["release_list"]
    assert listed["complete"] is True
    assert listed["log_index"] == release.log_index

    out = round_trip.folder / "agency" / "clips"
    result = verify_package(
        round_trip.package,
        "--identity",
        n.agency.age_key_file,
        "--log-key",
        n.log_key(),
        "--out",
        out,
        "--case-number",
        CASE_NUMBER,
        "--json",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout)
    assert report["ok"] is True
    assert report["request"] == request.id
    assert len(report["clips"]) == 2

    with zipfile.ZipFile(round_trip.package) as archive:
        names = set(archive.namelist())
        assert archive.read(f"releases/{release.id}/manifest.json") == release.manifest
        for clip in manifest.clips:
            sealed = archive.read(f"releases/{release.id}/{clip.file}")
            opened = subprocess.run(
                [AGE, "-d", "-i", str(n.agency.age_key_file)],
                input=sealed,
                capture_output=True,
                check=True,
                timeout=60,
            )
            assert hashlib.sha256(opened.stdout).hexdigest() == clip.plaintext_sha256
            assert opened.stdout[4:8] == b"ftyp"  # an MP4, as the owner released it
            assert (out / release.id / clip.file.removesuffix(".age")).read_bytes() == (
                opened.stdout
            )
    for index in (round_trip.filed["filed_index"], n.agency.registration_index, release.log_index):
        assert f"log/entries/{index}.json" in names


def test_the_servers_storage_holds_no_clip_plaintext_and_no_key_that_opens_a_clip(
    round_trip: RoundTrip,
) -> None:
    n, release = round_trip.n, round_trip.release
    context = n.server.app.state.server
    assert release.manifest is not None
    clips = decode_manifest(release.manifest).clips
    ciphertexts = [context.blobs.get(f"releases/{release.id}/{c.file}") for c in clips]
    assert [hashlib.sha256(c).hexdigest() for c in ciphertexts] == [
        c.ciphertext_sha256 for c in clips
    ]

    # Every value of every table (text and blob columns alike).
    values = database_values(context.engine)
    assert values, "the dump read nothing"
    for value in values:
        assert b"ftyp" not in value
        assert b"AGE-SECRET-KEY" not in value.upper()
    # Every file of the data folder: the database file, the blob store, the log key.
    files = [p for p in n.server_dir.rglob("*") if p.is_file()]
    assert any("blobs" in p.parts for p in files)
    for path in files:
        data = path.read_bytes()
        assert b"ftyp" not in data, path
        assert b"AGE-SECRET-KEY" not in data.upper(), path

    # Whatever the server holds, tried as a key: no clip opens with any of it.
    keys = server_held_keys(files, context.settings, values)
    for ciphertext in ciphertexts:
        for attempt in keys:
            with pytest.raises(pyrage.DecryptError):
                attempt(ciphertext)
    # (The agency's identity does open them: the attempts above are real decryptions.)
    [secret] = [
        line for line in n.agency.age_key_file.read_text().split() if line.startswith("AGE-")
    ]
    agency = pyrage.x25519.Identity.from_str(secret)
    assert hashlib.sha256(pyrage.decrypt(ciphertexts[0], [agency])).hexdigest() == (
        clips[0].plaintext_sha256
    )


def database_values(engine: Engine) -> list[bytes]:
    """Every non-null value of every table, as bytes."""
    values: list[bytes] = []
    with engine.connect() as connection:
        for table in inspect(connection).get_table_names():
            for row in connection.execute(text(f'SELECT * FROM "{table}"')):
                values += [v if isinstance(v, bytes) else str(v).encode() for v in row if v]
    return values


def server_held_keys(
    files: list[Path], settings: object, values: list[bytes]
) -> list[Callable[[bytes], bytes]]:
    """Each key the server could try on a clip: any age identity or SSH private key in
    a file of its data folder, in its settings or in its database, and each setting and
    each stored string as an age passphrase."""
    identities: list[object] = []
    texts: list[str] = []
    for path in files:
        data = path.read_bytes()
        with contextlib.suppress(Exception):
            identities.append(pyrage.ssh.Identity.from_buffer(data))
        texts += data.decode("utf-8", "replace").split()
    setting_values = [str(v) for v in vars(settings).values() if isinstance(v, str | Path)]
    texts += setting_values
    texts += [v.decode("utf-8", "replace") for v in values]
    for word in texts:
        with contextlib.suppress(Exception):
            identities.append(pyrage.x25519.Identity.from_str(word.strip()))
    attempts: list[Callable[[bytes], bytes]] = [
        functools.partial(_decrypt_with, identity) for identity in identities
    ]
    attempts += [functools.partial(_decrypt_with_passphrase, s) for s in setting_values if s]
    return attempts


def _decrypt_with(identity: Any, ciphertext: bytes) -> bytes:
    return bytes(pyrage.decrypt(ciphertext, [identity]))


def _decrypt_with_passphrase(passphrase: str, ciphertext: bytes) -> bytes:
    return bytes(pyrage.passphrase.decrypt(ciphertext, passphrase))


# -- 3. what the hub refuses ----------------------------------------------------------------


def enqueue_message(n: Neighborhood, body: dict[str, Any]) -> None:
    """The server queues a FOOTAGE_REQUEST for the hub without logging anything."""
    context = n.server.app.state.server
    with context.sessions.begin() as db:
        enqueue(db, uuid.UUID(n.link.hub_id), MessageKind.FOOTAGE_REQUEST, body, n.now())


def test_the_hub_refuses_a_request_absent_from_the_log(tmp_path: Path) -> None:
    with neighborhood(tmp_path) as n:
        captured: list[JsonObject] = []
        n.file()
        [genuine] = n.poll(captured.append)
        assert genuine.state is RequestState.OPEN, genuine.refusal
        template = captured[0]["body"]
        assert isinstance(template, dict)
        size = int(n.http.client().get("/api/log/checkpoint").text.splitlines()[1])

        # A request the server never logged: at an index past the log, and at the index
        # of another request's entry.
        enqueue_message(n, {**template, "request": str(uuid.uuid4()), "log_index": size + 3})
        enqueue_message(n, {**template, "request": str(uuid.uuid4())})
        beyond, borrowed = n.poll()

        assert beyond.state is RequestState.REFUSED
        assert "not proven to be in the server's log" in (beyond.refusal or "")
        assert borrowed.state is RequestState.REFUSED
        assert "is another request" in (borrowed.refusal or "")
        assert n.desk.open_count() == 1  # only the logged one
        assert n.desk.log_health().ok  # an unlogged claim is refused, not a log fork


def test_the_hub_refuses_a_request_outside_its_owners_policy(tmp_path: Path) -> None:
    policy = {"incidents": ["burglary"], "max_window_hours": 3}
    with neighborhood(tmp_path, owner_policy=policy) as n:
        now = n.now()
        n.file(incident="vandalism")
        [other_incident] = n.poll()
        n.file(window_start=(now - timedelta(hours=4, minutes=10)).isoformat())
        [long_window] = n.poll()
        n.file(window_start=(now - timedelta(hours=3, minutes=10)).isoformat())
        [within] = n.poll()
    assert other_incident.state is RequestState.REFUSED
    assert "does not answer requests about 'vandalism'" in (other_incident.refusal or "")
    assert long_window.state is RequestState.REFUSED
    assert "at most 3 hours" in (long_window.refusal or "")
    assert within.state is RequestState.OPEN, within.refusal  # the same, at the limit


def test_the_hub_refuses_a_request_naming_another_agencys_registration(tmp_path: Path) -> None:
    with neighborhood(tmp_path) as n:
        other = register_agency(
            n.server, n.http, n.operator, tmp_path / "other-keys", "Another Department"
        )
        filed = n.file()
        # The server tells the hub the request is under the other agency's logged keys.
        n.rewrite_queued(filed["id"], agency_registration_index=other.registration_index)
        [request] = n.poll()
    assert request.state is RequestState.REFUSED
    assert "the agency's key is not the one logged for it" in (request.refusal or "")
    assert request.recipient != other.identity.age_recipient


def test_the_hub_refuses_a_case_number_that_does_not_match_its_hash(tmp_path: Path) -> None:
    with neighborhood(tmp_path) as n:
        filed = n.file()
        n.rewrite_queued(filed["id"], case_number="2026-CR-0043")
        [request] = n.poll()
    assert request.state is RequestState.REFUSED
    assert request.refusal == "the case number does not match the hash in the log"


def rewrite_history(n: Neighborhood, index: int, **changes: Any) -> None:
    """What an operator holding the database could do: drop the append-only triggers,
    rebuild the log with entry `index` rewritten (`changes`; every other entry as it
    was, each at its index) and sign the new tree with the server's own log key."""
    context = n.server.app.state.server
    with context.sessions.begin() as db:
        for table in ("log_entries", "log_subtrees", "log_checkpoints"):
            for action in ("update", "delete"):
                db.execute(text(f"DROP TRIGGER IF EXISTS {table}_no_{action}"))
        entries = [
            decode_entry(row.data) for row in db.scalars(select(LogEntry).order_by(LogEntry.idx))
        ]
        entries[index] = entries[index].model_copy(update=changes)
        for model in (LogCheckpoint, LogSubtree, LogEntry):
            db.execute(delete(model))
        db.execute(update(LogStateRow).values(size=0, root=EMPTY_ROOT))
        append_entries(db, entries, n.server.clock)
        LogService(db, n.server.app.state.log_keys, n.server.clock).checkpoint_now()


def test_a_log_inconsistent_with_its_last_checkpoint_stops_the_hub_visibly(
    tmp_path: Path,
) -> None:
    with neighborhood(tmp_path) as n:
        first = n.file()
        [seen] = n.poll()
        assert seen.state is RequestState.OPEN, seen.refusal

        # The request the hub accepted now says another case was filed.
        other_case = hashlib.sha256(b"2026-CR-9999").hexdigest()
        rewrite_history(n, first["filed_index"], case_sha256=other_case)
        # The rewritten log proves its own entries: only the hub's history shows the lie.
        n.file(case_number="2026-CR-0077")
        [after] = n.poll()

        assert after.state is RequestState.REFUSED
        assert "inconsistent" in (after.refusal or "")
        health = n.desk.log_health()
        assert not health.ok
        assert "frontporch hub log-reset" in health.message
        # Everything is refused from now on, the request it had accepted before too.
        consent = confirm_consent(n.store, OWNER_PASSWORD, seen.id, n.now().timestamp())
        with pytest.raises(LogNotTrusted):
            n.desk.release(consent, [ClipPick(CAMERA, 0.0, 1.0)])
        n.file(case_number="2026-CR-0078")
        [third] = n.poll()
        assert third.state is RequestState.REFUSED
        assert n.desk.releases() == []
        # And the owner sees the state on the hub's pages.
        with hub_web(n) as web:
            inbox = web.browser.get("/requests")
            page = web.browser.get(f"/requests/{seen.id}")
        for answer in (inbox, page):
            assert answer.status_code == 200
            assert "transparency log is inconsistent" in html.unescape(answer.text)


# -- 4. consent ---------------------------------------------------------------------------


def server_releases(n: Neighborhood) -> int:
    """Release rows on the server, and hub calls to its release API seen so far."""
    with n.server.app.state.server.sessions() as db:
        rows = int(db.scalar(select(func.count()).select_from(Release)) or 0)
    return rows + sum(1 for s in n.seen if s.path.startswith(RELEASES_PATH))


def release_form(n: Neighborhood, request: FootageRequestRecord, csrf: str) -> dict[str, Any]:
    """The consent form as the browser sends it (a range of the recording), no password."""
    offset = hub_offset(request.window_start)
    return {
        "csrf_token": csrf,
        "tz_offset": str(offset),
        "range_camera": [CAMERA],
        "range_start": [local_input(n.recording_start + 1, offset)],
        "range_end": [local_input(n.recording_start + 3, offset)],
    }


def test_no_hub_route_releases_footage_without_the_owner_password(tmp_path: Path) -> None:
    with neighborhood(tmp_path, record_s=5.0) as n, hub_web(n) as web:
        n.file()
        [request] = n.poll()
        assert request.state is RequestState.OPEN, request.refusal
        routes = [
            (method, str(route.path))
            for route in iter_route_contexts(web.app.routes)
            if isinstance(route.original_route, APIRoute)
            for method in (route.original_route.methods or set()) - {"GET", "HEAD"}
        ]
        assert ("POST", "/requests/{request_id}/release") in routes
        # Every route that changes anything, signed in, with the release form but no
        # password: nothing is released, nothing reaches the server's release API.
        # Unpairing is left out: it ends the link the release needs (its own tests are
        # in test_pairing_ui.py), and it releases nothing.
        unpairing = {("POST", "/settings/community/unpair"), ("DELETE", "/api/pairing")}
        routes = [route for route in routes if route not in unpairing]
        for method, path in sorted(routes, key=lambda r: r[1] == "/logout"):
            concrete = re.sub(r"\{\w+\}", request.id, path)
            web.browser.request(
                method,
                concrete,
                data=release_form(n, request, web.csrf),
                follow_redirects=False,
            )
            assert n.desk.releases() == [], (method, path)
            assert server_releases(n) == 0, (method, path)
            n.store.save_footage_request(request)  # undo a decline
            if not web.signed_in():
                web.sign_in()
        # A wrong password, and an API token with the right one: nothing either.
        url = f"/requests/{request.id}/release"
        wrong = web.browser.post(url, data={**release_form(n, request, web.csrf), "password": "x"})
        assert wrong.status_code == 401
        assert "nothing was released" in wrong.text
        token = web.browser.post("/api/tokens", json={"name": "script", "scope": "owner"})
        assert token.status_code == 201, token.text
        with httpx.Client(base_url=web.url, timeout=30) as script:
            scripted = script.post(
                url,
                data={**release_form(n, request, ""), "password": OWNER_PASSWORD},
                headers={"Authorization": f"Bearer {token.json()['token']}"},
            )
        assert scripted.status_code == 403, scripted.text
        assert "does not reach" in html.unescape(scripted.text)
        assert n.desk.releases() == []
        assert server_releases(n) == 0

        # The owner's password on the request's own form releases, and only then.
        done = web.browser.post(
            url,
            data={**release_form(n, request, web.csrf), "password": OWNER_PASSWORD},
            follow_redirects=False,
        )
        assert done.status_code == 303, done.text
        assert n.desk.wait_idle(120)
        [release] = n.desk.releases()
        assert release.state is ReleaseState.DONE, release.error
        posts = [s for s in n.seen if s.method == "POST" and s.path == RELEASES_PATH]
        assert len(posts) == 1


# -- 5. what the agency learns ----------------------------------------------------------------


def agency_answers(n: Neighborhood, request_id: str) -> dict[str, str]:
    """Every agency API answer and page about its requests, as the member gets them."""
    client = n.agency.member.client
    paths = [
        "/api/agency/requests",
        f"/api/agency/requests/{request_id}",
        "/agency",
        "/agency/requests",
        f"/agency/requests/{request_id}",
    ]
    answers = {}
    for path in paths:
        answer = client.get(path)
        assert answer.status_code == 200, (path, answer.text)
        answers[path] = answer.text
    return answers


def without_tokens(page: str) -> str:
    """A page with its per-response CSRF tokens and nonces blanked out."""
    page = re.sub(r'(name="csrf[-_]token" (?:value|content)=")[^"]*"', r'\1"', page)
    return re.sub(r'nonce="[^"]*"', 'nonce=""', page)


def test_the_agency_learns_no_home_hub_owner_outside_cell_or_decline(tmp_path: Path) -> None:
    with neighborhood(tmp_path) as n:
        # A neighbour in the area with a hub of its own, and a home far away.
        neighbor = n.http.signed_in(n.server.account())
        near = add_home(neighbor, "Oak Ave 7", at=(HOME_AT[0] + 0.0008, HOME_AT[1] + 0.0008))
        pair_hub(neighbor, near["id"], tmp_path / "neighbor-hub", n.base)
        far_owner = n.http.signed_in(n.server.account())
        far = add_home(far_owner, "Pine Rd 99", at=FAR_AWAY)
        pair_hub(far_owner, far["id"], tmp_path / "far-hub", n.base)

        filed = n.file()
        [request] = n.poll()
        assert request.state is RequestState.OPEN, request.refusal
        before = agency_answers(n, request.id)

        with hub_web(n) as web:
            heard = len(n.seen)
            declined = web.browser.post(
                f"/requests/{request.id}/decline",
                data={"csrf_token": web.csrf},
                follow_redirects=False,
            )
            assert declined.status_code == 303, declined.text
            assert n.checked(request.id).state is RequestState.DECLINED
            # A decline sends nothing: not one request reached the server meanwhile.
            assert n.seen[heard:] == []
        after = agency_answers(n, request.id)

        # Nothing the agency sees changed with the decline.
        assert {p: without_tokens(t) for p, t in after.items()} == {
            p: without_tokens(t) for p, t in before.items()
        }
        view = json.loads(after[f"/api/agency/requests/{request.id}"])
        assert view["homes_notified"] is None  # two homes: "fewer than k"
        assert view["homes_notified_below"] == 10
        assert (view["releases"], view["clips"]) == (0, 0)

        context = n.server.app.state.server
        with context.sessions() as db:
            hubs = [(str(h.id), h.public_key) for h in db.scalars(select(Hub))]
            users = list(db.execute(select(User.id, User.email)).all())
            homes = list(db.execute(select(Home.id, Home.name, Home.cell)).all())
        assert len(hubs) == 3
        secrets = [hub_id for hub_id, _ in hubs]
        secrets += [key_id(key) for _, key in hubs] + [fingerprint(key) for _, key in hubs]
        secrets += [str(i) for i, email in users if email != n.agency.member.email]
        secrets += [email for _, email in users if email != n.agency.member.email]
        secrets += [str(home_id) for home_id, _, _ in homes]
        secrets += [name for _, name, _ in homes]
        logged = set(filed["cells"])
        outside = {int_to_cell(cell) for _, _, cell in homes} - logged
        assert outside, "the far home's cell is outside the request"
        around = {str(c) for cell in logged for c in h3.grid_disk(cell, MAP_RINGS)}
        for path, answer in after.items():
            for secret in secrets:
                assert secret not in answer, (path, secret)
            # The API names only the request's cells; a page's map also draws a ring
            # of hexagons around them, from the area's geometry alone.
            shown = logged if path.startswith("/api/") else around
            for cell in re.findall(r"\b8[0-9a-f]{14}\b", answer):
                assert cell in shown, (path, cell)
            for cell in outside:
                assert cell not in answer, (path, cell)


# -- 6. in the log before it has effect -------------------------------------------------------


def assert_in_signed_checkpoint(n: Neighborhood, index: int) -> Entry:
    """Entry `index`, proven (at this moment) into the latest checkpoint, checked with the
    log's key: the signed tree already holds it."""
    client = LogClient(n.base)
    origin, keys = client.key()
    note = client.checkpoint()
    assert note is not None
    checkpoint = open_checkpoint(note, [Verifier.parse(k) for k in keys], origin)
    assert checkpoint.size > index
    [entry] = client.entries(index, index + 1)
    proof = client.inclusion_proof(checkpoint.size, index=index)
    assert proof is not None
    verify_inclusion(
        leaf_hash(entry.data), index, checkpoint.size, proof.proof, checkpoint.root_hash
    )
    return decode_entry(entry.data)


def stored_files(n: Neighborhood) -> dict[str, int]:
    """The data folder's files (but the database's own) and their sizes."""
    return {
        str(p.relative_to(n.server_dir)): p.stat().st_size
        for p in n.server_dir.rglob("*")
        if p.is_file() and not p.name.startswith("server.db")
    }


def damage_the_log(n: Neighborhood) -> None:
    """A stray leaf where the next entry goes: the next append fails in its transaction
    (as test_server_agency_registry.py does for a registration)."""
    context = n.server.app.state.server
    with context.sessions.begin() as db:
        size = int(db.scalar(select(LogStateRow.size)) or 0)
        db.add(
            LogEntry(
                idx=size, leaf_hash=b"\0" * 32, data=b"{}", entry_type="stray", appended_at=n.now()
            )
        )


def count(n: Neighborhood, model: type[Any]) -> int:
    with n.server.app.state.server.sessions() as db:
        return int(db.scalar(select(func.count()).select_from(model)) or 0)


def target_of(n: Neighborhood, filed: dict[str, Any]) -> RequestSetup:
    agency = n.agency
    return RequestSetup(
        uuid.UUID(filed["id"]),
        int(filed["filed_index"]),
        AgencySetup(
            agency.identity, uuid.UUID(agency.agency_id), agency.registration_index, agency.member
        ),
    )


def test_every_filing_and_release_is_in_the_log_before_it_has_effect(tmp_path: Path) -> None:
    with neighborhood(tmp_path) as n:
        checked: list[Entry] = []

        def at_receipt(message: JsonObject) -> None:
            # Checked the moment the hub gets the message, before it acts on it.
            body = message["body"]
            assert isinstance(body, dict)
            checked.append(assert_in_signed_checkpoint(n, int(body["log_index"])))

        filed = n.file()
        [request] = n.poll(at_receipt)
        assert request.state is RequestState.OPEN, request.refusal
        [entry] = checked
        assert isinstance(entry, RequestFiled)
        assert entry.request == filed["id"]
        withdrawn = n.agency.member.client.post(f"/api/agency/requests/{filed['id']}/withdraw")
        assert withdrawn.status_code == 200, withdrawn.text
        n.poll(at_receipt)
        closing = checked[-1]
        assert isinstance(closing, RequestClosed)
        assert closing.request == filed["id"]
        assert n.checked(filed["id"]).state is RequestState.CLOSED

        # An upload for a release the server never logged: 404, nothing stored.
        open_request = n.file(case_number="2026-CR-0100")
        n.poll()
        link = n.link
        upload = HttpUpload()
        files = stored_files(n)
        clip = make_clip(tmp_path, 1, n.agency.identity.age_recipient)
        status, body = upload.put_chunk(
            f"{n.base}{clip_upload_path(str(uuid.uuid4()), clip.file)}",
            clip.ciphertext,
            0,
            link.credential,
        )
        assert status == 404, body
        assert stored_files(n) == files
        assert count(n, Release) == 0

        # A release whose log append fails: the server keeps nothing and takes no upload.
        release = signed_release(n.hub_identity, target_of(n, open_request), [clip])
        damage_the_log(n)
        status, body = upload.post_json(
            f"{n.base}{RELEASES_PATH}", {**release.body()}, link.credential
        )
        assert status == 503, body
        assert count(n, Release) == 0
        status, body = upload.put_chunk(
            f"{n.base}{clip_upload_path(release.id, clip.file)}",
            clip.ciphertext,
            0,
            link.credential,
        )
        assert status == 404, body
        assert stored_files(n) == files

        # A filing whose log append fails: no request, no message, no mail.
        requests = count(n, FootageRequest)
        n.server.mailbox.clear()
        failed = n.agency.member.client.post("/api/agency/requests", json=n.filing())
        assert failed.status_code == 503, failed.text
        assert count(n, FootageRequest) == requests
        assert n.poll() == []
        assert n.server.mailbox.to(n.owner.email) == []


# -- 7. bad input at the release API's edges ----------------------------------------------------


def test_bad_uploads_and_foreign_manifests_are_refused_and_lose_nothing_stored(
    tmp_path: Path,
) -> None:
    with neighborhood(tmp_path) as n:
        filed = n.file()
        target = target_of(n, filed)
        recipient = n.agency.identity.age_recipient
        credential = n.link.credential
        upload = HttpUpload()

        def post(release: SignedRelease, bearer: str = credential) -> tuple[int, JsonObject]:
            return upload.post_json(f"{n.base}{RELEASES_PATH}", {**release.body()}, bearer)

        def put(release: SignedRelease, offset: int, data: bytes) -> tuple[int, JsonObject]:
            url = f"{n.base}{clip_upload_path(release.id, release.clips[0].file)}"
            return upload.put_chunk(url, data, offset, credential)

        # A complete release already on the server: what must not be lost or changed.
        kept = signed_release(n.hub_identity, target, [make_clip(tmp_path, 1, recipient)])
        assert post(kept)[0] == 201
        assert put(kept, 0, kept.clips[0].ciphertext)[1]["complete"] is True
        blob = f"releases/{kept.id}/{kept.clips[0].file}"
        blobs = n.server.app.state.server.blobs
        assert blobs.get(blob) == kept.clips[0].ciphertext

        second = signed_release(n.hub_identity, target, [make_clip(tmp_path, 2, recipient)])
        assert post(second)[0] == 201
        data = second.clips[0].ciphertext
        half = len(data) // 2
        assert put(second, 0, data[:half])[0] == 200
        log_size = count(n, LogEntry)

        # An oversized upload: more than the manifest's size. None of it is kept.
        status, body = put(second, half, data[half:] + b"one byte too many")
        assert status == 413, body
        assert body["detail"]
        assert put(second, half, b"")[1]["received"] == half
        # An upload that does not match its manifest: refused, to be sent again.
        tampered = bytearray(data[half:])
        tampered[-1] ^= 0xFF
        status, body = put(second, half, bytes(tampered))
        assert status == 422, body
        assert body["field"] == "ciphertext_sha256"
        assert "again" in str(body["detail"])

        # Manifests signed by another hub: one naming that hub (sent with this hub's
        # credential), one naming this hub but signed with the other's key, and the
        # other hub's own manifest under the kept release's id.
        stranger = n.http.signed_in(n.server.account())
        home = add_home(stranger, "Elm Ct 3", at=(HOME_AT[0] + 0.0005, HOME_AT[1]))
        other_link = pair_hub(stranger, home["id"], tmp_path / "other-hub", n.base)
        other = HubIdentity.load_or_create(tmp_path / "other-hub")
        clip = make_clip(tmp_path, 3, recipient)
        status, body = post(signed_release(other, target, [clip]))
        assert (status, body["field"]) == (403, "hub_key"), body
        status, body = post(signed_release(n.hub_identity, target, [clip], signer=other))
        assert (status, body["field"]) == (400, "signature"), body
        claimed = signed_release(other, target, [clip], release_id=kept.id)
        status, body = post(claimed, other_link.credential)
        assert (status, body["field"]) == (409, "release"), body

        # Nothing stored was lost or changed; nothing was logged for the refusals.
        assert count(n, LogEntry) == log_size
        assert blobs.get(blob) == kept.clips[0].ciphertext
        state = n.http.client().get(
            f"{RELEASES_PATH}/{kept.id}", headers={"Authorization": f"Bearer {credential}"}
        )
        assert state.json()["complete"] is True
        assert put(second, 0, data)[1]["complete"] is True  # the right bytes go through
        package = download(n, filed["id"], tmp_path / "agency")
        with zipfile.ZipFile(package) as archive:
            for release in (kept, second):
                file = release.clips[0].file
                assert archive.read(f"releases/{release.id}/{file}") == release.clips[0].ciphertext
