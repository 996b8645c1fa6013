"""A two-district case whose optimum is derived by hand (fixture: fixtures/hand/hand.toml).

Derivation. Hard needs: alpha insurance 7,200 a year and offices 80,000 by 2007;
beta minimum wage 60,000 a year. Own budgets: alpha 50,000, beta 30,000 a year;
ceiling 100,000 a year.

Soft values per yuan: alpha's operating gap 1/1,000 points (one committee-year per
1,000 yuan) - far above beta's service rooms, 2 (need) x 2 (years left) / 100,000
= 4e-5 in 2006 and 2 x 1 / 100,000 = 2e-5 in 2007. So alpha's 10,000 a year of
operating funds close in full, and as much service money as possible goes to 2006.

Beta can spend 30,000 + (transfer to beta) a year; its minimum wage takes 60,000, so
service = 70,000 - (transfer to alpha) each year. Alpha needs 2 x 17,200 + 80,000 =
114,400 over two years against 100,000 of its own: it must receive 14,400, best in
2007 (a 2007 yuan costs 2e-5 points of service, a 2006 yuan 4e-5). Hence:

- offices: 50,000 - 17,200 = 32,800 in 2006, 47,200 in 2007;
- service rooms: 70,000 in 2006, 55,600 in 2007; soft points 20 + 2.8 + 1.112 = 23.912;
- transfers: 100,000 in both years (every own yuan is used: nothing is left to
  replace a transfer), alpha receives 0 then 14,400;
- shadow price of the ceiling: 4e-5 points per yuan in 2006, 2e-5 in 2007.
"""

from __future__ import annotations

import pytest

from model import Status, load_scenario, solve

from .conftest import FIXTURES

HAND = FIXTURES / "hand" / "hand.toml"
SOLVERS = ["highs", "cbc"]


def closed(result, district, program, year):
    a = result.allocation
    row = a[(a.district == district) & (a.program == program) & (a.year == year)]
    return float(row.closed_yuan.iloc[0])


@pytest.fixture(scope="module", params=SOLVERS)
def hand_result(request):
    return solve(load_scenario(HAND), solver=request.param)


def test_every_gap_closed_as_derived(hand_result):
    expected = {
        ("alpha", "office_space", 2006): 32_800, ("alpha", "office_space", 2007): 47_200,
        ("alpha", "operating_funds", 2006): 10_000, ("alpha", "operating_funds", 2007): 10_000,
        ("alpha", "social_insurance", 2006): 7_200, ("alpha", "social_insurance", 2007): 7_200,
        ("beta", "member_subsidy", 2006): 60_000, ("beta", "member_subsidy", 2007): 60_000,
        ("beta", "service_space", 2006): 70_000, ("beta", "service_space", 2007): 55_600,
    }
    for key, value in expected.items():
        assert closed(hand_result, *key) == pytest.approx(value, abs=1.0), key
    nonzero = hand_result.allocation[hand_result.allocation.closed_yuan > 1.0]
    assert len(nonzero) == len(expected)


def test_money_by_district_and_year(hand_result):
    dm = hand_result.district_money.set_index(["district", "year"])
    assert dm.loc[("alpha", 2006), "own_yuan"] == pytest.approx(50_000, abs=1)
    assert dm.loc[("alpha", 2007), "own_yuan"] == pytest.approx(50_000, abs=1)
    assert dm.loc[("alpha", 2006), "transfer_yuan"] == pytest.approx(0, abs=1)
    assert dm.loc[("alpha", 2007), "transfer_yuan"] == pytest.approx(14_400, abs=1)
    assert dm.loc[("beta", 2006), "transfer_yuan"] == pytest.approx(100_000, abs=1)
    assert dm.loc[("beta", 2007), "transfer_yuan"] == pytest.approx(85_600, abs=1)
    assert list(hand_result.money.transfers_yuan) == pytest.approx([100_000, 100_000], abs=1)


def test_objectives_and_status(hand_result):
    assert hand_result.status == Status.OPTIMAL
    assert hand_result.objectives["missing_hard_yuan"] == pytest.approx(0, abs=1e-3)
    assert hand_result.objectives["soft_points"] == pytest.approx(23.912, abs=1e-4)
    assert hand_result.objectives["transfers_yuan"] == pytest.approx(200_000, abs=1)


def test_shadow_price_of_the_ceiling(hand_result):
    prices = hand_result.money.shadow_price_points_per_yuan
    if hand_result.provenance["solver"] == "cbc":
        # CBC's command-line interface gives no reliable duals: none are reported.
        assert prices.isna().all()
        assert hand_result.summary()["shadow_price_ceiling_by_year"] == {"2006": None, "2007": None}
    else:
        assert list(prices) == pytest.approx([4e-5, 2e-5], rel=1e-6)


def test_compliance_follows_from_the_money(hand_result):
    city = hand_result.compliance_by_year()
    # Offices: 18 of 20 at standard, plus 32,800 / 40,000 = 0.82 committee in 2006.
    assert city["office_space"] == pytest.approx({2006: 18.82 / 20, 2007: 1.0})
    # Service rooms: 16 of 20, plus 0.7 committee in 2006 and 0.556 more in 2007.
    assert city["service_space"] == pytest.approx({2006: 16.7 / 20, 2007: 17.256 / 20})
    assert city["member_subsidy"] == pytest.approx({2006: 1.0, 2007: 1.0})
    assert city["social_insurance"] == pytest.approx({2006: 1.0, 2007: 1.0})


