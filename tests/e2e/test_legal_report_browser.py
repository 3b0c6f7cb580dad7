"""A legal demand from the operator's form to the owner's notice, and the public report
that counts it, in a real Chromium at desktop size (issue 12, "Done when").

1. The operator signs in (two-factor) and records, on /operator/legal, a warrant naming
   the resident (who owns a home with a paired hub) with a 30-day delay order: its end
   date and the order's SHA-256. The demand's page and the list show it.
2. The public report (no sign-in) counts the warrant by kind and one delayed notice
   outstanding, and shows nowhere the account's email or id.
3. The notices job sends nothing before the order ends. The clock passes the end date;
   the job sends the notice (one `owner_notice`): the resident finds it through the
   server's notifications, and the hub's link delivers LEGAL_NOTICE, which the hub
   proves into the server's log (pinned key) and shows on /notices as confirmed. The
   report now counts the notice sent and none outstanding.
4. `frontporch log report --server URL --key K --json` (the venv's command) exits 0: the
   report it recomputes from the verified log equals the server's JSON.
5. An emergency demand recorded without its paperwork; 48 hours and a second later the
   report page lists it as overdue (and the demand's page says so); the recomputed
   report still agrees.

Each page is photographed (`legal-<size>-<nn>-<name>.png`, tests/screenshots.py); the
owner's two notice pages also at phone size. Sites: tests/e2e/legal_flow.py.
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import urllib.request
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest
from legal_flow import (
    LegalSites,
    Shots,
    frontporch_command,
    legal_flow_sites,
    signed_in,
    signed_in_hub_owner,
)
from playwright.sync_api import Browser, Page, expect
from request_flow import wait_for

from frontporch.server.legal.notices import send_due_notices
from frontporch.translog.report import DEMAND_KINDS
from legal_tools import user_uuid

pytestmark = [pytest.mark.browser]

AUTHORITY = "County Court, Division 3"
EMERGENCY_AUTHORITY = "Records desk, County Sheriff"
SCOPE = "Subscriber records of the named account and its posts from the last 60 days."
EMERGENCY_SCOPE = "The account's metadata, on a claimed risk to life."
WARRANT_SHA = hashlib.sha256(b"the warrant as served").hexdigest()
ORDER_SHA = hashlib.sha256(b"the delay order, 30 days").hexdigest()
EMERGENCY_SHA = hashlib.sha256(b"the emergency request as faxed").hexdigest()
DELAY_DAYS = 30
PAPERWORK_S = 48 * 3600


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LegalSites]:
    with legal_flow_sites(tmp_path_factory.mktemp("legal")) as sites:
        yield sites


def record_demand(
    page: Page, sites: LegalSites, fields: dict[str, str], shots: Shots | None = None
) -> str:
    """Fill the operator's form (photographed filled, with `shots`) and record; the
    demand's id (from its page's address)."""
    server = sites.server
    page.goto(f"{server.url}/operator/legal", wait_until="domcontentloaded")
    page.get_by_label("Kind", exact=True).select_option(fields["kind"])
    page.get_by_label("Issuing authority").fill(fields["authority"])
    page.get_by_label("Date received").fill(fields["received_on"])
    page.get_by_label("SHA-256 of the document").fill(fields["document_sha256"])
    if "delay_until" in fields:
        page.get_by_label("Delay order ends on (optional)").fill(fields["delay_until"])
        page.get_by_label("SHA-256 of the delay order (with an end date)").fill(
            fields["delay_order_sha256"]
        )
    page.get_by_label("Accounts it names (emails or ids, one a line)").fill(fields["accounts"])
    page.get_by_label("Scope, in your words").fill(fields["scope"])
    if shots is not None:
        shots.take(page, "desktop", "operator-record")
    page.get_by_role("button", name="Record the demand").click()
    page.wait_for_url(re.compile(r"/operator/legal/[0-9a-f-]{36}\?done=recorded$"))
    expect(page.get_by_text("Demand recorded and logged.")).to_be_visible()
    found = re.search(r"/operator/legal/([0-9a-f-]{36})", page.url)
    assert found is not None
    return found.group(1)


def served_report(sites: LegalSites) -> dict[str, Any]:
    """The server's report JSON, over HTTP as anyone fetches it."""
    url = f"{sites.server.url}/api/transparency/report?period=month"
    with urllib.request.urlopen(url, timeout=30) as response:
        report: dict[str, Any] = json.loads(response.read())
    return report


def legal_figures(page: Page) -> dict[str, str]:
    """The report page's legal section: its two counts, and the "All periods" row of its
    table by column heading."""
    section = page.locator("section[aria-labelledby=legal-title]")
    stats = section.locator("dl.stats")
    figures = {
        "outstanding": stats.locator("dt:has-text('still outstanding') + dd").inner_text(),
        "overdue": stats.locator("dt:has-text('overdue paperwork') + dd").inner_text(),
    }
    table = section.locator("table", has=page.locator("caption", has_text="Demands by kind"))
    headings = [h.strip() for h in table.locator("thead th").all_inner_texts()]
    totals = table.locator("tbody tr", has=page.locator("th", has_text="All periods"))
    cells = [c.strip() for c in totals.locator("th, td").all_inner_texts()]
    figures.update(zip(headings, cells, strict=True))
    return figures


