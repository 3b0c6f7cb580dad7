"""The server's schema migrations (Alembic), run from code: no alembic.ini needed.

`upgrade_to_head(url_or_engine)` brings a database to the newest revision. The same
revisions run on SQLite (with batch mode, which SQLite needs to alter tables) and on
PostgreSQL. To write a new revision: `alembic_config(url)` and alembic's `command.revision`.
"""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine

from frontporch.server.db import make_engine

SCRIPT_LOCATION = "frontporch.server:migrations"


def alembic_config(url: str | None = None) -> Config:
    """An Alembic config pointing at these migrations (and at `url`, if given)."""
    config = Config()
    config.set_main_option("script_location", SCRIPT_LOCATION)
    if url is not None:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade_to_head(target: str | Engine) -> None:
    """Apply every migration the database lacks.

    On SQLite, foreign keys are off while migrating (as SQLite's own ALTER TABLE recipe
    says): batch mode rebuilds a table by dropping it, and with foreign keys on, dropping
    `users` would cascade into every table that refers to it. The keys are checked
    before the migration commits, and turned back on afterwards.
    """
    engine = make_engine(target) if isinstance(target, str) else target
    try:
        with engine.connect() as connection:
            sqlite = connection.dialect.name == "sqlite"
            if sqlite:  # a no-op inside a transaction: set it before one begins
                connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
                connection.commit()
            try:
                with connection.begin():
                    config = alembic_config()
                    config.attributes["connection"] = connection
                    command.upgrade(config, "head")
                    if sqlite:
                        _check_foreign_keys(connection)
            finally:
                if sqlite:
                    connection.exec_driver_sql("PRAGMA foreign_keys=ON")
                    connection.commit()
    finally:
        if isinstance(target, str):
            engine.dispose()


def _check_foreign_keys(connection: Connection) -> None:
    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if broken:
        raise RuntimeError(f"the migration left {len(broken)} rows with dangling foreign keys")


def head_revision() -> str | None:
    """The newest revision these migrations define."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(engine: Engine) -> str | None:
    """The revision a database is at (None if never migrated)."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()
