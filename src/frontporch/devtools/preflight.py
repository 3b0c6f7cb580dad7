"""Say plainly which test groups can run on this machine, before the suite starts.

`make test` runs this first. A group whose system service is missing is skipped with
its reason and the command that installs it; with CI=true a missing service is an
error instead, because CI must run everything.
"""

from __future__ import annotations

import os
import sys

from frontporch.devtools.services import missing_services


def main() -> int:
    missing = missing_services()
    if not missing:
        print(
            "preflight: every test group can run "
            "(Chromium, GStreamer RTSP server, ffprobe, age, axe-core, PostgreSQL)."
        )
        return 0
    ci = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
    for group, why in missing.items():
        print(f"preflight: {'MISSING' if ci else 'skipping'} '{group}' tests: {why}")
    if ci:
        print("preflight: CI=true runs every group; install the packages above (see .ci/run).")
        return 1
    print("preflight: the rest of the suite runs; `sudo .ci/run` installs everything.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
