"""The districts' own LPs for the decomposed solve: the LP split by district, and solved.

:func:`split_by_group` reads a :class:`~model.formulation.lp.LinearProgram` whose
columns each belong to one group (a district: its communities' columns, its
transfers, its missing money) and sorts its rows: a row whose columns all belong to
one group is that group's (capacity, co-financing, every community row); a row that
spans groups is a *linking* row (the ceilings, the horizon total). Nothing is
assumed about which block is which: the rows are read from the matrix. What the bounds
alone decide (columns fixed at zero, rows kept by them) is left out of the groups' LPs.

:class:`DistrictLPs` holds one HiGHS instance per group, each passed its block once,
and solves them all for a cost vector (the pricing step of
:class:`~model.solve.decomposed.DecomposedSolver`): only the costs change between
rounds, so each instance re-solves by the primal simplex from its last optimal basis.
:func:`solve_groups` is the same work for a subset of groups, as a worker runs it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from ..errors import SolveError
from ..formulation.lp import LinearProgram
from .highs import QuietHighs, run_optimal
from .kept_basis import Bounds, KeptBasis, transposed

#: The districts' LPs are solved to a dual feasibility of 1e-10 (HiGHS: 1e-7): their costs
#: (points per yuan, less the master's prices) go down to 1e-6 of the largest, and at
#: 1e-7 HiGHS stopped 0.03-0.2 scaled points short of each district's optimum, which
#: left the master 4e-6 short of the monolithic optimum on 1,380 communities.
TOLERANCES = {"dual_feasibility_tolerance": 1e-10}
# HiGHS's simplex_strategy values of the dual (its default) and the primal simplex.
SIMPLEX_DUAL, SIMPLEX_PRIMAL = 1, 4
#: Columns of the districts whose HiGHS instances are kept from round to round. HiGHS holds
#: about 1.1 KB a column after a solve (120,000 communities: 4.8 GB), so the districts
#: beyond are passed in turn to one shared instance per thread and started from their
#: kept basis (a few bytes a column): 0.2 ms to pass the LP and a run from the basis
#: instead of the kept-basis test, for memory in proportion to these columns alone.
LIVE_COLUMNS = 1_000_000


@dataclass
class GroupBlock:
    """One group's LP: its columns and rows (positions in the whole LP) and its matrix."""

    columns: np.ndarray
    rows: np.ndarray
    indptr: np.ndarray
    index: np.ndarray
    values: np.ndarray
    col_lower: np.ndarray
    col_upper: np.ndarray
    row_lower: np.ndarray
    row_upper: np.ndarray
    #: Its columns' entries in the linking rows: linking row, position among its columns, value.
    link_entries: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None


@dataclass
class Split:
    """An LP split by group: the blocks, and the linking rows."""

    n_cols: int
    n_rows: int
    n_groups: int
    blocks: list[GroupBlock]
    link_rows: np.ndarray
    link_matrix: object  # scipy CSR, linking rows x all columns
    link_lower: np.ndarray
    link_upper: np.ndarray
    local_rows: np.ndarray  # the groups' rows, in group order (each block's rows in turn)

    @property
    def columns(self) -> list[np.ndarray]:
        return [b.columns for b in self.blocks]


