"""National-scale scenarios: the generator draws reproducibly from a seed with the seed
scenario's per-committee distributions, and what it writes loads, validates and solves."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from model import load_scenario, solve
from model.cli import main
from model.constants import Status
from model.scenario.limits import plausibility_warnings
from model.scenario.national import AREA_LEVELS, AREA_SHARES, AREA_TYPES, ceilings, draw_tables, generate

from .conftest import SCENARIOS


def test_the_same_seed_writes_the_same_files_and_another_seed_others():
    assert generate(500, 3) == generate(500, 3)
    assert generate(500, 3)["national-communities.csv"] != generate(500, 4)["national-communities.csv"]


def test_the_area_type_levels_are_the_seed_scenarios():
    seed = pd.read_csv(SCENARIOS / "tianjin-2006-districts.csv")
    by_type = seed.groupby("area_type")
    committees = by_type["committees"].sum()
    assert np.allclose(AREA_SHARES, [committees[a] / committees.sum() for a in AREA_TYPES])
    for a in AREA_TYPES:
        group = seed[seed.area_type == a]
        n = group.committees.sum()
        office, renovated, new, uninsured, residents, funds, subsidy, office_m2, service_m2, capacity, need, tier = \
            AREA_LEVELS[a]
        assert office == pytest.approx(group.office_below_standard.sum() / n)
        assert renovated == pytest.approx(group.service_below_renovated.sum() / n)
        assert new == pytest.approx(group.service_below_new.sum() / n)
        assert uninsured == pytest.approx(group.uninsured_members.sum() / n)
        assert residents == pytest.approx(group.residents.sum() / n)
        assert funds == pytest.approx((group.operating_funds_yuan * group.committees).sum() / n)
        assert subsidy == pytest.approx((group.member_subsidy_yuan_month * group.committees).sum() / n)
        assert office_m2 == pytest.approx((group.office_area_below_m2 * group.office_below_standard).sum()
                                          / group.office_below_standard.sum())
        assert capacity == pytest.approx(group.capacity_yuan.sum() / n)
        assert (need, tier) == (group.need_weight.iloc[0], group.min_wage_tier.iloc[0])


def test_a_large_draw_has_the_seed_scenarios_city_figures():
    districts, units = draw_tables(20_000, 11)
    assert len(units) == 20_000 and units.id.is_unique and len(districts) == 500
    assert districts.province.nunique() == 31
    assert set(units.district) == set(districts.id)
    # The seed: 51.30 % of committees at the office standard, 11.88 % at the service-room
    # standard, 1,700 of 7,590 members uninsured, 5,072 residents per committee.
    assert 1 - units.office_below_standard.mean() == pytest.approx(0.513, abs=0.02)
    below = units.service_below_renovated + units.service_below_new
    assert 1 - below.mean() == pytest.approx(0.119, abs=0.02)
    assert units.uninsured_members.sum() / (5.5 * len(units)) == pytest.approx(1700 / 7590, abs=0.03)
    assert units.residents.mean() == pytest.approx(7_000_000 / 1380, rel=0.05)
    assert ((units.office_area_below_m2 > 0) == (units.office_below_standard == 1)).all()
    assert units.uninsured_members.max() <= 5


def test_the_ceiling_is_the_seeds_per_committee():
    assert ceilings(1380) == {2006: 20_900_000, 2007: 27_000_000, 2008: 33_800_000, 2009: 41_100_000,
                              2010: 53_400_000}
    assert ceilings(13_800)[2010] == 534_000_000


def test_generate_writes_a_scenario_that_loads_cited_and_solves(tmp_path):
    assert main(["generate", "--communities", "1380", "--seed", "5", "--out", str(tmp_path)]) == 0
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith(".")) == [
        "national-communities.csv", "national-districts.csv", "national.toml"]
    scenario = load_scenario(tmp_path / "national.toml")
    assert scenario.uncited() == []
    assert plausibility_warnings(scenario) == []
    assert len(scenario.units) == 1380
    result = solve(scenario, status_quo=False)
    assert result.status == Status.OPTIMAL
    transfers = result.money.groupby("year")["transfer_yuan"].sum() if "transfer_yuan" in result.money else None
    if transfers is not None:
        assert (transfers.to_numpy() <= np.array(list(ceilings(1380).values())) * (1 + 1e-9)).all()


def test_generate_refuses_a_bad_count(tmp_path, capsys):
    assert main(["generate", "--communities", "0", "--out", str(tmp_path / "x")]) == 2
    assert "--communities: 0: must be 1 to 200,000" in capsys.readouterr().err
