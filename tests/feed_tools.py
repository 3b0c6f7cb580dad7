"""Helpers for the Neighbors feed tests: places a given distance apart, real media
(an H.264 MP4 made with PyAV, a JPEG made with OpenCV), posting, paired hubs, agencies."""

from __future__ import annotations

import math
import uuid
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from fastapi.testclient import TestClient
from sqlalchemy import select

from frontporch import geo
from frontporch.crypto.keys import HubIdentity
from frontporch.server.accounts.models import Role, User
from frontporch.server.feed import rules
from homes_tools import CHICAGO, add_home, pair_body, pairing_code
from server_fixtures import Account
from server_harness import ServerHarness
from videotools import make_h264

EARTH_RADIUS_MI = geo.EARTH_RADIUS_KM / rules.KM_PER_MILE


def miles_from(start: tuple[float, float], miles: float, bearing_deg: float) -> tuple[float, float]:
    """The point `miles` from `start` along a bearing (great circle; 0° is north)."""
    lat1, lng1 = map(math.radians, start)
    angle = miles / EARTH_RADIUS_MI
    bearing = math.radians(bearing_deg)
    lat2 = math.asin(
        math.sin(lat1) * math.cos(angle) + math.cos(lat1) * math.sin(angle) * math.cos(bearing)
    )
    lng2 = lng1 + math.atan2(
        math.sin(bearing) * math.sin(angle) * math.cos(lat1),
        math.cos(angle) - math.sin(lat1) * math.sin(lat2),
    )
    return math.degrees(lat2), math.degrees(lng2)


def cell_miles(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Miles between the centres of the home cells of two points (what the feed measures)."""
    return rules.distance_mi(geo.cell_to_int(geo.home_cell(*a)), geo.cell_to_int(geo.home_cell(*b)))


def user_id(account: Account) -> str:
    """The account's id."""
    return str(account.client.get("/api/account").json()["id"])


def resident_at(
    server: ServerHarness, at: tuple[float, float] = CHICAGO, name: str = "Home"
) -> tuple[Account, str]:
    """A new resident with one home at `at`; the account and the home's id."""
    account = server.account()
    home = add_home(account, name, at)
    return account, str(home["id"])


def post(
    account: Account,
    home_id: str,
    title: str = "Package taken from a porch",
    category: str = "crime",
    body: str = "Around noon, a grey van.",
) -> Any:
    """Post from a home through the API; the post's JSON."""
    response = account.client.post(
        "/api/posts",
        json={"home_id": home_id, "category": category, "title": title, "body": body},
    )
    assert response.status_code == 201, response.text
    return response.json()


def feed(account: Account, home_id: str, **params: Any) -> Any:
    """One page of a home's feed; its JSON."""
    response = account.client.get("/api/feed", params={"home_id": home_id, **params})
    assert response.status_code == 200, response.text
    return response.json()


def feed_titles(account: Account, home_id: str, **params: Any) -> list[str]:
    """The titles on the first page of a home's feed."""
    return [p["title"] for p in feed(account, home_id, **params)["posts"]]


def hub_client(server: ServerHarness, owner: Account, home_id: str) -> TestClient:
    """A client that calls as a new hub paired with the owner's home."""
    code = pairing_code(owner, home_id)
    body = pair_body(HubIdentity.generate(), "http://testserver", code)
    paired = server.new_client().post("/api/hub/pair", json=body)
    assert paired.status_code == 201, paired.text
    client = server.new_client()
    client.headers["authorization"] = f"Bearer {paired.json()['credential']}"
    return client


def upload(
    client: TestClient,
    media: bytes,
    content_type: str = "video/mp4",
    *,
    title: str = "Someone tried the door",
    category: str = "suspicious_activity",
    client_ref: str | None = None,
    **fields: str,
) -> Any:
    """POST a hub upload; the raw response."""
    data = {"category": category, "title": title, "body": "Seen at 2 am.", **fields}
    if client_ref is not None:
        data["client_ref"] = client_ref
    files = {"media": ("clip.mp4" if "mp4" in content_type else "snap.jpg", media, content_type)}
    return client.post("/api/hub/posts", data=data, files=files)


def mp4_bytes(tmp_path: Path) -> bytes:
    """A real, small H.264 MP4 (one second at 160×120) encoded with PyAV."""
    path = make_h264(tmp_path / f"clip-{uuid.uuid4().hex[:8]}.mp4", seconds=1.0, size=(160, 120))
    return path.read_bytes()


def jpeg_bytes() -> bytes:
    """A real JPEG snapshot encoded with OpenCV."""
    image = np.full((120, 160, 3), 90, dtype=np.uint8)
    cv2.rectangle(image, (40, 30), (100, 90), (230, 230, 230), -1)
    ok, encoded = cv2.imencode(".jpg", image)
    assert ok
    return encoded.tobytes()


def agency_member(server: ServerHarness, operator: Account, name: str) -> Account:
    """An agency member with two-factor on, attached to a new agency called `name`."""
    member = server.account(Role.AGENCY_MEMBER, mfa_on=True)
    made = operator.client.post("/api/operator/agencies", json={"name": name})
    assert made.status_code == 201, made.text
    attached = operator.client.put(
        f"/api/operator/users/{user_id(member)}/agency", json={"agency_id": made.json()["id"]}
    )
    assert attached.status_code == 200, attached.text
    return member


def all_user_emails(server: ServerHarness) -> list[str]:
    """Every account's email (to check none leaks into feed answers)."""
    with server.app.state.server.sessions() as db:
        return list(db.scalars(select(User.email)))
