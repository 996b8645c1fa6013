"""Where the store is: ``--db URL``, else ``$BUDGETSIM_DB``, else an SQLite file in the
user's data folder (``$XDG_DATA_HOME/budgetsim/budgetsim.sqlite``, by default
``~/.local/share/budgetsim/budgetsim.sqlite``), created on first use.

A value with ``://`` is a database URL (``sqlite:////path/file.sqlite``,
``postgresql+psycopg://user@host/dbname``; a bare ``postgresql://`` gets the psycopg
driver); anything else is the path of an SQLite file.
"""

from __future__ import annotations

import os
from pathlib import Path

#: The schema revision this budgetsim reads and writes: the newest Alembic migration
#: (``migrations/versions``; a test checks it). Here, so that it is known without SQLAlchemy.
HEAD = "0003"
#: The environment variable that names the store (the CLI's ``--db`` wins over it).
ENV_VAR = "BUDGETSIM_DB"
DEFAULT_FILE_NAME = "budgetsim.sqlite"


def default_path() -> Path:
    """The SQLite file used when neither ``--db`` nor ``$BUDGETSIM_DB`` is given."""
    data_home = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data_home) / "budgetsim" / DEFAULT_FILE_NAME


def resolve_url(db: str | os.PathLike | None = None) -> str:
    """The SQLAlchemy URL of the store named by ``db``, ``$BUDGETSIM_DB`` or the default."""
    value = os.fspath(db) if db is not None else os.environ.get(ENV_VAR, "")
    if not value:
        value = str(default_path())
    if "://" not in value:
        return f"sqlite:///{Path(value).expanduser().resolve()}"
    scheme, _, rest = value.partition("://")
    if scheme in ("postgresql", "postgres"):
        return f"postgresql+psycopg://{rest}"
    return value
