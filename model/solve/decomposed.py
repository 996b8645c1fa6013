"""The decomposed solve: the same stages, solved district by district under prices.

At national scale (tens of thousands of communities) one LP of every community is too
large for the simplex (20,000 communities: 97 s, 2.6 GiB). Its structure is simple:
each district's communities share only that district's rows (capacity,
co-financing, its transfer), and the districts are tied together only by a few
*linking* rows -- the yearly ceilings, the horizon total and, from the second stage
on, the rows fixing the earlier stages' optima. :class:`DecomposedSolver` solves each
stage exactly by **Dantzig-Wolfe decomposition** (column generation):

- the *master* LP chooses, for every district, a convex combination of that
  district's *proposals* (allocations feasible for its own rows), within the linking
  rows, at the least stage objective;
- the *pricing* step gives each district the master's prices of the linking rows
  (what a yuan of ceiling is worth, what a point of an earlier stage is worth) and
  solves its own LP under them -- independent LPs, one HiGHS instance per district
  kept warm between rounds (:mod:`model.solve.districts`), in this process or on
  workers;
- a district whose best answer beats the master's price of the district (a
  negative reduced cost) adds it as a proposal; when none does, the master's
  solution is optimal for the whole LP and its duals are the linking rows' duals.
  The stop is the Lagrangian bound: the master's objective less the sum of the
  negative reduced costs (a lower bound of the stage's optimum) within
  :data:`GAP` of the master's objective.

The stages keep their meaning: each is an objective of the whole LP, solved in
order, its optimum fixed for the later ones by the same row (now a linking row) and
the same :func:`~model.solve.stages.fixing_slack`; the hard stage is skipped when the
soft stage is feasible with no missing money (the districts' missing-money columns
held at zero), exactly as :class:`~model.solve.fast.FastSolver` does; the tie-break
makes the final allocation unique, so it is the monolithic LP's. Duals: the linking
rows' (the ceilings') come from the master; every other row's from its district's
last pricing LP, at the final prices.

Nothing falls back silently: a district LP or the master that ends in any status
other than optimal raises :class:`~model.errors.SolveError`, and so does a stage that
does not converge within :data:`MAX_ROUNDS`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from ..constants import Stage
from ..errors import SolveError
from ..formulation.lp import LinearProgram
from .districts import DistrictLPs, split_by_group
from .highs import QuietHighs, matrix_version, run_optimal
from .stages import STAGES, LPSolution, fixing_slack

#: Relative gap between the master's objective and the Lagrangian bound at which a stage stops.
GAP = 1e-9
#: Pricing rounds per stage before the solve gives up (raises).
MAX_ROUNDS = 500
#: Price per yuan of a ceiling in the first round of the first stage solved: above any
#: scaled cost a yuan can earn (1), so each district answers with the least city money.
PROHIBITIVE = 10.0
#: Cost of a yuan of linking row broken by the master's artificial columns (objectives
#: are scaled to a largest cost of 1 per yuan, so a real price is orders smaller).
BIG_M = 1e6
HARD, SOFT = 0, 1
import os
_DEBUG = bool(os.environ.get("BUDGETSIM_DW_DEBUG"))


@dataclass
class _Master:
    """The master LP of one stage: linking rows, then one convexity row per district."""

    highs: object
    n_link: int
    n_groups: int
    owners: list[tuple[int, int]] = field(default_factory=list)  # (group, proposal) of each column
    first_proposal_col: int = 0
    art_bounds: np.ndarray = field(default_factory=lambda: np.zeros(0))  # bound of each artificial's row


class DecomposedSolver:
    """Solve the lexicographic stages of an LP whose columns fall into groups (districts).

    Parameters
    ----------
    runner : optional
        Where the districts' LPs are solved: ``None`` (this process) or an object
        with the interface of :class:`~model.solve.districts.DistrictLPs` (e.g. the
        Dask runner of :mod:`model.batch.parallel`).
    """

    def __init__(self, runner=None, names: list[str] | None = None):
        self.runner = runner
        self.names = names
        self.stats: dict[str, int] = {"rounds": 0, "proposals": 0, "district_solves": 0,
                                      "hard_stages_skipped": 0}

    def solve(self, lp: LinearProgram, groups: np.ndarray, tolerance: float = 1e-7,
              stages: int = len(STAGES)) -> LPSolution:
        """The first ``stages`` stages of ``lp``; ``groups[c]`` is column c's district (0..G-1)."""
        started = time.perf_counter()
        split = split_by_group(lp, groups)
        costs = [lp.objective(s) for s in STAGES]
        scales = [float(np.abs(c).max()) or 1.0 for c in costs]
        scaled = [c / s for c, s in zip(costs, scales)]
        runner = self.runner if self.runner is not None else DistrictLPs(names=self.names)
        runner.start(split)
        hard_cols = np.flatnonzero(costs[HARD])
        proposals: list[list[np.ndarray]] = [[] for _ in range(split.n_groups)]
        solved: dict[Stage, tuple[float, np.ndarray, float]] = {}
        values: list[float] = []
        x = np.zeros(lp.n_cols)
        skipped = False
        if stages > SOFT:
            # The hard stage taken as zero: every district's missing money held at zero
            # (what the row fixing a zero optimum says); proven if the soft stage is feasible.
            t0 = time.perf_counter()
            runner.hold_at_zero(hard_cols)
            result = self._stage(split, runner, scaled, SOFT, [], proposals, artificial_ok=False, first=True)
            if result is not None:
                skipped = True
                self.stats["hard_stages_skipped"] += 1
                solved[STAGES[HARD]] = (0.0, np.zeros(lp.n_rows), 0.0)
                x, duals = result
                values = [0.0, float(costs[SOFT] @ x)]
                solved[STAGES[SOFT]] = (values[SOFT], duals * scales[SOFT], time.perf_counter() - t0)
            else:
                # Its proposals (no missing money) stay: they are feasible for every stage.
                runner.release(hard_cols)
        for k in range(len(values), stages):
            t0 = time.perf_counter()
            # Earlier optima fixed within the tolerance (scaled like their objectives); a
            # skipped hard stage stays held at zero in the districts instead.
            fixing = [(j, (v + fixing_slack(v, tolerance)) / scales[j]) for j, v in enumerate(values)
                      if not (skipped and j == HARD)]
            x, duals = self._stage(split, runner, scaled, k, fixing, proposals, artificial_ok=True, first=k == HARD)
            values.append(float(costs[k] @ x))
            solved[STAGES[k]] = (values[k], duals * scales[k], time.perf_counter() - t0)
        runner.close()
        return LPSolution(x=x, objectives={s: v for s, (v, _, _) in solved.items()},
                          duals={s: d for s, (_, d, _) in solved.items()}, solver="highs",
                          solver_version=matrix_version(False).replace("matrix form", "decomposed by district"),
                          seconds=time.perf_counter() - started,
                          stage_seconds={s: t for s, (_, _, t) in solved.items()})

    # --- one stage ----------------------------------------------------------------
    def _stage(self, split, runner, scaled, k, fixing, proposals, artificial_ok, first):
        """Stage ``k`` by column generation: (x, scaled row duals), or None when the
        hard stage was taken as zero and the master needs its artificial columns."""
        link = split.link_matrix  # linking rows x columns (CSR)
        n_ceiling = link.shape[0]
        n_link = n_ceiling + len(fixing)
        lower = np.concatenate([split.link_lower, np.full(len(fixing), -np.inf)])
        upper = np.concatenate([split.link_upper, [b for _, b in fixing]])
        # Artificial columns on the ceilings only, for the first stage solved (no proposals
        # yet): later stages start from the proposals of the one before, whose optimum
        # satisfies every linking row, the new fixing row included.
        master = self._master(n_link, split.n_groups, lower, upper, n_ceiling if first else 0)
        c = scaled[k]
        fix_costs = [scaled[j] for j, _ in fixing]

        def add(g: int, j: int) -> None:
            """Proposal j of district g as a master column: its stage cost, its use of each
            linking row, 1 in its district's convexity row."""
            cols, x_part = split.columns[g], proposals[g][j]
            coeff = np.concatenate([link[:, cols] @ x_part, [f[cols] @ x_part for f in fix_costs]])
            nz = np.flatnonzero(coeff)
            index = np.concatenate([nz, [n_link + g]]).astype(np.int32)
            value = np.concatenate([coeff[nz], [1.0]])
            master.highs.addCols(1, np.array([float(c[cols] @ x_part)]), np.array([0.0]), np.array([np.inf]),
                                 index.size, np.array([0], dtype=np.int32), index, value)
            master.owners.append((g, j))

        for g in range(split.n_groups):
            for j in range(len(proposals[g])):
                add(g, j)
        # Prices to start from: the master's when every district has a proposal; else a
        # prohibitive price of transfers (each district's answer with the least city money,
        # the start that keeps the ceilings if any does), every answer then taken.
        if first:
            y, conv = np.concatenate([np.full(n_ceiling, -PROHIBITIVE), np.zeros(len(fixing))]), None
        else:
            y, conv = self._solve_master(master)
        for _ in range(MAX_ROUNDS):
            self.stats["rounds"] += 1
            cost = c - link.T @ y[:n_ceiling]
            for f, w in zip(fix_costs, y[n_ceiling:]):
                cost = cost - w * f
            answers = runner.solve_all(cost)
            self.stats["district_solves"] += split.n_groups
            added, bound_gap = 0, 0.0
            conv_before = conv is not None
            before = master.highs.getInfo().objective_function_value if conv is not None else np.inf
            for g, (x_part, objective) in enumerate(answers.results):
                reduced = objective - conv[g] if conv is not None else -np.inf
                if reduced < -GAP * max(1.0, abs(objective)):
                    proposals[g].append(x_part)
                    add(g, len(proposals[g]) - 1)
                    added += 1
                    bound_gap -= reduced if conv is not None else 0.0
            self.stats["proposals"] += added
            local_duals = answers.row_duals
            if added:
                y, conv = self._solve_master(master)
            # The Lagrangian bound (master objective less the reduced costs) meets the
            # master's objective: no proposal can lower it further.
            artificial = float(np.asarray(master.highs.getSolution().col_value)[: master.first_proposal_col].sum()) \
                if master.first_proposal_col else 0.0
            if _DEBUG:
                print(f"stage {k + 1} round {_}: added {added}, master {before:.10g}, gap {bound_gap:.4g}, "
                      f"artificial {artificial:.4g}")
            if added == 0 or (conv_before and bound_gap <= GAP * max(1.0, abs(before)) and artificial <= 1e-6):
                break
        else:
            raise SolveError(f"the decomposed solve did not converge in {MAX_ROUNDS} rounds "
                             f"(stage {k + 1}, {STAGES[k].value})")
        solution = master.highs.getSolution()
        mu = np.asarray(solution.col_value)
        if np.any(mu[: master.first_proposal_col] > 1e-7 * np.maximum(1.0, np.abs(master.art_bounds))):
            if not artificial_ok:
                return None  # the ceilings cannot hold without missing money: the hard stage is needed
            raise SolveError(f"the decomposed solve's master breaks a ceiling at stage {k + 1} "
                             f"({STAGES[k].value}): no allocation of the districts keeps it")
        x = np.zeros(split.n_cols)
        for (g, j), w in zip(master.owners, mu[master.first_proposal_col:]):
            if w > 0:
                x[split.columns[g]] += w * proposals[g][j]
        duals = np.zeros(split.n_rows)
        duals[split.local_rows] = local_duals
        duals[split.link_rows] = np.asarray(solution.row_dual)[:n_ceiling]
        return x, duals

    def _master(self, n_link, n_groups, lower, upper, n_artificial_rows) -> _Master:
        import highspy

        highs = QuietHighs()
        rows_lower = np.concatenate([lower, np.ones(n_groups)])
        rows_upper = np.concatenate([upper, np.ones(n_groups)])
        highs.addRows(rows_lower.size, rows_lower, rows_upper, 0, np.array([], dtype=np.int32),
                      np.array([], dtype=np.int32), np.array([]))
        # Artificial columns: break a linking row at a cost no real price reaches.
        n_art, bounds = 0, []
        for r in range(n_artificial_rows):
            for sign, bound in ((-1.0, upper[r]), (1.0, lower[r])):
                if np.isfinite(bound):
                    bounds.append(bound)
                    highs.addCols(1, np.array([BIG_M]), np.array([0.0]), np.array([np.inf]), 1,
                                  np.array([0], dtype=np.int32), np.array([r], dtype=np.int32), np.array([sign]))
                    n_art += 1
        return _Master(highs=highs, n_link=n_link, n_groups=n_groups, first_proposal_col=n_art,
                       art_bounds=np.asarray(bounds, dtype=float))

    @staticmethod
    def _solve_master(master: _Master) -> tuple[np.ndarray, np.ndarray]:
        """Solve the master: the duals of the linking rows and of the convexity rows."""
        if not run_optimal(master.highs):
            master.highs.clearSolver()  # a warm start gone astray: the master again from scratch
        if not run_optimal(master.highs):
            raise SolveError("the decomposed solve's master LP ended with status "
                             f"{master.highs.modelStatusToString(master.highs.getModelStatus())}")
        row_dual = np.asarray(master.highs.getSolution().row_dual)
        return row_dual[: master.n_link], row_dual[master.n_link:]
