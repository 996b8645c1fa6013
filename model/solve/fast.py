"""The matrix-form solver: the LP passed to ``highspy`` as arrays, and re-solved warm.

Every solve of the product goes through :class:`FastSolver` (the PuLP path of
:mod:`model.solve.reference` is the independent reference and the LP-file writer).
It reads the :class:`~model.formulation.lp.LinearProgram` that
:func:`~model.formulation.build.formulate` writes -- the coefficient arrays of
:meth:`LinearProgram.coo`, its bounds and its stage objectives -- so both paths solve
one model written once.

How it stays fast:

- **The hard stage is skipped when it is zero.** Missing money is never negative,
  so a solution of the soft stage with the missing money held at zero proves the hard
  stage's optimum is zero (with all-zero duals, a valid dual optimum of that stage).
  The soft stage is therefore tried first with the hard stage's optimum taken as 0;
  only if that is infeasible (some hard target cannot be met) is the hard stage
  solved and the soft stage run again. On 1,380 communities this saves the hard
  stage's 9,800 dual simplex iterations.
- **One HiGHS instance per stage.** Instance *k* minimises stage *k*'s objective
  (scaled to a largest coefficient of 1, as the reference does) with the rows
  ``stage<j>_optimum`` of the earlier stages bounded and the later ones free.
  Instances are made when first needed. Between scenarios each instance keeps its
  own optimal basis, so a new scenario that moves bounds or right-hand sides is a
  dual-simplex warm start of a few pivots, not a new solve. A later stage with no
  basis of its own starts from the stage before it: that optimum lies on the face it
  searches, and the primal simplex walks along it.
- **Only what changed is passed.** Each scenario's LP is compared with the one the
  instances hold: changed column and row bounds go through
  ``changeColsBounds``/``changeRowsBounds``, changed costs through
  ``changeColsCost``, a few changed coefficients through ``changeCoeff`` (many: the
  matrix is passed again with the old basis set back). The fixing rows are reused,
  only their bounds move.
- **A stage that is still optimal is not run.** When only bounds moved since a
  stage's last solve, :func:`~model.solve.vertex.move_vertex` tests whether its
  optimal basis is still primal feasible; if so the stage's solution is that vertex,
  with the same duals -- what HiGHS's warm dual simplex would return after 0
  iterations -- and otherwise HiGHS runs. A HiGHS run costs about 0.4 ms even when
  it pivots no more, which is most of a city-level batch point's solve.
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

import time
from collections import OrderedDict
from dataclasses import dataclass, field

import numpy as np

from ..constants import Stage
from ..errors import SolveError
from ..formulation.lp import LinearProgram
from .arrays import LPArrays, describe
from .highs import QuietHighs, matrix_version, run_optimal
from .stages import FIXED_STAGES, STAGES, FixingPrices, LPSolution, fixing_slack
from .vertex import EMPTY, Vertex, move_vertex, moved_positions

#: Changed coefficients up to this many are passed one by one (``changeCoeff``);
#: beyond it the matrix is passed again (measured: both cost about the same near here).
COEFF_LIMIT = 200

#: Structures whose instances are kept per solver.
MAX_STRUCTURES = 4
# HiGHS's simplex_strategy values: the dual simplex (its default) and the primal one.
SIMPLEX_DUAL, SIMPLEX_PRIMAL = 1, 4
HARD, SOFT = 0, 1  # positions of the hard and soft stages in STAGES


class _StageSet:
    """The HiGHS instances holding one structure, one per stage (made when first needed)."""

    def __init__(self, arrays: LPArrays, threads: int, first_solver: str, bases=None):
        self.pattern = arrays.pattern
        self.threads, self.first_solver = threads, first_solver
        self.current = arrays
        self._highs: list = [None] * len(STAGES)
        self._seed = list(bases) if bases is not None else [None] * len(STAGES)
        # Whether each stage's basis is optimal for an LP that differs from the one
        # held only in bounds, hence still dual feasible (re-solved by the dual
        # simplex); other costs or coefficients take that away.
        self.dual_feasible = [b is not None for b in self._seed]
        # Each stage's last optimal vertex, while its matrix and costs stay as they were.
        self.vertices: list[Vertex | None] = [None] * len(STAGES)
        # Whether to try the soft stage with the hard stage's optimum taken as zero
        # (see the module docstring): until a scenario of this structure needs it.
        self.skip_hard = True
        self._matrix = None
        # The LP held before the last update, and the rows (fixing rows aside) whose
        # bounds differ between it and the current one.
        self.previous: LPArrays | None = None
        self.moved_rows: np.ndarray = EMPTY

    def highs(self, k: int):
        """Stage ``k``'s instance, holding the current LP (made and passed on first use)."""
        highs = self._highs[k]
        if highs is None:
            highs = self._highs[k] = QuietHighs()
            if self.threads:
                highs.setOptionValue("threads", self.threads)
            self._pass(highs, self.current, k)
            if self._seed[k] is not None:
                highs.setBasis(self._seed[k])
            elif self.first_solver != "simplex":
                highs.setOptionValue("solver", self.first_solver)
            # HiGHS presolves only a model without a valid basis: the first, cold solve
            # of each stage; warm re-solves start from the basis.
        return highs

    def has_basis(self, k: int) -> bool:
        """Whether stage ``k``'s instance holds an optimal basis (it has run)."""
        return self._highs[k] is not None and self.dual_feasible[k]

    def made(self):
        """The instances made so far, with their stage positions."""
        return [(k, h) for k, h in enumerate(self._highs) if h is not None]

    @staticmethod
    def _pass(highs, arrays: LPArrays, k: int) -> None:
        import highspy

        p = arrays.pattern
        status = highs.passModel(p.n, p.m + FIXED_STAGES, int(p.index.size), int(highspy.MatrixFormat.kColwise),
                                 int(highspy.ObjSense.kMinimize), 0.0, arrays.costs[k],
                                 arrays.col_lower, arrays.col_upper, arrays.row_lower, arrays.row_upper,
                                 p.indptr, p.index, arrays.values, p.continuous)
        if status == highspy.HighsStatus.kError:
            raise SolveError("HiGHS rejected the model passed as matrices")

    def update(self, new: LPArrays, stats: dict[str, int]) -> None:
        """Pass only what differs between the LP the instances hold and ``new``."""
        old = self.current
        m = self.pattern.m
        cols = moved_positions(old.col_lower, old.col_upper, new.col_lower, new.col_upper)
        rows = moved_positions(old.row_lower[:m], old.row_upper[:m], new.row_lower[:m], new.row_upper[:m])
        self.previous, self.moved_rows = old, rows
        self.current = new
        made = self.made()
        same_values = new.values is old.values  # arrays described alike (see describe)
        coeffs = EMPTY if same_values else np.flatnonzero(new.values != old.values)
        if coeffs.size:
            self.vertices = [None] * len(STAGES)  # another matrix: another basis matrix
            self.dual_feasible = [False] * len(STAGES)
            self._matrix = None
        if coeffs.size > COEFF_LIMIT:
            stats["matrix_passes"] += 1
            for k, highs in made:
                basis = highs.getBasis()
                self._pass(highs, new, k)
                highs.setBasis(basis)
            return
        if cols.size:
            c32 = cols.astype(np.int32)
            lower, upper = new.col_lower[cols], new.col_upper[cols]
            for _, highs in made:
                highs.changeColsBounds(int(cols.size), c32, lower, upper)
        if rows.size:
            r32 = rows.astype(np.int32)
            lower, upper = new.row_lower[rows], new.row_upper[rows]
            for _, highs in made:
                highs.changeRowsBounds(int(rows.size), r32, lower, upper)
        if coeffs.size:
            stats["coefficient_changes"] += int(coeffs.size)
            row_of, col_of, value = self.pattern.index[coeffs], self.pattern.entry_cols[coeffs], new.values[coeffs]
            for _, highs in made:
                for r, c, v in zip(row_of.tolist(), col_of.tolist(), value.tolist()):
                    highs.changeCoeff(r, c, v)
        for k, highs in made:
            if new.costs[k] is old.costs[k]:
                continue
            changed = np.flatnonzero(new.costs[k] != old.costs[k])
            if changed.size:
                self.vertices[k] = None  # other costs: other duals
                self.dual_feasible[k] = False
                highs.changeColsCost(int(changed.size), changed.astype(np.int32), new.costs[k][changed])

    def bases(self) -> list:
        return [h.getBasis() if h is not None else None for h in self._highs]

    def matrix(self):
        """The constraint matrix the instances hold (fixing rows included), as scipy CSC."""
        if self._matrix is None:
            import scipy.sparse as sp

            p = self.pattern
            self._matrix = sp.csc_matrix((self.current.values, p.index, p.indptr), shape=(p.m + FIXED_STAGES, p.n))
        return self._matrix

    def moved_rows_since(self, vertex: Vertex, fixing: tuple[float, ...]) -> np.ndarray | None:
        """The rows whose bounds differ from the vertex's, if known without comparing them
        all: the vertex solves the LP held before the last update, whose rows were
        compared then; of the fixing rows (always free below), compare the upper bounds
        ``fixing`` here. None: unknown."""
        if vertex.lp is None or vertex.lp is not self.previous:
            return None
        m = self.pattern.m
        moved = [m + j for j in range(FIXED_STAGES) if vertex.fixing[j] != fixing[j]]
        if not moved:
            return self.moved_rows
        return np.concatenate([self.moved_rows, np.array(moved, dtype=np.int64)])


