"""Decision analysis on the hand-solved case (fixtures/hand), where every figure is
derived on paper, plus invariants on the shipped scenarios.

The hand case's optimum is derived in test_hand_solved.py. Along the ceiling ray
(50/50 between the years, total T) it moves through these pieces:

- T < 60,000: beta's minimum wage (60,000 a year, 30,000 own) is short by 60,000 - T;
- from 60,000: every yuan lifts alpha's operating funds (1 point per 1,000 yuan),
  until alpha's 14,400 shortfall is covered at T = 74,400 (points 5.6 -> 20);
- then beta's 2006 service rooms, 4e-5 points per yuan of T while alpha's 2007
  transfer still crowds out 2006 money, until T = 88,800 (20.576);
- then both years' service rooms, (4e-5 + 2e-5) / 2 = 3e-5 per yuan, until the
  400,000 yuan of rooms are all bought at T = 474,400 (32.144);
- then 2006 rooms displace 2007 ones, (4e-5 - 2e-5) / 2 = 1e-5 per yuan, until all
  are built in 2006 at T = 860,000 (36 points); beyond, nothing more to buy.
"""

from __future__ import annotations

import numpy as np
import pytest

from model import Status, load_scenario, solve
from model.analysis.baselines import RULES, Rule, grants, solve_baseline
from model.analysis.diagnosis import diagnose
from model.analysis.frontier import compute_frontier
from model.formulation.inputs import build_inputs
from model.analysis.sensitivity import ceiling_sensitivity, deadline_sensitivity, target_sensitivity

from .conftest import FIXTURES, SCENARIOS

HAND = FIXTURES / "hand" / "hand.toml"
HAND_TIGHT = FIXTURES / "hand" / "hand-tight.toml"


@pytest.fixture(scope="module")
def hand():
    scenario = load_scenario(HAND)
    return scenario, solve(scenario)


@pytest.fixture(scope="module")
def hand_frontier(hand):
    return compute_frontier(hand[0])


# --- the frontier ---------------------------------------------------------------
def test_frontier_breakpoints_match_the_hand_derivation(hand_frontier):
    f = hand_frontier
    kinks = f.points[f.points.kink]
    assert list(kinks.total_ceiling_yuan) == pytest.approx([60_000, 74_400, 88_800, 474_400, 860_000], abs=1)
    assert list(kinks.soft_points) == pytest.approx([5.6, 20.0, 20.576, 32.144, 36.0], abs=1e-4)
    assert f.feasible_from_yuan == pytest.approx(60_000, abs=1)
    assert f.saturates_at_yuan == pytest.approx(860_000, abs=1)
    at_zero = f.points.iloc[0]
    assert at_zero.total_ceiling_yuan == 0 and at_zero.missing_hard_yuan == pytest.approx(60_000, abs=1)
    assert at_zero.missing_reduced_per_yuan == pytest.approx(1.0)
    today = f.points[f.points.current].iloc[0]
    assert today.total_ceiling_yuan == 200_000 and today.soft_points == pytest.approx(23.912, abs=1e-4)
    marginal = list(kinks.points_per_million_yuan)
    assert marginal == pytest.approx([1000, 40, 30, 10, 0], abs=1e-3)


def test_frontier_is_exact_between_breakpoints(hand, hand_frontier):
    scenario, _ = hand
    points = hand_frontier.points
    feasible = points[points.missing_hard_yuan <= 1]
    for a, b in zip(feasible.itertuples(), feasible.iloc[1:].itertuples()):
        for w in (0.25, 0.6):
            total = a.total_ceiling_yuan + w * (b.total_ceiling_yuan - a.total_ceiling_yuan)
            resolved = solve(scenario.with_overrides({"city.ceiling_yuan.2006": total / 2,
                                                      "city.ceiling_yuan.2007": total / 2}), status_quo=False)
            assert resolved.objectives["soft_points"] == pytest.approx(
                a.soft_points + w * (b.soft_points - a.soft_points), abs=1e-5)
            assert hand_frontier.value_at(total) == pytest.approx(resolved.objectives["soft_points"], abs=1e-5)


