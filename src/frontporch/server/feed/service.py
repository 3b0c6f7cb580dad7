"""The feed service: post from a home (or, for an agency, from a point), read a home's
feed, open and delete posts, and find a post's media.

Coordinates never reach this module: handlers turn an agency's latitude and longitude
into a cell with `geo.home_cell` first and drop them. Services change the session and
queue blob deletions with `after_commit`; they never commit (the request boundary does).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.orm import Session

from frontporch import geo
from frontporch.server.accounts.lockout import SignInLimits
from frontporch.server.accounts.models import Role
from frontporch.server.accounts.subject import AuthSubject
from frontporch.server.context import ServerContext
from frontporch.server.db import after_commit
from frontporch.server.feed import pagecache, rules
from frontporch.server.feed.agencies import AgencyRepository
from frontporch.server.feed.errors import (
    AgencyRequired,
    BlankText,
    NoMedia,
    NoPoster,
    NotYours,
    PostNotFound,
    UnknownHome,
    WrongLocation,
)
from frontporch.server.feed.models import Agency, Post
from frontporch.server.feed.pagequery import FeedPost
from frontporch.server.feed.repository import PostRepository
from frontporch.server.homes.errors import MediaNotYet
from frontporch.server.homes.models import Home
from frontporch.server.homes.repository import HomeRepository
from frontporch.sharing_protocol import Category

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Draft:
    """What a person wants to post; `cell` only for agencies (from their coordinates)."""

    category: Category
    title: str
    body: str
    home_id: uuid.UUID | None = None
    cell: str | None = None


@dataclass(frozen=True)
class PostView:
    """A post as one reader sees it (a feed page reads its posts as `FeedPost` rows)."""

    post: Post | FeedPost
    author: rules.AuthorView
    mine: bool
    moderator: bool  # the reader moderates: hidden posts and reasons are shown

    @property
    def shows_moderation(self) -> bool:
        """Whether the reader may see why the post was hidden (its author, operators)."""
        return self.mine or self.moderator


@dataclass(frozen=True)
class FeedPage:
    """One page of a home's feed and the cursor of the next, if any."""

    posts: list[PostView]
    next_cursor: str | None


@dataclass(frozen=True)
class MediaRef:
    """Where a post's media (or its poster frame) is kept and what it is."""

    key: str
    content_type: str
    size: int | None  # None: ask the store (a poster's size is not kept)


def media_key(post_id: uuid.UUID) -> str:
    """The blob key of a post's media."""
    return f"posts/{post_id.hex}"


def poster_key(post_id: uuid.UUID) -> str:
    """The blob key of a post's poster frame (beside its media, so the sweep sees it)."""
    return f"posts/{post_id.hex}.poster"


def blob_keys(post: Post) -> list[str]:
    """Every blob a post owns: its media and its poster frame."""
    return [key for key in (post.media_key, post.poster_key) if key is not None]


def clean_text(value: str, field: str) -> str:
    """Text without surrounding whitespace; BlankText if nothing is left."""
    value = value.strip()
    if not value:
        raise BlankText(field)
    return value


