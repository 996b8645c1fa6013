"""The default scenario reproduces the report's figures (DOMAIN.md) and cites every value."""

from __future__ import annotations

import csv
import importlib.util
import io

import pytest

from model import Status

from .conftest import SCENARIOS, SHIPPED


def test_city_totals_match_the_report(default_scenario, default_result):
    table = default_scenario.districts
    initial = default_result.initial
    assert table["committees"].sum() == 1380
    assert initial["committees"] == 1380
    assert table.loc["hedong", "committees"] == 138
    assert table.loc["heping", "operating_funds_yuan"] == 20_000
    assert table["uninsured_members"].sum() == 1700
    assert initial["uninsured_members"] == 1700
    assert initial["operating_standard_yuan"] == 7_000
    assert default_scenario.params["operating_funds.old_standard_yuan"] == 7_000
    assert table["residents"].sum() == pytest.approx(7_000_000, rel=0.01)


def test_compliance_today_to_the_nearest_committee(default_result):
    initial = default_result.initial
    # 51.32 % of 1,380 is 708.2 committees: 708 is the nearest whole committee.
    assert round(initial["office_space_compliance"] * 1380) == round(0.5132 * 1380) == 708
    assert abs(initial["office_space_compliance"] - 0.5132) * 1380 < 0.5
    # 11.9 % of 1,380 is 164.2 committees.
    assert round(initial["service_space_compliance"] * 1380) == 164
    assert abs(initial["service_space_compliance"] - 0.119) * 1380 < 0.5


def test_district_examples_of_the_report(default_scenario):
    table = default_scenario.districts
    # Hedong: 128 committees at the office standard, 93 % of its 138.
    hedong_at = table.loc["hedong", "committees"] - table.loc["hedong", "office_below_standard"]
    assert hedong_at == 128 and round(hedong_at / 138, 2) == 0.93
    # A third district at 75 % office compliance (Hexi in this scenario).
    hexi = table.loc["hexi"]
    assert (hexi.committees - hexi.office_below_standard) / hexi.committees == pytest.approx(0.75, abs=0.005)


def test_standards_and_targets(default_scenario):
    p = default_scenario.params
    assert p["office_space.standard_m2"] == 100
    assert p["service_space.standard_renovated_m2"] == 200
    assert p["service_space.standard_new_m2"] == 400
    assert p["service_space.target_share"] == 0.6
    assert p["office_space.hard"] is True and p["service_space.hard"] is False
    assert default_scenario.years == [2006, 2007, 2008, 2009, 2010]
    assert len(default_scenario.districts) == 18
    minimum = default_scenario.by_year("wages.minimum_wage_city_yuan_month")
    assert [minimum[y] for y in range(2006, 2011)] == [670, 740, 820, 820, 920]
    county = default_scenario.by_year("wages.minimum_wage_county_yuan_month")
    assert [county[2006], county[2007]] == [650, 720]
    revenue = default_scenario.by_year("city.budget_revenue_100m_yuan")
    assert revenue[2005] == 331.85 and revenue[2010] == 1068.81


def test_office_cost_reproduces_hedongs_spending(default_scenario):
    # 40 million yuan for 128 committees, each assumed 60 m2 short of the standard.
    cost = default_scenario.params["office_space.cost_yuan_per_m2"]
    assert 128 * 60 * cost == pytest.approx(40_000_000, rel=1e-3)


def test_default_meets_every_hard_target(default_result):
    assert default_result.status == Status.OPTIMAL
    city = default_result.compliance_by_year()
    assert city["office_space"][2008] == pytest.approx(1.0)
    assert all(v == pytest.approx(1.0) for v in city["member_subsidy"].values())
    assert all(v == pytest.approx(1.0) for v in city["social_insurance"].values())


def test_district_table_is_what_the_derivation_script_writes():
    spec = importlib.util.spec_from_file_location("derive", SCENARIOS / "derive_tianjin_2006.py")
    derive = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(derive)
    buffer = io.StringIO()
    rows = derive.derive()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    assert (SCENARIOS / "tianjin-2006-districts.csv").read_text(encoding="utf-8") == buffer.getvalue()


def test_largest_remainder_keeps_totals():
    spec = importlib.util.spec_from_file_location("derive", SCENARIOS / "derive_tianjin_2006.py")
    derive = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(derive)
    # 10 split 1:1:1 -> 4, 3, 3 (one leftover goes to the first largest remainder).
    assert derive.largest_remainder(10, [1, 1, 1]) == [4, 3, 3]
    # A cap hands the excess on: 10 split 8:1:1 with the first capped at 5.
    assert derive.largest_remainder(10, [8, 1, 1], [5, 10, 10]) == [5, 3, 2]


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_every_shipped_value_is_cited_or_marked_an_assumption(path):
    from model import load_scenario

    scenario = load_scenario(path)
    assert scenario.uncited() == []
    for key, text in scenario.sources.items():
        assert text.strip(), key