def test_frontier_of_the_default_scenario_against_re_solves(default_scenario):
    frontier = compute_frontier(default_scenario)
    points = frontier.points
    assert frontier.feasible_from_yuan < frontier.current_total_yuan  # today's ceiling meets the hard targets
    assert (np.diff(points.soft_points[points.missing_hard_yuan <= 1]) >= -1e-6).all()
    assert (np.diff(points.missing_hard_yuan) <= 1e-3).all()
    shares = frontier.share_by_year
    rng = np.random.default_rng(7)
    feasible = points[points.missing_hard_yuan <= 1].reset_index(drop=True)
    for i in rng.choice(len(feasible) - 1, size=4, replace=False):
        a, b = feasible.iloc[i], feasible.iloc[i + 1]
        total = (a.total_ceiling_yuan + b.total_ceiling_yuan) / 2
        overrides = {f"city.ceiling_yuan.{y}": total * s for y, s in shares.items()}
        resolved = solve(default_scenario.with_overrides(overrides), status_quo=False)
        expected = (a.soft_points + b.soft_points) / 2
        assert resolved.objectives["soft_points"] == pytest.approx(expected, rel=1e-6, abs=1e-3)
        # A kink is a kink: the marginal value changes there.
        if a.kink and i > 0:
            before = feasible.iloc[i - 1]
            assert before.points_per_million_yuan != pytest.approx(a.points_per_million_yuan, rel=1e-6)


# --- shadow prices, ranges, the next million ----------------------------------------
def test_ceiling_prices_and_their_ranges(hand):
    scenario, result = hand
    ceiling, moves = ceiling_sensitivity(scenario, result)
    by_year = ceiling.set_index("year")
    assert list(by_year.price) == pytest.approx([4e-5, 2e-5], rel=1e-6)
    # 2006: below 30,000 beta's minimum wage is short; above 374,400 the rooms are
    # all bought with 2006 and 2007 money and 2006 money only displaces 2007's.
    assert by_year.loc[2006, "holds_from_yuan"] == pytest.approx(30_000, abs=1)
    assert by_year.loc[2006, "holds_to_yuan"] == pytest.approx(374_400, abs=1)
    # 2007: below 44,400 alpha's 14,400 no longer fits next to beta's 30,000.
    assert by_year.loc[2007, "holds_from_yuan"] == pytest.approx(44_400, abs=1)
    assert by_year.loc[2007, "holds_to_yuan"] == pytest.approx(374_400, abs=1)
    # One more million in 2006: the rooms (400,000) are all bought in 2006: 36 points.
    assert by_year.loc[2006, "plus_million_points"] == pytest.approx(36 - 23.912, abs=1e-4)
    plus = moves[(moves.year == 2006) & (moves.change_yuan > 0)].set_index(["district", "program"])
    assert plus.loc[("beta", "service_space"), "closed_yuan"] == pytest.approx(400_000 - 125_600, abs=1)


def test_target_prices_match_finite_differences(hand):
    scenario, result = hand
    targets = target_sensitivity(scenario, result).set_index("requirement")
    # A yuan more of offices takes a 2007 transfer from beta's rooms (2e-5 points);
    # the minimum wage binds in both years (4e-5 and 2e-5, half its money each).
    assert targets.loc["office_space_deadline", "marginal_points_per_yuan"] == pytest.approx(2e-5, rel=1e-6)
    assert targets.loc["minimum_wage", "marginal_points_per_yuan"] == pytest.approx(3e-5, rel=1e-6)
    assert targets.loc["social_insurance", "marginal_points_per_yuan"] == pytest.approx(2e-5, rel=1e-6)
    # Offices: the price holds down to 82 % (alpha then needs no transfer at all).
    assert targets.loc["office_space_deadline", "holds_from_scale"] == pytest.approx(0.82, abs=1e-6)
    assert targets.loc["office_space_deadline", "drop_points_gain"] == pytest.approx(0.288, abs=1e-6)
    assert targets.loc["minimum_wage", "drop_points_gain"] == pytest.approx(3.6, abs=1e-6)
    # Finite difference: 1 % less office requirement (800 yuan) gains 800 x 2e-5 points.
    lower = solve(scenario.with_overrides({"office_space.standard_m2": 99.6}), status_quo=False)
    # 99.6 m2 standard: 2 offices x 0.4 m2 x 1,000 yuan = 800 yuan less to build.
    assert lower.objectives["soft_points"] - result.objectives["soft_points"] == pytest.approx(800 * 2e-5, abs=1e-6)


