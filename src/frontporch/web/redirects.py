"""Where a page may send the browser next.

After signing in, a page continues to the `next` it was given; taken as it comes, that
would let a link to our sign-in page send the person on to any site (an open redirect,
CWE-601). Only a path on this site is followed: it starts with one `/`, and not with
`//` or `/\\`, which browsers read as another host.
"""

from __future__ import annotations


def safe_next(target: str) -> str:
    """`target` if it is a path on this site; anything else becomes `/` (which each app
    sends on to the caller's start page)."""
    if target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return "/"
