"""Hiding credentials in camera URLs before anything logs or shows them.

Cameras take credentials in many places: RFC 3986 user-info (`rtsp://user:pass@cam/`),
query parameters whose names vary by vendor (`?user=…&password=…`,
`?loginuse=…&loginpas=…`, `?access_token=…`), and on many DVRs the path itself
(`/user=admin_password=secret_channel=1`, `/videostream.cgi;user=admin;pwd=…`).
A list of secret-looking names always misses the next vendor's, so the rule here is
structural, and errs towards hiding too much:

- everything before the last `@` (the user-info, even with an unescaped `/`, `#` or
  `@` in the password) becomes `***`; when a `?` comes before that `@`, the host
  cannot be told apart from a secret and only the scheme is shown;
- every query value, and every query item without a value, becomes `***` (the names
  stay, so the owner still recognises the URL); the fragment becomes `***`;
- from the first path segment that carries a `key=value` pair, or that is a
  credential word followed by more path (`/user/admin/password/…`), the rest of the
  path becomes `***`.

`redact_url` is the one place this is decided: capture errors, the hub log,
`/api/cameras` and the camera page all show URLs through it.
"""

from __future__ import annotations

import re

MASK = "***"
_CREDENTIAL_WORD = re.compile(
    r"(user(name)?|usr|login\w*|pass\w*|pwd|pw|token|access_token|api_?key|key|auth\w*|"
    r"secret|credentials?)",
    re.IGNORECASE,
)
_QUERY_SEPARATORS = re.compile(r"([&;])")


def redact_url(url: str) -> str:
    """`url` with its user-info, query values, fragment and credential-bearing path
    segments replaced by `***`; a file path (no `scheme://`) is returned as it is."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url
    userinfo, at, rest = rest.rpartition("@")
    if at and "?" in userinfo:
        return f"{scheme}://{MASK}"
    rest, hash_sign, fragment = rest.partition("#")
    rest, question, query = rest.partition("?")
    host, slash, path = rest.partition("/")
    shown = f"{scheme}://{MASK + '@' if at else ''}{host}{slash}{_redact_path(path)}"
    if question:
        shown += "?" + _redact_query(query)
    if hash_sign:
        shown += "#" + (MASK if fragment else "")
    return shown


def _redact_path(path: str) -> str:
    segments = path.split("/")
    for index, segment in enumerate(segments):
        value_at = _value_start(segment)
        if value_at >= 0:
            return "/".join([*segments[:index], segment[:value_at] + MASK])
        if _CREDENTIAL_WORD.fullmatch(segment) and index + 1 < len(segments):
            return "/".join([*segments[: index + 1], MASK])
    return path


def _value_start(segment: str) -> int:
    """Where the value after a path segment's first `=` (or `%3D`) starts, or -1."""
    plain, encoded = segment.find("="), segment.lower().find("%3d")
    found = [i + 1 for i in (plain,) if i >= 0] + [i + 3 for i in (encoded,) if i >= 0]
    return min(found, default=-1)


def _redact_query(query: str) -> str:
    parts = _QUERY_SEPARATORS.split(query)
    return "".join(part if part in ("&", ";") else _redact_query_item(part) for part in parts)


def _redact_query_item(item: str) -> str:
    if not item:
        return item
    key, equals, _ = item.partition("=")
    return f"{key}={MASK}" if equals else MASK
