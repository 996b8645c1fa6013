"""Compare page: 2-4 scenarios side by side, differences, winners and losers, inputs that differ."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from app_pages import state
from app_pages.i18n import program_label, rule_label, t, unit_label
from app_pages.ui import (
    WAN,
    district_names,
    key_label,
    metric_label,
    metric_text,
    pts,
    show_failure,
    table_height,
    tables_section,
    value_text,
)
from model import Result, Scenario, ScenarioError, SolveError
from model.analysis.baselines import RULES
from model.analysis.compare import (
    differences,
    district_changes,
    headline,
    headline_table,
    input_differences,
    program_changes,
    unit_of,
)
from model.scenario.links import MAX_COMPARED, RunRef, ScenarioRef


def options() -> dict[str, ScenarioRef | RunRef]:
    """Every scenario (and recorded run chosen in History) that can be compared, by a stable
    id (its link form)."""
    refs: list[ScenarioRef | RunRef] = [ScenarioRef(name) for name in state.shipped_names()]
    refs += list(state.saved_scenarios().values())
    refs += [u["ref"] for u in st.session_state.get(state.UPLOADS, {}).values()]
    current = state.current()
    refs.append(current)
    refs += st.session_state.get(state.COMPARE, [])
    out: dict[str, ScenarioRef] = {}
    for ref in refs:
        out.setdefault(ref.to_param(), ref)
    return out


def option_label(ref: ScenarioRef | RunRef) -> str:
    return state.label_of(ref)


def unique_labels(refs: list[ScenarioRef | RunRef]) -> list[str]:
    labels: list[str] = []
    for ref in refs:
        label = option_label(ref)
        n = 2
        candidate = label
        while candidate in labels:
            candidate = f"{label} #{n}"
            n += 1
        labels.append(candidate)
    return labels


def default_choice(available: dict[str, ScenarioRef | RunRef]) -> list[str]:
    chosen = [ref.to_param() for ref in st.session_state.get(state.COMPARE, []) if ref.to_param() in available]
    if len(chosen) >= 2:
        return chosen[:MAX_COMPARED]
    current = state.current().to_param()
    others = [key for key in available if key != current]
    return [current] + others[:1]


def on_choice() -> None:
    available = options()
    st.session_state[state.COMPARE] = [available[k] for k in st.session_state["compare_choice"] if k in available]
    st.session_state[state.REFERENCE] = 0


def on_reference() -> None:
    chosen = st.session_state[state.COMPARE]
    keys = [ref.to_param() for ref in chosen]
    picked = st.session_state["compare_reference"]
    st.session_state[state.REFERENCE] = keys.index(picked) if picked in keys else 0


def on_baselines() -> None:
    st.session_state[state.BASELINES] = bool(st.session_state["compare_baselines"])


#: Headline figures that are marginal values of the ceiling: not defined for a rule, whose
#: grants are fixed by the rule (the ceiling's dual is then zero, whatever more money would buy).
MARGINAL = ("points_per_million.", "missing_cut_per_million.")


def baseline_headline(scenario: Scenario, result: Result) -> pd.Series:
    figures = headline(scenario, result).copy()
    figures[[m for m in figures.index if m.startswith(MARGINAL)]] = float("nan")
    return figures


def shown_table(table: pd.DataFrame, diff: pd.DataFrame, years: list[int]) -> pd.DataFrame:
    """Each scenario's figures, and after them each one's difference against the reference.

    Rows of marginal values that are zero everywhere (missing money cut when no
    scenario misses any) are left out.
    """
    rows = []
    for metric, values in table.iterrows():
        if metric.startswith("missing_cut") and not values.abs().gt(0.5).any():
            continue
        if metric.startswith(MARGINAL) and values.isna().all():
            continue
        row = {t("col_metric"): metric_label(metric, years)}
        row.update({label: metric_text(metric, value) for label, value in values.items()})
        row.update({f"Δ {label}": metric_text(metric, value, signed=True) for label, value in diff.loc[metric].items()})
        rows.append(row)
    return pd.DataFrame(rows)


def winners_chart(changes: pd.DataFrame, names: dict[str, str], prefix: str = "") -> alt.Chart | alt.LayerChart:
    """Change in city transfers by district: bars for one option, a grid for several.

    ``prefix`` (the reference's label and separator) is left out of the grid's column labels.
    """
    data = changes.assign(name=changes["district"].map(lambda d: names.get(d, d)),
                          wan=changes["transfers_change_yuan"] / WAN,
                          column=changes["scenario"].map(lambda s: s.removeprefix(prefix) if prefix else s))
    unit = t("unit_wan")
    tooltip = [alt.Tooltip("name:N", title=t("col_district")), alt.Tooltip("scenario:N", title=t("col_scenario")),
               alt.Tooltip("wan:Q", format=",.1f", title=f"{t('col_change')} ({unit})")]
    order = list(dict.fromkeys(data.groupby("name", sort=False)["wan"].sum().sort_values().index))
    if data["scenario"].nunique() == 1:
        return alt.Chart(data).mark_bar().encode(
            y=alt.Y("name:N", title=None, sort=order),
            x=alt.X("wan:Q", title=f"{t('col_change')} ({unit})", axis=alt.Axis(format=",.0f")),
            color=alt.condition("datum.wan >= 0", alt.value("#2ca02c"), alt.value("#d62728")),
            tooltip=tooltip,
        ).properties(height=alt.Step(20))
    limit = max(float(data["wan"].abs().max()), 1e-9)
    base = alt.Chart(data).encode(
        x=alt.X("column:N", title=None, sort=list(dict.fromkeys(data["column"])),
                axis=alt.Axis(orient="top", labelAngle=-20, labelLimit=240, labelOverlap=False)),
        y=alt.Y("name:N", title=None, sort=order))
    cells = base.mark_rect().encode(
        color=alt.Color("wan:Q", title=f"{t('col_change')} ({unit})",
                        scale=alt.Scale(scheme="redblue", domain=[-limit, limit]),
                        legend=alt.Legend(orient="bottom", format=",.0f")),
        tooltip=tooltip)
    text = base.mark_text(fontSize=11).encode(
        text=alt.Text("wan:Q", format="+,.0f"),
        color=alt.condition(f"abs(datum.wan) > {0.6 * limit}", alt.value("white"), alt.value("black")))
    return alt.layer(cells, text.transform_filter("abs(datum.wan) >= 0.5")).properties(height=alt.Step(24))


def program_chart(changes: pd.DataFrame, names: dict[str, str]) -> alt.LayerChart:
    """Change in money closing gaps by district (rows) and program (columns), in 10k yuan."""
    data = changes.assign(name=changes["district"].map(lambda d: names.get(d, d)),
                          label=changes["program"].map(program_label), wan=changes["closed_change_yuan"] / WAN,
                          points=changes["share_change"] * 100)
    unit = t("unit_wan")
    order = list(dict.fromkeys(data.groupby("name", sort=False)["wan"].sum().sort_values().index))
    programs = [program_label(p) for p in dict.fromkeys(changes["program"])]
    limit = max(float(data["wan"].abs().max()), 1e-9)
    base = alt.Chart(data).encode(
        x=alt.X("label:N", title=None, sort=programs, axis=alt.Axis(orient="top", labelAngle=0)),
        y=alt.Y("name:N", title=None, sort=order))
    cells = base.mark_rect().encode(
        color=alt.Color("wan:Q", title=f"{t('col_change')} ({unit})",
                        scale=alt.Scale(scheme="redblue", domain=[-limit, limit]),
                        legend=alt.Legend(orient="bottom", format=",.0f")),
        tooltip=[alt.Tooltip("name:N", title=t("col_district")), alt.Tooltip("label:N", title=t("col_program")),
                 alt.Tooltip("wan:Q", format="+,.1f", title=f"{t('cmp_col_closed_change')} ({unit})"),
                 alt.Tooltip("points:Q", format="+,.1f", title=t("cmp_col_share_change"))])
    text = base.mark_text(fontSize=11).encode(
        text=alt.Text("wan:Q", format="+,.0f"),
        color=alt.condition(f"abs(datum.wan) > {0.6 * limit}", alt.value("white"), alt.value("black")))
    return alt.layer(cells, text.transform_filter("abs(datum.wan) >= 0.5")).properties(height=alt.Step(24))


def program_section(results: dict[str, Result], ref_label: str, names: dict[str, str]) -> None:
    """Change per district and program between one option and the reference."""
    st.subheader(t("cmp_programs", ref=ref_label))
    others = [label for label in results if label != ref_label]
    if len(others) > 1:
        if st.session_state.get("compare_program_option") not in others:
            st.session_state["compare_program_option"] = others[0]
        other = st.selectbox(t("cmp_programs_option"), others, key="compare_program_option")
    else:
        other = others[0]
    changes = program_changes({ref_label: results[ref_label], other: results[other]}, ref_label)
    moved = changes[changes["outcome"] != "same"]
    if moved.empty:
        st.info(t("cmp_programs_same", option=other))
        return
    districts = moved["district"].unique()
    shown = changes[changes["district"].isin(districts)]
    shown = shown[shown["program"].isin(moved["program"].unique())]
    st.caption(t("cmp_programs_caption", option=other))
    st.altair_chart(program_chart(shown, names), width="stretch")
    with st.expander(t("cmp_programs_table", n=len(moved))):
        unit = t("unit_wan")
        table = pd.DataFrame({
            t("col_district"): moved["district"].map(lambda d: names.get(d, d)),
            t("col_program"): moved["program"].map(program_label),
            f"{t('cmp_col_closed_change')} ({unit})": moved["closed_change_yuan"] / WAN,
            f"{t('cmp_col_transfers_change')} ({unit})": moved["transfers_change_yuan"] / WAN,
            t("cmp_col_share_change"): moved["share_change"].map(pts),
        })
        config = {c: st.column_config.NumberColumn(c, format="%+,.1f") for c in table.columns[2:4]}
        st.dataframe(table, hide_index=True, width="stretch", column_config=config,
                     height=min(table_height(len(table)), 600))
    st.caption(t("cmp_programs_help"))


def main() -> None:
    st.title(t("page_compare"))
    st.caption(t("compare_intro"))
    available = options()
    if "compare_choice" not in st.session_state or any(k not in available for k in st.session_state["compare_choice"]):
        st.session_state["compare_choice"] = default_choice(available)
        chosen = [available[k] for k in st.session_state["compare_choice"]]
        if chosen != st.session_state.get(state.COMPARE):  # a new set: compare against its first
            st.session_state[state.COMPARE] = chosen
            st.session_state[state.REFERENCE] = 0
    # labels are made now: format functions must not look up the language later
    labels_of = {k: option_label(ref) for k, ref in available.items()}
    st.multiselect(t("compare_choose"), list(available), key="compare_choice", max_selections=MAX_COMPARED,
                   format_func=labels_of.__getitem__, on_change=on_choice)
    chosen: list[ScenarioRef | RunRef] = st.session_state[state.COMPARE]
    st.session_state["compare_baselines"] = bool(st.session_state.get(state.BASELINES, False))
    st.toggle(t("compare_baselines"), key="compare_baselines", on_change=on_baselines,
              help=t("compare_baselines_help"))
    with_baselines = bool(st.session_state.get(state.BASELINES, False))
    if len(chosen) < (1 if with_baselines else 2):
        st.info(t("compare_need_two"))
        return
    keys = [ref.to_param() for ref in chosen]
    reference = min(int(st.session_state.get(state.REFERENCE, 0)), len(chosen) - 1)
    st.session_state["compare_reference"] = keys[reference]
    st.selectbox(t("compare_reference"), keys, key="compare_reference",
                 format_func=lambda k, labels=dict(zip(keys, unique_labels(chosen))): labels[k],
                 on_change=on_reference)

    labels = unique_labels(chosen)
    scenarios: dict[str, Scenario] = {}
    results: dict[str, Result] = {}
    progress = st.progress(0.0, text=t("solving_n", i=1, n=len(chosen)))
    for i, (label, ref) in enumerate(zip(labels, chosen)):
        progress.progress(i / len(chosen), text=t("solving_n", i=i + 1, n=len(chosen)))
        try:
            scenarios[label] = state.load(ref)
            results[label] = state.solve_ref(ref)
        except (ScenarioError, SolveError) as exc:
            show_failure(exc, label)
            scenarios.pop(label, None)
    progress.empty()
    if not results:
        return
    ref_label = labels[reference] if labels[reference] in results else next(iter(results))
    figures = {label: headline(scenarios[label], results[label]) for label in results}
    options_scenarios = dict(scenarios)  # the scenarios whose inputs are compared (baselines share theirs)
    if with_baselines:
        ref_index = labels.index(ref_label)
        with st.spinner(t("compare_baselines_solving", label=ref_label), show_time=True):
            try:
                baselines = state.baselines_of(chosen[ref_index])
            except (ScenarioError, SolveError) as exc:
                st.error(f"{ref_label}: " + t("solve_failed", message=exc))
                baselines = {}
        for rule in RULES:
            if rule.value not in baselines:
                continue
            label = t("baseline_label", label=ref_label, rule=rule_label(rule.value))
            scenarios[label] = scenarios[ref_label]
            results[label] = baselines[rule.value]
            figures[label] = baseline_headline(scenarios[label], results[label])
    if len(results) < 2:
        return
    first = next(iter(scenarios.values()))
    names = district_names(scenarios[ref_label])
    years = results[ref_label].years

    table = headline_table(figures)
    diff = differences(table, ref_label)
    st.subheader(t("side_by_side"))
    st.caption(t("difference_vs", ref=ref_label))
    if with_baselines:
        st.caption(t("compare_baselines_note", label=ref_label))
    shown = shown_table(table, diff, years)
    st.dataframe(shown, hide_index=True, width="stretch", height=table_height(len(shown)))

    st.subheader(t("winners_losers", ref=ref_label))
    changes = district_changes(results, ref_label)
    unchanged = sorted({names.get(d, d) for d in changes.loc[changes["outcome"] == "same", "district"]}
                       - {names.get(d, d) for d in changes.loc[changes["outcome"] != "same", "district"]})
    changes = changes[changes["outcome"] != "same"]
    if unchanged:
        st.caption(t("unchanged_districts", n=len(unchanged), names=", ".join(unchanged)))
    if len(changes):
        several = changes["scenario"].nunique() > 1
        left, right = (st.container(), st.expander(t("winners_table", n=len(changes)))) if several \
            else st.columns([2, 3])
        with left:
            st.altair_chart(winners_chart(changes, names, t("baseline_label", label=ref_label, rule="")),
                            width="stretch")
        with right:
            unit = t("unit_wan")
            shown = pd.DataFrame({
                t("col_scenario"): changes["scenario"],
                t("col_district"): changes["district"].map(lambda d: names.get(d, d)),
                f"{ref_label} ({unit})": changes["reference_transfers_yuan"] / 1e4,
                f"{t('col_transfers')} ({unit})": changes["transfers_yuan"] / 1e4,
                f"{t('col_change')} ({unit})": changes["transfers_change_yuan"] / 1e4,
                f"{program_label('service_space')}, {years[-1]}": changes["share_change.service_space"].map(pts),
                t("col_outcome"): changes["outcome"].map(t),
            })
            config = {c: st.column_config.NumberColumn(c, format="%,.1f") for c in shown.columns[2:5]}
            if changes["scenario"].nunique() == 1:
                shown = shown.drop(columns=[t("col_scenario")])
            st.dataframe(shown, hide_index=True, width="stretch", column_config=config,
                         height=min(table_height(len(shown)), 700))

    program_section(results, ref_label, names)

    st.subheader(t("inputs_differ"))
    inputs = input_differences(options_scenarios)
    if inputs.empty:
        st.info(t("no_input_differences"))
    else:
        shown = pd.DataFrame({t("col_key"): [key_label(k, names) for k in inputs["key"]],
                              t("col_unit"): [unit_label(unit_of(k)) for k in inputs["key"]]})
        for label in options_scenarios:
            shown[label] = inputs[label].map(value_text)
        st.dataframe(shown, hide_index=True, width="stretch")

    st.subheader(t("tables"))
    downloads = {
        "headline": table.reset_index(),
        "differences": diff.reset_index(),
        "districts": district_changes(results, ref_label),
        "programs": program_changes(results, ref_label),
        "inputs": inputs,
    }
    tables_section(downloads, first, "budgetsim-compare", key="compare")


main()
