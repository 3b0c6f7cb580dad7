"""`frontporch agency keygen DIR`: an agency's keys made offline, private files 0600 in a
0700 folder, never replaced, and the public parts printed with fingerprints that match
what the files hold."""

from __future__ import annotations

import base64
import hashlib
import re
import stat
from pathlib import Path

from typer.testing import CliRunner

from frontporch.cli import app
from frontporch.crypto import keys


def keygen(folder: Path) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["agency", "keygen", str(folder)])
    return result.exit_code, result.output


def test_keygen_writes_private_files_and_prints_the_public_parts(tmp_path: Path) -> None:
    folder = tmp_path / "agency"
    code, output = keygen(folder)
    assert code == 0, output
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    for name in (keys.AGENCY_SIGNING_KEY_FILE, keys.AGENCY_AGE_KEY_FILE):
        assert stat.S_IMODE((folder / name).stat().st_mode) == 0o600
    identity = keys.AgencyIdentity.load(folder)
    assert f"signing key    {identity.public_key}" in output
    assert f"age recipient  {identity.age_recipient}" in output
    printed = re.findall(r"fingerprint  ([0-9a-f ]+)", output)
    assert printed == [fingerprint_of(identity.public_key), fingerprint_of(identity.age_recipient)]
    # Nothing secret is printed.
    assert "AGE-SECRET-KEY" not in output
    assert "PRIVATE KEY" not in output


def fingerprint_of(public: str) -> str:
    digest = hashlib.sha256(public.encode()).hexdigest()
    return " ".join(digest[i : i + 4] for i in range(0, 64, 4))


def test_the_signing_key_signs_what_its_printed_public_key_verifies(tmp_path: Path) -> None:
    code, output = keygen(tmp_path / "agency")
    assert code == 0
    identity = keys.AgencyIdentity.load(tmp_path / "agency")
    public = re.search(r"^  signing key +(\S+)$", output, re.MULTILINE)
    assert public is not None
    signature = base64.b64encode(identity.sign(b"request")).decode()
    keys.verify_signature(public[1], b"request", signature)


def test_keys_are_never_replaced(tmp_path: Path) -> None:
    folder = tmp_path / "agency"
    assert keygen(folder)[0] == 0
    before = (folder / keys.AGENCY_AGE_KEY_FILE).read_bytes()
    code, output = keygen(folder)
    assert code == 2
    assert "already exists" in output
    assert (folder / keys.AGENCY_AGE_KEY_FILE).read_bytes() == before


def test_a_folder_that_cannot_be_made_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    code, output = keygen(blocker / "agency")
    assert code == 2
    assert "cannot write the keys" in output


def test_fingerprints_are_sixteen_groups_of_four_hex_digits() -> None:
    assert re.fullmatch(r"([0-9a-f]{4} ){15}[0-9a-f]{4}", keys.fingerprint("age1example"))
    assert keys.fingerprint("a") != keys.fingerprint("b")
