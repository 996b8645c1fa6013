"""budgetsim: budget and subsidy allocation for residents' committees.

The public API::

    from model import load_scenario, solve
    scenario = load_scenario("scenarios/tianjin-2006.toml", {"city.ceiling_yuan.2007": 3e7})
    result = solve(scenario)              # HiGHS; solver="cbc" for CBC
    result.status, result.allocation, result.compliance, result.money
"""

__version__ = "0.1.0"

from .constants import PROGRAMS, Program, Requirement, SolverName, Status  # noqa: E402
from .errors import Problem, ScenarioError, SolveError  # noqa: E402
from .inputs import ModelInputs, build_inputs  # noqa: E402
from .io import DEFAULT_SCENARIO, SCENARIO_DIR, scenario_files, shipped_scenarios, write_result  # noqa: E402
from .pipeline import solve  # noqa: E402
from .results import Result  # noqa: E402
from .scenario import Override, Scenario, load_scenario, load_scenario_texts  # noqa: E402
from .baselines import RULES, Rule, solve_baseline, solve_baselines  # noqa: E402
from .diagnosis import Diagnosis, diagnose  # noqa: E402
from .frontier import Frontier, compute_frontier  # noqa: E402
from .sensitivity import Sensitivity, sensitivity  # noqa: E402

__all__ = [
    "PROGRAMS", "ModelInputs", "Override", "Problem", "Program", "Requirement", "Result",
    "Scenario", "ScenarioError", "SolveError", "SolverName", "Status", "build_inputs",
    "load_scenario", "load_scenario_texts", "solve", "__version__", "DEFAULT_SCENARIO",
    "SCENARIO_DIR", "scenario_files", "shipped_scenarios", "write_result", "solve_texts",
    "RULES", "Rule", "solve_baseline", "solve_baselines", "Diagnosis", "diagnose", "Frontier",
    "compute_frontier", "Sensitivity", "sensitivity",
]


def solve_texts(name: str, files: dict[str, str], overrides=(), solver: str = "highs") -> Result:
    """Load a scenario from file texts (as the app holds them) and solve it."""
    scenario = load_scenario_texts(name, lambda n: files[n], overrides, origin="app")
    return solve(scenario, solver=solver)
