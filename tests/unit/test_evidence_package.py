"""Sealing, the evidence ZIP and its verifier, on real keys, real age ciphertext and a
real log with RFC 9162 proofs against a signed checkpoint (tests/evidence_tools.py).

Every tampered package fails with exit status 1 and names the file and the check;
usage errors give 2; nothing prints a traceback."""

from __future__ import annotations

import hashlib
import io
import json
import tracemalloc
import zipfile
from pathlib import Path
from typing import Any

import pytest
from tests.evidence_tools import CASE_NUMBER, ORIGIN, EvidenceCase, make_case, rewrite_zip
from typer.testing import CliRunner

from frontporch.cli import app
from frontporch.crypto.keys import AgencyIdentity, HubIdentity
from frontporch.evidence.package import (
    ClipFile,
    PackageError,
    PackageWriter,
    build_package,
    stream_package,
)
from frontporch.evidence.seal import (
    BLOCK_BYTES,
    SealError,
    WrongIdentity,
    load_identities,
    open_sealed,
    seal,
)
from frontporch.evidence.verify import Report, UsageError, verify_package
from frontporch.translog.note import Signer

# --- seal -----------------------------------------------------------------------------


def test_seal_then_open_gives_back_the_bytes_and_both_hashes() -> None:
    agency = AgencyIdentity.generate()
    plain = bytes(range(256)) * 9000
    sealed_out = io.BytesIO()
    sealed = seal(io.BytesIO(plain), sealed_out, agency.age_recipient)
    ciphertext = sealed_out.getvalue()
    assert sealed.plaintext_bytes == len(plain)
    assert sealed.plaintext_sha256 == hashlib.sha256(plain).hexdigest()
    assert sealed.ciphertext_bytes == len(ciphertext)
    assert sealed.ciphertext_sha256 == hashlib.sha256(ciphertext).hexdigest()
    assert ciphertext.startswith(b"age-encryption.org/v1\n")

    opened_out = io.BytesIO()
    opened = open_sealed(io.BytesIO(ciphertext), opened_out, [agency.age_identity])
    assert opened_out.getvalue() == plain
    assert opened == sealed
    assert open_sealed(io.BytesIO(ciphertext), None, [agency.age_identity]) == sealed


def test_open_sealed_says_wrong_identity_and_damaged_ciphertext() -> None:
    agency = AgencyIdentity.generate()
    out = io.BytesIO()
    seal(io.BytesIO(b"x" * 200_000), out, agency.age_recipient)
    with pytest.raises(WrongIdentity):
        open_sealed(io.BytesIO(out.getvalue()), None, [AgencyIdentity.generate().age_identity])
    damaged = bytearray(out.getvalue())
    damaged[-100] ^= 1
    with pytest.raises(SealError, match="decryption failed"):
        open_sealed(io.BytesIO(bytes(damaged)), None, [agency.age_identity])


def test_seal_refuses_a_recipient_that_is_not_age() -> None:
    with pytest.raises(SealError, match="not an age X25519 recipient"):
        seal(io.BytesIO(b"x"), io.BytesIO(), "ssh-ed25519 AAAA")


def test_seal_memory_does_not_grow_with_the_input() -> None:
    """Peak Python allocations sealing 16 MiB and 64 MiB from a generated stream: the
    same, and a few encryption blocks whatever the size."""
    agency = AgencyIdentity.generate()

    class Zeros:
        def __init__(self, size: int) -> None:
            self.left = size

        def read(self, size: int = -1) -> bytes:
            size = self.left if size < 0 else min(size, self.left)
            self.left -= size
            return bytes(size)

    class Sink:
        def write(self, data: bytes) -> int:
            return len(data)

    peaks = []
    for size in (16 << 20, 64 << 20):
        tracemalloc.start()
        sealed = seal(Zeros(size), Sink(), agency.age_recipient)
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
        assert sealed.plaintext_bytes == size
    # The same bound for both sizes, far below either: a few blocks in each worker lane
    # (how many are in flight at the peak depends on the threads' timing, not the size).
    assert max(peaks) < 12 * BLOCK_BYTES, peaks


