"""Printing the results, saving them as JSON, and writing `docs/benchmarks.md`."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.result import Result

DOCS = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"
MARKER = "<!-- Everything below this line is written by `make bench`; edit the intro above. -->"
INTRO = """\
# Benchmarks

The hub's speed and memory targets, measured by `make bench` (`python -m bench`, in
`bench/`). Every figure stands next to a baseline measured in the same run on the same
machine, and targets are judged on the ratio or on a share of one core, so the numbers
travel between machines better than raw seconds do. Tests never assert on timings.

The inputs are synthetic scenes (`frontporch.scenes`), rendered once into
`bench/results/cache/`: deterministic, with people walking past, sensor noise on every
pixel. At the encoder's default quality (CRF 23) the 1080p scene is about 1.6 Mbit/s,
below a typical 1080p camera's 4-6 Mbit/s, so the recording and analysis benchmarks
also measure the same scene at CRF 20 (about 5.5 Mbit/s). The figures below come from
one run on the machine listed; a shared or busy machine (see its load average) moves
them by several percent, so re-run before reading much into a small difference.
"""


@dataclass(frozen=True)
class Section:
    """One benchmark's results with the text that says how they were measured."""

    name: str
    title: str
    method: str
    results: list[Result]
    error: str | None = None


def _number(value: float | None) -> str:
    if value is None:
        return "—"
    magnitude = abs(value)
    if magnitude >= 100:
        return f"{value:.0f}"
    if magnitude >= 10:
        return f"{value:.1f}"
    if magnitude >= 0.1:
        return f"{value:.2f}"
    return f"{value:.3f}"


def _ratio(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}×"


def _figure(result: Result) -> str:
    text = f"{_number(result.figure)} {result.unit}"
    if result.figure_best is not None and result.repeats > 1:
        text += f" (best {_number(result.figure_best)})"
    return text


def _baseline(result: Result) -> str:
    if result.baseline is None:
        return "—"
    text = f"{_number(result.baseline)} {result.baseline_unit}"
    if result.baseline_best is not None and result.repeats > 1:
        text += f" (best {_number(result.baseline_best)})"
    return text


def print_table(sections: Sequence[Section]) -> None:
    for section in sections:
        print(f"\n== {section.title}")
        if section.error:
            print(f"   FAILED TO RUN: {section.error}")
        for r in section.results:
            print(f"   {r.verdict:4}  {r.name}")
            repeats = f"median of {r.repeats}" if r.repeats > 1 else "one run"
            print(f"         figure   {_figure(r)}   ({repeats})")
            print(f"         baseline {_baseline(r)}   ratio {_ratio(r.ratio)}")
            print(f"         target   {r.target}")
            if r.notes:
                print(f"         notes    {r.notes}")


def write_json(
    path: Path, machine: dict[str, Any], sections: Sequence[Section], quick: bool
) -> None:
    data = {
        "machine": machine,
        "quick": quick,
        "benchmarks": {
            s.name: {
                "title": s.title,
                "error": s.error,
                "results": [r.to_json() for r in s.results],
            }
            for s in sections
        },
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, default=str) + "\n")


def _intro() -> str:
    if DOCS.is_file():
        text = DOCS.read_text()
        if MARKER in text:
            return text.split(MARKER, 1)[0].rstrip() + "\n"
    return INTRO


def _machine_lines(machine: dict[str, Any]) -> list[str]:
    load = machine.get("load_average_before")
    load_text = "unknown" if not load else ", ".join(f"{x:.2f}" for x in load)
    vm = " (a virtual machine)" if machine.get("virtual_machine") else ""
    return [
        "## Machine",
        "",
        "| | |",
        "|---|---|",
        f"| date | {machine['date']} |",
        f"| CPU | {machine['cpu']}{vm} |",
        f"| cores | {machine['cores']} ({machine['cores_usable']} usable) |",
        f"| memory | {machine['memory_gib']} GiB |",
        f"| OS | {machine['os']} |",
        f"| Python | {machine['python']} |",
        f"| PyAV / FFmpeg | {machine['pyav']} / {machine['ffmpeg']} |",
        f"| numpy | {machine['numpy']} |",
        f"| OpenCV | {machine['opencv']} |",
        f"| load average (1, 5, 15 min) before / after | {load_text} / "
        f"{_load(machine.get('load_average_after'))} |",
        "",
    ]


def _load(load: Sequence[float] | None) -> str:
    return "unknown" if not load else ", ".join(f"{x:.2f}" for x in load)


def _summary(sections: Sequence[Section]) -> list[str]:
    lines = [
        "## Summary",
        "",
        "| benchmark | figure | baseline (same run) | ratio | target | result |",
        "|---|---|---|---|---|---|",
    ]
    for section in sections:
        if section.error:
            lines.append(f"| {section.title} | failed to run | | | | FAIL |")
        for r in section.results:
            lines.append(
                f"| {r.name} | {_figure(r)} | {_baseline(r)} | {_ratio(r.ratio)} | "
                f"{r.target} | {r.verdict} |"
            )
    return [*lines, ""]


def _details(section: Section) -> list[str]:
    lines = [f"## {section.title}", "", section.method, ""]
    if section.error:
        lines += [f"**Did not run:** `{section.error}`", ""]
    for r in section.results:
        if r.notes:
            lines.append(f"- *{r.name}* ({r.verdict}): {r.notes}.")
    return [*lines, ""]


def write_docs(machine: dict[str, Any], sections: Sequence[Section]) -> None:
    lines = [
        _intro(),
        MARKER,
        "",
        *_machine_lines(machine),
        *_summary(sections),
        "Figures are medians of the repeats shown in each section (best repeat in "
        "brackets); ratio = figure ÷ baseline.",
        "",
    ]
    for section in sections:
        lines += _details(section)
    lines += [
        "## Reproduce",
        "",
        "```sh",
        "make bench                                  # everything (a few minutes)",
        ".venv/bin/python -m bench motion recording  # a subset",
        ".venv/bin/python -m bench --quick           # a short smoke run",
        "```",
        "",
        "The first run renders the 60 s 1080p scene, at two qualities, into",
        "`bench/results/cache/` (about half a minute each); raw results, every repeat",
        "included, go to `bench/results/latest.json`.",
        "Only a full run (all benchmarks, without `--quick`) rewrites this page.",
        "",
    ]
    DOCS.write_text("\n".join(lines))
