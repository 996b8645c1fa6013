"""A check of a solve's stage optima that does not trust the solver: the Lagrangian bound.

Price the rows that tie units together (capacity, co-financing, ceilings, the rows fixing
earlier stages' optima...) with a solve's duals ``y`` and the LP splits into its units'
program blocks (:mod:`model.solve.unit_programs`) and the other columns (the transfers),
each minimised exactly on its own. Weak duality then gives, for *any* prices of the right
signs, a lower bound of the stage's optimum::

    L(y) = sum_blocks min (c - A^T y) x  +  sum_other min (c - A^T y)_j x_j  +  y . b

(``b``: a row's lower bound where its dual is positive, its upper where negative; a dual
of the sign of a bound the row does not have, round-off, is taken as zero). The
solve's objective is an upper bound (its allocation is feasible), so when the two agree the
stage is proven optimal to their gap -- by numpy arithmetic on the LP's own rows, not by the
solver's tolerances. At 120,000 communities, where the whole LP does not solve in
reasonable time to compare with, this is the check of the decomposed solve
(``budgetsim bench --scale``); ``budgetsim run --certify`` (``model.solve(...,
certify=True)``) checks any HiGHS solve, whole or decomposed, the same way and writes the
gaps into ``summary.json``.

A column priced below zero with no upper bound of its own is bounded by the rows that
imply one: a transfer by its year's ceiling (``sum_d transfer[d,t] <= ceiling_t``, every
transfer at least zero), so a reduced cost a hair below zero -- the districts' LPs are solved
to a dual tolerance of 1e-10 of their own largest cost -- lowers the bound by that hair times
the ceiling, and the bound stays a bound. Where that costs the bound more than
:data:`MOVE_FROM` of the optimum, the hair is also moved onto a row of the transfer's own
district (its capacity or co-financing row of the year, whichever keeps its price of a valid
sign: rows whose other columns are that district's communities' programs), where it costs only
what those programs can spend; both
are bounds and the larger is kept (the tie-break at 5,000 communities: 6.3e-7 -> 1.2e-7). The
largest such reduced cost is reported beside the gap as the duals' infeasibility, so that
neither is hidden.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..constants import Stage
from ..errors import SolveError
from ..formulation.allocation import Formulation
from .stages import STAGES, LPSolution
from .unit_programs import UnitPrograms, unit_row_blocks

#: The relative gap within which a stage counts as proven optimal (issue 14's target: each
#: stage's objective within 1e-6 of the whole LP's).
PROVEN_GAP = 1e-6
#: Price per yuan of missing money held at zero (a skipped hard stage, whose row
#: ``sum unmet <= 0`` is priced instead of kept), in units of the stage's largest cost: any
#: price gives a valid bound, one above every real price a tight one.
HELD_AT_ZERO = 1e6
#: The part of a stage's bound, relative to its optimum, that the columns of no block priced
#: below zero may cost before their prices are moved onto their districts' rows and the
#: bound taken again (:func:`_moved_prices`; a second pass of the blocks).
MOVE_FROM = 1e-10


@dataclass(frozen=True)
class StageCertificate:
    """A stage's optimum as solved, its Lagrangian lower bound and how far apart they are."""

    stage: Stage
    objective: float
    bound: float
    #: ``(objective - bound) / max(1, |objective|)``: at most the solve's distance from optimal.
    gap: float
    #: The largest reduced cost below zero of a column with no upper bound, per unit of the
    #: stage's largest cost (counted as zero in the bound).
    dual_infeasibility: float


def certify(form: Formulation, solution: LPSolution, blocks: UnitPrograms | None = None) -> list[StageCertificate]:
    """A certificate for each stage of ``solution`` whose prices it holds (every stage HiGHS
    solved, whole or decomposed; see :attr:`LPSolution.last_prices`).

    Raises :class:`~model.errors.SolveError` for a solve without duals (CBC)."""
    if not solution.last_prices:
        raise SolveError("a certificate needs the solve's duals: solve with HiGHS (CBC reports none)")
    blocks = blocks if blocks is not None else UnitPrograms(form)
    lp = form.lp
    # What every stage's bound reads of the LP, read once.
    matrix = lp.matrix()
    col_lower, col_upper, row_lower, row_upper = lp.bounds()
    others = np.ones(lp.n_cols, bool)  # the columns of no block: the transfers
    others[np.concatenate(blocks.columns)] = False
    upper = np.minimum(col_upper, _implied_upper(matrix, col_lower, row_upper))
    lower = col_lower.copy()
    if form.equity is not None:
        # The equity term's column (the worst district's share of its points) has no lower
        # bound in the LP. Raising it to that share keeps every row and never worsens a stage
        # (it costs only in the soft stage, where more is better), so every stage has an
        # optimum with it at least zero: the bound may take it so.
        lower[form.equity] = max(lower[form.equity], 0.0)
    limits = (lower[others], upper[others], col_upper[others])
    # Read only if some stage's transfers priced below zero cost its bound enough to move them.
    movable = functools.cache(lambda: _movable_rows(matrix, others))
    return [_stage_certificate(form, solution, stage, blocks, matrix, (row_lower, row_upper), others, limits, movable)
            for stage in STAGES if stage in solution.last_prices]


