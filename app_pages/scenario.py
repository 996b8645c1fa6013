"""Scenario page: pick or upload a scenario, edit its parameters and districts, apply, save.

Edits are kept as overrides on the scenario file (``ScenarioRef``). A submitted
form is validated whole by the model (``Scenario.with_overrides``); problems are
shown beside the fields and the edits stay in the form until they are fixed.
"""

from __future__ import annotations

import math
import re
from typing import Any

import pandas as pd
import streamlit as st

from app_pages import state
from app_pages.i18n import column_label, group_label, language, param_label, t, unit_label
from app_pages.ui import show_problems, show_warnings
from model import Problem, Scenario, ScenarioError, plausibility_warnings
from model.export import zip_bytes
from model.scenario.links import ScenarioRef
from model.scenario.text import main_candidates, read_uploads, safe_stem, scenario_to_files
from model.scenario.schema import DISTRICT_COLUMNS, DISTRICT_COLUMNS_BY_NAME, PARAMETERS, Param

#: Parameters shown in 10k yuan (万元) instead of yuan: city-level sums.
PARAM_SCALE = {"city.ceiling_yuan": 1e4, "city.total_ceiling_yuan": 1e4}
#: District columns shown in 10k yuan.
COLUMN_SCALE = {"capacity_yuan": 1e4}
#: How the district editor shows and steps each number column (the step sets the precision kept).
DISTRICT_FORMAT = {
    "households_10k": ("%.2f", 0.01), "residents": ("%,.0f", 1.0), "members_per_committee": ("%.1f", 0.1),
    "operating_funds_yuan": ("%,.0f", 1.0), "office_area_below_m2": ("%.1f", 0.1),
    "service_area_below_m2": ("%.1f", 0.1), "member_subsidy_yuan_month": ("%,.0f", 1.0),
    "capacity_yuan": ("%,.1f", 0.1), "need_weight": ("%.2f", 0.01), "min_own_share": ("%.2f", 0.01),
}
TABS = {
    "tab_money": ("city", "wages"),
    "tab_programs": ("office_space", "service_space", "operating_funds", "member_subsidy", "social_insurance"),
    "tab_sharing": ("districts", "cost_sharing", "weights", "solver"),
}
EDITABLE = [p for p in PARAMETERS if not p.key.startswith("scenario.")]


def scaled_unit(unit: str, scale: float) -> str:
    return unit.replace("yuan", "10k yuan", 1) if scale != 1 else unit


def widget_format(param_or_unit: str, scale: float) -> tuple[str, float]:
    """printf format and step for a number input of this unit."""
    unit = param_or_unit
    if scale != 1:
        return "%.1f", 100.0
    if unit == "relative":
        return "%.1e", 1e-7
    if "share" in unit or unit == "1/year":
        return "%.3f", 0.01
    if unit.startswith("100 million"):
        return "%.2f", 10.0
    if "yuan" in unit:
        return "%.0f", 100.0
    if "points" in unit:
        return "%.2f", 0.1
    return "%.1f", 1.0


def same(a: Any, b: Any) -> bool:
    """Whether two parameter values are the same for the model."""
    if isinstance(a, bool) or isinstance(b, bool) or isinstance(a, str) or isinstance(b, str):
        return a == b
    if a is None or b is None:
        return a is b
    a, b = float(a), float(b)
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    if math.isinf(a) or math.isinf(b):
        return a == b
    return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))


def native(value: Any) -> Any:
    return value.item() if hasattr(value, "item") and not isinstance(value, str) else value


# --- values the form starts from -------------------------------------------------------
def draft_params(file_scenario: Scenario, draft: dict[str, Any]) -> dict[str, Any]:
    values = dict(file_scenario.params)
    values.update({k: v for k, v in draft.items() if not k.startswith("districts.") or k.count(".") == 1})
    return values


def draft_districts(file_scenario: Scenario, draft: dict[str, Any]) -> pd.DataFrame:
    table = file_scenario.districts.drop(columns=["_line"], errors="ignore").copy()
    for key, value in draft.items():
        parts = key.split(".")
        if parts[0] == "districts" and len(parts) == 3 and parts[1] in table.index and parts[2] in table.columns:
            if DISTRICT_COLUMNS_BY_NAME[parts[2]].kind in ("int", "float"):
                table[parts[2]] = table[parts[2]].astype("float64")
            table.at[parts[1], parts[2]] = value
    return table


