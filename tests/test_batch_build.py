"""The fast ways of building a batch point's LP give exactly what the plain ways give.

Batches read table columns once per scenario (``Scenario.column``), check only the
rules a point can break (``check_parameter_rules``), and name rows and columns
only when asked (``Labels``). Each shortcut is checked here against what it
replaces, computed independently.
"""

from __future__ import annotations

import numpy as np
import pytest

from model import ScenarioError, load_scenario
from model.batch import make_sweep
from model.formulation import Labels, formulate
from model.inputs import build_inputs
from model.points import PointMaker
from model.validation import check_parameters

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
