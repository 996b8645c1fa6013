"""Sweeps: a grid over numeric parameters (``--param KEY=START:STOP:N``), the first slowest."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import numpy as np

from ..errors import Problem, ScenarioError
from ..scenario.scenario import Scenario
from ..scenario.targets import resolve
from .engine import Batch, check_method, check_points

#: ``--param ceiling=...``: the city ceiling over the whole horizon.
CEILING_ALIAS = "ceiling"


@dataclass
class Sweep(Batch):
    """A grid over numeric parameters (first parameter slowest), see :func:`make_sweep`."""

    names: list[str] = field(default_factory=list)  # as given (``ceiling`` or dotted keys)
    grids: list[np.ndarray] = field(default_factory=list)
    ceiling_profile: np.ndarray | None = None  # yearly ceilings of the base scenario

    @property
    def size(self) -> int:
        return int(np.prod([len(g) for g in self.grids])) if self.grids else 0

    def values(self, index: int) -> list[float]:
        position = []  # index -> grid positions, the last parameter fastest (np.unravel_index, in Python)
        for grid in reversed(self.grids):
            index, at = divmod(index, len(grid))
            position.append(at)
        return [float(g[p]) for g, p in zip(self.grids, reversed(position))]

    def point(self, index: int) -> tuple[dict[str, float], list[float]]:
        out: dict[str, float] = {}
        values = self.values(index)
        for name, value in zip(self.names, values):
            if name == CEILING_ALIAS:
                out.update(zip(self._ceiling_keys(), ceiling_by_year(self.ceiling_profile, value)))
            else:
                out[name] = value
        return out, values

    def point_columns(self) -> list[str]:
        return list(self.names)

    def label(self, index: int) -> str:
        return "(" + ", ".join(f"{n}={v:g}" for n, v in zip(self.names, self.values(index))) + ")"

    def _ceiling_keys(self) -> tuple[str, ...]:
        return _ceiling_keys(self.scenario.params["scenario.first_year"], self.scenario.params["scenario.last_year"])


@functools.cache
def _ceiling_keys(first: int, last: int) -> tuple[str, ...]:
    """The keys of each year's ceiling (made once: a sweep of the ceiling sets them at every point)."""
    return tuple(f"city.ceiling_yuan.{y}" for y in range(first, last + 1))


def ceiling_by_year(profile: np.ndarray, total: float) -> np.ndarray:
    """Yearly ceilings summing to ``total`` in the proportions of ``profile`` (even if all zero)."""
    profile = np.asarray(profile, dtype=float)
    profile_total = profile.sum()
    if profile_total <= 0:
        return np.full(profile.size, total / profile.size)
    return profile * (total / profile_total)


def parse_param(text: str) -> tuple[str, float, float, int] | Problem:
    """``KEY=START:STOP:N`` as (key, start, stop, n), or the problem with it."""
    key, sep, spec = text.partition("=")
    parts = spec.split(":")
    if not sep or not key.strip() or len(parts) != 3:
        return Problem("--param", text, "must be KEY=START:STOP:N, e.g. ceiling=1e8:4e8:31")
    try:
        start, stop = float(parts[0]), float(parts[1])
        n = int(parts[2])
    except ValueError:
        return Problem("--param", text, "START and STOP must be numbers and N a whole number")
    if n < 1 or not (np.isfinite(start) and np.isfinite(stop)):
        return Problem("--param", text, "needs finite START and STOP and N >= 1")
    return key.strip(), start, stop, n


def make_sweep(scenario: Scenario, params: list[str], first_solver: str = "simplex", method: str = "auto") -> Sweep:
    """A :class:`Sweep` from ``KEY=START:STOP:N`` texts; every point is checked first.

    Raises :class:`ScenarioError` naming ``--param``, the key and the rule broken
    (for the first points that break one).
    """
    problems: list[Problem] = []
    names, grids, targets = [], [], []
    for text in params:
        parsed = parse_param(text)
        if isinstance(parsed, Problem):
            problems.append(parsed)
            continue
        key, start, stop, n = parsed
        if key in names:
            problems.append(Problem("--param", key, "is given twice; give each key once"))
            continue
        if key == CEILING_ALIAS:
            found = [resolve(f"city.ceiling_yuan.{y}", scenario, "--param")[0][0] for y in scenario.years]
        else:
            found, key_problems = resolve(key, scenario, "--param", expand=False)
            problems += key_problems
        names.append(key)
        grids.append(np.linspace(start, stop, n))
        targets += found
    if not names and not problems:
        problems.append(Problem("--param", "", "give at least one --param KEY=START:STOP:N"))
    keys = [t.key for t in targets]
    for k in sorted({k for k in keys if keys.count(k) > 1}):
        problems.append(Problem("--param", k, "is set by two --param (ceiling sets every year's ceiling)"))
    if problems:
        raise ScenarioError(problems)
    check_method(scenario, method)
    profile = np.array([scenario.params[f"city.ceiling_yuan.{y}"] for y in scenario.years], dtype=float)
    sweep = Sweep(scenario=scenario, targets=targets, origin="--param", first_solver=first_solver, method=str(method),
                  names=names, grids=grids, ceiling_profile=profile)
    check_points(sweep)
    return sweep
