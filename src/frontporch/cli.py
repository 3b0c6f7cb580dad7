"""The one `frontporch` command: a sub-command per role.

Imports of heavy modules happen inside the commands so `frontporch --help` is instant.
Errors a person can fix (a bad config, a missing file) print one clear message and
exit with status 2; nothing here prints a traceback for them.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

from frontporch.cli_log import log_app
from frontporch.hub.backup.commands import backup_app

if TYPE_CHECKING:
    from frontporch.hub.analysis.offline import Analysis
    from frontporch.hub.config import CameraConfig, DetectorConfig, HubConfig
    from frontporch.server.settings import ServerSettings

app = typer.Typer(
    help="Frontporch: home security cameras that answer to their owners.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
hub_app = typer.Typer(help="The home hub: record, detect, review.", no_args_is_help=False)
app.add_typer(hub_app, name="hub")
scenes_app = typer.Typer(help="Synthetic camera scenes with ground truth.", no_args_is_help=True)
app.add_typer(scenes_app, name="scenes")
app.add_typer(log_app, name="log")  # `frontporch log verify`: see cli_log.py
agency_app = typer.Typer(help="For agencies: keys made offline.", no_args_is_help=True)
app.add_typer(agency_app, name="agency")
evidence_app = typer.Typer(help="For agencies: check evidence packages.", no_args_is_help=True)
app.add_typer(evidence_app, name="evidence")
app.add_typer(backup_app, name="backup")  # `frontporch backup list|restore`: hub/backup/commands.py

HubConfigFile = Annotated[Path, typer.Option("--config", "-c", help="The hub's YAML file.")]


def fail(message: str) -> NoReturn:
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(2)


@app.command()
def version() -> None:
    """Print the version."""
    from frontporch import __version__

    typer.echo(__version__)


def _load(config: Path) -> HubConfig:
    from frontporch.hub.config import ConfigError, load_config

    try:
        return load_config(config)
    except ConfigError as exc:
        fail(str(exc))


@hub_app.callback(invoke_without_command=True)
def hub(
    ctx: typer.Context,
    config: HubConfigFile = Path("hub.yaml"),
    host: Annotated[
        str | None,
        typer.Option(help="Address the web UI listens on, instead of web.host (0.0.0.0: all)."),
    ] = None,
) -> None:
    """Run the hub: every camera, recording, detection and the web UI."""
    if ctx.invoked_subcommand is not None:
        return
    from frontporch.hub.serve import serve

    cfg = _load(config)
    if host is not None:
        cfg = cfg.model_copy(update={"web": cfg.web.model_copy(update={"host": host})})
    serve(cfg, config_path=config)


@hub_app.command("set-password")
def hub_set_password(
    config: HubConfigFile = Path("hub.yaml"),
) -> None:
    """Set the owner's password for the hub's web UI."""
    from frontporch.hub.store.index import HubStore
    from frontporch.hub.store.layout import INDEX_FILE
    from frontporch.hub.web.auth import set_owner_password

    cfg = _load(config)
    password = typer.prompt(
        "New password (12 characters or more)", hide_input=True, confirmation_prompt=True
    )
    store = HubStore(cfg.storage.path / INDEX_FILE)
    try:
        set_owner_password(store, password)
    except ValueError as exc:
        fail(str(exc))
    finally:
        store.close()
    typer.echo("Password changed; existing sessions were signed out.")


@app.command()
def analyze(
    video: Annotated[Path, typer.Argument(help="A video file to analyse.")],
    config: Annotated[
        Path | None, typer.Option("--config", "-c", help="Hub YAML to take camera settings from.")
    ] = None,
    camera: Annotated[
        str | None, typer.Option(help="Which camera of --config (default: the first).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Run the detect pipeline over a file as fast as possible and report its events."""
    from frontporch.hub.analysis.detect.base import DetectorError
    from frontporch.hub.analysis.offline import analyze_file
    from frontporch.hub.capture.camera import CaptureError

    if not video.is_file():
        fail(f"{video} does not exist or is not a file")
    camera_cfg = None
    detector_cfg = None
    if config is not None:
        cfg = _load(config)
        if not cfg.cameras:
            fail(f"{config} defines no cameras")
        name = camera or next(iter(cfg.cameras))
        if name not in cfg.cameras:
            fail(f"{config} has no camera {name!r}; it has: {', '.join(cfg.cameras)}")
        camera_cfg, detector_cfg = cfg.cameras[name], cfg.detector
    try:
        if as_json:
            result = analyze_file(video, camera_cfg, detector_cfg)
        else:
            result = _analyze_with_progress(video, camera_cfg, detector_cfg)
    except (CaptureError, DetectorError) as exc:
        fail(str(exc))
    if as_json:
        typer.echo(json.dumps(result.to_json()))
        return
    typer.echo(
        f"{result.frames_decoded} frames decoded, {result.frames_analyzed} analysed "
        f"({result.frames_with_motion} with motion) in {result.seconds:.2f} s"
    )
    stages = ("decode", "scale", "motion", "detector", "tracker", "events")
    seconds = [
        f"{stage} {result.stages[stage]:.2f} s" for stage in stages if stage in result.stages
    ]
    if seconds:
        typer.echo("  time per stage: " + ", ".join(seconds))
    if result.warning:
        typer.secho(f"warning: {result.warning}", fg=typer.colors.YELLOW)
    for event in result.events:
        zones = f" in {', '.join(event.zones)}" if event.zones else ""
        typer.echo(
            f"  {event.label:8} {event.start:7.1f}s – {event.end:7.1f}s  "
            f"score {event.score:.2f}{zones}"
        )
    if not result.events:
        typer.echo("  no events")


