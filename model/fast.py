"""The matrix-form solver: the same LP, passed to ``highspy`` once and re-solved warm.

:func:`model.solvers.solve_lexicographic` writes the
:class:`~model.formulation.LinearProgram` as a PuLP problem (the readable,
exportable reference). :class:`FastSolver` reads the *same* description -- the
coefficient arrays of :meth:`LinearProgram.coo`, its bounds and its stage
objectives -- and hands them to HiGHS as arrays, so both paths solve one model
written once.

How a batch stays fast:

- **One HiGHS instance per stage.** Instance *k* minimises stage *k*'s objective
  (scaled to a largest coefficient of 1, as the reference does) with the rows
  ``stage1_optimum`` / ``stage2_optimum`` of the earlier stages bounded and the
  later ones free. Between scenarios each instance keeps its own optimal basis,
  so a new scenario that moves bounds or right-hand sides is a dual-simplex
  warm start of a few pivots, not a new solve.
- **Only what changed is passed.** Each scenario's LP is compared with the one the
  instances hold: changed column and row bounds go through
  ``changeColsBounds``/``changeRowsBounds``, changed costs through
  ``changeColsCost``, a few changed coefficients through ``changeCoeff`` (many: the
  matrix is passed again with the old basis set back). The fixing rows are reused,
  only their bounds move.
- **A stage that is still optimal is not run.** When only bounds moved since a
  stage's last solve (same matrix, same costs), its optimal basis keeps its
  reduced costs, so it is still optimal if it is still primal feasible. That is
  tested, not assumed: the nonbasic variables move with their bounds and one
  solve with HiGHS's own factorisation of the basis gives the basic ones; if
  every one is within its bounds (to 1e-9 of the bound's size) the stage's
  solution is that vertex, with the same duals -- what
  HiGHS's warm dual simplex would return after 0 iterations -- and otherwise
  HiGHS runs. A HiGHS run costs about 0.4 ms even when it pivots no more, which
  is most of a city-level batch point's solve.
- **Structure is checked, never assumed.** The LP's shape and sparsity pattern (which
  rows exist -- a hard flag, a deadline or a co-financing share changes that -- and
  which coefficients are non-zero) form a key; scenarios with another key get their
  own instances (a few structures are kept, least recently used first out).

Values are read only when HiGHS reports the stage optimal. If a warm start ends in
any other status (HiGHS's warm dual simplex occasionally reports a stage
infeasible after large bound moves), the stage is solved again from scratch by
the same solver, and counted in :attr:`FastSolver.stats`; if that is not optimal
either, :class:`~model.errors.SolveError` is raised. There is no fallback to
another solver or to default values.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import operator
import time
from collections import OrderedDict
from dataclasses import dataclass, field

import numpy as np

from .constants import Stage
from .errors import SolveError
from .formulation import LinearProgram
from .solvers import STAGES, LPSolution, _QuietHighs

#: Changed coefficients up to this many are passed one by one (``changeCoeff``);
#: beyond it the matrix is passed again (measured: both cost about the same near here).
COEFF_LIMIT = 200

#: Structures whose instances are kept per solver.
MAX_STRUCTURES = 4
# HiGHS's simplex_strategy values: the dual simplex (its default) and the primal one.
SIMPLEX_DUAL, SIMPLEX_PRIMAL = 1, 4


@dataclass
class _Pattern:
    """Sparsity pattern of one structure: COO entries (with the fixing rows) -> CSC."""

    key: bytes
    n: int
    m: int  # rows of the LP, without the two fixing rows
    order: np.ndarray  # COO position of each entry, sorted by (column, row)
    starts: np.ndarray  # first sorted position of each distinct (column, row)
    indptr: np.ndarray  # int32 CSC column starts
    index: np.ndarray  # int32 CSC row indices
    entry_cols: np.ndarray  # column of each CSC entry
    duplicates: bool
    continuous: np.ndarray  # int32 zeros: every column is continuous
    rows: np.ndarray  # the COO entries it was made from (int64)
    cols: np.ndarray

    def same_entries(self, n: int, m: int, rows: np.ndarray, cols: np.ndarray) -> bool:
        """Whether these COO entries are the ones this pattern was made from."""
        return (self.n == n and self.m == m and np.array_equal(self.rows, rows)
                and np.array_equal(self.cols, cols))

    def csc_values(self, coo_vals: np.ndarray) -> np.ndarray:
        sorted_vals = coo_vals[self.order]
        if self.duplicates:
            return np.add.reduceat(sorted_vals, self.starts)
        return sorted_vals


@dataclass
class _Arrays:
    """The numbers of one LP in the order HiGHS holds them."""

    pattern: _Pattern
    values: np.ndarray  # CSC values, fixing rows included
    col_lower: np.ndarray
    col_upper: np.ndarray
    row_lower: np.ndarray  # (m + 2,), fixing rows free
    row_upper: np.ndarray
    objectives: list[np.ndarray]  # per stage, unscaled
    scales: list[float]
    costs: list[np.ndarray]  # per stage, scaled
    nonzeros: list[np.ndarray]  # per stage, the columns with a non-zero objective coefficient
    nonzero_costs: list[np.ndarray]  # per stage, those coefficients (unscaled)
    source: tuple = ()  # the LP's coefficient and objective arrays these were made from (see _source)
    col_source: tuple = ()  # the LP's column bound arrays these were made from

    def with_bounds_of(self, lp: LinearProgram) -> _Arrays:
        """These arrays with ``lp``'s bounds (an LP of the same matrix and objectives).

        Column bounds made of the very same arrays as these are kept as they are
        (a point that moves only row bounds), so that later comparisons see at once
        that they did not move.
        """
        new = _Arrays.__new__(_Arrays)
        new.__dict__.update(self.__dict__)  # a shallow copy (copy.copy is slower)
        col_source = _col_source(lp)
        if not _same_source(col_source, self.col_source):
            new.col_lower, new.col_upper = np.concatenate(lp.col_lower), np.concatenate(lp.col_upper)
            new.col_source = col_source
        new.row_lower, new.row_upper = _row_bounds(lp)
        return new


_patterns: OrderedDict[bytes, _Pattern] = OrderedDict()


def _pattern(key: bytes, n: int, m: int, rows: np.ndarray, cols: np.ndarray) -> _Pattern:
    cached = _patterns.get(key)
    if cached is not None:
        _patterns.move_to_end(key)
        return cached
    linear = cols.astype(np.int64) * (m + 2) + rows
    order = np.argsort(linear, kind="stable")
    sorted_linear = linear[order]
    first = np.ones(sorted_linear.size, dtype=bool)
    first[1:] = sorted_linear[1:] != sorted_linear[:-1]
    starts = np.flatnonzero(first)
    entry_cols = cols[order][starts]
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(entry_cols, minlength=n), out=indptr[1:])
    pattern = _Pattern(key=key, n=n, m=m, order=order, starts=starts,
                       indptr=indptr.astype(np.int32), index=rows[order][starts].astype(np.int32),
                       entry_cols=entry_cols.astype(np.int32), duplicates=bool(starts.size < order.size),
                       continuous=np.zeros(n, dtype=np.int32), rows=rows, cols=cols)
    _patterns[key] = pattern
    if len(_patterns) > 16:
        _patterns.popitem(last=False)
    return pattern


def _source(lp: LinearProgram) -> tuple:
    """What an LP's matrix and objectives are made of: its size and the arrays of its
    coefficients and stage objectives. A :class:`LinearProgram` never edits these in
    place once built (a copy with other bounds shares them, see
    ``LinearProgram.with_bounds_of``), so the same arrays mean the same numbers."""
    return (lp.n_cols, lp.n_rows, *lp._rows, *lp._cols, *lp._vals, *(lp.objectives[s] for s in STAGES))


def _col_source(lp: LinearProgram) -> tuple:
    """The arrays an LP's column bounds are made of (a copy with other row bounds shares them)."""
    return (lp.n_cols, lp.n_rows, *lp.col_lower, *lp.col_upper)


