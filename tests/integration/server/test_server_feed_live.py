"""Live updates over real HTTP: the server runs under uvicorn and the streams are read
with httpx, as a browser's EventSource (or any program) reads them. A neighbor's post
arrives within seconds, a post outside the radius never does, `Last-Event-ID` resumes
without repeats, and a comment on your post arrives as a notification."""

from __future__ import annotations

import json
import queue
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from feed_tools import feed, miles_from, post, resident_at
from frontporch.server.settings import ServerSettings
from homes_tools import CHICAGO, add_home
from server_fixtures import Account, SmtpServer, make_settings
from server_harness import ServerHarness
from server_live import serving

ONE_MILE_NORTH = miles_from(CHICAGO, 1.0, 0)
FOUR_MILES_EAST = miles_from(CHICAGO, 4.0, 90)
ARRIVES_WITHIN_S = 5.0
QUIET_FOR_S = 1.0


@pytest.fixture
def settings(database_url: str, tmp_path: Path, smtp: SmtpServer) -> ServerSettings:
    # Streams that outlive each test's waiting, look for news often, and send a
    # keep-alive comment often (which is when a reader notices it should stop).
    return make_settings(
        database_url,
        tmp_path,
        smtp,
        live_poll_s=0.05,
        live_heartbeat_s=0.2,
        live_max_duration_s=30.0,
    )


@pytest.fixture
def base_url(server: ServerHarness) -> Iterator[str]:
    with serving(server.app) as url:
        yield url


@dataclass(frozen=True)
class Event:
    """One server-sent event as a browser would hand it to a page."""

    id: int
    event: str
    data: Any


class EventReader:
    """Reads one event stream in a thread; events land in a queue as they arrive."""

    def __init__(self, url: str, token: str, last_event_id: int | None = None) -> None:
        self.events: queue.Queue[Event] = queue.Queue()
        self.status: queue.Queue[int] = queue.Queue()
        self._stop = threading.Event()
        self._client = httpx.Client(timeout=httpx.Timeout(10.0, read=60.0))
        headers = {"authorization": f"Bearer {token}", "accept": "text/event-stream"}
        if last_event_id is not None:
            headers["last-event-id"] = str(last_event_id)
        self._thread = threading.Thread(target=self._read, args=(url, headers), daemon=True)
        self._thread.start()
        assert self.status.get(timeout=10) == 200

    def _read(self, url: str, headers: dict[str, str]) -> None:
        try:
            with self._client.stream("GET", url, headers=headers) as response:
                self.status.put(response.status_code)
                fields: dict[str, str] = {}
                for line in response.iter_lines():
                    if self._stop.is_set():
                        return
                    if line == "":
                        if "data" in fields:
                            data = json.loads(fields["data"])
                            self.events.put(Event(int(fields["id"]), fields["event"], data))
                        fields = {}
                    elif not line.startswith(":"):
                        name, _, value = line.partition(":")
                        fields[name] = value.removeprefix(" ")
        except httpx.HTTPError:
            pass  # closed by the test

    def next(self, timeout: float = ARRIVES_WITHIN_S) -> Event:
        """The next event; fails the test if none arrives in time."""
        try:
            return self.events.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"no event within {timeout} s") from None

    def quiet(self, seconds: float = QUIET_FOR_S) -> None:
        """Nothing arrives for a while."""
        try:
            event = self.events.get(timeout=seconds)
        except queue.Empty:
            return
        raise AssertionError(f"unexpected event {event}")

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)
        self._client.close()


@pytest.fixture
def readers() -> Iterator[list[EventReader]]:
    opened: list[EventReader] = []
    yield opened
    for reader in opened:
        reader.close()


def _token(account: Account) -> str:
    made = account.client.post("/api/account/tokens", json={"name": "live test"})
    assert made.status_code == 201, made.text
    return str(made.json()["token"])


