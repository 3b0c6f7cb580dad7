"""The unit tier: no network, no external programs, no encoding or decoding of video.

What a unit test needs beyond Python and the project's pure code is an integration
test's business (tests/integration). These guards make the tier mean that: a unit test
that opens a network socket, starts a program, or opens media with PyAV fails with a
message saying which tier it belongs in.
"""

from __future__ import annotations

import socket
import subprocess
from typing import Any

import av
import pytest

NETWORK_FAMILIES = {socket.AF_INET, socket.AF_INET6}


class BelongsInIntegration(AssertionError):
    """A unit test reached for something only integration tests may use."""


def _refuse(what: str) -> BelongsInIntegration:
    return BelongsInIntegration(f"a unit test {what}: move it to tests/integration")


@pytest.fixture(autouse=True)
def unit_tier_only(monkeypatch: pytest.MonkeyPatch) -> None:
    real_connect = socket.socket.connect
    real_bind = socket.socket.bind

    def connect(self: socket.socket, address: Any) -> None:
        if self.family in NETWORK_FAMILIES:
            raise _refuse(f"connected to {address!r}")
        real_connect(self, address)

    def bind(self: socket.socket, address: Any) -> None:
        if self.family in NETWORK_FAMILIES:
            raise _refuse(f"listened on {address!r}")
        real_bind(self, address)

    def popen(*args: Any, **kwargs: Any) -> Any:
        raise _refuse(f"started a program ({args[1] if len(args) > 1 else kwargs.get('args')!r})")

    def av_open(*args: Any, **kwargs: Any) -> Any:
        raise _refuse("opened media with PyAV")

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "bind", bind)
    monkeypatch.setattr(subprocess.Popen, "__init__", popen)
    monkeypatch.setattr(av, "open", av_open)
