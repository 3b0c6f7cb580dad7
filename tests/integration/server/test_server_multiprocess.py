"""Scale-out, proven: three real server processes (uvicorn, each with its own data
directory) on one PostgreSQL database and one S3 bucket, sharing only the secret key and
the log signing key (docs/deploy.md). What must be shared is:

1. the log's sequencing: footage requests filed concurrently on all three processes
   give indexes 0..n-1 with no gap and no duplicate, each request its own, every
   checkpoint signed by any process consistent with every later one (the monitor), and
   the open-requests limit holds across processes;
2. delayed legal notices: sent exactly once when the delay ends, whichever process's
   job finds them first;
3. live streams: a post made on one process arrives on a stream opened on another;
4. lockout: wrong passwords spread over the processes lock the account at the same
   count as on one;
5. the feed's page cache: a page a process keeps is not served once another process
   changed the feed;
and media uploaded through one process is served by the others (the bucket).
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from feed_tools import jpeg_bytes, miles_from
from frontporch.crypto.keys import HubIdentity
from frontporch.server.accounts.models import Role
from frontporch.server.db import make_engine, make_sessionmaker
from frontporch.server.kit.models import AuthThrottle
from frontporch.server.legal.pseudonyms import account_pseudonym
from frontporch.translog.checkpoint import open_checkpoint
from frontporch.translog.client import LogClient
from frontporch.translog.merkle import verify_consistency
from frontporch.translog.note import Signer, Verifier
from frontporch.translog.state import pinned_state
from frontporch.translog.verify import Monitor
from homes_tools import CHICAGO, pair_body
from multiprocess_tools import (
    PASSWORD,
    Cluster,
    EventReader,
    Person,
    SharedClock,
    server_processes,
)
from s3_server import ACCESS_KEY_ID, SECRET_ACCESS_KEY, S3Server, s3_server
from server_fixtures import DatabaseFactory, SmtpServer, free_port

pytestmark = pytest.mark.postgres

PROCESSES = 3
AGENCIES = 12
OPEN_LIMIT = 5  # the default policy's max_open_requests
BASE_URL = "http://porch.test"  # what a reverse proxy in front of the three would serve
ORIGIN = "porch.test/log"
ONE_MILE_NORTH = miles_from(CHICAGO, 1.0, 0)
SECRET_KEY = "multi-process-test-secret-key-0123456789-abcdefghij"


@pytest.fixture(scope="module")
def s3() -> Iterator[S3Server]:
    yield from s3_server()


@pytest.fixture(scope="module")
def signer() -> Signer:
    return Signer.generate(ORIGIN)


@pytest.fixture(scope="module")
def cluster(
    postgresql_databases: DatabaseFactory,
    smtp: SmtpServer,
    s3: S3Server,
    signer: Signer,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Cluster]:
    # Migrated once before the processes start, as `frontporch server migrate` is run
    # once per upgrade: several processes must not race to migrate.
    database_url = postgresql_databases.create()
    workdir = tmp_path_factory.mktemp("multiprocess")
    clock = SharedClock(workdir / "clock")
    settings = {
        "FRONTPORCH_ENVIRONMENT": "development",
        "FRONTPORCH_DATABASE_URL": database_url,
        "FRONTPORCH_DATABASE_POOL_SIZE": "8",
        "FRONTPORCH_BASE_URL": BASE_URL,
        "FRONTPORCH_SECRET_KEY": SECRET_KEY,
        "FRONTPORCH_LOG_SIGNING_KEY": signer.private_key_string(),
        "FRONTPORCH_LOG_CHECKPOINT_INTERVAL_S": "0.5",
        "FRONTPORCH_BLOB_BACKEND": "s3",
        "FRONTPORCH_S3_ENDPOINT_URL": s3.endpoint_url,
        "FRONTPORCH_S3_BUCKET": s3.new_bucket(),
        "FRONTPORCH_S3_PATH_STYLE": "true",
        "FRONTPORCH_S3_ACCESS_KEY_ID": ACCESS_KEY_ID,
        "FRONTPORCH_S3_SECRET_ACCESS_KEY": SECRET_ACCESS_KEY,
        "FRONTPORCH_SMTP_HOST": smtp.host,
        "FRONTPORCH_SMTP_PORT": str(smtp.port),
        "FRONTPORCH_SMTP_STARTTLS": "false",
        "FRONTPORCH_SMTP_FROM": "Frontporch <no-reply@porch.test>",
        "FRONTPORCH_ARGON2_TIME_COST": "1",
        "FRONTPORCH_ARGON2_MEMORY_KIB": "8",
        "FRONTPORCH_ARGON2_PARALLELISM": "1",
        "FRONTPORCH_SIGNUPS_PER_HOUR": "1000",
        "FRONTPORCH_SIGNIN_ADDRESS_THRESHOLD": "1000",
        "FRONTPORCH_HOME_MEDIA_DELAY_H": "0",
        "FRONTPORCH_LIVE_POLL_S": "0.05",
        "FRONTPORCH_LIVE_HEARTBEAT_S": "0.2",
        "FRONTPORCH_LIVE_MAX_DURATION_S": "30",
        "FRONTPORCH_LEGAL_NOTICE_INTERVAL_S": "0.2",
        "MULTIPROCESS_CLOCK_FILE": str(clock.path),
    }
    ports = [free_port() for _ in range(PROCESSES)]
    engine = make_engine(database_url)
    try:
        with server_processes(ports, settings, workdir) as servers:
            running = Cluster(servers, make_sessionmaker(engine), smtp.mailbox, clock)
            try:
                yield running
            finally:
                running.close()
                crashed = [s for s in servers if s.process.poll() is not None]
                assert not crashed, "\n".join(s.log_tail() for s in crashed)
    finally:
        engine.dispose()
        postgresql_databases.drop(database_url)


def _entry(data: bytes) -> dict[str, Any]:
    return dict(json.loads(data))


def _log_entries(url: str, size: int) -> list[tuple[int, dict[str, Any]]]:
    client = LogClient(url)
    found: list[tuple[int, dict[str, Any]]] = []
    while len(found) < size:
        page = client.entries(len(found), min(size, len(found) + 1000))
        found.extend((item.index, _entry(item.data)) for item in page)
    return found


def _filing(cluster: Cluster, number: int) -> dict[str, Any]:
    now = cluster.clock()
    return {
        "case_number": f"2026-CR-{number:04d}",
        "incident": "burglary",
        "description": f"A break-in on the {number}00 block.",
        "contact": "Records desk, +1 312 555 0100",
        "area": {"type": "circle", "center": list(CHICAGO), "radius_m": 300},
        "window_start": (now - timedelta(hours=5)).isoformat(),
        "window_end": (now - timedelta(hours=1)).isoformat(),
        "expires_at": (now + timedelta(days=7)).isoformat(),
        "attestation": True,
    }


class Watcher:
    """A monitor run over and over while the log grows, against each process in turn:
    every checkpoint it sees must extend the last one it verified, whoever signed it."""

    def __init__(self, urls: list[str], verifier_key: str) -> None:
        self.urls = urls
        self.monitor = Monitor(pinned_state([verifier_key]))
        self.sizes: list[int] = []
        self.failure: BaseException | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()

    def _watch(self) -> None:
        turn = 0
        while not self._stop.is_set():
            try:
                result = self.monitor.update(self.urls[turn % len(self.urls)])
            except BaseException as exc:
                self.failure = exc
                return
            if result.size is not None:
                self.sizes.append(result.size)
            turn += 1
            self._stop.wait(0.02)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=30)
        if self.failure is not None:
            raise self.failure


# -- 1. the log's sequencing -------------------------------------------------------------------


def test_filing_concurrently_on_every_process_sequences_the_log(
    cluster: Cluster, signer: Signer
) -> None:
    verifier_key = signer.verifier.key_string
    agencies = [cluster.register_agency(f"Police Department {n}") for n in range(AGENCIES)]
    registered = {str(agency_id) for agency_id, _ in agencies}

    # Each agency tries one more than its limit of open requests, every try at once,
    # spread over the three processes: 72 filings, each on a connection of its own.
    attempts = [
        (n, agency_id, member, (n + k) % PROCESSES)
        for n, (agency_id, member) in enumerate(agencies)
        for k in range(OPEN_LIMIT + 1)
    ]

    def file(attempt: tuple[int, uuid.UUID, Person, int]) -> tuple[uuid.UUID, int, Any]:
        number, agency_id, member, process = attempt
        client = cluster.copy(member.via(process), process)
        response = client.post("/api/agency/requests", json=_filing(cluster, number))
        return agency_id, response.status_code, response.json()

    watcher = Watcher(cluster.urls, verifier_key)
    try:
        with ThreadPoolExecutor(max_workers=len(attempts)) as pool:
            results = list(pool.map(file, attempts))
    finally:
        watcher.stop()

    filed_by = [(str(agency_id), body) for agency_id, status, body in results if status == 201]
    filed = [body for _, body in filed_by]
    refused = [(agency_id, body) for agency_id, status, body in results if status != 201]
    assert len(filed) == AGENCIES * OPEN_LIMIT, refused
    assert Counter(agency for agency, _ in filed_by) == dict.fromkeys(registered, OPEN_LIMIT)
    assert len(refused) == AGENCIES
    assert {str(agency_id) for agency_id, _ in refused} == registered
    assert {body["error"] for _, body in refused} == {"outside the request policy"}
    assert all(f"at most {OPEN_LIMIT} may be open" in body["detail"] for _, body in refused)
    indexes = [body["filed_index"] for body in filed]
    assert len(set(indexes)) == len(indexes), "two requests got the same log index"

    # Every process serves the same log: indexes 0..n-1, each entry once, each request's
    # entry where its filing said; the monitor audits every entry into the signed root.
    monitor = Monitor(pinned_state([verifier_key]))
    notes = {url: LogClient(url).checkpoint() for url in cluster.urls}
    assert len(set(notes.values())) == 1, "the processes serve different checkpoints"
    for url in cluster.urls:
        result = monitor.update(url, audit=url == cluster.urls[0])
        assert result.fully_audited
    size = monitor.state.checkpoint.size if monitor.state.checkpoint else 0
    log = _log_entries(cluster.urls[1], size)
    assert [index for index, _ in log] == list(range(size))
    by_type = Counter(entry["type"] for _, entry in log)
    assert by_type["agency_registered"] == AGENCIES
    assert by_type["request_filed"] == AGENCIES * OPEN_LIMIT
    # Entries other parts of a filing may log (its reach, the agency's text) come once
    # per filing, never for a refused one.
    assert all(
        count == AGENCIES * OPEN_LIMIT
        for kind, count in by_type.items()
        if kind not in {"agency_registered", "request_filed"}
    ), by_type
    at = dict(log)
    for agency, body in filed_by:
        entry = at[body["filed_index"]]
        assert entry["type"] == "request_filed"
        assert entry["request"] == body["id"]
        assert entry["agency"] == agency
        assert entry["case_sha256"] == hashlib.sha256(body["case_number"].encode()).hexdigest()
    assert {at[i]["request"] for i in indexes} == {body["id"] for body in filed}

    # Every checkpoint any process signed is by the key, for the origin, and consistent
    # with the latest (the watcher checked each against the one before, as they came).
    assert watcher.sizes == sorted(watcher.sizes)
    assert watcher.sizes[-1] <= size
    final = monitor.state.checkpoint
    assert final is not None
    verifier = Verifier.parse(verifier_key)
    checkpoints = httpx.get(f"{cluster.urls[2]}/api/log/checkpoints", params={"limit": 100}).json()
    assert len({c["size"] for c in checkpoints}) == len(checkpoints)
    for stored in checkpoints:
        opened = open_checkpoint(stored["note"].encode(), verifier, ORIGIN)
        assert opened.size == stored["size"]
        assert opened.root_hash == base64.b64decode(stored["root"])
        proof = LogClient(cluster.urls[stored["size"] % PROCESSES]).consistency_proof(
            opened.size, final.size
        )
        verify_consistency(opened.size, final.size, proof, opened.root_hash, final.root)


# -- 3. live streams ---------------------------------------------------------------------------


def _resident(cluster: Cluster, at: tuple[float, float], name: str) -> tuple[Person, str]:
    person = cluster.person()
    made = person.via(0).post(
        "/api/homes", json={"name": name, "latitude": at[0], "longitude": at[1]}
    )
    assert made.status_code == 201, made.text
    return person, str(made.json()["id"])


def _post(person: Person, via: int, home_id: str, title: str) -> dict[str, Any]:
    made = person.via(via).post(
        "/api/posts",
        json={"home_id": home_id, "category": "crime", "title": title, "body": "Around noon."},
    )
    assert made.status_code == 201, made.text
    return dict(made.json())


def test_a_stream_on_one_process_sees_posts_made_on_another(cluster: Cluster) -> None:
    reader, reader_home = _resident(cluster, ONE_MILE_NORTH, "North")
    poster, poster_home = _resident(cluster, CHICAGO, "Near")
    streams = [
        EventReader(
            f"{cluster.urls[n]}/api/feed/events?home_id={reader_home}&radius_mi=2",
            cluster.api_token(reader, n),
        )
        for n in (1, 2)
    ]
    try:
        made = _post(poster, 0, poster_home, "Loose dog on Elm")
        for stream in streams:
            event = stream.next()
            assert event.event == "post"
            assert event.data["id"] == made["id"]
        later = _post(poster, 2, poster_home, "Found the dog")
        assert streams[0].next().data["id"] == later["id"]
        notices = EventReader(
            f"{cluster.urls[1]}/api/notifications/events", cluster.api_token(poster, 1)
        )
        try:
            commented = reader.via(2).post(
                f"/api/posts/{made['id']}/comments", json={"body": "Seen near the park."}
            )
            assert commented.status_code == 201, commented.text
            assert notices.next().event == "notification"
        finally:
            notices.close()
    finally:
        for stream in streams:
            stream.close()


# -- 4. lockout --------------------------------------------------------------------------------


def test_wrong_passwords_spread_over_the_processes_lock_at_the_same_count(
    cluster: Cluster,
) -> None:
    email = cluster.register()
    guessers = [cluster.client(n) for n in range(PROCESSES)]

    def attempt(process: int, password: str) -> int:
        body = {"email": email, "password": password}
        return guessers[process].post("/api/auth/sign-in", json=body).status_code

    # Five wrong passwords (the threshold), one process after another: each is counted.
    statuses = [attempt(n % PROCESSES, f"wrong guess {n:03d}") for n in range(5)]
    assert statuses == [401] * 5
    # Locked on every process, for the right password too.
    assert [attempt(n, PASSWORD) for n in range(PROCESSES)] == [429] * PROCESSES

    # Guesses fired at once on all three are each counted exactly once (the row is
    # locked while it is counted), whichever process took them.
    cluster.clock.advance(61 + 3600)  # past the lock and the quiet window: a fresh count
    other = cluster.register()
    burst = [cluster.client(n % PROCESSES) for n in range(12)]

    def guess(number: int) -> int:
        body = {"email": other, "password": f"burst guess {number:03d}"}
        return burst[number].post("/api/auth/sign-in", json=body).status_code

    with ThreadPoolExecutor(max_workers=len(burst)) as pool:
        answers = list(pool.map(guess, range(len(burst))))
    assert set(answers) <= {401, 429}
    assert answers.count(401) >= 5
    with cluster.sessions() as db:
        counts = sorted(int(row.count) for row in db.scalars(select(AuthThrottle)))
    assert answers.count(401) in counts, "every counted failure is in the shared row"
    assert [attempt(n, PASSWORD) for n in range(PROCESSES)] == [200] * PROCESSES


# -- 5. the page cache -------------------------------------------------------------------------


def _titles(person: Person, via: int, home_id: str) -> list[str]:
    got = person.via(via).get("/api/feed", params={"home_id": home_id})
    assert got.status_code == 200, got.text
    return [post["title"] for post in got.json()["posts"]]


def test_a_page_kept_by_one_process_is_not_served_after_another_changed_the_feed(
    cluster: Cluster,
) -> None:
    reader, reader_home = _resident(cluster, ONE_MILE_NORTH, "Reader")
    poster, poster_home = _resident(cluster, CHICAGO, "Poster")
    first = _post(poster, 0, poster_home, "Street light out on Oak")
    kept = _titles(reader, 1, reader_home)
    assert kept[0] == "Street light out on Oak"
    assert _titles(reader, 1, reader_home) == kept  # now served from process 1's memory

    second = _post(poster, 0, poster_home, "Street light fixed")
    assert _titles(reader, 1, reader_home)[:2] == ["Street light fixed", "Street light out on Oak"]

    deleted = poster.via(2).delete(f"/api/posts/{second['id']}")
    assert deleted.status_code == 204, deleted.text
    assert _titles(reader, 1, reader_home)[0] == "Street light out on Oak"
    assert first["id"]


def _paired_hub(cluster: Cluster, owner: Person, home_id: str, via: int) -> httpx.Client:
    """A new hub paired with the home (the code made on one process, the pairing done on
    the next); its client on process `via`."""
    code = owner.via((via + 1) % PROCESSES).post(f"/api/homes/{home_id}/pairing-code")
    assert code.status_code == 201, code.text
    body = pair_body(HubIdentity.generate(), BASE_URL, code.json()["code"])
    paired = cluster.client((via + 2) % PROCESSES).post("/api/hub/pair", json=body)
    assert paired.status_code == 201, paired.text
    return cluster.client(via, authorization=f"Bearer {paired.json()['credential']}")


# -- the blob store ----------------------------------------------------------------------------


def test_media_uploaded_through_one_process_is_served_by_the_others(cluster: Cluster) -> None:
    owner, home_id = _resident(cluster, CHICAGO, "Camera")
    neighbour, neighbour_home = _resident(cluster, ONE_MILE_NORTH, "Next door")
    hub = _paired_hub(cluster, owner, home_id, 0)
    snapshot = jpeg_bytes()
    made = hub.post(
        "/api/hub/posts",
        data={"category": "suspicious_activity", "title": "At the door", "body": "2 am."},
        files={"media": ("snap.jpg", snapshot, "image/jpeg")},
    )
    assert made.status_code == 201, made.text
    for via in (1, 2):
        media = neighbour.via(via).get(f"/api/posts/{made.json()['id']}/media")
        assert media.status_code == 200, media.text
        assert media.content == snapshot
    assert neighbour_home


# -- 2. delayed legal notices (last: it moves every process's clock a day on) ------------------


def _log(url: str) -> list[tuple[int, dict[str, Any]]]:
    note = LogClient(url).checkpoint()
    assert note is not None
    return _log_entries(url, int(note.decode().splitlines()[1]))


def _owner_notices(url: str) -> list[tuple[int, dict[str, Any]]]:
    return [(index, entry) for index, entry in _log(url) if entry["type"] == "owner_notice"]


def _legal_mail(cluster: Cluster, email: str) -> list[Any]:
    return [m for m in cluster.mailbox.to(email) if m["Subject"] == NOTICE_SUBJECT]


def _hub_notices(hub: httpx.Client) -> list[dict[str, Any]]:
    got = hub.get("/api/hub/messages", params={"after": 0})
    assert got.status_code == 200, got.text
    bodies = []
    for message in got.json()["messages"]:
        if message["kind"] == "legal_notice":
            body = message["body"]
            bodies.append(body if isinstance(body, dict) else json.loads(body))
    return bodies


NOTICE_SUBJECT = "A legal demand named your account"
DEMANDS = 6


def test_delayed_notices_are_sent_once_whichever_process_finds_them(cluster: Cluster) -> None:
    operator = cluster.person(Role.OPERATOR, mfa_on=True)
    owners = [_resident(cluster, CHICAGO, f"Owner {n}") for n in range(PROCESSES)]
    hubs = [_paired_hub(cluster, owner, home, n) for n, (owner, home) in enumerate(owners)]
    ids = [str(owner.via(0).get("/api/account").json()["id"]) for owner, _ in owners]
    until = cluster.clock().replace(microsecond=0) + timedelta(days=1)
    named: dict[str, list[int]] = {}
    for n in range(DEMANDS):
        who = [n % PROCESSES, (n + 1) % PROCESSES]
        made = operator.via(n % PROCESSES).post(
            "/api/operator/legal/demands",
            json={
                "kind": "warrant",
                "authority": "County Court, Division 3",
                "received_on": cluster.clock().date().isoformat(),
                "accounts": [owners[k][0].email for k in who],
                "scope": "Account metadata and posts of the named accounts.",
                "document_sha256": hashlib.sha256(f"warrant {n}".encode()).hexdigest(),
                "delay_until": until.isoformat(),
                "delay_order_sha256": hashlib.sha256(f"order {n}".encode()).hexdigest(),
            },
        )
        assert made.status_code == 201, made.text
        named[str(made.json()["id"])] = who

    # Held back: every process's job runs several times and sends nothing.
    time.sleep(1.0)
    assert _owner_notices(cluster.urls[0]) == []
    assert all(_legal_mail(cluster, owner.email) == [] for owner, _ in owners)

    cluster.clock.advance(24 * 3600 + 60)  # past the delay, for all three processes
    expected = {
        (demand, account_pseudonym(SECRET_KEY, uuid.UUID(ids[k])))
        for demand, who in named.items()
        for k in who
    }
    deadline = time.monotonic() + 20
    while len(_owner_notices(cluster.urls[1])) < len(expected):
        assert time.monotonic() < deadline, "the delayed notices were not sent"
        time.sleep(0.2)
    time.sleep(1.5)  # each job ran several more times: a second send would show now

    notices = _owner_notices(cluster.urls[2])
    sent = [(entry["demand"], entry["account"]) for _, entry in notices]
    assert sorted(sent) == sorted(expected), "each notice is logged exactly once"
    index_of = {(entry["demand"], entry["account"]): index for index, entry in notices}
    for k, ((owner, _), hub) in enumerate(zip(owners, hubs, strict=True)):
        mine = sorted(demand for demand, who in named.items() if k in who)
        assert len(_legal_mail(cluster, owner.email)) == len(mine)
        told = _hub_notices(hub)
        assert sorted(body["demand"] for body in told) == mine
        pseudonym = account_pseudonym(SECRET_KEY, uuid.UUID(ids[k]))
        assert {body["notice_index"] for body in told} == {
            index_of[(demand, pseudonym)] for demand in mine
        }
        listed = owner.via(k).get("/api/legal/notices")
        assert listed.status_code == 200, listed.text
        assert sorted(str(n["demand_id"]) for n in listed.json() if n["sent_at"]) == mine
