"""A browser per test module, and the seeded sites the page-by-page passes share."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, sync_playwright
from seeded_sites import HubSite, ServerSite, hub_site, server_site

from browser import launch


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = launch(playwright)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def seeded_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerSite]:
    """The server with long text seeded wherever people type (`seeded_sites.py`)."""
    with server_site(tmp_path_factory.mktemp("server")) as site:
        yield site


@pytest.fixture(scope="module")
def seeded_hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HubSite]:
    """A hub with a long camera name and a shared event (`seeded_sites.py`)."""
    with hub_site(tmp_path_factory.mktemp("hub")) as site:
        yield site
