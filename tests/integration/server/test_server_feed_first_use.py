"""What a first-time reader of the feed and the transparency pages meets: no "Report
this post" on a post a moderator has hid (page and API), the posts before the map in
the page (so Tab and screen readers reach them first), and every scrollable `<pre>`
of the transparency pages a named region."""

from __future__ import annotations

import re

from fastapi import FastAPI
from fastapi.testclient import TestClient

from feed_tools import post, resident_at
from frontporch.server.accounts.models import Role
from server_harness import ServerHarness
from transparency_tools import append, checkpoint_now


def test_a_hidden_post_offers_no_report(server: ServerHarness) -> None:
    author, home = resident_at(server)
    reader, _ = resident_at(server)
    operator = server.account(Role.OPERATOR, mfa_on=True)
    post_id = post(author, home)["id"]
    assert "Report this post" in operator.client.get(f"/posts/{post_id}").text
    assert "Report this post" in reader.client.get(f"/posts/{post_id}").text
    hidden = operator.client.post(
        f"/api/moderation/posts/{post_id}/hide", json={"reason": "Names a neighbor"}
    )
    assert hidden.status_code == 200, hidden.text

    page = operator.client.get(f"/posts/{post_id}")
    assert page.status_code == 200
    assert "Report this post" not in page.text
    assert 'id="report-reason"' not in page.text
    assert "Restore" in page.text  # what an operator can do with it
    refused = operator.client.post(f"/api/posts/{post_id}/reports", json={"reason": "again"})
    assert refused.status_code == 409
    assert refused.json()["error"] == "post already hidden"
    own = author.client.get(f"/posts/{post_id}").text
    assert "Report this post" not in own


def test_the_posts_come_before_the_map(server: ServerHarness) -> None:
    reader, home = resident_at(server)
    post(reader, home, title="Lost cat near the park")
    page = reader.client.get("/feed").text
    posts_at = page.index('aria-labelledby="posts-title"')
    map_at = page.index('aria-labelledby="map-title"')
    assert posts_at < map_at
    assert page.index("Lost cat near the park") < page.index('class="hexlink')


def _pres(page: str) -> list[str]:
    return re.findall(r"<pre\b[^>]*>", page)


def test_scrollable_blocks_of_the_log_pages_are_named_regions(app: FastAPI) -> None:
    append(app, 3)
    checkpoint_now(app)
    client = TestClient(app)
    for url in ("/transparency", "/transparency/entries/1"):
        page = client.get(url)
        assert page.status_code == 200
        blocks = _pres(page.text)
        assert blocks, url
        for block in blocks:
            if 'tabindex="0"' not in block:
                continue
            assert 'role="region"' in block, (url, block)
            assert "aria-label=" in block or "aria-labelledby=" in block, (url, block)
