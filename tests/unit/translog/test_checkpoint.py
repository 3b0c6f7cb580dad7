"""translog/checkpoint.py: C2SP tlog-checkpoints, strict parsing, signing and key rotation."""

from __future__ import annotations

import base64
import hashlib
import re

import note_vectors as vectors
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from frontporch.translog.checkpoint import (
    MAX_TREE_SIZE,
    Checkpoint,
    open_checkpoint,
    sign_checkpoint,
)
from frontporch.translog.errors import CheckpointError, SignatureError, TranslogError
from frontporch.translog.note import Signer, Verifier, open_note, sign_note

ORIGIN = "frontporch.example.org/log"
ROOT = hashlib.sha256(b"a root").digest()
ROOT_B64 = base64.b64encode(ROOT).decode()
LOG_KEY = Signer.generate(ORIGIN)


def _only_checkpoint_error(excinfo: pytest.ExceptionInfo[CheckpointError]) -> None:
    assert type(excinfo.value) is CheckpointError


def _body(note: bytes) -> str:
    return note.decode().rsplit("\n\n", 1)[0] + "\n"


# Known answers ----------------------------------------------------------------------


def test_published_sumdb_checkpoint_opens_with_its_key() -> None:
    verifier = Verifier.parse(vectors.SUMDB_VERIFIER_KEY)
    checkpoint = open_checkpoint(vectors.SUMDB_CHECKPOINT, verifier, vectors.SUMDB_ORIGIN)
    assert checkpoint == Checkpoint(
        vectors.SUMDB_ORIGIN, vectors.SUMDB_SIZE, base64.b64decode(vectors.SUMDB_ROOT_BASE64)
    )
    assert checkpoint.to_note_body() == _body(vectors.SUMDB_CHECKPOINT)


def test_published_sumdb_checkpoint_for_another_origin_is_refused() -> None:
    verifier = Verifier.parse(vectors.SUMDB_VERIFIER_KEY)
    with pytest.raises(
        CheckpointError, match=re.escape("is for log 'go.sum database tree'")
    ) as excinfo:
        open_checkpoint(vectors.SUMDB_CHECKPOINT, verifier, "Go rocks but I have the wrong ID")
    _only_checkpoint_error(excinfo)


def test_published_sumdb_checkpoint_with_a_changed_size_is_refused() -> None:
    verifier = Verifier.parse(vectors.SUMDB_VERIFIER_KEY)
    forged = vectors.SUMDB_CHECKPOINT.replace(b"6476701", b"6476702")
    with pytest.raises(SignatureError, match="does not verify"):
        open_checkpoint(forged, verifier, vectors.SUMDB_ORIGIN)


def test_c2sp_example_checkpoint_parses_and_reformats_exactly() -> None:
    body = _body(vectors.C2SP_CHECKPOINT)
    checkpoint = Checkpoint.parse(body)
    assert checkpoint.origin == vectors.C2SP_ORIGIN
    assert checkpoint.size == vectors.C2SP_SIZE
    assert checkpoint.root_hash == base64.b64decode(vectors.C2SP_ROOT_BASE64)
    assert checkpoint.to_note_body() == body


def test_c2sp_example_checkpoint_is_refused_without_its_key() -> None:
    with pytest.raises(
        SignatureError, match=re.escape("unknown key 'example.com/behind-the-sofa'")
    ):
        open_checkpoint(vectors.C2SP_CHECKPOINT, LOG_KEY.verifier, vectors.C2SP_ORIGIN)


@pytest.mark.parametrize("body", vectors.REJECTED_CHECKPOINT_BODIES)
def test_bodies_the_reference_parser_rejects_are_rejected(body: str) -> None:
    with pytest.raises(CheckpointError) as excinfo:
        Checkpoint.parse(body)
    _only_checkpoint_error(excinfo)


# The body format --------------------------------------------------------------------


def test_body_layout() -> None:
    checkpoint = Checkpoint(ORIGIN, 42, ROOT, ("ext one", "ext two"))
    assert checkpoint.to_note_body() == f"{ORIGIN}\n42\n{ROOT_B64}\next one\next two\n"
    assert Checkpoint.parse(checkpoint.to_note_body()) == checkpoint


