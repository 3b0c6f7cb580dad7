"""translog/note.py: C2SP signed notes, checked against the Go implementation's answers."""

from __future__ import annotations

import base64
import contextlib

import note_vectors as vectors
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from frontporch.translog.errors import CheckpointError, SignatureError, TranslogError
from frontporch.translog.note import (
    MAX_SIGNATURES,
    Signer,
    Verifier,
    format_signer_key,
    format_verifier_key,
    generate_key,
    is_valid_key_name,
    key_hash,
    open_note,
    sign_note,
)

PETER = Verifier.parse(vectors.PETER_VERIFIER_KEY)
ENOCH = Verifier.parse(vectors.ENOCH_VERIFIER_KEY)


def _only_checkpoint_error(excinfo: pytest.ExceptionInfo[CheckpointError]) -> None:
    """A malformed note is a CheckpointError, not a signature failure."""
    assert type(excinfo.value) is CheckpointError


# Keys ---------------------------------------------------------------------------------


def test_published_verifier_key_parses_to_name_hash_and_key() -> None:
    assert PETER.name == vectors.PETER_NAME
    assert PETER.key_hash == vectors.PETER_KEY_HASH
    assert key_hash(PETER.name, PETER.public_key) == vectors.PETER_KEY_HASH
    assert PETER.key_string == vectors.PETER_VERIFIER_KEY
    assert ENOCH.key_hash == vectors.ENOCH_KEY_HASH


def test_published_signer_key_derives_the_published_verifier_key() -> None:
    signer = Signer.parse(vectors.PETER_SIGNER_KEY)
    assert signer.name == vectors.PETER_NAME
    assert signer.key_hash == vectors.PETER_KEY_HASH
    assert signer.verifier == PETER
    assert signer.private_key_string() == vectors.PETER_SIGNER_KEY


@pytest.mark.parametrize(("signer_key", "verifier_key"), vectors.TDEV_KEY_PAIRS)
def test_published_key_pairs_match(signer_key: str, verifier_key: str) -> None:
    signer = Signer.parse(signer_key)
    assert signer.verifier.key_string == verifier_key
    assert Verifier.parse(verifier_key) == signer.verifier


def test_upper_case_key_hash_is_accepted_and_written_lower_case() -> None:
    name, hash_hex, key = vectors.PETER_VERIFIER_KEY.split("+", 2)
    verifier = Verifier.parse(f"{name}+{hash_hex.upper()}+{key}")
    assert verifier.key_string == vectors.PETER_VERIFIER_KEY


def test_every_mangled_verifier_key_is_refused() -> None:
    # As the Go tests do: every proper substring, and every byte nudged by one.
    key = vectors.PETER_VERIFIER_KEY
    for start in range(len(key) + 1):
        for end in range(start + 1, len(key) + 1):
            if (start, end) != (0, len(key)):
                with pytest.raises(SignatureError):
                    Verifier.parse(key[start:end])
    for index in range(len(key)):
        mangled = key[:index] + chr(ord(key[index]) + 1) + key[index + 1 :]
        with pytest.raises(SignatureError):
            Verifier.parse(mangled)


def test_every_mangled_signer_key_is_refused_without_echoing_the_secret() -> None:
    key = vectors.PETER_SIGNER_KEY
    secret = key.split("+", 4)[4]
    candidates = [
        key[start:end]
        for start in range(len(key) + 1)
        for end in range(start + 1, len(key) + 1)
        if (start, end) != (0, len(key))
    ]
    candidates += [
        key[:index] + chr(ord(key[index]) + 1) + key[index + 1 :] for index in range(len(key))
    ]
    for candidate in candidates:
        with pytest.raises(SignatureError) as excinfo:
            Signer.parse(candidate)
        assert secret[8:30] not in str(excinfo.value)


