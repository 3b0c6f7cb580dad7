"""`frontporch log verify`: the transparency-log monitor anyone can run.

    frontporch log verify --server URL [--key VERIFIER_KEY] [--state FILE] [--audit]
                          [--entry INDEX | --leaf-hash B64] [--origin ORIGIN]

Checks the server's latest signed checkpoint against the last one this state file
verified (`translog.verify.Monitor`), optionally audits every new entry and proves one
entry is included, then saves the state — only if everything checked out. The state
file defaults to `$XDG_CONFIG_HOME/frontporch/log-<server>.json` (`~/.config/…` when
XDG_CONFIG_HOME is unset), `<server>` being the server's host, port and path.

    frontporch log report --server URL [--key KEY] [--period month|quarter] [--json]

recomputes the server's transparency report from the audited log (`translog.report`)
and compares it with the server's JSON (exit 1 naming the first differing field).

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
from typing import TYPE_CHECKING, Annotated, Any, NoReturn
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


@log_app.command("report")
def log_report(
    server: Annotated[str, typer.Option("--server", help="The community server's address.")],
    key: Annotated[
        list[str] | None,
        typer.Option(
            "--key",
            help="The log's verifier key as the operator publishes it (repeatable). Without "
            "it, this run trusts the key the server sends.",
        ),
    ] = None,
    origin: Annotated[
        str | None, typer.Option(help="The log's origin (default: the key's name).")
    ] = None,
    period: Annotated[str, typer.Option(help="Group by month or quarter.")] = "month",
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the recomputed report as JSON.")
    ] = False,
) -> None:
    """Recompute the server's transparency report from its verified log, and compare.

    Fetches the server's report, then audits the whole log (every entry checked against
    a signed checkpoint) and folds each verified entry into a fresh report. Exit 0 when
    they are equal; 1 when the log fails a check (naming the entry) or the server's
    report differs (naming the first differing field); 2 when nothing could be checked.
    """
    from frontporch.translog.errors import TranslogError
    from frontporch.translog.report import PERIODS, first_difference
    from frontporch.translog.state import pinned_state
    from frontporch.translog.verify import LogUnavailable, Monitor, trust_on_first_use

    if period not in PERIODS:
        _usage(f"--period must be one of {', '.join(PERIODS)}")
    try:
        claimed = _server_report(server, period)
        if key:
            try:
                current = pinned_state(key, origin)
            except TranslogError as exc:
                _usage(f"--key: {exc}")
        else:
            current = trust_on_first_use(server)
            _warn_first_use(current)
    except LogUnavailable as exc:
        _usage(str(exc))
    except TranslogError as exc:
        _failed(str(exc))
    size, as_of = claimed["log_size"], claimed["as_of"]
    folding = _FoldingFetch(size)
    try:
        result = Monitor(current, fetch=folding).update(server, audit=True)
    except LogUnavailable as exc:
        _usage(str(exc))
    except TranslogError as exc:
        _failed(str(exc))
    if result.size is None or result.size < size:
        _usage(
            f"the server's report covers {size} entries but its latest signed checkpoint only "
            f"{result.size or 0}; run again after the next checkpoint (within a minute)"
        )
    mine = folding.builder.report(_parse_moment(as_of), period)
    if as_json:
        typer.echo(json.dumps(mine, indent=2, ensure_ascii=False, sort_keys=True))
    else:
        _print_report(mine)
    different = first_difference(mine, claimed)
    if different is not None:
        _failed(
            f"the server's report differs from what its log says, first at `{different}` "
            f"(the log's {size} entries, verified against checkpoint {result.size})"
        )
    typer.echo(
        f"the server's report equals the one recomputed from its {size} verified log entries"
    )


class _FoldingFetch:
    """Fetches like the monitor's default, and folds each entry page the monitor reads
    into a report builder, up to `size` entries. The monitor then checks those very
    bytes against the signed root; a failed check discards the report."""

    def __init__(self, size: int) -> None:
        from frontporch.translog.report import ReportBuilder

        self.size = size
        self.builder = ReportBuilder()

    def __call__(self, url: str, timeout: float) -> tuple[int, bytes]:
        from frontporch.translog.client import urllib_fetch

        status, raw = urllib_fetch(url, timeout)
        if status == 200 and urlsplit(url).path.endswith("/api/log/entries"):
            self._fold(raw)
        return status, raw

    def _fold(self, raw: bytes) -> None:
        from frontporch.translog.entries import decode_entry
        from frontporch.translog.errors import EntryError

        try:
            items = json.loads(raw)["entries"]
            for item in items:
                index = item["index"]
                if index != self.builder.size or index >= self.size:
                    continue
                self.builder.add(index, decode_entry(base64.b64decode(item["data"])))
        except (EntryError, ValueError, KeyError, TypeError, binascii.Error):
            return  # the monitor reports what is wrong with this page, naming the entry


def _server_report(server: str, period: str) -> dict[str, Any]:
    from urllib.parse import urlencode

    from frontporch.translog.client import BadResponse, LogUnavailable, urllib_fetch

    if not server.startswith(("http://", "https://")):
        raise LogUnavailable(f"the server address must start with http:// or https://: {server}")
    url = f"{server.rstrip('/')}/api/transparency/report?{urlencode({'period': period})}"
    status, raw = urllib_fetch(url, 30.0)
    if status != 200:
        raise BadResponse(f"the server answered {status} for its report: {raw[:200]!r}")
    try:
        report = json.loads(raw)
    except ValueError:
        raise BadResponse("the server's report is not JSON") from None
    if not (
        isinstance(report, dict)
        and isinstance(report.get("log_size"), int)
        and isinstance(report.get("as_of"), str)
    ):
        raise BadResponse("the server's report lacks its log size or time (log_size, as_of)")
    try:
        _parse_moment(report["as_of"])
    except ValueError:
        raise BadResponse(f"the server's report time is malformed: {report['as_of']!r}") from None
    return report


def _parse_moment(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


def _print_report(report: dict[str, Any]) -> None:
    typer.echo(f"transparency report as of {report['as_of']}, {report['log_size']} log entries")
    for agency in report["agencies"]:
        totals = agency["totals"]
        typer.echo(
            f"  {agency['name'] or agency['agency']}: {totals['requests_filed']} requests, "
            f"{totals['requests_with_release']} with a release, {totals['clips_released']} "
            f"clips released, {totals['homes_notified']} homes notified "
            f"({totals['requests_below_k']} requests below k)"
        )
    legal = report["legal"]
    typer.echo(
        f"  legal demands: {legal['totals']['demands']}, notices sent "
        f"{legal['totals']['notices_sent']}, delayed notices outstanding "
        f"{legal['delayed_notices_outstanding']}, overdue emergency paperwork "
        f"{legal['overdue_emergency_paperwork']}"
    )
    typer.echo(f"  agreements published: {len(report['agreements'])}")
