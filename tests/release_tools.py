"""Helpers for the release and evidence tests: a registered agency with a member and an
open request (rows inserted, real log entries appended, as the agencies and requests
areas do), a home with a really paired hub, and release manifests signed by that hub's
real identity over clips really encrypted (age) to the agency's logged recipient."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any, Literal

from fastapi.testclient import TestClient
from sqlalchemy import select

from agency_tools import log_verified_agency
from frontporch.crypto.keys import AgencyIdentity, HubIdentity, key_id
from frontporch.evidence.manifest import (
    ClipRecord,
    ReleaseManifest,
    encode_manifest,
    sign_manifest,
    signed_message,
)
from frontporch.evidence.seal import seal
from frontporch.geo import int_to_cell
from frontporch.protocol import RELEASES_PATH, UPLOAD_OFFSET_HEADER, clip_upload_path
from frontporch.server.accounts.models import Role
from frontporch.server.homes.models import Home
from frontporch.server.requests.models import FootageRequest, RequestStatus
from frontporch.server.transparency.service import LogService, append_entries
from frontporch.translog import entries
from homes_tools import add_home, pair_body, pairing_code
from server_fixtures import Account
from server_harness import ServerHarness
from videotools import make_h264

FAR_AWAY = (47.6062, -122.3321)  # Seattle: far from every test home in Chicago


@dataclass
class AgencySetup:
    """A registered agency: its private identity, its row, its member."""

    identity: AgencyIdentity
    agency_id: uuid.UUID
    registration_index: int
    member: Account


@dataclass
class RequestSetup:
    """An open request of an agency."""

    request_id: uuid.UUID
    filed_index: int
    agency: AgencySetup


@dataclass
class PairedHub:
    """A hub paired with a home: its identity and a client sending its credential."""

    identity: HubIdentity
    client: TestClient
    owner: Account
    home_id: str
    cell: str


@dataclass
class Clip:
    """A clip's plaintext (a real MP4) and its age ciphertext."""

    file: str
    plaintext: bytes
    ciphertext: bytes
    record: ClipRecord


@dataclass
class SignedRelease:
    """A manifest, its bytes and signature, and its clips."""

    manifest: ReleaseManifest
    data: bytes
    signature: str
    clips: list[Clip] = field(default_factory=list)

    @property
    def id(self) -> str:
        return self.manifest.release

    def body(self) -> dict[str, str]:
        return {"manifest": base64.b64encode(self.data).decode(), "signature": self.signature}


def register_agency(server: ServerHarness, name: str | None = None) -> AgencySetup:
    """A verified agency whose keys are logged (`agency_registered`), with a member."""
    identity = AgencyIdentity.generate()
    member = server.account(Role.AGENCY_MEMBER, mfa_on=True)
    agency_id, index = log_verified_agency(
        server.app.state.server.sessions, server.clock, identity, member.email, name
    )
    return AgencySetup(identity, agency_id, index, member)


def file_request(
    server: ServerHarness, agency: AgencySetup, cells: list[str], *, expires_in_days: float = 7
) -> RequestSetup:
    """An open request covering `cells`, its `request_filed` entry appended and a
    checkpoint signed in the same transaction, as filing does."""
    context = server.app.state.server
    request_id = uuid.uuid4()
    now = server.clock()
    case, description = "2026-000123", "A parcel was taken from a porch."
    with context.sessions.begin() as db:
        entry = entries.RequestFiled(
            at=entries.moment(now),
            request=str(request_id),
            agency=str(agency.agency_id),
            incident="theft",
            case_sha256=hashlib.sha256(case.encode()).hexdigest(),
            description_sha256=hashlib.sha256(description.encode()).hexdigest(),
            cells=sorted(cells),
            window_start=entries.moment(now - timedelta(hours=3)),
            window_end=entries.moment(now - timedelta(hours=1)),
        )
        [index] = append_entries(db, [entry], server.clock)
        db.add(
            FootageRequest(
                id=request_id,
                agency_id=agency.agency_id,
                case_number=case,
                incident="theft",
                description=description,
                contact="detective@agency.example",
                area=json.dumps({"type": "circle", "center": [41.878, -87.629], "radius_m": 200}),
                cells=json.dumps(sorted(cells)),
                window_start=now - timedelta(hours=3),
                window_end=now - timedelta(hours=1),
                expires_at=now + timedelta(days=expires_in_days),
                filed_at=now,
                status=RequestStatus.OPEN.value,
                filed_index=index,
                registration_index=agency.registration_index,
                homes_notified=1,
            )
        )
        LogService(db, server.app.state.log_keys, server.clock).checkpoint_now()
    return RequestSetup(request_id, index, agency)


def close_request(
    server: ServerHarness,
    request: RequestSetup,
    reason: Literal["fulfilled", "withdrawn", "expired"] = "withdrawn",
) -> int:
    """Close a request as the requests area does: `request_closed` logged with the row."""
    context = server.app.state.server
    with context.sessions.begin() as db:
        entry = entries.RequestClosed(
            at=entries.moment(server.clock()), request=str(request.request_id), reason=reason
        )
        [index] = append_entries(db, [entry], server.clock)
        row = db.get(FootageRequest, request.request_id)
        assert row is not None
        row.status = reason
        row.closed_at = server.clock()
        row.closed_index = index
    return index


