"""The fast ways of building a batch point's LP give exactly what the plain ways give.

Batches read table columns once per scenario (``Scenario.column``), check only the
rules a point can break (``check_parameter_rules``), name rows and columns only
when asked (``Labels``), and build a point that moves only money limits (ceilings,
capacities, revenue) from the base LP by recomputing those rows' bounds. Each
shortcut is checked here against what it replaces, computed independently.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from model import ScenarioError, load_scenario
from model.batch.engine import _Engine, moves_only_money_limits
from model.batch.sweep import make_sweep
from model.constants import PROGRAMS, Program
from model.solve.arrays import describe
from model.formulation import formulate
from model.formulation.lp import Labels
from model.formulation import with_money_limits as formulation_with_money_limits
from model.formulation.inputs import build_inputs
from model.formulation.inputs import with_money_limits as inputs_with_money_limits
from model.batch.points import PointMaker
from model.scenario.targets import resolve
from model.results.compliance import ComplianceCounter, compliance_counts
from model.scenario.validation import RULE_KEYS, check_parameter_rules, check_parameters

from .conftest import FIXTURES, SCENARIOS

HAND_COMMUNITIES = FIXTURES / "hand" / "hand-communities.toml"


def test_labels_are_made_once_and_only_when_read():
    made = []
    labels = Labels(2, lambda: made.append(1) or [("a", 2006), ("a", 2007)])
    assert len(labels) == 2 and made == []
    assert list(labels) == [("a", 2006), ("a", 2007)] and labels[1] == ("a", 2007)
    assert made == [1]
    with pytest.raises(ValueError, match="expected 3 labels"):
        list(Labels(3, lambda: [("a",)]))


@pytest.mark.parametrize("path", [SCENARIOS / "tianjin-2006.toml", HAND_COMMUNITIES], ids=lambda p: p.name)
def test_named_blocks_spell_out_every_row_and_column(path):
    """Names written out by hand from the index sets, in block order."""
    inputs = build_inputs(load_scenario(path))
    form = formulate(inputs)
    lp = form.lp
    units, years, districts = inputs.units, inputs.years, inputs.districts
    programs = ["office_space", "service_space", "operating_funds", "member_subsidy", "social_insurance"]
    names = lp.column_names()
    assert names[:len(units) * 5 * len(years)] == [f"closed[{u},{p},{t}]" for u in units for p in programs
                                                  for t in years]
    assert lp.row_names()[lp.rows_of("capacity")] == [f"capacity[{d},{t}]" for d in districts for t in years]
    wage_from = inputs.deadlines[next(r for r in inputs.deadlines if r.value == "minimum_wage")]
    wage_years = [t for t in years if t >= wage_from]
    assert lp.row_names()[lp.rows_of("minimum_wage")] == [f"minimum_wage[{u},{t}]" for u in units
                                                         for t in wage_years]
    # The unmet columns carry the same labels, and the map to them is complete.
    assert [names[c] for c in form.unmet_columns] == [
        f"unmet_{r.value}[{u},{t}]" for (u, r, t) in form.unmet]
    assert len(form.unmet) == len(set(form.unmet.values())) == form.unmet_columns.size


def test_cached_columns_follow_a_point_that_changes_a_district_value():
    scenario = load_scenario(SCENARIOS / "tianjin-2006.toml")
    base = build_inputs(scenario)  # fills the base scenario's column cache
    district = scenario.district_ids[2]
    key = f"districts.{district}.capacity_yuan"
    maker = PointMaker(scenario, make_sweep(scenario, [f"{key}=1e6:2e6:2"]).targets, "--param")
    point = maker.scenario({key: 1.5e6})
    got = build_inputs(point)
    expected = build_inputs(scenario.with_overrides({key: 1.5e6}))  # read from the files again
    assert got.capacity[2, 0] == pytest.approx(1.5e6)
    for name in ("capacity", "committees", "members", "need_weight", "min_own_share"):
        assert np.array_equal(getattr(got, name), getattr(expected, name)), name
    assert np.array_equal(got.capacity[[0, 1, 3]], base.capacity[[0, 1, 3]])
    assert scenario.column("districts", "capacity_yuan")[2] != 1.5e6  # the base is untouched
    assert scenario.districts.at[district, "capacity_yuan"] != 1.5e6
    assert point.districts.at[district, "capacity_yuan"] == 1.5e6
    assert point.districts.drop(columns="capacity_yuan").equals(scenario.districts.drop(columns="capacity_yuan"))


def test_point_checks_report_what_the_full_checks_report():
    scenario = load_scenario(SCENARIOS / "tianjin-2006.toml")
    targets = make_sweep(scenario, ["social_insurance.base_floor_share=0.5:0.6:2"]).targets
    maker = PointMaker(scenario, targets, "--param")
    params = dict(scenario.params, **{"social_insurance.base_floor_share": 5.0,
                                      "social_insurance.base_ceiling_share": 3.0})
    full = [p.rule for p in check_parameters(params, {})]
    assert any("must not exceed base_ceiling_share" in r for r in full)
    with pytest.raises(ScenarioError, match="must not exceed base_ceiling_share"):
        maker.scenario({"social_insurance.base_floor_share": float(scenario.params[
            "social_insurance.base_ceiling_share"]) + 0.1})


# --- points that move only money limits ------------------------------------------------
def money_limit_values(rng: np.random.Generator, scenario, total: bool) -> dict[str, float]:
    """Random values for every key that sets only how much money there is."""
    values = {}
    for year in scenario.years:
        values[f"city.ceiling_yuan.{year}"] = float(rng.uniform(0.0, 2.0) * scenario.params[f"city.ceiling_yuan.{year}"])
    for key in [k for k in scenario.params if k.startswith("city.budget_revenue_100m_yuan.")]:
        values[key] = float(rng.uniform(0.8, 1.2) * scenario.params[key])
    values["districts.capacity_indexation"] = float(rng.uniform(0.0, 2.0))
    for district in scenario.district_ids:
        values[f"districts.{district}.capacity_yuan"] = float(
            rng.uniform(0.5, 1.5) * scenario.districts.at[district, "capacity_yuan"])
    if total:
        values["city.total_ceiling_yuan"] = 0.8 * sum(values[f"city.ceiling_yuan.{y}"] for y in scenario.years)
    return values


def money_limit_maker(scenario) -> PointMaker:
    keys = ["city.ceiling_yuan", "city.budget_revenue_100m_yuan", "districts.capacity_indexation",
            "city.total_ceiling_yuan", "districts.capacity_yuan"]
    targets = [t for key in keys for t in resolve(key, scenario, "test")[0]]
    assert all(moves_only_money_limits(t) for t in targets)
    return PointMaker(scenario, targets, "test")


def assert_same_lp(got, expected):
    assert list(got.col_blocks) == list(expected.col_blocks) and list(got.row_blocks) == list(expected.row_blocks)
    assert [b.size for b in got.row_blocks.values()] == [b.size for b in expected.row_blocks.values()]
    for a, b in zip(got.bounds(), expected.bounds()):
        assert np.array_equal(a, b)
    for a, b in zip(got.coo(), expected.coo()):
        assert np.array_equal(a, b)
    assert got.objectives.keys() == expected.objectives.keys()
    for stage in expected.objectives:
        assert np.array_equal(got.objectives[stage], expected.objectives[stage])


def assert_same_inputs(got, expected):
    for f in dataclasses.fields(expected):
        a, b = getattr(got, f.name), getattr(expected, f.name)
        if isinstance(b, dict):
            assert a.keys() == b.keys(), f.name
            for k in b:
                assert np.array_equal(a[k], b[k]), (f.name, k)
        elif b is None:
            assert a is None, f.name
        else:
            assert np.array_equal(np.asarray(a), np.asarray(b)), f.name


@pytest.mark.parametrize("path", [SCENARIOS / "tianjin-2006.toml", HAND_COMMUNITIES], ids=lambda p: p.name)
@pytest.mark.parametrize("total", [False, True], ids=["no-total", "total"])
def test_money_limit_points_build_the_lp_that_formulate_builds(path, total):
    """Capacity, revenue and ceilings reach the LP only as row bounds: the shortcut's
    inputs and LP equal build_inputs' and formulate's, number for number."""
    scenario = load_scenario(path)
    if total:  # a base with a horizon total, so that the total_ceiling row exists
        scenario = scenario.with_overrides({"city.total_ceiling_yuan": 1e12})
    base_inputs = build_inputs(scenario)
    base_form = formulate(base_inputs)
    maker = money_limit_maker(scenario)
    rng = np.random.default_rng(5)
    for _ in range(5):
        point = maker.scenario(money_limit_values(rng, scenario, total))
        inputs = inputs_with_money_limits(base_inputs, point)
        expected_inputs = build_inputs(point)
        assert_same_inputs(inputs, expected_inputs)
        form = formulation_with_money_limits(base_form, inputs)
        expected = formulate(expected_inputs)
        assert_same_lp(form.lp, expected.lp)
        assert np.array_equal(form.unmet_columns, expected.unmet_columns)
        assert np.array_equal(form.closed, expected.closed) and np.array_equal(form.transfer, expected.transfer)
        # The solver reads only the new bounds, and gets the arrays a fresh description gives.
        like = describe(base_form.lp)
        got, fresh = describe(form.lp, like=like), describe(expected.lp)
        assert got.values is like.values and got.costs is like.costs
        for name in ("values", "col_lower", "col_upper", "row_lower", "row_upper"):
            assert np.array_equal(getattr(got, name), getattr(fresh, name)), name
        for a, b in zip(got.costs, fresh.costs):
            assert np.array_equal(a, b)


@pytest.mark.parametrize("varied", ["ceiling", "indexation", "revenue", "capacity"])
def test_money_limit_points_given_their_base_reuse_its_capacity_only_when_nothing_it_reads_moved(varied):
    """With the base scenario passed, a point that leaves revenue, indexation and the
    district table as they are keeps the base's capacity array; any of them set, it is
    computed again; either way the inputs are build_inputs' number for number."""
    scenario = load_scenario(SCENARIOS / "tianjin-2006.toml")
    base_inputs = build_inputs(scenario)
    rng = np.random.default_rng(7)
    values = {k: v for k, v in money_limit_values(rng, scenario, False).items()
              if {"ceiling": "city.ceiling_yuan.", "indexation": "districts.capacity_indexation",
                  "revenue": "city.budget_revenue_100m_yuan.", "capacity": "districts."}[varied] in k
              and (varied != "capacity" or k.endswith(".capacity_yuan"))}
    assert values
    point = money_limit_maker(scenario).scenario(values)
    inputs = inputs_with_money_limits(base_inputs, point, base=scenario)
    assert (inputs.capacity is base_inputs.capacity) == (varied == "ceiling")
    assert_same_inputs(inputs, build_inputs(point))


