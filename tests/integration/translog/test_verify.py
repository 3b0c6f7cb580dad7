"""translog/verify.py: the log monitor against a staged log server over real HTTP.

Each misbehaviour a malicious operator could try — rewriting a stored entry, dropping
one, forking the log, rolling it back, signing with another key, serving another log,
serving entries that do not match their hashes, or garbage — is staged on the server and
must be caught by a monitor holding an earlier checkpoint, with the right error, and
without the state file changing.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from staged_log import ORIGIN, StagedLog, policy_entry, serving

from frontporch.translog import merkle
from frontporch.translog.checkpoint import Checkpoint, sign_checkpoint
from frontporch.translog.compact import CompactRange, compact_range_of
from frontporch.translog.errors import CheckpointError, EntryError, SignatureError, TranslogError
from frontporch.translog.note import Signer
from frontporch.translog.state import MonitorState, StateFileError, pinned_state
from frontporch.translog.verify import (
    BadResponse,
    LogInconsistency,
    LogUnavailable,
    Monitor,
    NotInLog,
    trust_on_first_use,
)

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def staged() -> StagedLog:
    log = StagedLog()
    log.append(10)
    log.publish()
    return log


@pytest.fixture
def url(staged: StagedLog) -> Iterator[str]:
    with serving(staged) as base:
        yield base


def _monitor(staged: StagedLog, state: MonitorState | None = None) -> Monitor:
    return Monitor(state or pinned_state([staged.verifier_key]), clock=lambda: NOW, page_size=4)


def _verified(staged: StagedLog, url: str, path: Path, *, audit: bool = False) -> Monitor:
    """A monitor that verified the currently served checkpoint, its state saved at `path`."""
    monitor = _monitor(staged)
    monitor.update(url, audit=audit)
    monitor.state.save(path)
    return monitor


def _reloaded(path: Path) -> Monitor:
    state = MonitorState.load(path)
    assert state is not None
    return Monitor(state, clock=lambda: NOW, page_size=4)


def _freeze_consistency_proof(
    staged: StagedLog, first: int, second: int, tree: list[bytes] | None = None
) -> None:
    """Serve the consistency proof of `tree` (default: the tree now) from now on."""
    proof = merkle.consistency_proof(first, (tree or staged.tree)[:second])
    body = {
        "first": first,
        "second": second,
        "proof": [base64.b64encode(h).decode() for h in proof],
    }
    staged.answers["/api/log/proof/consistency"] = (
        200,
        "application/json",
        json.dumps(body).encode(),
    )


# Compact ranges ------------------------------------------------------------------------


def test_compact_range_reproduces_every_root_up_to_70_leaves() -> None:
    leaves = [merkle.leaf_hash(bytes([n])) for n in range(70)]
    compact = CompactRange()
    for size in range(71):
        assert compact.size == size
        assert len(compact.hashes) == size.bit_count()
        assert compact.root() == merkle.root_hash(leaves[:size])
        if size < 70:
            compact = compact.appended([leaves[size]])


def test_compact_range_hashes_are_the_perfect_subtrees_and_extend_in_batches() -> None:
    leaves = [merkle.leaf_hash(bytes([n])) for n in range(45)]
    compact = compact_range_of(leaves[:13])
    expected = [merkle.root_hash(leaves[a:b]) for a, b in merkle.perfect_subtrees(0, 13)]
    assert list(compact.hashes) == expected
    assert compact.appended(leaves[13:]).root() == merkle.root_hash(leaves)


def test_compact_range_refuses_a_wrong_number_of_hashes() -> None:
    with pytest.raises(TranslogError, match="holds 2 subtree hashes"):
        CompactRange(5, (merkle.EMPTY_ROOT,))


# An honest log -------------------------------------------------------------------------


def test_first_run_verifies_the_checkpoint_with_the_pinned_key(staged: StagedLog, url: str) -> None:
    result = _monitor(staged).update(url)
    assert (result.origin, result.previous_size, result.size) == (ORIGIN, None, 10)
    assert result.root == merkle.root_hash(staged.tree)
    assert result.state.checkpoint is not None
    assert result.state.checkpoint.note == staged.note
    assert result.state.checkpoint.verified_at == NOW
    assert not result.fully_audited


def test_growth_is_verified_by_consistency_proof_and_state_round_trips(
    staged: StagedLog, url: str, tmp_path: Path
) -> None:
    path = tmp_path / "state.json"
    _verified(staged, url, path)
    staged.append(7)
    staged.publish()
    monitor = _reloaded(path)
    result = monitor.update(url)
    assert (result.previous_size, result.size) == (10, 17)
    assert any("/api/log/proof/consistency?first=10&second=17" in r for r in staged.requests)
    assert not any(r.startswith("/api/log/entries") for r in staged.requests)
    monitor.state.save(path)
    reloaded = MonitorState.load(path)
    assert reloaded == monitor.state


def test_audit_rebuilds_the_root_and_then_reads_only_new_entries(
    staged: StagedLog, url: str, tmp_path: Path
) -> None:
    path = tmp_path / "state.json"
    monitor = _verified(staged, url, path, audit=True)
    assert monitor.state.compact_range is not None
    assert monitor.state.compact_range.root() == merkle.root_hash(staged.tree)
    staged.append(5)
    staged.publish()
    staged.requests.clear()
    result = _reloaded(path).update(url, audit=True)
    assert (result.audited, result.fully_audited) == (5, True)
    starts = [r for r in staged.requests if r.startswith("/api/log/entries")]
    assert starts == ["/api/log/entries?start=10&end=14", "/api/log/entries?start=14&end=15"]


def test_a_first_audit_after_plain_runs_starts_from_entry_zero(
    staged: StagedLog, url: str, tmp_path: Path
) -> None:
    path = tmp_path / "state.json"
    _verified(staged, url, path)
    staged.append(3)
    staged.publish()
    result = _reloaded(path).update(url, audit=True)
    assert (result.audited, result.fully_audited) == (13, True)


def test_same_checkpoint_again_is_fine(staged: StagedLog, url: str, tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    _verified(staged, url, path)
    result = _reloaded(path).update(url)
    assert (result.previous_size, result.size) == (10, 10)


def test_trust_on_first_use_takes_the_published_key(staged: StagedLog, url: str) -> None:
    state = trust_on_first_use(url)
    assert (state.origin, state.verifier_keys) == (ORIGIN, (staged.verifier_key,))
    assert Monitor(state).update(url).size == 10


def test_an_empty_log_has_nothing_to_verify_yet(url: str, staged: StagedLog) -> None:
    staged.note = None
    result = _monitor(staged).update(url)
    assert result.size is None
    assert result.state.checkpoint is None


def test_inclusion_by_index_leaf_hash_and_entry_bytes(staged: StagedLog, url: str) -> None:
    monitor = _monitor(staged)
    monitor.update(url)
    by_index = monitor.check_inclusion(url, index=6)
    by_hash = monitor.check_inclusion(url, leaf=staged.tree[6])
    by_bytes = monitor.check_inclusion(url, entry=staged.data[6])
    assert by_index == by_hash == by_bytes
    assert (by_index.index, by_index.size, by_index.leaf_hash) == (6, 10, staged.tree[6])


def test_key_rotation_old_key_keeps_working_then_new_key_is_added(
    staged: StagedLog, url: str, tmp_path: Path
) -> None:
    path = tmp_path / "state.json"
    _verified(staged, url, path)
    new_key = Signer.generate(ORIGIN)
    staged.append(2)
    staged.note = staged.sign(None, staged.signer, new_key)
    monitor = _reloaded(path)
    monitor.update(url)
    staged.append(2)
    staged.note = staged.sign(None, new_key)
    with pytest.raises(SignatureError, match="may have rotated its key"):
        monitor.update(url)
    rotated = Monitor(monitor.state.with_keys([new_key.verifier.key_string]))
    assert rotated.update(url).size == 14


# A misbehaving log: each is caught, and the state file stays as it was --------------


@pytest.fixture
def held(staged: StagedLog, url: str, tmp_path: Path) -> Iterator[tuple[Monitor, Path]]:
    """A monitor that verified the size-10 checkpoint; afterwards its file is unchanged."""
    path = tmp_path / "state.json"
    _verified(staged, url, path)
    before = path.read_bytes()
    yield _reloaded(path), path
    assert path.read_bytes() == before


def test_rewritten_and_resigned_leaf_is_not_an_extension(
    staged: StagedLog, url: str, held: tuple[Monitor, Path]
) -> None:
    monitor, _ = held
    staged.rewrite(3, policy_entry(1000))
    staged.append(5)
    staged.publish()
    with pytest.raises(LogInconsistency, match="size 15 is not an extension of the size-10") as e:
        monitor.update(url)
    assert "2026-03-01T12:00:00Z" in str(e.value)
    assert "keep your state file as evidence" in str(e.value)
    assert e.value.evidence["new_checkpoint"] == staged.note.decode()
    assert monitor.state.size == 10


def test_rewritten_leaf_at_the_same_size_is_a_fork(
    staged: StagedLog, url: str, held: tuple[Monitor, Path]
) -> None:
    monitor, _ = held
    staged.rewrite(9, policy_entry(1000))
    staged.publish()
    with pytest.raises(LogInconsistency, match="rewritten or forked"):
        monitor.update(url)


def test_dropped_leaf_then_growth_is_not_an_extension(
    staged: StagedLog, url: str, held: tuple[Monitor, Path]
) -> None:
    monitor, _ = held
    staged.drop(4)
    staged.append(3, start=100)
    staged.publish()
    with pytest.raises(LogInconsistency, match="size 12 is not an extension"):
        monitor.update(url)


def test_dropped_leaf_is_a_rollback(
    staged: StagedLog, url: str, held: tuple[Monitor, Path]
) -> None:
    monitor, _ = held
    staged.drop(4)
    staged.publish()
    with pytest.raises(LogInconsistency, match=r"now has 9 entries, but you verified .* 10"):
        monitor.update(url)


def test_rollback_to_an_honest_older_checkpoint_is_refused(
    staged: StagedLog, url: str, held: tuple[Monitor, Path]
) -> None:
    monitor, _ = held
    staged.publish(6)
    with pytest.raises(LogInconsistency, match="rolled back"):
        monitor.update(url)


def test_fork_two_trees_both_signed_is_detected_by_either_side(
    staged: StagedLog, url: str, held: tuple[Monitor, Path]
) -> None:
    monitor, _ = held
    honest_branch = staged.sign()
    staged.data, staged.tree = staged.data[:8], staged.tree[:8]
    staged.append(4, start=500)  # another history from entry 8 on, also signed
    staged.publish()
    with pytest.raises(LogInconsistency, match="not an extension"):
        monitor.update(url)
    staged.publish(10)
    assert staged.note != honest_branch
    with pytest.raises(LogInconsistency, match="different root"):
        monitor.update(url)


def test_checkpoint_signed_with_another_key_is_refused(
    staged: StagedLog, url: str, held: tuple[Monitor, Path]
) -> None:
    monitor, _ = held
    staged.append(2)
    staged.note = staged.sign(None, Signer.generate(ORIGIN))
    with pytest.raises(SignatureError, match="may have rotated its key"):
        monitor.update(url)
    staged.note = staged.sign(None, Signer.generate("someone.else/log"))
    with pytest.raises(SignatureError, match=r"unknown key 'someone.else/log'"):
        monitor.update(url)


def test_checkpoint_for_another_origin_is_refused(
    staged: StagedLog, url: str, held: tuple[Monitor, Path]
) -> None:
    monitor, _ = held
    staged.note = staged.sign(None, staged.signer, origin="another.example/log")
    with pytest.raises(CheckpointError, match=r"is for log 'another.example/log'"):
        monitor.update(url)


def test_entry_bytes_not_matching_their_leaf_hash_fail_the_audit(
    staged: StagedLog, url: str, held: tuple[Monitor, Path]
) -> None:
    monitor, _ = held
    staged.data[2] = policy_entry(777)  # the stored bytes change, the tree does not
    staged.append(2)
    staged.publish()
    with pytest.raises(LogInconsistency, match="entry 2's bytes hash to"):
        monitor.update(url, audit=True)


def test_rewritten_entry_is_caught_by_its_inclusion_check(
    staged: StagedLog, url: str, held: tuple[Monitor, Path]
) -> None:
    monitor, _ = held
    staged.data[5] = policy_entry(999)  # the stored bytes change after they were logged
    monitor.update(url)
    with pytest.raises(LogInconsistency, match="entry 5's bytes hash to"):
        monitor.check_inclusion(url, index=5)


def test_entries_that_do_not_build_the_signed_root_fail_the_audit(
    staged: StagedLog, url: str, held: tuple[Monitor, Path]
) -> None:
    monitor, _ = held
    staged.append(2)
    staged.publish()
    _freeze_consistency_proof(staged, 10, 12)
    staged.data[11] = policy_entry(4242)  # served consistently, but not what was signed
    staged.tree[11] = merkle.leaf_hash(staged.data[11])
    with pytest.raises(LogInconsistency, match="do not build the root"):
        monitor.update(url, audit=True)


def test_rewritten_old_entries_fail_an_audit_from_zero_at_the_verified_size(
    staged: StagedLog, url: str, held: tuple[Monitor, Path]
) -> None:
    monitor, _ = held
    # The operator rewrites entry 1 and serves a consistent-looking copy whose leaf hashes
    # match the new bytes, while still signing the old tree's roots from stored hashes.
    signed_tree = list(staged.tree)
    staged.rewrite(1, policy_entry(31337))
    staged.append(2)
    staged.note = sign_checkpoint(
        Checkpoint(ORIGIN, 12, merkle.root_hash(signed_tree + staged.tree[10:])), staged.signer
    )
    _freeze_consistency_proof(staged, 10, 12, signed_tree + staged.tree[10:])
    with pytest.raises(LogInconsistency, match=r"first 10 entries .* do not build the root"):
        monitor.update(url, audit=True)


def test_an_invalid_entry_fails_the_audit(
    staged: StagedLog, url: str, held: tuple[Monitor, Path]
) -> None:
    monitor, _ = held
    staged.data.append(b'{"v": 1, "type": "policy_changed"}')  # not canonical, incomplete
    staged.tree.append(merkle.leaf_hash(staged.data[-1]))
    staged.publish()
    with pytest.raises(EntryError, match="entry 10 is not a valid log entry"):
        monitor.update(url, audit=True)


def test_a_vanished_log_is_an_inconsistency(
    staged: StagedLog, url: str, held: tuple[Monitor, Path]
) -> None:
    monitor, _ = held
    staged.note = None
    with pytest.raises(LogInconsistency, match="no checkpoint, but you verified one of 10"):
        monitor.update(url)


def test_altered_consistency_proof_is_refused(
    staged: StagedLog, url: str, held: tuple[Monitor, Path]
) -> None:
    monitor, _ = held
    staged.append(3)
    staged.publish()
    proof = [base64.b64encode(bytes(32)).decode()] * 4
    staged.answers["/api/log/proof/consistency"] = (
        200,
        "application/json",
        json.dumps({"first": 10, "second": 13, "proof": proof}).encode(),
    )
    with pytest.raises(LogInconsistency, match="not an extension"):
        monitor.update(url)


@pytest.mark.parametrize(
    ("path", "answer", "error", "message"),
    [
        ("/api/log/checkpoint", (200, "text/html", b"<html>hi</html>"), CheckpointError, "not a"),
        ("/api/log/checkpoint", (503, "text/html", b"down"), LogUnavailable, "HTTP 503"),
        ("/api/log/proof/consistency", (200, "text/plain", b"{nope"), BadResponse, "not JSON"),
        (
            "/api/log/proof/consistency",
            (200, "application/json", b'{"first": 10, "second": 12, "proof": ["!!"]}'),
            BadResponse,
            "not standard base64",
        ),
        (
            "/api/log/proof/consistency",
            (200, "application/json", b'{"first": 9, "second": 12, "proof": []}'),
            BadResponse,
            "with other sizes",
        ),
        ("/api/log/entries", (200, "application/json", b'{"entries": []}'), BadResponse, "sent 0"),
        (
            "/api/log/proof/consistency",
            (500, "application/json", b'{"error": "boom", "detail": "database is down"}'),
            LogUnavailable,
            "HTTP 500 .*boom: database is down",
        ),
    ],
)
def test_garbage_answers_are_refused(
    staged: StagedLog,
    url: str,
    held: tuple[Monitor, Path],
    path: str,
    answer: tuple[int, str, bytes],
    error: type[TranslogError],
    message: str,
) -> None:
    monitor, _ = held
    staged.append(2)
    staged.publish()
    staged.answers[path] = answer
    with pytest.raises(error, match=message):
        monitor.update(url, audit=True)


def test_an_unreachable_server_is_unavailable(staged: StagedLog) -> None:
    with serving(staged) as base:
        pass  # the port is closed again
    with pytest.raises(LogUnavailable, match="cannot reach the log server"):
        _monitor(staged).update(base)


# Inclusion failures --------------------------------------------------------------------


def test_inclusion_of_unknown_or_future_entries_is_refused(staged: StagedLog, url: str) -> None:
    monitor = _monitor(staged)
    with pytest.raises(NotInLog, match="no checkpoint has been verified"):
        monitor.check_inclusion(url, index=0)
    monitor.update(url)
    with pytest.raises(NotInLog, match=r"no proof of the entry with leaf hash .* not in the log"):
        monitor.check_inclusion(url, entry=policy_entry(12345))
    with pytest.raises(NotInLog, match="entry 10 is not in the checkpoint you verified"):
        monitor.check_inclusion(url, index=10)


def test_a_wrong_inclusion_proof_is_refused(staged: StagedLog, url: str) -> None:
    monitor = _monitor(staged)
    monitor.update(url)
    bogus = {
        "index": 3,
        "size": 10,
        "leaf_hash": base64.b64encode(staged.tree[3]).decode(),
        "proof": [base64.b64encode(bytes(32)).decode()] * 4,
    }
    staged.answers["/api/log/proof/inclusion"] = (
        200,
        "application/json",
        json.dumps(bogus).encode(),
    )
    with pytest.raises(NotInLog, match="is not proven to be in the size-10"):
        monitor.check_inclusion(url, leaf=staged.tree[3])
    with pytest.raises(LogInconsistency, match="entry 3 as the server now serves it"):
        monitor.check_inclusion(url, index=3)


# The state file ------------------------------------------------------------------------


def test_a_hand_edited_state_file_is_refused(staged: StagedLog, url: str, tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    _verified(staged, url, path, audit=True)
    data = json.loads(path.read_text())
    data["checkpoint"]["size"] = 3
    path.write_text(json.dumps(data))
    with pytest.raises(StateFileError, match="stored size or root differs"):
        MonitorState.load(path)
    data["checkpoint"]["size"] = 10
    data["compact_range"] = data["compact_range"][::-1]
    path.write_text(json.dumps(data))
    with pytest.raises(StateFileError, match="does not fold"):
        MonitorState.load(path)
    data["checkpoint"]["note"] = data["checkpoint"]["note"].replace("\n10\n", "\n11\n")
    path.write_text(json.dumps(data))
    with pytest.raises(StateFileError, match="does not hold up"):
        MonitorState.load(path)


def test_state_file_is_replaced_atomically_and_absent_means_none(tmp_path: Path) -> None:
    path = tmp_path / "deeper" / "state.json"
    assert MonitorState.load(path) is None
    state = pinned_state([Signer.generate(ORIGIN).verifier.key_string])
    state.save(path)
    state.save(path)
    assert [p.name for p in path.parent.iterdir()] == ["state.json"]
    assert MonitorState.load(path) == state
