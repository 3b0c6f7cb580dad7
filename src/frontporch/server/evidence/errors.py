"""Errors of the evidence area; each tells the hub (or the agency) what to do next and
names the field at fault. Uploads that fail keep what was already stored."""

from __future__ import annotations

from frontporch.server.errors import BadRequest, Conflict, Forbidden, NotFound, ServerError

FILE_PATTERN = r"^clip-[0-9]{2,4}\.mp4\.age$"


class EvidenceError(ServerError):
    """Base of the evidence area's errors."""


class BadManifest(EvidenceError):
    """The manifest (or its signature) cannot be read."""

    status = 422

    def __init__(self, detail: str, field: str = "manifest") -> None:
        super().__init__("invalid release manifest", detail, field=field)


class ManifestSignatureInvalid(EvidenceError, BadRequest):
    """The signature does not verify under the calling hub's key."""

    def __init__(self) -> None:
        super().__init__(
            "manifest signature does not verify",
            "Sign b'frontporch-release-manifest/1\\n' + the manifest bytes with this hub's "
            "Ed25519 key (the one it paired with) and send the signature in base64.",
            field="signature",
        )


class ManifestOfAnotherHub(EvidenceError, Forbidden):
    """The manifest names a hub key other than the calling hub's."""

    def __init__(self) -> None:
        super().__init__(
            "manifest names another hub",
            "A hub can release only under its own key: 'hub_key' must be the public key this "
            "hub paired with, and 'hub' its key_id.",
            field="hub_key",
        )


class RequestNotFound(EvidenceError, NotFound):
    """No request with the manifest's id."""

    def __init__(self) -> None:
        super().__init__(
            "request not found",
            "The manifest's 'request' is not a request on this server; check the request "
            "message the hub received.",
            field="request",
        )


class RequestNotOpen(EvidenceError, Conflict):
    """The request was withdrawn, expired or fulfilled."""

    def __init__(self, status: str) -> None:
        super().__init__(
            "request closed",
            f"The request is {status}: it takes no new releases. Nothing was logged.",
            field="request",
        )


class ManifestMismatch(EvidenceError, BadRequest):
    """A field of the manifest disagrees with the logged request or registration."""

    def __init__(self, field: str, detail: str) -> None:
        super().__init__("manifest does not match the request", detail, field=field)


class HomeOutsideRequest(EvidenceError, Forbidden):
    """The hub's home is not in the request's cells."""

    def __init__(self) -> None:
        super().__init__(
            "home outside the request's area",
            "Only hubs of homes in the request's cells can release footage for it.",
            field="request",
        )


class ReleaseTooLarge(EvidenceError):
    """A clip or the whole release is larger than the server accepts."""

    status = 413

    def __init__(self, detail: str, field: str = "clips") -> None:
        super().__init__("release too large", detail, field=field)


class ReleaseConflict(EvidenceError, Conflict):
    """Another manifest is already stored under this release id."""

    def __init__(self) -> None:
        super().__init__(
            "release id already used",
            "A different manifest was already released under this id; choose a new "
            "release id (a fresh uuid4) for a new release.",
            field="release",
        )


class ReleaseNotFound(EvidenceError, NotFound):
    """No release with this id from the calling hub."""

    def __init__(self) -> None:
        super().__init__(
            "release not found",
            "POST the signed manifest to /api/hub/releases first.",
            field="release",
        )


class ClipNotFound(EvidenceError, NotFound):
    """The release's manifest lists no clip of this name."""

    def __init__(self) -> None:
        super().__init__(
            "clip not in the manifest",
            "Upload only the files the release's manifest lists, by the same names.",
            field="file",
        )


class CiphertextDeleted(EvidenceError, Conflict):
    """The release's download window is over and its ciphertext was deleted."""

    def __init__(self) -> None:
        super().__init__(
            "release deleted",
            "The download window of this release is over: its ciphertext was deleted and "
            "it takes no more uploads.",
            field="release",
        )


class OffsetMismatch(EvidenceError, Conflict):
    """Upload-Offset is not what the server holds; the body carries `received`."""

    def __init__(self, received: int) -> None:
        super().__init__(
            "upload offset mismatch",
            f"The server holds {received} bytes of this clip; send the next chunk with "
            f"Upload-Offset: {received}.",
            field="Upload-Offset",
        )
        self.received = received

    def body(self) -> dict[str, object]:
        """The error envelope with `received`, where the hub continues from."""
        return {**super().body(), "received": self.received}


class BadOffset(EvidenceError, BadRequest):
    """The Upload-Offset header is missing or not a number."""

    def __init__(self) -> None:
        super().__init__(
            "Upload-Offset required",
            "Send the chunk's starting byte as the Upload-Offset header (a whole number; "
            "GET the release for how much is held).",
            field="Upload-Offset",
        )


class ChunkTooLarge(EvidenceError):
    """The chunk goes past the clip's declared size, or past the chunk limit."""

    status = 413

    def __init__(self, detail: str) -> None:
        super().__init__("upload too large", detail, field="body")


class UploadHashMismatch(EvidenceError):
    """The complete clip's SHA-256 is not the manifest's; the partial was discarded."""

    status = 422

    def __init__(self) -> None:
        super().__init__(
            "clip does not match its manifest",
            "The uploaded bytes' SHA-256 differs from the manifest's ciphertext_sha256; "
            "what was received is discarded: upload it again from offset 0.",
            field="ciphertext_sha256",
        )


class UploadBusy(EvidenceError, Conflict):
    """Another upload of the same clip is in progress."""

    def __init__(self) -> None:
        super().__init__(
            "upload in progress",
            "Another upload of this clip is running; wait for it, then GET the release "
            "and continue from what it holds.",
            field="file",
        )


class StorageFull(EvidenceError):
    """The server's disk (or blob store) has no room; what was stored before stays."""

    status = 507

    def __init__(self) -> None:
        super().__init__(
            "server storage full",
            "The server has no room for this chunk; nothing already received was lost. "
            "Retry later from the offset the server reports; the operator has been told "
            "in the server's log.",
        )


class StorageUnavailable(EvidenceError):
    """The blob store cannot be reached."""

    status = 503

    def __init__(self) -> None:
        super().__init__(
            "storage unavailable",
            "The server could not store the clip just now; nothing already received was "
            "lost. Retry the last chunk later.",
            headers={"Retry-After": "30"},
        )


class EvidenceRequestNotFound(EvidenceError, NotFound):
    """No request of the caller's agency with this id."""

    def __init__(self) -> None:
        super().__init__(
            "request not found",
            "No request of your agency has this id; see your agency's requests.",
            field="request_id",
        )
