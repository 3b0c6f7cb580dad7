"""What the pairing page says for each refusal (`hub/services/pairing.py`), and the
server address it accepts; no server needed."""

from __future__ import annotations

import pytest

from frontporch.hub.community.link import PairingRefused
from frontporch.hub.services.pairing import PairingFailed, _refusal, normalize_server_url


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("https://porch.example.org/", "https://porch.example.org"),
        ("  http://192.168.1.5:5081 ", "http://192.168.1.5:5081"),
    ],
)
def test_a_server_address_is_kept_without_its_trailing_slash(typed: str, kept: str) -> None:
    assert normalize_server_url(typed) == kept


@pytest.mark.parametrize(
    ("typed", "words"),
    [
        ("", "Enter the community server's address"),
        ("porch.example.org", "https://porch.example.org"),
        ("ftp://porch.example.org", "starts with https://"),
        ("https://", "names a host"),
    ],
)
def test_a_bad_server_address_is_refused_in_words(typed: str, words: str) -> None:
    with pytest.raises(PairingFailed) as refused:
        normalize_server_url(typed)
    assert words in str(refused.value)
    assert refused.value.status == 400


@pytest.mark.parametrize(
    ("server_says", "error", "words", "status"),
    [
        ("pairing code expired: Ask for a new code", "pairing code expired", "has expired", 400),
        ("pairing code already used: …", "pairing code already used", "used already", 400),
        ("pairing code not recognised: …", "pairing code not recognised", "does not know", 400),
        ("hub already paired: …", "hub already paired", "Revoke it", 400),
        ("signature does not verify: …", "signature does not verify", "exactly as", 400),
        ("the pairing code has 8 characters", "pairing code malformed", "8 characters", 400),
        ("HTTP 404", "not a community server", "not as a Frontporch", 502),
        ("too many tries: wait", "pairing refused", "too many tries", 400),
    ],
)
def test_each_refusal_says_what_to_do(
    server_says: str, error: str, words: str, status: int
) -> None:
    failed = _refusal(PairingRefused(server_says))
    assert failed.error == error
    assert words in str(failed)
    assert failed.status == status
