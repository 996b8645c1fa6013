"""A national result read from the top: province and district sums add up to the
allocation, and a district's communities come a page at a time."""

from __future__ import annotations

import pytest

from model import load_scenario, solve
from model.io import write_files
from model.results.national import PAGE_SIZE, community_page, district_summary, province_summary
from model.scenario.national import generate


@pytest.fixture(scope="module")
def national(tmp_path_factory):
    folder = tmp_path_factory.mktemp("national")
    write_files(folder, generate(1380, 4))
    scenario = load_scenario(folder / "national.toml")
    return scenario, solve(scenario, status_quo=False)


def test_province_and_district_sums_are_the_allocations(national):
    scenario, result = national
    districts = district_summary(result, scenario)
    provinces = province_summary(result, scenario, districts)
    assert len(districts) == len(scenario.districts) and districts["communities"].sum() == 1380
    assert len(provinces) == scenario.districts["province"].nunique() <= 31
    for column in ["own_yuan", "transfer_yuan", "closed_yuan"]:
        total = result.allocation[column].sum()
        assert districts[column].sum() == pytest.approx(total)
        assert provinces[column].sum() == pytest.approx(total)
    assert provinces["transfer_yuan"].sum() == pytest.approx(sum(result.summary()["transfers_by_year"].values()))
    assert set(districts["province"]) == set(provinces["province"])


def test_a_districts_communities_come_a_page_at_a_time(national):
    scenario, result = national
    biggest = district_summary(result, scenario).sort_values("communities").iloc[-1]
    first, pages = community_page(result, biggest["district"], 0, size=10)
    assert pages == -(-biggest["communities"] // 10) and len(first) == 10
    last, _ = community_page(result, biggest["district"], pages + 5, size=10)  # past the end: the last page
    assert 1 <= len(last) <= 10 and set(first["unit"]).isdisjoint(last["unit"])
    whole, one = community_page(result, biggest["district"], 0, size=PAGE_SIZE * 10)
    assert one == 1 and whole["transfer_yuan"].sum() == pytest.approx(biggest["transfer_yuan"])
