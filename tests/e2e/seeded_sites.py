"""Both services served over real HTTP with something on every page, for the browser
passes that visit every page as every role (tests/e2e/test_accessibility.py,
tests/e2e/test_long_text.py).

Everything people can type is seeded as long unbroken text (a title of 120 characters
without a space, home and token names, comments, a report's reason, an agency's name, a
logged policy summary, a camera name of 63 characters, a shared post's title), so the
same pages also show whether such text stays inside a phone's width.

`ServerSite.pages` and `HubSite.pages` map every page route of each service to a
concrete path; `unvisited_pages` lists the page routes an app has beyond them, so a new
page cannot be left out of the passes by forgetting it here.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from playwright.sync_api import Browser, BrowserContext, Page

from fakes import (
    OWNER_PASSWORD,
    FakeClock,
    FakeRuntime,
    FakeStore,
    camera_status,
    cheap_password_hashing,
    hub_config,
    make_event,
)
from feed_tools import miles_from
from frontporch.hub.web.app import create_hub_app
from frontporch.hub.web.passwords import set_owner_password
from frontporch.server.accounts.models import Role
from frontporch.server.transparency.service import append_entries
from frontporch.translog.entries import PolicyChanged
from homes_tools import CHICAGO, add_home
from server_fixtures import PASSWORD, Account
from server_fixtures import FakeClock as ServerClock
from server_harness import ServerHarness
from server_live import served_sqlite_server, serving

VIEWPORTS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}
ROLES = ("anonymous", "resident", "agency", "operator")


def unbroken(prefix: str, length: int) -> str:
    """`prefix` followed by letters up to `length` characters, with no space to break at."""
    filler = "Longunbrokenword" * (length // 16 + 1)
    return (prefix + filler)[:length]


POST_TITLE = unbroken("Suspiciousvan", 120)
POST_BODY = unbroken("Description", 400)
HOME_NAME = unbroken("MapleStreet", 100)
TOKEN_NAME = unbroken("Prometheus", 100)
COMMENT = unbroken("Sameonelmlastweek", 600)
REPORT_REASON = unbroken("Describesaperson", 300)
AGENCY_NAME = unbroken("Countysheriff", 200)
POLICY_SUMMARY = unbroken("Retentionpolicy", 400)
CAMERA_NAME = "frontporch-" + "x" * 52  # the longest name a camera may have (63)
SHARED_TITLE = unbroken("Parcelthief", 120)


@dataclass
class ServerSite:
    """The served server: its URL, its harness, the accounts of each role, and the
    concrete path of every page."""

    url: str
    harness: ServerHarness
    accounts: dict[str, Account]
    pages: dict[str, str]


def _seed_server(harness: ServerHarness, app: FastAPI) -> tuple[dict[str, Account], dict[str, str]]:
    resident = harness.account()
    home = add_home(resident, HOME_NAME)
    neighbor = harness.account()
    add_home(neighbor, "Elm", miles_from(CHICAGO, 0.5, 90))
    operator = harness.account(Role.OPERATOR, mfa_on=True)
    agency = harness.account(Role.AGENCY_MEMBER, mfa_on=True)

    post = resident.client.post(
        "/api/posts",
        json={"home_id": home["id"], "category": "suspicious_activity",
              "title": POST_TITLE, "body": POST_BODY},
    )  # fmt: skip
    assert post.status_code == 201, post.text
    post_id = post.json()["id"]
    for _ in range(2):
        comment = neighbor.client.post(f"/api/posts/{post_id}/comments", json={"body": COMMENT})
        assert comment.status_code == 201, comment.text
    report = neighbor.client.post(f"/api/posts/{post_id}/reports", json={"reason": REPORT_REASON})
    assert report.status_code in (200, 201), report.text
    token = resident.client.post("/api/account/tokens", json={"name": TOKEN_NAME})
    assert token.status_code in (200, 201), token.text

    made = operator.client.post("/api/operator/agencies", json={"name": AGENCY_NAME})
    assert made.status_code in (200, 201), made.text
    member_id = agency.client.get("/api/account").json()["id"]
    attached = operator.client.put(
        f"/api/operator/users/{member_id}/agency", json={"agency_id": made.json()["id"]}
    )
    assert attached.status_code == 200, attached.text

    context = app.state.server
    with context.sessions.begin() as db:
        [entry] = append_entries(
            db,
            [PolicyChanged(at="2026-12-01T12:00:00Z", policy_sha256="ab" * 32,
                           summary=POLICY_SUMMARY)],
            context.clock,
        )  # fmt: skip

    pages = {
        "/": "/",
        "/sign-up": "/sign-up",
        "/sign-in": "/sign-in",
        "/sign-in/two-factor": "/sign-in/two-factor",
        "/verify-email": "/verify-email?token=not-a-real-token",
        "/forgot-password": "/forgot-password",
        "/reset-password": "/reset-password?token=not-a-real-token",
        "/account": "/account",
        "/account/two-factor": "/account/two-factor",
        "/feed": "/feed",
        "/posts/new": "/posts/new",
        "/posts/{post_id}": f"/posts/{post_id}",
        "/moderation": "/moderation",
        "/notifications": "/notifications",
        "/homes": "/homes",
        "/homes/new": "/homes/new",
        "/homes/{home_id}": f"/homes/{home['id']}",
        "/invitations/accept": "/invitations/accept?token=not-a-real-token",
        "/agency": "/agency",
        "/operator/homes": "/operator/homes",
        "/transparency": "/transparency",
        "/transparency/entries/{index}": f"/transparency/entries/{entry}",
        "/docs": "/docs",
    }
    accounts = {"resident": resident, "agency": agency, "operator": operator}
    return accounts, pages


# Page routes that are not pages a person reads: files, tiles, scripts.
NOT_PAGES = ("/api/", "/log/", "/static", "/docs/", "/healthz", "/metrics")


def unvisited_pages(app: FastAPI, pages: dict[str, str]) -> set[str]:
    """The app's GET routes that render a page but have no entry in `pages`."""
    routes = {
        str(context.path)
        for context in iter_route_contexts(app.routes)
        if isinstance(context.original_route, APIRoute)
        and "GET" in (context.methods or set())
        and not str(context.path).startswith(NOT_PAGES)
    }
    return routes - set(pages)


