"""Scenario references and link state: values round-trip, bad links give problems and defaults."""

from __future__ import annotations

import math

import pytest

from model.scenario.links import (
    MAX_COMPARED,
    LinkState,
    RunRef,
    ScenarioRef,
    decode_state,
    encode_state,
    format_value,
    is_override_key,
    parse_value,
)

SHIPPED = ["tianjin-2006.toml", "tianjin-2006-tight-ceiling.toml", "tianjin-2006-higher-operating.toml"]
DEFAULT = ScenarioRef("tianjin-2006.toml")


def decode(params):
    return decode_state(params, SHIPPED, DEFAULT, ["en", "zh"], "en")


@pytest.mark.parametrize("value", [True, False, 0, 42, 20900000.0, 1e-07, 0.008, math.inf, "Heping; 和平区 \"x\" %"])
def test_values_round_trip_through_toml_text(value):
    assert parse_value(format_value(value)) == value


def test_numpy_scalars_are_written_as_plain_numbers():
    import numpy as np

    assert format_value(np.int64(138)) == "138"
    assert format_value(np.float64(5.5)) == "5.5"


def test_parse_value_refuses_tables_and_garbage():
    with pytest.raises(ValueError):
        parse_value("{ a = 1 }")
    with pytest.raises(ValueError):
        parse_value("not a value")


def test_override_keys_are_parameters_years_or_district_cells():
    assert is_override_key("city.ceiling_yuan.2007")
    assert is_override_key("weights.equity")
    assert is_override_key("districts.hedong.committees")
    assert not is_override_key("districts.hedong.id")
    assert not is_override_key("city.ceiling")
    assert not is_override_key("districts.hedong.no_such_column")


def test_a_ref_is_normalised_so_equal_edits_are_equal_refs():
    a = ScenarioRef.make("tianjin-2006.toml", {"weights.equity": 0.1, "city.ceiling_yuan.2007": 3e7})
    b = DEFAULT.with_overrides({"city.ceiling_yuan.2007": 30000000.0}).with_overrides({"weights.equity": 0.1})
    assert a == b
    assert a.overrides == (("city.ceiling_yuan.2007", "30000000.0"), ("weights.equity", "0.1"))
    assert a.override_values() == {"city.ceiling_yuan.2007": 3e7, "weights.equity": 0.1}


def test_state_encodes_and_decodes_to_the_same_state():
    saved = ScenarioRef.make("tianjin-2006-tight-ceiling.toml",
                             {"scenario.name": "Option B; tighter", "districts.hedong.capacity_yuan": 9e6})
    state = LinkState(scenario=DEFAULT.with_overrides({"city.ceiling_yuan.2007": 3e7}),
                      compare=[DEFAULT, saved], reference=1, language="zh", baselines=True)
    params = encode_state(state, DEFAULT, "en")
    lists = {k: v if isinstance(v, list) else [v] for k, v in params.items()}
    decoded, problems = decode(lists)
    assert problems == []
    assert decoded == state


def test_defaults_are_left_out_of_the_link():
    assert encode_state(LinkState(DEFAULT), DEFAULT, "en") == {}


def test_unknown_and_malformed_parameters_give_problems_and_defaults():
    state, problems = decode({
        "lang": ["fr"], "scenario": ["nope.toml"], "set": ["city.ceiling_yuan.2007=30000000"],
        "ref": ["x"], "colour": ["red"], "compare": ["tianjin-2006.toml;weights.equity=oops", "missing.toml"],
    })
    assert state.language == "en"
    assert state.scenario == DEFAULT  # a scenario the link cannot show: its overrides are not applied
    assert state.compare == [DEFAULT]  # the bad override dropped, the unknown scenario left out
    assert state.reference == 0
    wheres = {p.where for p in problems}
    assert {"lang", "scenario", "set", "ref", "colour", "compare #1 weights.equity", "compare #2"} <= wheres
    assert all(p.file == "link" for p in problems)


def test_a_bad_override_is_dropped_and_the_good_ones_kept():
    state, problems = decode({"set": ["city.ceiling_yuan.2007=30000000", "no.such.key=1", "weights.equity"]})
    assert state.scenario.override_values() == {"city.ceiling_yuan.2007": 30000000}
    assert [p.where for p in problems] == ["set no.such.key", "set"]


def test_more_than_four_compared_scenarios_keep_the_first_four():
    state, problems = decode({"compare": ["tianjin-2006.toml"] * (MAX_COMPARED + 2)})
    assert len(state.compare) == MAX_COMPARED
    assert any(p.where == "compare" for p in problems)


def test_an_upload_link_of_an_earlier_version_is_refused_with_what_to_do():
    state, problems = decode({"scenario": ["upload:u1/mine.toml"]})
    assert state.scenario == DEFAULT
    assert "upload the files again" in problems[0].rule


SHA = "ab" * 32


def test_a_stored_scenario_travels_by_its_sha256_with_its_overrides():
    ref = ScenarioRef.make("mine.toml", {"city.ceiling_yuan.2007": 30000000}, stored=SHA)
    assert ref.shareable
    params = encode_state(LinkState(ref), DEFAULT, "en")
    assert params == {"scenario": f"store:{SHA}", "set": ["city.ceiling_yuan.2007=30000000"]}
    state, problems = decode({k: v if isinstance(v, list) else [v] for k, v in params.items()})
    assert problems == []
    # the file name inside the store is read by the app, which holds the store
    assert state.scenario == ScenarioRef.make("", {"city.ceiling_yuan.2007": 30000000}, stored=SHA)


@pytest.mark.parametrize("head", ["store:abc", f"store:{'g' * 64}", f"store:{SHA}0"])
def test_a_malformed_stored_scenario_link_names_the_rule(head):
    state, problems = decode({"scenario": [head]})
    assert state.scenario == DEFAULT
    assert [p.where for p in problems] == ["scenario"]
    assert "sha256 (64 hex digits)" in problems[0].rule


def test_recorded_runs_travel_as_run_ids():
    state, problems = decode({"compare": ["run:3", "run:12"], "run": ["3"]})
    assert problems == []
    assert state.compare == [RunRef(3), RunRef(12)] and state.run == 3
    assert encode_state(state, DEFAULT, "en") == {"compare": ["run:3", "run:12"], "run": "3"}


@pytest.mark.parametrize("params, where", [({"run": ["x"]}, "run"), ({"run": ["0"]}, "run"),
                                           ({"compare": ["run:-1"]}, "compare #1"),
                                           ({"scenario": ["run:4"]}, "scenario")])
def test_a_bad_run_id_in_a_link_is_a_problem_not_a_traceback(params, where):
    state, problems = decode(params)
    assert [p.where for p in problems] == [where]
    assert state.run is None and state.compare == [] and state.scenario == DEFAULT


def test_the_baselines_flag_travels_as_one_or_zero():
    assert encode_state(LinkState(DEFAULT, baselines=True), DEFAULT, "en") == {"baselines": "1"}
    assert decode({"baselines": ["1"]})[0].baselines is True
    assert decode({"baselines": ["false"]}) == (LinkState(DEFAULT), [])
    state, problems = decode({"baselines": ["maybe"]})
    assert state.baselines is False
    assert [(p.where, p.rule) for p in problems] == [("baselines", "must be 1 or 0, got 'maybe'; baselines not shown")]
