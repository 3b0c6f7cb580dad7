"""A machine without a system tool skips that tool's tests with the command that
installs it, and the preflight says so first; under CI=true both refuse instead.

Each case runs the real preflight or a real pytest in a child process whose PATH holds
no tools at all, so `age`, `ffprobe` and `initdb` are all missing there.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
AGE_TEST = "tests/integration/test_crypto_age_tool.py"
AGE_HINT = "the age tool is not installed (apt-get install age)"


def _run(tmp_path: Path, ci: bool, *args: str) -> subprocess.CompletedProcess[str]:
    no_tools = tmp_path / "empty-bin"
    no_tools.mkdir(exist_ok=True)
    env = {**os.environ, "PATH": str(no_tools), "CI": "true" if ci else ""}
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_a_missing_age_tool_skips_its_tests_with_the_install_hint(tmp_path: Path) -> None:
    run = _run(tmp_path, False, "-m", "pytest", "-p", "no:cacheprovider", "-rs", AGE_TEST)
    assert run.returncode == 0, run.stdout + run.stderr
    # Every test of the file is skipped (none passes or fails without the tool).
    assert re.search(r"= (\d+) skipped in", run.stdout), run.stdout
    assert " passed" not in run.stdout
    assert " failed" not in run.stdout
    assert AGE_HINT in run.stdout


def test_under_ci_a_missing_age_tool_is_an_error(tmp_path: Path) -> None:
    run = _run(tmp_path, True, "-m", "pytest", "-p", "no:cacheprovider", AGE_TEST)
    assert run.returncode != 0
    assert f"CI=true but {AGE_HINT}" in run.stdout + run.stderr


def test_the_preflight_lists_a_missing_age_tool(tmp_path: Path) -> None:
    local = _run(tmp_path, False, "-m", "frontporch.devtools.preflight")
    assert local.returncode == 0
    assert f"skipping 'age' tests: {AGE_HINT}" in local.stdout
    ci = _run(tmp_path, True, "-m", "frontporch.devtools.preflight")
    assert ci.returncode == 1
    assert f"MISSING 'age' tests: {AGE_HINT}" in ci.stdout
