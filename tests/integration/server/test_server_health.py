"""The health endpoint and the schema: migrations produce exactly what the models say."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from fastapi.testclient import TestClient
from sqlalchemy import create_engine

from frontporch.server.db import Base
from frontporch.server.migrations import current_revision, head_revision
from frontporch.server.models import import_all_models


def test_healthz_reports_the_database(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}
    assert "default-src 'self'" in response.headers["content-security-policy"]


def test_migrations_match_the_models(database_url: str) -> None:
    import_all_models()
    engine = create_engine(database_url)
    try:
        assert current_revision(engine) == head_revision()
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, Base.metadata) == []
    finally:
        engine.dispose()
