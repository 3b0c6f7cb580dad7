"""Evidence packages: one ZIP per request that an agency can check without the server.

Layout (docs/evidence.md is the reference a second verifier is written from)::

    README.txt                         how to check it, in plain words
    package.json                       canonical JSON: `PackageIndex`
    log/checkpoint.txt                 the signed checkpoint every proof is against
    log/key.json                       {"origin": ..., "verifier_keys": [...]}
    log/entries/<index>.json           the canonical bytes of each log entry included
    log/proofs/<index>.json            {"index": i, "proof": [base64 hash...], "size": n}
    releases/<release>/manifest.json   the release manifest, exactly as signed
    releases/<release>/manifest.sig    its base64 signature, one line
    releases/<release>/<file>          each clip's age ciphertext

The ZIP is written to a stream that need not be seekable (an HTTP response): members
are stored (no compression: ciphertext does not compress, and stored members keep the
format simple for other tools), each with a data descriptor, ZIP64 where a member or
the archive needs it. A clip is added from an iterable of chunks with its size known
in advance, so memory stays one chunk whatever the clip's size. `stream_package` turns
the whole build into a generator of byte chunks for a streaming HTTP response.

Member times are fixed at the package's `created_at`, so the same contents always give
the same bytes.
"""

from __future__ import annotations

import base64
import json
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import IO, Annotated, Any, Final, Literal, NamedTuple, cast

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from frontporch.translog.entries import Id, Moment, Sha256Hex, canonical_json

PACKAGE_FORMAT: Final = "frontporch-evidence/1"
README = "README.txt"
INDEX = "package.json"
CHECKPOINT = "log/checkpoint.txt"
LOG_KEY = "log/key.json"
MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
ZIP64_LIMIT: Final = (1 << 31) - 1  # members larger than this need ZIP64 headers up front


class PackageError(Exception):
    """A package cannot be built from what was given, or `package.json` is invalid."""


def entry_path(index: int) -> str:
    """The member holding the canonical bytes of log entry `index`."""
    return f"log/entries/{index}.json"


def proof_path(index: int) -> str:
    """The member holding the inclusion proof of log entry `index`."""
    return f"log/proofs/{index}.json"


def release_path(release: str, file: str) -> str:
    """The member `file` (manifest.json, manifest.sig or a clip) of release `release`."""
    return f"releases/{release}/{file}"


# --- package.json ---------------------------------------------------------------------


class PackageRelease(BaseModel):
    """One release in `package.json`."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    release: Id
    log_index: int = Field(ge=0)
    manifest_sha256: Sha256Hex
    ciphertext_deleted: bool


class PackageIndex(BaseModel):
    """`package.json`: which request, which entries, which releases, against which size."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    format: Literal["frontporch-evidence/1"] = PACKAGE_FORMAT
    request: Id
    request_index: int = Field(ge=0)
    agency_registration_index: int = Field(ge=0)
    checkpoint_size: int = Field(ge=1)
    created_at: Moment
    releases: Annotated[list[PackageRelease], Field(max_length=100_000)]

    @model_validator(mode="after")
    def _distinct(self) -> PackageIndex:
        indexes = [self.request_index, self.agency_registration_index]
        indexes += [release.log_index for release in self.releases]
        if len(set(indexes)) != len(indexes):
            raise ValueError(
                "two of request_index, agency_registration_index and the "
                "releases' log_index are the same entry"
            )
        ids = [release.release for release in self.releases]
        if len(set(ids)) != len(ids):
            raise ValueError("a release is listed twice")
        for index in indexes:
            if index >= self.checkpoint_size:
                raise ValueError(f"log index {index} is not below checkpoint_size")
        return self

    def encode(self) -> bytes:
        """The canonical bytes of `package.json`."""
        return canonical_json(self.model_dump(mode="json"))

    @property
    def implied_indexes(self) -> list[int]:
        """The log indexes whose entries and proofs the package must carry."""
        indexes = [self.request_index, self.agency_registration_index]
        return indexes + [release.log_index for release in self.releases]


