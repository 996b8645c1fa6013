"""What a solve means for the policy: allocation, compliance, money, shadow prices.

:func:`make_result` reads an :class:`~model.solvers.LPSolution` (already checked
optimal) through the formulation's index maps and computes every table from the
closed gaps, so each figure traces to the inputs and the LP solution. Tables are
pandas DataFrames with units in their column names.
"""

from __future__ import annotations

import math
import platform
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from . import __version__
from .constants import CAPITAL_PROGRAMS, PROGRAMS, Program, Requirement, Stage, Status
from .formulation import Formulation
from .inputs import ModelInputs
from .scenario import Scenario
from .solvers import LPSolution

#: Missing money below this many yuan is numerical noise, not an unmet target.
UNMET_TOLERANCE_YUAN = 1.0

#: What "at standard" counts for each program, and in which unit.
COMPLIANCE_UNITS = {
    Program.OFFICE_SPACE: "committees with office space at the standard",
    Program.SERVICE_SPACE: "committees with service rooms at the standard",
    Program.OPERATING_FUNDS: "committees funded at the operating standard",
    Program.MEMBER_SUBSIDY: "members paid at least the minimum wage",
    Program.SOCIAL_INSURANCE: "members insured",
}


@dataclass(eq=False)
class Result:
    """The answer to one scenario, as tables and a JSON-ready summary.

    Attributes
    ----------
    status : Status
        ``optimal``, or ``hard_targets_unmet`` when the ceiling cannot pay for
        every hard target (see ``unmet_hard``).
    allocation : DataFrame
        district, program, year, own_yuan, transfer_yuan, gap_yuan, closed_yuan, left_yuan
        (with a ``unit`` column after ``district`` when units are communities).
    compliance : DataFrame
        district (``"city"`` for the whole city), program, year, at_standard, total, share.
    money : DataFrame
        By year: ceiling, transfers, own spending, capacity, and the shadow prices
        of the ceiling.
    district_money : DataFrame
        By district and year: own spending against capacity, transfers received.
    unmet_hard : DataFrame
        requirement, district, year, missing_yuan (empty when every hard target is met).
    objectives : dict
        Stage optima: missing yuan, soft points, transfer yuan.
    """

    scenario_name: str
    title: str
    status: Status
    years: list[int]
    districts: list[str]
    allocation: pd.DataFrame
    compliance: pd.DataFrame
    money: pd.DataFrame
    district_money: pd.DataFrame
    unmet_hard: pd.DataFrame
    objectives: dict[str, float]
    initial: dict[str, float]
    provenance: dict[str, Any]
    status_quo: Result | None = None
    closed: np.ndarray = field(default=None, repr=False)  # (U, P, T) yuan
    units: list[str] = field(default_factory=list)
    #: Rule-based baselines: the rule's name and its grants by district and year.
    rule: str | None = None
    grants: pd.DataFrame | None = None
    #: Per district: soft coverage, money per committee (see ``district_equity``).
    equity_by_district: pd.DataFrame | None = None
    equity: dict[str, Any] = field(default_factory=dict)

    # --- views ------------------------------------------------------------------
    def compliance_by_year(self, district: str = "city") -> dict[str, dict[int, float]]:
        """``{program: {year: share at standard}}`` for the city or one district."""
        rows = self.compliance[self.compliance["district"] == district]
        return {program.value: {int(r.year): float(r.share) for r in rows[rows["program"] == program.value]
                                .itertuples()} for program in PROGRAMS}

    @property
    def transfers_total(self) -> float:
        return float(self.money["transfers_yuan"].sum())

    def tables(self) -> dict[str, pd.DataFrame]:
        """Every table, by the file name it is written under (without ``.csv``)."""
        tables = {
            "allocation": self.allocation,
            "compliance": self.compliance,
            "money": self.money,
            "district_money": self.district_money,
            "equity_by_district": self.equity_by_district,
            "unmet_hard": self.unmet_hard,
        }
        if self.status_quo is not None:
            tables["status_quo_compliance"] = self.status_quo.compliance
        if self.grants is not None:
            tables["grants"] = self.grants
        return tables

    def summary(self) -> dict[str, Any]:
        """The JSON summary written as ``summary.json`` (shares as fractions, money in yuan)."""
        by_year = lambda column: {str(int(y)): _num(v) for y, v in zip(self.money["year"], self.money[column])}  # noqa: E731
        compliance = {p: {str(y): _num(s) for y, s in v.items()} for p, v in self.compliance_by_year().items()}
        summary = {
            "scenario": self.scenario_name,
            "title": self.title,
            "status": self.status.value,
            "initial": self.initial,
            "horizon": self.years,
            "ceiling_by_year": by_year("ceiling_yuan"),
            "transfers_by_year": by_year("transfers_yuan"),
            "own_spending_by_year": by_year("own_yuan"),
            "capacity_by_year": by_year("capacity_yuan"),
            "shadow_price_ceiling_by_year": by_year("shadow_price_points_per_yuan"),
            "shadow_price_ceiling_hard_by_year": by_year("shadow_price_missing_yuan_per_yuan"),
            "objectives": {k: _num(v) for k, v in self.objectives.items()},
            "unmet_hard": [
                {"requirement": r.requirement, "district": r.district, "year": int(r.year),
                 "missing_yuan": _num(r.missing_yuan)} for r in self.unmet_hard.itertuples()],
            "missing_yuan_total": _num(float(self.unmet_hard["missing_yuan"].sum())),
            "compliance": compliance,
            "equity": {k: (_num(v) if isinstance(v, float) else v) for k, v in self.equity.items()},
            "provenance": self.provenance,
        }
        if self.status_quo is not None:
            summary["status_quo_compliance"] = {
                p: {str(y): _num(s) for y, s in v.items()} for p, v in self.status_quo.compliance_by_year().items()}
        return summary


