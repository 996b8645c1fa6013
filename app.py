"""budgetsim in the browser: the default scenario solved, headline numbers first.

UI only: every number comes from ``model``'s public API (nothing here builds or
solves an LP). Solving is cached on the scenario's file texts.
"""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from model import PROGRAMS, Result, ScenarioError, Status, scenario_files, shipped_scenarios, solve_texts

PROGRAM_LABELS = {
    "office_space": "Office space at 100 m²",
    "service_space": "Service rooms at standard",
    "operating_funds": "Operating funds at standard",
    "member_subsidy": "Members at ≥ minimum wage",
    "social_insurance": "Members insured",
}


@st.cache_data(show_spinner="Solving the allocation model…", max_entries=32)
def solve_cached(name: str, files: tuple[tuple[str, str], ...]) -> Result:
    return solve_texts(name, dict(files))


def wan(yuan: float) -> str:
    """Yuan shown in 10k yuan (万元) with thousands separators."""
    return f"{yuan / 1e4:,.0f}"


def main() -> None:
    st.set_page_config(page_title="budgetsim", page_icon="🏘️", layout="wide")
    st.title("budgetsim — community-work transfers")
    names = shipped_scenarios()
    name = st.selectbox("Scenario", names, index=0, key="scenario")
    files = scenario_files()
    try:
        result = solve_cached(name, tuple(sorted(files.items())))
    except ScenarioError as exc:
        st.error("This scenario has problems:\n\n" + "\n".join(f"- {p}" for p in exc.problems))
        return

    st.caption(f"{result.title} · {result.years[0]}–{result.years[-1]} · "
               f"{len(result.districts)} districts · {result.initial['committees']:,.0f} committees")
    money = result.money
    missing = float(result.unmet_hard["missing_yuan"].sum())
    cols = st.columns(4)
    if result.status == Status.OPTIMAL:
        cols[0].metric("Hard targets", "All met", help="Offices by the deadline, minimum wage, insurance.")
    else:
        cols[0].metric("Hard targets", "Unmet", delta=f"-{wan(missing)} 10k yuan missing", delta_color="inverse")
    cols[1].metric("City transfers (10k yuan)", wan(money["transfers_yuan"].sum()),
                   help=f"Ceiling over the horizon: {wan(money['ceiling_yuan'].sum())} (10k yuan)")
    cols[2].metric("District own spending (10k yuan)", wan(money["own_yuan"].sum()),
                   help=f"Capacity over the horizon: {wan(money['capacity_yuan'].sum())} (10k yuan)")
    first_price = money["shadow_price_points_per_yuan"].iloc[0] * 1e6
    cols[3].metric(f"+1M yuan of ceiling in {result.years[0]}", f"{first_price:,.1f} points",
                   help="Weighted committee-years at standard gained (the LP dual of the ceiling).")

    last = result.years[-1]
    city = result.compliance_by_year()
    sq = result.status_quo.compliance_by_year() if result.status_quo else None
    st.subheader(f"Targets at the end of {last}")
    cols = st.columns(len(PROGRAMS))
    for col, program in zip(cols, PROGRAMS):
        share = city[program.value][last]
        delta = f"{(share - sq[program.value][last]) * 100:+.1f} pts vs no transfers" if sq else None
        col.metric(PROGRAM_LABELS[program.value], f"{share:.1%}", delta=delta)

    st.subheader("Money by year (10k yuan)")
    table = pd.DataFrame({
        "year": money["year"].astype(str),
        "ceiling": money["ceiling_yuan"].map(wan),
        "transfers": money["transfers_yuan"].map(wan),
        "own spending": money["own_yuan"].map(wan),
        "capacity": money["capacity_yuan"].map(wan),
        "points per +1M yuan": (money["shadow_price_points_per_yuan"] * 1e6).map("{:,.1f}".format),
    })
    st.dataframe(table, hide_index=True, width="stretch")

    st.subheader("Compliance by year")
    rows = result.compliance[result.compliance["district"] == "city"].copy()
    rows["target"] = rows["program"].map(PROGRAM_LABELS)
    chart = alt.Chart(rows).mark_line(point=True).encode(
        x=alt.X("year:O", title="year"),
        y=alt.Y("share:Q", title="share at standard", axis=alt.Axis(format="%"), scale=alt.Scale(domain=[0, 1])),
        color=alt.Color("target:N", title=None),
        tooltip=["target", "year", alt.Tooltip("share:Q", format=".1%")],
    )
    st.altair_chart(chart, width="stretch")
    if len(result.unmet_hard):
        st.subheader("Missing money for hard targets")
        unmet = result.unmet_hard.copy()
        unmet["missing (10k yuan)"] = unmet.pop("missing_yuan").map(wan)
        st.dataframe(unmet, hide_index=True, width="stretch")


main()
