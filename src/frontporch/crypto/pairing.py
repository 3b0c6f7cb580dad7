"""The pairing request a hub signs, in one canonical form shared by hub and server.

The hub proves possession of its Ed25519 key (RFC 8032) by signing this message; the
server rebuilds it from the request and its *own* origin and verifies the signature.
Binding the origin means a request signed for one server cannot be replayed to
another; binding the code ties the signature to this single pairing.

The message is UTF-8 text, one `name: value` line each, in this order, ending in a
newline (like a C2SP signed-note body, no trailing spaces):

    frontporch hub pairing v1
    origin: https://porch.example.org
    code: 7K3M9QXA
    name: Front door hub
    public-key: <base64 Ed25519 public key>
    age-recipient: age1...
"""

from __future__ import annotations

from urllib.parse import urlsplit

HEADER = "frontporch hub pairing v1"
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I, L, O, U
CODE_LENGTH = 8
_CONFUSABLE = str.maketrans({"O": "0", "I": "1", "L": "1"})


def normalize_code(code: str) -> str:
    """A pairing code as typed ('7k3m-9qxa', 'O' for '0') in canonical form ('7K3M9QXA').

    Returns the cleaned text even when it is not a valid code; `is_valid_code` says.
    """
    cleaned = "".join(ch for ch in code.upper() if ch not in " -_\t")
    return cleaned.translate(_CONFUSABLE)


def is_valid_code(code: str) -> bool:
    """Whether a normalized code has the right length and alphabet."""
    return len(code) == CODE_LENGTH and all(ch in CODE_ALPHABET for ch in code)


def format_code(code: str) -> str:
    """A code as shown to people: two groups of four ('7K3M-9QXA')."""
    return f"{code[:4]}-{code[4:]}"


def origin_of(url: str) -> str:
    """'scheme://host[:port]' of a server URL, lowercased (as browsers form Origin)."""
    parts = urlsplit(url.strip())
    return f"{parts.scheme}://{parts.netloc}".lower()


def pairing_message(
    origin: str, code: str, name: str, public_key: str, age_recipient: str
) -> bytes:
    """The exact bytes a hub signs to pair; `code` must already be normalized."""
    for label, value in (("name", name), ("public key", public_key), ("recipient", age_recipient)):
        if "\n" in value or "\r" in value:
            raise ValueError(f"the {label} must be a single line")
    lines = [
        HEADER,
        f"origin: {origin}",
        f"code: {code}",
        f"name: {name}",
        f"public-key: {public_key}",
        f"age-recipient: {age_recipient}",
    ]
    return ("\n".join(lines) + "\n").encode("utf-8")
