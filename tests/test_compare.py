"""Headline figures, targets and comparisons, checked against the result tables by hand."""

from __future__ import annotations

import pandas as pd
import pytest

from model import load_scenario, solve
from model.analysis.baselines import Rule, solve_baseline
from model.analysis.compare import (
    differences,
    district_changes,
    district_summary,
    headline,
    headline_table,
    input_differences,
    program_changes,
    program_summary,
    targets,
)
from model.formulation.inputs import build_inputs

from .conftest import FIXTURES, SCENARIOS


@pytest.fixture(scope="module")
def pair(solved):
    names = ["tianjin-2006.toml", "tianjin-2006-tight-ceiling.toml"]
    return ({n: load_scenario(SCENARIOS / n) for n in names}, {n: solved(n) for n in names})


def test_headline_figures_are_the_result_tables_summed(default_scenario, default_result):
    figures = headline(default_scenario, default_result)
    money = default_result.money
    assert figures["transfers_yuan"] == pytest.approx(money.transfers_yuan.sum())
    assert figures["ceiling_yuan"] == sum(default_scenario.by_year("city.ceiling_yuan").values())
    assert figures["own_yuan"] == pytest.approx(default_result.allocation.own_yuan.sum())
    assert figures["missing_hard_yuan"] == 0.0
    assert figures["points_per_million.2006"] == pytest.approx(money.shadow_price_points_per_yuan.iloc[0] * 1e6)
    service = default_result.compliance.query("district == 'city' and program == 'service_space' and year == 2010")
    assert figures["share.service_space"] == pytest.approx(service.share.iloc[0])


def test_targets_say_what_is_met_and_by_how_much(default_scenario, default_result, pair):
    table = targets(default_scenario, default_result).set_index("program")
    # service rooms: 60 % by 2010 is the target; the 2010 share is what the result reaches
    city = default_result.compliance_by_year()
    assert table.loc["service_space", "target_share"] == 0.6
    assert table.loc["service_space", "from_year"] == 2010
    assert table.loc["service_space", "achieved_share"] == pytest.approx(city["service_space"][2010])
    assert not table.loc["service_space", "met"]
    assert table.loc["service_space", "shortfall_share"] == pytest.approx(0.6 - city["service_space"][2010])
    assert table.loc[["office_space", "member_subsidy", "social_insurance"], "met"].all()
    # the tight ceiling misses hard targets: missing money by program is the unmet table summed
    scenarios, results = pair
    tight = results["tianjin-2006-tight-ceiling.toml"]
    table = targets(scenarios["tianjin-2006-tight-ceiling.toml"], tight).set_index("program")
    insurance = tight.unmet_hard.query("requirement == 'social_insurance'").missing_yuan.sum()
    assert insurance > 0
    assert table.loc["social_insurance", "missing_yuan"] == pytest.approx(insurance)
    worst = min(tight.compliance_by_year()["social_insurance"].values())
    assert table.loc["social_insurance", "achieved_share"] == pytest.approx(worst)
    assert not table.loc["social_insurance", "met"]


def test_differences_are_each_scenario_minus_the_reference(pair):
    scenarios, results = pair
    table = headline_table({n: headline(scenarios[n], results[n]) for n in scenarios})
    diff = differences(table, "tianjin-2006.toml")
    assert list(diff.columns) == ["tianjin-2006-tight-ceiling.toml"]
    a, b = results["tianjin-2006.toml"], results["tianjin-2006-tight-ceiling.toml"]
    assert diff.loc["transfers_yuan"].iloc[0] == pytest.approx(b.money.transfers_yuan.sum() - a.money.transfers_yuan.sum())
    assert diff.loc["missing_hard_yuan"].iloc[0] == pytest.approx(b.unmet_hard.missing_yuan.sum())
    with pytest.raises(KeyError):
        differences(table, "nope")


def test_winners_and_losers_by_district(pair):
    _, results = pair
    a, b = results["tianjin-2006.toml"], results["tianjin-2006-tight-ceiling.toml"]
    changes = district_changes(results, "tianjin-2006.toml").set_index("district")
    for district in a.districts:
        before = a.allocation.query("district == @district").transfer_yuan.sum()
        after = b.allocation.query("district == @district").transfer_yuan.sum()
        assert changes.loc[district, "transfers_change_yuan"] == pytest.approx(after - before, abs=1e-6)
        expected = "gains" if after - before > 1 else "loses" if after - before < -1 else "same"
        assert changes.loc[district, "outcome"] == expected
    assert (changes["outcome"] == "loses").any()  # a smaller ceiling takes transfers from someone
    summary = district_summary(a).set_index("district")
    assert summary["transfers_yuan"].sum() == pytest.approx(a.money.transfers_yuan.sum())


