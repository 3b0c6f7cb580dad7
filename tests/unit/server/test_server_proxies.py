"""Finding the client behind reverse proxies: X-Forwarded-For is believed only from a
trusted peer, walked from the right, and anything odd falls back to the peer."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from frontporch.server.proxies import forwarded_client, parse_address, parse_networks
from frontporch.server.settings import SettingsError, load_settings

TRUSTED = parse_networks(["10.0.0.0/8", "192.0.2.1", "fd00::/8"])


def test_no_trusted_proxies_means_the_peer() -> None:
    assert forwarded_client("10.0.0.1", ["203.0.113.5"], ()) == "10.0.0.1"


def test_a_spoofed_header_from_an_untrusted_peer_is_ignored() -> None:
    assert forwarded_client("198.51.100.7", ["203.0.113.5"], TRUSTED) == "198.51.100.7"
    assert forwarded_client("198.51.100.7", ["10.0.0.9"], TRUSTED) == "198.51.100.7"


def test_one_trusted_proxy() -> None:
    assert forwarded_client("10.0.0.1", ["203.0.113.5"], TRUSTED) == "203.0.113.5"


def test_a_single_trusted_address() -> None:
    assert forwarded_client("192.0.2.1", ["203.0.113.5"], TRUSTED) == "203.0.113.5"
    assert forwarded_client("192.0.2.2", ["203.0.113.5"], TRUSTED) == "192.0.2.2"


def test_a_chain_of_proxies_is_walked_from_the_right() -> None:
    # The client wrote "1.1.1.1" itself; our CDN edge (10.1.1.1) saw 203.0.113.5.
    header = ["1.1.1.1, 203.0.113.5, 10.1.1.1"]
    assert forwarded_client("10.0.0.1", header, TRUSTED) == "203.0.113.5"


def test_several_header_lines_are_one_list() -> None:
    lines = ["1.1.1.1", "203.0.113.5", "10.1.1.1, 10.2.2.2"]
    assert forwarded_client("10.0.0.1", lines, TRUSTED) == "203.0.113.5"


def test_an_all_trusted_chain_gives_the_left_most() -> None:
    assert forwarded_client("10.0.0.1", ["10.3.3.3, 10.2.2.2"], TRUSTED) == "10.3.3.3"


def test_no_header_from_a_trusted_proxy_means_the_peer() -> None:
    assert forwarded_client("10.0.0.1", [], TRUSTED) == "10.0.0.1"
    assert forwarded_client("10.0.0.1", ["", " , "], TRUSTED) == "10.0.0.1"


def test_ipv6() -> None:
    assert forwarded_client("fd00::1", ["2001:db8::5"], TRUSTED) == "2001:db8::5"
    assert forwarded_client("fd00::1", ["[2001:db8::5]:4711, fd12::9"], TRUSTED) == "2001:db8::5"
    assert forwarded_client("2001:db8::9", ["203.0.113.5"], TRUSTED) == "2001:db8::9"
    # An IPv6 network does not contain IPv4 peers, and the other way round.
    only_v6 = parse_networks(["::/0"])
    assert forwarded_client("10.0.0.1", ["203.0.113.5"], only_v6) == "10.0.0.1"
    only_v4 = parse_networks(["0.0.0.0/0"])
    assert forwarded_client("fd00::1", ["203.0.113.5"], only_v4) == "fd00::1"


def test_ipv4_mapped_peers_match_ipv4_networks() -> None:
    assert forwarded_client("::ffff:10.0.0.1", ["203.0.113.5"], TRUSTED) == "203.0.113.5"
    assert forwarded_client("10.0.0.1", ["::ffff:203.0.113.5"], TRUSTED) == "203.0.113.5"


def test_ports_are_dropped() -> None:
    assert forwarded_client("10.0.0.1", ["203.0.113.5:51234"], TRUSTED) == "203.0.113.5"


@pytest.mark.parametrize(
    "header",
    [
        "unknown",
        "203.0.113.5, not-an-ip",
        "999.1.1.1",
        "203.0.113.5:port",
        "[2001:db8::5",
        "[2001:db8::5]x",
        "_hidden",
        "203.0.113.5; drop table",
        "\x00\xff",
        "1.2.3.4.5",
        "10.0.0.0/8",
    ],
)
def test_garbage_falls_back_to_the_peer(header: str) -> None:
    assert forwarded_client("10.0.0.1", [header], TRUSTED) == "10.0.0.1"


def test_garbage_left_of_the_client_does_not_matter() -> None:
    assert forwarded_client("10.0.0.1", ["garbage, 203.0.113.5"], TRUSTED) == "203.0.113.5"


def test_a_peer_that_is_no_address_is_kept() -> None:
    assert forwarded_client("testclient", ["203.0.113.5"], TRUSTED) == "testclient"
    assert forwarded_client("unknown", ["203.0.113.5"], TRUSTED) == "unknown"


@given(st.lists(st.text(max_size=60), max_size=5))
def test_any_header_gives_an_address_or_the_peer(lines: list[str]) -> None:
    client = forwarded_client("10.0.0.1", lines, TRUSTED)
    assert client == "10.0.0.1" or parse_address(client) is not None


def test_parse_address_forms() -> None:
    assert str(parse_address(" 203.0.113.5 ")) == "203.0.113.5"
    assert str(parse_address("[::1]:80")) == "::1"
    assert str(parse_address("[::1]")) == "::1"
    assert parse_address("::1:80") is not None  # bare IPv6, not a port
    assert parse_address("") is None


def test_the_setting_takes_a_list_or_a_comma_separated_string(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("FRONTPORCH_SETTINGS_FILE", raising=False)
    assert load_settings(data_dir=tmp_path).trusted_proxy_networks == ()
    settings = load_settings(data_dir=tmp_path, trusted_proxies=["10.0.0.0/8", "fd00::1"])
    assert [str(n) for n in settings.trusted_proxy_networks] == ["10.0.0.0/8", "fd00::1/128"]
    monkeypatch.setenv("FRONTPORCH_TRUSTED_PROXIES", "10.0.0.5, 172.16.0.0/12")
    settings = load_settings(data_dir=tmp_path)
    assert settings.trusted_proxies == ["10.0.0.5", "172.16.0.0/12"]


@pytest.mark.parametrize("entry", ["proxy.internal", "10.0.0.0/33", "10.0.0.0/8/8", ""])
def test_a_bad_proxy_entry_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, entry: str
) -> None:
    monkeypatch.delenv("FRONTPORCH_SETTINGS_FILE", raising=False)
    with pytest.raises(SettingsError, match=r"trusted_proxies.*not an IP address or CIDR"):
        load_settings(data_dir=tmp_path, trusted_proxies=[entry])
