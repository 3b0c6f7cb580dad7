"""Keeping data directories private to the user that runs Frontporch.

The hub's directory holds footage and its index; the server's holds `server.db` (TOTP
secrets, password hashes), its secret key and blobs. Under a common default umask
(022) every file would be created readable by all local users, so:

- `restrict_umask()` runs first in `frontporch hub` and `frontporch server`: every
  file the process (and the camera workers it starts, which inherit the umask)
  creates afterwards is 0600 and every directory 0700, whatever the system default;
- `private_dir()` creates a data directory 0700 (an existing one is left as it is);
- `warn_if_exposed()` logs a WARNING for each existing path that other users can
  reach, with the command that fixes it. An existing installation is not changed
  behind the owner's back: they may share a folder with a backup user on purpose.
"""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Iterable
from pathlib import Path

PRIVATE_UMASK = 0o077

log = logging.getLogger(__name__)


def restrict_umask() -> int:
    """Make files and directories this process creates private; returns the old umask."""
    return os.umask(PRIVATE_UMASK)


def private_dir(path: Path) -> Path:
    """Create `path` (and missing parents) with the directory itself 0700, if missing."""
    if not path.exists():
        path.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.chmod(path, 0o700)  # mkdir's mode passes through the umask; be exact
    return path


def exposure(path: Path) -> str | None:
    """Why `path` is reachable by other users, with the fix; None if private or missing."""
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except OSError:
        return None
    if not mode & 0o077:
        return None
    fix = f"chmod -R go-rwx {path}" if path.is_dir() else f"chmod 600 {path}"
    return f"{path} can be read by other users of this machine (mode {mode:o}); run: {fix}"


def warn_if_exposed(paths: Iterable[Path]) -> list[str]:
    """Log a WARNING for each of `paths` that others can reach; returns the messages."""
    messages = [message for path in paths if (message := exposure(path)) is not None]
    for message in messages:
        log.warning("%s", message)
    return messages
