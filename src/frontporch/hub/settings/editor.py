"""Editing the hub's YAML file from the UI without losing what the owner wrote in it.

The file stays the source of truth. A change is made on the round-trip document of
ruamel.yaml (comments, blank lines, key order and quoting kept), the text it produces is
validated exactly as the hub reads it at start (PyYAML + `parse_config`), and only then
written: to a temporary file in the same directory, fsynced, given the old file's mode,
and renamed over the old one (`os.replace`), so a crash leaves either the old or the new
file, never half of one.

Two people editing at once: every edit names the version it started from (the SHA-256
of the file's bytes, shown to the page as a hidden field or an `If-Match` header). If the
file changed since, the edit is refused with `ConfigConflict` and nothing is written;
the person reloads and sees the other change. One lock per file serialises the check
and the write inside this process.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import itertools
import os
import re
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path

import yaml
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap
from ruamel.yaml.error import YAMLError

from frontporch.hub.config import ConfigError, HubConfig, parse_config

_LOCKS: dict[Path, threading.Lock] = {}
_LOCKS_GUARD = threading.Lock()
WIDTH = 4096  # never re-wrap the owner's long lines


class ConfigConflict(Exception):
    """The file changed since the caller read it; nothing was written."""


def version_of(data: bytes) -> str:
    """The version of a configuration file: the SHA-256 of its bytes, in hex."""
    return hashlib.sha256(data).hexdigest()


def _lock_for(path: Path) -> threading.Lock:
    with _LOCKS_GUARD:
        return _LOCKS.setdefault(path, threading.Lock())


class ConfigEditor:
    """Reads and edits one hub YAML file; safe to share between threads."""

    def __init__(self, path: Path) -> None:
        self.path = path.resolve()

    def current(self) -> tuple[HubConfig, str]:
        """The file's configuration and its version; ConfigError if it is not valid."""
        data = self._read()
        return _validate(data, str(self.path)), version_of(data)

    def update(self, version: str, change: Callable[[CommentedMap], None]) -> HubConfig:
        """Apply `change` to the round-trip document and write it back, if the file is
        still at `version`; the new configuration.

        Raises ConfigConflict when someone else saved first, ConfigError when the result
        is not a valid configuration (the message names the field), and lets `change`'s
        own exceptions through; in each case nothing is written.
        """
        with _lock_for(self.path):
            data = self._read()
            if version_of(data) != version:
                raise ConfigConflict(
                    "someone else changed the configuration since you opened this page; "
                    "reload to see their change"
                )
            text = data.decode("utf-8")
            document, yaml_rt = _load_round_trip(text, str(self.path))
            change(document)
            out = io.StringIO()
            yaml_rt.dump(document, out)
            new_text = out.getvalue()
            if text.startswith("---") and not new_text.startswith("---"):
                new_text = "---\n" + new_text
            new_data = new_text.encode("utf-8")
            config = _validate(new_data, str(self.path))
            if new_data != data:
                _write_atomically(self.path, new_data)
            return config

    def _read(self) -> bytes:
        try:
            return self.path.read_bytes()
        except OSError as exc:
            raise ConfigError(f"cannot read {self.path}: {exc.strerror}") from None


def _load_round_trip(text: str, source: str) -> tuple[CommentedMap, YAML]:
    """The document and a YAML instance set up to write it back in the file's own
    indentation (ruamel's defaults would re-indent every list the owner indented)."""
    yaml_rt = YAML(typ="rt")
    yaml_rt.preserve_quotes = True
    yaml_rt.width = WIDTH
    mapping, offset = guess_indent(text)
    yaml_rt.indent(mapping=mapping, sequence=offset + 2, offset=offset)
    try:
        document = yaml_rt.load(text)
    except YAMLError as exc:
        raise ConfigError(f"{source} is not valid YAML: {exc}") from None
    if not isinstance(document, CommentedMap):
        raise ConfigError(f"{source}: expected a mapping at the top level")
    return document, yaml_rt


_KEY_OPENS_BLOCK = re.compile(r"^\s*(- )?[^#]*:\s*(#.*)?$")


def guess_indent(text: str) -> tuple[int, int]:
    """(mapping indent, dash offset) as the owner wrote them, from the first nested
    mapping and the first nested list. ruamel.yaml applies one style to the whole
    document, so a file that mixes styles keeps the first one found."""
    lines = [
        line
        for line in text.splitlines()
        if line.strip() and not line.lstrip().startswith(("#", "---", "..."))
    ]
    mapping: int | None = None
    offset: int | None = None
    for before, line in itertools.pairwise(lines):
        if not _KEY_OPENS_BLOCK.match(before) or before.lstrip().startswith("- "):
            continue
        step = _indent(line) - _indent(before)
        if step <= 0:
            continue
        if line.lstrip().startswith("- "):
            offset = step if offset is None else offset
        elif mapping is None:
            mapping = step
        if mapping is not None and offset is not None:
            break
    mapping = mapping or 2
    offset = 0 if offset is None else offset
    return mapping, min(offset, mapping)


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _validate(data: bytes, source: str) -> HubConfig:
    """Validate bytes exactly as `load_config` reads the file at the hub's start."""
    try:
        raw = yaml.safe_load(data.decode("utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{source} is not valid YAML: {exc}") from None
    return parse_config(raw, source)


def _write_atomically(path: Path, data: bytes) -> None:
    """Replace `path` by `data`: temp file in the same directory, fsync, old mode kept,
    `os.replace`, then fsync the directory so the rename itself survives a power cut."""
    mode = path.stat().st_mode & 0o7777
    fd, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    temp = Path(temp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temp, mode)
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)
