"""What S3-compatible services' error codes mean, for every S3 client here (the server's
blob store, the hub's backup target): AWS, Backblaze B2, Wasabi and MinIO answer with
these `Code` values (or the bare HTTP status, for HEAD requests, which have no body)."""

from __future__ import annotations

NOT_FOUND = frozenset({"NoSuchKey", "404", "NotFound"})
NO_BUCKET = frozenset({"NoSuchBucket"})
DENIED = frozenset(
    {
        "AccessDenied",
        "403",
        "Forbidden",
        "InvalidAccessKeyId",
        "SignatureDoesNotMatch",
        "InvalidToken",
        "ExpiredToken",
        "AllAccessDisabled",
    }
)
FULL = frozenset({"QuotaExceeded", "StorageQuotaExceeded", "EntityTooLarge", "InsufficientStorage"})
