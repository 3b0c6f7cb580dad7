"""Making a release: each pick cut, masked, sealed to the agency, then the signed manifest.

For every pick, streaming and never the whole clip in memory:

1. the recorded segments covering [start, end] are remuxed into one MP4 (stream copy,
   `recording/clips.build_clip`, as event clips are);
2. it is re-encoded through the hub's one re-encode path (`community/reencode.py`)
   with the camera's privacy masks burned in, full size up to 1920 px, starting at
   the pick's start (frames before it — the remux begins at a keyframe — are dropped)
   and stopping at its end;
3. the masked MP4 is encrypted in the age format to the recipient from the agency's
   logged registration (`evidence.seal.seal_file`), hashed on both sides, and the
   plaintext deleted.

The manifest (`evidence.manifest`) lists every sealed clip; the hub signs it with its
identity and keeps it in the store for good. Then `upload.py` sends it and the
ciphertext. Work files live in `<storage>/releases/<release>/`; the ciphertext goes
once the server holds all of it.

`run_release` is the worker's whole job, resumable at each step: a release with no
manifest yet is prepared again from scratch; one with a manifest is (re)sent and its
upload resumed from what the server holds.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import shutil
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

import av
from av.error import FFmpegError

from frontporch.crypto.keys import HubIdentity, key_id
from frontporch.evidence.manifest import (
    ClipRecord,
    ManifestError,
    ReleaseManifest,
    encode_manifest,
    manifest_sha256,
    sign_manifest,
)
from frontporch.evidence.seal import SealError, seal_file
from frontporch.hub.analysis.geometry import Polygon
from frontporch.hub.community.log_audit import as_moment
from frontporch.hub.community.reencode import CONTAINER_OPTIONS, RenderLimits, reencode
from frontporch.hub.config import HubConfig
from frontporch.hub.ports import StorePort
from frontporch.hub.recording.clips import ClipError, build_clip
from frontporch.hub.requests.records import (
    ClipPick,
    ReleasedClip,
    ReleaseRecord,
    ReleaseState,
)
from frontporch.hub.store.layout import RECORDINGS_DIR

if TYPE_CHECKING:
    from frontporch.hub.requests.service import RequestDesk

log = logging.getLogger(__name__)

RELEASES_DIR = "releases"
MAX_SIDE = 1920
# Footage outside the pick is cut on frame boundaries: a frame whose start is this
# close before the pick's start is the pick's first frame.
FRAME_SLACK_S = 0.001


class ReleaseError(Exception):
    """A release (or a preview) cannot be made; the message says why and what to do."""


@dataclass(frozen=True, slots=True)
class MaskedClip:
    """A masked MP4 of one pick: where it is and what it covers (Unix seconds)."""

    path: Path
    start: float
    end: float
    duration_s: float
    masked: bool


def new_release_id() -> str:
    """A fresh release id (the hub chooses it; the manifest and the log carry it)."""
    return str(uuid.uuid4())


def plan_clips(config: HubConfig, store: StorePort, picks: Sequence[ClipPick]) -> None:
    """Refuse (ReleaseError) picks with no camera or no recording in their range."""
    if not 1 <= len(picks) <= 1000:
        raise ReleaseError("a release holds 1 to 1000 clips")
    for pick in picks:
        if pick.camera not in config.cameras:
            raise ReleaseError(f"the camera {pick.camera!r} is not in this hub's configuration")
        if not store.segments(pick.camera, pick.start, pick.end):
            raise ReleaseError(
                f"no recording on {pick.camera} covers {as_moment(pick.start)} to "
                f"{as_moment(pick.end)}; pick another range"
            )


def masks_of(config: HubConfig, camera: str) -> list[Polygon]:
    """The camera's privacy masks (relative polygons)."""
    return list(config.cameras[camera].privacy_masks)


def cut_masked_clip(
    config: HubConfig, store: StorePort, storage_root: Path, pick: ClipPick, out: Path
) -> MaskedClip:
    """The pick as a masked MP4 at `out` (remux of its segments, then the re-encode)."""
    segments = store.segments(pick.camera, pick.start, pick.end)
    if not segments:
        raise ReleaseError(f"no recording on {pick.camera} covers the range picked")
    recordings = storage_root / RECORDINGS_DIR
    sources = [(recordings / segment.path, segment.start) for segment in segments]
    out.parent.mkdir(parents=True, exist_ok=True)
    raw = out.with_name(out.name + ".remux.mp4")
    try:
        try:
            info = build_clip(sources, pick.start, pick.end, raw)
        except ClipError as exc:
            raise ReleaseError(f"cannot cut the clip on {pick.camera}: {exc}") from None
        skip = max(0.0, pick.start - info.start)
        masks = masks_of(config, pick.camera)
        limits = RenderLimits(max_seconds=pick.end - pick.start, max_side=MAX_SIDE)
        temp = out.with_name(out.name + ".part")
        try:
            with av.open(str(raw)) as source:
                if not source.streams.video:
                    raise ReleaseError(f"the recording on {pick.camera} holds no video")
                with av.open(str(temp), "w", format="mp4", options=CONTAINER_OPTIONS) as sink:
                    encoded = reencode(
                        source, sink, masks, limits, skip_seconds=skip, keep_audio=pick.keep_audio
                    )
            if encoded.frames == 0:
                raise ReleaseError(f"no frame of the recording on {pick.camera} could be decoded")
            os.replace(temp, out)
        except (FFmpegError, OSError) as exc:
            raise ReleaseError(f"cannot re-encode the clip on {pick.camera}: {exc}") from exc
        finally:
            temp.unlink(missing_ok=True)
    finally:
        raw.unlink(missing_ok=True)
    start = info.start + skip
    return MaskedClip(out, start, start + encoded.duration, encoded.duration, bool(masks))