def test_a_neighbors_post_arrives_and_a_far_one_does_not(
    server: ServerHarness, base_url: str, readers: list[EventReader]
) -> None:
    reader, reader_home = resident_at(server, ONE_MILE_NORTH)
    near, near_home = resident_at(server, CHICAGO)
    far, far_home = resident_at(server, FOUR_MILES_EAST)
    post(near, near_home, "Before the stream opened")
    stream = EventReader(
        f"{base_url}/api/feed/events?home_id={reader_home}&radius_mi=2", _token(reader)
    )
    readers.append(stream)
    stream.quiet(0.5)  # a stream starts at the newest post: no history

    made = post(near, near_home, "Loose dog on Elm")
    event = stream.next()
    assert event.event == "post"
    assert event.data["id"] == made["id"]
    assert event.data == feed(reader, reader_home)["posts"][0]  # the feed's own JSON
    assert event.data["author"] == {"kind": "neighbor", "label": "Neighbor", "distance_mi": 1.0}

    far_post = post(far, far_home, "Road closed four miles away")
    stream.quiet()
    after = post(near, near_home, "Found the dog")
    event2 = stream.next()
    assert event2.data["id"] == after["id"]
    assert event2.id > event.id
    assert far_post["id"] not in {event.data["id"], event2.data["id"]}

    wide = EventReader(
        f"{base_url}/api/feed/events?home_id={reader_home}&radius_mi=5&category=safety",
        _token(reader),
    )
    readers.append(wide)
    post(near, near_home, "Bake sale", category="community")
    wide.quiet()
    farther = post(far, far_home, "Gas leak", category="safety")
    assert wide.next().data["id"] == farther["id"]


def test_last_event_id_resumes_without_repeats(
    server: ServerHarness, base_url: str, readers: list[EventReader]
) -> None:
    reader, home = resident_at(server, ONE_MILE_NORTH)
    poster, poster_home = resident_at(server, CHICAGO)
    token = _token(reader)
    url = f"{base_url}/api/feed/events?home_id={home}"
    first = EventReader(url, token)
    readers.append(first)
    posted = [post(poster, poster_home, f"post {n}")["id"] for n in range(2)]
    seen = [first.next(), first.next()]
    assert [e.data["id"] for e in seen] == posted
    first.close()

    missed = [post(poster, poster_home, f"while away {n}")["id"] for n in range(3)]
    again = EventReader(url, token, last_event_id=seen[-1].id)
    readers.append(again)
    resumed = [again.next() for _ in missed]
    assert [e.data["id"] for e in resumed] == missed
    again.quiet()
    # The same from the `after` a page passes (its newest post's number).
    from_page = EventReader(f"{url}&after={seen[0].id}", token)
    readers.append(from_page)
    assert [from_page.next().data["id"] for _ in range(4)] == [posted[1], *missed]
    from_page.quiet()


def test_a_comment_on_your_post_arrives_as_a_notification(
    server: ServerHarness, base_url: str, readers: list[EventReader]
) -> None:
    author, home = resident_at(server, CHICAGO)
    neighbor, neighbor_home = resident_at(server, ONE_MILE_NORTH)
    mine = post(author, home, "Lost grey cat")
    theirs = post(neighbor, neighbor_home, "Found a grey cat")
    stream = EventReader(f"{base_url}/api/notifications/events", _token(author))
    readers.append(stream)

    commented = neighbor.client.post(
        f"/api/posts/{mine['id']}/comments", json={"body": "Seen near the park"}
    )
    assert commented.status_code == 201
    event = stream.next()
    assert event.event == "notification"
    assert event.data["kind"] == "comment_on_your_post"
    assert event.data["post_id"] == mine["id"]
    assert event.data["unread"] == 1
    listed = author.client.get("/api/notifications").json()["notifications"][0]
    assert event.id == listed["id"]
    assert {k: v for k, v in event.data.items() if k != "unread"} == listed

    # Someone else's notification is not on this stream.
    author.client.post(f"/api/posts/{theirs['id']}/comments", json={"body": "Mine?"})
    stream.quiet()


def test_streams_check_who_listens(server: ServerHarness, base_url: str) -> None:
    reader, _ = resident_at(server)
    strangers_home = add_home(server.account())["id"]
    token = _token(reader)
    with httpx.Client(base_url=base_url, timeout=10) as client:
        auth = {"authorization": f"Bearer {token}"}
        foreign = client.get(f"/api/feed/events?home_id={strangers_home}", headers=auth)
        assert foreign.status_code == 404
        assert foreign.json()["field"] == "home_id"
        assert client.get("/api/notifications/events").status_code == 401
        assert client.get("/api/feed/events?home_id=x", headers=auth).status_code == 422
        wrong = client.get(f"/api/feed/events?home_id={strangers_home}&radius_mi=6", headers=auth)
        assert wrong.status_code == 422
