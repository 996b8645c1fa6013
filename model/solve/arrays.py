"""An LP as the arrays HiGHS is given: the CSC matrix with the three stage-fixing rows,
bounds and scaled stage objectives; patterns are cached per sparsity structure."""

from __future__ import annotations

import hashlib
import operator
import threading
from collections import OrderedDict
from dataclasses import dataclass, replace

import numpy as np

from ..formulation.lp import LinearProgram
from .stages import FIXED_STAGES, STAGES

@dataclass
class Pattern:
    """Sparsity pattern of one structure: COO entries (with the fixing rows) -> CSC."""

    key: bytes
    n: int
    m: int  # rows of the LP, without the stage-fixing rows
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
class LPArrays:
    """The numbers of one LP in the order HiGHS holds them."""

    pattern: Pattern
    values: np.ndarray  # CSC values, fixing rows included
    col_lower: np.ndarray
    col_upper: np.ndarray
    row_lower: np.ndarray  # (m + FIXED_STAGES,), fixing rows free
    row_upper: np.ndarray
    objectives: list[np.ndarray]  # per stage, unscaled
    scales: list[float]
    costs: list[np.ndarray]  # per stage, scaled
    nonzeros: list[np.ndarray]  # per stage, the columns with a non-zero objective coefficient
    nonzero_costs: list[np.ndarray]  # per stage, those coefficients (unscaled)
    source: tuple = ()  # the LP's coefficient and objective arrays these were made from (see _source)
    col_source: tuple = ()  # the LP's column bound arrays these were made from

    def with_bounds_of(self, lp: LinearProgram) -> LPArrays:
        """These arrays with ``lp``'s bounds (an LP of the same matrix and objectives).

        Column bounds made of the very same arrays as these are kept as they are
        (a point that moves only row bounds), so that later comparisons see at once
        that they did not move.
        """
        changes = dict(zip(("row_lower", "row_upper"), _row_bounds(lp)))
        col_source = _col_source(lp)
        if not _same_source(col_source, self.col_source):
            changes.update(col_lower=np.concatenate(lp.col_lower), col_upper=np.concatenate(lp.col_upper),
                           col_source=col_source)
        return replace(self, **changes)  # the matrix, objectives and scales are shared


_patterns: OrderedDict[bytes, Pattern] = OrderedDict()
#: The cache is shared by the solvers of a process, which may run in threads (a
#: scenario and its no-transfer baseline are solved side by side).
_patterns_lock = threading.Lock()


def _last_pattern() -> Pattern | None:
    with _patterns_lock:
        return next(reversed(_patterns.values()), None)


def _pattern(key: bytes, n: int, m: int, rows: np.ndarray, cols: np.ndarray) -> Pattern:
    with _patterns_lock:
        cached = _patterns.get(key)
        if cached is not None:
            _patterns.move_to_end(key)
            return cached
    linear = cols.astype(np.int64) * (m + FIXED_STAGES) + rows
    order = np.argsort(linear, kind="stable")
    sorted_linear = linear[order]
    first = np.ones(sorted_linear.size, dtype=bool)
    first[1:] = sorted_linear[1:] != sorted_linear[:-1]
    starts = np.flatnonzero(first)
    entry_cols = cols[order][starts]
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(entry_cols, minlength=n), out=indptr[1:])
    pattern = Pattern(key=key, n=n, m=m, order=order, starts=starts,
                       indptr=indptr.astype(np.int32), index=rows[order][starts].astype(np.int32),
                       entry_cols=entry_cols.astype(np.int32), duplicates=bool(starts.size < order.size),
                       continuous=np.zeros(n, dtype=np.int32), rows=rows, cols=cols)
    with _patterns_lock:
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


_FIXING_FREE = (np.full(FIXED_STAGES, -np.inf), np.full(FIXED_STAGES, np.inf))  # fixing rows as described: free


def _row_bounds(lp: LinearProgram) -> tuple[np.ndarray, np.ndarray]:
    """Row lower and upper bounds, with the stage-fixing rows free."""
    return np.concatenate([*lp.row_lower, _FIXING_FREE[0]]), np.concatenate([*lp.row_upper, _FIXING_FREE[1]])


def describe(lp: LinearProgram, like: LPArrays | None = None) -> LPArrays:
    """The LP (plus the stage-fixing rows) as the arrays HiGHS is given.

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
    # Row m + k fixes stage k's optimum for the stages after it: it holds stage k's
    # objective, scaled as that stage is solved.
    fix = nonzeros[:FIXED_STAGES]
    all_rows = np.concatenate([rows, *(np.full(f.size, m + k) for k, f in enumerate(fix))])
    all_cols = np.concatenate([cols, *fix])
    all_vals = np.concatenate([vals, *(objectives[k][f] / scales[k] for k, f in enumerate(fix))])
    all_rows, all_cols = all_rows.astype(np.int64), all_cols.astype(np.int64)
    last = _last_pattern()
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
    return LPArrays(pattern=pattern, values=pattern.csc_values(all_vals),
                   col_lower=col_lower, col_upper=col_upper, row_lower=row_lower, row_upper=row_upper,
                   objectives=objectives, scales=scales,
                   costs=[c / s for c, s in zip(objectives, scales)], nonzeros=nonzeros,
                   nonzero_costs=nonzero_costs, source=source,
                   col_source=_col_source(lp))
