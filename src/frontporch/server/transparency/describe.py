"""One line about a log entry, for the public transparency pages (pure).

Entries hold no personal data (`translog.entries`): agencies are named institutions,
people appear only as pseudonyms, case numbers and descriptions only as digests. The
line says what happened in words, with identifiers shortened; the entry's page shows
the full canonical JSON.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

SHORT_ID = 8
MAX_TEXT = 160

_TYPE_NAMES = {
    "agency_registered": "Agency registered",
    "request_filed": "Footage request",
    "request_closed": "Request closed",
    "release": "Footage released",
    "legal_demand": "Legal demand",
    "legal_response": "Legal response",
    "owner_notice": "Owner notified",
    "policy_changed": "Policy changed",
    "request_reach": "Request reach",
    "delay_order": "Notice delayed",
    "emergency_paperwork": "Emergency paperwork",
    "agreement_published": "Agreement published",
    "statement": "Agency statement",
    "statement_hidden": "Statement hidden",
}


@dataclass(frozen=True)
class EntrySummary:
    """What a row of the entry list shows: the type (and its name), the time, a line."""

    type: str
    type_name: str
    at: str | None
    text: str


def describe(entry: dict[str, Any] | None) -> EntrySummary:
    """The summary of a decoded entry; entries of unknown shape still get one."""
    if entry is None:
        return EntrySummary("unknown", "Unreadable entry", None, "The stored bytes are not JSON.")
    kind = entry.get("type")
    kind = kind if isinstance(kind, str) else "unknown"
    at = entry.get("at") if isinstance(entry.get("at"), str) else None
    explain = _EXPLAIN.get(kind)
    try:
        text = explain(entry) if explain else f"An entry of type “{kind}”."
    except (KeyError, TypeError, ValueError):
        text = f"An entry of type “{kind}” with unexpected fields."
    if len(text) > MAX_TEXT:
        text = text[: MAX_TEXT - 1] + "…"
    return EntrySummary(kind, _TYPE_NAMES.get(kind, kind.replace("_", " ").capitalize()), at, text)


def _short(value: Any) -> str:
    return str(value)[:SHORT_ID]


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" + ("" if count == 1 else "s")


def _agency(e: dict[str, Any]) -> str:
    text = f"“{e['name']}” (agency {_short(e['agency'])}) published its keys."
    if e.get("supersedes") is not None:
        text += f" Replaces the registration in entry {int(e['supersedes'])}."
    return text


def _request(e: dict[str, Any]) -> str:
    incident = str(e["incident"]).replace("_", " ")
    return (
        f"Agency {_short(e['agency'])} asked for footage about a {incident}: "
        f"{_plural(len(e['cells']), 'area cell')}, {e['window_start']} to {e['window_end']} "
        f"(request {_short(e['request'])})."
    )


def _closed(e: dict[str, Any]) -> str:
    return f"Request {_short(e['request'])} closed: {e['reason']}."


def _release(e: dict[str, Any]) -> str:
    return (
        f"A hub ({_short(e['hub'])}…) released {_plural(int(e['clips']), 'clip')} for request "
        f"{_short(e['request'])}."
    )


def _demand(e: dict[str, Any]) -> str:
    kind = str(e["kind"]).replace("_", " ")
    text = f"A {kind} from {e['authority']} about one account (demand {_short(e['demand'])})."
    if e.get("notice_delayed_until"):
        text += f" Owner notice delayed until {e['notice_delayed_until']}."
    return text


def _response(e: dict[str, Any]) -> str:
    outcome = str(e["outcome"]).replace("_", " ")
    categories = ", ".join(str(c).replace("_", " ") for c in e.get("categories") or [])
    given = f"; gave: {categories}" if categories else ""
    return f"Answer to demand {_short(e['demand'])}: {outcome}{given}."


def _notice(e: dict[str, Any]) -> str:
    return f"The account concerned by demand {_short(e['demand'])} was told about it."


def _policy(e: dict[str, Any]) -> str:
    return str(e["summary"])


def _reach(e: dict[str, Any]) -> str:
    request = _short(e["request"])
    if e.get("homes") is None:
        return f"Request {request} reached fewer than {int(e['k'])} homes (the count is withheld)."
    return f"Request {request} reached {_plural(int(e['homes']), 'home')} (k = {int(e['k'])})."


def _delay(e: dict[str, Any]) -> str:
    return (
        f"A court order delays telling the account concerned by demand {_short(e['demand'])} "
        f"until {e['until']}."
    )


def _paperwork(e: dict[str, Any]) -> str:
    kind = str(e["kind"]).replace("_", " ")
    return f"The {kind} following emergency demand {_short(e['demand'])} was recorded."


def _agreement(e: dict[str, Any]) -> str:
    kind = _AGREEMENT_KINDS.get(str(e["kind"]), str(e["kind"]))
    until = f" until {str(e['ends'])[:10]}" if e.get("ends") else ""
    return (
        f"{kind} with agency {_short(e['agency'])} published: “{e['title']}”, from "
        f"{str(e['starts'])[:10]}{until}."
    )


def _statement(e: dict[str, Any]) -> str:
    what = "A post" if e["kind"] == "post" else "A request's text"
    return f"{what} by agency {_short(e['agency'])}, as submitted (SHA-256 {_short(e['sha256'])}…)."


def _hidden(e: dict[str, Any]) -> str:
    reason = str(e["reason"]).replace("_", " ")
    return f"Statement {_short(e['statement'])} hidden by the operator: {reason}."


_AGREEMENT_KINDS = {
    "mou": "A memorandum of understanding",
    "data_sharing": "A data-sharing agreement",
    "pilot": "A pilot agreement",
    "other": "An agreement",
}

_EXPLAIN: dict[str, Callable[[dict[str, Any]], str]] = {
    "agency_registered": _agency,
    "request_filed": _request,
    "request_closed": _closed,
    "release": _release,
    "legal_demand": _demand,
    "legal_response": _response,
    "owner_notice": _notice,
    "policy_changed": _policy,
    "request_reach": _reach,
    "delay_order": _delay,
    "emergency_paperwork": _paperwork,
    "agreement_published": _agreement,
    "statement": _statement,
    "statement_hidden": _hidden,
}
