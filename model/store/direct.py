"""One run written to an SQLite store with the standard library's ``sqlite3``: what the
command line's recorder uses, so that recording a run imports no SQLAlchemy (a few
hundred milliseconds that would otherwise be the larger part of recording).

The rows are the ones :meth:`~model.store.Store.record_run` writes through SQLAlchemy
(built by the same :func:`~model.store.records.run_record`; ``tests/test_recorder.py``
compares the two stores row by row), in one ``BEGIN IMMEDIATE`` transaction with the
same connection settings as ``engine.py``. Anything out of the ordinary -- no store file
yet, another schema version, any SQLite error -- is left to :class:`~model.store.Store`,
which creates, upgrades or explains (a failed transaction here wrote nothing).
"""

from __future__ import annotations

import datetime
import json
import sqlite3
from pathlib import Path
from typing import Any

from . import records
from .location import HEAD

#: Seconds a write waits for another writer (as engine.DEFAULT_TIMEOUT).
TIMEOUT = 30.0


def sqlite_path(url: str) -> Path | None:
    """The file of an ``sqlite:///`` store URL, or None for another database."""
    return Path(url[len("sqlite:///"):]) if url.startswith("sqlite:///") else None


def usable(path: Path) -> bool:
    """Whether ``path`` may be written here: an existing file (its schema is checked in
    the write's transaction, :class:`NotHere` if it is not this budgetsim's)."""
    return path.is_file()


class NotHere(Exception):
    """The store is not one this module writes (another schema): :class:`~model.store.Store`
    must open it, to upgrade it or say why not."""


def _value(value: Any) -> Any:
    """A value as SQLAlchemy's SQLite dialect stores it: times as text (UTC, no zone, with
    microseconds), JSON columns as ``json.dumps`` text."""
    if isinstance(value, datetime.datetime):
        return f"{value:%Y-%m-%d %H:%M:%S}.{value.microsecond:06d}"
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    return value


def _insert(connection: sqlite3.Connection, table: str, row: dict[str, Any], extra: str = "") -> sqlite3.Cursor:
    names = list(row)
    return connection.execute(f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})"
                              f"{extra}", [_value(row[n]) for n in names])


def record_run(path: Path, result, scenario, **options: Any) -> int:
    """Record ``result`` of ``scenario`` in the store at ``path``; the run id. ``options``
    as :meth:`~model.store.Store.record_run`. Raises ``sqlite3.Error`` when SQLite does, and
    :class:`NotHere` for a store at another schema (nothing is written either way)."""
    sha, row, packed = records.run_record(result, scenario, **options)
    connection = sqlite3.connect(str(path), timeout=TIMEOUT, isolation_level=None)
    try:
        connection.execute(f"PRAGMA busy_timeout = {int(TIMEOUT * 1000)}")
        connection.execute("PRAGMA foreign_keys = ON")  # WAL mode is the file's own, set when it was made
        connection.execute("PRAGMA synchronous = NORMAL")
        connection.execute("BEGIN IMMEDIATE")  # the write lock first: writers queue
        try:
            if connection.execute("SELECT version_num FROM alembic_version").fetchone() != (HEAD,):
                raise NotHere(path)
            if connection.execute("SELECT 1 FROM scenarios WHERE sha256 = ?", (sha,)).fetchone() is None:
                _insert(connection, "scenarios", records.scenario_row(scenario, sha), " ON CONFLICT DO NOTHING")
            run_id = _insert(connection, "runs", row).lastrowid
            connection.executemany("INSERT INTO run_files (run_id, name, data, size) VALUES (?, ?, ?, ?)",
                                   [(run_id, f["name"], f["data"], f["size"]) for f in packed])
            connection.execute("COMMIT")
        except BaseException:
            if connection.in_transaction:
                connection.execute("ROLLBACK")
            raise
    finally:
        connection.close()
    return int(run_id)
