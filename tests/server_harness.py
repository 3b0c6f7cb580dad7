"""Drive a community server app the way people and programs do: sign up through the
API, confirm with the link from the real email, sign in, set up two-factor with codes
computed from the enrolled seed. Only roles are set directly (as `frontporch server
grant-role` does), because no endpoint may raise one's own role."""

from __future__ import annotations

import itertools
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import update

from frontporch.server.accounts import mfa
from frontporch.server.accounts.models import Role, User
from server_fixtures import PASSWORD, Account, FakeClock, Mailbox

_numbers = itertools.count(1)


class ServerHarness:
    """One app under test, its mailbox and its clock."""

    def __init__(self, app: FastAPI, mailbox: Mailbox, clock: FakeClock) -> None:
        self.app = app
        self.mailbox = mailbox
        self.clock = clock
        self._clients: list[TestClient] = []

    def new_client(
        self, address: str = "198.51.100.7", user_agent: str = "TestBrowser/1.0"
    ) -> TestClient:
        """A client with its own cookie jar, from a given address and user agent."""
        client = TestClient(
            app=self.app, client=(address, 50000), headers={"user-agent": user_agent}
        )
        client.__enter__()
        self._clients.append(client)
        return client

    def close(self) -> None:
        for client in self._clients:
            client.__exit__(None, None, None)

    @staticmethod
    def new_email() -> str:
        return f"neighbor{next(_numbers)}@example.org"

    def register(self, email: str | None = None, password: str = PASSWORD) -> str:
        """Sign up and confirm the address through the emailed link; the email."""
        email = email or self.new_email()
        client = self.new_client()
        response = client.post("/api/auth/sign-up", json={"email": email, "password": password})
        assert response.status_code == 202, response.text
        token = self.mailbox.last_link(email, "/verify-email")
        response = client.post("/api/auth/verify-email", json={"token": token})
        assert response.status_code == 200, response.text
        return email

    def sign_in(
        self, client: TestClient, email: str, password: str = PASSWORD, otp: str | None = None
    ) -> str:
        """Sign `client` in through the API; it then sends the CSRF header by itself."""
        body: dict[str, Any] = {"email": email, "password": password}
        if otp is not None:
            body["otp"] = otp
        response = client.post("/api/auth/sign-in", json=body)
        assert response.status_code == 200, response.text
        csrf = str(response.json()["csrf_token"])
        client.headers["x-csrf-token"] = csrf
        return csrf

    def set_role(self, email: str, role: Role) -> None:
        """Give an account a role, as `frontporch server grant-role` does."""
        with self.app.state.server.sessions.begin() as db:
            db.execute(update(User).where(User.email == email).values(role=role.value))

    def next_code(self, secret: str) -> str:
        """The code an authenticator shows half a minute from now (codes are single-use)."""
        self.clock.advance(30)
        return mfa.code_at(secret, self.clock())

    def enable_mfa(self, account: Account) -> None:
        """Set two-factor up through the API."""
        setup = account.client.post("/api/account/two-factor/setup")
        assert setup.status_code == 200, setup.text
        secret = setup.json()["secret"]
        confirm = account.client.post(
            "/api/account/two-factor/confirm", json={"code": self.next_code(secret)}
        )
        assert confirm.status_code == 200, confirm.text
        account.totp_secret = secret
        account.recovery_codes = confirm.json()["recovery_codes"]

    def account(self, role: Role = Role.RESIDENT, *, mfa_on: bool = False) -> Account:
        """A verified, signed-in account of `role`, with two-factor on if asked."""
        email = self.register()
        if role is not Role.RESIDENT:
            self.set_role(email, role)
        client = self.new_client()
        account = Account(email=email, password=PASSWORD, client=client)
        account.csrf = self.sign_in(client, email)
        if mfa_on:
            self.enable_mfa(account)
        return account
