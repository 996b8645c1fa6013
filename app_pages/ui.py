"""Shared pieces of the pages: number formats, tables for people, downloads, charts."""

from __future__ import annotations

import functools

import math
from collections.abc import Mapping

import altair as alt
import pandas as pd
import streamlit as st

from model import Problem, Result, Scenario, ScenarioError, SolveError
from model.scenario.schema import parameter_for
from model.export import csv_bytes, excel_bytes, with_district_names

from .i18n import TEXT, column_label, language, param_label, program_label, requirement_label, t

WAN = 1e4  # 10k yuan (万元)


# --- numbers for people -----------------------------------------------------------
def wan(yuan: float, signed: bool = False) -> str:
    """Yuan as 10k yuan with thousands separators (one decimal below 100)."""
    if yuan is None or (isinstance(yuan, float) and math.isnan(yuan)):
        return "–"
    value = yuan / WAN
    digits = 0 if abs(value) >= 100 or value == 0 else 1
    return f"{value:+,.{digits}f}" if signed else f"{value:,.{digits}f}"


def money(yuan: float, signed: bool = False) -> str:
    """Yuan as ``12,345 10k yuan`` / ``12,345 万元``."""
    return f"{wan(yuan, signed)} {t('unit_wan')}"


def pct(share: float, digits: int = 1) -> str:
    return "–" if share is None or math.isnan(share) else f"{share:.{digits}%}"


def pts(delta_share: float) -> str:
    """A change of a share, in percentage points."""
    unit = "个百分点" if language() == "zh" else "pts"
    return f"{delta_share * 100:+.1f} {unit}"


def number(value: float, digits: int = 1, signed: bool = False) -> str:
    if value is None or math.isnan(value):
        return "–"
    return f"{value:+,.{digits}f}" if signed else f"{value:,.{digits}f}"


def district_names(scenario: Scenario) -> dict[str, str]:
    """District id to its name in the session's language."""
    column = "name_zh" if language() == "zh" else "name_en"
    names = {d: str(scenario.districts.at[d, column]) for d in scenario.district_ids}
    names["city"] = t("city")
    return names


def show_problems(problems: list[Problem], heading: str) -> None:
    """Every problem as a row: file, where, rule."""
    st.error(heading)
    table = pd.DataFrame([{t("problem_file"): p.file, t("problem_where"): p.where,
                           t("problem_rule"): p.rule} for p in problems])
    st.dataframe(table, hide_index=True, width="stretch")


def show_warnings(problems: list[Problem], heading: str) -> None:
    """Values to check (plausibility warnings) as rows: file, where, rule; the run goes on."""
    st.warning(heading, icon=":material/warning:")
    table = pd.DataFrame([{t("problem_file"): p.file, t("problem_where"): p.where,
                           t("problem_rule"): p.rule} for p in problems])
    st.dataframe(table, hide_index=True, width="stretch")


def show_failure(exc: ScenarioError | SolveError, label: str | None = None) -> None:
    """Why a scenario has nothing to show: its input problems, or the solver's failure
    (``label`` names the scenario when a page shows several)."""
    if isinstance(exc, ScenarioError):
        show_problems(exc.problems, t("compare_failed", label=label) if label else t("invalid_scenario"))
    else:
        st.error((f"{label}: " if label else "") + t("solve_failed", message=exc))


# --- headline figures ---
def metric_label(metric: str, years: list[int]) -> str:
    head, _, tail = metric.partition(".")
    if head == "share":
        return t("m_share", program=program_label(tail), year=years[-1])
    if head in ("points_per_million", "missing_cut_per_million"):
        return t(f"m_{head}", year=tail)
    label = t(f"m_{metric}")
    return f"{label} ({t('unit_wan')})" if metric.endswith("_yuan") else label


def metric_text(metric: str, value: float, signed: bool = False) -> str:
    if value != value:
        return "–"
    if signed and abs(value) < _PRECISION.get(metric.split(".")[0], 0.05):
        return "0"  # no change at the precision shown
    if metric.endswith("_yuan"):
        return wan(value, signed)
    if metric.startswith("share.") or metric.endswith("_share"):
        return pts(value) if signed else pct(value)
    if metric.startswith("missing_cut"):
        return number(value, 0, signed)
    if metric in ("targets_met", "targets"):
        return f"{value:+.0f}" if signed else f"{value:.0f}"
    return number(value, 1, signed)


