"""The `backup:` section of the hub's YAML: what is copied off-site, where, how fast.

Off by default, and an empty section is valid. The recovery key itself is not here:
the owner makes it in the hub's web UI, which keeps only its public recipient in the
index. Secrets (the S3 secret key) come from a file or the environment, never from
the YAML itself, so the config file can be shared for support without leaking them.

    backup:
      enabled: true
      mode: events            # or continuous
      days: 30
      target:
        type: s3
        endpoint_url: https://s3.us-west-004.backblazeb2.com
        bucket: my-porch-backup
        access_key_id: 004abc...
        secret_access_key_file: /etc/frontporch/b2-secret
"""

from __future__ import annotations

import os
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal, Self

from pydantic import Field, model_validator

from frontporch.hub.config_base import Strict

if TYPE_CHECKING:
    from frontporch.hub.backup.target import BackupTarget

SECRET_ENV = "FRONTPORCH_BACKUP_S3_SECRET"  # noqa: S105 (a variable's name)
ACCESS_KEY_ENV = "FRONTPORCH_BACKUP_S3_ACCESS_KEY_ID"


class BackupMode(StrEnum):
    """What is copied: each event's footage, snapshot and record, or every segment."""

    events = "events"
    continuous = "continuous"


class BackupConfigError(Exception):
    """The backup settings cannot be used as written (a missing secret, say)."""


class S3TargetConfig(Strict):
    """Any S3-compatible bucket: Backblaze B2, Wasabi, MinIO, AWS S3."""

    type: Literal["s3"] = Field(description="An S3-compatible bucket.")
    endpoint_url: str | None = Field(
        default=None,
        description="The service's URL (B2, Wasabi, MinIO); leave unset for AWS S3.",
    )
    bucket: str = Field(min_length=3, max_length=63, description="The bucket's name.")
    prefix: str = Field(
        default="",
        max_length=200,
        description="Folder inside the bucket for this hub's objects (e.g. 'frontporch/').",
    )
    region: str = Field(default="us-east-1", description="The bucket's region.")
    access_key_id: str | None = Field(
        default=None,
        description=f"The access key id; unset: the {ACCESS_KEY_ENV} environment variable.",
    )
    secret_access_key_file: Path | None = Field(
        default=None,
        description=(
            f"A file holding the secret access key; unset: the {SECRET_ENV} environment "
            "variable. Never put the secret itself in this file."
        ),
    )
    path_style: bool = Field(
        default=False,
        description="Address the bucket as endpoint/bucket (MinIO and most self-hosted services).",
    )

    def credentials(self) -> tuple[str, str]:
        """The access key id and secret key; BackupConfigError saying where they were
        looked for if either is missing. The secret is never part of a message."""
        key_id = self.access_key_id or os.environ.get(ACCESS_KEY_ENV)
        if not key_id:
            raise BackupConfigError(
                f"backup.target.access_key_id is not set (nor {ACCESS_KEY_ENV} in the environment)"
            )
        if self.secret_access_key_file is not None:
            try:
                secret = self.secret_access_key_file.read_text(encoding="utf-8").strip()
            except OSError as exc:
                raise BackupConfigError(
                    f"cannot read backup.target.secret_access_key_file "
                    f"{self.secret_access_key_file}: {exc.strerror}"
                ) from None
        else:
            secret = os.environ.get(SECRET_ENV, "").strip()
        if not secret:
            raise BackupConfigError(
                "no S3 secret key: set backup.target.secret_access_key_file to a file holding "
                f"it, or the {SECRET_ENV} environment variable"
            )
        return key_id, secret


class ServerTargetConfig(Strict):
    """The community server this hub is paired with (its blob store, quota per home)."""

    type: Literal["server"] = Field(description="The paired community server.")


TargetConfig = Annotated[S3TargetConfig | ServerTargetConfig, Field(discriminator="type")]


class BackupConfig(Strict):
    """Off-site backup, encrypted on the hub to the owner's recovery key."""

    enabled: bool = Field(default=False, description="Copy footage off-site.")
    cameras: list[str] | None = Field(
        default=None, description="Cameras whose footage is backed up; unset: every camera."
    )
    mode: BackupMode = Field(
        default=BackupMode.events,
        description=(
            "'events': each event's recording, clip, snapshot and record; 'continuous': "
            "every recorded segment as well."
        ),
    )
    days: float = Field(
        default=30.0,
        gt=0,
        le=3650,
        description="Days footage is kept on the target; older objects are deleted there.",
    )
    target: TargetConfig | None = Field(
        default=None, description="Where the encrypted objects go: type s3 or type server."
    )
    bandwidth_kbps: int = Field(
        default=0, ge=0, description="Upload limit in kilobytes per second; 0: no limit."
    )
    interval_s: float = Field(
        default=300.0,
        ge=5,
        le=86400,
        description="Seconds between backup passes (an event's end starts one sooner).",
    )

    @model_validator(mode="after")
    def _target_when_enabled(self) -> Self:
        if self.enabled and self.target is None:
            raise ValueError("backup is enabled but has no target (type: s3 or type: server)")
        return self

    def wants_camera(self, camera: str) -> bool:
        """Whether this camera's footage is in the policy."""
        return self.cameras is None or camera in self.cameras

    def open_target(self, root: Path) -> BackupTarget:
        """The configured target, ready to use (no request is made yet).

        BackupConfigError when there is none or its credentials are missing. The server
        target is imported here, not at module level, so the S3 path works on its own.
        """
        target = self.target
        if target is None:
            raise BackupConfigError("no backup target is configured (backup.target)")
        if isinstance(target, S3TargetConfig):
            from frontporch.hub.backup.s3 import S3Target

            key_id, secret = target.credentials()
            return S3Target.connect(target, key_id, secret)
        from frontporch.hub.backup.server_target import ServerTarget

        server: BackupTarget = ServerTarget(root)
        return server
