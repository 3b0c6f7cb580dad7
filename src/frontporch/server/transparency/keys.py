"""The log's identity and checkpoint keys, from the settings (docs/transparency.md).

The origin is `settings.resolved_log_origin` (e.g. `porch.example.org/log`); every
signing key must be named after it, as C2SP tlog-checkpoint asks, so verifiers find
the signature meant for them. `log_signing_key` signs every checkpoint; while a key is
being rotated, `log_signing_key_next` co-signs (two signature lines per checkpoint), so
verifiers holding either key keep working.

In development a missing `log_signing_key` is generated once and kept in
`data_dir/log_signing_key` (mode 0600), like the secret key; in production it is
required and the server refuses to start without it. Key strings are secrets: no
message here repeats one.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from frontporch.server.settings import ServerSettings, SettingsError
from frontporch.translog.errors import SignatureError
from frontporch.translog.note import Signer

KEY_FILE_NAME = "log_signing_key"
KEY_COMMAND = "frontporch server log-key"


@dataclass(frozen=True)
class LogKeys:
    """The origin and the signers of checkpoints: the current key first, then the next."""

    origin: str
    signers: tuple[Signer, ...]

    @property
    def verifier_keys(self) -> list[str]:
        """The verifier key strings to publish, the current key first."""
        return [signer.verifier.key_string for signer in self.signers]


def load_log_keys(settings: ServerSettings) -> LogKeys:
    """The origin and signers from `settings`; SettingsError if a key cannot be used.

    Refuses a production server without `log_signing_key`, a key that does not parse, a
    key named other than the origin, and a next key equal to the current one.
    """
    origin = settings.resolved_log_origin
    if settings.log_signing_key is not None:
        current = _parse(settings.log_signing_key.get_secret_value(), "log_signing_key", origin)
    elif settings.environment == "production":
        raise SettingsError(
            "log_signing_key is required in production: it signs the transparency log's "
            f"checkpoints. Make one with `{KEY_COMMAND}`, keep the PRIVATE+KEY+… line secret "
            "(FRONTPORCH_LOG_SIGNING_KEY or log_signing_key_file) and publish the verifier key"
        )
    else:
        current = _development_key(settings, origin)
    signers = [current]
    if settings.log_signing_key_next is not None:
        upcoming = _parse(
            settings.log_signing_key_next.get_secret_value(), "log_signing_key_next", origin
        )
        if upcoming.key_hash == current.key_hash:
            raise SettingsError(
                "log_signing_key_next is the same key as log_signing_key; to rotate, make a "
                f"new key with `{KEY_COMMAND}`"
            )
        signers.append(upcoming)
    return LogKeys(origin, tuple(signers))


def _parse(value: str, setting: str, origin: str, fix: str | None = None) -> Signer:
    try:
        signer = Signer.parse(value.strip())
    except SignatureError as exc:
        raise SettingsError(
            f"{setting} is not a note signer key ({exc}); make one with `{KEY_COMMAND}`"
        ) from None
    if signer.name != origin:
        raise SettingsError(
            f"{setting} is named '{signer.name}', but the log's origin is '{origin}': "
            "checkpoint keys are named after the origin. "
            + (
                fix
                or f"Make a key for this origin with `{KEY_COMMAND}`, or set log_origin to "
                "the name the key was made for"
            )
        )
    return signer


def _development_key(settings: ServerSettings, origin: str) -> Signer:
    """The key kept in data_dir, made on first use (development only)."""
    path = settings.data_dir / KEY_FILE_NAME
    if not path.exists():
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        signer = Signer.generate(origin)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process made it first: use theirs
            pass
        else:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(signer.private_key_string() + "\n")
            return signer
    return _parse(
        path.read_text(encoding="utf-8"),
        f"the development key in {path}",
        origin,
        f"Delete {path} to make a new one (earlier checkpoints stay signed by the old key), "
        "or set log_origin back",
    )
