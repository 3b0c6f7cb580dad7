"""The server kit's pure parts: safe redirects, the page header, row answers, lockouts."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from sqlalchemy.orm import Session

from frontporch.server.kit.pages import PageHeader
from frontporch.server.kit.schemas import RowOut
from frontporch.server.kit.throttles import LockedOut
from frontporch.web.redirects import safe_next


@pytest.mark.parametrize(
    ("target", "followed"),
    [
        ("/feed", "/feed"),
        ("/sign-in/two-factor?next=/homes", "/sign-in/two-factor?next=/homes"),
        ("//evil.example/feed", "/"),
        ("/\\evil.example", "/"),
        ("https://evil.example/", "/"),
        ("javascript:alert(1)", "/"),
        ("feed", "/"),
        ("", "/"),
    ],
)
def test_only_paths_on_this_site_are_followed(target: str, followed: str) -> None:
    assert safe_next(target) == followed


def test_the_header_merges_each_parts_values_in_order() -> None:
    seen: list[object] = []

    def first(db: Session, subject: object) -> dict[str, object]:
        seen.append(subject)
        return {"household_links": True, "shared": "first"}

    def second(db: Session, subject: object) -> dict[str, object]:
        return {"notification_badge": 3, "shared": "second"}

    values = PageHeader((first, second)).values(Session(), "the subject")
    assert values == {"household_links": True, "notification_badge": 3, "shared": "second"}
    assert seen == ["the subject"]
    assert PageHeader().values(Session(), "anyone") == {}


@dataclass
class _Token:
    id: uuid.UUID
    name: str
    created_at: datetime
    secret_hash: str


class _TokenOut(RowOut):
    id: uuid.UUID
    name: str
    created_at: datetime


def test_a_row_answer_takes_the_attributes_it_names() -> None:
    row = _Token(uuid.uuid4(), "laptop", datetime(2026, 1, 2, tzinfo=UTC), "not shown")
    answer = _TokenOut.of(row)
    assert answer.model_dump() == {"id": row.id, "name": "laptop", "created_at": row.created_at}


def test_a_lockout_says_what_ran_out_and_when_to_come_back() -> None:
    error = LockedOut(150, "wrong pairing codes")
    assert error.status == 429
    assert error.headers == {"Retry-After": "150"}
    assert error.message == "too many attempts"
    assert error.detail == "Too many wrong pairing codes. Try again in about 2 min."
