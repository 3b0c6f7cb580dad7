"""The record every benchmark returns, and the statistics used to summarise repeats."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Result:
    """One measured figure next to the baseline measured in the same run.

    `ratio` is always `figure / baseline`. `passed` is None when the figure is reported
    without a target. `figure_best` and `baseline_best` come from the fastest repeat (the
    minimum time), for benchmarks that repeat; `raw` keeps every repeat for the JSON file.
    """

    name: str
    figure: float
    unit: str
    baseline: float | None
    baseline_unit: str
    ratio: float | None
    target: str
    passed: bool | None
    notes: str = ""
    repeats: int = 1
    figure_best: float | None = None
    baseline_best: float | None = None
    raw: dict[str, Any] = field(default_factory=dict)

    @property
    def verdict(self) -> str:
        return {True: "PASS", False: "FAIL", None: "—"}[self.passed]

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["verdict"] = self.verdict
        return data


def ratio(figure: float, baseline: float) -> float | None:
    return figure / baseline if baseline else None


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values))


def best(values: Sequence[float]) -> float:
    return float(min(values))
