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


@pytest.fixture(scope="session")
def full_sweep(tmp_path_factory) -> bytes:
    """The uninterrupted file of ``tests/test_interruption.SWEEP`` (solved here, one worker):
    what interrupted, resumed and worker-killed runs must write too."""
    from model.cli import main

    from .test_interruption import SWEEP

    out = tmp_path_factory.mktemp("full") / "full.csv"
    assert main([*SWEEP, "--jobs", "1", "--out", str(out)]) == 0
    return out.read_bytes()


# --- fuzzing profiles (tests/test_fuzz.py) -------------------------------------------
# "ci": a few hundred examples in all, derandomised (a fixed seed: the same examples
# every run), as `make test` runs them. "long": thousands, random, for a fuzzing session:
# `pytest tests/test_fuzz.py --fuzz-profile long`.
from hypothesis import HealthCheck, settings  # noqa: E402

settings.register_profile("ci", max_examples=60, derandomize=True, deadline=None, print_blob=True,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.register_profile("long", max_examples=2000, deadline=None, print_blob=True,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def pytest_addoption(parser):
    parser.addoption("--fuzz-profile", default="ci", choices=["ci", "long"],
                     help="Hypothesis profile for tests/test_fuzz.py (default ci: bounded, fixed seed)")


def pytest_configure(config):
    settings.load_profile(config.getoption("--fuzz-profile"))
