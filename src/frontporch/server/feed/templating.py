"""What the feed's templates (and the moderation queue's) use to show a post: how its
author is shown, a category's label, and a post's area. Pure functions of the values a
page was given; none reads anything.

`install` adds them to the app's template environment once (`create_app`).
"""

from __future__ import annotations

from jinja2 import Environment

from frontporch import geo
from frontporch.protocol import Category
from frontporch.server.feed import rules
from frontporch.server.feed.models import Post
from frontporch.server.feed.posts.views import FeedPost, PostView


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


def post_area(post: Post | FeedPost) -> str:
    """The post's H3 cell, as the map and the live stream name it."""
    return geo.int_to_cell(post.cell)


def install(env: Environment) -> None:
    """Make the helpers above available to every template."""
    env.globals["author_line"] = author_line
    env.globals["post_area"] = post_area
    env.filters["category_label"] = category_label
