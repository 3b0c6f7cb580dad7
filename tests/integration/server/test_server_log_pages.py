"""The public transparency pages, on SQLite and PostgreSQL: the entries newest first with
paging, the latest checkpoint and key, and an entry's page whose inclusion proof — read
back from the HTML — verifies against the checkpoint the API serves."""

from __future__ import annotations

import html
import json
import re

from fastapi import FastAPI
from fastapi.testclient import TestClient

from frontporch.translog.entries import encode_entry
from frontporch.translog.merkle import leaf_hash, verify_inclusion
from server_harness import ServerHarness
from transparency_tools import append, b64decode, checkpoint_now, latest_checkpoint, policy_entry


def _anonymous(app: FastAPI) -> TestClient:
    # Not entered: no lifespan, so no background checkpointer signs behind the test's back.
    return TestClient(app)


def _pre(page: str, element_id: str) -> str:
    match = re.search(rf'<pre[^>]*id="{element_id}"[^>]*>(.*?)</pre>', page, re.S)
    assert match, f"no <pre id={element_id}>"
    return html.unescape(match.group(1))


def _proof_hashes(page: str) -> list[bytes]:
    match = re.search(r'<ol class="proof" id="proof"[^>]*>(.*?)</ol>', page, re.S)
    assert match, "no proof list on the page"
    return [b64decode(value) for value in re.findall(r"<code[^>]*>([^<]+)</code>", match.group(1))]


def test_empty_log_page(app: FastAPI) -> None:
    page = _anonymous(app).get("/transparency")
    assert page.status_code == 200
    assert "Nothing has been logged yet." in page.text
    assert "has not signed its first checkpoint yet" in page.text
    assert app.state.log_keys.verifier_keys[0] in page.text


def test_entries_newest_first_paged_with_checkpoint_and_key(app: FastAPI) -> None:
    client = _anonymous(app)
    append(app, 30)
    checkpoint_now(app)
    append(app, 2, first=30)  # not yet covered by a checkpoint
    page = client.get("/transparency").text
    rows = re.findall(r'<a href="/transparency/entries/(\d+)"', page)
    assert rows == [str(n) for n in range(31, 6, -1)]
    assert page.count("(awaiting checkpoint)") == 2
    assert "Policy changed" in page
    assert "policy revision 31" in page
    checkpoint = latest_checkpoint(client)
    assert checkpoint.size == 30
    note = client.get("/api/log/checkpoint").text
    assert html.escape(note, quote=False).strip() in page
    key = app.state.log_keys.verifier_keys[0]
    assert f"frontporch log verify --server http://testserver --key &#39;{key}&#39;" in page
    assert 'href="/transparency?before=7">Older entries' in page
    assert 'aria-current="page">Transparency' in page
    older = client.get("/transparency", params={"before": 7}).text
    assert re.findall(r'<a href="/transparency/entries/(\d+)"', older) == [
        str(n) for n in range(6, -1, -1)
    ]
    assert 'href="/transparency?before=32">Newer entries' not in older
    assert 'href="/transparency">Newer entries' in older


def test_entry_page_shows_the_canonical_bytes_and_a_proof_that_verifies(app: FastAPI) -> None:
    client = _anonymous(app)
    append(app, 13)
    checkpoint_now(app)
    checkpoint = latest_checkpoint(client)  # signature checked with the published key
    page = client.get("/transparency/entries/5").text
    canonical = _pre(page, "canonical").encode("utf-8")
    assert canonical == encode_entry(policy_entry(5))
    shown_leaf = re.search(r'id="leaf-hash">([^<]+)<', page)
    assert shown_leaf
    assert b64decode(shown_leaf.group(1)) == leaf_hash(canonical)
    assert re.search(r'id="proof-size">13<', page)
    proof = _proof_hashes(page)
    verify_inclusion(leaf_hash(canonical), 5, checkpoint.size, proof, checkpoint.root_hash)
    api = client.get("/api/log/proof/inclusion", params={"index": 5, "size": 13}).json()
    assert [b64decode(value) for value in api["proof"]] == proof
    assert "frontporch log verify --server http://testserver --key" in page
    assert "--entry 5" in page
    assert json.loads(canonical)["summary"] == "policy revision 5"


def test_entry_pages_before_a_checkpoint_and_beyond_the_log(app: FastAPI) -> None:
    client = _anonymous(app)
    append(app, 1)
    checkpoint_now(app)
    only = client.get("/transparency/entries/0").text
    assert "No hashes: this entry is the whole tree" in only
    append(app, 1, first=1)
    pending = client.get("/transparency/entries/1")
    assert pending.status_code == 200
    assert "newer than the latest signed checkpoint (1 entries)" in pending.text
    missing = client.get("/transparency/entries/2")
    assert missing.status_code == 404
    assert "The log has 2 entries, numbered 0 to 1." in missing.text
    assert client.get("/transparency/entries/-1").status_code == 422


def test_signed_in_people_see_the_link_and_the_page(server: ServerHarness) -> None:
    resident = server.account()
    home = resident.client.get("/account").text
    assert '<a href="/transparency" >Transparency</a>' in home
    page = resident.client.get("/transparency")
    assert page.status_code == 200
    assert 'aria-current="page">Transparency' in page.text
    assert "Sign out" in page.text
