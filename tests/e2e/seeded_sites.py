"""Both services served over real HTTP with something on every page, for the browser
passes that visit every page as every role (tests/e2e/test_accessibility.py,
tests/e2e/test_long_text.py).

Everything people can type is seeded as long unbroken text (a title of 120 characters
without a space, home and token names, comments, a report's reason, an agency's name,
jurisdiction and contact, a logged policy summary, a camera name of 63 characters, a
shared post's title, a footage request's case number, description and contact, a legal
notice's authority, scope and the server's answer, a legal demand's authority and scope,
an agreement's title and parties, an agency post's title and body), so the same pages
also show whether such text stays inside a phone's width.

The server has an agency application waiting, a registered agency (through the real
application and registration APIs) whose member filed an open request, with a release
uploaded by a paired hub, and a withdrawn one, and posted in the feed (its words logged
as a statement). An operator recorded two legal demands naming the resident (through
the real API): a warrant the resident was told of at once and that was answered, and a
subpoena whose notice a delay order holds back; and published an agreement with the
agency (a small PDF), showing it as a partner. The hub's store holds an open footage
request, a refused one, a finished release of the open one, and two legal notices (one
delayed by a court order and confirmed by the log, one not confirmed).

`ServerSite.pages` and `HubSite.pages` map every page route of each service to a
concrete path; `unvisited_pages` lists the page routes an app has beyond them, so a new
page cannot be left out of the passes by forgetting it here. Routes that answer a file
(a ZIP, a manifest, a video preview) are not pages and are left out of the passes. A
route that redirects to a page (a post's statement link) is listed like a page: the
passes follow the redirect and check the page it lands on.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import cv2
import numpy as np
import pytest
from fastapi import FastAPI
from fastapi.responses import FileResponse, StreamingResponse
from fastapi.routing import APIRoute, iter_route_contexts
from playwright.sync_api import Browser, BrowserContext, Page

from fakes import (
    OWNER_PASSWORD,
    FakeClock,
    FakeRuntime,
    FakeStore,
    camera_status,
    cheap_password_hashing,
    hub_config,
    make_event,
)
from feed_tools import miles_from
from frontporch.crypto.keys import AgencyIdentity, HubIdentity, fingerprint, key_id
from frontporch.evidence.manifest import (
    ClipRecord,
    ReleaseManifest,
    decode_manifest,
    encode_manifest,
    manifest_sha256,
    sign_manifest,
)
from frontporch.hub.notices.records import LegalNoticeRecord
from frontporch.hub.requests.records import (
    ClipPick,
    FootageRequestRecord,
    ReleasedClip,
    ReleaseRecord,
    ReleaseState,
    RequestState,
)
from frontporch.hub.web.app import create_hub_app
from frontporch.hub.web.passwords import set_owner_password
from frontporch.server.accounts.models import Role
from frontporch.server.transparency.service import append_entries
from frontporch.translog.entries import PolicyChanged, moment
from homes_tools import CHICAGO, add_home
from release_tools import (
    AgencySetup,
    RequestSetup,
    make_clip,
    paired_hub,
    signed_release,
    submit,
    upload_all,
)
from server_fixtures import PASSWORD, Account
from server_fixtures import FakeClock as ServerClock
from server_harness import ServerHarness
from server_live import served_sqlite_server, serving

VIEWPORTS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}
ROLES = ("anonymous", "resident", "agency", "operator")


def unbroken(prefix: str, length: int) -> str:
    """`prefix` followed by letters up to `length` characters, with no space to break at."""
    filler = "Longunbrokenword" * (length // 16 + 1)
    return (prefix + filler)[:length]


POST_TITLE = unbroken("Suspiciousvan", 120)
POST_BODY = unbroken("Description", 400)
HOME_NAME = unbroken("MapleStreet", 100)
TOKEN_NAME = unbroken("Prometheus", 100)
COMMENT = unbroken("Sameonelmlastweek", 600)
REPORT_REASON = unbroken("Describesaperson", 300)
AGENCY_NAME = unbroken("Countysheriff", 200)
POLICY_SUMMARY = unbroken("Retentionpolicy", 400)
CAMERA_NAME = "frontporch-" + "x" * 52  # the longest name a camera may have (63)
SHARED_TITLE = unbroken("Parcelthief", 120)
AGENCY_JURISDICTION = unbroken("Countyofcook", 200)
AGENCY_CONTACT = unbroken("Recordsofficer", 300)
APPLICANT_NAME = unbroken("Townmarshal", 200)
CASE_NUMBER = unbroken("Casenumber", 100)  # the longest a case number may be
REQUEST_DESCRIPTION = unbroken("Agreyvanseen", 600)
REQUEST_CONTACT = unbroken("Detectivedesk", 300)
NOTICE_AUTHORITY = unbroken("Countycourtdivision", 200)  # the longest the log holds
NOTICE_SCOPE = unbroken("Subscriberrecords", 600)
NOTICE_ANSWER = unbroken("Accountmetadata", 300)
DEMAND_AUTHORITY = unbroken("Districtcourtclerk", 200)  # the longest the log holds
DEMAND_SCOPE = unbroken("Accountrecordsfrommarch", 600)
AGREEMENT_TITLE = unbroken("Datasharingagreement", 200)  # the longest a title may be
AGREEMENT_PARTIES = unbroken("Theoperatorandthesheriff", 1000)  # the longest parties
AGENCY_POST_TITLE = unbroken("Roadclosure", 120)
AGENCY_POST_BODY = unbroken("Detourviaelm", 400)
PDF = b"%PDF-1.7\n%%EOF\n"


@dataclass
class ServerSite:
    """The served server: its URL, its harness, the accounts of each role, and the
    concrete path of every page."""

    url: str
    harness: ServerHarness
    accounts: dict[str, Account]
    pages: dict[str, str]


def _apply(harness: ServerHarness, identity: AgencyIdentity, name: str) -> str:
    """An agency's application through the public API; its id."""
    applied = harness.new_client().post(
        "/api/agency-applications",
        json={"name": name, "jurisdiction": AGENCY_JURISDICTION, "contact": AGENCY_CONTACT,
              "signing_key": identity.public_key, "age_recipient": identity.age_recipient},
    )  # fmt: skip
    assert applied.status_code == 201, applied.text
    return str(applied.json()["id"])


