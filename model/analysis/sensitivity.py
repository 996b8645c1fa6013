"""What one more (or one less) million buys, where, and what targets cost at the margin.

Every figure here comes from the LP, by one of two methods, named in each table:

- **duals**: the shadow price of a row (HiGHS's dual), exact for small changes;
- **re-solving**: the model solved again with the change applied. Ranges over which
  a shadow price holds are found by re-solving along the change, with
  :func:`model.parametric.nearest_kinks` (the exact neighbouring breakpoints, not a
  grid). Money equivalents of points use the budget frontier
  (:mod:`model.frontier`): the extra horizon ceiling, spread like today's, that
  buys the same points.

Units: points are weighted committee- and member-years at standard (the soft
objective); money is in yuan.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..constants import (
    PROGRAMS,
    Requirement,
    SolverName,
    Stage,
    Status,
)
from ..formulation.build import formulate
from ..formulation.inputs import build_inputs
from ..pipeline import solve_inputs
from ..results.result import Result
from ..scenario.scenario import Scenario
from .frontier import MISSING_TOLERANCE, Frontier, upper_total
from .parametric import nearest_kinks
from .whatif import (
    Resolver,
    requirement_blocks,
    resolver,
    scale_requirement,
    with_ceiling,
)

#: Deadline parameters and the requirement they set.
DEADLINES = {
    "office_space.deadline": Requirement.OFFICE_SPACE_DEADLINE,
    "service_space.deadline": Requirement.SERVICE_SPACE_DEADLINE,
    "social_insurance.deadline": Requirement.SOCIAL_INSURANCE,
    "member_subsidy.minimum_wage_from": Requirement.MINIMUM_WAGE,
}

MILLION = 1_000_000.0


@dataclass
class Sensitivity:
    """Shadow prices with their ranges, the next million, and costs of targets and deadlines."""

    ceiling: pd.DataFrame
    next_million: pd.DataFrame
    targets: pd.DataFrame
    deadlines: pd.DataFrame
    methods: dict[str, str] = field(default_factory=dict)
    target_rows: pd.DataFrame | None = None

    def tables(self) -> dict[str, pd.DataFrame]:
        tables = {"sensitivity_ceiling": self.ceiling, "sensitivity_next_million": self.next_million,
                  "sensitivity_targets": self.targets, "sensitivity_deadlines": self.deadlines}
        if self.target_rows is not None:
            tables["sensitivity_target_rows"] = self.target_rows
        return tables

    def summary(self) -> dict:
        def records(frame: pd.DataFrame) -> list[dict]:
            return [{k: _plain(v) for k, v in row.items()} for row in frame.to_dict("records")]

        return {"ceiling": records(self.ceiling), "next_million": records(self.next_million),
                "targets": records(self.targets), "deadlines": records(self.deadlines),
                "methods": self.methods}


def _plain(value):
    if isinstance(value, (np.floating, float)):
        return None if not np.isfinite(value) else float(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.bool_):
        return bool(value)
    return value


def _points(result: Result) -> float:
    return result.objectives["soft_points"]


def _missing(result: Result) -> float:
    return result.objectives["missing_hard_yuan"]


def ceiling_sensitivity(scenario: Scenario, result: Result, solver: SolverName | str | Resolver = SolverName.HIGHS,
                        step: float = MILLION) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per year: the ceiling's shadow price, the range where it holds, and what ±``step`` buys.

    When hard targets are unmet, the price that comes first is the missing money
    removed per yuan (stage 1); otherwise the soft points per yuan (stage 2).
    """
    solver = resolver(solver)
    inputs = build_inputs(scenario)
    form = formulate(inputs)
    lp = form.lp
    hard_stage = result.status != Status.OPTIMAL
    top = upper_total(inputs)
    rows, moves = [], []
    for j, year in enumerate(inputs.years):
        def ceilings(c: float, j=j) -> np.ndarray:
            values = inputs.ceiling.copy()
            values[j] = c
            return values

        c0 = float(inputs.ceiling[j])

        def solve_at(c: float, stages: int, c0=c0):
            edited = with_ceiling(lp, ceilings(c), inputs.total_ceiling)
            # Today's ceiling, where the price is quoted: the scenario's own (cold) dual.
            run = solver.cold if c == c0 else solver.solve
            return run(edited, stages, inputs.stage_tolerance)

        def missing(c: float, j=j) -> tuple[float, float]:
            sol = solve_at(c, 1)
            return sol.objectives[Stage.HARD], float(sol.duals[Stage.HARD][lp.rows_of("ceiling")][j])

        def points(c: float, j=j) -> tuple[float, float]:
            sol = solve_at(c, 2)
            return -sol.objectives[Stage.SOFT], -float(sol.duals[Stage.SOFT][lp.rows_of("ceiling")][j])

        if hard_stage:
            left, p0, right = nearest_kinks(missing, c0, 0.0, top)
            price = -p0.slope
        else:
            lo = _feasible_from(missing, c0)
            left, p0, right = nearest_kinks(points, c0, lo, top)
            price = p0.slope
        rows.append({
            "year": year,
            "ceiling_yuan": c0,
            "price": price,
            "price_unit": "missing yuan removed per yuan" if hard_stage else "points per yuan",
            "holds_from_yuan": left.x if left is not None else (0.0 if hard_stage else lo),
            "holds_to_yuan": right.x if right is not None else np.inf,
        })
        for sign in (+1, -1):
            changed = max(c0 + sign * step, 0.0)
            if changed == c0:
                continue
            other = solve_inputs(scenario, inputs.with_ceiling(ceilings(changed)), solver)
            rows[-1][f"{'plus' if sign > 0 else 'minus'}_million_points"] = _points(other) - _points(result)
            rows[-1][f"{'plus' if sign > 0 else 'minus'}_million_missing_yuan"] = _missing(other) - _missing(result)
            delta = (other.allocation.groupby(["district", "program"])[["closed_yuan", "transfer_yuan"]].sum()
                     - result.allocation.groupby(["district", "program"])[["closed_yuan", "transfer_yuan"]].sum())
            delta = delta[(delta.abs() > 1.0).any(axis=1)].reset_index()
            for record in delta.itertuples():
                moves.append({"year": year, "change_yuan": changed - c0, "district": record.district,
                              "program": record.program, "closed_yuan": record.closed_yuan,
                              "transfer_yuan": record.transfer_yuan})
    ceiling = pd.DataFrame(rows)
    next_million = pd.DataFrame(moves, columns=["year", "change_yuan", "district", "program", "closed_yuan",
                                                "transfer_yuan"])
    if len(next_million):
        next_million = next_million.sort_values(["year", "change_yuan", "closed_yuan"],
                                                ascending=[True, False, False]).reset_index(drop=True)
    return ceiling, next_million