class _Infeasible(Exception):
    """The soft stage tried with no missing money has no solution: the hard stage is needed."""


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
        feasible; see ``move_vertex``) and if so take that basic solution without
        a HiGHS run (``stats["stage_runs_avoided"]``). Off: every stage is run.
    soft_from_hard : bool
        Start the soft stage from the hard stage's optimum by the primal simplex (as
        the later stages start from the one before), not afresh. Faster where every
        unit misses hard targets, so that its budget goes to them and the hard
        optimum is nearly the soft one (a district alone without transfers: 1 ms
        against 44 ms), slower where some units have money to spare (1,380
        communities under a tight ceiling: 1.3 s against 0.46 s).

    A new solver solves its first LP cold, so ``FastSolver().solve(lp)`` always gives
    the same answer for the same LP. Pass one solver to a series of related LPs to
    warm-start each from the last; :meth:`reset` drops the instances, so that what
    follows starts from the bases kept by :meth:`keep_bases` (or cold), which makes a
    run of scenarios independent of what was solved before it.
    """

    threads: int = 0
    first_solver: str = "simplex"
    reuse_vertices: bool = True
    soft_from_hard: bool = False
    stats: dict[str, int] = field(default_factory=lambda: {
        "solves": 0, "structures_built": 0, "stage_runs": 0, "stage_runs_avoided": 0, "cold_retries": 0,
        "hard_stages_skipped": 0, "matrix_passes": 0, "coefficient_changes": 0})
    _sets: OrderedDict = field(default_factory=OrderedDict, repr=False)
    _seed_bases: dict = field(default_factory=dict, repr=False)
    _last: LPArrays | None = field(default=None, repr=False)  # the last LP solved, as arrays

    def reset(self) -> None:
        """Forget every instance (the next solve of each structure starts afresh)."""
        self._sets.clear()

    def keep_bases(self) -> None:
        """Remember the current optimal bases: after :meth:`reset`, solves of the same
        structure start from them (e.g. the base scenario's, for every chunk of a batch)."""
        for key, stage_set in self._sets.items():
            self._seed_bases[key] = stage_set.bases()

    def solve(self, lp: LinearProgram, tolerance: float = 1e-7, stages: int = len(STAGES)) -> LPSolution:
        """The stages of ``lp`` (see :mod:`model.solve.stages`).

        Returns the primal values after the last stage solved, each stage's optimum
        and the row duals of every stage (per unit of the row's bound, unscaled).
        ``stages`` below 4 solves only the first ones (what-if analysis that needs
        only missing money or soft points).
        """
        started = time.perf_counter()
        arrays = self._last = describe(lp, like=self._last)
        key = arrays.pattern.key
        stage_set = self._sets.get(key)
        warm = stage_set is not None or key in self._seed_bases  # bases of an earlier solve to start from
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
        solved: dict[Stage, tuple[float, np.ndarray, float]] = {}  # value, scaled row duals, seconds
        x = None
        values: list[float] = []
        skipped = False
        if stages > SOFT and stage_set.skip_hard:
            try:
                # The hard stage taken as zero: proven so if the soft stage is feasible.
                # (The missing money held at exactly zero: tolerance 0 for this row.)
                t0 = time.perf_counter()
                x, row_dual = self._stage(stage_set, SOFT, [0.0], 0.0, may_fail=True)
                # All-zero duals: a dual optimum of the hard stage when its optimum is zero.
                solved[STAGES[HARD]] = (0.0, np.zeros(m), 0.0)
                values = [0.0, _objective_value(arrays.nonzero_costs[SOFT], arrays.nonzeros[SOFT], x)]
                solved[STAGES[SOFT]] = (values[SOFT], row_dual, time.perf_counter() - t0)
                self.stats["hard_stages_skipped"] += 1
                skipped = True
            except _Infeasible:
                stage_set.skip_hard = False
                stage_set.vertices[SOFT] = None
                # Its basis ended an infeasible run: the soft stage starts afresh after the
                # hard stage (presolved, 0.24 s on 1,380 communities against 0.63 s from it).
                stage_set.highs(SOFT).clearSolver()
        for k in range(len(values), stages):
            t0 = time.perf_counter()
            x, row_dual = self._stage(stage_set, k, values, tolerance)
            values.append(_objective_value(arrays.nonzero_costs[k], arrays.nonzeros[k], x))
            solved[STAGES[k]] = (values[k], row_dual, time.perf_counter() - t0)
            if k == HARD:
                # A zero optimum: later scenarios of this structure may skip the stage again.
                stage_set.skip_hard = values[HARD] <= fixing_slack(0.0, tolerance)
        self.stats["solves"] += 1
        return LPSolution(x=x, objectives={s: v for s, (v, _, _) in solved.items()},
                          duals={s: arrays.scales[STAGES.index(s)] * d[:m] for s, (_, d, _) in solved.items()},
                          solver="highs", solver_version=matrix_version(warm), seconds=time.perf_counter() - started,
                          stage_seconds={s: t for s, (_, _, t) in solved.items()},
                          # Copies of the few fixing rows' duals: the whole vectors need not stay alive.
                          last_prices=FixingPrices(arrays.scales, {s: d[m:].copy() for s, (_, d, _) in solved.items()},
                                                   values, tolerance, skipped))

    def _stage(self, stage_set: _StageSet, k: int, values: list[float], tolerance: float,
               may_fail: bool = False) -> tuple[np.ndarray, np.ndarray]:
        """Stage ``k`` with the earlier stages' optima ``values`` fixed: its optimal column
        values and (scaled) row duals, from the kept vertex when it is still optimal.
        ``may_fail``: raise :class:`_Infeasible` rather than retry when HiGHS ends otherwise."""
        arrays = stage_set.current
        m = arrays.pattern.m
        highs = stage_set.highs(k)
        # The fixing rows are free in arrays.row_upper: stage 1 reads it as it is.
        row_upper = arrays.row_upper.copy() if values else arrays.row_upper
        fixing = [np.inf] * FIXED_STAGES
        for j, value in enumerate(values):
            # Stage j's optimum, fixed within the tolerance (scaled like its objective).
            row_upper[m + j] = fixing[j] = (value + fixing_slack(value, tolerance)) / arrays.scales[j]
            highs.changeRowBounds(m + j, -np.inf, fixing[j])
        fixing = tuple(fixing)
        bounds = (arrays.col_lower, arrays.col_upper, arrays.row_lower, row_upper)
        vertex = stage_set.vertices[k]
        moved = None
        if self.reuse_vertices and vertex is not None:
            moved = move_vertex(highs, stage_set.matrix(), vertex, *bounds,
                                moved_rows=stage_set.moved_rows_since(vertex, fixing))
        if moved is not None:
            # The stage's optimal basis is still optimal (see move_vertex): same duals.
            self.stats["stage_runs_avoided"] += 1
            vertex = moved
        else:
            x, row_dual = self._run(stage_set, k, may_fail)
            vertex = Vertex(x, row_dual, *bounds)
        vertex.lp, vertex.fixing = arrays, fixing
        stage_set.vertices[k] = vertex
        return vertex.x, vertex.row_dual

    def _run(self, stage_set: _StageSet, k: int, may_fail: bool) -> tuple[np.ndarray, np.ndarray]:
        """Run HiGHS on stage ``k``; the optimal column values and (scaled) row duals."""
        highs = stage_set.highs(k)
        first = HARD if self.soft_from_hard else SOFT  # the stages after it start from the one before
        from_previous = k > first and not stage_set.dual_feasible[k] and stage_set.has_basis(k - 1)
        if from_previous:
            # No basis of its own yet, or costs or coefficients moved since it was
            # optimal (a Monte Carlo draw): the stage before's optimal vertex, just
            # found, lies on the face this stage searches (its optimum is fixed within
            # the tolerance), so it is a primal feasible start, and the primal simplex
            # walks along that face (1,380 communities, transfer stage: 2 iterations,
            # 0.1 s, against 1.5-2.6 s by the dual; a Monte Carlo draw: 1.3 ms
            # against 2.4 ms).
            highs.setBasis(stage_set.highs(k - 1).getBasis())
            highs.setOptionValue("solver", "simplex")
            highs.setOptionValue("simplex_strategy", SIMPLEX_PRIMAL)
        # Unless soft_from_hard, the soft stage's first run starts from scratch, with
        # presolve: the hard stage's basis says little about soft points (its costs are
        # on the missing money columns alone), and the dual simplex from it took
        # 1.8-2.7 s on 1,380 communities against 0.3-0.35 s presolved from scratch.
        self.stats["stage_runs"] += 1
        if not run_optimal(highs):
            if may_fail:
                stage_set.dual_feasible[k] = False
                raise _Infeasible
            # A warm start that went astray: solve the same stage again from scratch.
            self.stats["cold_retries"] += 1
            highs.clearSolver()
            if not run_optimal(highs):
                raise SolveError(f"HiGHS (matrix form) ended stage {k + 1} ({STAGES[k].value}) with status "
                                 f"{highs.modelStatusToString(highs.getModelStatus())}")
        stage_set.dual_feasible[k] = True
        if from_previous:
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