def _analyze_with_progress(
    video: Path, camera_cfg: CameraConfig | None, detector_cfg: DetectorConfig | None
) -> Analysis:
    from rich.progress import Progress

    from frontporch.hub.analysis.offline import analyze_file
    from frontporch.hub.capture.filesource import probe_duration

    duration = probe_duration(video)
    with Progress(transient=True) as bar:
        task = bar.add_task(f"analysing {video.name}", total=duration or None)
        return analyze_file(
            video, camera_cfg, detector_cfg, progress=lambda t: bar.update(task, completed=t)
        )


@scenes_app.command("list")
def scenes_list() -> None:
    """List the scene recipes."""
    from frontporch import scenes

    for name in scenes.scene_names():
        typer.echo(name)


@scenes_app.command("generate")
def scenes_generate(
    scene: Annotated[str, typer.Argument(help="Scene name (see `frontporch scenes list`).")],
    out: Annotated[Path, typer.Argument(help="Output .mp4; ground truth goes beside it.")],
    width: int = 1280,
    height: int = 720,
    fps: float = 15.0,
    seconds: float = 60.0,
    seed: int = 0,
) -> None:
    """Render a synthetic scene to H.264 with frame-by-frame ground truth."""
    from rich.progress import Progress

    from frontporch import scenes

    if scene not in scenes.scene_names():
        fail(f"no scene {scene!r}; choose one of: {', '.join(scenes.scene_names())}")
    out.parent.mkdir(parents=True, exist_ok=True)
    with Progress(transient=True) as bar:
        task = bar.add_task(f"rendering {scene}", total=None)
        truth = scenes.write_scene(
            scene,
            out,
            width=width,
            height=height,
            fps=fps,
            duration_s=seconds,
            seed=seed,
            progress=lambda done, total: bar.update(task, completed=done, total=total),
        )
    typer.echo(f"wrote {out} ({len(truth.visits)} visits in the ground truth)")


@app.command()
def demo(
    data: Annotated[Path, typer.Option(help="Where the demo keeps its files.")] = Path("demo-data"),
    port: Annotated[int, typer.Option(help="The hub's web port.")] = 5080,
    server_port: Annotated[int, typer.Option(help="The community server's port.")] = 5081,
    host: Annotated[
        str,
        typer.Option(help="Address the hub listens on (0.0.0.0: all, to try it from a phone)."),
    ] = "127.0.0.1",
) -> None:
    """A hub on generated scenes looping as live cameras, and its neighborhood's community
    server with seeded residents and posts, until Ctrl-C."""
    from frontporch.demo import run_demo

    run_demo(data, port, server_port, host=host)


server_app = typer.Typer(
    help="The community server: accounts, homes, the Neighbors feed.", no_args_is_help=False
)
app.add_typer(server_app, name="server")


def _server_settings(ctx: typer.Context) -> ServerSettings:
    from frontporch.server.settings import SettingsError, load_settings

    options = ctx.obj if isinstance(ctx.obj, dict) else {}
    try:
        return load_settings(options.get("settings_file"), **options.get("overrides", {}))
    except SettingsError as exc:
        fail(str(exc))