def _stage_certificate(form: Formulation, solution: LPSolution, stage: Stage, blocks: UnitPrograms, matrix,
                       row_bounds: tuple[np.ndarray, np.ndarray], others: np.ndarray,
                       limits: tuple[np.ndarray, np.ndarray, np.ndarray],
                       movable: Callable[[], tuple[np.ndarray, np.ndarray, np.ndarray]]) -> StageCertificate:
    """The Lagrangian bound of ``stage`` at the prices of its last pricing round: the
    linking rows' and the districts' rows' duals of that round. ``others``: the columns of
    no block; ``limits``: their lower, upper (own or implied) and own upper bounds;
    ``movable``: gives the rows a column's price can move onto (:func:`_movable_rows`)."""
    lp = form.lp
    row_lower, row_upper = row_bounds
    costs = lp.objective(stage)
    largest = float(np.abs(costs).max()) or 1.0
    # Only the rows that link blocks are priced; the blocks' own rows stay constraints.
    last = solution.last_prices[stage]
    y = np.array(solution.duals[stage], dtype=float)
    for name in unit_row_blocks() & lp.row_blocks.keys():
        y[lp.rows_of(name)] = 0.0
    y[last.link_rows] = last.link
    # A price towards a bound the row does not have (round-off's sign) is taken as zero.
    y = _of_valid_sign(y, row_lower, row_upper)
    # The rows fixing earlier optima (c_e x <= bound, their duals <= 0) are not in the matrix.
    fixing = costs.copy()
    fixed = 0.0
    held_at_zero = True  # the skipped hard stage's missing money (none when the hard stage was solved)
    for earlier, (dual, bound) in last.fixing.items():
        dual = min(dual, 0.0)
        fixing -= dual * lp.objective(earlier)
        fixed += dual * bound
        held_at_zero &= earlier != Stage.HARD
    if held_at_zero and stage != Stage.HARD:
        fixing[form.unmet_columns] += HELD_AT_ZERO * largest

    def lagrangian(y: np.ndarray) -> tuple[float, float, np.ndarray, float]:
        """The bound at prices ``y``, the duals' infeasibility, the reduced costs and the
        columns of no block's part of the bound."""
        reduced = fixing - matrix.T @ y
        constant = float(y @ np.where(y > 0, row_lower, np.where(y < 0, row_upper, 0.0))) + fixed
        _, value = blocks.solve(reduced)
        other_value, infeasible = _column_terms(reduced[others], *limits)
        return value + other_value + constant, infeasible, reduced, other_value

    objective = solution.objectives[stage]
    bound, infeasible, reduced, other_value = lagrangian(y)
    if other_value < -MOVE_FROM * max(1.0, abs(objective)):
        # A transfer priced a hair below zero pays that hair times its year's ceiling. Moved
        # onto its district's own row, the same hair costs only what its blocks can spend:
        # both are bounds, the larger is kept.
        moved = _moved_prices(y, reduced, movable(), row_lower, row_upper, np.flatnonzero(others), limits[2])
        bound = max(bound, lagrangian(moved)[0])
    return StageCertificate(stage=stage, objective=objective, bound=bound,
                            gap=(objective - bound) / max(1.0, abs(objective)),
                            dual_infeasibility=infeasible / largest)


def _of_valid_sign(y: np.ndarray, row_lower: np.ndarray, row_upper: np.ndarray) -> np.ndarray:
    """``y`` with each price of the sign of a bound its row does not have set to zero."""
    return np.where(((y > 0) & np.isfinite(row_lower)) | ((y < 0) & np.isfinite(row_upper)), y, 0.0)


