"""The filesystem blob store, and the app's refusal to start with an unguarded route."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi import APIRouter, FastAPI

from frontporch.server.blobs import BlobError, FilesystemBlobStore
from frontporch.server.routing import check_routes_guarded
from frontporch.web.routing import public_router


def test_blob_store_round_trip(tmp_path: Path) -> None:
    store = FilesystemBlobStore(tmp_path)
    store.put("clips/abc123.mp4", b"data")
    assert store.exists("clips/abc123.mp4")
    assert store.get("clips/abc123.mp4") == b"data"
    store.put("clips/abc123.mp4", b"new")
    assert store.get("clips/abc123.mp4") == b"new"
    store.delete("clips/abc123.mp4")
    store.delete("clips/abc123.mp4")
    assert not store.exists("clips/abc123.mp4")
    with pytest.raises(BlobError):
        store.get("clips/abc123.mp4")


@pytest.mark.parametrize(
    "key", ["../etc/passwd", "clips/../../x", "/abs/path", "Clips/X", "noslash"]
)
def test_blob_keys_cannot_escape(tmp_path: Path, key: str) -> None:
    with pytest.raises(BlobError):
        FilesystemBlobStore(tmp_path).put(key, b"x")


def test_an_unguarded_route_stops_the_app_from_starting() -> None:
    app = FastAPI()
    open_router = public_router()
    forgotten = APIRouter()

    @open_router.get("/fine")
    def fine() -> str:
        return "ok"

    @forgotten.get("/oops")
    def oops() -> str:
        return "leak"

    app.include_router(open_router)
    check_routes_guarded(app)
    app.include_router(forgotten)
    with pytest.raises(RuntimeError, match="/oops"):
        check_routes_guarded(app)
