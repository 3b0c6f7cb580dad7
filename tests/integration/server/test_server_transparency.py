"""The transparency log's HTTP API, on SQLite and PostgreSQL: what it serves verifies
with the independent checks of `translog` (signed checkpoints, RFC 9162 proofs), and
every bad request is a clear 4xx, never a 500."""

from __future__ import annotations

import json
import random

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from frontporch.translog.entries import decode_entry
from frontporch.translog.merkle import (
    leaf_hash,
    root_hash,
    verify_consistency,
    verify_inclusion,
)
from transparency_tools import append, b64decode, checkpoint_now, latest_checkpoint


@pytest.fixture
def client(app: FastAPI) -> TestClient:
    """A client of an app whose lifespan does not run: no background checkpointer, so
    checkpoints are exactly the ones a test signs."""
    return TestClient(app)


def _leaves(client: TestClient, size: int) -> list[bytes]:
    hashes: list[bytes] = []
    while len(hashes) < size:
        end = min(size, len(hashes) + 1000)
        response = client.get("/api/log/entries", params={"start": len(hashes), "end": end})
        assert response.status_code == 200, response.text
        for item in response.json()["entries"]:
            assert item["index"] == len(hashes)
            data = b64decode(item["data"])
            assert b64decode(item["leaf_hash"]) == leaf_hash(data)
            assert decode_entry(data).model_dump(mode="json", exclude_none=True) == item["entry"]
            hashes.append(leaf_hash(data))
    return hashes


def test_appended_entries_are_proven_against_signed_checkpoints(
    app: FastAPI, client: TestClient
) -> None:
    assert append(app, 3) == [0, 1, 2]
    assert append(app, 34, first=3) == list(range(3, 37))
    assert checkpoint_now(app) == 37
    first = latest_checkpoint(client)
    assert first.origin == "testserver/log"
    assert first.size == 37
    assert latest_checkpoint(client, "/log/checkpoint") == first
    leaves = _leaves(client, 37)
    assert first.root_hash == root_hash(leaves)

    for index in [0, 1, 17, 35, 36]:
        proof = client.get("/api/log/proof/inclusion", params={"index": index, "size": 37})
        assert proof.status_code == 200, proof.text
        body = proof.json()
        assert (body["index"], body["size"]) == (index, 37)
        assert b64decode(body["leaf_hash"]) == leaves[index]
        hashes = [b64decode(h) for h in body["proof"]]
        verify_inclusion(leaves[index], index, 37, hashes, first.root_hash)
        by_hash = client.get(
            "/api/log/proof/inclusion", params={"leaf_hash": body["leaf_hash"], "size": 37}
        )
        assert by_hash.json() == body

    assert append(app, 100, first=37)[-1] == 136
    assert checkpoint_now(app) == 137
    second = latest_checkpoint(client)
    assert second.root_hash == root_hash(_leaves(client, 137))
    for older, older_root in [(37, first.root_hash), (1, leaves[0]), (137, second.root_hash)]:
        response = client.get("/api/log/proof/consistency", params={"first": older, "second": 137})
        assert response.status_code == 200, response.text
        body = response.json()
        assert (body["first"], body["second"]) == (older, 137)
        proof = [b64decode(h) for h in body["proof"]]
        verify_consistency(older, 137, proof, older_root, second.root_hash)
    # An old tree stays provable after the log grew.
    old = client.get("/api/log/proof/inclusion", params={"index": 5, "size": 37}).json()
    verify_inclusion(leaves[5], 5, 37, [b64decode(h) for h in old["proof"]], first.root_hash)

    listed = client.get("/api/log/checkpoints").json()
    sizes = [item["size"] for item in listed]
    assert sizes[:2] == [137, 37]
    assert b64decode(listed[0]["root"]) == second.root_hash
    assert listed[0]["note"] == client.get("/api/log/checkpoint").text
    assert [c["size"] for c in client.get("/api/log/checkpoints?before=137&limit=1").json()] == [37]


def test_random_proofs_verify(app: FastAPI, client: TestClient) -> None:
    append(app, 300)
    checkpoint_now(app)
    checkpoint = latest_checkpoint(client)
    leaves = _leaves(client, 300)
    rng = random.Random(3)
    for _ in range(40):
        size = rng.randint(1, 300)
        index = rng.randrange(size)
        body = client.get("/api/log/proof/inclusion", params={"index": index, "size": size}).json()
        proof = [b64decode(h) for h in body["proof"]]
        verify_inclusion(leaves[index], index, size, proof, root_hash(leaves[:size]))
        body = client.get(
            "/api/log/proof/consistency", params={"first": index, "second": size}
        ).json()
        proof = [b64decode(h) for h in body["proof"]]
        verify_consistency(index, size, proof, root_hash(leaves[:index]), root_hash(leaves[:size]))
    assert checkpoint.root_hash == root_hash(leaves)


