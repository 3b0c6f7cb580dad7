"""Evidence: sealing a 1 GB clip against the `age` tool, its memory, and verification speed.

Everything goes through the library the hub and the verifier use
(`frontporch.evidence.seal.seal_file`, `frontporch.evidence.verify.verify_package`);
the baseline is the stock `age` binary (age-encryption.org's Go implementation) on
the same file in the same run.
"""

from __future__ import annotations

import hashlib
import os
import resource
import shutil
import subprocess
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from bench.isolate import in_child
from bench.result import Result, best, median, ratio

NAME = "evidence"
TITLE = "Evidence (sealing a 1 GB clip, its memory, package verification)"
MIB = 2**20
LARGE = 1024 * MIB
SMALL = 100 * MIB
QUICK_LARGE = 200 * MIB
QUICK_SMALL = 20 * MIB
REPEATS = 5
PACKAGE_CLIPS = 6
PACKAGE_CLIP = 50 * MIB
QUICK_PACKAGE_CLIP = 8 * MIB
TARGET_RATIO = 0.8
MEMORY_SLACK = 16 * MIB
AGE = shutil.which("age") or "/usr/bin/age"
METHOD = f"""\
- Input: a file of {LARGE // MIB} MiB of random bytes (incompressible, like video), in a
  temporary folder on the same disk as the output.
- Sealing throughput (the issue's figure): `seal_file(src, dst, recipient)` (age
  encryption by `evidence.age_stream`, SHA-256 of the plaintext and of the ciphertext
  on worker threads, atomic write with fsync) against the stock `age -r RECIPIENT -o
  dst src` on the same file followed by an fsync of its output (the same durable
  write, but no hashing); alternating, each run after a `sync`, {REPEATS} repeats
  each; MB/s from wall time. Target (issue): ratio ≥ {TARGET_RATIO}.
- The same `seal_file` runs against the same work done with the `age` tool: `age` +
  fsync, then SHA-256 (hashlib) of the clip and of the ciphertext. Reported.
- Peak memory: `seal_file` in a fresh spawned process; its peak RSS (ru_maxrss, the
  whole process, imports included) for {SMALL // MIB} MiB and for {LARGE // MIB}
  MiB inputs. Target: the {LARGE // MIB} MiB peak within {MEMORY_SLACK // MIB} MiB of the
  {SMALL // MIB} MiB one (memory does not grow with the clip's size).
- Verification: a package of {PACKAGE_CLIPS} clips of {PACKAGE_CLIP // MIB} MiB (3
  releases), checked by `verify_package` with the log key, without and with the
  agency's identity (decrypting into a hashing sink): MB/s of ciphertext. Baseline, same
  run: SHA-256 of the package file in 1 MiB reads (a lower bound for any verifier)."""


def _random_file(path: Path, size: int) -> None:
    """`size` bytes of a repeated 16 MiB random block (incompressible to any codec)."""
    block = os.urandom(16 * MIB)
    with open(path, "wb") as out:
        for offset in range(0, size, len(block)):
            out.write(block[: size - offset])


def _seal_timed(src: str, dst: str, recipient: str) -> float:
    from frontporch.evidence.seal import seal_file

    began = time.perf_counter()
    seal_file(Path(src), Path(dst), recipient)
    return time.perf_counter() - began


