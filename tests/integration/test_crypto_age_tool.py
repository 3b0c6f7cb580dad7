"""The stock `age` tool opens what the hub seals with pyrage, using the hub's (or an
agency's) key file as written: evidence must open with standard tools, not only with ours."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pyrage
import pytest
from typer.testing import CliRunner

from frontporch.cli import app
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


def test_the_age_tool_opens_footage_sealed_to_a_new_agencys_printed_recipient(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "agency-keys"
    made = CliRunner().invoke(app, ["agency", "keygen", str(folder)])
    assert made.exit_code == 0, made.output
    printed = re.search(r"age recipient\s+(age1\w+)", made.output)
    assert printed is not None
    sealed = tmp_path / "clip.age"
    sealed.write_bytes(
        pyrage.encrypt(b"released clip", [pyrage.x25519.Recipient.from_str(printed[1])])
    )
    opened = subprocess.run(
        ["age", "-d", "-i", str(folder / keys.AGENCY_AGE_KEY_FILE), str(sealed)],
        capture_output=True,
        check=True,
    )
    assert opened.stdout == b"released clip"
