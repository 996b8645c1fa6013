"""What the CLI prints: a result, a comparison, the frontier, a diagnosis, the sensitivity
(money in 10k yuan; every figure read off the model's tables)."""

from __future__ import annotations

import numpy as np

from ..analysis.compare import headline, headline_table
from ..analysis.diagnosis import Diagnosis
from ..analysis.frontier import Frontier
from ..analysis.options import Options
from ..analysis.sensitivity import Sensitivity
from ..constants import PROGRAMS, Status
from ..results.result import Result
from ..solve.certificate import describe, proven


def format_comparison(options: Options) -> str:
    """Headline figures of every option, one line each (money in 10k yuan)."""
    table = headline_table({label: headline(scenario, result) for label, (scenario, result) in options.items()})
    labels = list(options)
    width = max(len(label) for label in labels) + 2
    columns = [("missing", "missing_hard_yuan", wan, 9), ("transfers", "transfers_yuan", wan, 10),
               ("own", "own_yuan", wan, 9), ("points", "soft_points", lambda v: f"{v:,.1f}", 10),
               ("met", "targets_met", lambda v: f"{v:.0f}/5", 5)]
    columns += [(p.value[:9], f"share.{p.value}", lambda v: f"{v:.1%}", 10) for p in PROGRAMS]
    lines = [f"Comparison of {len(labels)} options (money in 10k yuan over the horizon; compliance in "
             f"{options[labels[0]][1].years[-1]}); reference: {labels[0]}", "",
             f"{'option':{width}}" + "".join(f"{name:>{w}}" for name, _, _, w in columns) + f"{'worst cov.':>11}"]
    for label in labels:
        coverage = options[label][1].equity.get("min_coverage")
        lines.append(f"{label:{width}}" + "".join(f"{fmt(table.at[metric, label]):>{w}}"
                                                   for _, metric, fmt, w in columns)
                     + f"{(f'{coverage:.1%}' if coverage is not None else '-'):>11}")
    lines += ["", "Baselines split the reference's ceiling by a rule (see docs/decision-analysis.md); districts then spend "
              "by the same rules as the optimum."] if any(r.rule for _, r in options.values()) else []
    return "\n".join(lines)


def format_frontier(frontier: Frontier, title: str) -> str:
    """The frontier as a table (money in 10k yuan)."""
    lines = [f"Budget frontier: {title}",
             "Ceiling moved along today's year profile ("
             + ", ".join(f"{y}: {s:.1%}" for y, s in frontier.share_by_year.items()) + ").",
             "Every hard target met from a horizon total of "
             + (f"{wan(frontier.feasible_from_yuan)} (10k yuan)" if frontier.feasible_from_yuan is not None
                else "- no total: some hard target cannot be met by transfers")
             + f"; today: {wan(frontier.current_total_yuan)}.",
             "More ceiling buys nothing beyond "
             + (f"{wan(frontier.saturates_at_yuan)} (10k yuan)." if frontier.saturates_at_yuan is not None
                else "the range searched."),
             "", f"{'total ceiling':>14} {'missing':>10} {'points':>10} {'pts/+1M':>9} "
             + " ".join(f"{p.value[:9]:>9}" for p in PROGRAMS) + "  note"]
    for row in frontier.points.itertuples():
        note = "today" if row.current else ("kink" if row.kink else "")
        marginal = row.points_per_million_yuan
        lines.append(f"{wan(row.total_ceiling_yuan):>14} {wan(row.missing_hard_yuan):>10} "
                     f"{row.soft_points:>10,.1f} {cell(marginal, 9, ',.2f')} "
                     + " ".join(f"{getattr(row, 'compliance_' + p.value):>9.1%}" for p in PROGRAMS) + f"  {note}")
    lines.append("")
    lines.append(f"Method: {frontier.method}.")
    return "\n".join(lines)


