"""An edited scenario written back as TOML + CSV loads to the same values; uploads are read safely."""

from __future__ import annotations

import io
import zipfile

import pandas as pd
import pytest

from model import load_scenario, load_scenario_texts, scenario_files, solve
from model.export import zip_bytes
from model.scenario.text import main_candidates, read_uploads, safe_stem, scenario_to_files

from .conftest import SCENARIOS

EDITS = {"city.ceiling_yuan.2007": 3e7, "districts.hedong.committees": 140,
         "districts.heping.min_own_share": 0.25, "scenario.name": "Option B", "weights.member_subsidy": 0.2}


def reload(files):
    toml = next(n for n in files if n.endswith(".toml"))
    return load_scenario_texts(toml, files.__getitem__)


@pytest.mark.parametrize("name", ["tianjin-2006.toml", "tianjin-2006-tight-ceiling.toml"])
def test_written_scenario_loads_to_the_same_values(name):
    scenario = load_scenario(SCENARIOS / name, EDITS, origin="app")
    files = scenario_to_files(scenario)
    assert sorted(files) == ["option-b-districts.csv", "option-b.toml"]
    back = reload(files)
    ours = {k: v for k, v in scenario.params.items() if k != "scenario.districts"}
    theirs = {k: v for k, v in back.params.items() if k != "scenario.districts"}
    assert theirs == ours
    columns = [c for c in scenario.districts.columns if c not in ("_line", "source")]
    pd.testing.assert_frame_equal(back.districts[columns], scenario.districts[columns])
    assert back.uncited() == []


def test_written_scenario_solves_to_the_same_result():
    scenario = load_scenario(SCENARIOS / "tianjin-2006.toml", EDITS, origin="app")
    a, b = solve(scenario, status_quo=False), solve(reload(scenario_to_files(scenario)), status_quo=False)
    assert a.objectives == pytest.approx(b.objectives, rel=1e-9)


def test_edits_are_cited_as_set_in_the_app_with_their_previous_value():
    scenario = load_scenario(SCENARIOS / "tianjin-2006.toml", EDITS, origin="app")
    files = scenario_to_files(scenario, "x")
    assert '"city.ceiling_yuan.2007" = "assumption: set in the budgetsim app (was 27000000)"' in files["x.toml"]
    hedong = next(line for line in files["x-districts.csv"].splitlines() if line.startswith("hedong,"))
    assert "committees: assumption: set in the budgetsim app (was 138)" in hedong


def test_safe_stem():
    assert safe_stem("Tianjin 2006, tight ceiling (0.02 %)") == "tianjin-2006-tight-ceiling-0-02"
    assert safe_stem("方案") == "scenario"


def test_uploads_read_toml_csv_and_zip_and_find_the_scenario():
    shipped = scenario_files()
    variant = shipped["tianjin-2006-tight-ceiling.toml"]
    archive = zip_bytes({"folder/tianjin-2006.toml": shipped["tianjin-2006.toml"],
                         "folder/tianjin-2006-districts.csv": shipped["tianjin-2006-districts.csv"],
                         "folder/tight.toml": variant, "__MACOSX/._x.toml": "junk"})
    files, problems = read_uploads({"s.zip": archive})
    assert problems == []
    assert sorted(files) == ["folder/tianjin-2006-districts.csv", "folder/tianjin-2006.toml", "folder/tight.toml"]
    # the variant names the default as its base: the variant is the scenario to load
    assert main_candidates(files) == ["folder/tight.toml"]
    scenario = load_scenario_texts("folder/tight.toml", files.__getitem__)
    assert scenario.by_year("city.ceiling_yuan")[2006] == 8_300_000


def test_bad_uploads_are_problems_naming_the_file():
    evil = io.BytesIO()
    with zipfile.ZipFile(evil, "w") as archive:
        archive.writestr("../escape.toml", "x = 1")
    files, problems = read_uploads({"a.xlsx": b"PK", "b.csv": "河东".encode("gbk"), "c.zip": b"not a zip",
                                    "d.zip": evil.getvalue(), "ok.toml": b"\xef\xbb\xbfx = 1"})
    assert files == {"ok.toml": "x = 1"}
    by_file = {p.file: p.rule for p in problems}
    assert "not a scenario file" in by_file["a.xlsx"]
    assert by_file["b.csv"] == "is not UTF-8 text"
    assert by_file["c.zip"] == "is not a readable zip file"
    assert "outside the zip" in by_file["d.zip"]
