"""What a step of the total ceiling buys, read off the frontier, on the hand-solved case.

The hand frontier (tests/test_decision_analysis.py): missing money 60,000 - T below
T = 60,000; soft points 23.912 at today's T = 200,000, rising 3e-5 per yuan up to
474,400 (32.144), then 1e-5 per yuan up to 860,000 (36), and no more beyond.
"""

from __future__ import annotations

import math

import pytest

from model import load_scenario
from model.analysis.briefing import current_point, frontier_step
from model.analysis.frontier import compute_frontier

from .conftest import FIXTURES


@pytest.fixture(scope="module")
def hand_frontier():
    return compute_frontier(load_scenario(FIXTURES / "hand" / "hand.toml"))


def test_a_million_more_buys_every_room_and_a_million_less_stops_at_zero(hand_frontier):
    plus, minus = frontier_step(hand_frontier).to_dict("records")
    # +1M: T = 1,200,000 is beyond saturation (860,000): 36 points, 12.088 more.
    assert plus["change_yuan"] == 1_000_000 and plus["total_yuan"] == 1_200_000
    assert plus["points"] == pytest.approx(36.0, abs=1e-6)
    assert plus["points_change"] == pytest.approx(36 - 23.912, abs=1e-6)
    assert plus["rate_per_million"] == pytest.approx(12.088, abs=1e-6)
    assert plus["missing_yuan"] == 0 and plus["missing_change_yuan"] == pytest.approx(0, abs=1e-6)
    # -1M: the ceiling stops at zero (-200,000), where beta's wages miss 60,000.
    assert minus["change_yuan"] == -200_000 and minus["total_yuan"] == 0
    assert minus["missing_yuan"] == pytest.approx(60_000, abs=1)
    assert minus["missing_change_yuan"] == pytest.approx(60_000, abs=1)
    assert math.isnan(minus["points"]) and math.isnan(minus["points_change"])
    assert math.isnan(minus["rate_per_million"])


def test_small_steps_follow_the_slope_of_the_segment(hand_frontier):
    plus, minus = frontier_step(hand_frontier, 10_000).to_dict("records")
    assert plus["points_change"] == pytest.approx(10_000 * 3e-5, abs=1e-9)
    assert minus["points_change"] == pytest.approx(-10_000 * 3e-5, abs=1e-9)
    assert plus["rate_per_million"] == pytest.approx(30.0, abs=1e-6)
    assert minus["rate_per_million"] == pytest.approx(30.0, abs=1e-6)
    # 150,000 less: T = 50,000 is below 60,000, so wages miss 10,000 and points do not count.
    minus = frontier_step(hand_frontier, 150_000).iloc[1]
    assert minus["missing_yuan"] == pytest.approx(10_000, abs=1)
    assert math.isnan(minus["points_change"])


def test_while_hard_money_is_missing_a_step_is_measured_in_missing_money():
    frontier = compute_frontier(load_scenario(FIXTURES / "hand" / "hand-tight.toml"))
    assert current_point(frontier)["total_ceiling_yuan"] == 40_000
    plus, minus = frontier_step(frontier).to_dict("records")
    # +1M: the 20,000 missing at T = 40,000 is all covered; points at 1,040,000 are 36
    # but are not a change from today's, which come after missing money.
    assert plus["missing_change_yuan"] == pytest.approx(-20_000, abs=1)
    assert plus["rate_per_million"] == pytest.approx(20_000, abs=1)
    assert plus["points"] == pytest.approx(36.0, abs=1e-6) and math.isnan(plus["points_change"])
    # -1M: down to zero (-40,000): 60,000 missing, one yuan for each yuan cut.
    assert minus["change_yuan"] == -40_000
    assert minus["missing_change_yuan"] == pytest.approx(40_000, abs=1)
    assert minus["rate_per_million"] == pytest.approx(1_000_000, abs=10)


def test_current_point_is_todays_row(hand_frontier):
    row = current_point(hand_frontier)
    assert row["total_ceiling_yuan"] == 200_000 and row["soft_points"] == pytest.approx(23.912, abs=1e-4)