def open_report(page: Page, sites: LegalSites) -> dict[str, str]:
    page.goto(f"{sites.server.url}/transparency/report", wait_until="domcontentloaded")
    expect(page.get_by_role("heading", name="Transparency report", exact=True)).to_be_visible()
    return legal_figures(page)


def check_nothing_names(text: str, sites: LegalSites, resident_id: uuid.UUID) -> None:
    """The account appears nowhere: not its email, not its id in any spelling."""
    for secret in (sites.server.resident.email, str(resident_id), resident_id.hex):
        assert secret.lower() not in text.lower(), f"the report shows {secret}"


def recompute(sites: LegalSites) -> dict[str, Any]:
    """Step 4: `frontporch log report --json` exits 0 and prints the server's report."""
    result = subprocess.run(
        [
            frontporch_command(),
            "log",
            "report",
            "--server",
            sites.server.url,
            "--key",
            sites.server.log_key,
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    printed, verdict = result.stdout.rsplit("\n}\n", 1)
    assert "equals the one recomputed from its" in verdict
    mine: dict[str, Any] = json.loads(printed + "\n}")
    assert mine == served_report(sites)
    return mine


def test_a_delayed_warrant_notice_and_overdue_emergency_paperwork_reach_the_report(
    browser: Browser, sites: LegalSites
) -> None:
    server, hub = sites.server, sites.hub
    harness = server.harness
    context_of_server, keys = harness.app.state.server, harness.app.state.log_keys
    resident_id = user_uuid(server.resident)
    shots = Shots()

    # 1. The operator records a warrant with a 30-day delay order.
    today = harness.clock().date()
    ends_on = today + timedelta(days=DELAY_DAYS)
    operator = signed_in(browser, server, server.operator, "desktop")
    page = operator.new_page()
    warrant = record_demand(
        page,
        sites,
        {
            "kind": "warrant",
            "authority": AUTHORITY,
            "received_on": today.isoformat(),
            "document_sha256": WARRANT_SHA,
            "delay_until": ends_on.isoformat(),
            "delay_order_sha256": ORDER_SHA,
            "accounts": server.resident.email,
            "scope": SCOPE,
        },
        shots,
    )
    expect(page.get_by_role("heading", name=f"Warrant from {AUTHORITY}")).to_be_visible()
    accounts = page.locator("section[aria-labelledby=about-title] ul li")
    expect(accounts).to_have_count(1)
    expect(accounts.first).to_contain_text(server.resident.email)
    expect(accounts.first).to_contain_text(f"notice pending until {ends_on.isoformat()} 23:59 UTC")
    expect(page.get_by_role("heading", name="A new delay order")).to_be_visible()
    shots.take(page, "desktop", "operator-demand")
    page.goto(f"{server.url}/operator/legal", wait_until="domcontentloaded")
    rows = page.locator("section[aria-labelledby=list-title] tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(AUTHORITY)
    expect(rows.first).to_contain_text(server.resident.email)
    expect(rows.first.get_by_role("link", name="Warrant")).to_have_attribute(
        "href", f"/operator/legal/{warrant}"
    )
    shots.take(page, "desktop", "operator-list")
    operator.close()

    # 2. The public report counts it, without the account.
    public = browser.new_context(viewport={"width": 1280, "height": 800})
    page = public.new_page()
    figures = open_report(page, sites)
    assert figures["Demands"] == "1"
    assert figures["warrant"] == "1"
    assert all(figures[kind.replace("_", " ")] == "0" for kind in DEMAND_KINDS[1:])
    assert figures["outstanding"] == "1"
    assert figures["Notices sent"] == "0"
    assert figures["overdue"] == "0"
    check_nothing_names(page.content(), sites, resident_id)
    check_nothing_names(json.dumps(served_report(sites)), sites, resident_id)
    shots.take(page, "desktop", "report-delayed")

    # 3. Nothing goes out before the order ends; then the job sends the notice.
    assert send_due_notices(context_of_server, keys) == 0
    until = datetime.combine(ends_on, time(23, 59, 59), UTC)
    harness.clock.advance((until - harness.clock()).total_seconds() - 60)
    assert send_due_notices(context_of_server, keys) == 0  # a minute early
    assert hub.notices.notices() == []
    harness.clock.advance(61)
    assert send_due_notices(context_of_server, keys) == 1

    def confirmed() -> bool:
        record = hub.notices.get(warrant)
        return record is not None and record.confirmed

    wait_for(confirmed, 30.0, "the hub to receive the notice and confirm it against the log")

    owner_pages(browser, sites, warrant, shots)

    figures = open_report(page, sites)
    assert figures["outstanding"] == "0"
    assert figures["Notices sent"] == "1"
    check_nothing_names(page.content(), sites, resident_id)
    shots.take(page, "desktop", "report-notice-sent")

    # 4. The report recomputed from the verified log equals the server's.
    mine = recompute(sites)
    assert mine["legal"]["totals"]["demands_by_kind"]["warrant"] == 1
    assert mine["legal"]["totals"]["notices_sent"] == 1
    assert mine["legal"]["delayed_notices_outstanding"] == 0

    # 5. An emergency demand without its paperwork is overdue 48 hours and a second on.
    neighbour = harness.account()
    operator = signed_in(browser, server, server.operator, "desktop")  # sessions ended
    operator_page = operator.new_page()
    emergency = record_demand(
        operator_page,
        sites,
        {
            "kind": "emergency",
            "authority": EMERGENCY_AUTHORITY,
            "received_on": harness.clock().date().isoformat(),
            "document_sha256": EMERGENCY_SHA,
            "accounts": neighbour.email,
            "scope": EMERGENCY_SCOPE,
        },
    )
    expect(operator_page.locator("dd", has_text="due by")).not_to_contain_text("overdue")
    figures = open_report(page, sites)
    assert figures["overdue"] == "0"
    assert figures["emergency"] == "1"

    harness.clock.advance(PAPERWORK_S - 1)
    figures = open_report(page, sites)
    assert figures["overdue"] == "0", "overdue a second before the deadline"
    harness.clock.advance(2)
    figures = open_report(page, sites)
    assert figures["overdue"] == "1"
    overdue = page.locator("table", has=page.locator("caption", has_text="did not follow"))
    expect(overdue.locator("tbody tr")).to_have_count(1)
    expect(overdue.locator("tbody tr").first).to_contain_text(emergency)
    expect(overdue.locator("tbody tr").first).to_contain_text("not yet")
    check_nothing_names(page.content(), sites, resident_id)
    shots.take(page, "desktop", "report-overdue")
    public.close()

    operator_page.goto(f"{server.url}/operator/legal/{emergency}", wait_until="domcontentloaded")
    expect(operator_page.locator("dd", has_text="due by")).to_contain_text("overdue")
    # Its notice went out at once: no delay order to extend.
    expect(operator_page.get_by_role("heading", name="A new delay order")).to_have_count(0)
    shots.take(operator_page, "desktop", "operator-emergency-overdue")
    operator.close()

    mine = recompute(sites)
    assert mine["legal"]["overdue_emergency_paperwork"] == 1
    assert [item["demand"] for item in mine["legal"]["overdue"]] == [emergency]


def owner_pages(browser: Browser, sites: LegalSites, demand: str, shots: Shots) -> None:
    """The resident finds the notice through the server's notifications, and on the hub,
    at both sizes."""
    server, hub = sites.server, sites.hub
    for size in ("desktop", "phone"):
        context = signed_in(browser, server, server.resident, size)
        page = context.new_page()
        page.goto(f"{server.url}/notifications", wait_until="domcontentloaded")
        page.get_by_role("link", name=re.compile("A legal demand named your account")).click()
        page.wait_for_url(f"{server.url}/legal/notices/{demand}")
        expect(
            page.get_by_role("heading", name="A legal demand named your account")
        ).to_be_visible()
        notice = page.locator("main dl")
        expect(notice).to_contain_text(AUTHORITY)
        expect(notice).to_contain_text(SCOPE)
        expect(notice).to_contain_text("Notice delayed by court order until")
        expect(page.get_by_role("link", name=re.compile(r"^entry \d+$"))).to_have_count(2)
        shots.take(page, size, "server-notice")
        context.close()

        context = signed_in_hub_owner(browser, hub.url, size)
        page = context.new_page()
        page.goto(f"{hub.url}/", wait_until="domcontentloaded")
        nav = page.get_by_role("navigation", name="Main")
        # Unread at the first pass; read (no count) at the second.
        name = "Notices (1) unread" if size == "desktop" else "Notices"
        nav.get_by_role("link", name=name, exact=True).click()
        page.wait_for_url(f"{hub.url}/notices")
        card = page.locator(f"#notice-{demand}")
        expect(card).to_contain_text("Confirmed by the server's transparency log.")
        expect(card).not_to_contain_text("Not confirmed")
        expect(card).to_contain_text(AUTHORITY)
        expect(card.locator("blockquote").first).to_have_text(SCOPE)
        expect(card).to_contain_text("Yes, by a court order, until")
        entries = card.get_by_role("link", name=re.compile(r"^index \d+$"))
        expect(entries).to_have_count(2)
        expect(entries.first).to_have_attribute(
            "href", re.compile(rf"^{re.escape(server.url)}/transparency/entries/\d+$")
        )
        shots.take(page, size, "hub-notices")
        if size == "desktop":
            card.get_by_role("button", name="Mark as read").click()
            page.wait_for_url(f"{hub.url}/notices?read=1")
        context.close()
