"""budgetsim: budget and subsidy allocation for residents' committees.

The public Python API, in one place (``docs/architecture.md`` shows the packages
behind it)::

    from model import load_scenario, solve
    scenario = load_scenario("scenarios/tianjin-2006.toml", {"city.ceiling_yuan.2007": 3e7})
    result = solve(scenario)              # HiGHS, matrix form; solver="cbc": the PuLP reference
    result.status, result.allocation, result.compliance, result.money
    result.run_id                         # recorded in the store; solve(..., record=False): not

    from model import compute_frontier, sensitivity, diagnose, solve_baselines
    frontier = compute_frontier(scenario)           # what each total ceiling buys
    analysis = sensitivity(scenario, result)        # prices, ranges, the next million
    why = diagnose(scenario, result)                # None when every hard target is met

    store = open_store()                            # $BUDGETSIM_DB or ~/.local/share/budgetsim/
    store.runs().frame, store.run(result.run_id).tables["allocation"]   # the history as DataFrames

Batches (sweeps, Monte Carlo) are in :mod:`model.batch`; the command line in
:mod:`model.cli`.
"""

import os

from .analysis.baselines import solve_baseline, solve_baselines
from .analysis.diagnosis import Diagnosis, diagnose
from .analysis.frontier import Frontier, compute_frontier
from .analysis.sensitivity import Sensitivity, sensitivity
from .constants import PROGRAMS, RULES, Program, Requirement, Rule, SolverName, Status
from .errors import OutputError, Problem, ScenarioError, SolveError
from .formulation.inputs import ModelInputs, build_inputs
from .io import DEFAULT_SCENARIO, SCENARIO_DIR, scenario_files, shipped_scenarios, write_result
from .pipeline import solve as _solve_unrecorded  # the same solve, recorded by solve() below
from .pipeline import solve_texts
from .results.result import Result
from .scenario.limits import plausibility_warnings
from .scenario.scenario import Override, Scenario, load_scenario, load_scenario_texts
from .version import __version__


def solve(scenario: Scenario, solver=SolverName.HIGHS, write_lp=None, status_quo: bool = True, method="auto",
          runner=None, *, record: bool | str | os.PathLike = True, certify: bool = False) -> Result:
    """Allocate the city's transfers for ``scenario`` (:func:`model.pipeline.solve`, whose
    parameters these are) and record the run in the store, as ``budgetsim run`` does.

    ``record``: True (the default) records into the store of ``$BUDGETSIM_DB`` or the
    default file; a path or database URL names another store; False records nothing (the
    command line's ``--no-record``). The run's id is ``result.run_id`` (None when not
    recorded). A store that cannot be written raises :class:`~model.errors.StoreError`
    naming it, after the solve: ``record=False`` gives the result without the store.
    """
    result = _solve_unrecorded(scenario, solver=solver, write_lp=write_lp, status_quo=status_quo, method=method,
                               runner=runner, certify=certify)
    if record is not False:
        from .store.recorder import Recorder  # SQLAlchemy only when the store needs it

        with Recorder(None if record is True else record, fork=False) as recorder:
            result.run_id = recorder.record_run(result, scenario, source="api")
    return result


def __getattr__(name: str):
    # The store (SQLAlchemy) is imported when first used, not with every ``import model``.
    if name in ("Store", "open_store"):
        from . import store

        return getattr(store, name)
    raise AttributeError(f"module 'model' has no attribute {name!r}")

__all__ = [
    "PROGRAMS", "ModelInputs", "Override", "Problem", "Program", "Requirement", "Result",
    "Scenario", "ScenarioError", "SolveError", "OutputError", "SolverName", "Status", "build_inputs",
    "load_scenario", "load_scenario_texts", "solve", "__version__", "DEFAULT_SCENARIO",
    "SCENARIO_DIR", "scenario_files", "shipped_scenarios", "write_result", "solve_texts",
    "RULES", "Rule", "solve_baseline", "solve_baselines", "Diagnosis", "diagnose", "Frontier",
    "compute_frontier", "Sensitivity", "sensitivity", "Store", "open_store", "plausibility_warnings",
]
