"""crypto/keys.py: the hub identity (Ed25519 + age X25519), persisted with mode 0600."""

from __future__ import annotations

import base64
import stat
from pathlib import Path

import pyrage
import pytest

from frontporch.crypto import keys
from frontporch.crypto.pairing import format_code, normalize_code, pairing_message


def test_generate_persist_reload(tmp_path: Path) -> None:
    identity = keys.HubIdentity.load_or_create(tmp_path)
    folder = tmp_path / keys.IDENTITY_DIR
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    for name in (keys.SIGNING_KEY_FILE, keys.AGE_KEY_FILE):
        assert stat.S_IMODE((folder / name).stat().st_mode) == 0o600
    again = keys.HubIdentity.load_or_create(tmp_path)
    assert again.public_key == identity.public_key
    assert again.age_recipient == identity.age_recipient


def test_public_forms(tmp_path: Path) -> None:
    identity = keys.HubIdentity.generate()
    assert len(base64.b64decode(identity.public_key)) == 32
    assert identity.age_recipient.startswith("age1")
    assert keys.parse_age_recipient(identity.age_recipient) == identity.age_recipient
    identity.save(tmp_path)
    text = (tmp_path / "identity" / keys.AGE_KEY_FILE).read_text()
    assert f"# public key: {identity.age_recipient}" in text
    assert "AGE-SECRET-KEY-1" in text


def test_sign_and_verify() -> None:
    identity = keys.HubIdentity.generate()
    signature = base64.b64encode(identity.sign(b"hello")).decode()
    keys.verify_signature(identity.public_key, b"hello", signature)
    with pytest.raises(keys.SignatureError, match="does not verify"):
        keys.verify_signature(identity.public_key, b"hellO", signature)
    other = keys.HubIdentity.generate()
    with pytest.raises(keys.SignatureError):
        keys.verify_signature(other.public_key, b"hello", signature)
    with pytest.raises(keys.SignatureError, match="base64"):
        keys.verify_signature(identity.public_key, b"hello", "not base64!")
    with pytest.raises(keys.SignatureError, match="32 bytes"):
        keys.verify_signature(base64.b64encode(b"short").decode(), b"hello", signature)


def test_age_round_trip_with_pyrage(tmp_path: Path) -> None:
    # The stock `age` tool opening the same file is tests/integration/test_crypto_age_tool.py.
    identity = keys.HubIdentity.load_or_create(tmp_path)
    recipient = pyrage.x25519.Recipient.from_str(identity.age_recipient)
    ciphertext = pyrage.encrypt(b"clip bytes", [recipient])
    reloaded = keys.HubIdentity.load(tmp_path)
    assert pyrage.decrypt(ciphertext, [reloaded.age_identity]) == b"clip bytes"


def test_bad_recipients_are_refused() -> None:
    for text in ("", "age1", "age1qqqq", "AGE-SECRET-KEY-1ABC", "ssh-ed25519 AAAA"):
        with pytest.raises(keys.RecipientError):
            keys.parse_age_recipient(text)


def test_identity_files_readable_by_others_are_refused(tmp_path: Path) -> None:
    keys.HubIdentity.load_or_create(tmp_path)
    path = tmp_path / "identity" / keys.SIGNING_KEY_FILE
    path.chmod(0o644)
    with pytest.raises(keys.IdentityFileError, match="chmod 600"):
        keys.HubIdentity.load(tmp_path)


def test_a_garbled_identity_file_is_refused(tmp_path: Path) -> None:
    keys.HubIdentity.load_or_create(tmp_path)
    path = tmp_path / "identity" / keys.AGE_KEY_FILE
    path.write_text("AGE-SECRET-KEY-1NOTAKEY\n")
    with pytest.raises(keys.IdentityFileError, match="not an age identity"):
        keys.HubIdentity.load(tmp_path)


def test_pairing_message_is_canonical() -> None:
    message = pairing_message("https://porch.example", "7K3M9QXA", "Hub", "a2V5", "age1x")
    assert message == (
        b"frontporch hub pairing v1\norigin: https://porch.example\ncode: 7K3M9QXA\n"
        b"name: Hub\npublic-key: a2V5\nage-recipient: age1x\n"
    )
    with pytest.raises(ValueError, match="single line"):
        pairing_message("https://porch.example", "7K3M9QXA", "Hub\norigin: evil", "k", "r")


def test_codes_are_normalized_as_people_type_them() -> None:
    assert normalize_code(" 7k3m-9qxa ") == "7K3M9QXA"
    assert normalize_code("O0IL") == "0011"
    assert format_code("7K3M9QXA") == "7K3M-9QXA"
