"""Posts: post from a home (or, for an agency, from a point), open one post and its
media, delete posts, and list an agency's own. Reading a home's feed is
`posts/reading.py`.

Coordinates never reach this module: handlers turn an agency's latitude and longitude
into a cell with `geo.home_cell` first and drop them. Services change the session and
queue blob deletions with `after_commit`; they never commit (the request boundary does).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.orm import Session

from frontporch import geo
from frontporch.protocol import Category
from frontporch.server.accounts.models import Role
from frontporch.server.accounts.subject import AuthSubject
from frontporch.server.agencies.models import Agency
from frontporch.server.agencies.repository import AgencyRepository
from frontporch.server.agreements.errors import NotEditable
from frontporch.server.agreements.statements import is_statement, record_statement
from frontporch.server.context import ServerContext
from frontporch.server.db import after_commit
from frontporch.server.feed import rules
from frontporch.server.feed.errors import (
    AgencyRequired,
    NoMedia,
    NoPoster,
    NotYours,
    PostNotFound,
    UnknownHome,
    WrongLocation,
)
from frontporch.server.feed.models import Post
from frontporch.server.feed.posts.media import blob_keys
from frontporch.server.feed.posts.repository import PostRepository
from frontporch.server.feed.posts.views import FeedPost, MediaRef, PostList, PostView, post_views
from frontporch.server.homes.errors import MediaNotYet
from frontporch.server.homes.models import Home
from frontporch.server.homes.repository import HomeRepository
from frontporch.server.kit.quotas import quotas_of

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Draft:
    """What a person wants to post; `cell` only for agencies (from their coordinates)."""

    category: Category
    title: str
    body: str
    home_id: uuid.UUID | None = None
    cell: str | None = None


class PostService:
    """Posts of one request's database session."""

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

    def homes_of(self, subject: AuthSubject) -> list[Home]:
        """The caller's homes, the places it reads and posts from."""
        return self.homes.list_for(subject)

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
        names = self.agencies.names(post.agency_id for post in posts)
        return post_views(viewer, posts, viewer_cell, names)

    # -- posting -------------------------------------------------------------------------

    def create_post(self, subject: AuthSubject, draft: Draft) -> PostView:
        """A new post: a resident's in the cell of the home posted from, an agency's in
        the cell of the point it gave, signed with the agency's name."""
        self.limit_posts(subject.user_id)
        title = rules.clean_text(draft.title, "title")
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
                # An agency's words are kept exactly as submitted (agreements area).
                title=draft.title if agency else title,
                body=draft.body if agency else body,
                created_at=self.context.clock(),
                comment_count=0,
            )
        )
        if agency is not None:
            record_statement(
                self.db,
                self.context.clock,
                kind="post",
                agency_id=agency.id,
                fields={"title": draft.title, "body": draft.body},
                post_id=post.id,
            )
        log.info("post %s created", post.id)
        viewer = self.viewer(subject)
        return self.view(viewer, post, home.cell if home else None)

    def verified_agency(self, subject: AuthSubject) -> Agency | None:
        """The verified agency the caller acts for, if it is an agency member of one."""
        return self.agencies.verified_of(subject.user)

    def agency_of(self, subject: AuthSubject) -> Agency:
        """The verified agency an agency member acts for; AgencyRequired if none."""
        agency = self.verified_agency(subject)
        if agency is None:
            raise AgencyRequired()
        return agency

    def limit_posts(self, user_id: uuid.UUID) -> None:
        """Count one post against the author's hourly quota (429 when spent)."""
        quotas_of(self.context).spend(
            "feed-post",
            str(user_id),
            self.context.settings.feed_posts_per_hour,
            "posts from this account",
        )

    # -- one post ------------------------------------------------------------------------

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

    def poster(self, subject: AuthSubject, post_id: uuid.UUID) -> MediaRef:
        """Where the poster frame of a post the caller may read is kept (the same rule as
        its media); NoPoster if it has none."""
        viewer, post = self.readable(subject, post_id)
        if post.poster_key is None:
            raise NoPoster()
        self._check_media_open(viewer, post)
        return MediaRef(post.poster_key, rules.JPEG, None)

    def _check_media_open(self, viewer: rules.Viewer, post: Post) -> None:
        """MediaNotYet while the reader's homes near the post are too new to open its
        media (and poster): `home_media_delay_h`, threat model "crawling areas"."""
        opens_at = rules.media_opens_at(
            viewer, post.author_id, post.cell, post.agency_id, self.context.clock()
        )
        if opens_at is not None:
            raise MediaNotYet(opens_at)

    # -- an agency's posts ---------------------------------------------------------------

    def agency_posts(self, subject: AuthSubject, before: str | None, limit: int) -> PostList:
        """The newest posts of the caller's agency below the `before` cursor (its own
        hidden ones included, marked hidden); none without a verified agency."""
        viewer = self.viewer(subject)
        before_seq = rules.decode_post_cursor(before) if before else None
        found = self.posts.agency_page(viewer, before_seq, limit + 1)
        page = found[:limit]
        next_cursor = None
        if len(found) > limit and page:
            next_cursor = rules.encode_post_cursor(page[-1].seq)
        return PostList(self.views(viewer, page, None), next_cursor)

    # -- deleting ------------------------------------------------------------------------

    def delete_post(self, subject: AuthSubject, post_id: uuid.UUID) -> None:
        """Delete a post (its author or an operator), with its comments, reports and
        history; its media and poster blobs are removed once the deletion has committed."""
        viewer, post = self.readable(subject, post_id)
        if post.author_id != viewer.user_id and not viewer.is_operator:
            raise NotYours("delete this post")
        if post.author_id != viewer.user_id and is_statement(self.db, post.id):
            raise NotEditable()  # an operator hides an agency's post, with a logged reason
        keys = blob_keys(post)
        self.posts.delete(post)
        if keys:
            blobs = self.context.blobs

            def delete_blobs() -> None:
                for key in keys:
                    blobs.delete(key)

            after_commit(self.db, delete_blobs)
        log.info("post %s deleted", post_id)
