"""`frontporch backup list` and `frontporch backup restore`: the backup, seen from outside.

    frontporch backup list --identity KEY --config hub.yaml [--camera C] [--from T] [--to T]
    frontporch backup restore --identity KEY --config hub.yaml [--camera C] [--from T] [--to T]

The target comes from the `backup:` section of the hub's config (the same file the
stolen hub used, or one written anew with the same target); the storage folder to
restore into from its `storage.path`, which must not hold footage yet. KEY is the
recovery key file (as saved from the hub's page), `-` to read it from standard input,
or the key itself (avoid that on shared machines: the command line is visible to
other users). Times are ISO 8601 (`2024-05-01T13:00`, local time unless it says
otherwise) or Unix seconds.

Exit status: 0 done; 1 some files could not be restored (listed); 2 a usage error, a
wrong recovery key ("this recovery key does not open these backups"), or a target
that cannot be reached.
"""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

if TYPE_CHECKING:
    import pyrage

    from frontporch.hub.backup.index import BackupItem
    from frontporch.hub.backup.target import BackupTarget
    from frontporch.hub.config import HubConfig

backup_app = typer.Typer(
    help="Off-site backups: list what is there, restore a hub from them.", no_args_is_help=True
)

Identity = Annotated[
    str,
    typer.Option(
        "--identity",
        "-i",
        help="The recovery key's file, or '-' to read the key from standard input.",
    ),
]
ConfigFile = Annotated[Path, typer.Option("--config", "-c", help="The hub's YAML file.")]
Camera = Annotated[str | None, typer.Option("--camera", help="Only this camera.")]
From = Annotated[str | None, typer.Option("--from", help="Only footage from this time on.")]
To = Annotated[str | None, typer.Option("--to", help="Only footage up to this time.")]


def _fail(message: str) -> NoReturn:
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(2)


def parse_time(text: str | None, option: str) -> float | None:
    """Unix seconds from ISO 8601 (local time when no zone is given) or a number."""
    if text is None:
        return None
    try:
        return float(text)
    except ValueError:
        pass
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        _fail(f"{option} {text!r} is not a time: use 2024-05-01T13:00 or Unix seconds")
    if moment.tzinfo is None:
        moment = moment.astimezone()
    return moment.timestamp()


def _setup(
    identity_source: str, config_file: Path
) -> tuple[HubConfig, BackupTarget, pyrage.x25519.Identity]:
    from frontporch.hub.backup.config import BackupConfigError
    from frontporch.hub.backup.recovery import SECRET_PREFIX, RecoveryKeyError, load_identity
    from frontporch.hub.config import ConfigError, load_config

    try:
        config = load_config(config_file)
    except ConfigError as exc:
        _fail(str(exc))
    if identity_source.strip().upper().startswith(SECRET_PREFIX):
        _fail(
            "give the recovery key as a file, or '-' and the key on standard input: a key "
            "typed on the command line stays in the shell's history and shows in the "
            "process list"
        )
    try:
        text = sys.stdin.read() if identity_source == "-" else identity_source
        identity = load_identity(text)
    except RecoveryKeyError as exc:
        _fail(str(exc))
    try:
        target = config.backup.open_target(config.storage.path)
    except (BackupConfigError, ImportError) as exc:
        _fail(f"the backup target in {config_file} cannot be used: {exc}")
    return config, target, identity


def _items(
    target: BackupTarget,
    identity: pyrage.x25519.Identity,
    camera: str | None,
    start: float | None,
    end: float | None,
) -> list[BackupItem]:
    from frontporch.hub.backup.crypt import CryptError
    from frontporch.hub.backup.restore import RestoreError, choose, read_index
    from frontporch.hub.backup.target import TargetError

    try:
        items = read_index(target, identity)
    except (CryptError, RestoreError, TargetError) as exc:
        _fail(str(exc))
    return choose(items, camera, start, end)


@backup_app.command("list")
def backup_list(
    identity: Identity,
    config: ConfigFile,
    camera: Camera = None,
    start: From = None,
    end: To = None,
) -> None:
    """What the backup holds: per camera, the events and segments and their time span."""
    from frontporch.hub.backup.index import ItemKind

    _, target, key = _setup(identity, config)
    items = _items(target, key, camera, parse_time(start, "--from"), parse_time(end, "--to"))
    typer.echo(f"{target.description}: {len(items)} items")
    for name in sorted({item.camera for item in items}):
        mine = [item for item in items if item.camera == name]
        events = sum(item.kind is ItemKind.event_record for item in mine)
        segments = sum(item.kind is ItemKind.segment for item in mine)
        size = sum(item.size for item in mine)
        first = min(item.start for item in mine)
        last = max(item.end for item in mine)
        typer.echo(
            f"  {name}: {events} events, {segments} segments, {size / 1e6:.1f} MB, "
            f"{_when(first)} to {_when(last)}"
        )


def _when(ts: float) -> str:
    return datetime.fromtimestamp(ts).astimezone().strftime("%Y-%m-%d %H:%M")


@backup_app.command("restore")
def backup_restore(
    identity: Identity,
    config: ConfigFile,
    camera: Camera = None,
    start: From = None,
    end: To = None,
) -> None:
    """Rebuild recordings and events from the backup into the config's (empty) storage."""
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

    from frontporch.hub.backup.crypt import CryptError
    from frontporch.hub.backup.restore import RestoreError, check_empty, restore
    from frontporch.hub.backup.target import TargetError
    from frontporch.hub.store.records import StoreError

    settings, target, key = _setup(identity, config)
    root = settings.storage.path
    try:
        check_empty(root)
    except RestoreError as exc:
        _fail(str(exc))
    items = _items(target, key, camera, parse_time(start, "--from"), parse_time(end, "--to"))
    total = sum(item.size for item in items)
    columns = (
        TextColumn("restoring"),
        BarColumn(),
        DownloadColumn(),
        TimeRemainingColumn(),
    )
    try:
        with Progress(*columns, transient=True) as bar:
            task = bar.add_task("restore", total=total)
            report = restore(target, key, root, items, lambda size: bar.advance(task, size))
    except (CryptError, RestoreError, TargetError, StoreError) as exc:
        _fail(str(exc))
    typer.echo(
        f"restored into {root}: {report.segments} segments, {report.events} events, "
        f"{report.snapshots} snapshots, {report.clips} clips ({report.bytes / 1e6:.1f} MB)"
    )
    if report.failed:
        typer.secho(f"{len(report.failed)} files could not be restored:", err=True)
        for line in report.failed:
            typer.echo(f"  {line}", err=True)
        raise typer.Exit(1)
