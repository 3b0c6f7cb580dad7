"""Which system services the test groups need, and whether this machine has them."""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
from functools import cache
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
SYSTEM_PYTHON = Path("/usr/bin/python3")
# axe-core from the npm registry, pinned in tests/e2e/axe/package-lock.json; `make test`
# installs it there with `npm ci`. Dev tooling runs from a checkout, so it is found
# beside this source tree.
REPOSITORY = Path(__file__).resolve().parents[3]
AXE_SCRIPT = REPOSITORY / "tests" / "e2e" / "axe" / "node_modules" / "axe-core" / "axe.min.js"

_PROBE_RTSP = (
    "import gi; gi.require_version('Gst', '1.0'); gi.require_version('GstRtspServer', '1.0'); "
    "from gi.repository import Gst, GstRtspServer; Gst.init(None); "
    "import sys; sys.exit(0 if Gst.ElementFactory.find('rtph264pay') else 3)"
)


def _rtsp_server_available() -> bool:
    if not SYSTEM_PYTHON.exists():
        return False
    try:
        probe = subprocess.run(
            [str(SYSTEM_PYTHON), "-c", _PROBE_RTSP], capture_output=True, timeout=30, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return probe.returncode == 0


def mosquitto_binary() -> Path | None:
    """Debian's Mosquitto broker (the tests start their own on a free port)."""
    found = shutil.which("mosquitto") or (
        "/usr/sbin/mosquitto" if Path("/usr/sbin/mosquitto").exists() else None
    )
    return Path(found) if found else None


def postgres_bin_dir() -> Path | None:
    """The newest Debian-style PostgreSQL server binaries (initdb, postgres), if installed."""
    candidates = sorted(
        Path("/usr/lib/postgresql").glob("*/bin"),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
    )
    for directory in reversed(candidates):
        if (directory / "initdb").exists() and (directory / "postgres").exists():
            return directory
    initdb = shutil.which("initdb")
    if initdb and shutil.which("postgres"):
        return Path(initdb).parent
    return None


def _postgres_problem() -> str | None:
    if postgres_bin_dir() is None:
        return "PostgreSQL server binaries are not installed (apt-get install postgresql)"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root, but there is no 'postgres' user to run initdb as"
    return None


@cache
def missing_services() -> dict[str, str]:
    """Map each test marker whose service is missing to what to install."""
    missing: dict[str, str] = {}
    if not CHROMIUM.exists():
        missing["browser"] = "Chromium is not installed (apt-get install chromium)"
    if not _rtsp_server_available():
        missing["rtsp"] = (
            "GStreamer's RTSP server is not available to /usr/bin/python3 (apt-get install "
            "gstreamer1.0-rtsp gir1.2-gst-rtsp-server-1.0 python3-gi gstreamer1.0-plugins-good)"
        )
    if shutil.which("ffprobe") is None:
        missing["ffprobe"] = "ffprobe is not installed (apt-get install ffmpeg)"
    if shutil.which("age") is None:
        # Evidence must open with the stock tool, so a test proves it does.
        missing["age"] = "the age tool is not installed (apt-get install age)"
    if not AXE_SCRIPT.exists():
        missing["axe"] = (
            "axe-core is not installed (apt-get install npm; then `make test` runs "
            "`npm ci --prefix tests/e2e/axe`)"
        )
    if mosquitto_binary() is None:
        missing["mqtt"] = "the Mosquitto MQTT broker is not installed (apt-get install mosquitto)"
    postgres = _postgres_problem()
    if postgres is not None:
        missing["postgres"] = postgres
    return missing
