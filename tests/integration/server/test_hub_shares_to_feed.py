"""A hub shares an event's clip to the real community server: paired through the real
pairing API, rendered with its privacy mask, uploaded with the hub credential, and then
in the neighbors' feed as the owner's post — the served video, and the poster frame the
feed shows before it plays, black inside the mask."""

from __future__ import annotations

from pathlib import Path

import av
import cv2
import numpy as np
import pytest

from feed_tools import miles_from, resident_at
from frontporch.hub.community import link
from frontporch.hub.community.publish import EventFootage, MediaChoice, PostDraft, publish_event
from homes_tools import CHICAGO, add_home, pairing_code
from server_harness import ServerHarness
from videotools import make_h264

MASK = [(0.0, 0.0), (0.5, 0.0), (0.5, 1.0), (0.0, 1.0)]  # the left half of the frame


pytestmark = pytest.mark.served


def _frames(data: bytes, tmp_path: Path) -> list[np.ndarray]:
    path = tmp_path / "served.mp4"
    path.write_bytes(data)
    with av.open(str(path)) as container:
        return [frame.to_ndarray(format="bgr24") for frame in container.decode(video=0)]


def test_a_shared_clip_reaches_the_feed_with_its_mask_burned_in(
    server: ServerHarness, live: str, tmp_path: Path
) -> None:
    owner = server.account()
    home_id = add_home(owner, at=CHICAGO)["id"]
    neighbor, neighbor_home = resident_at(server, miles_from(CHICAGO, 0.8, 45.0))
    storage = tmp_path / "hub"
    paired = link.pair(storage, live, pairing_code(owner, home_id), "Porch hub")
    clip = make_h264(tmp_path / "event.mp4", seconds=2, fps=10, size=(320, 180))

    published = publish_event(
        paired,
        EventFootage("1717400000.5-front", [MASK], clip=lambda: clip, snapshot=None),
        PostDraft.of("suspicious_activity", "Someone tried our door", "Around 3 pm."),
        choice=MediaChoice.clip,
        workdir=tmp_path / "work",
    )
    again = publish_event(
        paired,
        EventFootage("1717400000.5-front", [MASK], clip=lambda: clip, snapshot=None),
        PostDraft.of("suspicious_activity", "Someone tried our door", "Around 3 pm."),
        choice=MediaChoice.clip,
        workdir=tmp_path / "work",
    )
    assert published.created
    assert not again.created
    assert again.post_id == published.post_id
    assert published.url == f"{live}/posts/{published.post_id}"

    mine = owner.client.get("/api/feed", params={"home_id": home_id}).json()["posts"]
    assert [(p["id"], p["mine"]) for p in mine] == [(published.post_id, True)]
    theirs = neighbor.client.get("/api/feed", params={"home_id": neighbor_home}).json()
    post = theirs["posts"][0]
    assert post["title"] == "Someone tried our door"
    assert post["author"]["label"] == "Neighbor"
    assert post["mine"] is False

    media = neighbor.client.get(f"/api/posts/{published.post_id}/media")
    assert media.status_code == 200
    assert media.headers["content-type"] == "video/mp4"
    frames = _frames(media.content, tmp_path)
    assert len(frames) >= 15
    for frame in frames:
        width = frame.shape[1]
        assert frame[:, : width // 2 - 4].mean() < 8  # painted black on the hub
        assert frame[:, width // 2 + 4 :].mean() > 20  # the rest is the picture


def test_a_shared_clip_arrives_with_its_masked_poster_frame(
    server: ServerHarness, live: str, tmp_path: Path
) -> None:
    owner = server.account()
    home_id = add_home(owner, at=CHICAGO)["id"]
    neighbor, neighbor_home = resident_at(server, miles_from(CHICAGO, 0.8, 45.0))
    paired = link.pair(tmp_path / "hub", live, pairing_code(owner, home_id), "Porch hub")
    clip = make_h264(tmp_path / "event.mp4", seconds=1, fps=10, size=(320, 180))
    snapshot = tmp_path / "snapshot.jpg"
    assert cv2.imwrite(str(snapshot), np.full((180, 320, 3), 200, np.uint8))

    published = publish_event(
        paired,
        EventFootage("1717400100.0-front", [MASK], clip=lambda: clip, snapshot=snapshot),
        PostDraft.of("suspicious_activity", "A van idling by the gate", "Around 4 pm."),
        choice=MediaChoice.clip,
        workdir=tmp_path / "work",
    )

    theirs = neighbor.client.get("/api/feed", params={"home_id": neighbor_home}).json()
    media = theirs["posts"][0]["media"]
    assert media["content_type"] == "video/mp4"
    assert media["poster"] == f"/api/posts/{published.post_id}/poster"
    still = neighbor.client.get(media["poster"])
    assert still.status_code == 200
    assert still.headers["content-type"] == "image/jpeg"
    frame = cv2.imdecode(np.frombuffer(still.content, np.uint8), cv2.IMREAD_COLOR)
    width = frame.shape[1]
    assert frame[:, : width // 2 - 4].mean() < 8  # the mask, burned in on the hub
    assert frame[:, width // 2 + 4 :].mean() > 150
    page = neighbor.client.get("/feed").text
    assert f'poster="{media["poster"]}"' in page
