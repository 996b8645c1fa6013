"""Plausibility warnings: values a real case could reach but that are more often slips.

The limits and their reasons are in the schema (:data:`~model.scenario.schema.LIMITS`,
``COLUMN_LIMITS``, ``HORIZON_LIMIT``, ``DISTRICT_ROWS_LIMIT``, ``UNIT_ROWS_LIMIT``).
Past a limit's ``error_above`` a value is refused when the scenario is loaded; between
``warn_above`` and ``error_above`` it loads, and :func:`plausibility_warnings` says so.
"""

from __future__ import annotations

import math

import numpy as np

from ..errors import Problem
from .scenario import Scenario
from .schema import (
    DISTRICT_COLUMNS,
    DISTRICT_ROWS_LIMIT,
    HORIZON_LIMIT,
    UNIT_COLUMNS,
    UNIT_ROWS_LIMIT,
    parameter_for,
)

#: At most this many rows are named per column (the count says how many more).
_ROWS_NAMED = 3


def plausibility_warnings(scenario: Scenario) -> list[Problem]:
    """Every value of ``scenario`` above its limit's ``warn_above``, as problems to show.

    Each names the file, the key or the column with the rows, the value and the
    reason for the limit. An empty list when nothing is out of the ordinary.
    """
    found: list[Problem] = []
    for key, value in sorted(scenario.params.items()):
        param = parameter_for(key)
        limit = param.limit if param is not None else None
        if limit is None or isinstance(value, bool) or not isinstance(value, (int, float)):
            continue
        if limit.warn_above < value <= limit.error_above and not math.isinf(value):
            found.append(Problem(scenario.name, key, f"is above {limit.warn_above:g} ({param.unit}), got "
                                 f"{value:g}: {limit.reason}; check it"))
    years = len(scenario.years)
    if years > HORIZON_LIMIT.warn_above:
        found.append(Problem(scenario.name, "scenario.last_year", f"makes a horizon of {years} years, more "
                             f"than {HORIZON_LIMIT.warn_above:g}: {HORIZON_LIMIT.reason}"))
    district_file = str(scenario.params.get("scenario.districts", "districts"))
    found += _table(scenario.districts, district_file, DISTRICT_COLUMNS, DISTRICT_ROWS_LIMIT, "district")
    if scenario.units is not None:
        unit_file = str(scenario.params.get("scenario.units", "units"))
        found += _table(scenario.units, unit_file, UNIT_COLUMNS, UNIT_ROWS_LIMIT, "unit")
    return found


def _table(table, file: str, columns, rows_limit, what: str) -> list[Problem]:
    found: list[Problem] = []
    if len(table) > rows_limit.warn_above:
        found.append(Problem(file, "", f"has {len(table):,} {what} rows, more than "
                             f"{rows_limit.warn_above:,.0f}: {rows_limit.reason}"))
    for column in columns:
        if column.limit is None or column.name not in table.columns:
            continue
        values = table[column.name].to_numpy(dtype=float, na_value=np.nan)
        high = np.flatnonzero(values > column.limit.warn_above)
        if not high.size:
            continue
        lines = table["_line"].to_numpy() if "_line" in table.columns else np.arange(len(table)) + 2
        named = ", ".join(f"row {lines[i]} ({table.index[i]}): {values[i]:g}" for i in high[:_ROWS_NAMED])
        more = f" and {high.size - _ROWS_NAMED} more" if high.size > _ROWS_NAMED else ""
        found.append(Problem(file, f"column {column.name}", f"is above {column.limit.warn_above:g} "
                             f"({column.unit}) in {named}{more}: {column.limit.reason}; check it"))
    return found
