"""budgetsim: budget and subsidy allocation for residents' committees.

The public Python API, in one place (``docs/architecture.md`` shows the packages
behind it)::

    from model import load_scenario, solve
    scenario = load_scenario("scenarios/tianjin-2006.toml", {"city.ceiling_yuan.2007": 3e7})
    result = solve(scenario)              # HiGHS, matrix form; solver="cbc": the PuLP reference
    result.status, result.allocation, result.compliance, result.money

    from model import compute_frontier, sensitivity, diagnose, solve_baselines
    frontier = compute_frontier(scenario)           # what each total ceiling buys
    analysis = sensitivity(scenario, result)        # prices, ranges, the next million
    why = diagnose(scenario, result)                # None when every hard target is met

    store = open_store()                            # $BUDGETSIM_DB or ~/.local/share/budgetsim/
    run_id = store.record_run(result, scenario)     # the run history, read back as DataFrames
    store.runs().frame, store.run(run_id).tables["allocation"]

Batches (sweeps, Monte Carlo) are in :mod:`model.batch`; the command line in
:mod:`model.cli`.
"""

from .analysis.baselines import solve_baseline, solve_baselines
from .analysis.diagnosis import Diagnosis, diagnose
from .analysis.frontier import Frontier, compute_frontier
from .analysis.sensitivity import Sensitivity, sensitivity
from .constants import PROGRAMS, RULES, Program, Requirement, Rule, SolverName, Status
from .errors import OutputError, Problem, ScenarioError, SolveError
from .formulation.inputs import ModelInputs, build_inputs
from .io import DEFAULT_SCENARIO, SCENARIO_DIR, scenario_files, shipped_scenarios, write_result
from .pipeline import solve, solve_texts
from .results.result import Result
from .scenario.limits import plausibility_warnings
from .scenario.scenario import Override, Scenario, load_scenario, load_scenario_texts
from .version import __version__


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
