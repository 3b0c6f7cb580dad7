"""What the feed's templates (and `base.html`'s navigation) can call: how an author is
shown, a category's label, a post's area, and the notifications badge.

`install` adds them to the app's template environment once (`create_app`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from jinja2 import Environment
from sqlalchemy.orm import Session, sessionmaker

from frontporch import geo
from frontporch.server.accounts.subject import AuthSubject
from frontporch.server.feed import rules
from frontporch.server.feed.live import LiveRepository
from frontporch.server.feed.models import Post
from frontporch.server.feed.repository import NotificationRepository
from frontporch.server.feed.service import PostView
from frontporch.sharing_protocol import Category


def author_line(view: PostView) -> str:
    """Who wrote a post, as its reader sees it: "You", an agency's name, or "Neighbor ·
    about 1.5 mi away" — never a name, an email or a home."""
    if view.mine:
        return "You"
    if view.author.kind == "agency":
        return view.author.label
    miles = view.author.distance_mi
    if miles is None:
        return rules.NEIGHBOR_LABEL
    if miles <= 0:
        return f"{rules.NEIGHBOR_LABEL} · in your hexagon"
    return f"{rules.NEIGHBOR_LABEL} · about {miles:g} mi away"


def category_label(value: str) -> str:
    """A stored category as people read it ("Lost & found pets")."""
    try:
        return Category(value).label
    except ValueError:
        return value


def post_area(post: Post) -> str:
    """The post's H3 cell, as the map and the live stream name it."""
    return geo.int_to_cell(post.cell)


@dataclass(frozen=True)
class Badge:
    """The navigation's notifications item: how many are unread, and the newest id (where
    the page's live stream starts)."""

    unread: int
    newest: int


def notification_badge(
    sessions: sessionmaker[Session],
) -> Callable[[AuthSubject | None], Badge | None]:
    """What `base.html` calls with the page's subject (None: no badge). One indexed count
    in its own short session, so pages need not pass it."""

    def badge(subject: AuthSubject | None) -> Badge | None:
        if subject is None:
            return None
        with sessions() as db:
            return Badge(
                NotificationRepository(db).unread_count(subject.user_id),
                LiveRepository(db).newest_notification_id(subject.user_id),
            )

    return badge


def install(env: Environment, sessions: sessionmaker[Session]) -> None:
    """Make the helpers above available to every template."""
    env.globals["notification_badge"] = notification_badge(sessions)
    env.globals["author_line"] = author_line
    env.globals["post_area"] = post_area
    env.filters["category_label"] = category_label