def test_load_identities_reads_a_keygen_file_and_refuses_others(tmp_path: Path) -> None:
    agency = AgencyIdentity.generate()
    agency.save(tmp_path / "keys")
    [identity] = load_identities(tmp_path / "keys" / "agency-age.key")
    assert str(identity.to_public()) == agency.age_recipient
    bad = tmp_path / "bad.key"
    bad.write_text("# comment\nAGE-SECRET-KEY-1NOPE\n")
    with pytest.raises(SealError, match="line 2") as caught:
        load_identities(bad)
    assert "NOPE" not in str(caught.value)
    with pytest.raises(SealError, match="cannot read"):
        load_identities(tmp_path / "absent.key")


# --- the ZIP --------------------------------------------------------------------------


class Unseekable(io.RawIOBase):
    """A write-only stream that cannot tell or seek, like a socket."""

    def __init__(self) -> None:
        self.data = bytearray()

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self.data += bytes(data)
        return len(data)


def test_package_writer_streams_to_an_unseekable_output() -> None:
    out = Unseekable()
    writer = PackageWriter(out)  # type: ignore[arg-type]
    writer.add_bytes("a.txt", b"hello")
    writer.add_stream("big.bin", 3 * 65536, (bytes([n]) * 65536 for n in range(3)))
    writer.close()
    archive = zipfile.ZipFile(io.BytesIO(bytes(out.data)))
    assert archive.read("a.txt") == b"hello"
    assert archive.read("big.bin")[65536] == 1
    assert all(info.compress_type == zipfile.ZIP_STORED for info in archive.infolist())


def test_package_writer_refuses_a_stream_of_the_wrong_size_and_a_name_twice() -> None:
    writer = PackageWriter(io.BytesIO())
    with pytest.raises(PackageError, match="not the 10 announced"):
        writer.add_stream("short.bin", 10, [b"12345"])
    with pytest.raises(PackageError, match="more than"):
        writer.add_stream("long.bin", 2, [b"12345"])
    with pytest.raises(PackageError, match="twice"):
        writer.add_bytes("short.bin", b"")


def test_stream_package_yields_the_same_bytes_as_build_package() -> None:
    case = make_case(releases=2, clips=2, clip_bytes=300_000)
    built = Unseekable()
    build_package(built, case.contents)  # type: ignore[arg-type]
    chunks = list(stream_package(case.contents))
    assert b"".join(chunks) == bytes(built.data)
    assert max(len(chunk) for chunk in chunks) < 200_000  # one clip chunk at a time
    assert len(chunks) > 10


def test_contents_that_do_not_fit_together_are_refused_before_any_byte() -> None:
    case = make_case()
    entries = dict(case.contents.entries)
    del entries[case.contents.request_index]
    broken = _replace(case, entries=entries)
    with pytest.raises(PackageError, match="proof"):
        next(stream_package(broken))


def _replace(case: EvidenceCase, **changes: Any) -> Any:
    import dataclasses

    return dataclasses.replace(case.contents, **changes)


# --- verification ---------------------------------------------------------------------


@pytest.fixture
def case() -> EvidenceCase:
    return make_case(releases=2, clips=2, closed=True)


@pytest.fixture
def package(case: EvidenceCase, tmp_path: Path) -> Path:
    return case.write(tmp_path / "evidence.zip")


def check(case: EvidenceCase, path: Path, **options: Any) -> Report:
    options.setdefault("log_key", case.log_key)
    return verify_package(path, **options)


def failed(report: Report) -> tuple[str, str]:
    assert report.failure is not None, "the package passed"
    assert not report.ok
    assert report.exit_code == 1
    return report.failure.file, report.failure.check