_PRECISION = {"transfers_yuan": 500.0, "ceiling_yuan": 500.0, "own_yuan": 500.0, "capacity_yuan": 500.0,
              "missing_hard_yuan": 500.0, "ceiling_used_share": 5e-4, "share": 5e-4, "targets_met": 0.5,
              "targets": 0.5, "missing_cut_per_million": 0.5}


def table_height(rows: int) -> int:
    """Pixels that show every row of a table without scrolling."""
    return 35 * (rows + 1) + 3



def key_label(key: str, names: dict[str, str]) -> str:
    parts = key.split(".")
    if parts[0] == "districts" and len(parts) == 3:
        return f"{names.get(parts[1], parts[1])}: {column_label(parts[2])}"
    param = parameter_for(key)
    if param is None:
        return key
    return f"{param_label(param.key)} {parts[-1]}" if param.kind == "by_year" else param_label(param.key)


def value_text(value) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (int, float)):
        if value != value:
            return "–"
        return f"{value:,.0f}" if float(value).is_integer() and abs(value) >= 1000 else f"{value:,.6g}"
    return str(value)



# --- tables ------------------------------------------------------------------------
COLUMN_TEXT = {
    "district": "col_district", "program": "col_program", "year": "col_year", "requirement": "col_requirement",
    "ceiling_yuan": "col_ceiling", "transfers_yuan": "col_transfers", "transfer_yuan": "col_transfers",
    "own_yuan": "col_own", "capacity_yuan": "col_capacity", "gap_yuan": "col_gap", "closed_yuan": "col_closed",
    "left_yuan": "col_left", "missing_yuan": "col_missing", "share": "col_share",
    "at_standard": "col_at_standard", "total": "col_total", "ceiling_used_share": "col_ceiling_used",
    "shadow_price_points_per_yuan": "col_points_per_million",
    "shadow_price_missing_yuan_per_yuan": "col_missing_cut_per_million",
    "province": "col_province", "districts": "col_districts", "communities": "col_communities", "unit": "col_unit",
}


def people_table(frame: pd.DataFrame, names: Mapping[str, str], units: bool = False) -> tuple[pd.DataFrame, dict]:
    """A model table for the screen: names instead of ids, money in 10k yuan, shares in %.

    Returns the table and its ``column_config``. Shadow prices are shown per
    million yuan, as on the headline. A ``unit`` column (a community) is left out
    unless ``units`` (a national view's page of communities).
    """
    out = pd.DataFrame(index=frame.index)
    config: dict[str, object] = {}
    for column in frame.columns:
        values = frame[column]
        label = t(COLUMN_TEXT[column]) if column in COLUMN_TEXT else column.replace("_", " ")
        if column == "district":
            out[label] = values.map(lambda d: names.get(d, d))
        elif column == "program":
            out[label] = values.map(program_label)
        elif column == "requirement":
            out[label] = values.map(requirement_label)
        elif column == "unit" and not units:
            continue
        elif column.startswith("shadow_price"):
            if values.isna().any():
                # A withheld price (hard targets first, or a rule-based baseline) shows as a dash.
                out[label] = [number(v * 1e6, digits=2) for v in values]
            else:
                out[label] = values * 1e6
                config[label] = st.column_config.NumberColumn(label, format="%,.2f")
        elif column.endswith("_yuan"):
            label = f"{label} ({t('unit_wan')})"
            out[label] = values / WAN
            config[label] = st.column_config.NumberColumn(label, format="%,.1f")
        elif column.endswith("share"):
            out[label] = values * 100
            config[label] = st.column_config.NumberColumn(label, format="%.1f%%")
        elif column == "year":
            out[label] = values
            config[label] = st.column_config.NumberColumn(label, format="%d")
        else:
            out[label] = values
            if pd.api.types.is_float_dtype(values):
                config[label] = st.column_config.NumberColumn(label, format="%,.1f")
    return out.reset_index(drop=True), config


