"""Real evidence packages for tests: real keys, sealed clips, a log, a signed checkpoint.

`make_case` builds what the server would gather for one request: an agency registered
in a log, the request filed, one or more hubs' releases (clips sealed with
`evidence.seal` to the agency's recipient, manifests signed with `HubIdentity`), and
the entries' RFC 9162 inclusion proofs (`translog.merkle`) against a checkpoint signed
with a log key (`translog.checkpoint`). `rewrite_zip` makes tampered copies the way an
attacker would: with correct ZIP checksums, so only our checks can notice.
"""

from __future__ import annotations

import hashlib
import io
import os
import uuid
import zipfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from frontporch.crypto.keys import AgencyIdentity, HubIdentity, Identity, key_id
from frontporch.evidence.manifest import (
    ClipRecord,
    ReleaseManifest,
    encode_manifest,
    manifest_sha256,
    sign_manifest,
)
from frontporch.evidence.package import ClipFile, PackageContents, ReleaseFiles, build_package
from frontporch.evidence.seal import seal
from frontporch.translog.checkpoint import Checkpoint, sign_checkpoint
from frontporch.translog.entries import (
    AgencyRegistered,
    Entry,
    PolicyChanged,
    Release,
    RequestClosed,
    RequestFiled,
    encode_entry,
)
from frontporch.translog.merkle import inclusion_proof, leaf_hash, root_hash
from frontporch.translog.note import Signer

ORIGIN = "porch.example.org/log"
CASE_NUMBER = "2026-000123"
AT = "2026-11-29T12:00:00Z"


@dataclass
class EvidenceCase:
    """One request's evidence, and the keys and plaintexts needed to check it."""

    agency: AgencyIdentity
    hubs: list[HubIdentity]
    log_signer: Signer
    contents: PackageContents
    plaintexts: dict[tuple[str, str], bytes] = field(default_factory=dict)

    @property
    def log_key(self) -> str:
        return self.log_signer.verifier.key_string

    def write(self, path: Path) -> Path:
        with open(path, "wb") as out:
            build_package(out, self.contents)
        return path

    def save_identity(self, folder: Path) -> Path:
        """The agency's keys as `frontporch agency keygen` writes them; the age file."""
        self.agency.save(folder)
        return folder / "agency-age.key"


def _filler(number: int) -> bytes:
    return encode_entry(
        PolicyChanged(
            at=AT,
            policy_sha256=hashlib.sha256(str(number).encode()).hexdigest(),
            summary=f"policy revision {number}",
        )
    )


def _chunks(data: bytes, size: int = 64 * 1024) -> Callable[[], Iterable[bytes]]:
    return lambda: (data[i : i + size] for i in range(0, len(data), size))


