"""A run's result tables as the store keeps them: typed columns, exact to the bit, turned
into the CSV text of ``budgetsim run --out`` only when they are read.

Rendering a table as CSV writes every number out in full (about a microsecond a figure):
the larger part of what recording a run cost. Kept as columns, the numbers are copied as
they are (a float64 as its eight bytes, text as codes), and the CSV a reader gets is
rendered then by the very function ``run --out`` uses (:func:`model.export.csv_text`),
from a table equal to the run's, so the text is the same, cell for cell
(``tests/test_store_tables.py``).

The stored bytes are :data:`MAGIC` and then, zlib-compressed: the header's length (4
bytes, big-endian), the header (JSON: the number of rows and, for each column, its name,
kind, length in bytes and, for text, its distinct values) and the columns one after the
other: numbers as their bytes, text as a code per row into its distinct values. A table
with a column of another kind (dates, mixed objects) is not encoded here: it is kept as
its CSV text.
"""

from __future__ import annotations

import json
import zlib
from typing import Any

import numpy as np
import pandas as pd

from ..export import district_name_maps, is_missing

#: What starts a table kept as columns; a file kept as text starts with zlib's header
#: byte (0x78), never with this.
MAGIC = b"budgetsim-columns-1\n"
#: zlib level, as :data:`model.store.records.LEVEL`.
LEVEL = 1
#: A text column's codes: little-endian 32-bit integers, -1 for a missing value.
CODES = np.dtype("<i4")
#: Rows from which a text column is coded by pandas (vectorised) rather than in Python
#: (which wins on a city run's tables of a few hundred rows).
VECTORISED_FROM = 20_000


def encode(frame: pd.DataFrame, names: dict[str, dict[Any, str]] | None = None) -> tuple[bytes, int] | None:
    """``frame`` as stored bytes and its size before compression; None when a column is of
    a kind kept only as CSV text. ``names`` (:func:`district_names`) puts the district
    names beside the ids, as :func:`~model.export.csv_text` does."""
    columns = frame.columns.tolist()  # once: pandas' text index is slow to walk
    if isinstance(frame.columns, pd.MultiIndex) or not all(isinstance(name, str) for name in columns):
        return None
    header: list[dict[str, Any]] = []
    blobs: list[bytes] = []
    district = None  # the district column's distinct ids and codes, for the names beside it
    for name, column in zip(columns, _arrays(frame)):
        kept = _column(column)
        if kept is None:
            return None
        head, blob = kept
        header.append({"name": name, **head, "bytes": len(blob)})
        blobs.append(blob)
        if name == "district" and "values" in head:
            district = head["values"], blob
    if names is not None and "district" in columns and "name_zh" not in columns:
        if district is None:  # ids that are not text: left to the CSV text, which names them
            return None
        at = columns.index("district") + 1
        ids, codes = district
        for offset, (name, by_id) in enumerate(names.items()):  # the ids' codes, with names for values
            header.insert(at + offset, {"name": name, "kind": "object", "values": [by_id.get(i) for i in ids],
                                        "bytes": len(codes)})  # an unknown id: null
            blobs.insert(at + offset, codes)
    head = json.dumps({"rows": len(frame), "columns": header}, ensure_ascii=False).encode("utf-8")
    payload = b"".join([len(head).to_bytes(4, "big"), head, *blobs])
    return MAGIC + zlib.compress(payload, LEVEL), len(payload)


def district_names(districts: pd.DataFrame) -> dict[str, dict[Any, str]] | None:
    """:func:`~model.export.district_name_maps`, or None when a name is not text (such a
    table is kept as its CSV text)."""
    names = district_name_maps(districts)
    if not all(isinstance(v, str) for by_id in names.values() for v in by_id.values()):
        return None
    return names


def is_columns(data: bytes) -> bool:
    """Whether stored bytes are a table kept by :func:`encode`."""
    return data[:len(MAGIC)] == MAGIC


def decode(data: bytes) -> pd.DataFrame:
    """The table :func:`encode` kept (its names, kinds, every value)."""
    payload = zlib.decompress(data[len(MAGIC):])
    size = int.from_bytes(payload[:4], "big")
    head = json.loads(payload[4:4 + size].decode("utf-8"))
    at = 4 + size
    values: dict[int, Any] = {}
    for j, column in enumerate(head["columns"]):
        blob = payload[at:at + column["bytes"]]
        at += column["bytes"]
        kind = column["kind"]
        if kind in ("str", "object"):
            distinct = np.array(column["values"] + [None], dtype=object)  # code -1: missing
            texts = distinct[np.frombuffer(blob, dtype=CODES)]
            values[j] = pd.Series(texts, dtype="str" if kind == "str" else object)  # object stays object
        else:
            values[j] = pd.Series(np.frombuffer(blob, dtype=np.dtype(kind)).copy())
    frame = pd.DataFrame(values, index=pd.RangeIndex(head["rows"]))
    frame.columns = [c["name"] for c in head["columns"]]
    return frame


def _arrays(frame: pd.DataFrame) -> list:
    """The frame's columns as arrays (numpy or pandas' own), in order. pandas' internal
    iterator hands them over without making a Series of each (a twentieth of the time on a
    run's small tables); a pandas without it gets them through ``items()``."""
    iterate = getattr(frame, "_iter_column_arrays", None)
    if iterate is not None:
        return list(iterate())
    return [column.array for _, column in frame.items()]


def _column(values) -> tuple[dict[str, Any], bytes] | None:
    """(header, bytes) of one column: numbers and booleans by their numpy type (the type's
    own byte order); text (pandas' ``str``, or objects that are all text or missing) as
    its distinct values in the header and a code for each row (-1: missing): a district
    id repeats over hundreds of rows."""
    dtype = values.dtype
    if isinstance(dtype, np.dtype) and dtype.kind in "fiub":
        return {"kind": dtype.str}, np.ascontiguousarray(values).tobytes()
    if len(values) > VECTORISED_FROM and (isinstance(dtype, pd.StringDtype) or dtype == object):
        kind = "str" if isinstance(dtype, pd.StringDtype) else "object"
        if kind == "object" and pd.api.types.infer_dtype(values, skipna=True) not in ("string", "empty"):
            return None
        codes, distinct = pd.factorize(values, use_na_sentinel=True)  # a national table's millions of rows
        return {"kind": kind, "values": [str(v) for v in distinct]}, codes.astype(CODES).tobytes()
    if isinstance(dtype, pd.StringDtype):  # text or missing, nothing else
        kind, texts = "str", values.to_numpy(dtype=object, na_value=None).tolist()
    elif dtype == object:
        kind, texts = "object", [None if is_missing(v) else v for v in np.asarray(values).tolist()]
        if not all(v is None or isinstance(v, str) for v in texts):
            return None
    else:
        return None
    distinct: dict[str, int] = {}
    codes = [-1 if v is None else distinct.setdefault(v, len(distinct)) for v in texts]
    return {"kind": kind, "values": [str(v) for v in distinct]}, np.array(codes, dtype=CODES).tobytes()
