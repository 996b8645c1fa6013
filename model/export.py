"""Downloads built in memory: a table as CSV, tables as one Excel workbook, files as a zip.

Every builder returns bytes that read back to the same values (tested in
``tests/test_export.py``); nothing here touches the disk. Text that a spreadsheet
would run as a formula (a district named ``=1+2``) never reaches one as a formula:
in CSV it is prefixed with ``'`` (OWASP's CSV-injection guidance), in Excel it is
stored as a text cell with Excel's own quote prefix (:func:`safe_table`).
"""

from __future__ import annotations

import csv
import io
import math
import re
import zipfile
from collections.abc import Mapping

import numpy as np
import pandas as pd

#: CSV files start with a byte-order mark so that spreadsheet programs read the
#: Chinese district names as UTF-8; ``pd.read_csv(..., encoding="utf-8-sig")`` reads them.
CSV_ENCODING = "utf-8-sig"
#: Rows turned into CSV cells at a time (see :func:`csv_text`).
CSV_CHUNK_ROWS = 100_000
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
#: First characters that make a spreadsheet read a text cell as a formula (OWASP:
#: ``=``, ``+``, ``-``, ``@``, tab, carriage return).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: Text that is a plain number (``-5``, ``+1.5e6``, ``-12%``): a spreadsheet reads it as
#: that number, not as a formula, so it is left as it is.
_NUMBER_TEXT = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?%?")


def is_formula_text(value: object) -> bool:
    """Whether ``value`` is text a spreadsheet would run as a formula."""
    return (isinstance(value, str) and value[:1] in FORMULA_STARTS
            and _NUMBER_TEXT.fullmatch(value) is None)


def neutralise(value: object) -> object:
    """``value`` with a leading ``'`` if it is formula text (see :func:`is_formula_text`)."""
    return "'" + value if is_formula_text(value) else value


def unneutralise(text: str) -> str:
    """The text :func:`neutralise` was given: drops the ``'`` it adds (for files read back)."""
    return text[1:] if text[:1] == "'" and is_formula_text(text[1:]) else text


def _safe_text(value: object) -> object:
    """One cell: neutralised, and a carriage return inside text written as a line feed
    (CSV quotes a cell with a line feed, not one with a bare CR, which readers split)."""
    value = neutralise(value)
    return value.replace("\r\n", "\n").replace("\r", "\n") if isinstance(value, str) else value


def _needs_care(value: object) -> bool:
    return is_formula_text(value) or (isinstance(value, str) and "\r" in value)


def _distinct(column: pd.Series) -> list:
    """The column's distinct values; every value when some cannot be hashed (a dict)."""
    try:
        return list(column.unique())
    except TypeError:
        return list(column)


