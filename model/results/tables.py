"""What a solve means for the policy: allocation, compliance, money, shadow prices.

:func:`make_result` reads an :class:`~model.solve.stages.LPSolution` (already checked
optimal) through the formulation's index maps and computes every table from the
closed gaps, so each figure traces to the inputs and the LP solution. Tables are
pandas DataFrames with units in their column names.
"""

from __future__ import annotations

import platform

import numpy as np
import pandas as pd

from ..constants import CAPITAL_PROGRAMS, PROGRAMS, Program, Stage, Status
from ..formulation.allocation import Formulation
from ..formulation.inputs import ModelInputs
from ..scenario.scenario import Scenario
from ..solve.stages import LPSolution
from ..version import __version__
from .compliance import compliance_table, upgraded_committees
from .equity import district_equity
from .result import UNMET_TOLERANCE_YUAN, Result


def initial_state(scenario: Scenario, inputs: ModelInputs) -> dict[str, float]:
    """The state before any spending (the report's "today")."""
    committees = float(inputs.committees.sum())
    return {
        "committees": committees,
        "members": float(inputs.members.sum()),
        "uninsured_members": float(inputs.uninsured.sum()),
        "office_space_compliance": float(inputs.at_standard_now[Program.OFFICE_SPACE].sum() / committees),
        "service_space_compliance": float(inputs.at_standard_now[Program.SERVICE_SPACE].sum() / committees),
        "operating_standard_yuan": float(scenario.params["operating_funds.old_standard_yuan"]),
        "residents": float(scenario.unit_table["residents"].sum()),
    }


def allocation_table(inputs: ModelInputs, own: np.ndarray, transfer: np.ndarray) -> pd.DataFrame:
    """Unit x program x year: own money, transfers, the gap at the start of the year, closed, left.

    Units are districts (columns ``district, program, year, ...``) or communities
    (``district, unit, program, year, ...``).
    """
    closed = own + transfer
    gap = np.zeros_like(closed)
    for k, program in enumerate(PROGRAMS):
        if program in CAPITAL_PROGRAMS:
            upgraded = upgraded_committees(inputs, closed)[program]
            before = np.concatenate([np.zeros((len(inputs.units), 1)), upgraded[:, :-1]], axis=1)
            remaining = np.maximum(inputs.upgrade_units[program][:, None] - before, 0.0)
            gap[:, k, :] = remaining * inputs.unit_cost[program]
        else:
            gap[:, k, :] = inputs.gap[program]
    index = pd.MultiIndex.from_product([inputs.units, [p.value for p in PROGRAMS], inputs.years],
                                       names=["unit", "program", "year"])
    frame = pd.DataFrame({
        "own_yuan": own.ravel(),
        "transfer_yuan": transfer.ravel(),
        "gap_yuan": gap.ravel(),
        "closed_yuan": closed.ravel(),
    }, index=index).reset_index()
    frame["left_yuan"] = (frame["gap_yuan"] - frame["closed_yuan"]).clip(lower=0.0)
    if inputs.unit_level:
        district_of = dict(zip(inputs.units, np.asarray(inputs.districts)[inputs.unit_district]))
        frame.insert(0, "district", frame["unit"].map(district_of))
    else:
        frame = frame.rename(columns={"unit": "district"})
    return frame


def ceiling_prices(form: Formulation, solution: LPSolution) -> tuple[np.ndarray, np.ndarray]:
    """Shadow prices of each year's ceiling: soft points per yuan, missing yuan cut per yuan.

    The LP minimises minus the soft points and the missing money; a looser ceiling
    lowers both, so the prices are the negated row duals (tiny negatives are
    round-off: a ceiling never hurts). The objective is lexicographic: where one
    more yuan in a year cuts missing money, that comes first, and the soft price
    there is not reported (NaN) - the soft stage's dual, taken with the missing
    money held at its optimum, would credit the yuan with points it cannot buy
    before the hard targets. Without duals (CBC) both are NaN.
    """
    rows = form.lp.rows_of("ceiling")
    return prices_of_duals(solution.duals[Stage.SOFT][rows], solution.duals[Stage.HARD][rows])


