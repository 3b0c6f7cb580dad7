"""The Neighbors feed pages: a home's feed with its map of post areas (`GET /feed`) and
writing a post (`GET`/`POST /posts/new`). A post's own page is `post_page.py`.

The feed page reads through the same path as `GET /api/feed` (`reading.FeedReader`:
the same cached pages, the reader's own hidden posts merged in the same place): one of
the caller's homes, a radius of 1 to 5 miles, a category, newest first with "Load
older" (the same keyset cursor). Clicking a hexagon of the map narrows the list to that
hexagon (`cell=`). With `feed.js` the page also listens for new posts (`feed/live.py`)
and loads older ones in place; without it every control is a plain link or form.

Writing a post goes through the API's own request model (`PostIn`) and `PostService`,
so the page and the API refuse the same things; each mistake is shown next to its
field. Agency members place a post by coordinates, which are turned into a cell here
and never stored, logged or put back into the page.
"""

from __future__ import annotations

import math
import uuid
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response

from frontporch import geo
from frontporch.protocol import Category
from frontporch.server.accounts.auth import SignedIn, signed_in
from frontporch.server.accounts.models import Role
from frontporch.server.accounts.subject import AuthSubject
from frontporch.server.context import Context, ServerContext
from frontporch.server.db import DbSession
from frontporch.server.errors import ServerError
from frontporch.server.feed import rules
from frontporch.server.feed.errors import WrongLocation
from frontporch.server.feed.forms import FormErrors, FormShort, FormText, parse
from frontporch.server.feed.params import Cursor
from frontporch.server.feed.posts.feedmap import area_map
from frontporch.server.feed.posts.pagecache import FeedPages
from frontporch.server.feed.posts.reading import FeedReader
from frontporch.server.feed.posts.schemas import PostIn
from frontporch.server.feed.posts.service import Draft, PostService
from frontporch.server.homes.access import Household, household
from frontporch.server.homes.models import Home
from frontporch.server.kit.pages import render
from frontporch.server.routing import protected_router

PAGE_SIZE = 20
MAP_WINDOW = 200  # the map shades the cells of the newest this many posts of the area
RADII = (1, 2, 3, 4, 5)
CELL_PATTERN = r"^[0-9a-f]{15}$"

feed_pages: APIRouter = protected_router(household, include_in_schema=False)
post_form: APIRouter = protected_router(signed_in, include_in_schema=False)


# -- what the templates show ------------------------------------------------------------------


def feed_url(params: dict[str, Any], **changes: Any) -> str:
    """`/feed` with the query parameters `params` updated by `changes` (None and empty
    ones left out)."""
    merged = {**params, **changes}
    kept = {name: str(value) for name, value in merged.items() if value not in (None, "")}
    return "/feed" + (f"?{urlencode(kept)}" if kept else "")


def _radius_text(radius_mi: float) -> str:
    return "1 mile" if radius_mi == 1 else f"{radius_mi:g} miles"


# -- the feed --------------------------------------------------------------------------------


def _pick_home(homes: list[Home], home_id: uuid.UUID | None) -> Home:
    if home_id is None:
        return homes[0]
    for home in homes:
        if home.id == home_id:
            return home
    raise ServerError(
        "home not found",
        "That is not one of your homes; choose one from the list on the feed page.",
        status=404,
    )


def _chosen_cell(cell: str | None) -> int | None:
    """The hexagon `cell=` names, or None when it names none: fifteen hex digits (what
    the query pattern lets through) are not always an H3 cell, and must be checked
    before they are converted."""
    if not cell or not geo.is_cell(cell):
        return None
    return geo.cell_to_int(cell)


@feed_pages.get("/feed")
def feed_page(
    request: Request,
    db: DbSession,
    context: Context,
    pages: FeedPages,
    subject: Household,
    home_id: Annotated[uuid.UUID | None, Query()] = None,
    radius_mi: Annotated[
        float, Query(ge=rules.MIN_RADIUS_MI, le=rules.MAX_RADIUS_MI)
    ] = rules.DEFAULT_RADIUS_MI,
    category: Annotated[Category | None, Query()] = None,
    cell: Annotated[str | None, Query(pattern=CELL_PATTERN)] = None,
    before: Cursor = None,
    done: Annotated[str, Query(max_length=20)] = "",
) -> Response:
    """Posts around one of the caller's homes, newest first, with the map of post areas."""
    reader = FeedReader(db, context, pages)
    homes = reader.service.homes_of(subject)
    if not homes:
        return render(request, context, "feed/index.html", subject, nav="feed", homes=[])
    home = _pick_home(homes, home_id)
    area = rules.area_cells(home.cell, radius_mi)
    notice = {"deleted": "Post deleted."}.get(done)
    chosen = _chosen_cell(cell)
    if cell and chosen is None:  # the pattern of a cell, but none (a mangled link)
        notice = "That hexagon is not on the map; showing the whole area."
        cell = None
    elif chosen is not None and chosen not in set(area):
        notice = f"That hexagon is not within {_radius_text(radius_mi)}; showing the whole area."
        chosen = cell = None
    page = reader.page(subject, home.id, radius_mi, category, before, PAGE_SIZE, chosen)
    posts = page.views_for(subject.user_id, subject.is_operator)
    window = reader.post_cells(area, category, MAP_WINDOW)
    wanted = category.value if category else None
    params = {
        "home_id": home.id if len(homes) > 1 else None,
        "radius_mi": f"{radius_mi:g}" if radius_mi != rules.DEFAULT_RADIUS_MI else None,
        "category": wanted,
    }
    newest_seq = max((view.post.seq for view in posts), default=0)
    live_query = {"home_id": home.id, "radius_mi": f"{radius_mi:g}", "after": newest_seq}
    if wanted:
        live_query["category"] = wanted
    next_cursor = page.next_cursor
    return render(
        request,
        context,
        "feed/index.html",
        subject,
        nav="feed",
        notice=notice,
        homes=homes,
        home=home,
        radius_mi=radius_mi,
        radius_text=_radius_text(radius_mi),
        radii=RADII,
        categories=list(Category),
        category=category,
        cell=cell,
        params=params,
        feed_url=feed_url,
        posts=posts,
        older_url=feed_url(params, cell=cell, before=next_cursor) if next_cursor else None,
        newer_url=feed_url(params, cell=cell) if before else None,
        live_url=None if before else f"/api/feed/events?{urlencode(live_query)}",
        area=area_map(home.cell, area, window),
        map_window_full=len(window) >= MAP_WINDOW,
    )