def paired_hub(
    server: ServerHarness,
    at: tuple[float, float] | None = None,
    owner: Account | None = None,
    origin: str = "http://testserver",
) -> PairedHub:
    """A new home (or the owner's new one) and a hub paired with it through the API
    (signed for `origin`, the server's base URL)."""
    owner = owner or server.account()
    home = add_home(owner, at=at) if at else add_home(owner)
    identity = HubIdentity.generate()
    body = pair_body(identity, origin, pairing_code(owner, home["id"]))
    paired = server.new_client().post("/api/hub/pair", json=body)
    assert paired.status_code == 201, paired.text
    client = server.new_client()
    client.headers["authorization"] = f"Bearer {paired.json()['credential']}"
    with server.app.state.server.sessions() as db:
        cell = db.scalar(select(Home.cell).where(Home.id == uuid.UUID(home["id"])))
    assert cell is not None
    return PairedHub(identity, client, owner, home["id"], int_to_cell(cell))


def make_clip(tmp_path: Path, number: int, recipient: str, seconds: float = 1.0) -> Clip:
    """A real H.264 MP4 sealed (age) to `recipient`."""
    folder = tmp_path / "hub-side"  # not the server's data_dir (the tests' tmp_path)
    folder.mkdir(exist_ok=True)
    path = make_h264(folder / f"plain-{uuid.uuid4().hex[:8]}.mp4", seconds=seconds, size=(160, 120))
    plaintext = path.read_bytes()
    out = io.BytesIO()
    sealed = seal(io.BytesIO(plaintext), out, recipient)
    file = f"clip-{number:02d}.mp4.age"
    record = ClipRecord(
        file=file,
        camera="Front door",
        start="2026-12-01T10:00:00Z",
        end="2026-12-01T10:00:01Z",
        duration_ms=int(seconds * 1000),
        masked=True,
        plaintext_sha256=sealed.plaintext_sha256,
        plaintext_bytes=sealed.plaintext_bytes,
        ciphertext_sha256=sealed.ciphertext_sha256,
        ciphertext_bytes=sealed.ciphertext_bytes,
    )
    return Clip(file, plaintext, out.getvalue(), record)


def signed_release(
    hub: HubIdentity,
    target: RequestSetup,
    clips: list[Clip] | list[ClipRecord],
    *,
    release_id: str | None = None,
    signer: HubIdentity | None = None,
    **changes: Any,
) -> SignedRelease:
    """A manifest for `clips` released by `hub` for `target`, signed (by `signer`, if
    given, as a forger would: then it names the signer's key)."""
    values: dict[str, Any] = {
        "release": release_id or str(uuid.uuid4()),
        "request": str(target.request_id),
        "request_index": target.filed_index,
        "agency": str(target.agency.agency_id),
        "agency_registration_index": target.agency.registration_index,
        "recipient": target.agency.identity.age_recipient,
        "hub_key": hub.public_key,
        "hub": key_id(hub.public_key),
        "created_at": "2026-12-01T11:00:00Z",
        "clips": [clip.record if isinstance(clip, Clip) else clip for clip in clips],
    }
    values.update(changes)
    manifest = ReleaseManifest(**values)
    data = encode_manifest(manifest)
    if signer is None:
        signature = sign_manifest(hub, data)
    else:  # a key the manifest may not name: signed directly, as a forger would
        signature = base64.b64encode(signer.sign(signed_message(data))).decode()
    return SignedRelease(manifest, data, signature, [c for c in clips if isinstance(c, Clip)])


def put_chunk(hub: TestClient, release: str, file: str, offset: int, data: bytes) -> Any:
    """PUT one chunk of a clip's ciphertext at `offset`."""
    return hub.put(
        clip_upload_path(release, file),
        content=data,
        headers={UPLOAD_OFFSET_HEADER: str(offset), "content-type": "application/octet-stream"},
    )


def upload_all(hub: TestClient, release: SignedRelease, chunk: int = 64 * 1024) -> None:
    """Upload every clip of a release in chunks of `chunk` bytes, from what the server
    already holds of each."""
    state = hub.get(f"{RELEASES_PATH}/{release.id}")
    assert state.status_code == 200, state.text
    held = {c["file"]: c["received"] for c in state.json()["clips"]}
    for clip in release.clips:
        for offset in range(held[clip.file], len(clip.ciphertext), chunk):
            piece = clip.ciphertext[offset : offset + chunk]
            answer = put_chunk(hub, release.id, clip.file, offset, piece)
            assert answer.status_code == 200, answer.text
            assert answer.json()["complete"] is (offset + len(piece) == len(clip.ciphertext))


def submit(hub: TestClient, release: SignedRelease) -> Any:
    """POST a release manifest; the raw response."""
    return hub.post(RELEASES_PATH, json=release.body())
