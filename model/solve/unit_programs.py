"""Every unit's program LPs solved exactly at given column costs, all at once with numpy.

Take away the rows that tie units together (a district's capacity and co-financing, the
ceilings) and the LP falls apart into one small LP per unit and program, a *block*:

- a **recurring** program (operating funds, member subsidy, social insurance): its money
  ``x_t`` in ``[0, gap_t]``, the ``<program>_keep`` rows ``x_t >= (gap_t / gap_{t-1})
  x_{t-1}`` and, from the requirement's start year, the hard row ``x_t + unmet_t >= m_t``.
  In shares of the gap ``s_t = x_t / gap_t`` the keep rows say ``s_t`` never falls (a year
  with no gap starts the chain again), so some optimum takes every share at 0, 1 or a
  requirement's ``m_t / gap_t``: a dynamic programme over those levels, year by year;
- a **capital** program (office and service space): its money ``x_t >= 0``, the gap row
  ``sum_t x_t price_T / price_t <= G`` and, when hard, the deadline row
  ``sum_{t <= D} x_t price_D / price_t + unmet >= H``. In last-year yuan the deadline row
  counts every year up to the deadline alike, so the cheapest early year and the cheapest
  later year are the only ones an optimum needs, filled greedily by cost.

:class:`UnitPrograms` reads the blocks from a :class:`~model.formulation.allocation.Formulation`
and its LP's bounds (so a batch's re-bounded rows are read as solved); ``solve(costs)``
returns every block's optimal value and an optimal allocation -- the exact minimum of the
LP without its linking rows, which HiGHS takes 8 s to find at 20,000 communities and this
0.1 s. :mod:`model.solve.certificate` prices the linking rows with a solve's duals and uses
it to bound each stage's optimum from below, independently of the solver.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..constants import CAPITAL_PROGRAMS, PROGRAMS, RECURRING_PROGRAMS, REQUIREMENT_PROGRAM, Requirement
from ..formulation.allocation import Formulation

#: Relative round-off below which money is taken to meet a hard row's need.
ROUNDOFF = 1e-12
#: The hard requirement on each program's money (rows ``x + unmet >= ...``), if the scenario makes it hard.
REQUIREMENT_OF = {program: requirement for requirement, program in REQUIREMENT_PROGRAM.items()}


def unit_row_blocks() -> set[str]:
    """Names of the row blocks that belong to one unit's program (the rest link units)."""
    return ({f"{p.value}_keep" for p in RECURRING_PROGRAMS} | {f"{p.value}_gap" for p in CAPITAL_PROGRAMS}
            | {r.value for r in Requirement})


@dataclass
class _Recurring:
    columns: np.ndarray  # (U, T) the program's money
    gap: np.ndarray  # (U, T) upper bounds
    hard: np.ndarray  # (U, T) bool: a hard row that year
    need: np.ndarray  # (U, T) the hard row's bound m
    unmet: np.ndarray  # (U, T) its missing-money column (-1: none)


@dataclass
class _Capital:
    columns: np.ndarray  # (U, T)
    live: np.ndarray  # (U, T) bool: not fixed at zero
    to_last: np.ndarray  # (T,) last-year yuan per yuan of year t (the gap row's coefficients)
    gap: np.ndarray  # (U,) the gap row's bound, last-year yuan
    deadline: int  # position of the deadline year, -1 if not hard
    per_last: float  # deadline-year yuan per last-year yuan (the same for every year to the deadline)
    need: np.ndarray  # (U,) the deadline row's bound
    unmet: np.ndarray  # (U,) its missing-money column (-1: none)


