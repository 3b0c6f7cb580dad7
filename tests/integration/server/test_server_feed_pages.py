"""The Neighbors feed pages, driven through their links and forms as a browser without
scripts would: a home's feed by radius, category and hexagon with its map of post
areas, "Load older", writing a post (and the mistakes shown beside their fields),
comments, reports, deleting, moderation, notifications and the navigation's badge —
and no page a resident sees shows another resident's email."""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path
from typing import Any

from feed_tools import (
    agency_member,
    feed,
    hub_client,
    jpeg_bytes,
    miles_from,
    mp4_bytes,
    post,
    resident_at,
    upload,
)
from frontporch import geo
from frontporch.server.accounts.models import Role
from homes_tools import CHICAGO, add_home
from server_fixtures import Account
from server_harness import ServerHarness

ONE_MILE_NORTH = miles_from(CHICAGO, 1.0, 0)
FOUR_MILES_EAST = miles_from(CHICAGO, 4.0, 90)


def _text(html: str) -> str:
    """The visible words of a page, roughly (tags dropped, entities decoded)."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def _page(account: Account, path: str, status: int = 200) -> str:
    response = account.client.get(path)
    assert response.status_code == status, (path, response.status_code, response.text[:500])
    return response.text


def _form(account: Account, path: str, **fields: str) -> Any:
    """POST a form as the page would (the signed-in client sends its CSRF header)."""
    return account.client.post(path, data=fields, follow_redirects=False)


def _titles(html: str) -> list[str]:
    return [
        unescape(title)
        for title in re.findall(r'<h3 class="post-title"[^>]*><a [^>]*>([^<]+)</a>', html)
    ]


def _map_links(html: str) -> dict[str, str]:
    """The map's hexagon links: label -> href."""
    found = re.findall(r'<a href="([^"]+)" class="hexlink[^"]*"\s+aria-label="([^"]+)"', html)
    return {unescape(label): unescape(href) for href, label in found}


def _labels_ok(html: str) -> None:
    """Every visible form control has a <label for> or an aria-label."""
    for tag, attributes in re.findall(r"<(input|select|textarea)\b([^>]*)>", html):
        if 'type="hidden"' in attributes:
            continue
        found = re.search(r'\bid="([^"]+)"', attributes)
        assert found or "aria-label" in attributes, (tag, attributes)
        if found and "aria-label" not in attributes:
            assert f'<label for="{found.group(1)}"' in html, (tag, found.group(1))


def _no_emails(html: str, *emails: str) -> None:
    for email in emails:
        assert email not in html


def _unread_badge(html: str) -> int | None:
    found = re.search(
        r'<span\s+id="unread-badge" class="badge" aria-hidden="true"( hidden)?>', html
    )
    count = re.search(r'id="unread-count">(\d+)<', html)
    assert found, "no notifications badge"
    assert count, "no unread count"
    return None if found.group(1) else int(count.group(1))


def test_the_feed_shows_posts_within_the_radius_with_a_map(server: ServerHarness) -> None:
    poster, poster_home = resident_at(server, CHICAGO)
    far_poster, far_home = resident_at(server, FOUR_MILES_EAST)
    reader, _ = resident_at(server, ONE_MILE_NORTH)
    post(poster, poster_home, "Loose dog on Elm", category="lost_and_found_pets")
    post(poster, poster_home, "Car window smashed", category="crime")
    post(far_poster, far_home, "Road closed far away", category="safety")

    html = _page(reader, "/feed")
    assert _titles(html) == ["Car window smashed", "Loose dog on Elm"]
    assert "Neighbor · about 1 mi away" in _text(html)
    assert "Lost &amp; found pets" in html
    _no_emails(html, poster.email, far_poster.email)
    _labels_ok(html)
    assert _titles(_page(reader, "/feed?radius_mi=5")) == [
        "Road closed far away",
        "Car window smashed",
        "Loose dog on Elm",
    ]
    assert _titles(_page(reader, "/feed?category=crime")) == ["Car window smashed"]

    # The map: the poster's hexagon is a link labelled for screen readers; following it
    # narrows the list to that hexagon.
    links = _map_links(html)
    assert list(links) == ["2 posts, about 1 mile south"]
    narrowed = _page(reader, links["2 posts, about 1 mile south"])
    assert f"cell={geo.home_cell(*CHICAGO)}" in links["2 posts, about 1 mile south"]
    assert _titles(narrowed) == ["Car window smashed", "Loose dog on Elm"]
    assert 'aria-current="true"' in narrowed
    wide = _map_links(_page(reader, "/feed?radius_mi=5"))
    assert sorted(wide) == ["1 post, about 4 miles east", "2 posts, about 1 mile south"]
    away = _page(reader, f"/feed?cell={geo.home_cell(*FOUR_MILES_EAST)}")  # not within 2 mi
    assert "showing the whole area" in away
    assert _titles(away) == ["Car window smashed", "Loose dog on Elm"]

    # The live stream the page's script opens: this home and radius, after the newest.
    live = re.search(r'data-live-url="([^"]+)"', html)
    assert live
    assert unescape(live.group(1)) == (
        f"/api/feed/events?home_id={_home_of(reader)}&radius_mi=2&after=2"
    )