def _registered_agency(harness: ServerHarness, operator: Account, member: Account) -> AgencySetup:
    """An application left waiting, and one the operator registered (both fingerprints
    read back) with `member` attached to it."""
    _apply(harness, AgencyIdentity.generate(), APPLICANT_NAME)
    identity = AgencyIdentity.generate()
    agency_id = _apply(harness, identity, AGENCY_NAME)
    registered = operator.client.post(
        f"/api/operator/agencies/{agency_id}/register",
        json={"signing_key_fingerprint": fingerprint(identity.public_key),
              "age_recipient_fingerprint": fingerprint(identity.age_recipient)},
    )  # fmt: skip
    assert registered.status_code == 200, registered.text
    member_id = member.client.get("/api/account").json()["id"]
    attached = operator.client.put(
        f"/api/operator/users/{member_id}/agency", json={"agency_id": agency_id}
    )
    assert attached.status_code == 200, attached.text
    index = registered.json()["registrations"][0]["log_index"]
    return AgencySetup(identity, uuid.UUID(agency_id), index, member)


def _requests(
    harness: ServerHarness, member: Account, agency: AgencySetup, base: str, folder: Path
) -> tuple[str, str]:
    """An open request with a release uploaded by a paired hub, and a withdrawn one: the
    ids of both."""
    now = harness.clock()
    filing = {
        "case_number": CASE_NUMBER, "incident": "burglary",
        "description": REQUEST_DESCRIPTION, "contact": REQUEST_CONTACT,
        "area": {"type": "circle", "center": list(CHICAGO), "radius_m": 300},
        "window_start": (now - timedelta(hours=5)).isoformat(),
        "window_end": (now - timedelta(hours=1)).isoformat(),
        "expires_at": (now + timedelta(days=7)).isoformat(),
        "attestation": True,
    }  # fmt: skip
    ids = []
    for _ in range(2):
        filed = member.client.post("/api/agency/requests", json=filing)
        assert filed.status_code == 201, filed.text
        ids.append(filed.json())
    open_, withdrawn = ids
    closed = member.client.post(f"/api/agency/requests/{withdrawn['id']}/withdraw")
    assert closed.status_code == 200, closed.text

    hub = paired_hub(harness, CHICAGO, origin=base)
    target = RequestSetup(uuid.UUID(open_["id"]), open_["filed_index"], agency)
    release = signed_release(
        hub.identity, target, [make_clip(folder, 1, agency.identity.age_recipient)]
    )
    answer = submit(hub.client, release)
    assert answer.status_code == 201, answer.text
    upload_all(hub.client, release)
    return str(open_["id"]), str(withdrawn["id"])


