"""The in-memory review tables (`tests/review_tools.py`, mixed into `FakeStore`) agree
with the real SQLite store on the same events and actions, so web tests over
`FakeStore` render /review as the hub would."""

from __future__ import annotations

from pathlib import Path

import pytest

from fakes import FakeClock, FakeStore, cheap_password_hashing, make_event, sign_in, web_harness
from frontporch.hub.review.grouping import Severity
from frontporch.hub.review.records import ReviewFilter
from frontporch.hub.review.service import ReviewDesk
from frontporch.hub.store.index import HubStore
from review_tools import T0, review_config

EVENTS = [
    ("p", "front", T0, 20.0, ("person",)),
    ("d", "front", T0 + 2, 10.0, ("dog",)),
    ("q", "front", T0 + 300, 5.0, ("person",)),
    ("c", "back", T0 + 600, 8.0, ("car",)),
]


def _scenario(store: FakeStore | HubStore, tmp_path: Path) -> list[object]:
    for event_id, camera, start, length, labels in EVENTS:
        if isinstance(store, HubStore):
            store.upsert_event(
                event_id,
                camera=camera,
                labels=labels,
                top_score=0.8,
                start=start,
                end=start + length,
            )
        else:
            store.add_event(
                make_event(event_id, camera=camera, start=start, length=length, labels=labels)
            )
    desk = ReviewDesk(review_config(tmp_path), store, clock=FakeClock(T0 + 3600))
    seen: list[object] = [desk.backfill()]
    listing = desk.items(ReviewFilter(), limit=2)
    seen.append([i.event_ids for i in listing.items])
    seen.append([i.event_ids for i in desk.items(ReviewFilter(), 2, listing.next_cursor).items])
    seen.append([i.id for i in desk.items(ReviewFilter(severity=Severity.detection)).items])
    seen.append(desk.mark_all(ReviewFilter(camera="front"), True))
    seen.append([i.id for i in desk.items(ReviewFilter(reviewed=False)).items])
    if isinstance(store, HubStore):
        store.delete_event("d")
    else:
        del store.events["d"]
    seen.append(desk.item("p").event_ids)
    return seen


def test_the_fake_review_tables_agree_with_the_real_store(tmp_path: Path) -> None:
    with HubStore(tmp_path / "hub.db") as real:
        expected = _scenario(real, tmp_path)
    assert expected[1] == [("c",), ("q",)]
    assert _scenario(FakeStore(), tmp_path) == expected


def test_the_review_page_renders_over_the_fake_store(monkeypatch: pytest.MonkeyPatch) -> None:
    cheap_password_hashing(monkeypatch)
    web = web_harness()
    web.store.add_event(make_event("e1", labels=("person",)))
    web.app.state.review.backfill()
    client = web.client()
    sign_in(client)
    assert 'id="item-e1"' in client.get("/review").text
    assert [i["id"] for i in client.get("/api/review").json()["items"]] == ["e1"]
