"""History page: every recorded run (CLI, app, Python API) of the store, newest first.

Filter by scenario, status and date; page through; open a run exactly as it was recorded
(the Run page), compare two to four runs on the Compare page, label one "presented".
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app_pages import state
from app_pages.i18n import t
from app_pages.ui import WAN, show_problems
from model import Problem, ScenarioError
from model.errors import StoreError
from model.scenario.links import MAX_COMPARED, RunRef

PER_PAGE = 20
STATUSES = ("optimal", "hard_targets_unmet", "done")
SOURCES = ("cli", "app", "api")


def filters() -> dict:
    """The filters chosen above the list (the page number starts again when one changes)."""
    opened = state.store()
    names = opened.run_scenario_names() if opened is not None else []
    c1, c2, c3, c4 = st.columns([3, 2, 2, 2])
    scenario = c1.selectbox(t("hist_scenario"), [None] + names, format_func=lambda n: t("hist_all") if n is None else n,
                            key="hist_scenario", on_change=first_page)
    status = c2.selectbox(t("hist_status"), [None, *STATUSES], key="hist_status", on_change=first_page,
                          format_func=lambda s: t("hist_all") if s is None else t(f"hist_status_{s}"))
    since = c3.date_input(t("hist_since"), value=None, key="hist_since", on_change=first_page, format="YYYY-MM-DD")
    until = c4.date_input(t("hist_until"), value=None, key="hist_until", on_change=first_page, format="YYYY-MM-DD")
    return {"scenario": scenario, "status": status, "since": since, "until": until}


def first_page() -> None:
    st.session_state["hist_page"] = 1


def run_table(frame: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
    """The page's runs for people: when, where from, which scenario, the headline figures,
    and a link that opens the run (and can be shared)."""
    lang = st.session_state.get("lang", "en")
    shown = pd.DataFrame({
        t("hist_col_id"): frame["id"],
        t("hist_col_when"): frame["created_at"].dt.strftime("%Y-%m-%d %H:%M:%S"),
        t("hist_col_source"): frame["source"].map(lambda s: t(f"hist_source_{s}") if s in SOURCES else s),
        t("hist_col_kind"): frame["kind"].map(lambda k: t(f"hist_kind_{k}")),
        t("hist_col_scenario"): frame["title"],
        t("hist_col_status"): frame["status"].map(lambda s: t(f"hist_status_{s}") if s in STATUSES else s),
        f"{t('hist_col_transfers')} ({t('unit_wan')})": frame["transfers_yuan"] / WAN,
        f"{t('hist_col_missing')} ({t('unit_wan')})": frame["missing_hard_yuan"] / WAN,
        t("hist_col_presented"): [p if isinstance(p, str) else "" for p in frame["presented"]],
        t("hist_col_by"): frame["username"] + " @ " + frame["host"],
        t("hist_col_open"): [f"/run?run={i}" + (f"&lang={lang}" if lang != "en" else "") for i in frame["id"]],
    })
    money = st.column_config.NumberColumn(format="%,.1f")
    config = {
        f"{t('hist_col_transfers')} ({t('unit_wan')})": money,
        f"{t('hist_col_missing')} ({t('unit_wan')})": money,
        t("hist_col_open"): st.column_config.LinkColumn(display_text=t("hist_open_link"), help=t("hist_open_help")),
    }
    return shown, config


def actions(frame: pd.DataFrame) -> None:
    """Open, compare or label the runs picked from this page."""
    labels = {int(r.id): f"#{r.id} · {r.title} · {r.created_at:%Y-%m-%d %H:%M}" for r in frame.itertuples()}
    picked = st.multiselect(t("hist_pick"), list(labels), format_func=labels.__getitem__, key="hist_picked",
                            max_selections=MAX_COMPARED, help=t("hist_pick_help"))
    c1, c2, c3 = st.columns([1, 1, 3])
    if c1.button(t("hist_open"), icon=":material/open_in_new:", disabled=len(picked) != 1, key="hist_open"):
        st.session_state[state.OPEN_RUN] = picked[0]
        st.switch_page("app_pages/run.py")
    if c2.button(t("hist_compare"), icon=":material/compare_arrows:", disabled=len(picked) < 2, key="hist_compare"):
        st.session_state[state.COMPARE] = [RunRef(i) for i in picked]
        st.session_state[state.REFERENCE] = 0
        st.session_state.pop("compare_choice", None)  # the Compare page starts from this set
        st.switch_page("app_pages/compare.py")
    with c3:
        presented_form(picked)


def presented_form(picked: list[int]) -> None:
    """Label one run as presented (a new row: the run itself is never edited)."""
    with st.form("hist_label_form", border=False):
        text = st.text_input(t("hist_presented_to"), key="hist_presented_to", max_chars=200,
                             placeholder=t("hist_presented_placeholder"))
        if st.form_submit_button(t("hist_label"), icon=":material/verified:"):
            if len(picked) != 1:
                st.error(t("hist_label_pick_one"))
            elif not text.strip():
                st.error(t("hist_label_empty"))
            else:
                try:
                    state.need_store().label_run(picked[0], text.strip(), kind="presented",
                                                 who=st.session_state.get(state.WHO) or None)
                except (StoreError, ScenarioError) as exc:
                    problems = exc.problems if isinstance(exc, ScenarioError) else [Problem("store", "", str(exc))]
                    show_problems(problems, t("hist_label_failed"))
                else:
                    st.session_state["hist_flash"] = t("hist_labelled", id=picked[0], text=text.strip())
                    st.rerun()


def main() -> None:
    st.title(t("page_history"))
    opened = state.store()
    if opened is None:
        st.error(t("store_unavailable", problem=st.session_state.get(state.STORE_PROBLEM, "")))
        return
    st.caption(t("hist_intro", where=opened.where))
    flash = st.session_state.pop("hist_flash", None)
    if flash:
        st.success(flash, icon=":material/verified:")
    chosen = filters()
    since, until = chosen["since"], chosen["until"]
    if since and until and since > until:
        st.error(t("hist_dates_reversed"))
        return
    page = int(st.session_state.get("hist_page", 1))
    try:
        listed = opened.runs(scenario=chosen["scenario"], status=chosen["status"], since=since, until=until,
                             page=page, per_page=PER_PAGE)
        if page > listed.pages:  # fewer runs than when the page was chosen
            page = st.session_state["hist_page"] = listed.pages
            listed = opened.runs(scenario=chosen["scenario"], status=chosen["status"], since=since, until=until,
                                 page=page, per_page=PER_PAGE)
    except StoreError as exc:
        show_problems([Problem("store", "", str(exc))], t("hist_failed"))
        return
    if listed.total == 0:
        st.info(t("hist_none"))
        return
    shown, config = run_table(listed.frame)
    first = (page - 1) * PER_PAGE + 1
    st.caption(t("hist_showing", first=first, last=first + len(listed.frame) - 1, total=listed.total))
    st.dataframe(shown, hide_index=True, width="stretch", column_config=config, key="hist_table")
    if listed.pages > 1:
        st.number_input(t("hist_page", pages=listed.pages), min_value=1, max_value=listed.pages, step=1,
                        key="hist_page")
    actions(listed.frame)


main()
