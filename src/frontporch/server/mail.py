"""Account email: the Mailer interface, an SMTP mailer, a development outbox, templates.

Messages are plain text, built from the templates in `templates/email/`; the links in
them carry one-time tokens, so a message is never logged — only its kind and a masked
recipient. In development without an SMTP server, messages are written to
data_dir/outbox as .eml files instead, each with a decoded .txt beside it: the .eml's
body is quoted-printable, so a link copied from it reads `token=3D…` and fails.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Protocol

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from sqlalchemy.orm import Session

from frontporch.server.db import after_commit

log = logging.getLogger(__name__)

TEMPLATES = Path(__file__).parent / "templates" / "email"


class MailError(Exception):
    """A message could not be handed to the mail server."""


@dataclass(frozen=True)
class Mail:
    """One outgoing message."""

    to: str
    subject: str
    body: str
    kind: str


class Mailer(Protocol):
    """Sends account email."""

    def send(self, mail: Mail) -> None:
        """Deliver `mail`, or raise MailError."""
        ...


def mask_email(address: str) -> str:
    """An address fit for logs: 'a***@example.org'."""
    local, _, domain = address.partition("@")
    return f"{local[:1]}***@{domain}" if domain else "***"


_env = Environment(
    loader=FileSystemLoader(TEMPLATES),
    undefined=StrictUndefined,
    autoescape=False,  # noqa: S701 (plain-text email, never HTML)
    keep_trailing_newline=True,
)


def render_mail(kind: str, to: str, **values: object) -> Mail:
    """Build a message from `templates/email/<kind>.txt`, whose first line is the subject."""
    text = _env.get_template(f"{kind}.txt").render(**values)
    subject, _, body = text.partition("\n")
    return Mail(
        to=to, subject=subject.removeprefix("Subject:").strip(), body=body.lstrip(), kind=kind
    )


def to_message(mail: Mail, sender: str) -> EmailMessage:
    """The RFC 5322 message for `mail`."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = mail.to
    message["Subject"] = mail.subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2].strip(">") or None)
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(mail.body)
    return message


class SmtpMailer:
    """Sends through an SMTP server, upgrading with STARTTLS when asked."""

    def __init__(
        self,
        host: str,
        port: int,
        sender: str,
        *,
        username: str | None = None,
        password: str | None = None,
        starttls: bool = True,
        timeout_s: float = 10.0,
    ) -> None:
        self.host = host
        self.port = port
        self.sender = sender
        self._username = username
        self._password = password
        self._starttls = starttls
        self._timeout_s = timeout_s

    def send(self, mail: Mail) -> None:
        """Deliver `mail` over one SMTP connection; MailError on any failure."""
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self._timeout_s) as smtp:
                if self._starttls:
                    smtp.starttls(context=ssl.create_default_context())
                if self._username:
                    smtp.login(self._username, self._password or "")
                smtp.send_message(to_message(mail, self.sender))
        except (OSError, smtplib.SMTPException) as exc:
            log.warning("could not send %s mail to %s: %s", mail.kind, mask_email(mail.to), exc)
            raise MailError(f"the mail server refused the message ({type(exc).__name__})") from exc
        log.info("sent %s mail to %s", mail.kind, mask_email(mail.to))


class OutboxMailer:
    """Development only: writes each message to a directory as an .eml file, and the same
    message as plain text (.txt) whose links can be copied into a browser as they are."""

    def __init__(self, directory: Path, sender: str) -> None:
        self.directory = directory
        self.sender = sender
        self._count = 0

    def send(self, mail: Mail) -> None:
        """Write `mail` to the outbox directory, as `<name>.eml` and `<name>.txt`."""
        self.directory.mkdir(parents=True, exist_ok=True)
        self._count += 1
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        name = f"{stamp}-{self._count}-{mail.kind}"
        (self.directory / f"{name}.eml").write_bytes(bytes(to_message(mail, self.sender)))
        readable = f"To: {mail.to}\nSubject: {mail.subject}\n\n{mail.body}"
        (self.directory / f"{name}.txt").write_text(readable, encoding="utf-8")
        log.info("wrote %s mail for %s to the outbox", mail.kind, mask_email(mail.to))


def queue_mail(db: Session, mailer: Mailer, to: str, kind: str, **values: object) -> None:
    """Render a message now and send it once the request's transaction has committed."""
    mail = render_mail(kind, to, **values)
    after_commit(db, lambda: mailer.send(mail))
