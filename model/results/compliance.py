"""Compliance: committees and members at each program's standard, from the money closed.

Everything is counted from the gaps closed, so a share at standard traces to the
LP's solution and the scenario's committee data.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..constants import CAPITAL_PROGRAMS, PROGRAMS, Program
from ..formulation.inputs import ModelInputs

#: What "at standard" counts for each program, and in which unit.
COMPLIANCE_UNITS = {
    Program.OFFICE_SPACE: "committees with office space at the standard",
    Program.SERVICE_SPACE: "committees with service rooms at the standard",
    Program.OPERATING_FUNDS: "committees funded at the operating standard",
    Program.MEMBER_SUBSIDY: "members paid at least the minimum wage",
    Program.SOCIAL_INSURANCE: "members insured",
}


class ComplianceCounter:
    """Compliance counts of every program at once, per unit, program and year (U, P, T).

    For unit u, program p and year t: ``at_standard = start + weight x progress``,
    where progress is

    - capital programs: committees upgraded by the end of year t -- the money closed
      over the cost of one upgrade, summed over the years, at most the committees
      below the standard (``start``: those at the standard now, weight 1);
    - operating funds: the share of the year's gap closed, times committees;
    - member subsidies: the share of the minimum-wage money closed (money goes first
      to lifting members to the minimum wage), times members;
    - social insurance: the members insured now plus the uninsured times the share
      of the premium gap closed;

    a share is between 0 and 1, and a gap-free year counts as closed. Everything
    but the money closed is prepared once: a batch reuses one counter for points
    whose inputs differ only in money limits, which compliance does not read.
    """

    def __init__(self, inputs: ModelInputs):
        n_u, n_t = inputs.shape
        committees, members, uninsured = inputs.committees, inputs.members, inputs.uninsured
        zeros, ones = np.zeros(n_u), np.ones(n_u)
        # Per program (in PROGRAMS order): yuan per unit of progress, start, weight, total.
        terms = {
            Program.OFFICE_SPACE: (inputs.unit_cost[Program.OFFICE_SPACE],
                                   inputs.at_standard_now[Program.OFFICE_SPACE], ones, committees),
            Program.SERVICE_SPACE: (inputs.unit_cost[Program.SERVICE_SPACE],
                                    inputs.at_standard_now[Program.SERVICE_SPACE], ones, committees),
            Program.OPERATING_FUNDS: (inputs.gap[Program.OPERATING_FUNDS], zeros, committees, committees),
            Program.MEMBER_SUBSIDY: (inputs.minimum_wage_cost, zeros, members, members),
            Program.SOCIAL_INSURANCE: (inputs.gap[Program.SOCIAL_INSURANCE], members - uninsured, uninsured,
                                       members),
        }
        per_unit = lambda i: np.column_stack([terms[p][i] for p in PROGRAMS]).astype(float)  # noqa: E731
        denominator = np.stack([terms[p][0] for p in PROGRAMS], axis=1)  # (U, P, T)
        self.positive = denominator > 0
        self.denominator = np.where(self.positive, denominator, 1.0)
        self.capital = np.array([p in CAPITAL_PROGRAMS for p in PROGRAMS])
        # The capital programs' positions: a slice when they are neighbours (a view, cheaper to index).
        at = np.flatnonzero(self.capital)
        contiguous = at.size and np.array_equal(at, np.arange(at[0], at[-1] + 1))
        self._capital_at = slice(int(at[0]), int(at[-1]) + 1) if contiguous else at
        # Without cost nothing is bought (capital); a gap-free year is closed (recurring).
        self.free = np.where(self.capital, 0.0, 1.0)[None, :, None]
        self.low = np.where(self.capital, -np.inf, 0.0)[None, :, None]
        high = np.ones((n_u, len(PROGRAMS)))
        for program in CAPITAL_PROGRAMS:
            high[:, PROGRAMS.index(program)] = inputs.upgrade_units[program]
        self.high = high[:, :, None]
        self.start = per_unit(1)[:, :, None]
        self.weight = per_unit(2)[:, :, None]
        self.total = np.repeat(per_unit(3)[:, :, None], n_t, axis=2)  # (U, P, T)
        self.city_total = self.total.sum(axis=0)  # (P, T)

    def progress(self, closed: np.ndarray) -> np.ndarray:
        """Committees upgraded (capital programs) or share of the gap closed (recurring), (U, P, T)
        (or (N, U, P, T) for N solutions stacked)."""
        share = np.where(self.positive, closed / self.denominator, self.free)
        share[..., self._capital_at, :] = np.cumsum(share[..., self._capital_at, :], axis=-1)
        return np.minimum(np.maximum(share, self.low), self.high)

    def at_standard(self, closed: np.ndarray) -> np.ndarray:
        """Committees or members at the standard, (U, P, T); out of :attr:`total`."""
        return self.start + self.weight * self.progress(closed)

    def city_shares(self, closed: np.ndarray) -> np.ndarray:
        """City-wide share at the standard by program and year (P, T); 1 where nobody counts.

        ``closed`` may hold several solutions' money closed, stacked (N, U, P, T): then (N, P, T).
        """
        at = self.at_standard(closed).sum(axis=-3)  # over units
        return np.divide(at, self.city_total, out=np.ones_like(at), where=self.city_total > 0)


def upgraded_committees(inputs: ModelInputs, closed: np.ndarray) -> dict[Program, np.ndarray]:
    """Capital programs: committees brought to the standard by the end of each year (D, T)."""
    progress = ComplianceCounter(inputs).progress(closed)
    return {program: progress[:, PROGRAMS.index(program), :] for program in CAPITAL_PROGRAMS}


def compliance_counts(inputs: ModelInputs, closed: np.ndarray) -> dict[Program, tuple[np.ndarray, np.ndarray]]:
    """``{program: (at_standard, total)}`` per unit and year, from the gaps closed."""
    counter = ComplianceCounter(inputs)
    at = counter.at_standard(closed)
    return {program: (at[:, k, :], counter.total[:, k, :]) for k, program in enumerate(PROGRAMS)}


def compliance_table(inputs: ModelInputs, closed: np.ndarray) -> pd.DataFrame:
    """Long table of compliance by district (summed over its units) and city-wide."""
    records = []
    for program, (at_unit, total_unit) in compliance_counts(inputs, closed).items():
        at, total = inputs.by_district(at_unit), inputs.by_district(total_unit)
        for j, year in enumerate(inputs.years):
            for d, district in enumerate(inputs.districts):
                records.append((district, program.value, year, at[d, j], total[d, j]))
            records.append(("city", program.value, year, at[:, j].sum(), total[:, j].sum()))
    frame = pd.DataFrame.from_records(records, columns=["district", "program", "year", "at_standard", "total"])
    frame["share"] = np.divide(frame["at_standard"], frame["total"], out=np.ones(len(frame)),
                               where=frame["total"] > 0)
    frame["unit"] = frame["program"].map({p.value: u for p, u in COMPLIANCE_UNITS.items()})
    return frame
