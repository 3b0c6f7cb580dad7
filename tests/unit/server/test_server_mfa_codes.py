"""TOTP codes (RFC 6238): drift window, replay refusal, recovery code format."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from frontporch.server.accounts import mfa

NOW = datetime(2026, 5, 1, 12, 0, 10, tzinfo=UTC)


def test_rfc_6238_test_vector() -> None:
    # RFC 6238 appendix B, SHA-1, T = 59 s: 94287082 (8 digits); its last 6 digits.
    secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"  # base32 of "12345678901234567890"
    assert mfa.code_at(secret, datetime.fromtimestamp(59, UTC)) == "287082"


def test_codes_match_within_one_step_and_never_twice() -> None:
    secret = mfa.new_secret()
    now_code = mfa.code_at(secret, NOW)
    step = mfa.matching_step(secret, now_code, NOW, None)
    assert step == mfa.step_of(NOW)
    assert mfa.matching_step(secret, now_code, NOW, step) is None  # replay
    previous = mfa.code_at(secret, NOW - timedelta(seconds=30))
    assert mfa.matching_step(secret, previous, NOW, None) == step - 1
    too_old = mfa.code_at(secret, NOW - timedelta(seconds=90))
    assert mfa.matching_step(secret, too_old, NOW, None) is None
    assert mfa.matching_step(secret, "12345", NOW, None) is None
    assert mfa.matching_step(secret, "abcdef", NOW, None) is None


def test_recovery_codes() -> None:
    codes = mfa.new_recovery_codes()
    assert len(codes) == 10
    assert len(set(codes)) == 10
    for code in codes:
        assert len(code) == 19
        assert mfa.looks_like_recovery_code(code)
        assert mfa.hash_recovery_code(code) == mfa.hash_recovery_code(
            code.upper().replace("-", " ")
        )
    assert not mfa.looks_like_recovery_code("123456")


def test_enrolment_uri_and_qr() -> None:
    secret = mfa.new_secret()
    uri = mfa.provisioning_uri(secret, "ann@example.org")
    assert uri.startswith("otpauth://totp/Frontporch:ann%40example.org?")
    assert f"secret={secret}" in uri
    svg = mfa.qr_svg(uri)
    assert svg.startswith("<svg")
    assert "<script" not in svg
