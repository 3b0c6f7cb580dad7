"""The hub's per-camera live feed: what viewers get, and when fragments are dropped."""

from __future__ import annotations

from frontporch.hub.live.feed import LiveFeed

CODEC = "avc1.640028"


def _feed(*chunks: tuple[int, bool, bytes], session: int = 1) -> LiveFeed:
    feed = LiveFeed(max_bytes=64)
    feed.start(session, CODEC, b"I")
    for seq, keyframe, data in chunks:
        feed.add(session, seq, keyframe, data)
    return feed


def test_a_new_viewer_gets_init_and_the_fragments_since_the_latest_keyframe() -> None:
    feed = _feed((0, True, b"K0"), (1, False, b"p1"), (2, True, b"K2"), (3, False, b"p3"))
    update = feed.since(None)
    assert update is not None
    assert update.data == b"IK2p3"
    assert feed.since(update.cursor) is None  # nothing new yet
    feed.add(1, 4, False, b"p4")
    later = feed.since(update.cursor)
    assert later is not None
    assert later.data == b"p4"


def test_nothing_to_watch_before_an_init_segment_and_a_keyframe() -> None:
    feed = LiveFeed()
    assert feed.codec is None
    feed.offer(CODEC)
    assert feed.codec == CODEC
    assert feed.since(None) is None
    feed.start(1, CODEC, b"I")
    feed.add(1, 0, False, b"p0")  # not decodable without its keyframe
    assert feed.since(None) is None


def test_a_new_init_segment_restarts_every_viewer() -> None:
    feed = _feed((0, True, b"K0"))
    first = feed.since(None)
    assert first is not None
    feed.stop()
    assert feed.since(first.cursor) is None
    feed.start(2, CODEC, b"J")
    feed.add(1, 1, False, b"old session")
    feed.add(2, 0, True, b"N0")
    again = feed.since(first.cursor)
    assert again is not None
    assert again.data == b"JN0"


def test_a_missing_fragment_drops_the_rest_until_the_next_keyframe() -> None:
    feed = _feed((0, True, b"K0"), (1, False, b"p1"), (3, False, b"p3"))
    assert feed.since(None) is None
    feed.add(1, 4, False, b"p4")
    assert feed.since(None) is None
    feed.add(1, 5, True, b"K5")
    update = feed.since(None)
    assert update is not None
    assert update.data == b"IK5"


def test_a_viewer_who_fell_behind_skips_to_the_latest_keyframe() -> None:
    feed = _feed((0, True, b"K0"), (1, False, b"p1"))
    update = feed.since(None)
    assert update is not None
    feed.add(1, 2, False, b"p2")
    feed.add(1, 3, True, b"K3")
    feed.add(1, 4, False, b"p4")
    later = feed.since(update.cursor)  # p2 is gone: no hole, the next GOP instead
    assert later is not None
    assert later.data == b"K3p4"


def test_a_keyframe_interval_over_the_memory_bound_waits_for_the_next_keyframe() -> None:
    feed = _feed((0, True, b"K" * 40), (1, False, b"p" * 30))
    assert feed.since(None) is None
    feed.add(1, 2, False, b"p2")
    assert feed.since(None) is None
    feed.add(1, 3, True, b"K3")
    update = feed.since(None)
    assert update is not None
    assert update.data == b"IK3"