def _home_of(account: Account) -> str:
    return str(account.client.get("/api/homes").json()[0]["id"])


def test_no_home_and_empty_feeds_say_what_to_do(server: ServerHarness) -> None:
    homeless = server.account()
    html = _page(homeless, "/feed")
    assert "Add your home first" in html
    assert 'href="/homes/new"' in html
    assert "Add your home" in _page(homeless, "/posts/new")

    alone, _home = resident_at(server, FOUR_MILES_EAST)
    empty = _text(_page(alone, "/feed"))
    assert "No posts within 2 miles yet. Be the first: write a post" in empty
    assert "look within 5 miles" in empty
    assert "No crime posts within 2 miles yet" in _text(_page(alone, "/feed?category=crime"))

    # Mistakes in the address are 4xx pages, never 500s.
    assert alone.client.get("/feed?radius_mi=9").status_code == 422
    assert alone.client.get("/feed?category=gossip").status_code == 422
    assert alone.client.get("/feed?cell=not-a-cell").status_code == 422
    assert alone.client.get("/feed?before=bm90LW91cnM").status_code == 400
    other_home = add_home(server.account())["id"]
    assert alone.client.get(f"/feed?home_id={other_home}").status_code == 404


def test_load_older_continues_without_repeats(server: ServerHarness) -> None:
    poster, home = resident_at(server)
    other, other_home = resident_at(server)  # posts per account and hour are limited
    for number in range(1, 24):
        post(
            poster if number % 2 else other,
            home if number % 2 else other_home,
            f"post {number:02d}",
        )
        server.clock.advance(1)
    first = _page(poster, "/feed")
    assert _titles(first) == [f"post {n:02d}" for n in range(23, 3, -1)]
    older = re.search(r'id="load-older" href="([^"]+)"', first)
    assert older
    second = _page(poster, unescape(older.group(1)))
    assert _titles(second) == ["post 03", "post 02", "post 01"]
    assert 'id="load-older"' not in second
    assert "Back to the newest posts" in second
    assert "data-live-url" not in second  # an older page does not listen for new posts


def test_posting_through_the_form(server: ServerHarness) -> None:
    author, home = resident_at(server)
    reader, _ = resident_at(server, ONE_MILE_NORTH)
    form = _page(author, f"/posts/new?home_id={home}")
    _labels_ok(form)
    assert 'maxlength="120"' in form
    assert "up to 120 characters" in form
    response = _form(
        author,
        "/posts/new",
        category="suspicious_activity",
        title="Someone tried car doors",
        body="Around 3 am on Oak.\nGrey hoodie.",
        home_id=home,
    )
    assert response.status_code == 303
    location = response.headers["location"]
    assert re.fullmatch(r"/posts/[0-9a-f-]{36}\?done=posted", location)
    page = _page(author, location)
    assert "Someone tried car doors" in page
    assert "Posted." in page
    shown = feed(reader, _home_of(reader))["posts"]
    assert [p["title"] for p in shown] == ["Someone tried car doors"]
    assert shown[0]["body"] == "Around 3 am on Oak.\nGrey hoodie."
    reader_view = _page(reader, location.split("?")[0])
    _no_emails(reader_view, author.email)
    assert "Neighbor · about 1 mi away" in _text(reader_view)


