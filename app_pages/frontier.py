"""Frontier page: what each total ceiling buys, its exact breakpoints, and today's ceiling marked."""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st

from app_pages import state
from app_pages.i18n import language, program_label, t
from app_pages.ui import WAN, money, number, show_failure, table_height
from model import ScenarioError, SolveError
from model.analysis.briefing import MILLION, frontier_step
from model.constants import PROGRAMS
from model.export import csv_bytes, excel_bytes
from model.analysis.frontier import MISSING_TOLERANCE, Frontier
from model.scenario.text import safe_stem

TODAY_COLOUR = "#d62728"
MARK_COLOUR = "#6b6b6b"
#: One colour per program (no red: red marks today's ceiling).
PROGRAM_COLOURS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b"]
#: Show the whole frontier at once unless it reaches beyond this many times today's ceiling.
ZOOM_FACTOR = 3.0


# --- what the page shows ---------------------------------------------------------------
def headline(frontier: Frontier) -> None:
    """Today's total, where hard targets are met, where money stops buying, and ±1M."""
    step = frontier_step(frontier, MILLION).set_index(pd.Index(["plus", "minus"]))
    cols = st.columns(4)
    cols[0].metric(f"{t('fr_today')} ({t('unit_wan')})", f"{frontier.current_total_yuan / WAN:,.0f}",
                   help=t("fr_today_help"))
    if frontier.feasible_from_yuan is None:
        cols[1].metric(t("fr_feasible_from"), t("fr_never"))
    else:
        cols[1].metric(f"{t('fr_feasible_from')} ({t('unit_wan')})", f"{frontier.feasible_from_yuan / WAN:,.0f}",
                       help=t("fr_feasible_help"))
    if frontier.saturates_at_yuan is None:
        cols[2].metric(t("fr_saturates"), "–")
    else:
        cols[2].metric(f"{t('fr_saturates')} ({t('unit_wan')})", f"{frontier.saturates_at_yuan / WAN:,.0f}",
                       help=t("fr_saturates_help"))
    plus, minus = step.loc["plus"], step.loc["minus"]
    if np.isnan(plus["points_change"]):  # hard money is missing today: missing money comes first
        cols[3].metric(f"{t('fr_plus_million_missing')} ({t('unit_wan')})",
                       f"{-plus['missing_change_yuan'] / WAN:,.1f}", help=t("fr_step_help"))
    else:
        cols[3].metric(t("fr_plus_million"), t("points", value=number(plus["points_change"])),
                       help=t("fr_step_help"))
    lines = []
    if minus["change_yuan"] < 0:
        less = t("fr_minus_million") if minus["change_yuan"] <= -MILLION + 0.5 else \
            t("fr_minus_to_zero", change=money(minus["change_yuan"], True))
        if np.isnan(minus["points_change"]):
            lines.append(t("fr_minus_missing", less=less, missing=money(minus["missing_yuan"])))
        else:
            lines.append(t("fr_minus_points", less=less, points=number(minus["points_change"], signed=True)))
    shares = ", ".join(f"{year} {share:.1%}" for year, share in frontier.share_by_year.items())
    lines.append(t("fr_profile", shares=shares))
    st.caption("  \n".join(lines))


def domain_end(frontier: Frontier, whole: bool) -> float:
    """Right end of the charts' x axis, in yuan."""
    last = float(frontier.points["total_ceiling_yuan"].max())
    if whole:
        return last
    anchor = max(frontier.current_total_yuan, frontier.feasible_from_yuan or 0.0)
    return min(last, max(2.0 * frontier.current_total_yuan, 1.2 * anchor)) or last