def split_by_group(lp: LinearProgram, groups: np.ndarray) -> Split:
    """``lp`` split by ``groups`` (column -> group 0..G-1; see the module docstring)."""
    groups = np.asarray(groups, dtype=np.int64)
    if groups.size != lp.n_cols or groups.size == 0 or groups.min() < 0:
        raise SolveError("the decomposed solve needs every column in a group (district)")
    n_groups = int(groups.max()) + 1
    col_lower, col_upper, row_lower, row_upper = lp.bounds()
    a, live, decided = _without_what_bounds_decide(lp.matrix(), col_lower, col_upper, row_lower, row_upper)
    lengths = np.diff(a.indptr)
    filled = lengths > 0
    row_group = np.full(lp.n_rows, -1, dtype=np.int64)
    if a.indices.size:
        of_entry = groups[a.indices]
        starts = a.indptr[:-1][filled]
        low = np.minimum.reduceat(of_entry, starts)
        high = np.maximum.reduceat(of_entry, starts)
        row_group[filled] = np.where(low == high, low, -2)
    empty = np.flatnonzero(~filled & ~decided)
    if np.any((row_lower[empty] > 1e-9) | (row_upper[empty] < -1e-9)):
        raise SolveError("the LP has a row whose bounds exclude zero that no column can fill (empty, "
                         "or only columns fixed at zero)")
    link_rows = np.flatnonzero(row_group == -2)
    local = np.flatnonzero(row_group >= 0)
    local = local[np.argsort(row_group[local], kind="stable")]
    row_start = np.searchsorted(row_group[local], np.arange(n_groups + 1))
    col_order = np.flatnonzero(live)
    col_order = col_order[np.argsort(groups[col_order], kind="stable")]
    col_start = np.searchsorted(groups[col_order], np.arange(n_groups + 1))
    b = a[local][:, col_order].tocsc()
    link = a[link_rows]
    entries = _by_group(link.tocoo(), col_order, col_start)
    blocks = []
    for g in range(n_groups):
        c0, c1, r0, r1 = col_start[g], col_start[g + 1], row_start[g], row_start[g + 1]
        lo, hi = b.indptr[c0], b.indptr[c1]
        cols, rows = col_order[c0:c1], local[r0:r1]
        blocks.append(GroupBlock(
            columns=cols, rows=rows, indptr=(b.indptr[c0:c1 + 1] - lo).astype(np.int32),
            index=(b.indices[lo:hi] - r0).astype(np.int32), values=b.data[lo:hi].copy(),
            col_lower=col_lower[cols], col_upper=col_upper[cols],
            row_lower=row_lower[rows], row_upper=row_upper[rows], link_entries=entries[g]))
    return Split(n_cols=lp.n_cols, n_rows=lp.n_rows, n_groups=n_groups, blocks=blocks, link_rows=link_rows,
                 link_matrix=link, link_lower=row_lower[link_rows], link_upper=row_upper[link_rows],
                 local_rows=local)


def _by_group(link, col_order: np.ndarray, col_start: np.ndarray) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """The linking rows' entries (COO) of each group: (row, position among the group's
    columns, value), the groups' columns being ``col_order[col_start[g]:col_start[g + 1]]``."""
    position = np.full(link.shape[1], -1, dtype=np.int64)
    position[col_order] = np.arange(col_order.size)
    at = position[link.col]
    order = np.argsort(at, kind="stable")
    at, rows, values = at[order], link.row[order], link.data[order]
    cut = np.searchsorted(at, col_start)
    return [(rows[lo:hi], at[lo:hi] - col_start[g], values[lo:hi])
            for g, (lo, hi) in enumerate(zip(cut[:-1], cut[1:]))]


def _without_what_bounds_decide(matrix, col_lower, col_upper, row_lower, row_upper):
    """The matrix (CSR) without what the bounds alone decide, which the groups' LPs then
    leave out (HiGHS's time per run grows with their size; 20,000 communities: 587,322 of
    722,500 columns and 365,572 of 505,000 rows are left):

    - the columns fixed at zero (a gap of nothing: no committee below a standard, no
      member uninsured), which stay zero; a row only they fill is then empty (dual zero);
    - a row of one column that the column's bounds already keep (``unmet >= 0`` where
      nothing is missing, a share kept from a year of no gap), whose dual is zero.

    Also the columns kept (mask) and the rows left out as kept by bounds (mask)."""
    live = ~((col_lower == 0) & (col_upper == 0))
    a = (matrix @ sp.diags(live.astype(float))).tocsr()
    a.sum_duplicates()
    a.eliminate_zeros()
    single = np.flatnonzero(np.diff(a.indptr) == 1)
    col, value = a.indices[a.indptr[single]], a.data[a.indptr[single]]
    ends = np.stack([value * col_lower[col], value * col_upper[col]])  # the row's reach
    decided = np.zeros(a.shape[0], dtype=bool)
    decided[single] = (row_lower[single] <= ends.min(axis=0)) & (ends.max(axis=0) <= row_upper[single])
    if decided.any():
        a = (sp.diags((~decided).astype(float)) @ a).tocsr()
        a.eliminate_zeros()
    return a, live, decided


def _new_instance(block: GroupBlock | None = None):
    """A HiGHS instance with the districts' tolerances, holding ``block`` if given."""
    highs = QuietHighs()
    for option, value in TOLERANCES.items():
        highs.setOptionValue(option, value)
    if block is not None:
        _pass(highs, block, np.zeros(block.columns.size), block.col_upper)
    return highs