@pytest.mark.parametrize(
    ("path", "status", "field", "message"),
    [
        ("/api/log/entries?start=0&end=11", 400, "end", "at most 10"),
        ("/api/log/entries?start=5&end=2", 400, "end", "before start"),
        ("/api/log/entries?start=0&end=1001", 400, "end", "at most 1000"),
        ("/api/log/entries?start=-1&end=2", 422, "start", ""),
        ("/api/log/entries?start=0", 422, "end", ""),
        ("/api/log/proof/inclusion?index=8&size=8", 400, "index", "below size"),
        ("/api/log/proof/inclusion?index=0&size=9", 400, "size", "latest checkpoint has 8"),
        ("/api/log/proof/inclusion?size=8", 400, "index", "either index or leaf_hash"),
        ("/api/log/proof/inclusion?index=0&leaf_hash=AAAA&size=8", 400, "index", "not both"),
        ("/api/log/proof/inclusion?leaf_hash=not*base64&size=8", 400, "leaf_hash", "base64"),
        ("/api/log/proof/inclusion?leaf_hash=AAAA&size=8", 400, "leaf_hash", "32-byte"),
        ("/api/log/proof/inclusion?index=0&size=99999999999999999999", 422, "size", ""),
        ("/api/log/proof/consistency?first=5&second=3", 400, "first", "only grows"),
        ("/api/log/proof/consistency?first=1&second=9", 400, "second", "latest checkpoint"),
        ("/api/log/checkpoints?limit=0", 422, "limit", ""),
        ("/api/log/checkpoints?limit=101", 422, "limit", ""),
    ],
)
def test_bad_parameters_are_clear_client_errors(
    app: FastAPI, client: TestClient, path: str, status: int, field: str, message: str
) -> None:
    append(app, 8)
    assert checkpoint_now(app) == 8
    append(app, 2, first=8)
    response = client.get(path)
    assert response.status_code == status, response.text
    body = response.json()
    assert body["field"] == field
    assert message in body["detail"]


def test_an_unknown_leaf_hash_is_not_found(app: FastAPI, client: TestClient) -> None:
    append(app, 4)
    checkpoint_now(app)
    unknown = client.get(
        "/api/log/proof/inclusion",
        params={"leaf_hash": "A" * 43 + "=", "size": 4},
    )
    assert unknown.status_code == 404
    assert unknown.json()["error"] == "leaf hash not found"
    later = append(app, 1, first=99)[0]
    checkpoint_now(app)
    data = client.get("/api/log/entries", params={"start": later, "end": later + 1}).json()
    # '+' sent unencoded arrives as a space and is still understood.
    wanted = data["entries"][0]["leaf_hash"]
    found = client.get(f"/api/log/proof/inclusion?leaf_hash={wanted}&size=5")
    assert found.status_code == 200, found.text
    assert found.json()["index"] == later
    too_early = client.get("/api/log/proof/inclusion", params={"leaf_hash": wanted, "size": 4})
    assert too_early.status_code == 404
    assert "first 4" in too_early.json()["detail"]


def test_before_the_first_checkpoint_there_is_nothing_to_prove(
    app: FastAPI, client: TestClient
) -> None:
    append(app, 2)
    response = client.get("/api/log/checkpoint")
    assert response.status_code == 404
    assert response.json()["error"] == "no checkpoint yet"
    proof = client.get("/api/log/proof/inclusion", params={"index": 0, "size": 1})
    assert proof.status_code == 400
    assert "no checkpoint yet" in proof.json()["detail"]
    assert client.get("/api/log/checkpoints").json() == []
    assert client.get("/log/checkpoint").status_code == 404
    # Entries are public as soon as they are committed.
    assert len(client.get("/api/log/entries?start=0&end=2").json()["entries"]) == 2


def test_tiles_follow_the_c2sp_layout(app: FastAPI, client: TestClient) -> None:
    append(app, 300)
    checkpoint_now(app)
    leaves = _leaves(client, 300)
    full = client.get("/log/tile/0/000")
    assert full.status_code == 200
    assert full.headers["content-type"] == "application/octet-stream"
    assert "immutable" in full.headers["cache-control"]
    assert full.content == b"".join(leaves[:256])
    partial = client.get("/log/tile/0/001.p/44")
    assert partial.content == b"".join(leaves[256:300])
    top = client.get("/log/tile/1/000.p/1")
    assert top.content == root_hash(leaves[:256])
    bundle = client.get("/log/tile/entries/001.p/44").content
    entries = []
    while bundle:
        length = int.from_bytes(bundle[:2], "big")
        entries.append(bundle[2 : 2 + length])
        bundle = bundle[2 + length :]
    assert [leaf_hash(e) for e in entries] == leaves[256:300]
    assert json.loads(entries[0])["type"] == "policy_changed"
    for beyond in (
        "/log/tile/0/001",  # needs 512 entries
        "/log/tile/0/001.p/45",
        "/log/tile/1/000.p/2",
        "/log/tile/entries/002.p/1",
        "/log/tile/0/x000/001",  # not the one spelling of tile 1
        "/log/tile/0/1",
        "/log/tile/0/001.p/256",
        "/log/tile/0/001.p/007",
        "/log/tile/64/000",
        "/log/tile/01/000",
    ):
        assert client.get(beyond).status_code == 404, beyond


def test_key_endpoint_names_the_origin_and_current_key(client: TestClient) -> None:
    body = client.get("/api/log/key").json()
    assert body["origin"] == "testserver/log"
    assert len(body["verifier_keys"]) == 1
    assert body["verifier_keys"][0].startswith("testserver/log+")