def markers(frontier: Frontier, end: float) -> pd.DataFrame:
    """Vertical marks: today's ceiling, where hard targets are met, where money stops buying.

    ``ypix`` staggers the labels so that marks close together stay legible; ``left`` puts
    a label on the left of its line (near the right edge, or left of today's line).
    """
    rows = [{"wan": frontier.current_total_yuan / WAN, "label": t("fr_mark_today"), "kind": "today"}]
    if frontier.feasible_from_yuan:
        rows.append({"wan": frontier.feasible_from_yuan / WAN, "label": t("fr_mark_feasible"), "kind": "mark"})
    if frontier.saturates_at_yuan is not None:
        rows.append({"wan": frontier.saturates_at_yuan / WAN, "label": t("fr_mark_saturates"), "kind": "mark"})
    marks = pd.DataFrame(rows)
    marks["ypix"] = 4 + 16 * np.arange(len(marks))
    where = marks["wan"] / max(end / WAN, 1e-9)
    left_of_today = marks["wan"] < frontier.current_total_yuan / WAN - 1e-9
    marks["left"] = (where > 0.85) | (left_of_today & (where >= 0.15))
    return marks


def marker_layers(marks: pd.DataFrame, x: alt.X, labelled: bool) -> list[alt.Chart]:
    base = alt.Chart(marks)
    colour = alt.condition("datum.kind == 'today'", alt.value(TODAY_COLOUR), alt.value(MARK_COLOUR))
    rule = base.mark_rule(strokeWidth=2, clip=True).encode(
        x=x, color=colour,
        strokeDash=alt.condition("datum.kind == 'today'", alt.value([1, 0]), alt.value([5, 4])),
        tooltip=[alt.Tooltip("label:N", title=" "), alt.Tooltip("wan:Q", format=",.0f", title=t("unit_wan"))])
    layers = [rule]
    if labelled:
        for align, dx, side in (("right", -4, "datum.left"), ("left", 4, "!datum.left")):
            layers.append(base.mark_text(align=align, baseline="top", dx=dx, fontSize=12, clip=True).encode(
                x=x, y=alt.Y("ypix:Q", scale=None), text="label:N", color=colour).transform_filter(side))
    return layers


def in_view(frame: pd.DataFrame, end: float) -> pd.DataFrame:
    """Rows up to ``end`` and the first one beyond it (so that lines run to the edge, clipped)."""
    inside = frame["total_ceiling_yuan"] <= end + 1e-6
    beyond = frame.index[~inside]
    return frame[inside | frame.index.isin(beyond[:1])]


def x_axis(end: float) -> alt.X:
    return alt.X("wan:Q", title=f"{t('fr_total')} ({t('unit_wan')})", axis=alt.Axis(format=",.0f"),
                 scale=alt.Scale(domain=[0, end / WAN], nice=False))


def points_chart(frontier: Frontier, end: float) -> alt.LayerChart:
    """Soft points against the total ceiling, from where no hard money is missing."""
    points = frontier.points
    unit = t("unit_wan")
    x = x_axis(end)
    feasible = in_view(points[points["missing_hard_yuan"] <= MISSING_TOLERANCE], end).assign(
        wan=lambda f: f["total_ceiling_yuan"] / WAN,
        rate=lambda f: f["points_per_million_yuan"],
        role=lambda f: np.where(f["current"], t("fr_mark_today"), np.where(f["kink"], t("fr_breakpoint"), "")))
    tooltip = [alt.Tooltip("wan:Q", format=",.1f", title=f"{t('fr_total')} ({unit})"),
               alt.Tooltip("soft_points:Q", format=",.1f", title=t("m_soft_points")),
               alt.Tooltip("rate:Q", format=",.2f", title=t("fr_col_rate")),
               alt.Tooltip("role:N", title=" ")]
    base = alt.Chart(feasible).encode(
        x=x, y=alt.Y("soft_points:Q", title=t("m_soft_points"), scale=alt.Scale(zero=False),
                     axis=alt.Axis(format=",.0f")))
    return alt.layer(
        base.mark_line(color="#1f77b4", clip=True),
        base.mark_point(filled=True, size=45, opacity=1, clip=True).encode(
            color=alt.condition("datum.current", alt.value(TODAY_COLOUR), alt.value("#1f77b4")),
            tooltip=tooltip),
        *marker_layers(markers(frontier, end), x, labelled=True),
    ).properties(height=320)