def test_verifier_key_with_wrong_key_length_is_refused() -> None:
    # The published vector is also non-canonical base64, refused for that first.
    with pytest.raises(SignatureError, match="base64"):
        Verifier.parse(vectors.VERIFIER_KEY_WRONG_LENGTH)
    long_key = PETER.public_key + b"\x00"
    encoded = base64.b64encode(b"\x01" + long_key).decode()
    with pytest.raises(SignatureError, match="holds 33 key bytes; Ed25519 needs 32"):
        Verifier.parse(f"PeterNeumann+{key_hash('PeterNeumann', long_key):08x}+{encoded}")


def test_verifier_key_with_unknown_algorithm_is_refused() -> None:
    with pytest.raises(SignatureError, match="algorithm 0x65; only Ed25519"):
        Verifier.parse(vectors.VERIFIER_KEY_UNKNOWN_ALGORITHM)


def test_verifier_key_with_wrong_hash_says_it_is_corrupted() -> None:
    name, _, key = vectors.PETER_VERIFIER_KEY.split("+", 2)
    with pytest.raises(SignatureError, match="corrupted"):
        Verifier.parse(f"{name}+c74f20a4+{key}")


def test_non_canonical_base64_key_is_refused() -> None:
    # 33 bytes encode to 44 characters with no spare bits, so pad a shorter key instead.
    with pytest.raises(SignatureError, match="base64"):
        Verifier.parse(vectors.PETER_VERIFIER_KEY + "=")


@pytest.mark.parametrize(
    "name", ["", "a b", "a+b", "tab\there", "nbsp\u00a0here", "line\u2028sep", "nul\x00", "\ud800"]
)
def test_invalid_key_names(name: str) -> None:
    assert not is_valid_key_name(name)
    with pytest.raises(SignatureError, match="not a key name"):
        Signer.generate(name)


@pytest.mark.parametrize("name", ["PeterNeumann", "frontporch.example.org/log", "Señor-1", "ü/🔑"])
def test_valid_key_names(name: str) -> None:
    assert is_valid_key_name(name)


def test_generate_key_gives_a_working_pair() -> None:
    signer_key, verifier_key = generate_key("frontporch.example.org/log")
    assert signer_key.startswith("PRIVATE+KEY+frontporch.example.org/log+")
    signer, verifier = Signer.parse(signer_key), Verifier.parse(verifier_key)
    assert signer.verifier == verifier
    note = open_note(sign_note("hello\n", signer), [verifier])
    assert note.text == "hello\n"


def test_format_functions_agree_with_the_published_key() -> None:
    assert format_verifier_key(PETER.name, PETER.public_key) == vectors.PETER_VERIFIER_KEY
    seed = base64.b64decode(vectors.PETER_SIGNER_KEY.split("+", 4)[4])[1:]
    assert format_signer_key(vectors.PETER_NAME, seed) == vectors.PETER_SIGNER_KEY
    with pytest.raises(SignatureError, match="32 bytes"):
        format_verifier_key("x", b"short")
    with pytest.raises(SignatureError, match="32 bytes"):
        format_signer_key("x", b"short")
    with pytest.raises(SignatureError, match="not a key name"):
        format_verifier_key("a b", PETER.public_key)


def test_signer_repr_hides_the_key() -> None:
    signer = Signer.parse(vectors.PETER_SIGNER_KEY)
    shown = repr(signer)
    assert "PeterNeumann" in shown
    assert "c74f20a3" in shown
    assert "AYEK" not in shown


# Signing -------------------------------------------------------------------------------


def test_signing_reproduces_the_published_note() -> None:
    signer = Signer.parse(vectors.PETER_SIGNER_KEY)
    assert sign_note(vectors.PETER_TEXT, signer) == vectors.PETER_SIGNED_NOTE