def render_preview(
    config: HubConfig, store: StorePort, storage_root: Path, pick: ClipPick, folder: Path
) -> Path:
    """A masked MP4 of `pick` for the owner to watch, cached by camera and range."""
    name = f"{pick.camera}-{pick.start:.3f}-{pick.end:.3f}.mp4"
    target = folder / name
    if target.exists():
        return target
    if pick.camera not in config.cameras:
        raise ReleaseError(f"the camera {pick.camera!r} is not in this hub's configuration")
    cut_masked_clip(config, store, storage_root, pick, target)
    return target


def clip_file_name(number: int) -> str:
    """The name of the `number`th clip (from 1): clip-01.mp4.age … clip-1000.mp4.age."""
    return f"clip-{number:02d}.mp4.age"


def release_folder(storage_root: Path, release_id: str) -> Path:
    """Where a release's work files live."""
    return storage_root / RELEASES_DIR / release_id


def prepare(desk: RequestDesk, record: ReleaseRecord) -> ReleaseRecord:
    """Cut, mask and seal every pick, then sign the manifest and keep it; the record."""
    request = desk.store.get_footage_request(record.request_id)
    if request is None:
        raise ReleaseError("the request is gone from this hub")
    folder = release_folder(desk.root, record.id)
    shutil.rmtree(folder, ignore_errors=True)  # a preparation cut short starts again
    folder.mkdir(parents=True)
    clips: list[ReleasedClip] = []
    records: list[ClipRecord] = []
    for number, pick in enumerate(record.picks, start=1):
        stop = desk.should_stop(record.request_id)
        if stop is not None:
            raise ReleaseError(f"stopped: {stop}")
        file = clip_file_name(number)
        plain = folder / f"clip-{number:02d}.mp4"
        try:
            masked = cut_masked_clip(desk.config, desk.store, desk.root, pick, plain)
            sealed = seal_file(plain, folder / file, request.recipient)
        except SealError as exc:
            raise ReleaseError(f"cannot encrypt the clip on {pick.camera}: {exc}") from exc
        finally:
            plain.unlink(missing_ok=True)
        start, end = math.floor(masked.start), math.ceil(masked.end)
        clips.append(
            ReleasedClip(
                file=file,
                camera=pick.camera,
                start=masked.start,
                end=masked.end,
                duration_s=masked.duration_s,
                plaintext_sha256=sealed.plaintext_sha256,
                ciphertext_sha256=sealed.ciphertext_sha256,
                plaintext_bytes=sealed.plaintext_bytes,
                ciphertext_bytes=sealed.ciphertext_bytes,
                masked=masked.masked,
            )
        )
        records.append(
            ClipRecord(
                file=file,
                camera=pick.camera,
                start=as_moment(start),
                end=as_moment(max(end, start)),
                duration_ms=round(masked.duration_s * 1000),
                masked=masked.masked,
                plaintext_sha256=sealed.plaintext_sha256,
                plaintext_bytes=sealed.plaintext_bytes,
                ciphertext_sha256=sealed.ciphertext_sha256,
                ciphertext_bytes=sealed.ciphertext_bytes,
            )
        )
    identity = HubIdentity.load_or_create(desk.root)
    try:
        manifest = ReleaseManifest(
            release=record.id,
            request=request.id,
            request_index=request.log_index,
            agency=request.agency,
            agency_registration_index=request.agency_registration_index,
            recipient=request.recipient,
            hub_key=identity.public_key,
            hub=key_id(identity.public_key),
            created_at=as_moment(record.created_at),
            clips=records,
        )
        data = encode_manifest(manifest)
        signature = sign_manifest(identity, data)
    except (ManifestError, ValueError) as exc:
        raise ReleaseError(f"cannot build the release manifest: {exc}") from exc
    prepared = replace(
        record,
        clips=tuple(clips),
        manifest=data,
        signature=signature,
        manifest_sha256=manifest_sha256(data),
        error=None,
    )
    desk.store.save_release(prepared)
    log.info("release %s prepared: %d clips sealed, manifest signed", record.id, len(clips))
    return prepared


def run_release(desk: RequestDesk, release_id: str) -> None:
    """Prepare (if needed), send and upload one release; its state says how it went."""
    from frontporch.hub.requests.upload import UploadError, send_release

    found = desk.store.get_release(release_id)
    if found is None or found.state in (ReleaseState.DONE, ReleaseState.FAILED):
        return
    record = found

    def fail(reason: str) -> None:
        current = desk.store.get_release(release_id) or record
        if desk.stopping and current.state is not ReleaseState.DONE:
            # The hub is shutting down, not the release failing: leave it due, so that
            # `resume` at the next start picks it up where it was.
            desk.store.save_release(replace(current, error=reason))
            log.info("release %s paused: %s", release_id, reason)
            return
        if current.log_index is not None and current.state is not ReleaseState.DONE:
            # Logged by the server: the footage is promised, so the upload stays due and
            # resumes (from what the server holds) when the hub starts again.
            desk.store.save_release(replace(current, state=ReleaseState.UPLOADING, error=reason))
            log.warning("release %s upload interrupted: %s", release_id, reason)
            return
        desk.store.save_release(replace(current, state=ReleaseState.FAILED, error=reason))
        log.warning("release %s failed: %s", release_id, reason)

    try:
        if record.manifest is None:
            record = prepare(desk, record)
        record = send_release(desk, record)
    except (ReleaseError, UploadError) as exc:
        fail(str(exc))
        if record.manifest is None:
            shutil.rmtree(release_folder(desk.root, release_id), ignore_errors=True)
        return
    if record.state is ReleaseState.DONE:
        with contextlib.suppress(OSError):
            shutil.rmtree(release_folder(desk.root, release_id))