def test_money_equivalents_use_the_frontier(hand, hand_frontier):
    scenario, result = hand
    targets = target_sensitivity(scenario, result, frontier=hand_frontier).set_index("requirement")
    # At T = 200,000 a yuan of horizon ceiling buys 3e-5 points.
    assert targets.loc["office_space_deadline", "drop_money_equivalent_yuan"] == pytest.approx(0.288 / 3e-5, abs=1)
    assert targets.loc["minimum_wage", "drop_money_equivalent_yuan"] == pytest.approx(3.6 / 3e-5, abs=1)
    deadlines = deadline_sensitivity(scenario, result, frontier=hand_frontier).set_index("deadline")
    # Insuring alpha's 2 members from 2007 frees 7,200 of alpha's own 2006 money for
    # offices, and 7,200 of 2007 transfers for beta's rooms: 0.144 points.
    assert deadlines.loc["social_insurance.deadline", "points_gain"] == pytest.approx(0.144, abs=1e-6)
    assert deadlines.loc["social_insurance.deadline", "compliance_given_up"] == pytest.approx(0.02)
    assert deadlines.loc["social_insurance.deadline", "money_equivalent_yuan"] == pytest.approx(4_800, abs=1)
    # The minimum wage from 2007: beta's 60,000 of 2006 goes to rooms (4e-5): 2.4 points.
    assert deadlines.loc["member_subsidy.minimum_wage_from", "points_gain"] == pytest.approx(2.4, abs=1e-6)


# --- baselines --------------------------------------------------------------------
def test_baseline_grants_by_hand(hand):
    scenario, _ = hand
    inputs = build_inputs(scenario)
    assert grants(Rule.EQUAL_PER_COMMITTEE, inputs)[0] == pytest.approx(np.full((2, 2), 50_000))
    # Residents 30,000 and 10,000.
    assert grants(Rule.PER_CAPITA, inputs)[0] == pytest.approx(np.array([[75_000] * 2, [25_000] * 2]))
    # Gaps over the horizon: alpha 80,000 + 2 x 10,000 + 2 x 7,200 = 114,400;
    # beta 400,000 + 2 x 60,000 = 520,000.
    share = 114_400 / 634_400
    assert grants(Rule.PRO_RATA_GAP, inputs)[0] == pytest.approx(
        np.array([[100_000 * share] * 2, [100_000 * (1 - share)] * 2]))
    # Equalisation: yearly gap minus capacity. Alpha 40,000 + 10,000 + 7,200 - 50,000
    # = 7,200; beta 200,000 + 60,000 - 30,000 = 230,000; coefficient 100,000 / 237,200.
    grant, notes = grants(Rule.EQUALISATION, inputs)
    coefficient = 100_000 / 237_200
    assert notes["coefficient"] == pytest.approx([coefficient, coefficient])
    assert grant == pytest.approx(np.array([[7_200 * coefficient] * 2, [230_000 * coefficient] * 2]))


