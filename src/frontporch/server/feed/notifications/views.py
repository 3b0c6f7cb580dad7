"""Notifications as their owner sees them: the kinds, a page of the inbox, one line of
the notifications page, and the header's badge."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from frontporch.server.feed.models import Notification


class NotificationKind(StrEnum):
    """What happened."""

    COMMENT_ON_YOUR_POST = "comment_on_your_post"
    YOUR_POST_HIDDEN = "your_post_hidden"
    YOUR_POST_RESTORED = "your_post_restored"
    # An agency's footage request covers the reader's home (the post is the request's).
    FOOTAGE_REQUEST_NEARBY = "footage_request_nearby"
    # A legal demand named the reader's account (about `demand_id`, not a post).
    LEGAL_NOTICE = "legal_notice"


KIND_TEXT = {
    NotificationKind.COMMENT_ON_YOUR_POST.value: "New comment on your post",
    NotificationKind.YOUR_POST_HIDDEN.value: "A moderator hid your post",
    NotificationKind.YOUR_POST_RESTORED.value: "A moderator restored your post",
    NotificationKind.FOOTAGE_REQUEST_NEARBY.value: (
        "An agency asked for footage near your home; review it on your hub"
    ),
    NotificationKind.LEGAL_NOTICE.value: (
        "A legal demand named your account: see what was asked and what the server gave"
    ),
}


def notification_url(notification: Notification) -> str:
    """Where a notification leads: its post, or (a legal notice) the demand's notice."""
    if notification.post_id is None:
        return f"/legal/notices/{notification.demand_id}"
    return f"/posts/{notification.post_id}"


@dataclass(frozen=True)
class Inbox:
    """A page of someone's notifications, how many are unread, and where the next starts."""

    notifications: list[Notification]
    unread: int
    next_before: int | None


@dataclass(frozen=True)
class NotificationLine:
    """One notification as the page lists it."""

    notification: Notification
    text: str
    title: str | None  # the post's title (always the reader's own post)
    url: str

    @property
    def unread(self) -> bool:
        """Not yet marked read."""
        return self.notification.read_at is None


@dataclass(frozen=True)
class InboxPage:
    """The notifications page: its lines, how many are unread, where the next starts."""

    lines: list[NotificationLine]
    unread: int
    next_before: int | None


@dataclass(frozen=True)
class Badge:
    """The navigation's notifications item: how many are unread, and the newest id (where
    the page's live stream starts)."""

    unread: int
    newest: int