def _feasible_from(missing, c0: float) -> float:
    """Smallest value of a ceiling at which no hard money is missing (Newton from 0).

    ``missing`` is convex and falling; its tangent lies below it, so each Newton
    step from the left stays left of the root and lands on it after finitely many
    pieces.
    """
    x = 0.0
    for _ in range(100):
        value, slope = missing(x)
        if value <= MISSING_TOLERANCE or slope >= 0:
            return x
        x = min(x - value / slope, c0)
    return x


def target_sensitivity(scenario: Scenario, result: Result, solver: SolverName | str | Resolver = SolverName.HIGHS,
                       frontier: Frontier | None = None, max_scale: float = 3.0) -> pd.DataFrame:
    """Per hard requirement: its money, marginal cost, the range where that holds, and its total cost.

    The requirement is scaled by a factor (1 = today; 0 = dropped). The marginal
    cost is the derivative of the soft points with respect to the requirement's
    money (the rows' duals weighted by their amounts); its range is the interval of
    factors over which it holds (re-solving). Dropping the requirement shows what
    it costs in all, in points and as an equivalent ceiling (the frontier).
    """
    solver = resolver(solver)
    inputs = build_inputs(scenario)
    form = formulate(inputs)
    lp = form.lp
    base_points = _points(result)
    rows = []
    for requirement, block in requirement_blocks(lp).items():
        base, _ = lp.row_bounds(block)
        amount = float(base.sum())
        if amount <= 0:
            continue

        def solve_scaled(factor: float, stages: int, requirement=requirement, base=base):
            # Today's requirement (factor 1), where the price is quoted: the scenario's own (cold) dual.
            run = solver.cold if factor == 1.0 else solver.solve
            return run(scale_requirement(lp, requirement, factor, base), stages, inputs.stage_tolerance)

        def points(factor: float, requirement=requirement, base=base, block=block):
            sol = solve_scaled(factor, 2)
            if sol.objectives[Stage.HARD] > MISSING_TOLERANCE:
                raise _Infeasible
            return -sol.objectives[Stage.SOFT], -float(sol.duals[Stage.SOFT][lp.rows_of(block)] @ base)

        def missing(factor: float, block=block, base=base):
            sol = solve_scaled(factor, 1)
            return sol.objectives[Stage.HARD], float(sol.duals[Stage.HARD][lp.rows_of(block)] @ base)

        record = {"requirement": requirement.value, "requirement_yuan": amount}
        if result.status == Status.OPTIMAL:
            top = _largest_feasible(missing, 1.0, max_scale)
            left, p0, right = nearest_kinks(points, 1.0, 0.0, top)
            record["marginal_points_per_yuan"] = -p0.slope / amount
            record["holds_from_scale"] = left.x if left is not None else 0.0
            record["holds_to_scale"] = right.x if right is not None else top
            dropped = -solve_scaled(0.0, 2).objectives[Stage.SOFT]
            record["drop_points_gain"] = dropped - base_points
            record["drop_money_equivalent_yuan"] = _money_for(frontier, base_points, dropped)
        else:
            left, p0, right = nearest_kinks(missing, 1.0, 0.0, max_scale)
            record["marginal_missing_per_yuan"] = p0.slope / amount
            record["holds_from_scale"] = left.x if left is not None else 0.0
            record["holds_to_scale"] = right.x if right is not None else max_scale
            record["drop_missing_reduced_yuan"] = _missing(result) - solve_scaled(0.0, 1).objectives[Stage.HARD]
        rows.append(record)
    return pd.DataFrame(rows)


