"""What a result shows, drawn for the Results page and for a recorded run on the Run page:
the headline numbers, what changed since another run, the charts."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app_pages.decision import equity_section
from app_pages.i18n import program_label, requirement_label, t, unit_label
from app_pages.national import is_national, national_section
from app_pages.ui import (
    compliance_chart,
    district_names,
    key_label,
    metric_label,
    metric_text,
    money,
    money_year_chart,
    number,
    own_city_chart,
    pct,
    people_table,
    pts,
    tables_section,
    transfers_chart,
    value_text,
    wan,
)
from model import Result, Scenario, Status
from model.analysis.compare import district_changes, headline, input_differences, targets, unit_of
from model.solve.certificate import PROVEN_GAP, gap_text, proven


def headline_section(scenario: Scenario, result: Result, previous: pd.Series | None,
                     prev_targets: pd.DataFrame | None) -> None:
    """Status, money against the ceiling, missing money and the value of one more million."""
    figures = headline(scenario, result)

    def delta(metric: str, fmt) -> str | None:
        if previous is None or metric not in previous.index:
            return None
        change = figures[metric] - previous[metric]
        return fmt(change) if abs(change) > 1e-9 else None

    cols = st.columns(4)
    missing = figures["missing_hard_yuan"]
    if result.status == Status.OPTIMAL:
        cols[0].metric(t("hard_targets"), t("all_met"), delta=delta("missing_hard_yuan", lambda c: money(c, True)),
                       delta_color="inverse")
    else:
        cols[0].metric(f"{t('missing_money')} ({t('unit_wan')})", wan(missing),
                       delta=delta("missing_hard_yuan", lambda c: money(c, True)), delta_color="inverse",
                       help=t("missing_explained"))
    cols[1].metric(f"{t('transfers')} ({t('unit_wan')})",
                   wan(figures["transfers_yuan"]),
                   delta=delta("transfers_yuan", lambda c: money(c, True)),
                   help=t("of_ceiling", share=pct(figures["ceiling_used_share"]), ceiling=money(figures["ceiling_yuan"])))
    cols[1].caption(t("of_ceiling", share=pct(figures["ceiling_used_share"]), ceiling=money(figures["ceiling_yuan"])))
    cols[2].metric(f"{t('own_spending')} ({t('unit_wan')})", wan(figures["own_yuan"]),
                   delta=delta("own_yuan", lambda c: money(c, True)))
    capacity_share = figures["own_yuan"] / figures["capacity_yuan"] if figures["capacity_yuan"] else 0.0
    cols[2].caption(t("of_capacity", share=pct(capacity_share), capacity=money(figures["capacity_yuan"])))
    first = result.years[0]
    if result.status == Status.OPTIMAL:
        cols[3].metric(t("value_of_million", year=first),
                       t("points", value=number(figures[f"points_per_million.{first}"])),
                       delta=delta(f"points_per_million.{first}", lambda c: number(c, signed=True)),
                       help=t("value_help"))
    else:
        cols[3].metric(f"{t('missing_cut_label', year=first)} ({t('unit_wan')})",
                       wan(figures[f"missing_cut_per_million.{first}"]), help=t("missing_cut_help"))

    st.subheader(t("targets_heading"))
    table = targets(scenario, result)
    cols = st.columns(len(table))
    for col, row in zip(cols, table.itertuples()):
        kind = t("hard") if row.hard else t("soft")
        line = t("target_line", target=pct(row.target_share, 0), year=row.from_year) \
            if row.program in ("office_space", "service_space") else \
            t("target_line_every", target=pct(row.target_share, 0), year=row.from_year)
        change = None
        if prev_targets is not None:
            before = prev_targets.set_index("program")["achieved_share"].get(row.program)
            if before is not None and abs(row.achieved_share - before) > 1e-9:
                change = pts(row.achieved_share - before)
        status = f":green[:material/check_circle: {t('met')}]" if row.met else \
            f":red[:material/cancel: {t('not_met', pts=f'{row.shortfall_share * 100:.1f}', year=row.worst_year)}]"
        col.metric(f"{program_label(row.program)} ({kind})", pct(row.achieved_share), delta=change,
                   help=line)
        col.caption(f"{line}  \n{status}")
        if row.missing_yuan > 0:
            col.caption(f"{t('missing_money')}: {money(row.missing_yuan)}")

    left, right = st.columns([3, 2])
    with left:
        st.markdown(f"**{t('money_by_year')}**")
        frame = result.money[["year", "ceiling_yuan", "transfers_yuan", "ceiling_used_share", "own_yuan",
                              "capacity_yuan"]]
        shown, config = people_table(frame, {})
        st.dataframe(shown, hide_index=True, width="stretch", column_config=config)
    with right:
        st.markdown(f"**{t('value_by_year')}**")
        columns = ["year", "shadow_price_points_per_yuan"]
        if result.status != Status.OPTIMAL:
            columns.insert(1, "shadow_price_missing_yuan_per_yuan")
        shown, config = people_table(result.money[columns], {})
        st.dataframe(shown, hide_index=True, width="stretch", column_config=config)
        st.caption(t("value_help"))

    if len(result.unmet_hard):
        st.subheader(t("missing_heading"))
        st.caption(t("missing_explained"))
        names = district_names(scenario)
        by_req = result.unmet_hard.pivot_table(index=["requirement", "district"], columns="year",
                                               values="missing_yuan", aggfunc="sum", fill_value=0.0)
        by_req["total"] = by_req.sum(axis=1)
        by_req = by_req.sort_values("total", ascending=False).reset_index()
        by_req["requirement"] = by_req["requirement"].map(requirement_label)
        by_req["district"] = by_req["district"].map(lambda d: names.get(d, d))
        unit = t("unit_wan")
        shown = by_req.rename(columns={"requirement": t("col_requirement"), "district": t("col_district")})
        config = {}
        for column in shown.columns:
            if column not in (t("col_requirement"), t("col_district")):
                label = f"{t('col_total') if column == 'total' else column} ({unit})"
                shown[column] = shown[column] / 1e4
                shown = shown.rename(columns={column: label})
                config[label] = st.column_config.NumberColumn(label, format="%,.1f")
        st.dataframe(shown, hide_index=True, width="stretch", column_config=config)


def changes_section(scenario: Scenario, result: Result, prev_scenario: Scenario, prev_result: Result,
                    prev_label: str) -> None:
    """What differs from the previous run: inputs, headline figures, transfers by district."""
    with st.expander(t("since_previous"), expanded=True, icon=":material/history:"):
        st.caption(t("previous_run", label=prev_label))
        before, after = t("col_before"), t("col_after")
        inputs = input_differences({before: prev_scenario, after: scenario})
        if inputs.empty:
            st.info(t("same_as_previous"))
            return
        inputs[t("col_key")] = [key_label(k, district_names(scenario)) for k in inputs["key"]]
        inputs[t("col_unit")] = [unit_label(unit_of(k)) for k in inputs["key"]]
        inputs[before] = inputs[before].map(value_text)
        inputs[after] = inputs[after].map(value_text)
        left, right = st.columns([3, 2])
        with left:
            st.markdown(f"**{t('inputs_changed')}**")
            st.dataframe(inputs[[t("col_key"), t("col_unit"), before, after]], hide_index=True, width="stretch")
            old, new = headline(prev_scenario, prev_result), headline(scenario, result)
            rows = []
            for metric in ["transfers_yuan", "own_yuan", "missing_hard_yuan", "soft_points"] + \
                    [f"share.{p}" for p in ("office_space", "service_space", "operating_funds", "member_subsidy",
                                           "social_insurance")]:
                if metric not in old.index or metric not in new.index:
                    continue
                rows.append({t("col_metric"): metric_label(metric, result.years),
                             before: metric_text(metric, old[metric]), after: metric_text(metric, new[metric]),
                             t("col_change"): metric_text(metric, new[metric] - old[metric], signed=True)})
            st.markdown(f"**{t('figures_changed')}**")
            st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
        with right:
            st.markdown(f"**{t('districts_changed')}**")
            changes = district_changes({before: prev_result, after: result}, before)
            changes = changes[changes["outcome"] != "same"]
            if changes.empty:
                st.caption(t("same"))
            else:
                names = district_names(scenario)
                unit = t("unit_wan")
                shown = pd.DataFrame({
                    t("col_district"): changes["district"].map(lambda d: names.get(d, d)),
                    f"{after} ({unit})": changes["transfers_yuan"] / 1e4,
                    f"{t('col_change')} ({unit})": changes["transfers_change_yuan"] / 1e4,
                }).sort_values(f"{t('col_change')} ({unit})")
                config = {c: st.column_config.NumberColumn(c, format="%,.1f") for c in shown.columns[1:]}
                st.dataframe(shown, hide_index=True, width="stretch", column_config=config)


def charts_section(scenario: Scenario, result: Result) -> None:
    st.subheader(t("charts"))
    names = district_names(scenario)
    left, right = st.columns([3, 2])
    with left:
        st.markdown(f"**{t('chart_transfers')}**")
        years = [None] + result.years
        all_years = t("all_years")
        year = st.selectbox(t("year"), years, format_func=lambda y: all_years if y is None else str(y),
                            key="chart_year")
        st.altair_chart(transfers_chart(result, names, year), width="stretch")
    with right:
        st.markdown(f"**{t('chart_money_year')}**")
        st.altair_chart(money_year_chart(result), width="stretch")
        st.markdown(f"**{t('chart_own_city')}**")
        st.altair_chart(own_city_chart(result, names), width="stretch")
    st.markdown(f"**{t('chart_compliance')}**")
    st.altair_chart(compliance_chart(result, targets(scenario, result)), width="content")
    st.caption(t("status_quo_note"))


def body_section(scenario: Scenario, result: Result, stem: str, key: str) -> None:
    """What a result shows below its headline: for a national scenario its sums and a page of
    communities (never the whole allocation in the browser); otherwise the charts, the
    equity section and every table (downloads named ``stem``)."""
    if is_national(scenario):
        national_section(scenario, result, key=f"{key}:national")
        return
    charts_section(scenario, result)
    equity_section(scenario, result)
    st.subheader(t("tables"))
    tables = {"targets": targets(scenario, result), **result.tables()}
    tables_section(tables, scenario, stem, key=key)


def certificate_section(result: Result) -> None:
    """Whether the allocation is proven optimal (``result.certificate``,
    :mod:`model.solve.certificate`): a lower bound on every stage computed from the solve's
    prices, not by the solver, so the figures need not be taken on the solver's word. A run
    without one (CBC's, or recorded before certificates) shows nothing."""
    certificate = result.certificate
    if certificate is None:
        return
    if proven(certificate):
        st.caption(":material/verified: " + t("certified", gap=gap_text(certificate["largest_gap"]),
                                               seconds=certificate["seconds"]))
        return
    stages = "; ".join(f"{t(f'cert_stage_{stage}')} {gap_text(c['gap'], missing='–')}"  # no bound: no figure
                       for stage, c in certificate["stages"].items())
    st.warning(t("not_certified", limit=f"{PROVEN_GAP:.0e}", stages=stages), icon=":material/gpp_maybe:")