def editor_frame(file_scenario: Scenario, draft: dict[str, Any]) -> pd.DataFrame:
    """The district table as the editor shows it (scaled columns in 10k yuan)."""
    table = draft_districts(file_scenario, draft)
    columns = [c.name for c in DISTRICT_COLUMNS]
    frame = table[columns].reset_index(drop=True)
    for column, scale in COLUMN_SCALE.items():
        frame[column] = frame[column] / scale
    return frame


def param_widget_key(key: str) -> str:
    return f"{state.FORM_PREFIX}{key}"


# --- reading the submitted form ----------------------------------------------------------
def submitted_overrides(ref: ScenarioRef, file_scenario: Scenario) -> dict[str, Any]:
    """The overrides the submitted form asks for: every value that differs from the file."""
    ss = st.session_state
    draft = state.draft()
    # Values the form does not show (the saved name, say) are kept.
    overrides = {k: v for k, v in ref.override_values().items() if k.startswith("scenario.")}
    values = draft_params(file_scenario, draft)
    for param in EDITABLE:
        scale = PARAM_SCALE.get(param.key, 1.0)
        keys = [k for k in file_scenario.params if k.startswith(param.key + ".")] if param.kind == "by_year" \
            else [param.key]
        for key in keys:
            widget = param_widget_key(key)
            if widget not in ss:
                value = values[key]
            else:
                value = ss[widget]
                if param.default == math.inf and ss.get(widget + ":none", False):
                    value = math.inf
                elif param.kind in ("int", "year"):
                    value = int(value)
                elif param.kind in ("float", "by_year") and value is not None:
                    # 10k-yuan inputs back to yuan, without float dust (2090.1 -> 20901000.0)
                    value = round(float(value) * scale, 4) if scale != 1 else float(value)
            if not same(value, file_scenario.params.get(key)):
                overrides[key] = value
    # District cells: the editor's changes on top of the table it was given.
    frame = editor_frame(file_scenario, draft)
    edits = ss.get(state.EDITOR_KEY, {}) or {}
    for row, changes in (edits.get("edited_rows") or {}).items():
        for column, value in changes.items():
            frame.at[int(row), column] = value
    file_table = file_scenario.districts
    for i, d_id in enumerate(frame["id"]):
        for column in DISTRICT_COLUMNS:
            if column.name == "id":
                continue
            value = native(frame.at[i, column.name])
            if column.kind in ("int", "float"):
                value = math.nan if value is None or (isinstance(value, float) and math.isnan(value)) \
                    else float(value) * COLUMN_SCALE.get(column.name, 1.0)
                if column.kind == "int" and not math.isnan(value) and value == int(value):
                    value = int(value)
            elif value is None or (isinstance(value, float) and math.isnan(value)):
                value = ""
            previous = native(file_table.at[d_id, column.name])
            if column.kind == "str" and (previous is None or previous != previous):
                previous = ""
            if not same(value, previous):
                overrides[f"districts.{d_id}.{column.name}"] = value
    return overrides


def apply_form() -> None:
    """Form callback: validate the whole edit with the model; apply it or keep it with its problems."""
    ref = state.current()
    file_scenario = state.load(state.file_ref(ref))
    overrides = submitted_overrides(ref, file_scenario)
    try:
        file_scenario.with_overrides(overrides, origin=state.APP_ORIGIN)
    except ScenarioError as exc:
        st.session_state[state.DRAFT] = overrides
        st.session_state[state.FORM_PROBLEMS] = exc.problems
        return
    state.set_current(ref.replace_overrides(overrides))
    st.session_state[state.FLASH] = ("applied", len(overrides))


# --- where a problem belongs -----------------------------------------------------------
def problem_target(problem: Problem) -> tuple[str, str | None]:
    """``("param", key)`` or ``("district", id)`` with the column, for showing a problem in place."""
    where = problem.where
    parts = where.split(".")
    if parts[0] == "districts" and len(parts) == 3:
        return f"district:{parts[1]}", parts[2]
    match = re.search(r"\(([^)]+)\), columns? (.+)$", where)
    if match:
        return f"district:{match.group(1)}", match.group(2)
    return f"param:{where}", None


