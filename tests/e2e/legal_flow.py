"""Both sites of the legal-demand flow, set up with real parts, for
tests/e2e/test_legal_report_browser.py.

The community server is the footage-request flow's (`request_flow.server_side`): served
over real HTTP on SQLite, an operator with two-factor, a registered agency and its
member, a resident with a home in Chicago. The server's clock is settable; the periodic
jobs do not run (the app is served without its lifespan), so the test runs the delayed
notices job itself, `send_due_notices`, with the app's context and log keys, as the
job would.

The hub is the real thing without camera workers: `Hub(config)` (its store and
runtime, nothing capturing), with the server's log key pinned, paired with the
resident's home through `hub.community.link.pair` (what `frontporch hub pair` runs). A
real `HubLink` thread long-polls the server and hands every message to the hub's own
dispatch table (`Hub.message_handlers`), so LEGAL_NOTICE reaches the hub's
`NoticeDesk`, which proves the notice into the server's log over HTTP. The desks read
the server's clock, so "received" on the hub is the server's "now".
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from playwright.sync_api import Browser, BrowserContext, Page
from request_flow import VIEWPORTS, ServerSide, server_side

from fakes import OWNER_PASSWORD
from frontporch.hub.community import link as hub_link
from frontporch.hub.community.link import HubLink, JsonObject, dispatch
from frontporch.hub.config import HubConfig, parse_config
from frontporch.hub.notices.service import NoticeDesk
from frontporch.hub.process.runtime import Hub
from frontporch.hub.requests.service import RequestDesk
from frontporch.hub.web.app import create_hub_app
from frontporch.hub.web.passwords import set_owner_password
from homes_tools import pairing_code
from screenshots import SCREENSHOTS
from server_fixtures import PASSWORD, Account
from server_live import serving


@dataclass
class NoticeHub:
    """The served hub: its storage and runtime, its notice desk and its link."""

    url: str
    config: HubConfig
    hub: Hub
    notices: NoticeDesk
    link: HubLink


@dataclass
class LegalSites:
    server: ServerSide
    hub: NoticeHub


@contextmanager
def legal_flow_sites(folder: Path) -> Iterator[LegalSites]:
    """Both sites, served until the block ends (the hub's link thread stopped first)."""
    with ExitStack() as stack:
        server = stack.enter_context(server_side(folder))
        clock = server.harness.clock

        def hub_clock() -> float:  # the hub reads the server's clock
            return float(clock().timestamp())

        root = folder / "hub"
        config = parse_config(
            {
                "storage": {"path": str(root), "min_free_gb": 0},
                # Never started: the camera is only there to make a valid configuration.
                "cameras": {"porch": {"inputs": [{"url": "rtsp://camera.invalid/porch"}]}},
                "requests": {"log_key": server.log_key},
            }
        )
        hub = Hub(config)
        stack.callback(hub.store.close)
        # The hub's desks, on the server's clock (the runtime's own read the real time).
        hub.requests = RequestDesk(config, hub.store, hub.root, clock=hub_clock)
        stack.callback(hub.requests.stop, 10.0)
        hub.notices = NoticeDesk(config, hub.store, hub.root, clock=hub_clock)
        set_owner_password(hub.store, OWNER_PASSWORD, now=hub_clock() - 60)

        code = pairing_code(server.resident, server.home_id)
        hub_link.pair(hub.root, server.url, code, "Porch hub")

        def on_message(message: JsonObject) -> None:
            dispatch(message, hub.message_handlers())

        link = HubLink(hub.root, on_message, wait_s=1.0)
        link.start()
        stack.callback(link.stop, 10.0)
        app = create_hub_app(
            config,
            hub.store,
            hub,
            clock=hub_clock,
            desk=hub.requests,
            notice_desk=hub.notices,
        )
        url = stack.enter_context(serving(app))
        yield LegalSites(server, NoticeHub(url, config, hub, hub.notices, link))


def signed_in(browser: Browser, server: ServerSide, account: Account, size: str) -> BrowserContext:
    """A browser context of `account`, signed in through the server's sign-in page (and
    its two-factor step, the code computed from the enrolled seed, if it has one)."""
    context = browser.new_context(viewport=VIEWPORTS[size])
    page = context.new_page()
    page.goto(f"{server.url}/sign-in", wait_until="domcontentloaded")
    page.get_by_label("Email").fill(account.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state("domcontentloaded")
    if account.totp_secret is not None:
        page.get_by_label("Code from your authenticator app").fill(
            server.harness.next_code(account.totp_secret)
        )
        page.get_by_role("button", name="Continue").click()
        page.wait_for_load_state("domcontentloaded")
    assert "/sign-in" not in page.url, f"{account.email} was not signed in: {page.url}"
    page.close()
    return context


def signed_in_hub_owner(browser: Browser, hub_url: str, size: str) -> BrowserContext:
    """A browser context signed in to the hub through its sign-in page (as
    `request_flow.signed_in_owner`, for this flow's hub)."""
    context = browser.new_context(viewport=VIEWPORTS[size])
    page = context.new_page()
    page.goto(f"{hub_url}/login", wait_until="domcontentloaded")
    page.get_by_label("Password").fill(OWNER_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{hub_url}/", wait_until="domcontentloaded")
    page.close()
    return context


@dataclass
class Shots:
    """The pages of the flow, photographed in order as `legal-<size>-<nn>-<name>.png`
    (numbered per size)."""

    taken: dict[str, list[str]] = field(default_factory=dict)

    def take(self, page: Page, size: str, name: str) -> None:
        """Photograph the page (whole) and check it fits the viewport's width."""
        taken = self.taken.setdefault(size, [])
        taken.append(name)
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"legal-{size}-{len(taken):02d}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        width = page.evaluate("document.documentElement.scrollWidth")
        limit = VIEWPORTS[size]["width"]
        assert width <= limit, f"{name}: the page is {width}px wide at {limit}px"


def frontporch_command() -> str:
    """The venv's `frontporch` (next to the Python running the tests)."""
    command = Path(sys.executable).parent / "frontporch"
    assert command.exists(), f"no {command}: run `make setup`"
    return str(command)