def test_form_mistakes_are_shown_beside_their_fields(server: ServerHarness) -> None:
    author, home = resident_at(server)

    def attempt(status: int, **fields: str) -> str:
        values = {"category": "crime", "title": "A title", "body": "", "home_id": home}
        response = _form(author, "/posts/new", **{**values, **fields})
        assert response.status_code == status, response.text[:300]
        return response.text

    page = attempt(422, category="")
    assert '<p class="field-error" id="category-error">Choose a category.</p>' in page
    assert 'aria-describedby="category-error"' in page
    page = attempt(422, title="x" * 121, body="kept text")
    assert "Keep the title to 120 characters (this one has 121)." in page
    assert 'id="title" name="title" required maxlength="120" value="' + "x" * 121 in page
    assert "kept text</textarea>" in page  # what was typed stays
    page = attempt(400, title="   ")
    assert '<p class="field-error" id="title-error">' in page
    page = attempt(422, body="y" * 5001)
    assert "Keep the text to 5000 characters" in page
    page = attempt(422, home_id="")
    assert "Choose the home you are posting from." in page
    page = attempt(404, home_id=add_home(server.account())["id"])
    assert 'id="home_id-error"' in page
    assert feed(author, home)["posts"] == []  # nothing was posted


def test_agencies_post_by_coordinates_never_echoed(server: ServerHarness) -> None:
    operator = server.account(Role.OPERATOR, mfa_on=True)
    member = agency_member(server, operator, "Springfield Police Department")
    form = _page(member, "/posts/new")
    assert "Posted as <strong>Springfield Police Department</strong>" in form
    assert 'id="latitude"' in form
    assert 'name="home_id"' not in form
    _labels_ok(form)
    bad = _form(
        member, "/posts/new", category="safety", title="Gas leak", latitude="41.8781", longitude=""
    )
    assert bad.status_code == 422
    assert "41.8781" not in bad.text  # coordinates are never put back into the page
    assert "Give latitude and longitude together." in bad.text
    done = _form(
        member,
        "/posts/new",
        category="safety",
        title="Gas leak on Main St",
        latitude=str(CHICAGO[0]),
        longitude=str(CHICAGO[1]),
    )
    assert done.status_code == 303
    reader, _ = resident_at(server, ONE_MILE_NORTH)
    html = _page(reader, "/feed")
    assert _titles(html) == ["Gas leak on Main St"]
    assert "Springfield Police Department" in html
    assert "verified agency" in html

    lone = server.account(Role.AGENCY_MEMBER, mfa_on=True)
    assert "does not belong to a verified agency yet" in _page(lone, "/posts/new")


def test_comment_report_and_delete(server: ServerHarness) -> None:
    author, home = resident_at(server)
    neighbor, _ = resident_at(server, ONE_MILE_NORTH)
    made = post(author, home, "Lost grey cat")
    path = f"/posts/{made['id']}"
    assert _unread_badge(_page(author, "/feed")) is None

    blank = _form(neighbor, f"{path}/comments", body="   ")
    assert blank.status_code == 400
    assert '<p class="field-error" id="comment-error">' in blank.text
    commented = _form(neighbor, f"{path}/comments", body="Seen near the park")
    assert commented.status_code == 303
    assert commented.headers["location"].startswith(f"{path}?done=commented#comment-")
    page = _page(author, path)
    assert "Seen near the park" in page
    assert _unread_badge(page) == 1
    _no_emails(page, neighbor.email)
    _no_emails(_page(neighbor, path), author.email)
    assert "Report this post" not in page  # authors do not report their own posts

    reported = _form(neighbor, f"{path}/report", reason="Shows a house number")
    assert reported.headers["location"] == f"{path}?done=reported"
    page = _page(neighbor, path)
    assert "You reported this post." in page
    assert "Report this post" not in page
    again = _form(neighbor, f"{path}/report", reason="Again")
    assert again.status_code == 409
    assert "already reported" in again.text.lower()

    # The neighbor's own comment can go; the post is not theirs to delete.
    comment_id = re.search(r'action="/comments/([0-9a-f-]+)/delete"', page)
    assert comment_id
    assert "Delete this post" not in page
    assert _form(neighbor, f"{path}/delete").status_code == 403
    gone = _form(neighbor, f"/comments/{comment_id.group(1)}/delete")
    assert gone.headers["location"] == f"{path}?done=comment-deleted#comments"
    assert "Seen near the park" not in _page(author, path)

    deleted = _form(author, f"{path}/delete")
    assert deleted.headers["location"] == "/feed?done=deleted"
    assert "Post deleted." in _page(author, "/feed?done=deleted")
    _page(author, path, status=404)
    assert _form(neighbor, f"{path}/comments", body="late").status_code == 404


