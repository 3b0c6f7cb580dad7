"""Frontporch benchmarks: the hub's speed and memory targets, each measured against a
baseline taken in the same run.

`python -m bench` (what `make bench` runs) measures everything, prints a table, writes
`bench/results/latest.json` and rewrites `docs/benchmarks.md`; `python -m bench NAME ...`
runs a subset and `--quick` shortens every benchmark for a smoke run. Targets are
checked here, never as timed assertions in the tests.
"""
