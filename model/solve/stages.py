"""The lexicographic stages and what a solve of them returns, whichever solver ran it.

Each stage minimises its objective (scaled to a largest coefficient of 1: solvers
judge optimality by absolute tolerances, and soft points per yuan are as small as
1e-6); its optimum is then fixed for the stages after it by a row
``stage<k>_optimum``: objective at most the optimum plus :func:`fixing_slack`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from ..constants import Stage

STAGES: tuple[Stage, ...] = (Stage.HARD, Stage.SOFT, Stage.TRANSFERS, Stage.TIE_BREAK)

#: Stages whose optimum is fixed for the later ones (all but the last).
FIXED_STAGES = len(STAGES) - 1


def fixing_slack(value: float, tolerance: float) -> float:
    """How far a later stage may let an earlier stage's optimum ``value`` slip:
    ``tolerance`` relative to it (absolute below 1), the scenario's ``solver.stage_tolerance``."""
    return tolerance * max(1.0, abs(value))


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
    #: The earlier stages' optima were held to this multiple of the stage tolerance: 1,
    #: unless a decomposed solve's master had to widen its fixing rows (see
    #: :data:`model.solve.decomposed.WIDENING`).
    tolerance_factor: float = 1.0
    #: Per stage HiGHS solved, the prices a certificate needs besides ``duals`` (see
    #: :class:`LastPrices` and :mod:`model.solve.certificate`): a decomposed stage's last
    #: pricing round; a whole LP's rows fixing earlier optima.
    last_prices: Mapping[Stage, LastPrices] = field(default_factory=dict)


@dataclass(frozen=True)
class LastPrices:
    """The prices of a stage beyond its rows' duals, per unit of each row and of the stage's
    (unscaled) objective: for a decomposed stage those of its last pricing round (with the
    districts' duals in :attr:`LPSolution.duals`, from that round, they price every row that
    links the districts); for a whole LP, its rows fixing earlier optima (no linking rows:
    ``duals`` holds the ceilings')."""

    link_rows: np.ndarray  #: positions of the linking rows (the ceilings) in the LP
    link: np.ndarray  #: their prices in that round (in place of ``duals``' at those rows)
    #: Each row fixing an earlier stage's optimum (``c_j x <= bound``): (its price, bound).
    #: A skipped hard stage has no row: its missing money is held at zero.
    fixing: dict[Stage, tuple[float, float]]


class FixingPrices(Mapping):
    """Each stage run's prices of its rows fixing earlier optima, per unit of its unscaled
    objective and of the row, with the rows' bounds: what a certificate needs besides the
    rows' duals (:mod:`model.solve.certificate`), as a whole LP's :attr:`LPSolution.last_prices`
    (:class:`~model.solve.fast.FastSolver`; ``fixing_duals``: each stage's scaled duals of its
    fixing rows, one per earlier stage; ``scales``: each stage objective's divisor). Made when
    first read: a batch's solves never read them (25 us of a 480 us solve otherwise). A
    skipped hard stage ran no LP: none; the soft stage after it held the missing money at
    exactly zero."""

    def __init__(self, scales, fixing_duals: dict[Stage, np.ndarray], values: list[float], tolerance: float,
                 skipped: bool):
        self._made: dict[Stage, LastPrices] | None = None
        self._from = (scales, fixing_duals, values, tolerance, skipped)

    def _prices(self) -> dict[Stage, LastPrices]:
        if self._made is None:
            scales, fixing_duals, values, tolerance, skipped = self._from
            self._made = {}
            for k, stage in enumerate(STAGES):
                if stage not in fixing_duals or (stage == Stage.HARD and skipped):
                    continue
                row_dual = fixing_duals[stage]
                fixing = {}
                for j in range(k):
                    held = skipped and STAGES[j] == Stage.HARD and stage == Stage.SOFT  # exactly zero
                    slack = 0.0 if held else fixing_slack(values[j], tolerance)
                    fixing[STAGES[j]] = (float(row_dual[j]) * scales[k] / scales[j], values[j] + slack)
                self._made[stage] = LastPrices(np.zeros(0, dtype=np.int64), np.zeros(0), fixing)
        return self._made

    def __getitem__(self, stage: Stage) -> LastPrices:
        return self._prices()[stage]

    def __iter__(self):
        return iter(self._prices())

    def __len__(self) -> int:
        return len(self._prices())