def _legal_demands(harness: ServerHarness, operator: Account, resident: Account) -> tuple[str, str]:
    """Two demands naming `resident`, through the operator's API: a warrant told to the
    resident at once and answered, and a subpoena whose notice a delay order holds back;
    the ids of both."""
    today = harness.clock().date().isoformat()
    ids = []
    for kind, changes in (
        ("warrant", {}),
        ("subpoena", {"delay_until": (harness.clock() + timedelta(days=30)).isoformat(),
                      "delay_order_sha256": "ef" * 32}),
    ):  # fmt: skip
        recorded = operator.client.post(
            "/api/operator/legal/demands",
            json={"kind": kind, "authority": DEMAND_AUTHORITY, "received_on": today,
                  "accounts": [resident.email], "scope": DEMAND_SCOPE,
                  "document_sha256": "cd" * 32, **changes},
        )  # fmt: skip
        assert recorded.status_code == 201, recorded.text
        ids.append(str(recorded.json()["id"]))
    told, delayed = ids
    answered = operator.client.post(
        f"/api/operator/legal/demands/{told}/response",
        json={"outcome": "partially_complied", "categories": ["account_metadata", "posts"]},
    )
    assert answered.status_code == 200, answered.text
    return told, delayed


def _agreement(operator: Account, agency: AgencySetup) -> None:
    """An agreement with the registered agency, published with a small PDF, and the
    agency shown as a partner."""
    published = operator.client.post(
        "/api/operator/agreements",
        data={"title": AGREEMENT_TITLE, "kind": "data_sharing",
              "agency_id": str(agency.agency_id), "parties": AGREEMENT_PARTIES,
              "starts": "2026-12-01", "ends": "2027-11-30"},
        files={"document": ("agreement.pdf", PDF, "application/pdf")},
    )  # fmt: skip
    assert published.status_code == 201, published.text
    partner = operator.client.put(
        f"/api/operator/agencies/{agency.agency_id}/partner", json={"partner": True}
    )
    assert partner.status_code == 200, partner.text


def _agency_post(member: Account) -> str:
    """A post by the agency's member (its words kept as submitted and logged): its id."""
    posted = member.client.post(
        "/api/posts",
        json={"category": "safety", "title": AGENCY_POST_TITLE, "body": AGENCY_POST_BODY,
              "latitude": CHICAGO[0], "longitude": CHICAGO[1]},
    )  # fmt: skip
    assert posted.status_code == 201, posted.text
    return str(posted.json()["id"])


