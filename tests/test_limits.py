"""Plausibility limits: past a limit's error level a value is refused with the file, place
and rule; between its warning and error levels it loads and a warning says so."""

from __future__ import annotations

import csv
import io

import pytest

from model import load_scenario
from model.cli import main
from model.errors import ScenarioError
from model.scenario import load_scenario_texts
from model.scenario.limits import plausibility_warnings
from model.scenario.schema import (
    COLUMN_LIMITS,
    DISTRICT_COLUMNS_BY_NAME,
    DISTRICT_ROWS_LIMIT,
    LIMITS,
    MAX_FILE_BYTES,
    PARAMETERS_BY_KEY,
    UNIT_ROWS_LIMIT,
)

from .conftest import FIXTURES, SHIPPED

HAND = FIXTURES / "hand" / "hand.toml"


def hand_files() -> dict[str, str]:
    folder = FIXTURES / "hand"
    return {p.name: p.read_text(encoding="utf-8") for p in folder.iterdir()}


def problems_of(name: str, files: dict[str, str], overrides=()) -> list[str]:
    with pytest.raises(ScenarioError) as caught:
        load_scenario_texts(name, files.__getitem__, overrides)
    return [str(p) for p in caught.value.problems]


def test_every_limit_names_a_real_key_warns_below_its_error_and_says_why():
    assert set(LIMITS) <= set(PARAMETERS_BY_KEY)
    assert set(COLUMN_LIMITS) <= set(DISTRICT_COLUMNS_BY_NAME)
    for limit in [*LIMITS.values(), *COLUMN_LIMITS.values(), DISTRICT_ROWS_LIMIT, UNIT_ROWS_LIMIT]:
        assert 0 < limit.warn_above < limit.error_above
        assert len(limit.reason) > 30
    assert PARAMETERS_BY_KEY["city.ceiling_yuan"].limit is LIMITS["city.ceiling_yuan"]
    assert DISTRICT_COLUMNS_BY_NAME["capacity_yuan"].limit.error_above == 1e15


@pytest.mark.parametrize("path", SHIPPED + [HAND], ids=lambda p: p.name)
def test_shipped_scenarios_raise_no_warning(path):
    assert plausibility_warnings(load_scenario(path)) == []


def test_an_absurd_capacity_is_refused_from_set_and_from_the_csv():
    assert problems_of("hand.toml", hand_files(), ["districts.alpha.capacity_yuan=1e300"]) == [
        "--set: districts.alpha.capacity_yuan: must be at most 1e+15 (yuan/year) to be plausible, got 1e+300 "
        "(no real case comes near it, and the LP loses precision; above 1e+10 is already unusual)"]
    files = hand_files()
    files["hand-districts.csv"] = files["hand-districts.csv"].replace(",30000,city,2,", ",1e300,city,2,")
    [problem] = problems_of("hand.toml", files)
    assert problem.startswith("hand-districts.csv: row 3 (beta), column capacity_yuan: must be at most 1e+15")


def test_a_large_but_possible_value_loads_with_a_warning(capsys):
    scenario = load_scenario(HAND, ["districts.beta.capacity_yuan=2e10", "city.ceiling_yuan.2007=3e11"])
    warnings = [str(w) for w in plausibility_warnings(scenario)]
    assert len(warnings) == 2
    assert warnings[0].startswith("hand.toml: city.ceiling_yuan.2007: is above 1e+11 (yuan/year), got 3e+11: "
                                  "a yearly ceiling above 1e11 yuan")
    assert warnings[1].startswith("hand-districts.csv: column capacity_yuan: is above 1e+10 (yuan/year) in "
                                  "row 3 (beta): 2e+10: ")
    assert main(["validate", str(HAND), "--set", "districts.beta.capacity_yuan=2e10"]) == 0
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and err[0].startswith("budgetsim: warning: hand-districts.csv: column capacity_yuan")


def test_a_long_horizon_is_refused_and_a_longish_one_warned():
    [problem] = problems_of("hand.toml", hand_files(), ["scenario.last_year=2040"])
    assert problem.startswith("--set: scenario.last_year: must make a horizon of at most 30 years, got "
                              "2006-2040 (35 years;")
    years = range(2008, 2018)  # a 12-year horizon 2006-2017: every yearly table extended
    yearly = ["city.ceiling_yuan", "city.budget_revenue_100m_yuan", "wages.average_wage_yuan",
              "wages.minimum_wage_city_yuan_month", "wages.minimum_wage_county_yuan_month"]
    base = load_scenario(HAND)
    overrides = ["scenario.last_year=2017"] + [f"{key}.{y}={base.params[f'{key}.2007']}" for key in yearly
                                               for y in years]
    scenario = load_scenario(HAND, overrides)
    assert [str(w) for w in plausibility_warnings(scenario)] == [
        "hand.toml: scenario.last_year: makes a horizon of 12 years, more than 10: the report's plan is a "
        "five-year plan; beyond ten years the growth rates and wage paths a scenario gives are guesses, and "
        "the LP grows with every year"]


def _district_table(rows: int) -> str:
    """The hand fixture's first district repeated ``rows`` times under new ids."""
    template = next(csv.DictReader(io.StringIO(hand_files()["hand-districts.csv"])))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(template), lineterminator="\n")
    writer.writeheader()
    for i in range(rows):
        writer.writerow({**template, "id": f"d{i}"})
    return out.getvalue()


def test_too_many_districts_are_refused_and_many_warned():
    files = hand_files()
    files["hand-districts.csv"] = _district_table(5001)
    reason = ("a city has a few dozen districts and counties (Tianjin: 18), a country about 2,850 county-level "
              "divisions; for communities use a unit table (scenario.units)")
    assert problems_of("hand.toml", files) == [
        f"hand-districts.csv: must have at most 5,000 district rows, got 5,001 ({reason})"]
    files["hand-districts.csv"] = _district_table(3501)
    scenario = load_scenario_texts("hand.toml", files.__getitem__)
    assert [str(w) for w in plausibility_warnings(scenario)] == [
        f"hand-districts.csv: has 3,501 district rows, more than 3,500: {reason}"]


def test_huge_files_are_refused_before_they_are_parsed():
    files = hand_files()
    files["hand.toml"] += "#" * MAX_FILE_BYTES
    assert problems_of("hand.toml", files) == ["hand.toml: is larger than 50 MB; refused unread"]
    files = hand_files()
    files["hand-districts.csv"] += "x" * MAX_FILE_BYTES
    assert problems_of("hand.toml", files) == [
        "hand-districts.csv: is larger than 50 MB; a scenario table is refused beyond that"]


def test_a_sweep_past_a_limit_is_refused_before_solving(tmp_path, capsys):
    out = tmp_path / "s.csv"
    assert main(["sweep", str(HAND), "--param", "districts.alpha.capacity_yuan=0:1e300:3", "--out", str(out),
                 "--jobs", "1", "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert "districts.alpha.capacity_yuan" in err and "must be at most 1e+15" in err
    assert not out.exists()
