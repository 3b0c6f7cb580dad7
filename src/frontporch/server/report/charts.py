"""Bar charts for the report page, as geometry the template draws as inline SVG.

Pure: values in, rectangles and labels out (no SVG strings, no I/O), so the template
keeps the markup and this stays testable. Each chart also carries its own text
alternative (`description`) and the table of numbers it draws, so it reads without
JavaScript, without images and with a screen reader (WCAG 1.1.1).
"""

from __future__ import annotations

from dataclasses import dataclass

WIDTH = 640
HEIGHT = 220
LEFT = 40  # room for the value axis labels
BOTTOM = 40  # room for the period labels
TOP = 12
SERIES_FILLS = ("#2f6690", "#c4661f", "#3a7d44")  # distinct in greyscale too


@dataclass(frozen=True)
class Bar:
    """One bar: position, size, the value it stands for and its series' style."""

    x: float
    y: float
    width: float
    height: float
    value: int
    series: str
    fill: str


@dataclass(frozen=True)
class Tick:
    """A value-axis gridline: its height and label."""

    y: float
    label: int


@dataclass(frozen=True)
class BarChart:
    """A grouped bar chart: one group per period, one bar per series."""

    title: str
    description: str
    width: int
    height: int
    bars: tuple[Bar, ...]
    ticks: tuple[Tick, ...]
    labels: tuple[tuple[float, str], ...]  # (x, period) under each group
    series: tuple[tuple[str, str], ...]  # (name, fill) for the legend
    rows: tuple[tuple[str, tuple[int, ...]], ...]  # the data table: period, values


def _nice_top(largest: int) -> int:
    """The smallest 1-2-5 × 10^n at least `largest` (and at least 1)."""
    step = 1
    while True:
        for factor in (1, 2, 5):
            if step * factor >= largest:
                return step * factor
        step *= 10


def bar_chart(title: str, periods: list[str], series: dict[str, list[int]]) -> BarChart:
    """A chart of `series` ({name: one value per period}) over `periods`."""
    names = list(series)
    top = _nice_top(max((v for values in series.values() for v in values), default=0))
    plot_width = WIDTH - LEFT - 8
    plot_height = HEIGHT - TOP - BOTTOM
    group = plot_width / max(1, len(periods))
    bar_width = max(1.0, group * 0.8 / max(1, len(names)))
    bars = []
    labels = []
    for number, period in enumerate(periods):
        left = LEFT + number * group + group * 0.1
        labels.append((round(LEFT + number * group + group / 2, 1), period))
        for which, name in enumerate(names):
            value = series[name][number]
            height = plot_height * value / top
            bars.append(
                Bar(
                    x=round(left + which * bar_width, 1),
                    y=round(TOP + plot_height - height, 1),
                    width=round(bar_width, 1),
                    height=round(height, 1),
                    value=value,
                    series=name,
                    fill=SERIES_FILLS[which % len(SERIES_FILLS)],
                )
            )
    ticks = tuple(
        Tick(y=round(TOP + plot_height - plot_height * part / 4, 1), label=top * part // 4)
        for part in range(5)
        if top * part % 4 == 0
    )
    return BarChart(
        title=title,
        description=_describe(periods, series),
        width=WIDTH,
        height=HEIGHT,
        bars=tuple(bars),
        ticks=ticks,
        labels=tuple(labels),
        series=tuple((name, SERIES_FILLS[n % len(SERIES_FILLS)]) for n, name in enumerate(names)),
        rows=tuple(
            (period, tuple(series[name][n] for name in names)) for n, period in enumerate(periods)
        ),
    )


def _describe(periods: list[str], series: dict[str, list[int]]) -> str:
    if not periods:
        return "No activity yet."
    parts = [
        f"{name}: {sum(values)} in all, most {max(values)} in one period"
        for name, values in series.items()
    ]
    span = periods[0] if len(periods) == 1 else f"{periods[0]} to {periods[-1]}"
    return (
        f"{len(periods)} period{'s' if len(periods) != 1 else ''} ({span}). "
        + "; ".join(parts)
        + ". The table below gives every value."
    )
