"""The transparency report, computed from log entries alone (DESIGN.md, main flows 4-5).

Anyone holding the log can recompute every number the server's report shows: the
server keeps a `ReportBuilder`'s state as its running aggregates, and `frontporch log
report` folds the entries it has verified into a fresh one; both render with
`ReportBuilder.report`, so equal logs give equal reports, byte for byte in canonical JSON.

**Folding.** `add(index, entry)` takes entries in index order (0, 1, 2, …), once each.
The state (`state()` / `from_state()`) is plain JSON: per agency and per calendar month
(by each entry's own `at`, UTC) the counts and histograms below, plus what later
entries must be matched against (which agency filed each request, whether it already
has a release, each legal demand's accounts, delays, response and paperwork). Months
merge into quarters at report time, so one state serves both periods.

**What is counted** (per agency, per period; the period of the entry that says it):
- `requests_filed`; the area (`request_filed.cells`, H3 cells at the home resolution,
  and km² as cells × the resolution's average hexagon area) and the window
  (`window_end - window_start`, hours), each as median and maximum. The median is the
  lower median (the ((n - 1) // 2)-th smallest), so it is always one of the values and
  an integer where they are.
- `homes_notified`: the sum of `request_reach.homes` over requests at or above their
  k; `requests_below_k` counts those whose count is withheld (null) or below k.
- `requests_with_release` (in the period of the request's first release), `releases`,
  `clips_released`; `requests_closed` by reason.

Legal demands (per period of the demand's `legal_demand`): by kind and by outcome (the
latest `legal_response`, "unanswered" without one); `notices_sent` (`owner_notice`, by
its own period). As of `now`: a notice delayed and outstanding for each (demand, account)
whose latest `delay_order.until` (else the demand's `notice_delayed_until`) is after
`now` with no `owner_notice` yet; overdue emergency paperwork for each `emergency`
demand with no `emergency_paperwork` within 48 hours of its `at` once those 48 hours
have passed (a deadline met to the second is met). Agreements: every
`agreement_published`, in log order.

Report values are integers, strings and nulls only (km² and hours are decimal strings),
so the report is canonical JSON (`entries.canonical_json`) with no float to disagree on.
Entries that refer to a request or demand the log never introduced are not counted; a
log the server writes has none.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any, Final

from frontporch.translog.entries import Entry, moment
from frontporch.translog.errors import TranslogError

__all__ = [
    "CLOSE_REASONS",
    "DEMAND_KINDS",
    "DEMAND_OUTCOMES",
    "PAPERWORK_DUE",
    "PERIODS",
    "REPORT_VERSION",
    "ReportBuilder",
    "ReportError",
    "first_difference",
    "fold",
    "period_of",
]

REPORT_VERSION: Final = 1
STATE_VERSION: Final = 1
PERIODS: Final = ("month", "quarter")
CLOSE_REASONS: Final = ("fulfilled", "withdrawn", "expired")
DEMAND_KINDS: Final = ("warrant", "subpoena", "court_order", "emergency", "other")
DEMAND_OUTCOMES: Final = ("complied", "partially_complied", "rejected", "no_data", "unanswered")
PAPERWORK_DUE: Final = timedelta(hours=48)
_KM2_DECIMALS = 3
_HOURS_DECIMALS = 2


class ReportError(TranslogError):
    """A report cannot be built as asked: a bad period, an entry out of order, a bad state."""


def period_of(at: str, period: str) -> str:
    """The period an entry time (`2026-12-05T10:00:00Z`) falls in: "2026-12" or "2026-Q4"."""
    _check_period(period)
    month = at[:7]
    if period == "month":
        return month
    return f"{month[:4]}-Q{(int(month[5:7]) - 1) // 3 + 1}"


def _check_period(period: str) -> None:
    if period not in PERIODS:
        raise ReportError(f"period must be one of {', '.join(PERIODS)}, not {period!r}")


def _new_bucket() -> dict[str, Any]:
    return {
        "filed": 0,
        "cells": {},
        "window": {},
        "homes": 0,
        "reached": 0,
        "below_k": 0,
        "released_requests": 0,
        "releases": 0,
        "clips": 0,
        "closed": {},
    }


class ReportBuilder:
    """Running aggregates of a log, folded one entry at a time, in index order."""

    def __init__(self) -> None:
        """An empty builder (no entries folded)."""
        self._size = 0
        self._agencies: dict[str, str] = {}  # agency id -> latest registered name
        self._requests: dict[str, list[Any]] = {}  # request id -> [agency id, released?]
        self._months: dict[str, dict[str, dict[str, Any]]] = {}  # agency -> month -> bucket
        self._demands: dict[str, dict[str, Any]] = {}
        self._notices: dict[str, int] = {}  # month -> owner notices
        self._agreements: list[dict[str, Any]] = []

    @property
    def size(self) -> int:
        """How many entries have been folded: the next index `add` expects."""
        return self._size

    # -- folding ---------------------------------------------------------------------------

    def add(self, index: int, entry: Entry | Mapping[str, Any]) -> None:
        """Fold entry `index` (a decoded entry, or its JSON object as the log stores it).

        ReportError unless `index` is the next one (`size`): skipping or repeating an
        entry would make the report disagree with the log.
        """
        if index != self._size:
            raise ReportError(f"entry {index} given where entry {self._size} belongs")
        data = entry if isinstance(entry, Mapping) else entry.model_dump(mode="json")
        fold = _FOLDS.get(data["type"])
        if fold is not None:
            fold(self, data)
        self._size += 1

    def add_bytes(self, index: int, data: bytes) -> None:
        """Fold entry `index` from its canonical bytes, already verified by whoever stored
        or audited them (no validation here, so a server can fold a million quickly)."""
        self.add(index, json.loads(data))

    def _bucket(self, agency: str, at: str) -> dict[str, Any]:
        months = self._months.setdefault(agency, {})
        bucket = months.get(at[:7])
        if bucket is None:
            bucket = months[at[:7]] = _new_bucket()
        return bucket

    def _agency_registered(self, e: Mapping[str, Any]) -> None:
        self._agencies[e["agency"]] = e["name"]

    def _request_filed(self, e: Mapping[str, Any]) -> None:
        if e["request"] in self._requests:
            return
        self._requests[e["request"]] = [e["agency"], False]
        bucket = self._bucket(e["agency"], e["at"])
        bucket["filed"] += 1
        _count(bucket["cells"], len(e["cells"]))
        window = _seconds_between(e["window_start"], e["window_end"])
        _count(bucket["window"], window)

    def _request_reach(self, e: Mapping[str, Any]) -> None:
        request = self._requests.get(e["request"])
        if request is None:
            return
        bucket = self._bucket(request[0], e["at"])
        homes = e.get("homes")
        if homes is not None and homes >= e["k"]:
            bucket["homes"] += homes
            bucket["reached"] += 1
        else:
            bucket["below_k"] += 1

    def _release(self, e: Mapping[str, Any]) -> None:
        request = self._requests.get(e["request"])
        if request is None:
            return
        bucket = self._bucket(request[0], e["at"])
        bucket["releases"] += 1
        bucket["clips"] += e["clips"]
        if not request[1]:
            request[1] = True
            bucket["released_requests"] += 1

    def _request_closed(self, e: Mapping[str, Any]) -> None:
        request = self._requests.get(e["request"])
        if request is None:
            return
        _count(self._bucket(request[0], e["at"])["closed"], e["reason"])

    def _legal_demand(self, e: Mapping[str, Any]) -> None:
        demand = self._demands.get(e["demand"])
        if demand is None:
            demand = self._demands[e["demand"]] = {
                "at": e["at"],
                "kind": e["kind"],
                "accounts": {},
                "outcome": None,
                "paperwork_at": None,
            }
        demand["accounts"][e["account"]] = {
            "delayed_until": e.get("notice_delayed_until"),
            "noticed": False,
        }

    def _legal_response(self, e: Mapping[str, Any]) -> None:
        demand = self._demands.get(e["demand"])
        if demand is not None:
            demand["outcome"] = e["outcome"]

    def _owner_notice(self, e: Mapping[str, Any]) -> None:
        month = e["at"][:7]
        self._notices[month] = self._notices.get(month, 0) + 1
        demand = self._demands.get(e["demand"])
        if demand is None:
            return
        account = demand["accounts"].setdefault(
            e["account"], {"delayed_until": None, "noticed": False}
        )
        account["noticed"] = True

    def _delay_order(self, e: Mapping[str, Any]) -> None:
        demand = self._demands.get(e["demand"])
        if demand is None:
            return
        account = demand["accounts"].setdefault(
            e["account"], {"delayed_until": None, "noticed": False}
        )
        account["delayed_until"] = e["until"]

    def _emergency_paperwork(self, e: Mapping[str, Any]) -> None:
        demand = self._demands.get(e["demand"])
        if demand is not None and demand["paperwork_at"] is None:
            demand["paperwork_at"] = e["at"]

    def _agreement_published(self, e: Mapping[str, Any]) -> None:
        self._agreements.append(
            {
                "index": self._size,
                "agreement": e["agreement"],
                "agency": e["agency"],
                "kind": e["kind"],
                "title": e["title"],
                "starts": e["starts"],
                "ends": e.get("ends"),
                "document_sha256": e["document_sha256"],
                "published_at": e["at"],
            }
        )

    # -- state -----------------------------------------------------------------------------

    def state(self) -> dict[str, Any]:
        """The builder's state as a JSON value; `from_state` restores it exactly."""
        return {
            "version": STATE_VERSION,
            "size": self._size,
            "agencies": self._agencies,
            "requests": self._requests,
            "months": self._months,
            "demands": self._demands,
            "notices": self._notices,
            "agreements": self._agreements,
        }

    @classmethod
    def from_state(cls, state: Mapping[str, Any]) -> ReportBuilder:
        """A builder continuing from `state` (a `state()` value, possibly through JSON).

        The builder takes ownership of `state`'s contents (it is not copied)."""
        if not isinstance(state, Mapping) or state.get("version") != STATE_VERSION:
            raise ReportError(f"not a report builder state of version {STATE_VERSION}")
        builder = cls()
        try:
            builder._size = int(state["size"])
            builder._agencies = dict(state["agencies"])
            builder._requests = dict(state["requests"])
            builder._months = dict(state["months"])
            builder._demands = dict(state["demands"])
            builder._notices = dict(state["notices"])
            builder._agreements = list(state["agreements"])
        except (KeyError, TypeError, ValueError) as exc:
            raise ReportError(f"damaged report builder state: {exc}") from None
        return builder

    # -- the report ------------------------------------------------------------------------

    def report(
        self, now: datetime, period: str = "month", agency: str | None = None
    ) -> dict[str, Any]:
        """The report as of `now`, per agency and `period` ("month" or "quarter").

        With `agency` (an agency id), only that agency's figures and agreements; the legal
        section (demands name accounts, not agencies) is the same either way.
        """
        _check_period(period)
        now = now.replace(microsecond=0)  # the report depends on `as_of` alone
        as_of = moment(now)
        agencies = sorted(set(self._agencies) | set(self._months))
        if agency is not None:
            agencies = [a for a in agencies if a == agency]
        return {
            "report": "frontporch transparency report",
            "version": REPORT_VERSION,
            "log_size": self._size,
            "as_of": as_of,
            "period": period,
            "cell_area_km2": _decimal(_cell_km2(), _KM2_DECIMALS),
            "agencies": [self._agency_report(a, period) for a in agencies],
            "legal": self._legal_report(as_of, period),
            "agreements": [
                {**item, "agency_name": self._agencies.get(item["agency"])}
                for item in self._agreements
                if agency is None or item["agency"] == agency
            ],
        }

    def _agency_report(self, agency: str, period: str) -> dict[str, Any]:
        periods: dict[str, dict[str, Any]] = {}
        for month, bucket in self._months.get(agency, {}).items():
            key = period_of(month, period)
            periods[key] = _merge(periods.get(key) or _new_bucket(), bucket)
        total = _new_bucket()
        for bucket in periods.values():
            _merge(total, bucket)
        return {
            "agency": agency,
            "name": self._agencies.get(agency),
            "periods": [{"period": key, **_figures(periods[key])} for key in sorted(periods)],
            "totals": _figures(total),
        }

    def _legal_report(self, as_of: str, period: str) -> dict[str, Any]:
        periods: dict[str, dict[str, Any]] = {}

        def figures(key: str) -> dict[str, Any]:
            if key not in periods:
                periods[key] = {
                    "demands": 0,
                    "demands_by_kind": dict.fromkeys(DEMAND_KINDS, 0),
                    "demands_by_outcome": dict.fromkeys(DEMAND_OUTCOMES, 0),
                    "notices_sent": 0,
                }
            return periods[key]

        total = figures("totals")
        delayed = 0
        overdue = []
        for demand_id, demand in self._demands.items():
            outcome = demand["outcome"] or "unanswered"
            for bucket in (figures(period_of(demand["at"], period)), total):
                bucket["demands"] += 1
                bucket["demands_by_kind"][demand["kind"]] += 1
                bucket["demands_by_outcome"][outcome] += 1
            # Entry times share one fixed format, so they compare as strings.
            for account in demand["accounts"].values():
                until = account["delayed_until"]
                if until is not None and not account["noticed"] and until > as_of:
                    delayed += 1
            if demand["kind"] == "emergency":
                due = moment(_time(demand["at"]) + PAPERWORK_DUE)
                paperwork = demand["paperwork_at"]
                if as_of > due and (paperwork is None or paperwork > due):
                    overdue.append(
                        {
                            "demand": demand_id,
                            "received_at": demand["at"],
                            "due": due,
                            "paperwork_at": paperwork,
                        }
                    )
        for month, count in self._notices.items():
            for bucket in (figures(period_of(month, period)), total):
                bucket["notices_sent"] += count
        periods.pop("totals")
        overdue.sort(key=lambda item: (item["received_at"], item["demand"]))
        return {
            "periods": [{"period": key, **periods[key]} for key in sorted(periods)],
            "totals": total,
            "delayed_notices_outstanding": delayed,
            "overdue_emergency_paperwork": len(overdue),
            "overdue": overdue,
        }