def test_baseline_outcomes_by_hand(hand):
    scenario, _ = hand
    inputs = build_inputs(scenario)
    outcome = {rule: solve_baseline(scenario, inputs, rule) for rule in RULES}
    # Equal 50,000 each: beta has 80,000 a year, 60,000 for wages, 20,000 for rooms.
    assert outcome[Rule.EQUAL_PER_COMMITTEE].objectives["soft_points"] == pytest.approx(20 + 0.8 + 0.4, abs=1e-4)
    # Per capita: beta gets 25,000, 5,000 short of its members' minimum wage each year.
    assert outcome[Rule.PER_CAPITA].status == Status.HARD_TARGETS_UNMET
    assert outcome[Rule.PER_CAPITA].objectives["missing_hard_yuan"] == pytest.approx(10_000, abs=1)
    # Pro rata: beta's rooms get 81,967.21 - 30,000 a year.
    rooms = 100_000 * 520_000 / 634_400 - 30_000
    assert outcome[Rule.PRO_RATA_GAP].objectives["soft_points"] == pytest.approx(20 + 6e-5 * rooms, abs=1e-4)
    # Equalisation: alpha gets only 2 x 3,035.41 of the 14,400 it needs for full
    # operating funds; beta's rooms get 96,964.59 - 30,000 a year.
    alpha = 2 * 7_200 * 100_000 / 237_200
    beta_rooms = 230_000 * 100_000 / 237_200 - 30_000
    assert outcome[Rule.EQUALISATION].objectives["soft_points"] == pytest.approx(
        (20 - 14.4 + alpha / 1_000) + 6e-5 * beta_rooms, abs=1e-4)
    assert outcome[Rule.STATUS_QUO].objectives["missing_hard_yuan"] == pytest.approx(60_000, abs=1)
    assert all(r.rule == rule.value for rule, r in outcome.items())


@pytest.mark.parametrize("name", ["tianjin-2006.toml", "tianjin-2006-tight-ceiling.toml"])
def test_the_optimum_is_never_worse_than_any_baseline(solved, name):
    scenario = load_scenario(SCENARIOS / name)
    result = solved(name)
    inputs = build_inputs(scenario)
    for rule in RULES:
        base = solve_baseline(scenario, inputs, rule)
        assert result.objectives["missing_hard_yuan"] <= base.objectives["missing_hard_yuan"] + 1e-3, rule
        if base.objectives["missing_hard_yuan"] - result.objectives["missing_hard_yuan"] <= 1e-3:
            assert result.objectives["soft_points"] >= base.objectives["soft_points"] - 1e-6, rule
        assert base.money.transfers_yuan.sum() <= inputs.ceiling.sum() + 1e-3
        grant_by_district = base.grants.groupby("district").grant_yuan.sum()
        received = base.district_money.groupby("district").transfer_yuan.sum()
        assert (received <= grant_by_district + 1e-3).all()


# --- diagnosis --------------------------------------------------------------------
def test_diagnosis_of_the_hand_case():
    scenario = load_scenario(HAND_TIGHT)
    result = solve(scenario, status_quo=False)
    d = diagnose(scenario, result)
    assert d.missing_yuan == pytest.approx(20_000, abs=1)
    assert d.extra_ceiling_by_year == pytest.approx({2006: 10_000, 2007: 10_000}, abs=1)
    assert d.uniform_total_needed == pytest.approx(60_000, abs=1)
    own = d.alternatives[d.alternatives.kind == "raise_own_contribution"].iloc[0]
    assert own.district == "beta" and own.cost_value == pytest.approx(20_000, abs=1)
    moved = d.alternatives[d.alternatives.kind == "move_deadline"].iloc[0]
    assert moved.parameter == "member_subsidy.minimum_wage_from" and moved.missing_after_yuan == pytest.approx(10_000, abs=1)
    assert d.binding["ceiling_years"] == [2006, 2007]
    assert any("minimum_wage" in n and "law" in n for n in d.notes)


