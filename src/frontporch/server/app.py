"""`create_app(settings)`: the one place the community server is assembled.

It builds the engine, mailer, blob store and templates from the settings, mounts every
area's routers, and refuses to start if any route is neither guarded nor marked public
(`routing.check_routes_guarded`). Nothing here runs at import time.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.templating import Jinja2Templates

from frontporch import __version__
from frontporch.apidocs import add_docs_routes
from frontporch.server import health, wiring
from frontporch.server.accounts import account_pages, pages
from frontporch.server.accounts import endpoints as account_endpoints
from frontporch.server.accounts.auth import optional_subject
from frontporch.server.accounts.lockout import PRUNE_INTERVAL_S, prune_throttles
from frontporch.server.agencies import application_pages as agency_application_pages
from frontporch.server.agencies import endpoints as agency_endpoints
from frontporch.server.agencies import operator_pages as agency_operator_pages
from frontporch.server.agencies import pages as agency_pages
from frontporch.server.agreements import endpoints as agreement_endpoints
from frontporch.server.agreements import pages as agreement_pages
from frontporch.server.backups import endpoints as backup_endpoints
from frontporch.server.backups import pages as backup_pages
from frontporch.server.backups.jobs import sweep_job as backup_sweep_job
from frontporch.server.backups.jobs import unrecorded_job as backup_unrecorded_job
from frontporch.server.backups.logs import install_access_log_filter as hide_backup_keys
from frontporch.server.blobs import BlobStore, FilesystemBlobStore
from frontporch.server.blobs_s3 import S3BlobStore, S3Options
from frontporch.server.context import ServerContext
from frontporch.server.db import make_engine, make_sessionmaker, utcnow
from frontporch.server.errors import install_error_handlers
from frontporch.server.evidence import endpoints as evidence_endpoints
from frontporch.server.evidence import pages as evidence_pages
from frontporch.server.evidence.expiry import deletion_job
from frontporch.server.feed import live, templating
from frontporch.server.feed.comments import endpoints as comment_endpoints
from frontporch.server.feed.comments import pages as comment_pages
from frontporch.server.feed.moderation import endpoints as moderation_endpoints
from frontporch.server.feed.moderation import pages as moderation_pages
from frontporch.server.feed.notifications import endpoints as notification_endpoints
from frontporch.server.feed.notifications import pages as notification_pages
from frontporch.server.feed.posts import endpoints as post_endpoints
from frontporch.server.feed.posts import pages as feed_pages
from frontporch.server.feed.posts import post_page
from frontporch.server.feed.posts.pagecache import FeedPageCache
from frontporch.server.homes import churn as churn_pages
from frontporch.server.homes import endpoints as home_endpoints
from frontporch.server.homes import pages as home_pages
from frontporch.server.hubs import endpoints as hub_endpoints
from frontporch.server.hubs import pages as hub_pages
from frontporch.server.legal import endpoints as legal_endpoints
from frontporch.server.legal import pages as legal_pages
from frontporch.server.legal.notices import notices_job
from frontporch.server.mail import Mailer, OutboxMailer, SmtpMailer
from frontporch.server.middleware import ServerHeadersMiddleware
from frontporch.server.periodic import PeriodicJob, running
from frontporch.server.report import endpoints as report_endpoints
from frontporch.server.report import pages as report_pages
from frontporch.server.report.service import RunningReport
from frontporch.server.requests import endpoints as request_endpoints
from frontporch.server.requests import pages as request_pages
from frontporch.server.requests.jobs import expiry_job
from frontporch.server.routing import check_routes_guarded
from frontporch.server.settings import ServerSettings, SettingsError, ensure_secret_key
from frontporch.server.transparency import endpoints as log_endpoints
from frontporch.server.transparency import pages as log_pages
from frontporch.server.transparency.checkpointer import checkpointer
from frontporch.server.transparency.keys import load_log_keys
from frontporch.web import frame
from frontporch.web.routing import public_router

HERE = Path(__file__).parent
log = logging.getLogger(__name__)


def build_mailer(settings: ServerSettings) -> Mailer:
    """SMTP if configured, else (development only) the outbox directory."""
    if settings.smtp_host:
        return SmtpMailer(
            settings.smtp_host,
            settings.smtp_port,
            settings.smtp_from,
            username=settings.smtp_username,
            password=settings.smtp_password.get_secret_value() if settings.smtp_password else None,
            starttls=settings.smtp_starttls,
            timeout_s=settings.smtp_timeout_s,
        )
    return OutboxMailer(settings.data_dir / "outbox", settings.smtp_from)


def build_blobs(settings: ServerSettings) -> BlobStore:
    """The configured blob store: S3-compatible storage, or files in data_dir/blobs.

    Building it makes no request; `serve` checks the bucket before listening.
    """
    if settings.blob_backend == "s3":
        bucket, key_id, secret = (
            settings.s3_bucket,
            settings.s3_access_key_id,
            settings.s3_secret_access_key,
        )
        if not (bucket and key_id and secret):  # the settings validator refuses this too
            raise SettingsError("blob_backend 's3' needs s3_bucket and both S3 keys")
        return S3BlobStore.connect(
            S3Options(
                bucket=bucket,
                endpoint_url=settings.s3_endpoint_url,
                region=settings.s3_region,
                prefix=settings.s3_prefix,
                path_style=settings.s3_path_style,
                connect_timeout_s=settings.s3_connect_timeout_s,
                read_timeout_s=settings.s3_read_timeout_s,
                max_attempts=settings.s3_max_attempts,
            ),
            key_id,
            secret,
        )
    return FilesystemBlobStore(settings.data_dir / "blobs")


def build_templates() -> Jinja2Templates:
    """The page templates, with the version available to every page."""
    templates = frame.page_templates(HERE / "templates")
    templates.env.globals["version"] = __version__
    templates.env.filters["when"] = _when
    return templates


def _when(moment: datetime | None) -> str:
    # Server-side fallback; static/server.js rewrites <time> in the browser's zone.
    return "never" if moment is None else moment.strftime("%Y-%m-%d %H:%M UTC")


def _openapi_router(app: FastAPI) -> Any:
    router = public_router(include_in_schema=False)

    @router.get("/api/openapi.json")
    def openapi() -> dict[str, Any]:
        """The OpenAPI document of the JSON API."""
        return app.openapi()

    add_docs_routes(router, f"{app.title} API", app.description)
    return router


def create_app(
    settings: ServerSettings,
    *,
    mailer: Mailer | None = None,
    blobs: BlobStore | None = None,
    clock: Callable[[], datetime] = utcnow,
) -> FastAPI:
    """Build the server's web app. `mailer`, `blobs` and `clock` replace the defaults."""
    secret_key = ensure_secret_key(settings)
    log_keys = load_log_keys(settings)  # refuses production without a checkpoint key
    if settings.resolved_database_url.startswith("sqlite"):
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.resolved_database_url, settings.database_pool_size)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        context = app.state.server
        with running(
            checkpointer(context, log_keys),
            expiry_job(context, log_keys),
            PeriodicJob("throttle-pruner", PRUNE_INTERVAL_S, lambda: prune_throttles(context)),
            deletion_job(context),
            notices_job(context, log_keys),
            backup_sweep_job(context),
            backup_unrecorded_job(context),
        ):
            yield
        engine.dispose()

    app = FastAPI(
        lifespan=lifespan,
        title="Frontporch community server",
        version=__version__,
        description="Accounts, homes and the Neighbors feed. Errors are "
        '`{"error", "detail", "field"?}`; sign in with the session cookie (send '
        "X-CSRF-Token on changes) or `Authorization: Bearer <API token>`. Hub endpoints "
        "(/api/hub/…) take `Authorization: Bearer <hub credential>` instead.",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    blobs = blobs or build_blobs(settings)
    app.state.server = ServerContext(
        settings=settings,
        engine=engine,
        sessions=make_sessionmaker(engine),
        mailer=mailer or build_mailer(settings),
        blobs=blobs,
        templates=build_templates(),
        clock=clock,
        secret_key=secret_key,
        announcements=wiring.announcements(blobs),
        page_header=wiring.page_header(),
    )
    app.state.log_keys = log_keys
    app.state.running_report = RunningReport(app.state.server.sessions, clock)
    app.state.feed_pages = FeedPageCache(settings.feed_cache_pages)
    app.state.live_probes = live.build_probes(app.state.server.sessions, settings)
    templating.install(app.state.server.templates.env)
    install_error_handlers(app, page_subject=optional_subject)
    hide_backup_keys()  # the access log must not show backup object keys
    app.add_middleware(ServerHeadersMiddleware, base_url=settings.base_url)
    frame.mount_static(app, HERE / "static")
    # Routes match in order: the feed's API, the busiest, first; `/posts/new` before
    # `/posts/{post_id}`.
    for router in (
        health.router,
        *post_endpoints.ROUTERS,
        *comment_endpoints.ROUTERS,
        *moderation_endpoints.ROUTERS,
        *notification_endpoints.ROUTERS,
        *agency_endpoints.ROUTERS,
        *request_endpoints.ROUTERS,
        *legal_endpoints.ROUTERS,
        *account_endpoints.ROUTERS,
        *pages.ROUTERS,
        *account_pages.ROUTERS,
        *home_endpoints.ROUTERS,
        *hub_endpoints.ROUTERS,
        *evidence_endpoints.ROUTERS,
        *backup_endpoints.ROUTERS,
        *live.ROUTERS,
        *feed_pages.ROUTERS,
        *post_page.ROUTERS,
        *comment_pages.ROUTERS,
        *moderation_pages.ROUTERS,
        *notification_pages.ROUTERS,
        *home_pages.ROUTERS,
        *agency_pages.ROUTERS,
        *request_pages.ROUTERS,
        *evidence_pages.ROUTERS,
        *legal_pages.ROUTERS,
        *agency_application_pages.ROUTERS,
        *agency_operator_pages.ROUTERS,
        *churn_pages.ROUTERS,
        *hub_pages.ROUTERS,
        *log_endpoints.ROUTERS,
        *log_pages.ROUTERS,
        *agreement_endpoints.ROUTERS,
        *agreement_pages.ROUTERS,
        *report_endpoints.ROUTERS,
        *report_pages.ROUTERS,
        *backup_pages.ROUTERS,
        _openapi_router(app),
    ):
        app.include_router(router)
    check_routes_guarded(app)
    return app
