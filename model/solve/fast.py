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

import time
from collections import OrderedDict
from dataclasses import dataclass, field

import numpy as np

from ..constants import Stage
from ..errors import SolveError
from ..formulation.lp import LinearProgram
from .arrays import LPArrays, describe
from .highs import QuietHighs, matrix_version, run_optimal
from .stages import STAGES, LPSolution
from .vertex import EMPTY, Vertex, move_vertex, moved_positions

#: Changed coefficients up to this many are passed one by one (``changeCoeff``);
#: beyond it the matrix is passed again (measured: both cost about the same near here).
COEFF_LIMIT = 200

#: Structures whose instances are kept per solver.
MAX_STRUCTURES = 4
# HiGHS's simplex_strategy values: the dual simplex (its default) and the primal one.
SIMPLEX_DUAL, SIMPLEX_PRIMAL = 1, 4


def _moved_rows(stage_set: _StageSet, vertex: Vertex, fixing: list[float]) -> np.ndarray | None:
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


class _StageSet:
    """Three HiGHS instances holding one structure, one per stage."""

    def __init__(self, arrays: LPArrays, threads: int, first_solver: str, bases=None):
        self.pattern = arrays.pattern
        self.highs = []
        for k in range(len(STAGES)):
            highs = QuietHighs()
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
        self.vertices: list[Vertex | None] = [None] * len(STAGES)
        self._matrix = None
        # The LP held before the last update, and the rows (fixing rows aside) whose
        # bounds differ between it and the current one.
        self.previous: LPArrays | None = None
        self.moved_rows: np.ndarray = EMPTY

    @staticmethod
    def _pass(highs, arrays: LPArrays, k: int) -> None:
        import highspy

        p = arrays.pattern
        status = highs.passModel(p.n, p.m + 2, int(p.index.size), int(highspy.MatrixFormat.kColwise),
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
        same_values = new.values is old.values  # arrays described alike (see describe)
        coeffs = EMPTY if same_values else np.flatnonzero(new.values != old.values)
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
        feasible; see ``move_vertex``) and if so take that basic solution without
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
    _last: LPArrays | None = field(default=None, repr=False)  # the last LP solved, as arrays

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
                moved = move_vertex(highs, stage_set.matrix(), vertex, *bounds,
                                     moved_rows=_moved_rows(stage_set, vertex, fixing))
            if moved is not None:
                # The stage's optimal basis is still optimal (see move_vertex): same duals.
                self.stats["stage_runs_avoided"] += 1
                x, row_dual = moved.x, moved.row_dual
                stage_set.vertices[k] = moved
            else:
                x, row_dual = self._run_stage(stage_set, k, stage)
                stage_set.vertices[k] = Vertex(x, row_dual, *bounds)
            stage_set.vertices[k].lp = arrays
            stage_set.vertices[k].fixing = tuple(fixing)
            value = _objective_value(arrays.nonzero_costs[k], arrays.nonzeros[k], x)
            values.append(value)
            objectives[stage] = value
            duals[stage] = arrays.scales[k] * row_dual[:m]
            stage_seconds[stage] = time.perf_counter() - t0
        self.stats["solves"] += 1
        return LPSolution(x=x, objectives=objectives, duals=duals, solver="highs",
                          solver_version=matrix_version(), seconds=time.perf_counter() - started,
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
        if not run_optimal(highs):
            # A warm start that went astray: solve the same stage again from scratch.
            self.stats["cold_retries"] += 1
            highs.clearSolver()
            if not run_optimal(highs):
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


