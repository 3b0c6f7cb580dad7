"""The database: engine, sessions, the declarative base and the per-request unit of work.

SQLite (the embedded default) gets WAL, foreign keys and a busy timeout on every
connection, so cascades work and several processes can share the file. Timestamps are
stored as naive UTC and always come back timezone-aware, on SQLite as on PostgreSQL.

The request dependency `db_session` opens one session per request, commits after the
handler returned and rolls back if it raised; services and repositories never commit
(a hot read handler may end its unit of work itself with `finish`). A page reads its
header's values in that same session (`request_session`), not one of its own.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Annotated, Any

import anyio
import anyio.to_thread
from anyio import CapacityLimiter
from fastapi import Depends, Request
from sqlalchemy import DateTime, Engine, MetaData, create_engine, event
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
SQLITE_BUSY_TIMEOUT_MS = 5000
# Connections kept open by default, and how many more may open at busy moments (closed
# again once returned): together the thread pool's 40 workers, which is the most
# requests that can hold a session at once.
POOL_SIZE = 16
POOL_LIMIT = 40
AFTER_COMMIT = "frontporch.after_commit"

log = logging.getLogger(__name__)


class Base(DeclarativeBase):
    """The declarative base of every server model; constraint names are deterministic."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored as naive UTC and returned timezone-aware (UTC)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are ambiguous; pass an aware UTC datetime")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


def utcnow() -> datetime:
    """The current time, timezone-aware UTC (the default clock)."""
    return datetime.now(UTC)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def make_engine(url: str, pool_size: int = POOL_SIZE) -> Engine:
    """An engine for `url` that keeps `pool_size` connections open; SQLite connections
    get the pragmas above.

    A pool smaller than the requests in flight would open and close a connection for
    each request beyond it: a PostgreSQL backend started per request, or an SQLite
    connection whose page cache starts cold every time.
    """
    overflow = max(0, POOL_LIMIT - pool_size)
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False},
            pool_size=pool_size,
            max_overflow=overflow,
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=pool_size, max_overflow=overflow)


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    """Sessions whose objects stay readable after commit (responses are built after it)."""
    return sessionmaker(engine, expire_on_commit=False)


def after_commit(session: Session, action: Callable[[], None]) -> None:
    """Run `action` once the request's transaction has committed (e.g. send an email).

    Mail that carries a token must not leave before the token exists for good; if the
    transaction rolls back, the actions are dropped. A failing action is logged only.
    """
    session.info.setdefault(AFTER_COMMIT, []).append(action)


def run_after_commit(session: Session) -> None:
    """Run and forget the actions queued with `after_commit`."""
    actions: list[Callable[[], None]] = session.info.pop(AFTER_COMMIT, [])
    for action in actions:
        try:
            action()
        except Exception:
            log.exception("an after-commit action failed")


def finish(session: Session) -> None:
    """End the request's unit of work now, from the handler's thread: commit, then the
    after-commit actions. For hot read handlers: `db_session` then has nothing left to
    do and skips its trip through the thread pool."""
    session.commit()
    run_after_commit(session)


def _settled(session: Session) -> bool:
    # No transaction open and nothing waiting to be flushed: closing does no I/O.
    return not session.in_transaction() and not (session.new or session.dirty or session.deleted)


def _commit(session: Session) -> None:
    with session:
        finish(session)


def _roll_back(session: Session) -> None:
    with session:
        session.rollback()
        session.info.pop(AFTER_COMMIT, None)


async def db_session(request: Request) -> AsyncIterator[Session]:
    """One session per request: committed if the handler returns, rolled back if it raises.

    `async`, so that opening the session (no I/O: a connection is taken on the first
    query) costs no thread-pool hop; the commit or rollback runs in the thread pool,
    shielded from cancellation, with a limiter of its own so that a full pool cannot
    keep a finished request from giving its connection back.
    """
    factory: sessionmaker[Session] = request.app.state.server.sessions
    session = factory()
    request.state.db_session = session
    try:
        yield session
    except BaseException:
        if _settled(session):
            session.close()
        else:
            with anyio.CancelScope(shield=True):
                await anyio.to_thread.run_sync(_roll_back, session, limiter=CapacityLimiter(1))
        raise
    if _settled(session):  # nothing done, or `finish` already committed
        session.close()
    else:
        with anyio.CancelScope(shield=True):
            await anyio.to_thread.run_sync(_commit, session, limiter=CapacityLimiter(1))


def request_session(request: Request) -> Session:
    """The session `db_session` opened for this request: what a page's header is read
    in while the handler renders it."""
    session: Session = request.state.db_session
    return session


# scope="function": commit before the response is sent, so a failed commit is an error
# the client sees, and the client's next request sees what this one wrote.
DbSession = Annotated[Session, Depends(db_session, scope="function")]
