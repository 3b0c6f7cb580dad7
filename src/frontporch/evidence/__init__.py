"""Evidence: release manifests, sealed clips, and the packages an agency checks.

- `manifest`: the release manifest a hub signs (strict model, canonical bytes, the
  domain-separated Ed25519 signature, its SHA-256 as the log records it).
- `seal`: streaming age encryption and decryption of clips, hashing both sides.
- `package`: the evidence ZIP (its layout, `package.json`, a streaming writer).
- `verify`: every check `frontporch evidence verify` runs, in order.

The format is specified in docs/evidence.md.
"""

from frontporch.evidence.manifest import (
    MANIFEST_FORMAT,
    ClipRecord,
    ManifestError,
    ReleaseManifest,
    decode_manifest,
    encode_manifest,
    manifest_sha256,
    sign_manifest,
    verify_manifest,
)
from frontporch.evidence.package import (
    PACKAGE_FORMAT,
    ClipFile,
    PackageContents,
    PackageError,
    PackageWriter,
    ReleaseFiles,
    build_package,
    stream_package,
)
from frontporch.evidence.seal import Sealed, SealError, WrongIdentity, open_sealed, seal, seal_file

__all__ = [
    "MANIFEST_FORMAT",
    "PACKAGE_FORMAT",
    "ClipFile",
    "ClipRecord",
    "ManifestError",
    "PackageContents",
    "PackageError",
    "PackageWriter",
    "ReleaseFiles",
    "ReleaseManifest",
    "SealError",
    "Sealed",
    "WrongIdentity",
    "build_package",
    "decode_manifest",
    "encode_manifest",
    "manifest_sha256",
    "open_sealed",
    "seal",
    "seal_file",
    "sign_manifest",
    "stream_package",
    "verify_manifest",
]