def decode_index(data: bytes) -> PackageIndex:
    """`package.json` from its bytes; PackageError naming the field unless valid and canonical."""
    try:
        raw = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise PackageError(f"package.json is not UTF-8 JSON: {exc}") from None
    if not isinstance(raw, dict):
        raise PackageError("package.json is a JSON object")
    if raw.get("format") != PACKAGE_FORMAT:
        raise PackageError(
            f"unknown package format {raw.get('format')!r}; this reads {PACKAGE_FORMAT!r}"
        )
    try:
        index = PackageIndex.model_validate(raw)
    except ValidationError as exc:
        problem = exc.errors()[0]
        where = ".".join(str(part) for part in problem["loc"])
        message = str(problem["msg"]).removeprefix("Value error, ")
        raise PackageError(f"invalid package.json field {where!r}: {message}") from None
    if index.encode() != data:
        raise PackageError("package.json is not in canonical form (sorted keys, no spaces)")
    return index


def encode_proof(index: int, size: int, proof: Sequence[bytes]) -> bytes:
    """The canonical bytes of `log/proofs/<index>.json`."""
    hashes = [base64.b64encode(value).decode("ascii") for value in proof]
    return canonical_json({"index": index, "proof": hashes, "size": size})


def encode_log_key(origin: str, verifier_keys: Sequence[str]) -> bytes:
    """The canonical bytes of `log/key.json`."""
    return canonical_json({"origin": origin, "verifier_keys": list(verifier_keys)})


# --- contents -------------------------------------------------------------------------


class ClipFile(NamedTuple):
    """One clip's ciphertext: its file name, its size, and how to read it in chunks."""

    file: str
    size: int
    open_chunks: Callable[[], Iterable[bytes]]


@dataclass(frozen=True)
class ReleaseFiles:
    """One release as the package carries it. No clips when ciphertext_deleted."""

    release: str
    log_index: int
    manifest: bytes
    signature: str
    manifest_sha256: str
    ciphertext_deleted: bool
    clips: Sequence[ClipFile | tuple[str, int, Callable[[], Iterable[bytes]]]] = ()


@dataclass(frozen=True)
class PackageContents:
    """Everything a package holds, as the server gathers it for one request.

    `entries` maps log index to canonical entry bytes (the request_filed, the
    agency_registered, each release, and the request_closed if any); `proofs` maps
    the same indexes to (tree size, proof hashes), every size `checkpoint_size`, the
    size of `checkpoint` (the signed note bytes).
    """

    request: str
    request_index: int
    agency_registration_index: int
    checkpoint_size: int
    created_at: str
    checkpoint: bytes
    log_origin: str
    log_verifier_keys: Sequence[str]
    entries: Mapping[int, bytes]
    proofs: Mapping[int, tuple[int, Sequence[bytes]]]
    releases: Sequence[ReleaseFiles]

    def index(self) -> PackageIndex:
        """`package.json` for these contents; PackageError if they do not fit together."""
        try:
            index = PackageIndex(
                request=self.request,
                request_index=self.request_index,
                agency_registration_index=self.agency_registration_index,
                checkpoint_size=self.checkpoint_size,
                created_at=self.created_at,
                releases=[
                    PackageRelease(
                        release=release.release,
                        log_index=release.log_index,
                        manifest_sha256=release.manifest_sha256,
                        ciphertext_deleted=release.ciphertext_deleted,
                    )
                    for release in self.releases
                ],
            )
        except ValidationError as exc:
            raise PackageError(f"the package contents are inconsistent: {exc}") from None
        if set(self.entries) != set(self.proofs):
            raise PackageError("every included log entry needs its proof, and only those")
        missing = set(index.implied_indexes) - set(self.entries)
        if missing:
            raise PackageError(f"log entries {sorted(missing)} are referenced but not included")
        for position, (size, _) in self.proofs.items():
            if size != self.checkpoint_size:
                raise PackageError(
                    f"the proof of entry {position} is for size {size}, not the checkpoint's "
                    f"{self.checkpoint_size}"
                )
        for release in self.releases:
            if release.ciphertext_deleted and release.clips:
                raise PackageError(f"release {release.release} has deleted ciphertext and clips")
        return index


