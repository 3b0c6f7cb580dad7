"""Suite-wide rules: a test group whose system service is missing is skipped with the
reason locally, and is an error under CI=true (nothing may be skipped there)."""

from __future__ import annotations

import os

import pytest

from frontporch.devtools.services import missing_services

SERVICE_MARKERS = ("browser", "rtsp", "ffprobe", "age", "axe", "postgres", "mqtt")


def _ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    missing = missing_services()
    for item in items:
        for marker in SERVICE_MARKERS:
            if marker in item.keywords and marker in missing:
                if _ci():
                    raise pytest.UsageError(f"CI=true but {missing[marker]}")
                item.add_marker(pytest.mark.skip(reason=missing[marker]))