def _same_source(a: tuple, b: tuple) -> bool:
    return len(a) == len(b) and a[:2] == b[:2] and all(map(operator.is_, a[2:], b[2:]))


_FIXING_FREE = (np.full(2, -np.inf), np.full(2, np.inf))  # the fixing rows' bounds as described (free)


def _row_bounds(lp: LinearProgram) -> tuple[np.ndarray, np.ndarray]:
    """Row lower and upper bounds, with the two stage-fixing rows free."""
    return np.concatenate([*lp.row_lower, _FIXING_FREE[0]]), np.concatenate([*lp.row_upper, _FIXING_FREE[1]])


def describe(lp: LinearProgram, like: _Arrays | None = None) -> _Arrays:
    """The LP (plus the two stage-fixing rows) as the arrays HiGHS is given.

    ``like``: the arrays of an earlier LP; if ``lp`` has the very same coefficient
    and objective arrays (a copy with other bounds: a batch point that moves only
    money limits, a what-if ceiling), only its bounds are read.
    """
    source = _source(lp)
    if like is not None and _same_source(source, like.source):
        return like.with_bounds_of(lp)
    rows, cols, vals = lp.coo()
    n, m = lp.n_cols, lp.n_rows
    objectives = [np.asarray(lp.objective(stage), dtype=float) for stage in STAGES]
    # As in the reference: each stage is solved scaled to a largest coefficient of 1.
    scales = [float(np.abs(c).max()) or 1.0 for c in objectives]
    nonzeros = [np.flatnonzero(c) for c in objectives]
    nonzero_costs = [c[nz] for c, nz in zip(objectives, nonzeros)]
    fix = nonzeros[:2]  # the stage-fixing rows hold the first two objectives
    all_rows = np.concatenate([rows, np.full(fix[0].size, m), np.full(fix[1].size, m + 1)])
    all_cols = np.concatenate([cols, fix[0], fix[1]])
    all_vals = np.concatenate([vals, objectives[0][fix[0]] / scales[0], objectives[1][fix[1]] / scales[1]])
    all_rows, all_cols = all_rows.astype(np.int64), all_cols.astype(np.int64)
    last = next(reversed(_patterns.values()), None)
    if last is not None and last.same_entries(n, m, all_rows, all_cols):
        pattern = last  # a batch's next point: the same entries compared, not hashed
    else:
        digest = hashlib.blake2b(digest_size=16)
        digest.update(np.array([n, m], dtype=np.int64).tobytes())
        digest.update(all_rows.tobytes())
        digest.update(all_cols.tobytes())
        pattern = _pattern(digest.digest(), n, m, all_rows, all_cols)
    col_lower, col_upper, _, _ = lp.bounds()
    row_lower, row_upper = _row_bounds(lp)
    return _Arrays(pattern=pattern, values=pattern.csc_values(all_vals),
                   col_lower=col_lower, col_upper=col_upper, row_lower=row_lower, row_upper=row_upper,
                   objectives=objectives, scales=scales,
                   costs=[c / s for c, s in zip(objectives, scales)], nonzeros=nonzeros,
                   nonzero_costs=nonzero_costs, source=source,
                   col_source=_col_source(lp))


