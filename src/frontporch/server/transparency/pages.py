"""The public transparency pages: the log's checkpoints and entries, each with its proof.

- `GET /transparency`: the latest signed checkpoint (size, root, the signed note, the
  verifier key(s) and how to run `frontporch log verify` against this server), recent
  checkpoints, and the entries newest first, a page at a time (`?before=INDEX`).
- `GET /transparency/entries/{index}`: one entry's canonical JSON (exactly the bytes
  that were hashed), its leaf hash, and its RFC 9162 inclusion proof against the latest
  checkpoint, with how to check it without trusting this page.

Open to everyone, signed in or not: the log exists to be read (DESIGN.md, main flow 5).
The data comes from the same `LogService` as the JSON API (`endpoints`), so the pages
show exactly what `GET /api/log/…` serves. A page cannot prove anything by itself — a
malicious operator could alter it — so each one says how to check independently.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import Response

from frontporch.server.accounts.auth import OptionalSubject
from frontporch.server.context import Context, ServerContext
from frontporch.server.errors import NotFound
from frontporch.server.kit.pages import render
from frontporch.server.transparency.describe import describe
from frontporch.server.transparency.endpoints import MAX_SIZE, Log, log_keys
from frontporch.server.transparency.keys import LogKeys
from frontporch.server.transparency.service import LogService
from frontporch.server.transparency.views import EntryView, b64
from frontporch.web.routing import public_router

ENTRIES_PER_PAGE = 25
RECENT_CHECKPOINTS = 8

pages: APIRouter = public_router(include_in_schema=False)

Keys = Annotated[LogKeys, Depends(log_keys)]


def _server_url(context: ServerContext) -> str:
    return context.settings.base_url.rstrip("/")


def _verify_command(context: ServerContext, keys: LogKeys, entry: int | None = None) -> str:
    """The `frontporch log verify` line for this server, with its current key pinned."""
    command = (
        f"frontporch log verify --server {_server_url(context)} --key '{keys.verifier_keys[0]}'"
    )
    return command + (f" --entry {entry}" if entry is not None else "")


def _row(view: EntryView, checkpoint_size: int) -> dict[str, Any]:
    summary = describe(view.decoded)
    return {
        "index": view.index,
        "summary": summary,
        "leaf_hash": b64(view.leaf_hash),
        "signed": view.index < checkpoint_size,
    }


def _page_bounds(before: int | None, size: int) -> tuple[int, int]:
    end = size if before is None else min(before, size)
    return max(0, end - ENTRIES_PER_PAGE), end


@pages.get("/transparency")
def transparency_page(
    request: Request,
    context: Context,
    subject: OptionalSubject,
    service: Log,
    keys: Keys,
    before: Annotated[
        int | None, Query(ge=0, le=MAX_SIZE, description="Show entries below this index.")
    ] = None,
) -> Response:
    """The log: latest checkpoint, key, how to verify, recent checkpoints, entries."""
    checkpoints = service.recent_checkpoints(None, RECENT_CHECKPOINTS)
    latest = checkpoints[0] if checkpoints else None
    signed_size = latest.size if latest else 0
    size = service.log.state().size
    start, end = _page_bounds(before, size)
    rows = [_row(view, signed_size) for view in reversed(service.entries(start, end))]
    return render(
        request,
        context,
        "transparency/index.html",
        subject,
        nav="transparency",
        latest=latest,
        latest_root=b64(latest.root) if latest else None,
        checkpoints=[(c, b64(c.root)) for c in checkpoints],
        keys=keys,
        command=_verify_command(context, keys),
        size=size,
        rows=rows,
        first_shown=start,
        last_shown=end - 1,
        newer=min(end + ENTRIES_PER_PAGE, size) if end < size else None,
        older=start if start > 0 else None,
    )


@pages.get("/transparency/entries/{index}")
def entry_page(
    request: Request,
    context: Context,
    subject: OptionalSubject,
    service: Log,
    keys: Keys,
    index: Annotated[int, Path(ge=0, le=MAX_SIZE)],
) -> Response:
    """One entry: canonical JSON, leaf hash, inclusion proof against the latest checkpoint."""
    size = service.log.state().size
    if index >= size:
        raise NotFound(
            "no such entry",
            f"The log has {size} entries, numbered 0 to {size - 1}."
            if size
            else "The log has no entries yet.",
        )
    view = service.entries(index, index + 1)[0]
    return render(
        request,
        context,
        "transparency/entry.html",
        subject,
        nav="transparency",
        index=index,
        size=size,
        summary=describe(view.decoded),
        canonical=view.data.decode("utf-8", errors="replace"),
        leaf_hash=b64(view.leaf_hash),
        command=_verify_command(context, keys, index),
        server_url=_server_url(context),
        **_proof_values(service, index),
    )


def _proof_values(service: LogService, index: int) -> dict[str, Any]:
    """The inclusion proof against the latest checkpoint, or why there is none yet."""
    checkpoints = service.recent_checkpoints(None, 1)
    latest = checkpoints[0] if checkpoints else None
    if latest is None or index >= latest.size:
        return {"checkpoint": latest, "proof": None}
    return {
        "checkpoint": latest,
        "checkpoint_root": b64(latest.root),
        "proof": [b64(value) for value in service.inclusion_proof(index, latest.size)],
    }


ROUTERS = (pages,)
