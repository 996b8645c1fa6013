"""Dotted keys: a scenario's TOML tables and its overrides as flat ``(key, value, origin)`` entries.

Pure functions on keys and values: which dotted keys are parameters, district
values or groups of them, which ``[sources]`` entry covers a key, and how
``--set`` text and API overrides become entries (a key set twice is a problem).
Nothing here reads a file or builds a scenario.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from ..errors import Problem
from .schema import (
    DISTRICT_COLUMNS_BY_NAME,
    PARAMETERS,
    UNIT_COLUMNS_BY_NAME,
    parameter_for,
)


#: Keys whose values name other files: checked by :func:`untrusted_path_rule` when a
#: scenario comes from an upload or a link.
PATH_KEYS = ("base", "scenario.districts", "scenario.units")


def untrusted_path_rule(path: object) -> str | None:
    """Why ``path`` may not be named by an uploaded or linked scenario, or None.

    Such a scenario may only name files beside it or in folders below it: a relative
    path with ``/`` between folders, no ``..``, nothing absolute, no drive letter, no
    ``\\`` and no control character. (Files on the command line may name any path.)
    """
    if not isinstance(path, str):
        return None  # the type is checked with the other parameters
    if any(ord(c) < 32 for c in path):
        return f"must be a file name without control characters, got {path!r}"
    if path.startswith(("/", "\\")) or (len(path) > 1 and path[1] == ":"):
        return f"must name a file inside the upload, not an absolute path, got {path!r}"
    if "\\" in path:
        return f"must separate folders with /, not \\, got {path!r}"
    if ".." in PurePosixPath(path).parts:
        return f"must name a file inside the upload, without '..', got {path!r}"
    return None


def normalise_path(path: str) -> str:
    parts: list[str] = []
    for part in PurePosixPath(path).parts:
        if part == "..":
            if parts and parts[-1] != "..":
                parts.pop()
            else:
                parts.append(part)
        elif part != ".":
            parts.append(part)
    return "/".join(parts) or "."


def is_source_prefix(key: str) -> bool:
    if key == "units" or key.startswith("units."):
        return key == "units" or key.split(".", 1)[1] in UNIT_COLUMNS_BY_NAME
    if key.startswith("districts."):
        # districts.<column>, districts.<id> or districts.<id>.<column>
        parts = key.split(".")
        return (parameter_for(key) is not None or len(parts) == 2
                or (len(parts) == 3 and parts[2] in DISTRICT_COLUMNS_BY_NAME))
    return any(p.key == key or p.key.startswith(key + ".") for p in PARAMETERS)


def is_covered(key: str, sources: Mapping[str, str]) -> bool:
    parts = key.split(".")
    if parts[0] == "districts" and len(parts) == 3:  # districts.<id>.<column>
        return any(k in sources for k in (key, f"districts.{parts[1]}", f"districts.{parts[2]}"))
    return any(".".join(parts[:i]) in sources for i in range(len(parts), 0, -1))


# --- flattening tables to dotted keys -------------------------------------------
Entry = tuple[str, Any, str]  # (dotted key, value, origin)


def flatten(data: Mapping[str, Any], origin: str, prefix: str = "") -> tuple[list[Entry], list[Problem]]:
    """Dotted leaf keys of a TOML table; unknown keys are problems."""
    entries: list[Entry] = []
    problems: list[Problem] = []
    for raw_key, value in data.items():
        key = f"{prefix}{raw_key}"
        param = parameter_for(key)
        if param is not None:
            if param.kind == "by_year" and key == param.key:
                if not isinstance(value, dict):
                    problems.append(Problem(origin, key, f"must be a table of years ({param.unit}), "
                                            f"e.g. {{ 2006 = ..., 2007 = ... }}"))
                    continue
                for year, v in value.items():
                    if not str(year).isdigit():
                        problems.append(Problem(origin, f"{key}.{year}", "is not a year"))
                        continue
                    entries.append((f"{key}.{int(year)}", v, origin))
            elif isinstance(value, dict):
                problems.append(Problem(origin, key, f"must be a single value ({param.unit}), not a table"))
            else:
                entries.append((key, value, origin))
            continue
        district = district_key(key)
        if district is not None:
            if isinstance(value, dict):
                for column, v in value.items():
                    sub = f"{key}.{column}"
                    if column not in DISTRICT_COLUMNS_BY_NAME or column == "id":
                        problems.append(Problem(origin, sub, "is not a district column that can be set"))
                        continue
                    entries.append((sub, v, origin))
                continue
            if district[1] is not None:
                entries.append((key, value, origin))
                continue
        if isinstance(value, dict) and is_group(key):
            sub_entries, sub_problems = flatten(value, origin, key + ".")
            entries += sub_entries
            problems += sub_problems
            continue
        problems.append(Problem(origin, key, "is not a scenario parameter (`budgetsim keys` "
                                "lists them)"))
    return entries, problems


def is_group(key: str) -> bool:
    return any(p.key.startswith(key + ".") for p in PARAMETERS) or key == "districts"


def district_key(key: str) -> tuple[str, str | None] | None:
    """``districts.<id>`` or ``districts.<id>.<column>`` as (id, column)."""
    parts = key.split(".")
    if parts[0] != "districts" or len(parts) not in (2, 3):
        return None
    if parameter_for(key) is not None or is_group(key):
        return None
    if len(parts) == 3:
        if parts[2] not in DISTRICT_COLUMNS_BY_NAME or parts[2] == "id":
            return None
        return parts[1], parts[2]
    return parts[1], None


def parse_set_value(text: str) -> Any:
    """A ``--set`` value: TOML syntax (numbers, true/false, inline tables), else text."""
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text


def override_entries(overrides: Mapping[str, Any] | Iterable[str],
                      origin: str) -> tuple[list[Entry], list[Problem]]:
    """Flatten API or ``--set`` overrides; a key set twice is a problem."""
    pairs: list[tuple[str, Any]] = []
    problems: list[Problem] = []
    if isinstance(overrides, Mapping):
        pairs = list(overrides.items())
    else:
        for item in overrides:
            key, sep, text = str(item).partition("=")
            if not sep or not key.strip():
                problems.append(Problem(origin, str(item), "must be KEY=VALUE, e.g. "
                                        "city.ceiling_yuan.2007=40000000"))
                continue
            pairs.append((key.strip(), parse_set_value(text.strip())))
    entries: list[Entry] = []
    for key, value in pairs:
        sub_entries, sub_problems = flatten({key: value}, origin)
        entries += sub_entries
        problems += sub_problems
    seen: set[str] = set()
    for key, _, _ in entries:
        if key in seen:
            problems.append(Problem(origin, key, "is set twice; give each key once"))
        seen.add(key)
    return entries, problems


def jsonable(value: Any) -> Any:
    if isinstance(value, float) and math.isinf(value):
        return "inf" if value > 0 else "-inf"
    if hasattr(value, "item"):
        return value.item()
    return value


@dataclass(frozen=True)
class Override:
    """One value that a variant or the user changed on top of its base."""

    key: str
    value: Any
    previous: Any
    origin: str

    def as_dict(self) -> dict[str, Any]:
        return {"key": self.key, "value": jsonable(self.value),
                "previous": jsonable(self.previous), "origin": self.origin}