def format_diagnosis(diagnosis: Diagnosis) -> str:
    """Why hard targets fail and what would fix them (money in 10k yuan)."""
    lines = [f"Diagnosis: {wan(diagnosis.missing_yuan)} (10k yuan) missing for hard targets."]
    if diagnosis.extra_ceiling_by_year is not None:
        years = ", ".join(f"{y}: {wan(v)}" for y, v in diagnosis.extra_ceiling_by_year.items() if v > 0.5)
        lines.append(f"  Least extra ceiling that meets them: {wan(diagnosis.extra_ceiling_total)} ({years}).")
    if diagnosis.uniform_total_needed is not None:
        lines.append(f"  Or raise every year's ceiling alike to a horizon total of "
                     f"{wan(diagnosis.uniform_total_needed)} "
                     f"(+{wan(diagnosis.uniform_total_needed - diagnosis.current_total)}).")
    for row in diagnosis.requirements.itertuples():
        alone = ("affordable alone" if row.missing_if_alone_yuan <= 1
                 else f"{wan(row.missing_if_alone_yuan)} missing even alone")
        lines.append(f"  {row.requirement}: {wan(row.missing_yuan)} missing ({row.years}; {row.districts}); {alone}.")
    for a, b in diagnosis.conflicts:
        lines.append(f"  Conflict: {a} and {b} cannot both be met.")
    if diagnosis.binding["ceiling_years"]:
        lines.append("  Money that runs out: ceiling in " + ", ".join(map(str, diagnosis.binding["ceiling_years"]))
                     + f"; {len(diagnosis.binding['district_budgets'])} district budget-years.")
    lines.append("  Alternatives:")
    for row in diagnosis.alternatives.to_dict("records"):
        lines.append(f"    {row['kind']:24} {row['parameter']:36} missing after: "
                     f"{wan(row['missing_after_yuan']):>8}; cost: {row['cost']}")
    lines += [f"  Note: {n}" for n in diagnosis.notes]
    return "\n".join(lines)


def format_sensitivity(analysis: Sensitivity) -> str:
    """Shadow prices, their ranges and what one million buys."""
    lines = ["Sensitivity (money in 10k yuan)",
             f"  {'year':6}{'price':>14} {'unit':30}{'holds from':>12}{'to':>12}{'+1M: points':>13}{'-1M: points':>13}"]
    for row in analysis.ceiling.to_dict("records"):
        price = row["price"] * (1e6 if row["price_unit"] == "points per yuan" else 1.0)
        unit = "points per +1M yuan" if row["price_unit"] == "points per yuan" else row["price_unit"]
        to = "no limit" if not np.isfinite(row["holds_to_yuan"]) else wan(row["holds_to_yuan"])
        lines.append(f"  {row['year']:<6}{price:>14,.3f} {unit:30}{wan(row['holds_from_yuan']):>12}{to:>12}"
                     f"{row.get('plus_million_points', np.nan):>13,.2f}{row.get('minus_million_points', np.nan):>13,.2f}")
    if len(analysis.next_million):
        lines.append("  Where one more million goes (change in money closing gaps, 10k yuan):")
        plus = analysis.next_million[analysis.next_million.change_yuan > 0]
        for year, rows in plus.groupby("year"):
            top = rows.sort_values("closed_yuan", ascending=False).head(3)
            lines.append(f"    {year}: " + "; ".join(f"{r.district} {r.program} +{wan(r.closed_yuan)}"
                                                   for r in top.itertuples() if r.closed_yuan > 0.5))
    if len(analysis.targets):
        lines.append("  Hard targets:")
        for row in analysis.targets.to_dict("records"):
            if "marginal_points_per_yuan" in row and np.isfinite(row.get("marginal_points_per_yuan", np.nan)):
                money = row.get("drop_money_equivalent_yuan", np.nan)
                lines.append(f"    {row['requirement']:24} needs {wan(row['requirement_yuan'])}; each +1M of it costs "
                             f"{row['marginal_points_per_yuan'] * 1e6:,.2f} points (holds for x"
                             f"{row['holds_from_scale']:.2f} to x{row['holds_to_scale']:.2f}); dropping it would "
                             f"gain {row['drop_points_gain']:,.1f} points"
                             + (f", worth {wan(money)} of ceiling" if np.isfinite(money) else ""))
            else:
                lines.append(f"    {row['requirement']:24} needs {wan(row['requirement_yuan'])}; each yuan of it adds "
                             f"{row.get('marginal_missing_per_yuan', np.nan):,.2f} yuan missing")
    if len(analysis.deadlines):
        lines.append("  Deadlines one year later:")
        for row in analysis.deadlines.to_dict("records"):
            if row.get("to_year") is None or row.get("to_year") != row.get("to_year"):
                lines.append(f"    {row['deadline']:34} {row['note']}")
                continue
            money = row.get("money_equivalent_yuan", np.nan)
            lines.append(f"    {row['deadline']:34} {row['from_year']}->{int(row['to_year'])}: "
                         f"+{row['points_gain']:,.1f} points"
                         + (f" (worth {wan(money)} of ceiling)" if np.isfinite(money) else "")
                         + f", {row['compliance_given_up']:.1%} of the target given up in {row['from_year']}")
    return "\n".join(lines)


