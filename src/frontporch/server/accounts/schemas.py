"""Request and response bodies of the accounts API."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, Field

from frontporch.server.accounts.models import Role, User, UserSession
from frontporch.server.accounts.views import SignIn
from frontporch.server.kit.schemas import NO_NUL, Email, RowOut, Strict, Token

Password = Field(min_length=1, max_length=1024, pattern=NO_NUL, description="A password.")
Code = Field(min_length=1, max_length=40, pattern=NO_NUL, description="A TOTP or recovery code.")
Otp = Field(
    None,
    min_length=1,
    max_length=40,
    pattern=NO_NUL,
    description="A 6-digit TOTP code or a recovery code.",
)


class SignUpIn(Strict):
    email: str = Email
    password: str = Password


class EmailIn(Strict):
    email: str = Email


class TokenIn(Strict):
    token: str = Token


class SignInIn(Strict):
    email: str = Email
    password: str = Password
    otp: str | None = Otp


class PasswordResetIn(Strict):
    token: str = Token
    new_password: str = Password


class PasswordChangeIn(Strict):
    current_password: str = Password
    new_password: str = Password


class CodeIn(Strict):
    code: str = Code


class MfaDisableIn(Strict):
    password: str = Password
    code: str = Code


class DeleteAccountIn(Strict):
    password: str = Password
    otp: str | None = Otp


class TokenCreateIn(Strict):
    name: str = Field(max_length=100, pattern=NO_NUL, description="What the token is for.")


class RoleIn(Strict):
    role: Role


class AccountOut(BaseModel):
    id: uuid.UUID
    email: str
    role: Role
    email_verified: bool
    mfa_enabled: bool
    mfa_required: bool
    created_at: datetime

    @classmethod
    def of(cls, user: User) -> AccountOut:
        return cls(
            id=user.id,
            email=user.email,
            role=Role(user.role),
            email_verified=user.email_verified_at is not None,
            mfa_enabled=user.mfa_enabled,
            mfa_required=user.mfa_required,
            created_at=user.created_at,
        )


class SignedInOut(BaseModel):
    """A new session (its cookie is set); send `csrf_token` as X-CSRF-Token with changes."""

    account: AccountOut
    csrf_token: str
    expires_at: datetime

    @classmethod
    def of(cls, sign_in: SignIn) -> SignedInOut:
        return cls(
            account=AccountOut.of(sign_in.user),
            csrf_token=sign_in.csrf_token,
            expires_at=sign_in.session.expires_at,
        )


class SessionOut(BaseModel):
    id: uuid.UUID
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime
    user_agent: str
    network: str = Field(description="The client's IPv4 /24 or IPv6 /48.")
    current: bool

    @classmethod
    def of(cls, session: UserSession, current_id: uuid.UUID | None) -> SessionOut:
        return cls(
            id=session.id,
            created_at=session.created_at,
            last_seen_at=session.last_seen_at,
            expires_at=session.expires_at,
            user_agent=session.user_agent,
            network=session.address_class,
            current=session.id == current_id,
        )


class ApiTokenOut(RowOut):
    id: uuid.UUID
    name: str
    prefix: str = Field(description="The token's first characters, to recognise it.")
    created_at: datetime
    last_used_at: datetime | None


class ApiTokenCreatedOut(ApiTokenOut):
    token: str = Field(description="The secret; shown only now. Send as 'Bearer <token>'.")


class MfaSetupOut(RowOut):
    secret: str = Field(description="The seed, for typing into an app instead of scanning.")
    otpauth_uri: str
    qr_svg: str = Field(description="The URI as an SVG QR code.")


class RecoveryCodesOut(BaseModel):
    recovery_codes: list[str] = Field(description="Single-use codes; shown only now.")
