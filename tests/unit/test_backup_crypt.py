"""Sealing backup objects: what only the recovery key opens, padded to a few sizes."""

from __future__ import annotations

import json
import zlib

import pyrage
import pytest

from frontporch.hub.backup import index as backup_index
from frontporch.hub.backup.crypt import (
    FRAME_MAX,
    MIB,
    PART_MAX,
    SMALL_BUCKETS,
    BackupCorrupt,
    CryptError,
    WrongKey,
    bucket_size,
    frame,
    open_sealed,
    seal,
    split,
    unframe,
)
from frontporch.hub.backup.index import BackupItem, ItemKind
from frontporch.hub.backup.target import MAX_OBJECT_BYTES


@pytest.fixture(scope="module")
def identity() -> pyrage.x25519.Identity:
    return pyrage.x25519.Identity.generate()


def test_a_sealed_object_opens_with_the_key_and_only_with_it(
    identity: pyrage.x25519.Identity,
) -> None:
    sealed = seal(b"front door, 13:02", str(identity.to_public()))
    assert b"front door" not in sealed
    assert open_sealed(sealed, identity) == b"front door, 13:02"
    with pytest.raises(WrongKey, match="does not open these backups"):
        open_sealed(sealed, pyrage.x25519.Identity.generate())


def test_sealed_objects_are_plain_age_files(identity: pyrage.x25519.Identity) -> None:
    sealed = seal(b"x" * 1000, str(identity.to_public()))
    assert sealed.startswith(b"age-encryption.org/v1\n")
    framed = pyrage.decrypt(sealed, [identity])
    assert unframe(framed) == b"x" * 1000


@pytest.mark.parametrize(
    ("length", "size"),
    [
        (0, SMALL_BUCKETS[0]),
        (100, SMALL_BUCKETS[0]),
        (64 * 1024, 128 * 1024),
        (300 * 1024, 512 * 1024),
        (600 * 1024, MIB),
        (5 * MIB, 6 * MIB),
        (PART_MAX, FRAME_MAX),
    ],
)
def test_frames_are_padded_to_a_few_sizes(length: int, size: int) -> None:
    assert bucket_size(length) == size
    assert len(frame(b"\1" * length)) == size


def test_sizes_of_sealed_objects_reveal_only_the_bucket(identity: pyrage.x25519.Identity) -> None:
    recipient = str(identity.to_public())
    sizes = {len(seal(b"a" * n, recipient)) for n in (1, 500, 20_000, 65_000 - 8)}
    assert len(sizes) == 1
    largest = seal(b"b" * PART_MAX, recipient)
    assert len(largest) <= MAX_OBJECT_BYTES


def test_a_part_larger_than_the_maximum_is_refused() -> None:
    with pytest.raises(CryptError):
        bucket_size(PART_MAX + 1)


def test_large_data_splits_into_parts_that_rejoin() -> None:
    data = bytes(range(256)) * (PART_MAX // 256 * 2 + 3)
    parts = [bytes(part) for part in split(data)]
    assert len(parts) == 3
    assert all(len(part) <= PART_MAX for part in parts)
    assert b"".join(parts) == data
    assert [bytes(p) for p in split(b"")] == [b""]


@pytest.mark.parametrize(
    "framed",
    [b"\0" * 4, (100).to_bytes(8, "big") + b"\0" * 10, (1).to_bytes(8, "big") + b"a" + b"junk"],
)
def test_malformed_frames_are_refused(framed: bytes) -> None:
    with pytest.raises(BackupCorrupt):
        unframe(framed)


def test_garbage_is_not_mistaken_for_a_wrong_key(identity: pyrage.x25519.Identity) -> None:
    with pytest.raises(CryptError):
        open_sealed(b"not an age file at all", identity)


def test_a_recipient_must_be_an_age_recipient() -> None:
    with pytest.raises(CryptError, match="age1"):
        seal(b"x", "ssh-ed25519 AAAA")


def _item(n: int) -> BackupItem:
    return BackupItem(
        ItemKind.segment,
        "front",
        1000.0 + n,
        1010.0 + n,
        f"front/{n}.mp4",
        "ab" * 32,
        5,
        (f"{n:032x}",),
    )


def test_the_index_round_trips_through_its_head_and_chunks() -> None:
    record = BackupItem(
        ItemKind.event_record,
        "back",
        5.0,
        9.0,
        "ev1",
        "cd" * 32,
        0,
        (),
        {"id": "ev1", "labels": ["person"]},
    )
    day = 86400.0
    items = [_item(1), _item(2), record, _item(int(3 * day))]
    groups: dict[str, list[BackupItem]] = {}
    for item in items:
        groups.setdefault(backup_index.chunk_of(item), []).append(item)
    assert len(groups) == 2  # two UTC days
    objects = {
        f"{n:032x}": backup_index.encode_chunk(group) for n, group in enumerate(groups.values())
    }
    head = backup_index.encode_head([[key] for key in objects], 42.0)
    assert backup_index.decode_head(head) == (42.0, [[key] for key in objects])
    read = backup_index.read(head, objects.__getitem__)
    assert sorted(read, key=lambda i: i.start) == sorted(items, key=lambda i: i.start)
    assert next(i for i in read if i.path == "ev1").record == {"id": "ev1", "labels": ["person"]}


def test_a_chunk_encodes_the_same_whatever_the_order() -> None:
    items = [_item(1), _item(2), _item(3)]
    assert backup_index.encode_chunk(items) == backup_index.encode_chunk(items[::-1])


def test_a_chunk_split_into_parts_reads_back() -> None:
    items = [_item(n) for n in range(5)]
    data = backup_index.encode_chunk(items)
    halves = {"a" * 32: data[:10], "b" * 32: data[10:]}
    head = backup_index.encode_head([list(halves)], 1.0)
    assert backup_index.read(head, halves.__getitem__) == items


@pytest.mark.parametrize(
    "document",
    [
        {"format": "something else", "version": 1, "chunks": []},
        {"format": backup_index.FORMAT, "version": 99, "chunks": []},
        {"format": backup_index.FORMAT, "version": 1, "chunks": 5},
    ],
)
def test_an_index_that_is_not_ours_is_refused(document: dict[str, object]) -> None:
    with pytest.raises(BackupCorrupt):
        backup_index.decode_head(zlib.compress(json.dumps(document).encode()))
    with pytest.raises(BackupCorrupt):
        backup_index.decode_head(b"not compressed")
    with pytest.raises(BackupCorrupt):
        backup_index.decode_chunk(zlib.compress(b'{"items": [{"kind": "segment"}]}'))