class _Infeasible(Exception):
    pass


def _largest_feasible(missing, x0: float, top: float) -> float:
    """Largest factor in [x0, top] at which no hard money is missing (Newton from the right)."""
    x = top
    for _ in range(100):
        value, slope = missing(x)
        if value <= MISSING_TOLERANCE or slope <= 0:
            return x
        x = max(x - value / slope, x0)
    return x


def _money_for(frontier: Frontier | None, points_now: float, points_then: float) -> float:
    """Extra horizon ceiling (today's profile) that would buy ``points_then - points_now``."""
    if frontier is None:
        return np.nan
    total = frontier.total_for_points(points_then)
    return np.inf if total is None else total - frontier.current_total_yuan


def deadline_sensitivity(scenario: Scenario, result: Result, solver: SolverName | str | Resolver = SolverName.HIGHS,
                         frontier: Frontier | None = None) -> pd.DataFrame:
    """What moving each hard deadline one year later would change (re-solving)."""
    rows = []
    last = scenario.years[-1]
    for key, requirement in DEADLINES.items():
        if key == "service_space.deadline" and not scenario.params["service_space.hard"]:
            continue
        if key == "office_space.deadline" and not scenario.params["office_space.hard"]:
            continue
        year = scenario.params[key]
        if year >= last:
            rows.append({"deadline": key, "requirement": requirement.value, "from_year": year, "to_year": None,
                         "note": "already the last year of the horizon"})
            continue
        moved = solve_inputs(scenario, build_inputs(scenario.with_overrides({key: year + 1})), solver)
        gain = _points(moved) - _points(result)
        rows.append({
            "deadline": key, "requirement": requirement.value, "from_year": year, "to_year": year + 1,
            "points_gain": gain,
            "missing_reduced_yuan": _missing(result) - _missing(moved),
            "money_equivalent_yuan": _money_for(frontier, _points(result), _points(result) + gain)
            if result.status == Status.OPTIMAL else np.nan,
            "compliance_given_up": _compliance_given_up(result, moved, requirement, year),
            "note": "",
        })
    return pd.DataFrame(rows)


