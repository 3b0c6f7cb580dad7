"""`create_hub_app`: the one place the hub's web app is assembled.

Routers that need the owner carry `require_owner` as a router dependency, so a new
endpoint on them is protected without anyone remembering to; only /healthz and /login
are marked public here, and /static is open. The app refuses to start if any other
route lacks the owner check (`frontporch.web.routing`). The OpenAPI document is served
behind the same check at /api/openapi.json, and Swagger UI over it at /docs (its files
come from a wheel and are served behind the same check; nothing loads from the
internet).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI
from fastapi.templating import Jinja2Templates

from frontporch import __version__
from frontporch.apidocs import add_docs_routes
from frontporch.hub.alerts.service import AlertDesk
from frontporch.hub.backup.service import BackupDesk
from frontporch.hub.config import HubConfig
from frontporch.hub.controls import Controls
from frontporch.hub.exports.service import ExportDesk
from frontporch.hub.notices.service import NoticeDesk
from frontporch.hub.ports import HubRuntime, HubStorePort
from frontporch.hub.requests.service import RequestDesk
from frontporch.hub.review.service import ReviewDesk
from frontporch.hub.web import (
    account,
    alerts,
    api,
    backup,
    cameras,
    exports,
    live,
    members,
    metrics,
    notices,
    pages,
    pairing,
    push,
    requests,
    review,
    sharing,
    switches,
    timeline,
)
from frontporch.hub.web.auth import optional_owner, require_owner
from frontporch.hub.web.context import ConfigHolder, HubContext, hub_context
from frontporch.hub.web.errors import install_error_handlers
from frontporch.hub.web.middleware import HUB_POLICY, SessionCookieMiddleware
from frontporch.hub.web.pages import sentence
from frontporch.hub.web.request_views import human_bytes, words
from frontporch.hub.web.schemas import HealthOut, iso
from frontporch.hub.web.sessions import LoginRateLimiter, Owner, SessionAuth
from frontporch.hub.web.tokens import TokenAuth
from frontporch.web import frame
from frontporch.web.routing import PUBLIC, check_routes_guarded
from frontporch.web.security import SecurityMiddleware

HERE = Path(__file__).parent
# The dependencies that let the owner in and no one else (see auth.py).
GUARDS = frozenset({require_owner})

health = APIRouter()


@health.get(
    "/healthz",
    response_model=HealthOut,
    response_model_exclude_none=True,
    summary="Liveness (no sign-in needed)",
)
def healthz(
    context: Annotated[HubContext, Depends(hub_context)],
    owner: Annotated[Owner | None, Depends(optional_owner)],
) -> HealthOut:
    """Whether the hub answers; to the owner or an API token, also which cameras are
    online (a stranger on the network learns no camera names)."""
    if owner is None:
        return HealthOut(status="ok")
    runtime = context.runtime
    cameras = {name: runtime.camera_status(name).online for name in runtime.camera_names()}
    return HealthOut(status="ok", cameras=cameras)


def _openapi_router(app: FastAPI) -> APIRouter:
    router = APIRouter(dependencies=[Depends(require_owner)], include_in_schema=False)

    @router.get("/api/openapi.json")
    def openapi() -> dict[str, Any]:
        """The OpenAPI document of the JSON API."""
        return app.openapi()

    add_docs_routes(router, f"{app.title} API", app.description)
    return router


def _templates() -> Jinja2Templates:
    templates = frame.page_templates(HERE / "templates")
    templates.env.filters["iso"] = iso
    templates.env.filters["clock"] = _local_clock
    templates.env.filters["duration"] = _duration
    templates.env.filters["bytes"] = human_bytes
    templates.env.filters["sentence"] = sentence
    templates.env.filters["words"] = words
    templates.env.globals["version"] = __version__
    # Every page's navigation shows the number of open footage requests and of unread
    # legal notices.
    templates.context_processors.append(requests.nav_values)
    templates.context_processors.append(notices.nav_values)
    return templates


def _local_clock(ts: float) -> str:
    # Server-side fallback; static/hub.js rewrites <time> elements in the browser's zone.
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(ts))


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "ongoing"
    minutes, secs = divmod(round(seconds), 60)
    return f"{minutes} min {secs} s" if minutes else f"{secs} s"


def create_hub_app(
    config: HubConfig,
    store: HubStorePort,
    runtime: HubRuntime,
    *,
    secure_cookies: bool = False,
    clock: Callable[[], float] = time.time,
    desk: RequestDesk | None = None,
    notice_desk: NoticeDesk | None = None,
    controls: Controls | None = None,
    alert_desk: AlertDesk | None = None,
    backup_desk: BackupDesk | None = None,
    review_desk: ReviewDesk | None = None,
    export_desk: ExportDesk | None = None,
    config_path: Path | None = None,
) -> FastAPI:
    """Build the hub's web app over a store and a running hub.

    `secure_cookies` marks the session cookie Secure (set it when served over HTTPS);
    `clock` is the time source for sessions and rate limits (tests pass a fake one).
    `desk` is the hub's footage-request desk (the running hub's, so the pages and the
    server link share one); without it the app makes its own over `store`. `notice_desk`
    is the hub's legal-notice desk, likewise; `controls`, `alert_desk` and `backup_desk`
    the running hub's switches, alert desk and backup desk (made here, not started,
    when not given). `config_path` is the YAML file `config` was read from: without
    it the settings pages can show the cameras but not save changes.
    """
    app = FastAPI(
        title="Frontporch hub",
        version=__version__,
        description="The hub's local API. Every endpoint needs the owner's session.",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    app.state.hub = HubContext(
        holder=ConfigHolder(config, config_path),
        store=store,
        runtime=runtime,
        templates=_templates(),
        sessions=SessionAuth(store, clock, secure_cookies=secure_cookies),
        tokens=TokenAuth(store, clock),
        limiter=LoginRateLimiter(clock),
        metrics=metrics.build_registry(runtime),
        clock=clock,
    )
    app.state.requests = desk or RequestDesk(config, store, config.storage.path, clock=clock)
    app.state.notices = notice_desk or NoticeDesk(config, store, config.storage.path, clock=clock)
    app.state.controls = controls = controls or Controls(store, config.cameras, clock=clock)
    app.state.alerts = alert_desk or AlertDesk(
        config, store, config.storage.path, controls, clock=clock
    )
    app.state.backup = backup_desk or BackupDesk(config, store, config.storage.path, clock=clock)
    # The running hub's review desk; without one, items are read as stored (not followed).
    app.state.review = review_desk or ReviewDesk(lambda: app.state.hub.config, store, clock=clock)
    # Exports: the running hub's desk (which resumes unfinished jobs at its start),
    # or one made here whose worker starts with the first export.
    app.state.exports = export_desk or ExportDesk(
        store, config.storage.path, runtime.camera_names, clock=clock
    )
    install_error_handlers(app)
    app.add_middleware(SessionCookieMiddleware)
    app.add_middleware(SecurityMiddleware, policy=HUB_POLICY)
    frame.mount_static(app, HERE / "static")
    for open_router in (health, account.public):
        app.include_router(open_router, dependencies=[PUBLIC])
    for router in (
        account.protected,
        api.router,
        sharing.router,
        requests.router,
        requests.api_router,
        notices.router,
        alerts.router,
        push.router,
        backup.router,
        switches.router,
        timeline.router,
        exports.router,
        review.router,
        cameras.router,
        members.router,
        pairing.router,
        live.router,
        metrics.router,
        pages.router,
        _openapi_router(app),
    ):
        app.include_router(router)
    check_routes_guarded(app, GUARDS)
    return app
