"""The Results page's national view, driven headlessly: provinces first, then districts,
then one district's communities a page at a time -- never the whole allocation."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from model import load_scenario, solve
from model.io import write_files
from model.results.national import PAGE_SIZE, district_summary, province_summary
from model.scenario.national import generate


#: The transfers column as the app labels it (English, 10k yuan).
TRANSFERS = "transfers (10k yuan)"

PAGE = """
from model import load_scenario, solve

from app_pages.national import national_section

scenario = load_scenario({path!r})
national_section(scenario, solve(scenario, status_quo=False, record=False))
"""


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    path = tmp_path_factory.mktemp("national")
    write_files(path, generate(1380, 6))
    return path


def test_the_national_view_shows_sums_and_pages_communities(folder):
    # A script file, not AppTest.from_function: worker processes that later tests spawn
    # start from the main module, which from_function leaves as its own script.
    script = folder / "page.py"
    script.write_text(PAGE.format(path=str(folder / "national.toml")), encoding="utf-8")
    at = AppTest.from_file(str(script), default_timeout=60).run()
    assert not at.exception
    scenario = load_scenario(folder / "national.toml")
    result = solve(scenario, status_quo=False, record=False)
    districts = district_summary(result, scenario)
    provinces = province_summary(result, scenario, districts)
    tables = at.dataframe
    assert len(tables) == 3  # provinces, districts, one page of communities
    # Shown as the app's other tables: labelled, money in 10k yuan, district names.
    assert list(tables[0].value.columns[:3]) == ["province", "districts", "communities"]
    assert tables[0].value[TRANSFERS].sum() == pytest.approx(provinces["transfer_yuan"].sum() / 1e4)
    assert len(tables[1].value) == len(districts)
    names = scenario.districts["name_en"]
    assert set(tables[1].value["district"]) == set(names[districts["district"]])
    assert len(tables[2].value) <= PAGE_SIZE
    # Filtering by a province keeps its districts only; a district's page lists its communities.
    province = provinces["province"].iloc[0]
    at.selectbox[0].set_value(province).run()
    assert set(at.dataframe[1].value["province"]) == {province}
    district = districts.loc[districts["province"] == province, "district"].iloc[-1]
    at.selectbox[1].set_value(district).run()
    page = at.dataframe[2].value
    assert set(page["unit"].str.rsplit("-", n=1).str[0]) == {district}
    communities = result.allocation[result.allocation["district"] == district]
    assert page[TRANSFERS].sum() == pytest.approx(
        communities.groupby("unit")["transfer_yuan"].sum().sort_index().head(PAGE_SIZE).sum() / 1e4)