def _compliance_given_up(result: Result, moved: Result, requirement: Requirement, year: int) -> float:
    """How far the requirement's compliance falls in the old deadline year when it moves."""
    program = {Requirement.OFFICE_SPACE_DEADLINE: "office_space", Requirement.SERVICE_SPACE_DEADLINE: "service_space",
               Requirement.SOCIAL_INSURANCE: "social_insurance", Requirement.MINIMUM_WAGE: "member_subsidy",
               Requirement.OPERATING_FUNDS_STANDARD: "operating_funds"}[requirement]
    return result.compliance_by_year()[program][year] - moved.compliance_by_year()[program][year]


def target_row_prices(scenario: Scenario, result: Result,
                      solver: SolverName | str | Resolver = SolverName.HIGHS) -> pd.DataFrame:
    """The shadow price of every hard-target row: each unit, requirement and year.

    When every hard target is met, ``price`` is the soft points lost per extra yuan
    the row requires (stage-2 dual); otherwise the extra missing money per yuan
    (stage-1 dual). A dual is exact for small changes where the optimum is not
    degenerate; at a degenerate point it is one of the slopes between the left and
    right derivatives. :func:`target_sensitivity` gives each requirement's price
    with its range, checked by re-solving.
    """
    inputs = build_inputs(scenario)
    form = formulate(inputs)
    lp = form.lp
    # Prices at today's values come from a cold solve, as the scenario's result's do.
    solution = resolver(solver).cold(lp, 2, inputs.stage_tolerance)
    feasible = result.status == Status.OPTIMAL
    stage = Stage.SOFT if feasible else Stage.HARD
    district_of = dict(zip(inputs.units, np.asarray(inputs.districts)[inputs.unit_district]))
    frames = []
    for requirement, block in requirement_blocks(lp).items():
        labels = lp.row_blocks[block].labels
        amount, _ = lp.row_bounds(block)
        frames.append(pd.DataFrame({
            "requirement": requirement.value,
            "district": [district_of[label[0]] for label in labels],
            "unit": [label[0] for label in labels],
            "year": [label[1] if len(label) > 1 else inputs.deadlines[requirement] for label in labels],
            "requirement_yuan": amount,
            "price": solution.duals[stage][lp.rows_of(block)] + 0.0,
            "price_unit": "points lost per yuan" if feasible else "missing yuan per yuan",
        }))
    if not frames:
        return pd.DataFrame(columns=["requirement", "district", "year", "requirement_yuan", "price", "price_unit"])
    table = pd.concat(frames, ignore_index=True)
    if not inputs.unit_level:
        table = table.drop(columns=["unit"])
    return table[table["requirement_yuan"] > 0].reset_index(drop=True)


def sensitivity(scenario: Scenario, result: Result, solver: SolverName | str | Resolver = SolverName.HIGHS,
                frontier: Frontier | None = None) -> Sensitivity:
    """Every sensitivity table for ``scenario`` and its ``result`` (one resolver for all)."""
    solver = resolver(solver)
    ceiling, next_million = ceiling_sensitivity(scenario, result, solver)
    return Sensitivity(
        ceiling=ceiling,
        next_million=next_million,
        targets=target_sensitivity(scenario, result, solver, frontier),
        deadlines=deadline_sensitivity(scenario, result, solver, frontier),
        target_rows=target_row_prices(scenario, result, solver),
        methods={
            "price": "dual of ceiling[t] (HiGHS)",
            "holds_from/to": "re-solving: nearest breakpoints of the optimum in that year's ceiling",
            "plus/minus_million": "re-solving with the year's ceiling one million higher/lower",
            "targets": "duals of the requirement's rows weighted by their amounts; range and dropping by re-solving",
            "money_equivalent": "budget frontier: extra horizon ceiling with today's year profile buying the same points",
            "deadlines": "re-solving with the deadline one year later",
            "target_rows": "duals of each hard-target row (HiGHS): per unit, requirement and year",
        },
    )


__all__ = ["Sensitivity", "sensitivity", "ceiling_sensitivity", "target_sensitivity", "deadline_sensitivity",
           "PROGRAMS"]
