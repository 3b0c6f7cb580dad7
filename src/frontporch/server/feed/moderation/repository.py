"""All SQL of reports and moderation. Reads that serve operators say so; no read
returns who reported a post."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select, update

from frontporch.server.feed.models import ModerationAction, PostReport
from frontporch.server.feed.moderation.views import QueueEntry
from frontporch.server.kit.repository import Repository


class ReportRepository(Repository[PostReport]):
    """Reports and the moderation queue."""

    def has_open(self, post_id: uuid.UUID, reporter_id: uuid.UUID) -> bool:
        """Whether this person already has an open report on this post."""
        found = self.db.scalar(
            select(PostReport.id).where(
                PostReport.post_id == post_id,
                PostReport.reporter_id == reporter_id,
                PostReport.resolved_at.is_(None),
            )
        )
        return found is not None

    def resolve_open(self, post_id: uuid.UUID, now: datetime) -> int:
        """Mark a post's open reports resolved; how many there were."""
        result = self.db.execute(
            update(PostReport)
            .where(PostReport.post_id == post_id, PostReport.resolved_at.is_(None))
            .values(resolved_at=now)
        )
        return int(getattr(result, "rowcount", 0) or 0)

    def queue_for_operators(self, limit: int, offset: int) -> list[QueueEntry]:
        """Posts with open reports, most reported first, then longest waiting."""
        count = func.count(PostReport.id)
        first = func.min(PostReport.created_at)
        statement = (
            select(PostReport.post_id, count, first, func.max(PostReport.created_at))
            .where(PostReport.resolved_at.is_(None))
            .group_by(PostReport.post_id)
            .order_by(count.desc(), first, PostReport.post_id)
            .limit(limit)
            .offset(offset)
        )
        return [
            QueueEntry(post_id, int(reports), first_at, last_at)
            for post_id, reports, first_at, last_at in self.db.execute(statement)
        ]

    def open_reasons_for_operators(
        self, post_ids: Sequence[uuid.UUID]
    ) -> dict[uuid.UUID, list[tuple[str, int]]]:
        """Each post's open report reasons with how often each was given (no reporters)."""
        if not post_ids:
            return {}
        count = func.count(PostReport.id)
        rows = self.db.execute(
            select(PostReport.post_id, PostReport.reason, count)
            .where(PostReport.post_id.in_(post_ids), PostReport.resolved_at.is_(None))
            .group_by(PostReport.post_id, PostReport.reason)
            .order_by(PostReport.post_id, count.desc(), PostReport.reason)
        )
        reasons: dict[uuid.UUID, list[tuple[str, int]]] = {}
        for post_id, reason, times in rows:
            reasons.setdefault(post_id, []).append((reason, int(times)))
        return reasons


class ModerationRepository(Repository[ModerationAction]):
    """The moderation history of posts."""

    def history_for_operators(self, post_id: uuid.UUID) -> list[ModerationAction]:
        """Every action on a post, oldest first."""
        return list(
            self.db.scalars(
                select(ModerationAction)
                .where(ModerationAction.post_id == post_id)
                .order_by(ModerationAction.id)
            )
        )
