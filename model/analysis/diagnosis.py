"""Why hard targets cannot be met, and what would fix it, each fix with its cost.

Run when a result has missing money. Every number is an LP solve:

- **extra ceiling**: the least extra ceiling, year by year, that meets every hard
  target (an LP with a top-up column on each ``ceiling[t]`` row, minimising the
  top-ups); and the least *uniform* scale-up of today's ceiling (the frontier's
  ``feasible_from``);
- **conflicts**: each hard requirement solved alone (the others may go unmet): a
  requirement that is affordable alone but not with the others conflicts with
  them; pairs are checked among those;
- **binding money**: the ceiling years and district budgets whose duals in the
  hard stage are non-zero (the money that runs out);
- **alternatives**: move a deadline by a year; lower an adjustable standard (the
  office area, the service-room share, the operating standard — minimum wage and
  insurance are legal obligations and are not lowered); raise a district's own
  contribution (its least extra own budget, year by year). Each reports the
  money still missing after it and what it costs.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..constants import (
    Requirement,
    SolverName,
    Stage,
    Status,
)
from ..errors import ScenarioError
from ..formulation.build import formulate
from ..formulation.inputs import build_inputs
from ..pipeline import solve as solve_scenario
from ..results.result import Result
from ..scenario.scenario import Scenario
from .frontier import MISSING_TOLERANCE, compute_frontier
from .sensitivity import DEADLINES
from .whatif import Resolver, add_money, resolver, solve, unmet_columns

#: Standards that may be lowered, per requirement: (parameter, lowest allowed, unit).
ADJUSTABLE = {
    Requirement.OFFICE_SPACE_DEADLINE: "office_space.standard_m2",
    Requirement.SERVICE_SPACE_DEADLINE: "service_space.target_share",
    Requirement.OPERATING_FUNDS_STANDARD: "operating_funds.new_standard_yuan",
}
LEGAL = {Requirement.MINIMUM_WAGE: "no member may be paid below the minimum wage (law)",
         Requirement.SOCIAL_INSURANCE: "every member must be insured (law)"}


@dataclass
class Diagnosis:
    """Everything :func:`diagnose` finds; ``summary()`` is the ``diagnosis`` of summary.json."""

    missing_yuan: float
    extra_ceiling_by_year: dict[int, float] | None
    extra_ceiling_total: float | None
    uniform_total_needed: float | None
    current_total: float
    requirements: pd.DataFrame
    conflicts: list[tuple[str, str]]
    binding: dict[str, list]
    alternatives: pd.DataFrame
    notes: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        def plain(v):
            if isinstance(v, (float, np.floating)):
                return float(v) if np.isfinite(v) else None
            if isinstance(v, np.integer):
                return int(v)
            if isinstance(v, np.bool_):
                return bool(v)
            return v

        return {
            "missing_yuan": self.missing_yuan,
            "extra_ceiling_by_year": None if self.extra_ceiling_by_year is None else
            {str(y): v for y, v in self.extra_ceiling_by_year.items()},
            "extra_ceiling_total": self.extra_ceiling_total,
            "uniform_ceiling_total_needed": self.uniform_total_needed,
            "uniform_ceiling_extra": None if self.uniform_total_needed is None
            else self.uniform_total_needed - self.current_total,
            "requirements": [{k: plain(v) for k, v in r.items()} for r in self.requirements.to_dict("records")],
            "conflicts": [list(c) for c in self.conflicts],
            "binding": self.binding,
            "alternatives": [{k: plain(v) for k, v in r.items()} for r in self.alternatives.to_dict("records")],
            "notes": self.notes,
        }

    def tables(self) -> dict[str, pd.DataFrame]:
        return {"diagnosis_requirements": self.requirements, "diagnosis_alternatives": self.alternatives}


def extra_ceiling(scenario: Scenario, solver: SolverName | str | Resolver = SolverName.HIGHS) -> tuple[dict[int, float] | None, float]:
    """Least extra ceiling by year that meets every hard target, and the money still
    missing even with unlimited ceiling (co-financing or capacity can bind).

    Stage 1 minimises missing money with the top-ups free; stage 2 the top-ups.
    """
    inputs = build_inputs(scenario)
    lp = formulate(inputs).lp.copy()
    rows = np.arange(lp.rows_of("ceiling").start, lp.rows_of("ceiling").stop)
    extra = add_money(lp, "extra_ceiling", rows, [(y,) for y in inputs.years])
    if "total_ceiling" in lp.row_blocks:  # a top-up raises the horizon total too
        lp.add_entries(np.full(extra.size, lp.rows_of("total_ceiling").start), extra, -np.ones(extra.size))
    solution = solve(lp, 2, solver, inputs.stage_tolerance)
    residual = solution.objectives[Stage.HARD]
    return {y: float(solution.x[c]) for y, c in zip(inputs.years, extra)}, residual


def requirement_alone(scenario: Scenario, requirements: list[Requirement],
                      solver: SolverName | str | Resolver = SolverName.HIGHS) -> float:
    """Missing money when only ``requirements`` must be met (the others may go unmet)."""
    inputs = build_inputs(scenario)
    form = formulate(inputs)
    lp = form.lp.copy()
    objective = np.zeros(lp.n_cols)
    for requirement in requirements:
        objective[unmet_columns(form, requirement)] = 1.0
    lp.objectives[Stage.HARD] = objective
    return solve(lp, 1, solver, inputs.stage_tolerance).objectives[Stage.HARD]


def binding_money(scenario: Scenario, solver: SolverName | str | Resolver = SolverName.HIGHS) -> dict[str, list]:
    """Ceiling years and district budgets that run out (non-zero hard-stage duals)."""
    inputs = build_inputs(scenario)
    form = formulate(inputs)
    solution = solve(form.lp, 1, solver, inputs.stage_tolerance)
    duals = solution.duals[Stage.HARD]
    ceiling = duals[form.lp.rows_of("ceiling")]
    capacity = duals[form.lp.rows_of("capacity")].reshape(len(inputs.districts), len(inputs.years))
    return {
        "ceiling_years": [y for y, d in zip(inputs.years, ceiling) if d < -1e-9],
        "district_budgets": [[inputs.districts[i], inputs.years[j]]
                             for i, j in zip(*np.nonzero(capacity < -1e-9))],
    }


def _missing(scenario: Scenario, solver) -> float:
    inputs = build_inputs(scenario)
    return solve(formulate(inputs).lp, 1, solver, inputs.stage_tolerance).objectives[Stage.HARD]


def lower_standard(scenario: Scenario, requirement: Requirement, solver, missing_now: float,
                   iterations: int = 40) -> dict[str, Any] | None:
    """The least cut of an adjustable standard that meets every hard target (bisection).

    Missing money falls as the standard falls; the cut stops where the data allow
    (an office standard must stay above the areas of offices counted below it).
    """
    key = ADJUSTABLE[requirement]
    now = scenario.params[key]
    table = scenario.unit_table
    if key == "office_space.standard_m2":
        below = table["office_below_standard"] > 0
        floor = float(table.loc[below, "office_area_below_m2"].max()) + 1e-6 if below.any() else 0.0
    elif key == "service_space.target_share":
        floor = 0.0
    else:
        floor = scenario.params["operating_funds.old_standard_yuan"]

    def missing_at(value: float) -> float:
        try:
            return _missing(scenario.with_overrides({key: value}), solver)
        except ScenarioError:
            return np.inf

    at_floor = missing_at(floor)
    if at_floor >= missing_now - MISSING_TOLERANCE:
        return None  # lowering this standard does not help
    lo, hi = floor, now  # missing(lo) small, missing(hi) > 0
    if at_floor > MISSING_TOLERANCE:
        best = floor
    else:
        for _ in range(iterations):
            mid = (lo + hi) / 2
            if missing_at(mid) <= MISSING_TOLERANCE:
                lo = mid
            else:
                hi = mid
            if hi - lo <= 1e-6 * max(1.0, abs(now)):
                break
        best = lo
    after = missing_at(best)
    return {"kind": "lower_standard", "parameter": key, "from": now, "to": best,
            "missing_after_yuan": after, "cost": f"{key} lowered by {now - best:.6g}",
            "cost_value": now - best}


def raise_own_contribution(scenario: Scenario, district: str, solver) -> dict[str, Any]:
    """The least extra own budget of one district, year by year, that minimises missing money."""
    inputs = build_inputs(scenario)
    lp = formulate(inputs).lp.copy()
    d = inputs.districts.index(district)
    block = lp.rows_of("capacity")
    rows = block.start + d * len(inputs.years) + np.arange(len(inputs.years))
    extra = add_money(lp, "extra_own", rows, [(district, y) for y in inputs.years])
    solution = solve(lp, 2, solver, inputs.stage_tolerance)
    by_year = {y: float(solution.x[c]) for y, c in zip(inputs.years, extra)}
    total = sum(by_year.values())
    return {"kind": "raise_own_contribution", "parameter": f"districts.{district}.capacity_yuan",
            "district": district, "missing_after_yuan": solution.objectives[Stage.HARD],
            "cost": "extra own budget " + ", ".join(f"{y}: {v:,.0f}" for y, v in by_year.items() if v > 0.5),
            "cost_value": total, "extra_by_year": {str(y): v for y, v in by_year.items()}}


def move_deadline(scenario: Scenario, key: str, result: Result, solver) -> dict[str, Any] | None:
    year = scenario.params[key]
    if year >= scenario.years[-1]:
        return None
    moved = solve_scenario(scenario.with_overrides({key: year + 1}), solver=solver, status_quo=False)
    program = {"office_space.deadline": "office_space", "service_space.deadline": "service_space",
               "social_insurance.deadline": "social_insurance",
               "member_subsidy.minimum_wage_from": "member_subsidy"}[key]
    share = moved.compliance_by_year()[program][year]
    return {"kind": "move_deadline", "parameter": key, "from": year, "to": year + 1,
            "missing_after_yuan": moved.objectives["missing_hard_yuan"],
            "cost": f"{program} compliance in {year}: {share:.1%} instead of 100%",
            "cost_value": 1.0 - share}


def diagnose(scenario: Scenario, result: Result, solver: SolverName | str | Resolver = SolverName.HIGHS,
             with_frontier: bool = True) -> Diagnosis | None:
    """Diagnose a result with missing money (None when every hard target is met)."""
    if result.status == Status.OPTIMAL:
        return None
    solver = resolver(solver)  # one for every re-solve below: warm starts across them
    missing_now = result.objectives["missing_hard_yuan"]
    notes: list[str] = []
    extra, residual = extra_ceiling(scenario, solver)
    extra_total = sum(extra.values()) if extra is not None else None
    if residual > MISSING_TOLERANCE:
        notes.append(f"even an unlimited ceiling leaves {residual:,.0f} yuan missing "
                     "(co-financing shares or district budgets bind); the top-up shown minimises what remains")
    uniform = compute_frontier(scenario, solver).feasible_from_yuan if with_frontier else None

    unmet = result.unmet_hard.groupby("requirement")["missing_yuan"].sum()
    present = [Requirement(r) for r in unmet.index]
    rows = []
    alone: dict[Requirement, float] = {}
    for requirement in present:
        alone[requirement] = requirement_alone(scenario, [requirement], solver)
        rows.append({"requirement": requirement.value, "missing_yuan": float(unmet[requirement.value]),
                     "missing_if_alone_yuan": alone[requirement],
                     "districts": ", ".join(sorted(result.unmet_hard.loc[
                         result.unmet_hard.requirement == requirement.value, "district"].unique())),
                     "years": ", ".join(str(y) for y in sorted(result.unmet_hard.loc[
                         result.unmet_hard.requirement == requirement.value, "year"].unique()))})
    conflicts = []
    affordable = [r for r in present if alone[r] <= MISSING_TOLERANCE]
    for a, b in itertools.combinations(affordable, 2):
        if requirement_alone(scenario, [a, b], solver) > MISSING_TOLERANCE:
            conflicts.append((a.value, b.value))
    if len(affordable) == len(present) > 2 and not conflicts:
        notes.append("each unmet requirement, and each pair of them, is affordable; only all of them "
                     "together are not")

    alternatives: list[dict[str, Any]] = []
    for key, requirement in DEADLINES.items():
        if requirement in present:
            option = move_deadline(scenario, key, result, solver)
            if option:
                alternatives.append(option)
    for requirement in present:
        if requirement in ADJUSTABLE:
            option = lower_standard(scenario, requirement, solver, missing_now)
            if option:
                alternatives.append(option)
        elif requirement in LEGAL:
            notes.append(f"{requirement.value}: not lowered, {LEGAL[requirement]}")
    for district in sorted(result.unmet_hard["district"].unique()):
        alternatives.append(raise_own_contribution(scenario, district, solver))
    if extra is not None:
        alternatives.append({"kind": "raise_ceiling", "parameter": "city.ceiling_yuan",
                             "missing_after_yuan": residual,
                             "cost": "extra ceiling " + ", ".join(f"{y}: {v:,.0f}" for y, v in extra.items() if v > 0.5),
                             "cost_value": extra_total})
    return Diagnosis(
        missing_yuan=missing_now,
        extra_ceiling_by_year=extra,
        extra_ceiling_total=extra_total,
        uniform_total_needed=uniform,
        current_total=float(build_inputs(scenario).ceiling.sum()),
        requirements=pd.DataFrame(rows),
        conflicts=conflicts,
        binding=binding_money(scenario, solver),
        alternatives=pd.DataFrame(alternatives),
        notes=notes,
    )
