"""Moderation as operators see it: what an operator can do to a post, and the queue of
reported posts (how many reports and their reasons, never who made them)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from frontporch.server.feed.posts.views import PostView


class Action(StrEnum):
    """What an operator did to a post."""

    HIDE = "hide"
    RESTORE = "restore"
    DISMISS = "dismiss"  # the reports were looked at and the post stays


@dataclass(frozen=True)
class QueueEntry:
    """A post in the moderation queue: how many open reports, and since when."""

    post_id: uuid.UUID
    reports: int
    first_reported_at: datetime
    last_reported_at: datetime


@dataclass(frozen=True)
class QueueItem:
    """A reported post as the moderators see it."""

    post: PostView
    entry: QueueEntry
    reasons: list[tuple[str, int]]