def test_a_valid_package_passes_every_check(
    case: EvidenceCase, package: Path, tmp_path: Path
) -> None:
    identity = case.save_identity(tmp_path / "agency")
    out = tmp_path / "clips"
    report = check(case, package, identity=identity, out=out, case_number=f" {CASE_NUMBER}\n")
    assert report.ok, report.failure
    assert report.exit_code == 0
    assert report.warnings == []
    assert report.log_key_source == "--log-key"
    assert len(report.clips) == 4
    assert all(clip.decrypted for clip in report.clips)
    for (release, file), plain in case.plaintexts.items():
        assert (out / release / file.removesuffix(".age")).read_bytes() == plain
    assert not list(out.rglob(".*.tmp"))


def test_without_identity_nothing_is_decrypted_and_without_log_key_it_warns(
    case: EvidenceCase, package: Path
) -> None:
    report = verify_package(package)
    assert report.ok, report.failure
    assert report.log_key_source == "package"
    assert "came from the package itself" in report.warnings[0]
    assert not any(clip.decrypted for clip in report.clips)


def test_a_release_whose_ciphertext_was_deleted_still_checks(tmp_path: Path) -> None:
    case = make_case(releases=2, deleted=[0])
    package = case.write(tmp_path / "evidence.zip")
    report = check(case, package, identity=case.save_identity(tmp_path / "agency"))
    assert report.ok, report.failure
    assert [r.ciphertext_deleted for r in report.releases] == [True, False]
    assert len(report.clips) == 2


def members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def flip(data: bytes, at: int = -40) -> bytes:
    altered = bytearray(data)
    altered[at] ^= 0x01
    return bytes(altered)


CHECK_OF_ALTERED = {
    "README.txt": None,  # instructions only: altering them is not evidence tampering
    "package.json": "package.json valid",
    "log/checkpoint.txt": "checkpoint signature",
    "log/key.json": "log key valid",
    "entries": "entry valid",
    "proofs": "proof valid",
    "manifest.json": "manifest valid",
    "manifest.sig": "manifest signature",
    "clip": "ciphertext sha256",
}


def kind(name: str) -> str:
    if name.startswith("log/entries/"):
        return "entries"
    if name.startswith("log/proofs/"):
        return "proofs"
    if name.startswith("releases/"):
        last = name.rsplit("/", 1)[1]
        return last if last.startswith("manifest") else "clip"
    return name


def test_altering_any_file_fails_naming_it(
    case: EvidenceCase, package: Path, tmp_path: Path
) -> None:
    for number, (name, data) in enumerate(members(package).items()):
        expected = CHECK_OF_ALTERED[kind(name)]
        if expected is None:
            continue
        tampered = rewrite_zip(package, tmp_path / f"t{number}.zip", replace={name: flip(data)})
        report = check(case, tampered)
        file, check_name = failed(report)
        assert file in (name, name.replace("/proofs/", "/entries/")), (name, report.failure)
        assert check_name in (expected, "entry links", "inclusion proof"), report.failure


def test_altered_json_that_still_parses_fails_on_the_deeper_check(
    case: EvidenceCase, package: Path, tmp_path: Path
) -> None:
    files = members(package)
    proof_name = next(n for n in files if n.startswith("log/proofs/"))
    proof = json.loads(files[proof_name])
    proof["proof"][0] = proof["proof"][1]
    canonical = json.dumps(proof, sort_keys=True, separators=(",", ":")).encode()
    report = check(case, rewrite_zip(package, tmp_path / "p.zip", replace={proof_name: canonical}))
    assert failed(report) == (proof_name.replace("proofs", "entries"), "inclusion proof")

    entry_name = f"log/entries/{case.contents.request_index}.json"
    entry = files[entry_name].replace(b"burglary", b"robbery_")
    report = check(case, rewrite_zip(package, tmp_path / "e.zip", replace={entry_name: entry}))
    assert failed(report) == (entry_name, "inclusion proof")


def test_removing_any_file_fails_naming_it(
    case: EvidenceCase, package: Path, tmp_path: Path
) -> None:
    for number, name in enumerate(members(package)):
        tampered = rewrite_zip(package, tmp_path / f"r{number}.zip", drop=[name])
        report = check(case, tampered)
        file, check_name = failed(report)
        if name == f"log/entries/{_closing(case)}.json":
            # Without its entry, the closing proof is a file nothing implies.
            assert (file, check_name) == (f"log/proofs/{_closing(case)}.json", "files")
            continue
        assert (file, check_name) == (name, "files"), (name, report.failure)


