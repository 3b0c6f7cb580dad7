"""What the figures were measured on: CPU, cores, library versions, load, date."""

from __future__ import annotations

import datetime as dt
import os
import platform
import sys
from pathlib import Path
from typing import Any


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _virtualised() -> bool:
    try:
        return " hypervisor " in f" {Path('/proc/cpuinfo').read_text()} "
    except OSError:
        return False


def load_average() -> tuple[float, float, float] | None:
    try:
        return os.getloadavg()
    except OSError:
        return None


def describe() -> dict[str, Any]:
    """The machine and software the benchmarks run on (imports the libraries measured)."""
    import av
    import cv2
    import numpy
    import psutil

    codec = ".".join(str(part) for part in av.library_versions["libavcodec"])
    return {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "cores_usable": len(os.sched_getaffinity(0)),
        "virtual_machine": _virtualised(),
        "memory_gib": round(psutil.virtual_memory().total / 2**30, 1),
        "os": f"{platform.system()} {platform.release()}",
        "python": sys.version.split()[0],
        "pyav": av.__version__,
        "ffmpeg": f"{getattr(av, 'ffmpeg_version_info', '?')} (libavcodec {codec})",
        "numpy": numpy.__version__,
        "opencv": cv2.__version__,
        "load_average_before": load_average(),
    }
