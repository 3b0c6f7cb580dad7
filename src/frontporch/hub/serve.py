"""Run a hub: its camera workers and its web UI in one process tree, until interrupted."""

from __future__ import annotations

import logging
import signal
from pathlib import Path
from types import FrameType

import typer
import uvicorn

from frontporch.filemodes import private_dir, restrict_umask, warn_if_exposed
from frontporch.hub.config import HubConfig
from frontporch.hub.process.runtime import build_hub
from frontporch.hub.store.layout import INDEX_FILE
from frontporch.hub.web.app import create_hub_app
from frontporch.hub.web.auth import ensure_owner_password
from frontporch.hub.web.listen import SECURE_CONTEXT_NOTE, listen_urls, listens_everywhere

log = logging.getLogger(__name__)


def _exit_on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(0)


def serve(config: HubConfig, banner: str | None = None, config_path: Path | None = None) -> None:
    """Start every camera and serve the web UI; Ctrl-C or SIGTERM stops both cleanly.

    `config_path`, the YAML file `config` came from, lets the settings pages save to it."""
    # uvicorn shuts down on SIGTERM and then re-raises it; with the default handler the
    # process would die before the cameras close their segments.
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    # Footage, snapshots and the index are the household's: every file this process and
    # its camera workers create is 0600, the data directory 0700 (see filemodes.py).
    restrict_umask()
    storage = private_dir(config.storage.path)
    warn_if_exposed([storage, storage / INDEX_FILE])
    hub = build_hub(config)
    first_password = ensure_owner_password(hub.store)
    app = create_hub_app(
        config,
        hub.store,
        hub,
        desk=hub.requests,
        notice_desk=hub.notices,
        controls=hub.controls,
        alert_desk=hub.alerts,
        backup_desk=hub.backup,
        review_desk=hub.review,
        export_desk=hub.exports,
        config_path=config_path,
    )
    hub.start()
    if banner:
        typer.echo(banner)
    else:
        typer.echo("Hub UI: " + "  ".join(listen_urls(config.web.host, config.web.port)))
    if listens_everywhere(config.web.host):
        typer.echo(SECURE_CONTEXT_NOTE)
    if first_password:
        typer.secho(
            f"First start: the owner password is {first_password}\n"
            "It is shown once; change it with `frontporch hub set-password`.",
            fg=typer.colors.YELLOW,
        )
    try:
        uvicorn.run(app, host=config.web.host, port=config.web.port, log_level="warning")
    finally:
        typer.echo("Stopping cameras…")
        hub.stop()