def problems_for(key: str, problems: list[Problem]) -> list[Problem]:
    return [p for p in problems if problem_target(p)[0] in (f"param:{key}",)]


# --- the page ----------------------------------------------------------------------
def source_options() -> dict[str, ScenarioRef]:
    """Every scenario to start from, by its label."""
    options: dict[str, ScenarioRef] = {}
    for name in state.shipped_names():
        ref = ScenarioRef(name)
        options[f"{state.label_of(ref)} · {t('kind_shipped')}"] = ref
    for label, ref in state.saved_scenarios().items():
        options[f"{label} · {t('kind_saved')}"] = ref
    for upload in st.session_state.get(state.UPLOADS, {}).values():
        options[f"{upload['label']} · {t('kind_uploaded')}"] = upload["ref"]
    return options


def on_source_change() -> None:
    options = source_options()
    chosen = options.get(st.session_state["source_choice"])
    if chosen is not None and chosen != state.current():
        state.set_current(chosen)


def source_picker() -> None:
    options = source_options()
    ref = state.current()
    labels = list(options)
    match = [label for label, option in options.items() if option == ref] \
        or [label for label, option in options.items() if option == state.file_ref(ref)]
    if st.session_state.get("source_choice") not in labels or options[st.session_state["source_choice"]] not in (
            ref, state.file_ref(ref)):
        st.session_state["source_choice"] = match[0] if match else labels[0]
    st.selectbox(t("start_from"), labels, key="source_choice", on_change=on_source_change)


def upload_section() -> None:
    with st.expander(t("upload"), icon=":material/upload_file:"):
        files = st.file_uploader(t("upload"), type=["toml", "csv", "zip"], accept_multiple_files=True,
                                 help=t("upload_help"), label_visibility="collapsed", key="uploader")
        if not files:
            return
        texts, problems = read_uploads({f.name: f.getvalue() for f in files})
        candidates = main_candidates(texts)
        if not candidates:  # nothing to load: say why (a file too large, not UTF-8, no .toml...)
            if problems:
                show_problems(problems, t("upload_problems"))
            else:
                st.error(t("upload_none"))
            return
        main = candidates[0] if len(candidates) <= 1 else st.selectbox(t("upload_pick"), candidates)
        if st.button(t("upload_button"), type="primary", disabled=not candidates):
            try:
                scenario = state.load_upload(main, texts)
            except ScenarioError as exc:
                problems = problems + exc.problems
            if not problems:
                try:  # kept in the store by its content: the session's link can name it
                    ref = state.keep_upload(scenario)
                except ScenarioError as exc:
                    problems = problems + exc.problems
            if problems:
                st.session_state["upload_problems"] = problems
            else:
                st.session_state[state.UPLOADS][ref.stored] = {"ref": ref, "label": f"{scenario.title} ({main})"}
                st.session_state["upload_problems"] = []
                state.set_current(ref)
                st.session_state[state.FLASH] = ("uploaded", main)
                st.rerun()
        if st.session_state.get("upload_problems"):
            show_problems(st.session_state["upload_problems"], t("upload_problems"))


def number_widget(param: Param, key: str, value: Any, label: str, help_text: str) -> None:
    scale = PARAM_SCALE.get(param.key, 1.0)
    fmt, step = widget_format(param.unit, scale)
    widget = param_widget_key(key)
    if param.kind in ("int", "year"):
        st.number_input(label, value=int(value), step=1, format="%d", help=help_text, key=widget,
                        min_value=int(param.minimum) if param.minimum is not None else None,
                        max_value=int(param.maximum) if param.maximum is not None else None)
        return
    minimum = param.minimum / scale if param.minimum is not None else None
    maximum = param.maximum / scale if param.maximum is not None else None
    st.number_input(label, value=float(value) / scale, step=step, format=fmt, help=help_text, key=widget,
                    min_value=float(minimum) if minimum is not None else None,
                    max_value=float(maximum) if maximum is not None else None)


def param_help(param: Param, scenario: Scenario) -> str:
    source = None
    parts = param.key.split(".")
    for i in range(len(parts), 0, -1):
        source = scenario.sources.get(".".join(parts[:i]))
        if source:
            break
    text = param.description if language() == "en" else f"{param_label(param.key)}（{unit_label(param.unit)}）。{param.description}"
    return f"{text}\n\n*{source}*" if source else text


