"""The transparency log's public HTTP API (docs/transparency.md, "HTTP API").

Under /api/log (JSON, in the OpenAPI document): the latest checkpoint (a signed note,
text/plain), the log's keys, entries by index range, inclusion proofs by index or by
leaf hash, consistency proofs, recent checkpoints. Under /log, the C2SP tlog-tiles
layout (`tiles`): /log/checkpoint, /log/tile/<L>/<N>[.p/<W>] and
/log/tile/entries/<N>[.p/<W>], so standard witnesses and tools can read the log.
Everything is public: the log exists to be read by anyone.
"""

from __future__ import annotations

import base64
import binascii
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import PlainTextResponse

from frontporch.server.context import Context
from frontporch.server.db import DbSession
from frontporch.server.kit.schemas import ERRORS
from frontporch.server.transparency import tiles
from frontporch.server.transparency.errors import InvalidLogRequest
from frontporch.server.transparency.keys import LogKeys
from frontporch.server.transparency.schemas import (
    CheckpointOut,
    ConsistencyProofOut,
    EntriesOut,
    EntryOut,
    InclusionProofOut,
    LogKeyOut,
)
from frontporch.server.transparency.service import LogService
from frontporch.server.transparency.views import b64
from frontporch.translog.merkle import HASH_SIZE
from frontporch.web.routing import public_router

MAX_SIZE = 2**63 - 1  # the database's BIGINT
CHECKPOINTS_PER_PAGE = 100


def log_keys(request: Request) -> LogKeys:
    """The origin and signing keys `create_app` loaded."""
    keys: LogKeys = request.app.state.log_keys
    return keys


def log_service(db: DbSession, context: Context, request: Request) -> LogService:
    """The log service for this request."""
    return LogService(db, log_keys(request), context.clock)


Log = Annotated[LogService, Depends(log_service)]
Size = Annotated[int, Query(ge=0, le=MAX_SIZE, description="A tree size (number of entries).")]

api: APIRouter = public_router(prefix="/api/log", tags=["transparency log"], responses=ERRORS)
# The checkpoint answers text, its one error JSON: documented apart from ERRORS, which
# would otherwise be listed under the route's text/plain type.
api_text: APIRouter = public_router(prefix="/api/log", tags=["transparency log"])
static: APIRouter = public_router(prefix="/log", include_in_schema=False)

CHECKPOINT_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The C2SP tlog-checkpoint body in a C2SP signed note.",
        "content": {"text/plain": {"schema": {"type": "string"}}},
    },
    404: {
        "description": "No checkpoint yet",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}},
    },
}


def _note(service: LogService) -> PlainTextResponse:
    return PlainTextResponse(
        service.latest_checkpoint().note,
        media_type="text/plain; charset=utf-8",
        headers={"cache-control": "no-cache"},
    )


@api_text.get("/checkpoint", response_class=PlainTextResponse, responses=CHECKPOINT_RESPONSES)
def checkpoint(service: Log) -> PlainTextResponse:
    """The latest signed checkpoint: origin, tree size and base64 root hash, then signatures.

    Verify it with the log's verifier key (GET /api/log/key) before trusting its size or
    root; 404 before the first checkpoint."""
    return _note(service)


@static.get("/checkpoint", response_class=PlainTextResponse)
def tiles_checkpoint(service: Log) -> PlainTextResponse:
    """The latest checkpoint, where C2SP tlog-tiles clients look for it."""
    return _note(service)


@api.get("/key", response_model=LogKeyOut)
def key(keys: Annotated[LogKeys, Depends(log_keys)]) -> LogKeyOut:
    """The log's origin and the verifier keys of its checkpoints (current key first)."""
    return LogKeyOut(origin=keys.origin, verifier_keys=keys.verifier_keys)


