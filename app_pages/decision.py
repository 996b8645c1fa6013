"""Decision-analysis sections of the Results page: why hard targets fail and what would fix
it, what a million buys and what targets cost, and equity between districts.

UI only: every number comes from ``model.analysis.diagnosis``, ``model.analysis.sensitivity`` and the
result's equity tables, through the cached calls in :mod:`app_pages.state`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st

from app_pages import state
from app_pages.i18n import TEXT, group_label, param_label, program_label, requirement_label, t, unit_label
from app_pages.ui import WAN, district_names, money, number, pct, pts, table_height, tables_section, wan
from model import Result, Scenario, Status
from model.analysis.compare import unit_of
from model.analysis.diagnosis import Diagnosis
from model.analysis.frontier import MISSING_TOLERANCE
from model.scenario.links import ScenarioRef
from model.analysis.sensitivity import Sensitivity

#: Rows of "where the next million goes" smaller than this either way are left out of the
#: screen (they round to 0.0 in 10k yuan); the download keeps every row.
SHOWN_MINIMUM_YUAN = 500.0
PROGRAM_COLOURS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b"]
PROGRAM_ORDER = ["office_space", "service_space", "operating_funds", "member_subsidy", "social_insurance"]


def key_text(key: str) -> str:
    """A parameter key for people: its group and short label (``Office space: Deadline``)."""
    group = key.split(".")[0]
    return f"{group_label(group)}: {param_label(key)}"


def names_text(ids: list[str], names: Mapping[str, str]) -> str:
    """Ids as names, listed the way the language lists them."""
    return t("list_sep").join(names.get(i, i) for i in ids)


def years_text(years: list[int]) -> str:
    """``2006–2008`` for a run of years, else the years listed."""
    years = sorted(years)
    if len(years) > 2 and years == list(range(years[0], years[-1] + 1)):
        return f"{years[0]}–{years[-1]}"
    return ", ".join(str(y) for y in years)


# --- why hard targets fail, and what would fix it -------------------------------------------
def diagnosis_section(scenario: Scenario, result: Result, ref: ScenarioRef) -> None:
    """The diagnosis of unmet hard targets (computed here, with progress; cached)."""
    st.subheader(t("dx_heading"))
    if state.is_large(scenario) and not state.requested("diagnosis", ref):
        st.info(t("large_scenario", units=f"{len(scenario.unit_table):,}"))
        st.button(t("dx_button"), key="diagnosis_button", icon=":material/troubleshoot:",
                  on_click=state.request, args=("diagnosis", ref))
        return
    progress = st.progress(0.0, text=t("dx_step_frontier"))
    state.frontier_of(ref)
    progress.progress(0.5, text=t("dx_step_diagnosis"))
    diagnosis = state.diagnosis_of(ref)
    progress.empty()
    if diagnosis is None:  # the result meets every hard target
        return
    show_diagnosis(diagnosis, scenario)


def show_diagnosis(d: Diagnosis, scenario: Scenario) -> None:
    names = district_names(scenario)
    residual = _residual(d)
    cols = st.columns(3)
    cols[0].metric(f"{t('missing_money')} ({t('unit_wan')})", wan(d.missing_yuan))
    if d.extra_ceiling_total is not None:
        cols[1].metric(f"{t('dx_extra_total')} ({t('unit_wan')})", wan(d.extra_ceiling_total),
                       help=t("dx_extra_help"))
    if d.uniform_total_needed is not None:
        extra = d.uniform_total_needed - d.current_total
        share = extra / d.current_total if d.current_total > 0 else math.nan
        cols[2].metric(f"{t('dx_uniform')} ({t('unit_wan')})", wan(d.uniform_total_needed),
                       delta=f"{wan(extra, True)} ({share:+.1%})" if share == share else wan(extra, True),
                       delta_color="off", help=t("dx_uniform_help"))
    else:
        cols[2].metric(t("dx_uniform"), t("fr_never"), help=t("dx_uniform_help"))
    if residual > MISSING_TOLERANCE:
        st.warning(t("dx_residual", missing=money(residual)))

    left, right = st.columns([1, 1])
    with left:
        st.markdown(f"**{t('dx_extra_by_year')}**")
        if d.extra_ceiling_by_year is not None:
            ceiling = scenario.by_year("city.ceiling_yuan")
            unit = t("unit_wan")
            frame = pd.DataFrame({
                t("col_year"): [str(y) for y in d.extra_ceiling_by_year],
                f"{t('dx_col_today')} ({unit})": [ceiling[y] / WAN for y in d.extra_ceiling_by_year],
                f"{t('dx_col_extra')} ({unit})": [v / WAN for v in d.extra_ceiling_by_year.values()],
                f"{t('dx_col_needed')} ({unit})": [(ceiling[y] + v) / WAN for y, v in d.extra_ceiling_by_year.items()],
            })
            config = {c: st.column_config.NumberColumn(c, format="%,.1f") for c in frame.columns[1:]}
            st.dataframe(frame, hide_index=True, width="stretch", column_config=config)
    with right:
        st.markdown(f"**{t('dx_why')}**")
        st.markdown("\n".join(f"- {line}" for line in why_lines(d, names)))

    st.markdown(f"**{t('dx_requirements')}**")
    unit = t("unit_wan")
    rows = []
    for r in d.requirements.itertuples():
        districts = [x.strip() for x in str(r.districts).split(",") if x.strip()]
        rows.append({
            t("col_requirement"): requirement_label(r.requirement),
            f"{t('col_missing')} ({unit})": r.missing_yuan / WAN,
            f"{t('dx_col_alone')} ({unit})": r.missing_if_alone_yuan / WAN,
            t("dx_col_affordable"): bool(r.missing_if_alone_yuan <= MISSING_TOLERANCE),
            t("col_year"): str(r.years),
            t("dx_col_where"): names_text(districts, names),
        })
    frame = pd.DataFrame(rows)
    config = {c: st.column_config.NumberColumn(c, format="%,.1f") for c in frame.columns[1:3]}
    config[t("dx_col_affordable")] = st.column_config.CheckboxColumn(t("dx_col_affordable"))
    st.dataframe(frame, hide_index=True, width="stretch", column_config=config)
    st.caption(t("dx_alone_help"))

    st.markdown(f"**{t('dx_alternatives')}**")
    label = f"{t('dx_col_missing_after')} ({t('unit_wan')})"
    table = alternatives_table(d, names)
    st.dataframe(table, hide_index=True, width="stretch", height=table_height(len(table)),
                 column_config={label: st.column_config.NumberColumn(label, format="%,.1f"),
                                t("dx_col_fixes"): st.column_config.CheckboxColumn(t("dx_col_fixes"))})
    st.caption(t("dx_alternatives_help"))


def why_lines(d: Diagnosis, names: Mapping[str, str]) -> list[str]:
    """Conflicts, requirements that fail even alone, money that runs out, what the law fixes."""
    lines = []
    requirements = list(d.requirements.itertuples()) if len(d.requirements) else []
    unaffordable = [r.requirement for r in requirements if r.missing_if_alone_yuan > MISSING_TOLERANCE]
    for requirement in unaffordable:
        lines.append(t("dx_not_alone", name=requirement_label(requirement)))
    for a, b in d.conflicts:
        lines.append(t("dx_conflict", a=requirement_label(a), b=requirement_label(b)))
    affordable = [r.requirement for r in requirements if r.missing_if_alone_yuan <= MISSING_TOLERANCE]
    if len(affordable) > 1 and not d.conflicts:
        together = t("dx_together_all") if not unaffordable else t("dx_together_others")
        lines.append(t("dx_no_pair_conflict", names=names_text([requirement_label(r) for r in affordable], {}),
                       together=together))
    elif len(affordable) == 1 and len(requirements) > 1:
        lines.append(t("dx_alone_one", name=requirement_label(affordable[0])))
    binding = d.binding or {}
    if binding.get("ceiling_years"):
        lines.append(t("dx_binding_ceiling", years=years_text(binding["ceiling_years"])))
    budgets: dict[str, list[int]] = {}
    for district, year in binding.get("district_budgets", []):
        budgets.setdefault(district, []).append(int(year))
    if budgets:
        lines.append(t("dx_binding_budgets", budgets="; ".join(
            f"{names.get(k, k)} ({years_text(v)})" for k, v in budgets.items())))
    for requirement in [r.requirement for r in requirements]:
        if requirement in ("minimum_wage", "social_insurance"):
            lines.append(t(f"dx_legal_{requirement}"))
    return lines


def _residual(d: Diagnosis) -> float:
    """Money still missing with an unlimited ceiling (co-financing or budgets bind)."""
    rows = d.alternatives[d.alternatives["kind"] == "raise_ceiling"] if len(d.alternatives) else []
    return float(rows["missing_after_yuan"].iloc[0]) if len(rows) else 0.0


def _by_year_text(values: Mapping) -> str:
    return ", ".join(f"{y}: {wan(v)}" for y, v in values.items() if v is not None and v > 0.5)


def alternatives_table(d: Diagnosis, names: Mapping[str, str]) -> pd.DataFrame:
    """The diagnosis's alternatives for people: what to change, its cost, what is still missing."""
    rows = []
    for a in d.alternatives.to_dict("records"):
        kind, key = a["kind"], a["parameter"]
        option = t(f"alt_{kind}") if f"alt_{kind}" in TEXT else kind
        if kind == "move_deadline":
            what = f"{key_text(key)}: {int(a['from'])} → {int(a['to'])}"
            cost = t("alt_cost_deadline", year=int(a["from"]), share=pct(1.0 - a["cost_value"]))
        elif kind == "lower_standard":
            unit = unit_label(unit_of(key))
            what = f"{key_text(key)}: {a['from']:,.4g} → {a['to']:,.4g} {unit}"
            cost = t("alt_cost_standard", cut=f"{a['cost_value']:,.4g}", unit=unit)
        elif kind == "raise_own_contribution":
            district = a.get("district") or key.split(".")[1]
            what = names.get(district, district)
            cost = t("alt_cost_money", total=money(a["cost_value"]), years=_by_year_text(a.get("extra_by_year") or {}))
        elif kind == "raise_ceiling":
            what = t("alt_every_year")
            cost = t("alt_cost_money", total=money(a["cost_value"]),
                     years=_by_year_text(d.extra_ceiling_by_year or {}))
        else:  # a kind this page does not know yet: the model's own words
            what, cost = str(key), str(a.get("cost", ""))
        rows.append({t("dx_col_option"): option, t("dx_col_change"): what,
                     f"{t('dx_col_missing_after')} ({t('unit_wan')})": a["missing_after_yuan"] / WAN,
                     t("dx_col_fixes"): bool(a["missing_after_yuan"] <= MISSING_TOLERANCE),
                     t("dx_col_cost"): cost})
    return pd.DataFrame(rows)


