"""Keeping object keys out of the server's logs.

The backup API's paths carry the hub's object keys (`/api/hub/backup/objects/{key}`,
`?after={key}`), and uvicorn's access log writes every request line. Keys name nothing,
but the server has no business keeping which ones a home used and when, so the access
log shows these paths with the key replaced by `…`. `create_app` installs the filter
once (it is idempotent); nothing is done at import time.
"""

from __future__ import annotations

import logging
from typing import Final

OBJECTS_PATH: Final = "/api/hub/backup/objects"
ACCESS_LOGGER: Final = "uvicorn.access"
REDACTED: Final = f"{OBJECTS_PATH}/…"


def redact_path(path: str) -> str:
    """The path as the log may show it: with no object key in it."""
    if not path.startswith(OBJECTS_PATH):
        return path
    rest = path[len(OBJECTS_PATH) :]
    if rest.startswith("/"):
        return REDACTED
    return OBJECTS_PATH if rest.startswith("?") or not rest else path


class RedactBackupKeys(logging.Filter):
    """Rewrites uvicorn's access records (client, method, path, version, status)."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            redacted = redact_path(args[2])
            if redacted != args[2]:
                record.args = (*args[:2], redacted, *args[3:])
        return True


def install_access_log_filter() -> None:
    """Add the filter to uvicorn's access logger, once per process."""
    logger = logging.getLogger(ACCESS_LOGGER)
    if not any(isinstance(f, RedactBackupKeys) for f in logger.filters):
        logger.addFilter(RedactBackupKeys())
