"""Bodies of the Release API (`frontporch.protocol` names its paths and header)."""

from __future__ import annotations

import uuid
from typing import Self

from pydantic import BaseModel, Field

from frontporch.evidence.manifest import MAX_MANIFEST_BYTES
from frontporch.server.evidence.service import ClipState, ReleaseState
from frontporch.server.kit.schemas import Strict

BASE64 = r"^[A-Za-z0-9+/]*={0,2}\s*$"


class ReleaseIn(Strict):
    """A release manifest and the hub's signature over it."""

    manifest: str = Field(
        min_length=1,
        max_length=(MAX_MANIFEST_BYTES + 2) // 3 * 4,
        pattern=BASE64,
        description="The manifest's canonical bytes, standard base64.",
    )
    signature: str = Field(
        min_length=1,
        max_length=128,
        pattern=BASE64,
        description="Ed25519 over b'frontporch-release-manifest/1\\n' + manifest, base64.",
    )


class ClipOut(BaseModel):
    """How much of one clip's ciphertext the server holds."""

    file: str
    size: int = Field(description="The ciphertext's size in the manifest.")
    received: int = Field(description="Bytes held; the next chunk starts here.")
    complete: bool = Field(description="Whole and checked against the manifest's SHA-256.")

    @classmethod
    def of(cls, clip: ClipState) -> Self:
        """The answer for a clip's state."""
        return cls(file=clip.file, size=clip.size, received=clip.received, complete=clip.complete)


class ReleaseOut(BaseModel):
    """A release's log index and each clip's upload state."""

    release: uuid.UUID
    log_index: int = Field(description="Index of the release's `release` log entry.")
    complete: bool = Field(description="Every clip whole and checked.")
    clips: list[ClipOut]

    @classmethod
    def of(cls, state: ReleaseState) -> Self:
        """The answer for a release's state."""
        return cls(
            release=state.release,
            log_index=state.log_index,
            complete=state.complete,
            clips=[ClipOut.of(clip) for clip in state.clips],
        )
