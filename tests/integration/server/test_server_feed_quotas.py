"""Posts, comments and reports each have an hourly quota per account (the kit's quotas,
`kit/quotas.py`), through the JSON API and the page forms alike: spent, the next one is
a 429 that names what ran out and when to try again (never advice about passwords),
other accounts are untouched, and the quota comes back as the hour moves on."""

from __future__ import annotations

import re
from html import unescape

import pytest
from httpx import Response

from feed_tools import post, resident_at
from frontporch.server.settings import ServerSettings
from server_harness import ServerHarness

POSTS, COMMENTS, REPORTS = 2, 2, 1
HOUR_S = 3600


@pytest.fixture
def settings(settings: ServerSettings) -> ServerSettings:
    return settings.model_copy(
        update={
            "feed_posts_per_hour": POSTS,
            "feed_comments_per_hour": COMMENTS,
            "feed_reports_per_hour": REPORTS,
        }
    )


def _refused(response: Response, what: str) -> None:
    body = response.json()
    assert response.status_code == 429, body
    assert body["error"] == "too many requests"
    assert body["detail"] == f"Too many {what}. Try again in about 60 min."
    assert int(response.headers["retry-after"]) > 0


def _field_error(html: str) -> str:
    found = re.search(r'<p class="field-error"[^>]*>([^<]+)</p>', html)
    assert found, "no message beside the form"
    return unescape(found.group(1))


def test_posts_comments_and_reports_stop_at_their_hourly_quotas(server: ServerHarness) -> None:
    author, home = resident_at(server)
    reader, reader_home = resident_at(server)
    made = [post(author, home, f"Post {number}") for number in range(POSTS)]
    _refused(
        author.client.post(
            "/api/posts", json={"home_id": home, "category": "crime", "title": "One more"}
        ),
        "posts from this account",
    )
    post(reader, reader_home, "Another account posts as before")

    comments = f"/api/posts/{made[0]['id']}/comments"
    for number in range(COMMENTS):
        added = reader.client.post(comments, json={"body": f"Comment {number}"})
        assert added.status_code == 201, added.text
    _refused(reader.client.post(comments, json={"body": "One more"}), "comments from this account")

    reported = reader.client.post(f"/api/posts/{made[0]['id']}/reports", json={"reason": "Spam"})
    assert reported.status_code == 201, reported.text
    _refused(
        reader.client.post(f"/api/posts/{made[1]['id']}/reports", json={"reason": "Spam"}),
        "reports from this account",
    )

    server.clock.advance(HOUR_S)
    post(author, home, "An hour later")
    assert reader.client.post(comments, json={"body": "An hour later"}).status_code == 201


def test_the_page_forms_show_a_spent_quota_beside_the_form(server: ServerHarness) -> None:
    author, home = resident_at(server)
    made = [post(author, home, f"Post {number}") for number in range(POSTS)]
    form = {"category": "crime", "title": "One more", "body": "", "home_id": home}
    refused = author.client.post("/posts/new", data=form, follow_redirects=False)
    assert refused.status_code == 429
    assert "retry-after" in refused.headers
    assert "Too many posts from this account. Try again in about 60 min." in unescape(refused.text)

    reader, _ = resident_at(server)
    page = f"/posts/{made[0]['id']}"
    for number in range(COMMENTS):
        added = reader.client.post(
            f"{page}/comments", data={"body": f"Comment {number}"}, follow_redirects=False
        )
        assert added.status_code == 303
    refused = reader.client.post(
        f"{page}/comments", data={"body": "One more"}, follow_redirects=False
    )
    assert refused.status_code == 429
    assert "retry-after" in refused.headers
    assert _field_error(refused.text) == (
        "Too many comments from this account. Try again in about 60 min."
    )
    assert "One more" in refused.text  # what was typed is kept