# -- writing a post ------------------------------------------------------------------------------


def _post_form_values(
    db: DbSession, context: ServerContext, subject: AuthSubject
) -> dict[str, Any]:
    service = PostService(db, context)
    is_agency = subject.user.role == Role.AGENCY_MEMBER.value
    return {
        "nav": "feed",
        "categories": list(Category),
        "is_agency": is_agency,
        "agency": service.verified_agency(subject) if is_agency else None,
        "homes": [] if is_agency else service.homes_of(subject),
    }


@post_form.get("/posts/new")
def new_post_page(
    request: Request,
    db: DbSession,
    context: Context,
    subject: SignedIn,
    home_id: Annotated[uuid.UUID | None, Query()] = None,
    done: Annotated[str, Query(max_length=20)] = "",
) -> Response:
    """The form to write a post: category, title, text, and the home it is posted from
    (agency members: where it is about, by coordinates)."""
    return render(
        request,
        context,
        "feed/new.html",
        subject,
        form={"home_id": str(home_id) if home_id else ""},
        errors={},
        notice={"deleted": "Post deleted."}.get(done),
        **_post_form_values(db, context, subject),
    )


def _coordinate(text: str) -> float | str | None:
    """A typed coordinate as a number (commas accepted), or the text for the model to refuse."""
    text = text.strip().replace(",", ".")
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        return text
    return value if math.isfinite(value) else text


def _draft(subject: AuthSubject, form: dict[str, str]) -> Draft:
    """The post a form describes, checked by the API's own model; FormErrors if not."""
    is_agency = subject.user.role == Role.AGENCY_MEMBER.value
    values: dict[str, Any] = {"title": form["title"], "body": form["body"]}
    if form["category"]:
        values["category"] = form["category"]
    if is_agency:
        values["latitude"] = _coordinate(form["latitude"])
        values["longitude"] = _coordinate(form["longitude"])
        if values["latitude"] is None and values["longitude"] is None:
            raise FormErrors({"latitude": "Give the latitude and longitude the post is about."})
    else:
        values["home_id"] = form["home_id"] or None
        if values["home_id"] is None:
            raise FormErrors({"home_id": "Choose the home you are posting from."})
    checked = parse(PostIn, values)
    cell = None
    if checked.latitude is not None and checked.longitude is not None:
        try:
            cell = geo.home_cell(checked.latitude, checked.longitude)
        except geo.GeoError as exc:
            raise FormErrors.of(WrongLocation(f"{exc}.", "latitude")) from None
    return Draft(checked.category, checked.title, checked.body, checked.home_id, cell)


@post_form.post("/posts/new")
def create_post(
    request: Request,
    db: DbSession,
    context: Context,
    subject: SignedIn,
    category: FormShort = "",
    title: FormText = "",
    body: FormText = "",
    home_id: FormShort = "",
    latitude: FormShort = "",
    longitude: FormShort = "",
) -> Response:
    """Post, then open the new post's page; the form again with each mistake beside its
    field otherwise (coordinates are never put back into the page)."""
    form = {"category": category, "title": title, "body": body, "home_id": home_id}
    try:
        draft = _draft(subject, {**form, "latitude": latitude, "longitude": longitude})
        view = PostService(db, context).create_post(subject, draft)
    except (FormErrors, ServerError) as exc:
        errors = FormErrors.of_any(exc)
        db.rollback()
        values = _post_form_values(db, context, subject)
        response = render(
            request,
            context,
            "feed/new.html",
            subject,
            status=errors.status,
            form=form,
            errors=errors.fields,
            error=errors.general,
            **values,
        )
        response.headers.update(errors.headers)
        return response
    return RedirectResponse(f"/posts/{view.post.id}?done=posted", status_code=303)


ROUTERS = (feed_pages, post_form)
