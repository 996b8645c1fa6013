"""Invariants every solution must satisfy, on every shipped scenario."""

from __future__ import annotations

import numpy as np
import pytest

from model import Status, load_scenario, solve

from .conftest import DEFAULT, SHIPPED

NAMES = [p.name for p in SHIPPED]


@pytest.mark.parametrize("name", NAMES)
def test_transfers_within_the_ceiling(solved, name):
    money = solved(name).money
    assert (money.transfers_yuan <= money.ceiling_yuan + 1e-3).all()


@pytest.mark.parametrize("name", NAMES)
def test_own_spending_within_capacity(solved, name):
    dm = solved(name).district_money
    assert (dm.own_yuan <= dm.capacity_yuan + 1e-3).all()
    assert (dm.own_yuan >= -1e-6).all() and (dm.transfer_yuan >= -1e-6).all()


@pytest.mark.parametrize("name", NAMES)
def test_no_gap_is_overfunded(solved, name):
    a = solved(name).allocation
    assert (a.closed_yuan <= a.gap_yuan * (1 + 1e-9) + 1e-3).all()
    assert np.allclose(a.closed_yuan, a.own_yuan + a.transfer_yuan)


@pytest.mark.parametrize("name", NAMES)
def test_compliance_is_a_share_and_never_falls_for_capital(solved, name):
    c = solved(name).compliance
    assert ((c.share >= -1e-9) & (c.share <= 1 + 1e-9)).all()
    for program in ("office_space", "service_space"):
        city = c[(c.district == "city") & (c.program == program)].sort_values("year").share.to_numpy()
        assert (np.diff(city) >= -1e-9).all()


@pytest.mark.parametrize("name", NAMES)
def test_hard_targets_met_when_status_is_optimal(solved, name):
    result = solved(name)
    scenario = load_scenario(DEFAULT.parent / name)
    if result.status != Status.OPTIMAL:
        assert result.unmet_hard.missing_yuan.sum() > 1
        return
    assert result.unmet_hard.empty
    city = result.compliance_by_year()
    deadline = scenario.params["office_space.deadline"]
    assert all(share == pytest.approx(1.0) for year, share in city["office_space"].items() if year >= deadline)
    assert all(share == pytest.approx(1.0) for share in city["social_insurance"].values())
    assert all(share == pytest.approx(1.0) for share in city["member_subsidy"].values())


def test_default_is_feasible_and_the_tight_variant_is_not(solved):
    assert solved("tianjin-2006.toml").status == Status.OPTIMAL
    tight = solved("tianjin-2006-tight-ceiling.toml")
    assert tight.status == Status.HARD_TARGETS_UNMET
    unmet = tight.unmet_hard
    assert set(unmet.columns) == {"requirement", "district", "year", "missing_yuan"}
    assert (unmet.missing_yuan > 0).all()
    assert tight.objectives["missing_hard_yuan"] == pytest.approx(unmet.missing_yuan.sum(), rel=1e-6)
    # Every yuan of the tight ceiling is used before money is reported missing.
    assert (tight.money.transfers_yuan >= tight.money.ceiling_yuan - 1).sum() >= 1


def test_the_optimum_is_never_worse_than_the_status_quo(solved):
    for name in NAMES:
        result = solved(name)
        sq = result.status_quo
        assert result.objectives["missing_hard_yuan"] <= sq.objectives["missing_hard_yuan"] + 1e-3
        if result.objectives["missing_hard_yuan"] == pytest.approx(sq.objectives["missing_hard_yuan"], abs=1e-3):
            assert result.objectives["soft_points"] >= sq.objectives["soft_points"] - 1e-6


def test_objective_never_worse_as_the_ceiling_grows(default_scenario):
    base = default_scenario.by_year("city.ceiling_yuan")
    missing, points = [], []
    for factor in (0.0, 0.2, 0.4, 0.7, 1.0, 1.5, 3.0):
        scenario = default_scenario.with_overrides({f"city.ceiling_yuan.{y}": v * factor for y, v in base.items()})
        result = solve(scenario, status_quo=False)
        missing.append(result.objectives["missing_hard_yuan"])
        points.append(result.objectives["soft_points"])
    assert all(a >= b - 1e-3 for a, b in zip(missing, missing[1:]))
    # Points compare only once the hard stage no longer changes.
    feasible = [p for m, p in zip(missing, points) if m < 1]
    assert len(feasible) >= 3
    assert all(a <= b + 1e-6 for a, b in zip(feasible, feasible[1:]))


@pytest.mark.parametrize("year", [2006, 2008, 2010])
def test_ceiling_dual_matches_finite_differences(default_scenario, default_result, year):
    """The soft objective is concave in a year's ceiling: the dual lies between the
    right and left difference quotients, which agree closely for a small step."""
    dual = float(default_result.money.set_index("year").loc[year, "shadow_price_points_per_yuan"])
    assert dual > 0
    ceiling = default_scenario.by_year("city.ceiling_yuan")[year]
    step = 50_000.0

    def points(value):
        return solve(default_scenario.with_overrides({f"city.ceiling_yuan.{year}": value}),
                     status_quo=False).objectives["soft_points"]

    base = default_result.objectives["soft_points"]
    right = (points(ceiling + step) - base) / step
    left = (base - points(ceiling - step)) / step
    assert right <= dual * (1 + 1e-3) + 1e-9
    assert dual <= left * (1 + 1e-3) + 1e-9
    assert dual == pytest.approx((left + right) / 2, rel=0.05)
