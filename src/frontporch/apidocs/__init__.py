"""`/docs`: Swagger UI for a service's JSON API, served by the service itself.

Both the community server and the hub describe their API at /api/openapi.json. The
conventional /docs page shows it with Swagger UI, whose files come from the
swagger-ui-bundle-v2 wheel (pinned in the lock) and are served under /docs/static: a
browser opening /docs loads nothing from the internet, and the pages' strict CSP
(`script-src 'self'`, no inline script) holds, because the page starts Swagger UI from
a script file of ours that reads the document's address from a data attribute.

Each app adds the routes to a router of its own choosing, so the server can show its
docs to anyone and the hub only to its signed-in owner. The files are routes on that
router too (not a mount, which no router dependency guards), and only the files the
page loads are served.
"""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter
from fastapi import Path as PathParam
from fastapi.responses import FileResponse, HTMLResponse
from swagger_ui_bundle import swagger_ui_path

DOCS_PATH = "/docs"
STATIC_PATH = "/docs/static"
OPENAPI_PATH = "/api/openapi.json"
SWAGGER_UI = Path(str(swagger_ui_path))
OURS = Path(__file__).parent
# Every file the page loads, and where it lies: Swagger UI's from the wheel, and ours
# (the script that starts it, and a stylesheet that fixes its contrast).
FILES = {
    "swagger-ui.css": SWAGGER_UI,
    "index.css": SWAGGER_UI,
    "swagger-ui-bundle.js": SWAGGER_UI,
    "favicon-32x32.png": SWAGGER_UI,
    "frontporch-docs.js": OURS,
    "frontporch-docs.css": OURS,
}
DocsFile = Literal[
    "swagger-ui.css",
    "index.css",
    "swagger-ui-bundle.js",
    "favicon-32x32.png",
    "frontporch-docs.js",
    "frontporch-docs.css",
]
MEDIA_TYPES = {".css": "text/css", ".js": "text/javascript", ".png": "image/png"}

_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<link rel="stylesheet" href="{static}/swagger-ui.css">
<link rel="stylesheet" href="{static}/index.css">
<link rel="stylesheet" href="{static}/frontporch-docs.css">
<link rel="icon" type="image/png" href="{static}/favicon-32x32.png">
</head>
<body>
<header class="swagger-ui"><div class="information-container wrapper">
<h1 class="title">{title}</h1>
<p>{description}</p>
<p>The OpenAPI document: <a href="{openapi}">{openapi}</a></p>
</div></header>
<main id="swagger-ui" data-openapi="{openapi}"><p>Loading the operations…</p></main>
<script src="{static}/swagger-ui-bundle.js"></script>
<script src="{static}/frontporch-docs.js"></script>
</body>
</html>
"""


def add_docs_routes(router: APIRouter, title: str, description: str) -> None:
    """Add GET /docs (the page) and /docs/static/{name} (the files it loads) to `router`,
    which decides who may see them.

    The page shows the API's title and description itself, above Swagger UI's list of
    operations (Swagger UI's own header has too little contrast for WCAG AA)."""
    page = _PAGE.format(
        title=escape(title),
        description=escape(description),
        static=STATIC_PATH,
        openapi=OPENAPI_PATH,
    )

    @router.get(DOCS_PATH, response_class=HTMLResponse)
    def docs() -> HTMLResponse:
        """Swagger UI over this service's OpenAPI document."""
        return HTMLResponse(page)

    @router.get(f"{STATIC_PATH}/{{name}}")
    def docs_static(name: Annotated[DocsFile, PathParam()]) -> FileResponse:
        """One of the files the page loads (Swagger UI's from the installed wheel)."""
        path = FILES[name] / name
        return FileResponse(path, media_type=MEDIA_TYPES[path.suffix])
