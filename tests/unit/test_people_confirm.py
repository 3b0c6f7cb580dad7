"""Confirming a person before footage leaves the home (`people/confirm.py`): the one
check releasing and sharing both make. Their own password, or a passkey answer on a
challenge made for that very action: a release's challenge does not confirm a share,
nor the other way round. (Real passkey answers: tests/e2e/test_members_browser.py and
tests/e2e/test_share_passkey_browser.py.)"""

from __future__ import annotations

import pytest

from fakes import OWNER_PASSWORD, FakeClock, FakeStore, cheap_password_hashing
from frontporch.hub.people.confirm import (
    CONFIRMATION_TTL_S,
    ConfirmAction,
    NotConfirmed,
    NothingToConfirm,
    WrongConfirmation,
    check_confirmation,
    confirm_person,
    confirm_purpose,
)
from frontporch.hub.people.passkeys import Origin, PasskeyAnswer, PasskeyDesk
from frontporch.hub.people.records import Passkey
from frontporch.hub.web.passwords import set_owner_password

HERE = Origin("hub.local", "https://hub.local")
NOW = 1_700_000_000.0


@pytest.fixture
def store(monkeypatch: pytest.MonkeyPatch) -> FakeStore:
    cheap_password_hashing(monkeypatch)
    store = FakeStore()
    set_owner_password(store, OWNER_PASSWORD, now=NOW - 60)
    store.add_passkey(Passkey("a2V5LTE", "owner", "Phone", b"not-a-key", 0, "internal", NOW))
    return store


@pytest.mark.parametrize("action", list(ConfirmAction))
def test_the_persons_own_password_confirms_that_action_only(
    store: FakeStore, action: ConfirmAction
) -> None:
    confirmed = confirm_person(store, None, "owner", action, NOW, password=OWNER_PASSWORD)
    assert (confirmed.user_id, confirmed.action) == ("owner", action)
    assert check_confirmation(confirmed, action, NOW + 1) is confirmed
    other = next(a for a in ConfirmAction if a is not action)
    with pytest.raises(NotConfirmed, match=f"not confirmed for {other.value}"):
        check_confirmation(confirmed, other, NOW + 1)
    with pytest.raises(NotConfirmed, match="too old"):
        check_confirmation(confirmed, action, NOW + CONFIRMATION_TTL_S + 1)


def test_a_wrong_or_missing_password_confirms_nothing(store: FakeStore) -> None:
    with pytest.raises(WrongConfirmation):
        confirm_person(store, None, "owner", ConfirmAction.share, NOW, password="guess")
    with pytest.raises(NothingToConfirm):
        confirm_person(store, None, "owner", ConfirmAction.share, NOW, password="")
    with pytest.raises(WrongConfirmation):
        confirm_person(store, None, "nobody", ConfirmAction.share, NOW, password=OWNER_PASSWORD)


def test_a_confirmation_is_made_only_by_confirm_person(store: FakeStore) -> None:
    confirmed = confirm_person(
        store, None, "owner", ConfirmAction.share, NOW, password=OWNER_PASSWORD
    )
    with pytest.raises(NotConfirmed, match="only by confirm_person"):
        type(confirmed)("owner", ConfirmAction.share, NOW, object())
    with pytest.raises(NotConfirmed):
        check_confirmation(object(), ConfirmAction.share, NOW)


@pytest.mark.parametrize(
    ("made_for", "used_for"),
    [
        (ConfirmAction.release, ConfirmAction.share),
        (ConfirmAction.share, ConfirmAction.release),
    ],
)
def test_a_passkey_challenge_confirms_only_the_action_it_was_made_for(
    store: FakeStore, made_for: ConfirmAction, used_for: ConfirmAction
) -> None:
    desk = PasskeyDesk(store, FakeClock())
    owner = store.get_user("owner")
    assert owner is not None
    challenge = desk.assertion_options(HERE, confirm_purpose(made_for), owner)
    answer = PasskeyAnswer(HERE, challenge["challenge_id"], {"id": "a2V5LTE"}, "owner")
    with pytest.raises(WrongConfirmation, match="made for something else"):
        confirm_person(store, desk, "owner", used_for, NOW, answer=answer)
    with pytest.raises(WrongConfirmation, match="expired"):  # used once, even when refused
        confirm_person(store, desk, "owner", made_for, NOW, answer=answer)


def test_a_passkey_answer_is_checked_instead_of_the_password(store: FakeStore) -> None:
    desk = PasskeyDesk(store, FakeClock())
    owner = store.get_user("owner")
    assert owner is not None
    challenge = desk.assertion_options(HERE, confirm_purpose(ConfirmAction.share), owner)
    forged = PasskeyAnswer(HERE, challenge["challenge_id"], {"id": "a2V5LTE"}, "owner")
    with pytest.raises(WrongConfirmation, match="did not confirm"):  # the password is no help
        confirm_person(
            store, desk, "owner", ConfirmAction.share, NOW, password=OWNER_PASSWORD, answer=forged
        )
    with pytest.raises(WrongConfirmation, match="someone else"):
        confirm_person(store, desk, "guest", ConfirmAction.share, NOW, answer=forged)