@server_app.callback(invoke_without_command=True)
def server(
    ctx: typer.Context,
    data_dir: Annotated[
        Path | None, typer.Option(help="Where the database, blobs and secret live.")
    ] = None,
    host: Annotated[str | None, typer.Option(help="Address to listen on.")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on.")] = None,
    settings_file: Annotated[
        Path | None, typer.Option("--settings", help="A YAML settings file (docs/server.md).")
    ] = None,
) -> None:
    """Run the community server (settings: FRONTPORCH_* variables or --settings)."""
    ctx.obj = {
        "settings_file": settings_file,
        "overrides": {"data_dir": data_dir, "host": host, "port": port},
    }
    if ctx.invoked_subcommand is not None:
        return
    from frontporch.server.serve import serve
    from frontporch.server.settings import SettingsError

    try:
        serve(_server_settings(ctx))
    except SettingsError as exc:
        fail(str(exc))


@server_app.command("migrate")
def server_migrate(ctx: typer.Context) -> None:
    """Bring the server's database schema up to date."""
    from frontporch.server.migrations import head_revision, upgrade_to_head

    settings = _server_settings(ctx)
    if settings.resolved_database_url.startswith("sqlite"):
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    upgrade_to_head(settings.resolved_database_url)
    typer.echo(f"database at revision {head_revision()}")


@server_app.command("grant-role")
def server_grant_role(
    ctx: typer.Context,
    email: Annotated[str, typer.Argument(help="The account's email address.")],
    role: Annotated[str, typer.Argument(help="resident, agency_member or operator.")],
) -> None:
    """Give an account a role; agency members and operators must then set up two-factor."""
    from frontporch.server.accounts.models import Role
    from frontporch.server.errors import ServerError
    from frontporch.server.serve import grant_role

    try:
        chosen = Role(role)
    except ValueError:
        fail(f"no role {role!r}; choose one of: {', '.join(r.value for r in Role)}")
    try:
        grant_role(_server_settings(ctx), email, chosen)
    except ServerError as exc:
        fail(exc.detail)
    typer.echo(f"role set to {chosen.value}")


@server_app.command("sweep-blobs")
def server_sweep_blobs(
    ctx: typer.Context,
    grace_hours: Annotated[
        float, typer.Option(min=0.1, help="Leave unreferenced blobs younger than this.")
    ] = 1.0,
    dry_run: Annotated[bool, typer.Option(help="Only say what would be removed.")] = False,
) -> None:
    """Remove post media that no post refers to (left by a crash mid-upload or mid-delete).

    Safe while the server runs; run it from cron, e.g. daily.
    """
    from datetime import UTC, datetime, timedelta

    from sqlalchemy.exc import OperationalError

    from frontporch.server.app import build_blobs
    from frontporch.server.blobs import BlobError
    from frontporch.server.db import make_engine, make_sessionmaker
    from frontporch.server.feed.posts.sweep import describe, sweep_media
    from frontporch.server.migrations import current_revision, head_revision
    from frontporch.server.settings import SettingsError

    settings = _server_settings(ctx)
    url = settings.resolved_database_url
    if url.startswith("sqlite") and not settings.data_dir.is_dir():
        fail(f"no server data in {settings.data_dir}: pass the server's --data-dir or --settings")
    engine = make_engine(url)
    try:
        if current_revision(engine) != head_revision():
            fail("the database schema is not current: run `frontporch server migrate` first")
        report = sweep_media(
            make_sessionmaker(engine),
            build_blobs(settings),
            datetime.now(UTC),
            timedelta(hours=grace_hours),
            dry_run,
        )
    except (BlobError, SettingsError) as exc:
        fail(str(exc))
    except OperationalError as exc:
        fail(f"cannot use the database: {exc.orig}")
    finally:
        engine.dispose()
    for blob in report.orphans:
        typer.echo(f"{'would remove' if dry_run else 'removed'} {blob.key} ({blob.size} bytes)")
    typer.echo(describe(report, dry_run))


@server_app.command("report-check")
def server_report_check(ctx: typer.Context) -> None:
    """Recompute the transparency report from log entry 0 and compare it with the running
    aggregates the server keeps (exit 1 naming the first differing figure)."""
    from datetime import UTC, datetime

    from sqlalchemy.exc import OperationalError

    from frontporch.server.db import make_engine, make_sessionmaker
    from frontporch.server.migrations import current_revision, head_revision
    from frontporch.server.report.service import check_report

    settings = _server_settings(ctx)
    url = settings.resolved_database_url
    if url.startswith("sqlite") and not settings.data_dir.is_dir():
        fail(f"no server data in {settings.data_dir}: pass the server's --data-dir or --settings")
    engine = make_engine(url)
    try:
        if current_revision(engine) != head_revision():
            fail("the database schema is not current: run `frontporch server migrate` first")
        different = check_report(make_sessionmaker(engine), lambda: datetime.now(UTC))
    except OperationalError as exc:
        fail(f"cannot use the database: {exc.orig}")
    finally:
        engine.dispose()
    if different is not None:
        typer.secho(
            f"FAILED: the running aggregates differ from a recompute of the log, first at "
            f"{different}",
            fg=typer.colors.RED,
            err=True,
        )
        raise typer.Exit(1)
    typer.echo("the running aggregates equal a recompute of the whole log")


@server_app.command("log-key")
def server_log_key(
    ctx: typer.Context,
    origin: Annotated[
        str | None, typer.Option(help="The log's origin; default: from the server's settings.")
    ] = None,
) -> None:
    """Make a new checkpoint signing key for the transparency log (docs/transparency.md)."""
    from frontporch.translog.errors import SignatureError
    from frontporch.translog.note import generate_key

    name = origin or _server_settings(ctx).resolved_log_origin
    try:
        signer_key, verifier_key = generate_key(name)
    except SignatureError as exc:
        fail(str(exc))
    typer.echo(f"log origin: {name}\n")
    typer.echo("signer key (SECRET: give it to the server as FRONTPORCH_LOG_SIGNING_KEY or in")
    typer.echo("log_signing_key_file; never share, commit or log it):")
    typer.echo(f"{signer_key}\n")
    typer.echo("verifier key (public: publish it; hubs, monitors and witnesses configure it):")
    typer.echo(f"{verifier_key}\n")
    typer.echo("To rotate an existing key, set the new one as log_signing_key_next first, so")
    typer.echo("checkpoints carry both signatures until verifiers have the new verifier key.")


@agency_app.command("keygen")
def agency_keygen(
    folder: Annotated[Path, typer.Argument(help="Where to write the keys (made 0700).")],
) -> None:
    """Make an agency's keys offline: an Ed25519 signing key and an age identity (each a
    0600 file), and print the public parts and fingerprints to apply with."""
    from frontporch.crypto.keys import (
        AGENCY_AGE_KEY_FILE,
        AGENCY_SIGNING_KEY_FILE,
        AgencyIdentity,
        fingerprint,
    )

    existing = [
        name for name in (AGENCY_SIGNING_KEY_FILE, AGENCY_AGE_KEY_FILE) if (folder / name).exists()
    ]
    if existing:
        fail(f"{folder / existing[0]} already exists; keys are never replaced (use a new folder)")
    identity = AgencyIdentity.generate()
    try:
        identity.save(folder)
    except OSError as exc:
        fail(f"cannot write the keys into {folder}: {exc.strerror}")
    signing, age = folder / AGENCY_SIGNING_KEY_FILE, folder / AGENCY_AGE_KEY_FILE
    typer.echo("Wrote the agency's private keys (mode 0600; keep them offline, backed up):")
    typer.echo(f"  {signing}  Ed25519 signing key")
    typer.echo(f"  {age}  age identity: released footage opens with `age -d -i {age}`")
    typer.echo("")
    typer.echo("Public parts, for the agency's application to a community server:")
    typer.echo(f"  signing key    {identity.public_key}")
    typer.echo(f"    fingerprint  {fingerprint(identity.public_key)}")
    typer.echo(f"  age recipient  {identity.age_recipient}")
    typer.echo(f"    fingerprint  {fingerprint(identity.age_recipient)}")
    typer.echo("")
    typer.echo("When the server's operator verifies the agency, read both fingerprints back")
    typer.echo("to them out of band (by phone or in person), not through the application.")


@evidence_app.command("verify")
def evidence_verify(
    package: Annotated[Path, typer.Argument(help="The evidence package (evidence-<request>.zip).")],
    identity: Annotated[
        Path | None,
        typer.Option(help="The agency's age identity file: decrypt each clip and check it."),
    ] = None,
    log_key: Annotated[
        str | None,
        typer.Option(help="The log's verifier key, as the operator publishes it."),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(help="Write the decrypted clips here (default: check only, write nothing)."),
    ] = None,
    case_number: Annotated[
        str | None,
        typer.Option(help="Check the request's logged case number hash against this."),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print a machine-readable report.")
    ] = False,
) -> None:
    """Check every signature, hash and inclusion proof of an evidence package.

    Exit status: 0 everything holds; 1 the first failed check (file and check named);
    2 the command was used wrongly.
    """
    from frontporch.evidence.verify import UsageError, verify_package

    try:
        report = verify_package(
            package, identity=identity, log_key=log_key, out=out, case_number=case_number
        )
    except UsageError as exc:
        if as_json:
            typer.echo(json.dumps({"ok": False, "exit_code": 2, "usage_error": str(exc)}))
        fail(str(exc))
    if as_json:
        typer.echo(json.dumps(report.to_json(), indent=2, ensure_ascii=False))
        raise typer.Exit(report.exit_code)
    for warning in report.warnings:
        typer.secho(f"warning: {warning}", fg=typer.colors.YELLOW, err=True)
    if report.failure is not None:
        typer.secho(
            f"FAILED {report.failure.file}: {report.failure.check}", fg=typer.colors.RED, err=True
        )
        typer.echo(f"  {report.failure.detail}", err=True)
        raise typer.Exit(1)
    clips = len(report.clips)
    decrypted = sum(clip.decrypted for clip in report.clips)
    typer.echo(
        f"OK: request {report.request}, log {report.log_origin} at size "
        f"{report.checkpoint_size} (key from {report.log_key_source})"
    )
    for release in report.releases:
        state = "ciphertext deleted" if release.ciphertext_deleted else f"{release.clips} clips"
        typer.echo(f"  release {release.release}: hub {release.hub_fingerprint}, {state}")
    typer.echo(
        f"  {clips} clips checked ({report.ciphertext_bytes:,} bytes), {decrypted} decrypted"
    )
    for clip in report.clips:
        if clip.written:
            typer.echo(f"  wrote {clip.written}")


@hub_app.command("pair")
def hub_pair(
    server: Annotated[str, typer.Option("--server", help="The community server's address.")],
    code: Annotated[str, typer.Option("--code", help="The code shown on the home's page.")],
    config: HubConfigFile = Path("hub.yaml"),
    name: Annotated[
        str | None, typer.Option(help="How the hub is listed on the home's page (default: host).")
    ] = None,
) -> None:
    """Pair this hub with a home on a community server, using the home's one-time code."""
    import socket

    from frontporch.crypto.keys import IdentityFileError
    from frontporch.hub.community.link import LinkError, pair

    cfg = _load(config)
    try:
        link = pair(cfg.storage.path, server, code, name or socket.gethostname()[:100])
    except (LinkError, IdentityFileError) as exc:
        fail(str(exc))
    typer.echo(f"paired with home {link.home_name!r} on {link.server_url}")


@hub_app.command("unpair")
def hub_unpair(
    config: HubConfigFile = Path("hub.yaml"),
) -> None:
    """Revoke this hub's credential on its community server and forget the server."""
    from frontporch.hub.community.link import LinkError, unpair

    cfg = _load(config)
    try:
        confirmed = unpair(cfg.storage.path)
    except LinkError as exc:
        fail(str(exc))
    typer.echo("unpaired" if confirmed else "unpaired (the server had already revoked this hub)")


@hub_app.command("log-reset")
def hub_log_reset(
    config: HubConfigFile = Path("hub.yaml"),
) -> None:
    """Leave the "server log inconsistent" state after investigating (run with the hub
    stopped). The old log-monitor state is kept aside as evidence; the next request
    trusts the server's log key afresh, or the key pinned in `requests.log_key`."""
    from frontporch.hub.requests.service import RequestDesk
    from frontporch.hub.store.index import HubStore
    from frontporch.hub.store.layout import INDEX_FILE

    cfg = _load(config)
    root = cfg.storage.path.resolve()
    with HubStore(root / INDEX_FILE) as store:
        was = RequestDesk(cfg, store, root).reset_log()
    typer.echo(
        "the hub acts on footage requests again"
        if was
        else "the hub was not in the server-log-inconsistent state; nothing changed"
    )


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    # Alembic announces every plugin and migration step at INFO; keep its warnings only.
    logging.getLogger("alembic").setLevel(logging.WARNING)
    app()


if __name__ == "__main__":
    main()
