"""Checking an evidence package: every file, signature, hash and proof, in a fixed order.

`verify_package` is what `frontporch evidence verify` runs. It stops at the first
failure and names the file and the check, in this order (docs/evidence.md):

1. the ZIP is readable and names no member twice;
2. `package.json` is present, valid and canonical, and so is each release's
   `manifest.json`;
3. the files are exactly those `package.json` and the manifests imply (plus, at most,
   one more log entry with its proof: the request's `request_closed`);
4. the checkpoint's signature, under `--log-key` or else under `log/key.json` (with a
   warning: a key taken from the package proves only that the package agrees with
   itself), and its size is `package.json`'s `checkpoint_size`;
5. every entry is canonical and its RFC 9162 inclusion proof leads to the
   checkpoint's root;
6. the entries link up: the request, the agency registration it was filed under,
   each release (request, release id, hub, manifest hash, clip count), the closing;
   and `--case-number`, when given, hashes to the request's case_sha256;
7. each manifest's signature under its hub_key, and its recipient is the registered
   agency's age recipient;
8. each ciphertext's size and SHA-256; with `--identity` (whose recipient must be the
   registered one: otherwise "wrong identity"), each clip is decrypted, streaming,
   into `--out` or into nothing, and its plaintext size and SHA-256 are checked.

Nothing here trusts the server that built the package, except in step 4 without
`--log-key`. Problems with the command itself (no such package, an unreadable
identity file, a malformed log key) raise `UsageError` before any check runs.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import re
import tempfile
import zipfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, Any

import pyrage

from frontporch.crypto.keys import fingerprint
from frontporch.evidence.manifest import (
    ManifestError,
    ReleaseManifest,
    decode_manifest,
    manifest_sha256,
    verify_manifest,
)
from frontporch.evidence.package import (
    CHECKPOINT,
    INDEX,
    LOG_KEY,
    MANIFEST,
    README,
    SIGNATURE,
    PackageError,
    PackageIndex,
    PackageRelease,
    decode_index,
    encode_log_key,
    encode_proof,
    entry_path,
    proof_path,
    release_path,
)
from frontporch.evidence.seal import (
    CHUNK_BYTES,
    HashingReader,
    HashingWriter,
    SealError,
    identity_recipients,
    load_identities,
)
from frontporch.translog.checkpoint import Checkpoint, open_checkpoint
from frontporch.translog.entries import (
    AgencyRegistered,
    Entry,
    Release,
    RequestClosed,
    RequestFiled,
    decode_entry,
)
from frontporch.translog.errors import TranslogError
from frontporch.translog.merkle import leaf_hash, verify_inclusion
from frontporch.translog.note import Verifier

MAX_SMALL_MEMBER = 2 << 20  # package.json, manifests, entries, proofs, the checkpoint
_ENTRY_NAME = re.compile(r"^log/entries/(0|[1-9][0-9]{0,19})\.json$")


class UsageError(Exception):
    """The command was used wrongly (exit 2): the message says what to change."""


@dataclass(frozen=True)
class Failure:
    """The first check that failed: which file (or option), which check, and why."""

    file: str
    check: str
    detail: str

    def __str__(self) -> str:
        return f"{self.file}: {self.check}: {self.detail}"


@dataclass
class ClipResult:
    """One clip as checked: sizes and hashes, and where its plaintext went, if anywhere."""

    release: str
    file: str
    ciphertext_bytes: int
    ciphertext_sha256: str
    plaintext_bytes: int
    plaintext_sha256: str
    decrypted: bool = False
    written: str | None = None


@dataclass
class ReleaseResult:
    """One release as checked."""

    release: str
    log_index: int
    hub: str
    hub_fingerprint: str
    created_at: str
    clips: int
    ciphertext_deleted: bool


@dataclass
class Report:
    """What `verify_package` found. `ok` only when every check held."""

    package: str
    ok: bool = False
    failure: Failure | None = None
    request: str | None = None
    log_origin: str | None = None
    checkpoint_size: int | None = None
    log_key_source: str | None = None
    warnings: list[str] = field(default_factory=list)
    checks: list[dict[str, str]] = field(default_factory=list)
    releases: list[ReleaseResult] = field(default_factory=list)
    clips: list[ClipResult] = field(default_factory=list)
    ciphertext_bytes: int = 0

    @property
    def exit_code(self) -> int:
        """0 when everything holds, 1 at the first failure."""
        return 0 if self.ok else 1

    def passed(self, file: str, check: str) -> None:
        self.checks.append({"file": file, "check": check})

    def to_json(self) -> dict[str, Any]:
        """The machine-readable report (`--json`)."""
        return {
            "format": "frontporch-evidence-report/1",
            "package": self.package,
            "ok": self.ok,
            "exit_code": self.exit_code,
            "failure": asdict(self.failure) if self.failure else None,
            "request": self.request,
            "log": {
                "origin": self.log_origin,
                "checkpoint_size": self.checkpoint_size,
                "key_source": self.log_key_source,
            },
            "warnings": list(self.warnings),
            "releases": [asdict(release) for release in self.releases],
            "clips": [asdict(clip) for clip in self.clips],
            "ciphertext_bytes": self.ciphertext_bytes,
            "checks": list(self.checks),
        }


class _Failed(Exception):
    def __init__(self, file: str, check: str, detail: str) -> None:
        super().__init__(detail)
        self.failure = Failure(file, check, detail)


@dataclass(frozen=True)
class _Options:
    identities: list[pyrage.x25519.Identity] | None
    identity_file: str | None
    verifier: Verifier | None
    out: Path | None
    case_number: str | None


def verify_package(
    package: Path,
    *,
    identity: Path | None = None,
    log_key: str | None = None,
    out: Path | None = None,
    case_number: str | None = None,
) -> Report:
    """Check the evidence package at `package`; the report says whether all holds.

    Raises UsageError for problems with the arguments; a package that fails a check
    gives a report with `failure` set, never an exception.
    """
    options = _options(package, identity, log_key, out, case_number)
    report = Report(package=str(package))
    try:
        with _open_zip(package) as archive:
            _Check(archive, options, report).run()
    except _Failed as failed:
        report.failure = failed.failure
        return report
    report.ok = True
    return report


def _options(
    package: Path,
    identity: Path | None,
    log_key: str | None,
    out: Path | None,
    case_number: str | None,
) -> _Options:
    if not package.is_file():
        raise UsageError(f"{package} is not a file: give the path of the evidence package (.zip)")
    identities = None
    if identity is not None:
        try:
            identities = load_identities(identity)
        except SealError as exc:
            raise UsageError(f"--identity: {exc}") from None
    verifier = None
    if log_key is not None:
        try:
            verifier = Verifier.parse(log_key.strip())
        except TranslogError as exc:
            raise UsageError(
                f"--log-key is not a log verifier key ('<origin>+<8 hex digits>+<base64>'): {exc}"
            ) from None
    if out is not None:
        if identity is None:
            raise UsageError("--out needs --identity: without it there is nothing to decrypt")
        if out.exists() and not out.is_dir():
            raise UsageError(f"--out {out} exists and is not a folder")
    if case_number is not None and not case_number.strip():
        raise UsageError("--case-number is empty")
    return _Options(identities, str(identity) if identity else None, verifier, out, case_number)


class _open_zip:
    """The package as a ZipFile, or a failure of the 'zip' check."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._archive: zipfile.ZipFile | None = None

    def __enter__(self) -> zipfile.ZipFile:
        try:
            self._archive = zipfile.ZipFile(self._path)
        except (zipfile.BadZipFile, OSError, ValueError) as exc:
            raise _Failed(
                self._path.name, "zip readable", f"not a readable ZIP archive: {exc}"
            ) from None
        return self._archive

    def __exit__(self, *exc: object) -> None:
        if self._archive is not None:
            self._archive.close()


