"""Releases: a paired hub's signed manifest is checked, logged and stored as one step.

`ReleaseService.submit` is what `POST /api/hub/releases` does. It checks, in this order,
what needs no database (the manifest decodes and is canonical, it names the calling
hub's own key, the signature verifies under that key), then whether the release id is
already taken (the same manifest again is a resume: its current state; a different one,
409), then the request: it exists, is open and not past its expiry, `request_index` is
its `request_filed` entry, the agency and `agency_registration_index` are those the
request was filed under and `recipient` is that registration's logged age recipient,
the hub's home lies in the request's cells, and the sizes are within the caps.

Only then does it append the `release` entry and insert the release and its clips in
the same transaction, and sign a checkpoint covering the entry: the release is in the
public log before the server accepts a single byte of it, and a release row without
its entry (or the reverse) cannot exist. Services never commit; the request does.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy.orm import Session

from frontporch.crypto.keys import key_id
from frontporch.evidence.manifest import (
    ManifestError,
    ReleaseManifest,
    decode_manifest,
    manifest_sha256,
    verify_manifest,
)
from frontporch.geo import int_to_cell
from frontporch.server.agencies.models import AgencyStatus
from frontporch.server.context import ServerContext
from frontporch.server.evidence.errors import (
    BadManifest,
    HomeOutsideRequest,
    ManifestMismatch,
    ManifestOfAnotherHub,
    ManifestSignatureInvalid,
    ReleaseConflict,
    ReleaseNotFound,
    ReleaseTooLarge,
    RequestNotFound,
    RequestNotOpen,
)
from frontporch.server.evidence.models import Release, ReleaseClip
from frontporch.server.evidence.repository import ReleaseRepository, request_cells
from frontporch.server.hubs.auth import HubSubject
from frontporch.server.hubs.errors import HubCredentialRequired
from frontporch.server.requests.models import FootageRequest, RequestStatus
from frontporch.server.transparency.keys import LogKeys
from frontporch.server.transparency.service import LogService, append_entries
from frontporch.translog import entries

RELEASE_BLOB_AREA = "releases"


@dataclass(frozen=True)
class ClipState:
    """How much of one clip's ciphertext the server holds."""

    file: str
    size: int
    received: int
    complete: bool


@dataclass(frozen=True)
class ReleaseState:
    """A release as its hub sees it: the log index and each clip's upload state."""

    release: uuid.UUID
    log_index: int
    clips: list[ClipState]
    created: bool = False  # logged by this call (201), not found from before (200)

    @property
    def complete(self) -> bool:
        """Every clip uploaded and checked."""
        return all(clip.complete for clip in self.clips)


def clip_blob_key(release_id: uuid.UUID, file: str) -> str:
    """Where a complete clip's ciphertext is kept in the blob store."""
    return f"{RELEASE_BLOB_AREA}/{release_id}/{file}"


