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
import tomllib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import pandas as pd

from .. import io as scenario_io
from ..errors import Problem, ScenarioError
from .keys import (
    Entry,
    Override,
    district_key,
    flatten,
    is_covered,
    is_source_prefix,
    jsonable,
    normalise_path,
    override_entries,
)
from .schema import (
    DISTRICT_COLUMNS,
    MAX_FILE_BYTES,
    PARAMETERS,
    PARAMETERS_BY_KEY,
    UNIT_COLUMNS,
    UNIT_DATA_COLUMNS,
    parameter_for,
)
from .tables import apply_district_overrides, typed
from .uncertainty import parse_spec
from .validation import (
    check_districts,
    check_parameters,
    parse_district_table,
    parse_unit_table,
    uncited,
)

SET_ORIGIN = "--set"


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
            "params": {k: jsonable(v) for k, v in sorted(self.params.items())},
            "districts": json.loads(table.to_json(orient="split", double_precision=15)),
        }
        if self.units is not None:
            units = self.units.drop(columns=["_line", "source"], errors="ignore")
            payload["units"] = json.loads(units.to_json(orient="split", double_precision=15))
        text = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def uncited(self) -> list[str]:
        """Parameters and district columns without a source or assumption note."""
        # An optional column no row fills (``province`` outside national scenarios) needs no source.
        filled = [c for c in self.districts.columns
                  if (self.districts[c].notna() & (self.districts[c].astype(str).str.strip() != "")).any()]
        missing = uncited(self.params, self.sources, filled)
        if self.units is not None:
            missing += [f"units.{c}" for c in self.units.columns
                        if c not in ("id", "district", "name_zh", "name_en", "source", "_line")
                        and not is_covered(f"units.{c}", self.sources)]
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
        entries, problems = override_entries(overrides, origin)
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
    entries, problems = override_entries(overrides, origin)
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
    except UnicodeDecodeError:
        return None, [Problem(name, "", "is not UTF-8 text")]
    except (OSError, KeyError, ValueError):  # missing, a folder, unreadable, a path with a NUL
        where = chain[-1] if chain else name
        return None, [Problem(where, "base" if chain else "", f"cannot read scenario file {name!r}")]
    if len(text) > MAX_FILE_BYTES:
        return None, [Problem(name, "", f"is larger than {MAX_FILE_BYTES // 2**20} MB; refused unread")]
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
        if parameter_for(key) is None and not is_source_prefix(key):
            problems.append(Problem(name, f"sources.{key}",
                                    "cites a key that is not a parameter, a parameter group "
                                    "or a district column"))

    entries, flat_problems = flatten(data, name)
    problems += flat_problems

    if base_name is None:
        layers = _Layers(params={}, district_overrides=[], sources={}, overrides=[],
                         file_of={"": name}, files={})
    else:
        if not isinstance(base_name, str):
            return None, problems + [Problem(name, "base", "must be the name of a scenario file")]
        base_path = str(PurePosixPath(name).parent / base_name)
        layers, base_problems = _read_layers(normalise_path(base_path), read_text, chain + (name,))
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
            if not is_covered(key, sources):
                problems.append(Problem(name, key,
                                        "overrides its base without a [sources] entry: cite where "
                                        "the value comes from or write \"assumption: ...\""))
    return layers, problems


def _apply(layers: _Layers, entries: list[Entry], origin: str, record: bool) -> None:
    """Apply one layer's entries (already free of duplicates) on top of ``layers``."""
    for key, value, _ in entries:
        district = district_key(key)
        if district is not None and district[1] is not None:
            layers.district_overrides.append((district[0], district[1], value, origin))
            continue
        previous = layers.params.get(key)
        if record:
            layers.overrides.append(Override(key, value, previous, origin))
        layers.params[key] = value
        layers.file_of[key] = origin


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
        csv_name = normalise_path(str(layers.dirs.get(key, PurePosixPath(".")) / params[key]))
        try:
            text = read_text(csv_name)
        except UnicodeDecodeError:
            problems.append(Problem(csv_name, "", "is not UTF-8 text"))
            return csv_name, None
        except (OSError, KeyError, ValueError):
            problems.append(Problem(layers.file_of.get(key, name), key, f"cannot read {what} {csv_name!r}"))
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
        districts, district_problems, changes = apply_district_overrides(districts, layers.district_overrides)
        problems += district_problems
        layers.overrides += changes
        if not district_problems and not has_units:
            problems += check_districts(districts, params, district_file)
        districts = typed(districts, DISTRICT_COLUMNS)

    if has_units:
        unit_file, text = read_csv("scenario.units", "unit table")
        if text is not None:
            units, unit_problems = parse_unit_table(text, unit_file, districts)
            problems += unit_problems
            if units is not None and not unit_problems:
                problems += check_districts(units, params, unit_file)
                units = typed(units, UNIT_COLUMNS)

    montecarlo = None
    if layers.montecarlo is not None and not problems:
        montecarlo, mc_problems = parse_spec(layers.montecarlo[1], layers.montecarlo[0], params, districts, units)
        problems += mc_problems

    if problems:
        raise ScenarioError(problems)
    assert districts is not None
    return Scenario(name=name, params=params, districts=districts, sources=dict(layers.sources),
                    overrides=tuple(layers.overrides), files=dict(layers.files),
                    user_entries=tuple(entries), units=units, montecarlo=montecarlo)


