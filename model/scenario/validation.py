"""Checks on scenario values: types, units' ranges, coverage of years, cross-field rules.

Every check appends a :class:`~model.errors.Problem` and carries on, so a user sees
all that is wrong at once. Nothing here changes a scenario.

Why no validation library: pydantic, pandera and jsonschema were considered. Each
stops at, or reports in its own words, the first failures of one record; an analyst
needs every problem of a TOML file and a district table at once, each naming the file,
the row (district id), the field and the rule in the policy's units ("share in [0, 1]",
"yuan >= 0"), and the same messages for a ``--set`` override, a link and an upload.
The rules live in one place (``schema.py``: each key's type, unit and range) and the
checks here are short loops over whole columns, which also keeps a 1,380-row table
fast to check; a library would add a second description of the same schema.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Mapping
from typing import Any

import pandas as pd

from ..errors import Problem
from ..export import unneutralise
from .schema import (
    DISTRICT_COLUMNS,
    DISTRICT_ROWS_LIMIT,
    HORIZON_LIMIT,
    MAX_FILE_BYTES,
    PARAMETERS,
    UNIT_COLUMNS,
    UNIT_ROWS_LIMIT,
    Column,
    Limit,
    Param,
    parameter_for,
)


def describe(value: Any) -> str:
    """A value as a user wrote it, for error messages."""
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, dict):
        return "a table"
    return str(value)


def check_value(param: Param, value: Any) -> str | None:
    """The rule ``value`` breaks as a value of ``param``, or None when it is fine."""
    kind = "float" if param.kind == "by_year" else param.kind
    if kind in ("str", "path"):
        if not isinstance(value, str):
            return f"must be text, got {describe(value)}"
        if kind == "path" and param.required and not value.strip():
            return "must name a file"
        return None
    if kind == "bool":
        return None if isinstance(value, bool) else f"must be true or false, got {describe(value)}"
    if kind in ("int", "year"):
        if isinstance(value, bool) or not isinstance(value, int):
            return f"must be a whole number, got {describe(value)}"
    elif kind == "float":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return f"must be a number, got {describe(value)}"
        if math.isnan(value):
            return "must be a number, got nan"
        if math.isinf(value) and not (param.default == math.inf and value > 0):
            return "must be finite"
    if param.minimum is not None and value < param.minimum:
        return f"must be at least {param.minimum:g} ({param.unit}), got {value:g}"
    if param.maximum is not None and value > param.maximum:
        return f"must be at most {param.maximum:g} ({param.unit}), got {value:g}"
    return beyond_limit(param.limit, param.unit, value)


def beyond_limit(limit: Limit | None, unit: str, value: float) -> str | None:
    """The rule a value past its plausibility limit's ``error_above`` breaks, or None."""
    if limit is None or not value > limit.error_above or math.isinf(value):
        return None
    return (f"must be at most {limit.error_above:g} ({unit}) to be plausible, got {value:g} (no real "
            f"case comes near it, and the LP loses precision; above {limit.warn_above:g} is already unusual)")


def required_years(param: Param, first: int, last: int) -> range:
    start = first - 1 if param.years == "horizon+previous" else first
    return range(start, last + 1)


def check_parameters(params: Mapping[str, Any], file_of: Mapping[str, str]) -> list[Problem]:
    """Check merged parameters: each value, required keys, year coverage, cross rules.

    Parameters
    ----------
    params : mapping
        Flat dotted keys (``city.ceiling_yuan.2007``) to values.
    file_of : mapping
        The file that set each key (for messages); missing keys are reported
        against ``file_of[""]``, the scenario's main file.
    """
    main_file = file_of.get("", "scenario")
    problems: list[Problem] = []
    for key, value in params.items():
        param = parameter_for(key)
        if param is None:  # unknown keys are caught when layers are read
            continue
        rule = check_value(param, value)
        if rule:
            problems.append(Problem(file_of.get(key, main_file), key, rule))

    horizon_ok, order = _horizon_order(params, file_of)
    problems += order
    first = params.get("scenario.first_year")
    last = params.get("scenario.last_year")
    for param in PARAMETERS:
        if param.kind == "by_year":
            if not horizon_ok:
                continue
            given = {int(k.rsplit(".", 1)[1]) for k in params if k.startswith(param.key + ".")}
            missing = [y for y in required_years(param, first, last) if y not in given]
            if missing:
                years = ", ".join(str(y) for y in missing)
                problems.append(Problem(main_file, param.key,
                                        f"needs a value ({param.unit}) for every year "
                                        f"{required_years(param, first, last)[0]}-{last}; "
                                        f"missing {years}"))
        elif param.required and param.key not in params:
            problems.append(Problem(main_file, param.key,
                                    f"is required ({param.unit}): {param.description}"))
    return problems + _rules_between(params, file_of, horizon_ok)


