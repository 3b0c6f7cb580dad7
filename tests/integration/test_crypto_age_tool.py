"""The stock `age` tool opens what the hub seals with pyrage, using the hub's key file
as written: evidence must open with standard tools, not only with ours."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pyrage
import pytest

from frontporch.crypto import keys

pytestmark = pytest.mark.age


def test_the_age_tool_opens_what_pyrage_sealed(tmp_path: Path) -> None:
    identity = keys.HubIdentity.load_or_create(tmp_path)
    recipient = pyrage.x25519.Recipient.from_str(identity.age_recipient)
    sealed = tmp_path / "clip.age"
    sealed.write_bytes(pyrage.encrypt(b"clip bytes", [recipient]))
    opened = subprocess.run(
        ["age", "-d", "-i", str(tmp_path / keys.IDENTITY_DIR / keys.AGE_KEY_FILE), str(sealed)],
        capture_output=True,
        check=True,
    )
    assert opened.stdout == b"clip bytes"
