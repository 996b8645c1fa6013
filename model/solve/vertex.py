"""The kept-basis test: is a stage's last optimal basis still optimal after bounds moved?

Only bounds moved (same matrix, same costs): the basis keeps its reduced costs, so
it is still optimal if it is still primal feasible. The nonbasic variables move with
their bounds, one solve with HiGHS's factorisation of the basis gives the basic ones,
and every one must lie within its bounds (see :data:`VERTEX_TOLERANCE`).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from .arrays import LPArrays

EMPTY = np.zeros(0, dtype=np.int64)  # no positions


NO_VALUES = np.zeros(0)


def _all(mask: np.ndarray) -> bool:
    """``mask.all()``, by counting: on the short arrays of a batch point it is
    several times faster than numpy's reduction."""
    return np.count_nonzero(mask) == mask.size


@dataclass
class Basis:
    """A stage's optimal basis as the vertex test needs it (made once per basis).

    ``cols``/``rows`` are the positions in HiGHS's basis (its basic variables: a
    column j, or a row i given as -(i + 1)); the masks say which columns and rows
    are basic; ``col_upper``/``row_upper`` which bound each nonbasic one sits at;
    ``sign`` how a basic variable moves with the solve's result at its position
    (+1 a column, -1 a row activity).
    """

    basic_cols: np.ndarray
    basic_rows: np.ndarray
    cols: np.ndarray  # positions in the basis of basic_cols
    rows: np.ndarray  # positions in the basis of basic_rows
    col_is_basic: np.ndarray
    row_is_basic: np.ndarray
    col_at_upper: np.ndarray
    row_at_upper: np.ndarray
    sign: np.ndarray
    col_position: np.ndarray  # position in the basis of each column (-1: nonbasic)
    row_position: np.ndarray  # position in the basis of each row (-1: nonbasic)


@dataclass
class Vertex:
    """A stage's optimal basic solution, kept to test the next LP of a batch against.

    ``x`` are the column values, ``r`` the row activities (``A x``) and ``row_dual``
    HiGHS's (scaled) row duals, for the bounds ``col_lower`` ... ``row_upper``
    (fixing rows included); the basis is the one the stage's HiGHS instance holds.
    ``basic``, ``basic_low`` and ``basic_up`` hold the basic variables' values and
    their bounds widened by the tolerance, by position in the basis.
    """

    x: np.ndarray
    row_dual: np.ndarray
    col_lower: np.ndarray
    col_upper: np.ndarray
    row_lower: np.ndarray
    row_upper: np.ndarray
    r: np.ndarray | None = None
    basis: Basis | None = None
    basic: np.ndarray | None = None
    basic_low: np.ndarray | None = None
    basic_up: np.ndarray | None = None
    lp: LPArrays | None = None  # the LP (as arrays) whose stage this vertex solves
    fixing: tuple[float, ...] = ()  # upper bounds of the stage-fixing rows (row_upper[m:])


#: A basic variable counts as within its bounds up to this share of the bound's
#: size (and as much absolute near zero). Tight on purpose: a looser 1e-7 yuan
#: accepted bases from which HiGHS still pivoted (it judges feasibility on its
#: scaled model), and an accepted basis must be one HiGHS keeps.
VERTEX_TOLERANCE = 1e-9


def _basis_of(highs, matrix, vertex: Vertex) -> Basis | None:
    """The basis HiGHS holds, with the bound each nonbasic variable sits at."""
    status, basic = highs.getBasicVariables()
    if status == highs_error():
        return None
    basic = np.asarray(basic, dtype=np.int64)
    n, rows = matrix.shape[1], matrix.shape[0]
    cols_pos, rows_pos = np.flatnonzero(basic >= 0), np.flatnonzero(basic < 0)
    basic_cols, basic_rows = basic[cols_pos], -basic[rows_pos] - 1
    col_position, row_position = np.full(n, -1), np.full(rows, -1)
    col_position[basic_cols], row_position[basic_rows] = cols_pos, rows_pos
    if vertex.r is None:
        vertex.r = matrix @ vertex.x
    # HiGHS puts a nonbasic variable exactly at one of its bounds: the nearer one.
    return Basis(basic_cols=basic_cols, basic_rows=basic_rows, cols=cols_pos, rows=rows_pos,
                  col_is_basic=col_position >= 0, row_is_basic=row_position >= 0,
                  col_at_upper=at_upper(vertex.x, vertex.col_lower, vertex.col_upper),
                  row_at_upper=at_upper(vertex.r, vertex.row_lower, vertex.row_upper),
                  sign=np.where(basic >= 0, 1.0, -1.0), col_position=col_position, row_position=row_position)


