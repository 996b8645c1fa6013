"""Scenarios: TOML policy parameters plus a district table, with variants as overrides.

Precedence, lowest first: the base file (``base = "other.toml"``, recursively),
then the variant file that names it, then overrides given through the API or
``--set``. A later layer may replace a value of an earlier one; that is what a
variant is for, and each replacement is recorded in ``Scenario.overrides``. Within
one layer a key may be set only once: setting it twice (``--set`` given twice, or
a year both in a whole table and on its own) is an error.

Everything is read and checked before anything is built: a scenario with a
problem raises :class:`~model.errors.ScenarioError` listing all its problems, and
no half-applied scenario ever exists.
"""

from __future__ import annotations

import hashlib
import json
import math
import tomllib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import pandas as pd

from . import io as scenario_io
from .errors import Problem, ScenarioError
from .schema import (
    DISTRICT_COLUMNS,
    DISTRICT_COLUMNS_BY_NAME,
    PARAMETERS,
    UNIT_COLUMNS,
    UNIT_COLUMNS_BY_NAME,
    UNIT_DATA_COLUMNS,
    PARAMETERS_BY_KEY,
    parameter_for,
)
from .validation import (
    check_cell_number,
    check_districts,
    parse_unit_table,
    check_parameters,
    parse_cell,
    parse_district_table,
    uncited,
)

SET_ORIGIN = "--set"


@dataclass(frozen=True)
class Override:
    """One value that a variant or the user changed on top of its base."""

    key: str
    value: Any
    previous: Any
    origin: str

    def as_dict(self) -> dict[str, Any]:
        return {"key": self.key, "value": _jsonable(self.value),
                "previous": _jsonable(self.previous), "origin": self.origin}


