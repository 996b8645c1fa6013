"""The PuLP reference: the same LP written as a PuLP problem, solved by CBC, or written out.

PuLP is kept for what it is good at. :func:`solve_reference` writes the
:class:`~model.formulation.lp.LinearProgram` once as a PuLP problem with the same
names and solves its stages with CBC, an independent solver the tests compare the
matrix-form HiGHS path against (``--solver cbc``): each stage minimises its objective,
then a row ``stage<k>_optimum`` fixes that optimum (within the stage tolerance) for
the stages after it, as :mod:`model.solve.stages` says. Values are read only after
CBC reports an optimal status. :func:`write_lp` writes the final stage of a solved LP
as a CPLEX LP file a person can read constraint by constraint (``--write-lp``).
"""

from __future__ import annotations

import functools
import math
import time
from pathlib import Path

import numpy as np
import pulp

from ..constants import Stage
from ..errors import SolveError
from ..formulation.lp import LinearProgram
from ..io import write_lp_file
from .stages import STAGES, LPSolution, fixing_slack


class _CBC(pulp.COIN_CMD):
    """PuLP's interface to CBC that also keeps the objective value CBC reports.

    CBC's solution file gives each value to 8 significant digits (half a yuan on a
    50-million-yuan row) but the objective to 8 decimals: the stage optimum fixed for
    the later stages is that one (the later stages turn an error of 3e-8 in the soft
    optimum into hundreds of yuan of transfers).
    """

    objective_value: float | None = None

    def readsol_MPS(self, filename, *args, **kwargs):  # noqa: N802 - PuLP's name
        self.objective_value = None
        with open(filename, encoding="utf-8", errors="replace") as f:
            head = f.readline()
        if "objective value" in head:
            try:
                self.objective_value = float(head.rsplit("objective value", 1)[1].split()[0])
            except (IndexError, ValueError):
                self.objective_value = None
        return super().readsol_MPS(filename, *args, **kwargs)


def cbc_solver() -> _CBC:
    """PuLP's interface to the CBC binary its wheel ships (LP only, no log).

    ``dualSimplex`` runs CBC's dual simplex to optimality: without it the
    ``initialSolve`` PuLP asks for stopped short of the optimum by 3e-8 of the soft
    points on the tight-ceiling scenario (0.001 points, which the transfer stage turns
    into hundreds of yuan), while HiGHS's answer was feasible to 4e-9 and better.
    (The newer CBC of the ``cbcbox`` package was tried and dropped: its bound
    tightening declared a district's feasible transfer stage infeasible.)
    """
    from pulp.apis.coin_api import pulp_cbc_path

    return _CBC(path=pulp_cbc_path, msg=False, mip=False, options=["dualSimplex"])


@functools.cache
def cbc_version() -> str:
    """``cbc 2.10.3 (PuLP 3.3.2)``: the version the binary prints."""
    import subprocess

    from pulp.apis.coin_api import pulp_cbc_path

    try:
        banner = subprocess.run([pulp_cbc_path, "-quit"], capture_output=True, text=True, timeout=10).stdout
        version = next(line.split(":", 1)[1].strip() for line in banner.splitlines() if line.startswith("Version"))
    except (OSError, StopIteration, subprocess.SubprocessError):  # pragma: no cover - install problem
        version = "unknown"
    return f"cbc {version} (PuLP {pulp.__version__}, reference)"


def to_pulp(lp: LinearProgram) -> tuple[pulp.LpProblem, list[pulp.LpVariable], list[pulp.LpConstraint]]:
    """The PuLP problem for ``lp``: same column and row names, no objective yet."""
    problem = pulp.LpProblem("budgetsim", pulp.LpMinimize)
    col_lo, col_up, row_lo, row_up = lp.bounds()
    variables = [
        problem.add_variable(name, lowBound=lo if math.isfinite(lo) else None,
                             upBound=up if math.isfinite(up) else None)
        for name, lo, up in zip(lp.column_names(), col_lo, col_up)
    ]
    matrix = lp.matrix()
    constraints = []
    for i, name in enumerate(lp.row_names()):
        start, stop = matrix.indptr[i], matrix.indptr[i + 1]
        expr = pulp.LpAffineExpression(
            [(variables[j], float(v)) for j, v in zip(matrix.indices[start:stop], matrix.data[start:stop])])
        lo, up = row_lo[i], row_up[i]
        if lo == up:
            sense, rhs = pulp.LpConstraintEQ, lo
        elif math.isfinite(lo) and not math.isfinite(up):
            sense, rhs = pulp.LpConstraintGE, lo
        elif math.isfinite(up) and not math.isfinite(lo):
            sense, rhs = pulp.LpConstraintLE, up
        else:
            raise ValueError(f"row {name} must have exactly one finite bound")
        constraint = pulp.LpConstraint(expr, sense, rhs=float(rhs), name=name)
        problem.addConstraint(constraint)
        constraints.append(constraint)
    return problem, variables, constraints


