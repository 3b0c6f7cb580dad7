"""What the people area needs from the store (implemented by `store/member_tables.py`
and by the tests' in-memory fake)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from frontporch.hub.people.records import Passkey, TotpSecret, User, UserSession, UserToken


class MemberStorePort(Protocol):
    """Users, their sessions, API tokens, passkeys and TOTP secrets."""

    def list_users(self) -> Sequence[User]:
        """Every user, the owner first, then by name."""
        ...

    def get_user(self, user_id: str) -> User | None: ...

    def get_user_by_name(self, name: str) -> User | None:
        """The user of this name (case-insensitive), or None."""
        ...

    def get_user_by_invite(self, invite_hash: str) -> User | None: ...

    def create_user(self, user: User) -> User:
        """Add a user; ValueError if the id or the name is taken."""
        ...

    def update_user(self, user: User) -> bool:
        """Replace a user's name, role, allowances, password and invite; whether it exists."""
        ...

    def delete_user(self, user_id: str) -> bool:
        """Remove a user with their sessions, tokens, passkeys and second factor."""
        ...

    def create_user_session(self, session: UserSession) -> None: ...

    def get_user_session(self, token_hash: str, now: float) -> UserSession | None:
        """The session with this token hash unless it expired by `now`."""
        ...

    def list_user_sessions(self, user_id: str | None = None) -> Sequence[UserSession]:
        """Sessions (of one user, if given), most recently used first."""
        ...

    def touch_user_session(self, token_hash: str, last_used: float, expires: float) -> None: ...

    def delete_user_sessions(self, user_id: str, keep: str | None = None) -> int:
        """End every session of a user but `keep` (a token hash); how many ended."""
        ...

    def create_user_token(self, token: UserToken) -> None: ...

    def get_user_token(self, token_hash: str) -> UserToken | None: ...

    def list_user_tokens(self, user_id: str | None = None) -> Sequence[UserToken]:
        """API tokens (of one user, if given), newest first."""
        ...

    def add_passkey(self, passkey: Passkey) -> None: ...

    def get_passkey(self, credential_id: str) -> Passkey | None: ...

    def list_passkeys(self, user_id: str | None = None) -> Sequence[Passkey]: ...

    def use_passkey(self, credential_id: str, sign_count: int, now: float) -> None: ...

    def delete_passkey(self, user_id: str, credential_id: str) -> bool: ...

    def get_totp(self, user_id: str) -> TotpSecret | None: ...

    def set_totp(self, secret: TotpSecret | None, user_id: str) -> None:
        """Store (or with None remove) a user's TOTP secret and recovery codes."""
        ...

    def claim_totp_step(self, user_id: str, step: int) -> bool:
        """Record that the code of time step `step` was used; False if it already was."""
        ...

    def set_recovery_codes(self, user_id: str, code_hashes: Sequence[str]) -> None: ...

    def claim_recovery_code(self, user_id: str, code_hash: str) -> bool:
        """Use up one recovery code; False if it is unknown or used."""
        ...
