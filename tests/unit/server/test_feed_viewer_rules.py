"""The feed's pure rules for who reads what by role and when a new home opens media
(issue 9, items 2 and 4)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from frontporch import geo
from frontporch.server.feed import rules

HOME = geo.cell_to_int(geo.home_cell(41.878113, -87.629799))
NOW = datetime(2026, 12, 21, 12, 0, tzinfo=UTC)


def test_an_agency_member_reads_its_agency_and_nothing_by_area() -> None:
    agency = uuid.uuid4()
    member = rules.Viewer(uuid.uuid4(), False, (), agency)
    author = uuid.uuid4()
    assert rules.can_read(member, author, HOME, False, agency)
    assert not rules.can_read(member, author, HOME, True, agency)  # a colleague's hidden post
    assert not rules.can_read(member, author, HOME, False, uuid.uuid4())
    assert not rules.can_read(member, author, HOME, False, None)  # a resident's post nearby


def test_media_opens_when_a_home_near_the_post_is_old_enough() -> None:
    reader = uuid.uuid4()
    young = rules.Viewer(reader, False, (HOME,), media_from=((HOME, NOW + timedelta(hours=5)),))
    assert rules.media_opens_at(young, uuid.uuid4(), HOME, None, NOW) == NOW + timedelta(hours=5)
    assert rules.media_opens_at(young, reader, HOME, None, NOW) is None  # their own post
    settled = rules.Viewer(
        reader,
        False,
        (HOME, HOME),
        media_from=((HOME, NOW + timedelta(hours=5)), (HOME, NOW - timedelta(days=3))),
    )
    assert rules.media_opens_at(settled, uuid.uuid4(), HOME, None, NOW) is None