_EMPTY = np.zeros(0, dtype=np.int64)  # no positions
_NO_VALUES = np.zeros(0)


def _all(mask: np.ndarray) -> bool:
    """``mask.all()``, by counting: on the short arrays of a batch point it is
    several times faster than numpy's reduction."""
    return np.count_nonzero(mask) == mask.size


def _optimal(highs) -> bool:
    import highspy

    return highs.getModelStatus() == highspy.HighsModelStatus.kOptimal


@dataclass
class _Basis:
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
class _Vertex:
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
    basis: _Basis | None = None
    basic: np.ndarray | None = None
    basic_low: np.ndarray | None = None
    basic_up: np.ndarray | None = None
    lp: _Arrays | None = None  # the LP (as arrays) whose stage this vertex solves
    fixing: tuple[float, float] = (np.inf, np.inf)  # upper bounds of the two fixing rows (row_upper[m:])


#: A basic variable counts as within its bounds up to this share of the bound's
#: size (and as much absolute near zero). Tight on purpose: a looser 1e-7 yuan
#: accepted bases from which HiGHS still pivoted (it judges feasibility on its
#: scaled model), and an accepted basis must be one HiGHS keeps.
VERTEX_TOLERANCE = 1e-9


def _basis_of(highs, matrix, vertex: _Vertex) -> _Basis | None:
    """The basis HiGHS holds, with the bound each nonbasic variable sits at."""
    status, basic = highs.getBasicVariables()
    if status == _highs_error():
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
    return _Basis(basic_cols=basic_cols, basic_rows=basic_rows, cols=cols_pos, rows=rows_pos,
                  col_is_basic=col_position >= 0, row_is_basic=row_position >= 0,
                  col_at_upper=_at_upper(vertex.x, vertex.col_lower, vertex.col_upper),
                  row_at_upper=_at_upper(vertex.r, vertex.row_lower, vertex.row_upper),
                  sign=np.where(basic >= 0, 1.0, -1.0), col_position=col_position, row_position=row_position)