def test_the_rules_between_parameters_read_only_rule_keys():
    """A point that sets none of RULE_KEYS gets the base's answer without the rules
    being run again: that holds only if the rules read nothing else."""

    class Reads(dict):
        def __init__(self, *args):
            super().__init__(*args)
            self.read = set()

        def get(self, key, default=None):
            self.read.add(key)
            return super().get(key, default)

        def __getitem__(self, key):
            self.read.add(key)
            return super().__getitem__(key)

    base = load_scenario(SCENARIOS / "tianjin-2006.toml").params
    for params in (base, {**base, "office_space.deadline": 1990,
                          "social_insurance.base_floor_share": base["social_insurance.base_ceiling_share"] + 1}):
        reads = Reads(params)
        problems = check_parameter_rules(reads, {})
        assert reads.read and reads.read <= RULE_KEYS
    assert {p.where for p in problems} == {"office_space.deadline", "social_insurance.base_floor_share"}


def test_points_that_set_no_rule_key_report_the_base_scenarios_rule_problems():
    scenario = load_scenario(SCENARIOS / "tianjin-2006.toml")
    broken = dataclasses.replace(scenario, params={**scenario.params, "office_space.deadline": 1990})
    maker = money_limit_maker(broken)
    with pytest.raises(ScenarioError, match="office_space.deadline"):
        maker.scenario({"districts.capacity_indexation": 0.5}, "point 3")


