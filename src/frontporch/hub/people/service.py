"""The owner's actions on household members: add, change, remove, and accepting an
invite. One function per action, used by the members page (and tests); each keeps the
rules: there is always an owner, the first owner ("owner") is neither demoted nor
removed, and removing a member ends their sessions, tokens, passkeys and second factor.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import replace

from frontporch.hub.people.access import Role, parse_allowances
from frontporch.hub.people.ports import MemberStorePort
from frontporch.hub.people.records import OWNER_ID, User

INVITE_TTL_S = 7 * 24 * 3600.0
MAX_MEMBERS = 30
NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$")


class MemberError(Exception):
    """An owner's change to members was refused; `field` names the form field."""

    def __init__(self, message: str, field: str | None = None, status: int = 400) -> None:
        super().__init__(message)
        self.field = field
        self.status = status


def invite_hash(token: str) -> str:
    """What the store keeps of an invite link's token (its SHA-256)."""
    return hashlib.sha256(b"frontporch-invite\0" + token.encode()).hexdigest()


def member_name(raw: str) -> str:
    """A user name as typed, checked: 1-32 letters, digits, '.', '_' or '-'."""
    name = raw.strip()
    if not NAME_PATTERN.match(name):
        raise MemberError(
            "a user name has 1 to 32 letters, digits, '.', '_' or '-', starting with a "
            "letter or digit (for example 'kitchen-tablet' or 'alex')",
            "member-name",
        )
    return name


def member_role(raw: str) -> Role:
    try:
        return Role(raw)
    except ValueError:
        raise MemberError("the role is 'owner' or 'member'", "member-role") from None


def add_member(
    store: MemberStorePort,
    name: str,
    role: str,
    allowances: list[str],
    password_hash: str | None,
    now: float,
) -> tuple[User, str | None]:
    """Add a person with an initial password (its argon2id hash, made by the caller so
    this module stays free of argon2), or, with `password_hash` None, an invite: the
    token of the link is returned (shown once; the store keeps its hash)."""
    checked_name = member_name(name)
    checked_role = member_role(role)
    try:
        chosen = parse_allowances(allowances)
    except ValueError as exc:
        raise MemberError(str(exc), "member-allowances") from None
    if len(store.list_users()) >= MAX_MEMBERS:
        raise MemberError(f"this hub keeps at most {MAX_MEMBERS} people", status=409)
    if store.get_user_by_name(checked_name) is not None:
        raise MemberError(f"someone is already called {checked_name!r}", "member-name", 409)
    token = None if password_hash is not None else secrets.token_urlsafe(24)
    user = User(
        id=secrets.token_hex(8),
        name=checked_name,
        role=checked_role.value,
        allowances=frozenset() if checked_role is Role.owner else chosen,
        password_hash=password_hash,
        password_changed=now,
        created=now,
        invite_hash=None if token is None else invite_hash(token),
        invite_expires=None if token is None else now + INVITE_TTL_S,
    )
    try:
        store.create_user(user)
    except ValueError as exc:
        raise MemberError(str(exc), "member-name", 409) from None
    return user, token


def change_member(store: MemberStorePort, user_id: str, role: str, allowances: list[str]) -> User:
    """Set a person's role and allowances; the first owner stays an owner."""
    user = find_member(store, user_id)
    checked_role = member_role(role)
    if user.id == OWNER_ID and checked_role is not Role.owner:
        raise MemberError("the hub's first owner stays an owner", "member-role", 409)
    try:
        chosen = parse_allowances(allowances)
    except ValueError as exc:
        raise MemberError(str(exc), "member-allowances") from None
    changed = replace(
        user,
        role=checked_role.value,
        allowances=frozenset() if checked_role is Role.owner else chosen,
    )
    store.update_user(changed)
    return changed


def remove_member(store: MemberStorePort, user_id: str) -> User:
    """Remove a person with everything that signs them in; not the first owner."""
    user = find_member(store, user_id)
    if user.id == OWNER_ID:
        raise MemberError("the hub's first owner cannot be removed", status=409)
    store.delete_user(user.id)
    return user


def find_member(store: MemberStorePort, user_id: str) -> User:
    user = store.get_user(user_id)
    if user is None:
        raise MemberError(f"no person {user_id!r} on this hub", status=404)
    return user


def invited_user(store: MemberStorePort, token: str, now: float) -> User:
    """The person an invite link is for, while it is valid."""
    user = store.get_user_by_invite(invite_hash(token))
    if user is None or user.invite_expires is None or user.invite_expires <= now:
        raise MemberError(
            "this invite link is not valid (used, replaced or older than 7 days); ask the "
            "hub's owner for a new one",
            status=404,
        )
    return user
