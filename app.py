"""budgetsim in the browser: build, run, compare and share scenarios.

The entry point: page set-up, the session's state (from the link on the first
run), the language switch and the navigation. The pages live in ``app_pages/``;
they are UI only and call ``model``'s public API (nothing here builds or solves
an LP).
"""

from __future__ import annotations

import streamlit as st

from app_pages import state
from app_pages.i18n import LANG_KEY, LANGUAGES, t

st.set_page_config(page_title="budgetsim", page_icon=":material/account_balance:", layout="wide")
state.init_session()

with st.sidebar:
    st.radio(t("language"), list(LANGUAGES), format_func=LANGUAGES.get, key=LANG_KEY, horizontal=True)

pages = [
    st.Page("app_pages/scenario.py", title=t("page_scenario"), icon=":material/tune:", url_path="scenario"),
    st.Page("app_pages/results.py", title=t("page_results"), icon=":material/insights:", url_path="results",
            default=True),
    st.Page("app_pages/compare.py", title=t("page_compare"), icon=":material/compare_arrows:",
            url_path="compare"),
    st.Page("app_pages/frontier.py", title=t("page_frontier"), icon=":material/show_chart:",
            url_path="frontier"),
    st.Page("app_pages/history.py", title=t("page_history"), icon=":material/history:", url_path="history"),
    st.Page("app_pages/run.py", title=t("page_run"), icon=":material/receipt_long:", url_path="run",
            visibility="hidden"),
    st.Page("app_pages/method.py", title=t("page_method"), icon=":material/menu_book:", url_path="method"),
]
page = st.navigation(pages)

problems = st.session_state.get(state.LINK_PROBLEMS)
if problems:
    with st.container(border=True):
        st.warning(t("link_problems"))
        for problem in problems:
            st.markdown(f"- `{problem.where}`: {problem.rule}")
        if st.button(t("dismiss"), key="dismiss_link_problems"):
            st.session_state[state.LINK_PROBLEMS] = []
            st.rerun()

with st.sidebar:
    ref = state.current()
    st.caption(t("sidebar_current"))
    st.markdown(f"**{state.label_of(ref)}**")
    if ref.overrides:
        st.caption(t("sidebar_changes", n=len(ref.overrides)))
    st.caption(t("sidebar_share"))
    if st.session_state.get(state.STORE_PROBLEM):
        st.warning(t("store_unavailable", problem=st.session_state[state.STORE_PROBLEM]), icon=":material/database:")

on_run_page = page.url_path == "run"
state.sync_link(on_run_page)
page.run()
state.sync_link(on_run_page)