class _Check:
    """One run of the checks over one open archive."""

    def __init__(self, archive: zipfile.ZipFile, options: _Options, report: Report) -> None:
        self.archive = archive
        self.options = options
        self.report = report
        self.members: dict[str, zipfile.ZipInfo] = {}
        self.manifests: dict[str, tuple[bytes, ReleaseManifest]] = {}
        self.closing_index: int | None = None

    def run(self) -> None:
        self._members()
        index = self._index()
        self._manifests(index)
        self._files(index)
        checkpoint = self._checkpoint(index)
        entries = self._entries(index, checkpoint)
        registration = self._links(index, entries)
        self._signatures(index, registration)
        self._clips(index, registration)

    # 1. The archive -------------------------------------------------------------------

    def _members(self) -> None:
        for info in self.archive.infolist():
            if info.filename in self.members:
                raise _Failed(
                    info.filename, "zip readable", "the archive holds two members of this name"
                )
            self.members[info.filename] = info
        self.report.passed(Path(self.report.package).name, "zip readable")

    def _small(self, name: str, check: str) -> bytes:
        info = self.members.get(name)
        if info is None:
            raise _Failed(name, "files", "missing from the package")
        if info.file_size > MAX_SMALL_MEMBER:
            raise _Failed(name, check, f"{info.file_size} bytes is far too large for this file")
        try:
            return self.archive.read(info)
        except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError) as exc:
            raise _Failed(name, "zip readable", f"cannot be read from the archive: {exc}") from None

    # 2. package.json and the manifests ------------------------------------------------

    def _index(self) -> PackageIndex:
        data = self._small(INDEX, "package.json valid")
        try:
            index = decode_index(data)
        except PackageError as exc:
            raise _Failed(INDEX, "package.json valid", str(exc)) from None
        self.report.request = index.request
        self.report.checkpoint_size = index.checkpoint_size
        self.report.passed(INDEX, "package.json valid")
        return index

    def _manifests(self, index: PackageIndex) -> None:
        for release in index.releases:
            name = release_path(release.release, MANIFEST)
            data = self._small(name, "manifest valid")
            try:
                manifest = decode_manifest(data)
            except ManifestError as exc:
                raise _Failed(name, "manifest valid", str(exc)) from None
            self.manifests[release.release] = (data, manifest)
            self.report.passed(name, "manifest valid")

    # 3. The set of files --------------------------------------------------------------

    def _files(self, index: PackageIndex) -> None:
        expected = [README, INDEX, CHECKPOINT, LOG_KEY]
        for position in index.implied_indexes:
            expected += [entry_path(position), proof_path(position)]
        for release in index.releases:
            expected += [
                release_path(release.release, MANIFEST),
                release_path(release.release, SIGNATURE),
            ]
            if not release.ciphertext_deleted:
                _, manifest = self.manifests[release.release]
                expected += [release_path(release.release, clip.file) for clip in manifest.clips]
        for name in expected:
            if name not in self.members:
                raise _Failed(name, "files", "missing from the package")
        implied = set(index.implied_indexes)
        extra = [name for name in self.members if name not in set(expected)]
        closing = [
            int(match.group(1))
            for name in extra
            if (match := _ENTRY_NAME.match(name)) and int(match.group(1)) not in implied
        ]
        if len(closing) == 1:
            position = closing[0]
            if proof_path(position) not in self.members:
                raise _Failed(proof_path(position), "files", "missing from the package")
            self.closing_index = position
            extra = [n for n in extra if n not in (entry_path(position), proof_path(position))]
        if extra:
            raise _Failed(
                sorted(extra)[0],
                "files",
                "not part of this package: package.json and the manifests imply no such file",
            )
        self.report.passed(Path(self.report.package).name, "files")

    # 4. The checkpoint ----------------------------------------------------------------

    def _checkpoint(self, index: PackageIndex) -> Checkpoint:
        """The checkpoint, verified under --log-key (if given) and under log/key.json.

        The package's own key file must also verify the checkpoint, so an altered
        log/key.json fails even when --log-key is what the trust rests on.
        """
        key_data = self._small(LOG_KEY, "log key valid")
        origin, keys = _decode_log_key(key_data)
        try:
            package_verifiers = [Verifier.parse(key) for key in keys]
        except TranslogError as exc:
            raise _Failed(LOG_KEY, "log key valid", str(exc)) from None
        note = self._small(CHECKPOINT, "checkpoint signature")
        if self.options.verifier is not None:
            checkpoint = self._open_checkpoint(
                note,
                [self.options.verifier],
                self.options.verifier.name,
                CHECKPOINT,
                "under the log key given with --log-key",
            )
            self._open_checkpoint(
                note, package_verifiers, origin, LOG_KEY, "under the keys log/key.json lists"
            )
            self.report.log_key_source = "--log-key"
        else:
            checkpoint = self._open_checkpoint(
                note, package_verifiers, origin, CHECKPOINT, "under the keys in log/key.json"
            )
            self.report.log_key_source = "package"
            self.report.warnings.append(
                "the log key came from the package itself (log/key.json): this shows the "
                "package agrees with itself, not that the log is the operator's; pass the "
                "operator's published key with --log-key"
            )
        self.report.passed(LOG_KEY, "log key valid")
        self.report.log_origin = checkpoint.origin
        self.report.passed(CHECKPOINT, "checkpoint signature")
        if checkpoint.size != index.checkpoint_size:
            raise _Failed(
                CHECKPOINT,
                "checkpoint size",
                f"the checkpoint is for {checkpoint.size} entries; package.json says "
                f"checkpoint_size {index.checkpoint_size}",
            )
        return checkpoint

    def _open_checkpoint(
        self, note: bytes, verifiers: list[Verifier], origin: str, blame: str, how: str
    ) -> Checkpoint:
        try:
            return open_checkpoint(note, verifiers, origin)
        except TranslogError as exc:
            check = "checkpoint signature" if blame == CHECKPOINT else "log key valid"
            raise _Failed(blame, check, f"the checkpoint does not verify {how}: {exc}") from None

    # 5. Entries and their inclusion proofs --------------------------------------------

    def _entries(self, index: PackageIndex, checkpoint: Checkpoint) -> dict[int, Entry]:
        positions = list(index.implied_indexes)
        if self.closing_index is not None:
            positions.append(self.closing_index)
        entries: dict[int, Entry] = {}
        for position in positions:
            name = entry_path(position)
            data = self._small(name, "entry valid")
            try:
                entries[position] = decode_entry(data)
            except TranslogError as exc:
                raise _Failed(name, "entry valid", str(exc)) from None
            proof = self._proof(position, checkpoint)
            try:
                verify_inclusion(
                    leaf_hash(data), position, checkpoint.size, proof, checkpoint.root_hash
                )
            except TranslogError as exc:
                raise _Failed(
                    name,
                    "inclusion proof",
                    f"with {proof_path(position)}, entry {position} is not proven to be in "
                    f"the log: one of the two was altered ({exc})",
                ) from None
            self.report.passed(name, "inclusion proof")
        return entries

    def _proof(self, position: int, checkpoint: Checkpoint) -> list[bytes]:
        name = proof_path(position)
        data = self._small(name, "proof valid")
        try:
            raw = json.loads(data.decode("utf-8"))
            hashes = [_b64(value) for value in raw["proof"]]
            stated_index, stated_size = raw["index"], raw["size"]
            if encode_proof(stated_index, stated_size, hashes) != data:
                raise ValueError("not the canonical {index, proof, size} object")
        except (UnicodeDecodeError, ValueError, KeyError, TypeError) as exc:
            raise _Failed(name, "proof valid", f"not a valid proof file: {exc}") from None
        if stated_index != position or stated_size != checkpoint.size:
            raise _Failed(
                name,
                "proof valid",
                f"is for entry {stated_index} in {stated_size} entries, not entry {position} "
                f"in the checkpoint's {checkpoint.size}",
            )
        return hashes

    # 6. How the entries link up -------------------------------------------------------

    def _links(self, index: PackageIndex, entries: dict[int, Entry]) -> AgencyRegistered:
        """How the proven entries, package.json and the manifests fit together.

        The entries are proven to be in the log, so where package.json disagrees with
        them, package.json is at fault; where a manifest does, the manifest is.
        """
        check = "entry links"
        request = entries[index.request_index]
        if not isinstance(request, RequestFiled) or request.request != index.request:
            raise _Failed(
                INDEX,
                check,
                f"request_index {index.request_index} is not the request_filed entry of "
                f"request {index.request}",
            )
        registration = entries[index.agency_registration_index]
        if not isinstance(registration, AgencyRegistered) or registration.agency != request.agency:
            raise _Failed(
                INDEX,
                check,
                f"agency_registration_index {index.agency_registration_index} is not an "
                f"agency_registered entry of agency {request.agency}",
            )
        if index.agency_registration_index >= index.request_index:
            raise _Failed(INDEX, check, "the agency registration comes after the request")
        self.report.passed(entry_path(index.request_index), check)
        if self.options.case_number is not None:
            digest = hashlib.sha256(self.options.case_number.strip().encode("utf-8")).hexdigest()
            if digest != request.case_sha256:
                raise _Failed(
                    "--case-number",
                    "case number",
                    "its SHA-256 is not the request's logged case_sha256: this package is "
                    "for another case",
                )
            self.report.passed("--case-number", "case number")
        for release in index.releases:
            data, manifest = self.manifests[release.release]
            self._release_links(index, release, entries[release.log_index], data, manifest)
            self.report.releases.append(
                ReleaseResult(
                    release=release.release,
                    log_index=release.log_index,
                    hub=manifest.hub,
                    hub_fingerprint=fingerprint(manifest.hub_key),
                    created_at=manifest.created_at,
                    clips=len(manifest.clips),
                    ciphertext_deleted=release.ciphertext_deleted,
                )
            )
        if self.closing_index is not None:
            closing = entries[self.closing_index]
            if not isinstance(closing, RequestClosed) or closing.request != index.request:
                raise _Failed(
                    entry_path(self.closing_index),
                    check,
                    f"is not the request_closed entry of request {index.request}, and no "
                    "other entry may be added",
                )
            self.report.passed(entry_path(self.closing_index), check)
        return registration

    def _release_links(
        self,
        index: PackageIndex,
        listed: PackageRelease,
        entry: Entry,
        data: bytes,
        manifest: ReleaseManifest,
    ) -> None:
        check = "entry links"
        position = listed.log_index
        manifest_name = release_path(listed.release, MANIFEST)
        if not isinstance(entry, Release):
            raise _Failed(INDEX, check, f"log_index {position} is not a release entry")
        digest = manifest_sha256(data)
        problems = [
            (entry.request == index.request, INDEX, f"entry {position} is for another request"),
            (
                entry.release == listed.release,
                INDEX,
                f"entry {position} is release {entry.release}, not {listed.release}",
            ),
            (
                entry.manifest_sha256 == listed.manifest_sha256,
                INDEX,
                f"the manifest_sha256 of release {listed.release} is not the one the log recorded",
            ),
            (position > index.request_index, INDEX, f"entry {position} precedes the request"),
            (
                digest == entry.manifest_sha256,
                manifest_name,
                f"its SHA-256 {digest} is not the manifest_sha256 the log recorded",
            ),
            (entry.hub == manifest.hub, manifest_name, "its hub is not the hub the log recorded"),
            (
                entry.clips == len(manifest.clips),
                manifest_name,
                f"lists {len(manifest.clips)} clips; the log recorded {entry.clips}",
            ),
            (manifest.release == listed.release, manifest_name, "names another release"),
            (manifest.request == index.request, manifest_name, "names another request"),
            (
                manifest.request_index == index.request_index,
                manifest_name,
                f"names request_index {manifest.request_index}, not {index.request_index}",
            ),
            (
                manifest.agency_registration_index == index.agency_registration_index,
                manifest_name,
                "names another agency registration",
            ),
        ]
        for holds, file, detail in problems:
            if not holds:
                raise _Failed(file, check, detail)
        self.report.passed(entry_path(position), check)

    # 7. Manifest signatures and recipients --------------------------------------------

    def _signatures(self, index: PackageIndex, registration: AgencyRegistered) -> None:
        for release in index.releases:
            data, manifest = self.manifests[release.release]
            name = release_path(release.release, SIGNATURE)
            try:
                signature = self._small(name, "manifest signature").decode("ascii")
            except UnicodeDecodeError:
                raise _Failed(name, "manifest signature", "is not base64 text") from None
            if signature.rstrip("\n").count("\n") or not signature.strip():
                raise _Failed(name, "manifest signature", "must be one line of base64")
            try:
                verify_manifest(data, signature, manifest.hub_key)
            except ManifestError as exc:
                raise _Failed(name, "manifest signature", str(exc)) from None
            self.report.passed(name, "manifest signature")
            if manifest.agency != registration.agency:
                raise _Failed(
                    release_path(release.release, MANIFEST), "recipient", "names another agency"
                )
            if manifest.recipient != registration.age_recipient:
                raise _Failed(
                    release_path(release.release, MANIFEST),
                    "recipient",
                    "the clips are encrypted to a recipient that is not the agency's "
                    "registered age_recipient",
                )
            self.report.passed(release_path(release.release, MANIFEST), "recipient")

    # 8. Ciphertexts, and plaintexts with --identity -----------------------------------

    def _clips(self, index: PackageIndex, registration: AgencyRegistered) -> None:
        identities = self.options.identities
        if identities is not None:
            recipients = identity_recipients(identities)
            if registration.age_recipient not in recipients:
                raise _Failed(
                    self.options.identity_file or "--identity",
                    "identity",
                    "wrong identity: it is not the identity of the agency's registered "
                    f"recipient {registration.age_recipient}",
                )
            self.report.passed(self.options.identity_file or "--identity", "identity")
        for release in index.releases:
            if release.ciphertext_deleted:
                continue
            _, manifest = self.manifests[release.release]
            for clip in manifest.clips:
                self._clip(release.release, clip.file, manifest)

    def _clip(self, release: str, file: str, manifest: ReleaseManifest) -> None:
        record = manifest.clip(file)
        name = release_path(release, file)
        info = self.members[name]
        if info.file_size != record.ciphertext_bytes:
            raise _Failed(
                name,
                "ciphertext size",
                f"{info.file_size} bytes; the manifest says {record.ciphertext_bytes}",
            )
        result = ClipResult(
            release=release,
            file=file,
            ciphertext_bytes=record.ciphertext_bytes,
            ciphertext_sha256=record.ciphertext_sha256,
            plaintext_bytes=record.plaintext_bytes,
            plaintext_sha256=record.plaintext_sha256,
        )
        identities = self.options.identities
        with self._member(name) as member, self._plaintext_sink(release, file) as sink:
            reader = HashingReader(member)
            writer = HashingWriter(sink.handle)
            error = None
            if identities is None:
                while reader.read(CHUNK_BYTES):
                    pass
            else:
                try:
                    pyrage.decrypt_io(reader, writer, identities)
                except (pyrage.DecryptError, OSError) as exc:  # damaged chunks: OSError
                    error = str(exc)
                if member.failure is not None:  # raised inside pyrage's read: re-raise
                    raise member.failure
                while reader.read(CHUNK_BYTES):  # hash what decryption did not read
                    pass
            if reader.count != record.ciphertext_bytes:
                raise _Failed(
                    name,
                    "ciphertext size",
                    f"{reader.count} bytes; the manifest says {record.ciphertext_bytes}",
                )
            if reader.hexdigest() != record.ciphertext_sha256:
                raise _Failed(
                    name, "ciphertext sha256", "the ciphertext is not the one the hub signed"
                )
            self.report.passed(name, "ciphertext sha256")
            self.report.ciphertext_bytes += reader.count
            if identities is not None:
                if error is not None:
                    raise _Failed(name, "decrypt", f"age could not decrypt it: {error}")
                if writer.count != record.plaintext_bytes:
                    raise _Failed(
                        name,
                        "plaintext size",
                        f"decrypts to {writer.count} bytes; the manifest says "
                        f"{record.plaintext_bytes}",
                    )
                if writer.hexdigest() != record.plaintext_sha256:
                    raise _Failed(
                        name, "plaintext sha256", "the decrypted clip is not the one the hub signed"
                    )
                self.report.passed(name, "plaintext sha256")
                result.decrypted = True
                result.written = sink.commit()
        self.report.clips.append(result)

    def _member(self, name: str) -> _MemberStream:
        return _MemberStream(self.archive, self.members[name])

    def _plaintext_sink(self, release: str, file: str) -> _Sink:
        if self.options.out is None:
            return _Sink(None)
        return _Sink(self.options.out / release / file.removesuffix(".age"))


