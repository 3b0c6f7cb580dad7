"""The hub's footage-request pages over the real SQLite store: the inbox, a request's
review and consent, decline, what was released, and who may release (only the owner,
with the password, on the request's own form)."""

from __future__ import annotations

import inspect
import re
import uuid
from collections.abc import Iterator
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient

from fakes import (
    OWNER_PASSWORD,
    FakeClock,
    FakeRuntime,
    camera_status,
    cheap_password_hashing,
    sign_in,
)
from frontporch.hub.community.log_audit import LOG_INCONSISTENT_KEY
from frontporch.hub.config import HubConfig, parse_config
from frontporch.hub.requests.records import (
    FootageRequestRecord,
    RequestState,
)
from frontporch.hub.requests.service import RequestDesk
from frontporch.hub.store.index import HubStore
from frontporch.hub.web.app import create_hub_app
from frontporch.hub.web.passwords import set_owner_password
from frontporch.hub.web.request_views import hub_offset, local_input

HOUR = 3600.0
DAY = 24 * HOUR
NOW = FakeClock().now
WINDOW = (NOW - 3 * HOUR, NOW - 2 * HOUR)
POLYGON = {
    "type": "polygon",
    "points": [[47.6101, -122.3421], [47.6101, -122.3391], [47.6081, -122.3391]],
}
DESCRIPTION = "Break-in at <b>12 Elm St</b> & a car seen leaving.\n  Second line, indented."
# Words a page adds to persuade; none may appear outside the agency's own quoted text.
PERSUASION = ("help", "community", "countdown", "hurry", "remaining", "left to", "urgent")


def filed(
    request_id: str | None = None,
    *,
    state: RequestState = RequestState.OPEN,
    description: str = DESCRIPTION,
    refusal: str | None = None,
    area: dict[str, object] | None = None,
    expires_at: float = NOW + 7 * DAY,
    received_at: float = NOW - 60,
) -> FootageRequestRecord:
    """A request as the hub stores it after its checks."""
    return FootageRequestRecord(
        id=request_id or str(uuid.uuid4()),
        log_index=41,
        agency=str(uuid.uuid4()),
        agency_name="Springfield PD",
        agency_registration_index=7,
        recipient="age1qyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqs3290gq",
        agency_key="c2lnbmluZy1rZXk=",
        case_number="2024-<0042> & co",
        incident="burglary",
        description=description,
        contact="Investigations desk, +1 555 0100",
        area=area or POLYGON,
        cells=("8828308281fffff",),
        window_start=WINDOW[0],
        window_end=WINDOW[1],
        expires_at=expires_at,
        filed_at=NOW - 2 * HOUR,
        received_at=received_at,
        state=state,
        refusal=refusal,
    )


def config_at(root: Path) -> HubConfig:
    return parse_config(
        {
            "storage": {"path": str(root)},
            "cameras": {
                name: {"inputs": [{"url": f"/videos/{name}.mp4"}]} for name in ("front", "back")
            },
        }
    )


@pytest.fixture
def store(tmp_path: Path) -> Iterator[HubStore]:
    with HubStore(tmp_path / "hub.db") as store:
        yield store


@pytest.fixture
def app(store: HubStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FastAPI]:
    cheap_password_hashing(monkeypatch)
    clock = FakeClock()
    set_owner_password(store, OWNER_PASSWORD, now=clock.now - 60)
    runtime = FakeRuntime({"front": camera_status("front"), "back": camera_status("back")})
    app = create_hub_app(config_at(tmp_path), store, runtime, clock=clock)
    yield app
    desk(app).stop(timeout=5)


def desk(app: FastAPI) -> RequestDesk:
    found: RequestDesk = app.state.requests
    return found


@pytest.fixture
def client(app: FastAPI) -> TestClient:
    client = TestClient(app)
    client.headers["X-Test-CSRF"] = sign_in(client)
    return client


def csrf(client: TestClient) -> str:
    return client.headers["X-Test-CSRF"]


