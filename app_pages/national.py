"""Results at national scale: provinces first, then districts, then one district's
communities a page at a time -- never the whole allocation in the browser."""

from __future__ import annotations

import functools

import streamlit as st

from app_pages.i18n import t
from app_pages.ui import district_names, people_table
from model import Result, Scenario
from model.constants import DECOMPOSE_FROM
from model.export import csv_bytes
from model.results.national import PAGE_SIZE, community_page, district_summary, province_summary


def is_national(scenario: Scenario) -> bool:
    """Whether the Results page shows the national view (as many communities as the solve decomposes)."""
    return len(scenario.unit_table) >= DECOMPOSE_FROM


def national_section(scenario: Scenario, result: Result, key: str = "national") -> None:
    """Province and district sums of the allocation, with a drill-down to communities."""
    districts = district_summary(result, scenario)
    provinces = province_summary(result, scenario, districts)
    st.subheader(t("national_title"))
    st.caption(t("national_caption", communities=f"{int(districts['communities'].sum()):,}",
                 districts=f"{len(districts):,}", size=PAGE_SIZE))
    names = district_names(scenario)
    st.markdown(t("national_provinces", count=f"{len(provinces):,}"))
    _show(provinces, names)
    csv_label = t("download_csv_table")
    st.download_button(csv_label + ": provinces.csv", functools.partial(csv_bytes, provinces),
                       file_name="provinces.csv", mime="text/csv", key=f"{key}:provinces",
                       icon=":material/download:")
    options = ["", *provinces["province"].tolist()]
    province = st.selectbox(t("national_province_filter"), options, key=f"{key}:province",
                            format_func=lambda p: p or t("national_all"))
    shown = districts if not province else districts[districts["province"] == province]
    st.markdown(t("national_districts", count=f"{len(shown):,}"))
    _show(shown, names)
    st.download_button(csv_label + ": districts.csv", functools.partial(csv_bytes, districts),
                       file_name="districts.csv", mime="text/csv", key=f"{key}:districts",
                       icon=":material/download:")
    district = st.selectbox(t("national_district_pick"), shown["district"].tolist(), key=f"{key}:district",
                            format_func=lambda d: f"{names.get(d, d)} ({d})")
    if district:
        _, pages = community_page(result, district, 0)
        page = st.number_input(t("national_page", pages=pages), min_value=1, max_value=pages, value=1,
                               key=f"{key}:page:{district}")
        table, _ = community_page(result, district, int(page) - 1)
        st.markdown(t("national_communities", district=names.get(district, district)))
        _show(table, names, units=True)


def _show(frame, names: dict[str, str], units: bool = False) -> None:
    """A national table as the other tables of the app show theirs: labelled columns,
    district names, money in 10k yuan to one decimal (the downloads keep yuan in full)."""
    shown, config = people_table(frame, names, units=units)
    st.dataframe(shown, hide_index=True, width="stretch", column_config=config)