def with_names(frame: pd.DataFrame, scenario: Scenario) -> pd.DataFrame:
    """A download table: district names (both languages) beside the ids."""
    return with_district_names(frame, scenario.districts)


def tables_section(tables: Mapping[str, pd.DataFrame], scenario: Scenario, stem: str,
                   key: str) -> None:
    """Each table on screen with a CSV download, and one Excel workbook of them all.

    Downloads hold the model's tables at full precision in model units (yuan,
    shares as fractions), with district names in both languages.
    """
    downloads = {name: with_names(frame, scenario) for name, frame in tables.items()}
    # The files are made when a button is clicked, not with the page: a workbook of
    # the 1,380-community allocation (34,500 rows) takes seconds to write.
    st.download_button(t("download_all_excel"), functools.partial(excel_bytes, downloads), file_name=f"{stem}.xlsx",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                       key=f"{key}:xlsx", icon=":material/download:")
    names = district_names(scenario)
    for name, frame in tables.items():
        title = t(f"table_{name}") if f"table_{name}" in TEXT else name.replace("_", " ")
        with st.expander(f"{title} ({len(frame):,})"):
            shown, config = people_table(frame, names)
            st.dataframe(shown, hide_index=True, width="stretch", column_config=config)
            st.download_button(f"{t('download_csv_table')}: {name}.csv", functools.partial(csv_bytes, downloads[name]),
                               file_name=f"{stem}-{name}.csv", mime="text/csv", key=f"{key}:csv:{name}",
                               icon=":material/download:")


# --- charts ------------------------------------------------------------------------
def transfers_chart(result: Result, names: Mapping[str, str], year: int | None) -> alt.Chart:
    """City transfers by district (bars) and program (colours), in 10k yuan."""
    data = result.allocation if year is None else result.allocation[result.allocation["year"] == year]
    data = data.groupby(["district", "program"], as_index=False)["transfer_yuan"].sum()
    data["wan"] = data["transfer_yuan"] / WAN
    data["name"] = data["district"].map(names)
    data["label"] = data["program"].map(program_label)
    order = data.groupby("name")["wan"].sum().sort_values(ascending=False).index.tolist()
    unit = t("unit_wan")
    return alt.Chart(data).mark_bar().encode(
        y=alt.Y("name:N", sort=order, title=None),
        x=alt.X("wan:Q", title=f"{t('col_transfers')} ({unit})", axis=alt.Axis(format=",.0f")),
        color=alt.Color("label:N", title=None, legend=alt.Legend(orient="bottom", columns=3)),
        tooltip=[alt.Tooltip("name:N", title=t("col_district")), alt.Tooltip("label:N", title=t("col_program")),
                 alt.Tooltip("wan:Q", title=f"{t('col_transfers')} ({unit})", format=",.1f")],
    ).properties(height=alt.Step(20))


def compliance_chart(result: Result, target_rows: pd.DataFrame) -> alt.Chart:
    """City-wide share at standard by year and program: optimised, without transfers, target."""
    frames = []
    city = result.compliance[result.compliance["district"] == "city"]
    frames.append(city.assign(series=t("col_share"))[["program", "year", "share", "series"]])
    if result.status_quo is not None:
        sq = result.status_quo.compliance
        sq = sq[sq["district"] == "city"]
        frames.append(sq.assign(series=t("col_status_quo"))[["program", "year", "share", "series"]])
    for row in target_rows.itertuples():
        years = [y for y in result.years if y >= row.from_year]
        frames.append(pd.DataFrame({"program": row.program, "year": years, "share": row.target_share,
                                    "series": t("col_target")}))
    data = pd.concat(frames, ignore_index=True)
    data["label"] = data["program"].map(program_label)
    order = [t("col_share"), t("col_status_quo"), t("col_target")]
    return alt.Chart(data).mark_line(point=True).encode(
        x=alt.X("year:O", title=None),
        y=alt.Y("share:Q", title=t("col_share"), axis=alt.Axis(format="%"), scale=alt.Scale(domain=[0, 1])),
        color=alt.Color("series:N", title=None, sort=order, legend=alt.Legend(orient="bottom"),
                        scale=alt.Scale(domain=order, range=["#1f77b4", "#9a9a9a", "#d62728"])),
        strokeDash=alt.StrokeDash("series:N", sort=order, legend=None,
                                  scale=alt.Scale(domain=order, range=[[1, 0], [4, 3], [2, 2]])),
        tooltip=[alt.Tooltip("label:N", title=t("col_program")), alt.Tooltip("year:O", title=t("col_year")),
                 alt.Tooltip("series:N", title=" "), alt.Tooltip("share:Q", format=".1%", title=t("col_share"))],
    ).properties(width=210, height=170).facet(
        facet=alt.Facet("label:N", title=None, sort=[program_label(p) for p in target_rows["program"]]),
        columns=3)


