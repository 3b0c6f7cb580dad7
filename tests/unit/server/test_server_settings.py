"""Server settings: precedence, refusal of unsafe production settings, the dev secret."""

from __future__ import annotations

from pathlib import Path

import pytest

from frontporch.server.settings import (
    ServerSettings,
    SettingsError,
    ensure_secret_key,
    load_settings,
)

GOOD_SECRET = "k3J9xQ2mV7pL4sT8wZ1cR6yH0nB5dF2gA9eU"


def _production(**changes: object) -> dict[str, object]:
    values: dict[str, object] = {
        "environment": "production",
        "secret_key": GOOD_SECRET,
        "base_url": "https://porch.example",
        "smtp_host": "mail.example",
    }
    values.update(changes)
    return values


def test_production_accepts_sound_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FRONTPORCH_SETTINGS_FILE", raising=False)
    settings = load_settings(**_production())
    assert settings.secure_cookies


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"secret_key": None}, "secret_key is not set"),
        ({"secret_key": "changeme"}, "placeholder"),
        ({"secret_key": "short-but-random-9"}, "placeholder"),
        ({"secret_key": "a" * 40}, "placeholder"),
        ({"base_url": "http://porch.example"}, "https://"),
        ({"smtp_host": None}, "smtp_host"),
        ({"argon2_memory_kib": 1024}, "argon2_memory_kib"),
    ],
)
def test_production_refuses_unsafe_settings(changes: dict[str, object], message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        load_settings(**_production(**changes))


def test_precedence_overrides_then_env_then_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    file = tmp_path / "server.yaml"
    file.write_text("port: 9000\nhost: 0.0.0.0\nsmtp_port: 2525\n")
    monkeypatch.setenv("FRONTPORCH_PORT", "9100")
    settings = load_settings(file, host="127.0.0.2")
    assert settings.smtp_port == 2525  # file
    assert settings.port == 9100  # environment beats file
    assert settings.host == "127.0.0.2"  # override beats both


def test_unknown_keys_and_bad_files_are_clear_errors(tmp_path: Path) -> None:
    file = tmp_path / "server.yaml"
    file.write_text("prot: 9000\n")
    with pytest.raises(SettingsError, match="prot"):
        load_settings(file)
    file.write_text("- a list\n")
    with pytest.raises(SettingsError, match="mapping"):
        load_settings(file)
    with pytest.raises(SettingsError, match="cannot read"):
        load_settings(tmp_path / "missing.yaml")


def test_development_secret_is_generated_once_and_private(tmp_path: Path) -> None:
    settings = ServerSettings(data_dir=tmp_path)
    first = ensure_secret_key(settings)
    assert len(first) >= 48
    assert ensure_secret_key(settings) == first
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_database_url_defaults_to_sqlite_in_the_data_dir(tmp_path: Path) -> None:
    assert (
        ServerSettings(data_dir=tmp_path).resolved_database_url == f"sqlite:///{tmp_path}/server.db"
    )
    pg = ServerSettings(database_url="postgresql://u:p@db/fp").resolved_database_url
    assert pg == "postgresql+psycopg://u:p@db/fp"
