"""Alert email against a real local SMTP server (aiosmtpd): the message carries the
text, a link to the hub and the snapshot as an inline JPEG; the password comes from a
file and is checked by the server; a server that is down, refuses the login or offers
no STARTTLS is a failed delivery with a clear status, never an exception."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from frontporch.hub.alerts.config import EmailConfig
from frontporch.hub.alerts.email import EmailChannel
from frontporch.hub.alerts.model import Alert
from server_fixtures import Mailbox

JPEG = b"\xff\xd8\xff\xe0snapshot-bytes\xff\xd9"
PASSWORD = "smtp-pass-for-tests"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def authenticator(
    server: Any, session: Any, envelope: Any, mechanism: str, auth: Any
) -> AuthResult:
    ok = (
        isinstance(auth, LoginPassword)
        and auth.login == b"hub"
        and auth.password == PASSWORD.encode()
    )
    return AuthResult(success=ok, handled=False)


@pytest.fixture
def smtp() -> Iterator[tuple[int, Mailbox]]:
    mailbox = Mailbox()
    port = free_port()
    controller = Controller(
        mailbox,
        hostname="127.0.0.1",
        port=port,
        authenticator=authenticator,
        auth_require_tls=False,
    )
    controller.start()
    try:
        yield port, mailbox
    finally:
        controller.stop()


def alert(**changes: Any) -> Alert:
    values: dict[str, Any] = {
        "id": "ev1",
        "camera": "front-door",
        "labels": ("person", "dog"),
        "zones": ("porch",),
        "event_ids": ("ev1",),
        "start": 1_717_400_000.0,
        "title": "Person at front-door",
        "body": "Person and dog · 14:32",
        "url": "/events/ev1",
        "snapshot_jpeg": JPEG,
    }
    values.update(changes)
    return Alert(**values)


def config(port: int, tmp_path: Path, **changes: Any) -> EmailConfig:
    password_file = tmp_path / "smtp-password"
    password_file.write_text(PASSWORD + "\n")
    values: dict[str, Any] = {
        "host": "127.0.0.1",
        "port": port,
        "security": "none",
        "username": "hub",
        "password_file": password_file,
        "from_address": "Frontporch <hub@example.org>",
        "to": ["owner@example.org"],
        "timeout_s": 5,
    }
    values.update(changes)
    return EmailConfig.model_validate(values)


def test_the_message_has_text_link_and_inline_snapshot(
    smtp: tuple[int, Mailbox], tmp_path: Path
) -> None:
    port, mailbox = smtp
    channel = EmailChannel(config(port, tmp_path), hub_url="https://hub.example.lan")
    (delivery,) = channel.deliver(alert())
    assert delivery.ok, delivery.status
    assert (delivery.channel, delivery.target) == ("email", "o***@example.org")
    (message,) = mailbox.messages
    assert message["Subject"] == "Person at front-door"
    assert message["To"] == "owner@example.org"
    text = message.get_body(("plain",))
    assert text is not None
    content = text.get_content()
    assert "Person and dog · 14:32" in content
    assert "https://hub.example.lan/events/ev1" in content
    images = [p for p in message.walk() if p.get_content_type() == "image/jpeg"]
    assert len(images) == 1
    assert images[0].get_content_disposition() == "inline"
    assert images[0].get_payload(decode=True) == JPEG
    html = message.get_body(("html",))
    assert html is not None
    assert f"cid:{images[0]['Content-ID'].strip('<>')}" in html.get_content()


def test_an_update_says_so_and_no_snapshot_means_text_only(
    smtp: tuple[int, Mailbox], tmp_path: Path
) -> None:
    port, mailbox = smtp
    channel = EmailChannel(config(port, tmp_path))
    assert channel.deliver(alert(update=True, snapshot_jpeg=None))[0].ok
    (message,) = mailbox.messages
    assert message["Subject"] == "Person at front-door (better picture)"
    assert not [p for p in message.walk() if p.get_content_maintype() == "image"]
    body = message.get_body(("plain",))
    assert body is not None
    assert "On the hub: /events/ev1" in body.get_content()


def test_password_from_an_environment_variable(
    smtp: tuple[int, Mailbox], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    port, mailbox = smtp
    monkeypatch.setenv("HUB_SMTP_PASSWORD", PASSWORD)
    cfg = config(port, tmp_path, password_file=None, password_env="HUB_SMTP_PASSWORD")
    assert EmailChannel(cfg).deliver(alert())[0].ok
    assert len(mailbox.messages) == 1


def test_a_wrong_password_is_a_failed_delivery(smtp: tuple[int, Mailbox], tmp_path: Path) -> None:
    port, mailbox = smtp
    wrong = tmp_path / "wrong"
    wrong.write_text("not-it\n")
    (delivery,) = EmailChannel(config(port, tmp_path, password_file=wrong)).deliver(alert())
    assert not delivery.ok
    assert "refused the user name or password" in delivery.status
    assert PASSWORD not in delivery.status
    assert "not-it" not in delivery.status
    assert mailbox.messages == []


def test_a_missing_password_file_is_named(smtp: tuple[int, Mailbox], tmp_path: Path) -> None:
    port, _ = smtp
    cfg = config(port, tmp_path, password_file=tmp_path / "absent")
    (delivery,) = EmailChannel(cfg).deliver(alert())
    assert not delivery.ok
    assert "cannot read the SMTP password file" in delivery.status


def test_starttls_refused_by_a_server_without_it(smtp: tuple[int, Mailbox], tmp_path: Path) -> None:
    port, mailbox = smtp
    (delivery,) = EmailChannel(config(port, tmp_path, security="starttls")).deliver(alert())
    assert not delivery.ok
    assert "STARTTLS" in delivery.status
    assert mailbox.messages == []


def test_a_server_that_is_down(tmp_path: Path) -> None:
    (delivery,) = EmailChannel(config(free_port(), tmp_path)).deliver(alert())
    assert not delivery.ok
    assert delivery.status


def test_config_refuses_two_password_sources_and_bad_addresses(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="not both"):
        config(25, tmp_path, password_env="X")
    with pytest.raises(ValueError, match="not an email address"):
        config(25, tmp_path, to=["owner"])