def _seed_server(
    harness: ServerHarness, app: FastAPI, base: str, folder: Path
) -> tuple[dict[str, Account], dict[str, str]]:
    resident = harness.account()
    home = add_home(resident, HOME_NAME)
    neighbor = harness.account()
    add_home(neighbor, "Elm", miles_from(CHICAGO, 0.5, 90))
    operator = harness.account(Role.OPERATOR, mfa_on=True)
    agency = harness.account(Role.AGENCY_MEMBER, mfa_on=True)

    post = resident.client.post(
        "/api/posts",
        json={"home_id": home["id"], "category": "suspicious_activity",
              "title": POST_TITLE, "body": POST_BODY},
    )  # fmt: skip
    assert post.status_code == 201, post.text
    post_id = post.json()["id"]
    for _ in range(2):
        comment = neighbor.client.post(f"/api/posts/{post_id}/comments", json={"body": COMMENT})
        assert comment.status_code == 201, comment.text
    report = neighbor.client.post(f"/api/posts/{post_id}/reports", json={"reason": REPORT_REASON})
    assert report.status_code in (200, 201), report.text
    token = resident.client.post("/api/account/tokens", json={"name": TOKEN_NAME})
    assert token.status_code in (200, 201), token.text

    registered = _registered_agency(harness, operator, agency)
    open_id, _ = _requests(harness, agency, registered, base, folder)
    told, _ = _legal_demands(harness, operator, resident)
    _agreement(operator, registered)
    agency_post = _agency_post(agency)

    context = app.state.server
    with context.sessions.begin() as db:
        [entry] = append_entries(
            db,
            [PolicyChanged(at="2026-12-01T12:00:00Z", policy_sha256="ab" * 32,
                           summary=POLICY_SUMMARY)],
            context.clock,
        )  # fmt: skip

    pages = {
        "/": "/",
        "/sign-up": "/sign-up",
        "/sign-in": "/sign-in",
        "/sign-in/two-factor": "/sign-in/two-factor",
        "/verify-email": "/verify-email?token=not-a-real-token",
        "/forgot-password": "/forgot-password",
        "/reset-password": "/reset-password?token=not-a-real-token",
        "/account": "/account",
        "/account/two-factor": "/account/two-factor",
        "/feed": "/feed",
        "/posts/new": "/posts/new",
        "/posts/{post_id}": f"/posts/{post_id}",
        "/moderation": "/moderation",
        "/notifications": "/notifications",
        "/homes": "/homes",
        "/homes/new": "/homes/new",
        "/homes/{home_id}": f"/homes/{home['id']}",
        "/invitations/accept": "/invitations/accept?token=not-a-real-token",
        "/agency": "/agency",
        "/agency/requests": "/agency/requests",
        "/agency/requests/new": "/agency/requests/new",
        "/agency/requests/{request_id}": f"/agency/requests/{open_id}",
        "/agencies/apply": "/agencies/apply",
        "/operator/agencies": "/operator/agencies",
        "/operator/requests/policy": "/operator/requests/policy",
        "/operator/homes": "/operator/homes",
        "/transparency": "/transparency",
        "/transparency/entries/{index}": f"/transparency/entries/{entry}",
        "/transparency/report": "/transparency/report",
        "/operator/legal": "/operator/legal",
        "/operator/legal/{demand_id}": f"/operator/legal/{told}",
        "/legal/notices/{demand_id}": f"/legal/notices/{told}",
        "/agreements": "/agreements",
        "/operator/agreements": "/operator/agreements",
        "/operator/backups": "/operator/backups",
        # Not a page but a redirect (303) to the log entry of the agency's words: the
        # passes follow it and check the entry page it lands on.
        "/posts/{post_id}/statement": f"/posts/{agency_post}/statement",
        "/docs": "/docs",
    }
    accounts = {"resident": resident, "agency": agency, "operator": operator}
    return accounts, pages


# Page routes that are not pages a person reads: files, tiles, scripts.
NOT_PAGES = ("/api/", "/log/", "/static", "/docs/", "/healthz", "/metrics")


# Answers that are files, not pages: a download (ZIP, manifest) or a video.
FILE_ANSWERS = (FileResponse, StreamingResponse)


def _answers_a_file(route: APIRoute) -> bool:
    """True for a route that serves a file: its last path segment is a file name
    (`evidence.zip`, `manifest.sig`), or its response class is a file or a stream
    (the hub's masked preview)."""
    if "." in route.path.rsplit("/", 1)[-1]:
        return True
    declared = route.response_class
    declared = getattr(declared, "value", declared)  # FastAPI's DefaultPlaceholder
    return isinstance(declared, type) and issubclass(declared, FILE_ANSWERS)


def unvisited_pages(app: FastAPI, pages: dict[str, str]) -> set[str]:
    """The app's GET routes that render a page but have no entry in `pages`."""
    routes = {
        str(context.path)
        for context in iter_route_contexts(app.routes)
        if isinstance(context.original_route, APIRoute)
        and "GET" in (context.methods or set())
        and not str(context.path).startswith(NOT_PAGES)
        and not _answers_a_file(context.original_route)
    }
    return routes - set(pages)


@contextmanager
def server_site(folder: Path) -> Iterator[ServerSite]:
    """The server on SQLite under `folder`, seeded, served until the block ends."""
    with served_sqlite_server(folder, clock=ServerClock(), map_center=CHICAGO) as (base, harness):
        accounts, pages = _seed_server(harness, harness.app, base, folder)
        yield ServerSite(base, harness, accounts, pages)