def test_several_signers_give_several_lines_in_order() -> None:
    first, second = Signer.generate("first"), Signer.generate("second")
    signed = sign_note("text\n", first, second).decode()
    lines = signed.split("\n")
    assert lines[:2] == ["text", ""]
    assert lines[2].startswith("— first ")
    assert lines[3].startswith("— second ")
    note = open_note(signed.encode(), [first.verifier, second.verifier])
    assert [s.name for s in note.signatures] == ["first", "second"]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("no newline", "end with a newline"),
        ("", "end with a newline"),
        ("bell\x07\n", r"U\+0007"),
        ("carriage\r\n", r"U\+000D"),
        ("lone \ud800 surrogate\n", "Unicode"),
    ],
)
def test_sign_refuses_text_that_cannot_be_a_note(text: str, problem: str) -> None:
    with pytest.raises(CheckpointError, match=problem) as excinfo:
        sign_note(text, Signer.generate("log"))
    _only_checkpoint_error(excinfo)


def test_sign_needs_a_signer_and_each_key_once() -> None:
    signer = Signer.generate("log")
    with pytest.raises(SignatureError, match="at least one signer"):
        sign_note("text\n")
    with pytest.raises(SignatureError, match="given twice"):
        sign_note("text\n", signer, signer)


def test_text_with_blank_lines_and_a_fake_signature_block_round_trips() -> None:
    signer = Signer.generate("log")
    text = "para one\n\npara two\n\n— someone AAAAAAAA\n\n"
    note = open_note(sign_note(text, signer), [signer.verifier])
    assert note.text == text
    assert [s.name for s in note.signatures] == ["log"]


# Opening -------------------------------------------------------------------------------


def test_published_note_opens_with_the_published_key() -> None:
    note = open_note(vectors.PETER_SIGNED_NOTE, [PETER])
    assert note.text == vectors.PETER_TEXT
    assert len(note.signatures) == 1
    signature = note.signatures[0]
    assert (signature.name, signature.key_hash) == (vectors.PETER_NAME, vectors.PETER_KEY_HASH)
    assert signature.encoded == vectors.PETER_SIGNATURE
    assert note.unverified_signatures == ()


def test_signature_by_an_unknown_key_is_kept_unverified() -> None:
    data = vectors.PETER_TEXT + "\n" + vectors.PETER_SIGNATURE_LINE + vectors.ENOCH_SIGNATURE_LINE
    note = open_note(data.encode(), [PETER])
    assert [s.name for s in note.signatures] == ["PeterNeumann"]
    assert [(s.name, s.key_hash) for s in note.unverified_signatures] == [
        ("EnochRoot", vectors.ENOCH_KEY_HASH)
    ]
    both = open_note(data.encode(), [PETER, ENOCH])
    assert [s.name for s in both.signatures] == ["PeterNeumann", "EnochRoot"]
    assert both.unverified_signatures == ()


def test_note_with_no_trusted_signature_is_refused() -> None:
    with pytest.raises(SignatureError, match="signed by unknown key 'PeterNeumann'"):
        open_note(vectors.PETER_SIGNED_NOTE, [ENOCH])
    with pytest.raises(SignatureError, match="no trusted key"):
        open_note(vectors.PETER_SIGNED_NOTE, [])


def test_tampered_text_does_not_verify() -> None:
    tampered = vectors.PETER_SIGNED_NOTE.replace(b"don't", b"do")
    with pytest.raises(SignatureError, match=r"'PeterNeumann' .* does not verify"):
        open_note(tampered, [PETER])


def test_tampered_signature_does_not_verify() -> None:
    line = vectors.PETER_SIGNATURE_LINE
    data = vectors.PETER_TEXT + "\n" + line[:60] + "ABCD" + line[60:]
    with pytest.raises(SignatureError, match="does not verify"):
        open_note(data.encode(), [PETER])


def test_a_bad_signature_by_a_trusted_key_sinks_the_note_even_beside_a_good_one() -> None:
    line = vectors.PETER_SIGNATURE_LINE
    data = vectors.PETER_TEXT + "\n" + line + line[:60] + "ABCD" + line[60:]
    with pytest.raises(SignatureError, match="does not verify"):
        open_note(data.encode(), [PETER])


