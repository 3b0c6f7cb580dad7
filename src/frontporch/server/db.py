"""The database: engine, sessions, the declarative base and the per-request unit of work.

SQLite (the embedded default) gets WAL, foreign keys and a busy timeout on every
connection, so cascades work and several processes can share the file. Timestamps are
stored as naive UTC and always come back timezone-aware, on SQLite as on PostgreSQL.

The request dependency `db_session` opens one session per request, commits after the
handler returned and rolls back if it raised; services and repositories never commit.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Annotated, Any

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


def make_engine(url: str) -> Engine:
    """An engine for `url`; SQLite connections get the pragmas above."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True)


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


def db_session(request: Request) -> Iterator[Session]:
    """One session per request: committed if the handler returns, rolled back if it raises."""
    factory: sessionmaker[Session] = request.app.state.server.sessions
    with factory() as session:
        try:
            yield session
        except BaseException:
            session.rollback()
            session.info.pop(AFTER_COMMIT, None)
            raise
        session.commit()
        run_after_commit(session)


# scope="function": commit before the response is sent, so a failed commit is an error
# the client sees, and the client's next request sees what this one wrote.
DbSession = Annotated[Session, Depends(db_session, scope="function")]
