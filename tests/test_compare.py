"""Headline figures, targets and comparisons, checked against the result tables by hand."""

from __future__ import annotations

import pandas as pd
import pytest

from model import load_scenario
from model.compare import (
    differences,
    district_changes,
    district_summary,
    headline,
    headline_table,
    input_differences,
    targets,
)

from .conftest import SCENARIOS


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