def test_a_signature_of_the_wrong_length_by_a_trusted_key_does_not_verify() -> None:
    raw = vectors.PETER_KEY_HASH.to_bytes(4, "big") + b"\x00" * 10
    data = vectors.PETER_TEXT + "\n— PeterNeumann " + base64.b64encode(raw).decode() + "\n"
    with pytest.raises(SignatureError, match="does not verify"):
        open_note(data.encode(), [PETER])


def test_every_single_byte_change_to_the_published_note_is_refused() -> None:
    for index in range(len(vectors.PETER_SIGNED_NOTE)):
        mangled = bytearray(vectors.PETER_SIGNED_NOTE)
        mangled[index] ^= 0x01
        with pytest.raises(TranslogError):
            open_note(bytes(mangled), [PETER])


def test_duplicates_are_dropped() -> None:
    # The Go TestOpen case: repeated lines appear once; a different unknown line is kept.
    peter, enoch = vectors.PETER_SIGNATURE_LINE, vectors.ENOCH_SIGNATURE_LINE
    enoch_abcd = enoch[:60] + "ABCD" + enoch[60:]
    data = vectors.PETER_TEXT + "\n" + peter + peter + enoch + enoch + enoch_abcd
    note = open_note(data.encode(), [PETER])
    assert [s.encoded for s in note.signatures] == [vectors.PETER_SIGNATURE]
    assert [s.line for s in note.unverified_signatures] == [enoch, enoch_abcd]


def test_same_name_with_another_key_hash_is_ignored_not_an_error() -> None:
    # signed-note: unknown keys are ignored "even if they share a name or ID (but not
    # both) with a known key" — which is what lets a log rotate its key.
    rotated = Signer.generate(vectors.PETER_NAME)
    new_line = sign_note(vectors.PETER_TEXT, rotated).decode().split("\n\n")[1]
    note = open_note((vectors.PETER_SIGNED_NOTE.decode() + new_line).encode(), [PETER])
    assert [s.key_hash for s in note.signatures] == [vectors.PETER_KEY_HASH]
    assert [s.key_hash for s in note.unverified_signatures] == [rotated.key_hash]
    only_new = (vectors.PETER_TEXT + "\n" + new_line).encode()
    with pytest.raises(SignatureError, match="may have rotated its key"):
        open_note(only_new, [PETER])


def test_same_key_hash_with_another_name_is_ignored() -> None:
    impostor = f"— CarmenSandiego {vectors.PETER_SIGNATURE}\n"
    note = open_note((vectors.PETER_SIGNED_NOTE.decode() + impostor).encode(), [PETER])
    assert [s.name for s in note.unverified_signatures] == ["CarmenSandiego"]
    with pytest.raises(SignatureError, match="unknown key 'CarmenSandiego'"):
        open_note((vectors.PETER_TEXT + "\n" + impostor).encode(), [PETER])


def test_the_same_verifier_given_twice_is_fine() -> None:
    assert open_note(vectors.PETER_SIGNED_NOTE, [PETER, Verifier.parse(PETER.key_string)])


@pytest.mark.parametrize("data", vectors.MALFORMED_NOTES)
def test_published_malformed_notes_are_refused(data: str) -> None:
    with pytest.raises(CheckpointError) as excinfo:
        open_note(data.encode(), [PETER])
    _only_checkpoint_error(excinfo)


