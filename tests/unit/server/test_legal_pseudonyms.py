"""The account pseudonym: HMAC-SHA256 under the server's secret key, 32 hex digits,
stable per server, different across servers and accounts."""

from __future__ import annotations

import hashlib
import hmac
import uuid

from frontporch.server.legal.pseudonyms import account_pseudonym

USER = uuid.UUID("0f8fad5b-d9cb-469f-a165-70867728950e")


def test_the_pseudonym_is_the_contracts_hmac() -> None:
    expected = hmac.new(
        b"server secret", b"frontporch account pseudonym v1\n" + USER.bytes, hashlib.sha256
    ).hexdigest()[:32]
    assert account_pseudonym("server secret", USER) == expected
    assert len(expected) == 32
    assert int(expected, 16) >= 0


def test_it_is_stable_per_server_and_differs_across_servers_and_accounts() -> None:
    assert account_pseudonym("server secret", USER) == account_pseudonym("server secret", USER)
    assert account_pseudonym("another secret", USER) != account_pseudonym("server secret", USER)
    assert account_pseudonym("server secret", uuid.uuid4()) != account_pseudonym(
        "server secret", USER
    )
    assert USER.hex[:32] != account_pseudonym("server secret", USER)