#: The parameters that the rules between parameters (:func:`check_parameter_rules`) read:
#: a batch point that sets none of them gets the base scenario's answer.
RULE_KEYS = frozenset({"scenario.first_year", "scenario.last_year", "office_space.deadline",
                       "service_space.deadline", "member_subsidy.minimum_wage_from", "social_insurance.deadline",
                       "social_insurance.base_floor_share", "social_insurance.base_ceiling_share"})


def check_parameter_rules(params: Mapping[str, Any], file_of: Mapping[str, str]) -> list[Problem]:
    """Only the rules between parameters of :func:`check_parameters`: the horizon's
    order, deadlines inside it, the insurance base's floor below its ceiling.

    For values set on top of parameters that passed :func:`check_parameters`, each
    checked alone by :func:`check_value`, with no key added (a batch point): then
    no other rule of :func:`check_parameters` can change its answer.
    """
    horizon_ok, problems = _horizon_order(params, file_of)
    return problems + _rules_between(params, file_of, horizon_ok)


def _horizon_order(params: Mapping[str, Any], file_of: Mapping[str, str]) -> tuple[bool, list[Problem]]:
    """Whether the horizon is two ordered years, and the problem if they are out of order."""
    first = params.get("scenario.first_year")
    last = params.get("scenario.last_year")
    horizon_ok = isinstance(first, int) and isinstance(last, int) and not isinstance(first, bool)
    if horizon_ok and first > last:
        return False, [Problem(file_of.get("scenario.last_year", file_of.get("", "scenario")), "scenario.last_year",
                               f"must not be before scenario.first_year ({first}), got {last}")]
    if horizon_ok and last - first + 1 > HORIZON_LIMIT.error_above:
        return False, [Problem(file_of.get("scenario.last_year", file_of.get("", "scenario")), "scenario.last_year",
                               f"must make a horizon of at most {HORIZON_LIMIT.error_above:g} years, got "
                               f"{first}-{last} ({last - first + 1} years; {HORIZON_LIMIT.reason})")]
    return horizon_ok, []


def _rules_between(params: Mapping[str, Any], file_of: Mapping[str, str], horizon_ok: bool) -> list[Problem]:
    """Deadlines inside the horizon; the insurance base's floor below its ceiling."""
    main_file = file_of.get("", "scenario")
    problems: list[Problem] = []
    first = params.get("scenario.first_year")
    last = params.get("scenario.last_year")
    if horizon_ok:
        for key in ("office_space.deadline", "service_space.deadline",
                    "member_subsidy.minimum_wage_from", "social_insurance.deadline"):
            year = params.get(key)
            if isinstance(year, int) and not isinstance(year, bool) and not first <= year <= last:
                problems.append(Problem(file_of.get(key, main_file), key,
                                        f"must be a year of the horizon {first}-{last}, got {year}"))
    floor = params.get("social_insurance.base_floor_share")
    ceiling = params.get("social_insurance.base_ceiling_share")
    if _is_number(floor) and _is_number(ceiling) and floor > ceiling:
        problems.append(Problem(file_of.get("social_insurance.base_floor_share", main_file),
                                "social_insurance.base_floor_share",
                                f"must not exceed base_ceiling_share ({ceiling:g}), got {floor:g}"))
    return problems


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def parse_cell(column: Column, text: str) -> tuple[Any, str | None]:
    """Convert one CSV cell; returns the value and the rule broken (or None)."""
    text = text.strip()
    if text == "":
        if column.required:
            return None, "is empty; a value is required" + (f" ({column.unit})" if column.unit != "-" else "")
        return None, None
    if column.kind == "str":
        return unneutralise(text), None  # ``'=1+2`` as the app writes a name ``=1+2``
    if column.kind == "choice":
        if text not in column.choices:
            return None, f"must be one of {', '.join(column.choices)}, got {text!r}"
        return text, None
    try:
        number = float(text)
    except ValueError:
        return None, f"must be a number ({column.unit}), got {text!r}"
    return check_cell_number(column, number)


#: Counts (committees, members) beyond this are refused: 2**53, the last whole number a
#: float holds exactly; any plausibility limit is far below it.
MAX_COUNT = float(2**53)