def _pass(highs, block: GroupBlock, cost: np.ndarray, upper: np.ndarray) -> None:
    """Pass ``block`` to ``highs`` with these costs and columns' upper bounds."""
    import highspy

    n, m = block.columns.size, block.rows.size
    status = highs.passModel(n, m, int(block.index.size), int(highspy.MatrixFormat.kColwise),
                             int(highspy.ObjSense.kMinimize), 0.0, cost, block.col_lower,
                             upper, block.row_lower, block.row_upper, block.indptr, block.index,
                             block.values, np.zeros(n, dtype=np.int32))
    if status == highspy.HighsStatus.kError:
        raise SolveError("HiGHS rejected a district's LP")


def solve_block(highs, block: GroupBlock, cost: np.ndarray, first: bool, name: str, kept: KeptBasis | None,
                bounds: Bounds, matrix_t, passed: np.ndarray) -> tuple[np.ndarray, float, np.ndarray, KeptBasis]:
    """One group's LP at ``cost`` (its columns' costs) on its own instance: values,
    objective, row duals, and the basis kept for the next call (``kept``: the last one,
    tested first; ``bounds``: the block's current :class:`~model.solve.kept_basis.Bounds`,
    ``matrix_t`` its :func:`transposed`). ``passed`` holds the (scaled) costs the instance
    has: only those that differ are passed again (in a soft stage's round, the transfers')."""
    # Each district's costs scaled to a largest of 1 (the optimum is the same): HiGHS's
    # tolerances are absolute, and a district's largest price can be far below the LP's.
    scale = float(np.abs(cost).max()) or 1.0
    scaled = cost / scale
    if kept is not None:
        y = kept.duals_if_optimal(highs, scaled)
        if y is not None:
            return kept.x, float(cost @ kept.x), scale * y, kept
    moved = np.flatnonzero(scaled != passed)
    if moved.size:
        highs.changeColsCost(moved.size, moved.astype(np.int32), scaled[moved])
        passed[moved] = scaled[moved]
    _run(highs, name)
    if first:
        # Later rounds change only costs: the basis stays primal feasible.
        highs.setOptionValue("simplex_strategy", SIMPLEX_PRIMAL)
    solution = highs.getSolution()
    x = np.array(solution.col_value, dtype=float)
    kept = KeptBasis(highs, bounds, matrix_t, x, np.array(solution.row_value, dtype=float))
    return x, float(cost @ x), scale * np.array(solution.row_dual, dtype=float), kept


def _run(highs, name: str, retry_strategy: int | None = None) -> None:
    """Run HiGHS on a district's LP; a run that does not end optimal (a warm start gone
    astray) is followed by the same LP from scratch (by ``retry_strategy`` if given),
    then an error naming the district."""
    if run_optimal(highs):
        return
    highs.clearSolver()
    if retry_strategy is not None:
        highs.setOptionValue("simplex_strategy", retry_strategy)
    if not run_optimal(highs):
        raise SolveError(f"HiGHS ended the LP of {name} with status "
                         f"{highs.modelStatusToString(highs.getModelStatus())}")


def solve_passed(highs, block: GroupBlock, cost: np.ndarray, upper: np.ndarray, basis, name: str
                 ) -> tuple[np.ndarray, float, np.ndarray, object]:
    """One group's LP at ``cost`` on a shared instance: passed to it, started from the
    group's last basis (``basis``, HiGHS's, or None: from scratch by the dual simplex);
    values, objective, row duals and the basis to keep."""
    scale = float(np.abs(cost).max()) or 1.0  # as solve_block scales
    _pass(highs, block, cost / scale, upper)
    highs.setOptionValue("simplex_strategy", SIMPLEX_DUAL if basis is None else SIMPLEX_PRIMAL)
    if basis is not None:
        highs.setBasis(basis)
    _run(highs, name, retry_strategy=SIMPLEX_DUAL)
    solution = highs.getSolution()
    x = np.array(solution.col_value, dtype=float)
    return x, float(cost @ x), scale * np.array(solution.row_dual, dtype=float), highs.getBasis()


@dataclass
class Answers:
    """Each group's answer at one cost vector: [(values, objective)], the row duals of
    the groups' rows in :attr:`Split.local_rows` order, and per group whether its values
    may differ from its last answer's (False: its last basis was kept, the same values)."""

    results: list[tuple[np.ndarray, float]]
    row_duals: np.ndarray
    changed: list[bool] | None = None