def _movable_rows(matrix, others: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The rows in which one column of no block is the only one, each with that column and
    its coefficient (a district's capacity and co-financing rows: its transfer of the year and
    its communities' programs). Moving part of that column's reduced cost onto such a row
    changes only block columns besides it, whose minima the bound takes exactly."""
    running = np.concatenate([[0], np.cumsum(others[matrix.indices], dtype=np.int64)])
    outside = running[matrix.indptr[1:]] - running[matrix.indptr[:-1]]  # each row's columns of no block
    rows = np.flatnonzero(outside == 1)
    part = matrix[rows]
    where = others[part.indices]
    return rows, part.indices[where], part.data[where]


def _moved_prices(y: np.ndarray, reduced: np.ndarray, movable: tuple[np.ndarray, np.ndarray, np.ndarray],
                  row_lower: np.ndarray, row_upper: np.ndarray, other_columns: np.ndarray,
                  own_upper: np.ndarray) -> np.ndarray:
    """``y`` with each column of no block that is priced below zero and has no upper bound
    of its own raised to zero by a price moved onto the first of its movable rows where the
    moved price keeps a valid sign; a column with none such keeps its price."""
    rows, columns, coefficients = movable
    short = np.zeros(reduced.size)
    below = other_columns[(reduced[other_columns] < 0) & ~np.isfinite(own_upper)]
    short[below] = -reduced[below]
    step = short[columns] / -coefficients  # raises the column's reduced cost by what it lacks
    moved = y[rows] + step
    valid = (step != 0) & (_of_valid_sign(moved, row_lower[rows], row_upper[rows]) == moved)
    chosen = np.flatnonzero(valid)
    _, first = np.unique(columns[chosen], return_index=True)
    chosen = chosen[first]
    result = y.copy()
    result[rows[chosen]] = moved[chosen]
    return result


def _implied_upper(matrix, col_lower: np.ndarray, row_upper: np.ndarray) -> np.ndarray:
    """Each column's upper bound implied by a ``<=`` row of ``matrix`` (CSR) whose coefficients
    are all positive on columns at least zero (a ceiling: no transfer exceeds it); infinite
    where none is."""
    rows = np.flatnonzero(np.isfinite(row_upper))
    part = matrix[rows]
    row_of = np.repeat(np.arange(rows.size), np.diff(part.indptr))
    spoiled = (part.data <= 0) | (col_lower[part.indices] < 0)
    usable = np.ones(rows.size, bool)
    usable[row_of[spoiled]] = False
    keep = usable[row_of]
    implied = np.full(matrix.shape[1], np.inf)
    np.minimum.at(implied, part.indices[keep], np.maximum(row_upper[rows][row_of[keep]], 0.0) / part.data[keep])
    return implied


def _column_terms(reduced: np.ndarray, lower: np.ndarray, upper: np.ndarray, own_upper: np.ndarray
                  ) -> tuple[float, float]:
    """Each column's least ``reduced x`` within ``lower`` and ``upper`` (its own or implied
    upper bound), summed; and the largest reduced cost below zero of a column with no upper
    bound of its own."""
    below = (reduced < 0) & ~np.isfinite(own_upper)
    infeasible = float(-reduced[below].min()) if below.any() else 0.0
    at = np.where(reduced < 0, upper, np.where(reduced > 0, lower, 0.0))
    if not np.all(np.isfinite(at)):
        return -np.inf, infeasible  # priced towards a bound no row implies: no bound
    return float(reduced @ at), infeasible


def describe(summary: dict) -> str:
    """Each stage's gap of a certificate's :func:`as_summary` as the command line prints it
    (a bound a hair above the optimum, round-off, reads as 0)."""
    return ", ".join(f"{stage} {gap_text(c['gap'])}" for stage, c in summary["stages"].items())


def gap_text(gap: float | None, missing: str = "no bound") -> str:
    """A stage's gap as printed: ``missing`` where it has no bound; a bound a hair above the
    optimum (round-off) as 0."""
    return missing if gap is None else f"{max(gap, 0.0):.1e}"


def proven(summary: dict) -> bool:
    """Whether every stage of a certificate's :func:`as_summary` is within :data:`PROVEN_GAP`."""
    return summary["largest_gap"] is not None and summary["largest_gap"] <= PROVEN_GAP


def as_summary(certificates: list[StageCertificate], seconds: float) -> dict:
    """The certificate as ``summary.json`` holds it: per stage its optimum, bound, gap and
    duals' infeasibility, and the largest gap."""
    number = lambda v: float(v) if np.isfinite(v) else None  # noqa: E731 - JSON has no infinity (no bound)
    largest = max((max(c.gap, 0.0) for c in certificates), default=0.0)
    return {"method": "Lagrangian bound at the solve's duals; every unit's programs solved exactly with numpy",
            "seconds": float(seconds), "largest_gap": number(largest),
            "stages": {c.stage.value: {"objective": number(c.objective), "bound": number(c.bound),
                                       "gap": number(c.gap), "dual_infeasibility": number(c.dual_infeasibility)}
                       for c in certificates}}