# --- what a million buys, and what targets cost --------------------------------------------
def analysis_section(scenario: Scenario, result: Result, ref: ScenarioRef, title: str) -> None:
    """Shadow prices, ranges, the next million, target and deadline costs (on demand, cached)."""
    st.subheader(t("an_heading"))
    if not state.requested("analysis", ref):
        st.caption(t("an_intro"))
        if state.is_large(scenario):
            st.warning(t("large_scenario", units=f"{len(scenario.unit_table):,}"))
        st.button(t("an_button"), key="analysis_button", icon=":material/calculate:",
                  on_click=state.request, args=("analysis", ref))
        return
    progress = st.progress(0.0, text=t("an_step_frontier"))
    state.frontier_of(ref)
    progress.progress(0.4, text=t("an_step_prices"))
    analysis = state.sensitivity_of(ref)
    progress.empty()
    show_analysis(analysis, scenario, result, title)


def show_analysis(s: Sensitivity, scenario: Scenario, result: Result, title: str) -> None:
    names = district_names(scenario)
    hard = result.status != Status.OPTIMAL
    unit = t("unit_wan")

    st.markdown(f"**{t('an_ceiling')}**")
    rows = []
    for r in s.ceiling.to_dict("records"):
        row = {t("col_year"): str(r["year"]), f"{t('col_ceiling')} ({unit})": wan(r["ceiling_yuan"])}
        if hard:
            row[f"{t('an_col_price_missing')} ({unit})"] = wan(r["price"] * 1e6)
        else:
            row[t("an_col_price_points")] = number(r["price"] * 1e6, 2)
        holds = f"{wan(r['holds_from_yuan'])} – " + (
            wan(r["holds_to_yuan"]) if np.isfinite(r["holds_to_yuan"]) else t("an_no_limit"))
        # Today's ceiling at a breakpoint: the dual is the slope on one side only.
        at_kink = 1e-6 * max(1.0, r["ceiling_yuan"])
        if abs(r["holds_to_yuan"] - r["ceiling_yuan"]) <= at_kink:
            holds += f" ({t('an_cuts_only')})"
        elif abs(r["holds_from_yuan"] - r["ceiling_yuan"]) <= at_kink and r["ceiling_yuan"] > 0:
            holds += f" ({t('an_rises_only')})"
        row[f"{t('an_col_holds')} ({unit})"] = holds
        for sign in ("plus", "minus"):
            label = t(f"an_col_{sign}")
            points = r.get(f"{sign}_million_points", np.nan)
            missing = r.get(f"{sign}_million_missing_yuan", np.nan)
            parts = []
            if missing == missing and abs(missing) >= 0.5:
                parts.append(t("an_missing_change", change=money(missing, True)))
            if points == points and (abs(points) >= 0.05 or not parts):
                parts.append(t("points", value=number(points, 1, signed=True)))
            row[label] = "; ".join(parts) if parts else "–"
        rows.append(row)
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
    st.caption(t("an_ceiling_help_hard") if hard else t("an_ceiling_help"))

    st.markdown(f"**{t('an_where')}**")
    moves = s.next_million
    if moves.empty:
        st.caption(t("an_nowhere"))
    else:
        left, right = st.columns([1, 1])
        years = sorted(moves["year"].unique().tolist())
        year = left.selectbox(t("year"), years, key="analysis_year")
        directions = {"plus": t("an_plus_direction"), "minus": t("an_minus_direction")}
        direction = right.segmented_control(t("an_direction"), list(directions), format_func=directions.get,
                                            default="plus", key="analysis_direction") or "plus"
        chosen = moves[(moves["year"] == year) & ((moves["change_yuan"] > 0) == (direction == "plus"))]
        change = float(chosen["change_yuan"].iloc[0]) if len(chosen) else 0.0
        shown = chosen[(chosen["closed_yuan"].abs() >= SHOWN_MINIMUM_YUAN)
                       | (chosen["transfer_yuan"].abs() >= SHOWN_MINIMUM_YUAN)]
        if shown.empty:
            st.caption(t("an_nowhere_year", year=year))
        else:
            st.caption(t("an_where_caption", change=money(change, True), year=year))
            left, right = st.columns([1, 1])
            with left:
                st.altair_chart(next_million_chart(shown, names), width="stretch")
            with right:
                table = pd.DataFrame({
                    t("col_district"): shown["district"].map(lambda d: names.get(d, d)),
                    t("col_program"): shown["program"].map(program_label),
                    # solver round-off (a few yuan) shows as 0.0, not -0.0
                    f"{t('an_col_closed')} ({unit})": shown["closed_yuan"].where(
                        shown["closed_yuan"].abs() >= SHOWN_MINIMUM_YUAN, 0.0) / WAN,
                    f"{t('an_col_transfer')} ({unit})": shown["transfer_yuan"].where(
                        shown["transfer_yuan"].abs() >= SHOWN_MINIMUM_YUAN, 0.0) / WAN,
                })
                config = {c: st.column_config.NumberColumn(c, format="%+,.1f") for c in table.columns[2:]}
                st.dataframe(table, hide_index=True, width="stretch", column_config=config)
        st.caption(t("an_where_help"))

    st.markdown(f"**{t('an_targets')}**")
    rows = []
    for r in s.targets.to_dict("records"):
        row = {t("col_requirement"): requirement_label(r["requirement"]),
               f"{t('an_col_requirement_money')} ({unit})": wan(r["requirement_yuan"])}
        if "marginal_points_per_yuan" in r and r.get("marginal_points_per_yuan") == r.get("marginal_points_per_yuan"):
            row[t("an_col_marginal_points")] = number(r["marginal_points_per_yuan"] * 1e6, 2)
            row[t("an_col_target_holds")] = f"{pct(r['holds_from_scale'], 0)} – {pct(r['holds_to_scale'], 0)}"
            row[t("an_col_drop_points")] = number(r["drop_points_gain"], 1, signed=True)
            equivalent = r.get("drop_money_equivalent_yuan", np.nan)
            row[f"{t('an_col_drop_money')} ({unit})"] = (wan(equivalent) if np.isfinite(equivalent)
                                                         else t("an_beyond_frontier") if equivalent == np.inf else "–")
        else:
            row[t("an_col_marginal_missing")] = number(r.get("marginal_missing_per_yuan", np.nan), 3)
            row[t("an_col_target_holds")] = f"{pct(r['holds_from_scale'], 0)} – {pct(r['holds_to_scale'], 0)}"
            row[f"{t('an_col_drop_missing')} ({unit})"] = wan(r.get("drop_missing_reduced_yuan", np.nan))
        rows.append(row)
    if rows:
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
    st.caption(t("an_targets_help_hard") if hard else t("an_targets_help"))

    st.markdown(f"**{t('an_deadlines')}**")
    rows = []
    for r in s.deadlines.to_dict("records"):
        moved = r.get("to_year")
        row = {t("an_col_deadline"): key_text(r["deadline"]),
               t("an_col_move"): f"{int(r['from_year'])} → {int(moved)}" if moved == moved and moved is not None
               else f"{int(r['from_year'])}"}
        if moved is None or moved != moved:
            row[t("an_col_gain")] = t("an_last_year")
            row[t("an_col_given_up")] = "–"
        else:
            parts = []
            if abs(r.get("missing_reduced_yuan", 0.0)) >= 0.5:
                parts.append(t("an_missing_change", change=money(-r["missing_reduced_yuan"], True)))
            if abs(r["points_gain"]) >= 0.05:
                parts.append(t("points", value=number(r["points_gain"], 1, signed=True)))
                equivalent = r.get("money_equivalent_yuan", np.nan)
                if equivalent == equivalent and np.isfinite(equivalent):
                    parts.append(t("an_worth", money=money(equivalent)))
            row[t("an_col_gain")] = "; ".join(parts) if parts else t("an_nothing")
            given_up = -r["compliance_given_up"] if abs(r["compliance_given_up"]) >= 5e-4 else 0.0
            row[t("an_col_given_up")] = t("an_given_up", pts=pts(given_up), year=int(r["from_year"]))
        rows.append(row)
    if rows:
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
    st.caption(t("an_method"))
    tables_section(s.tables(), scenario, f"{title}-analysis".replace(" ", "-"), key="analysis")