def _num(value: float) -> float | None:
    value = float(value)
    if math.isnan(value):
        return None
    if math.isinf(value):
        return None
    return value


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
        "residents": float(scenario.districts["residents"].sum()),
    }


class ComplianceCounter:
    """Compliance counts of every program at once, per unit, program and year (U, P, T).

    For unit u, program p and year t: ``at_standard = start + weight x progress``,
    where progress is

    - capital programs: committees upgraded by the end of year t -- the money closed
      over the cost of one upgrade, summed over the years, at most the committees
      below the standard (``start``: those at the standard now, weight 1);
    - operating funds: the share of the year's gap closed, times committees;
    - member subsidies: the share of the minimum-wage money closed (money goes first
      to lifting members to the minimum wage), times members;
    - social insurance: the members insured now plus the uninsured times the share
      of the premium gap closed;

    a share is between 0 and 1, and a gap-free year counts as closed. Everything
    but the money closed is prepared once: a batch reuses one counter for points
    whose inputs differ only in money limits, which compliance does not read.
    """

    def __init__(self, inputs: ModelInputs):
        n_u, n_t = inputs.shape
        committees, members, uninsured = inputs.committees, inputs.members, inputs.uninsured
        zeros, ones = np.zeros(n_u), np.ones(n_u)
        # Per program (in PROGRAMS order): yuan per unit of progress, start, weight, total.
        terms = {
            Program.OFFICE_SPACE: (inputs.unit_cost[Program.OFFICE_SPACE],
                                   inputs.at_standard_now[Program.OFFICE_SPACE], ones, committees),
            Program.SERVICE_SPACE: (inputs.unit_cost[Program.SERVICE_SPACE],
                                    inputs.at_standard_now[Program.SERVICE_SPACE], ones, committees),
            Program.OPERATING_FUNDS: (inputs.gap[Program.OPERATING_FUNDS], zeros, committees, committees),
            Program.MEMBER_SUBSIDY: (inputs.minimum_wage_cost, zeros, members, members),
            Program.SOCIAL_INSURANCE: (inputs.gap[Program.SOCIAL_INSURANCE], members - uninsured, uninsured,
                                       members),
        }
        per_unit = lambda i: np.column_stack([terms[p][i] for p in PROGRAMS]).astype(float)  # noqa: E731
        denominator = np.stack([terms[p][0] for p in PROGRAMS], axis=1)  # (U, P, T)
        self.positive = denominator > 0
        self.denominator = np.where(self.positive, denominator, 1.0)
        self.capital = np.array([p in CAPITAL_PROGRAMS for p in PROGRAMS])
        # The capital programs' positions: a slice when they are neighbours (a view, cheaper to index).
        at = np.flatnonzero(self.capital)
        contiguous = at.size and np.array_equal(at, np.arange(at[0], at[-1] + 1))
        self._capital_at = slice(int(at[0]), int(at[-1]) + 1) if contiguous else at
        # Without cost nothing is bought (capital); a gap-free year is closed (recurring).
        self.free = np.where(self.capital, 0.0, 1.0)[None, :, None]
        self.low = np.where(self.capital, -np.inf, 0.0)[None, :, None]
        high = np.ones((n_u, len(PROGRAMS)))
        for program in CAPITAL_PROGRAMS:
            high[:, PROGRAMS.index(program)] = inputs.upgrade_units[program]
        self.high = high[:, :, None]
        self.start = per_unit(1)[:, :, None]
        self.weight = per_unit(2)[:, :, None]
        self.total = np.repeat(per_unit(3)[:, :, None], n_t, axis=2)  # (U, P, T)
        self.city_total = self.total.sum(axis=0)  # (P, T)

    def progress(self, closed: np.ndarray) -> np.ndarray:
        """Committees upgraded (capital programs) or share of the gap closed (recurring), (U, P, T)
        (or (N, U, P, T) for N solutions stacked)."""
        share = np.where(self.positive, closed / self.denominator, self.free)
        share[..., self._capital_at, :] = np.cumsum(share[..., self._capital_at, :], axis=-1)
        return np.minimum(np.maximum(share, self.low), self.high)

    def at_standard(self, closed: np.ndarray) -> np.ndarray:
        """Committees or members at the standard, (U, P, T); out of :attr:`total`."""
        return self.start + self.weight * self.progress(closed)

    def city_shares(self, closed: np.ndarray) -> np.ndarray:
        """City-wide share at the standard by program and year (P, T); 1 where nobody counts.

        ``closed`` may hold several solutions' money closed, stacked (N, U, P, T): then (N, P, T).
        """
        at = self.at_standard(closed).sum(axis=-3)  # over units
        return np.divide(at, self.city_total, out=np.ones_like(at), where=self.city_total > 0)