# --- writing --------------------------------------------------------------------------


class PackageWriter:
    """A ZIP writer for an output stream that need not be seekable.

    Members are stored, never compressed. `add_stream` takes the member's size up front
    (to choose ZIP64 headers) and checks that the chunks add up to it.
    """

    def __init__(
        self, out: IO[bytes], date_time: tuple[int, int, int, int, int, int] | None = None
    ):
        self._zip = zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED, allowZip64=True)
        self._date_time = date_time or (1980, 1, 1, 0, 0, 0)
        self._names: set[str] = set()

    def add_bytes(self, name: str, data: bytes) -> None:
        """Add member `name` holding `data`."""
        for _ in self.stream_steps(name, len(data), [data]):
            pass

    def add_stream(self, name: str, size: int, chunks: Iterable[bytes]) -> None:
        """Add member `name` of exactly `size` bytes from `chunks`."""
        for _ in self.stream_steps(name, size, chunks):
            pass

    def stream_steps(self, name: str, size: int, chunks: Iterable[bytes]) -> Iterator[None]:
        """Add member `name` one chunk at a time, yielding after each chunk is written.

        What each step wrote is in the output stream when the step yields: a caller
        draining the stream between steps holds one chunk at a time. Raises
        PackageError if the chunks do not add up to `size` (the member is then broken
        and the package must be abandoned).
        """
        if name in self._names:
            raise PackageError(f"{name} is added twice")
        self._names.add(name)
        info = zipfile.ZipInfo(name, date_time=self._date_time)
        info.compress_type = zipfile.ZIP_STORED
        info.file_size = size
        info.external_attr = 0o644 << 16
        written = 0
        with self._zip.open(info, "w", force_zip64=size > ZIP64_LIMIT) as member:
            for chunk in chunks:
                written += len(chunk)
                if written > size:
                    raise PackageError(f"{name} has more than the {size} bytes announced")
                member.write(chunk)
                yield
        if written != size:
            raise PackageError(f"{name} has {written} bytes, not the {size} announced")
        yield

    def close(self) -> None:
        """Write the central directory; the stream then holds a complete ZIP."""
        self._zip.close()


def readme_text(contents: PackageContents) -> str:
    """README.txt: what the package is and how to check it, with the commands."""
    example = next(
        (
            (release.release, _clip_name(release.clips[0]))
            for release in contents.releases
            if release.clips
        ),
        ("<release>", "clip-01.mp4.age"),
    )
    release, clip = example
    plain = clip.removesuffix(".age")
    return f"""Frontporch evidence package ({PACKAGE_FORMAT})
Request {contents.request}, made {contents.created_at}.

This archive holds footage that home owners chose to release for the request above,
encrypted so that only the agency's own age identity can open it, and the proof of
where it came from: each hub's signed release manifest (the size and SHA-256 of every
clip), and the entries of the public transparency log that record the agency's keys,
the request and each release, with inclusion proofs against one signed checkpoint.
The server that built it could not read the footage and cannot alter it unnoticed.

To check everything and decrypt the clips (Frontporch installed):

  frontporch evidence verify evidence-{contents.request}.zip \\
      --identity agency-age.key --log-key '<log key>' --out clips/

where <log key> is the log's verifier key as the operator publishes it (the server's
/transparency page), obtained independently of this archive: log/key.json is only
what the server says about itself, and without --log-key the check proves no more
than that the archive agrees with itself. Exit status 0
means every signature, hash and proof holds; 1 names the first file and check that
failed; 2 means the command was used wrongly.

Without Frontporch, the clips open with the standard age tool (age-encryption.org):

  unzip evidence-{contents.request}.zip
  age -d -i agency-age.key releases/{release}/{clip} > {plain}

and `sha256sum {plain}` must equal the clip's plaintext_sha256 in
releases/{release}/manifest.json. docs/evidence.md in the Frontporch source describes
every file and check, enough to write another verifier.
"""


