"""A batch point's record: the figures of one solve as one row of numbers, computed
without DataFrames (the same figures :func:`~model.results.tables.make_result` gives)."""

from __future__ import annotations

import numpy as np

from ..constants import PROGRAMS, Stage
from ..formulation.allocation import Formulation
from ..formulation.inputs import (
    ModelInputs,
)
from ..results.compliance import ComplianceCounter
from ..results.result import UNMET_TOLERANCE_YUAN
from ..results.tables import prices_of_duals
from ..solve.stages import LPSolution


def record_columns(years: list[int]) -> list[str]:
    """Names of a point's record, in order (money in yuan, shares as fractions)."""
    columns = ["hard_targets_met", "missing_yuan", "soft_points", "transfers_yuan"]
    columns += [f"transfers_yuan_{y}" for y in years]
    columns += [f"compliance_{p.value}_{y}" for p in PROGRAMS for y in years]
    columns += [f"shadow_price_ceiling_{y}" for y in years]  # soft points per yuan
    columns += [f"shadow_price_ceiling_hard_{y}" for y in years]  # missing yuan per yuan
    # 1, or more when a decomposed solve held the earlier stages' optima looser (LPSolution.tolerance_factor).
    columns += ["stage_tolerance_factor"]
    return columns


def summarise(inputs: ModelInputs, form: Formulation, solution: LPSolution,
              counter: ComplianceCounter | None = None) -> np.ndarray:
    """The record of one solve (see :func:`record_columns`), as ``make_result`` computes it.

    ``counter``: a :class:`~model.results.ComplianceCounter` of ``inputs`` (or of
    inputs that differ only in money limits), to reuse across a batch's points.
    """
    return Solved(form, counter or ComplianceCounter(inputs)).add(solution).records()[0]


class Solved:
    """Solutions of LPs with the same columns and rows (a batch's points that differ only in
    money limits), kept to compute their records together: each step of :func:`summarise`
    is then one array operation for all of them, not one per point."""

    def __init__(self, form: Formulation, counter: ComplianceCounter):
        self.form, self.counter = form, counter
        self.ceiling_rows = form.lp.rows_of("ceiling")  # the rows whose duals price the ceiling
        self.x: list[np.ndarray] = []
        self.soft_points: list[float] = []
        self.soft_duals: list[np.ndarray] = []  # of the ceiling rows
        self.hard_duals: list[np.ndarray] = []
        self.tolerance_factors: list[float] = []

    def add(self, solution: LPSolution) -> Solved:
        rows = self.ceiling_rows
        self.x.append(solution.x)
        self.soft_points.append(-solution.objectives[Stage.SOFT])
        self.soft_duals.append(solution.duals[Stage.SOFT][rows])
        self.hard_duals.append(solution.duals[Stage.HARD][rows])
        self.tolerance_factors.append(solution.tolerance_factor)
        return self

    def records(self) -> np.ndarray:
        """One record per solution, in the order added (N, record)."""
        form = self.form
        x = np.stack(self.x)
        x = np.where(np.abs(x) < 1e-6, 0.0, x)  # solver round-off, as in make_result
        closed = x[:, form.closed]  # money closed (N, U, P, T)
        by_year = form.transfers_spent(x, closed).sum(axis=-2)  # (N, T): over districts
        missing = np.array([float(u[u > UNMET_TOLERANCE_YUAN].sum()) for u in x[:, form.unmet_columns]])
        shares = self.counter.city_shares(closed)  # (N, program, year)
        soft, hard = prices_of_duals(np.stack(self.soft_duals), np.stack(self.hard_duals))
        return np.column_stack([
            np.where(missing <= UNMET_TOLERANCE_YUAN, 1.0, 0.0), missing, self.soft_points, by_year.sum(axis=1),
            by_year, shares.reshape(len(x), -1), soft, hard, self.tolerance_factors])
