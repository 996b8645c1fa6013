"""Monte Carlo batches: draws of a scenario's ``[montecarlo]`` parameters, and exact quantiles."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..errors import Problem, ScenarioError
from ..scenario.scenario import Scenario
from .engine import Batch, check_method


@dataclass
class MonteCarlo(Batch):
    """``draws`` draws of the scenario's ``[montecarlo]`` parameters with ``seed``."""

    draws: int = 0
    seed: int = 0
    base_values: dict[str, float] = field(default_factory=dict)

    @property
    def size(self) -> int:
        return self.draws

    def point(self, index: int) -> tuple[dict[str, float], list[float]]:
        values, clipped = self.scenario.montecarlo.draw(self.base_values, index, self.seed)
        return values, [float(index), float(clipped), *values.values()]

    def point_columns(self) -> list[str]:
        return ["draw", "clipped_values", *[t.key for t in self.targets]]

    def label(self, index: int) -> str:
        return f"draw {index}"


def make_montecarlo(scenario: Scenario, draws: int, seed: int | None = None,
                    first_solver: str = "simplex", method: str = "auto") -> MonteCarlo:
    """A :class:`MonteCarlo` batch from the scenario's ``[montecarlo]`` table (``method``:
    how each draw is solved, see :class:`~model.batch.engine.Batch`)."""
    spec = scenario.montecarlo
    if spec is None:
        raise ScenarioError([Problem(scenario.name, "montecarlo",
                                     "declares no uncertain parameters: add a [montecarlo] table "
                                     "(see docs/scenario-format.md, Monte Carlo format)")])
    problems = []
    if draws < 1:
        problems.append(Problem("--draws", str(draws), "must be at least 1"))
    if seed is not None and seed < 0:
        problems.append(Problem("--seed", str(seed), "must be a whole number >= 0"))
    if problems:
        raise ScenarioError(problems)
    check_method(scenario, method)
    targets = spec.targets()
    return MonteCarlo(scenario=scenario, targets=targets, origin=f"{spec.file} [montecarlo]",
                      first_solver=first_solver, method=str(method), draws=int(draws),
                      seed=spec.seed if seed is None else int(seed),
                      base_values={t.key: t.value_in(scenario) for t in targets})


#: Statistics of each metric in ``quantiles.csv``.
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)


def quantile_rows(name: str, values: np.ndarray) -> list:
    """``metric, mean, sd, min, q05, q25, q50, q75, q95, max, draws`` of one metric (exact).

    Draws without a value (NaN: e.g. the soft shadow price of a year whose extra
    money first cuts missing money) are left out; ``draws`` counts the others.
    """
    values = values[~np.isnan(values)]
    if values.size == 0:
        return [name, *[float("nan")] * (len(QUANTILES) + 4), 0]
    q = np.quantile(values, QUANTILES)
    return [name, float(values.mean()), float(values.std(ddof=1)) if values.size > 1 else 0.0,
            float(values.min()), *map(float, q), float(values.max()), int(values.size)]


QUANTILE_HEADER = ["metric", "mean", "sd", "min", *[f"q{int(round(100 * q)):02d}" for q in QUANTILES], "max",
                   "draws"]