def wan(yuan: float) -> str:
    """Yuan as 10k yuan (万元) with thousands separators."""
    return f"{yuan / 1e4:,.0f}"


def cell(value: float, width: int, fmt: str) -> str:
    return f"{'n/a':>{width}}" if value != value else f"{value:>{width}{fmt}}"


def format_certificate(certificate: dict) -> str:
    """The line of ``run --certify``: how far each stage can be above its optimum."""
    return (f"Certified in {certificate['seconds']:.2f} s (Lagrangian bound at the solve's duals, every "
            f"unit's programs solved exactly): each stage at most this far above its optimum, "
            f"relative: {describe(certificate)}" + ("." if proven(certificate) else " - NOT proven within 1e-6."))


def format_summary(result: Result) -> str:
    """A short human summary of a result (money in 10k yuan)."""
    years = result.years
    lines = [f"{result.title} ({result.scenario_name})"]
    if result.status == Status.OPTIMAL:
        lines.append("Status: optimal - every hard target is met within the ceiling.")
    else:
        missing = result.unmet_hard["missing_yuan"].sum()
        lines.append(f"Status: hard targets unmet - {wan(missing)} (10k yuan) missing in all.")
    init = result.initial
    lines.append(f"{len(result.districts)} districts, {init['committees']:,.0f} committees, "
                 f"{init['members']:,.0f} members, {init['uninsured_members']:,.0f} uninsured; "
                 f"{years[0]}-{years[-1]}.")
    money = result.money
    width = 10
    header = "".join(f"{y:>{width}}" for y in years)
    lines += ["", f"{'Money (10k yuan)':34}{header}"]
    for label, column in [("city ceiling", "ceiling_yuan"), ("city transfers", "transfers_yuan"),
                          ("district own spending", "own_yuan"), ("district capacity", "capacity_yuan")]:
        lines.append(f"  {label:32}" + "".join(f"{wan(v):>{width}}" for v in money[column]))
    lines.append(f"  {'+1M yuan of ceiling buys (points)':32}"
                 + "".join(cell(v * 1e6, width, ".1f") for v in money["shadow_price_points_per_yuan"]))
    if result.status != Status.OPTIMAL:
        lines.append(f"  {'+1 yuan cuts missing money by':32}"
                     + "".join(cell(v, width, ".2f") for v in money["shadow_price_missing_yuan_per_yuan"]))
    if money["shadow_price_points_per_yuan"].isna().all():
        lines.append("  (shadow prices need --solver highs: CBC does not report reliable duals)")
    lines += ["", f"{'Compliance at year end':34}{header}"]
    city = result.compliance_by_year()
    start = {"office_space": init["office_space_compliance"], "service_space": init["service_space_compliance"]}
    for program in PROGRAMS:
        label = program.value + (f" (now {start[program.value]:.1%})" if program.value in start else "")
        lines.append(f"  {label:32}" + "".join(f"{city[program.value][y]:>{width}.1%}" for y in years))
    if result.status_quo is not None:
        sq = result.status_quo.compliance_by_year()
        lines += ["", f"{'Without transfers (status quo)':34}{header}"]
        for program in PROGRAMS:
            lines.append(f"  {program.value:32}" + "".join(f"{sq[program.value][y]:>{width}.1%}" for y in years))
    if len(result.unmet_hard):
        lines += ["", "Missing money for hard targets (10k yuan):"]
        table = result.unmet_hard.groupby(["requirement", "year"])["missing_yuan"].sum()
        for (requirement, year), value in table.items():
            districts = result.unmet_hard[(result.unmet_hard.requirement == requirement)
                                          & (result.unmet_hard.year == year)]
            names = ", ".join(districts.sort_values("missing_yuan", ascending=False)["district"].head(4))
            more = len(districts) - 4
            lines.append(f"  {requirement:24} {year}  {wan(value):>8}  ({names}{f' +{more} more' if more > 0 else ''})")
    lines.append("")
    lines.append(f"Solved with {result.provenance['solver_version']} in "
                 f"{result.provenance['solve_seconds']:.2f} s; scenario sha256 "
                 f"{result.provenance['scenario_sha256'][:12]}.")
    return "\n".join(lines)


def format_rate(count: int, seconds: float) -> str:
    """Points a second, legible at any speed: 1,018 for a city sweep, 0.057 for national draws."""
    rate = count / max(seconds, 1e-9)
    return f"{rate:,.0f}" if rate >= 10 else f"{rate:.2g}"