def next_million_chart(moves: pd.DataFrame, names: Mapping[str, str]) -> alt.Chart:
    """Money closing gaps that the step moves, by district (bars) and program (colours)."""
    data = moves.assign(name=moves["district"].map(lambda d: names.get(d, d)),
                        label=moves["program"].map(program_label), wan=moves["closed_yuan"] / WAN)
    unit = t("unit_wan")
    order = [program_label(p) for p in PROGRAM_ORDER]
    sort = data.groupby("name")["wan"].sum().sort_values(ascending=False).index.tolist()
    return alt.Chart(data).mark_bar().encode(
        y=alt.Y("name:N", title=None, sort=sort),
        x=alt.X("wan:Q", title=f"{t('an_col_closed')} ({unit})", axis=alt.Axis(format=",.0f")),
        color=alt.Color("label:N", title=None, sort=order, legend=alt.Legend(orient="bottom", columns=3),
                        scale=alt.Scale(domain=order, range=PROGRAM_COLOURS)),
        tooltip=[alt.Tooltip("name:N", title=t("col_district")), alt.Tooltip("label:N", title=t("col_program")),
                 alt.Tooltip("wan:Q", format="+,.1f", title=f"{t('an_col_closed')} ({unit})")],
    ).properties(height=alt.Step(22))


