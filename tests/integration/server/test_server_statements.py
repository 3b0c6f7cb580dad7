"""Agency statements, unaltered: an agency's post and a request's text are kept exactly
as submitted, their SHA-256 logged (`statement`), the post links "as submitted" to its
entry; an operator hides (logging `statement_hidden`) but never edits: every route that
changes posts leaves the agency's words as they were, the database refuses a raw UPDATE,
and no code outside creation assigns those columns (an ast scan). SQLite and PostgreSQL."""

from __future__ import annotations

import ast
import hashlib
import json
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert, select, text, update
from sqlalchemy.exc import DBAPIError

from feed_tools import agency_member, resident_at
from frontporch.server.accounts.models import Role
from frontporch.server.agreements.models import AgencyStatement
from frontporch.server.feed.models import Post
from frontporch.server.requests.models import FootageRequest
from homes_tools import CHICAGO
from release_tools import register_agency
from server_fixtures import Account
from server_harness import ServerHarness

SRC = Path(__file__).resolve().parents[3] / "src" / "frontporch"
TITLE = "  Road closed: Elm St  "
BODY = "Crews on site until 18:00.\r\nUse Oak St instead.  \n"


def canonical_sha256(value: dict[str, str]) -> str:
    data = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(data.encode()).hexdigest()


def entry(client: Any, index: int) -> dict[str, Any]:
    found = client.get("/api/log/entries", params={"start": index, "end": index + 1})
    assert found.status_code == 200, found.text
    return dict(found.json()["entries"][0]["entry"])