def check_cell_number(column: Column, number: Any) -> tuple[Any, str | None]:
    """Check a numeric district value against its column's type and range."""
    if isinstance(number, bool) or not isinstance(number, (int, float)):
        return None, f"must be a number ({column.unit}), got {describe(number)}"
    if math.isnan(number) or math.isinf(number):
        return None, f"must be a finite number ({column.unit}), got {number}"
    if column.kind == "int":
        if number != int(number):
            return None, f"must be a whole number ({column.unit}), got {number:g}"
        if abs(number) > MAX_COUNT:  # beyond it a count is no longer held exactly (and no real case is near)
            return None, f"must be a whole number of at most {MAX_COUNT:g} ({column.unit}), got {number:g}"
        number = int(number)
    else:
        number = float(number)
    if column.minimum is not None and number < column.minimum:
        return None, f"must be at least {column.minimum:g} ({column.unit}), got {number:g}"
    if column.maximum is not None and number > column.maximum:
        return None, f"must be at most {column.maximum:g} ({column.unit}), got {number:g}"
    rule = beyond_limit(column.limit, column.unit, number)
    return (None, rule) if rule else (number, None)


def parse_table(text: str, file: str, columns: tuple[Column, ...] = DISTRICT_COLUMNS,
                optional: frozenset[str] = frozenset(), what: str = "district"
                ) -> tuple[pd.DataFrame | None, list[Problem]]:
    """Parse and type-check a district or unit CSV; returns the table indexed by ``id``.

    ``optional`` names required columns that this table may leave out (a district
    table may omit the committee data when a unit table supplies them).
    """
    problems: list[Problem] = []
    by_name = {c.name: c for c in columns}
    if len(text) > MAX_FILE_BYTES:
        return None, [Problem(file, "", f"is larger than {MAX_FILE_BYTES // 2**20} MB; a scenario table "
                              "is refused beyond that")]
    if "\x00" in text:
        return None, [Problem(file, "", f"is not a CSV text file (it holds NUL bytes); give one row per {what}")]
    reader = csv.reader(io.StringIO(text))
    try:
        rows = list(reader)
    except csv.Error as exc:
        return None, [Problem(file, "", f"is not a readable CSV file ({exc})")]
    limit = UNIT_ROWS_LIMIT if what == "unit" else DISTRICT_ROWS_LIMIT
    if len(rows) - 1 > limit.error_above:  # checked before any row is read
        return None, [Problem(file, "", f"must have at most {limit.error_above:,.0f} {what} rows, got "
                              f"{len(rows) - 1:,} ({limit.reason})")]
    if not rows or not any(cell.strip() for cell in rows[0]):
        return None, [Problem(file, "", f"is empty; it needs a header row and one row per {what}")]
    header = [h.strip() for h in rows[0]]
    for name in header:
        if name not in by_name:
            problems.append(Problem(file, f"column {name!r}",
                                    f"is not a {what} column (see docs/scenario-format.md)"))
    seen: set[str] = set()
    for name in header:
        if name in seen:
            problems.append(Problem(file, f"column {name!r}", "appears twice"))
        seen.add(name)
    for column in columns:
        if column.required and column.name not in header and column.name not in optional:
            problems.append(Problem(file, f"column {column.name!r}",
                                    f"is missing ({column.unit}): {column.description}"))
    if problems:
        return None, problems

    records: list[dict[str, Any]] = []
    ids: dict[str, int] = {}
    for line_no, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue  # blank lines carry no row
        if len(row) != len(header):
            problems.append(Problem(file, f"row {line_no}",
                                    f"has {len(row)} fields, the header has {len(header)}"))
            continue
        raw = dict(zip(header, row))
        label = raw.get("id", "").strip() or "?"
        record: dict[str, Any] = {}
        for column in columns:
            if column.name not in raw:
                record[column.name] = None
                continue
            value, rule = parse_cell(column, raw[column.name])
            if rule:
                problems.append(Problem(file, f"row {line_no} ({label}), column {column.name}", rule))
            record[column.name] = value
        if record.get("id"):
            if record["id"] in ids:
                problems.append(Problem(file, f"row {line_no} ({label}), column id",
                                        f"repeats the id of row {ids[record['id']]}"))
            ids.setdefault(record["id"], line_no)
        record["_line"] = line_no
        records.append(record)
    if not records:
        problems.append(Problem(file, "", f"has no {what} rows"))

    if problems:
        return None, problems
    frame = pd.DataFrame.from_records(records).set_index("id", drop=False)
    frame.index.name = None
    return frame, problems


def parse_district_table(text: str, file: str, optional: frozenset[str] = frozenset()
                         ) -> tuple[pd.DataFrame | None, list[Problem]]:
    """Parse the district CSV (see :func:`parse_table`)."""
    return parse_table(text, file, DISTRICT_COLUMNS, optional, "district")