@dataclass(frozen=True, eq=False)
class Scenario:
    """A validated scenario, ready to be turned into a model.

    Attributes
    ----------
    name : str
        File name of the scenario (``tianjin-2006.toml``).
    params : dict
        Flat dotted keys to values; ``by_year`` tables appear as one key per year
        (``city.ceiling_yuan.2007``). Defaults of optional parameters are filled in.
    districts : pandas.DataFrame
        The district table, indexed by district id, columns as in
        :data:`model.schema.DISTRICT_COLUMNS`.
    sources : dict
        ``[sources]`` entries: dotted key (or prefix) to citation or assumption.
    overrides : tuple of Override
        Values changed on top of the base scenario, in the order applied.
    files : dict
        The text of every file read, by name (to save or download the scenario).
    user_entries : tuple
        The overrides given through the API or ``--set``, as (key, value, origin).
    units : pandas.DataFrame or None
        The unit table (communities with a ``district`` column) when the scenario
        sets ``scenario.units``; None when the districts are the model's units.
    montecarlo : MonteCarloSpec or None
        The uncertain parameters of its ``[montecarlo]`` table, validated (see
        :mod:`model.montecarlo`); a variant's table replaces its base's whole.
    """

    name: str
    params: dict[str, Any]
    districts: pd.DataFrame
    sources: dict[str, str]
    overrides: tuple[Override, ...] = ()
    files: dict[str, str] = field(default_factory=dict)
    user_entries: tuple[tuple[str, Any, str], ...] = ()
    units: pd.DataFrame | None = None
    montecarlo: Any = None
    #: Columns already read as arrays, by (table, column): ``table`` is "districts"
    #: or "units" (:attr:`unit_table`). A scenario's tables are never edited in
    #: place (variants are new scenarios), so a column read once stays valid.
    _arrays: dict[tuple[str, str], Any] = field(default_factory=dict, init=False, repr=False, compare=False)

    # --- reading values -------------------------------------------------------
    @property
    def years(self) -> list[int]:
        """Years of the plan horizon."""
        return list(range(self.params["scenario.first_year"], self.params["scenario.last_year"] + 1))

    @property
    def title(self) -> str:
        return self.params["scenario.name"]

    def get(self, key: str) -> Any:
        """The value of a parameter (a ``by_year`` parameter as ``{year: value}``)."""
        param = PARAMETERS_BY_KEY[key]
        if param.kind == "by_year":
            return self.by_year(key)
        return self.params[key]

    def column(self, table: str, name: str):
        """Column ``name`` of the district table (``table="districts"``) or of the
        :attr:`unit_table` (``"units"``) as a read-only numpy array; ``name="id"``
        gives the index. Cached: batches read the same columns for every point.
        """
        found = self._arrays.get((table, name))
        if found is None:
            frame = self.districts if table == "districts" else self.unit_table
            found = (frame.index if name == "id" else frame[name]).to_numpy()
            found.flags.writeable = False
            self._arrays[(table, name)] = found
        return found

    def keep_columns_of(self, base: Scenario, changed: Iterable[tuple[str, str]] = ()) -> Scenario:
        """Reuse ``base``'s cached columns, except ``changed`` ones (a variant made
        by replacing values, see :class:`model.points.PointMaker`); returns self."""
        changed = set(changed)
        if changed:
            self._arrays.update({k: v for k, v in base._arrays.items() if k not in changed})
        else:
            self._arrays.update(base._arrays)
        return self

    def __getstate__(self) -> dict[str, Any]:
        # The column cache is not part of the scenario (pickles and hashes without it).
        return {k: v for k, v in self.__dict__.items() if k != "_arrays"}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state, _arrays={})

    def year_values(self, key: str, years: Iterable[int]) -> list[float]:
        """A ``by_year`` parameter's values for ``years``, in that order."""
        return [float(self.params[f"{key}.{y}"]) for y in years]

    def by_year(self, key: str) -> dict[int, float]:
        """A ``by_year`` parameter as ``{year: value}`` (all years given)."""
        prefix = key + "."
        return {int(k[len(prefix):]): float(v) for k, v in self.params.items() if k.startswith(prefix)}

    @property
    def district_ids(self) -> list[str]:
        return list(self.districts.index)

    def sha256(self) -> str:
        """Hash of everything that determines the results: parameters and district data.

        Two scenarios with the same values have the same hash however their files
        are laid out (a variant and a flat copy of it hash alike).
        """
        table = self.districts.drop(columns=["_line", "source"], errors="ignore")
        payload = {
            "params": {k: _jsonable(v) for k, v in sorted(self.params.items())},
            "districts": json.loads(table.to_json(orient="split", double_precision=15)),
        }
        if self.units is not None:
            units = self.units.drop(columns=["_line", "source"], errors="ignore")
            payload["units"] = json.loads(units.to_json(orient="split", double_precision=15))
        text = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def uncited(self) -> list[str]:
        """Parameters and district columns without a source or assumption note."""
        missing = uncited(self.params, self.sources, list(self.districts.columns))
        if self.units is not None:
            missing += [f"units.{c}" for c in self.units.columns
                        if c not in ("id", "district", "name_zh", "name_en", "source", "_line")
                        and not _covered(f"units.{c}", self.sources)]
        return missing

    @property
    def unit_table(self) -> pd.DataFrame:
        """The rows the model allocates to: communities if given, else districts."""
        return self.units if self.units is not None else self.districts

    # --- deriving variants ------------------------------------------------------
    def with_overrides(self, overrides: Mapping[str, Any] | Iterable[str],
                       origin: str = "api") -> Scenario:
        """A new scenario with ``overrides`` applied on top of this one.

        ``overrides`` is a mapping of dotted keys to values, or ``KEY=VALUE``
        strings as on the command line (values in TOML syntax; bare text is a string).
        Raises :class:`ScenarioError` listing every problem; ``self`` is unchanged.
        """
        entries, problems = _override_entries(overrides, origin)
        # Successive edits replace earlier ones of the same key; the result is
        # rebuilt from the original files so that every rule is checked again.
        merged = {key: (value, org) for key, value, org in self.user_entries}
        merged.update({key: (value, org) for key, value, org in entries})
        files = dict(self.files)

        def read(name: str) -> str:
            return files[name]

        layers, layer_problems = _read_layers(self.name, read)
        if layers is None:
            raise ScenarioError(layer_problems + problems)
        return _build(self.name, layers, [(k, v, o) for k, (v, o) in merged.items()], read,
                      layer_problems + problems)


