"""Where browser tests save their screenshots.

By default a folder under the system's temp directory, so running the suite never
rewrites tracked files; `make screenshots` sets FRONTPORCH_SCREENSHOTS=docs/screenshots
to refresh the pictures the documentation shows.
"""

import os
import tempfile
from pathlib import Path

SCREENSHOTS = Path(
    os.environ.get("FRONTPORCH_SCREENSHOTS")
    or Path(tempfile.gettempdir()) / "frontporch-screenshots"
)