def make_case(
    *,
    releases: int = 1,
    clips: int = 2,
    clip_bytes: int = 100_000,
    closed: bool = False,
    deleted: Iterable[int] = (),
    manifest_signer: Callable[[int, HubIdentity], Identity] | None = None,
    recipient: str | None = None,
) -> EvidenceCase:
    """A complete, valid case unless a parameter makes it otherwise.

    `manifest_signer(n, hub)` picks who signs release n's manifest (default: the hub
    itself); `recipient` seals the clips to another recipient than the agency's.
    """
    agency = AgencyIdentity.generate()
    agency_id, request_id = str(uuid.uuid4()), str(uuid.uuid4())
    signer = Signer.generate(ORIGIN)
    entries: list[bytes] = [_filler(n) for n in range(3)]
    registration_index = len(entries)
    entries.append(
        encode_entry(
            AgencyRegistered(
                at=AT,
                agency=agency_id,
                name="County Sheriff",
                age_recipient=agency.age_recipient,
                signing_key=agency.public_key,
            )
        )
    )
    entries.append(_filler(3))
    request_index = len(entries)
    entries.append(
        encode_entry(
            RequestFiled(
                at=AT,
                request=request_id,
                agency=agency_id,
                incident="burglary",
                case_sha256=hashlib.sha256(CASE_NUMBER.encode()).hexdigest(),
                description_sha256=hashlib.sha256(b"a description").hexdigest(),
                cells=["8928308280fffff"],
                window_start="2026-11-29T10:00:00Z",
                window_end="2026-11-29T11:00:00Z",
            )
        )
    )
    deleted = set(deleted)
    hubs: list[HubIdentity] = []
    plaintexts: dict[tuple[str, str], bytes] = {}
    release_files: list[ReleaseFiles] = []
    for number in range(releases):
        hub = HubIdentity.generate()
        hubs.append(hub)
        release_id = str(uuid.uuid4())
        records, ciphertexts = [], []
        for clip in range(1, clips + 1):
            plain = os.urandom(clip_bytes + clip)
            out = io.BytesIO()
            sealed = seal(io.BytesIO(plain), out, recipient or agency.age_recipient)
            file = f"clip-{clip:02d}.mp4.age"
            plaintexts[(release_id, file)] = plain
            ciphertexts.append((file, out.getvalue()))
            records.append(
                ClipRecord(
                    file=file,
                    camera="Front door",
                    start="2026-11-29T10:05:00Z",
                    end="2026-11-29T10:06:00Z",
                    duration_ms=60_000,
                    masked=True,
                    plaintext_sha256=sealed.plaintext_sha256,
                    plaintext_bytes=sealed.plaintext_bytes,
                    ciphertext_sha256=sealed.ciphertext_sha256,
                    ciphertext_bytes=sealed.ciphertext_bytes,
                )
            )
        manifest = ReleaseManifest(
            release=release_id,
            request=request_id,
            request_index=request_index,
            agency=agency_id,
            agency_registration_index=registration_index,
            recipient=recipient or agency.age_recipient,
            hub_key=hub.public_key,
            hub=key_id(hub.public_key),
            created_at="2026-11-29T12:30:00Z",
            clips=records,
        )
        data = encode_manifest(manifest)
        who = manifest_signer(number, hub) if manifest_signer else hub
        signature = _sign(who, data, hub)
        digest = manifest_sha256(data)
        log_index = len(entries)
        entries.append(
            encode_entry(
                Release(
                    at=AT,
                    request=request_id,
                    release=release_id,
                    hub=manifest.hub,
                    manifest_sha256=digest,
                    clips=clips,
                )
            )
        )
        is_deleted = number in deleted
        release_files.append(
            ReleaseFiles(
                release=release_id,
                log_index=log_index,
                manifest=data,
                signature=signature,
                manifest_sha256=digest,
                ciphertext_deleted=is_deleted,
                clips=[]
                if is_deleted
                else [ClipFile(file, len(ct), _chunks(ct)) for file, ct in ciphertexts],
            )
        )
    included = [registration_index, request_index] + [r.log_index for r in release_files]
    if closed:
        included.append(len(entries))
        entries.append(encode_entry(RequestClosed(at=AT, request=request_id, reason="fulfilled")))
    entries.append(_filler(4))
    leaves = [leaf_hash(entry) for entry in entries]
    size = len(leaves)
    checkpoint = sign_checkpoint(Checkpoint(ORIGIN, size, root_hash(leaves)), signer)
    contents = PackageContents(
        request=request_id,
        request_index=request_index,
        agency_registration_index=registration_index,
        checkpoint_size=size,
        created_at="2026-12-01T09:00:00Z",
        checkpoint=checkpoint,
        log_origin=ORIGIN,
        log_verifier_keys=[signer.verifier.key_string],
        entries={i: entries[i] for i in included},
        proofs={i: (size, inclusion_proof(i, leaves)) for i in included},
        releases=release_files,
    )
    return EvidenceCase(agency, hubs, signer, contents, plaintexts)


def _sign(who: Identity, data: bytes, hub: HubIdentity) -> str:
    """The manifest signature by `who` (a different hub signs the same bytes raw)."""
    if who is hub:
        return sign_manifest(hub, data)
    import base64

    from frontporch.evidence.manifest import signed_message

    return base64.b64encode(who.sign(signed_message(data))).decode("ascii")


def rewrite_zip(
    source: Path,
    target: Path,
    *,
    replace: Mapping[str, bytes] | None = None,
    drop: Iterable[str] = (),
    add: Mapping[str, bytes] | None = None,
) -> Path:
    """A copy of the package with members replaced, dropped or added (valid ZIP CRCs)."""
    replace, drop, add = dict(replace or {}), set(drop), dict(add or {})
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(target, "w") as copy:
        for info in original.infolist():
            if info.filename in drop:
                continue
            data = replace.get(info.filename, original.read(info))
            copy.writestr(info.filename, data)
        for name, data in add.items():
            copy.writestr(name, data)
    return target


def entry_of(entries: Mapping[int, bytes], index: int) -> Entry:
    from frontporch.translog.entries import decode_entry

    return decode_entry(entries[index])
