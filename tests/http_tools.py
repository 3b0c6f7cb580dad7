"""Accounts that talk to a served app over real HTTP (the `live` fixture), for security
tests: the harness makes and confirms the account, then an `httpx.Client` of its own
signs in through the API as a program would, or through the sign-in page as a browser."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import httpx

from frontporch.crypto.keys import HubIdentity
from homes_tools import pair_body, pairing_code
from server_fixtures import Account
from server_harness import ServerHarness


class HttpClients:
    """Makes `httpx.Client`s for one served app and closes them all at the end."""

    def __init__(self, server: ServerHarness, base_url: str) -> None:
        self.server = server
        self.base_url = base_url
        self._clients: list[httpx.Client] = []

    def client(self) -> httpx.Client:
        """A new client with its own cookies."""
        client = httpx.Client(
            base_url=self.base_url, headers={"user-agent": "TestBrowser/1.0"}, timeout=30
        )
        self._clients.append(client)
        return client

    def signed_in(self, account: Account) -> Account:
        """The same account, signed in over HTTP through the API (a code if two-factor is
        on); its client sends the CSRF header from then on."""
        client = self.client()
        otp = self.server.next_code(account.totp_secret) if account.totp_secret else None
        body = {"email": account.email, "password": account.password}
        if otp is not None:
            body["otp"] = otp
        response = client.post("/api/auth/sign-in", json=body)
        assert response.status_code == 200, response.text
        client.headers["x-csrf-token"] = response.json()["csrf_token"]
        return Account(
            account.email,
            account.password,
            client,
            totp_secret=account.totp_secret,
            recovery_codes=account.recovery_codes,
        )

    def browser(self, account: Account) -> tuple[httpx.Client, httpx.Response]:
        """A client signed in through the sign-in page (and the code step if two-factor is
        on), following redirects: the client and the page it lands on."""
        client = self.client()
        form = client.get("/sign-in")
        landed = client.post(
            "/sign-in",
            data={
                "email": account.email,
                "password": account.password,
                "csrf_token": form_csrf(form.text),
            },
            follow_redirects=True,
        )
        if account.totp_secret and "/sign-in/two-factor" in str(landed.url):
            landed = client.post(
                "/sign-in/two-factor",
                data={
                    "code": self.server.next_code(account.totp_secret),
                    "next": form_field(landed.text, "next"),
                    "csrf_token": form_csrf(landed.text),
                },
                follow_redirects=True,
            )
        return client, landed

    def paired_hub(self, owner: Account, home_id: str) -> httpx.Client:
        """A client that calls as a new hub paired with the owner's home over HTTP."""
        code = pairing_code(owner, home_id)
        body = pair_body(HubIdentity.generate(), self.base_url, code)
        paired = self.client().post("/api/hub/pair", json=body)
        assert paired.status_code == 201, paired.text
        hub = self.client()
        hub.headers["authorization"] = f"Bearer {paired.json()['credential']}"
        return hub

    def close(self) -> None:
        for client in self._clients:
            client.close()


@contextmanager
def http_clients(server: ServerHarness, base_url: str) -> Iterator[HttpClients]:
    """`HttpClients` for the block."""
    clients = HttpClients(server, base_url)
    try:
        yield clients
    finally:
        clients.close()


def form_field(html: str, name: str) -> str:
    """The value of a form's hidden field."""
    found = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert found, f"the page has no {name} field"
    return found.group(1)


def form_csrf(html: str) -> str:
    """The CSRF token of a page's forms."""
    return form_field(html, "csrf_token")


def error_title(html: str) -> str | None:
    """The heading of an error page, if the page is one."""
    found = re.search(r'<h1 id="error-title">([^<]+)</h1>', html)
    return found.group(1).strip() if found else None