def test_empty_and_largest_trees() -> None:
    for size in (0, 1, MAX_TREE_SIZE):
        checkpoint = Checkpoint(ORIGIN, size, ROOT)
        assert Checkpoint.parse(checkpoint.to_note_body()).size == size


def test_extensions_given_as_a_list_are_kept_as_a_tuple() -> None:
    checkpoint = Checkpoint(ORIGIN, 1, ROOT, ["x"])  # type: ignore[arg-type]
    assert checkpoint.extensions == ("x",)
    assert hash(checkpoint) == hash(Checkpoint(ORIGIN, 1, ROOT, ("x",)))


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (f"{ORIGIN}\n007\n{ROOT_B64}\n", "leading"),
        (f"{ORIGIN}\n+7\n{ROOT_B64}\n", "sign"),
        (f"{ORIGIN}\n 7\n{ROOT_B64}\n", "decimal"),
        (f"{ORIGIN}\n7 \n{ROOT_B64}\n", "decimal"),
        (f"{ORIGIN}\n1_000\n{ROOT_B64}\n", "decimal"),
        (f"{ORIGIN}\n0x10\n{ROOT_B64}\n", "decimal"),
        (f"{ORIGIN}\n\u0667\n{ROOT_B64}\n", "decimal"),  # ARABIC-INDIC DIGIT SEVEN
        (f"{ORIGIN}\n\n{ROOT_B64}\n", "decimal"),
        (f"{ORIGIN}\n{MAX_TREE_SIZE + 1}\n{ROOT_B64}\n", "between 0 and"),
        (f"{ORIGIN}\n{'9' * 5000}\n{ROOT_B64}\n", "decimal"),
        (f"{ORIGIN}\n7\n{base64.b64encode(ROOT[:31]).decode()}\n", "31 bytes"),
        (f"{ORIGIN}\n7\n{base64.b64encode(ROOT + b'x').decode()}\n", "33 bytes"),
        (f"{ORIGIN}\n7\n{ROOT_B64.rstrip('=')}\n", "base64"),
        (f"{ORIGIN}\n7\n {ROOT_B64}\n", "base64"),
        (f"{ORIGIN}\n7\n{ROOT_B64[:-2]}9=\n", "canonical"),
        (f"{ORIGIN}\n7\n{ROOT_B64}", "end with a newline"),
        (f"{ORIGIN}\n7\n{ROOT_B64}\n\n", "extension line must be non-empty"),
        (f"{ORIGIN}\n7\n{ROOT_B64}\next\n\n", "extension line must be non-empty"),
        (f"\n7\n{ROOT_B64}\n", "origin must be non-empty"),
        (f"{ORIGIN}\r\n7\n{ROOT_B64}\n", "control"),
        (f"{ORIGIN}\n7\n", "at least 3 lines"),
        ("", "end with a newline"),
    ],
)
def test_malformed_bodies_are_refused(body: str, problem: str) -> None:
    with pytest.raises(CheckpointError, match=problem) as excinfo:
        Checkpoint.parse(body)
    _only_checkpoint_error(excinfo)


def test_origin_may_hold_spaces() -> None:
    # tlog-checkpoint: clients MUST NOT assume the origin follows the URL recommendation.
    assert Checkpoint.parse(f"a log with spaces\n1\n{ROOT_B64}\n").origin == "a log with spaces"


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        (("", 1, ROOT, ()), "origin must be non-empty"),
        (("two\nlines", 1, ROOT, ()), "one line"),
        ((ORIGIN, -1, ROOT, ()), "between 0 and"),
        ((ORIGIN, MAX_TREE_SIZE + 1, ROOT, ()), "between 0 and"),
        ((ORIGIN, True, ROOT, ()), "integer"),
        ((ORIGIN, 1, ROOT[:16], ()), "32 bytes"),
        ((ORIGIN, 1, ROOT, ("",)), "extension line must be non-empty"),
        ((ORIGIN, 1, ROOT, ("a\nb",)), "one line"),
        (("\ud800", 1, ROOT, ()), "Unicode"),
    ],
)
def test_invalid_checkpoints_cannot_be_built(
    fields: tuple[str, int, bytes, tuple[str, ...]], problem: str
) -> None:
    with pytest.raises(CheckpointError, match=problem):
        Checkpoint(*fields)