def test_diagnosed_extra_ceiling_is_just_enough():
    scenario = load_scenario(SCENARIOS / "tianjin-2006-tight-ceiling.toml")
    result = solve(scenario, status_quo=False)
    d = diagnose(scenario, result)
    ceiling = scenario.by_year("city.ceiling_yuan")
    raised = {f"city.ceiling_yuan.{y}": ceiling[y] + d.extra_ceiling_by_year[y] for y in ceiling}
    assert solve(scenario.with_overrides(raised), status_quo=False).status == Status.OPTIMAL
    # Any smaller top-up leaves money missing: take 1 % off the total.
    short = {f"city.ceiling_yuan.{y}": ceiling[y] + 0.99 * d.extra_ceiling_by_year[y] for y in ceiling}
    assert solve(scenario.with_overrides(short), status_quo=False).status == Status.HARD_TARGETS_UNMET
    # The uniform scale-up: enough at the frontier's total, not at 99.5 % of it.
    total = sum(ceiling.values())
    for factor, status in ((1.0 + 1e-9, Status.OPTIMAL), (0.995, Status.HARD_TARGETS_UNMET)):
        scale = factor * d.uniform_total_needed / total
        variant = scenario.with_overrides({f"city.ceiling_yuan.{y}": v * scale for y, v in ceiling.items()})
        assert solve(variant, status_quo=False).status == status
    # The standard that meets every target does, and it is the least cut (bisection).
    cut = d.alternatives[d.alternatives.kind == "lower_standard"].iloc[0]
    assert solve(scenario.with_overrides({cut.parameter: cut.to}), status_quo=False).status == Status.OPTIMAL
    assert solve(scenario.with_overrides({cut.parameter: cut.to + 0.05}), status_quo=False).status == \
        Status.HARD_TARGETS_UNMET


# --- equity -----------------------------------------------------------------------
def test_equity_by_hand(hand):
    _, result = hand
    table = result.equity_by_district.set_index("district")
    # Alpha: every operating-fund committee-year (20 of 20). Beta: rooms 0.7 committee
    # in 2006 and 1.256 in 2007, of 4 committees x 2 years.
    assert table.loc["alpha", "coverage"] == pytest.approx(1.0)
    assert table.loc["beta", "coverage"] == pytest.approx((0.7 + 1.256) / 8)
    assert result.equity["min_coverage_district"] == "beta"
    # Money per committee: alpha 2 x 7,200 + 2 x 10,000 + 80,000 over 10 committees.
    assert table.loc["alpha", "closed_per_committee_yuan"] == pytest.approx(11_440)
    # Need-weighted points add up to the LP's soft objective.
    assert (table.soft_points * [1, 2]).sum() == pytest.approx(result.objectives["soft_points"], abs=1e-4)


def test_equity_weight_raises_the_worst_coverage(default_scenario, default_result):
    fair = solve(default_scenario.with_overrides({"weights.equity": 1.0}), status_quo=False)
    assert fair.status == Status.OPTIMAL
    assert fair.equity["min_coverage"] > default_result.equity["min_coverage"] + 1e-3


def test_every_hard_target_row_has_its_price(hand):
    from model.analysis.sensitivity import target_row_prices

    scenario, result = hand
    rows = target_row_prices(scenario, result).set_index(["requirement", "district", "year"])
    # A 2006 yuan of beta's minimum wage costs 2006 rooms (4e-5), a 2007 yuan 2007
    # rooms (2e-5); alpha's office and insurance money comes out of 2007 transfers.
    assert rows.loc[("minimum_wage", "beta", 2006), "price"] == pytest.approx(4e-5, rel=1e-6)
    assert rows.loc[("minimum_wage", "beta", 2007), "price"] == pytest.approx(2e-5, rel=1e-6)
    assert rows.loc[("office_space_deadline", "alpha", 2007), "price"] == pytest.approx(2e-5, rel=1e-6)
    assert rows.loc[("social_insurance", "alpha", 2006), "price"] == pytest.approx(2e-5, rel=1e-6)
    assert rows.loc[("minimum_wage", "beta", 2006), "requirement_yuan"] == pytest.approx(60_000)
    assert set(rows.price_unit) == {"points lost per yuan"}
