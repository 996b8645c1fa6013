"""The master LP of the decomposed solve (:mod:`model.solve.decomposed`), one a stage.

Its rows: the *linking* rows (the yearly ceilings, the horizon total, the rows fixing the
earlier stages' optima), then one *convexity* row per district (its proposals' weights sum
to one). Its columns: artificial columns that break a ceiling at a prohibitive cost (the
first stage solved only), then the districts' proposals, each with its stage cost, its use
of each linking row and a 1 in its district's convexity row. Its duals are the prices the
districts are solved at in the next round.

HiGHS is given the master with each linking row divided by its bound and runs the primal
simplex from its last basis; a run that does not end optimal is retried (:func:`solve_master`),
and a master no retry solves has its fixing rows widened by a tenth of their slack
(:meth:`Master.duals`). Each rule below names the case that made it necessary.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from ..errors import SolveError
from .districts import SIMPLEX_DUAL, SIMPLEX_PRIMAL
from .highs import QuietHighs, run_optimal

#: Cost of a yuan of linking row broken by the master's artificial columns (objectives
#: are scaled to a largest cost of 1 per yuan, so a real price is orders smaller).
BIG_M = 1e6
#: The master's runs after one that did not end optimal, in turn (HiGHS's options), and
#: the defaults they are set back to. The master runs the primal simplex: between runs it
#: only gains columns, so its last basis stays feasible (120,000 communities: its LPs took
#: 14.5 s of the solve against 34.8 s by the dual simplex, which repairs every new column).
MASTER_RETRIES = ({}, {"simplex_scale_strategy": 0}, {"simplex_strategy": SIMPLEX_DUAL}, {"solver": "ipm"})
MASTER_DEFAULTS = {"simplex_strategy": SIMPLEX_PRIMAL, "solver": "choose", "simplex_scale_strategy": 2}
#: A master run stops after this many simplex iterations, or this many per row if more, and is
#: retried: warm, a 5,000-community draw's tie-break master ran 46 million (350 s) to "Unknown",
#: solved at once from scratch. Healthy runs take far fewer (20,000 communities: 2,006 at most).
MASTER_ITERATIONS, MASTER_ITERATIONS_PER_ROW = 20_000, 50
#: The largest divisor of a master's linking row (see Master.row_scale).
MAX_ROW_SCALE = 1e8
#: The master's primal feasibility tolerance, on its scaled rows: 1e-9 of a ceiling. (Its
#: dual tolerance stays HiGHS's: at 1e-9 a draw's tie-break master ended "Unknown".)
MASTER_FEASIBILITY = 1e-9
#: A master no retry solves is solved again with each row fixing an earlier optimum widened by
#: WIDENING x its slack, at most MAX_WIDENINGS times (twice the stage tolerance): a national draw's
#: tie-break master (its fixing rows all bound) failed every retry; widened once it solved.
WIDENING, MAX_WIDENINGS = 0.1, 10


@dataclass
class Master:
    """The master LP of one stage: linking rows, then one convexity row per district."""

    highs: object
    n_link: int
    owners: list[tuple[int, int]] = field(default_factory=list)  # (group, proposal) of each column
    first_proposal_col: int = 0
    art_bounds: np.ndarray = field(default_factory=lambda: np.zeros(0))  # bound of each artificial's row
    #: The master is passed to HiGHS with each linking row divided by its largest finite
    #: bound, at most 1e8 (ceilings of 1e8 yuan beside convexity rows of 1): unscaled, HiGHS ended a
    #: national Monte Carlo draw's master with "Solve error". Duals are given back per
    #: unit of the row. (Its costs are not scaled: the tie-break needs the master's
    #: optimum to far more than 1e-7 of the largest cost to pick one allocation.)
    row_scale: np.ndarray = field(default_factory=lambda: np.ones(0))
    #: Each linking row's upper bound (per unit of the row), and how far a widening moves
    #: it: the fixing slack of a row fixing an earlier optimum, 0 for a ceiling.
    upper: np.ndarray = field(default_factory=lambda: np.zeros(0))
    slack: np.ndarray = field(default_factory=lambda: np.zeros(0))
    widenings: int = 0

    @classmethod
    def new(cls, n_link: int, n_groups: int, lower: np.ndarray, upper: np.ndarray, n_artificial_rows: int,
            slack: np.ndarray | None = None) -> Master:
        """A master with ``n_link`` linking rows (bounds ``lower``, ``upper``), ``n_groups``
        convexity rows, and artificial columns on its first ``n_artificial_rows`` rows."""
        highs = QuietHighs()
        highs.setOptionValue("primal_feasibility_tolerance", MASTER_FEASIBILITY)
        highs.setOptionValue("simplex_strategy", MASTER_DEFAULTS["simplex_strategy"])
        highs.setOptionValue("simplex_iteration_limit",
                             max(MASTER_ITERATIONS, MASTER_ITERATIONS_PER_ROW * (n_link + n_groups)))
        finite = lambda b: np.where(np.isfinite(b), np.abs(b), 0.0)  # noqa: E731
        # At most 1e8: an artificial column's coefficient (1 / the scale) stays above
        # HiGHS's smallest matrix value (1e-9), which drops smaller ones silently.
        row_scale = np.clip(np.maximum(finite(lower), finite(upper)), 1.0, MAX_ROW_SCALE)
        rows_lower = np.concatenate([lower / row_scale, np.ones(n_groups)])
        rows_upper = np.concatenate([upper / row_scale, np.ones(n_groups)])
        highs.addRows(rows_lower.size, rows_lower, rows_upper, 0, np.array([], dtype=np.int32),
                      np.array([], dtype=np.int32), np.array([]))
        # Artificial columns: break a linking row at a cost no real price reaches.
        n_art, bounds = 0, []
        for r in range(n_artificial_rows):
            for sign, bound in ((-1.0, upper[r]), (1.0, lower[r])):
                if np.isfinite(bound):
                    bounds.append(bound)
                    highs.addCols(1, np.array([BIG_M]), np.array([0.0]), np.array([np.inf]), 1,
                                  np.array([0], dtype=np.int32), np.array([r], dtype=np.int32),
                                  np.array([sign / row_scale[r]]))  # its value: yuan of the row broken
                    n_art += 1
        return cls(highs=highs, n_link=n_link, first_proposal_col=n_art,
                   art_bounds=np.asarray(bounds, dtype=float), row_scale=row_scale,
                   upper=upper.astype(float), slack=np.zeros(n_link) if slack is None else slack)

    def add(self, owners: list[tuple[int, int]], profiles: list[np.ndarray]) -> None:
        """Proposals as columns: ``owners[i]`` is (district, proposal), ``profiles[i]`` its
        stage cost then its use of each linking row; 1 in the district's convexity row."""
        if not owners:
            return
        starts, index, value, cost = [], [], [], []
        for (g, _), profile in zip(owners, profiles):
            use = profile[1:]
            nz = np.flatnonzero(use)
            starts.append(len(index))
            index.extend(nz.tolist() + [self.n_link + g])
            value.extend((use[nz] / self.row_scale[nz]).tolist() + [1.0])
            cost.append(profile[0])
        self.owners.extend(owners)
        n = len(owners)
        self.highs.addCols(n, np.asarray(cost), np.zeros(n), np.full(n, np.inf), len(index),
                           np.asarray(starts, dtype=np.int32), np.asarray(index, dtype=np.int32),
                           np.asarray(value, dtype=float))

    def duals(self, stats: dict) -> tuple[np.ndarray, np.ndarray]:
        """:func:`solve_master`, and when no retry solves it, the same master with its rows
        fixing earlier optima widened by their slack once more (at most :data:`MAX_WIDENINGS`
        times; counted in ``stats["fixings_widened"]``; ``stats["master_seconds"]`` gains the time)."""
        while True:
            t0 = time.perf_counter()
            try:
                return solve_master(self)
            except SolveError as error:
                if not self.slack.any() or self.widenings == MAX_WIDENINGS:
                    if self.widenings:
                        raise SolveError(f"{error}, even with the earlier stages' optima held to "
                                         f"{1 + WIDENING * self.widenings:g} times their tolerance") from error
                    raise
            finally:
                stats["master_seconds"] += time.perf_counter() - t0
            self.widenings += 1
            stats["fixings_widened"] = stats.get("fixings_widened", 0) + 1
            self.upper = self.upper + WIDENING * self.slack
            for r in np.flatnonzero(self.slack):
                self.highs.changeRowBounds(int(r), -np.inf, float(self.upper[r] / self.row_scale[r]))

    def artificial_money(self, weights: np.ndarray) -> float:
        """The yuan of linking rows the artificial columns break at ``weights`` (the column values)."""
        return float(weights[: self.first_proposal_col].sum()) if self.first_proposal_col else 0.0

    def breaks_a_ceiling(self, weights: np.ndarray) -> bool:
        """Whether an artificial column is in use beyond round-off (1e-7 of its row's bound)."""
        return bool(np.any(weights[: self.first_proposal_col] > 1e-7 * np.maximum(1.0, np.abs(self.art_bounds))))


def solve_master(master: Master) -> tuple[np.ndarray, np.ndarray]:
    """Solve the master: the duals of the linking rows (per unit of the row, e.g. per
    yuan of ceiling) and of the convexity rows. A run that does not end optimal is
    followed by the same LP from scratch, then unscaled (HiGHS's "Unknown": optimal
    scaled, infeasible unscaled), by the dual simplex, by the interior point."""
    highs = master.highs
    if not run_optimal(highs):
        for options in MASTER_RETRIES:
            highs.clearSolver()
            for name, value in options.items():
                highs.setOptionValue(name, value)
            solved = run_optimal(highs)
            for name in options:
                highs.setOptionValue(name, MASTER_DEFAULTS[name])
            if solved:
                break
        else:
            raise SolveError("the decomposed solve's master LP ended with status "
                             f"{highs.modelStatusToString(highs.getModelStatus())}")
    row_dual = np.asarray(highs.getSolution().row_dual)
    return row_dual[: master.n_link] / master.row_scale, row_dual[master.n_link:]
