"""axe-core (WCAG 2.1 A and AA rules) over every page of both services, as every role,
at desktop and phone sizes: any serious or critical violation fails the test.

axe-core comes from the npm registry, pinned with its integrity hash in
tests/e2e/axe/package-lock.json; `make test` installs it with `npm ci`, and without it
these tests skip with that hint (under CI=true they are required: tests/conftest.py).
It is added to each page as an init script, which the pages' CSP (`script-src 'self'`)
does not apply to, so the pages are audited under their real policy. The pages and the
seeded data (long unbroken text included) are tests/e2e/seeded_sites.py's.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, BrowserContext
from seeded_sites import (
    ROLES,
    VIEWPORTS,
    HubSite,
    ServerSite,
    open_page,
    signed_in_hub_context,
    signed_in_server_context,
)

from frontporch.devtools.services import AXE_SCRIPT

pytestmark = [pytest.mark.browser, pytest.mark.axe]

AXE_RUN = """async () => {
  const results = await axe.run(document, {
    runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']},
    resultTypes: ['violations'],
  });
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.impact} ${v.id} (${v.help}): ` +
                v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', '));
}"""


def _audit(context: BrowserContext, base: str, pages: dict[str, str]) -> list[str]:
    """Every serious or critical violation on `pages`, at both sizes."""
    context.add_init_script(path=str(AXE_SCRIPT))
    page = context.new_page()
    found = []
    for size, viewport in VIEWPORTS.items():
        page.set_viewport_size(viewport)
        for path in pages.values():
            open_page(page, base + path)
            found += [f"{path} at {size}: {v}" for v in page.evaluate(AXE_RUN)]
    return found


@pytest.mark.parametrize("role", ROLES)
def test_server_pages_have_no_serious_violations(
    browser: Browser, seeded_server: ServerSite, role: str
) -> None:
    context = signed_in_server_context(browser, seeded_server, role)
    try:
        found = _audit(context, seeded_server.url, seeded_server.pages)
    finally:
        context.close()
    assert found == [], "\n".join(found)


def test_hub_pages_have_no_serious_violations(browser: Browser, seeded_hub: HubSite) -> None:
    context = signed_in_hub_context(browser, seeded_hub)
    try:
        found = _audit(context, seeded_hub.url, seeded_hub.pages)
    finally:
        context.close()
    assert found == [], "\n".join(found)


def test_the_hub_sign_in_page_has_no_serious_violations(
    browser: Browser, seeded_hub: HubSite
) -> None:
    context = browser.new_context()
    try:
        found = _audit(context, seeded_hub.url, {"/login": "/login"})
    finally:
        context.close()
    assert found == [], "\n".join(found)
