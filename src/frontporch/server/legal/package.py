"""The response package of a legal demand: a ZIP of what the server holds for the named
accounts, in the categories the operator ticked, streamed.

Layout: `README.txt`; `demand.json`; per account `accounts/<pseudonym>/account.json`
(metadata), `.../posts.json` and `.../posts/<post id>/<media|poster>` (posts the
account published), `.../releases/<release id>/manifest.json|manifest.sig|<clip>` (the
ciphertext of releases by hubs of homes the account owns: the server cannot open it);
and `log/`: the checkpoint, the log's key, and every entry of this demand with its
inclusion proof (always included: the log is public). Footage is never in it: it is
held only on the owner's hub.

Everything but blob contents is read in the request's transaction; each blob is opened
when the stream reaches it (`PackageWriter.stream_steps`), one chunk at a time.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any, cast

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from frontporch.crypto.keys import key_id
from frontporch.evidence.package import (
    Drain,
    PackageWriter,
    encode_log_key,
    encode_proof,
    entry_path,
    proof_path,
)
from frontporch.server.accounts.models import User
from frontporch.server.blobs import BlobStore
from frontporch.server.context import ServerContext
from frontporch.server.evidence.models import Release, ReleaseClip
from frontporch.server.feed.models import Post
from frontporch.server.homes.models import Home
from frontporch.server.hubs.models import Hub
from frontporch.server.legal.errors import DemandConflict
from frontporch.server.legal.models import LegalDemandAccount, LegalDemandRow
from frontporch.server.legal.views import CATEGORIES, FOOTAGE_ANSWER, categories_of
from frontporch.server.transparency.keys import LogKeys
from frontporch.server.transparency.service import LogService
from frontporch.translog.entries import moment

Opener = Callable[[], Iterable[bytes]]


@dataclass
class ResponseContents:
    """What the package holds: small members as bytes, blobs as (size, opener)."""

    demand_id: uuid.UUID
    members: dict[str, bytes] = field(default_factory=dict)
    blobs: dict[str, tuple[int, Opener]] = field(default_factory=dict)


def package_name(demand_id: uuid.UUID) -> str:
    """The file name the package is offered under."""
    return f"legal-response-{demand_id}.zip"


def _json(value: Any) -> bytes:
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False).encode("utf-8")


def _blob(blobs: BlobStore, key: str) -> Opener:
    return lambda: blobs.open(key)


def response_contents(
    db: Session,
    context: ServerContext,
    keys: LogKeys,
    demand: LegalDemandRow,
    accounts: list[LegalDemandAccount],
) -> ResponseContents:
    """The package of an answered demand (DemandConflict before the response is logged)."""
    if demand.outcome is None or demand.response_index is None:
        raise DemandConflict(
            "outcome", "record the response first: the package holds what it says was given"
        )
    chosen = categories_of(demand)
    contents = ResponseContents(demand.id)
    contents.members["demand.json"] = _json(
        {
            "demand": str(demand.id),
            "kind": demand.kind,
            "authority": demand.authority,
            "received_on": demand.received_on.isoformat(),
            "scope": demand.scope,
            "document_sha256": demand.document_sha256,
            "outcome": demand.outcome,
            "categories": chosen,
            "footage": FOOTAGE_ANSWER,
            "accounts": [a.pseudonym for a in accounts],
        }
    )
    for account in accounts:
        user = db.get(User, account.user_id) if account.user_id else None
        if user is not None:
            _add_account(db, context, contents, chosen, account.pseudonym, user)
    indexes = _demand_indexes(demand, accounts)
    log = LogService(db, keys, context.clock)
    checkpoint, _ = log.checkpoint_now()
    contents.members["log/checkpoint.txt"] = checkpoint.note.encode("utf-8")
    contents.members["log/key.json"] = encode_log_key(keys.origin, keys.verifier_keys)
    for index in indexes:
        [leaf] = log.log.entries(index, index + 1)
        contents.members[entry_path(index)] = leaf.data
        proof = log.log.inclusion_proof(index, checkpoint.size)
        contents.members[proof_path(index)] = encode_proof(index, checkpoint.size, proof)
    contents.members["README.txt"] = _readme(demand, chosen, indexes).encode("utf-8")
    return contents


def _demand_indexes(demand: LegalDemandRow, accounts: list[LegalDemandAccount]) -> list[int]:
    indexes = {demand.response_index, demand.paperwork_index}
    for account in accounts:
        indexes |= {account.demand_index, account.notice_index}
        indexes |= {int(i) for i in account.delay_indexes.split(",") if i}
    return sorted(i for i in indexes if i is not None)


def _add_account(
    db: Session,
    context: ServerContext,
    contents: ResponseContents,
    chosen: list[str],
    pseudonym: str,
    user: User,
) -> None:
    base = f"accounts/{pseudonym}"
    homes = list(db.scalars(select(Home).where(Home.owner_id == user.id).order_by(Home.id)))
    hubs = list(
        db.scalars(select(Hub).where(Hub.home_id.in_([h.id for h in homes])).order_by(Hub.id))
    )
    if "account_metadata" in chosen:
        contents.members[f"{base}/account.json"] = _json(
            {
                "id": str(user.id),
                "email": user.email,
                "created_at": moment(user.created_at),
                "email_verified_at": moment(user.email_verified_at)
                if user.email_verified_at
                else None,
                "homes": [
                    {
                        "id": str(home.id),
                        "name": home.name,
                        "created_at": moment(home.created_at),
                        "hubs": [
                            {
                                "id": str(hub.id),
                                "name": hub.name,
                                "key_id": key_id(hub.public_key),
                                "paired_at": moment(hub.paired_at),
                            }
                            for hub in hubs
                            if hub.home_id == home.id
                        ],
                    }
                    for home in homes
                ],
            }
        )
    if "posts" in chosen:
        posts = list(
            db.scalars(select(Post).where(Post.author_id == user.id).order_by(Post.created_at))
        )
        listed = []
        for post in posts:
            files = {}
            for name, key in (("media", post.media_key), ("poster", post.poster_key)):
                if key and context.blobs.exists(key):
                    member = f"{base}/posts/{post.id}/{name}"
                    contents.blobs[member] = (context.blobs.size(key), _blob(context.blobs, key))
                    files[name] = member
            listed.append(
                {
                    "id": str(post.id),
                    "created_at": moment(post.created_at),
                    "category": post.category,
                    "title": post.title,
                    "body": post.body,
                    "media_type": post.media_type,
                    "hidden": post.hidden_at is not None,
                    "files": files,
                }
            )
        contents.members[f"{base}/posts.json"] = _json(listed)
    if "release_ciphertext" in chosen and hubs:
        key_ids = [key_id(hub.public_key) for hub in hubs]
        releases = db.scalars(
            select(Release)
            .where(
                or_(Release.hub_id.in_([hub.id for hub in hubs]), Release.hub_key_id.in_(key_ids))
            )
            .order_by(Release.created_at)
        )
        for release in releases:
            folder = f"{base}/releases/{release.id}"
            contents.members[f"{folder}/manifest.json"] = release.manifest
            contents.members[f"{folder}/manifest.sig"] = release.signature.encode("ascii")
            clips = db.scalars(select(ReleaseClip).where(ReleaseClip.release_id == release.id))
            for clip in clips:
                if clip.complete and clip.blob_key and release.deleted_at is None:
                    contents.blobs[f"{folder}/{clip.file}"] = (
                        clip.size,
                        _blob(context.blobs, clip.blob_key),
                    )


def _readme(demand: LegalDemandRow, chosen: list[str], indexes: list[int]) -> str:
    given = "\n".join(f"  - {CATEGORIES[c]}" for c in chosen) or "  (nothing)"
    return (
        f"Response to legal demand {demand.id}\n"
        f"Kind: {demand.kind}; issued by: {demand.authority}; received "
        f"{demand.received_on.isoformat()}.\n"
        f"Outcome: {demand.outcome}.\n\nWhat the server gave:\n{given}\n\n"
        f"{FOOTAGE_ANSWER}\nRelease ciphertext is encrypted to the requesting agency's "
        "key by the owner's hub; the server cannot open it.\n\n"
        f"log/ holds this demand's transparency-log entries ({', '.join(map(str, indexes))}) "
        "with inclusion proofs against log/checkpoint.txt, signed by the key in "
        "log/key.json. Accounts appear there only as pseudonyms (the folder names).\n"
    )


def stream_response(contents: ResponseContents) -> Iterator[bytes]:
    """The package as byte chunks: small members first, then each blob as it streams."""
    drain = Drain()
    writer = PackageWriter(cast(IO[bytes], drain))
    for name in sorted(contents.members):
        writer.add_bytes(name, contents.members[name])
        yield drain.take()
    for name in sorted(contents.blobs):
        size, opener = contents.blobs[name]
        for _ in writer.stream_steps(name, size, opener()):
            chunk = drain.take()
            if chunk:
                yield chunk
    writer.close()
    yield drain.take()
