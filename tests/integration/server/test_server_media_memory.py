"""Media passes through the server a chunk at a time, over real HTTP, on SQLite and
PostgreSQL: eight people downloading a 24 MiB clip at once (no Range) and a hub
uploading one raise the process's traced Python memory by a few chunks, not by the
clip. (Reading whole blobs per request took a server from 140 to 704 MiB with eight
readers.) Measured with tracemalloc over the whole process: the server runs under
uvicorn in a thread, and the clients stream what they send and discard what they get."""

from __future__ import annotations

import threading
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from feed_tools import hub_client, resident_at
from frontporch.server.blobs import CHUNK
from frontporch.server.settings import ServerSettings
from server_fixtures import SmtpServer, make_settings
from server_harness import ServerHarness

pytestmark = pytest.mark.served

CLIP_BYTES = 24 * 1024 * 1024
READERS = 8
# Eight readers each holding a few chunks in flight (about 7 MiB measured), plus the
# HTTP machinery; before, eight readers peaked at 215 MiB and one upload at 25. A whole
# clip (what a request used to hold) is 24 MiB.
DOWNLOAD_BOUND = 12 * 1024 * 1024
UPLOAD_BOUND = 6 * 1024 * 1024
BOUNDARY = "fp-memory-boundary"


@pytest.fixture
def settings(database_url: str, tmp_path: Path, smtp: SmtpServer) -> ServerSettings:
    return make_settings(database_url, tmp_path, smtp, feed_max_media_bytes=32 * 1024 * 1024)


def _clip_parts() -> Iterator[bytes]:
    """A multipart upload of a CLIP_BYTES 'clip' (an MP4 header, then zeros), streamed."""
    yield (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="category"\r\n\r\ncrime\r\n'
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="title"\r\n\r\nBig clip\r\n'
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="media"; filename="c.mp4"\r\n'
        "Content-Type: video/mp4\r\n\r\n"
    ).encode()
    header = b"\x00\x00\x00\x18ftypisom"
    yield header
    zeros = bytes(CHUNK)
    left = CLIP_BYTES - len(header)
    while left > 0:
        yield zeros[: min(CHUNK, left)]
        left -= CHUNK
    yield f"\r\n--{BOUNDARY}--\r\n".encode()


def _peak_during(work: list[threading.Thread]) -> int:
    tracemalloc.start()
    try:
        for thread in work:
            thread.start()
        for thread in work:
            thread.join(timeout=120)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak


def test_uploading_and_downloading_a_large_clip_stays_small(
    server: ServerHarness, live: str
) -> None:
    owner, home = resident_at(server)
    neighbor, _ = resident_at(server)
    hub = hub_client(server, owner, home)
    credential = str(hub.headers["authorization"])
    answers: list[httpx.Response] = []

    def upload() -> None:
        with httpx.Client(base_url=live, timeout=120) as client:
            answers.append(
                client.post(
                    "/api/hub/posts",
                    content=_clip_parts(),
                    headers={
                        "authorization": credential,
                        "content-type": f"multipart/form-data; boundary={BOUNDARY}",
                    },
                )
            )

    upload_peak = _peak_during([threading.Thread(target=upload)])
    assert len(answers) == 1
    assert answers[0].status_code == 201, answers[0].text
    post_id = answers[0].json()["id"]
    assert upload_peak < UPLOAD_BOUND, f"upload peak {upload_peak / 2**20:.1f} MiB"

    received: list[int] = []
    cookies = dict(neighbor.client.cookies.items())

    def download() -> None:
        total = 0
        with (
            httpx.Client(base_url=live, cookies=cookies, timeout=120) as client,
            client.stream("GET", f"/api/posts/{post_id}/media") as response,
        ):
            assert response.status_code == 200
            assert response.headers["content-length"] == str(CLIP_BYTES)
            assert response.headers["cache-control"] == "private, no-store"
            for chunk in response.iter_raw(65536):
                total += len(chunk)
        received.append(total)

    download_peak = _peak_during([threading.Thread(target=download) for _ in range(READERS)])
    assert received == [CLIP_BYTES] * READERS
    assert download_peak < DOWNLOAD_BOUND, f"download peak {download_peak / 2**20:.1f} MiB"
