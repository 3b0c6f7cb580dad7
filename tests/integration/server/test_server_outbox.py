"""Development mail without an SMTP server: each message lands in data_dir/outbox, and
the link in its decoded .txt copy works when pasted into a browser as it stands (the
.eml's quoted-printable body turns `token=` into `token=3D`)."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx

from frontporch.server.app import create_app
from server_fixtures import PASSWORD, SmtpServer, free_port, make_settings
from server_live import serving


def test_a_link_copied_from_the_outbox_confirms_the_address(
    database_url: str, tmp_path: Path, smtp: SmtpServer
) -> None:
    port = free_port()
    settings = make_settings(
        database_url, tmp_path / "server", smtp, smtp_host=None, base_url=f"http://127.0.0.1:{port}"
    )
    app = create_app(settings)
    outbox = settings.data_dir / "outbox"
    try:
        with serving(app, port) as url, httpx.Client(base_url=url) as client:
            email = "ann@example.org"
            signed_up = client.post(
                "/api/auth/sign-up", json={"email": email, "password": PASSWORD}
            )
            assert signed_up.status_code == 202

            [eml] = outbox.glob("*.eml")
            assert "token=3D" in eml.read_text()  # why the .txt exists
            text = eml.with_suffix(".txt").read_text()
            assert f"To: {email}" in text
            [link] = re.findall(r"http://\S+", text)

            page = client.get(link)
            assert page.status_code == 200
            token = parse_qs(urlsplit(link).query)["token"][0]
            assert f'value="{token}"' in page.text
            confirmed = client.post("/api/auth/verify-email", json={"token": token})
            assert confirmed.status_code == 200, confirmed.text
            signed_in = client.post(
                "/api/auth/sign-in", json={"email": email, "password": PASSWORD}
            )
            assert signed_in.status_code == 200, signed_in.text
    finally:
        app.state.server.engine.dispose()
