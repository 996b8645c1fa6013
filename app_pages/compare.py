"""Compare page: 2-4 scenarios side by side, differences, winners and losers, inputs that differ."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from app_pages import state
from app_pages.i18n import program_label, t, unit_label
from app_pages.ui import (
    district_names,
    key_label,
    metric_label,
    metric_text,
    pts,
    show_problems,
    table_height,
    tables_section,
    value_text,
)
from model import Result, Scenario, ScenarioError, SolveError
from model.compare import (
    differences,
    district_changes,
    headline,
    headline_table,
    input_differences,
    unit_of,
)
from model.links import MAX_COMPARED, ScenarioRef


def options() -> dict[str, ScenarioRef]:
    """Every scenario that can be compared, by a stable id (its link form)."""
    refs: list[ScenarioRef] = [ScenarioRef(name) for name in state.shipped_names()]
    refs += list(st.session_state.get(state.SAVED, {}).values())
    refs += [u["ref"] for u in st.session_state.get(state.UPLOADS, {}).values()]
    current = state.current()
    refs.append(current)
    refs += st.session_state.get(state.COMPARE, [])
    out: dict[str, ScenarioRef] = {}
    for ref in refs:
        out.setdefault(ref.to_param(), ref)
    return out


def option_label(ref: ScenarioRef) -> str:
    return state.label_of(ref)


def unique_labels(refs: list[ScenarioRef]) -> list[str]:
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


def default_choice(available: dict[str, ScenarioRef]) -> list[str]:
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


def shown_table(table: pd.DataFrame, diff: pd.DataFrame, years: list[int]) -> pd.DataFrame:
    """Each scenario's figures, and after them each one's difference against the reference.

    Rows of marginal values that are zero everywhere (missing money cut when no
    scenario misses any) are left out.
    """
    rows = []
    for metric, values in table.iterrows():
        if metric.startswith("missing_cut") and not values.abs().gt(0.5).any():
            continue
        row = {t("col_metric"): metric_label(metric, years)}
        row.update({label: metric_text(metric, value) for label, value in values.items()})
        row.update({f"Δ {label}": metric_text(metric, value, signed=True) for label, value in diff.loc[metric].items()})
        rows.append(row)
    return pd.DataFrame(rows)


def winners_chart(changes: pd.DataFrame, names: dict[str, str]) -> alt.Chart:
    data = changes.assign(name=changes["district"].map(lambda d: names.get(d, d)),
                          wan=changes["transfers_change_yuan"] / 1e4)
    unit = t("unit_wan")
    several = data["scenario"].nunique() > 1
    extra = {"yOffset": alt.YOffset("scenario:N")} if several else {}
    return alt.Chart(data).mark_bar().encode(
        **extra,
        y=alt.Y("name:N", title=None, sort=list(dict.fromkeys(data.sort_values("wan")["name"]))),
        x=alt.X("wan:Q", title=f"{t('col_change')} ({unit})", axis=alt.Axis(format=",.0f")),
        color=alt.condition("datum.wan >= 0", alt.value("#2ca02c"), alt.value("#d62728")),
        tooltip=[alt.Tooltip("name:N", title=t("col_district")), alt.Tooltip("scenario:N", title=t("col_scenario")),
                 alt.Tooltip("wan:Q", format=",.1f", title=f"{t('col_change')} ({unit})")],
    ).properties(height=alt.Step(10 if several else 20))


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
    chosen: list[ScenarioRef] = st.session_state[state.COMPARE]
    if len(chosen) < 2:
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
        except ScenarioError as exc:
            show_problems(exc.problems, t("compare_failed", label=label))
            scenarios.pop(label, None)
        except SolveError as exc:
            st.error(f"{label}: " + t("solve_failed", message=exc))
            scenarios.pop(label, None)
    progress.empty()
    if len(results) < 2:
        return
    ref_label = labels[reference] if labels[reference] in results else next(iter(results))
    first = next(iter(scenarios.values()))
    names = district_names(scenarios[ref_label])
    years = results[ref_label].years

    table = headline_table({label: headline(scenarios[label], results[label]) for label in results})
    diff = differences(table, ref_label)
    st.subheader(t("side_by_side"))
    st.caption(t("difference_vs", ref=ref_label))
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
        left, right = st.columns([2, 3])
        with left:
            st.altair_chart(winners_chart(changes, names), width="stretch")
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

    st.subheader(t("inputs_differ"))
    inputs = input_differences(scenarios)
    if inputs.empty:
        st.info(t("no_input_differences"))
    else:
        shown = pd.DataFrame({t("col_key"): [key_label(k, names) for k in inputs["key"]],
                              t("col_unit"): [unit_label(unit_of(k)) for k in inputs["key"]]})
        for label in scenarios:
            shown[label] = inputs[label].map(value_text)
        st.dataframe(shown, hide_index=True, width="stretch")

    st.subheader(t("tables"))
    downloads = {
        "headline": table.reset_index(),
        "differences": diff.reset_index(),
        "districts": district_changes(results, ref_label),
        "inputs": inputs,
    }
    tables_section(downloads, first, "budgetsim-compare", key="compare")


main()
