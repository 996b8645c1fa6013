"""Connections to the store: SQLite (WAL, writes that take the lock up front) or
PostgreSQL; schema version checks; migrations through Alembic; database errors as
:class:`~model.errors.StoreError` naming the file or server."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from ..errors import StoreError
from .schema import HEAD

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
#: Seconds a write waits for another writer before the store is reported locked.
DEFAULT_TIMEOUT = 30.0
#: PostgreSQL advisory lock key that serialises migrations (any constant will do).
_MIGRATION_LOCK = 0x62756467


def where(url: sa.URL) -> str:
    """The store as a user names it: the SQLite file, or the server and database (no password)."""
    if url.get_backend_name() == "sqlite":
        return str(url.database)
    return url.render_as_string(hide_password=True)


def make_engine(url: str, timeout: float = DEFAULT_TIMEOUT) -> sa.Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if not parsed.database or parsed.database == ":memory:":
            raise StoreError(url, "the store must be a file (an in-memory SQLite store is lost at exit)")
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(parsed, connect_args={"timeout": timeout})

        @sa.event.listens_for(engine, "connect")
        def _sqlite_connect(dbapi_connection, _record):
            # SQLAlchemy, not the driver, starts transactions (see _sqlite_begin).
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA foreign_keys = ON")
            cursor.execute("PRAGMA synchronous = NORMAL")  # WAL: durable at checkpoints, never corrupt
            cursor.close()

        @sa.event.listens_for(engine, "begin")
        def _sqlite_begin(connection):
            # A write takes the write lock when it starts, so two writers queue
            # (busy_timeout) instead of one failing when it upgrades a read lock.
            mode = connection.get_execution_options().get("sqlite_begin", "DEFERRED")
            connection.exec_driver_sql(f"BEGIN {mode}")

        return engine
    if parsed.get_backend_name() == "postgresql":
        return sa.create_engine(parsed, pool_pre_ping=True,
                                connect_args={"connect_timeout": max(1, int(timeout))})
    raise StoreError(where(parsed), "is not a store budgetsim can use: give an SQLite file or a "
                                    "postgresql+psycopg:// URL")


@contextlib.contextmanager
def translated(url: sa.URL) -> Iterator[None]:
    """Database errors as a :class:`StoreError` that names the store and what to do."""
    try:
        yield
    except sa.exc.DBAPIError as exc:
        raise StoreError(where(url), _explain(url, exc)) from exc


def _explain(url: sa.URL, exc: sa.exc.DBAPIError) -> str:
    message = str(exc.orig).strip().splitlines()[0] if exc.orig is not None else str(exc)
    if url.get_backend_name() == "sqlite":
        lowered = message.lower()
        if "locked" in lowered or "busy" in lowered:
            return (f"is locked by another process (waited for it, then gave up: {message}); "
                    "try again when that process has finished")
        if isinstance(exc.orig, sqlite3.DatabaseError) and ("not a database" in lowered or "malformed" in lowered
                                                            or "corrupt" in lowered):
            return (f"is not a readable budgetsim store ({message}): the file is damaged or is not an "
                    "SQLite database; move it aside (a new store is created) or give another --db")
        if "unable to open" in lowered or "readonly" in lowered:
            return f"cannot be opened for writing ({message}): check the folder and its permissions"
    if isinstance(exc, sa.exc.OperationalError) and url.get_backend_name() == "postgresql":
        return f"cannot reach the database server ({message})"
    return message


def revision(connection: sa.Connection) -> str | None:
    """The schema revision of the store, or None for an empty database."""
    inspector = sa.inspect(connection)
    if not inspector.has_table("alembic_version"):
        if inspector.get_table_names():
            raise StoreError(where(connection.engine.url),
                             "holds tables but is no budgetsim store (no schema version): give another --db")
        return None
    return connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()


def check_revision(engine: sa.Engine, create: bool) -> None:
    """Fail unless the store is at :data:`HEAD`; an empty one is created when ``create``."""
    url = engine.url
    with translated(url):
        with engine.connect() as connection:
            found = revision(connection)
    if found == HEAD:
        return
    if found is None and create:
        upgrade(engine)
        return
    if found is None:
        raise StoreError(where(url), "is empty: run `budgetsim db upgrade` to create the store")
    if found not in _known_revisions():
        raise StoreError(where(url), f"was written by a newer budgetsim (schema {found}; this one knows up "
                                     f"to {HEAD}): upgrade budgetsim")
    raise StoreError(where(url), f"is at schema {found}, this budgetsim needs {HEAD}: run "
                                 f"`budgetsim db upgrade` (the data is kept)")


def _known_revisions() -> set[str]:
    return {p.name.split("_", 1)[0] for p in (MIGRATIONS / "versions").glob("0*.py")}


def alembic_config(connection: sa.Connection | None = None):
    """Alembic's configuration, built in code: the migrations inside the package."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("path_separator", "os")
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def upgrade(engine: sa.Engine, target: str = "head") -> tuple[str | None, str]:
    """Migrate the store to ``target`` in one transaction; returns (from, to) revisions.

    Writers are held off while it runs (SQLite's write lock; a PostgreSQL advisory
    lock), and the revision is read again under the lock, so two processes opening
    a new store at once create it once.
    """
    from alembic import command

    with translated(engine.url):
        with engine.execution_options(sqlite_begin="IMMEDIATE").begin() as connection:
            if engine.url.get_backend_name() == "postgresql":
                connection.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK})
            before = revision(connection)
            command.upgrade(alembic_config(connection), target)
            after = revision(connection)
    return before, after or ""
