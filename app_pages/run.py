"""Run page: one recorded run exactly as it was recorded -- its headline numbers, charts,
tables and provenance, read from the store (not solved again) -- with its labels.

Its link (``/run?run=<id>``) opens the same figures in any browser pointed at the same store.
"""

from __future__ import annotations

import json

import streamlit as st

from app_pages import state
from app_pages.i18n import t
from app_pages.result_view import body_section, certificate_section, headline_section
from model import ScenarioError
from model.scenario.links import RunRef
from model.scenario.text import safe_stem


def labels_section(info: dict) -> None:
    """Who it was presented to, and the notes (each a row added later, never an edit)."""
    labels = info["labels"]
    for row in labels.itertuples():
        when = f"{row.labelled_at:%Y-%m-%d %H:%M} UTC"
        if row.kind == "presented":
            st.success(t("run_presented", text=row.text, who=row.labelled_by, when=when), icon=":material/verified:")
        else:
            st.info(t("run_note", text=row.text, who=row.labelled_by, when=when), icon=":material/sticky_note_2:")


def provenance_section(info: dict, summary: dict) -> None:
    with st.expander(t("run_provenance"), icon=":material/fingerprint:"):
        st.markdown(t("run_provenance_text", sha=info["scenario_sha256"], solver=info["solver_version"] or info["solver"],
                      version=info["budgetsim_version"], python=info["python_version"],
                      seconds=f"{info['duration_seconds']:.2f}"))
        if info["overrides"]:
            st.markdown(t("run_overrides"))
            st.code("\n".join(f"{o['key']} = {json.dumps(o['value'], ensure_ascii=False)}  # was "
                              f"{json.dumps(o['previous'], ensure_ascii=False)} ({o['origin']})"
                              for o in info["overrides"]), language="toml")
        st.json(summary.get("provenance", {}), expanded=False)


def batch_section(run_id: int, info: dict) -> None:
    """A sweep or Monte Carlo: its summary and where its output files are."""
    files = state.run_files(run_id)
    st.markdown(t("run_batch", kind=t(f"hist_kind_{info['kind']}"), output=info.get("output") or "–"))
    st.json(json.loads(files.get("summary.json", "{}")), expanded=False)
    for name, text in files.items():
        st.download_button(f"{t('download_csv_table')}: {name}", text.encode("utf-8"), file_name=name,
                           key=f"run:file:{name}", icon=":material/download:")


def main() -> None:
    run_id = st.session_state.get(state.OPEN_RUN)
    if run_id is None:
        st.title(t("page_run"))
        st.info(t("run_choose"))
        st.page_link("app_pages/history.py", label=t("page_history"), icon=":material/history:")
        return
    ref = RunRef(int(run_id))
    try:
        info = state.run_info(ref.run_id)
    except ScenarioError as exc:
        st.title(t("run_title_unknown", id=run_id))
        st.error(t("run_unknown", id=run_id, rule="; ".join(p.rule for p in exc.problems)), icon=":material/search_off:")
        st.page_link("app_pages/history.py", label=t("page_history"), icon=":material/history:")
        return
    st.title(t("run_title", id=run_id, title=info["title"]))
    st.caption(t("run_recorded", when=f"{info['created_at']:%Y-%m-%d %H:%M:%S} UTC", who=info["username"],
                 host=info["host"], source=t(f"hist_source_{info['source']}"), scenario=info["scenario_name"]))
    st.caption(t("run_as_recorded"))
    labels_section(info)
    if info["kind"] != "run":
        batch_section(ref.run_id, info)
        return
    try:
        scenario, result = state.load(ref), state.solve_ref(ref)
    except ScenarioError as exc:
        st.error(t("run_unreadable", id=run_id, rule="; ".join(p.rule for p in exc.problems)))
        return
    c1, c2 = st.columns([1, 4])
    if c1.button(t("run_use"), icon=":material/tune:", help=t("run_use_help")):
        state.set_current(state.stored_ref(info["scenario_sha256"]))
        st.switch_page("app_pages/scenario.py")
    if c2.button(t("run_compare_current"), icon=":material/compare_arrows:"):
        st.session_state[state.COMPARE] = [ref, state.current()]
        st.session_state[state.REFERENCE] = 0
        st.session_state.pop("compare_choice", None)
        st.switch_page("app_pages/compare.py")
    headline_section(scenario, result, None, None)
    body_section(scenario, result, f"run-{run_id}-{safe_stem(info['title'])}", key="run")  # as on the Results page
    certificate_section(result)  # the proof recorded with the run, if it was certified
    provenance_section(info, json.loads(state.run_files(ref.run_id)["summary.json"]))


main()
