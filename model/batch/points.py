"""Scenarios for batch points: numeric overrides applied fast, checked by the same rules.

A sweep or a Monte Carlo run solves thousands of variants of one scenario that
differ only in a few numbers. :meth:`Scenario.with_overrides` re-reads and
re-validates every file, which costs tens of milliseconds; :class:`PointMaker`
checks the varied keys once (:func:`resolve`), then builds each point's scenario
by replacing those values in the base scenario's parameters and tables and
re-checking only what they can break: each value against its key's type and
range, the cross-field rules of the parameters (:func:`check_parameter_rules`; run
once for the base when the batch sets none of the keys they read, ``RULE_KEYS``), and
the row rules of any district or unit row whose committee data changed. A point with
a problem raises :class:`~model.errors.ScenarioError` naming the origin, the key
and the rule.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any

import pandas as pd

from ..errors import Problem, ScenarioError
from ..scenario.scenario import Override, Scenario
from ..scenario.schema import DISTRICT_COLUMNS_BY_NAME, UNIT_DATA_COLUMNS
from ..scenario.targets import Target
from ..scenario.validation import (
    RULE_KEYS,
    check_cell_number,
    check_districts,
    check_parameter_rules,
    check_value,
)

#: Parameters whose change moves the office or service-room standards that the
#: row rules of the committee data compare areas with.
_STANDARD_KEYS = frozenset({"office_space.standard_m2", "service_space.standard_renovated_m2",
                            "service_space.standard_new_m2"})


class PointMaker:
    """Builds a validated scenario for each point of a batch (see the module docstring).

    Parameters
    ----------
    base : Scenario
        The scenario every point starts from.
    targets : list of Target
        The numbers the points set (from :func:`resolve`).
    origin : str
        Where the values come from, for error messages (``--param``, a Monte Carlo file).
    """

    def __init__(self, base: Scenario, targets: list[Target], origin: str):
        self.base = base
        self.targets = {t.key: t for t in targets}
        self.origin = origin
        self._file_of = {"": origin, **{t.key: origin for t in targets if t.param is not None}}
        self._row_checks = any(t.column is not None and t.column.name in UNIT_DATA_COLUMNS for t in targets)
        self._all_rows = any(t.key in _STANDARD_KEYS for t in targets)
        self._district_position = {d: i for i, d in enumerate(base.districts.index)}
        self._integer = {t.key: t.integer for t in targets}
        # The rules between parameters read only RULE_KEYS: while a batch sets none of
        # them, every point gets the base's answer (computed once).
        self._rules_vary = any(t.key in RULE_KEYS for t in targets)
        self._base_rule_problems = check_parameter_rules(base.params, self._file_of)

    def scenario(self, values: Mapping[str, float], label: str | Callable[[], str] = "") -> Scenario:
        """The base scenario with ``values`` ({target key: number}) set, checked.

        ``label`` names the point in problems; a function giving it is called only
        when a problem is reported (a batch's points are mostly valid).
        """

        def where() -> str:
            text = label() if callable(label) else label
            return f"{self.origin}{' ' + text if text else ''}"

        problems: list[Problem] = []
        params = dict(self.base.params)
        overrides = list(self.base.overrides)
        columns: dict[str, dict[str, Any]] = {}
        for key, value in values.items():
            target = self.targets[key]
            value = float(value)
            if self._integer[key]:
                if value != round(value):
                    problems.append(Problem(where(), key, f"must be a whole number, got {value:g}"))
                    continue
                value = int(round(value))
            if target.param is not None:
                rule = check_value(target.param, value)
                if rule:
                    problems.append(Problem(where(), key, rule))
                    continue
                overrides.append(Override(key, value, params[key], self.origin))
                params[key] = value
            else:
                value, rule = check_cell_number(target.column, value)
                if rule:
                    problems.append(Problem(where(), key, rule))
                    continue
                overrides.append(Override(key, value, None, self.origin))
                columns.setdefault(target.column.name, {})[target.district] = value
        if not problems:
            # Each value was checked above, and a point sets only keys the base
            # scenario has (see resolve): what remains are the rules between keys.
            rule_problems = (check_parameter_rules(params, self._file_of) if self._rules_vary
                             else self._base_rule_problems)
            problems += [Problem(where(), p.where, p.rule) for p in rule_problems]
        districts = self.base.districts
        if columns and not problems:
            districts = _with_columns(districts, columns, self._district_position)
        if not problems and (self._row_checks or self._all_rows):
            table = self.base.units if self.base.units is not None else districts
            if self._all_rows:
                rows = table
            else:
                changed = sorted({d for c in columns.values() for d in c})
                rows = table.loc[changed]
            problems += [Problem(where(), p.where, p.rule) for p in check_districts(rows, params, where())]
        if problems:
            raise ScenarioError(problems)
        # Scenario's __init__ only stores its fields (it checks nothing): the point is
        # the base with these three fields and an empty cache of column arrays.
        point = dataclasses.replace(self.base, params=params, districts=districts, overrides=tuple(overrides))
        # Columns read as arrays stay valid unless this point replaced them.
        changed = [(table, name) for name in columns for table in ("districts", "units")]
        return point.keep_columns_of(self.base, changed)


def _with_columns(table: pd.DataFrame, columns: dict[str, dict[str, Any]],
                  position: Mapping[str, int]) -> pd.DataFrame:
    """A copy of ``table`` with new values in some rows of some columns ({column: {id: value}});
    ``position``: each id's row. The base table and its arrays are left as they are."""
    table = table.copy(deep=False)
    for name, by_id in columns.items():
        values = table[name].to_numpy(copy=True)
        if DISTRICT_COLUMNS_BY_NAME[name].kind == "float":
            values = values.astype(float)
        values[[position[i] for i in by_id]] = list(by_id.values())
        table.isetitem(table.columns.get_loc(name), values)  # a new column, not written into the old
    return table
