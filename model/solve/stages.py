"""The lexicographic stages and what a solve of them returns, whichever solver ran it."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..constants import Stage

STAGES: tuple[Stage, ...] = (Stage.HARD, Stage.SOFT, Stage.TRANSFERS)


@dataclass
class LPSolution:
    """Primal values after the last stage, and each stage's optimum and row duals.

    ``duals[stage]`` holds, for every row of the LP (not the stage-fixing rows),
    the change of that stage's (minimised) objective per unit increase of the row's
    bound, as HiGHS reports it. With CBC they are NaN: CBC's command-line solution
    file gives all-zero row duals after its dual simplex (seen on the hand-solved
    test case), so budgetsim does not report them rather than report wrong ones.
    """

    x: np.ndarray
    objectives: dict[Stage, float]
    duals: dict[Stage, np.ndarray]
    solver: str
    solver_version: str
    seconds: float
    stage_seconds: dict[Stage, float] = field(default_factory=dict)
