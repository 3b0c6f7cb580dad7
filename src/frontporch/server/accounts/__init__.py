"""Accounts and security: sign-up, email verification, sign-in, sessions, API tokens,
two-factor authentication, rate limits and lockout, roles and account deletion."""