# Signing and opening ----------------------------------------------------------------


def test_sign_and_open_round_trip() -> None:
    checkpoint = Checkpoint(ORIGIN, 1234, ROOT, ("extension",))
    signed = sign_checkpoint(checkpoint, LOG_KEY)
    assert signed.startswith(
        checkpoint.to_note_body().encode() + b"\n\xe2\x80\x94 " + ORIGIN.encode()
    )
    assert open_checkpoint(signed, LOG_KEY.verifier, ORIGIN) == checkpoint


def test_checkpoint_signed_by_another_key_is_refused() -> None:
    impostor = Signer.generate("impostor.example/log")
    signed = sign_checkpoint(Checkpoint(ORIGIN, 5, ROOT), impostor)
    with pytest.raises(SignatureError, match="checkpoint signed by unknown key 'impostor"):
        open_checkpoint(signed, LOG_KEY.verifier, ORIGIN)


def test_checkpoint_signed_by_another_key_with_the_log_s_name_is_refused() -> None:
    impostor = Signer.generate(ORIGIN)
    signed = sign_checkpoint(Checkpoint(ORIGIN, 5, ROOT), impostor)
    with pytest.raises(SignatureError, match="may have rotated its key"):
        open_checkpoint(signed, LOG_KEY.verifier, ORIGIN)


def test_checkpoint_for_another_origin_is_refused() -> None:
    signed = sign_checkpoint(Checkpoint("other.example/log", 5, ROOT), LOG_KEY)
    with pytest.raises(
        CheckpointError, match=re.escape("expected 'frontporch.example.org/log'")
    ) as excinfo:
        open_checkpoint(signed, LOG_KEY.verifier, ORIGIN)
    _only_checkpoint_error(excinfo)


def test_unsigned_checkpoint_is_refused() -> None:
    body = Checkpoint(ORIGIN, 5, ROOT).to_note_body().encode()
    for data in (body, body + b"\n"):
        with pytest.raises(CheckpointError, match="signature") as excinfo:
            open_checkpoint(data, LOG_KEY.verifier, ORIGIN)
        _only_checkpoint_error(excinfo)


def test_malformed_body_with_a_good_signature_is_refused() -> None:
    signed = sign_note("if this is a valid checkpoint then I'll eat my hat\n", LOG_KEY)
    with pytest.raises(CheckpointError, match="at least 3 lines") as excinfo:
        open_checkpoint(signed, LOG_KEY.verifier, ORIGIN)
    _only_checkpoint_error(excinfo)


def test_forged_checkpoint_is_refused() -> None:
    signed = sign_checkpoint(Checkpoint(ORIGIN, 5, ROOT), LOG_KEY)
    forged = signed.replace(b"\n5\n", b"\n6\n", 1)
    with pytest.raises(SignatureError, match="does not verify — the checkpoint was altered"):
        open_checkpoint(forged, LOG_KEY.verifier, ORIGIN)


def test_witness_cosignatures_by_unknown_keys_are_accepted() -> None:
    witnesses = [Signer.generate(f"witness{i}.example") for i in range(3)]
    checkpoint = Checkpoint(ORIGIN, 77, ROOT)
    signed = sign_checkpoint(checkpoint, witnesses[0], LOG_KEY, *witnesses[1:])
    assert open_checkpoint(signed, LOG_KEY.verifier, ORIGIN) == checkpoint
    note = open_note(signed, [LOG_KEY.verifier])
    assert len(note.unverified_signatures) == 3


def test_signatures_only_by_witnesses_are_not_enough() -> None:
    witness = Signer.generate("witness.example")
    signed = sign_checkpoint(Checkpoint(ORIGIN, 77, ROOT), witness)
    with pytest.raises(SignatureError, match=re.escape("unknown key 'witness.example'")):
        open_checkpoint(signed, LOG_KEY.verifier, ORIGIN)


