"""Agency statements kept as submitted (DESIGN.md, main flow 7).

When an agency speaks (a feed post by one of its members, or a footage request's text
at filing), `record_statement` keeps the submitted fields exactly as received, before
any trimming, as canonical JSON (`translog.entries.canonical_json`: sorted keys, no
whitespace, UTF-8) and appends `statement` with the SHA-256 of those bytes, in the
caller's transaction. Anyone holding the text can recompute the hash; the log entry
shows that it was said, when, and by which agency.

An operator may hide an agency post but never edit it: `hide_statement` appends
`statement_hidden` with the reason's category and the SHA-256 of the reason's words.
The database refuses any UPDATE of the submitted columns (migration 0013).
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Final, Literal

from sqlalchemy.orm import Session

from frontporch.server.agreements.models import AgencyStatement, StatementHide
from frontporch.server.agreements.repository import StatementRepository
from frontporch.server.errors import BadRequest
from frontporch.server.transparency.service import append_entries
from frontporch.translog.entries import Statement, StatementHidden, canonical_json, moment

StatementKind = Literal["post", "request"]

# Why an operator hides an agency's post: the category logged with `statement_hidden`.
HIDE_CATEGORIES: Final = (
    "personal_data",
    "unlawful_content",
    "harassment",
    "spam",
    "court_order",
    "other",
)
HideCategory = Literal[
    "personal_data", "unlawful_content", "harassment", "spam", "court_order", "other"
]
# The fields each kind keeps, as submitted.
FIELDS: Final[Mapping[str, tuple[str, ...]]] = {
    "post": ("title", "body"),
    "request": ("case_number", "contact", "description"),
}


class UnstorableText(BadRequest):
    """Text holding characters that cannot be written as UTF-8 (lone surrogates)."""

    def __init__(self, field: str) -> None:
        super().__init__(
            f"invalid {field}",
            f"'{field}' holds characters that are not valid Unicode text; send it as UTF-8.",
            field=field,
        )


def submitted_bytes(kind: StatementKind, fields: Mapping[str, str]) -> bytes:
    """The canonical JSON of what was submitted: the bytes whose SHA-256 is logged."""
    wanted = FIELDS[kind]
    if set(fields) != set(wanted):
        raise ValueError(f"a {kind} statement holds exactly {', '.join(wanted)}")
    for name in wanted:
        try:
            fields[name].encode("utf-8")
        except UnicodeEncodeError:
            raise UnstorableText(name) from None
    return canonical_json(dict(fields))


def statement_sha256(kind: StatementKind, fields: Mapping[str, str]) -> str:
    """SHA-256 (hex) of the canonical JSON of what was submitted."""
    return hashlib.sha256(submitted_bytes(kind, fields)).hexdigest()


def submitted_fields(statement: AgencyStatement) -> dict[str, str]:
    """The fields of a stored statement, as they were submitted."""
    value = json.loads(statement.submitted)
    return {str(key): str(text) for key, text in value.items()}


def record_statement(
    db: Session,
    clock: Callable[[], datetime],
    *,
    kind: StatementKind,
    agency_id: uuid.UUID,
    fields: Mapping[str, str],
    post_id: uuid.UUID | None = None,
    request_id: uuid.UUID | None = None,
) -> AgencyStatement:
    """Keep an agency's text as submitted and log `statement` (caller's transaction)."""
    data = submitted_bytes(kind, fields)
    digest = hashlib.sha256(data).hexdigest()
    statement_id = uuid.uuid4()
    now = clock()
    entry = Statement(
        at=moment(now), statement=str(statement_id), agency=str(agency_id), kind=kind, sha256=digest
    )
    [index] = append_entries(db, [entry], clock)
    return StatementRepository(db).add(
        AgencyStatement(
            id=statement_id,
            kind=kind,
            agency_id=agency_id,
            post_id=post_id,
            request_id=request_id,
            submitted=data.decode("utf-8"),
            sha256=digest,
            log_index=index,
            created_at=now,
        )
    )


def is_statement(db: Session, post_id: uuid.UUID) -> bool:
    """Whether the post shows an agency statement (which is hidden, never edited)."""
    return StatementRepository(db).of_post(post_id) is not None


def hide_statement(
    db: Session,
    clock: Callable[[], datetime],
    post_id: uuid.UUID,
    category: HideCategory,
    reason: str,
) -> StatementHide | None:
    """Log `statement_hidden` for the statement a post shows (None: it shows none)."""
    statements = StatementRepository(db)
    statement = statements.of_post(post_id)
    if statement is None:
        return None
    if category not in HIDE_CATEGORIES:
        raise BadRequest(
            "invalid category",
            f"choose one of: {', '.join(HIDE_CATEGORIES)}",
            field="category",
        )
    now = clock()
    reason_sha256 = hashlib.sha256(reason.encode("utf-8")).hexdigest()
    entry = StatementHidden(
        at=moment(now), statement=str(statement.id), reason=category, reason_sha256=reason_sha256
    )
    [index] = append_entries(db, [entry], clock)
    return statements.add_hide(
        StatementHide(
            log_index=index,
            statement_id=statement.id,
            category=category,
            reason_sha256=reason_sha256,
            hidden_at=now,
        )
    )
