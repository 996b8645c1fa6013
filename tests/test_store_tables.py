"""A run's tables kept as typed columns (model/store/tables.py) read back as the very CSV
text `run --out` writes, and the lean CSV writer (model.export.csv_text) writes what
pandas' writer does, on the runs' own tables and on random tables (Hypothesis)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from model import load_scenario, solve
from model.export import csv_text, safe_table, with_district_names
from model.io import SCENARIO_DIR, render_result
from model.store import records, tables


def pandas_csv(frame: pd.DataFrame, districts: pd.DataFrame | None = None) -> str:
    """The reference: what pandas writes for the table with its names, formula text neutralised."""
    named = with_district_names(frame, districts) if districts is not None else frame
    return safe_table(named).to_csv(index=False, lineterminator="\n")


def kept_and_read(frame: pd.DataFrame, districts: pd.DataFrame | None = None) -> str:
    names = tables.district_names(districts) if districts is not None else None
    kept = tables.encode(frame, names)
    assert kept is not None and tables.is_columns(kept[0])
    return records.read_file(kept[0])


@pytest.fixture(scope="module")
def diagnosed():
    """A run whose hard targets are not all met: its unmet_hard table has rows."""
    scenario = load_scenario(SCENARIO_DIR / "tianjin-2006-tight-ceiling.toml")
    return scenario, solve(scenario)


def test_every_table_of_a_run_reads_back_as_the_text_run_out_writes(default_scenario, default_result, diagnosed):
    for scenario, result in ((default_scenario, default_result), diagnosed):
        written = render_result(result, districts=scenario.districts)
        summary, packed = records.run_files(result, districts=scenario.districts)
        assert [f["name"] for f in packed] == list(written)
        for file in packed:
            if file["name"] != "summary.json":
                assert tables.is_columns(file["data"]), file["name"]  # no table fell back to text
            assert records.read_file(file["data"]) == written[file["name"]], file["name"]
        for name, frame in result.tables().items():
            assert csv_text(frame, scenario.districts) == pandas_csv(frame, scenario.districts), name
    assert len(diagnosed[1].unmet_hard) > 0


def test_kept_columns_are_the_values_to_the_bit():
    frame = pd.DataFrame({
        "district": pd.array(["heping", None, "=cmd()", "a,b"], dtype="str"),
        "year": np.array([2007, 2008, -1, 2**40], dtype=np.int64),
        "yuan": [0.1 + 0.2, math.nan, -0.0, 1e300],
        "share": np.array([0.5, 1.5, 2.5, 3.5], dtype=np.float32),
        "met": [True, False, True, False],
        "note": pd.Series(["", None, "line\r\nbreak", "河东"], dtype=object),
    })
    back = tables.decode(tables.encode(frame)[0])
    assert list(back.columns) == list(frame.columns)
    assert [str(t) for t in back.dtypes] == [str(t) for t in frame.dtypes]
    for name in ("year", "yuan", "share", "met"):
        assert back[name].to_numpy().tobytes() == frame[name].to_numpy().tobytes(), name  # -0.0 and NaN too
    assert back["district"].tolist()[0] == "heping" and pd.isna(back["district"][1])
    assert back["note"].tolist() == ["", None, "line\r\nbreak", "河东"]
    assert csv_text(back) == pandas_csv(frame)
    assert pandas_csv(frame).splitlines()[3].startswith("'=cmd()")  # formula text neutralised in the CSV


def test_a_table_with_another_kind_of_column_is_kept_as_csv_text():
    frame = pd.DataFrame({"when": pd.to_datetime(["2026-12-06", "2027-01-01"]), "yuan": [1.0, 2.0]})
    assert tables.encode(frame) is None
    mixed = pd.DataFrame({"value": ["text", 3]}, dtype=object)
    assert tables.encode(mixed) is None


def test_district_names_beside_the_ids_and_the_city(default_scenario):
    frame = pd.DataFrame({"district": ["heping", "city", "nowhere"], "yuan": [1.0, 2.0, 3.0]})
    text = kept_and_read(frame, default_scenario.districts)
    assert text == pandas_csv(frame, default_scenario.districts) == csv_text(frame, default_scenario.districts)
    assert text.splitlines()[1:] == ["heping,和平区,Heping,1.0", "city,全市,City,2.0", "nowhere,,,3.0"]


# --- random tables -----------------------------------------------------------------------
TEXT = st.one_of(st.text(max_size=8), st.sampled_from(["=1+2", "+x", "-5", "@a", "a\rb", "a\r\nb", '"q"', "a,b",
                                                        "-12%", "\t=", "全市", ""]))
FLOATS = st.floats(allow_nan=True, allow_infinity=True, width=64)


@st.composite
def random_tables(draw):
    rows = draw(st.integers(0, 6))
    columns = {}
    for j in range(draw(st.integers(1, 5))):
        kind = draw(st.sampled_from(["float", "int", "bool", "str", "object"]))
        name = draw(st.one_of(st.sampled_from(["district", "yuan", "=sum(A1)", "a,b", "year"]), st.text(max_size=5)))
        name = f"{name}" if name not in columns else f"{name}{j}"
        if kind == "float":
            columns[name] = np.array(draw(st.lists(FLOATS, min_size=rows, max_size=rows)), dtype=float)
        elif kind == "int":
            columns[name] = np.array(draw(st.lists(st.integers(-2**62, 2**62), min_size=rows, max_size=rows)),
                                     dtype=np.int64)
        elif kind == "bool":
            columns[name] = np.array(draw(st.lists(st.booleans(), min_size=rows, max_size=rows)), dtype=bool)
        else:
            values = draw(st.lists(st.one_of(TEXT, st.none()), min_size=rows, max_size=rows))
            columns[name] = pd.array(values, dtype="str") if kind == "str" else pd.Series(values, dtype=object)
    return pd.DataFrame(columns)


@given(random_tables())
def test_random_tables_are_written_as_pandas_writes_them_and_kept_exactly(frame):
    reference = pandas_csv(frame)
    assert csv_text(frame) == reference
    assert kept_and_read(frame) == reference


IDS = st.sampled_from(["heping", "hexi", "city", "elsewhere"])


@given(random_tables(), st.data())
def test_random_tables_with_district_ids_get_the_same_names(default_scenario, frame, data):
    ids = data.draw(st.lists(IDS, min_size=len(frame), max_size=len(frame)))
    frame = frame.drop(columns=[c for c in ("district", "name_zh") if c in frame.columns])
    frame.insert(data.draw(st.integers(0, frame.shape[1])), "district", pd.array(ids, dtype="str"))
    reference = pandas_csv(frame, default_scenario.districts)
    assert csv_text(frame, default_scenario.districts) == reference
    assert kept_and_read(frame, default_scenario.districts) == reference


def test_tables_longer_than_a_slice_of_rows_are_written_as_pandas_writes_them(monkeypatch, default_scenario,
                                                                              default_result):
    """csv_text turns a slice of rows at a time into cells (a national allocation all at once
    took 3 GB): slices of 7 rows give the same text as one pass, names beside the ids."""
    from model import export

    monkeypatch.setattr(export, "CSV_CHUNK_ROWS", 7)
    for name, frame in default_result.tables().items():
        assert csv_text(frame, default_scenario.districts) == pandas_csv(frame, default_scenario.districts), name
    assert max(len(frame) for frame in default_result.tables().values()) > 3 * 7
