"""Errors a backup target raises beyond `target.py`'s, shared by every target.

`TargetRefused` is a `TargetError` that retrying within the pass cannot fix: the
target answered and said no (the bucket does not exist, the key may not write). The
uploader gives up on the pass at once and shows the message, instead of backing off
for half a minute first; the next pass tries again, after the owner fixed it.
"""

from __future__ import annotations

from frontporch.hub.backup.target import TargetError


class TargetRefused(TargetError):
    """The target refused the request (permissions, a missing bucket): not transient."""