def inline_problems(problems: list[Problem]) -> None:
    for problem in problems:
        st.error(problem.rule, icon=":material/error:")


def param_inputs(group: str, file_scenario: Scenario, values: dict[str, Any], problems: list[Problem]) -> None:
    params = [p for p in EDITABLE if p.key.split(".")[0] == group]
    st.markdown(f"**{group_label(group)}**")
    singles = [p for p in params if p.kind != "by_year"]
    for param in params:
        if param.kind != "by_year":
            continue
        scale = PARAM_SCALE.get(param.key, 1.0)
        years = sorted(int(k.rsplit(".", 1)[1]) for k in file_scenario.params if k.startswith(param.key + "."))
        st.caption(f"{param_label(param.key)} ({unit_label(scaled_unit(param.unit, scale))})",
                   help=param_help(param, file_scenario))
        columns = st.columns(len(years))
        for column, year in zip(columns, years):
            key = f"{param.key}.{year}"
            with column:
                number_widget(param, key, values[key], str(year), None)
                inline_problems(problems_for(key, problems))
    columns = st.columns(3)
    for i, param in enumerate(singles):
        scale = PARAM_SCALE.get(param.key, 1.0)
        label = param_label(param.key)
        unit = unit_label(scaled_unit(param.unit, scale))
        with columns[i % 3]:
            if param.kind == "bool":
                st.checkbox(label, value=bool(values[param.key]), key=param_widget_key(param.key),
                            help=param_help(param, file_scenario))
            elif param.default == math.inf:
                value = values[param.key]
                unlimited = math.isinf(value)
                st.checkbox(t("no_total_ceiling"), value=unlimited, key=param_widget_key(param.key) + ":none")
                number_widget(param, param.key, 0.0 if unlimited else value, f"{label} ({unit})",
                              param_help(param, file_scenario))
            else:
                number_widget(param, param.key, values[param.key],
                              f"{label} ({unit})" if unit != "-" else label, param_help(param, file_scenario))
            inline_problems(problems_for(param.key, problems))


def district_column_config(scenario: Scenario) -> dict[str, Any]:
    config: dict[str, Any] = {}
    for column in DISTRICT_COLUMNS:
        scale = COLUMN_SCALE.get(column.name, 1.0)
        unit = unit_label(scaled_unit(column.unit, scale))
        label = column_label(column.name) + (f" ({unit})" if column.unit != "-" else "")
        if column.name == "id":
            config[column.name] = st.column_config.TextColumn(label, disabled=True, pinned=True,
                                                              help=column.description)
        elif column.kind == "choice":
            config[column.name] = st.column_config.SelectboxColumn(label, options=list(column.choices),
                                                                   required=True, help=column.description)
        elif column.kind == "str":
            config[column.name] = st.column_config.TextColumn(label, help=column.description,
                                                              pinned=column.name in ("name_zh", "name_en"))
        else:
            fmt, step = DISTRICT_FORMAT.get(column.name, ("%d", 1) if column.kind == "int" else ("%.2f", 0.01))
            config[column.name] = st.column_config.NumberColumn(
                label, help=column.description, format=fmt, step=step,
                min_value=column.minimum / scale if column.minimum is not None else None,
                max_value=column.maximum / scale if column.maximum is not None else None,
                required=column.required)
    return config


def district_problem_lines(problems: list[Problem], scenario: Scenario) -> list[str]:
    names = scenario.districts["name_zh" if language() == "zh" else "name_en"].to_dict()
    lines = []
    for problem in problems:
        target, column = problem_target(problem)
        if target.startswith("district:"):
            d_id = target.split(":", 1)[1]
            columns = ", ".join(column_label(c.strip()) for c in (column or "").split("+"))
            lines.append(t("district_problem", district=f"{names.get(d_id, d_id)} ({d_id})", column=columns,
                           rule=problem.rule))
    return lines