@pytest.mark.parametrize("solver", SOLVERS)
def test_tight_ceiling_reports_missing_money(solver):
    # 20,000 a year of transfers: beta's minimum wage (60,000) gets 30,000 own +
    # 20,000 transferred, 10,000 short each year; alpha covers its hard needs alone.
    result = solve(load_scenario(FIXTURES / "hand" / "hand-tight.toml"), solver=solver)
    assert result.status == Status.HARD_TARGETS_UNMET
    unmet = {(r.requirement, r.district, r.year): r.missing_yuan for r in result.unmet_hard.itertuples()}
    assert unmet == pytest.approx({("minimum_wage", "beta", 2006): 10_000,
                                   ("minimum_wage", "beta", 2007): 10_000}, abs=1.0)
    # One more yuan of ceiling is one yuan less missing, in each year.
    if solver == "highs":
        assert list(result.money.shadow_price_missing_yuan_per_yuan) == pytest.approx([1.0, 1.0], abs=1e-6)


def test_status_quo_has_no_transfers_and_beta_short(hand_result):
    sq = hand_result.status_quo
    assert sq.transfers_total == pytest.approx(0, abs=1e-6)
    assert sq.status == Status.HARD_TARGETS_UNMET
    # Beta alone: 30,000 of 60,000 a year, so 25 of its 50 members reach the minimum wage.
    assert sq.compliance_by_year()["member_subsidy"] == pytest.approx({2006: 0.75, 2007: 0.75})
    assert sq.unmet_hard.missing_yuan.sum() == pytest.approx(60_000, abs=1)


def test_horizon_total_ceiling_cuts_the_least_valuable_year():
    # A 150,000 total instead of 2 x 100,000: the 50,000 cut falls on 2007, where a
    # yuan of service rooms earns 2e-5 points (2006: 4e-5). Beta's 2007 transfer is
    # 50,000 - 14,400 (alpha) = 35,600, leaving 30,000 + 35,600 - 60,000 = 5,600 of
    # service rooms: points 20 + 2.8 + 0.112 = 22.912.
    result = solve(load_scenario(HAND, {"city.total_ceiling_yuan": 150_000}), status_quo=False)
    assert list(result.money.transfers_yuan) == pytest.approx([100_000, 50_000], abs=1)
    assert closed(result, "beta", "service_space", 2007) == pytest.approx(5_600, abs=1)
    assert result.objectives["soft_points"] == pytest.approx(22.912, abs=1e-4)
    # The year's own ceiling no longer binds in 2007: its shadow price is zero.
    assert result.money.shadow_price_points_per_yuan.iloc[1] == pytest.approx(0, abs=1e-12)


def test_co_financing_share_limits_transfers():
    # Beta must pay half of what it spends: transfers <= own <= 30,000 a year, so it
    # can just pay its members (60,000) and builds no service rooms. Alpha still
    # needs 14,400 over the two years; stage 3 takes nothing more from the city.
    result = solve(load_scenario(HAND, {"districts.beta.min_own_share": 0.5}), status_quo=False)
    dm = result.district_money.set_index(["district", "year"])
    assert dm.loc[("beta", 2006), "transfer_yuan"] == pytest.approx(30_000, abs=1)
    assert dm.loc[("beta", 2007), "transfer_yuan"] == pytest.approx(30_000, abs=1)
    assert closed(result, "beta", "service_space", 2006) == pytest.approx(0, abs=1)
    assert result.objectives["soft_points"] == pytest.approx(20.0, abs=1e-4)
    assert result.objectives["transfers_yuan"] == pytest.approx(74_400, abs=1)


def test_communities_grouped_into_districts_give_the_district_optimum():
    # Alpha split into two communities: budgets stay with the district, so the
    # optimum, summed over each district's units, is the district-level one.
    result = solve(load_scenario(FIXTURES / "hand" / "hand-communities.toml"), status_quo=False)
    assert result.units == ["alpha-1", "alpha-2", "beta-1"] and result.districts == ["alpha", "beta"]
    assert list(result.allocation.columns[:4]) == ["district", "unit", "program", "year"]
    assert result.objectives["soft_points"] == pytest.approx(23.912, abs=1e-4)
    assert result.objectives["transfers_yuan"] == pytest.approx(200_000, abs=1)
    totals = result.allocation.groupby(["district", "program", "year"]).closed_yuan.sum()
    assert totals[("alpha", "office_space", 2006)] == pytest.approx(32_800, abs=1)
    assert totals[("alpha", "office_space", 2007)] == pytest.approx(47_200, abs=1)
    assert totals[("beta", "service_space", 2007)] == pytest.approx(55_600, abs=1)
    dm = result.district_money.set_index(["district", "year"])
    assert dm.loc[("alpha", 2007), "transfer_yuan"] == pytest.approx(14_400, abs=1)
    assert dm.loc[("alpha", 2006), "own_yuan"] == pytest.approx(50_000, abs=1)
    city = result.compliance_by_year()
    assert city["office_space"] == pytest.approx({2006: 18.82 / 20, 2007: 1.0})
