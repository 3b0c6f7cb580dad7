"""A release end to end on real recorded video: cut, masked, sealed, signed, uploaded.

Real parts: segments recorded by stream copy (videotools), the hub's SQLite store, the
re-encode with privacy masks, age encryption (checked with the `age` binary), the
hub's Ed25519 identity and the manifest library. The server's release API is stood in
by `ReleaseServer`, which follows the contract (checks the signature, the offsets and
each clip's SHA-256) — the server's own endpoints are tested on the server side.
"""

from __future__ import annotations

import base64
import hashlib
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import av
import numpy as np
import pytest

from frontporch.crypto.keys import HubIdentity
from frontporch.evidence.manifest import decode_manifest, manifest_sha256, verify_manifest
from frontporch.hub.community.link import ServerLink
from frontporch.hub.config import parse_config
from frontporch.hub.requests.consent import confirm_consent
from frontporch.hub.requests.records import ClipPick, ReleaseState, RequestState
from frontporch.hub.requests.service import RequestDesk
from frontporch.hub.store.index import HubStore
from frontporch.hub.store.layout import RECORDINGS_DIR
from frontporch.hub.web.passwords import set_owner_password
from frontporch.protocol import RELEASES_PATH
from hub_requests_tools import FILED, PASSWORD, SERVER, MemoryLog, file_request, register
from videotools import make_h264, record_segments

AGE = "/usr/bin/age"
NOW = FILED + 60
START = FILED - 3 * 3600 + 5  # the recording starts inside the request's window
MASK = [[0.5, 0.5], [1.0, 0.5], [1.0, 1.0], [0.5, 1.0]]  # bottom-right quarter


@dataclass
class ReleaseServer:
    """The contract's release API in memory, with one injected failure mid-upload."""

    hub_key: str
    held: dict[str, dict[str, bytearray]] = field(default_factory=dict)
    manifests: dict[str, bytes] = field(default_factory=dict)
    fail_after: int | None = None  # bytes of the first clip accepted before one failure
    posts: int = 0

    def post_json(self, url: str, body: dict[str, Any], bearer: str) -> tuple[int, Any]:
        assert url == SERVER + RELEASES_PATH
        assert bearer == "secret-credential"
        self.posts += 1
        data = base64.b64decode(str(body["manifest"]))
        manifest = verify_manifest(data, str(body["signature"]), self.hub_key)
        if manifest.release in self.manifests:
            if self.manifests[manifest.release] != data:
                return 409, {"error": "another manifest"}
            return 200, self._state(manifest.release)
        self.manifests[manifest.release] = data
        self.held[manifest.release] = {c.file: bytearray() for c in manifest.clips}
        return 201, self._state(manifest.release)

    def put_chunk(self, url: str, data: bytes, offset: int, bearer: str) -> tuple[int, Any]:
        release, file = url.removeprefix(SERVER + RELEASES_PATH + "/").split("/clips/")
        clip = decode_manifest(self.manifests[release]).clip(file)
        held = self.held[release][file]
        if offset != len(held):
            return 409, {"error": "offset", "received": len(held)}
        if self.fail_after is not None:
            held.extend(data[: self.fail_after])
            self.fail_after = None
            return 503, {"error": "the server is restarting"}
        held.extend(data)
        complete = len(held) == clip.ciphertext_bytes
        if complete and hashlib.sha256(held).hexdigest() != clip.ciphertext_sha256:
            held.clear()
            return 422, {"error": "hash mismatch"}
        return 200, {"file": file, "size": clip.ciphertext_bytes, "received": len(held)}

    def _state(self, release: str) -> dict[str, Any]:
        manifest = decode_manifest(self.manifests[release])
        clips = [
            {
                "file": c.file,
                "size": c.ciphertext_bytes,
                "received": len(self.held[release][c.file]),
            }
            for c in manifest.clips
        ]
        return {"release": release, "log_index": 42, "clips": clips}


@pytest.fixture
def storage(tmp_path: Path) -> Path:
    root = tmp_path / "hub"
    root.mkdir()
    source = make_h264(tmp_path / "source.mp4", seconds=12, fps=15, size=(320, 240))
    with HubStore(root / "index.sqlite3") as store:
        recordings = root / RECORDINGS_DIR
        for segment in record_segments(source, "front", recordings, 4.0, START):
            relative = segment.path.relative_to(recordings)
            store.add_segment("front", relative, segment.start, segment.end, segment.size_bytes)
        set_owner_password(store, PASSWORD)
    return root


@pytest.fixture
def store(storage: Path) -> Iterator[HubStore]:
    with HubStore(storage / "index.sqlite3") as store:
        yield store