def safe_table(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with every formula text cell and column name neutralised (numbers untouched).

    Returns ``frame`` itself when nothing needs changing.
    """
    columns = [c for c, dtype in frame.dtypes.items() if dtype == object or isinstance(dtype, pd.StringDtype)]
    # Each distinct text once: id and name columns repeat a few values over many rows
    # (1,380 communities over a 34,500-row allocation).
    distinct = {c: _distinct(frame[c]) for c in columns}
    changed = [c for c in columns if any(_needs_care(v) for v in distinct[c])]
    header = [_safe_text(c) for c in frame.columns]
    if not changed and header == list(frame.columns):
        return frame
    out = frame.copy()
    for column in changed:
        safe = {v: _safe_text(v) for v in distinct[column] if _needs_care(v)}  # text: hashable
        out[column] = out[column].map(lambda v, safe=safe: safe.get(v, v) if isinstance(v, str) else v)
    out.columns = header
    return out


#: What ``"city"`` rows (the whole city) are called, by name column.
CITY_NAMES = {"name_zh": "全市", "name_en": "City"}


def district_name_maps(districts: pd.DataFrame) -> dict[str, dict]:
    """``{name column: {district id: name}}`` for the two name columns put beside the ids
    (:func:`with_district_names`), ``"city"`` rows named 全市 / City."""
    return {column: districts[column].to_dict() | {"city": city} for column, city in CITY_NAMES.items()}


def with_district_names(frame: pd.DataFrame, districts: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with the district names (Chinese, pinyin) beside its ``district`` ids.

    Analysts read names, not ids; ``"city"`` rows are named 全市 / City. A table
    without a ``district`` column, or that already has the names, is returned as it is.
    """
    if "district" not in frame.columns or "name_zh" in frame.columns:
        return frame
    ids = frame["district"].tolist()
    position = list(frame.columns).index("district") + 1
    out = frame.copy(deep=False)  # the caller's frame is left as it was; its columns are not copied
    for offset, (column, names) in enumerate(district_name_maps(districts).items()):
        out.insert(position + offset, column, [names.get(i, math.nan) for i in ids])
    return out


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """One table as CSV (UTF-8 with byte-order mark, no index, full precision).

    Parameters
    ----------
    frame : DataFrame
        The table; its column names (with their units) become the header.

    Returns
    -------
    bytes
        Formula text is prefixed with ``'`` (:func:`safe_table`).
    """
    return csv_text(frame).encode(CSV_ENCODING)


def csv_text(frame: pd.DataFrame, districts: pd.DataFrame | None = None) -> str:
    """One table as CSV text as written to files (no byte-order mark; see :func:`csv_bytes`),
    with the district names beside its ids when ``districts`` is given.

    The text is what ``safe_table(with_district_names(frame, districts)).to_csv(index=False,
    lineterminator="\\n")`` writes, cell for cell (``tests/test_export.py`` compares the two
    on random tables), but built column by column with the standard library's csv writer:
    pandas' own writer costs a few milliseconds a table whatever its size, and every
    recorded run renders eight small tables. Tables with other kinds of columns (dates,
    nullable integers) are written by pandas.
    """
    if not _plain(frame):
        named = with_district_names(frame, districts) if districts is not None else frame
        return safe_table(named).to_csv(index=False, lineterminator="\n")
    header = [_safe_text(c) for c in frame.columns]
    names = {}
    if districts is not None and "district" in frame.columns and "name_zh" not in frame.columns:
        at = list(frame.columns).index("district") + 1
        names = district_name_maps(districts)
        header[at:at] = list(names)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")  # pandas' dialect: excel, minimal quoting
    writer.writerow(header)
    # A slice of rows at a time: a national allocation (3 million rows) as Python cells
    # all at once took 3 GB beside its text.
    for start in range(0, len(frame), CSV_CHUNK_ROWS):
        part = frame.iloc[start:start + CSV_CHUNK_ROWS]
        columns = [_csv_cells(part.iloc[:, j]) for j in range(part.shape[1])]
        if names:
            ids = part["district"].tolist()
            columns[at:at] = [[_object_cell(of.get(i)) for i in ids] for of in names.values()]  # unknown id: empty
        writer.writerows(zip(*columns))
    return buffer.getvalue()


def _plain(frame: pd.DataFrame) -> bool:
    """Whether :func:`csv_text` writes ``frame`` itself: text column names, and columns of
    numpy numbers, booleans, text or objects."""
    return (frame.shape[1] > 0 and not isinstance(frame.columns, pd.MultiIndex)
            and all(isinstance(c, str) for c in frame.columns)
            and all(isinstance(t, pd.StringDtype) or (isinstance(t, np.dtype) and t.kind in "fiubO")
                    for t in frame.dtypes))


def _csv_cells(column: pd.Series) -> list:
    """One column's cells as pandas hands them to the csv writer (``get_values_for_csv``
    with ``na_rep=""``): floats by numpy's shortest round-trip text, a missing value as an
    empty cell, anything else as itself; text neutralised (:func:`safe_table`)."""
    values = column.to_numpy()
    if values.dtype.kind == "f":
        cells = values.astype(str)
        cells[np.isnan(values)] = ""
        return cells.tolist()
    if values.dtype.kind in "iub":
        return values.tolist()
    return [_object_cell(v) for v in values.tolist()]


def _object_cell(value: object) -> object:
    """A cell of a text (or object) column: missing as empty, formula text neutralised."""
    if isinstance(value, str):
        return _safe_text(value) if _needs_care(value) else value
    return "" if is_missing(value) else value


def is_missing(value: object) -> bool:
    """Whether a cell is missing as pandas' ``isna`` sees one (None, NaN, pd.NA, NaT): an
    empty cell in CSV."""
    return pd.api.types.is_scalar(value) and bool(pd.isna(value))


def sheet_names(names: list[str]) -> list[str]:
    """Excel sheet names for ``names``: at most 31 characters, none of ``[]:*?/\\``,
    unique (case-insensitively, as Excel compares them)."""
    out: list[str] = []
    seen: set[str] = set()
    for name in names:
        base = _SHEET_FORBIDDEN.sub("_", str(name)).strip("'")[:31] or "sheet"
        candidate, n = base, 2
        while candidate.lower() in seen:
            suffix = f" ({n})"
            candidate = base[:31 - len(suffix)] + suffix
            n += 1
        seen.add(candidate.lower())
        out.append(candidate)
    return out


def excel_bytes(tables: Mapping[str, pd.DataFrame]) -> bytes:
    """Tables as one Excel workbook, a sheet per table in the given order.

    Parameters
    ----------
    tables : mapping of str to DataFrame
        Sheet name to table (names are made valid with :func:`sheet_names`).

    Returns
    -------
    bytes
        An ``.xlsx`` file; ``pd.read_excel(io.BytesIO(data), sheet_name=None)``
        gives the same tables back. Formula text stays as written but in a text
        cell with Excel's quote prefix, so no cell of the workbook is a formula.
    """
    if not tables:
        raise ValueError("a workbook needs at least one table")
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        for sheet, frame in zip(sheet_names(list(tables)), tables.values()):
            frame.to_excel(writer, sheet_name=sheet, index=False)
            worksheet = writer.sheets[sheet]
            worksheet.freeze_panes = "A2"
            _as_text_cells(worksheet, frame)
            for i, column in enumerate(frame.columns, start=1):
                width = max([len(str(column))] + [len(str(v)) for v in frame[column].head(200)])
                worksheet.column_dimensions[worksheet.cell(1, i).column_letter].width = min(width + 2, 60)
    return buffer.getvalue()


def _as_text_cells(worksheet, frame: pd.DataFrame) -> None:
    """Turn the cells openpyxl made formulas (text starting with ``=``), and all other
    formula-like text, into quote-prefixed text cells, as Excel stores a typed ``'=1+2``."""
    header = worksheet[1]
    for cell in header:
        if is_formula_text(cell.value):
            cell.data_type, cell.quotePrefix = "s", True
    for j, column in enumerate(frame.columns, start=1):
        values = frame[column]
        if not (values.dtype == object or isinstance(values.dtype, pd.StringDtype)):
            continue
        flagged = values.map(is_formula_text).to_numpy()
        for i in flagged.nonzero()[0]:
            cell = worksheet.cell(int(i) + 2, j)
            cell.data_type, cell.quotePrefix = "s", True


def zip_bytes(files: Mapping[str, str]) -> bytes:
    """Text files (UTF-8) as one zip archive, by file name."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, text in files.items():
            archive.writestr(name, text.encode("utf-8"))
    return buffer.getvalue()