# --- loading ----------------------------------------------------------------------
def load_scenario(path: str | Path, overrides: Mapping[str, Any] | Iterable[str] = (),
                  origin: str = SET_ORIGIN) -> Scenario:
    """Read, merge and validate a scenario file and the district table it names.

    Parameters
    ----------
    path : path-like
        The scenario's TOML file.
    overrides : mapping or iterable of ``KEY=VALUE``
        Values to set on top of the file (highest precedence).

    Raises
    ------
    ScenarioError
        With every problem found, each naming its file, key or row, and rule.
    """
    path = Path(path)
    if not path.is_file():
        raise ScenarioError([Problem(str(path), "", "no such scenario file")])
    name, reader = scenario_io.read_scenario_texts(path)
    return load_scenario_texts(name, reader, overrides, origin)


def load_scenario_texts(name: str, read_text: Callable[[str], str],
                        overrides: Mapping[str, Any] | Iterable[str] = (),
                        origin: str = SET_ORIGIN) -> Scenario:
    """Like :func:`load_scenario`, reading files through ``read_text(name)``.

    The app uses this for uploaded files; ``read_text`` raises ``FileNotFoundError``
    (or ``KeyError``) for a file that is not there.
    """
    entries, problems = _override_entries(overrides, origin)
    layers, layer_problems = _read_layers(name, read_text)
    problems = layer_problems + problems
    if layers is None:  # a file could not be read or parsed: nothing to check further
        raise ScenarioError(problems)
    return _build(name, layers, entries, read_text, problems)


@dataclass
class _Layers:
    params: dict[str, Any]
    district_overrides: list[tuple[str, str, Any, str]]  # (id, column, value, origin)
    sources: dict[str, str]
    overrides: list[Override]
    file_of: dict[str, str]
    files: dict[str, str]
    dirs: dict[str, PurePosixPath] = field(default_factory=dict)  # folder of the file that set a path
    montecarlo: tuple[str, Any] | None = None  # (file, raw [montecarlo] table) of the last layer with one


def _read_layers(name: str, read_text: Callable[[str], str],
                 chain: tuple[str, ...] = ()) -> tuple[_Layers | None, list[Problem]]:
    """Read ``name`` and, first, the base it names; merge them with precedence."""
    if name in chain:
        return None, [Problem(name, "base", "names a chain of bases that loops back to "
                              + " -> ".join(chain + (name,)))]
    try:
        text = read_text(name)
    except (FileNotFoundError, KeyError, IsADirectoryError):
        where = chain[-1] if chain else name
        return None, [Problem(where, "base" if chain else "", f"cannot read scenario file {name!r}")]
    except UnicodeDecodeError:
        return None, [Problem(name, "", "is not UTF-8 text")]
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        return None, [Problem(name, "", f"is not valid TOML: {exc}")]

    problems: list[Problem] = []
    base_name = data.pop("base", None)
    sources = data.pop("sources", {})
    montecarlo = data.pop("montecarlo", None)
    if not isinstance(sources, dict) or not all(isinstance(v, str) for v in sources.values()):
        problems.append(Problem(name, "sources", "must be a table of text entries (key = \"source\")"))
        sources = {}
    for key in sources:
        if parameter_for(key) is None and not _is_source_prefix(key):
            problems.append(Problem(name, f"sources.{key}",
                                    "cites a key that is not a parameter, a parameter group "
                                    "or a district column"))

    entries, flat_problems = _flatten(data, name)
    problems += flat_problems

    if base_name is None:
        layers = _Layers(params={}, district_overrides=[], sources={}, overrides=[],
                         file_of={"": name}, files={})
    else:
        if not isinstance(base_name, str):
            return None, problems + [Problem(name, "base", "must be the name of a scenario file")]
        base_path = str(PurePosixPath(name).parent / base_name)
        layers, base_problems = _read_layers(_normalise(base_path), read_text, chain + (name,))
        problems += base_problems
        if layers is None:
            return None, problems
        layers.file_of[""] = name
    layers.files[name] = text
    layers.sources.update(sources)
    if montecarlo is not None:
        layers.montecarlo = (name, montecarlo)
    is_variant = base_name is not None
    _apply(layers, entries, origin=name, record=is_variant)
    for key, _value, _ in entries:
        if key in ("scenario.districts", "scenario.units"):
            layers.dirs[key] = PurePosixPath(name).parent
    if is_variant:
        for key, _value, _ in entries:
            if not _covered(key, sources):
                problems.append(Problem(name, key,
                                        "overrides its base without a [sources] entry: cite where "
                                        "the value comes from or write \"assumption: ...\""))
    return layers, problems