def edit_form(ref: ScenarioRef, file_scenario: Scenario) -> None:
    draft = state.draft()
    values = draft_params(file_scenario, draft)
    problems: list[Problem] = st.session_state.get(state.FORM_PROBLEMS, [])
    if problems:
        show_problems(problems, t("fix_problems", n=len(problems)))
    with st.form("scenario_form", border=True):
        tabs = st.tabs([t(name) for name in TABS] + [t("tab_districts")])
        for tab, groups in zip(tabs, TABS.values()):
            with tab:
                for group in groups:
                    param_inputs(group, file_scenario, values, problems)
                    st.divider()
        with tabs[-1]:
            st.caption(t("districts_help"))
            st.data_editor(editor_frame(file_scenario, draft), key=state.EDITOR_KEY, hide_index=True,
                           num_rows="fixed", width="stretch", column_config=district_column_config(file_scenario))
            for line in district_problem_lines(problems, file_scenario):
                st.error(line, icon=":material/error:")
        st.form_submit_button(t("apply"), type="primary", on_click=apply_form, icon=":material/play_arrow:")


def save_section(ref: ScenarioRef, scenario: Scenario) -> None:
    st.subheader(t("save_title"))
    st.caption(t("save_where", where=state.store().where if state.store() is not None else "–"))
    left, right = st.columns([2, 3])
    with left:
        with st.form("save_form", border=False):
            name = st.text_input(t("save_name"), value=dict(ref.override_values()).get("scenario.name", ""),
                                 key="save_name", max_chars=80)
            note = st.text_input(t("save_note"), key="save_note", max_chars=400)
            who = st.text_input(t("save_who"), key=state.WHO, max_chars=80, help=t("save_who_help"))
            if st.form_submit_button(t("save_button"), icon=":material/save:"):
                name = name.strip()
                if not name:
                    st.error(t("save_name_empty"))
                else:
                    try:
                        saved_ref = state.save(ref, name, note, who)
                    except ScenarioError as exc:
                        show_problems(exc.problems, t("save_failed"))
                    else:
                        state.set_current(saved_ref)
                        st.session_state[state.FLASH] = ("saved", name)
                        st.rerun()
    with right:
        files = scenario_to_files(scenario)
        stem = safe_stem(scenario.title)
        st.download_button(t("download_zip"), zip_bytes(files), file_name=f"{stem}.zip", mime="application/zip",
                           icon=":material/download:", type="primary")
        toml_name, csv_name = list(files)
        c1, c2 = st.columns(2)
        c1.download_button(t("download_toml"), files[toml_name].encode("utf-8"), file_name=toml_name,
                           mime="application/toml", icon=":material/download:")
        c2.download_button(t("download_csv"), files[csv_name].encode("utf-8"), file_name=csv_name,
                           mime="text/csv", icon=":material/download:")


def flash() -> None:
    message = st.session_state.pop(state.FLASH, None)
    if message is None:
        return
    kind, value = message
    if kind == "applied":
        st.success(t("applied", n=value), icon=":material/check_circle:")
        st.page_link("app_pages/results.py", label=t("see_results"), icon=":material/insights:")
    elif kind == "saved":
        st.success(t("saved", name=value), icon=":material/check_circle:")
    elif kind == "uploaded":
        st.success(t("upload_loaded", name=value), icon=":material/check_circle:")


def main() -> None:
    st.title(t("page_scenario"))
    st.caption(t("scenario_intro"))
    source_picker()
    upload_section()
    ref = state.current()
    try:
        file_scenario = state.load(state.file_ref(ref))
        scenario = state.load(ref)
    except ScenarioError as exc:
        show_problems(exc.problems, t("invalid_scenario"))
        return
    flash()
    warnings = plausibility_warnings(scenario)
    if warnings:
        show_warnings(warnings, t("plausibility_warnings"))
    members = float((scenario.districts["committees"] * scenario.districts["members_per_committee"]).sum())
    st.markdown(f"**{scenario.title}** — {scenario.params.get('scenario.description', '')}")
    st.caption(t("horizon", first=scenario.years[0], last=scenario.years[-1], districts=len(scenario.districts),
                 committees=f"{scenario.districts['committees'].sum():,}", members=f"{members:,.0f}")
               + " · " + t("year_of_horizon", first=scenario.years[0], last=scenario.years[-1]))
    if ref.overrides:
        left, right = st.columns([3, 1])
        left.info(t("changed_from_file", n=len(ref.overrides), file=ref.base), icon=":material/edit:")
        if right.button(t("reset"), icon=":material/restart_alt:"):
            state.set_current(state.file_ref(ref))
            st.rerun()
    edit_form(ref, file_scenario)
    save_section(ref, scenario)


main()
