"""Shared fixtures: paths, and solved shipped scenarios cached for the session."""

from __future__ import annotations

from pathlib import Path

import pytest

from model import load_scenario, solve

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
DEFAULT = SCENARIOS / "tianjin-2006.toml"
SHIPPED = sorted(SCENARIOS.glob("*.toml"))


@pytest.fixture(scope="session")
def default_scenario():
    return load_scenario(DEFAULT)


@pytest.fixture(scope="session")
def default_result(default_scenario):
    return solve(default_scenario)


_solved: dict[str, object] = {}


@pytest.fixture(scope="session")
def solved():
    """Solve a shipped scenario once per session: ``solved("tianjin-2006.toml")``."""

    def get(name: str):
        if name not in _solved:
            _solved[name] = solve(load_scenario(SCENARIOS / name))
        return _solved[name]

    return get


# --- the store: never the user's own; SQLite and a real PostgreSQL -------------------
import os  # noqa: E402
import tempfile  # noqa: E402

# Every `budgetsim run` in the tests (in this process or a child) records into a
# throw-away store, not into ~/.local/share.
_STORE_FOLDER = tempfile.mkdtemp(prefix="budgetsim-test-store-")
os.environ["BUDGETSIM_DB"] = str(Path(_STORE_FOLDER) / "session.sqlite")

BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(scope="session")
def postgres_server():
    from .postgres import Server

    server = Server()
    try:
        server.start()
    except Exception as exc:  # the PostgreSQL tests fail (never skip) without a server
        server.stop()
        pytest.fail(f"PostgreSQL could not be started for the store tests: {exc}", pytrace=False)
    yield server
    server.stop()


@pytest.fixture(params=BACKENDS)
def store_url(request, tmp_path):
    """The URL of a new, empty store: an SQLite file, or a new database on the session's server."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.sqlite'}"
    return request.getfixturevalue("postgres_server").new_database()
