"""The `mqtt:` section of the hub's configuration: the broker, its credentials, the topics.

Off by default: a hub talks to an MQTT broker only when its owner names one. The
password never sits in the YAML file (which is often shared when asking for help): it
is read at start from a file (`password_file`, e.g. a Docker or systemd secret) or from
an environment variable (`password_env`).
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Self

from pydantic import Field, field_validator, model_validator

from frontporch.hub.config_base import Strict

# MQTT topic levels must not hold the wildcards; HA's discovery prefix is one plain word.
_TOPIC_PREFIX = re.compile(r"^[^/+#\s][^+#\s]*(?<!/)$")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

PLAIN_PORT = 1883
TLS_PORT = 8883


class MqttPasswordError(Exception):
    """The configured MQTT password cannot be read; the message says where and why."""


class MqttTlsConfig(Strict):
    enabled: bool = Field(default=False, description="Connect to the broker over TLS.")
    ca_file: Path | None = Field(
        default=None,
        description=(
            "PEM file of the certificate authority that signed the broker's certificate; "
            "unset: the system's trusted authorities."
        ),
    )
    insecure: bool = Field(
        default=False,
        description=(
            "Accept a broker certificate whose name does not match `host` (for a broker "
            "reached by IP address). Encryption stays on; use only on your own network."
        ),
    )


class MqttConfig(Strict):
    enabled: bool = Field(default=False, description="Connect to an MQTT broker.")
    host: str = Field(default="localhost", min_length=1, description="The broker's host name.")
    port: int | None = Field(
        default=None,
        ge=1,
        le=65535,
        description="The broker's port; unset: 1883, or 8883 with TLS.",
    )
    client_id: str | None = Field(
        default=None,
        max_length=128,
        description="MQTT client id; unset: 'frontporch-<hub id>'.",
    )
    username: str | None = Field(
        default=None, min_length=1, description="User name at the broker, if it asks for one."
    )
    password_file: Path | None = Field(
        default=None,
        description="File holding the broker password (its first line); never put it in YAML.",
    )
    password_env: str | None = Field(
        default=None,
        description="Name of an environment variable holding the broker password.",
    )
    tls: MqttTlsConfig = Field(default_factory=MqttTlsConfig, description="TLS to the broker.")
    topic_prefix: str = Field(
        default="frontporch",
        description="First level of every topic the hub publishes (Frigate users: 'frigate').",
    )
    discovery: bool = Field(
        default=True, description="Announce the hub's entities with Home Assistant discovery."
    )
    discovery_prefix: str = Field(
        default="homeassistant",
        description="Home Assistant's discovery prefix (its MQTT integration's setting).",
    )
    keepalive_s: int = Field(
        default=60, ge=5, le=3600, description="Seconds between keep-alive pings."
    )
    stats_interval_s: float = Field(
        default=60.0,
        ge=1.0,
        le=3600.0,
        description="Seconds between messages on the stats topic.",
    )

    @field_validator("topic_prefix", "discovery_prefix")
    @classmethod
    def _prefix(cls, value: str) -> str:
        if not _TOPIC_PREFIX.match(value):
            raise ValueError(
                "must be an MQTT topic without wildcards (+, #), spaces, or a leading or "
                "trailing '/'"
            )
        return value

    @field_validator("password_env")
    @classmethod
    def _env_name(cls, value: str | None) -> str | None:
        if value is not None and not _ENV_NAME.match(value):
            raise ValueError("must be an environment variable name (letters, digits, '_')")
        return value

    @model_validator(mode="after")
    def _credentials(self) -> Self:
        if self.password_file is not None and self.password_env is not None:
            raise ValueError("set password_file or password_env, not both")
        if (self.password_file or self.password_env) and self.username is None:
            raise ValueError("a password needs a username")
        return self

    @property
    def effective_port(self) -> int:
        if self.port is not None:
            return self.port
        return TLS_PORT if self.tls.enabled else PLAIN_PORT

    def read_password(self) -> str | None:
        """The broker password from its file or variable; None when none is configured.

        Raises MqttPasswordError naming the file or variable (never the value).
        """
        if self.password_file is not None:
            try:
                text = self.password_file.read_text(encoding="utf-8")
            except OSError as exc:
                raise MqttPasswordError(
                    f"cannot read the MQTT password file {self.password_file}: "
                    f"{exc.strerror or exc}"
                ) from None
            lines = text.splitlines()
            password = lines[0] if lines else ""
            if not password:
                raise MqttPasswordError(f"the MQTT password file {self.password_file} is empty")
            return password
        if self.password_env is not None:
            value = os.environ.get(self.password_env)
            if not value:
                raise MqttPasswordError(
                    f"the environment variable {self.password_env} (mqtt.password_env) is not set"
                )
            return value
        return None
