"""Tables of the agreements area: published agreements with agencies, and agency
statements (feed posts, request texts) as the agency submitted them.

`agreements` rows are written once: the database refuses UPDATE of what was published
and DELETE (migration 0013's triggers); a new agreement supersedes an old one. The
document (a PDF) is a blob under `agreements/<id>.pdf`; `document_sha256` was computed
while it was stored and is what `agreement_published` logged. `published_by` is the only
column that may change: it is cleared when the operator's account is deleted.

`agency_statements` keeps, per agency post or footage request, the submitted text as the
canonical JSON whose SHA-256 the `statement` entry logged (`submitted`, UTF-8 JSON text):
for a post `{"title", "body"}`, for a request `{"case_number", "contact",
"description"}`, before any trimming. Triggers refuse UPDATE of the submitted columns
here, of an agency post's `title`/`body` and of a request's case number, description and
contact: there is no way to edit what an agency said, only to hide a post (with
`statement_hidden` logged, kept in `statement_hides`). `post_id` and `request_id` are
cleared when the post or request is deleted; the statement (and its log entry) stays.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from frontporch.server.db import Base, UTCDateTime

AGREEMENT_KINDS = ("mou", "data_sharing", "pilot", "other")
STATEMENT_KINDS = ("post", "request")


class Agreement(Base):
    """An agreement between the operator and an agency, published with its document."""

    __tablename__ = "agreements"
    __table_args__ = (
        CheckConstraint("kind IN ('mou', 'data_sharing', 'pilot', 'other')", name="kind"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    agency_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("agencies.id", ondelete="RESTRICT"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(200))
    parties: Mapped[str] = mapped_column(String(1000))
    starts_on: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_on: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    document_key: Mapped[str] = mapped_column(String(100))
    document_sha256: Mapped[str] = mapped_column(String(64))
    document_size: Mapped[int] = mapped_column(BigInteger)
    log_index: Mapped[int] = mapped_column(BigInteger, unique=True)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime)
    published_by: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )


class AgencyStatement(Base):
    """An agency post or request text as submitted, and the `statement` entry of it."""

    __tablename__ = "agency_statements"
    __table_args__ = (CheckConstraint("kind IN ('post', 'request')", name="kind"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    kind: Mapped[str] = mapped_column(String(16))
    agency_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("agencies.id", ondelete="CASCADE"), index=True
    )
    # The post that shows it: an agency post, or the feed post of a request.
    post_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("posts.id", ondelete="SET NULL"), nullable=True, unique=True
    )
    request_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("footage_requests.id", ondelete="SET NULL"), nullable=True, unique=True
    )
    submitted: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    log_index: Mapped[int] = mapped_column(BigInteger, unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class StatementHide(Base):
    """An operator hid an agency statement's post: the `statement_hidden` entry."""

    __tablename__ = "statement_hides"

    log_index: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    statement_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("agency_statements.id", ondelete="CASCADE"), index=True
    )
    category: Mapped[str] = mapped_column(String(48))
    reason_sha256: Mapped[str] = mapped_column(String(64))
    hidden_at: Mapped[datetime] = mapped_column(UTCDateTime)