@contextmanager
def server_site(folder: Path) -> Iterator[ServerSite]:
    """The server on SQLite under `folder`, seeded, served until the block ends."""
    with served_sqlite_server(folder, clock=ServerClock(), map_center=CHICAGO) as (base, harness):
        accounts, pages = _seed_server(harness, harness.app)
        yield ServerSite(base, harness, accounts, pages)


def signed_in_server_context(browser: Browser, site: ServerSite, role: str) -> BrowserContext:
    """A browser context of `role` ('anonymous' stays signed out), signed in through the
    sign-in page (and its two-factor step, with a code computed from the seed)."""
    context = browser.new_context(viewport=VIEWPORTS["desktop"])
    if role == "anonymous":
        return context
    account = site.accounts[role]
    page = context.new_page()
    page.goto(f"{site.url}/sign-in", wait_until="domcontentloaded")
    page.get_by_label("Email").fill(account.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state("domcontentloaded")
    if account.totp_secret:
        page.get_by_label("Code from your authenticator app").fill(
            site.harness.next_code(account.totp_secret)
        )
        page.get_by_role("button", name="Continue").click()
        page.wait_for_load_state("domcontentloaded")
    assert "/sign-in" not in page.url, f"{role} did not get signed in: {page.url}"
    page.close()
    return context


@dataclass
class HubSite:
    """The served hub (over the in-memory fakes), and the concrete path of every page."""

    url: str
    app: FastAPI
    pages: dict[str, str]


def _jpeg(width: int = 640, height: int = 360) -> bytes:
    image = np.full((height, width, 3), (58, 64, 72), np.uint8)
    cv2.rectangle(image, (200, 100), (260, 300), (200, 180, 160), -1)
    ok, data = cv2.imencode(".jpg", image)
    assert ok
    return data.tobytes()


@contextmanager
def hub_site(folder: Path) -> Iterator[HubSite]:
    """The hub's web app with a camera of the longest name and an event shared under a
    long title, served until the block ends."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        cheap_password_hashing(monkeypatch)
        clock = FakeClock()
        clock.now = time.time()
        store = FakeStore()
        set_owner_password(store, OWNER_PASSWORD, now=clock.now - 60)
    snapshot = folder / "snap.jpg"
    snapshot.write_bytes(_jpeg())
    runtime = FakeRuntime(
        {CAMERA_NAME: camera_status(CAMERA_NAME), "back": camera_status("back", online=False)},
        frame=_jpeg(),
    )
    app = create_hub_app(hub_config(CAMERA_NAME, "back"), store, runtime, clock=clock)
    for number, camera in enumerate((CAMERA_NAME, CAMERA_NAME, "back")):
        event_id = f"e-{number}"
        store.add_event(
            make_event(event_id, camera, clock.now - 600 * (number + 1), snapshot="snap.jpg")
        )
        runtime.snapshots[event_id] = snapshot
    store.record_publication(
        "e-0", post_id="p-1", url="http://127.0.0.1:9/posts/p-1", media="snapshot",
        category="suspicious_activity", title=SHARED_TITLE, now=clock.now,
    )  # fmt: skip
    pages = {
        "/": "/",
        "/login": "/login",
        "/account": "/account",
        "/cameras/{name}": f"/cameras/{CAMERA_NAME}",
        "/events": "/events",
        "/events/{event_id}": "/events/e-0",
        "/docs": "/docs",
    }
    with serving(app) as base:
        yield HubSite(base, app, pages)


def signed_in_hub_context(browser: Browser, site: HubSite) -> BrowserContext:
    """A browser context signed in to the hub through its sign-in page."""
    context = browser.new_context(viewport=VIEWPORTS["desktop"])
    page = context.new_page()
    page.goto(f"{site.url}/login", wait_until="domcontentloaded")
    page.get_by_label("Password").fill(OWNER_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{site.url}/", wait_until="domcontentloaded")
    page.close()
    return context


def open_page(page: Page, url: str) -> None:
    """Go to `url` and wait until its images have loaded (pictures change the layout)."""
    page.goto(url, wait_until="domcontentloaded")
    page.wait_for_function(
        "() => [...document.images].every((img) => img.complete || img.loading === 'lazy')",
        timeout=10_000,
    )
