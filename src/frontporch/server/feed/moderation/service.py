"""Reports and moderation.

Anyone who may read a post (but its author) can report it while it is not hidden, once
while the report is open; the post then waits in the operators' queue, most-reported
first. Operators see how many reports a post has and their reasons, never who made them.
An operator hides a post (it leaves every feed; its author still sees it, marked hidden
with the reason), restores it, or dismisses its reports; each of the three resolves the
open reports and is kept in `moderation_actions`, the post's history. Hiding and
restoring notify the author; reporters hear nothing (which would tell them what the
moderators decided about someone else).
"""

from __future__ import annotations

import logging
import uuid

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from frontporch.server.accounts.subject import AuthSubject
from frontporch.server.agreements.statements import HideCategory, hide_statement
from frontporch.server.context import ServerContext
from frontporch.server.feed import rules
from frontporch.server.feed.errors import (
    AlreadyReported,
    ModerationConflict,
    OwnPost,
    PostNotFound,
    ReportOnHidden,
)
from frontporch.server.feed.models import ModerationAction, Post, PostReport
from frontporch.server.feed.moderation.repository import ModerationRepository, ReportRepository
from frontporch.server.feed.moderation.views import Action, QueueItem
from frontporch.server.feed.notifications.service import notify
from frontporch.server.feed.notifications.views import NotificationKind
from frontporch.server.feed.posts.service import PostService
from frontporch.server.feed.posts.views import PostView
from frontporch.server.kit.quotas import quotas_of

log = logging.getLogger(__name__)


class ModerationService:
    """Reports and moderation in one request's database session."""

    def __init__(self, db: Session, context: ServerContext) -> None:
        self.db = db
        self.context = context
        self.posts = PostService(db, context)
        self.reports = ReportRepository(db)
        self.history_of = ModerationRepository(db)

    # -- reports (anyone who may read the post) ------------------------------------------------

    def report(self, subject: AuthSubject, post_id: uuid.UUID, reason: str) -> PostReport:
        """Ask the moderators to look at a post; one open report per person and post."""
        quotas_of(self.context).spend(
            "feed-report",
            str(subject.user_id),
            self.context.settings.feed_reports_per_hour,
            "reports from this account",
        )
        text = rules.clean_text(reason, "reason")
        _, post = self.posts.readable(subject, post_id)
        if post.author_id == subject.user_id:
            raise OwnPost()
        if not rules.can_report(mine=False, hidden=post.hidden_at is not None):
            raise ReportOnHidden()
        if self.reports.has_open(post.id, subject.user_id):
            raise AlreadyReported()
        try:
            with self.db.begin_nested():
                report = self.reports.add(
                    PostReport(
                        post_id=post.id,
                        reporter_id=subject.user_id,
                        reason=text,
                        created_at=self.context.clock(),
                    )
                )
        except IntegrityError:  # the same person reported twice at the same moment
            raise AlreadyReported() from None
        log.info("post %s reported", post.id)
        return report

    def has_open_report(self, subject: AuthSubject, post_id: uuid.UUID) -> bool:
        """Whether the caller has reported this post and no moderator has acted yet."""
        return self.reports.has_open(post_id, subject.user_id)

    # -- the queue and actions (operators) ------------------------------------------------------

    def queue(self, subject: AuthSubject, limit: int, offset: int) -> list[QueueItem]:
        """Posts with open reports, most reported first, with their reasons."""
        entries = self.reports.queue_for_operators(limit, offset)
        reasons = self.reports.open_reasons_for_operators([e.post_id for e in entries])
        viewer = self.posts.viewer(subject)
        items = []
        for entry in entries:
            post = self.posts.posts.get_for_moderation(entry.post_id)
            if post is None:  # deleted since the queue was read
                continue
            items.append(
                QueueItem(self.posts.view(viewer, post, None), entry, reasons.get(post.id, []))
            )
        return items

    def _post(self, post_id: uuid.UUID) -> Post:
        post = self.posts.posts.get_for_moderation(post_id)
        if post is None:
            raise PostNotFound()
        return post

    def act(
        self,
        subject: AuthSubject,
        post_id: uuid.UUID,
        action: Action,
        reason: str,
        category: HideCategory = "other",
    ) -> PostView:
        """Hide, restore or dismiss: resolve the open reports, record why, tell the author.
        Hiding an agency's post also logs `statement_hidden` (`category`, the reason's
        hash): its words stay as submitted."""
        text = rules.clean_text(reason, "reason")
        post = self._post(post_id)
        now = self.context.clock()
        if action is Action.HIDE:
            if post.hidden_at is not None:
                raise ModerationConflict("hidden")
            post.hidden_at, post.hidden_reason = now, text
            hide_statement(self.db, self.context.clock, post.id, category, text)
        elif action is Action.RESTORE:
            if post.hidden_at is None:
                raise ModerationConflict("visible")
            post.hidden_at, post.hidden_reason = None, None
        self.reports.resolve_open(post.id, now)
        self.history_of.add(
            ModerationAction(
                post_id=post.id,
                operator_id=subject.user_id,
                action=action.value,
                reason=text,
                at=now,
            )
        )
        kind = {
            Action.HIDE: NotificationKind.YOUR_POST_HIDDEN,
            Action.RESTORE: NotificationKind.YOUR_POST_RESTORED,
        }.get(action)
        if kind is not None and post.author_id != subject.user_id:
            notify(self.db, post.author_id, kind, post.id, now)
        log.info("post %s: %s by operator %s", post.id, action.value, subject.user_id)
        return self.posts.view(self.posts.viewer(subject), post, None)

    def history(self, post_id: uuid.UUID) -> list[ModerationAction]:
        """Every moderation action on a post, oldest first."""
        return self.history_of.history_for_operators(self._post(post_id).id)