def own_city_chart(result: Result, names: Mapping[str, str]) -> alt.LayerChart:
    """Per district over the horizon: own spending and city transfers, capacity as a tick."""
    money = result.district_money.groupby("district", sort=False)[["own_yuan", "transfer_yuan", "capacity_yuan"]].sum()
    money["name"] = [names.get(d, d) for d in money.index]
    unit = t("unit_wan")
    bars = pd.concat([
        pd.DataFrame({"name": money["name"], "kind": t("money_kind_own"), "kind_order": 0,
                      "wan": money["own_yuan"] / WAN}),
        pd.DataFrame({"name": money["name"], "kind": t("money_kind_city"), "kind_order": 1,
                      "wan": money["transfer_yuan"] / WAN}),
    ], ignore_index=True)
    order = (money["own_yuan"] + money["transfer_yuan"]).sort_values(ascending=False).index
    sort = [names.get(d, d) for d in order]
    bar = alt.Chart(bars).mark_bar().encode(
        y=alt.Y("name:N", sort=sort, title=None),
        x=alt.X("wan:Q", stack=True, title=f"{t('col_money_kind')} ({unit})", axis=alt.Axis(format=",.0f")),
        color=alt.Color("kind:N", title=None, legend=alt.Legend(orient="bottom"),
                        sort=[t("money_kind_own"), t("money_kind_city")],
                        scale=alt.Scale(domain=[t("money_kind_own"), t("money_kind_city")],
                                        range=["#9ecae1", "#1f77b4"])),
        order=alt.Order("kind_order:Q"),
        tooltip=[alt.Tooltip("name:N", title=t("col_district")), alt.Tooltip("kind:N", title=t("col_money_kind")),
                 alt.Tooltip("wan:Q", format=",.1f", title=unit)],
    )
    ticks = pd.DataFrame({"name": money["name"], "wan": money["capacity_yuan"] / WAN})
    tick = alt.Chart(ticks).mark_tick(color="black", thickness=2, size=16).encode(
        y=alt.Y("name:N", sort=sort), x="wan:Q",
        tooltip=[alt.Tooltip("name:N", title=t("col_district")),
                 alt.Tooltip("wan:Q", format=",.1f", title=f"{t('col_capacity')} ({unit})")])
    return alt.layer(bar, tick).properties(height=alt.Step(20))


def money_year_chart(result: Result) -> alt.LayerChart:
    """Transfers per year as bars, the ceiling as a tick."""
    money = result.money.assign(transfers=result.money["transfers_yuan"] / WAN,
                                ceiling=result.money["ceiling_yuan"] / WAN)
    unit = t("unit_wan")
    bar = alt.Chart(money).mark_bar(color="#1f77b4").encode(
        x=alt.X("year:O", title=None),
        y=alt.Y("transfers:Q", title=f"{t('col_transfers')} ({unit})", axis=alt.Axis(format=",.0f")),
        tooltip=[alt.Tooltip("year:O", title=t("col_year")),
                 alt.Tooltip("transfers:Q", format=",.1f", title=f"{t('col_transfers')} ({unit})"),
                 alt.Tooltip("ceiling:Q", format=",.1f", title=f"{t('col_ceiling')} ({unit})")])
    tick = alt.Chart(money).mark_tick(color="#d62728", thickness=3, size=40).encode(
        x="year:O", y="ceiling:Q")
    return alt.layer(bar, tick).properties(height=260)