def missing_chart(frontier: Frontier, end: float, labelled: bool) -> alt.LayerChart:
    """Money missing for hard targets against the total ceiling, up to where none is missing."""
    points = frontier.points
    limit = frontier.feasible_from_yuan if frontier.feasible_from_yuan is not None else np.inf
    data = in_view(points[points["total_ceiling_yuan"] <= limit + 1e-6], end).assign(
        wan=lambda f: f["total_ceiling_yuan"] / WAN, missing=lambda f: f["missing_hard_yuan"] / WAN)
    unit = t("unit_wan")
    x = x_axis(end)
    base = alt.Chart(data).encode(x=x, y=alt.Y("missing:Q", title=f"{t('col_missing')} ({unit})",
                                               axis=alt.Axis(format=",.0f")))
    return alt.layer(
        base.mark_line(color="#8c564b", clip=True),
        base.mark_point(filled=True, size=45, opacity=1, clip=True).encode(
            color=alt.condition("datum.current", alt.value(TODAY_COLOUR), alt.value("#8c564b")),
            tooltip=[alt.Tooltip("wan:Q", format=",.1f", title=f"{t('fr_total')} ({unit})"),
                     alt.Tooltip("missing:Q", format=",.1f", title=f"{t('col_missing')} ({unit})")]),
        *marker_layers(markers(frontier, end), x, labelled=labelled),
    ).properties(height=220 if not labelled else 320)


def compliance_chart(frontier: Frontier, end: float, last_year: int) -> alt.LayerChart:
    """Share at standard per program in the last year, at each point of the frontier."""
    points = in_view(frontier.points, end)
    frames = []
    for program in PROGRAMS:
        frames.append(pd.DataFrame({"wan": points["total_ceiling_yuan"] / WAN,
                                    "share": points[f"compliance_{program.value}"],
                                    "program": program_label(program.value)}))
    data = pd.concat(frames, ignore_index=True)
    unit = t("unit_wan")
    x = x_axis(end)
    order = [program_label(p.value) for p in PROGRAMS]
    lines = alt.Chart(data).mark_line(point=True, clip=True).encode(
        x=x,
        y=alt.Y("share:Q", title=t("fr_share_last", year=last_year),
                axis=alt.Axis(format="%", values=[0, 0.2, 0.4, 0.6, 0.8, 1.0]),
                scale=alt.Scale(domain=[0, 1.03], nice=False)),
        color=alt.Color("program:N", title=None, sort=order, legend=alt.Legend(orient="bottom"),
                        scale=alt.Scale(domain=order, range=PROGRAM_COLOURS)),
        tooltip=[alt.Tooltip("program:N", title=t("col_program")),
                 alt.Tooltip("wan:Q", format=",.1f", title=f"{t('fr_total')} ({unit})"),
                 alt.Tooltip("share:Q", format=".1%", title=t("col_share"))])
    return alt.layer(lines, *marker_layers(markers(frontier, end), x, labelled=False)).properties(height=300)


def breakpoint_table(frontier: Frontier, years: list[int]) -> tuple[pd.DataFrame, dict]:
    """The frontier's rows for people: money in 10k yuan, shares in %."""
    points = frontier.points
    unit = t("unit_wan")
    out = pd.DataFrame(index=points.index)
    config: dict[str, object] = {}

    def money_column(label: str, values: pd.Series) -> None:
        out[label] = values / WAN
        config[label] = st.column_config.NumberColumn(label, format="%,.1f")

    money_column(f"{t('fr_total')} ({unit})", points["total_ceiling_yuan"])
    for year in years:
        money_column(f"{t('col_ceiling')} {year} ({unit})", points[f"ceiling_{year}_yuan"])
    if (points["missing_hard_yuan"] > MISSING_TOLERANCE).any():
        money_column(f"{t('col_missing')} ({unit})", points["missing_hard_yuan"])
        label = t("fr_col_missing_rate")
        out[label] = points["missing_reduced_per_yuan"]
        config[label] = st.column_config.NumberColumn(label, format="%.4f")
    label = t("m_soft_points")
    out[label] = points["soft_points"]
    config[label] = st.column_config.NumberColumn(label, format="%,.2f")
    # not defined while hard money is missing (points come after it): shown as –, not "None"
    out[t("fr_col_rate")] = points["points_per_million_yuan"].map(lambda v: "–" if v != v else f"{v:,.2f}")
    for program in PROGRAMS:
        label = f"{program_label(program.value)}, {years[-1]}"
        out[label] = points[f"compliance_{program.value}"] * 100
        config[label] = st.column_config.NumberColumn(label, format="%.1f%%")
    for column, key in (("kink", "fr_col_kink"), ("current", "fr_col_today")):
        out[t(key)] = points[column].astype(bool)
        config[t(key)] = st.column_config.CheckboxColumn(t(key))
    return out.reset_index(drop=True), config


