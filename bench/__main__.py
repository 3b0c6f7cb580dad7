"""`python -m bench [NAME ...] [--quick] [--no-docs] [--strict]`: run the hub benchmarks.

A target that is missed shows as FAIL in the table and the docs; the exit status is 1
only when a benchmark could not run (or, with `--strict`, when a target is missed).
"""

from __future__ import annotations

import argparse
import sys
import time
import traceback
from types import ModuleType

from bench import (
    alerts,
    analysis,
    backup,
    evidence,
    feed,
    geo,
    machine,
    memory,
    motion,
    playback,
    recording,
    requests,
    translog,
    transparency_report,
)
from bench.report import Section, print_table, write_docs, write_json
from bench.videos import RESULTS

BENCHMARKS: dict[str, ModuleType] = {
    module.NAME: module
    for module in (
        analysis,
        recording,
        motion,
        memory,
        geo,
        translog,
        feed,
        evidence,
        requests,
        transparency_report,
        alerts,
        backup,
        playback,
    )
}


def _arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "names",
        nargs="*",
        metavar="NAME",
        help=f"benchmarks to run (default: all): {', '.join(BENCHMARKS)}",
    )
    parser.add_argument("--quick", action="store_true", help="short inputs: a smoke run")
    parser.add_argument("--no-docs", action="store_true", help="do not rewrite docs/benchmarks.md")
    parser.add_argument(
        "--strict", action="store_true", help="exit with status 1 when a target fails"
    )
    args = parser.parse_args(argv)
    unknown = [name for name in args.names if name not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}")
    return args


def _run(module: ModuleType, quick: bool) -> Section:
    print(f"running {module.NAME} ...", file=sys.stderr, flush=True)
    began = time.perf_counter()
    try:
        results = module.run(quick)
        error = None
    except Exception as exc:  # one broken benchmark must not hide the others' figures
        traceback.print_exc()
        results, error = [], f"{type(exc).__name__}: {exc}"
    took = time.perf_counter() - began
    print(f"  {module.NAME} took {took:.0f} s", file=sys.stderr, flush=True)
    return Section(module.NAME, module.TITLE, module.METHOD, results, error)


def main(argv: list[str]) -> int:
    args = _arguments(argv)
    names = args.names or list(BENCHMARKS)
    facts = machine.describe()
    sections = [_run(BENCHMARKS[name], args.quick) for name in names]
    facts["load_average_after"] = machine.load_average()
    print_table(sections)
    write_json(RESULTS / "latest.json", facts, sections, args.quick)
    print(f"\nresults: {RESULTS / 'latest.json'}")
    complete = set(names) == set(BENCHMARKS) and not args.quick
    if complete and not args.no_docs:
        write_docs(facts, sections)
        print("docs/benchmarks.md rewritten")
    elif not args.no_docs:
        print("docs/benchmarks.md left alone: only a full run without --quick rewrites it")
    broken = any(s.error for s in sections)
    missed = any(r.passed is False for s in sections for r in s.results)
    return 1 if broken or (args.strict and missed) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
