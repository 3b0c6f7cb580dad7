"""The `alerts:` section of the hub's configuration: how alerts leave the hub.

What is sent and when (labels, zones, cooldown, quiet hours, "only when nobody is
home") is the owner's rule per camera, kept in the hub's index and edited on the alerts
settings page, so it can change without a restart. This section holds what only the
person installing the hub knows: the SMTP server, the hub's own address for links,
how webhooks are retried. Secrets never sit in the YAML: the SMTP password comes from a
file or an environment variable named here. An empty section is valid (no email; push
and webhooks still work once the owner adds targets on the page).
"""

from __future__ import annotations

import os
from enum import StrEnum
from pathlib import Path

from pydantic import Field, field_validator, model_validator

from frontporch.hub.config_base import Strict


class AlertsConfigError(ValueError):
    """A secret named in the `alerts:` section cannot be read; the message says which."""


class SmtpSecurity(StrEnum):
    """How the connection to the SMTP server is protected."""

    starttls = "starttls"  # plain connect, then upgrade (port 587)
    ssl = "ssl"  # TLS from the first byte (port 465)
    none = "none"  # a relay on the local network that speaks no TLS


class EmailConfig(Strict):
    """The hub's own SMTP settings for alert email."""

    host: str = Field(min_length=1, description="The SMTP server's host name or address.")
    port: int = Field(default=587, ge=1, le=65535, description="The SMTP server's port.")
    security: SmtpSecurity = Field(
        default=SmtpSecurity.starttls,
        description="starttls (port 587), ssl (port 465) or none (a trusted local relay).",
    )
    username: str | None = Field(default=None, description="The SMTP user name, if needed.")
    password_file: Path | None = Field(
        default=None,
        description="A file holding the SMTP password (first line).",
    )
    password_env: str | None = Field(
        default=None, description="The name of an environment variable holding the SMTP password."
    )
    from_address: str = Field(
        min_length=3, description="The sender address, e.g. 'Frontporch <hub@example.org>'."
    )
    to: list[str] = Field(min_length=1, description="The addresses alerts are sent to.")
    timeout_s: float = Field(default=10.0, gt=0, le=120, description="Seconds to wait for SMTP.")

    @field_validator("to")
    @classmethod
    def _addresses(cls, to: list[str]) -> list[str]:
        for address in to:
            if "@" not in address:
                raise ValueError(f"{address!r} is not an email address")
        return to

    @model_validator(mode="after")
    def _one_password_source(self) -> EmailConfig:
        if self.password_file is not None and self.password_env is not None:
            raise ValueError("give password_file or password_env, not both")
        return self

    def password(self) -> str | None:
        """The SMTP password from its file or environment variable (None if neither is
        configured); AlertsConfigError when the named source is missing or empty."""
        if self.password_file is not None:
            try:
                lines = self.password_file.read_text(encoding="utf-8").splitlines()
            except OSError as exc:
                raise AlertsConfigError(
                    f"cannot read the SMTP password file {self.password_file}: {exc.strerror}"
                ) from None
            if not lines or not lines[0].strip():
                raise AlertsConfigError(f"the SMTP password file {self.password_file} is empty")
            return lines[0].strip()
        if self.password_env is not None:
            value = os.environ.get(self.password_env, "")
            if not value:
                raise AlertsConfigError(
                    f"the environment variable {self.password_env} (SMTP password) is not set"
                )
            return value
        return None


class WebhookConfig(Strict):
    """How webhook deliveries are timed and retried."""

    timeout_s: float = Field(default=10.0, gt=0, le=60, description="Seconds to wait for one.")
    max_attempts: int = Field(
        default=5, ge=1, le=10, description="Attempts per delivery, the first one included."
    )
    backoff_s: list[float] = Field(
        default_factory=lambda: [10.0, 30.0, 90.0, 270.0],
        min_length=1,
        description="Seconds before each retry; the last value repeats if there are more.",
    )


class AlertsConfig(Strict):
    """Alerts: email settings, webhook retries, grouping; rules are set in the UI."""

    hub_url: str | None = Field(
        default=None,
        description="The address the owner opens the hub at (https://hub.example.lan), "
        "for links in email and webhooks; without it they carry the path only.",
    )
    email: EmailConfig | None = Field(default=None, description="Alert email (off when absent).")
    webhooks: WebhookConfig = Field(
        default_factory=WebhookConfig, description="Webhook timeout and retries."
    )
    join_gap_s: float = Field(
        default=10.0,
        ge=0,
        le=600,
        description="Events of one camera within this many seconds form one alert.",
    )
    update_interval_s: float = Field(
        default=15.0,
        ge=0,
        le=3600,
        description="The shortest time between re-sends of one alert with a better snapshot.",
    )
    push_contact: str = Field(
        default="mailto:owner@localhost",
        description="The contact (mailto: or https:) Web Push services may reach the "
        "hub's operator at (the VAPID 'sub' claim).",
    )

    @field_validator("hub_url")
    @classmethod
    def _hub_url(cls, url: str | None) -> str | None:
        if url is None:
            return None
        if not url.startswith(("http://", "https://")):
            raise ValueError("hub_url must start with http:// or https://")
        return url.rstrip("/")
