"""Server settings: from FRONTPORCH_* environment variables and an optional YAML file.

Precedence, highest first: explicit overrides (the CLI's flags), the environment, the
settings file, the defaults. Unknown keys are refused. Outside development the server
refuses to start with a missing, short or placeholder secret, a plain-http base URL or
no SMTP server, because each of those silently weakens accounts.
"""

from __future__ import annotations

import os
import secrets
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

import yaml
from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from frontporch.server.proxies import IPNetwork, parse_networks
from frontporch.translog.note import is_valid_key_name

ENV_PREFIX = "FRONTPORCH_"
SETTINGS_FILE_ENV = "FRONTPORCH_SETTINGS_FILE"
SECRET_FILE_NAME = "secret_key"  # noqa: S105 (a file name)
MIN_SECRET_LENGTH = 32
PLACEHOLDER_SECRETS = frozenset(
    {"changeme", "change-me", "secret", "secret-key", "development", "insecure", "password"}
)
# OWASP's floor for argon2id: 19 MiB of memory with two passes.
MIN_PRODUCTION_ARGON2_MEMORY_KIB = 19 * 1024


class SettingsError(ValueError):
    """The settings cannot be used; the message says which one and how to fix it."""


class ServerSettings(BaseSettings):
    """Everything the community server can be configured with."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="forbid", frozen=True)

    environment: Literal["development", "production"] = Field(
        "development",
        description="'production' turns on the strict checks (secrets, https, SMTP).",
    )
    data_dir: Path = Field(
        Path("server-data"), description="Where the SQLite database, blobs and secret live."
    )
    database_url: str | None = Field(
        None,
        description="SQLAlchemy URL; default: SQLite in data_dir. PostgreSQL: "
        "postgresql+psycopg://user:pass@host/db.",
    )
    database_pool_size: int = Field(
        16,
        ge=1,
        le=40,
        description="Database connections kept open (up to 40 at busy moments, the "
        "request thread pool's size). On PostgreSQL, mind max_connections: processes × 40.",
    )
    secret_key: SecretStr | None = Field(
        None,
        description="Keys CSRF tokens, device cookies and rate-limit keys. Required (32+ "
        "characters) in production; generated and kept in data_dir in development.",
    )
    base_url: str = Field(
        "http://127.0.0.1:8080", description="The address users reach the server at."
    )
    host: str = Field("127.0.0.1", description="Address to listen on.")
    port: int = Field(8080, ge=1, le=65535, description="Port to listen on.")
    smtp_host: str | None = Field(
        None, description="SMTP server for account email; unset in development: data_dir/outbox."
    )
    smtp_port: int = Field(587, ge=1, le=65535, description="SMTP port.")
    smtp_username: str | None = Field(None, description="SMTP user name, if it needs one.")
    smtp_password: SecretStr | None = Field(None, description="SMTP password.")
    smtp_from: str = Field("Frontporch <no-reply@localhost>", description="From: of account mail.")
    smtp_starttls: bool = Field(True, description="Upgrade the SMTP connection with STARTTLS.")
    smtp_timeout_s: float = Field(10.0, gt=0, description="SMTP connect/send timeout.")
    session_lifetime_s: int = Field(
        14 * 24 * 3600, ge=300, description="How long a sign-in lasts, from signing in."
    )
    email_verify_lifetime_s: int = Field(48 * 3600, ge=300, description="Verification link life.")
    password_reset_lifetime_s: int = Field(3600, ge=300, description="Reset link life.")
    password_min_length: int = Field(12, ge=10, le=64, description="Shortest password accepted.")
    argon2_time_cost: int = Field(3, ge=1, description="argon2id passes.")
    argon2_memory_kib: int = Field(64 * 1024, ge=8, description="argon2id memory (KiB).")
    argon2_parallelism: int = Field(2, ge=1, description="argon2id lanes.")
    signin_account_threshold: int = Field(
        5, ge=1, description="Failed sign-ins on one account before it locks."
    )
    signin_address_threshold: int = Field(
        20, ge=1, description="Failed sign-ins from one client address before it locks."
    )
    lockout_base_s: int = Field(60, ge=1, description="First lockout; doubles per failure.")
    lockout_max_s: int = Field(3600, ge=1, description="Longest lockout.")
    failure_window_s: int = Field(900, ge=1, description="Quiet time after which failures reset.")
    email_per_hour: int = Field(5, ge=1, description="Account emails per address and hour.")
    signups_per_hour: int = Field(20, ge=1, description="Sign-ups per client address and hour.")
    map_center: tuple[float, float] | None = Field(
        None,
        description="Latitude and longitude where the add-a-home map starts (e.g. the town "
        "centre); unset: people type their coordinates first.",
    )
    # Homes (server/homes/): a home's cell is self-declared, so an account could add a
    # home anywhere, read that area and move on; these bound how fast (threat model).
    homes_added_per_month: int = Field(
        3,
        ge=1,
        le=1000,
        description="Homes one account may add per 30 days (deleted ones still count).",
    )
    home_media_delay_h: float = Field(
        24.0,
        ge=0,
        le=24 * 90,
        description="Hours a new home waits before its household may open posts' clips "
        "and snapshots (the feed's text is readable at once; 0: no wait).",
    )
    home_invitations_per_day: int = Field(
        20,
        ge=1,
        le=1000,
        description="Invitation emails one account may send per 24 hours, to any homes.",
    )
    home_churn_threshold: int = Field(
        3,
        ge=1,
        description="Homes added or deleted in 30 days from which an account is listed "
        "for operators (/operator/homes).",
    )

    # The Neighbors feed (server/feed/).
    feed_max_media_bytes: int = Field(
        64 * 1024 * 1024,
        ge=1024,
        le=1024 * 1024 * 1024,
        description="Largest clip or snapshot a hub may upload with a post (bytes).",
    )
    agreement_max_document_bytes: int = Field(
        20 * 1024 * 1024,
        ge=1024,
        le=1024 * 1024 * 1024,
        description="Largest agreement document (PDF) an operator may publish (bytes).",
    )
    feed_posts_per_hour: int = Field(20, ge=1, description="Posts per account and hour.")
    feed_comments_per_hour: int = Field(120, ge=1, description="Comments per account and hour.")
    feed_reports_per_hour: int = Field(30, ge=1, description="Reports per account and hour.")

    # Releases and evidence (server/evidence/): what hubs upload for agencies' requests.
    release_max_clip_bytes: int = Field(
        4 * 1024**3,
        ge=1024,
        description="Largest clip ciphertext a release manifest may declare (bytes).",
    )
    release_max_bytes: int = Field(
        64 * 1024**3,
        ge=1024,
        description="Largest total ciphertext of one release (bytes).",
    )
    evidence_download_days: float = Field(
        30.0,
        gt=0,
        le=3650,
        description="Days an agency can download a release before its ciphertext is deleted "
        "(the requests policy's download window, where it sets one, takes precedence).",
    )

    # Backups (server/backups/): hubs' encrypted off-site copies, a quota per home.
    backup_quota_bytes: int = Field(
        5 * 1000**3,
        ge=0,
        le=10**18,
        description="Bytes each home may keep in backups unless an operator sets its own "
        "quota (0: backups off unless an operator turns them on for a home).",
    )
    backup_hubless_keep_days: float = Field(
        30.0,
        ge=0,
        le=3650,
        description="Days a home's backups are kept after its last hub was unpaired, so a "
        "replacement hub can restore (0: deleted at the next sweep).",
    )

    # Legal demands (server/legal/).
    legal_document_recipient: str | None = Field(
        None,
        pattern=r"^age1[02-9ac-hj-np-z]{58}$",
        description="The operator's age recipient (age1…): a demand's attached document is "
        "stored encrypted to it. Unset: documents cannot be attached (only their SHA-256).",
    )
    legal_document_max_bytes: int = Field(
        20 * 1024 * 1024, ge=1024, description="Largest demand document one may attach (bytes)."
    )
    legal_max_delay_days: int = Field(
        90,
        ge=1,
        le=3650,
        description="The longest a delay order may hold back an owner's notice, from the "
        "moment it is recorded (days); the law the operator is under sets it.",
    )
    legal_notice_interval_s: float = Field(
        60.0, gt=0, le=86400, description="How often delayed notices that fell due are sent."
    )

    feed_cache_pages: int = Field(
        1024,
        ge=0,
        le=65536,
        description="Feed pages kept in memory per process (about 20 KB each; 0: none). A "
        "page is served from memory only while no post in its area has changed since it "
        "was read (per-cell counters, checked in the database on every request). "
        "Rendered posts (4,096) are kept whatever this is.",
    )

    # Live updates: server-sent events of new posts and notifications (server/feed/live.py).
    live_poll_s: float = Field(
        1.0,
        gt=0,
        le=60,
        description="How often a live stream looks for news (one shared query per topic).",
    )
    live_heartbeat_s: float = Field(
        15.0, gt=0, le=300, description="Keep-alive comment on a quiet stream (proxies)."
    )
    live_max_duration_s: float = Field(
        300.0,
        gt=0,
        le=3600,
        description="A stream ends after this long; the browser reconnects where it left off.",
    )

    # Reverse proxies whose X-Forwarded-For names the real client (server/proxies.py).
    trusted_proxies: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="IP addresses or CIDR networks of the reverse proxies in front of the "
        "server (comma-separated in the environment). Only a request whose peer is one of "
        "them has its client taken from X-Forwarded-For; empty: the peer is the client.",
    )

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _split_proxies(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _proxies_are_networks(cls, value: list[str]) -> list[str]:
        try:
            parse_networks(value)
        except ValueError as exc:
            raise ValueError(f"{exc} (e.g. 10.0.0.5, 10.0.0.0/8, fd00::/8)") from None
        return value

    @cached_property
    def trusted_proxy_networks(self) -> tuple[IPNetwork, ...]:
        """`trusted_proxies` as networks (a single address is a /32 or /128)."""
        return parse_networks(self.trusted_proxies)

    # Blob storage (media, evidence): the filesystem in data_dir, or S3-compatible.
    blob_backend: Literal["filesystem", "s3"] = Field(
        "filesystem",
        description="Where media is kept: 'filesystem' (data_dir/blobs) or 's3' (any "
        "S3-compatible object storage: AWS S3, MinIO, Ceph, Garage; needs the s3_* settings).",
    )
    s3_endpoint_url: str | None = Field(
        None,
        pattern=r"^https?://[^\s/]+(/\S*)?$",
        description="The S3 service's URL, e.g. http://minio.internal:9000; unset: AWS S3.",
    )
    s3_region: str = Field(
        "us-east-1", min_length=1, description="The bucket's region (any value for MinIO)."
    )
    s3_bucket: str | None = Field(
        None,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{1,254}$",
        description="The bucket that holds the blobs; it must exist.",
    )
    s3_prefix: str = Field(
        "",
        pattern=r"^([a-z0-9][a-z0-9_.-]*(/[a-z0-9][a-z0-9_.-]*)*)?$",
        description="Key prefix inside the bucket (e.g. 'frontporch'), to share a bucket.",
    )
    s3_access_key_id: SecretStr | None = Field(
        None, description="The S3 access key ID (or s3_access_key_id_file)."
    )
    s3_access_key_id_file: Path | None = Field(
        None, description="A file holding the access key ID (e.g. a container secret)."
    )
    s3_secret_access_key: SecretStr | None = Field(
        None, description="The S3 secret access key (or s3_secret_access_key_file)."
    )
    s3_secret_access_key_file: Path | None = Field(
        None, description="A file holding the secret access key (e.g. a container secret)."
    )
    s3_path_style: bool = Field(
        False,
        description="Path-style URLs (endpoint/bucket/key), which MinIO, Ceph and Garage "
        "usually need; off: virtual-hosted (bucket.endpoint/key), as AWS prefers.",
    )
    s3_connect_timeout_s: float = Field(
        5.0, gt=0, description="How long to wait for a connection to the S3 service."
    )
    s3_read_timeout_s: float = Field(30.0, gt=0, description="How long to wait for an answer.")
    s3_max_attempts: int = Field(
        3, ge=1, le=10, description="Tries per S3 request (the first one and retries)."
    )

    @model_validator(mode="before")
    @classmethod
    def _secrets_from_files(cls, data: Any) -> Any:
        # A *_file names a file holding the secret, as container secrets are mounted.
        if not isinstance(data, dict):
            return data
        return _read_secret_files(data, SECRET_FILE_FIELDS)

    @model_validator(mode="after")
    def _s3_complete(self) -> ServerSettings:
        if self.blob_backend != "s3":
            return self
        missing = [
            f"{name} ({ENV_PREFIX}{name.upper()})"
            for name in ("s3_bucket", "s3_access_key_id", "s3_secret_access_key")
            if not getattr(self, name)
        ]
        if missing:
            raise ValueError(
                "blob_backend is 's3' but these settings are missing: " + ", ".join(missing)
            )
        return self

    @model_validator(mode="after")
    def _map_center_on_earth(self) -> ServerSettings:
        if self.map_center is not None:
            latitude, longitude = self.map_center
            if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
                raise ValueError("map_center must be [latitude, longitude] in degrees")
        return self

    @model_validator(mode="after")
    def _production_checks(self) -> ServerSettings:
        if self.environment != "production":
            return self
        problems = []
        secret = self.secret_key.get_secret_value() if self.secret_key else ""
        if not secret:
            problems.append("secret_key is not set (FRONTPORCH_SECRET_KEY)")
        elif (
            len(secret) < MIN_SECRET_LENGTH
            or secret.lower() in PLACEHOLDER_SECRETS
            or len(set(secret)) < 8
        ):
            problems.append(
                f"secret_key looks like a placeholder or is shorter than {MIN_SECRET_LENGTH} "
                "characters; generate one with: python -c 'import secrets; "
                "print(secrets.token_urlsafe(48))'"
            )
        if not self.base_url.startswith("https://"):
            problems.append("base_url must start with https:// (session cookies are Secure)")
        if not self.smtp_host:
            problems.append("smtp_host is not set: accounts need email verification and reset")
        if self.argon2_memory_kib < MIN_PRODUCTION_ARGON2_MEMORY_KIB:
            problems.append(f"argon2_memory_kib must be ≥ {MIN_PRODUCTION_ARGON2_MEMORY_KIB}")
        if problems:
            raise ValueError("refusing to run in production: " + "; ".join(problems))
        return self

    # Transparency log (server/transparency, docs/transparency.md): origin and keys.
    log_origin: str | None = Field(
        None,
        description="The log's name in its checkpoints, and its keys' name; unset: base_url's "
        "host and port + '/log' (e.g. porch.example.org/log). Verifiers know the log by it.",
    )
    log_signing_key: SecretStr | None = Field(
        None,
        description="The note signer key 'PRIVATE+KEY+<origin>+…' that signs checkpoints "
        "(`frontporch server log-key` makes one), or log_signing_key_file. Required in "
        "production; generated once and kept in data_dir in development.",
    )
    log_signing_key_file: Path | None = Field(
        None, description="A file holding log_signing_key (e.g. a container secret)."
    )
    log_signing_key_next: SecretStr | None = Field(
        None,
        description="While rotating keys: the new signer key, which co-signs every checkpoint "
        "until it replaces log_signing_key (docs/transparency.md, key rotation).",
    )
    log_signing_key_next_file: Path | None = Field(
        None, description="A file holding log_signing_key_next."
    )
    log_checkpoint_interval_s: float = Field(
        2.0, gt=0, le=3600, description="How often a new checkpoint is signed while entries arrive."
    )

    @model_validator(mode="after")
    def _log_origin_is_a_name(self) -> ServerSettings:
        origin = self.resolved_log_origin
        if not is_valid_key_name(origin):
            raise ValueError(
                f"log_origin {origin!r} cannot name the log or its keys: use the server's "
                "host and a path, with no spaces or '+' (e.g. porch.example.org/log)"
            )
        return self

    @property
    def resolved_log_origin(self) -> str:
        """The log's origin: `log_origin`, or base_url's host[:port] + '/log'."""
        if self.log_origin:
            return self.log_origin
        host = urlsplit(self.base_url).netloc.rpartition("@")[2]
        return f"{host or 'localhost'}/log"

    @property
    def resolved_database_url(self) -> str:
        """The database URL, defaulting to SQLite in data_dir; psycopg 3 for PostgreSQL."""
        url = self.database_url or f"sqlite:///{self.data_dir / 'server.db'}"
        for plain in ("postgresql://", "postgres://"):
            if url.startswith(plain):
                return "postgresql+psycopg://" + url[len(plain) :]
        return url

    @property
    def secure_cookies(self) -> bool:
        """Whether cookies are marked Secure (the server is reached over https)."""
        return self.base_url.startswith("https://")


def read_settings_file(path: Path) -> dict[str, Any]:
    """The mapping in a YAML settings file; SettingsError if it is missing or malformed."""
    try:
        values = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SettingsError(f"cannot read settings file {path}: {exc.strerror}") from exc
    except yaml.YAMLError as exc:
        raise SettingsError(f"{path} is not valid YAML: {exc}") from exc
    if values is None:
        return {}
    if not isinstance(values, dict):
        raise SettingsError(f"{path} must hold a mapping of setting names to values")
    return {str(key): value for key, value in values.items()}


def load_settings(settings_file: Path | None = None, **overrides: Any) -> ServerSettings:
    """Settings from overrides, the environment and the file (in that order of precedence).

    The file is `settings_file`, else the one FRONTPORCH_SETTINGS_FILE names, if any.
    """
    if settings_file is None and os.environ.get(SETTINGS_FILE_ENV):
        settings_file = Path(os.environ[SETTINGS_FILE_ENV])
    from_file = read_settings_file(settings_file) if settings_file else {}
    env_names = {name.upper() for name in os.environ}
    values = {
        key: value
        for key, value in from_file.items()
        if f"{ENV_PREFIX}{key}".upper() not in env_names
    }
    values.update({key: value for key, value in overrides.items() if value is not None})
    try:
        return ServerSettings(**values)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'settings'}: "
            f"{str(err['msg']).removeprefix('Value error, ')}"
            for err in exc.errors()
        )
        raise SettingsError(problems) from exc


SECRET_FILE_FIELDS = (
    "s3_access_key_id",
    "s3_secret_access_key",
    "log_signing_key",
    "log_signing_key_next",
)


def _read_secret_files(data: dict[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    """`data` with each `<name>_file` read into `<name>` (ValueError naming the field)."""
    for name in names:
        path = data.get(f"{name}_file")
        if path is None:
            continue
        if data.get(name) is not None:
            raise ValueError(f"set {name} or {name}_file, not both")
        try:
            value = Path(path).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ValueError(f"cannot read {name}_file {path}: {exc.strerror}") from exc
        if not value:
            raise ValueError(f"{name}_file {path} is empty")
        data = {**data, name: value}
    return data


def ensure_secret_key(settings: ServerSettings) -> str:
    """The secret key: the configured one, or (development only) one kept in data_dir."""
    if settings.secret_key is not None:
        return settings.secret_key.get_secret_value()
    if settings.environment == "production":  # the validator already refuses this
        raise SettingsError("secret_key is required in production")
    path = settings.data_dir / SECRET_FILE_NAME
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(48)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it first
        return path.read_text(encoding="utf-8").strip()
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(secret + "\n")
    return secret