#: Districts per HiGHS instance: their LPs side by side in one block-diagonal LP is each
#: district's optimum at once (nothing links them) and saves HiGHS's fixed cost per run,
#: but a chunk's kept basis holds only while all of its districts' do. Measured on 1,380
#: communities (34 districts) with kept bases: 1 a time 2.31 s (826 of 1,292 district
#: LPs kept), 2 a time 2.30 s, 4 a time 2.69 s (without kept bases 4 a time was best:
#: 2.9 s against 3.2 s; 8 and 17, 5.2 and 7.7 s). Memory is about 1 KB per column
#: whatever the chunk (HiGHS's simplex data after the first solve).
CHUNK = 1


def join_blocks(blocks: list[GroupBlock]) -> GroupBlock:
    """Several groups' blocks as one block-diagonal block (columns and rows in turn)."""
    if len(blocks) == 1:
        return blocks[0]
    col_offsets = np.cumsum([0] + [b.columns.size for b in blocks])
    row_offsets = np.cumsum([0] + [b.rows.size for b in blocks])
    nnz_offsets = np.cumsum([0] + [b.index.size for b in blocks])
    return GroupBlock(
        columns=np.concatenate([b.columns for b in blocks]), rows=np.concatenate([b.rows for b in blocks]),
        indptr=np.concatenate([[0]] + [b.indptr[1:] + o for b, o in zip(blocks, nnz_offsets[:-1])]).astype(np.int32),
        index=np.concatenate([b.index + o for b, o in zip(blocks, row_offsets[:-1])]).astype(np.int32),
        values=np.concatenate([b.values for b in blocks]),
        col_lower=np.concatenate([b.col_lower for b in blocks]), col_upper=np.concatenate([b.col_upper for b in blocks]),
        row_lower=np.concatenate([b.row_lower for b in blocks]), row_upper=np.concatenate([b.row_upper for b in blocks]))


