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
  solves its own LP under them -- independent LPs in HiGHS instances (a few
  districts each) kept warm between rounds (:mod:`model.solve.districts`), in this
  process or on workers;
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
import numpy as np

from ..constants import Stage
from ..errors import SolveError
from ..formulation.lp import LinearProgram
from .districts import DistrictLPs, Split, split_by_group
from .highs import matrix_version, release_freed_memory
from .master import WIDENING, Master
from .proposals import Proposals, profile_of
from .stages import STAGES, LastPrices, LPSolution, fixing_slack

#: Relative gap between the master's objective and the Lagrangian bound at which a stage stops.
GAP = 1e-9
MAX_ROUNDS = 500  #: pricing rounds per stage before the solve gives up (raises)
#: Price per yuan of a ceiling in the first round of the first stage solved: above any
#: scaled cost a yuan can earn (1), so each district answers with the least city money.
PROHIBITIVE = 10.0
#: Weight of the best-bound prices in the smoothed prices (Wentges smoothing). Off: 0.5 and 0.7
#: took 44 and 52 rounds against 38 (1,380 communities), 0.5 and 0.8 27.3 and 33.1 s against 28.3 (20,000).
SMOOTHING = 0.0
#: From this many districts on, the soft stage starts from the prices of a sample of them, every
#: SAMPLE_EVERY-th (20,000 communities: 28.3 s against 31.0 s; the first rounds swing less).
SAMPLE_FROM, SAMPLE_EVERY = 200, 10
HARD, SOFT = 0, 1
#: Relative round-off of a reduced cost's terms (a few thousand machine epsilons).
ROUNDOFF = 1e-12
class DecomposedSolver:
    """Solve the lexicographic stages of an LP whose columns fall into groups (districts).

    Parameters
    ----------
    runner : optional
        Where the districts' LPs are solved: ``None`` (this process) or an object
        with the interface of :class:`~model.solve.districts.DistrictLPs` (e.g. the
        Dask runner of :mod:`model.batch.districts`).
    names : list of str, optional
        The districts' ids, for error messages.
    threads : int, optional
        Threads solving the districts' LPs in this process (default: its cores; 1 in a
        batch's worker processes, which already use the cores).
    """

    def __init__(self, runner=None, names: list[str] | None = None, threads: int | None = None):
        self.runner = runner
        self.names = names
        self.threads = threads
        self.stats: dict[str, float] = {"rounds": 0, "proposals": 0, "district_solves": 0,
                                        "hard_stages_skipped": 0, "master_seconds": 0.0}
        #: Per pricing round: (stage position, proposals added, master objective before
        #: them, their reduced costs' sum, artificial money in the master).
        self.trace: list[tuple[int, int, float, float, float]] = []
        self.widest = 0  #: the most times a master of the last solve widened its fixing rows

    def solve(self, lp: LinearProgram, groups: np.ndarray, tolerance: float = 1e-7,
              stages: int = len(STAGES)) -> LPSolution:
        """The first ``stages`` stages of ``lp``; ``groups[c]`` is column c's district (0..G-1)."""
        started = time.perf_counter()
        self.widest = 0
        split = split_by_group(lp, groups)
        costs = [lp.objective(s) for s in STAGES]
        scales = [float(np.abs(c).max()) or 1.0 for c in costs]
        scaled = np.stack([c / s for c, s in zip(costs, scales)])  # a row per stage
        runner = self.runner if self.runner is not None else DistrictLPs(names=self.names, threads=self.threads)
        runner.start(split)
        hard_cols = np.flatnonzero(costs[HARD])
        proposals = Proposals(split.n_groups)
        solved: dict[Stage, tuple[float, np.ndarray, float]] = {}
        last_prices: dict[Stage, LastPrices] = {}

        def unscaled(k: int, link: np.ndarray, fixing: list) -> LastPrices:
            """A stage's last prices per unit of its unscaled objective and of each row."""
            return LastPrices(split.link_rows, link * scales[k], {
                STAGES[j]: (float(w * scales[k] / scales[j]), float(bound * scales[j])) for j, w, bound in fixing})

        values: list[float] = []
        x = np.zeros(lp.n_cols)
        skipped = False
        if stages > SOFT:
            # The hard stage taken as zero: every district's missing money held at zero
            # (what the row fixing a zero optimum says); proven if the soft stage is feasible.
            t0 = time.perf_counter()
            start = self._sample_prices(split, scaled, hard_cols) if split.n_groups >= SAMPLE_FROM else None
            runner.hold_at_zero(hard_cols)
            result = self._stage(split, runner, scaled, SOFT, [], proposals, artificial_ok=False, first=True,
                                 start=start)
            if result is not None:
                skipped = True
                self.stats["hard_stages_skipped"] += 1
                solved[STAGES[HARD]] = (0.0, np.zeros(lp.n_rows), 0.0)
                x, duals, last = result
                last_prices[STAGES[SOFT]] = unscaled(SOFT, *last)
                values = [0.0, float(costs[SOFT] @ x)]
                solved[STAGES[SOFT]] = (values[SOFT], duals * scales[SOFT], time.perf_counter() - t0)
            else:
                # Its proposals (no missing money) stay: they are feasible for every stage.
                runner.release(hard_cols)
        for k in range(len(values), stages):
            t0 = time.perf_counter()
            # Earlier optima fixed within the tolerance (scaled like their objectives); a
            # skipped hard stage stays held at zero in the districts instead.
            # (stage, bound, slack) of each fixing row, scaled like the stage's objective.
            fixing = [(j, (v + fixing_slack(v, tolerance)) / scales[j], fixing_slack(v, tolerance) / scales[j])
                      for j, v in enumerate(values) if not (skipped and j == HARD)]
            x, duals, last = self._stage(split, runner, scaled, k, fixing, proposals, artificial_ok=True,
                                         first=k == HARD)
            last_prices[STAGES[k]] = unscaled(k, *last)
            values.append(float(costs[k] @ x))
            solved[STAGES[k]] = (values[k], duals * scales[k], time.perf_counter() - t0)
        self.stats.update(getattr(runner, "stats", {}))
        runner.close()
        release_freed_memory()  # the districts' instances, freed in their threads
        factor = 1 + WIDENING * self.widest  # the earlier optima held to this x the tolerance
        return LPSolution(x=x, objectives={s: v for s, (v, _, _) in solved.items()},
                          duals={s: d for s, (_, d, _) in solved.items()}, solver="highs",
                          solver_version=self._version(factor),
                          seconds=time.perf_counter() - started,
                          stage_seconds={s: t for s, (_, _, t) in solved.items()}, tolerance_factor=factor,
                          last_prices=last_prices)

    @staticmethod
    def _version(factor: float) -> str:
        """HiGHS's version and the method; says when a master widened its fixing rows."""
        method = "decomposed by district"
        if factor > 1:
            method += f"; earlier optima held to {factor:g}x the stage tolerance"
        return matrix_version(False).replace("matrix form", method)

    # --- one stage ----------------------------------------------------------------
    def _sample_prices(self, split, scaled, hard_cols) -> np.ndarray | None:
        """Ceiling prices to start the soft stage from: the soft stage of every
        ``SAMPLE_EVERY``-th district alone, under the ceilings scaled by its share of the
        columns (a few rounds of the same method on a tenth of the districts). Only a
        start: the stage's answer does not depend on it, its number of rounds does."""
        chosen = list(range(0, split.n_groups, SAMPLE_EVERY))
        blocks = [split.blocks[g] for g in chosen]
        share = sum(b.columns.size for b in blocks) / split.n_cols
        sample = Split(n_cols=split.n_cols, n_rows=split.n_rows, n_groups=len(blocks), blocks=blocks,
                       link_rows=split.link_rows, link_matrix=split.link_matrix,
                       link_lower=split.link_lower * share, link_upper=split.link_upper * share,
                       local_rows=np.concatenate([b.rows for b in blocks]))
        runner = DistrictLPs(names=[self.names[g] for g in chosen] if self.names else None, threads=self.threads)
        runner.start(sample)
        runner.hold_at_zero(hard_cols)
        before = {key: self.stats[key] for key in ("rounds", "district_solves", "proposals")}
        trace = len(self.trace)
        try:
            result = self._stage(sample, runner, scaled, SOFT, [], Proposals(len(chosen)), artificial_ok=False,
                                 first=True)
        finally:
            self.stats["sample_rounds"] = self.stats["rounds"] - before["rounds"]
            self.stats["sample_district_solves"] = self.stats["district_solves"] - before["district_solves"]
            self.stats.update(before)
            del self.trace[trace:]
            runner.close()
        if result is None:
            return None  # the sample cannot keep its ceilings without missing money: no start
        return result[1][split.link_rows]

    def _stage(self, split, runner, scaled, k, fixing, proposals, artificial_ok, first, start=None):
        """Stage ``k`` by column generation: (x, scaled row duals, the last round's prices:
        the ceilings', each fixing row's (stage, price, bound)), or None when the hard stage
        was taken as zero and the master needs its artificial columns.

        Each proposal is kept with its *profile*: every stage's (scaled) cost of it and
        its use of each ceiling row, so the master of any stage is written from the
        profiles. Prices are smoothed (Wentges): each round prices the districts at
        ``SMOOTHING`` x the prices of the best Lagrangian bound so far plus the rest x
        the master's duals, which damps the master's swings; a round whose answers do not
        improve the master at its own duals is followed by one at the master's duals, and
        the stage ends when those give no improving proposal or when the master's
        objective is within :data:`GAP` of the best bound."""
        link = split.link_matrix  # ceiling rows x columns (CSR)
        n_ceiling = link.shape[0]
        n_link = n_ceiling + len(fixing)
        lower = np.concatenate([split.link_lower, np.full(len(fixing), -np.inf)])
        upper = np.concatenate([split.link_upper, [b for _, b, _ in fixing]])
        # Artificial columns on the ceilings only, for the first stage solved: later
        # stages start from the proposals of the one before, whose optimum satisfies
        # every linking row, the new fixing row included.
        master = Master.new(n_link, split.n_groups, lower, upper, n_ceiling if first else 0,
                            slack=np.concatenate([np.zeros(n_ceiling), [s for _, _, s in fixing]]))
        # Profile columns of this stage's master: cost of stage k, ceiling uses, fixed stages' costs.
        pick = [k, *(len(STAGES) + r for r in range(n_ceiling)), *(j for j, _, _ in fixing)]

        def add(batch: list[tuple[int, int]]) -> None:
            """Proposals ``(district, j)`` as master columns (their profiles' picked entries)."""
            master.add(batch, [proposals.of[g][j][1][pick] for g, j in batch])

        add([(g, j) for g in range(split.n_groups) for j in range(len(proposals.of[g]))])
        # Prices to start from: the master's when every district has a proposal; else a
        # prohibitive price of transfers (each district's answer with the least city money,
        # the start that keeps the ceilings if any does), every answer then taken.
        if first:
            y_master, conv = np.concatenate([np.full(n_ceiling, -PROHIBITIVE), np.zeros(len(fixing))]), None
        else:
            y_master, conv = self._master_duals(master)
        center, best_bound, pure = None, -np.inf, False
        last: dict[int, np.ndarray] = {}  # each district's last answer's profile
        local_duals = None
        # A start (prices of a sample of districts) is priced right after the first round.
        forced = [None, np.concatenate([start, np.zeros(len(fixing))])] if start is not None and first else []
        for round_ in range(MAX_ROUNDS):
            self.stats["rounds"] += 1
            smoothed = SMOOTHING > 0 and center is not None and not pure
            y = SMOOTHING * center + (1 - SMOOTHING) * y_master if smoothed else y_master
            if round_ < len(forced) and forced[round_] is not None:
                y, smoothed = forced[round_], True  # a price not the master's: never the last round
            cost = scaled[k] - link.T @ y[:n_ceiling]
            for (j, _, _), w in zip(fixing, y[n_ceiling:]):
                cost = cost - w * scaled[j]
            answers = runner.solve_all(cost)
            self.stats["district_solves"] += split.n_groups
            local_duals = answers.row_duals
            bound = np.where(np.isfinite(master.upper), master.upper, 0.0)
            bound_here = sum(objective for _, objective in answers.results) + float(y @ bound)
            if bound_here > best_bound:
                best_bound, center = bound_here, y.copy()
            # Improving proposals: a negative reduced cost at the master's own duals.
            batch = []
            changed = answers.changed or [True] * split.n_groups
            for g, (x_part, _) in enumerate(answers.results):
                # A district whose last basis was kept answers as last round: same profile.
                profile = last[g] if not changed[g] and g in last else profile_of(split, scaled, g, x_part)
                last[g] = profile
                if conv is not None:
                    p = profile[pick]
                    terms = p[1:] * y_master
                    reduced = p[0] - float(terms.sum()) - conv[g]
                    # Negative beyond the round-off of its terms (the artificial columns'
                    # prices times yuan of ceiling reach 1e14); a repeat is refused.
                    roundoff = ROUNDOFF * (float(np.abs(terms).sum()) + abs(conv[g]))
                    if reduced >= -max(GAP * max(1.0, abs(p[0])), roundoff):
                        continue
                if proposals.add(g, x_part, profile):
                    batch.append((g, len(proposals.of[g]) - 1))
            add(batch)
            self.stats["proposals"] += len(batch)
            if batch:
                y_master, conv = self._master_duals(master)
            objective = master.highs.getInfo().objective_function_value
            artificial = master.artificial_money(np.asarray(master.highs.getSolution().col_value))
            self.trace.append((k, len(batch), objective, objective - best_bound, artificial))
            if not batch and not smoothed:
                break  # nothing improves the master at its own duals: optimal
            pure = not batch  # a smoothed round that found nothing: price at the master's duals next
            if artificial <= 1e-6 and objective - best_bound <= GAP * max(1.0, abs(objective)):
                break
        else:
            raise SolveError(f"the decomposed solve did not converge in {MAX_ROUNDS} rounds "
                             f"(stage {k + 1}, {STAGES[k].value})")
        solution = master.highs.getSolution()
        mu = np.asarray(solution.col_value)
        if master.breaks_a_ceiling(mu):
            if not artificial_ok:
                return None  # the ceilings cannot hold without missing money: the hard stage is needed
            raise SolveError(f"the decomposed solve's master breaks a ceiling at stage {k + 1} "
                             f"({STAGES[k].value}): no allocation of the districts keeps it")
        x = np.zeros(split.n_cols)
        for (g, j), w in zip(master.owners, mu[master.first_proposal_col:]):
            if w > 0:
                at, values = proposals.of[g][j][0]
                x[split.blocks[g].columns[at]] += w * values
        duals = np.zeros(split.n_rows)
        duals[split.local_rows] = local_duals
        duals[split.link_rows] = np.asarray(solution.row_dual)[:n_ceiling] / master.row_scale[:n_ceiling]
        # The last round's prices of the linking rows, and the fixing rows' bounds (scaled).
        return x, duals, (y[:n_ceiling], [(j, y[n_ceiling + i], master.upper[n_ceiling + i])
                                          for i, (j, _, _) in enumerate(fixing)])

    def _master_duals(self, master: Master) -> tuple[np.ndarray, np.ndarray]:
        """The master's duals (:meth:`Master.duals`); the solve remembers its most widened master."""
        try:
            return master.duals(self.stats)
        finally:
            self.widest = max(self.widest, master.widenings)
