"""What a bureau would get without the optimiser, measured by the same metrics.

The status quo: the city transfers nothing and each district spends its own budget
by the same rules as in the optimised plan (hard targets first, then soft gaps by
their weights), i.e. the same LP with every ceiling set to zero.
"""

from __future__ import annotations

import numpy as np

from .constants import SolverName
from .formulation import formulate
from .inputs import ModelInputs
from .results import Result, make_result
from .scenario import Scenario
from .solvers import solve_lexicographic


def status_quo(scenario: Scenario, inputs: ModelInputs, solver: SolverName | str = SolverName.HIGHS) -> Result:
    """The scenario with no city transfers at all."""
    no_transfers = inputs.with_ceiling(np.zeros_like(inputs.ceiling), total_ceiling=0.0)
    form = formulate(no_transfers)
    solution = solve_lexicographic(form.lp, solver, tolerance=no_transfers.stage_tolerance)
    return make_result(scenario, no_transfers, form, solution)
