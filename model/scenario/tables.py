"""District and unit tables after parsing: values set by key (``districts.<id>.<column>``)
applied and checked like cells, and columns given their types."""

from __future__ import annotations

from typing import Any

import pandas as pd

from ..errors import Problem
from .keys import Override, jsonable
from .schema import DISTRICT_COLUMNS_BY_NAME
from .validation import check_cell_number, parse_cell


def apply_district_overrides(districts: pd.DataFrame, overrides: list[tuple[str, str, Any, str]]
                             ) -> tuple[pd.DataFrame, list[Problem], list[Override]]:
    """The district table with ``(id, column, value, origin)`` overrides applied, each checked
    like a cell of the CSV; the problems, and the changes as :class:`Override` records."""
    problems: list[Problem] = []
    changes: list[Override] = []
    table = districts.copy()
    for d_id, column_name, value, origin in overrides:
        key = f"districts.{d_id}.{column_name}"
        if d_id not in table.index:
            problems.append(Problem(origin, key, f"names no district; known ids: {', '.join(table.index)}"))
            continue
        column = DISTRICT_COLUMNS_BY_NAME[column_name]
        if column.kind in ("str", "choice"):
            if not isinstance(value, str):
                problems.append(Problem(origin, key, f"must be text, got {value!r}"))
                continue
            value, rule = parse_cell(column, value)
        else:
            value, rule = check_cell_number(column, value)
        if rule:
            problems.append(Problem(origin, key, rule))
            continue
        previous = table.at[d_id, column_name]
        changes.append(Override(key, value, jsonable(previous), origin))
        if column.kind == "int":
            table[column_name] = table[column_name].astype("int64")
        table.at[d_id, column_name] = value
    return table, problems, changes


def typed(table: pd.DataFrame, columns) -> pd.DataFrame:
    """Typed columns, with absent optional ones added (a blank ``min_own_share`` or
    ``need_weight`` stays NaN: the row follows its default)."""
    table = table.copy()
    for column in columns:
        if column.required and table[column.name].isna().all():
            # Parsing accepted a missing required column only for the committee
            # data, which the unit table supplies instead.
            table = table.drop(columns=[column.name])
            continue
        if column.kind == "int":
            table[column.name] = table[column.name].astype("int64")
        elif column.kind == "float":
            table[column.name] = pd.to_numeric(table[column.name]).astype("float64")
        else:
            table[column.name] = table[column.name].fillna("")
    return table