def signed_in_server_context(browser: Browser, site: ServerSite, role: str) -> BrowserContext:
    """A browser context of `role` ('anonymous' stays signed out), signed in through the
    sign-in page (and its two-factor step, with a code computed from the seed)."""
    context = browser.new_context(viewport=VIEWPORTS["desktop"])
    if role == "anonymous":
        return context
    account = site.accounts[role]
    page = context.new_page()
    page.goto(f"{site.url}/sign-in", wait_until="domcontentloaded")
    page.get_by_label("Email").fill(account.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state("domcontentloaded")
    if account.totp_secret:
        page.get_by_label("Code from your authenticator app").fill(
            site.harness.next_code(account.totp_secret)
        )
        page.get_by_role("button", name="Continue").click()
        page.wait_for_load_state("domcontentloaded")
    assert "/sign-in" not in page.url, f"{role} did not get signed in: {page.url}"
    page.close()
    return context


@dataclass
class HubSite:
    """The served hub (over the in-memory fakes), and the concrete path of every page."""

    url: str
    app: FastAPI
    pages: dict[str, str]


def _jpeg(width: int = 640, height: int = 360) -> bytes:
    image = np.full((height, width, 3), (58, 64, 72), np.uint8)
    cv2.rectangle(image, (200, 100), (260, 300), (200, 180, 160), -1)
    ok, data = cv2.imencode(".jpg", image)
    assert ok
    return data.tobytes()


def moment_of(t: float) -> str:
    """Unix seconds as a manifest's time."""
    return moment(datetime.fromtimestamp(t, UTC))


def _hub_request(
    agency: AgencyIdentity, now: float, state: RequestState, refusal: str | None = None
) -> FootageRequestRecord:
    """A footage request as the hub's intake stores it, its window over the seeded events."""
    return FootageRequestRecord(
        id=str(uuid.uuid4()), log_index=7, agency=str(uuid.uuid4()), agency_name=AGENCY_NAME,
        agency_registration_index=3, recipient=agency.age_recipient,
        agency_key=agency.public_key, case_number=CASE_NUMBER, incident="burglary",
        description=REQUEST_DESCRIPTION, contact=REQUEST_CONTACT,
        area={"type": "circle", "center": list(CHICAGO), "radius_m": 300},
        cells=("882664c1a9fffff",), window_start=now - 3 * 3600, window_end=now - 60,
        expires_at=now + 7 * 86400, filed_at=now - 50, received_at=now - 40, state=state,
        refusal=refusal,
    )  # fmt: skip


def _seed_hub_requests(store: FakeStore, now: float) -> tuple[str, str]:
    """An open footage request, a refused one, and a finished release of the open one
    (its manifest really signed by a hub identity): the open request's id and the
    release's."""
    agency = AgencyIdentity.generate()
    hub = HubIdentity.generate()
    request = _hub_request(agency, now, RequestState.OPEN)
    store.save_footage_request(request)
    store.save_footage_request(
        _hub_request(agency, now, RequestState.REFUSED, refusal=unbroken("Notinthelog", 200))
    )
    clip = ClipRecord(
        file="clip-01.mp4.age", camera=CAMERA_NAME, start=moment_of(now - 1200),
        end=moment_of(now - 1190), duration_ms=10_000, masked=True,
        plaintext_sha256="ab" * 32, plaintext_bytes=2_000_000,
        ciphertext_sha256="cd" * 32, ciphertext_bytes=2_000_400,
    )  # fmt: skip
    manifest = encode_manifest(
        ReleaseManifest(
            release=str(uuid.uuid4()), request=request.id, request_index=request.log_index,
            agency=request.agency,
            agency_registration_index=request.agency_registration_index,
            recipient=request.recipient, hub_key=hub.public_key, hub=key_id(hub.public_key),
            created_at=moment_of(now - 30), clips=[clip],
        )
    )  # fmt: skip
    release = ReleaseRecord(
        id=decode_manifest(manifest).release, request_id=request.id, created_at=now - 30,
        state=ReleaseState.DONE, manifest=manifest, signature=sign_manifest(hub, manifest),
        manifest_sha256=manifest_sha256(manifest), log_index=9,
        clips=(ReleasedClip(
            file=clip.file, camera=CAMERA_NAME, start=now - 1200, end=now - 1190,
            duration_s=10.0, plaintext_sha256=clip.plaintext_sha256,
            ciphertext_sha256=clip.ciphertext_sha256, plaintext_bytes=clip.plaintext_bytes,
            ciphertext_bytes=clip.ciphertext_bytes, uploaded_bytes=clip.ciphertext_bytes,
        ),),
        picks=(ClipPick(CAMERA_NAME, now - 1200, now - 1190, "e-1"),),
    )  # fmt: skip
    store.save_release(release)
    return request.id, release.id


def _seed_hub_notices(store: FakeStore, now: float) -> None:
    """A warrant whose notice a court order delayed, confirmed by the log, and an
    emergency request's notice the log did not confirm (read)."""
    delayed = LegalNoticeRecord(
        demand=str(uuid.uuid4()), kind="warrant", authority=NOTICE_AUTHORITY,
        received_on="2024-05-02", scope=NOTICE_SCOPE, log_index=11, notice_index=14,
        delayed_until=now - 3600, server_answer=NOTICE_ANSWER, received_at=now - 30,
        confirmed=True,
    )  # fmt: skip
    store.save_legal_notice(delayed)
    store.save_legal_notice(
        replace(
            delayed, demand=str(uuid.uuid4()), kind="emergency", delayed_until=None,
            received_at=now - 90, confirmed=False, read_at=now - 20,
            problem=unbroken("Notconfirmed", 200),
        )
    )  # fmt: skip


@contextmanager
def hub_site(folder: Path) -> Iterator[HubSite]:
    """The hub's web app with a camera of the longest name and an event shared under a
    long title, served until the block ends."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        cheap_password_hashing(monkeypatch)
        clock = FakeClock()
        clock.now = time.time()
        store = FakeStore()
        set_owner_password(store, OWNER_PASSWORD, now=clock.now - 60)
    snapshot = folder / "snap.jpg"
    snapshot.write_bytes(_jpeg())
    runtime = FakeRuntime(
        {CAMERA_NAME: camera_status(CAMERA_NAME), "back": camera_status("back", online=False)},
        frame=_jpeg(),
    )
    app = create_hub_app(hub_config(CAMERA_NAME, "back"), store, runtime, clock=clock)
    for number, camera in enumerate((CAMERA_NAME, CAMERA_NAME, "back")):
        event_id = f"e-{number}"
        store.add_event(
            make_event(event_id, camera, clock.now - 600 * (number + 1), snapshot="snap.jpg")
        )
        runtime.snapshots[event_id] = snapshot
    store.record_publication(
        "e-0", post_id="p-1", url="http://127.0.0.1:9/posts/p-1", media="snapshot",
        category="suspicious_activity", title=SHARED_TITLE, now=clock.now,
    )  # fmt: skip
    open_id, release_id = _seed_hub_requests(store, clock.now)
    _seed_hub_notices(store, clock.now)
    pages = {
        "/": "/",
        "/login": "/login",
        "/account": "/account",
        "/cameras/{name}": f"/cameras/{CAMERA_NAME}",
        "/events": "/events",
        "/events/{event_id}": "/events/e-0",
        "/requests": "/requests",
        "/requests/{request_id}": f"/requests/{open_id}",
        "/released": "/released",
        "/released/{release_id}": f"/released/{release_id}",
        "/notices": "/notices",
        "/alerts": "/alerts",
        "/alerts/settings": "/alerts/settings",
        "/alerts/push": "/alerts/push",
        "/backup": "/backup",
        "/docs": "/docs",
        "/review": "/review",
        "/timeline": "/timeline",
        "/timeline/{camera}": f"/timeline/{CAMERA_NAME}",
        "/exports": "/exports",
        "/settings/cameras": "/settings/cameras",
        "/settings/cameras/new": "/settings/cameras/new",
        "/settings/cameras/{camera}": f"/settings/cameras/{CAMERA_NAME}",
        "/settings/cameras/{camera}/zones": f"/settings/cameras/{CAMERA_NAME}/zones",
        "/settings/members": "/settings/members",
        "/settings/community": "/settings/community",
        "/invite/{token}": "/invite/" + "x" * 43,  # an unknown invitation: its error page
    }
    with serving(app) as base:
        yield HubSite(base, app, pages)


def signed_in_hub_context(browser: Browser, site: HubSite) -> BrowserContext:
    """A browser context signed in to the hub through its sign-in page."""
    context = browser.new_context(viewport=VIEWPORTS["desktop"])
    page = context.new_page()
    page.goto(f"{site.url}/login", wait_until="domcontentloaded")
    page.get_by_label("Password").fill(OWNER_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{site.url}/", wait_until="domcontentloaded")
    page.close()
    return context


def open_page(page: Page, url: str) -> None:
    """Go to `url` and wait until its images have loaded (pictures change the layout)."""
    page.goto(url, wait_until="domcontentloaded")
    page.wait_for_function(
        "() => [...document.images].every((img) => img.complete || img.loading === 'lazy')",
        timeout=10_000,
    )