def package_steps(writer: PackageWriter, contents: PackageContents) -> Iterator[None]:
    """Write every member of the package for `contents`, yielding after each chunk."""
    index = contents.index()
    yield from writer.stream_steps(README, *_sized(readme_text(contents).encode("utf-8")))
    yield from writer.stream_steps(INDEX, *_sized(index.encode()))
    yield from writer.stream_steps(CHECKPOINT, *_sized(contents.checkpoint))
    log_key = encode_log_key(contents.log_origin, contents.log_verifier_keys)
    yield from writer.stream_steps(LOG_KEY, *_sized(log_key))
    for position in sorted(contents.entries):
        yield from writer.stream_steps(entry_path(position), *_sized(contents.entries[position]))
        size, proof = contents.proofs[position]
        yield from writer.stream_steps(
            proof_path(position), *_sized(encode_proof(position, size, proof))
        )
    for release in contents.releases:
        yield from writer.stream_steps(
            release_path(release.release, MANIFEST), *_sized(release.manifest)
        )
        signature = (release.signature.strip() + "\n").encode("ascii")
        yield from writer.stream_steps(release_path(release.release, SIGNATURE), *_sized(signature))
        for clip in release.clips:
            file, size, open_chunks = clip
            yield from writer.stream_steps(release_path(release.release, file), size, open_chunks())
    writer.close()
    yield


def build_package(out: IO[bytes], contents: PackageContents) -> None:
    """Write the whole package for `contents` to `out` (which need not be seekable)."""
    writer = PackageWriter(out, _date_time(contents.created_at))
    for _ in package_steps(writer, contents):
        pass


def stream_package(contents: PackageContents) -> Iterator[bytes]:
    """The package for `contents` as a generator of byte chunks (a streaming response).

    Memory holds about one clip chunk at a time. `contents.index()` is checked before
    the first byte, so inconsistent contents raise PackageError before a response
    starts.
    """
    contents.index()
    buffer = Drain()
    writer = PackageWriter(cast(IO[bytes], buffer), _date_time(contents.created_at))
    for _ in package_steps(writer, contents):
        data = buffer.take()
        if data:
            yield data
    data = buffer.take()
    if data:
        yield data


class Drain:
    """An unseekable output that keeps what was written until `take` hands it out: how a
    ZIP written by `zipfile` becomes the chunks of a streamed HTTP answer."""

    def __init__(self) -> None:
        self._parts: list[bytes] = []
        self._position = 0

    def write(self, data: Any) -> int:
        piece = bytes(data)
        self._parts.append(piece)
        self._position += len(piece)
        return len(piece)

    def tell(self) -> int:
        return self._position

    def seekable(self) -> bool:
        return False

    def flush(self) -> None:
        return None

    def take(self) -> bytes:
        data = b"".join(self._parts)
        self._parts.clear()
        return data


def _sized(data: bytes) -> tuple[int, list[bytes]]:
    return len(data), [data]


def _clip_name(clip: ClipFile | tuple[str, int, Callable[[], Iterable[bytes]]]) -> str:
    return clip[0]


def _date_time(moment: str) -> tuple[int, int, int, int, int, int]:
    """A member time from a Moment (ZIP times start in 1980)."""
    try:
        date, time = moment.rstrip("Z").split("T")
        year, month, day = (int(part) for part in date.split("-"))
        hour, minute, second = (int(part) for part in time.split(":"))
    except ValueError:
        raise PackageError(
            f"created_at {moment!r} is not a time like 2026-11-29T12:00:00Z"
        ) from None
    return (max(year, 1980), month, day, hour, minute, second)
