"""What goes into a request's evidence package, gathered for its agency.

`evidence_contents` reads, in the request's transaction, everything the package holds
but the ciphertext: a checkpoint of the log as it stands (signed now if the log grew
since the last one), the request's `request_filed` entry, its agency's
`agency_registered` entry, each complete release's `release` entry and the
`request_closed` entry if any, with their canonical bytes and inclusion proofs against
that checkpoint; the log's key as `/api/log/key` states it; each release's manifest
and signature. Clips are not read here: each is a function that opens its blob when the
package's stream reaches it, so a response streams them chunk by chunk.

Only releases whose every clip arrived are included; a release whose ciphertext was
deleted after the download window is listed with `ciphertext_deleted` and no clips.
Another agency's request is not found (404), as if it did not exist.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator

from sqlalchemy.orm import Session

from frontporch.evidence.package import ClipFile, PackageContents, ReleaseFiles
from frontporch.server.accounts.subject import AuthSubject
from frontporch.server.blobs import BlobStore
from frontporch.server.context import ServerContext
from frontporch.server.evidence.errors import EvidenceRequestNotFound
from frontporch.server.evidence.models import Release
from frontporch.server.evidence.repository import ReleaseRepository
from frontporch.server.transparency.keys import LogKeys
from frontporch.server.transparency.service import LogService
from frontporch.translog.entries import moment


def package_name(request_id: uuid.UUID) -> str:
    """The file name the package is offered under."""
    return f"evidence-{request_id}.zip"


def evidence_contents(
    db: Session,
    context: ServerContext,
    keys: LogKeys,
    subject: AuthSubject,
    request_id: uuid.UUID,
) -> PackageContents:
    """The package of one of the caller's agency's requests (EvidenceRequestNotFound
    for any other request)."""
    repository = ReleaseRepository(db)
    request = repository.request_of_agency(request_id, subject.user.agency_id)
    if request is None:
        raise EvidenceRequestNotFound()
    log = LogService(db, keys, context.clock)
    checkpoint, _ = log.checkpoint_now()
    size = checkpoint.size
    releases = [r for r in repository.of_requests([request.id]) if r.complete_at is not None]
    indexes = {request.filed_index, request.registration_index}
    indexes |= {release.log_index for release in releases}
    if request.closed_index is not None:
        indexes.add(request.closed_index)
    return PackageContents(
        request=str(request.id),
        request_index=request.filed_index,
        agency_registration_index=request.registration_index,
        checkpoint_size=size,
        created_at=moment(context.clock()),
        checkpoint=checkpoint.note.encode("utf-8"),
        log_origin=keys.origin,
        log_verifier_keys=keys.verifier_keys,
        entries={index: log.entries(index, index + 1)[0].data for index in sorted(indexes)},
        proofs={index: (size, log.inclusion_proof(index, size)) for index in sorted(indexes)},
        releases=[_release_files(repository, context.blobs, release) for release in releases],
    )


def _release_files(
    repository: ReleaseRepository, blobs: BlobStore, release: Release
) -> ReleaseFiles:
    deleted = release.deleted_at is not None
    clips = (
        []
        if deleted
        else [
            ClipFile(clip.file, clip.size, ClipOpener(blobs, clip.blob_key))
            for clip in repository.clips(release.id)
            if clip.blob_key is not None
        ]
    )
    return ReleaseFiles(
        release=str(release.id),
        log_index=release.log_index,
        manifest=release.manifest,
        signature=release.signature,
        manifest_sha256=release.manifest_sha256,
        ciphertext_deleted=deleted,
        clips=clips,
    )


class ClipOpener:
    """Opens one clip's blob when called and hands it out in the store's chunks; the
    blob is released when the stream is done with it (or abandoned)."""

    def __init__(self, blobs: BlobStore, key: str) -> None:
        self.blobs = blobs
        self.key = key

    def __call__(self) -> Iterable[bytes]:
        return self._chunks()

    def _chunks(self) -> Iterator[bytes]:
        reader = self.blobs.open(self.key)
        try:
            yield from reader
        finally:
            reader.close()
