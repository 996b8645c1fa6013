"""The whole pipeline in one place: scenario -> inputs -> LP -> lexicographic solve -> result.

A scenario is validated when it is loaded (:func:`model.load_scenario`), so by the
time it reaches :func:`solve` every value has been checked.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .constants import Rule, SolverName
from .formulation.build import formulate
from .formulation.inputs import ModelInputs, build_inputs
from .results.result import Result
from .results.tables import as_baseline, make_result
from .scenario.scenario import Scenario, load_scenario_texts
from .solve.fast import FastSolver
from .solve.reference import solve_lexicographic


def solve(scenario: Scenario, solver: SolverName | str = SolverName.HIGHS,
          write_lp: str | Path | None = None, status_quo: bool = True) -> Result:
    """Allocate the city's transfers for ``scenario``.

    Parameters
    ----------
    scenario : Scenario
        A loaded (hence validated) scenario.
    solver : "highs" (default) or "cbc"
        The LP solver.
    write_lp : path, optional
        Also write the final-stage LP to this file.
    status_quo : bool
        Also solve the no-transfer baseline and attach it as ``result.status_quo``.

    Returns
    -------
    Result
        Status ``optimal`` or ``hard_targets_unmet`` (with the missing money);
        both are answers. Solver failures raise :class:`~model.errors.SolveError`.
    """
    inputs = build_inputs(scenario)
    baseline = solve_status_quo(scenario, inputs, solver) if status_quo else None
    return solve_inputs(scenario, inputs, solver, write_lp=write_lp, status_quo=baseline)


def solve_inputs(scenario: Scenario, inputs: ModelInputs, solver: SolverName | str = SolverName.HIGHS,
                 write_lp: str | Path | None = None, status_quo: Result | None = None) -> Result:
    """The result of ``scenario`` for prepared (possibly edited) ``inputs``."""
    form = formulate(inputs)
    solution = solve_lexicographic(form.lp, solver, tolerance=inputs.stage_tolerance,
                                   write_lp=Path(write_lp) if write_lp else None)
    return make_result(scenario, inputs, form, solution, status_quo=status_quo)


def solve_status_quo(scenario: Scenario, inputs: ModelInputs, solver: SolverName | str = SolverName.HIGHS) -> Result:
    """The scenario with no city transfers at all (the first of the rule-based baselines)."""
    no_transfers = inputs.with_ceiling(np.zeros_like(inputs.ceiling), total_ceiling=0.0)
    grant = np.zeros((len(inputs.districts), len(inputs.years)))
    return as_baseline(solve_inputs(scenario, no_transfers, solver), Rule.STATUS_QUO, inputs, grant)


def solve_texts(name: str, files: dict[str, str], overrides=(), solver: SolverName | str = SolverName.HIGHS) -> Result:
    """Load a scenario from file texts (as the app holds them) and solve it."""
    return solve(load_scenario_texts(name, lambda n: files[n], overrides, origin="app"), solver=solver)


def solve_fast(scenario: Scenario, solver: FastSolver | None = None, status_quo: bool = False) -> Result:
    """Like :func:`solve`, through the matrix-form solver (a :class:`Result`)."""
    solver = solver or FastSolver()
    inputs = build_inputs(scenario)
    form = formulate(inputs)
    solution = solver.solve(form.lp, inputs.stage_tolerance)
    baseline = None
    if status_quo:
        no_transfers = inputs.with_ceiling(np.zeros_like(inputs.ceiling), total_ceiling=0.0)
        sq_form = formulate(no_transfers)
        baseline = make_result(scenario, no_transfers, sq_form,
                               solver.solve(sq_form.lp, no_transfers.stage_tolerance))
    return make_result(scenario, inputs, form, solution, status_quo=baseline)