def test_a_horizon_total_where_the_base_has_none_is_another_structure():
    scenario = load_scenario(SCENARIOS / "tianjin-2006.toml")
    assert not np.isfinite(scenario.params["city.total_ceiling_yuan"])
    base_inputs = build_inputs(scenario)
    point = money_limit_maker(scenario).scenario({"city.total_ceiling_yuan": 1e8})
    assert formulation_with_money_limits(formulate(base_inputs), inputs_with_money_limits(base_inputs, point)) is None


def test_money_limit_batches_give_what_rebuilding_every_point_gives():
    """The same sweep through the shortcut and through build_inputs + formulate per point."""
    scenario = load_scenario(SCENARIOS / "tianjin-2006.toml")
    district = scenario.district_ids[3]
    sweep = make_sweep(scenario, ["ceiling=1e8:3e8:7", f"districts.{district}.capacity_yuan=1e6:3e7:3"])
    shortcut, rebuilt = _Engine(sweep), _Engine(sweep)
    rebuilt.limits_only = False
    assert shortcut.limits_only
    got, expected = shortcut.run(0, sweep.size), rebuilt.run(0, sweep.size)
    assert np.array_equal(got, expected, equal_nan=True)
    # Points that move anything else take the general path.
    assert not _Engine(make_sweep(scenario, ["office_space.cost_growth=0:0.1:2"])).limits_only


