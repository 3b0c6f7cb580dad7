"""The SMTP mailer against a real SMTP server: delivery, and a clear error when none answers."""

from __future__ import annotations

import pytest

from frontporch.server.mail import MailError, SmtpMailer, render_mail
from server_fixtures import smtp_server


def test_smtp_mailer_delivers() -> None:
    server = smtp_server()
    smtp = next(server)
    try:
        mailer = SmtpMailer(
            smtp.host, smtp.port, "Frontporch <no-reply@porch.test>", starttls=False
        )
        mailer.send(
            render_mail(
                "reset_password",
                "ann@example.org",
                link="http://x/reset-password?token=abc",
                hours=1,
            )
        )
        [message] = smtp.mailbox.to("ann@example.org")
        assert message["From"] == "Frontporch <no-reply@porch.test>"
        assert smtp.mailbox.last_link("ann@example.org", "/reset-password") == "abc"
    finally:
        server.close()


def test_unreachable_smtp_is_a_mail_error() -> None:
    mailer = SmtpMailer("127.0.0.1", 1, "x@y.org", starttls=False, timeout_s=2)
    with pytest.raises(MailError):
        mailer.send(render_mail("already_registered", "a@b.org", base_url="b"))