class ReleaseService:
    """Releases of footage by paired hubs, in the request's session."""

    def __init__(self, db: Session, context: ServerContext, keys: LogKeys) -> None:
        self.db = db
        self.context = context
        self.keys = keys
        self.releases = ReleaseRepository(db)

    def submit(self, hub: HubSubject, manifest_bytes: bytes, signature: str) -> ReleaseState:
        """Check, log and store a release manifest signed by the calling hub; its state."""
        public_key = self._hub_key(hub)
        manifest = _verified(manifest_bytes, signature, public_key)
        release_id = uuid.UUID(manifest.release)
        existing = self.releases.get(release_id)
        if existing is not None:
            if existing.manifest != manifest_bytes or existing.hub_key_id != key_id(public_key):
                raise ReleaseConflict()
            return self._state(existing)
        request = self._checked_request(hub, manifest)
        self._check_sizes(manifest)
        return self._log_and_store(hub, request, manifest, manifest_bytes, signature)

    def state(self, hub: HubSubject, release_id: uuid.UUID) -> ReleaseState:
        """The upload state of one of the calling hub's releases."""
        release = self.releases.release_of_hub(release_id, key_id(self._hub_key(hub)))
        if release is None:
            raise ReleaseNotFound()
        return self._state(release)

    # -- checks ---------------------------------------------------------------------------

    def _hub_key(self, hub: HubSubject) -> str:
        row = self.releases.hub(hub.hub_id)
        if row is None:  # unpaired since the guard let it in
            raise HubCredentialRequired("The hub was unpaired; pair it again.")
        return row.public_key

    def _checked_request(self, hub: HubSubject, manifest: ReleaseManifest) -> FootageRequest:
        request = self.releases.request(uuid.UUID(manifest.request))
        if request is None:
            raise RequestNotFound()
        if request.status != RequestStatus.OPEN.value:
            raise RequestNotOpen(request.status)
        if request.expires_at <= self.context.clock():
            raise RequestNotOpen("expired")
        if manifest.request_index != request.filed_index:
            raise ManifestMismatch(
                "request_index",
                f"request_index must be the log index of the request's request_filed entry "
                f"({request.filed_index}), as the request message said.",
            )
        if manifest.agency != str(request.agency_id):
            raise ManifestMismatch("agency", "agency must be the agency that filed the request.")
        if manifest.agency_registration_index != request.registration_index:
            raise ManifestMismatch(
                "agency_registration_index",
                "agency_registration_index must be the registration the request was filed "
                f"under (log index {request.registration_index}).",
            )
        registration = self.releases.registration(request.registration_index)
        if registration is None or registration.age_recipient != manifest.recipient:
            raise ManifestMismatch(
                "recipient",
                "recipient must be the age recipient of the agency's logged registration "
                f"(log index {request.registration_index}); encrypt the clips to it.",
            )
        agency = self.releases.agency(request.agency_id)
        if agency is None or agency.status == AgencyStatus.REVOKED.value:
            raise RequestNotOpen("closed: its agency was revoked")
        cell = self.releases.home_cell(hub.home_id)
        if cell is None or int_to_cell(cell) not in request_cells(request):
            raise HomeOutsideRequest()
        return request

    def _check_sizes(self, manifest: ReleaseManifest) -> None:
        settings = self.context.settings
        for position, clip in enumerate(manifest.clips):
            if clip.ciphertext_bytes > settings.release_max_clip_bytes:
                raise ReleaseTooLarge(
                    f"{clip.file} is {clip.ciphertext_bytes} bytes; this server takes clips of "
                    f"at most {settings.release_max_clip_bytes} bytes. Release a shorter range.",
                    f"clips.{position}.ciphertext_bytes",
                )
        total = sum(clip.ciphertext_bytes for clip in manifest.clips)
        if total > settings.release_max_bytes:
            raise ReleaseTooLarge(
                f"the clips total {total} bytes; this server takes at most "
                f"{settings.release_max_bytes} bytes per release. Release fewer clips."
            )

    # -- logging and storing ------------------------------------------------------------

    def _log_and_store(
        self,
        hub: HubSubject,
        request: FootageRequest,
        manifest: ReleaseManifest,
        manifest_bytes: bytes,
        signature: str,
    ) -> ReleaseState:
        now = self.context.clock()
        digest = manifest_sha256(manifest_bytes)
        release_id = uuid.UUID(manifest.release)
        entry = entries.Release(
            at=entries.moment(now),
            request=str(request.id),
            release=str(release_id),
            hub=manifest.hub,
            manifest_sha256=digest,
            clips=len(manifest.clips),
        )
        [log_index] = append_entries(self.db, [entry], self.context.clock)
        release = Release(
            id=release_id,
            request_id=request.id,
            hub_id=hub.hub_id,
            hub_key_id=manifest.hub,
            manifest=manifest_bytes,
            signature=signature.strip(),
            manifest_sha256=digest,
            log_index=log_index,
            clips=len(manifest.clips),
            ciphertext_bytes=sum(clip.ciphertext_bytes for clip in manifest.clips),
            created_at=now,
        )
        self.releases.add(release)
        self.db.add_all(
            ReleaseClip(
                release_id=release_id,
                file=clip.file,
                size=clip.ciphertext_bytes,
                ciphertext_sha256=clip.ciphertext_sha256,
                received=0,
                complete=False,
            )
            for clip in manifest.clips
        )
        self.db.flush()
        # A checkpoint covering the entry, so the hub (and anyone) can prove it at once.
        LogService(self.db, self.keys, self.context.clock).checkpoint_now()
        state = self._state(release)
        return ReleaseState(state.release, state.log_index, state.clips, created=True)

    def _state(self, release: Release) -> ReleaseState:
        clips = [
            ClipState(clip.file, clip.size, clip.received, clip.complete)
            for clip in self.releases.clips(release.id)
        ]
        return ReleaseState(release.id, release.log_index, clips)


def _verified(manifest_bytes: bytes, signature: str, public_key: str) -> ReleaseManifest:
    """The manifest, decoded and its signature checked under the calling hub's key."""
    try:
        manifest = decode_manifest(manifest_bytes)
    except ManifestError as exc:
        raise BadManifest(str(exc), f"manifest.{exc.field}" if exc.field else "manifest") from None
    if manifest.hub_key != public_key or manifest.hub != key_id(public_key):
        raise ManifestOfAnotherHub()
    try:
        return verify_manifest(manifest_bytes, signature, public_key)
    except ManifestError:
        raise ManifestSignatureInvalid() from None