def prices_of_duals(soft_duals: np.ndarray, hard_duals: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """:func:`ceiling_prices` from the ceiling rows' duals of the soft and hard stages
    (of one solve, or stacked: one row per solve)."""
    soft, hard = -soft_duals, -hard_duals
    soft = np.where(soft < 0, 0.0, soft)
    hard = np.where(hard < 0, 0.0, hard)
    soft = np.where(hard > 1e-9, np.nan, soft)
    return soft, hard


def make_result(scenario: Scenario, inputs: ModelInputs, form: Formulation, solution: LPSolution,
                status_quo: Result | None = None) -> Result:
    """Turn an optimal LP solution into a :class:`Result`."""
    x = np.where(np.abs(solution.x) < 1e-6, 0.0, solution.x)  # solver round-off near zero
    own, transfer = form.money(x)
    closed = own + transfer

    unmet_records = []
    district_names = np.asarray(inputs.districts)[inputs.unit_district]
    for block in form.unmet_blocks:
        missing_yuan = x[block.columns]
        for i in np.flatnonzero(missing_yuan > UNMET_TOLERANCE_YUAN):
            u = block.units[i]
            unmet_records.append((block.requirement.value, district_names[u], inputs.units[u], int(block.years[i]),
                                  float(missing_yuan[i])))
    unmet = pd.DataFrame.from_records(unmet_records,
                                      columns=["requirement", "district", "unit", "year", "missing_yuan"])
    if not inputs.unit_level:
        unmet = unmet.drop(columns=["unit"])
    missing = float(unmet["missing_yuan"].sum()) if len(unmet) else 0.0
    status = Status.HARD_TARGETS_UNMET if missing > UNMET_TOLERANCE_YUAN else Status.OPTIMAL

    soft_price, hard_price = ceiling_prices(form, solution)
    money = pd.DataFrame({
        "year": inputs.years,
        "ceiling_yuan": inputs.ceiling,
        "transfers_yuan": transfer.sum(axis=(0, 1)),
        "own_yuan": own.sum(axis=(0, 1)),
        "capacity_yuan": inputs.capacity.sum(axis=0),
        "shadow_price_points_per_yuan": soft_price,
        "shadow_price_missing_yuan_per_yuan": hard_price,
    })
    money["ceiling_used_share"] = np.divide(money["transfers_yuan"], money["ceiling_yuan"],
                                            out=np.zeros(len(money)), where=money["ceiling_yuan"] > 0)
    n_g, n_t = len(inputs.districts), len(inputs.years)
    district_money = pd.DataFrame({
        "district": np.repeat(inputs.districts, n_t),
        "year": np.tile(inputs.years, n_g),
        "capacity_yuan": inputs.capacity.ravel(),
        "own_yuan": inputs.by_district(own.sum(axis=1)).ravel(),
        "transfer_yuan": inputs.by_district(transfer.sum(axis=1)).ravel(),
    })
    districts_table, equity = district_equity(inputs, own, transfer)
    provenance = {
        "scenario": scenario.name,
        "scenario_sha256": scenario.sha256(),
        "overrides": [o.as_dict() for o in scenario.overrides],
        "budgetsim_version": __version__,
        "solver": solution.solver,
        "solver_version": solution.solver_version,
        "pulp_version": _version("pulp"),
        "python_version": platform.python_version(),
        "solve_seconds": solution.seconds,
    }
    objectives = {
        "missing_hard_yuan": solution.objectives[Stage.HARD],
        "soft_points": -solution.objectives[Stage.SOFT],
        "transfers_yuan": solution.objectives[Stage.TRANSFERS],
    }
    return Result(
        scenario_name=scenario.name,
        title=scenario.title,
        status=status,
        years=list(inputs.years),
        districts=list(inputs.districts),
        units=list(inputs.units),
        allocation=allocation_table(inputs, own, transfer),
        compliance=compliance_table(inputs, closed),
        money=money,
        district_money=district_money,
        unmet_hard=unmet,
        objectives=objectives,
        initial=initial_state(scenario, inputs),
        provenance=provenance,
        status_quo=status_quo,
        closed=closed,
        equity_by_district=districts_table,
        equity=equity,
    )


def _version(package: str) -> str:
    import importlib.metadata

    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:  # pragma: no cover
        return "unknown"




def as_baseline(result: Result, rule: str, inputs: ModelInputs, grant: np.ndarray,
                notes: dict[str, list[float]] | None = None) -> Result:
    """Mark ``result`` as the outcome of an allocation rule with these grants (G, T).

    Under a rule the grants, not the ceiling, bind each district: one more yuan of
    ceiling has no value until the rule says who gets it, so no shadow price is given.
    """
    for column in ("shadow_price_points_per_yuan", "shadow_price_missing_yuan_per_yuan"):
        result.money[column] = np.nan
    result.rule = str(rule)
    result.grants = pd.DataFrame({
        "district": np.repeat(inputs.districts, len(inputs.years)),
        "year": np.tile(inputs.years, len(inputs.districts)),
        "grant_yuan": np.asarray(grant, dtype=float).ravel(),
    })
    result.provenance["baseline"] = {"rule": str(rule), **(notes or {})}
    return result
