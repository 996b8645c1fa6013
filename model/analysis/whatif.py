"""What-if solves on a built LP: another ceiling, a requirement scaled, money added.

Analysis (frontier, sensitivity, diagnosis) asks many "what if" questions of one
model. Rather than rebuild a scenario each time, these helpers edit copies of the
:class:`~model.formulation.LinearProgram` (row bounds, extra columns) and solve
only the stages a question needs.

The copies are solved by a :class:`~model.solve.resolver.Resolver`: with HiGHS, one
:class:`~model.solve.fast.FastSolver` that keeps each structure's instances and
warm-starts every copy from the optimal bases of the one before (a copy with another
ceiling is a few dual simplex pivots, not a new model); with CBC, the PuLP reference.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..constants import (
    Requirement,
    SolverName,
    Stage,
)
from ..formulation.allocation import Formulation
from ..formulation.lp import LinearProgram
from ..solve.resolver import Resolver, resolver
from ..solve.stages import LPSolution

INF = np.inf


@dataclass(frozen=True)
class CeilingRay:
    """Ceilings along a ray: year t gets ``total * share[t]`` (the scenario's profile).

    ``total`` is the city's ceiling summed over the horizon, in yuan.
    """

    share: np.ndarray

    @classmethod
    def of(cls, ceiling: np.ndarray) -> CeilingRay:
        ceiling = np.asarray(ceiling, float)
        total = ceiling.sum()
        share = ceiling / total if total > 0 else np.full(ceiling.size, 1.0 / ceiling.size)
        return cls(share=share)

    def ceilings(self, total: float) -> np.ndarray:
        return total * self.share


def solve(lp: LinearProgram, stages: int, solver: SolverName | str | Resolver = SolverName.HIGHS,
          tolerance: float = 1e-7) -> LPSolution:
    """Solve the first ``stages`` stages of ``lp`` (warm, if ``solver`` is a :class:`Resolver`)."""
    return resolver(solver).solve(lp, stages, tolerance)


def with_ceiling(lp: LinearProgram, ceilings: np.ndarray, horizon_total: float = INF) -> LinearProgram:
    """``lp`` with other yearly ceilings (and horizon total, if the model has that row)."""
    edited = lp.with_row_bounds("ceiling", upper=np.asarray(ceilings, float))
    if "total_ceiling" in lp.row_blocks:
        edited = edited.with_row_bounds("total_ceiling", upper=horizon_total)
    return edited


def ceiling_slope(solution: LPSolution, lp: LinearProgram, stage: Stage, direction: np.ndarray) -> float:
    """Derivative of a stage's (minimised) optimum along ``direction`` in the ceilings.

    The row duals of ``ceiling[t]`` (and ``total_ceiling``, moved by the sum of the
    direction) give the derivative of the optimum per yuan of each bound.
    """
    duals = solution.duals[stage]
    slope = float(duals[lp.rows_of("ceiling")] @ direction)
    if "total_ceiling" in lp.row_blocks:
        slope += float(duals[lp.rows_of("total_ceiling")].sum() * direction.sum())
    return slope


def requirement_blocks(lp: LinearProgram) -> dict[Requirement, str]:
    """The hard-requirement row blocks present in ``lp``, by requirement."""
    return {r: r.value for r in Requirement if r.value in lp.row_blocks}


def scale_requirement(lp: LinearProgram, requirement: Requirement, factor: float,
                      base: np.ndarray | None = None) -> LinearProgram:
    """``lp`` with one hard requirement's right-hand sides multiplied by ``factor``.

    Factor 0 drops the requirement (its rows then ask for nothing).
    """
    name = requirement.value
    lower, _ = lp.row_bounds(name)
    base = lower if base is None else base
    return lp.with_row_bounds(name, lower=base * factor)


def unmet_columns(form: Formulation, requirement: Requirement | None = None) -> np.ndarray:
    """Columns of missing money (for one requirement, or all)."""
    return np.array(sorted(c for b in form.unmet_blocks if requirement is None or b.requirement == requirement
                           for c in b.columns.tolist()), dtype=np.int64)


def add_money(lp: LinearProgram, name: str, rows: np.ndarray, labels: list[tuple],
              objective_stage: Stage = Stage.SOFT) -> np.ndarray:
    """Add columns of extra money, one per row of ``rows`` (a ``<=`` money row each).

    The new column enters its row with -1 (it raises the row's bound). Stage
    ``objective_stage`` then minimises the extra money alone (its own objective is
    replaced: "how little extra money does it take?"); the other stages ignore the
    new columns. Returns the columns.
    """
    columns = lp.add_columns(name, labels, 0.0, INF)
    lp.add_entries(rows, columns, -np.ones(columns.size))
    for stage in list(lp.objectives):
        lp.objectives[stage] = np.concatenate([lp.objectives[stage], np.zeros(columns.size)])
    lp.objectives[objective_stage] = np.zeros(lp.n_cols)
    lp.objectives[objective_stage][columns] = 1.0
    return columns
