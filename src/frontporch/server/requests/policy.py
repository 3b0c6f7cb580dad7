"""The footage-request policy: the hard limits in code, the operator's values within them,
and the checks a request must pass before it is filed (DESIGN.md, main flow 3).

Pure: values in, a `PolicyError` naming the field out; no database, no HTTP. The service
turns a `PolicyError` into the server's 400 and stores the operator's values.

What is limited, each by the operator's value, which may never pass the hard limit:

| value | default | hard limit |
|---|---|---|
| area of a request | 0.5 sq mi | 2 sq mi |
| time window | 12 h | 24 h |
| how far back a window may start (retention horizon) | 30 days | 90 days |
| expiry, from filing | 30 days | 30 days |
| open requests per agency | 5 | 50 |
| k: "homes notified" shown only at or above | 10 | at least 5 |
| evidence download window | 30 days | 90 days |

Independently of the values: a window ends after it starts and not in the future, and a
request expires after it is filed. Times are compared to the second, as logged.

A policy's identity is the SHA-256 of its canonical JSON (`canonical_bytes`), which the
`policy_changed` log entry carries; areas are written there as decimal strings with
three decimals, since log JSON holds no floating-point numbers.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import asdict, dataclass, fields
from datetime import datetime, timedelta
from typing import Final

from frontporch.translog.entries import canonical_json

POLICY_FORMAT: Final = "frontporch-request-policy/1"
AREA_DECIMALS: Final = 3

# The kinds of incident a request may name: a log `Word` each, with the words people read.
INCIDENTS: Final[dict[str, str]] = {
    "burglary": "Burglary",
    "theft": "Theft",
    "package_theft": "Package theft",
    "vehicle_theft": "Vehicle theft",
    "robbery": "Robbery",
    "assault": "Assault",
    "vandalism": "Vandalism",
    "arson": "Arson",
    "hit_and_run": "Hit and run",
    "homicide": "Homicide",
    "missing_person": "Missing person",
    "other": "Other",
}


class PolicyError(ValueError):
    """A value outside the policy; `field` names the input at fault, `message` the limit."""

    def __init__(self, field: str | None, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class Bound:
    """What the operator may set a value to: [minimum, maximum], in `unit`."""

    minimum: float
    maximum: float
    unit: str
    label: str


@dataclass(frozen=True)
class RequestPolicy:
    """The operator's values; each within its `HARD_LIMITS` bound."""

    max_area_sq_mi: float = 0.5
    max_window_hours: int = 12
    retention_days: int = 30
    max_expiry_days: int = 30
    max_open_requests: int = 5
    k_threshold: int = 10
    download_window_days: int = 30


HARD_LIMITS: Final[dict[str, Bound]] = {
    "max_area_sq_mi": Bound(0.01, 2.0, "sq mi", "largest area of a request"),
    "max_window_hours": Bound(1, 24, "hours", "longest time window"),
    "retention_days": Bound(1, 90, "days", "how far back a window may start"),
    "max_expiry_days": Bound(1, 30, "days", "longest time before a request expires"),
    "max_open_requests": Bound(1, 50, "requests", "open requests per agency"),
    "k_threshold": Bound(5, 1000, "homes", "fewest homes notified that an agency is told"),
    "download_window_days": Bound(1, 90, "days", "how long evidence can be downloaded"),
}
DEFAULT_POLICY: Final = RequestPolicy()


def validate_policy(policy: RequestPolicy) -> RequestPolicy:
    """`policy` if every value is within its hard limit, else PolicyError naming the first
    value that is not (areas are rounded to three decimals first)."""
    for spec in fields(RequestPolicy):
        value = getattr(policy, spec.name)
        bound = HARD_LIMITS[spec.name]
        if spec.name == "max_area_sq_mi":
            if not math.isfinite(value):
                raise PolicyError(spec.name, f"{bound.label} must be a number")
            value = round(value, AREA_DECIMALS)
        elif not isinstance(value, int) or isinstance(value, bool):
            raise PolicyError(spec.name, f"{bound.label} must be a whole number of {bound.unit}")
        if not bound.minimum <= value <= bound.maximum:
            raise PolicyError(
                spec.name,
                f"{bound.label} must be between {bound.minimum:g} and {bound.maximum:g} "
                f"{bound.unit}; {value:g} is outside the hard limits in code",
            )
    return RequestPolicy(
        **{**asdict(policy), "max_area_sq_mi": round(policy.max_area_sq_mi, AREA_DECIMALS)}
    )


