"""The owner's recovery key: an age X25519 identity the hub shows once and forgets.

Backups are encrypted to the key's public half (the recipient, `age1…`), which is all
the hub keeps; the secret half (`AGE-SECRET-KEY-1…`, age v1 spec, "X25519 recipient
stanza") exists only in the owner's hands: on paper (the printable page has a QR code)
or in a password manager. A thief who takes the hub, and whoever holds the bucket,
hold nothing that opens the backups. The price is stated plainly wherever the key is
shown: lose the key and the backups are lost; the hub cannot show it again.

The key is a standard age identity, so `age -d -i key.txt` opens any object too (after
which the frame of `crypt.py` has to be taken off).
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path

import pyrage
import segno

SECRET_PREFIX = "AGE-SECRET-KEY-1"  # noqa: S105 (the format's prefix)
RECIPIENT_PREFIX = "age1"


class RecoveryKeyError(Exception):
    """The text given is not a recovery key (or recipient); says what was expected."""


@dataclass(frozen=True, slots=True)
class RecoveryKey:
    """A freshly made key, held only for the one response that shows it."""

    secret: str
    recipient: str

    def __repr__(self) -> str:  # never print the secret by accident
        return f"RecoveryKey(recipient={self.recipient!r})"


def generate() -> RecoveryKey:
    """A new recovery key."""
    identity = pyrage.x25519.Identity.generate()
    return RecoveryKey(secret=str(identity), recipient=str(identity.to_public()))


def check_recipient(text: str) -> str:
    """`text` as a recipient, trimmed; RecoveryKeyError if it is not an age1… key."""
    value = text.strip()
    try:
        pyrage.x25519.Recipient.from_str(value)
    except Exception:
        raise RecoveryKeyError("a recovery key's public half looks like age1…") from None
    return value


def parse_identity(text: str) -> pyrage.x25519.Identity:
    """The identity in `text`: the key itself, or an age identity file (comments and
    blank lines allowed). RecoveryKeyError naming what was expected otherwise."""
    lines = [line.strip() for line in text.splitlines()]
    keys = [line for line in lines if line.upper().startswith(SECRET_PREFIX)]
    if len(keys) != 1:
        raise RecoveryKeyError(
            "expected one recovery key, a line starting with AGE-SECRET-KEY-1 (as printed "
            "on the recovery sheet)"
        )
    try:
        return pyrage.x25519.Identity.from_str(keys[0].upper())
    except Exception:
        raise RecoveryKeyError(
            "the recovery key is damaged (a typing error?): it does not decode"
        ) from None


def load_identity(source: str) -> pyrage.x25519.Identity:
    """The identity from `source`: a file's path, or the key itself."""
    if source.strip().upper().startswith(SECRET_PREFIX):
        return parse_identity(source)
    path = Path(source).expanduser()
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise RecoveryKeyError(
            f"cannot read the recovery key file {path}: {exc.strerror}"
        ) from None
    return parse_identity(text)


def qr_svg(secret: str) -> str:
    """The key as an inline SVG QR code: error correction M, black on a white square
    with the quiet zone (a dark page theme must not make it unreadable to a camera)."""
    return str(
        segno.make(secret, error="m").svg_inline(scale=4, border=4, dark="#000", light="#fff")
    )


WARNING = (
    "Keep this key somewhere safe and offline. It is the only way to open your backups. "
    "If you lose it, your backups are lost: the hub does not keep it and cannot show it again."
)


def printable_page(key: RecoveryKey, hub_name: str, made_at: str) -> str:
    """A self-contained HTML page to print or save: the key in text and as a QR code.

    No external resources and no script, so it prints the same offline, years later.
    """
    secret = html.escape(key.secret)
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>Frontporch recovery key</title>
<style>
body {{ font-family: sans-serif; max-width: 40em; margin: 2em auto; color: #000; }}
.key {{ font-family: monospace; font-size: 1.1em; word-break: break-all;
        border: 2px solid #000; padding: 1em; }}
.warn {{ border-left: 6px solid #000; padding-left: 1em; font-weight: bold; }}
</style></head>
<body>
<h1>Frontporch recovery key</h1>
<p>For the backups of the hub <strong>{html.escape(hub_name)}</strong>,
made {html.escape(made_at)}.</p>
<p class="warn">{html.escape(WARNING)}</p>
<p class="key">{secret}</p>
<figure>{qr_svg(key.secret)}<figcaption>The same key as a QR code.</figcaption></figure>
<p>Public half (safe to share): <code>{html.escape(key.recipient)}</code></p>
<h2>Restoring</h2>
<p>Save the key in a file, then on the new hub:
<code>frontporch backup restore --identity key.txt --config hub.yaml</code></p>
</body></html>
"""