def _normalise(path: str) -> str:
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


def _is_source_prefix(key: str) -> bool:
    if key == "units" or key.startswith("units."):
        return key == "units" or key.split(".", 1)[1] in UNIT_COLUMNS_BY_NAME
    if key.startswith("districts."):
        # districts.<column>, districts.<id> or districts.<id>.<column>
        parts = key.split(".")
        return (parameter_for(key) is not None or len(parts) == 2
                or (len(parts) == 3 and parts[2] in DISTRICT_COLUMNS_BY_NAME))
    return any(p.key == key or p.key.startswith(key + ".") for p in PARAMETERS)


def _covered(key: str, sources: Mapping[str, str]) -> bool:
    parts = key.split(".")
    if parts[0] == "districts" and len(parts) == 3:  # districts.<id>.<column>
        return any(k in sources for k in (key, f"districts.{parts[1]}", f"districts.{parts[2]}"))
    return any(".".join(parts[:i]) in sources for i in range(len(parts), 0, -1))


# --- flattening tables to dotted keys -------------------------------------------
Entry = tuple[str, Any, str]  # (dotted key, value, origin)


def _flatten(data: Mapping[str, Any], origin: str, prefix: str = "") -> tuple[list[Entry], list[Problem]]:
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
        district = _district_key(key)
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
        if isinstance(value, dict) and _is_group(key):
            sub_entries, sub_problems = _flatten(value, origin, key + ".")
            entries += sub_entries
            problems += sub_problems
            continue
        problems.append(Problem(origin, key, "is not a scenario parameter (see the README's "
                                "list of keys)"))
    return entries, problems


def _is_group(key: str) -> bool:
    return any(p.key.startswith(key + ".") for p in PARAMETERS) or key == "districts"


def _district_key(key: str) -> tuple[str, str | None] | None:
    """``districts.<id>`` or ``districts.<id>.<column>`` as (id, column)."""
    parts = key.split(".")
    if parts[0] != "districts" or len(parts) not in (2, 3):
        return None
    if parameter_for(key) is not None or _is_group(key):
        return None
    if len(parts) == 3:
        if parts[2] not in DISTRICT_COLUMNS_BY_NAME or parts[2] == "id":
            return None
        return parts[1], parts[2]
    return parts[1], None


def _apply(layers: _Layers, entries: list[Entry], origin: str, record: bool) -> None:
    """Apply one layer's entries (already free of duplicates) on top of ``layers``."""
    for key, value, _ in entries:
        district = _district_key(key)
        if district is not None and district[1] is not None:
            layers.district_overrides.append((district[0], district[1], value, origin))
            continue
        previous = layers.params.get(key)
        if record:
            layers.overrides.append(Override(key, value, previous, origin))
        layers.params[key] = value
        layers.file_of[key] = origin


def parse_set_value(text: str) -> Any:
    """A ``--set`` value: TOML syntax (numbers, true/false, inline tables), else text."""
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text