def parse_unit_table(text: str, file: str, districts: pd.DataFrame | None
                     ) -> tuple[pd.DataFrame | None, list[Problem]]:
    """Parse the unit CSV and check that every unit names a known district."""
    table, problems = parse_table(text, file, UNIT_COLUMNS, frozenset(), "unit")
    if table is None or districts is None:
        return table, problems
    unknown = ~table["district"].isin(districts.index).to_numpy()
    for u_id, line, district in zip(table.index[unknown], table["_line"][unknown], table["district"][unknown]):
        problems.append(Problem(file, f"row {line} ({u_id}), column district",
                                f"names no district of the district table, got {district!r}"))
    return (None if problems else table), problems


def check_districts(districts: pd.DataFrame, params: Mapping[str, Any], file: str) -> list[Problem]:
    """Rules that tie a row's committee data to each other and to the parameters.

    Applies to the table that holds the committee data: the unit table when there
    is one, otherwise the district table.
    """
    problems: list[Problem] = []
    office_standard = params.get("office_space.standard_m2")
    renovated_standard = params.get("service_space.standard_renovated_m2")
    new_standard = params.get("service_space.standard_new_m2")
    # The rules are tested on whole columns; only the rows that break one are read row by row.
    column = {name: districts[name].to_numpy() for name in (
        "committees", "members_per_committee", "office_below_standard", "service_below_renovated",
        "service_below_new", "uninsured_members", "office_area_below_m2", "service_area_below_m2")}
    members = column["committees"] * column["members_per_committee"]
    flagged = ((column["office_below_standard"] > column["committees"])
               | (column["service_below_renovated"] + column["service_below_new"] > column["committees"])
               | (column["uninsured_members"] > members + 1e-9))
    if _is_number(office_standard):
        flagged |= (column["office_below_standard"] > 0) & (column["office_area_below_m2"] >= office_standard)
    for standard, below in ((renovated_standard, "service_below_renovated"), (new_standard, "service_below_new")):
        if _is_number(standard):
            flagged |= (column[below] > 0) & (column["service_area_below_m2"] >= standard)
    for d_id, row in districts[flagged].iterrows():
        where = f"row {row['_line']} ({d_id})"
        members = row["committees"] * row["members_per_committee"]
        if row["office_below_standard"] > row["committees"]:
            problems.append(Problem(file, f"{where}, column office_below_standard",
                                    f"must not exceed committees ({row['committees']}), "
                                    f"got {row['office_below_standard']}"))
        below_service = row["service_below_renovated"] + row["service_below_new"]
        if below_service > row["committees"]:
            problems.append(Problem(file, f"{where}, columns service_below_renovated + service_below_new",
                                    f"must not exceed committees ({row['committees']}), got {below_service}"))
        if row["uninsured_members"] > members + 1e-9:
            problems.append(Problem(file, f"{where}, column uninsured_members",
                                    f"must not exceed members (committees x members_per_committee "
                                    f"= {members:g}), got {row['uninsured_members']}"))
        if (_is_number(office_standard) and row["office_below_standard"] > 0
                and row["office_area_below_m2"] >= office_standard):
            problems.append(Problem(file, f"{where}, column office_area_below_m2",
                                    f"must be below the office standard ({office_standard:g} m2) "
                                    f"for committees counted below it, got {row['office_area_below_m2']:g}"))
        if (_is_number(renovated_standard) and row["service_below_renovated"] > 0
                and row["service_area_below_m2"] >= renovated_standard):
            problems.append(Problem(file, f"{where}, column service_area_below_m2",
                                    f"must be below the renovated-community standard "
                                    f"({renovated_standard:g} m2), got {row['service_area_below_m2']:g}"))
        if (_is_number(new_standard) and row["service_below_new"] > 0
                and row["service_area_below_m2"] >= new_standard):
            problems.append(Problem(file, f"{where}, column service_area_below_m2",
                                    f"must be below the new-community standard "
                                    f"({new_standard:g} m2), got {row['service_area_below_m2']:g}"))
    return problems


def uncited(params: Mapping[str, Any], sources: Mapping[str, str],
            district_columns: list[str]) -> list[str]:
    """Parameter keys and district columns that no entry of ``[sources]`` covers.

    A source entry covers a key when it is the key itself or a dotted prefix of it
    (``wages`` covers ``wages.average_wage_yuan.2006``).
    """

    def covered(key: str) -> bool:
        parts = key.split(".")
        return any(".".join(parts[:i]) in sources for i in range(len(parts), 0, -1))

    missing = sorted({parameter_for(k).key if parameter_for(k) else k
                      for k in params if not covered(k)})
    for column in district_columns:
        if column in ("id", "name_zh", "name_en", "source", "_line"):
            continue
        if not covered(f"districts.{column}"):
            missing.append(f"districts.{column}")
    return missing
