"""`seal_file`, the path every released clip takes (age encryption by `age_stream`,
hashing on worker threads), checked against hashlib and the stock `age` tool, at the
sizes where chunking goes wrong, and for what it leaves behind when it fails."""

from __future__ import annotations

import hashlib
import importlib
import os
import subprocess
from pathlib import Path

import pytest

from frontporch.crypto.keys import AgencyIdentity
from frontporch.evidence.seal import SealError, seal_file

pytestmark = pytest.mark.age
# the module itself (frontporch.evidence re-exports a function named `seal`)
seal_module = importlib.import_module("frontporch.evidence.seal")
AGE_CHUNK = 64 * 1024
AGE = "/usr/bin/age"


def test_seal_file_hashes_both_sides_and_age_opens_it(tmp_path: Path) -> None:
    agency = AgencyIdentity.generate()
    agency.save(tmp_path / "keys")
    plain = b"\x00\x00\x00\x18ftypmp42" + os.urandom(3 * seal_module.BLOCK_BYTES + 12345)
    source = tmp_path / "clip.mp4"
    source.write_bytes(plain)
    target = tmp_path / "clip-01.mp4.age"

    sealed = seal_file(source, target, agency.age_recipient)

    ciphertext = target.read_bytes()
    assert sealed.plaintext_sha256 == hashlib.sha256(plain).hexdigest()
    assert sealed.plaintext_bytes == len(plain)
    assert sealed.ciphertext_sha256 == hashlib.sha256(ciphertext).hexdigest()
    assert sealed.ciphertext_bytes == len(ciphertext)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clip-01.mp4.age", "clip.mp4", "keys"]
    opened = subprocess.run(
        [AGE, "-d", "-i", str(tmp_path / "keys" / "agency-age.key"), str(target)],
        capture_output=True,
        check=True,
        timeout=60,
    )
    assert opened.stdout == plain


def test_seal_file_of_an_empty_clip(tmp_path: Path) -> None:
    agency = AgencyIdentity.generate()
    source = tmp_path / "empty.mp4"
    source.write_bytes(b"")
    sealed = seal_file(source, tmp_path / "empty.mp4.age", agency.age_recipient)
    assert sealed.plaintext_bytes == 0
    assert sealed.plaintext_sha256 == hashlib.sha256(b"").hexdigest()
    assert sealed.ciphertext_bytes == (tmp_path / "empty.mp4.age").stat().st_size > 0


def test_seal_file_leaves_nothing_when_the_source_is_missing(tmp_path: Path) -> None:
    agency = AgencyIdentity.generate()
    with pytest.raises(FileNotFoundError, match=r"missing\.mp4"):
        seal_file(tmp_path / "missing.mp4", tmp_path / "clip-02.mp4.age", agency.age_recipient)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "size",
    [
        1,
        AGE_CHUNK - 1,
        AGE_CHUNK,
        AGE_CHUNK + 1,
        seal_module.BLOCK_BYTES,
        seal_module.BLOCK_BYTES + 7,
    ],
)
def test_the_age_tool_opens_every_size_at_the_chunk_and_block_edges(
    size: int, tmp_path: Path
) -> None:
    """The last-chunk flag is where a STREAM writer goes wrong: a file that ends on a
    64 KiB chunk or a 4 MiB block edge must still end in a chunk flagged final."""
    agency = AgencyIdentity.generate()
    agency.save(tmp_path / "keys")
    plain = os.urandom(size)
    (tmp_path / "clip").write_bytes(plain)
    seal_file(tmp_path / "clip", tmp_path / "clip.age", agency.age_recipient)
    opened = subprocess.run(
        [AGE, "-d", "-i", str(tmp_path / "keys" / "agency-age.key"), str(tmp_path / "clip.age")],
        capture_output=True,
        check=True,
        timeout=60,
    )
    assert opened.stdout == plain


def test_seal_file_refuses_a_recipient_that_is_not_age(tmp_path: Path) -> None:
    source = tmp_path / "clip.mp4"
    source.write_bytes(b"x")
    with pytest.raises(SealError, match="not an age X25519 recipient"):
        seal_file(source, tmp_path / "clip.mp4.age", "ssh-ed25519 AAAA")
    assert [p.name for p in tmp_path.iterdir()] == ["clip.mp4"]