def test_note_that_is_not_utf8_is_refused() -> None:
    with pytest.raises(CheckpointError, match="UTF-8") as excinfo:
        open_note(vectors.MALFORMED_NOTE_NOT_UTF8, [PETER])
    _only_checkpoint_error(excinfo)


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("- PeterNeumann " + vectors.PETER_SIGNATURE, "malformed"),  # hyphen, not em dash
        ("—  PeterNeumann " + vectors.PETER_SIGNATURE, "malformed"),  # empty name
        ("— PeterNeumann", "malformed"),  # no signature
        ("— PeterNeumann ", "base64"),  # empty signature
        ("— a+b " + vectors.PETER_SIGNATURE, "malformed"),
        ("— PeterNeumann " + vectors.PETER_SIGNATURE + " ", "base64"),
        ("— PeterNeumann " + vectors.PETER_SIGNATURE.rstrip("="), "base64"),
        ("— PeterNeumann AAAAAA==", "too short"),  # 4 bytes: a key hash and no signature
        ("— PeterNeumann " + vectors.PETER_SIGNATURE[:-2] + "N=", "canonical"),
    ],
)
def test_malformed_signature_lines_are_refused(line: str, problem: str) -> None:
    data = vectors.PETER_TEXT + "\n" + line + "\n"
    with pytest.raises(CheckpointError, match=problem) as excinfo:
        open_note(data.encode(), [PETER])
    _only_checkpoint_error(excinfo)


def test_signature_count_limit() -> None:
    base = vectors.PETER_TEXT + "\n"
    at_limit = base + vectors.PETER_SIGNATURE_LINE * MAX_SIGNATURES
    assert len(open_note(at_limit.encode(), [PETER]).signatures) == 1
    over = base + vectors.PETER_SIGNATURE_LINE * (MAX_SIGNATURES + 1)
    with pytest.raises(CheckpointError, match="at most 100") as excinfo:
        open_note(over.encode(), [PETER])
    _only_checkpoint_error(excinfo)


def test_sixteen_distinct_signers_are_accepted() -> None:
    # signed-note: verifiers MUST accept at least 16 signatures.
    signers = [Signer.generate(f"witness-{i}") for i in range(16)]
    note = open_note(sign_note("cosigned\n", *signers), [signers[7].verifier])
    assert [s.name for s in note.signatures] == ["witness-7"]
    assert len(note.unverified_signatures) == 15


def test_oversized_note_is_refused_before_parsing() -> None:
    data = b"x" * (1 << 20) + b"\n\n" + vectors.PETER_SIGNATURE_LINE.encode()
    with pytest.raises(CheckpointError, match="at most") as excinfo:
        open_note(data, [PETER])
    _only_checkpoint_error(excinfo)


def test_subject_names_the_note_in_messages() -> None:
    with pytest.raises(SignatureError, match=r"^checkpoint signed by unknown key"):
        open_note(vectors.PETER_SIGNED_NOTE, [ENOCH], subject="checkpoint")


# Properties ----------------------------------------------------------------------------

_SIGNER = Signer.generate("prop.example/log")
_note_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), min_codepoint=0x20) | st.just("\n"),
    max_size=200,
).map(lambda text: text + "\n")


@given(_note_text)
@settings(max_examples=150, deadline=None)
def test_any_valid_text_round_trips(text: str) -> None:
    note = open_note(sign_note(text, _SIGNER), [_SIGNER.verifier])
    assert note.text == text


_fragments = st.sampled_from(
    [
        "\n",
        "\n\n",
        "— ",
        " ",
        "+",
        "=",
        "\x00",
        "\r",
        "é",
        "PeterNeumann",
        "EnochRoot",
        vectors.PETER_TEXT,
        vectors.PETER_SIGNATURE,
        vectors.PETER_SIGNATURE[:40],
        vectors.ENOCH_SIGNATURE,
        "AAAA",
    ]
)
_note_like = st.lists(_fragments, max_size=12).map(lambda parts: "".join(parts).encode())


@given(st.binary(max_size=300) | _note_like)
@settings(max_examples=400, deadline=None)
def test_open_note_raises_only_translog_errors(data: bytes) -> None:
    try:
        note = open_note(data, [PETER, ENOCH])
    except TranslogError:
        return
    assert note.signatures


@given(st.text(max_size=120) | st.builds("+".join, st.lists(st.text(max_size=40), max_size=6)))
@settings(max_examples=400, deadline=None)
def test_key_parsers_raise_only_signature_errors(text: str) -> None:
    for parse in (Verifier.parse, Signer.parse):
        with contextlib.suppress(SignatureError):
            parse(text)