def _basic_values(vertex: _Vertex) -> None:
    """Fill in the vertex's basic values and widened bounds, by position in its basis."""
    basis = vertex.basis
    size = basis.sign.size
    vertex.basic, vertex.basic_low, vertex.basic_up = np.empty(size), np.empty(size), np.empty(size)
    vertex.basic[basis.cols], vertex.basic[basis.rows] = vertex.x[basis.basic_cols], vertex.r[basis.basic_rows]
    low, up = _widened(vertex.col_lower[basis.basic_cols], vertex.col_upper[basis.basic_cols])
    vertex.basic_low[basis.cols], vertex.basic_up[basis.cols] = low, up
    low, up = _widened(vertex.row_lower[basis.basic_rows], vertex.row_upper[basis.basic_rows])
    vertex.basic_low[basis.rows], vertex.basic_up[basis.rows] = low, up


def _move_vertex(highs, matrix, vertex: _Vertex, col_lower: np.ndarray, col_upper: np.ndarray,
                 row_lower: np.ndarray, row_upper: np.ndarray, moved_rows: np.ndarray | None = None
                 ) -> _Vertex | None:
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
        moved_rows = _moved(vertex.row_lower, vertex.row_upper, row_lower, row_upper)
    moved_cols = _moved(vertex.col_lower, vertex.col_upper, col_lower, col_upper)
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
        if status == _highs_error():
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
    return _Vertex(x, vertex.row_dual, col_lower, col_upper, row_lower, row_upper, r=r, basis=basis,
                   basic=basic, basic_low=low, basic_up=up)


@dataclass
class _Moves:
    """Variables (columns or rows) whose bounds moved, split by the basis."""

    nonbasic: np.ndarray  # nonbasic ones: they move with the bound they sit at ...
    values: np.ndarray  # ... to these values
    delta: np.ndarray  # ... by this much
    basic: np.ndarray  # basic ones: only their bounds move
    moves: bool  # whether a nonbasic value changes at all


_NO_MOVES = _Moves(_EMPTY, _NO_VALUES, _NO_VALUES, _EMPTY, False)


