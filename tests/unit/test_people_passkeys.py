"""The passkey desk's own rules, before any authenticator answers: which host names can
be an RP ID, and that a challenge is used once, for its purpose and person only.
(Real WebAuthn answers are checked in tests/e2e/test_passkey_browser.py with Chromium's
virtual authenticator.)"""

from __future__ import annotations

import pytest

from fakes import FakeClock, FakeStore
from frontporch.hub.people.devices import device_label
from frontporch.hub.people.passkeys import (
    CHALLENGE_TTL_S,
    Origin,
    PasskeyDesk,
    PasskeyError,
    passkey_name,
    usable_rp_id,
)

HERE = Origin("hub.local", "https://hub.local")


@pytest.mark.parametrize(
    ("host", "usable"),
    [("hub.local", True), ("localhost", True), ("192.168.1.20", False), ("[::1]", False)],
)
def test_an_ip_address_cannot_be_an_rp_id(host: str, usable: bool) -> None:
    assert usable_rp_id(host) is usable


def test_registration_needs_a_name_not_an_address() -> None:
    store = FakeStore()
    owner = store.get_user("owner")
    assert owner is not None
    desk = PasskeyDesk(store, FakeClock())
    with pytest.raises(PasskeyError, match=r"not the address 192\.168\.1\.20"):
        desk.registration_options(owner, Origin("192.168.1.20", "http://192.168.1.20:5080"))
    answer = desk.registration_options(owner, HERE)
    options = answer["options"]
    assert options["rp"]["id"] == "hub.local"
    assert options["authenticatorSelection"]["residentKey"] == "required"
    assert options["authenticatorSelection"]["userVerification"] == "required"


def test_a_challenge_answers_once_for_its_purpose_and_person() -> None:
    store = FakeStore()
    clock = FakeClock()
    desk = PasskeyDesk(store, clock)
    sign_in = desk.assertion_options(HERE, "sign-in")["challenge_id"]
    with pytest.raises(PasskeyError, match="made for something else"):
        desk.check_assertion(HERE, "confirm", sign_in, {"id": "x"})
    with pytest.raises(PasskeyError, match="expired"):
        desk.check_assertion(HERE, "sign-in", sign_in, {"id": "x"})  # used up above
    late = desk.assertion_options(HERE, "sign-in")["challenge_id"]
    clock.advance(CHALLENGE_TTL_S + 1)
    with pytest.raises(PasskeyError, match="expired"):
        desk.check_assertion(HERE, "sign-in", late, {"id": "x"})
    fresh = desk.assertion_options(HERE, "sign-in")["challenge_id"]
    with pytest.raises(PasskeyError, match="not registered"):
        desk.check_assertion(HERE, "sign-in", fresh, {"id": "unknown"})


def test_confirming_needs_a_passkey_of_ones_own() -> None:
    store = FakeStore()
    owner = store.get_user("owner")
    assert owner is not None
    with pytest.raises(PasskeyError, match="no passkey yet"):
        PasskeyDesk(store, FakeClock()).assertion_options(HERE, "confirm", owner)


def test_passkey_names_and_device_labels() -> None:
    assert passkey_name("  Work   laptop ") == "Work laptop"
    with pytest.raises(PasskeyError, match="give the passkey a name"):
        passkey_name("   ")
    with pytest.raises(PasskeyError, match="at most 60"):
        passkey_name("x" * 61)
    android = "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Chrome/126.0 Mobile Safari/537.36"
    assert device_label(android) == "Chrome on Android"
    assert device_label("") == "Unknown browser"