class _MemberStream:
    """A member opened for streaming; a damaged member is a failure naming it."""

    def __init__(self, archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
        self._archive = archive
        self._info = info
        self._handle: IO[bytes] | None = None
        self.failure: _Failed | None = None

    def __enter__(self) -> _MemberStream:
        try:
            self._handle = self._archive.open(self._info)
        except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError) as exc:
            raise _Failed(self._info.filename, "zip readable", f"cannot be opened: {exc}") from None
        return self

    def read(self, size: int = -1, /) -> bytes:
        assert self._handle is not None
        try:
            return self._handle.read(size)
        except (zipfile.BadZipFile, OSError, ValueError) as exc:
            self.failure = _Failed(
                self._info.filename,
                "zip readable",
                f"the archive's copy is damaged (its ZIP checksum fails): {exc}",
            )
            raise self.failure from None

    def __exit__(self, *exc: object) -> None:
        if self._handle is not None:
            self._handle.close()


class _Sink:
    """Where a clip's plaintext goes: nowhere, or a temporary file renamed on success."""

    def __init__(self, target: Path | None) -> None:
        self._target = target
        self._temporary: str | None = None
        self.handle: IO[bytes] | None = None

    def __enter__(self) -> _Sink:
        if self._target is not None:
            self._target.parent.mkdir(parents=True, exist_ok=True)
            descriptor, self._temporary = tempfile.mkstemp(
                prefix=f".{self._target.name}.", suffix=".tmp", dir=self._target.parent
            )
            self.handle = os.fdopen(descriptor, "wb")
        return self

    def commit(self) -> str | None:
        if self._target is None or self.handle is None or self._temporary is None:
            return None
        self.handle.close()
        os.replace(self._temporary, self._target)
        self._temporary = None
        return str(self._target)

    def __exit__(self, *exc: object) -> None:
        if self.handle is not None and not self.handle.closed:
            self.handle.close()
        if self._temporary is not None:
            Path(self._temporary).unlink(missing_ok=True)


def _decode_log_key(data: bytes) -> tuple[str, list[str]]:
    try:
        raw = json.loads(data.decode("utf-8"))
        origin, keys = raw["origin"], raw["verifier_keys"]
        if not isinstance(origin, str) or not isinstance(keys, list) or not keys:
            raise ValueError("origin must be text and verifier_keys a non-empty list")
        if not all(isinstance(key, str) for key in keys):
            raise ValueError("verifier_keys must be text")
        if encode_log_key(origin, keys) != data:
            raise ValueError("not the canonical {origin, verifier_keys} object")
    except (UnicodeDecodeError, ValueError, KeyError, TypeError) as exc:
        raise _Failed(LOG_KEY, "log key valid", f"not a valid log key file: {exc}") from None
    return origin, keys


def _b64(value: Any) -> bytes:
    if not isinstance(value, str):
        raise ValueError("proof hashes are base64 strings")
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError(f"a proof hash is not base64: {exc}") from None
    return raw
