"""Account email: templates render, and the SMTP mailer delivers to a real SMTP server."""

from __future__ import annotations

from pathlib import Path

from frontporch.server.mail import OutboxMailer, mask_email, render_mail


def test_templates_render_with_subjects() -> None:
    mail = render_mail(
        "verify_email", "ann@example.org", link="http://x/verify-email?token=t", hours=48
    )
    assert mail.subject == "Confirm your email address for Frontporch"
    assert "http://x/verify-email?token=t" in mail.body
    assert not mail.body.startswith("Subject")
    for kind, values in [
        ("reset_password", {"link": "l", "hours": 1}),
        ("already_registered", {"base_url": "b"}),
        ("new_device", {"when": "w", "agent": "a", "network": "n", "base_url": "b"}),
    ]:
        assert render_mail(kind, "a@b.org", **values).subject


def test_outbox_and_masking(tmp_path: Path) -> None:
    OutboxMailer(tmp_path, "x@y.org").send(
        render_mail("already_registered", "a@b.org", base_url="b")
    )
    assert len(list(tmp_path.glob("*.eml"))) == 1
    assert mask_email("annabelle@example.org") == "a***@example.org"