def upgraded_committees(inputs: ModelInputs, closed: np.ndarray) -> dict[Program, np.ndarray]:
    """Capital programs: committees brought to the standard by the end of each year (D, T)."""
    progress = ComplianceCounter(inputs).progress(closed)
    return {program: progress[:, PROGRAMS.index(program), :] for program in CAPITAL_PROGRAMS}


def compliance_counts(inputs: ModelInputs, closed: np.ndarray) -> dict[Program, tuple[np.ndarray, np.ndarray]]:
    """``{program: (at_standard, total)}`` per unit and year, from the gaps closed."""
    counter = ComplianceCounter(inputs)
    at = counter.at_standard(closed)
    return {program: (at[:, k, :], counter.total[:, k, :]) for k, program in enumerate(PROGRAMS)}


def compliance_table(inputs: ModelInputs, closed: np.ndarray) -> pd.DataFrame:
    """Long table of compliance by district (summed over its units) and city-wide."""
    records = []
    for program, (at_unit, total_unit) in compliance_counts(inputs, closed).items():
        at, total = inputs.by_district(at_unit), inputs.by_district(total_unit)
        for j, year in enumerate(inputs.years):
            for d, district in enumerate(inputs.districts):
                records.append((district, program.value, year, at[d, j], total[d, j]))
            records.append(("city", program.value, year, at[:, j].sum(), total[:, j].sum()))
    frame = pd.DataFrame.from_records(records, columns=["district", "program", "year", "at_standard", "total"])
    frame["share"] = np.divide(frame["at_standard"], frame["total"], out=np.ones(len(frame)),
                               where=frame["total"] > 0)
    frame["unit"] = frame["program"].map({p.value: u for p, u in COMPLIANCE_UNITS.items()})
    return frame


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


