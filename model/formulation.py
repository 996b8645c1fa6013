"""The allocation LP of SPEC section 4, written once as named sparse blocks.

:func:`formulate` turns :class:`~model.inputs.ModelInputs` into a
:class:`LinearProgram`: named column blocks (``closed``, ``transfer``, ``unmet``),
named row blocks (``capacity[hedong,2007]``, ``ceiling[2008]``, ...) and one
objective vector per lexicographic stage. Solvers read this description; none of
them writes the model again by hand. Each constraint family is one
``define_<thing>_constraints`` function.

Variables (yuan), for unit u (a district, or a community of a district d),
program p, year t:

- ``closed[u,p,t]``: money that closes the unit's gap in the program that year;
  at most the year's gap for recurring programs (a column bound). For capital
  programs money buys committees upgraded: ``closed / unit_cost[u,p,t]`` of them;
- ``transfer[d,t]``: the city's transfer payment to district d in year t;
- ``unmet_<requirement>[u,t]``: money missing for a hard requirement (zero when
  the scenario is feasible).

What the district pays itself is the rest: ``own[d,t] = sum closed - transfer``.
Money is fungible inside a district's budget, so only these totals are constrained
(capacity, co-financing, ceiling); results attribute each district-year's own and
city money to its units and programs in proportion to the money they close
(:meth:`Formulation.money`). Modelling the split per program would only add
interchangeable columns, which made HiGHS crawl on community-level models.

Objective, lexicographic (minimised in turn, each stage's optimum then fixed):

1. ``unmet_hard``: total missing money for hard requirements;
2. ``soft_closure``: minus the points of soft gaps closed (weighted committee- and
   member-years at standard, times the district's need weight), plus an optional
   max-min equity term;
3. ``city_transfers``: total transfers (districts pay first where they can).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import scipy.sparse as sp

from .constants import CAPITAL_PROGRAMS, PROGRAMS, RECURRING_PROGRAMS, Program, Requirement, Stage
from .inputs import ModelInputs

INF = np.inf


class Labels(Sequence):
    """The labels of a block, made only when read: ``Labels(n, make)``.

    A block's size is known when it is built, its labels (``(district, year)``
    tuples...) are needed only to name rows and columns -- for an LP file, for
    results -- so batches that solve thousands of LPs never make them.
    """

    def __init__(self, size: int, make: Callable[[], list[tuple]]):
        self._size = size
        self._make = make

    @cached_property
    def _labels(self) -> list[tuple]:
        labels = list(self._make())
        if len(labels) != self._size:
            raise ValueError(f"expected {self._size} labels, made {len(labels)}")
        return labels

    def __len__(self) -> int:
        return self._size

    def __getitem__(self, i):
        return self._labels[i]

    def __iter__(self):
        return iter(self._labels)


@dataclass
class Block:
    """A named, indexed group of columns or rows occupying ``start:start+size``."""

    name: str
    start: int
    labels: Sequence[tuple]

    @property
    def size(self) -> int:
        return len(self.labels)

    @property
    def stop(self) -> int:
        return self.start + len(self.labels)

    def names(self) -> list[str]:
        return [f"{self.name}[{','.join(str(x) for x in label)}]" for label in self.labels]


@dataclass
class LinearProgram:
    """``min c_stage @ x`` s.t. ``row_lower <= A @ x <= row_upper``, ``col_lower <= x <= col_upper``.

    The arrays of a block (bounds, coefficients, objectives) are never written into
    once added: edits put new arrays in the lists (:meth:`with_bounds_of`), so copies
    can share the rest, and the matrix-form solver knows an LP whose arrays are the
    very same as the last one's by identity.
    """

    col_blocks: dict[str, Block] = field(default_factory=dict)
    row_blocks: dict[str, Block] = field(default_factory=dict)
    col_lower: list[np.ndarray] = field(default_factory=list)
    col_upper: list[np.ndarray] = field(default_factory=list)
    row_lower: list[np.ndarray] = field(default_factory=list)
    row_upper: list[np.ndarray] = field(default_factory=list)
    _rows: list[np.ndarray] = field(default_factory=list)
    _cols: list[np.ndarray] = field(default_factory=list)
    _vals: list[np.ndarray] = field(default_factory=list)
    objectives: dict[Stage, np.ndarray] = field(default_factory=dict)
    n_cols: int = 0
    n_rows: int = 0

    # --- building -------------------------------------------------------------
    def add_columns(self, name: str, labels: Sequence[tuple], lower, upper) -> np.ndarray:
        """Add a block of columns (``labels``: a list or :class:`Labels`); returns their indices."""
        block = Block(name, self.n_cols, labels if isinstance(labels, Labels) else list(labels))
        self.col_blocks[name] = block
        n = block.size
        self.col_lower.append(_filled(lower, n))
        self.col_upper.append(_filled(upper, n))
        self.n_cols += n
        return np.arange(block.start, block.stop)

    def add_rows(self, name: str, labels: Sequence[tuple], row: np.ndarray, col: np.ndarray,
                 val: np.ndarray, lower, upper) -> np.ndarray:
        """Add a block of rows from coefficients (``row`` local to the block)."""
        block = Block(name, self.n_rows, labels if isinstance(labels, Labels) else list(labels))
        self.row_blocks[name] = block
        n = block.size
        val = np.asarray(val, float)
        keep = val != 0.0
        self._rows.append(np.asarray(row, dtype=np.int64)[keep] + block.start)
        self._cols.append(np.asarray(col, dtype=np.int64)[keep])
        self._vals.append(val[keep])
        self.row_lower.append(_filled(lower, n))
        self.row_upper.append(_filled(upper, n))
        self.n_rows += n
        return np.arange(block.start, block.stop)

    # --- reading ----------------------------------------------------------------
    def matrix(self) -> sp.csr_matrix:
        rows = np.concatenate(self._rows) if self._rows else np.zeros(0, np.int64)
        cols = np.concatenate(self._cols) if self._cols else np.zeros(0, np.int64)
        vals = np.concatenate(self._vals) if self._vals else np.zeros(0)
        return sp.csr_matrix((vals, (rows, cols)), shape=(self.n_rows, self.n_cols))

    def coo(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Row indices, column indices and values of every coefficient, in the order added.

        The arrays the matrix is built from, without summing or sorting: the
        matrix-form solver (:mod:`model.fast`) compares them between scenarios.
        """
        rows = np.concatenate(self._rows) if self._rows else np.zeros(0, np.int64)
        cols = np.concatenate(self._cols) if self._cols else np.zeros(0, np.int64)
        vals = np.concatenate(self._vals) if self._vals else np.zeros(0)
        return rows, cols, vals

    def bounds(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Column lower/upper and row lower/upper bounds as flat arrays."""
        cat = lambda parts: np.concatenate(parts) if parts else np.zeros(0)  # noqa: E731
        return cat(self.col_lower), cat(self.col_upper), cat(self.row_lower), cat(self.row_upper)

    def column_names(self) -> list[str]:
        return [n for b in self.col_blocks.values() for n in b.names()]

    def row_names(self) -> list[str]:
        return [n for b in self.row_blocks.values() for n in b.names()]

    def objective(self, stage: Stage) -> np.ndarray:
        return self.objectives[stage]

    # --- editing ----------------------------------------------------------------
    def rows_of(self, name: str) -> slice:
        """Positions of a row block, e.g. ``lp.rows_of("ceiling")``."""
        block = self.row_blocks[name]
        return slice(block.start, block.stop)

    def with_row_bounds(self, name: str, lower=None, upper=None) -> LinearProgram:
        """A copy whose rows of block ``name`` get new bounds (the rest is shared, read-only).

        Used for what-if analysis without rebuilding: another ceiling, a requirement
        scaled up or dropped.
        """
        return self.with_bounds_of({name: (lower, upper)})

    def with_bounds_of(self, bounds: dict[str, tuple]) -> LinearProgram:
        """A copy whose row blocks get new bounds, ``{name: (lower, upper)}`` (None: kept);
        the rest is shared, read-only."""
        unknown = bounds.keys() - self.row_blocks.keys()
        if unknown:
            raise KeyError(f"no row block {sorted(unknown)[0]!r}")
        row_lower, row_upper = list(self.row_lower), list(self.row_upper)
        for part, (name, block) in enumerate(self.row_blocks.items()):  # part: the block's bound arrays
            if name not in bounds:
                continue
            lower, upper = bounds[name]
            size = block.size
            if lower is not None:
                row_lower[part] = _filled(lower, size)
            if upper is not None:
                row_upper[part] = _filled(upper, size)
        return LinearProgram(col_blocks=self.col_blocks, row_blocks=self.row_blocks,
                             col_lower=self.col_lower, col_upper=self.col_upper,
                             row_lower=row_lower, row_upper=row_upper, _rows=self._rows,
                             _cols=self._cols, _vals=self._vals, objectives=self.objectives,
                             n_cols=self.n_cols, n_rows=self.n_rows)

    def copy(self) -> LinearProgram:
        """A copy that can be extended (new columns, rows, coefficients) independently."""
        return LinearProgram(col_blocks=dict(self.col_blocks), row_blocks=dict(self.row_blocks),
                             col_lower=[a.copy() for a in self.col_lower],
                             col_upper=[a.copy() for a in self.col_upper],
                             row_lower=[a.copy() for a in self.row_lower],
                             row_upper=[a.copy() for a in self.row_upper],
                             _rows=list(self._rows), _cols=list(self._cols), _vals=list(self._vals),
                             objectives={k: v.copy() for k, v in self.objectives.items()},
                             n_cols=self.n_cols, n_rows=self.n_rows)

    def add_entries(self, rows: np.ndarray, cols: np.ndarray, vals: np.ndarray) -> None:
        """Add coefficients to existing rows (global row and column positions)."""
        self._rows.append(np.asarray(rows, dtype=np.int64))
        self._cols.append(np.asarray(cols, dtype=np.int64))
        self._vals.append(np.asarray(vals, float))

    def row_bounds(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """Lower and upper bounds of the rows of block ``name``."""
        part = self._block_part(name)
        return self.row_lower[part].copy(), self.row_upper[part].copy()

    def _block_part(self, name: str) -> int:
        return list(self.row_blocks).index(name)


def _filled(value, n: int) -> np.ndarray:
    """``value`` (a number or ``n`` numbers) as a new float array of length ``n``."""
    out = np.array(value, dtype=float)
    if out.ndim == 0:
        return np.full(n, float(value))
    if out.shape != (n,):
        out = np.broadcast_to(out, (n,)).copy()
    return out


@dataclass
class Formulation:
    """The LP together with the index maps the results need."""

    lp: LinearProgram
    inputs: ModelInputs
    closed: np.ndarray  # (U, P, T) column indices
    transfer: np.ndarray  # (G, T) column indices
    points: np.ndarray  # (U, P, T) soft points per yuan closed, need weight included
    equity: int | None = None
    equity_scale: float = 1.0  # z = equity column x equity_scale
    #: The ``unmet_<requirement>`` column blocks: (requirement, their (unit, year) labels, columns).
    unmet_blocks: list[tuple[Requirement, Sequence[tuple], np.ndarray]] = field(default_factory=list)

    @cached_property
    def unmet(self) -> dict[tuple[str, Requirement, int], int]:
        """Column of the money missing for each (unit, requirement, year)."""
        return {(u, requirement, t): int(c) for requirement, labels, cols in self.unmet_blocks
                for (u, t), c in zip(labels, cols)}

    @cached_property
    def unmet_columns(self) -> np.ndarray:
        """Every column of missing money, in the order of :attr:`unmet`."""
        parts = [cols for _, _, cols in self.unmet_blocks]
        return np.concatenate(parts).astype(np.int64) if parts else np.zeros(0, np.int64)

    def money(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Own and city money closing each unit's gap in each program and year (U, P, T).

        Each district-year's transfer is attributed to its units and programs in
        proportion to the money they close; the rest is the district's own money.
        """
        closed, _, share = self._city_share(x)
        city = closed * share[self.inputs.unit_district][:, None, :]
        return closed - city, city

    def transfers_spent(self, x: np.ndarray, closed: np.ndarray | None = None) -> np.ndarray:
        """City money spent on each district's gaps per year (G, T): its transfer, up to what
        its units close (the city part of :meth:`money`, summed over units and programs).
        ``closed``: ``x[..., self.closed]``, if the caller has it already. ``x`` may hold
        several solutions, one per row: then (N, G, T)."""
        _, totals, share = self._city_share(x, closed)
        return share * totals

    def _city_share(self, x: np.ndarray, closed: np.ndarray | None = None
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Money closed (U, P, T), its total per district-year (G, T), and the share of that
        total the city's transfer pays (G, T)."""
        if closed is None:
            closed = x[..., self.closed]
        # Per unit and year, summed over programs; then over each district's units (the first axis).
        by_unit = np.moveaxis(closed.sum(axis=-2), -2, 0)
        totals = np.moveaxis(self.inputs.by_district(by_unit), 0, -2)
        share = np.divide(x[..., self.transfer], totals, out=np.zeros_like(totals), where=totals > 0).clip(0.0, 1.0)
        return closed, totals, share


def formulate(inputs: ModelInputs) -> Formulation:
    """Build the LP for ``inputs`` (see the module docstring)."""
    lp = LinearProgram()
    n_u, n_t = inputs.shape
    n_p = len(PROGRAMS)
    labels = Labels(n_u * n_p * n_t, lambda: [(u, p.value, t) for u in inputs.units for p in PROGRAMS
                                              for t in inputs.years])
    # Closure never exceeds the gap: for recurring programs the year's gap bounds
    # the column; capital programs are bounded over the horizon by a row.
    upper = np.full((n_u, n_p, n_t), INF)
    for k, program in enumerate(PROGRAMS):
        if program in RECURRING_PROGRAMS:
            upper[:, k, :] = inputs.gap[program]
        else:
            upper[:, k, :] = np.where(inputs.upgrade_units[program][:, None] > 0, INF, 0.0)
    closed = lp.add_columns("closed", labels, 0.0, upper.ravel()).reshape(n_u, n_p, n_t)
    transfer = lp.add_columns("transfer", _district_years(inputs), 0.0, INF).reshape(len(inputs.districts), n_t)
    form = Formulation(lp=lp, inputs=inputs, closed=closed, transfer=transfer, points=np.zeros((n_u, n_p, n_t)))

    define_hard_requirement_constraints(form)
    define_capacity_constraints(form)
    define_co_financing_constraints(form)
    define_ceiling_constraints(form)
    define_grant_constraints(form)
    define_gap_constraints(form)
    define_continuity_constraints(form)
    define_objectives(form)
    return form


def _district_years(inputs: ModelInputs) -> Labels:
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
    lp.add_rows("capacity", _district_years(inputs), rows, cols, vals, *capacity_bounds(inputs))


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
    lp.add_rows("co_financing", _district_years(inputs), rows, cols, vals, 0.0, INF)


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


#: Row blocks whose bounds are the inputs' money limits (capacity, ceilings) and
#: nothing else of them, with the function giving their bounds (used by their
#: ``define_*`` function and by :func:`with_money_limits`).
MONEY_LIMIT_ROWS = {"capacity": capacity_bounds, "ceiling": ceiling_bounds, "total_ceiling": total_ceiling_bounds}


def with_money_limits(form: Formulation, inputs: ModelInputs) -> Formulation | None:
    """The formulation of ``inputs`` that differ from ``form.inputs`` only in money limits.

    ``inputs`` as :func:`model.inputs.with_money_limits` makes them: the LP is
    ``form``'s with the bounds of :data:`MONEY_LIMIT_ROWS` recomputed -- what
    :func:`formulate` would build (tested), sharing the matrix and objectives.
    None when a horizon total appears or disappears: that is another structure,
    for :func:`formulate`.
    """
    if math.isfinite(inputs.total_ceiling) != math.isfinite(form.inputs.total_ceiling):
        return None
    bounds = {name: MONEY_LIMIT_ROWS[name](inputs) for name in MONEY_LIMIT_ROWS if name in form.lp.row_blocks}
    edited = Formulation(lp=form.lp.with_bounds_of(bounds), inputs=inputs, closed=form.closed,
                         transfer=form.transfer, points=form.points, equity=form.equity,
                         equity_scale=form.equity_scale, unmet_blocks=form.unmet_blocks)
    edited.__dict__.update({k: form.__dict__[k] for k in ("unmet", "unmet_columns") if k in form.__dict__})
    return edited


def define_grant_constraints(form: Formulation) -> None:
    """``grant[d,t]``: under a rule-based baseline, a district receives at most its grant.

    Only when ``inputs.grants`` is set (see ``model.baselines``): the rule, not the
    optimiser, decides how the ceiling is split between districts.
    """
    inputs, lp = form.inputs, form.lp
    if inputs.grants is None:
        return
    cols = form.transfer.ravel()
    lp.add_rows("grant", _district_years(inputs), np.arange(cols.size), cols, np.ones(cols.size), -INF,
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
            (u, deadline) for u in inputs.units]))
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
        unmet_cols = _add_unmet(form, requirement, labels)
        r = np.arange(u_arr.size)
        rows = np.concatenate([r, r])
        cols = np.concatenate([form.closed[u_arr, k, j_arr], unmet_cols])
        lp.add_rows(requirement.value, labels, rows, cols, np.ones(cols.size),
                    inputs.hard[requirement][u_arr, j_arr], INF)


