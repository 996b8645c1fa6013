"""One object that solves LPs the way the product does: HiGHS in matrix form, or CBC.

Analysis asks many questions of one model (other ceilings, a requirement scaled,
money added). A :class:`Resolver` answers them with one
:class:`~model.solve.fast.FastSolver`, so each solve warm-starts from the optimal
bases of the one before; with ``"cbc"`` each is a PuLP + CBC solve of the reference.
Either way the stages, their scaling and the fixing of each optimum are the same.
"""

from __future__ import annotations

from ..constants import SolverName
from ..formulation.lp import LinearProgram
from .fast import FastSolver
from .reference import solve_reference
from .stages import STAGES, LPSolution


class Resolver:
    """Solves many LPs with ``solver`` ("highs", warm-started, or "cbc").

    Create one per analysis (or per run) and pass it where a solver is asked for, so
    that its solves warm-start each other.
    """

    def __init__(self, solver: SolverName | str = SolverName.HIGHS, soft_from_hard: bool = False):
        self.name = SolverName(solver)
        self.fast = FastSolver(soft_from_hard=soft_from_hard) if self.name == SolverName.HIGHS else None

    def solve(self, lp: LinearProgram, stages: int = len(STAGES), tolerance: float = 1e-7) -> LPSolution:
        """The first ``stages`` stages of ``lp``, warm-started from the previous solve."""
        if self.fast is not None:
            return self.fast.solve(lp, tolerance, stages=stages)
        return solve_reference(lp, tolerance, stages=stages)

    def cold(self, lp: LinearProgram, stages: int = len(STAGES), tolerance: float = 1e-7) -> LPSolution:
        """The same solved from scratch, exactly as :func:`model.solve` solves a scenario.

        For the point a price is quoted at: where the optimum has a kink there, its
        left and right slopes are both valid duals, and a warm start may report the
        other one than the scenario's own (cold) solve does.
        """
        if self.fast is not None:
            return FastSolver(soft_from_hard=self.fast.soft_from_hard).solve(lp, tolerance, stages=stages)
        return solve_reference(lp, tolerance, stages=stages)


def resolver(solver: SolverName | str | Resolver) -> Resolver:
    """``solver`` itself if it is a :class:`Resolver`, else a new one for that solver."""
    return solver if isinstance(solver, Resolver) else Resolver(solver)
