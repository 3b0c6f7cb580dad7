"""The password policy and argon2id hashing."""

from __future__ import annotations

import pytest

from frontporch.server.accounts.passwords import (
    PasswordHashing,
    WeakPassword,
    check_password_policy,
    common_passwords,
)


def test_the_bundled_list_is_loaded() -> None:
    listed = common_passwords()
    assert len(listed) > 5000
    assert "password1234" in listed
    assert "qwertyuiop" in listed


@pytest.mark.parametrize(
    "password",
    [
        "short",
        "Password123456",
        "P@ssw0rd123456",
        "qwertyuiop!!",
        "1q2w3e4r5t6y",
        "Football2023!",
        "zzzzzzzzzzzzzzz",
        "abababababababab",
        "sunshinesunshine1",
    ],
)
def test_common_or_trivial_passwords_are_refused(password: str) -> None:
    with pytest.raises(WeakPassword) as refused:
        check_password_policy(password, email="ann@example.org", min_length=12)
    assert refused.value.field == "password"
    assert refused.value.status == 400


def test_a_password_built_from_the_email_is_refused() -> None:
    with pytest.raises(WeakPassword) as refused:
        check_password_policy("annabelle1!", email="annabelle@example.org", min_length=10)
    assert "email" in refused.value.detail


@pytest.mark.parametrize(
    "password", ["plum orchard lantern", "tG7#kq2!Lm9$", "correct horse battery"]
)
def test_good_passwords_pass(password: str) -> None:
    check_password_policy(password, email="ann@example.org", min_length=12)


def test_hashing_is_argon2id_and_verifies() -> None:
    hashing = PasswordHashing(time_cost=1, memory_kib=8, parallelism=1)
    stored = hashing.hash("plum orchard lantern")
    assert stored.startswith("$argon2id$")
    assert hashing.verify(stored, "plum orchard lantern")
    assert not hashing.verify(stored, "plum orchard lanterns")
    assert not hashing.verify("not a hash", "x")
    stronger = PasswordHashing(time_cost=2, memory_kib=16, parallelism=1)
    assert stronger.needs_rehash(stored)
    assert not hashing.needs_rehash(stored)