def test_moderation_forms(server: ServerHarness) -> None:
    author, home = resident_at(server)
    first, _ = resident_at(server, ONE_MILE_NORTH)
    second, _ = resident_at(server, ONE_MILE_NORTH)
    operator = server.account(Role.OPERATOR, mfa_on=True)
    made = post(author, home, "Names a neighbor")
    for reporter, reason in ((first, "Names someone"), (second, "Names someone")):
        _form(reporter, f"/posts/{made['id']}/report", reason=reason)
    _page(first, "/moderation", status=403)

    queue = _page(operator, "/moderation")
    assert "Names a neighbor" in queue
    assert "2 open reports" in queue
    assert '“Names someone” <span class="muted">× 2</span>' in queue
    _no_emails(queue, author.email, first.email, second.email)
    _labels_ok(queue)
    action = f"/moderation/posts/{made['id']}"
    blank = _form(operator, f"{action}/hide", reason=" ", back="queue")
    assert blank.status_code == 400
    assert f'id="reason-error-{made["id"]}"' in blank.text
    assert _form(operator, f"{action}/hide", reason="x" * 501).status_code == 422
    hidden = _form(operator, f"{action}/hide", reason="Names a private person", back="queue")
    assert hidden.headers["location"] == "/moderation?done=hide"
    assert "Nothing to review" in _page(operator, "/moderation?done=hide")

    # The author sees why; neighbors no longer see the post at all.
    page = _page(author, f"/posts/{made['id']}")
    assert "Hidden by a moderator: Names a private person" in _text(page)
    assert "Hidden posts take no new comments." in page
    _page(first, f"/posts/{made['id']}", status=404)
    assert "Hidden by a moderator: Names a private person" in _text(_page(author, "/feed"))
    assert _titles(_page(first, "/feed")) == []

    # Restoring from the post's own page, with its history.
    conflict = _form(operator, f"{action}/hide", reason="twice", back="post")
    assert conflict.status_code == 409
    assert "already hidden" in conflict.text
    restored = _form(operator, f"{action}/restore", reason="Edited by the author", back="post")
    assert restored.headers["location"] == f"/posts/{made['id']}?done=restore"
    page = _text(_page(operator, f"/posts/{made['id']}"))
    assert "Hidden" in page
    assert "Names a private person" in page
    assert "Restored" in page
    assert "Edited by the author" in page
    assert _titles(_page(first, "/feed")) == ["Names a neighbor"]


def test_notifications_page_and_badge(server: ServerHarness) -> None:
    author, home = resident_at(server)
    neighbor, _ = resident_at(server, ONE_MILE_NORTH)
    operator = server.account(Role.OPERATOR, mfa_on=True)
    made = post(author, home, "Found a bike")
    assert "Nothing yet." in _page(author, "/notifications")
    _form(neighbor, f"/posts/{made['id']}/comments", body="Is it blue?")
    _form(operator, f"/moderation/posts/{made['id']}/hide", reason="Spam", back="queue")

    html = _page(author, "/notifications")
    assert _unread_badge(html) == 2
    text = _text(html)
    assert "A moderator hid your post: “Found a bike”" in text
    assert "New comment on your post: “Found a bike”" in text
    assert html.index("A moderator hid") < html.index("New comment")  # newest first
    assert f'href="/posts/{made["id"]}"' in html
    _no_emails(html, neighbor.email, operator.email)
    newest = re.search(r'name="up_to" value="(\d+)"', html)
    assert newest
    read = _form(author, "/notifications/read", up_to=newest.group(1))
    assert read.headers["location"] == "/notifications?done=read"
    after = _page(author, "/notifications?done=read")
    assert _unread_badge(after) is None
    assert "All marked read." in after
    assert "Mark all read" not in after
    assert _unread_badge(_page(neighbor, "/feed")) is None


def test_media_players_in_the_feed_and_on_the_post(server: ServerHarness, tmp_path: Path) -> None:
    owner, home = resident_at(server)
    hub = hub_client(server, owner, home)
    clip = upload(hub, mp4_bytes(tmp_path), title="Porch clip")
    assert clip.status_code == 201, clip.text
    clip_id = clip.json()["id"]
    video = f'<video class="media" controls preload="metadata" src="/api/posts/{clip_id}/media"'
    assert video in _page(owner, "/feed")
    assert video in _page(owner, f"/posts/{clip_id}")
    shared = upload(hub, jpeg_bytes(), "image/jpeg", title="Porch snapshot")
    assert shared.status_code == 201, shared.text
    post_id = shared.json()["id"]
    html = _page(owner, "/feed")
    assert f'<img class="media" src="/api/posts/{post_id}/media"' in html
    assert 'alt="Snapshot shared with “Porch snapshot”"' in html
    assert f'src="/api/posts/{post_id}/media"' in _page(owner, f"/posts/{post_id}")
    assert owner.client.get(f"/api/posts/{post_id}/media").status_code == 200