@pytest.fixture
def request_with_footage(store: HubStore) -> FootageRequestRecord:
    """An open request; an event of 'front' inside its window, one outside; recordings."""
    record = filed()
    store.save_footage_request(record)
    start = WINDOW[0]
    store.upsert_event(
        "in", camera="front", labels=["person"], top_score=0.9, start=start + 600, end=start + 630
    )
    store.set_event_media("in", snapshot="snapshots/in.jpg")
    store.upsert_event(
        "out",
        camera="front",
        labels=["car"],
        top_score=0.8,
        start=NOW - 10 * HOUR,
        end=NOW - 10 * HOUR + 30,
    )
    for i in range(6):
        store.add_segment("front", f"front/{i}.mp4", start + i * 600, start + (i + 1) * 600, 1000)
    store.add_segment("back", "back/0.mp4", start + 1200, start + 1800, 1000)
    return record


def release_form(record: FootageRequestRecord, token: str, **changes: object) -> dict[str, object]:
    """The consent form as a browser sends it: the event 'in' and a range on 'back'."""
    offset = hub_offset(record.window_start)
    form: dict[str, object] = {
        "csrf_token": token,
        "tz_offset": str(offset),
        "event": ["in"],
        "range_camera": ["front", "back"],
        "range_start": ["", local_input(record.window_start + 1300, offset)],
        "range_end": ["", local_input(record.window_start + 1400, offset)],
        "password": OWNER_PASSWORD,
    }
    form.update(changes)
    return form


