"""The paired community server as a backup target (`backup.target.type: server`).

The hub calls its server's backup API (docs/server.md, "Backups") with the credential
it got when it paired (`<storage>/server-link.json`, `community/link.py`), like the
release upload does:

- `PUT {BACKUP_PATH}/objects/{key}` (the object, at most 16 MiB), `GET` and `DELETE`
  the same path, `GET {BACKUP_PATH}/objects?after=KEY` a page of (key, size), and
  `GET {BACKUP_PATH}/quota` what the home stores against its quota.

The server accepts only keys of 32 lowercase hex digits, so it learns nothing from a
name. The uploader's fixed names (the index's `index`) are sent as a key derived from
the name (`wire_key`) and listed back under the name. Answers become the target's
errors with the server's own words: 507 (the home's quota, or the server's disk, is
full) is `TargetFull`, 404 on a read is `ObjectMissing`, anything else `TargetError`.

The link is read on every call, so pairing or unpairing the hub takes effect without
a restart. Plain `urllib`, like `community/link.py`; the credential is never logged.
"""

from __future__ import annotations

import hashlib
import json
import re
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Final
from urllib.parse import urlencode

from frontporch.crypto.pairing import origin_of
from frontporch.hub.backup.index import INDEX_KEY
from frontporch.hub.backup.target import (
    MAX_OBJECT_BYTES,
    ObjectMissing,
    StoredObject,
    TargetError,
    TargetFull,
)
from frontporch.hub.community.link import LinkError, NotPaired, ServerLink

BACKUP_PATH: Final = "/api/hub/backup"
KEY_PATTERN: Final = r"^[0-9a-f]{32}$"
NOT_PAIRED: Final = "this hub is not paired with a community server (frontporch hub pair)"
TIMEOUT_S: Final = 120.0
# Names the uploader gives objects that are not random keys: sent as derived keys.
NAMED_OBJECTS: Final = (INDEX_KEY,)


def wire_key(name: str) -> str:
    """The key an object is stored under on the server: the name itself if it is 32
    lowercase hex digits, else 32 hex digits derived from it (for `index`)."""
    if re.fullmatch(KEY_PATTERN, name):
        return name
    return hashlib.sha256(b"frontporch-backup-object\0" + name.encode()).hexdigest()[:32]


_NAMES: Final = {wire_key(name): name for name in NAMED_OBJECTS}


class ServerTarget:
    """Backup objects in the paired community server's blob store, under its quota."""

    description = "the community server"

    def __init__(self, root: Path, *, timeout_s: float = TIMEOUT_S) -> None:
        self.root = root
        self.timeout_s = timeout_s

    def put(self, key: str, data: bytes) -> None:
        """Store `data` under `key`; TargetFull when the home's quota is full."""
        if len(data) > MAX_OBJECT_BYTES:
            raise TargetError(
                f"a backup object is at most {MAX_OBJECT_BYTES} bytes; this one is {len(data)}"
            )
        status, body = self._call("PUT", f"/objects/{wire_key(key)}", data)
        if status not in (200, 201, 204):
            raise self._refused(status, body, "store a backup object")

    def get(self, key: str) -> bytes:
        """The object under `key`; ObjectMissing if the server has none."""
        status, body = self._call("GET", f"/objects/{wire_key(key)}")
        if status == 200:
            return body
        if status == 404:
            raise ObjectMissing(f"the community server has no backup object {key!r}")
        raise self._refused(status, body, "read a backup object")

    def delete(self, key: str) -> None:
        """Remove the object under `key`; nothing happens if there is none."""
        status, body = self._call("DELETE", f"/objects/{wire_key(key)}")
        if status not in (200, 204, 404):
            raise self._refused(status, body, "delete a backup object")

    def list(self) -> Iterator[StoredObject]:
        """Every object of this hub's home on the server, a page at a time."""
        after = ""
        while True:
            query = urlencode({"after": after}) if after else ""
            status, body = self._call("GET", "/objects" + (f"?{query}" if query else ""))
            if status != 200:
                raise self._refused(status, body, "list the backup objects")
            page = _json(body)
            objects = page.get("objects")
            if not isinstance(objects, list):
                raise TargetError("the community server's object list could not be read")
            for item in objects:
                if isinstance(item, dict) and isinstance(item.get("key"), str):
                    size = item.get("size")
                    key = str(item["key"])
                    yield StoredObject(_NAMES.get(key, key), size if isinstance(size, int) else 0)
            following = page.get("next")
            if not isinstance(following, str) or not following or following == after:
                return
            after = following

    def quota(self) -> tuple[int, int]:
        """(bytes stored, bytes allowed) for this hub's home; 0 allowed: backups off."""
        status, body = self._call("GET", "/quota")
        if status != 200:
            raise self._refused(status, body, "read the backup quota")
        answer = _json(body)
        used, limit = answer.get("used_bytes"), answer.get("limit_bytes")
        if not isinstance(used, int) or not isinstance(limit, int):
            raise TargetError("the community server's quota answer could not be read")
        return used, limit

    # -- HTTP --------------------------------------------------------------------------

    def _link(self) -> ServerLink:
        try:
            return ServerLink.load(self.root)
        except NotPaired:
            raise TargetError(NOT_PAIRED) from None
        except LinkError as exc:
            raise TargetError(str(exc)) from None

    def _call(self, method: str, path: str, data: bytes | None = None) -> tuple[int, bytes]:
        """(status, body) of one request to the backup API; TargetError if unreachable."""
        link = self._link()
        url = f"{link.server_url}{BACKUP_PATH}{path}"
        origin = origin_of(url)
        if not url.startswith(("http://", "https://")):
            raise TargetError(f"the paired server's URL is not http(s): {link.server_url!r}")
        request = urllib.request.Request(url, data=data, method=method)  # noqa: S310
        request.add_header("Authorization", f"Bearer {link.credential}")
        request.add_header("Accept", "application/octet-stream, application/json")
        if data is not None:
            request.add_header("Content-Type", "application/octet-stream")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_s) as response:  # noqa: S310
                return response.status, response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read()
        except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
            reason = getattr(exc, "reason", exc)
            raise TargetError(f"cannot reach the community server at {origin}: {reason}") from None
        except ValueError as exc:
            raise TargetError(f"the paired server's URL is not usable: {exc}") from None

    def _refused(self, status: int, body: bytes, action: str) -> TargetError:
        answer = _json(body)
        error = answer.get("error") or f"HTTP {status}"
        detail = answer.get("detail")
        said = f"{error}: {detail}" if detail and detail != error else str(error)
        if status == 507:
            return TargetFull(f"the community server has no room: {said}")
        if status == 401:
            return TargetError(
                f"the community server no longer accepts this hub ({said}); "
                "unpair and pair it again (frontporch hub pair)"
            )
        return TargetError(f"the community server would not {action} ({status}): {said}")


def _json(body: bytes) -> dict[str, object]:
    try:
        value = json.loads(body or b"{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}
