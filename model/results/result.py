"""The answer to one scenario: :class:`Result`, its tables and its JSON summary."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..constants import PROGRAMS, Status

#: Missing money below this many yuan is numerical noise, not an unmet target.
UNMET_TOLERANCE_YUAN = 1.0


@dataclass(eq=False)
class Result:
    """The answer to one scenario, as tables and a JSON-ready summary.

    Attributes
    ----------
    status : Status
        ``optimal``, or ``hard_targets_unmet`` when the ceiling cannot pay for
        every hard target (see ``unmet_hard``).
    allocation : DataFrame
        district, program, year, own_yuan, transfer_yuan, gap_yuan, closed_yuan, left_yuan
        (with a ``unit`` column after ``district`` when units are communities).
    compliance : DataFrame
        district (``"city"`` for the whole city), program, year, at_standard, total, share.
    money : DataFrame
        By year: ceiling, transfers, own spending, capacity, and the shadow prices
        of the ceiling.
    district_money : DataFrame
        By district and year: own spending against capacity, transfers received.
    unmet_hard : DataFrame
        requirement, district, year, missing_yuan (empty when every hard target is met).
    objectives : dict
        Stage optima: missing yuan, soft points, transfer yuan.
    """

    scenario_name: str
    title: str
    status: Status
    years: list[int]
    districts: list[str]
    allocation: pd.DataFrame
    compliance: pd.DataFrame
    money: pd.DataFrame
    district_money: pd.DataFrame
    unmet_hard: pd.DataFrame
    objectives: dict[str, float]
    initial: dict[str, float]
    provenance: dict[str, Any]
    status_quo: Result | None = None
    closed: np.ndarray = field(default=None, repr=False)  # (U, P, T) yuan
    units: list[str] = field(default_factory=list)
    #: Rule-based baselines: the rule's name and its grants by district and year.
    rule: str | None = None
    grants: pd.DataFrame | None = None
    #: Per district: soft coverage, money per committee (see ``district_equity``).
    equity_by_district: pd.DataFrame | None = None
    equity: dict[str, Any] = field(default_factory=dict)
    #: Each stage proven optimal to a gap, when the solve was asked to (``model.solve(...,
    #: certify=True)``, ``budgetsim run --certify``): see :func:`model.solve.certificate.as_summary`.
    certificate: dict[str, Any] | None = None
    #: The run's id in the store when ``model.solve`` recorded it (not part of summary.json).
    run_id: int | None = field(default=None, repr=False)

    # --- views ------------------------------------------------------------------
    def compliance_by_year(self, district: str = "city") -> dict[str, dict[int, float]]:
        """``{program: {year: share at standard}}`` for the city or one district."""
        rows = self.compliance
        found: dict[str, dict[int, float]] = {program.value: {} for program in PROGRAMS}
        # Plain lists, not a filtered frame: every recorded run's summary reads this twice.
        for where, program, year, share in zip(rows["district"].tolist(), rows["program"].tolist(),
                                               rows["year"].tolist(), rows["share"].tolist()):
            if where == district and program in found:
                found[program][int(year)] = float(share)
        return found

    @property
    def transfers_total(self) -> float:
        return float(self.money["transfers_yuan"].sum())

    def tables(self) -> dict[str, pd.DataFrame]:
        """Every table, by the file name it is written under (without ``.csv``)."""
        tables = {
            "allocation": self.allocation,
            "compliance": self.compliance,
            "money": self.money,
            "district_money": self.district_money,
            "equity_by_district": self.equity_by_district,
            "unmet_hard": self.unmet_hard,
        }
        if self.status_quo is not None:
            tables["status_quo_compliance"] = self.status_quo.compliance
        if self.grants is not None:
            tables["grants"] = self.grants
        return tables

    def summary(self) -> dict[str, Any]:
        """The JSON summary written as ``summary.json`` (shares as fractions, money in yuan)."""
        money = {column: self.money[column].tolist() for column in (
            "year", "ceiling_yuan", "transfers_yuan", "own_yuan", "capacity_yuan", "shadow_price_points_per_yuan",
            "shadow_price_missing_yuan_per_yuan")}  # each column once: every recorded run makes this summary
        by_year = lambda column: {str(int(y)): _num(v) for y, v in zip(money["year"], money[column])}  # noqa: E731
        compliance = {p: {str(y): _num(s) for y, s in v.items()} for p, v in self.compliance_by_year().items()}
        summary = {
            "scenario": self.scenario_name,
            "title": self.title,
            "status": self.status.value,
            "initial": self.initial,
            "horizon": self.years,
            "ceiling_by_year": by_year("ceiling_yuan"),
            "transfers_by_year": by_year("transfers_yuan"),
            "own_spending_by_year": by_year("own_yuan"),
            "capacity_by_year": by_year("capacity_yuan"),
            "shadow_price_ceiling_by_year": by_year("shadow_price_points_per_yuan"),
            "shadow_price_ceiling_hard_by_year": by_year("shadow_price_missing_yuan_per_yuan"),
            "objectives": {k: _num(v) for k, v in self.objectives.items()},
            "unmet_hard": [
                {"requirement": r.requirement, "district": r.district, "year": int(r.year),
                 "missing_yuan": _num(r.missing_yuan)} for r in self.unmet_hard.itertuples()
            ] if len(self.unmet_hard) else [],
            "missing_yuan_total": _num(float(self.unmet_hard["missing_yuan"].sum())),
            "compliance": compliance,
            "equity": {k: (_num(v) if isinstance(v, float) else v) for k, v in self.equity.items()},
            "provenance": self.provenance,
        }
        if self.certificate is not None:
            summary["certificate"] = self.certificate
        if self.status_quo is not None:
            summary["status_quo_compliance"] = {
                p: {str(y): _num(s) for y, s in v.items()} for p, v in self.status_quo.compliance_by_year().items()}
        return summary


def _num(value: float) -> float | None:
    value = float(value)
    if math.isnan(value):
        return None
    if math.isinf(value):
        return None
    return value