def _age_timed(src: str, dst: str, recipient: str, hash_both: bool = False) -> float:
    """The `age` tool, then an fsync of what it wrote: the same durable write that
    `seal_file` makes (which fsyncs before renaming into place); with `hash_both`,
    then SHA-256 of the clip and of the ciphertext, the rest of what `seal_file` does."""
    began = time.perf_counter()
    subprocess.run([AGE, "-r", recipient, "-o", dst, src], check=True)
    descriptor = os.open(dst, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
    if hash_both:
        for path in (src, dst):
            with open(path, "rb") as handle:
                hashlib.file_digest(handle, "sha256")
    return time.perf_counter() - began


def _seal_peak(src: str, dst: str, recipient: str) -> dict[str, int]:
    """In a fresh process: RSS after imports, and peak RSS after sealing (bytes)."""
    from frontporch.evidence.seal import seal_file

    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    seal_file(Path(src), Path(dst), recipient)
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return {"before": before, "peak": after, "growth": after - before}


def _sealing(folder: Path, quick: bool) -> list[Result]:
    from frontporch.crypto.keys import AgencyIdentity

    recipient = AgencyIdentity.generate().age_recipient
    large = QUICK_LARGE if quick else LARGE
    small = QUICK_SMALL if quick else SMALL
    src = folder / "clip.mp4"
    _random_file(src, large)
    runs: dict[str, list[float]] = {"seal": [], "age": [], "age_hash": []}
    out = str(folder / "out.age")
    for _ in range(REPEATS):
        for label, extra in (("seal", ()), ("age", ()), ("age_hash", (True,))):
            os.sync()  # no dirty pages left by the run before (outside the timing)
            job = _seal_timed if label == "seal" else _age_timed
            runs[label].append(in_child(job, str(src), out, recipient, *extra))
            os.unlink(out)
    mb = large / 1e6
    sealing, age = mb / median(runs["seal"]), mb / median(runs["age"])
    throughput = Result(
        name=f"seal_file throughput, {large // MIB} MiB",
        figure=sealing,
        unit="MB/s",
        baseline=age,
        baseline_unit="MB/s (age tool)",
        ratio=ratio(sealing, age),
        target=f"≥ {TARGET_RATIO}× age",
        passed=sealing / age >= TARGET_RATIO,
        repeats=REPEATS,
        figure_best=mb / best(runs["seal"]),
        baseline_best=mb / best(runs["age"]),
        raw={"seal_s": runs["seal"], "age_s": runs["age"]},
    )
    equal = mb / median(runs["age_hash"])
    equal_work = Result(
        name=f"seal_file against age + SHA-256 of both files, {large // MIB} MiB",
        figure=sealing,
        unit="MB/s",
        baseline=equal,
        baseline_unit="MB/s (age tool, then SHA-256 of the clip and the ciphertext)",
        ratio=ratio(sealing, equal),
        target="reported",
        passed=None,
        repeats=REPEATS,
        figure_best=mb / best(runs["seal"]),
        baseline_best=mb / best(runs["age_hash"]),
        raw={"seal_s": runs["seal"], "age_and_sha256_s": runs["age_hash"]},
    )
    small_src = folder / "small.mp4"
    _random_file(small_src, small)
    peaks = {}
    for label, path in (("small", small_src), ("large", src)):
        peaks[label] = in_child(_seal_peak, str(path), str(folder / f"{label}.age"), recipient)
        (folder / f"{label}.age").unlink()
    peak_large, peak_small = peaks["large"]["peak"] / MIB, peaks["small"]["peak"] / MIB
    memory = Result(
        name=f"seal_file peak RSS, {large // MIB} MiB input",
        figure=peak_large,
        unit="MiB",
        baseline=peak_small,
        baseline_unit=f"MiB ({small // MIB} MiB input)",
        ratio=ratio(peak_large, peak_small),
        target=f"≤ the {small // MIB} MiB peak + {MEMORY_SLACK // MIB} MiB",
        passed=peaks["large"]["peak"] <= peaks["small"]["peak"] + MEMORY_SLACK,
        notes=f"RSS after imports {peaks['large']['before'] / MIB:.0f} MiB",
        raw=peaks,
    )
    return [throughput, equal_work, memory]


def _package(folder: Path, clip_bytes: int) -> tuple[Path, Path, str]:
    """A valid package of PACKAGE_CLIPS clips in 3 releases; (package, identity, log key)."""
    from frontporch.crypto.keys import AgencyIdentity, HubIdentity, key_id
    from frontporch.evidence.manifest import (
        ClipRecord,
        ReleaseManifest,
        encode_manifest,
        manifest_sha256,
        sign_manifest,
    )
    from frontporch.evidence.package import ClipFile, PackageContents, ReleaseFiles, build_package
    from frontporch.evidence.seal import file_chunks, seal_file
    from frontporch.translog.checkpoint import Checkpoint, sign_checkpoint
    from frontporch.translog.entries import AgencyRegistered, Release, RequestFiled, encode_entry
    from frontporch.translog.merkle import inclusion_proof, leaf_hash, root_hash
    from frontporch.translog.note import Signer

    at = "2026-11-29T12:00:00Z"
    agency, agency_id, request_id = AgencyIdentity.generate(), str(uuid.uuid4()), str(uuid.uuid4())
    agency.save(folder / "agency")
    signer = Signer.generate("bench.example/log")
    entries = [
        encode_entry(
            AgencyRegistered(
                at=at,
                agency=agency_id,
                name="Bench County",
                age_recipient=agency.age_recipient,
                signing_key=agency.public_key,
            )
        ),
        encode_entry(
            RequestFiled(
                at=at,
                request=request_id,
                agency=agency_id,
                incident="burglary",
                case_sha256="0" * 64,
                description_sha256="1" * 64,
                cells=["8928308280fffff"],
                window_start="2026-11-29T10:00:00Z",
                window_end="2026-11-29T11:00:00Z",
            )
        ),
    ]
    releases = []
    per_release = PACKAGE_CLIPS // 3
    for _ in range(3):
        hub, release_id = HubIdentity.generate(), str(uuid.uuid4())
        records, files = [], []
        for number in range(1, per_release + 1):
            plain, sealed_path = (
                folder / f"{release_id}-{number}.mp4",
                folder / f"{release_id}-{number}.age",
            )
            _random_file(plain, clip_bytes)
            sealed = seal_file(plain, sealed_path, agency.age_recipient)
            plain.unlink()
            file = f"clip-{number:02d}.mp4.age"
            records.append(
                ClipRecord(
                    file=file,
                    camera="Porch",
                    start=at,
                    end=at,
                    duration_ms=1000,
                    masked=True,
                    plaintext_sha256=sealed.plaintext_sha256,
                    plaintext_bytes=sealed.plaintext_bytes,
                    ciphertext_sha256=sealed.ciphertext_sha256,
                    ciphertext_bytes=sealed.ciphertext_bytes,
                )
            )
            files.append(
                ClipFile(file, sealed.ciphertext_bytes, lambda path=sealed_path: file_chunks(path))
            )
        data = encode_manifest(
            ReleaseManifest(
                release=release_id,
                request=request_id,
                request_index=1,
                agency=agency_id,
                agency_registration_index=0,
                recipient=agency.age_recipient,
                hub_key=hub.public_key,
                hub=key_id(hub.public_key),
                created_at=at,
                clips=records,
            )
        )
        digest = manifest_sha256(data)
        index = len(entries)
        entries.append(
            encode_entry(
                Release(
                    at=at,
                    request=request_id,
                    release=release_id,
                    hub=key_id(hub.public_key),
                    manifest_sha256=digest,
                    clips=len(records),
                )
            )
        )
        releases.append(
            ReleaseFiles(release_id, index, data, sign_manifest(hub, data), digest, False, files)
        )
    leaves = [leaf_hash(entry) for entry in entries]
    size = len(leaves)
    contents = PackageContents(
        request=request_id,
        request_index=1,
        agency_registration_index=0,
        checkpoint_size=size,
        created_at=at,
        checkpoint=sign_checkpoint(Checkpoint(signer.name, size, root_hash(leaves)), signer),
        log_origin=signer.name,
        log_verifier_keys=[signer.verifier.key_string],
        entries=dict(enumerate(entries)),
        proofs={i: (size, inclusion_proof(i, leaves)) for i in range(size)},
        releases=releases,
    )
    package = folder / "evidence.zip"
    with open(package, "wb") as out:
        build_package(out, contents)
    return package, folder / "agency" / "agency-age.key", signer.verifier.key_string


def _verify_timed(package: str, identity: str | None, log_key: str) -> float:
    from frontporch.evidence.verify import verify_package

    began = time.perf_counter()
    report = verify_package(
        Path(package), identity=Path(identity) if identity else None, log_key=log_key
    )
    took = time.perf_counter() - began
    if not report.ok:
        raise RuntimeError(f"the bench package failed verification: {report.failure}")
    return took


def _hash_timed(package: str) -> float:
    began = time.perf_counter()
    digest = hashlib.sha256()
    with open(package, "rb") as handle:
        while block := handle.read(MIB):
            digest.update(block)
    return time.perf_counter() - began


def _verification(folder: Path, quick: bool) -> list[Result]:
    package, identity, log_key = _package(folder, QUICK_PACKAGE_CLIP if quick else PACKAGE_CLIP)
    mb = package.stat().st_size / 1e6
    hashing = [_hash_timed(str(package)) for _ in range(REPEATS)]
    results = []
    for label, key in (("without --identity", None), ("with --identity (decrypt)", identity)):
        times = [
            in_child(_verify_timed, str(package), str(key) if key else None, log_key)
            for _ in range(REPEATS)
        ]
        figure, baseline = mb / median(times), mb / median(hashing)
        results.append(
            Result(
                name=f"verify_package {label}, {mb:.0f} MB package",
                figure=figure,
                unit="MB/s",
                baseline=baseline,
                baseline_unit="MB/s (SHA-256 of the file)",
                ratio=ratio(figure, baseline),
                target="reported",
                passed=None,
                repeats=REPEATS,
                figure_best=mb / best(times),
                baseline_best=mb / best(hashing),
                raw={"verify_s": times, "sha256_s": hashing},
            )
        )
    return results


def run(quick: bool) -> list[Result]:
    with tempfile.TemporaryDirectory(prefix="bench-evidence-", dir=_scratch()) as scratch:
        folder = Path(scratch)
        results = _sealing(folder, quick)
        for path in folder.iterdir():
            if path.is_file():
                path.unlink()
        return results + _verification(folder, quick)


def _scratch() -> Any:
    """A disk-backed temporary folder (not tmpfs: 1 GB files and fsync should be real)."""
    return os.environ.get("BENCH_SCRATCH") or None