def _add_unmet(form: Formulation, requirement: Requirement, labels: Labels) -> np.ndarray:
    """Columns for money missing on ``requirement`` (one block per requirement)."""
    cols = form.lp.add_columns(f"unmet_{requirement.value}", labels, 0.0, INF)
    form.unmet_blocks.append((requirement, labels, cols))
    return cols


def define_objectives(form: Formulation) -> None:
    """The three stage objectives, and the optional max-min equity term."""
    inputs, lp = form.inputs, form.lp
    # Soft points per yuan closed: committee- or member-years at standard, weighted
    # by program and by the district's fiscal need.
    for k, program in enumerate(PROGRAMS):
        form.points[:, k, :] = inputs.soft_value[program] * inputs.need_weight[:, None]

    if inputs.equity_weight > 0:
        _define_equity(form)

    n = lp.n_cols
    unmet = np.zeros(n)
    unmet[form.unmet_columns] = 1.0
    soft = np.zeros(n)
    soft[form.closed.ravel()] = -form.points.ravel()
    if form.equity is not None:
        # The column is in scaled units (see _define_equity): its cost equals the
        # largest per-yuan value, so one objective spans a narrow range.
        soft[form.equity] = -form.equity_scale * inputs.equity_weight * inputs.max_soft_points().sum()
    transfers = np.zeros(n)
    transfers[form.transfer.ravel()] = 1.0
    lp.objectives = {Stage.HARD: unmet, Stage.SOFT: soft, Stage.TRANSFERS: transfers}