def _basic_values(vertex: Vertex) -> None:
    """Fill in the vertex's basic values and widened bounds, by position in its basis."""
    basis = vertex.basis
    size = basis.sign.size
    vertex.basic, vertex.basic_low, vertex.basic_up = np.empty(size), np.empty(size), np.empty(size)
    vertex.basic[basis.cols], vertex.basic[basis.rows] = vertex.x[basis.basic_cols], vertex.r[basis.basic_rows]
    low, up = _widened(vertex.col_lower[basis.basic_cols], vertex.col_upper[basis.basic_cols])
    vertex.basic_low[basis.cols], vertex.basic_up[basis.cols] = low, up
    low, up = _widened(vertex.row_lower[basis.basic_rows], vertex.row_upper[basis.basic_rows])
    vertex.basic_low[basis.rows], vertex.basic_up[basis.rows] = low, up


def move_vertex(highs, matrix, vertex: Vertex, col_lower: np.ndarray, col_upper: np.ndarray,
                 row_lower: np.ndarray, row_upper: np.ndarray, moved_rows: np.ndarray | None = None
                 ) -> Vertex | None:
    """The new LP's basic solution for the stage's optimal basis, if it is still feasible.

    Only bounds moved since ``vertex`` (same matrix, same costs), so the basis
    keeps its reduced costs: it stays dual feasible, hence optimal as soon as it is
    primal feasible (LP theory; HiGHS's warm dual simplex would stop after 0
    iterations). Nonbasic variables move with their bounds, the basic ones follow
    by one solve with the basis matrix, ``B dz_B = dr_N - A_N dx_N``, using HiGHS's
    own factorisation. Returns the new vertex (same duals), or None when a basic
    variable would leave its bounds or a nonbasic one lose its bound (the stage
    must then be solved). ``moved_rows``: the rows whose bounds differ from the
    vertex's, when the caller knows them (else they are compared here).
    """
    if vertex.basis is None:
        vertex.basis = _basis_of(highs, matrix, vertex)
        if vertex.basis is None:
            return None
        _basic_values(vertex)
    basis = vertex.basis
    if moved_rows is None:
        moved_rows = moved_positions(vertex.row_lower, vertex.row_upper, row_lower, row_upper)
    moved_cols = moved_positions(vertex.col_lower, vertex.col_upper, col_lower, col_upper)
    # Nonbasic variables whose bound moved move with it; basic ones get new widened bounds.
    cols = _split(moved_cols, basis.col_is_basic, basis.col_at_upper, col_lower, col_upper, vertex.x)
    rows = _split(moved_rows, basis.row_is_basic, basis.row_at_upper, row_lower, row_upper, vertex.r)
    if cols is None or rows is None:
        return None  # the bound a nonbasic variable sat at is gone
    low, up = vertex.basic_low, vertex.basic_up
    if cols.basic.size or rows.basic.size:
        low, up = low.copy(), up.copy()
        for moved, position, lower, upper in ((cols, basis.col_position, col_lower, col_upper),
                                              (rows, basis.row_position, row_lower, row_upper)):
            if moved.basic.size:
                at = position[moved.basic]
                low[at], up[at] = _widened(lower[moved.basic], upper[moved.basic])
    if cols.moves or rows.moves:
        rhs = np.zeros(matrix.shape[0])
        if rows.moves:
            rhs[rows.nonbasic] = rows.delta
        if cols.moves:
            rhs -= matrix[:, cols.nonbasic] @ cols.delta
        # HiGHS's basis matrix holds A's column for a basic column and +e_i for a
        # basic row; with A x - r = 0 a basic row's activity moves by -w.
        status, w = highs.getBasisSolve(rhs)
        if status == highs_error():
            return None
        basic = vertex.basic + basis.sign * w
        # Every basic variable moved.
        if not _all((basic >= low) & (basic <= up)):  # (a NaN fails too)
            return None
    else:
        # No nonbasic variable moved: the basic values stand; only moved bounds can cut them off.
        basic = vertex.basic
        check = np.concatenate([basis.col_position[cols.basic], basis.row_position[rows.basic]])
        if not _all((basic[check] >= low[check]) & (basic[check] <= up[check])):
            return None
    x, r = vertex.x.copy(), vertex.r.copy()
    if cols.nonbasic.size:
        x[cols.nonbasic] = cols.values
    if rows.nonbasic.size:
        r[rows.nonbasic] = rows.values
    x[basis.basic_cols], r[basis.basic_rows] = basic[basis.cols], basic[basis.rows]
    return Vertex(x, vertex.row_dual, col_lower, col_upper, row_lower, row_upper, r=r, basis=basis,
                   basic=basic, basic_low=low, basic_up=up)


