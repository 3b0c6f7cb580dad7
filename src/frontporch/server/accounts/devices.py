"""Known devices, and the emails a user gets when their account is used from a new one
or when their password was entered with a wrong two-factor code.

A device is recognised by its signed `fp_device` cookie, or (for programs that keep no
cookies) by its user agent and address class; both are stored only as HMACs. The very
first device of an account sends no email: that sign-in is the sign-up itself.
"""

from __future__ import annotations

import logging
import uuid

from sqlalchemy.orm import Session

from frontporch.server.accounts.lockout import ClientInfo
from frontporch.server.accounts.models import User
from frontporch.server.accounts.repository import KnownDeviceRepository
from frontporch.server.accounts.sessions import (
    address_class,
    device_cookie_value,
    device_id_from_cookie,
)
from frontporch.server.context import ServerContext
from frontporch.server.mail import MailError, queue_mail, render_mail

log = logging.getLogger(__name__)


def note_device(db: Session, context: ServerContext, user: User, client: ClientInfo) -> str:
    """Remember the device of a sign-in, email the user if it is new; the cookie to set."""
    devices = KnownDeviceRepository(db)
    keyed = context.keyed_hash
    device_id = device_id_from_cookie(client.device_cookie, keyed) or uuid.uuid4().hex
    network = address_class(client.address)
    by_cookie = keyed("device", f"cookie:{device_id}")
    by_agent = keyed("device", f"agent:{client.user_agent[:200]}|{network}")
    now = context.clock()
    if devices.find_any(user.id, [by_cookie, by_agent]) is None and devices.count_of(user.id):
        queue_mail(
            db,
            context.mailer,
            user.email,
            "new_device",
            when=now.strftime("%Y-%m-%d %H:%M UTC"),
            agent=client.user_agent[:120] or "unknown",
            network=network,
            base_url=context.settings.base_url,
        )
    devices.remember(user.id, by_cookie, now)
    devices.remember(user.id, by_agent, now)
    return device_cookie_value(device_id, keyed)


def alert_wrong_code(context: ServerContext, user: User, client: ClientInfo) -> None:
    """Tell the user that their password was just entered with a wrong two-factor code.

    Sent at once rather than after commit: the failed request rolls back, and the
    warning must go out all the same (it carries no token). A mail failure is logged
    and does not change the answer; the lockout holds either way.
    """
    mail = render_mail(
        "wrong_second_factor",
        user.email,
        when=context.clock().strftime("%Y-%m-%d %H:%M UTC"),
        agent=client.user_agent[:120] or "unknown",
        network=address_class(client.address),
        base_url=context.settings.base_url,
    )
    try:
        context.mailer.send(mail)
    except MailError:
        log.warning("the wrong-code alert could not be sent")
