"""What the pages of both apps share: the page frame template and the static files it
names (the base stylesheet and the icon).

Each app looks up a template in its own folder first, then in this package's
`templates/` (so an app's `base.html` extends `page.html`), and serves this package's
`static/` at `/static/web/`, next to its own `/static/`; both are same-origin, so each
app's `'self'` content policy covers them.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

HERE = Path(__file__).parent
SHARED_STATIC_PATH = "/static/web"


def page_templates(app_templates: Path) -> Jinja2Templates:
    """The templates in `app_templates`, then the shared ones."""
    return Jinja2Templates(directory=[app_templates, HERE / "templates"])


def mount_static(app: FastAPI, app_static: Path) -> None:
    """Serve the shared static files at /static/web/ and the app's own at /static/."""
    app.mount(SHARED_STATIC_PATH, StaticFiles(directory=HERE / "static"), name="web-static")
    app.mount("/static", StaticFiles(directory=app_static), name="static")