def make_desk(storage: Path, store: HubStore, log: MemoryLog, server: ReleaseServer) -> RequestDesk:
    config = parse_config(
        {
            "storage": {"path": str(storage)},
            "cameras": {
                "front": {"inputs": [{"url": "rtsp://cam.test/1"}], "privacy_masks": [MASK]}
            },
        }
    )
    link = ServerLink(SERVER, "hub-1", "home-1", "Home", "secret-credential")
    return RequestDesk(
        config,
        store,
        storage,
        link_loader=lambda: link,
        clock=lambda: NOW,
        fetch=log.fetch,
        transport=server,
    )


def frames_of(path: Path) -> list[np.ndarray]:
    with av.open(str(path)) as container:
        return [f.to_ndarray(format="gray") for f in container.decode(video=0)]


def test_a_release_is_masked_sealed_to_the_logged_recipient_signed_and_uploaded(
    tmp_path: Path, storage: Path, store: HubStore
) -> None:
    log = MemoryLog()
    agency = register(log, "Springfield Police Department")
    agency.identity.save(tmp_path / "agency")
    hub = HubIdentity.load_or_create(storage)
    server = ReleaseServer(hub.public_key, fail_after=1000)
    desk = make_desk(storage, store, log, server)
    request = desk.receive(file_request(log, agency))
    assert request.state is RequestState.OPEN, request.refusal

    footage = desk.footage(request.id)
    (span,) = footage.spans["front"]
    assert span.start == pytest.approx(START, abs=0.1)
    assert span.end == pytest.approx(START + 12, abs=0.2)
    preview = desk.preview(request.id, ClipPick("front", START + 2, START + 5))
    assert preview.exists()
    assert len(frames_of(preview)) == pytest.approx(45, abs=2)

    consent = confirm_consent(store, PASSWORD, request.id, NOW)
    picks = [ClipPick("front", START + 1.5, START + 4.5), ClipPick("front", START + 7, START + 9)]
    started = desk.release(consent, picks)
    assert started.state is ReleaseState.PREPARING
    assert desk.wait_idle(120)

    # The first upload was cut short after 1000 bytes: the release stays due, with why.
    interrupted = desk.get_release(started.id)
    assert interrupted is not None
    assert interrupted.state is ReleaseState.UPLOADING
    assert "restarting" in (interrupted.error or "")
    assert interrupted.log_index == 42
    got = desk.get(request.id)
    assert got is not None
    assert got.state is RequestState.RELEASED
    folder = storage / "releases" / started.id
    assert sorted(p.name for p in folder.iterdir()) == ["clip-01.mp4.age", "clip-02.mp4.age"]

    # The agency opens each clip with the standard age tool: masked, in range.
    manifest_bytes = interrupted.manifest
    assert manifest_bytes is not None
    assert interrupted.signature is not None
    manifest = verify_manifest(manifest_bytes, interrupted.signature, hub.public_key)
    assert manifest.recipient == agency.identity.age_recipient
    assert manifest.request_index == request.log_index
    assert manifest_sha256(manifest_bytes) == interrupted.manifest_sha256
    for clip, pick in zip(manifest.clips, picks, strict=True):
        sealed = (folder / clip.file).read_bytes()
        assert hashlib.sha256(sealed).hexdigest() == clip.ciphertext_sha256
        assert b"ftyp" not in sealed[:4096]
        plain = tmp_path / clip.file.removesuffix(".age")
        subprocess.run(
            [AGE, "-d", "-i", str(tmp_path / "agency" / "agency-age.key"), "-o", str(plain)],
            input=sealed,
            check=True,
        )
        assert hashlib.sha256(plain.read_bytes()).hexdigest() == clip.plaintext_sha256
        frames = frames_of(plain)
        assert len(frames) == pytest.approx((pick.end - pick.start) * 15, abs=2)
        assert clip.duration_ms == pytest.approx((pick.end - pick.start) * 1000, abs=150)
        for frame in frames:
            height, width = frame.shape
            assert frame[height // 2 + 4 :, width // 2 + 4 :].max() <= 24  # black in the mask
            assert frame[: height // 2 - 4, : width // 2 - 4].mean() > 60  # picture outside

    # The hub restarts: the upload resumes from what the server holds, then is done.
    resumed = make_desk(storage, store, log, server)
    assert resumed.resume() == 1
    assert resumed.wait_idle(60)
    done = resumed.get_release(started.id)
    assert done is not None
    assert done.state is ReleaseState.DONE, done.error
    assert server.posts == 2
    for clip in manifest.clips:
        assert (
            hashlib.sha256(server.held[started.id][clip.file]).hexdigest() == clip.ciphertext_sha256
        )
    assert all(c.uploaded_bytes == c.ciphertext_bytes for c in done.clips)
    assert not folder.exists()  # the ciphertext goes once the server holds it all
    assert resumed.releases()[0].manifest == manifest_bytes  # the manifest stays
