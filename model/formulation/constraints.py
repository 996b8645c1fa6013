"""The LP's constraint families, one ``define_<thing>_constraints`` function each.

Each function adds one named row block to the formulation's LP (``capacity[d,t]``,
``ceiling[t]``, ``insurance[u,t]``...), written in the policy's terms; the bounds of
the money-limit rows come from ``<name>_bounds(inputs)`` so that a batch can
recompute them without building the LP again (:func:`~model.formulation.build.with_money_limits`).
"""

from __future__ import annotations

import numpy as np

from ..constants import CAPITAL_PROGRAMS, PROGRAMS, RECURRING_PROGRAMS, Program, Requirement
from .allocation import Formulation, UnmetBlock
from .inputs import ModelInputs
from .lp import INF, Labels


def district_years(inputs: ModelInputs) -> Labels:
    """Labels ``(district, year)`` of district-year rows and columns."""
    return Labels(len(inputs.districts) * len(inputs.years),
                  lambda: [(d, t) for d in inputs.districts for t in inputs.years])


def _program_index(program: Program) -> int:
    return PROGRAMS.index(program)


def _district_sums(form: Formulation, own_sign: float, transfer_coef: float
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rows (district, year): ``own_sign x sum of closed over the district's units and
    programs + transfer_coef x transfer[d,t]``, as (row, column, value) arrays."""
    inputs = form.inputs
    n_t = len(inputs.years)
    rows = np.broadcast_to((inputs.unit_district[:, None, None] * n_t + np.arange(n_t)[None, None, :]),
                           form.closed.shape).ravel()
    t_rows = np.arange(form.transfer.size)
    return (np.concatenate([rows, t_rows]), np.concatenate([form.closed.ravel(), form.transfer.ravel()]),
            np.concatenate([np.full(rows.size, own_sign), np.full(t_rows.size, transfer_coef)]))


def _unit_labels(inputs: ModelInputs) -> Labels:
    """Labels ``(unit,)`` of rows with one per unit."""
    return Labels(len(inputs.units), lambda: [(u,) for u in inputs.units])


def define_capacity_constraints(form: Formulation) -> None:
    """``capacity[d,t]``: a district spends at most its fiscal capacity for community work.

    Its own money is what closes its gaps less the city's transfer:
    ``sum closed - transfer <= capacity``.
    """
    inputs, lp = form.inputs, form.lp
    rows, cols, vals = _district_sums(form, 1.0, -1.0)
    lp.add_rows("capacity", district_years(inputs), rows, cols, vals, *capacity_bounds(inputs))


def capacity_bounds(inputs: ModelInputs) -> tuple[float, np.ndarray]:
    """Bounds of ``capacity[d,t]``: own money at most the district's fiscal capacity."""
    return -INF, inputs.capacity.ravel()


def define_co_financing_constraints(form: Formulation) -> None:
    """``co_financing[d,t]``: a district pays at least its share s of what it spends.

    ``own >= s * sum closed``, i.e. ``(1 - s) sum closed - transfer >= 0``. With
    s = 0 the row still says that transfers are spent: the city never pays a
    district more than its gaps take.
    """
    inputs, lp = form.inputs, form.lp
    n_t = len(inputs.years)
    rows, cols, vals = _district_sums(form, 1.0, -1.0)
    n_closed = form.closed.size
    share = np.repeat(inputs.min_own_share, n_t)  # per (district, year) row
    vals = vals.copy()
    vals[:n_closed] = 1.0 - share[rows[:n_closed]]
    lp.add_rows("co_financing", district_years(inputs), rows, cols, vals, 0.0, INF)


def define_ceiling_constraints(form: Formulation) -> None:
    """``ceiling[t]``: city transfers stay within the year's ceiling (and the horizon total)."""
    inputs, lp = form.inputs, form.lp
    n_g, n_t = form.transfer.shape
    rows = np.tile(np.arange(n_t), n_g)
    lp.add_rows("ceiling", [(t,) for t in inputs.years], rows, form.transfer.ravel(), np.ones(rows.size),
                *ceiling_bounds(inputs))
    if np.isfinite(inputs.total_ceiling):
        all_cols = form.transfer.ravel()
        lp.add_rows("total_ceiling", [()], np.zeros(all_cols.size), all_cols,
                    np.ones(all_cols.size), *total_ceiling_bounds(inputs))


def ceiling_bounds(inputs: ModelInputs) -> tuple[float, np.ndarray]:
    """Bounds of ``ceiling[t]``: transfers at most the year's ceiling."""
    return -INF, inputs.ceiling


def total_ceiling_bounds(inputs: ModelInputs) -> tuple[float, float]:
    """Bounds of ``total_ceiling``: transfers over the horizon at most its total."""
    return -INF, inputs.total_ceiling


def define_grant_constraints(form: Formulation) -> None:
    """``grant[d,t]``: under a rule-based baseline, a district receives at most its grant.

    Only when ``inputs.grants`` is set (see ``model.baselines``): the rule, not the
    optimiser, decides how the ceiling is split between districts.
    """
    inputs, lp = form.inputs, form.lp
    if inputs.grants is None:
        return
    cols = form.transfer.ravel()
    lp.add_rows("grant", district_years(inputs), np.arange(cols.size), cols, np.ones(cols.size), -INF,
                inputs.grants.ravel())


def define_gap_constraints(form: Formulation) -> None:
    """Capital programs, ``<program>_gap[u]``: committees upgraded over the horizon at
    most those below the standard (the target share for service rooms).

    The row is in yuan at last-year prices:
    ``sum_t closed_t * price_T / price_t <= units * cost_T``. (Recurring programs'
    gaps bound their ``closed`` columns directly.)
    """
    inputs, lp = form.inputs, form.lp
    n_u, n_t = inputs.shape
    for program in CAPITAL_PROGRAMS:
        k = _program_index(program)
        price = inputs.price_index[program]
        scale = price[-1] / price  # yuan of year t in last-year yuan
        rows = np.repeat(np.arange(n_u), n_t)
        cols = form.closed[:, k, :].ravel()
        vals = np.tile(scale, n_u)
        rhs = inputs.upgrade_units[program] * inputs.unit_cost[program][:, -1]
        lp.add_rows(f"{program.value}_gap", _unit_labels(inputs), rows, cols, vals, -INF, rhs)


def define_continuity_constraints(form: Formulation) -> None:
    """``<program>_keep[u,t]``: what a recurring program funds stays funded.

    Members once insured stay insured, subsidies once raised stay raised: the share
    of the gap closed never falls, ``closed_t / gap_t >= closed_{t-1} / gap_{t-1}``,
    written ``closed_t - (gap_t / gap_{t-1}) closed_{t-1} >= 0``.
    """
    inputs, lp = form.inputs, form.lp
    n_u, n_t = inputs.shape
    if n_t < 2:
        return
    for program in RECURRING_PROGRAMS:
        k = _program_index(program)
        gap = inputs.gap[program]
        ratio = np.divide(gap[:, 1:], gap[:, :-1], out=np.zeros((n_u, n_t - 1)), where=gap[:, :-1] > 0)
        r = np.arange(n_u * (n_t - 1))  # row (u, t) for t = second year .. last
        rows = np.concatenate([r, r])
        cols = np.concatenate([form.closed[:, k, 1:].ravel(), form.closed[:, k, :-1].ravel()])
        vals = np.concatenate([np.ones(r.size), -ratio.ravel()])
        labels = Labels(r.size, lambda: [(u, t) for u in inputs.units for t in inputs.years[1:]])
        lp.add_rows(f"{program.value}_keep", labels, rows, cols, vals, 0.0, INF)


def define_hard_requirement_constraints(form: Formulation) -> None:
    """Hard requirements, each with an ``unmet`` column for the money missing.

    - ``office_space_deadline[u]`` (and ``service_space_deadline[u]`` if hard):
      committees upgraded by the deadline reach the target, in deadline-year yuan;
    - ``minimum_wage[u,t]``: no member below the minimum wage from its start year;
    - ``social_insurance[u,t]``: every member insured from the deadline year;
    - ``operating_funds_standard[u,t]`` if the scenario makes operating funds hard.
    """
    inputs, lp = form.inputs, form.lp
    n_u, n_t = inputs.shape
    years = inputs.years
    capital = {Program.OFFICE_SPACE: Requirement.OFFICE_SPACE_DEADLINE,
               Program.SERVICE_SPACE: Requirement.SERVICE_SPACE_DEADLINE}
    for program, requirement in capital.items():
        if not inputs.hard_capital[program]:
            continue
        deadline = inputs.deadlines[requirement]
        j_dl = years.index(deadline)
        k = _program_index(program)
        price = inputs.price_index[program]
        scale = price[j_dl] / price[: j_dl + 1]
        unmet_cols = _add_unmet(form, requirement, Labels(n_u, lambda deadline=deadline: [
            (u, deadline) for u in inputs.units]), np.arange(n_u), np.full(n_u, deadline))
        rows = np.repeat(np.arange(n_u), (j_dl + 1) + 1)
        cols = np.concatenate([form.closed[:, k, : j_dl + 1], unmet_cols[:, None]], axis=1).ravel()
        vals = np.tile(np.concatenate([scale, [1.0]]), n_u)
        rhs = inputs.upgrade_units[program] * inputs.unit_cost[program][:, j_dl]
        lp.add_rows(requirement.value, _unit_labels(inputs), rows, cols, vals, rhs, INF)

    recurring = [(Requirement.MINIMUM_WAGE, Program.MEMBER_SUBSIDY),
                 (Requirement.SOCIAL_INSURANCE, Program.SOCIAL_INSURANCE)]
    if np.any(inputs.hard[Requirement.OPERATING_FUNDS_STANDARD] > 0):
        recurring.append((Requirement.OPERATING_FUNDS_STANDARD, Program.OPERATING_FUNDS))
    for requirement, program in recurring:
        start = inputs.deadlines[requirement]
        j0 = years.index(start) if start in years else n_t
        if j0 >= n_t:
            continue
        k = _program_index(program)
        # One row per unit and year from the start year: (u, j) with u slowest.
        u_arr = np.repeat(np.arange(n_u), n_t - j0)
        j_arr = np.tile(np.arange(j0, n_t), n_u)
        labels = Labels(u_arr.size, lambda j0=j0: [(u, t) for u in inputs.units for t in years[j0:]])
        unmet_cols = _add_unmet(form, requirement, labels, u_arr, np.asarray(years)[j_arr])
        r = np.arange(u_arr.size)
        rows = np.concatenate([r, r])
        cols = np.concatenate([form.closed[u_arr, k, j_arr], unmet_cols])
        lp.add_rows(requirement.value, labels, rows, cols, np.ones(cols.size),
                    inputs.hard[requirement][u_arr, j_arr], INF)


def _add_unmet(form: Formulation, requirement: Requirement, labels: Labels, units: np.ndarray,
               years: np.ndarray) -> np.ndarray:
    """Columns for money missing on ``requirement`` (one block per requirement), one per
    (unit position, year) of ``units``, ``years``."""
    cols = form.lp.add_columns(f"unmet_{requirement.value}", labels, 0.0, INF)
    form.unmet_blocks.append(UnmetBlock(requirement, labels, cols, np.asarray(units, dtype=np.int64),
                                        np.asarray(years, dtype=np.int64)))
    return cols