def first_difference(expected: Any, actual: Any, path: str = "") -> str | None:
    """The first place (e.g. `agencies[0].periods[2].releases`) where two JSON values
    differ, or None if they are equal."""
    if isinstance(expected, Mapping) and isinstance(actual, Mapping):
        for key in sorted(set(expected) | set(actual)):
            where = f"{path}.{key}" if path else str(key)
            if key not in expected or key not in actual:
                return where
            found = first_difference(expected[key], actual[key], where)
            if found is not None:
                return found
        return None
    if isinstance(expected, list) and isinstance(actual, list):
        for number, (left, right) in enumerate(zip(expected, actual, strict=False)):
            found = first_difference(left, right, f"{path}[{number}]")
            if found is not None:
                return found
        if len(expected) != len(actual):
            return f"{path}[{min(len(expected), len(actual))}]"
        return None
    if type(expected) is not type(actual) or expected != actual:
        return path or "(the whole report)"
    return None


# -- helpers -------------------------------------------------------------------------------


def _count(histogram: dict[str, int], value: int | str) -> None:
    key = str(value)
    histogram[key] = histogram.get(key, 0) + 1


def _merge(into: dict[str, Any], bucket: Mapping[str, Any]) -> dict[str, Any]:
    for name, value in bucket.items():
        if isinstance(value, dict):
            target = into[name]
            for key, count in value.items():
                target[key] = target.get(key, 0) + count
        else:
            into[name] += value
    return into


