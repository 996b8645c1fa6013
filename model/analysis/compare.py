"""Headline numbers of a result, and comparisons between scenarios and their results.

Everything here is computed from the result tables of :func:`model.solve` and the
scenario parameters, so each figure the app shows traces to the model:

- :func:`targets`: each program's target, whether it is met and by how much;
- :func:`headline`: the figures a decision maker reads first, in model units;
- :func:`headline_table` and :func:`differences`: those figures side by side and
  against a reference scenario;
- :func:`district_summary` and :func:`district_changes`: who gains and who loses;
- :func:`program_summary` and :func:`program_changes`: the same by district and program;
- :func:`input_differences`: which inputs differ between scenarios.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from ..constants import (
    PROGRAMS,
    REQUIREMENT_PROGRAM,
    Program,
    Requirement,
)
from ..results.result import Result
from ..scenario.scenario import Scenario
from ..scenario.schema import DISTRICT_COLUMNS, parameter_for

#: Shares within this of the target count as meeting it (solver round-off).
TARGET_TOLERANCE = 1e-6
#: Money changes smaller than this (yuan) are no change for a district.
MONEY_TOLERANCE_YUAN = 1.0
#: Inputs that label a scenario rather than change it.
LABEL_KEYS = ("scenario.name", "scenario.description", "scenario.districts")


def targets(scenario: Scenario, result: Result) -> pd.DataFrame:
    """Each program's target against what the result achieves.

    A deadline target (office space, service rooms) is judged from its deadline
    on; a standard that holds every year (operating funds, the minimum wage,
    insurance) from the year it applies. ``achieved_share`` is the city-wide
    share at standard in the worst of those years.

    Returns
    -------
    DataFrame
        program, hard (bool), target_share, from_year, achieved_share,
        worst_year, met (bool), shortfall_share (target minus achieved, at least
        0), missing_yuan (money missing for the program's hard requirements).
    """
    p = scenario.params
    first = scenario.years[0]
    spec = {
        Program.OFFICE_SPACE: (bool(p["office_space.hard"]), 1.0, p["office_space.deadline"]),
        Program.SERVICE_SPACE: (bool(p["service_space.hard"]), float(p["service_space.target_share"]),
                                p["service_space.deadline"]),
        Program.OPERATING_FUNDS: (bool(p["operating_funds.hard"]), 1.0, first),
        Program.MEMBER_SUBSIDY: (True, 1.0, p["member_subsidy.minimum_wage_from"]),
        Program.SOCIAL_INSURANCE: (True, 1.0, p["social_insurance.deadline"]),
    }
    city = result.compliance_by_year()
    missing = _missing_by_program(result)
    rows = []
    for program in PROGRAMS:
        hard, target, from_year = spec[program]
        shares = {year: share for year, share in city[program.value].items() if year >= from_year}
        worst_year = min(shares, key=lambda y: (shares[y], y))
        achieved = shares[worst_year]
        rows.append({
            "program": program.value,
            "hard": hard,
            "target_share": target,
            "from_year": int(from_year),
            "achieved_share": achieved,
            "worst_year": int(worst_year),
            "met": achieved >= target - TARGET_TOLERANCE,
            "shortfall_share": max(target - achieved, 0.0) if achieved < target - TARGET_TOLERANCE else 0.0,
            "missing_yuan": missing.get(program.value, 0.0),
        })
    return pd.DataFrame(rows)


def _missing_by_program(result: Result) -> dict[str, float]:
    if not len(result.unmet_hard):
        return {}
    program = result.unmet_hard["requirement"].map(lambda r: REQUIREMENT_PROGRAM[Requirement(r)].value)
    return result.unmet_hard.groupby(program)["missing_yuan"].sum().to_dict()


def headline_metrics(years: list[int]) -> list[str]:
    """Ids of the headline figures, in the order they are shown."""
    return (["transfers_yuan", "ceiling_yuan", "ceiling_used_share", "own_yuan", "capacity_yuan",
             "missing_hard_yuan", "targets_met", "targets", "soft_points"]
            + [f"share.{p.value}" for p in PROGRAMS]
            + [f"points_per_million.{y}" for y in years]
            + [f"missing_cut_per_million.{y}" for y in years])


def headline(scenario: Scenario, result: Result) -> pd.Series:
    """The figures a decision maker reads first, in model units.

    Returns
    -------
    Series
        Indexed by :func:`headline_metrics`: money in yuan over the horizon
        (``transfers_yuan``, ``ceiling_yuan`` - the sum of the yearly ceilings -,
        ``own_yuan``, ``capacity_yuan``, ``missing_hard_yuan``), counts of
        targets met, the soft points of stage 2, each program's city-wide share
        at standard in the last year (``share.<program>``), and per year the
        value of one more million yuan of ceiling: soft points
        (``points_per_million.<year>``) and, when hard targets are unmet,
        missing yuan avoided (``missing_cut_per_million.<year>``). Both are the
        LP duals times one million: marginal values, exact for small changes.
    """
    money = result.money
    table = targets(scenario, result)
    last = result.years[-1]
    city = result.compliance_by_year()
    ceiling = float(money["ceiling_yuan"].sum())
    transfers = float(money["transfers_yuan"].sum())
    values: dict[str, float] = {
        "transfers_yuan": transfers,
        "ceiling_yuan": ceiling,
        "ceiling_used_share": transfers / ceiling if ceiling > 0 else 0.0,
        "own_yuan": float(money["own_yuan"].sum()),
        "capacity_yuan": float(money["capacity_yuan"].sum()),
        "missing_hard_yuan": float(result.unmet_hard["missing_yuan"].sum()) if len(result.unmet_hard) else 0.0,
        "targets_met": float(table["met"].sum()),
        "targets": float(len(table)),
        "soft_points": float(result.objectives["soft_points"]),
    }
    for program in PROGRAMS:
        values[f"share.{program.value}"] = city[program.value][last]
    for year, soft, hard in zip(money["year"], money["shadow_price_points_per_yuan"],
                                money["shadow_price_missing_yuan_per_yuan"]):
        values[f"points_per_million.{int(year)}"] = float(soft) * 1e6
        values[f"missing_cut_per_million.{int(year)}"] = float(hard) * 1e6
    return pd.Series(values, name=scenario.title)[headline_metrics(result.years)]


def headline_table(headlines: Mapping[str, pd.Series]) -> pd.DataFrame:
    """Headline figures side by side: a row per metric, a column per scenario.

    Metrics missing for a scenario (another horizon) are NaN.
    """
    order: list[str] = []
    for series in headlines.values():
        order += [m for m in series.index if m not in order]
    table = pd.DataFrame({label: series for label, series in headlines.items()}).reindex(order)
    table.index.name = "metric"
    return table


def differences(table: pd.DataFrame, reference: str) -> pd.DataFrame:
    """Each scenario's figures minus the reference scenario's (``reference`` column dropped)."""
    if reference not in table.columns:
        raise KeyError(f"{reference!r} is not a compared scenario")
    return table.drop(columns=[reference]).sub(table[reference], axis=0)


def district_summary(result: Result) -> pd.DataFrame:
    """Per district over the horizon: money received and spent, and coverage at the end.

    Returns
    -------
    DataFrame
        district, transfers_yuan, own_yuan, closed_yuan (money closing gaps),
        left_yuan (gaps left open), and ``share.<program>``: the district's share
        at standard in the last year.
    """
    money = result.allocation.groupby("district", sort=False)[
        ["transfer_yuan", "own_yuan", "closed_yuan", "left_yuan"]].sum()
    money = money.rename(columns={"transfer_yuan": "transfers_yuan"})
    last = result.years[-1]
    rows = result.compliance[(result.compliance["year"] == last) & (result.compliance["district"] != "city")]
    shares = rows.pivot(index="district", columns="program", values="share")
    shares = shares[[p.value for p in PROGRAMS]].add_prefix("share.")
    out = money.join(shares).reindex(result.districts)
    out.index.name = "district"
    return out.reset_index()


def district_changes(results: Mapping[str, Result], reference: str) -> pd.DataFrame:
    """Winners and losers by district: each scenario against the reference.

    Returns
    -------
    DataFrame
        scenario, district, transfers_yuan, reference_transfers_yuan,
        transfers_change_yuan, closed_change_yuan (change in all money closing
        the district's gaps, own and city), ``share_change.<program>`` (in the
        last year, as a share), and outcome: ``gains`` / ``loses`` / ``same``
        by the change in city transfers received.
    """
    base = district_summary(results[reference]).set_index("district")
    frames = []
    for label, result in results.items():
        if label == reference:
            continue
        other = district_summary(result).set_index("district")
        common = [d for d in other.index if d in base.index]
        frame = pd.DataFrame({
            "scenario": label,
            "district": common,
            "transfers_yuan": other.loc[common, "transfers_yuan"].to_numpy(),
            "reference_transfers_yuan": base.loc[common, "transfers_yuan"].to_numpy(),
        })
        frame["transfers_change_yuan"] = frame["transfers_yuan"] - frame["reference_transfers_yuan"]
        frame["closed_change_yuan"] = (other.loc[common, "closed_yuan"] - base.loc[common, "closed_yuan"]).to_numpy()
        for program in PROGRAMS:
            column = f"share.{program.value}"
            frame[f"share_change.{program.value}"] = (other.loc[common, column] - base.loc[common, column]).to_numpy()
        change = frame["transfers_change_yuan"]
        frame["outcome"] = np.where(change > MONEY_TOLERANCE_YUAN, "gains",
                                    np.where(change < -MONEY_TOLERANCE_YUAN, "loses", "same"))
        frames.append(frame)
    if not frames:
        return pd.DataFrame(columns=["scenario", "district", "transfers_yuan", "reference_transfers_yuan",
                                     "transfers_change_yuan", "closed_change_yuan", "outcome"])
    return pd.concat(frames, ignore_index=True)


def program_summary(result: Result) -> pd.DataFrame:
    """Per district and program over the horizon: money, and the share at standard at the end.

    Returns
    -------
    DataFrame
        district, program (every district x program, in the result's order),
        closed_yuan (money closing the program's gaps, own and city),
        transfers_yuan (city transfers attributed to the program: a district-year's
        transfer is split over its programs in proportion to the money they
        close, as in ``allocation.csv``), own_yuan, left_yuan (gaps left open) and
        share (the district's share at standard in the last year).
    """
    money = result.allocation.groupby(["district", "program"], sort=False)[
        ["closed_yuan", "transfer_yuan", "own_yuan", "left_yuan"]].sum()
    money = money.rename(columns={"transfer_yuan": "transfers_yuan"})
    last = result.years[-1]
    rows = result.compliance[(result.compliance["year"] == last) & (result.compliance["district"] != "city")]
    shares = rows.set_index(["district", "program"])["share"]
    index = pd.MultiIndex.from_product([result.districts, [p.value for p in PROGRAMS]],
                                       names=["district", "program"])
    out = money.reindex(index, fill_value=0.0)
    out["share"] = shares.reindex(index)
    return out.reset_index()


def program_changes(results: Mapping[str, Result], reference: str) -> pd.DataFrame:
    """The change per district and program: each result against the reference.

    Parameters
    ----------
    results : mapping of label to Result
        Two or more results (the reference among them).
    reference : str
        Label of the result the others are measured against.

    Returns
    -------
    DataFrame
        scenario, district, program, closed_yuan, reference_closed_yuan,
        closed_change_yuan (money closing the program's gaps in the district over
        the horizon, own and city), transfers_yuan, reference_transfers_yuan,
        transfers_change_yuan (city transfers attributed to the program, see
        :func:`program_summary`), share, reference_share, share_change (share at
        standard in the last year) and outcome: ``gains`` / ``loses`` / ``same``
        by the change in money closing the gaps (more than
        :data:`MONEY_TOLERANCE_YUAN` either way). Summed over programs, the
        transfer changes are :func:`district_changes`' ``transfers_change_yuan``.
        Only districts present in both results are compared.
    """
    if reference not in results:
        raise KeyError(f"{reference!r} is not a compared result")
    base = program_summary(results[reference]).set_index(["district", "program"])
    columns = ["scenario", "district", "program", "closed_yuan", "reference_closed_yuan", "closed_change_yuan",
               "transfers_yuan", "reference_transfers_yuan", "transfers_change_yuan", "share",
               "reference_share", "share_change", "outcome"]
    frames = []
    for label, result in results.items():
        if label == reference:
            continue
        other = program_summary(result).set_index(["district", "program"])
        common = [key for key in other.index if key in base.index]
        frame = pd.DataFrame({
            "scenario": label,
            "district": [d for d, _ in common],
            "program": [p for _, p in common],
        })
        for column in ("closed_yuan", "transfers_yuan", "share"):
            stem = column.removesuffix("_yuan")
            after = other.loc[common, column].to_numpy()
            before = base.loc[common, column].to_numpy()
            frame[column] = after
            frame[f"reference_{column}"] = before
            frame[f"{stem}_change{'_yuan' if column.endswith('_yuan') else ''}"] = after - before
        change = frame["closed_change_yuan"]
        frame["outcome"] = np.where(change > MONEY_TOLERANCE_YUAN, "gains",
                                    np.where(change < -MONEY_TOLERANCE_YUAN, "loses", "same"))
        frames.append(frame[columns])
    if not frames:
        return pd.DataFrame(columns=columns)
    return pd.concat(frames, ignore_index=True)


def _inputs(scenario: Scenario) -> dict[str, Any]:
    values = {k: v for k, v in scenario.params.items() if k not in LABEL_KEYS}
    columns = [c.name for c in DISTRICT_COLUMNS if c.name not in ("id", "source")]
    for d_id, row in scenario.districts.iterrows():
        for column in columns:
            values[f"districts.{d_id}.{column}"] = row[column]
    return values


def _same(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, (int, float, np.number)) and isinstance(b, (int, float, np.number)) \
            and not isinstance(a, bool) and not isinstance(b, bool):
        if np.isnan(a) or np.isnan(b):
            return bool(np.isnan(a) and np.isnan(b))
        return float(a) == float(b)
    return a == b


def unit_of(key: str) -> str:
    """The unit of a parameter or district-cell key (``-`` when it has none)."""
    param = parameter_for(key)
    if param is not None:
        return param.unit
    column = key.rsplit(".", 1)[-1]
    for c in DISTRICT_COLUMNS:
        if c.name == column:
            return c.unit
    return "-"


def input_differences(scenarios: Mapping[str, Scenario]) -> pd.DataFrame:
    """The inputs whose values are not the same in every scenario.

    Parameters
    ----------
    scenarios : mapping of label to Scenario

    Returns
    -------
    DataFrame
        key (dotted, as ``--set`` takes it; district cells as
        ``districts.<id>.<column>``), unit, then one column per scenario with
        its value (None where a scenario lacks the key). Labels (the scenario
        name, description and district file name) are left out.
    """
    inputs = {label: _inputs(s) for label, s in scenarios.items()}
    keys: list[str] = []
    seen: set[str] = set()
    for values in inputs.values():
        for key in values:
            if key not in seen:
                seen.add(key)
                keys.append(key)
    rows = []
    for key in keys:
        values = [inputs[label].get(key) for label in scenarios]
        if all(_same(values[0], v) for v in values[1:]):
            continue
        row = {"key": key, "unit": unit_of(key)}
        row.update({label: _plain(v) for label, v in zip(scenarios, values)})
        rows.append(row)
    return pd.DataFrame(rows, columns=["key", "unit", *scenarios])


def _plain(value: Any) -> Any:
    if hasattr(value, "item") and not isinstance(value, str):
        return value.item()
    return value
