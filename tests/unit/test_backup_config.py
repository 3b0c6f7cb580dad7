"""The `backup:` section: off and valid when empty, a target required when on, secrets
from a file or the environment (never the YAML)."""

from __future__ import annotations

from pathlib import Path

import pytest

from frontporch.hub.backup.config import (
    ACCESS_KEY_ENV,
    SECRET_ENV,
    BackupConfig,
    BackupConfigError,
    BackupMode,
    S3TargetConfig,
    ServerTargetConfig,
)
from frontporch.hub.config import ConfigError, parse_config


def hub(backup: object) -> dict[str, object]:
    return {"cameras": {"front": {"inputs": [{"url": "/v.mp4"}]}}, "backup": backup}


def test_an_empty_section_is_valid_and_off() -> None:
    config = parse_config(hub({})).backup
    assert not config.enabled
    assert config.mode is BackupMode.events
    assert config.target is None
    assert config.wants_camera("front")


def test_both_targets_parse() -> None:
    s3 = parse_config(
        hub({"enabled": True, "target": {"type": "s3", "bucket": "porch", "prefix": "hub/"}})
    ).backup
    assert isinstance(s3.target, S3TargetConfig)
    server = parse_config(hub({"enabled": True, "target": {"type": "server"}})).backup
    assert isinstance(server.target, ServerTargetConfig)


@pytest.mark.parametrize(
    ("backup", "field"),
    [
        ({"enabled": True}, "no target"),
        ({"target": {"type": "ftp"}}, "backup.target"),
        ({"mode": "sometimes"}, "backup.mode"),
        ({"days": 0}, "backup.days"),
        ({"target": {"type": "s3", "bucket": "b1", "secret_access_key": "x"}}, "secret_access_key"),
        ({"bandwidth_kbps": -1}, "backup.bandwidth_kbps"),
    ],
)
def test_bad_settings_are_refused_by_name(backup: dict[str, object], field: str) -> None:
    with pytest.raises(ConfigError, match=field):
        parse_config(hub(backup))


def test_only_the_chosen_cameras_are_wanted() -> None:
    config = BackupConfig(cameras=["back"])
    assert config.wants_camera("back")
    assert not config.wants_camera("front")


def s3(**values: object) -> S3TargetConfig:
    return S3TargetConfig.model_validate({"type": "s3", "bucket": "porch", **values})


def test_credentials_come_from_a_file_or_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(SECRET_ENV, raising=False)
    monkeypatch.delenv(ACCESS_KEY_ENV, raising=False)
    with pytest.raises(BackupConfigError, match="access_key_id"):
        s3().credentials()
    with pytest.raises(BackupConfigError, match="no S3 secret key"):
        s3(access_key_id="id").credentials()
    secret = tmp_path / "secret"
    secret.write_text("s3cr3t-value\n")
    assert s3(access_key_id="id", secret_access_key_file=secret).credentials() == (
        "id",
        "s3cr3t-value",
    )
    monkeypatch.setenv(SECRET_ENV, "from-env")
    monkeypatch.setenv(ACCESS_KEY_ENV, "env-id")
    assert s3().credentials() == ("env-id", "from-env")
    with pytest.raises(BackupConfigError, match="cannot read") as caught:
        s3(access_key_id="i", secret_access_key_file=tmp_path / "absent").credentials()
    assert "from-env" not in str(caught.value)


def test_no_target_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(BackupConfigError, match="no backup target"):
        BackupConfig().open_target(tmp_path)


def test_the_owner_can_choose_the_paired_community_server(tmp_path: Path) -> None:
    from frontporch.hub.backup.server_target import ServerTarget

    config = parse_config(hub({"enabled": True, "target": {"type": "server"}})).backup
    target = config.open_target(tmp_path)
    assert isinstance(target, ServerTarget)
    assert target.root == tmp_path
