"""Download builders: the bytes read back to the same values."""

from __future__ import annotations

import io
import zipfile

import pandas as pd
import pytest

from model.export import csv_bytes, excel_bytes, sheet_names, zip_bytes


def test_csv_bytes_read_back_to_the_same_table(default_result):
    table = default_result.allocation
    back = pd.read_csv(io.BytesIO(csv_bytes(table)), encoding="utf-8-sig")
    pd.testing.assert_frame_equal(back, table, check_dtype=False)


def test_csv_keeps_chinese_names_with_a_byte_order_mark():
    table = pd.DataFrame({"district": ["hedong"], "name_zh": ["河东区"], "yuan": [1234567.891]})
    data = csv_bytes(table)
    assert data.startswith(b"\xef\xbb\xbf")
    back = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig")
    assert back.loc[0, "name_zh"] == "河东区"
    assert back.loc[0, "yuan"] == 1234567.891


def test_excel_workbook_has_a_sheet_per_table_with_the_same_values(default_result):
    tables = default_result.tables()
    data = excel_bytes(tables)
    back = pd.read_excel(io.BytesIO(data), sheet_name=None)
    assert list(back) == list(tables)
    for name, frame in tables.items():
        if frame.empty:
            assert back[name].empty and list(back[name].columns) == list(frame.columns)
            continue
        pd.testing.assert_frame_equal(back[name], frame.reset_index(drop=True), check_dtype=False)


def test_sheet_names_are_valid_and_unique():
    names = sheet_names(["a/b", "x" * 40, "x" * 40, "Money", "money"])
    assert names[0] == "a_b"
    assert all(len(n) <= 31 for n in names)
    assert len({n.lower() for n in names}) == len(names)


def test_an_empty_workbook_is_refused():
    with pytest.raises(ValueError):
        excel_bytes({})


def test_zip_bytes_hold_the_files():
    data = zip_bytes({"a.toml": "x = 1\n", "b.csv": "id\n河东\n"})
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.read("b.csv").decode("utf-8") == "id\n河东\n"
        assert sorted(archive.namelist()) == ["a.toml", "b.csv"]
