"""Running the server: migrate (or check the schema), build the app, serve with uvicorn."""

from __future__ import annotations

import logging

import uvicorn

from frontporch.filemodes import private_dir, restrict_umask, warn_if_exposed
from frontporch.server.accounts.models import Role
from frontporch.server.accounts.repository import UserRepository
from frontporch.server.accounts.service import normalize_email
from frontporch.server.blobs import BlobError, BlobStore
from frontporch.server.blobs_s3 import S3BlobStore
from frontporch.server.db import make_engine, make_sessionmaker
from frontporch.server.errors import ServerError
from frontporch.server.kit.announcements import Announcements
from frontporch.server.mail import mask_email
from frontporch.server.migrations import current_revision, head_revision, upgrade_to_head
from frontporch.server.settings import ServerSettings, SettingsError
from frontporch.server.wiring import ROLE_CHANGED

log = logging.getLogger(__name__)


def prepare_database(settings: ServerSettings) -> None:
    """Development: migrate to head. Production: refuse to run on an outdated schema.

    Several production processes must not race to migrate; the operator runs
    `frontporch server migrate` once per upgrade.
    """
    url = settings.resolved_database_url
    if url.startswith("sqlite"):
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    if settings.environment == "development":
        upgrade_to_head(url)
        return
    engine = make_engine(url)
    try:
        current = current_revision(engine)
    finally:
        engine.dispose()
    if current != head_revision():
        raise SettingsError(
            f"the database schema is at {current or 'nothing'}, the server needs "
            f"{head_revision()}: run `frontporch server migrate` first"
        )


def serve(settings: ServerSettings) -> None:
    """Serve until interrupted."""
    from frontporch.server.app import create_app

    # server.db holds TOTP secrets and password hashes, data_dir the secret key and
    # blobs: every file this process creates is 0600, the data directory 0700.
    restrict_umask()
    private_dir(settings.data_dir)
    warn_if_exposed([settings.data_dir, settings.data_dir / "server.db"])
    prepare_database(settings)
    app = create_app(settings)
    check_blob_store(app.state.server.blobs)
    log.info(
        "community server on http://%s:%d (%s)", settings.host, settings.port, settings.environment
    )
    # proxy_headers=False: uvicorn must not rewrite the client from X-Forwarded-For
    # itself. The app does it (context.client_address, from `trusted_proxies`), so there
    # is one rule, one setting, and it holds under any ASGI server and in the tests.
    uvicorn.run(app, host=settings.host, port=settings.port, log_level="info", proxy_headers=False)


def check_blob_store(blobs: BlobStore) -> None:
    """Refuse to start on object storage that cannot be used (no bucket, wrong keys).

    Better a clear message now than a failed upload later; the filesystem store needs
    no check (its directory is made on the first write).
    """
    if isinstance(blobs, S3BlobStore):
        try:
            blobs.check()
        except BlobError as exc:
            raise SettingsError(f"blob storage: {exc}") from exc


def grant_role(settings: ServerSettings, email: str, role: Role) -> None:
    """Give an existing account a role (how the first operator is made)."""
    engine = make_engine(settings.resolved_database_url)
    try:
        with make_sessionmaker(engine).begin() as db:
            address = normalize_email(email)
            user = UserRepository(db).find_by_email_for_authentication(address)
            if user is None:
                raise ServerError("no such account", f"No account uses {mask_email(address)}.")
            user.role = role.value
            Announcements(role_changed=ROLE_CHANGED).changed_role(db, user.id, role.value)
    finally:
        engine.dispose()
