"""Which URLs the hub prints for the address it listens on (`hub/web/listen.py`)."""

from __future__ import annotations

import pytest

from frontporch.hub.web import listen


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "[::]", ""])
def test_every_address_means_everywhere(host: str) -> None:
    assert listen.listens_everywhere(host)


@pytest.mark.parametrize("host", ["127.0.0.1", "192.168.1.20", "::1", "hub.local"])
def test_one_address_is_printed_as_it_is(host: str) -> None:
    assert not listen.listens_everywhere(host)
    shown = f"[{host}]" if ":" in host else host
    assert listen.listen_urls(host, 5080) == [f"http://{shown}:5080/"]


def test_everywhere_prints_the_lan_addresses_then_localhost(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(
        listen,
        "_interface_addresses",
        lambda: ["127.0.0.1", "169.254.3.4", "203.0.113.9", "192.168.1.20", "192.168.1.20"],
    )
    assert listen.listen_urls("0.0.0.0", 5080) == [
        "http://192.168.1.20:5080/",
        "http://203.0.113.9:5080/",
        "http://127.0.0.1:5080/",
    ]


def test_without_interfaces_the_default_route_is_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(listen, "_interface_addresses", lambda: [])
    monkeypatch.setattr(listen, "_default_route_address", lambda: ["10.0.0.7"])
    assert listen.lan_addresses() == ["10.0.0.7"]
