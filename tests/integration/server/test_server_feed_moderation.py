"""Comments, reports and moderation, and the notifications they write: a thread in
pages, who may delete what, report → queue → hide (gone from feeds, kept for its
author, history kept, reporters told nothing, author notified) → restore, dismissing,
and reading notifications."""

from __future__ import annotations

from typing import Any

from feed_tools import all_user_emails, feed_titles, miles_from, post, resident_at, user_id
from frontporch.server.accounts.models import Role
from homes_tools import CHICAGO
from server_fixtures import Account
from server_harness import ServerHarness

NEARBY = miles_from(CHICAGO, 0.8, 200)


def _comment(account: Account, post_id: str, body: str) -> Any:
    response = account.client.post(f"/api/posts/{post_id}/comments", json={"body": body})
    assert response.status_code == 201, response.text
    return response.json()


def _notifications(account: Account) -> Any:
    response = account.client.get("/api/notifications")
    assert response.status_code == 200, response.text
    return response.json()


def test_a_thread_in_pages_and_who_may_delete_comments(server: ServerHarness) -> None:
    author, home = resident_at(server)
    neighbour, _ = resident_at(server, NEARBY)
    operator = server.account(Role.OPERATOR, mfa_on=True)
    made = post(author, home, "Lost cat, grey tabby", category="lost_and_found_pets")
    url = f"/api/posts/{made['id']}/comments"
    first = _comment(neighbour, made["id"], "Saw one on Oak St")
    server.clock.advance(1)
    second = _comment(author, made["id"], "Thank you, checking now")
    server.clock.advance(1)
    _comment(neighbour, made["id"], "It went into the park")
    assert first["author"] == {"kind": "neighbor", "label": "Neighbor"}
    assert first["mine"] is True
    assert second["by_post_author"] is True
    assert author.client.get(f"/api/posts/{made['id']}").json()["comment_count"] == 3

    page = author.client.get(url, params={"limit": 2}).json()
    assert [c["body"] for c in page["comments"]] == ["Saw one on Oak St", "Thank you, checking now"]
    assert [c["mine"] for c in page["comments"]] == [False, True]
    rest = author.client.get(url, params={"limit": 2, "after": page["next"]}).json()
    assert [c["body"] for c in rest["comments"]] == ["It went into the park"]
    assert rest["next"] is None

    refused = author.client.delete(f"/api/comments/{first['id']}")
    assert refused.status_code == 403
    assert neighbour.client.delete(f"/api/comments/{first['id']}").status_code == 204
    assert operator.client.delete(f"/api/comments/{second['id']}").status_code == 204
    assert author.client.delete(f"/api/comments/{second['id']}").status_code == 404
    assert author.client.get(f"/api/posts/{made['id']}").json()["comment_count"] == 1
    blank = neighbour.client.post(url, json={"body": "   "})
    assert blank.status_code == 400
    assert blank.json()["field"] == "body"
    too_long = neighbour.client.post(url, json={"body": "x" * 2001})
    assert too_long.status_code == 422
    assert too_long.json()["field"] == "body"


def test_comments_notify_the_author_who_reads_them(server: ServerHarness) -> None:
    author, home = resident_at(server)
    neighbour, _ = resident_at(server, NEARBY)
    made = post(author, home)
    _comment(author, made["id"], "Update: the van left")  # one's own comment: no notice
    _comment(neighbour, made["id"], "Same here")
    _comment(neighbour, made["id"], "And again")
    inbox = _notifications(author)
    assert inbox["unread"] == 2
    kinds = [(n["kind"], n["post_id"], n["read"]) for n in inbox["notifications"]]
    assert kinds == [("comment_on_your_post", made["id"], False)] * 2
    newest, older = (n["id"] for n in inbox["notifications"])
    assert newest > older
    assert _notifications(neighbour)["notifications"] == []

    read = author.client.post("/api/notifications/read", json={"up_to": older})
    assert read.json() == {"unread": 1}
    inbox = _notifications(author)
    assert [n["read"] for n in inbox["notifications"]] == [False, True]
    page = author.client.get("/api/notifications", params={"limit": 1}).json()
    assert [n["id"] for n in page["notifications"]] == [newest]
    assert page["next"] == newest
    assert (
        author.client.get("/api/notifications", params={"before": page["next"]}).json()[
            "notifications"
        ][0]["id"]
        == older
    )
    # Marking someone else's numbers read changes nothing of theirs.
    neighbour.client.post("/api/notifications/read", json={"up_to": newest})
    assert _notifications(author)["unread"] == 1