def _figures(bucket: Mapping[str, Any]) -> dict[str, Any]:
    cells = _stats(bucket["cells"])
    window = _stats(bucket["window"])
    km2 = _cell_km2()
    return {
        "requests_filed": bucket["filed"],
        "area_cells": cells,
        "area_km2": {
            name: None if value is None else _decimal(value * km2, _KM2_DECIMALS)
            for name, value in cells.items()
        },
        "window_hours": {
            name: None if value is None else _decimal(value / 3600, _HOURS_DECIMALS)
            for name, value in window.items()
        },
        "homes_notified": bucket["homes"],
        "requests_at_or_above_k": bucket["reached"],
        "requests_below_k": bucket["below_k"],
        "requests_with_release": bucket["released_requests"],
        "releases": bucket["releases"],
        "clips_released": bucket["clips"],
        "requests_closed": {reason: bucket["closed"].get(reason, 0) for reason in CLOSE_REASONS},
    }


def _stats(histogram: Mapping[str, int]) -> dict[str, int | None]:
    """Lower median and maximum of the values a histogram {value: count} holds."""
    values = sorted((int(value), count) for value, count in histogram.items())
    total = sum(count for _, count in values)
    if not total:
        return {"median": None, "max": None}
    position = (total - 1) // 2
    seen = 0
    median = values[-1][0]
    for value, count in values:
        seen += count
        if seen > position:
            median = value
            break
    return {"median": median, "max": values[-1][0]}