def test_inputs_that_differ_are_exactly_the_overrides(default_scenario):
    variant = default_scenario.with_overrides({"city.ceiling_yuan.2007": 3e7, "districts.hedong.committees": 140,
                                               "scenario.name": "just a label"})
    table = input_differences({"a": default_scenario, "b": variant})
    assert table["key"].tolist() == ["city.ceiling_yuan.2007", "districts.hedong.committees"]
    row = table.set_index("key").loc["city.ceiling_yuan.2007"]
    assert (row["a"], row["b"], row["unit"]) == (27_000_000, 3e7, "yuan/year")
    assert input_differences({"a": default_scenario, "b": default_scenario}).empty


def test_headline_table_aligns_metrics(pair):
    scenarios, results = pair
    series = {n: headline(scenarios[n], results[n]) for n in scenarios}
    table = headline_table(series)
    assert isinstance(table, pd.DataFrame)
    assert table.index[0] == "transfers_yuan"
    assert list(table.columns) == list(scenarios)


# --- change by district and program ---------------------------------------------------
def test_program_changes_on_the_hand_case_against_equal_grants():
    """The hand optimum (tests/test_hand_solved.py) against equal grants of 50,000 a year.

    Optimum: beta closes 60,000 of wages and 70,000 then 55,600 of service rooms with
    transfers of 100,000 then 85,600; alpha receives 14,400 in all. Equal grants: beta
    gets 50,000 a year, so 80,000 a year to spend: 60,000 wages, 20,000 rooms; alpha
    still needs only 14,400. So beta's rooms lose 125,600 - 40,000 = 85,600 yuan and
    0.856 of a committee at standard in 2007 (of 10: -0.0856); nothing else changes.
    Transfers are split over programs by the money each closes in the district-year:
    optimum rooms 100,000 x 70/130 + 85,600 x 55,600/115,600 = 95,016.39, equal grants
    rooms 2 x 50,000 x 20/80 = 25,000; wages 90,583.61 against 75,000.
    """
    scenario = load_scenario(FIXTURES / "hand" / "hand.toml")
    optimum = solve(scenario, status_quo=False)
    equal = solve_baseline(scenario, build_inputs(scenario), Rule.EQUAL_PER_COMMITTEE)
    changes = program_changes({"optimum": optimum, "equal": equal}, "optimum")
    assert set(changes["scenario"]) == {"equal"} and len(changes) == 2 * 5
    rows = changes.set_index(["district", "program"])
    rooms = rows.loc[("beta", "service_space")]
    assert rooms["reference_closed_yuan"] == pytest.approx(125_600, abs=1)
    assert rooms["closed_yuan"] == pytest.approx(40_000, abs=1)
    assert rooms["closed_change_yuan"] == pytest.approx(-85_600, abs=1)
    assert rooms["share_change"] == pytest.approx(-0.0856, abs=1e-6)
    assert rooms["outcome"] == "loses"
    assert rooms["reference_transfers_yuan"] == pytest.approx(100_000 * 70 / 130 + 85_600 * 55_600 / 115_600, abs=2)
    assert rooms["transfers_yuan"] == pytest.approx(25_000, abs=1)
    wages = rows.loc[("beta", "member_subsidy")]
    assert wages["closed_change_yuan"] == pytest.approx(0, abs=1) and wages["outcome"] == "same"
    assert wages["transfers_change_yuan"] == pytest.approx(75_000 - (200_000 - 14_400 - 95_016.39), abs=2)
    others = changes[~((changes.district == "beta") & (changes.program == "service_space"))]
    assert (others["outcome"] == "same").all()
    assert others["closed_change_yuan"].abs().max() < 1
    # alpha's 14,400 may come in either year: only its total is the same
    alpha = program_summary(equal).query("district == 'alpha'")
    assert alpha["transfers_yuan"].sum() == pytest.approx(14_400, abs=1)
    assert alpha.set_index("program")["closed_yuan"].to_dict() == pytest.approx(
        {"office_space": 80_000, "service_space": 0, "operating_funds": 20_000, "member_subsidy": 0,
         "social_insurance": 14_400}, abs=1)


def test_program_changes_add_up_to_the_district_changes(pair):
    _, results = pair
    reference = "tianjin-2006.toml"
    by_program = program_changes(results, reference)
    by_district = district_changes(results, reference).set_index("district")
    sums = by_program.groupby("district")[["transfers_change_yuan", "closed_change_yuan"]].sum()
    for district, row in sums.iterrows():
        assert row["transfers_change_yuan"] == pytest.approx(by_district.loc[district, "transfers_change_yuan"],
                                                             abs=1e-3)
        assert row["closed_change_yuan"] == pytest.approx(by_district.loc[district, "closed_change_yuan"], abs=1e-3)
    # each row is the allocation table summed over the years, for both results
    a, b = results[reference], results["tianjin-2006-tight-ceiling.toml"]
    row = by_program.set_index(["district", "program"]).loc[("wuqing", "office_space")]
    closed = lambda r: r.allocation.query("district == 'wuqing' and program == 'office_space'").closed_yuan.sum()  # noqa: E731
    assert row["closed_change_yuan"] == pytest.approx(closed(b) - closed(a))
    with pytest.raises(KeyError):
        program_changes(results, "nope")
