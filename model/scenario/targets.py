"""The numbers a key names in a scenario: what a batch or a Monte Carlo table may vary.

:func:`resolve` turns a dotted key (a parameter, a year of a table, a district value,
or a whole table or district column) into :class:`Target` numbers, or the problem
with it. It reads only a scenario's ``params``, ``districts`` and ``units``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import Problem
from .schema import (
    DISTRICT_COLUMNS_BY_NAME,
    UNIT_DATA_COLUMNS,
    Column,
    Param,
    parameter_for,
)


@dataclass(frozen=True)
class Target:
    """One number a batch may vary: a parameter (a year of a table) or a district value."""

    key: str
    param: Param | None = None
    column: Column | None = None
    district: str | None = None

    @property
    def integer(self) -> bool:
        kind = self.param.kind if self.param is not None else self.column.kind
        return kind in ("int", "year")

    @property
    def bounds(self) -> tuple[float, float]:
        source = self.param if self.param is not None else self.column
        low = -np.inf if source.minimum is None else float(source.minimum)
        high = np.inf if source.maximum is None else float(source.maximum)
        return low, high

    def value_in(self, scenario: Any) -> float:
        if self.param is not None:
            return float(scenario.params[self.key])
        return float(scenario.districts.at[self.district, self.column.name])


def resolve(key: str, scenario: Any, origin: str, expand: bool = True) -> tuple[list[Target], list[Problem]]:
    """The numbers ``key`` names in ``scenario``.

    ``key`` is a numeric parameter (``office_space.cost_growth``), a year of a
    table (``city.ceiling_yuan.2007``), a district value
    (``districts.hedong.capacity_yuan``), or -- with ``expand`` -- a whole table
    (``wages.average_wage_yuan``: every year it gives) or a district column
    (``districts.capacity_yuan``: every district).
    """
    def problem(rule: str) -> tuple[list[Target], list[Problem]]:
        return [], [Problem(origin, key, rule)]

    parts = key.split(".")
    if parts[0] == "districts" and len(parts) in (2, 3) and parameter_for(key) is None:
        column_name = parts[-1]
        column = DISTRICT_COLUMNS_BY_NAME.get(column_name)
        if column is None or column.kind not in ("int", "float"):
            return problem("is not a numeric district column (see docs/scenario-format.md, District table)")
        if scenario.units is not None and column_name in UNIT_DATA_COLUMNS:
            return problem(f"is committee data, which this scenario holds per community in its unit "
                           f"table; vary a district value ({', '.join(_district_level_columns())})")
        if len(parts) == 2:
            if not expand:
                return problem("names a whole column; name one district: districts.<id>." + column_name)
            ids = list(scenario.districts.index)
        else:
            if parts[1] not in scenario.districts.index:
                return problem(f"names no district; known ids: {', '.join(scenario.districts.index)}")
            ids = [parts[1]]
        return [Target(f"districts.{d}.{column_name}", column=column, district=d) for d in ids], []
    param = parameter_for(key)
    if param is None:
        return problem("is not a scenario parameter (see `budgetsim keys`)")
    if param.key.startswith("scenario."):
        return problem("cannot vary in a batch (it changes the scenario itself)")
    if param.kind not in ("int", "year", "float", "by_year"):
        return problem(f"is not a number ({param.kind}); only numeric parameters can vary")
    if param.kind == "by_year" and key == param.key:
        if not expand:
            return problem(f"names a whole table; name one year: {key}.<year>")
        years = sorted(int(k.rsplit(".", 1)[1]) for k in scenario.params if k.startswith(key + "."))
        return [Target(f"{key}.{y}", param=param) for y in years], []
    if key not in scenario.params:
        return problem("is not set in this scenario (a year outside the table?)")
    return [Target(key, param=param)], []


def _district_level_columns() -> list[str]:
    return [c.name for c in DISTRICT_COLUMNS_BY_NAME.values()
            if c.kind in ("int", "float") and c.name not in UNIT_DATA_COLUMNS]
