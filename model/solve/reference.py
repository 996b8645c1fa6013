"""Solving the lexicographic LP through PuLP, with HiGHS (default) or CBC.

:func:`solve_lexicographic` takes a :class:`~model.formulation.LinearProgram`,
writes it once as a PuLP problem with the same names, and solves it three times:
each stage minimises its objective, then a row ``stage<k>_optimum`` fixes that
optimum (within ``stage_tolerance``) for the stages after it. Values and duals are
read only after the solver reports an optimal status.
"""

from __future__ import annotations

import math
import time
from pathlib import Path

import numpy as np
import pulp

from ..constants import SolverName, Stage
from ..errors import SolveError
from ..formulation.lp import LinearProgram
from ..io import write_lp_file
from .highs import QuietHighs, solver_version
from .stages import STAGES, LPSolution


class QuietHiGHS(pulp.HiGHS):
    """PuLP's HiGHS interface, without HiGHS's start-up banner on standard output."""

    def createAndConfigureSolver(self, lp):  # noqa: N802 - PuLP's name
        lp.solverModel = QuietHighs()
        if self.msg:
            lp.solverModel.setOptionValue("output_flag", True)
        if self.threads is not None:
            lp.solverModel.setOptionValue("threads", self.threads)
        if self.timeLimit is not None:
            lp.solverModel.setOptionValue("time_limit", float(self.timeLimit))
        for key, value in self.optionsDict.items():
            lp.solverModel.setOptionValue(key, value)


def make_solver(name: SolverName | str) -> pulp.LpSolver:
    """The PuLP solver object for ``name`` ("highs" or "cbc"); never a silent substitute."""
    name = SolverName(name)
    if name == SolverName.HIGHS:
        return QuietHiGHS(msg=False, mip=False)
    import cbcbox

    return pulp.COIN_CMD(path=cbcbox.cbc_bin_path(), msg=False, mip=False)


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


def solve_lexicographic(lp: LinearProgram, solver: SolverName | str = SolverName.HIGHS,
                        tolerance: float = 1e-7, write_lp: Path | None = None,
                        stages: int = 3) -> LPSolution:
    """Solve the three stages in turn (see the module docstring).

    Parameters
    ----------
    lp : LinearProgram
        The model, with one objective per stage.
    solver : "highs" or "cbc"
    tolerance : float
        Relative slack on each fixed stage optimum (absolute below 1).
    write_lp : path, optional
        Write the final-stage problem (all rows, both fixing rows, the transfer
        objective) as an LP file.
    stages : 1, 2 or 3
        Solve only the first ``stages`` stages (analysis that needs the missing
        money or the soft points need not pay for the transfer stage).

    Raises
    ------
    SolveError
        If any stage does not end optimal (the model always has a feasible point,
        so this means a solver failure, not an infeasible policy).
    """
    solver = SolverName(solver)
    started = time.perf_counter()
    problem, variables, constraints = to_pulp(lp)
    backend = make_solver(solver)
    objectives: dict[Stage, float] = {}
    duals: dict[Stage, np.ndarray] = {}
    stage_seconds: dict[Stage, float] = {}
    for number, stage in enumerate(STAGES[:stages], start=1):
        t0 = time.perf_counter()
        c = lp.objective(stage)
        # Solvers judge optimality by absolute reduced-cost tolerances (about 1e-7):
        # soft points per yuan are as small as 1e-6, so each objective is solved
        # scaled to a largest coefficient of 1, and its values scaled back.
        scale = float(np.abs(c).max()) or 1.0
        problem.setObjective(_expression(variables, c / scale))
        status = problem.solve(backend)
        if status != pulp.LpStatusOptimal:
            raise SolveError(f"{solver.value} ended stage {number} ({stage.value}) with status "
                             f"{pulp.LpStatus.get(status, status)}")
        value = float(sum(c[j] * (variables[j].varValue or 0.0) for j in np.flatnonzero(c)))
        objectives[stage] = value
        if solver == SolverName.HIGHS:
            duals[stage] = scale * np.array([c_.pi if c_.pi is not None else np.nan for c_ in constraints])
        else:
            duals[stage] = np.full(len(constraints), np.nan)
        stage_seconds[stage] = time.perf_counter() - t0
        if number < stages:
            slack = tolerance * max(1.0, abs(value))
            fix = pulp.LpConstraint(_expression(variables, c / scale), pulp.LpConstraintLE,
                                    rhs=(value + slack) / scale, name=f"stage{number}_optimum")
            problem.addConstraint(fix)
    x = np.array([v.varValue if v.varValue is not None else 0.0 for v in variables])
    if write_lp is not None:
        write_lp_file(problem, Path(write_lp))
    return LPSolution(x=x, objectives=objectives, duals=duals, solver=solver.value,
                      solver_version=solver_version(solver), seconds=time.perf_counter() - started,
                      stage_seconds=stage_seconds)
