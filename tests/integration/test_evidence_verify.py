"""`frontporch evidence verify` as a process, and the stock `age` tool on the same package.

The agency's keys are made with `frontporch agency keygen`; the package is a real one
(tests/evidence_tools.py). The standard `age -d -i` must open every clip extracted
from the ZIP, independently of our code; the command's exit status is 0, 1 or 2 and it
never prints a traceback, whatever it is given."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from tests.evidence_tools import CASE_NUMBER, EvidenceCase, make_case, rewrite_zip

pytestmark = pytest.mark.age
AGE = "/usr/bin/age"


def verify(*args: str | Path) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, "-m", "frontporch.cli", "evidence", "verify", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert "Traceback" not in result.stdout + result.stderr, result.stderr
    return result


@pytest.fixture
def case() -> EvidenceCase:
    return make_case(releases=2, clips=2, clip_bytes=700_000, closed=True)


@pytest.fixture
def identity(case: EvidenceCase, tmp_path: Path) -> Path:
    return case.save_identity(tmp_path / "agency-keys")


def test_verify_decrypts_into_out_and_age_opens_every_clip(
    case: EvidenceCase, identity: Path, tmp_path: Path
) -> None:
    package = case.write(tmp_path / f"evidence-{case.contents.request}.zip")
    out = tmp_path / "clips"
    result = verify(
        package,
        "--identity",
        identity,
        "--log-key",
        case.log_key,
        "--out",
        out,
        "--case-number",
        CASE_NUMBER,
    )
    assert result.returncode == 0, result.stderr
    assert "4 clips checked" in result.stdout
    assert "4 decrypted" in result.stdout

    unpacked = tmp_path / "unpacked"
    with zipfile.ZipFile(package) as archive:
        archive.extractall(unpacked)
    for (release, file), plain in case.plaintexts.items():
        opened = subprocess.run(
            [AGE, "-d", "-i", str(identity), str(unpacked / "releases" / release / file)],
            capture_output=True,
            check=True,
            timeout=60,
        )
        assert opened.stdout == plain
        written = out / release / file.removesuffix(".age")
        assert hashlib.sha256(written.read_bytes()).digest() == hashlib.sha256(plain).digest()
        manifest = json.loads((unpacked / "releases" / release / "manifest.json").read_bytes())
        [record] = [clip for clip in manifest["clips"] if clip["file"] == file]
        assert record["plaintext_sha256"] == hashlib.sha256(opened.stdout).hexdigest()
    readme = (unpacked / "README.txt").read_text()
    assert "age -d -i agency-age.key releases/" in readme
    assert "frontporch evidence verify" in readme


def test_tampering_exits_1_naming_the_file(
    case: EvidenceCase, identity: Path, tmp_path: Path
) -> None:
    package = case.write(tmp_path / "evidence.zip")
    release = case.contents.releases[0].release
    clip = f"releases/{release}/clip-01.mp4.age"
    with zipfile.ZipFile(package) as archive:
        data = bytearray(archive.read(clip))
    data[len(data) // 2] ^= 0xFF
    altered = rewrite_zip(package, tmp_path / "altered.zip", replace={clip: bytes(data)})
    result = verify(altered, "--identity", identity, "--log-key", case.log_key, "--json")
    assert result.returncode == 1
    report = json.loads(result.stdout)
    assert report["failure"]["file"] == clip
    assert report["failure"]["check"] == "ciphertext sha256"

    removed = rewrite_zip(
        package, tmp_path / "removed.zip", drop=[f"releases/{release}/manifest.sig"]
    )
    result = verify(removed, "--log-key", case.log_key)
    assert result.returncode == 1
    assert f"FAILED releases/{release}/manifest.sig: files" in result.stderr

    added = rewrite_zip(package, tmp_path / "added.zip", add={"releases/extra.mp4": b"x"})
    result = verify(added, "--log-key", case.log_key)
    assert result.returncode == 1
    assert "FAILED releases/extra.mp4: files" in result.stderr


def test_bad_input_never_prints_a_traceback(
    case: EvidenceCase, identity: Path, tmp_path: Path
) -> None:
    package = case.write(tmp_path / "evidence.zip")
    garbage = tmp_path / "garbage.zip"
    garbage.write_bytes(b"\x00" * 1000)
    empty = tmp_path / "empty.zip"
    empty.write_bytes(b"")
    expectations: list[tuple[list[str | Path], int]] = [
        ([garbage], 1),
        ([empty], 1),
        ([tmp_path], 2),  # a folder
        ([tmp_path / "absent.zip"], 2),
        ([package, "--log-key", "porch.example.org/log+00000000+AAAA"], 2),
        ([package, "--identity", package], 2),  # not an identity file
        ([package, "--out", tmp_path / "o"], 2),  # --out without --identity
        ([package, "--identity", identity, "--out", package], 2),  # --out is a file
        ([package, "--bogus"], 2),
    ]
    for args, code in expectations:
        result = verify(*args)
        assert result.returncode == code, (args, result.stdout, result.stderr)
        assert result.stderr.strip() or result.stdout.strip()
