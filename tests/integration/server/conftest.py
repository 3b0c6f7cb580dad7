"""Fixtures of the community server's integration tests: every test runs once on SQLite
and once on PostgreSQL (a throwaway cluster), each on a freshly migrated database, with
mail going to a real local SMTP server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from frontporch.server.app import create_app
from frontporch.server.settings import ServerSettings
from server_fixtures import (
    DatabaseFactory,
    FakeClock,
    PostgresCluster,
    SmtpServer,
    free_port,
    make_settings,
    postgres_cluster,
    smtp_server,
)
from server_harness import ServerHarness
from server_live import serving

TEST_SECRET = "test-secret-key-for-the-frontporch-suite-0123456789"


@pytest.fixture(scope="session")
def smtp() -> Iterator[SmtpServer]:
    yield from smtp_server()


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[PostgresCluster]:
    yield from postgres_cluster()


@pytest.fixture(scope="session")
def sqlite_databases(tmp_path_factory: pytest.TempPathFactory) -> DatabaseFactory:
    return DatabaseFactory("sqlite", tmp_path_factory.mktemp("sqlite"), None)


@pytest.fixture(scope="session")
def postgresql_databases(
    pg_cluster: PostgresCluster, tmp_path_factory: pytest.TempPathFactory
) -> DatabaseFactory:
    return DatabaseFactory("postgresql", tmp_path_factory.mktemp("pg"), pg_cluster)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    # Parametrized here, not in the fixture's decorator: the 'postgres' marker only
    # exists once pytest_configure above has run, after this module was imported.
    if "database_url" in metafunc.fixturenames:
        metafunc.parametrize(
            "database_url",
            ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)],
            indirect=True,
        )


@pytest.fixture
def database_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """A freshly migrated database, on SQLite and on PostgreSQL."""
    factory: DatabaseFactory = request.getfixturevalue(f"{request.param}_databases")
    url = factory.create()
    yield url
    factory.drop(url)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def settings(
    database_url: str, tmp_path: Path, smtp: SmtpServer, request: pytest.FixtureRequest
) -> ServerSettings:
    if request.node.get_closest_marker("served") is None:
        return make_settings(database_url, tmp_path, smtp)
    # Served over real HTTP: a hub signs for the origin it talks to, so the server's
    # base_url must be that origin.
    port = request.getfixturevalue("port")
    return make_settings(
        database_url, tmp_path / "server", smtp, base_url=f"http://127.0.0.1:{port}"
    )


@pytest.fixture
def port() -> int:
    """The port a `served` test's app listens on."""
    return free_port()


@pytest.fixture
def live(app: FastAPI, port: int) -> Iterator[str]:
    """The app served over real HTTP on `port` (tests marked `served`); its base URL."""
    with serving(app, port) as url:
        yield url


@pytest.fixture
def app(settings: ServerSettings, clock: FakeClock) -> Iterator[FastAPI]:
    application = create_app(settings, clock=clock)
    yield application
    application.state.server.engine.dispose()


@pytest.fixture
def server(app: FastAPI, smtp: SmtpServer, clock: FakeClock) -> Iterator[ServerHarness]:
    smtp.mailbox.clear()
    harness = ServerHarness(app, smtp.mailbox, clock)
    yield harness
    harness.close()


@pytest.fixture
def client(server: ServerHarness) -> TestClient:
    return server.new_client()