def gini(values: np.ndarray, weights: np.ndarray) -> float:
    """Gini coefficient of ``values`` (e.g. yuan per committee) with ``weights`` (committees)."""
    order = np.argsort(values)
    v, w = np.asarray(values, float)[order], np.asarray(weights, float)[order]
    total = (v * w).sum()
    if total <= 0 or w.sum() <= 0:
        return 0.0
    cum_w = np.cumsum(w) / w.sum()
    cum_v = np.cumsum(v * w) / total
    # Area under the Lorenz curve by trapezoids; Gini = 1 - 2 * area.
    area = np.sum((cum_w - np.concatenate([[0.0], cum_w[:-1]])) * (cum_v + np.concatenate([[0.0], cum_v[:-1]])) / 2)
    return float(1.0 - 2.0 * area)


def district_equity(inputs: ModelInputs, own: np.ndarray, transfer: np.ndarray
                    ) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Per district: soft coverage and money per committee; and their spread.

    Coverage is the share of the soft points a district could earn (every soft gap
    closed from the first year) that it does earn; money per committee is over the
    whole horizon.
    """
    closed = own + transfer
    points = inputs.by_district(inputs.soft_points(closed))
    attainable = inputs.by_district(inputs.max_soft_points())
    coverage = np.divide(points, attainable, out=np.full(len(points), np.nan), where=attainable > 0)
    committees = inputs.by_district(inputs.committees)
    transfers = inputs.by_district(transfer.sum(axis=(1, 2)))
    funding = inputs.by_district(closed.sum(axis=(1, 2)))
    table = pd.DataFrame({
        "district": inputs.districts,
        "committees": committees,
        "soft_points": points,
        "attainable_points": attainable,
        "coverage": coverage,
        "own_yuan": inputs.by_district(own.sum(axis=(1, 2))),
        "transfer_yuan": transfers,
        "closed_yuan": funding,
        "transfer_per_committee_yuan": transfers / committees,
        "closed_per_committee_yuan": funding / committees,
    })
    has_soft = ~np.isnan(coverage)
    worst = int(np.nanargmin(coverage)) if has_soft.any() else None
    per_committee = funding / committees
    equity = {
        "min_coverage": float(coverage[worst]) if worst is not None else None,
        "min_coverage_district": inputs.districts[worst] if worst is not None else None,
        "max_coverage": float(np.nanmax(coverage)) if has_soft.any() else None,
        "closed_per_committee_min_yuan": float(per_committee.min()),
        "closed_per_committee_max_yuan": float(per_committee.max()),
        "closed_per_committee_cv": float(per_committee.std() / per_committee.mean()) if per_committee.mean() > 0 else 0.0,
        "closed_per_committee_gini": gini(per_committee, committees),
        "transfer_per_committee_gini": gini(transfers / committees, committees),
    }
    return table, equity


def make_result(scenario: Scenario, inputs: ModelInputs, form: Formulation, solution: LPSolution,
                status_quo: Result | None = None) -> Result:
    """Turn an optimal LP solution into a :class:`Result`."""
    x = np.where(np.abs(solution.x) < 1e-6, 0.0, solution.x)  # solver round-off near zero
    own, transfer = form.money(x)
    closed = own + transfer

    unmet_records = []
    district_of = dict(zip(inputs.units, np.asarray(inputs.districts)[inputs.unit_district]))
    for (unit, requirement, year), column in form.unmet.items():
        if x[column] > UNMET_TOLERANCE_YUAN:
            unmet_records.append((requirement.value, district_of[unit], unit, year, float(x[column])))
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


__all__ = ["Result", "make_result", "compliance_counts", "Requirement"]
