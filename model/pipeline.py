"""The whole pipeline in one place: scenario -> inputs -> LP -> three-stage solve -> result.

A scenario is validated when it is loaded (:func:`model.load_scenario`), so by the
time it reaches :func:`solve` every value has been checked.
"""

from __future__ import annotations

from pathlib import Path

from .baselines import status_quo as solve_status_quo
from .constants import SolverName
from .formulation import formulate
from .inputs import build_inputs
from .results import Result, make_result
from .scenario import Scenario
from .solvers import solve_lexicographic


def solve(scenario: Scenario, solver: SolverName | str = SolverName.HIGHS,
          write_lp: str | Path | None = None, status_quo: bool = True) -> Result:
    """Allocate the city's transfers for ``scenario``.

    Parameters
    ----------
    scenario : Scenario
        A loaded (hence validated) scenario.
    solver : "highs" (default) or "cbc"
        The LP solver PuLP calls.
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
    form = formulate(inputs)
    solution = solve_lexicographic(form.lp, solver, tolerance=inputs.stage_tolerance,
                                   write_lp=Path(write_lp) if write_lp else None)
    baseline = solve_status_quo(scenario, inputs, solver) if status_quo else None
    return make_result(scenario, inputs, form, solution, status_quo=baseline)