class DistrictLPs:
    """The groups' LPs in this process, ``chunk`` groups to a warm HiGHS instance."""

    def __init__(self, split: Split | None = None, names: list[str] | None = None, chunk: int = CHUNK,
                 threads: int | None = None, live_columns: int = LIVE_COLUMNS):
        self.split = split
        self.names = names
        self.chunk = max(1, chunk)
        self.threads = max(1, threads if threads is not None else default_threads())
        self.live_columns = live_columns
        self._pool = None
        self._highs: list = []
        self._joined: list[GroupBlock] = []
        self._ranges: list[tuple[int, int]] = []
        self._solved: list[bool] = []

    def start(self, split) -> None:
        """Pass the groups' blocks to HiGHS instances, ``chunk`` at a time (``split``: a
        :class:`Split` or anything with its ``blocks``)."""
        self.split = split
        n = len(split.blocks)
        self._ranges = [(a, min(a + self.chunk, n)) for a in range(0, n, self.chunk)]
        self._joined = [join_blocks(split.blocks[a:b]) for a, b in self._ranges]
        # The first districts up to live_columns keep an instance; the others (None) share
        # one per thread and keep only their basis.
        live = np.cumsum([b.columns.size for b in self._joined]) <= self.live_columns
        self._highs = [_new_instance(b) if keep else None for b, keep in zip(self._joined, live)]
        self._shared = [_new_instance() for _ in range(self.threads)] if not live.all() else []
        self._bases: list = [None] * len(self._joined)
        self._solved = [False] * len(self._joined)
        self._upper = [b.col_upper.copy() for b in self._joined]  # the columns' bounds now
        self._kept: list[KeptBasis | None] = [None] * len(self._joined)
        # What the kept-basis test reads of each instance's bounds, and the costs it holds.
        self._bounds = [Bounds(b, u) if keep else None for b, u, keep in zip(self._joined, self._upper, live)]
        self._passed = [np.zeros(b.columns.size) if keep else None for b, keep in zip(self._joined, live)]
        self._transposed = [transposed(b) if keep else None for b, keep in zip(self._joined, live)]
        self.stats = {"instance_runs": 0, "kept_bases": 0, "shared_runs": 0}
        if self.threads > 1 and len(self._highs) > 1:
            from concurrent.futures import ThreadPoolExecutor

            self._pool = ThreadPoolExecutor(max_workers=min(self.threads, len(self._highs)),
                                            thread_name_prefix="district-lp")

    def _name(self, i: int) -> str:
        a, b = self._ranges[i]
        if self.names:
            return "district " + (self.names[a] if b == a + 1 else f"{self.names[a]} to {self.names[b - 1]}")
        return f"district #{a}" if b == a + 1 else f"districts #{a}-{b - 1}"

    def _set_upper(self, columns: np.ndarray, zero: bool) -> None:
        chosen = np.zeros(max(_width(self._joined), int(columns.max(initial=-1)) + 1), dtype=bool)
        chosen[columns] = True
        for i, (highs, block) in enumerate(zip(self._highs, self._joined)):
            local = np.flatnonzero(chosen[block.columns])
            if local.size:
                upper = np.zeros(local.size) if zero else block.col_upper[local]
                self._upper[i][local] = upper
                if highs is not None:  # a shared instance is passed the bounds with the LP
                    highs.changeColsBounds(local.size, local.astype(np.int32), block.col_lower[local], upper)
                    self._bounds[i] = Bounds(block, self._upper[i])
                self._kept[i] = None  # other bounds: the kept basis may no longer be feasible

    def hold_at_zero(self, columns: np.ndarray) -> None:
        """Hold ``columns`` at zero in every group (the missing money, when the hard stage is skipped)."""
        self._set_upper(columns, True)

    def release(self, columns: np.ndarray) -> None:
        """Give ``columns`` their own bounds back."""
        self._set_upper(columns, False)

    def solve_all(self, cost: np.ndarray) -> Answers:
        """Every group's answer at ``cost`` (a cost for every column), the instances
        shared among the threads (each instance's calls are the same in any thread, so
        the answers do not depend on how many)."""
        work = range(len(self._highs))
        if self._pool is None:
            done = [self._solve_one(i, cost, 0) for i in work]
        else:
            parts = [work[t::self.threads] for t in range(self.threads)]
            done = [None] * len(work)
            # Part t on shared instance t: no two threads use one instance at once.
            solved = self._pool.map(lambda t: [self._solve_one(i, cost, t) for i in parts[t]], range(self.threads))
            for part, answers in zip(parts, solved):
                for i, answer in zip(part, answers):
                    done[i] = answer
        results, duals, changed = [], [], []
        for i, (x, row_dual, ran) in enumerate(done):
            self.stats["instance_runs" if ran else "kept_bases"] += 1
            self.stats["shared_runs"] += self._highs[i] is None
            a, b = self._ranges[i]
            col, row = 0, 0
            for part in self.split.blocks[a:b]:
                x_part = x[col:col + part.columns.size]
                results.append((x_part, float(cost[part.columns] @ x_part)))
                duals.append(row_dual[row:row + part.rows.size])
                changed.append(ran)
                col, row = col + part.columns.size, row + part.rows.size
        return Answers(results, np.concatenate(duals) if duals else np.zeros(0), changed)

    def _solve_one(self, i: int, cost: np.ndarray, thread: int) -> tuple[np.ndarray, np.ndarray, bool]:
        """Instance i at ``cost`` (in thread ``thread``): its values, row duals, and whether HiGHS ran."""
        block = self._joined[i]
        if self._highs[i] is None:
            x, _, row_dual, self._bases[i] = solve_passed(self._shared[thread], block, cost[block.columns],
                                                          self._upper[i], self._bases[i], self._name(i))
            return x, row_dual, True
        before = self._kept[i]
        x, _, row_dual, self._kept[i] = solve_block(self._highs[i], block, cost[block.columns], not self._solved[i],
                                                    self._name(i), before, self._bounds[i], self._transposed[i],
                                                    self._passed[i])
        self._solved[i] = True
        return x, row_dual, not (before is not None and self._kept[i] is before)

    def close(self) -> None:
        self._highs, self._joined, self._shared, self._bases = [], [], [], []
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None


def _width(blocks: list[GroupBlock]) -> int:
    """One past the largest column position of ``blocks``."""
    return max((int(b.columns.max()) + 1 for b in blocks if b.columns.size), default=0)


def default_threads() -> int:
    """Threads for the districts' LPs: the cores this process may use (HiGHS lets the
    interpreter go while it solves, so two cores solve two districts at once)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
