"""The two-factor setup page in Chromium, at desktop and phone sizes: the QR code stands
in a block of its own after the sentence that introduces it (not inside its line), and
the key for typing in by hand is beneath it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser

from server_fixtures import PASSWORD
from server_harness import ServerHarness
from server_live import served_sqlite_server

pytestmark = pytest.mark.browser

VIEWPORTS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}

# Where the QR code sits relative to the text of its step: any text that comes before it
# in the page but is drawn below its top edge shares its line; the key must be below it.
QR_LAYOUT = """() => {
  const figure = document.querySelector('figure.qr');
  const step = figure.closest('li');
  const box = figure.getBoundingClientRect();
  const walker = document.createTreeWalker(step, NodeFilter.SHOW_TEXT);
  const sharing = [];
  while (walker.nextNode()) {
    const node = walker.currentNode;
    const before = node.compareDocumentPosition(figure) & Node.DOCUMENT_POSITION_FOLLOWING;
    if (!node.textContent.trim() || !before) continue;
    const range = document.createRange();
    range.selectNodeContents(node);
    for (const rect of range.getClientRects()) {
      if (rect.bottom > box.top + 1) sharing.push(node.textContent.trim());
    }
  }
  const key = document.querySelector('code.secret').getBoundingClientRect();
  const stepLeft = step.getBoundingClientRect().left;
  return {
    sharing,
    indent: Math.round(box.left - stepLeft),
    keyBelow: key.top >= box.bottom,
  };
}"""


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, ServerHarness]]:
    with served_sqlite_server(tmp_path_factory.mktemp("server")) as site:
        yield site


@pytest.mark.parametrize("size", list(VIEWPORTS))
def test_the_qr_code_has_a_block_of_its_own(
    browser: Browser, site: tuple[str, ServerHarness], size: str
) -> None:
    base, server = site
    email = server.register()
    context = browser.new_context(viewport=VIEWPORTS[size])
    page = context.new_page()
    try:
        page.goto(f"{base}/sign-in", wait_until="domcontentloaded")
        page.get_by_label("Email").fill(email)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_load_state("domcontentloaded")
        page.goto(f"{base}/account/two-factor", wait_until="domcontentloaded")
        layout = page.evaluate(QR_LAYOUT)
        assert layout["sharing"] == [], "text shares the QR code's line"
        assert layout["indent"] <= 1, "the QR code does not start its own block"
        assert layout["keyBelow"], "the key is not beneath the QR code"
    finally:
        context.close()