def test_a_bad_signature_from_one_of_several_trusted_keys_sinks_the_checkpoint() -> None:
    other = Signer.generate("other.example")
    good = sign_checkpoint(Checkpoint(ORIGIN, 8, ROOT), LOG_KEY)
    bad_line = sign_note("something else\n", other).decode().rsplit("\n\n", 1)[1]
    with pytest.raises(SignatureError, match=re.escape("'other.example'")):
        open_checkpoint(good + bad_line.encode(), [LOG_KEY.verifier, other.verifier], ORIGIN)


# Key rotation -----------------------------------------------------------------------


def test_key_rotation() -> None:
    """Old key alone, then old and new together, then the new key alone."""
    old, new = Signer.generate(ORIGIN), Signer.generate(ORIGIN)
    assert old.key_hash != new.key_hash
    checkpoints = [
        Checkpoint(ORIGIN, size, hashlib.sha256(bytes([size])).digest()) for size in (1, 2, 3)
    ]
    before = sign_checkpoint(checkpoints[0], old)
    during = sign_checkpoint(checkpoints[1], old, new)
    after = sign_checkpoint(checkpoints[2], new)

    # A verifier that only knows the old key keeps working until the old key retires.
    assert open_checkpoint(before, old.verifier, ORIGIN) == checkpoints[0]
    assert open_checkpoint(during, old.verifier, ORIGIN) == checkpoints[1]
    with pytest.raises(SignatureError, match="may have rotated its key"):
        open_checkpoint(after, old.verifier, ORIGIN)

    # One configured with the new key works from the first doubly-signed checkpoint.
    assert open_checkpoint(during, new.verifier, ORIGIN) == checkpoints[1]
    assert open_checkpoint(after, new.verifier, ORIGIN) == checkpoints[2]

    # One holding both, during the switch, accepts all three; both signatures verify.
    both = [old.verifier, new.verifier]
    for signed, expected in zip((before, during, after), checkpoints, strict=True):
        assert open_checkpoint(signed, both, ORIGIN) == expected
    assert len(open_note(during, both).signatures) == 2


# Properties -------------------------------------------------------------------------

_line = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), min_codepoint=0x20),
    min_size=1,
    max_size=40,
)
_checkpoints = st.builds(
    Checkpoint,
    origin=_line,
    size=st.integers(0, MAX_TREE_SIZE),
    root_hash=st.binary(min_size=32, max_size=32),
    extensions=st.lists(_line, max_size=3).map(tuple),
)


@given(_checkpoints)
@settings(max_examples=150, deadline=None)
def test_any_checkpoint_round_trips_through_a_signed_note(checkpoint: Checkpoint) -> None:
    assert Checkpoint.parse(checkpoint.to_note_body()) == checkpoint
    signed = sign_checkpoint(checkpoint, LOG_KEY)
    assert open_checkpoint(signed, LOG_KEY.verifier, checkpoint.origin) == checkpoint


_body_parts = st.sampled_from(
    [ORIGIN, "\n", "0", "00", "7", "-1", "+", " ", ROOT_B64, ROOT_B64[:20], "=", "\r", "\x00", "é"]
)
_body_like = st.lists(_body_parts, max_size=10).map("".join)


@given(st.text(max_size=200) | _body_like)
@settings(max_examples=400, deadline=None)
def test_parse_raises_only_checkpoint_errors(body: str) -> None:
    try:
        checkpoint = Checkpoint.parse(body)
    except CheckpointError:
        return
    assert checkpoint.to_note_body() == body


@given(st.binary(max_size=300) | _body_like.map(lambda body: (body + "\n— x AAAAAAA=\n").encode()))
@settings(max_examples=300, deadline=None)
def test_open_checkpoint_raises_only_translog_errors(data: bytes) -> None:
    with pytest.raises(TranslogError):
        open_checkpoint(data, LOG_KEY.verifier, ORIGIN)