def _decimal(value: float, places: int) -> str:
    return f"{value:.{places}f}"


def _cell_km2() -> float:
    from frontporch.geo import average_area_km2  # h3 only where a report is rendered

    return average_area_km2()


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text)  # "…Z" is UTC (Python 3.11+)


def _seconds_between(start: str, end: str) -> int:
    return max(0, int((_time(end) - _time(start)).total_seconds()))


_FOLDS = {
    "agency_registered": ReportBuilder._agency_registered,
    "request_filed": ReportBuilder._request_filed,
    "request_reach": ReportBuilder._request_reach,
    "release": ReportBuilder._release,
    "request_closed": ReportBuilder._request_closed,
    "legal_demand": ReportBuilder._legal_demand,
    "legal_response": ReportBuilder._legal_response,
    "owner_notice": ReportBuilder._owner_notice,
    "delay_order": ReportBuilder._delay_order,
    "emergency_paperwork": ReportBuilder._emergency_paperwork,
    "agreement_published": ReportBuilder._agreement_published,
}


def fold(entries: Iterable[tuple[int, Entry | Mapping[str, Any]]]) -> ReportBuilder:
    """A builder with `entries` ((index, entry) pairs from 0, in order) folded in."""
    builder = ReportBuilder()
    for index, entry in entries:
        builder.add(index, entry)
    return builder