def test_report_queue_hide_restore(server: ServerHarness) -> None:
    author, home = resident_at(server)
    reporter, reporter_home = resident_at(server, NEARBY)
    second_reporter, _ = resident_at(server, NEARBY)
    operator = server.account(Role.OPERATOR, mfa_on=True)
    made = post(author, home, "Rant naming a neighbour")
    other = post(author, home, "Fine post")
    reports = f"/api/posts/{made['id']}/reports"

    first = reporter.client.post(reports, json={"reason": "Names a private person"})
    assert first.status_code == 201
    assert first.json()["status"] == "open"
    again = reporter.client.post(reports, json={"reason": "Still bad"})
    assert again.status_code == 409
    own = author.client.post(reports, json={"reason": "oops"})
    assert own.status_code == 400
    assert own.json()["error"] == "cannot report your own post"
    second_reporter.client.post(reports, json={"reason": "Names a private person"})
    reporter.client.post(f"/api/posts/{other['id']}/reports", json={"reason": "Spam"})

    queue = operator.client.get("/api/moderation/queue")
    assert queue.status_code == 200
    items = queue.json()["items"]
    assert [(i["post"]["id"], i["reports"]) for i in items] == [(made["id"], 2), (other["id"], 1)]
    assert items[0]["reasons"] == [{"reason": "Names a private person", "count": 2}]
    for email in all_user_emails(server):
        assert email not in queue.text
    for someone in (reporter, second_reporter):
        assert user_id(someone) not in queue.text
    assert reporter.client.get("/api/moderation/queue").status_code == 403

    moderation = f"/api/moderation/posts/{made['id']}"
    missing_reason = operator.client.post(f"{moderation}/hide", json={})
    assert missing_reason.status_code == 422
    assert missing_reason.json()["field"] == "reason"
    hidden = operator.client.post(f"{moderation}/hide", json={"reason": "Personal attack"})
    assert hidden.status_code == 200, hidden.text
    assert hidden.json()["hidden"] is True
    assert operator.client.post(f"{moderation}/hide", json={"reason": "x"}).status_code == 409

    # Gone for everyone else, kept for its author with the reason.
    assert feed_titles(reporter, reporter_home) == ["Fine post"]
    assert reporter.client.get(f"/api/posts/{made['id']}").status_code == 404
    mine = author.client.get(f"/api/posts/{made['id']}").json()
    assert (mine["hidden"], mine["hidden_reason"]) == (True, "Personal attack")
    own_feed = author.client.get("/api/feed", params={"home_id": home}).json()["posts"]
    assert [(p["title"], p["hidden"]) for p in own_feed] == [
        ("Fine post", False),
        ("Rant naming a neighbour", True),
    ]
    commented = author.client.post(f"/api/posts/{made['id']}/comments", json={"body": "why"})
    assert commented.status_code == 409
    queued = operator.client.get("/api/moderation/queue").json()["items"]
    assert [i["post"]["id"] for i in queued] == [other["id"]]

    # The author hears; reporters hear nothing about someone else's post.
    assert [n["kind"] for n in _notifications(author)["notifications"]] == ["your_post_hidden"]
    assert _notifications(reporter)["notifications"] == []

    restored = operator.client.post(f"{moderation}/restore", json={"reason": "Edited on appeal"})
    assert restored.status_code == 200
    assert restored.json()["hidden"] is False
    assert restored.json()["hidden_reason"] is None
    assert operator.client.post(f"{moderation}/restore", json={"reason": "x"}).status_code == 409
    assert feed_titles(reporter, reporter_home) == ["Fine post", "Rant naming a neighbour"]
    assert [n["kind"] for n in _notifications(author)["notifications"]] == [
        "your_post_restored",
        "your_post_hidden",
    ]
    history = operator.client.get(f"{moderation}/history").json()
    assert [(h["action"], h["reason"]) for h in history] == [
        ("hide", "Personal attack"),
        ("restore", "Edited on appeal"),
    ]
    assert {h["operator_id"] for h in history} == {user_id(operator)}
    # A resolved report does not block a new one.
    assert reporter.client.post(reports, json={"reason": "Again"}).status_code == 201


def test_dismissing_reports_keeps_the_post(server: ServerHarness) -> None:
    author, home = resident_at(server)
    reporter, reporter_home = resident_at(server, NEARBY)
    operator = server.account(Role.OPERATOR, mfa_on=True)
    made = post(author, home, "Block party Saturday", category="community")
    reporter.client.post(f"/api/posts/{made['id']}/reports", json={"reason": "Noise"})
    dismissed = operator.client.post(
        f"/api/moderation/posts/{made['id']}/dismiss", json={"reason": "Not against the rules"}
    )
    assert dismissed.status_code == 200
    assert dismissed.json()["hidden"] is False
    assert operator.client.get("/api/moderation/queue").json()["items"] == []
    assert feed_titles(reporter, reporter_home) == ["Block party Saturday"]
    assert _notifications(author)["notifications"] == []
    history = operator.client.get(f"/api/moderation/posts/{made['id']}/history").json()
    assert [h["action"] for h in history] == ["dismiss"]
    unknown = operator.client.post(
        "/api/moderation/posts/00000000-0000-0000-0000-000000000000/hide", json={"reason": "x"}
    )
    assert unknown.status_code == 404