def _closing(case: EvidenceCase) -> int:
    implied = {case.contents.request_index, case.contents.agency_registration_index}
    implied |= {release.log_index for release in case.contents.releases}
    [closing] = set(case.contents.entries) - implied
    return closing


@pytest.mark.parametrize(
    "name",
    [
        "notes.txt",
        "releases/{release}/clip-03.mp4.age",
        "log/proofs/999.json",
        "releases/{release}/",
    ],
)
def test_adding_a_file_fails_naming_it(
    case: EvidenceCase, package: Path, tmp_path: Path, name: str
) -> None:
    name = name.format(release=case.contents.releases[0].release)
    report = check(case, rewrite_zip(package, tmp_path / "a.zip", add={name: b"extra"}))
    assert failed(report) == (name, "files")


def test_adding_an_entry_that_is_not_the_closing_fails(case: EvidenceCase, tmp_path: Path) -> None:
    open_case = make_case()
    package = open_case.write(tmp_path / "open.zip")
    last = open_case.contents.checkpoint_size - 1  # a filler entry nothing implies
    other = case.contents
    added = {
        f"log/entries/{last}.json": other.entries[other.request_index],
        f"log/proofs/{last}.json": json.dumps(
            {"index": last, "proof": [], "size": open_case.contents.checkpoint_size},
            separators=(",", ":"),
        ).encode(),
    }
    report = check(open_case, rewrite_zip(package, tmp_path / "a.zip", add=added))
    assert report.failure is not None
    assert report.failure.file.startswith("log/")


def test_a_member_twice_is_refused(case: EvidenceCase, package: Path, tmp_path: Path) -> None:
    files = members(package)
    target = tmp_path / "dup.zip"
    with zipfile.ZipFile(target, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
        with pytest.warns(UserWarning, match="Duplicate name"):
            archive.writestr("package.json", files["package.json"])
    assert failed(check(case, target)) == ("package.json", "zip readable")


def test_not_a_zip_fails_the_first_check(case: EvidenceCase, tmp_path: Path) -> None:
    garbage = tmp_path / "evidence.zip"
    garbage.write_bytes(b"PK\x03\x04 not really")
    assert failed(check(case, garbage)) == ("evidence.zip", "zip readable")


def test_a_wrong_identity_fails(case: EvidenceCase, package: Path, tmp_path: Path) -> None:
    stranger = AgencyIdentity.generate()
    stranger.save(tmp_path / "stranger")
    report = check(case, package, identity=tmp_path / "stranger" / "agency-age.key")
    file, check_name = failed(report)
    assert check_name == "identity"
    assert file.endswith("agency-age.key")
    assert "wrong identity" in report.failure.detail  # type: ignore[union-attr]


def test_a_manifest_signed_by_another_hub_fails(tmp_path: Path) -> None:
    impostor = HubIdentity.generate()
    case = make_case(manifest_signer=lambda number, hub: impostor)
    report = check(case, case.write(tmp_path / "evidence.zip"))
    file, check_name = failed(report)
    assert check_name == "manifest signature"
    assert file.endswith("/manifest.sig")


def test_clips_sealed_to_another_recipient_fail(tmp_path: Path) -> None:
    case = make_case(recipient=AgencyIdentity.generate().age_recipient)
    report = check(case, case.write(tmp_path / "evidence.zip"))
    file, check_name = failed(report)
    assert check_name == "recipient"
    assert file.endswith("/manifest.json")


def test_a_log_key_that_did_not_sign_fails_on_the_checkpoint(
    case: EvidenceCase, package: Path
) -> None:
    other = Signer.generate(ORIGIN).verifier.key_string
    report = check(case, package, log_key=other)
    assert failed(report) == ("log/checkpoint.txt", "checkpoint signature")
    assert "--log-key" in report.failure.detail  # type: ignore[union-attr]
    elsewhere = Signer.generate("other.example/log").verifier.key_string
    assert failed(check(case, package, log_key=elsewhere))[1] == "checkpoint signature"


def test_a_wrong_case_number_fails(case: EvidenceCase, package: Path) -> None:
    assert failed(check(case, package, case_number="2026-999")) == (
        "--case-number",
        "case number",
    )


def test_usage_errors_raise_before_any_check(
    case: EvidenceCase, package: Path, tmp_path: Path
) -> None:
    with pytest.raises(UsageError, match="not a file"):
        verify_package(tmp_path / "absent.zip")
    with pytest.raises(UsageError, match="--identity"):
        verify_package(package, identity=tmp_path / "absent.key")
    with pytest.raises(UsageError, match="--log-key"):
        verify_package(package, log_key="not a key")
    with pytest.raises(UsageError, match="--out needs --identity"):
        verify_package(package, out=tmp_path / "clips")


# --- the command ------------------------------------------------------------------------


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["evidence", "verify", *args])
    assert "Traceback" not in result.output
    return result.exit_code, result.output


