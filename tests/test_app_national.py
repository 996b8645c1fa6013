"""The Results page's national view, driven headlessly: provinces first, then districts,
then one district's communities a page at a time -- never the whole allocation."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from model import load_scenario, open_store, solve
from model.io import write_files
from model.results.national import PAGE_SIZE, community_page, district_summary, province_summary
from model.scenario.national import generate

from .conftest import ROOT


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


def test_a_recorded_national_run_opens_as_the_results_page_shows_it(tmp_path):
    """The Run page of a recorded national run: sums and a page of communities, as on the
    Results page (never the 125,000-row allocation), with the certificate it was recorded with."""
    write_files(tmp_path, generate(5000, 3))
    scenario = load_scenario(tmp_path / "national.toml")
    result = solve(scenario, status_quo=False, record=False, certify=True)
    with open_store() as store:
        run_id = store.record_run(result, scenario, source="api")
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.query_params["run"] = str(run_id)
    at = at.switch_page("app_pages/run.py").run()
    assert not at.exception, [e.value for e in at.exception]
    districts = district_summary(result, scenario)
    assert len(result.allocation) == 125_000
    first_page, _ = community_page(result, districts["district"].iloc[0], 0)
    *headline, provinces, shown, page = at.dataframe  # the headline's small tables, then the national view
    assert max(len(d.value) for d in headline) < 10
    assert [len(provinces.value), len(shown.value), len(page.value)] == [
        len(province_summary(result, scenario, districts)), len(districts), len(first_page)]
    assert len(first_page) <= PAGE_SIZE
    assert provinces.value[TRANSFERS].sum() == pytest.approx(result.transfers_total / 1e4)
    assert any(f"more than {result.certificate['largest_gap']:.1e}" in c.value for c in at.caption)
