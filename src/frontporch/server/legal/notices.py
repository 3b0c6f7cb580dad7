"""Telling an account's owner about a legal demand that named it, and the job that sends
the notices a delay order held back once the delay has ended.

A notice is, in one transaction: the `owner_notice` entry, a `legal_notice`
notification, the LEGAL_NOTICE message to every hub of every home the account owns, and
an email (sent after the commit). The notice row is claimed first with a conditional
UPDATE (`... WHERE notice_status = 'pending'`): of several processes racing for the
same notice, exactly one changes the row and sends; the others change nothing and skip
it. On PostgreSQL the loser waits on the winner's row lock and then finds the row no
longer pending; on SQLite the claim is the transaction's first statement, so the loser
waits for the write lock and then reads the committed row.

`send_due_notices` runs at start (catching up on notices that fell due while the server
was down) and every `legal_notice_interval_s`.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from frontporch.protocol import MessageKind
from frontporch.server.accounts.models import User
from frontporch.server.context import ServerContext
from frontporch.server.db import run_after_commit
from frontporch.server.feed.notifications.service import notify
from frontporch.server.feed.notifications.views import NotificationKind
from frontporch.server.homes.models import Home
from frontporch.server.hubs.models import Hub
from frontporch.server.hubs.service import enqueue
from frontporch.server.legal.models import LegalDemandAccount, LegalDemandRow, NoticeStatus
from frontporch.server.legal.views import KINDS, server_answer
from frontporch.server.mail import queue_mail
from frontporch.server.periodic import PeriodicJob
from frontporch.server.transparency.keys import LogKeys
from frontporch.server.transparency.service import LogService, append_entries
from frontporch.translog.entries import OwnerNotice, moment

log = logging.getLogger(__name__)

MAIL_KIND = "legal_notice"
DUE_BATCH = 100


def hubs_of_owner(db: Session, user_id: Any) -> list[Any]:
    """Every hub paired with a home the account owns."""
    homes = select(Home.id).where(Home.owner_id == user_id)
    return list(db.scalars(select(Hub.id).where(Hub.home_id.in_(homes)).order_by(Hub.id)))


def notice_message(demand: LegalDemandRow, account: LegalDemandAccount) -> dict[str, Any]:
    """The LEGAL_NOTICE body (the contract's fields, nothing more)."""
    return {
        "demand": str(demand.id),
        "kind": demand.kind,
        "authority": demand.authority,
        "received_on": demand.received_on.isoformat(),
        "scope": demand.scope,
        "log_index": account.demand_index,
        "notice_index": account.notice_index,
        "delayed_until": moment(account.notice_delayed_until)
        if account.notice_delayed_until
        else None,
        "server_answer": server_answer(demand),
    }


def deliver(
    db: Session,
    context: ServerContext,
    demand: LegalDemandRow,
    account: LegalDemandAccount,
    now: datetime,
) -> bool:
    """Send a claimed notice (the caller changed its row from pending, or never delayed
    it): log `owner_notice`, notify, message the hubs, email. False (nothing logged,
    the row marked undeliverable) if the account was deleted."""
    user = db.get(User, account.user_id) if account.user_id is not None else None
    if user is None:
        account.notice_status = NoticeStatus.UNDELIVERABLE.value
        db.flush()
        log.info("notice of demand %s undeliverable: the account was deleted", demand.id)
        return False
    entry = OwnerNotice(at=moment(now), demand=str(demand.id), account=account.pseudonym)
    [index] = append_entries(db, [entry], context.clock)
    account.notice_status = NoticeStatus.SENT.value
    account.notice_sent_at = now
    account.notice_index = index
    db.flush()
    notify(db, user.id, NotificationKind.LEGAL_NOTICE, None, now, demand_id=demand.id)
    body = notice_message(demand, account)
    for hub_id in hubs_of_owner(db, user.id):
        enqueue(db, hub_id, MessageKind.LEGAL_NOTICE, body, now)
    base = context.settings.base_url.rstrip("/")
    queue_mail(
        db,
        context.mailer,
        user.email,
        MAIL_KIND,
        demand_kind=KINDS.get(demand.kind, demand.kind),
        authority=demand.authority,
        received_on=demand.received_on.isoformat(),
        scope=demand.scope,
        delayed_until=body["delayed_until"],
        server_answer=body["server_answer"],
        notice_url=f"{base}/legal/notices/{demand.id}",
        log_index=index,
    )
    log.info("notice of demand %s sent (log entry %d)", demand.id, index)
    return True


def _due(context: ServerContext, now: datetime) -> list[tuple[Any, str]]:
    with context.sessions() as db:
        rows = db.execute(
            select(LegalDemandAccount.demand_id, LegalDemandAccount.pseudonym)
            .where(
                LegalDemandAccount.notice_status == NoticeStatus.PENDING.value,
                LegalDemandAccount.notice_delayed_until <= now,
            )
            .order_by(LegalDemandAccount.notice_delayed_until)
            .limit(DUE_BATCH)
        )
        return [(row[0], row[1]) for row in rows]


def send_one(context: ServerContext, demand_id: Any, pseudonym: str) -> bool:
    """Claim and send one due notice in its own transaction; False if another process
    claimed it first (or it is no longer due)."""
    with context.sessions.begin() as db:
        now = context.clock()
        # The claim is the transaction's first statement (see the module's docstring).
        claimed = db.execute(
            update(LegalDemandAccount)
            .where(
                LegalDemandAccount.demand_id == demand_id,
                LegalDemandAccount.pseudonym == pseudonym,
                LegalDemandAccount.notice_status == NoticeStatus.PENDING.value,
                LegalDemandAccount.notice_delayed_until <= now,
            )
            .values(notice_status=NoticeStatus.SENT.value)
            .execution_options(synchronize_session=False)
        )
        if getattr(claimed, "rowcount", 0) != 1:
            return False
        demand = db.get(LegalDemandRow, demand_id)
        account = db.get(LegalDemandAccount, (demand_id, pseudonym))
        # Just claimed, and demands are never deleted.
        assert demand is not None
        assert account is not None
        sent = deliver(db, context, demand, account, now)
    # Outside a request nothing else runs what `queue_mail` left for after the commit.
    run_after_commit(db)
    return sent


def send_due_notices(context: ServerContext, keys: LogKeys | None = None) -> int:
    """Send every held-back notice whose delay has ended; how many were sent.

    Safe to run in several processes at once: each notice is sent exactly once. With
    `keys`, a checkpoint is signed after, so hubs can prove the entries at once (else
    the checkpointer signs one within seconds).
    """
    sent = 0
    while True:
        due = _due(context, context.clock())
        if not due:
            break
        claimed_any = False
        for demand_id, pseudonym in due:
            if send_one(context, demand_id, pseudonym):
                sent += 1
                claimed_any = True
        if not claimed_any or len(due) < DUE_BATCH:
            break
    if sent and keys is not None:
        with context.sessions.begin() as db:
            LogService(db, keys, context.clock).checkpoint_now()
    if sent:
        log.info("sent %d delayed owner notices", sent)
    return sent


def notices_job(context: ServerContext, keys: LogKeys) -> PeriodicJob:
    """The app's delayed-notices job (not yet started): runs at start, then on its interval."""
    return PeriodicJob(
        "legal-notices",
        context.settings.legal_notice_interval_s,
        lambda: send_due_notices(context, keys),
    )
