"""Downloads built in memory: a table as CSV, tables as one Excel workbook, files as a zip.

Every builder returns bytes that read back to the same values (tested in
``tests/test_export.py``); nothing here touches the disk.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Mapping

import pandas as pd

#: CSV files start with a byte-order mark so that spreadsheet programs read the
#: Chinese district names as UTF-8; ``pd.read_csv(..., encoding="utf-8-sig")`` reads them.
CSV_ENCODING = "utf-8-sig"
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """One table as CSV (UTF-8 with byte-order mark, no index, full precision).

    Parameters
    ----------
    frame : DataFrame
        The table; its column names (with their units) become the header.

    Returns
    -------
    bytes
    """
    return frame.to_csv(index=False, lineterminator="\n").encode(CSV_ENCODING)


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
        gives the same tables back.
    """
    if not tables:
        raise ValueError("a workbook needs at least one table")
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        for sheet, frame in zip(sheet_names(list(tables)), tables.values()):
            frame.to_excel(writer, sheet_name=sheet, index=False)
            worksheet = writer.sheets[sheet]
            worksheet.freeze_panes = "A2"
            for i, column in enumerate(frame.columns, start=1):
                width = max([len(str(column))] + [len(str(v)) for v in frame[column].head(200)])
                worksheet.column_dimensions[worksheet.cell(1, i).column_letter].width = min(width + 2, 60)
    return buffer.getvalue()


def zip_bytes(files: Mapping[str, str]) -> bytes:
    """Text files (UTF-8) as one zip archive, by file name."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, text in files.items():
            archive.writestr(name, text.encode("utf-8"))
    return buffer.getvalue()