def _expression(variables: list[pulp.LpVariable], c: np.ndarray) -> pulp.LpAffineExpression:
    nz = np.flatnonzero(c)
    return pulp.LpAffineExpression([(variables[j], float(c[j])) for j in nz])


#: CBC solves each stage scaled to this largest cost (HiGHS: 1). CBC judges reduced
#: costs by an absolute tolerance, and with a largest cost of 1 it stopped 0.03 points
#: (8e-7) short of the soft optimum on 1,380 communities, whose smallest soft costs
#: are a thousandth of the largest; at 1000 it reaches HiGHS's optimum to 1e-13.
CBC_LARGEST_COST = 1e3


def _scale(c: np.ndarray) -> float:
    """The divisor that scales a stage's objective for CBC (see :data:`CBC_LARGEST_COST`)."""
    return (float(np.abs(c).max()) or 1.0) / CBC_LARGEST_COST


def _fix(problem: pulp.LpProblem, variables, lp: LinearProgram, number: int, value: float,
         tolerance: float) -> None:
    """Add the row ``stage<number>_optimum``: stage ``number``'s objective at most its optimum
    ``value`` plus the slack."""
    c = lp.objective(STAGES[number - 1])
    scale = float(np.abs(c).max()) or 1.0  # the row at a largest coefficient of 1, as HiGHS holds it
    problem.addConstraint(pulp.LpConstraint(_expression(variables, c / scale), pulp.LpConstraintLE,
                                            rhs=(value + fixing_slack(value, tolerance)) / scale,
                                            name=f"stage{number}_optimum"))


def solve_reference(lp: LinearProgram, tolerance: float = 1e-7, stages: int = len(STAGES)) -> LPSolution:
    """Solve the stages of ``lp`` in turn with CBC through PuLP (see the module docstring).

    Row duals are NaN: CBC's command-line solution file gives all-zero row duals after
    its dual simplex (seen on the hand-solved test case), so budgetsim does not report
    them rather than report wrong ones.

    Raises
    ------
    SolveError
        If any stage does not end optimal (the model always has a feasible point,
        so this means a solver failure, not an infeasible policy).
    """
    started = time.perf_counter()
    problem, variables, constraints = to_pulp(lp)
    backend = cbc_solver()
    objectives: dict[Stage, float] = {}
    stage_seconds: dict[Stage, float] = {}
    for number, stage in enumerate(STAGES[:stages], start=1):
        t0 = time.perf_counter()
        c = lp.objective(stage)
        scale = _scale(c)
        problem.setObjective(_expression(variables, c / scale))
        status = problem.solve(backend)
        if status != pulp.LpStatusOptimal:
            raise SolveError(f"cbc ended stage {number} ({stage.value}) with status "
                             f"{pulp.LpStatus.get(status, status)}")
        if backend.objective_value is not None:
            objectives[stage] = backend.objective_value * scale  # CBC's own, to 8 decimals (see _CBC)
        else:  # pragma: no cover - a solution file without the objective
            objectives[stage] = float(sum(c[j] * (variables[j].varValue or 0.0) for j in np.flatnonzero(c)))
        stage_seconds[stage] = time.perf_counter() - t0
        if number < stages:
            _fix(problem, variables, lp, number, objectives[stage], tolerance)
    x = np.array([v.varValue if v.varValue is not None else 0.0 for v in variables])
    nan = np.full(len(constraints), np.nan)
    return LPSolution(x=x, objectives=objectives, duals={s: nan for s in objectives}, solver="cbc",
                      solver_version=cbc_version(), seconds=time.perf_counter() - started,
                      stage_seconds=stage_seconds)


def write_lp(lp: LinearProgram, solution: LPSolution, path: Path, tolerance: float = 1e-7) -> None:
    """Write the final stage of ``lp`` as solved: every row, the rows fixing the earlier
    stages' optima of ``solution``, and the last stage's objective (a CPLEX LP file)."""
    problem, variables, _ = to_pulp(lp)
    solved = [s for s in STAGES if s in solution.objectives]
    for number, stage in enumerate(solved[:-1], start=1):
        _fix(problem, variables, lp, number, solution.objectives[stage], tolerance)
    last = lp.objective(solved[-1])
    problem.setObjective(_expression(variables, last / _scale(last)))
    write_lp_file(problem, Path(path))
