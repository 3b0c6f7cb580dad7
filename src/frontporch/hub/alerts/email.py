"""Alert email: one message per alert, through the hub's own SMTP server.

The message is plain text (the alert's title and body, when, and a link to the event
on the hub if `alerts.hub_url` is set) with the snapshot as an inline JPEG part
(`Content-Disposition: inline`, referenced by its Content-ID), so a mail client shows
the picture with the text. Connection security is STARTTLS (RFC 3207), TLS from the
first byte (port 465) or none for a trusted local relay; the password comes from a file
or an environment variable (`EmailConfig.password`). Addresses are masked in logs and
the message is never logged.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
import time
from collections.abc import Callable
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from frontporch.hub.alerts.config import AlertsConfigError, EmailConfig, SmtpSecurity
from frontporch.hub.alerts.model import Alert, Delivery

log = logging.getLogger(__name__)


def mask_address(address: str) -> str:
    """An address fit for logs and the delivery log: 'o***@example.org'."""
    local, _, domain = address.partition("@")
    return f"{local[:1]}***@{domain}" if domain else "***"


def alert_message(
    alert: Alert, sender: str, recipients: list[str], hub_url: str | None
) -> EmailMessage:
    """The RFC 5322 message for `alert`: text, a link, the snapshot inline."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = ", ".join(recipients)
    subject = f"{alert.title} (better picture)" if alert.update else alert.title
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=True)
    domain = sender.rpartition("@")[2].strip(">") or None
    message["Message-ID"] = make_msgid(domain=domain)
    message["Auto-Submitted"] = "auto-generated"
    link = f"{hub_url}{alert.url}" if hub_url else None
    lines = [alert.title, "", alert.body, ""]
    lines.append(f"Open it on the hub: {link}" if link else f"On the hub: {alert.url}")
    message.set_content("\n".join(lines) + "\n")
    if alert.snapshot_jpeg:
        cid = make_msgid(domain=domain)
        link_open = f'<a href="{link}">' if link else ""
        link_close = "</a>" if link else ""
        message.add_alternative(
            "<!doctype html><html><body>"
            f"<p><strong>{_escape(alert.title)}</strong></p><p>{_escape(alert.body)}</p>"
            f'<p>{link_open}<img src="cid:{cid[1:-1]}" alt="Snapshot" '
            f'style="max-width:100%">{link_close}</p></body></html>',
            subtype="html",
        )
        html = next(part for part in message.iter_parts() if part.get_content_subtype() == "html")
        assert isinstance(html, EmailMessage)  # add_alternative made it one
        html.add_related(
            alert.snapshot_jpeg,
            maintype="image",
            subtype="jpeg",
            cid=cid,
            disposition="inline",
            filename="snapshot.jpg",
        )
    return message


def _escape(text: str) -> str:
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )


class EmailChannel:
    """Alert email to the configured addresses, as one message per alert."""

    kind = "email"

    def __init__(
        self,
        config: EmailConfig,
        hub_url: str | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.config = config
        self.hub_url = hub_url
        self._clock = clock

    @property
    def target(self) -> str:
        """The recipients as the delivery log shows them (masked)."""
        return ", ".join(mask_address(a) for a in self.config.to)

    def deliver(self, alert: Alert) -> list[Delivery]:
        """Send `alert` over one SMTP connection; one Delivery for the message."""
        config = self.config
        try:
            password = config.password()
        except AlertsConfigError as exc:
            return [Delivery(self.kind, self.target, False, str(exc))]
        message = alert_message(alert, config.from_address, config.to, self.hub_url)
        try:
            smtp: smtplib.SMTP
            if config.security is SmtpSecurity.ssl:
                smtp = smtplib.SMTP_SSL(
                    config.host,
                    config.port,
                    timeout=config.timeout_s,
                    context=ssl.create_default_context(),
                )
            else:
                smtp = smtplib.SMTP(config.host, config.port, timeout=config.timeout_s)
            with smtp:
                if config.security is SmtpSecurity.starttls:
                    smtp.starttls(context=ssl.create_default_context())
                if config.username:
                    smtp.login(config.username, password or "")
                refused = smtp.send_message(message)
        except smtplib.SMTPAuthenticationError as exc:
            status = f"the SMTP server refused the user name or password ({exc.smtp_code})"
            return [self._failed(alert, status)]
        except smtplib.SMTPNotSupportedError:
            return [self._failed(alert, "the SMTP server does not offer STARTTLS")]
        except (TimeoutError, smtplib.SMTPServerDisconnected) as exc:
            return [self._failed(alert, f"no answer from {config.host}:{config.port} ({exc})")]
        except ssl.SSLError as exc:
            return [self._failed(alert, f"TLS failed: {exc.reason or exc}")]
        except (OSError, smtplib.SMTPException) as exc:
            return [self._failed(alert, f"{type(exc).__name__}: {exc}")]
        if refused:
            listed = ", ".join(mask_address(a) for a in refused)
            return [self._failed(alert, f"sent, but refused for {listed}")]
        log.info("alert %s mailed to %d address(es)", alert.id, len(config.to))
        return [Delivery(self.kind, self.target, True, "250 accepted")]

    def _failed(self, alert: Alert, status: str) -> Delivery:
        log.warning("alert %s: email failed: %s", alert.id, status)
        return Delivery(self.kind, self.target, False, status)
