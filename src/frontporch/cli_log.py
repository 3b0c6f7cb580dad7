"""`frontporch log verify`: the transparency-log monitor anyone can run.

    frontporch log verify --server URL [--key VERIFIER_KEY] [--state FILE] [--audit]
                          [--entry INDEX | --leaf-hash B64] [--origin ORIGIN]

Checks the server's latest signed checkpoint against the last one this state file
verified (`translog.verify.Monitor`), optionally audits every new entry and proves one
entry is included, then saves the state — only if everything checked out. The state
file defaults to `$XDG_CONFIG_HOME/frontporch/log-<server>.json` (`~/.config/…` when
XDG_CONFIG_HOME is unset), `<server>` being the server's host, port and path.

Exit status: 0 all verified; 1 the log failed a check (the message says what was found
and what it means; an inconsistency also writes an evidence file next to the state);
2 a usage error, a damaged state file, or a server that could not be reached.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn
from urllib.parse import urlsplit

import typer

if TYPE_CHECKING:
    from frontporch.translog.state import MonitorState
    from frontporch.translog.verify import LogInconsistency, Result

log_app = typer.Typer(
    help="The transparency log: check from outside that it only ever grows.",
    no_args_is_help=True,
)


def _usage(message: str) -> NoReturn:
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(2)


def _failed(message: str) -> NoReturn:
    typer.secho(f"FAILED: {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(1)


def default_state_path(server: str) -> Path:
    """Where the state for `server` lives unless --state says otherwise."""
    parts = urlsplit(server)
    slug = re.sub(r"[^a-z0-9.]+", "-", f"{parts.netloc}{parts.path}".lower()).strip("-.")
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "frontporch" / f"log-{slug or 'server'}.json"


def _leaf_hash(text: str) -> bytes:
    try:
        value = base64.b64decode(text.encode("ascii"), validate=True)
    except (UnicodeEncodeError, binascii.Error, ValueError):
        _usage("--leaf-hash takes the entry's leaf hash in standard base64 (44 characters)")
    if len(value) != 32:
        _usage(f"--leaf-hash must be a 32-byte SHA-256 hash; this one is {len(value)} bytes")
    return value


@log_app.command("verify")
def log_verify(
    server: Annotated[str, typer.Option("--server", help="The community server's address.")],
    state: Annotated[
        Path | None,
        typer.Option(help="The monitor's state file (default: ~/.config/frontporch/log-….json)."),
    ] = None,
    key: Annotated[
        list[str] | None,
        typer.Option(
            "--key",
            help="The log's verifier key as the operator publishes it; repeat while it "
            "rotates. Without it, the first run trusts the key the server sends.",
        ),
    ] = None,
    origin: Annotated[
        str | None, typer.Option(help="The log's origin (default: the key's name).")
    ] = None,
    entry: Annotated[
        int | None, typer.Option("--entry", help="Also prove entry INDEX is in the log.")
    ] = None,
    leaf_hash: Annotated[
        str | None,
        typer.Option("--leaf-hash", help="Also prove the entry with this base64 leaf hash is in."),
    ] = None,
    audit: Annotated[
        bool, typer.Option("--audit", help="Fetch every new entry and rebuild the root from them.")
    ] = False,
) -> None:
    """Verify the log's latest checkpoint against the last one you verified."""
    from frontporch.translog.errors import TranslogError
    from frontporch.translog.state import MonitorState, StateFileError, pinned_state
    from frontporch.translog.verify import (
        LogInconsistency,
        LogUnavailable,
        Monitor,
        trust_on_first_use,
    )

    if entry is not None and leaf_hash is not None:
        _usage("give --entry or --leaf-hash, not both")
    leaf = _leaf_hash(leaf_hash) if leaf_hash is not None else None
    path = state or default_state_path(server)
    try:
        saved = MonitorState.load(path)
    except StateFileError as exc:
        _usage(str(exc))
    if saved is None and not key:
        try:
            current = trust_on_first_use(server)
        except LogUnavailable as exc:
            _usage(str(exc))
        except TranslogError as exc:  # the server's answer about its own key is unusable
            _failed(str(exc))
        _warn_first_use(current)
    else:
        try:
            current = (
                _with_keys(saved, key or [], origin) if saved else pinned_state(key or [], origin)
            )
        except TranslogError as exc:
            _usage(f"--key: {exc}")
    monitor = Monitor(current)
    try:
        result = monitor.update(server, audit=audit)
        inclusion = None
        if entry is not None or leaf is not None:
            inclusion = monitor.check_inclusion(server, index=entry, leaf=leaf)
    except LogUnavailable as exc:
        _usage(str(exc))
    except LogInconsistency as exc:
        where = _save_evidence(path, server, exc)
        if where is not None:
            typer.secho(f"evidence saved to {where}", err=True)
        _failed(str(exc))
    except TranslogError as exc:
        _failed(str(exc))
    _report(result, server, audit=audit)
    if inclusion is not None:
        typer.echo(
            f"entry {inclusion.index} is in the log: leaf hash "
            f"{base64.b64encode(inclusion.leaf_hash).decode()}, proven against the "
            f"size-{inclusion.size} checkpoint ({len(inclusion.proof)} proof hashes)"
        )
    monitor.state.save(path)
    typer.echo(f"state saved to {path}")


def _with_keys(saved: MonitorState, keys: list[str], origin: str | None) -> MonitorState:
    from frontporch.translog.note import Verifier

    if origin is not None and origin != saved.origin:
        _usage(f"the state file is for log {saved.origin!r}, not {origin!r}; use another --state")
    return saved.with_keys(Verifier.parse(key).key_string for key in keys)


def _warn_first_use(state: MonitorState) -> None:
    keys = "\n".join(f"    {key}" for key in state.verifier_keys)
    typer.secho(
        "WARNING: no --key given and no state file yet, so this run trusts the key the "
        "server itself sends (trust on first use). A server or network that lies to you "
        "now can give you a key of its choosing. Compare this key with the one the "
        "operator publishes elsewhere (release notes, a notice you trust):\n"
        f"{keys}\n"
        "and pin it from now on with --key '<the key>'. Later runs keep it in the state file.",
        fg=typer.colors.YELLOW,
        err=True,
    )


def _report(result: Result, server: str, *, audit: bool) -> None:
    typer.echo(f"log {result.origin} at {server.rstrip('/')}")
    if result.size is None or result.root is None:
        typer.echo("the log has no checkpoint yet; nothing to verify")
        return
    root = base64.b64encode(result.root).decode()
    if result.previous_size is None:
        typer.echo(f"first checkpoint verified: {result.size} entries, root {root}")
    elif result.previous_size == result.size:
        typer.echo(f"checkpoint verified: still {result.size} entries, root {root}")
    else:
        typer.echo(
            f"checkpoint verified: {result.previous_size} → {result.size} entries, "
            f"consistent with the last one; root {root}"
        )
    if audit:
        typer.echo(
            f"audited {result.audited} entries; every entry up to {result.size} checked"
            if result.fully_audited
            else f"audited {result.audited} entries"
        )


def _save_evidence(path: Path, server: str, exc: LogInconsistency) -> Path | None:
    """Write what was found beside the state file; the state itself stays untouched."""
    if not exc.evidence:
        return None
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    target = path.with_name(f"{path.stem}.evidence-{stamp}.json")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(
            json.dumps({"server": server, **exc.evidence}, indent=2, ensure_ascii=False) + "\n",
            encoding="utf-8",
        )
    except OSError:
        return None
    return target