@pytest.mark.parametrize("path", [SCENARIOS / "tianjin-2006.toml", HAND_COMMUNITIES], ids=lambda p: p.name)
def test_compliance_counter_counts_each_program_by_its_definition(path):
    """Every program at once (ComplianceCounter) equals each program written out alone."""
    inputs = build_inputs(load_scenario(path))
    n_u, n_t = inputs.shape
    rng = np.random.default_rng(3)
    gaps = np.stack([inputs.gap_of(p) for p in PROGRAMS], axis=1)  # (U, P, T)
    closed = gaps * rng.uniform(-0.1, 1.3, gaps.shape)  # some below zero, some beyond the gap
    closed[:, :, 1] = 0.0  # a year with nothing closed
    counts = compliance_counts(inputs, closed)
    committees, members = inputs.committees[:, None], inputs.members[:, None]

    def share(k, denominator):
        return np.clip(np.divide(closed[:, k, :], denominator, out=np.ones((n_u, n_t)), where=denominator > 0), 0, 1)

    expected = {}
    for k, program in enumerate(PROGRAMS):
        if program in (Program.OFFICE_SPACE, Program.SERVICE_SPACE):
            cost = inputs.unit_cost[program]
            bought = np.divide(closed[:, k, :], cost, out=np.zeros((n_u, n_t)), where=cost > 0)
            upgraded = np.minimum(np.cumsum(bought, axis=1), inputs.upgrade_units[program][:, None])
            expected[program] = (inputs.at_standard_now[program][:, None] + upgraded, committees)
        elif program == Program.OPERATING_FUNDS:
            expected[program] = (committees * share(k, inputs.gap[program]), committees)
        elif program == Program.MEMBER_SUBSIDY:  # money lifts members to the minimum wage first
            expected[program] = (members * share(k, inputs.minimum_wage_cost), members)
        else:
            insured = (inputs.members - inputs.uninsured)[:, None]
            expected[program] = (insured + inputs.uninsured[:, None] * share(k, inputs.gap[program]), members)
    assert list(counts) == list(PROGRAMS)
    for program, (at, total) in expected.items():
        assert np.allclose(counts[program][0], at, rtol=1e-15, atol=0), program
        assert np.array_equal(counts[program][1], np.broadcast_to(total, (n_u, n_t))), program
    city = ComplianceCounter(inputs).city_shares(closed)
    for k, program in enumerate(PROGRAMS):
        at, total = expected[program][0].sum(axis=0), np.broadcast_to(expected[program][1], (n_u, n_t)).sum(axis=0)
        assert np.allclose(city[k], np.divide(at, total, out=np.ones(n_t), where=total > 0), rtol=1e-14), program
