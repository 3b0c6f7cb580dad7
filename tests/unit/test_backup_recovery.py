"""The recovery key: made fresh, readable back from a file, printable with a QR code."""

from __future__ import annotations

from pathlib import Path

import pytest

from frontporch.hub.backup.recovery import (
    RecoveryKeyError,
    check_recipient,
    generate,
    load_identity,
    parse_identity,
    printable_page,
)


def test_a_new_key_is_a_standard_age_identity_and_its_recipient() -> None:
    key = generate()
    assert key.secret.startswith("AGE-SECRET-KEY-1")
    assert key.recipient.startswith("age1")
    assert str(parse_identity(key.secret).to_public()) == key.recipient
    assert key.secret not in repr(key)
    assert generate().secret != key.secret


def test_the_key_reads_from_an_identity_file_with_comments(tmp_path: Path) -> None:
    key = generate()
    path = tmp_path / "key.txt"
    path.write_text(f"# created: today\n# public key: {key.recipient}\n\n{key.secret}\n")
    assert str(load_identity(str(path)).to_public()) == key.recipient
    assert str(load_identity(key.secret.lower()).to_public()) == key.recipient


@pytest.mark.parametrize(
    "text",
    ["", "hello", "AGE-SECRET-KEY-1QQQQ", "AGE-SECRET-KEY-1A\nAGE-SECRET-KEY-1B"],
)
def test_text_that_is_not_one_key_is_refused_with_a_reason(text: str) -> None:
    with pytest.raises(RecoveryKeyError, match="recovery key"):
        parse_identity(text)


def test_a_missing_key_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(RecoveryKeyError, match="cannot read"):
        load_identity(str(tmp_path / "absent.txt"))


def test_recipients_are_checked() -> None:
    assert check_recipient(f"  {generate().recipient} ").startswith("age1")
    with pytest.raises(RecoveryKeyError):
        check_recipient("age1nope")


def test_the_printable_page_holds_the_key_a_qr_code_and_the_warning() -> None:
    key = generate()
    page = printable_page(key, "front porch hub", "2026-01-02 10:00")
    assert key.secret in page
    assert key.recipient in page
    assert "<svg" in page
    assert "If you lose it, your backups are lost" in page
    assert "<script" not in page
    assert "http" not in page.replace("http://www.w3.org", "")