# --- equity ------------------------------------------------------------------------------
def equity_section(scenario: Scenario, result: Result) -> None:
    """Worst district coverage, the spread of money per committee, coverage by district."""
    equity = result.equity or {}
    table = result.equity_by_district
    if table is None or not equity:
        return
    names = district_names(scenario)
    st.subheader(t("eq_heading"))
    cols = st.columns(4)
    worst = equity.get("min_coverage_district")
    if worst is not None:
        cols[0].metric(t("eq_worst"), pct(equity["min_coverage"]), help=t("eq_coverage_help"))
        cols[0].caption(f"**{names.get(worst, worst)}**")
    if equity.get("max_coverage") is not None:
        cols[1].metric(t("eq_best"), pct(equity["max_coverage"]), help=t("eq_coverage_help"))
    low, high = equity["closed_per_committee_min_yuan"], equity["closed_per_committee_max_yuan"]
    cols[2].metric(f"{t('eq_per_committee')} ({t('unit_wan')})", f"{wan(low)} – {wan(high)}",
                   help=t("eq_per_committee_help"))
    cols[2].caption(t("eq_range", cv=number(equity["closed_per_committee_cv"], 2)))
    cols[3].metric(t("eq_gini"), number(equity["closed_per_committee_gini"], 3), help=t("eq_gini_help"))
    cols[3].caption(t("eq_transfer_gini", gini=number(equity["transfer_per_committee_gini"], 3)))
    st.altair_chart(coverage_chart(table, names), width="stretch")
    st.caption(t("eq_chart_caption"))


def coverage_chart(table: pd.DataFrame, names: Mapping[str, str]) -> alt.Chart:
    data = table.assign(name=table["district"].map(lambda d: names.get(d, d)),
                        per_committee=table["closed_per_committee_yuan"] / WAN)
    data = data[data["coverage"].notna()]
    unit = t("unit_wan")
    return alt.Chart(data).mark_bar().encode(
        x=alt.X("name:N", title=None, sort=alt.EncodingSortField("coverage", order="ascending")),
        y=alt.Y("coverage:Q", title=t("eq_coverage"), axis=alt.Axis(format="%"), scale=alt.Scale(domain=[0, 1])),
        color=alt.value("#1f77b4"),
        tooltip=[alt.Tooltip("name:N", title=t("col_district")),
                 alt.Tooltip("coverage:Q", format=".1%", title=t("eq_coverage")),
                 alt.Tooltip("per_committee:Q", format=",.1f", title=f"{t('eq_per_committee')} ({unit})"),
                 alt.Tooltip("committees:Q", format=",.0f", title=t("eq_committees"))],
    ).properties(height=240)