class UnitPrograms:
    """The LP's unit-program blocks: ``solve(costs)`` minimises each at once (see the module)."""

    def __init__(self, form: Formulation):
        inputs, lp = form.inputs, form.lp
        col_lower, col_upper, row_lower, row_upper = lp.bounds()
        n_u, n_t = inputs.shape
        years = np.asarray(inputs.years)
        unmet = {block.requirement: block for block in form.unmet_blocks}
        self.columns = [form.closed.ravel(), form.unmet_columns]
        self.recurring: list[_Recurring] = []
        self.capital: list[_Capital] = []
        for program in PROGRAMS:
            cols = form.closed[:, PROGRAMS.index(program), :]
            if np.any(col_lower[cols] != 0.0):
                raise ValueError(f"{program.value}: money closed must start at zero to be solved by block")
            block = unmet.get(REQUIREMENT_OF[program])
            if program in RECURRING_PROGRAMS:
                need, hard, unmet_col = np.zeros((n_u, n_t)), np.zeros((n_u, n_t), bool), np.full((n_u, n_t), -1)
                if block is not None:  # rows (unit, year) in the order of the missing-money columns
                    j = np.searchsorted(years, block.years)
                    first_row = lp.row_blocks[REQUIREMENT_OF[program].value].start
                    need[block.units, j] = row_lower[first_row + np.arange(block.columns.size)]
                    hard[block.units, j] = True
                    unmet_col[block.units, j] = block.columns
                self.recurring.append(_Recurring(cols, col_upper[cols], hard, need, unmet_col))
            else:
                price = inputs.price_index[program]
                gap_rows = lp.rows_of(f"{program.value}_gap")
                deadline, per_last, need, unmet_col = -1, 0.0, np.zeros(n_u), np.full(n_u, -1)
                if block is not None:
                    deadline = int(np.searchsorted(years, block.years[0]))
                    per_last = float(price[deadline] / price[-1])
                    need[block.units] = row_lower[lp.rows_of(REQUIREMENT_OF[program].value)]
                    unmet_col[block.units] = block.columns
                self.capital.append(_Capital(cols, col_upper[cols] > 0, price[-1] / price, row_upper[gap_rows],
                                             deadline, per_last, need, unmet_col))

    def solve(self, costs: np.ndarray) -> tuple[np.ndarray, float]:
        """An optimal allocation of every block at column ``costs`` (only the blocks' columns
        written) and the sum of the blocks' optima. A missing-money column must not cost
        less than zero (nothing bounds it above)."""
        x = np.zeros(costs.size)
        total = 0.0
        for block in self.recurring:
            has = block.unmet >= 0
            w = np.where(has, costs[np.maximum(block.unmet, 0)], 0.0)
            value, money, missing = _solve_recurring(costs[block.columns], block.gap, block.hard, block.need, w)
            x[block.columns] = money
            x[block.unmet[has]] = missing[has]
            total += float(value.sum())
        for block in self.capital:
            has = block.unmet >= 0
            w = np.where(has, costs[np.maximum(block.unmet, 0)], 0.0)
            value, money, missing = _solve_capital(costs[block.columns], block, w)
            x[block.columns] = money
            x[block.unmet[has]] = missing[has]
            total += float(value.sum())
        return x, total