def canonical_document(policy: RequestPolicy) -> dict[str, object]:
    """The policy as the JSON object whose canonical bytes are hashed."""
    document: dict[str, object] = {"format": POLICY_FORMAT}
    for key, value in asdict(policy).items():
        document[key] = f"{value:.{AREA_DECIMALS}f}" if key == "max_area_sq_mi" else value
    return document


def canonical_bytes(policy: RequestPolicy) -> bytes:
    """The canonical JSON of the policy (sorted keys, no whitespace, no floats)."""
    return canonical_json(canonical_document(policy))


def policy_sha256(policy: RequestPolicy) -> str:
    """SHA-256 (hex) of the policy's canonical JSON: what `policy_changed` logs."""
    return hashlib.sha256(canonical_bytes(policy)).hexdigest()


def summary(policy: RequestPolicy) -> str:
    """The policy in words, for the log entry and the pages."""
    return (
        f"Footage requests: area at most {policy.max_area_sq_mi:g} sq mi; time window at "
        f"most {policy.max_window_hours} h, not in the future and starting no more than "
        f"{policy.retention_days} days back; expiry at most {policy.max_expiry_days} days "
        f"after filing; at most {policy.max_open_requests} open requests per agency; homes "
        f"notified shown to the agency only from {policy.k_threshold}; evidence downloadable "
        f"for {policy.download_window_days} days."
    )


@dataclass(frozen=True)
class Scope:
    """What a request asks for, as the policy sees it (times whole seconds, UTC)."""

    area_sq_mi: float
    window_start: datetime
    window_end: datetime
    expires_at: datetime


def check_scope(policy: RequestPolicy, scope: Scope, now: datetime, open_requests: int) -> None:
    """Raise PolicyError (naming the field) unless the request fits `policy` at `now`,
    with the agency holding `open_requests` open requests already."""
    window = scope.window_end - scope.window_start
    if window <= timedelta(0):
        raise PolicyError("window_end", "the time window must end after it starts")
    longest = timedelta(hours=policy.max_window_hours)
    if window > longest:
        raise PolicyError(
            "window_end",
            f"the time window is {_duration(window)}; at most {policy.max_window_hours} h "
            "is allowed — file separate requests for separate times",
        )
    if scope.window_end > now:
        raise PolicyError(
            "window_end",
            "the time window must not end in the future: footage that does not exist yet "
            "cannot be requested",
        )
    horizon = now - timedelta(days=policy.retention_days)
    if scope.window_start < horizon:
        raise PolicyError(
            "window_start",
            f"the time window may start at most {policy.retention_days} days ago "
            "(the retention horizon); older footage is not kept",
        )
    if scope.expires_at <= now:
        raise PolicyError("expires_at", "the expiry must be in the future")
    if scope.expires_at > now + timedelta(days=policy.max_expiry_days):
        raise PolicyError(
            "expires_at", f"a request may stay open at most {policy.max_expiry_days} days"
        )
    if not math.isfinite(scope.area_sq_mi) or scope.area_sq_mi > policy.max_area_sq_mi:
        raise PolicyError(
            "area",
            f"the area is {scope.area_sq_mi:.3f} sq mi; at most {policy.max_area_sq_mi:g} "
            "sq mi is allowed — draw a smaller area around the incident",
        )
    if open_requests >= policy.max_open_requests:
        raise PolicyError(
            None,
            f"your agency has {open_requests} open requests; at most "
            f"{policy.max_open_requests} may be open at once — withdraw one that is no "
            "longer needed first",
        )


def homes_notified_shown(count: int, policy: RequestPolicy) -> int | None:
    """The homes-notified count an agency may see: the count from k on, else None
    ("fewer than k")."""
    return count if count >= policy.k_threshold else None


def _duration(span: timedelta) -> str:
    seconds = int(span.total_seconds())
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours} h {minutes:02d} min {seconds:02d} s"