def _split(moved: np.ndarray, is_basic: np.ndarray, at_upper: np.ndarray, lower: np.ndarray,
           upper: np.ndarray, values: np.ndarray) -> _Moves | None:
    """Split ``moved`` into nonbasic variables (new values) and basic ones; None when
    a nonbasic variable's bound became infinite."""
    if not moved.size:
        return _NO_MOVES
    basic = is_basic[moved]
    n_basic = np.count_nonzero(basic)
    if n_basic == moved.size:
        return _Moves(_EMPTY, _NO_VALUES, _NO_VALUES, moved, False)
    # (A few variables: split by a mask only when both kinds are there.)
    nonbasic, basic = (moved, _EMPTY) if not n_basic else (moved[~basic], moved[basic])
    new = np.where(at_upper[nonbasic], upper[nonbasic], lower[nonbasic])
    if not _all(np.isfinite(new)):
        return None
    delta = new - values[nonbasic]
    return _Moves(nonbasic, new, delta, basic, np.count_nonzero(delta) > 0)


def _moved_rows(stage_set: _StageSet, vertex: _Vertex, fixing: list[float]) -> np.ndarray | None:
    """The rows whose bounds differ from the vertex's, if known without comparing them
    all: the vertex solves the LP held before the last update, whose rows were
    compared then; of the two fixing rows (always free below), compare the upper
    bounds ``fixing`` here. None: unknown."""
    if vertex.lp is None or vertex.lp is not stage_set.previous:
        return None
    m = stage_set.pattern.m
    fixing = [m + j for j in (0, 1) if vertex.fixing[j] != fixing[j]]
    if not fixing:
        return stage_set.moved_rows
    return np.concatenate([stage_set.moved_rows, np.array(fixing, dtype=np.int64)])


def _moved(lower: np.ndarray, upper: np.ndarray, new_lower: np.ndarray, new_upper: np.ndarray) -> np.ndarray:
    """Positions whose bounds differ (none when they are the same arrays)."""
    if new_lower is lower and new_upper is upper:
        return _EMPTY
    return np.flatnonzero((new_lower != lower) | (new_upper != upper))