def _solve_recurring(c: np.ndarray, gap: np.ndarray, hard: np.ndarray, need: np.ndarray, w: np.ndarray
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each unit's ``min sum_t c_t x_t + w_t unmet_t`` over a never-falling share of the gap.

    Levels: 0, 1 and each hard row's share ``need / gap``; ``best[l]`` is the least cost of
    the years so far with this year's share at level ``l`` (the years before at most it)."""
    if np.any(w[hard] < 0):
        raise ValueError("missing money priced below zero: the block's LP is unbounded")
    n, n_t = c.shape
    rows = np.arange(n)
    share = np.divide(need, gap, out=np.zeros_like(need), where=gap > 0).clip(0.0, 1.0)
    levels = np.sort(np.concatenate([np.zeros((n, 1)), np.ones((n, 1)), np.where(hard, share, 0.0)], axis=1), axis=1)
    n_l = levels.shape[1]
    best = np.zeros((n, n_l))
    came_from = np.zeros((n_t, n, n_l), dtype=np.int64)  # the level of the year before
    for t in range(n_t):
        money = gap[:, t, None] * levels
        cost = c[:, t, None] * money + w[:, t, None] * _missing(need[:, t, None], money, hard[:, t, None])
        # The least cost so far at a level at most l (and where it was reached).
        low, arg = best.copy(), np.zeros((n, n_l), dtype=np.int64)
        for l in range(1, n_l):
            keep = low[:, l - 1] <= low[:, l]
            low[:, l] = np.where(keep, low[:, l - 1], low[:, l])
            arg[:, l] = np.where(keep, arg[:, l - 1], l)
        if t == 0:
            restart = np.ones(n, bool)
        else:  # no gap last year: no keep row ties this year's share to it
            restart = gap[:, t - 1] <= 0
        anywhere = np.argmin(best, axis=1)
        came_from[t] = np.where(restart[:, None], anywhere[:, None], arg)
        best = cost + np.where(restart[:, None], best[rows, anywhere][:, None], low)
    level = np.argmin(best, axis=1)
    value = best[rows, level]
    money, missing = np.zeros((n, n_t)), np.zeros((n, n_t))
    for t in range(n_t - 1, -1, -1):
        money[:, t] = gap[:, t] * levels[rows, level]
        missing[:, t] = _missing(need[:, t], money[:, t], hard[:, t])
        level = came_from[t][rows, level]
    return value, money, missing


def _solve_capital(c: np.ndarray, block: _Capital, w: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each unit's ``min sum_t c_t x_t + w unmet`` within the gap row (and the deadline row).

    In last-year yuan ``q_t = x_t price_T / price_t`` a yuan costs ``c_t / to_last_t``; the
    three ways to spend it -- early (to the deadline) while the deadline still lacks money,
    early beyond that, later -- are taken cheapest first while they cost less than nothing,
    within the gap. Early money counts ``per_last`` towards the deadline row."""
    n, n_t = c.shape
    rows = np.arange(n)
    if np.any(w[block.unmet >= 0] < 0):
        raise ValueError("missing money priced below zero: the block's LP is unbounded")
    unit_cost = np.where(block.live, c / block.to_last, np.inf)
    last_early = block.deadline if block.deadline >= 0 else n_t - 1
    early = np.argmin(unit_cost[:, : last_early + 1], axis=1)
    early_cost = unit_cost[rows, early]
    if last_early + 1 < n_t:
        late = last_early + 1 + np.argmin(unit_cost[:, last_early + 1:], axis=1)
        late_cost = unit_cost[rows, late]
    else:
        late, late_cost = np.zeros(n, np.int64), np.full(n, np.inf)
    if block.deadline >= 0:
        lacking = np.where(block.need > 0, block.need / block.per_last, 0.0)  # early money that meets it
        first_cost = early_cost - w * block.per_last
    else:
        lacking, first_cost = np.zeros(n), early_cost
    options = np.stack([first_cost, early_cost, late_cost], axis=1)
    room = np.stack([np.minimum(lacking, block.gap), np.full(n, np.inf), np.full(n, np.inf)], axis=1)
    left = block.gap.astype(float).copy()
    amount = np.zeros((n, 3))
    # With w >= 0 the first option never costs more than the second, so the second is
    # taken only once the first is full, as the deadline row says.
    for i in np.argsort(options, axis=1, kind="stable").T:
        cost = options[rows, i]
        take = np.where(np.isfinite(cost) & (cost < 0), np.minimum(left, room[rows, i]), 0.0)
        amount[rows, i] += take
        left -= take
    money = np.zeros((n, n_t))
    money[rows, early] += (amount[:, 0] + amount[:, 1]) / block.to_last[early]
    money[rows, late] += amount[:, 2] / block.to_last[late]
    missing = _missing(block.need, block.per_last * (amount[:, 0] + amount[:, 1]), block.unmet >= 0)
    value = (np.where(money > 0, c * money, 0.0)).sum(axis=1) + np.where(block.unmet >= 0, w * missing, 0.0)
    return value, money, missing


def _missing(need: np.ndarray, money: np.ndarray, hard: np.ndarray) -> np.ndarray:
    """Money missing on a hard row: ``need - money``, zero within round-off of the need
    (``gap x (need / gap)`` may fall an ulp short, which a large price of missing money
    would count)."""
    short = need - money
    return np.where(hard & (short > ROUNDOFF * np.abs(need)), short, 0.0)