class _Text(HTMLParser):
    """The page's text outside the agency's quoted words, and its checkboxes."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.quoted = 0
        self.checked: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if "quoted" in (a.get("class") or "").split():
            self.quoted += 1
        if tag == "input" and "checked" in a:
            self.checked.append(a.get("id") or "?")

    def handle_endtag(self, tag: str) -> None:
        if self.quoted and tag in ("blockquote", "span"):
            self.quoted -= 1

    def handle_data(self, data: str) -> None:
        if not self.quoted:
            self.parts.append(data)


def page_text(html: str) -> _Text:
    text = _Text()
    text.feed(html)
    return text


# --- the inbox and the navigation ---------------------------------------------------------


def test_inbox_lists_open_requests_first_and_says_why_one_was_refused(
    client: TestClient, store: HubStore
) -> None:
    refused = filed(
        state=RequestState.REFUSED,
        refusal="the case number does not match its logged hash",
        received_at=NOW - 10,
    )
    declined = filed(state=RequestState.DECLINED, received_at=NOW - 20)
    open_ = filed(received_at=NOW - 3000)
    for record in (refused, declined, open_):
        store.save_footage_request(record)
    html = client.get("/requests").text
    assert html.index(f'href="/requests/{open_.id}"') < html.index(f'href="/requests/{refused.id}"')
    assert html.index(f'href="/requests/{open_.id}"') < html.index(
        f'href="/requests/{declined.id}"'
    )
    assert "the case number does not match its logged hash" in html
    assert "Springfield PD" in html
    assert "Burglary" in html
    assert "Expires" in html
    assert "Window" in html
    assert "Server log inconsistent" not in html


def test_navigation_counts_open_requests_only(client: TestClient, store: HubStore) -> None:
    assert re.search(r">Requests</a>", client.get("/").text), "no count while none is open"
    store.save_footage_request(filed())
    store.save_footage_request(filed())
    store.save_footage_request(filed(state=RequestState.DECLINED))
    store.save_footage_request(filed(expires_at=NOW - 1))
    assert "Requests (2)" in client.get("/events").text
    assert "Requests (2)" in client.get("/requests").text


def test_an_inconsistent_log_shows_a_banner_and_nothing_is_released(
    client: TestClient, store: HubStore, app: FastAPI, request_with_footage: FootageRequestRecord
) -> None:
    store.set_setting(LOG_INCONSISTENT_KEY, "the root at size 12 differs from the one verified")
    inbox = client.get("/requests").text
    assert "Server log inconsistent: this hub acts on no footage request" in inbox
    assert "the root at size 12 differs" in inbox
    answer = client.post(
        f"/requests/{request_with_footage.id}/release",
        data=release_form(request_with_footage, csrf(client)),
    )
    assert answer.status_code == 409
    assert "acts on no footage request" in answer.text
    assert desk(app).releases() == []


# --- one request --------------------------------------------------------------------------


def test_request_page_quotes_the_agency_exactly_and_escaped(
    client: TestClient, request_with_footage: FootageRequestRecord
) -> None:
    html = client.get(f"/requests/{request_with_footage.id}").text
    assert "<b>12 Elm St</b>" not in html
    assert (
        '<blockquote class="quoted">Break-in at &lt;b&gt;12 Elm St&lt;/b&gt; &amp; a car seen '
        "leaving.\n  Second line, indented.</blockquote>"
    ) in html
    assert '<span class="quoted mono">2024-&lt;0042&gt; &amp; co</span>' in html
    assert "Investigations desk, +1 555 0100" in html
    assert "<polygon" in html
    assert 'role="img"' in html


def test_request_page_is_neutral(
    client: TestClient, store: HubStore, request_with_footage: FootageRequestRecord
) -> None:
    urging = "Please help our community: every minute counts, hurry!"
    store.save_footage_request(replace(request_with_footage, description=urging))
    html = client.get(f"/requests/{request_with_footage.id}").text
    assert urging in html, "the agency's own words are shown as filed"
    text = page_text(html)
    outside = " ".join(text.parts).lower()
    for word in PERSUASION:
        assert word not in outside, f"the page itself says {word!r}"
    assert text.checked == [], "nothing is picked until the owner picks it"
    statement = " ".join(re.sub(r"<[^>]+>", " ", html).split())
    assert (
        "Declining or ignoring this request is never reported to anyone, the agency included. "
        "If you do nothing it expires on"
    ) in statement
    assert "Release the selected footage" in html
    assert ">Decline</button>" in html


def test_request_page_shows_the_hubs_footage_in_the_window(
    client: TestClient, request_with_footage: FootageRequestRecord
) -> None:
    html = client.get(f"/requests/{request_with_footage.id}").text
    assert 'name="event" value="in"' in html
    assert 'value="out"' not in html, "an event outside the window is not offered"
    assert 'src="/api/events/in/snapshot.jpg"' in html
    assert 'href="/api/events/in/clip.mp4"' in html
    assert f'href="/requests/{request_with_footage.id}/preview?camera=front&amp;start=' in html
    assert "Preview with privacy masks" in html
    assert html.count('class="span-picker"') == 2
    assert html.count('class="bar-span"') == 2, "front's segments merge into one span, back has one"
    assert 'type="datetime-local" step="1" id="range-start-back"' in html
    assert '<script src="/static/requests.js" defer></script>' in html
    assert "style=" not in html, "inline styles are blocked by the CSP"


def test_a_circle_area_is_drawn(client: TestClient, store: HubStore) -> None:
    record = filed(area={"type": "circle", "center": [47.61, -122.34], "radius_m": 400})
    store.save_footage_request(record)
    html = client.get(f"/requests/{record.id}").text
    assert "<circle" in html
    assert "A circle of radius 400 m" in html


def test_a_refused_request_cannot_be_answered(client: TestClient, store: HubStore) -> None:
    record = filed(state=RequestState.REFUSED, refusal="its window is longer than this hub accepts")
    store.save_footage_request(record)
    html = client.get(f"/requests/{record.id}").text
    assert "This hub refused this request: its window is longer than this hub accepts" in html
    assert "release-form" not in html
    assert "decline-form" not in html
    answer = client.post(f"/requests/{record.id}/release", data=release_form(record, csrf(client)))
    assert answer.status_code == 409


def test_unknown_request_is_a_friendly_404(client: TestClient) -> None:
    answer = client.get("/requests/nope")
    assert answer.status_code == 404
    assert "see /requests" in answer.text


# --- release and decline -------------------------------------------------------------------


def test_wrong_password_releases_nothing_and_shows_the_form_again(
    client: TestClient, app: FastAPI, store: HubStore, request_with_footage: FootageRequestRecord
) -> None:
    answer = client.post(
        f"/requests/{request_with_footage.id}/release",
        data=release_form(request_with_footage, csrf(client), password="not the password"),
    )
    assert answer.status_code == 401
    assert "Wrong password; nothing was released." in answer.text
    assert 'id="release-password"' in answer.text
    assert 'aria-invalid="true"' in answer.text
    assert "back, range:" in answer.text, "the picks are listed again"
    assert desk(app).releases() == []
    stored = store.get_footage_request(request_with_footage.id)
    assert stored is not None
    assert stored.state is RequestState.OPEN


def test_release_is_rate_limited_like_the_sign_in(
    client: TestClient, app: FastAPI, request_with_footage: FootageRequestRecord
) -> None:
    url = f"/requests/{request_with_footage.id}/release"
    for _ in range(5):
        wrong = release_form(request_with_footage, csrf(client), password="guess")
        assert client.post(url, data=wrong).status_code == 401
    locked = client.post(url, data=release_form(request_with_footage, csrf(client)))
    assert locked.status_code == 429
    assert "Too many wrong passwords" in locked.text
    assert desk(app).releases() == []


def test_a_bad_range_names_its_field_and_releases_nothing(
    client: TestClient, app: FastAPI, request_with_footage: FootageRequestRecord
) -> None:
    form = release_form(request_with_footage, csrf(client), event=[], range_end=["", ""])
    answer = client.post(f"/requests/{request_with_footage.id}/release", data=form)
    assert answer.status_code == 400
    assert "Enter where the range on back ends." in answer.text
    assert re.search(r'id="range-end-back"[^>]*aria-invalid="true"', answer.text.replace("\n", " "))
    nothing = release_form(
        request_with_footage, csrf(client), event=[], range_start=["", ""], range_end=["", ""]
    )
    answer = client.post(f"/requests/{request_with_footage.id}/release", data=nothing)
    assert answer.status_code == 400
    assert "Pick at least one event or range to release." in answer.text
    assert desk(app).releases() == []


def test_release_without_csrf_is_refused(
    client: TestClient, app: FastAPI, request_with_footage: FootageRequestRecord
) -> None:
    form = release_form(request_with_footage, "")
    answer = client.post(f"/requests/{request_with_footage.id}/release", data=form)
    assert answer.status_code == 403
    assert desk(app).releases() == []


def test_the_password_releases_the_picks_and_shows_the_release(
    client: TestClient, app: FastAPI, request_with_footage: FootageRequestRecord
) -> None:
    # The hub is stopping, so the release worker stops before it cuts any video (the
    # unit tier opens no media); the release itself is recorded and shown.
    desk(app).stop()
    answer = client.post(
        f"/requests/{request_with_footage.id}/release",
        data=release_form(request_with_footage, csrf(client)),
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    location = answer.headers["location"]
    assert location.startswith("/released/")
    assert desk(app).wait_idle(10)
    (release,) = desk(app).releases()
    assert location == f"/released/{release.id}"
    assert release.request_id == request_with_footage.id
    cameras = sorted((pick.camera, pick.event_id) for pick in release.picks)
    assert cameras == [("back", None), ("front", "in")]
    start = request_with_footage.window_start
    back = next(pick for pick in release.picks if pick.camera == "back")
    assert (back.start, back.end) == (start + 1300, start + 1400)
    page = client.get(location).text
    assert "Springfield PD" in page
    assert "Burglary" in page
    listing = client.get("/released").text
    assert f'href="/released/{release.id}"' in listing


def test_decline_is_local_and_sends_nothing(
    client: TestClient, app: FastAPI, store: HubStore, request_with_footage: FootageRequestRecord
) -> None:
    # This hub is not paired: no link exists, so anything sent would fail the decline.
    answer = client.post(
        f"/requests/{request_with_footage.id}/decline",
        data={"csrf_token": csrf(client)},
        follow_redirects=False,
    )
    assert answer.status_code == 303
    assert answer.headers["location"] == "/requests?declined=1"
    stored = store.get_footage_request(request_with_footage.id)
    assert stored is not None
    assert stored.state is RequestState.DECLINED
    assert desk(app).releases() == []
    assert "Declined. Nothing was sent to anyone." in client.get("/requests?declined=1").text
    page = client.get(f"/requests/{request_with_footage.id}").text
    assert "You declined this request" in page
    assert "release-form" not in page


# --- who may release ---------------------------------------------------------------------


def owner_token(client: TestClient) -> str:
    page = client.post(
        "/account/token", data={"csrf_token": csrf(client), "name": "backup", "scope": "owner"}
    )
    match = re.search(r'id="api-token" type="text" readonly value="([^"]+)"', page.text)
    assert match is not None
    return match.group(1)


def test_an_api_token_reads_requests_but_cannot_release_or_decline(
    client: TestClient, app: FastAPI, store: HubStore, request_with_footage: FootageRequestRecord
) -> None:
    token = owner_token(client)
    script = TestClient(app, headers={"Authorization": f"Bearer {token}"})
    listed = script.get("/api/requests")
    assert listed.status_code == 200
    assert listed.json()[0]["description"] == DESCRIPTION
    one = script.get(f"/api/requests/{request_with_footage.id}").json()
    assert one["state"] == "open"
    assert one["window_start"].endswith("Z")
    form = release_form(request_with_footage, "")
    for action in ("release", "decline"):
        answer = script.post(f"/requests/{request_with_footage.id}/{action}", data=form)
        assert answer.status_code == 403, action
    assert desk(app).releases() == []
    stored = store.get_footage_request(request_with_footage.id)
    assert stored is not None
    assert stored.state is RequestState.OPEN


def test_no_route_releases_without_the_password(
    client: TestClient, app: FastAPI, store: HubStore, request_with_footage: FootageRequestRecord
) -> None:
    routes = [
        route
        for route in iter_route_contexts(app.routes)
        if isinstance(route.original_route, APIRoute)
    ]
    releasing = [
        route for route in routes if ".release(" in inspect.getsource(route.original_route.endpoint)
    ]
    assert releasing, "the release form calls desk.release"
    for route in releasing:
        endpoint = route.original_route.endpoint
        assert "password" in inspect.signature(endpoint).parameters, route.path
        assert route.methods == {"POST"}, route.path
        assert str(route.path).startswith("/requests/"), route.path
    changing = [
        (method, str(route.path))
        for route in routes
        if str(route.path).startswith(("/requests", "/released", "/api"))
        for method in (route.methods or set()) - {"GET", "HEAD"}
    ]
    assert ("POST", "/requests/{request_id}/release") in changing
    form = release_form(request_with_footage, csrf(client))
    del form["password"]
    for method, path in changing:
        concrete = re.sub(r"\{\w+\}", request_with_footage.id, path)
        client.request(method, concrete, data=form, headers={"X-CSRF-Token": csrf(client)})
        assert desk(app).releases() == [], (method, path)
        store.save_footage_request(request_with_footage)  # undo a decline


class _Audit(HTMLParser):
    """Images without alt text, form controls without a label, inline scripts."""

    def __init__(self) -> None:
        super().__init__()
        self.images_without_alt: list[str] = []
        self.controls: list[str] = []
        self.labels: set[str] = set()
        self.inline_scripts = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "img" and "alt" not in a:
            self.images_without_alt.append(a.get("src") or "?")
        if tag in ("input", "select", "textarea") and a.get("type") != "hidden":
            self.controls.append(a.get("id") or "")
        if tag == "label" and a.get("for"):
            self.labels.add(a["for"] or "")
        if tag == "script" and "src" not in a:
            self.inline_scripts += 1


def test_request_pages_are_accessible_and_csp_friendly(
    client: TestClient, app: FastAPI, request_with_footage: FootageRequestRecord
) -> None:
    desk(app).stop()
    client.post(
        f"/requests/{request_with_footage.id}/release",
        data=release_form(request_with_footage, csrf(client)),
    )
    (release,) = desk(app).releases()
    for path in (
        "/requests",
        f"/requests/{request_with_footage.id}",
        "/released",
        f"/released/{release.id}",
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        audit = _Audit()
        audit.feed(response.text)
        assert audit.images_without_alt == [], path
        assert all(c and c in audit.labels for c in audit.controls), (path, audit.controls)
        assert audit.inline_scripts == 0, path
        assert "style=" not in response.text, path
