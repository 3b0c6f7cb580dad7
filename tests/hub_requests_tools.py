"""Footage-request fixtures for hub tests: an in-memory transparency log served through
`translog.client`'s injectable `fetch` (the server's public log API, computed with the
real Merkle and checkpoint code), registered agencies, FOOTAGE_REQUEST bodies, and a
request record as the hub keeps it."""

from __future__ import annotations

import base64
import hashlib
import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

from frontporch.crypto.keys import AgencyIdentity
from frontporch.hub.requests.records import FootageRequestRecord, RequestState
from frontporch.translog import merkle
from frontporch.translog.checkpoint import Checkpoint, sign_checkpoint
from frontporch.translog.entries import AgencyRegistered, RequestFiled, encode_entry
from frontporch.translog.note import Signer

SERVER = "https://server.test"
ORIGIN = "server.test/log"
PASSWORD = "correct horse battery"
FILED = datetime(2026, 3, 1, 12, 0, tzinfo=UTC).timestamp()
CELLS = ["88283082b9fffff", "88283082bbfffff"]
SQUARE = [[37.775, -122.42], [37.775, -122.41], [37.78, -122.41], [37.78, -122.42]]


def moment(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass
class MemoryLog:
    """The server's public log API over an in-memory log (what a real server serves)."""

    signer: Signer = field(default_factory=lambda: Signer.generate(ORIGIN))
    data: list[bytes] = field(default_factory=list)
    note: bytes | None = None

    def append(self, entry: Any) -> int:
        self.data.append(encode_entry(entry))
        return len(self.data) - 1

    def publish(self) -> None:
        tree = [merkle.leaf_hash(d) for d in self.data]
        checkpoint = Checkpoint(ORIGIN, len(tree), merkle.root_hash(tree))
        self.note = sign_checkpoint(checkpoint, self.signer)

    def fetch(self, url: str, timeout: float) -> tuple[int, bytes]:
        parts = urlsplit(url)
        q = {k: v[0] for k, v in parse_qs(parts.query).items()}
        tree = [merkle.leaf_hash(d) for d in self.data]
        path = parts.path
        if path == "/api/log/checkpoint":
            return (200, self.note) if self.note else (404, b'{"error": "none"}')
        if path == "/api/log/key":
            keys = [self.signer.verifier.key_string]
            return 200, json.dumps({"origin": ORIGIN, "verifier_keys": keys}).encode()
        if path == "/api/log/entries":
            start, end = int(q["start"]), min(int(q["end"]), len(self.data))
            items = [
                {"index": i, "leaf_hash": b64(tree[i]), "data": b64(self.data[i])}
                for i in range(start, end)
            ]
            return 200, json.dumps({"entries": items}).encode()
        if path == "/api/log/proof/inclusion":
            size, index = int(q["size"]), int(q["index"])
            if index >= size:
                return 404, b'{"error": "unknown leaf"}'
            proof = merkle.inclusion_proof(index, tree[:size])
            body = {"index": index, "size": size, "leaf_hash": b64(tree[index])}
            return 200, json.dumps({**body, "proof": [b64(p) for p in proof]}).encode()
        if path == "/api/log/proof/consistency":
            first, second = int(q["first"]), int(q["second"])
            proof = merkle.consistency_proof(first, tree[:second])
            body = {"first": first, "second": second, "proof": [b64(p) for p in proof]}
            return 200, json.dumps(body).encode()
        return 404, b'{"error": "not found"}'


def b64(value: bytes) -> str:
    return base64.b64encode(value).decode()


@dataclass
class Agency:
    id: str
    name: str
    identity: AgencyIdentity
    index: int


def register(log: MemoryLog, name: str) -> Agency:
    identity = AgencyIdentity.generate()
    agency = str(uuid.uuid4())
    index = log.append(
        AgencyRegistered(
            at=moment(FILED - 86400),
            agency=agency,
            name=name,
            age_recipient=identity.age_recipient,
            signing_key=identity.public_key,
        )
    )
    return Agency(agency, name, identity, index)


def file_request(
    log: MemoryLog,
    agency: Agency,
    *,
    filed: float = FILED,
    hours: float = 2.0,
    case: str = "2026-000123",
    description: str = "A burglary on Elm Street.",
    incident: str = "burglary",
    registration: Agency | None = None,
    log_it: bool = True,
    **changes: Any,
) -> dict[str, Any]:
    """A FOOTAGE_REQUEST body (contract) and, unless log_it=False, its logged entry."""
    request = str(uuid.uuid4())
    start, end = filed - 3600 * (hours + 1), filed - 3600
    entry = RequestFiled(
        at=moment(filed),
        request=request,
        agency=agency.id,
        incident=incident,
        case_sha256=sha(case),
        description_sha256=sha(description),
        cells=sorted(CELLS),
        window_start=moment(start),
        window_end=moment(end),
    )
    index = log.append(entry) if log_it else len(log.data) + 5
    reg = registration or agency
    body = {
        "request": request,
        "log_index": index,
        "agency": agency.id,
        "agency_name": agency.name,
        "agency_registration_index": reg.index,
        "case_number": case,
        "incident": incident,
        "description": description,
        "contact": "Investigations desk, 555-0100",
        "area": {"type": "polygon", "points": SQUARE},
        "cells": CELLS,
        "window_start": moment(start),
        "window_end": moment(end),
        "expires_at": moment(filed + 7 * 86400),
        "filed_at": moment(filed),
    }
    body.update(changes)
    log.publish()
    return body


def open_request_record(now: float) -> FootageRequestRecord:
    """An open footage request as the hub keeps it, filed two hours before `now` for an
    hour's window before that, for tests that start from a request already received."""
    hour = 3600.0
    return FootageRequestRecord(
        id=str(uuid.uuid4()),
        log_index=41,
        agency=str(uuid.uuid4()),
        agency_name="Springfield PD",
        agency_registration_index=7,
        recipient="age1qyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqs3290gq",
        agency_key="c2lnbmluZy1rZXk=",
        case_number="2024-0042",
        incident="burglary",
        description="A parcel taken from a porch.",
        contact="Investigations desk, +1 555 0100",
        area={"type": "circle", "center": [47.61, -122.34], "radius_m": 300},
        cells=("8828308281fffff",),
        window_start=now - 3 * hour,
        window_end=now - 2 * hour,
        expires_at=now + 7 * 24 * hour,
        filed_at=now - 2 * hour,
        received_at=now - 60,
        state=RequestState.OPEN,
    )
