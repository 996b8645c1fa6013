"""The bureau's workspace: saved scenarios, run history and labels in SQLite or PostgreSQL (SQLAlchemy + Alembic).
May import model.errors, model.io, model.version, model.scenario and model.results; the only code that talks SQL.
"""

# ``Store`` and the rest are imported on first use: ``model.store.location`` and
# ``model.store.recorder`` (what a command needs before it records) do not import SQLAlchemy.

from .location import DEFAULT_FILE_NAME, ENV_VAR, default_path, resolve_url

__all__ = ["Store", "open_store", "StoredRun", "SavedScenario", "RunPage", "resolve_url", "default_path",
           "ENV_VAR", "DEFAULT_FILE_NAME"]
_FROM_STORE = {"Store", "open_store", "StoredRun", "SavedScenario", "RunPage"}


def __getattr__(name: str):
    if name in _FROM_STORE:
        from . import store

        return getattr(store, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