@dataclass
class _Moves:
    """Variables (columns or rows) whose bounds moved, split by the basis."""

    nonbasic: np.ndarray  # nonbasic ones: they move with the bound they sit at ...
    values: np.ndarray  # ... to these values
    delta: np.ndarray  # ... by this much
    basic: np.ndarray  # basic ones: only their bounds move
    moves: bool  # whether a nonbasic value changes at all


_NO_MOVES = _Moves(EMPTY, NO_VALUES, NO_VALUES, EMPTY, False)


def _split(moved: np.ndarray, is_basic: np.ndarray, at_upper: np.ndarray, lower: np.ndarray,
           upper: np.ndarray, values: np.ndarray) -> _Moves | None:
    """Split ``moved`` into nonbasic variables (new values) and basic ones; None when
    a nonbasic variable's bound became infinite."""
    if not moved.size:
        return _NO_MOVES
    basic = is_basic[moved]
    n_basic = np.count_nonzero(basic)
    if n_basic == moved.size:
        return _Moves(EMPTY, NO_VALUES, NO_VALUES, moved, False)
    # (A few variables: split by a mask only when both kinds are there.)
    nonbasic, basic = (moved, EMPTY) if not n_basic else (moved[~basic], moved[basic])
    new = np.where(at_upper[nonbasic], upper[nonbasic], lower[nonbasic])
    if not _all(np.isfinite(new)):
        return None
    delta = new - values[nonbasic]
    return _Moves(nonbasic, new, delta, basic, np.count_nonzero(delta) > 0)


def at_upper(values: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> np.ndarray:
    """For variables at a bound: whether it is the upper one."""
    return np.isfinite(upper) & (np.isinf(lower) | (np.abs(values - upper) < np.abs(values - lower)))


def _widened(lower: np.ndarray, upper: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Bounds widened by :data:`VERTEX_TOLERANCE` of their size (infinite ones stay infinite)."""
    return lower - VERTEX_TOLERANCE * (1.0 + np.abs(lower)), upper + VERTEX_TOLERANCE * (1.0 + np.abs(upper))


@functools.cache
def highs_error():
    import highspy

    return highspy.HighsStatus.kError


def moved_positions(lower: np.ndarray, upper: np.ndarray, new_lower: np.ndarray, new_upper: np.ndarray) -> np.ndarray:
    """Positions whose bounds differ (none when they are the same arrays)."""
    if new_lower is lower and new_upper is upper:
        return EMPTY
    return np.flatnonzero((new_lower != lower) | (new_upper != upper))