def about_table(frontier: Frontier) -> pd.DataFrame:
    """The frontier's summary figures for the download (model units)."""
    rows = [("current_total_yuan", frontier.current_total_yuan),
            ("feasible_from_yuan", frontier.feasible_from_yuan),
            ("saturates_at_yuan", frontier.saturates_at_yuan)]
    rows += [(f"share_{year}", share) for year, share in frontier.share_by_year.items()]
    rows.append(("method", frontier.method))
    return pd.DataFrame(rows, columns=["figure", "value"])


def main() -> None:
    ref = state.current()
    try:
        scenario = state.load(ref)
        if state.is_large(scenario) and not state.requested("frontier", ref):
            st.title(t("fr_title", title=state.label_of(ref)))
            st.caption(t("fr_intro"))
            st.info(t("large_scenario", units=f"{len(scenario.unit_table):,}"))
            st.button(t("fr_button"), key="frontier_button", icon=":material/show_chart:",
                      on_click=state.request, args=("frontier", ref))
            return
        with st.spinner(t("fr_computing"), show_time=True):
            frontier = state.frontier_of(ref)
    except (ScenarioError, SolveError) as exc:
        show_failure(exc)
        return
    title = state.label_of(ref)
    st.title(t("fr_title", title=title))
    st.caption(t("fr_intro"))
    headline(frontier)

    years = list(scenario.years)
    last = float(frontier.points["total_ceiling_yuan"].max())
    zoom = last > ZOOM_FACTOR * max(frontier.current_total_yuan, frontier.feasible_from_yuan or 0.0, 1.0)
    views = {"near": t("fr_view_near"), "whole": t("fr_view_whole")}
    view = st.segmented_control(t("fr_view"), list(views), format_func=views.get,
                                default="near" if zoom else "whole", key="frontier_view")
    end = domain_end(frontier, whole=(view or "whole") == "whole")

    if frontier.feasible_from_yuan is not None:
        st.markdown(f"**{t('fr_chart_points')}**")
        st.altair_chart(points_chart(frontier, end), width="stretch")
    if frontier.feasible_from_yuan is None or frontier.feasible_from_yuan > 0:
        st.markdown(f"**{t('fr_chart_missing')}**")
        st.altair_chart(missing_chart(frontier, end, labelled=frontier.feasible_from_yuan is None), width="stretch")
    st.caption(t("fr_chart_caption"))
    st.subheader(t("fr_compliance_heading"))
    st.altair_chart(compliance_chart(frontier, end, years[-1]), width="stretch")
    st.caption(t("fr_compliance_caption", year=years[-1]))

    st.subheader(t("fr_table_heading"))
    shown, config = breakpoint_table(frontier, years)
    st.dataframe(shown, hide_index=True, width="stretch", column_config=config,
                 height=min(table_height(len(shown)), 600))
    stem = f"{safe_stem(title)}-frontier"
    left, right = st.columns(2)
    left.download_button(t("fr_download_csv"), csv_bytes(frontier.points), file_name=f"{stem}.csv",
                         mime="text/csv", key="frontier:csv", icon=":material/download:")
    right.download_button(t("download_all_excel"),
                          excel_bytes({"frontier": frontier.points, "about": about_table(frontier)}),
                          file_name=f"{stem}.xlsx", key="frontier:xlsx", icon=":material/download:",
                          mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    st.caption(t("fr_units"))

    st.subheader(t("fr_method_heading"))
    st.markdown(t("fr_method"))
    if language() != "zh":
        st.caption(f"`model.analysis.frontier`: {frontier.method}")


main()
