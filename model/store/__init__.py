"""The bureau's workspace: saved scenarios, run history and labels in SQLite or PostgreSQL (SQLAlchemy + Alembic).
May import model.errors, model.io, model.version, model.scenario and model.results; the only code that talks SQL.
"""

from .location import DEFAULT_FILE_NAME, ENV_VAR, default_path, resolve_url
from .store import RunPage, SavedScenario, Store, StoredRun, open_store

__all__ = ["Store", "open_store", "StoredRun", "SavedScenario", "RunPage", "resolve_url", "default_path",
           "ENV_VAR", "DEFAULT_FILE_NAME"]