def _at_upper(values: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> np.ndarray:
    """For variables at a bound: whether it is the upper one."""
    return np.isfinite(upper) & (np.isinf(lower) | (np.abs(values - upper) < np.abs(values - lower)))


def _widened(lower: np.ndarray, upper: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Bounds widened by :data:`VERTEX_TOLERANCE` of their size (infinite ones stay infinite)."""
    return lower - VERTEX_TOLERANCE * (1.0 + np.abs(lower)), upper + VERTEX_TOLERANCE * (1.0 + np.abs(upper))


@functools.cache
def _highs_error():
    import highspy

    return highspy.HighsStatus.kError


class _StageSet:
    """Three HiGHS instances holding one structure, one per stage."""

    def __init__(self, arrays: _Arrays, threads: int, first_solver: str, bases=None):
        self.pattern = arrays.pattern
        self.highs = []
        for k in range(len(STAGES)):
            highs = _QuietHighs()
            if threads:
                highs.setOptionValue("threads", threads)
            self._pass(highs, arrays, k)
            if bases is not None:
                highs.setBasis(bases[k])
            elif first_solver != "simplex":
                highs.setOptionValue("solver", first_solver)
            # HiGHS presolves only a model without a valid basis: the first, cold solve
            # of each stage; warm re-solves start from the basis.
            self.highs.append(highs)
        self.current = arrays
        # Whether each stage's basis is optimal for an LP that differs from the one
        # held only in bounds, hence still dual feasible (re-solved by the dual
        # simplex); other costs or coefficients take that away.
        self.dual_feasible = [bases is not None] * len(STAGES)
        # Each stage's last optimal vertex, while its matrix and costs stay as they were.
        self.vertices: list[_Vertex | None] = [None] * len(STAGES)
        self._matrix = None
        # The LP held before the last update, and the rows (fixing rows aside) whose
        # bounds differ between it and the current one.
        self.previous: _Arrays | None = None
        self.moved_rows: np.ndarray = _EMPTY

    @staticmethod
    def _pass(highs, arrays: _Arrays, k: int) -> None:
        import highspy

        p = arrays.pattern
        status = highs.passModel(p.n, p.m + 2, int(p.index.size), int(highspy.MatrixFormat.kColwise),
                                 int(highspy.ObjSense.kMinimize), 0.0, arrays.costs[k],
                                 arrays.col_lower, arrays.col_upper, arrays.row_lower, arrays.row_upper,
                                 p.indptr, p.index, arrays.values, p.continuous)
        if status == highspy.HighsStatus.kError:
            raise SolveError("HiGHS rejected the model passed as matrices")

    def update(self, new: _Arrays, stats: dict[str, int]) -> None:
        """Pass only what differs between the LP the instances hold and ``new``."""
        old = self.current
        m = self.pattern.m
        cols = _moved(old.col_lower, old.col_upper, new.col_lower, new.col_upper)
        rows = _moved(old.row_lower[:m], old.row_upper[:m], new.row_lower[:m], new.row_upper[:m])
        self.previous, self.moved_rows = old, rows
        same_values = new.values is old.values  # arrays described alike (see describe)
        coeffs = _EMPTY if same_values else np.flatnonzero(new.values != old.values)
        if coeffs.size:
            self.vertices = [None] * len(STAGES)  # another matrix: another basis matrix
            self.dual_feasible = [False] * len(STAGES)
            self._matrix = None
        if coeffs.size > COEFF_LIMIT:
            stats["matrix_passes"] += 1
            for k, highs in enumerate(self.highs):
                basis = highs.getBasis()
                self._pass(highs, new, k)
                highs.setBasis(basis)
            self.current = new
            return
        if cols.size:
            c32 = cols.astype(np.int32)
            lower, upper = new.col_lower[cols], new.col_upper[cols]
            for highs in self.highs:
                highs.changeColsBounds(int(cols.size), c32, lower, upper)
        if rows.size:
            r32 = rows.astype(np.int32)
            lower, upper = new.row_lower[rows], new.row_upper[rows]
            for highs in self.highs:
                highs.changeRowsBounds(int(rows.size), r32, lower, upper)
        if coeffs.size:
            stats["coefficient_changes"] += int(coeffs.size)
            row_of, col_of, value = self.pattern.index[coeffs], self.pattern.entry_cols[coeffs], new.values[coeffs]
            for highs in self.highs:
                for r, c, v in zip(row_of.tolist(), col_of.tolist(), value.tolist()):
                    highs.changeCoeff(r, c, v)
        for k, highs in enumerate(self.highs):
            if new.costs[k] is old.costs[k]:
                continue
            changed = np.flatnonzero(new.costs[k] != old.costs[k])
            if changed.size:
                self.vertices[k] = None  # other costs: other duals
                self.dual_feasible[k] = False
                highs.changeColsCost(int(changed.size), changed.astype(np.int32), new.costs[k][changed])
        self.current = new

    def bases(self) -> list:
        return [highs.getBasis() for highs in self.highs]

    def matrix(self):
        """The constraint matrix the instances hold (fixing rows included), as scipy CSC."""
        if self._matrix is None:
            import scipy.sparse as sp

            p = self.pattern
            self._matrix = sp.csc_matrix((self.current.values, p.index, p.indptr), shape=(p.m + 2, p.n))
        return self._matrix


@dataclass
class FastSolver:
    """Solve many LPs of the same model through reused ``highspy`` instances.

    Parameters
    ----------
    threads : int
        HiGHS threads per instance (0: HiGHS chooses; a process can only use one
        setting, HiGHS keeps one thread pool per process).
    first_solver : "simplex" or "ipm"
        Algorithm for a structure's first, cold solve (interior point is faster on
        models of tens of thousands of units); warm re-solves always use the dual
        simplex from the previous basis.
    reuse_vertices : bool
        Before running a stage, test whether its last optimal basis is still
        optimal for the new LP (only bounds moved, and it is still primal
        feasible; see ``_move_vertex``) and if so take that basic solution without
        a HiGHS run (``stats["stage_runs_avoided"]``). Off: every stage is run.

    Use :meth:`solve` per scenario; :meth:`reset` drops the instances, so that
    what follows starts from the bases kept by :meth:`keep_bases` (or cold), which
    makes a run of scenarios independent of what was solved before it.
    """

    threads: int = 0
    first_solver: str = "simplex"
    reuse_vertices: bool = True
    stats: dict[str, int] = field(default_factory=lambda: {
        "solves": 0, "structures_built": 0, "stage_runs": 0, "stage_runs_avoided": 0, "cold_retries": 0,
        "matrix_passes": 0, "coefficient_changes": 0})
    _sets: OrderedDict = field(default_factory=OrderedDict, repr=False)
    _seed_bases: dict = field(default_factory=dict, repr=False)
    _last: _Arrays | None = field(default=None, repr=False)  # the last LP solved, as arrays

    def reset(self) -> None:
        """Forget every instance (the next solve of each structure starts afresh)."""
        self._sets.clear()

    def keep_bases(self) -> None:
        """Remember the current optimal bases: after :meth:`reset`, solves of the same
        structure start from them (e.g. the base scenario's, for every chunk of a batch)."""
        for key, stage_set in self._sets.items():
            self._seed_bases[key] = stage_set.bases()

    def solve(self, lp: LinearProgram, tolerance: float = 1e-7, stages: int = 3) -> LPSolution:
        """The stages of ``lp``, as :func:`~model.solvers.solve_lexicographic` defines them.

        Returns the primal values after the last stage solved, each stage's optimum
        and the row duals of every stage (per unit of the row's bound, unscaled), as
        the reference does with HiGHS. ``stages`` < 3 solves only the first ones
        (what-if analysis that needs only missing money or soft points).
        """
        started = time.perf_counter()
        arrays = self._last = describe(lp, like=self._last)
        key = arrays.pattern.key
        stage_set = self._sets.get(key)
        if stage_set is None:
            stage_set = _StageSet(arrays, self.threads, self.first_solver, self._seed_bases.get(key))
            self.stats["structures_built"] += 1
            self._sets[key] = stage_set
            if len(self._sets) > MAX_STRUCTURES:
                self._sets.popitem(last=False)
        else:
            self._sets.move_to_end(key)
            stage_set.update(arrays, self.stats)
        m = arrays.pattern.m
        objectives: dict[Stage, float] = {}
        duals: dict[Stage, np.ndarray] = {}
        stage_seconds: dict[Stage, float] = {}
        values: list[float] = []
        x = None
        for k, stage in enumerate(STAGES[:stages]):
            t0 = time.perf_counter()
            highs = stage_set.highs[k]
            # The fixing rows are free in arrays.row_upper: stage 1 reads it as it is.
            row_upper = arrays.row_upper.copy() if values else arrays.row_upper
            fixing = [np.inf, np.inf]
            for j, value in enumerate(values):
                # Stage j's optimum, fixed within the tolerance (scaled like its objective).
                slack = tolerance * max(1.0, abs(value))
                row_upper[m + j] = fixing[j] = (value + slack) / arrays.scales[j]
                highs.changeRowBounds(m + j, -np.inf, fixing[j])
            bounds = (arrays.col_lower, arrays.col_upper, arrays.row_lower, row_upper)
            vertex = stage_set.vertices[k]
            moved = None
            if self.reuse_vertices and vertex is not None:
                moved = _move_vertex(highs, stage_set.matrix(), vertex, *bounds,
                                     moved_rows=_moved_rows(stage_set, vertex, fixing))
            if moved is not None:
                # The stage's optimal basis is still optimal (see _move_vertex): same duals.
                self.stats["stage_runs_avoided"] += 1
                x, row_dual = moved.x, moved.row_dual
                stage_set.vertices[k] = moved
            else:
                x, row_dual = self._run_stage(stage_set, k, stage)
                stage_set.vertices[k] = _Vertex(x, row_dual, *bounds)
            stage_set.vertices[k].lp = arrays
            stage_set.vertices[k].fixing = tuple(fixing)
            value = _objective_value(arrays.nonzero_costs[k], arrays.nonzeros[k], x)
            values.append(value)
            objectives[stage] = value
            duals[stage] = arrays.scales[k] * row_dual[:m]
            stage_seconds[stage] = time.perf_counter() - t0
        self.stats["solves"] += 1
        return LPSolution(x=x, objectives=objectives, duals=duals, solver="highs",
                          solver_version=_version(), seconds=time.perf_counter() - started,
                          stage_seconds=stage_seconds)

    def _run_stage(self, stage_set: _StageSet, k: int, stage: Stage) -> tuple[np.ndarray, np.ndarray]:
        """Run HiGHS on stage ``k``; the optimal column values and (scaled) row duals."""
        highs = stage_set.highs[k]
        from_soft = stage is Stage.TRANSFERS and not stage_set.dual_feasible[k]
        if from_soft:
            # No basis of its own yet, or costs or coefficients moved since it was
            # optimal (a Monte Carlo draw): the soft stage's optimal vertex, just
            # found, lies on the face this stage searches (its points are fixed within
            # the tolerance), so it is a primal feasible start, and the primal simplex
            # walks along that face (1,380 communities: 2 iterations, 0.1 s, against
            # 1.5-2.6 s by the dual; a Monte Carlo draw: 1.3 ms against 2.4 ms).
            highs.setBasis(stage_set.highs[k - 1].getBasis())
            highs.setOptionValue("solver", "simplex")
            highs.setOptionValue("simplex_strategy", SIMPLEX_PRIMAL)
        # The soft stage's first run starts from scratch, with presolve: the hard
        # stage's basis says nothing about soft points (its costs are on the missing
        # money columns alone), and the dual simplex from it took 1.8-2.7 s on 1,380
        # communities against 0.3-0.35 s presolved from scratch.
        self.stats["stage_runs"] += 1
        if not _run_optimal(highs):
            # A warm start that went astray: solve the same stage again from scratch.
            self.stats["cold_retries"] += 1
            highs.clearSolver()
            if not _run_optimal(highs):
                raise SolveError(f"HiGHS (matrix form) ended stage {k + 1} ({stage.value}) with status "
                                 f"{highs.modelStatusToString(highs.getModelStatus())}")
        stage_set.dual_feasible[k] = True
        if from_soft:
            # Later runs re-solve after bounds moved: the basis stays dual feasible,
            # which the (default) dual simplex uses.
            highs.setOptionValue("simplex_strategy", SIMPLEX_DUAL)
        if self.first_solver != "simplex":
            highs.setOptionValue("solver", "simplex")  # the first run's algorithm is for cold solves
        solution = highs.getSolution()
        return np.asarray(solution.col_value, dtype=float), np.asarray(solution.row_dual, dtype=float)


def _objective_value(c_nonzero: np.ndarray, nonzeros: np.ndarray, x: np.ndarray) -> float:
    """``c @ x`` over the objective's non-zeros (``c_nonzero = c[nonzeros]``), without
    BLAS: on long vectors OpenBLAS's ``dot`` wakes its thread pool, whose spinning
    threads take the CPU the other batch worker needs."""
    return float(np.add.reduce(c_nonzero * x[nonzeros]))  # np.sum, without its Python wrapper


def _run_optimal(highs) -> bool:
    """Run HiGHS; whether the run itself succeeded and ended with an optimal model.

    Both are needed: a run that fails (an option HiGHS refuses, say) leaves the
    model status of the run before it in place.
    """
    import highspy

    return highs.run() != highspy.HighsStatus.kError and _optimal(highs)


@functools.cache
def _version() -> str:
    try:
        return f"highspy {importlib.metadata.version('highspy')} (matrix form, warm start)"
    except importlib.metadata.PackageNotFoundError:  # pragma: no cover - install problem
        return "highspy (matrix form, warm start)"
