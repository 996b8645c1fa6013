"""Results page: headline numbers first, then what changed since the previous run, charts, tables."""

from __future__ import annotations

import streamlit as st

from app_pages import state
from app_pages.decision import analysis_section, diagnosis_section
from app_pages.i18n import t
from app_pages.result_view import body_section, certificate_section, changes_section, headline_section
from app_pages.ui import show_failure
from model import ScenarioError, SolveError, Status
from model.analysis.compare import headline, targets
from model.scenario.text import safe_stem


def main() -> None:
    ref = state.current()
    try:
        scenario = state.load(ref)
        with st.spinner(t("solving"), show_time=True):
            result = state.solve_ref(ref)
    except (ScenarioError, SolveError) as exc:
        show_failure(exc)
        return
    title = state.label_of(ref)
    st.title(t("results_of", title=title))
    previous_ref = state.previous_run()
    previous = prev_scenario = prev_result = prev_targets = None
    if previous_ref is not None:
        try:
            prev_scenario = state.load(previous_ref)
            prev_result = state.solve_ref(previous_ref)
            previous = headline(prev_scenario, prev_result)
            prev_targets = targets(prev_scenario, prev_result)
        except (ScenarioError, SolveError):
            previous_ref = None
    headline_section(scenario, result, previous, prev_targets)
    # The diagnosis and the analysis take seconds: their places are kept here and they are
    # filled after the rest of the page is drawn, so that the page can be read meanwhile.
    diagnosis_slot = st.container() if result.status != Status.OPTIMAL else None
    if previous_ref is not None:
        changes_section(scenario, result, prev_scenario, prev_result, state.label_of(previous_ref))
    else:
        st.caption(t("first_run"))
    analysis_slot = st.container()
    # Tens of thousands of communities: sums by province and district, communities a page at
    # a time; never the whole allocation (millions of rows) in the browser.
    body_section(scenario, result, safe_stem(title), key="results")
    certificate_section(result)
    p = result.provenance
    st.caption(t("provenance", solver=p["solver_version"], seconds=p["solve_seconds"], sha=p["scenario_sha256"][:12]))
    run_id = state.run_id_of(ref)
    if run_id is not None:  # the figures above, kept in the store: a link to them as recorded
        st.page_link("app_pages/run.py", label=t("recorded_as", id=run_id), icon=":material/receipt_long:",
                     query_params={"run": str(run_id)})
    later = [(diagnosis_slot, lambda: diagnosis_section(scenario, result, ref)),
             (analysis_slot, lambda: analysis_section(scenario, result, ref, safe_stem(title)))]
    for slot, draw in later:
        if slot is None:
            continue
        with slot:
            try:
                draw()
            except (ScenarioError, SolveError) as exc:  # a solve inside failed: say so, keep the page
                st.error(t("solve_failed", message=exc))


main()