def _define_equity(form: Formulation) -> None:
    """``equity[d]``: the worst district's share of the soft points it could earn.

    ``z * max_points_d <= points_d(x)``, points as :meth:`ModelInputs.soft_points`
    counts them (linear in x: the LP's per-yuan values minus the minimum-wage
    offset), for every district with soft gaps; ``z`` enters the soft stage with
    weight ``weights.equity`` times all attainable points.
    """
    inputs, lp = form.inputs, form.lp
    max_points = inputs.by_district(inputs.max_soft_points())
    # The column holds e = z / scale: z's objective weight (all attainable points,
    # ~1e4) would otherwise dwarf the per-yuan values (~1e-5) and stall the solver.
    total = inputs.equity_weight * max_points.sum()
    largest = float(np.abs(form.points).max()) if form.points.size else 0.0
    form.equity_scale = largest / total if largest > 0 and total > 0 else 1.0
    # Free below: with minimum-wage money missing, a district's counted points can
    # fall below the offset and z below zero; the row must stay satisfiable.
    form.equity = int(lp.add_columns("equity", [()], -INF, 1.0 / form.equity_scale)[0])
    offset = inputs.by_district(inputs.soft_points_offset())
    districts = np.flatnonzero(max_points > 0)
    renumber = np.full(len(inputs.districts), -1)
    renumber[districts] = np.arange(districts.size)
    values = np.stack([inputs.soft_value[p] for p in PROGRAMS], axis=1)  # (U, P, T)
    row_of_unit = np.broadcast_to(renumber[inputs.unit_district][:, None, None], values.shape)
    keep = row_of_unit >= 0
    rows = np.concatenate([row_of_unit[keep], np.arange(districts.size)])
    cols = np.concatenate([form.closed[keep], np.full(districts.size, form.equity)])
    coefs = np.concatenate([-values[keep], max_points[districts] * form.equity_scale])
    lp.add_rows("equity", [(inputs.districts[d],) for d in districts], rows, cols, coefs, -INF,
                -offset[districts])
