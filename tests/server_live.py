"""Serve an app over real HTTP (uvicorn in a thread): for browser tests, and for tests
that drive the server the way a hub does, through `frontporch.hub.community.link`'s transport."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import uvicorn
from fastapi import FastAPI

from frontporch.server.app import create_app
from frontporch.server.migrations import upgrade_to_head
from server_fixtures import FakeClock, free_port, make_settings, smtp_server
from server_harness import ServerHarness


@contextmanager
def serving(app: FastAPI, port: int | None = None) -> Iterator[str]:
    """Run `app` on 127.0.0.1:`port` (a free one if None) until the block ends; yields
    the base URL."""
    port = free_port() if port is None else port
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            host="127.0.0.1",
            port=port,
            log_level="warning",
            lifespan="off",
            timeout_graceful_shutdown=1,
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@contextmanager
def served_sqlite_server(
    folder: Path,
    *,
    clock: FakeClock | None = None,
    own_origin: bool = True,
    **changes: Any,
) -> Iterator[tuple[str, ServerHarness]]:
    """A server on a migrated SQLite database under `folder`, with mail to a local SMTP
    server, served over real HTTP until the block ends: its base URL and a harness.

    With `own_origin` the server's `base_url` is the address it is served at (a hub
    signs pairing for the origin it talks to); `changes` override other settings.
    """
    url = f"sqlite:///{folder / 'server.db'}"
    upgrade_to_head(url)
    port = free_port()
    if own_origin:
        changes.setdefault("base_url", f"http://127.0.0.1:{port}")
    smtp_gen = smtp_server()
    smtp = next(smtp_gen)
    clock = FakeClock() if clock is None else clock
    app = create_app(make_settings(url, folder, smtp, **changes), clock=clock)
    harness = ServerHarness(app, smtp.mailbox, clock)
    try:
        with serving(app, port) as base:
            yield base, harness
    finally:
        harness.close()
        app.state.server.engine.dispose()
        smtp_gen.close()