@api.get("/entries", response_model=EntriesOut)
def entries(
    service: Log,
    start: Annotated[int, Query(ge=0, le=MAX_SIZE, description="First index.")],
    end: Annotated[int, Query(ge=0, le=MAX_SIZE, description="Index after the last (exclusive).")],
) -> EntriesOut:
    """Entries [start, end): at most 1000 per call, end at most the log's size."""
    return EntriesOut(entries=[EntryOut.of(view) for view in service.entries(start, end)])


@api.get("/proof/inclusion", response_model=InclusionProofOut)
def inclusion_proof(
    service: Log,
    size: Size,
    index: Annotated[int | None, Query(ge=0, le=MAX_SIZE, description="The entry's index.")] = None,
    leaf_hash: Annotated[
        str | None, Query(max_length=64, description="Or the entry's leaf hash, base64.")
    ] = None,
) -> InclusionProofOut:
    """The inclusion proof of an entry (by index, or by leaf hash: the first entry with it)
    in the tree of `size` entries; size at most the latest checkpoint's."""
    if (index is None) == (leaf_hash is None):
        raise InvalidLogRequest("give either index or leaf_hash, not both or neither", "index")
    if leaf_hash is not None:
        value = _hash_param(leaf_hash)
        found, proof = service.inclusion_proof_by_leaf_hash(value, size)
        return InclusionProofOut(
            index=found, size=size, leaf_hash=b64(value), proof=[b64(h) for h in proof]
        )
    assert index is not None
    proof = service.inclusion_proof(index, size)
    leaf = service.entries(index, index + 1)[0]
    return InclusionProofOut(
        index=index, size=size, leaf_hash=b64(leaf.leaf_hash), proof=[b64(h) for h in proof]
    )


@api.get("/proof/consistency", response_model=ConsistencyProofOut)
def consistency_proof(
    service: Log,
    first: Annotated[int, Query(ge=0, le=MAX_SIZE, description="The older tree's size.")],
    second: Annotated[int, Query(ge=0, le=MAX_SIZE, description="The newer tree's size.")],
) -> ConsistencyProofOut:
    """The consistency proof that the tree of `second` entries extends that of `first`;
    second at most the latest checkpoint's size."""
    proof = service.consistency_proof(first, second)
    return ConsistencyProofOut(first=first, second=second, proof=[b64(h) for h in proof])


@api.get("/checkpoints", response_model=list[CheckpointOut])
def checkpoints(
    service: Log,
    before: Annotated[
        int | None, Query(ge=0, le=MAX_SIZE, description="Only trees smaller than this.")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=CHECKPOINTS_PER_PAGE)] = 20,
) -> list[CheckpointOut]:
    """Recent checkpoints, largest tree first; page back with `before` = the last size."""
    return [CheckpointOut.of(c) for c in service.recent_checkpoints(before, limit)]


@static.get("/tile/entries/{path:path}")
def entry_bundle(path: str, service: Log) -> Response:
    """A tlog-tiles entry bundle: each entry of the tile as a uint16 length and its bytes."""
    index, width = tiles.parse_index(path)
    return tiles.binary(service.entry_bundle(index, width), width)


@static.get("/tile/{level}/{path:path}")
def hash_tile(level: str, path: str, service: Log) -> Response:
    """A tlog-tiles hash tile: the hashes of tree level 8*level, 32 bytes each."""
    index, width = tiles.parse_index(path)
    return tiles.binary(service.hash_tile(tiles.parse_level(level), index, width), width)


def _hash_param(value: str) -> bytes:
    # A '+' left unencoded in a query string arrives as a space; base64 has no spaces.
    value = value.replace(" ", "+")
    try:
        raw = base64.b64decode(value.encode("ascii"), validate=True)
    except (UnicodeEncodeError, binascii.Error, ValueError):
        raw = b""
    if len(raw) != HASH_SIZE or base64.b64encode(raw).decode("ascii") != value:
        raise InvalidLogRequest(
            "leaf_hash must be the standard base64 (with padding) of a 32-byte SHA-256 leaf "
            "hash, as GET /api/log/entries shows it (percent-encode it in the query string)",
            "leaf_hash",
        )
    return raw


ROUTERS = (api_text, api, static)
