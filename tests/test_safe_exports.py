"""Safe exports: text a spreadsheet would run as a formula never reaches one as a formula
(OWASP CSV injection), in CSV files, Excel workbooks, the CLI's --out and the app's downloads."""

from __future__ import annotations

import csv
import io
import shutil

import openpyxl
import pandas as pd
import pytest

from model import load_scenario, solve
from model.cli import main
from model.export import (
    csv_bytes,
    excel_bytes,
    is_formula_text,
    neutralise,
    safe_table,
    unneutralise,
    with_district_names,
)
from model.scenario.text import scenario_to_files
from model.scenario import load_scenario_texts

from .conftest import FIXTURES

#: Names an attacker might give a district (the issue's and OWASP's examples).
EVIL = ["=1+2", '=HYPERLINK("http://x","y")', "+SUM(A1:A9)", "-2+3", "@SUM(A1)", "\t=1", "\r=1",
        "=cmd|' /C calc'!A0"]


@pytest.mark.parametrize("text", EVIL + ["-x"])
def test_formula_text_is_recognised(text):
    assert is_formula_text(text)
    assert neutralise(text) == "'" + text
    assert unneutralise("'" + text) == text


@pytest.mark.parametrize("value", ["-5", "+1.5e6", "-12%", "-.5", "Heping", "河东区", "", "a=b", 7, -3.0, None])
def test_numbers_and_plain_text_are_left_alone(value):
    assert not is_formula_text(value)
    assert neutralise(value) == value


def test_safe_table_neutralises_cells_and_headers_but_not_numbers():
    frame = pd.DataFrame({"=h": ["=1+2", "ok", "-7"], "v": [-1.0, 2.0, 3.0]})
    safe = safe_table(frame)
    assert list(safe.columns) == ["'=h", "v"]
    assert safe["'=h"].tolist() == ["'=1+2", "ok", "-7"]
    assert safe["v"].tolist() == [-1.0, 2.0, 3.0]
    assert frame.columns[0] == "=h" and frame.iloc[0, 0] == "=1+2"  # the input is unchanged
    plain = pd.DataFrame({"a": ["x"], "b": [1]})
    assert safe_table(plain) is plain


def test_csv_download_prefixes_formula_text():
    frame = pd.DataFrame({"district": EVIL, "yuan": [-1.5] * len(EVIL)})
    back = pd.read_csv(io.BytesIO(csv_bytes(frame)), encoding="utf-8-sig", keep_default_na=False)
    # A carriage return in text is written as a line feed: CSV quotes that, not a bare CR.
    assert back["district"].tolist() == ["'" + e.replace("\r", "\n") for e in EVIL]
    assert back["yuan"].tolist() == [-1.5] * len(EVIL)


def _workbook_cells(data: bytes):
    book = openpyxl.load_workbook(io.BytesIO(data))
    return [cell for sheet in book for row in sheet.iter_rows() for cell in row]


def test_excel_download_has_no_formula_cell_and_keeps_the_text():
    frame = pd.DataFrame({"district": EVIL, "yuan": range(len(EVIL))})
    cells = _workbook_cells(excel_bytes({"t": frame, "h": pd.DataFrame({"=x": ["+1+1"]})}))
    assert [c for c in cells if c.data_type == "f"] == []
    texts = {c.value: c for c in cells if isinstance(c.value, str)}
    for name in EVIL + ["=x", "+1+1"]:
        cell = texts[name.replace("\r", "\n")]  # the xlsx format stores a CR as a line feed
        assert cell.data_type == "s" and cell.quotePrefix, name
    assert not texts["district"].quotePrefix


@pytest.fixture
def evil_scenario(tmp_path):
    """The hand-solved scenario with districts named like formulas."""
    for path in (FIXTURES / "hand").iterdir():
        shutil.copy(path, tmp_path / path.name)
    table = pd.read_csv(tmp_path / "hand-districts.csv", dtype=str, keep_default_na=False)
    table["name_zh"] = ["=1+2", "@SUM(A1)"]
    table["name_en"] = ['=HYPERLINK("http://x","y")', "-2+3"]
    table.to_csv(tmp_path / "hand-districts.csv", index=False)
    return tmp_path / "hand.toml"


def _csv_cells(path):
    with open(path, encoding="utf-8-sig", newline="") as f:
        return [cell for row in csv.reader(f) for cell in row]


def test_cli_out_tables_carry_names_and_no_formula_text(evil_scenario, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["run", str(evil_scenario), "--out", str(out)]) == 0
    allocation = pd.read_csv(out / "allocation.csv", keep_default_na=False)
    assert list(allocation.columns[:3]) == ["district", "name_zh", "name_en"]
    names = dict(zip(allocation["district"], allocation["name_en"]))
    assert names == {"alpha": "'=HYPERLINK(\"http://x\",\"y\")", "beta": "'-2+3"}
    compliance = pd.read_csv(out / "compliance.csv", keep_default_na=False)
    assert set(compliance.loc[compliance.district == "city", "name_en"]) == {"City"}
    written = sorted(out.glob("*.csv"))
    assert len(written) >= 4
    for path in written:
        bad = [c for c in _csv_cells(path) if is_formula_text(c)]
        assert bad == [], path.name


def test_cli_compare_tables_carry_names(evil_scenario, tmp_path, capsys):
    out = tmp_path / "cmp"
    assert main(["compare", str(evil_scenario), "--out", str(out)]) == 0
    changes = pd.read_csv(out / "district_changes.csv", keep_default_na=False)
    assert set(changes["name_zh"]) == {"'=1+2", "'@SUM(A1)"}
    for path in out.glob("*.csv"):
        assert [c for c in _csv_cells(path) if is_formula_text(c)] == [], path.name


def test_app_downloads_of_a_result_hold_no_formula(evil_scenario):
    scenario = load_scenario(evil_scenario)
    result = solve(scenario)
    downloads = {name: with_district_names(frame, scenario.districts) for name, frame in result.tables().items()}
    cells = _workbook_cells(excel_bytes(downloads))
    assert [c.coordinate for c in cells if c.data_type == "f"] == []
    assert {c.value for c in cells if c.quotePrefix} >= {"=1+2", "@SUM(A1)", '=HYPERLINK("http://x","y")', "-2+3"}
    back = pd.read_csv(io.BytesIO(csv_bytes(downloads["allocation"])), encoding="utf-8-sig")
    assert set(back["name_zh"]) == {"'=1+2", "'@SUM(A1)"}


def test_scenario_download_neutralises_names_and_loads_back_the_same(evil_scenario):
    scenario = load_scenario(evil_scenario)
    files = scenario_to_files(scenario, "evil")
    rows = list(csv.DictReader(io.StringIO(files["evil-districts.csv"])))
    assert [r["name_zh"] for r in rows] == ["'=1+2", "'@SUM(A1)"]
    back = load_scenario_texts("evil.toml", files.__getitem__)
    assert back.districts["name_zh"].tolist() == ["=1+2", "@SUM(A1)"]
    assert back.districts["name_en"].tolist() == ['=HYPERLINK("http://x","y")', "-2+3"]