class FeedService:
    """Posts and feeds of one request's database session."""

    def __init__(self, db: Session, context: ServerContext) -> None:
        self.db = db
        self.context = context
        self.posts = PostRepository(db)
        self.homes = HomeRepository(db)
        self.agencies = AgencyRepository(db)

    # -- who is reading ------------------------------------------------------------------

    def viewer(self, subject: AuthSubject) -> rules.Viewer:
        """The caller as the visibility rules see it: account, operator or not, home cells
        and when each opens media, or, for an agency member, its verified agency.

        By role, not by data: an agency member gets no home cells even if home rows
        still name it (homes/roles.py lets them go when the role changes)."""
        if subject.user.role == Role.AGENCY_MEMBER.value:
            agency = self.agencies.verified_of(subject.user)
            return rules.Viewer(subject.user_id, False, (), agency.id if agency else None)
        homes = self.homes.list_for(subject)
        delay = timedelta(hours=self.context.settings.home_media_delay_h)
        return rules.Viewer(
            subject.user_id,
            subject.is_operator,
            tuple(home.cell for home in homes),
            media_from=tuple((home.cell, home.created_at + delay) for home in homes),
        )

    def own_home(self, subject: AuthSubject, home_id: uuid.UUID) -> Home:
        """One of the caller's homes; UnknownHome (field home_id) for any other."""
        home = self.homes.get_readable(subject, home_id)
        if home is None:
            raise UnknownHome()
        return home

    def view(self, viewer: rules.Viewer, post: Post, viewer_cell: int | None) -> PostView:
        """How `viewer`, reading from the home in `viewer_cell`, sees a post."""
        return self.views(viewer, [post], viewer_cell)[0]

    def views(
        self,
        viewer: rules.Viewer,
        posts: Sequence[Post | FeedPost],
        viewer_cell: int | None,
    ) -> list[PostView]:
        """How `viewer` sees several posts (agency names looked up once, if any)."""
        names = self.posts.agency_names(post.agency_id for post in posts)
        # Neighbors by the post's cell: posts of a busy cell share one (H3 distances).
        neighbors: dict[int, rules.AuthorView] = {}
        views = []
        for post in posts:
            name = names.get(post.agency_id) if post.agency_id else None
            if name is None and viewer_cell is not None:
                author = neighbors.get(post.cell) or rules.author_view(None, viewer_cell, post.cell)
                neighbors[post.cell] = author
            else:
                cell = (
                    viewer_cell
                    if viewer_cell is not None
                    else rules.nearest_home(viewer, post.cell)
                )
                author = rules.author_view(name, cell, post.cell)
            views.append(
                PostView(
                    post=post,
                    author=author,
                    mine=post.author_id == viewer.user_id,
                    moderator=viewer.is_operator,
                )
            )
        return views

    # -- posting -------------------------------------------------------------------------

    def create_post(self, subject: AuthSubject, draft: Draft) -> PostView:
        """A new post: a resident's in the cell of the home posted from, an agency's in
        the cell of the point it gave, signed with the agency's name."""
        self.limit_posts(subject.user_id)
        title = clean_text(draft.title, "title")
        body = draft.body.strip()
        agency: Agency | None = None
        home: Home | None = None
        if subject.user.role == Role.AGENCY_MEMBER.value:
            agency = self.agency_of(subject)
            if draft.home_id is not None:
                raise WrongLocation(
                    "Agency posts are placed by latitude and longitude, not by a home.",
                    "home_id",
                )
            if draft.cell is None:
                raise WrongLocation(
                    "Give the latitude and longitude the post is about; only its "
                    "neighborhood cell is kept.",
                    "latitude",
                )
            cell = geo.cell_to_int(draft.cell)
        else:
            if draft.cell is not None:
                raise WrongLocation(
                    "Residents post from one of their homes: give home_id, and the post "
                    "is placed in the home's neighborhood cell.",
                    "latitude",
                )
            if draft.home_id is None:
                raise WrongLocation("Give home_id: the home you are posting from.", "home_id")
            home = self.own_home(subject, draft.home_id)
            cell = home.cell
        post = self.posts.add(
            Post(
                seq=self.posts.next_seq(),
                author_id=subject.user_id,
                home_id=home.id if home else None,
                agency_id=agency.id if agency else None,
                cell=cell,
                category=draft.category.value,
                title=title,
                body=body,
                created_at=self.context.clock(),
                comment_count=0,
            )
        )
        log.info("post %s created", post.id)
        viewer = self.viewer(subject)
        return self.view(viewer, post, home.cell if home else None)

    def agency_of(self, subject: AuthSubject) -> Agency:
        """The verified agency an agency member acts for; AgencyRequired if none."""
        agency = self.agencies.verified_of(subject.user)
        if agency is None:
            raise AgencyRequired()
        return agency

    def limit_posts(self, user_id: uuid.UUID) -> None:
        """Count one post against the author's hourly quota (429 when spent)."""
        SignInLimits(self.db, self.context).quota(
            "feed-post",
            str(user_id),
            self.context.settings.feed_posts_per_hour,
            "posts from this account",
        )

    # -- reading -------------------------------------------------------------------------

    def feed(
        self,
        subject: AuthSubject,
        home_id: uuid.UUID,
        radius_mi: float,
        category: Category | None,
        before: str | None,
        limit: int,
    ) -> FeedPage:
        """The newest posts within `radius_mi` of one of the caller's homes, hidden posts
        left out (except the caller's own, marked hidden), after the `before` cursor."""
        home = self.own_home(subject, home_id)
        wanted = category.value if category else None
        before_seq = rules.decode_post_cursor(before) if before else None
        cells = rules.area_cells(home.cell, radius_mi)
        return self.cells_page(subject, home.cell, cells, wanted, before_seq, limit)

    def feed_page(
        self,
        subject: AuthSubject,
        home_id: uuid.UUID,
        radius_mi: float,
        category: Category | None,
        before: str | None,
        limit: int,
        render: Callable[[Sequence[PostView]], list[pagecache.RenderedPost]],
    ) -> pagecache.RenderedPage:
        """`feed`, its posts rendered by `render`: the visible posts from the process's
        page cache while the feed has not changed (feed/pagecache.py), the caller's own
        hidden posts merged in per request."""
        before_seq = rules.decode_post_cursor(before) if before else None
        # First the change counter, then the page: a kept page is never older than its tag.
        state = self.posts.reader_state(subject.user_id, home_id)
        if state is None:
            raise UnknownHome()
        wanted = category.value if category else None
        cells = rules.area_cells(state.cell, radius_mi)
        viewer = rules.Viewer(subject.user_id, subject.is_operator, (state.cell,))
        key = pagecache.PageKey(state.cell, radius_mi, wanted, before_seq, limit)
        pages = self.context.feed_pages
        page = pages.get(key, state.changes)
        if page is None:
            found = self.posts.visible_page(cells, before_seq, wanted, limit + 1)
            views = self.views(viewer, found[:limit], state.cell)
            page = pagecache.RenderedPage(tuple(render(views)), len(found) > limit)
            pages.put(key, state.changes, page)
        if state.has_hidden_posts:  # rare: shown to their author only, marked hidden
            own = self.posts.own_hidden(subject.user_id, cells, before_seq, wanted, limit + 1)
            page = page.merged(render(self.views(viewer, own, state.cell)), limit)
        return page

    def cells_page(
        self,
        subject: AuthSubject,
        home_cell: int,
        cells: Sequence[int],
        category: str | None,
        before_seq: int | None,
        limit: int,
    ) -> FeedPage:
        """A page of the posts in `cells` as the caller sees them from the home in
        `home_cell` (their own hidden posts included, marked hidden)."""
        found = self.posts.reader_page(subject.user_id, cells, before_seq, category, limit + 1)
        page = found[:limit]
        more = len(found) > limit
        next_cursor = rules.encode_post_cursor(page[-1].seq) if more and page else None
        # Read from this one home: distances are measured from it, and whether a post
        # is readable is settled by the query, so the caller's other homes (`viewer`,
        # a query) are not needed.
        viewer = rules.Viewer(subject.user_id, subject.is_operator, (home_cell,))
        return FeedPage(self.views(viewer, page, home_cell), next_cursor)

    def readable(self, subject: AuthSubject, post_id: uuid.UUID) -> tuple[rules.Viewer, Post]:
        """The caller and a post it may read; PostNotFound otherwise."""
        viewer = self.viewer(subject)
        post = self.posts.get_readable(viewer, post_id)
        if post is None:
            raise PostNotFound()
        return viewer, post

    def get_post(
        self, subject: AuthSubject, post_id: uuid.UUID, home_id: uuid.UUID | None = None
    ) -> PostView:
        """One post the caller may read; its distance from `home_id` (default: the
        caller's nearest home)."""
        viewer, post = self.readable(subject, post_id)
        cell = self.own_home(subject, home_id).cell if home_id else None
        return self.view(viewer, post, cell)

    def media(self, subject: AuthSubject, post_id: uuid.UUID) -> MediaRef:
        """Where the media of a post the caller may read is kept; NoMedia if it has none."""
        viewer, post = self.readable(subject, post_id)
        if post.media_key is None or post.media_type is None:
            raise NoMedia()
        self._check_media_open(viewer, post)
        return MediaRef(post.media_key, post.media_type, int(post.media_size or 0))

    def _check_media_open(self, viewer: rules.Viewer, post: Post) -> None:
        """MediaNotYet while the reader's homes near the post are too new to open its
        media (and poster): `home_media_delay_h`, threat model "crawling areas"."""
        opens_at = rules.media_opens_at(
            viewer, post.author_id, post.cell, post.agency_id, self.context.clock()
        )
        if opens_at is not None:
            raise MediaNotYet(opens_at)

    def poster(self, subject: AuthSubject, post_id: uuid.UUID) -> MediaRef:
        """Where the poster frame of a post the caller may read is kept (the same rule as
        its media); NoPoster if it has none."""
        viewer, post = self.readable(subject, post_id)
        if post.poster_key is None:
            raise NoPoster()
        self._check_media_open(viewer, post)
        return MediaRef(post.poster_key, rules.JPEG, None)

    # -- deleting ------------------------------------------------------------------------

    def delete_post(self, subject: AuthSubject, post_id: uuid.UUID) -> None:
        """Delete a post (its author or an operator), with its comments, reports and
        history; its media and poster blobs are removed once the deletion has committed."""
        viewer, post = self.readable(subject, post_id)
        if post.author_id != viewer.user_id and not viewer.is_operator:
            raise NotYours("delete this post")
        keys = blob_keys(post)
        self.posts.delete(post)
        if keys:
            blobs = self.context.blobs

            def delete_blobs() -> None:
                for key in keys:
                    blobs.delete(key)

            after_commit(self.db, delete_blobs)
        log.info("post %s deleted", post_id)
