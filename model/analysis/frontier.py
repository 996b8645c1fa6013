"""The budget frontier: what each total ceiling buys, with its exact breakpoints.

The city's ceiling is moved along a ray: every year's ceiling is the horizon total
times the scenario's year profile (its shares of today's ceilings). Two functions
of the total T describe the answer, both piecewise linear:

- ``missing(T)``: money missing for hard targets (stage 1), convex and falling
  until it reaches zero at ``feasible_from`` — the smallest total that meets every
  hard target with this profile;
- ``points(T)``: soft points (stage 2) from ``feasible_from`` on, concave and rising
  until ``saturates_at``, where more money buys nothing more (every soft gap that
  transfers can close is closed).

The frontier is *parametric*, not a grid: :func:`model.parametric.breakpoints`
finds every kink from values and duals, so the curve is exact between the returned
points (linear in between). Compliance is reported at each point from the optimal
allocation there. Missing money and soft points are the LP's optima, whatever
solves them; where several allocations reach them (offices upgraded in one year or
another), compliance is that of the one the solver stops at, which for warm-started
points may differ from a cold solve's.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..constants import (
    CAPITAL_PROGRAMS,
    PROGRAMS,
    RECURRING_PROGRAMS,
    SolverName,
    Stage,
)
from ..formulation.build import formulate
from ..formulation.inputs import build_inputs
from ..results.compliance import compliance_counts
from ..scenario.scenario import Scenario
from ..solve.stages import LPSolution
from .parametric import Point, breakpoints
from .whatif import CeilingRay, Resolver, ceiling_slope, resolver, solve, with_ceiling

#: Missing money at or below this is zero (yuan).
MISSING_TOLERANCE = 1.0


@dataclass
class Frontier:
    """The frontier of one scenario.

    Attributes
    ----------
    points : DataFrame
        One row per breakpoint (and the ends, and today's ceiling): total ceiling,
        the ceiling of each year, missing money, soft points, the marginal values on
        the segment to the right, and city compliance per program in the last year.
    feasible_from_yuan : float or None
        Smallest horizon total that meets every hard target (None: no total does).
    saturates_at_yuan : float or None
        Total beyond which more ceiling buys nothing.
    current_total_yuan : float
        Today's ceiling summed over the horizon.
    share_by_year : dict
        The year profile the ceilings follow.
    """

    points: pd.DataFrame
    feasible_from_yuan: float | None
    saturates_at_yuan: float | None
    current_total_yuan: float
    share_by_year: dict[int, float]
    method: str = ("parametric: exact breakpoints of the stage optima along the ceiling ray "
                   "(supporting-line intersection), linear between points")

    def value_at(self, total: float, column: str = "soft_points") -> float:
        """Interpolate a column at a total ceiling (exact for missing and points)."""
        frame = self.points.drop_duplicates("total_ceiling_yuan").sort_values("total_ceiling_yuan")
        return float(np.interp(total, frame["total_ceiling_yuan"], frame[column]))

    def total_for_points(self, points: float) -> float | None:
        """Smallest horizon total whose soft points reach ``points`` (None if none does)."""
        frame = self.points[self.points["missing_hard_yuan"] <= MISSING_TOLERANCE]
        frame = frame.drop_duplicates("total_ceiling_yuan").sort_values("total_ceiling_yuan")
        if frame.empty or points > frame["soft_points"].max() + 1e-9:
            return None
        if points <= frame["soft_points"].iloc[0]:
            return float(frame["total_ceiling_yuan"].iloc[0])
        return float(np.interp(points, frame["soft_points"], frame["total_ceiling_yuan"]))


def upper_total(inputs) -> float:
    """A total ceiling at which every year alone could pay every gap (an upper bound)."""
    need = sum(inputs.gap[p].sum() for p in RECURRING_PROGRAMS)
    need += sum((inputs.upgrade_units[p][:, None] * inputs.unit_cost[p]).max(axis=1).sum() for p in CAPITAL_PROGRAMS)
    share = CeilingRay.of(inputs.ceiling).share
    return float(1.05 * need / share[share > 0].min() + 1.0)


def compute_frontier(scenario: Scenario, solver: SolverName | str | Resolver = SolverName.HIGHS) -> Frontier:
    """The frontier of ``scenario`` (see the module docstring).

    Every point is the same LP with other ceilings: one :class:`~model.whatif.Resolver`
    solves them all, each warm-started from the one before.
    """
    solver = resolver(solver)
    inputs = build_inputs(scenario)
    form = formulate(inputs)
    lp = form.lp
    ray = CeilingRay.of(inputs.ceiling)
    tolerance = inputs.stage_tolerance
    solutions: dict[float, LPSolution] = {}

    def run(total: float) -> LPSolution:
        if total not in solutions:
            solutions[total] = solve(with_ceiling(lp, ray.ceilings(total)), 2, solver, tolerance)
        return solutions[total]

    def missing(total: float) -> tuple[float, float]:
        sol = run(total)
        return sol.objectives[Stage.HARD], ceiling_slope(sol, lp, Stage.HARD, ray.share)

    def points(total: float) -> tuple[float, float]:
        sol = run(total)
        return -sol.objectives[Stage.SOFT], -ceiling_slope(sol, lp, Stage.SOFT, ray.share)

    top = upper_total(inputs)
    current = float(inputs.ceiling.sum())
    hard = breakpoints(missing, 0.0, top)
    feasible = [p for p in hard if p.value <= MISSING_TOLERANCE]
    feasible_from = feasible[0].x if feasible else None
    soft: list[Point] = []
    saturates = None
    if feasible_from is not None:
        soft = breakpoints(points, feasible_from, top)
        # Saturation: the first point after which points no longer rise.
        for a, b in zip(soft, soft[1:]):
            if b.value - a.value <= 1e-9 * max(1.0, abs(b.value)):
                saturates = a.x
                break
    totals = sorted({p.x for p in hard if feasible_from is None or p.x <= feasible_from}
                    | {p.x for p in soft if saturates is None or p.x <= saturates} | {current})
    if saturates is None and soft:
        totals.append(soft[-1].x) if soft[-1].x not in totals else None
    rows = []
    for total in sorted(set(totals)):
        sol = run(total)
        closed = sol.x[form.closed]
        counts = compliance_counts(inputs, closed)
        row = {"total_ceiling_yuan": total}
        row.update({f"ceiling_{y}_yuan": c for y, c in zip(inputs.years, ray.ceilings(total))})
        row["missing_hard_yuan"] = max(sol.objectives[Stage.HARD], 0.0)
        row["soft_points"] = -sol.objectives[Stage.SOFT]
        for program in PROGRAMS:
            at, of = counts[program]
            row[f"compliance_{program.value}"] = float(at[:, -1].sum() / of[:, -1].sum())
        row["kink"] = any(abs(p.x - total) <= 1e-6 * max(1.0, total) for p in hard[1:-1] + soft[1:-1])
        row["current"] = total == current
        rows.append(row)
    frame = pd.DataFrame(rows)
    # Marginal values on the segment to the right of each point (exact: linear between points).
    dt = frame["total_ceiling_yuan"].diff().shift(-1)
    frame["missing_reduced_per_yuan"] = (-frame["missing_hard_yuan"].diff().shift(-1) / dt).fillna(0.0) + 0.0
    frame["points_per_million_yuan"] = (frame["soft_points"].diff().shift(-1) / dt * 1e6).fillna(0.0)
    frame.loc[frame["missing_hard_yuan"] > MISSING_TOLERANCE, "points_per_million_yuan"] = np.nan
    return Frontier(points=frame, feasible_from_yuan=feasible_from, saturates_at_yuan=saturates,
                    current_total_yuan=current,
                    share_by_year={y: float(s) for y, s in zip(inputs.years, ray.share)})
