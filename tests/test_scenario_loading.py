"""Loading scenarios: variants, overrides, and clear errors for bad input."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from model import ScenarioError, load_scenario

from .conftest import DEFAULT, SCENARIOS


@pytest.fixture()
def workdir(tmp_path: Path) -> Path:
    for name in ("tianjin-2006.toml", "tianjin-2006-districts.csv"):
        shutil.copy(SCENARIOS / name, tmp_path / name)
    return tmp_path


def problems_of(call) -> list[str]:
    with pytest.raises(ScenarioError) as info:
        call()
    return [str(p) for p in info.value.problems]


def test_variant_records_its_overrides():
    scenario = load_scenario(SCENARIOS / "tianjin-2006-tight-ceiling.toml")
    base = load_scenario(DEFAULT)
    assert scenario.by_year("city.ceiling_yuan")[2006] == 8_300_000
    changed = {o.key: (o.previous, o.value, o.origin) for o in scenario.overrides}
    assert changed["city.ceiling_yuan.2006"] == (20_900_000, 8_300_000, "tianjin-2006-tight-ceiling.toml")
    # Everything else is the base's.
    assert scenario.params["office_space.deadline"] == base.params["office_space.deadline"]
    assert scenario.districts.equals(base.districts)


def test_set_overrides_take_precedence_and_are_recorded():
    scenario = load_scenario(DEFAULT, ["city.ceiling_yuan.2007=30000000", "districts.hedong.capacity_yuan=9e6",
                                       "office_space.hard=false"])
    assert scenario.by_year("city.ceiling_yuan")[2007] == 30_000_000
    assert scenario.districts.loc["hedong", "capacity_yuan"] == 9e6
    assert scenario.params["office_space.hard"] is False
    keys = [(o.key, o.origin) for o in scenario.overrides]
    assert ("city.ceiling_yuan.2007", "--set") in keys
    assert ("districts.hedong.capacity_yuan", "--set") in keys


def test_with_overrides_replaces_earlier_edits_and_keeps_the_original():
    base = load_scenario(DEFAULT)
    once = base.with_overrides({"city.ceiling_yuan.2008": 1e7})
    twice = once.with_overrides({"city.ceiling_yuan.2008": 2e7})
    assert base.by_year("city.ceiling_yuan")[2008] == 33_800_000
    assert once.by_year("city.ceiling_yuan")[2008] == 1e7
    assert twice.by_year("city.ceiling_yuan")[2008] == 2e7
    assert base.sha256() != once.sha256() != twice.sha256()
    assert base.sha256() == load_scenario(DEFAULT).sha256()


def test_a_variant_and_its_flat_copy_hash_alike(workdir):
    flat = (workdir / "tianjin-2006.toml").read_text(encoding="utf-8").replace(
        "ceiling_yuan = { 2006 = 20_900_000, 2007 = 27_000_000, 2008 = 33_800_000, 2009 = 41_100_000, 2010 = 53_400_000 }",
        "ceiling_yuan = { 2006 = 8_300_000, 2007 = 10_800_000, 2008 = 13_500_000, 2009 = 16_400_000, 2010 = 21_400_000 }")
    flat = flat.replace('name = "Tianjin 2006 (default)"', 'name = "Tianjin 2006, tight ceiling (0.02 % of revenue)"')
    flat = flat.replace("The report's four commitments for 2006-2010 under a city transfer ceiling of 0.05 % of general budget revenue.",
                        "The default scenario with the city transfer ceiling cut to 0.02 % of general budget revenue.")
    (workdir / "flat.toml").write_text(flat, encoding="utf-8")
    assert load_scenario(workdir / "flat.toml").sha256() == load_scenario(
        SCENARIOS / "tianjin-2006-tight-ceiling.toml").sha256()


def test_every_problem_is_reported_at_once(workdir):
    toml = workdir / "tianjin-2006.toml"
    text = toml.read_text(encoding="utf-8")
    text = text.replace("target_share = 0.6", "target_share = 1.6")
    text = text.replace("deadline = 2008", "deadline = 2012")
    text = text.replace("[weights]", "[weights]\nbeauty = 3")
    text = text.replace("2009 = 41_100_000, ", "")
    toml.write_text(text, encoding="utf-8")
    csv_path = workdir / "tianjin-2006-districts.csv"
    rows = csv_path.read_text(encoding="utf-8").splitlines()
    rows[2] = rows[2].replace("hedong,河东区,Hedong,central,26.65,899500,138,", "hedong,河东区,Hedong,central,26.65,899500,-3,")
    csv_path.write_text("\n".join(rows) + "\n", encoding="utf-8")

    found = problems_of(lambda: load_scenario(toml))
    text = "\n".join(found)
    assert "tianjin-2006.toml: service_space.target_share: must be at most 1" in text
    assert "tianjin-2006.toml: office_space.deadline: must be a year of the horizon 2006-2010, got 2012" in text
    assert "tianjin-2006.toml: weights.beauty: is not a scenario parameter" in text
    assert "tianjin-2006.toml: city.ceiling_yuan: needs a value (yuan/year) for every year 2006-2010; missing 2009" in text
    assert "tianjin-2006-districts.csv: row 3 (hedong), column committees: must be at least 1" in text


def test_district_table_errors_name_row_and_column(workdir):
    csv_path = workdir / "tianjin-2006-districts.csv"
    rows = csv_path.read_text(encoding="utf-8").splitlines()
    rows[1] = rows[1].replace(",city,1.0,", ",metropolis,1.0,")  # heping's tier
    rows[4] = rows[4].replace("nankai,南开区,Nankai,central,29.39,992000,202,", "nankai,南开区,Nankai,central,29.39,992000,many,")
    rows.append(rows[5])  # hebei again
    csv_path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    found = "\n".join(problems_of(lambda: load_scenario(workdir / "tianjin-2006.toml")))
    assert "row 2 (heping), column min_wage_tier: must be one of city, county, got 'metropolis'" in found
    assert "row 5 (nankai), column committees: must be a number (committees), got 'many'" in found
    assert "row 20 (hebei), column id: repeats the id of row 6" in found


def test_cross_field_rules(workdir):
    csv_path = workdir / "tianjin-2006-districts.csv"
    rows = csv_path.read_text(encoding="utf-8").splitlines()
    # heping: 91 committees; claim 95 offices below standard and 600 uninsured members.
    rows[1] = rows[1].replace(",20000,14,50,", ",20000,95,50,").replace(",700,", ",700,").replace(
        ",96,", ",96,")
    fields = rows[1].split(",")
    fields[15] = "600"
    rows[1] = ",".join(fields)
    csv_path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    found = "\n".join(problems_of(lambda: load_scenario(workdir / "tianjin-2006.toml")))
    assert "row 2 (heping), column office_below_standard: must not exceed committees (91), got 95" in found
    assert "row 2 (heping), column uninsured_members: must not exceed members" in found


def test_set_errors(workdir):
    found = "\n".join(problems_of(lambda: load_scenario(
        workdir / "tianjin-2006.toml",
        ["city.ceiling_yuan.2007=1", "city.ceiling_yuan.2007=2", "districts.atlantis.capacity_yuan=1",
         "office_space.cost_yuan_per_m2=-5", "nonsense", "districts.hedong.committees=2.5"])))
    assert "--set: city.ceiling_yuan.2007: is set twice" in found
    assert "--set: districts.atlantis.capacity_yuan: names no district" in found
    assert "--set: office_space.cost_yuan_per_m2: must be at least 0" in found
    assert "--set: nonsense: must be KEY=VALUE" in found
    assert "--set: districts.hedong.committees: must be a whole number" in found


def test_a_whole_year_table_and_one_of_its_years_cannot_both_be_set():
    found = "\n".join(problems_of(lambda: load_scenario(
        DEFAULT, {"city.ceiling_yuan": {"2006": 1.0, "2007": 2.0, "2008": 3.0, "2009": 4.0, "2010": 5.0},
                  "city.ceiling_yuan.2006": 7.0})))
    assert "city.ceiling_yuan.2006: is set twice" in found


def test_variant_overrides_need_a_source(workdir):
    (workdir / "variant.toml").write_text('base = "tianjin-2006.toml"\n[office_space]\ndeadline = 2009\n',
                                          encoding="utf-8")
    found = "\n".join(problems_of(lambda: load_scenario(workdir / "variant.toml")))
    assert "variant.toml: office_space.deadline: overrides its base without a [sources] entry" in found


def test_unreadable_and_malformed_files(workdir):
    assert problems_of(lambda: load_scenario(workdir / "missing.toml")) == [
        f"{workdir / 'missing.toml'}: no such scenario file"]
    (workdir / "broken.toml").write_text("[scenario\nname = 1", encoding="utf-8")
    assert "broken.toml: is not valid TOML" in problems_of(lambda: load_scenario(workdir / "broken.toml"))[0]
    (workdir / "loop.toml").write_text('base = "loop.toml"\n', encoding="utf-8")
    assert "loops back" in problems_of(lambda: load_scenario(workdir / "loop.toml"))[0]
    (workdir / "nobase.toml").write_text('base = "gone.toml"\n', encoding="utf-8")
    assert problems_of(lambda: load_scenario(workdir / "nobase.toml")) == [
        "nobase.toml: base: cannot read scenario file 'gone.toml'"]


def test_a_failed_load_changes_nothing(workdir):
    before = {p.name: p.read_bytes() for p in workdir.iterdir()}
    with pytest.raises(ScenarioError):
        load_scenario(workdir / "tianjin-2006.toml", ["city.ceiling_yuan.2007=-1"])
    assert {p.name: p.read_bytes() for p in workdir.iterdir()} == before


def test_unit_table_errors(tmp_path):
    hand = Path(__file__).resolve().parent / "fixtures" / "hand"
    for name in ("hand.toml", "hand-districts.csv", "hand-communities.toml"):
        shutil.copy(hand / name, tmp_path / name)
    (tmp_path / "hand-communities.csv").write_text(
        (hand / "hand-communities.csv").read_text(encoding="utf-8").replace("alpha-2,alpha,", "alpha-2,gamma,")
        .replace("beta-1,beta,10000,10,5,7000,0,0,4,", "beta-1,beta,10000,10,5,7000,0,0,14,"), encoding="utf-8")
    found = "\n".join(problems_of(lambda: load_scenario(tmp_path / "hand-communities.toml")))
    assert "hand-communities.csv: row 3 (alpha-2), column district: names no district of the district table, got 'gamma'" in found
    (tmp_path / "hand-communities.csv").write_text(
        (hand / "hand-communities.csv").read_text(encoding="utf-8")
        .replace("beta-1,beta,10000,10,5,7000,0,0,4,", "beta-1,beta,10000,10,5,7000,0,0,14,"), encoding="utf-8")
    found = "\n".join(problems_of(lambda: load_scenario(tmp_path / "hand-communities.toml")))
    assert ("hand-communities.csv: row 4 (beta-1), columns service_below_renovated + service_below_new: "
            "must not exceed committees (10), got 14") in found


def test_a_variant_may_cite_one_district_cell(workdir):
    (workdir / "variant.toml").write_text(
        'base = "tianjin-2006.toml"\n[districts.hedong]\ncapacity_yuan = 9000000\n'
        '[sources]\n"districts.hedong.capacity_yuan" = "assumption: Hedong adds its land sales"\n',
        encoding="utf-8")
    scenario = load_scenario(workdir / "variant.toml")
    assert scenario.districts.loc["hedong", "capacity_yuan"] == 9_000_000
    assert scenario.uncited() == []