def agency_post(member: Account) -> dict[str, Any]:
    response = member.client.post(
        "/api/posts",
        json={
            "category": "safety",
            "title": TITLE,
            "body": BODY,
            "latitude": CHICAGO[0],
            "longitude": CHICAGO[1],
        },
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


def stored_text(server: ServerHarness, post_id: str) -> tuple[str, str]:
    with server.app.state.server.sessions() as db:
        post = db.scalar(select(Post).where(Post.id == uuid.UUID(post_id)))
        assert post is not None
        return post.title, post.body


@pytest.fixture
def operator(server: ServerHarness) -> Account:
    return server.account(Role.OPERATOR, mfa_on=True)


def test_an_agency_post_is_kept_as_submitted_and_logged(
    server: ServerHarness, operator: Account
) -> None:
    member = agency_member(server, operator, "County Roads Department")
    made = agency_post(member)
    assert (made["title"], made["body"]) == (TITLE, BODY)
    assert stored_text(server, made["id"]) == (TITLE, BODY)

    resident, _ = resident_at(server)
    statement = resident.client.get(f"/api/posts/{made['id']}/statement")
    assert statement.status_code == 200, statement.text
    out = statement.json()
    assert out["submitted"] == {"title": TITLE, "body": BODY}
    assert out["sha256"] == canonical_sha256({"title": TITLE, "body": BODY})
    logged = entry(resident.client, out["log_index"])
    assert logged == {
        "v": 2,
        "type": "statement",
        "at": logged["at"],
        "statement": out["id"],
        "agency": out["agency_id"],
        "kind": "post",
        "sha256": out["sha256"],
    }
    # The post page says "as submitted" and links to the entry.
    page = resident.client.get(f"/posts/{made['id']}")
    assert f'href="/posts/{made["id"]}/statement"' in page.text
    assert "as submitted" in page.text
    link = resident.client.get(f"/posts/{made['id']}/statement", follow_redirects=False)
    assert link.status_code == 303
    assert link.headers["location"] == f"/transparency/entries/{out['log_index']}"
    # A resident's post has no statement.
    home_owner, home_id = resident_at(server)
    own = home_owner.client.post(
        "/api/posts",
        json={"home_id": home_id, "category": "community", "title": " Yard sale ", "body": ""},
    )
    assert own.json()["title"] == "Yard sale"
    assert home_owner.client.get(f"/api/posts/{own.json()['id']}/statement").status_code == 404


def test_a_request_text_is_logged_as_submitted(server: ServerHarness) -> None:
    agency = register_agency(server, "Police District 4")
    now = server.clock()
    submitted = {
        "case_number": "  2026-CR-0042 ",
        "description": "\nA break-in on the 100 block.  ",
        "contact": "Records desk, +1 312 555 0100",
    }
    body = {
        **submitted,
        "incident": "burglary",
        "area": {"type": "circle", "center": list(CHICAGO), "radius_m": 300},
        "window_start": (now.replace(microsecond=0) - timedelta(hours=5)).isoformat(),
        "window_end": (now.replace(microsecond=0) - timedelta(hours=1)).isoformat(),
        "expires_at": (now + timedelta(days=7)).isoformat(),
        "attestation": True,
    }
    filed = agency.member.client.post("/api/agency/requests", json=body)
    assert filed.status_code == 201, filed.text
    with server.app.state.server.sessions() as db:
        statement = db.scalar(select(AgencyStatement).where(AgencyStatement.kind == "request"))
        assert statement is not None
        request = db.get(FootageRequest, statement.request_id)
        assert request is not None
        assert request.post_id == statement.post_id
        assert json.loads(statement.submitted) == submitted
        index, digest = statement.log_index, statement.sha256
    assert digest == canonical_sha256(submitted)
    logged = entry(agency.member.client, index)
    assert (logged["type"], logged["kind"], logged["sha256"]) == ("statement", "request", digest)
    # The agency sees all of it; a neighbor reading the request's post, the description only.
    own = agency.member.client.get(f"/api/posts/{request.post_id}/statement").json()
    assert own["submitted"] == submitted
    neighbor, _ = resident_at(server)
    seen = neighbor.client.get(f"/api/posts/{request.post_id}/statement")
    assert seen.status_code == 200, seen.text
    assert seen.json()["submitted"] == {"description": submitted["description"]}


def test_hiding_logs_the_reason_and_every_route_leaves_the_words(
    server: ServerHarness, operator: Account
) -> None:
    member = agency_member(server, operator, "County Roads Department")
    made = agency_post(member)
    post_id = made["id"]
    reader, _ = resident_at(server)
    # Every route that changes a post, by everyone who may call it.
    assert reader.client.post(f"/api/posts/{post_id}/comments", json={"body": "Thanks"}).is_success
    assert reader.client.post(f"/api/posts/{post_id}/reports", json={"reason": "Wrong"}).is_success
    assert reader.client.delete(f"/api/posts/{post_id}").status_code == 403
    refused = operator.client.delete(f"/api/posts/{post_id}")
    assert refused.status_code == 403
    assert "hide it with a reason" in refused.json()["detail"]
    operator.client.headers.pop("x-csrf-token")
    try:
        csrf = operator.csrf
        page_delete = operator.client.post(
            f"/posts/{post_id}/delete", data={"csrf_token": csrf}, follow_redirects=False
        )
        assert page_delete.status_code == 403
    finally:
        operator.client.headers["x-csrf-token"] = operator.csrf
    moderation = f"/api/moderation/posts/{post_id}"
    bad = operator.client.post(f"{moderation}/hide", json={"reason": "x", "category": "dislike"})
    assert bad.status_code == 422
    hidden = operator.client.post(
        f"{moderation}/hide", json={"reason": "Names a private person", "category": "personal_data"}
    )
    assert hidden.status_code == 200, hidden.text
    assert operator.client.post(f"{moderation}/restore", json={"reason": "Fixed"}).is_success
    assert operator.client.post(f"{moderation}/dismiss", json={"reason": "Done"}).is_success
    assert stored_text(server, post_id) == (TITLE, BODY)

    out = member.client.get(f"/api/posts/{post_id}/statement").json()
    assert out["submitted"] == {"title": TITLE, "body": BODY}
    [hide] = out["hides"]
    assert hide["category"] == "personal_data"
    assert hide["reason_sha256"] == hashlib.sha256(b"Names a private person").hexdigest()
    logged = entry(member.client, hide["log_index"])
    assert logged == {
        "v": 2,
        "type": "statement_hidden",
        "at": logged["at"],
        "statement": out["id"],
        "reason": "personal_data",
        "reason_sha256": hide["reason_sha256"],
    }
    # The agency itself may still delete its own post; the statement stays logged.
    assert member.client.delete(f"/api/posts/{post_id}").status_code == 204
    with server.app.state.server.sessions() as db:
        kept = db.get(AgencyStatement, uuid.UUID(out["id"]))
        assert kept is not None
        assert kept.post_id is None
        assert json.loads(kept.submitted) == {"title": TITLE, "body": BODY}


def test_the_database_refuses_to_edit_agency_words(
    server: ServerHarness, operator: Account
) -> None:
    member = agency_member(server, operator, "County Roads Department")
    made = agency_post(member)
    agency = register_agency(server, "Police District 4")
    engine = server.app.state.server.engine
    now = server.clock()
    with engine.begin() as connection:  # a request row to aim at
        connection.execute(
            insert(FootageRequest).values(
                id=uuid.uuid4(), agency_id=agency.agency_id, case_number="C-1",
                incident="theft", description="As filed", contact="Records desk", area="{}",
                cells="", window_start=now, window_end=now, expires_at=now, filed_at=now,
                status="open", filed_index=10**9, registration_index=agency.registration_index,
                homes_notified=0,
            )
        )  # fmt: skip
    post_id = uuid.UUID(made["id"])
    one_post = Post.id == post_id
    for statement in (
        update(Post).where(one_post).values(title="Edited"),
        update(Post).where(one_post).values(body="Edited"),
        update(Post).where(one_post).values(title=TITLE, body="Edited"),
        update(FootageRequest).values(description="Edited"),
        update(FootageRequest).values(case_number="C-2"),
        update(FootageRequest).values(contact="Someone else"),
        update(AgencyStatement).values(submitted="{}"),
        update(AgencyStatement).values(sha256="0" * 64),
        text("UPDATE posts SET title = 'Edited' WHERE agency_id IS NOT NULL"),
    ):
        with engine.begin() as connection, pytest.raises(DBAPIError):
            connection.execute(statement)
    assert stored_text(server, made["id"]) == (TITLE, BODY)
    # What a post may still change: its moderation state and comment count.
    with engine.begin() as connection:
        connection.execute(update(Post).where(one_post).values(comment_count=5))


# The columns that hold an agency's words, and the only places that may set them.
GUARDED = {
    "title": {"feed/posts/service.py", "feed/posts/uploads.py", "requests/delivery.py"},
    "body": {"feed/posts/service.py", "feed/posts/uploads.py", "requests/delivery.py"},
    "case_number": {"requests/service.py"},
    "description": {"requests/service.py"},
    "contact": {"requests/service.py"},
    "submitted": {"agreements/statements.py"},
}
# Creation: a row constructor's keywords (Post(...), FootageRequest(...), AgencyStatement(...)).
CONSTRUCTORS = {"Post", "FootageRequest", "AgencyStatement"}
WRITES = {"update", "values"}


def test_no_code_assigns_an_agency_text_outside_creation() -> None:
    """An ast scan of the server: no attribute assignment (`post.title = ...`,
    `setattr`) and no UPDATE (`update(Post).values(title=...)`) of a guarded column; row
    constructors that set them only where rows are created."""
    found: list[str] = []
    for path in sorted((SRC / "server").rglob("*.py")):
        relative = str(path.relative_to(SRC / "server"))
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            targets: list[ast.expr] = []
            if isinstance(node, ast.Assign):
                targets = node.targets
            elif isinstance(node, ast.AugAssign | ast.AnnAssign):
                targets = [node.target]
            for target in targets:
                for part in ast.walk(target):
                    if isinstance(part, ast.Attribute) and part.attr in GUARDED:
                        line = getattr(node, "lineno", 0)
                        found.append(f"{relative}:{line} assigns .{part.attr}")
            if not isinstance(node, ast.Call):
                continue
            name = (
                node.func.attr
                if isinstance(node.func, ast.Attribute)
                else getattr(node.func, "id", "")
            )
            keywords = {kw.arg for kw in node.keywords if kw.arg in GUARDED}
            if name == "setattr" and len(node.args) > 1:
                value = node.args[1]
                if isinstance(value, ast.Constant) and value.value in GUARDED:
                    found.append(f"{relative}:{node.lineno} setattr {value.value}")
            elif name in WRITES and keywords:
                found.append(f"{relative}:{node.lineno} {name}({', '.join(sorted(keywords))})")
            elif name in CONSTRUCTORS:
                for keyword in keywords:
                    if relative not in GUARDED[str(keyword)]:
                        found.append(f"{relative}:{node.lineno} {name}({keyword}=...)")
    assert found == []
