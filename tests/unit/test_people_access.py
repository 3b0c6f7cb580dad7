"""The pure rules of who may reach which route (`hub/people/access.py`) and the owner's
actions on members (`hub/people/service.py`) on the in-memory store."""

from __future__ import annotations

import pytest

from fakes import FakeStore
from frontporch.hub.people.access import (
    MEMBER_ROUTES,
    Allowance,
    member_may,
    parse_allowances,
    refusal,
    role_may,
)
from frontporch.hub.people.service import (
    MemberError,
    add_member,
    change_member,
    invite_hash,
    invited_user,
    remove_member,
)

NOW = 1_717_400_000.0


def test_the_owner_reaches_every_route_and_a_member_only_listed_ones() -> None:
    assert role_may("owner", frozenset(), "POST", "/api/events/{event_id}/publish")
    assert member_may(frozenset(), "GET", "/events/{event_id}")
    assert member_may(frozenset(), "HEAD", "/api/events/{event_id}/clip.mp4")
    assert member_may(frozenset(), "GET", "/timeline/{camera}")
    assert member_may(frozenset(), "POST", "/api/review/{item_id}/reviewed")
    assert not member_may(frozenset(), "POST", "/api/review/{item_id}/delete")
    assert not member_may(frozenset(), "POST", "/events/{event_id}/delete")
    assert not member_may(frozenset(), "GET", "/settings/members")
    assert not member_may(frozenset(), "GET", "/some/new/route")
    assert not role_may("stranger", frozenset({"share"}), "GET", "/")


@pytest.mark.parametrize(
    ("allowance", "method", "route"),
    [
        (Allowance.share, "POST", "/events/{event_id}/publish"),
        (Allowance.share, "POST", "/api/events/{event_id}/publish"),
        (Allowance.release, "POST", "/requests/{request_id}/release"),
        (Allowance.release, "GET", "/requests"),
        (Allowance.settings, "GET", "/settings/cameras"),
        (Allowance.settings, "POST", "/settings/cameras/{camera}"),
    ],
)
def test_an_allowance_opens_its_routes_and_only_its_own(
    allowance: Allowance, method: str, route: str
) -> None:
    assert not member_may(frozenset(), method, route)
    assert member_may(frozenset({allowance.value}), method, route)
    others = frozenset(a.value for a in Allowance if a is not allowance)
    assert not member_may(others, method, route)


def test_refusals_say_what_to_ask_for() -> None:
    assert "share" in refusal("POST", "/events/{event_id}/publish")
    assert "cannot share" in refusal("POST", "/events/{event_id}/publish")
    assert "release" in refusal("POST", "/requests/{request_id}/release")
    assert "owner" in refusal("GET", "/settings/members")


def test_member_routes_never_list_sharing_release_or_members() -> None:
    for _method, route in MEMBER_ROUTES:
        assert "publish" not in route
        assert "release" not in route
        assert "members" not in route


def test_unknown_allowances_are_named() -> None:
    assert parse_allowances(["share", " release "]) == frozenset({"share", "release"})
    with pytest.raises(ValueError, match="'fly'"):
        parse_allowances(["fly"])


def test_add_change_and_remove_a_member() -> None:
    store = FakeStore()
    user, invite = add_member(store, "kitchen-tablet", "member", ["share"], "$argon2id$x", NOW)
    assert invite is None
    assert store.get_user_by_name("KITCHEN-TABLET") == user
    assert user.allowances == frozenset({"share"})
    changed = change_member(store, user.id, "member", ["release"])
    assert changed.allowances == frozenset({"release"})
    promoted = change_member(store, user.id, "owner", ["release"])
    assert promoted.role == "owner"
    assert promoted.allowances == frozenset()
    assert remove_member(store, user.id) == promoted
    assert store.get_user(user.id) is None


def test_bad_member_input_is_refused_in_words() -> None:
    store = FakeStore()
    with pytest.raises(MemberError, match="1 to 32 letters") as bad_name:
        add_member(store, "two words", "member", [], "$argon2id$x", NOW)
    assert bad_name.value.field == "member-name"
    with pytest.raises(MemberError, match="'owner' or 'member'"):
        add_member(store, "guest", "admin", [], "$argon2id$x", NOW)
    add_member(store, "guest", "member", [], "$argon2id$x", NOW)
    with pytest.raises(MemberError, match="already") as taken:
        add_member(store, "Guest", "member", [], "$argon2id$x", NOW)
    assert taken.value.status == 409
    with pytest.raises(MemberError, match="stays an owner"):
        change_member(store, "owner", "member", [])
    with pytest.raises(MemberError, match="cannot be removed"):
        remove_member(store, "owner")
    with pytest.raises(MemberError) as missing:
        remove_member(store, "nobody")
    assert missing.value.status == 404


def test_an_invite_link_works_until_it_expires() -> None:
    store = FakeStore()
    user, invite = add_member(store, "sitter", "member", [], None, NOW)
    assert invite is not None
    assert user.password_hash is None
    assert user.invite_hash == invite_hash(invite)
    assert invite not in str(user)
    assert invited_user(store, invite, NOW + 60) == user
    with pytest.raises(MemberError, match="not valid"):
        invited_user(store, invite, NOW + 8 * 24 * 3600)
    with pytest.raises(MemberError, match="not valid"):
        invited_user(store, "forged", NOW)