def _override_entries(overrides: Mapping[str, Any] | Iterable[str],
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
        sub_entries, sub_problems = _flatten({key: value}, origin)
        entries += sub_entries
        problems += sub_problems
    seen: set[str] = set()
    for key, _, _ in entries:
        if key in seen:
            problems.append(Problem(origin, key, "is set twice; give each key once"))
        seen.add(key)
    return entries, problems


# --- building the validated scenario ----------------------------------------------
def _build(name: str, layers: _Layers, entries: list[Entry], read_text: Callable[[str], str],
           problems: list[Problem] | None = None) -> Scenario:
    """Apply user overrides, fill defaults, read the district table, validate all.

    ``problems`` found while reading the layers are reported together with the
    rest, so a user sees every problem at once.
    """
    problems = list(problems or [])
    for key, value, origin in entries:
        _apply(layers, [(key, value, origin)], origin=origin, record=True)

    params = dict(layers.params)
    for param in PARAMETERS:
        if not param.required and param.kind != "by_year" and param.key not in params:
            params[param.key] = param.default
    problems += check_parameters(params, layers.file_of)

    def read_csv(key: str, what: str) -> tuple[str, str | None]:
        """The normalised name and text of the CSV that parameter ``key`` names."""
        csv_name = _normalise(str(layers.dirs.get(key, PurePosixPath(".")) / params[key]))
        try:
            text = read_text(csv_name)
        except (FileNotFoundError, KeyError, IsADirectoryError):
            problems.append(Problem(layers.file_of.get(key, name), key, f"cannot read {what} {csv_name!r}"))
            return csv_name, None
        except UnicodeDecodeError:
            problems.append(Problem(csv_name, "", "is not UTF-8 text"))
            return csv_name, None
        layers.files[csv_name] = text
        return csv_name, text

    has_units = isinstance(params.get("scenario.units"), str) and bool(params["scenario.units"].strip())
    districts = units = None
    district_file = unit_file = name
    if isinstance(params.get("scenario.districts"), str) and params["scenario.districts"].strip():
        district_file, text = read_csv("scenario.districts", "district table")
        if text is not None:
            optional = frozenset(UNIT_DATA_COLUMNS) if has_units else frozenset()
            districts, table_problems = parse_district_table(text, district_file, optional)
            problems += table_problems

    if districts is not None:
        districts, district_problems, changes = _apply_district_overrides(districts, layers)
        problems += district_problems
        layers.overrides += changes
        if not district_problems and not has_units:
            problems += check_districts(districts, params, district_file)
        districts = _typed(districts, DISTRICT_COLUMNS)

    if has_units:
        unit_file, text = read_csv("scenario.units", "unit table")
        if text is not None:
            units, unit_problems = parse_unit_table(text, unit_file, districts)
            problems += unit_problems
            if units is not None and not unit_problems:
                problems += check_districts(units, params, unit_file)
                units = _typed(units, UNIT_COLUMNS)

    montecarlo = None
    if layers.montecarlo is not None and not problems:
        from .montecarlo import parse_spec

        montecarlo, mc_problems = parse_spec(layers.montecarlo[1], layers.montecarlo[0], params, districts, units)
        problems += mc_problems

    if problems:
        raise ScenarioError(problems)
    assert districts is not None
    return Scenario(name=name, params=params, districts=districts, sources=dict(layers.sources),
                    overrides=tuple(layers.overrides), files=dict(layers.files),
                    user_entries=tuple(entries), units=units, montecarlo=montecarlo)


def _apply_district_overrides(districts: pd.DataFrame, layers: _Layers):
    problems: list[Problem] = []
    changes: list[Override] = []
    table = districts.copy()
    for d_id, column_name, value, origin in layers.district_overrides:
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
        changes.append(Override(key, value, _jsonable(previous), origin))
        if column.kind == "int":
            table[column_name] = table[column_name].astype("int64")
        table.at[d_id, column_name] = value
    return table, problems, changes


def _typed(table: pd.DataFrame, columns) -> pd.DataFrame:
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


def _jsonable(value: Any) -> Any:
    if isinstance(value, float) and math.isinf(value):
        return "inf" if value > 0 else "-inf"
    if hasattr(value, "item"):
        return value.item()
    return value