def test_cli_exit_codes_and_messages(case: EvidenceCase, package: Path, tmp_path: Path) -> None:
    code, output = run(str(package), "--log-key", case.log_key)
    assert code == 0, output
    assert "OK: request" in output
    assert "4 clips checked" in output

    tampered = rewrite_zip(
        package, tmp_path / "t.zip", drop=[f"log/proofs/{case.contents.request_index}.json"]
    )
    code, output = run(str(tampered), "--log-key", case.log_key)
    assert code == 1
    assert f"FAILED log/proofs/{case.contents.request_index}.json: files" in output

    for args in (
        [str(tmp_path / "absent.zip")],
        [str(package), "--log-key", "nonsense"],
        [str(package), "--identity", str(tmp_path / "absent.key")],
        [str(package), "--no-such-option"],
        [],
    ):
        code, output = run(*args)
        assert code == 2, (args, output)


def test_cli_json_report_shape(case: EvidenceCase, package: Path, tmp_path: Path) -> None:
    identity = case.save_identity(tmp_path / "agency")
    code, output = run(str(package), "--json", "--identity", str(identity))
    assert code == 0, output
    report = json.loads(output)
    assert report["ok"] is True
    assert report["exit_code"] == 0
    assert report["failure"] is None
    assert report["request"] == case.contents.request
    assert report["log"] == {
        "origin": ORIGIN,
        "checkpoint_size": case.contents.checkpoint_size,
        "key_source": "package",
    }
    assert len(report["warnings"]) == 1
    assert {r["release"] for r in report["releases"]} == {r.release for r in case.contents.releases}
    clip = report["clips"][0]
    assert set(clip) == {
        "release",
        "file",
        "ciphertext_bytes",
        "ciphertext_sha256",
        "plaintext_bytes",
        "plaintext_sha256",
        "decrypted",
        "written",
    }
    assert clip["decrypted"] is True
    assert clip["written"] is None
    assert {"file": "log/checkpoint.txt", "check": "checkpoint signature"} in report["checks"]

    stranger = AgencyIdentity.generate()
    stranger.save(tmp_path / "stranger")
    code, output = run(
        str(package), "--json", "--identity", str(tmp_path / "stranger" / "agency-age.key")
    )
    assert code == 1
    failure = json.loads(output)["failure"]
    assert failure["check"] == "identity"
    assert "wrong identity" in failure["detail"]

    code, output = run(str(tmp_path / "absent.zip"), "--json")
    assert code == 2
    assert json.loads(output.splitlines()[0])["exit_code"] == 2


def test_clip_file_is_a_named_tuple_the_contract_can_unpack() -> None:
    file, size, open_chunks = ClipFile("clip-01.mp4.age", 3, lambda: [b"abc"])
    assert (file, size, list(open_chunks())) == ("clip-01.mp4.age", 3, [b"abc"])
