"""`make demo`'s footage request: filed by the demo agency's member through the real
requests service, it is logged with a checkpoint over it, reaches the hub paired with
the porch home over the link, tells the porch household and shows in the feed; the
demo keeps an earlier run's request only while the owner can still answer it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from frontporch import demo_neighborhood as hood
from frontporch import geo
from frontporch.crypto.keys import HubIdentity
from frontporch.demo import REQUEST_MIN_LEFT, keep_request
from frontporch.hub.requests.records import RequestState
from frontporch.protocol import MESSAGES_PATH, PAIR_PATH, MessageKind
from frontporch.server.app import create_app
from frontporch.server.feed.models import Notification, Post
from frontporch.server.requests.errors import PolicyViolation
from frontporch.server.requests.models import FootageRequest
from frontporch.server.requests.policy import INCIDENTS
from frontporch.server.serve import prepare_database
from homes_tools import pair_body


def _seeded(tmp_path: Path) -> tuple[FastAPI, hood.Neighborhood]:
    settings = hood.server_settings(tmp_path / "server", 5081)
    prepare_database(settings)
    app = create_app(settings)
    return app, hood.seed(app.state.server, tmp_path / "agency")


def _pair_porch_hub(app: FastAPI, neighborhood: hood.Neighborhood) -> TestClient:
    """The demo hub's pairing with the porch home (as `demo._pair_and_share` does, over
    the API), and a client sending the hub's credential."""
    context = app.state.server
    code = hood.new_pairing_code(context, neighborhood)
    client = TestClient(app)
    paired = client.post(
        PAIR_PATH, json=pair_body(HubIdentity.generate(), context.settings.base_url, code)
    )
    assert paired.status_code == 201, paired.text
    client.headers["authorization"] = f"Bearer {paired.json()['credential']}"
    return client


def _entry(client: TestClient, index: int) -> dict[str, Any]:
    response = client.get("/api/log/entries", params={"start": index, "end": index + 1})
    assert response.status_code == 200, response.text
    entry: dict[str, Any] = response.json()["entries"][0]["entry"]
    return entry


def test_demo_request_is_logged_and_reaches_the_porch_hub(tmp_path: Path) -> None:
    app, neighborhood = _seeded(tmp_path)
    context = app.state.server
    keys = app.state.log_keys
    with _pair_porch_hub(app, neighborhood) as hub:
        now = context.clock()
        start, end = now - timedelta(minutes=2), now - timedelta(seconds=5)
        view = hood.file_request(context, keys, neighborhood, start, end)

        # Logged before it had any effect, and a checkpoint covers it already.
        logged = _entry(hub, view.filed_index)
        assert logged["type"] == "request_filed"
        assert logged["request"] == str(view.id)
        assert logged["agency"] == str(neighborhood.agency.id)
        assert logged["incident"] == hood.REQUEST_INCIDENT
        porch_cell = geo.home_cell(*hood.point(0.0, 0.0))
        assert porch_cell in logged["cells"]
        assert view.registration_index == neighborhood.agency.registration_index
        assert view.window_start == start.replace(microsecond=0)
        assert view.window_end == end.replace(microsecond=0)
        checkpoint = hub.get("/log/checkpoint")
        assert checkpoint.status_code == 200, checkpoint.text
        assert int(checkpoint.text.splitlines()[1]) > view.filed_index

        # Over the link, to the hub of the porch home, with the contract's body.
        messages = hub.get(MESSAGES_PATH, params={"after": 0}).json()["messages"]
        assert [m["kind"] for m in messages] == [MessageKind.FOOTAGE_REQUEST.value]
        body = messages[0]["body"]
        assert body["request"] == str(view.id)
        assert body["log_index"] == view.filed_index
        assert body["agency_name"] == hood.AGENCY_NAME
        assert body["agency_registration_index"] == neighborhood.agency.registration_index
        assert body["description"] == hood.REQUEST_DESCRIPTION
        assert body["area"]["type"] == "circle"
        assert body["area"]["radius_m"] == hood.REQUEST_RADIUS_M
        assert porch_cell in body["cells"]

        # The porch household is told, and the agency's post shows in the feed.
        with context.sessions() as db:
            request = db.get(FootageRequest, view.id)
            assert request is not None
            assert request.homes_notified == 1  # the porch home only
            told = list(
                db.scalars(select(Notification.user_id).where(Notification.post_id == view.post_id))
            )
            post = db.get(Post, view.post_id)
        assert told == [neighborhood.porch_user]
        assert post is not None
        assert post.agency_id == neighborhood.agency.id
        assert post.title == f"Footage request: {INCIDENTS[hood.REQUEST_INCIDENT]}"

        # The demo lists it as open; withdrawing it logs the closing and tells the hub.
        assert [v.id for v in hood.open_requests(context, keys, neighborhood)] == [view.id]
        hood.withdraw_request(context, keys, neighborhood, view.id)
        assert hood.open_requests(context, keys, neighborhood) == []
        after = messages[0]["seq"]
        closed = hub.get(MESSAGES_PATH, params={"after": after}).json()["messages"]
        assert [m["kind"] for m in closed] == [MessageKind.REQUEST_CLOSED.value]
        assert closed[0]["body"]["reason"] == "withdrawn"
        assert _entry(hub, closed[0]["body"]["log_index"])["type"] == "request_closed"
    context.engine.dispose()


def test_demo_request_window_must_fit_the_policy(tmp_path: Path) -> None:
    """The demo files through the real policy: a window ending in the future is refused
    with the field named, and nothing is logged or sent."""
    app, neighborhood = _seeded(tmp_path)
    context = app.state.server
    now = context.clock()
    with pytest.raises(PolicyViolation) as refused:
        hood.file_request(
            context, app.state.log_keys, neighborhood, now, now + timedelta(minutes=5)
        )
    assert refused.value.field == "window_end"
    assert hood.open_requests(context, app.state.log_keys, neighborhood) == []
    context.engine.dispose()


NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
SINCE = NOW - timedelta(hours=23)


def _keep(
    hub_state: RequestState | None = None,
    *,
    paired: bool = True,
    window_start: datetime = NOW - timedelta(hours=2),
    expires_at: datetime = NOW + timedelta(days=6),
) -> bool:
    return keep_request(
        window_start=window_start,
        expires_at=expires_at,
        hub_state=hub_state,
        hub_paired=paired,
        now=NOW,
        footage_since=SINCE,
    )


@pytest.mark.parametrize(
    ("hub_state", "paired", "kept"),
    [
        (None, True, True),  # still queued for the hub that is paired
        (None, False, False),  # a hub paired anew never gets the old message
        (RequestState.VERIFYING, True, True),
        (RequestState.OPEN, True, True),
        (RequestState.RELEASED, True, True),  # more releases stay possible
        (RequestState.DECLINED, True, False),
        (RequestState.REFUSED, True, False),
        (RequestState.CLOSED, True, False),
        (RequestState.EXPIRED, True, False),
    ],
)
def test_an_earlier_request_is_kept_only_while_answerable(
    hub_state: RequestState | None, paired: bool, kept: bool
) -> None:
    assert _keep(hub_state, paired=paired) is kept


def test_an_earlier_request_needs_time_left_and_footage_still_kept() -> None:
    assert not _keep(expires_at=NOW + REQUEST_MIN_LEFT - timedelta(seconds=1))
    assert _keep(expires_at=NOW + REQUEST_MIN_LEFT)
    assert not _keep(window_start=SINCE - timedelta(seconds=1))
    assert _keep(window_start=SINCE)
