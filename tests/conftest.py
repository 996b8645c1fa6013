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
