"""Scenario references as plain data, and the app's state as URL query parameters.

A :class:`ScenarioRef` names a scenario the way the app holds it: the main TOML
file (a shipped scenario, or a scenario kept in the store -- saved or uploaded --
named by its content's sha256) plus the overrides the user applied, as ``(dotted
key, TOML value text)`` pairs. A :class:`RunRef` names a recorded run (its figures
as they were recorded). Both are hashable plain data, so they can key a cache and
travel in a link.

A pasted link reproduces what its sender saw::

    ?scenario=tianjin-2006.toml&set=city.ceiling_yuan.2007=30000000
    &compare=tianjin-2006.toml&compare=tianjin-2006-tight-ceiling.toml&ref=0&baselines=1&lang=zh

(``baselines=1``: the Compare page adds the rule-based baselines of the reference.)
A stored scenario travels as ``scenario=store:<sha256>``, a recorded run as
``compare=run:<id>`` and, on the Run page, ``run=<id>``; whether the store has them
is checked by the app, which holds the store.

:func:`decode_state` never raises on bad input: every unknown or malformed
parameter becomes a :class:`~model.errors.Problem` (file ``"link"``) and its
default is used instead. Whether the overrides make a valid scenario is checked
when the scenario is loaded (``Scenario.with_overrides``), not here.
"""

from __future__ import annotations

import json
import math
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..errors import Problem
from .keys import PATH_KEYS, untrusted_path_rule
from .schema import DISTRICT_COLUMNS_BY_NAME, parameter_for

#: The ``file`` of problems found in a link.
LINK = "link"
#: At most this many scenarios are compared side by side.
MAX_COMPARED = 4
#: Prefix of references to uploaded scenarios of earlier versions (kept in one session only).
UPLOAD_PREFIX = "upload:"
#: Prefix of references to scenarios kept in the store, by their content's sha256.
STORE_PREFIX = "store:"
#: Prefix of references to recorded runs, by their id in the store.
RUN_PREFIX = "run:"
#: Query parameters Streamlit itself uses; they are not ours to judge.
STREAMLIT_PARAMS = frozenset({"embed", "embed_options"})
PARAMS = ("scenario", "set", "compare", "ref", "baselines", "lang", "run")
#: How a link may write a yes/no parameter.
FLAGS = {"1": True, "true": True, "yes": True, "0": False, "false": False, "no": False}


def format_value(value: Any) -> str:
    """A parameter value as TOML text, the same for equal values.

    Parameters
    ----------
    value : bool, int, float or str
        numpy scalars are accepted and converted.

    Returns
    -------
    str
        ``true``, ``42``, ``20900000.0``, ``inf``, ``"Heping"``.
    """
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    raise TypeError(f"cannot write {value!r} as a scenario value")


def parse_value(text: str) -> Any:
    """Read TOML value text back (the inverse of :func:`format_value`).

    Raises
    ------
    ValueError
        When ``text`` is not a single TOML value.
    """
    try:
        value = tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{text!r} is not a value (a number, true/false or \"text\")") from exc
    if isinstance(value, (dict, list)):
        raise ValueError(f"{text!r} is not a single value")
    return value


def is_override_key(key: str) -> bool:
    """Whether ``key`` names a parameter (also one year of a yearly table) or a
    district cell ``districts.<id>.<column>``."""
    if parameter_for(key) is not None:
        return True
    parts = key.split(".")
    return (len(parts) == 3 and parts[0] == "districts" and bool(parts[1])
            and parts[2] in DISTRICT_COLUMNS_BY_NAME and parts[2] != "id")


def _escape(text: str) -> str:
    return text.replace("%", "%25").replace(";", "%3B")


def _unescape(text: str) -> str:
    return text.replace("%3B", ";").replace("%3b", ";").replace("%25", "%")


@dataclass(frozen=True)
class ScenarioRef:
    """A scenario as plain data: its main file, where it comes from, and overrides.

    Attributes
    ----------
    base : str
        File name of the scenario's main TOML file (``tianjin-2006.toml``).
    overrides : tuple of (str, str)
        ``(dotted key, TOML value text)``, sorted by key, each key once.
    stored : str or None
        sha256 of the scenario's content in the store (a saved or uploaded scenario),
        or None for a shipped scenario. A link to a stored scenario carries only this;
        ``base`` is then ``""`` until the app has read the files from the store.
    """

    base: str
    overrides: tuple[tuple[str, str], ...] = ()
    stored: str | None = None

    @classmethod
    def make(cls, base: str, overrides: Mapping[str, Any] = None, stored: str | None = None) -> ScenarioRef:
        """A reference with ``overrides`` given as python values (normalised)."""
        pairs = {key: format_value(value) for key, value in (overrides or {}).items()}
        return cls(base, tuple(sorted(pairs.items())), stored)

    def override_values(self) -> dict[str, Any]:
        """The overrides as python values, by key."""
        return {key: parse_value(text) for key, text in self.overrides}

    def with_overrides(self, overrides: Mapping[str, Any]) -> ScenarioRef:
        """This reference with ``overrides`` replacing (or adding to) its own."""
        merged = dict(self.overrides)
        merged.update({key: format_value(value) for key, value in overrides.items()})
        return ScenarioRef(self.base, tuple(sorted(merged.items())), self.stored)

    def replace_overrides(self, overrides: Mapping[str, Any]) -> ScenarioRef:
        """The same base with exactly ``overrides``."""
        return ScenarioRef.make(self.base, overrides, self.stored)

    @property
    def shareable(self) -> bool:
        """Whether a link can carry this scenario (shipped and stored ones can)."""
        return True

    def to_param(self) -> str:
        """``base;key=value;key=value`` (``%`` and ``;`` in values escaped); a stored
        scenario's head is ``store:<sha256>``."""
        head = f"{STORE_PREFIX}{self.stored}" if self.stored is not None else self.base
        return ";".join([head] + [f"{key}={_escape(text)}" for key, text in self.overrides])


@dataclass(frozen=True)
class RunRef:
    """A recorded run, by its id in the store: its scenario and figures as recorded."""

    run_id: int
    overrides: tuple[tuple[str, str], ...] = ()  # a run is shown as it was, never edited

    @property
    def shareable(self) -> bool:
        return True

    def to_param(self) -> str:
        return f"{RUN_PREFIX}{self.run_id}"

    def override_values(self) -> dict[str, Any]:
        return {}


@dataclass
class LinkState:
    """What a link carries: the current scenario, the compared set, the language.

    Attributes
    ----------
    scenario : ScenarioRef
        The scenario on the Scenario and Results pages.
    compare : list of ScenarioRef
        The scenarios on the Compare page (at most :data:`MAX_COMPARED`).
    reference : int
        Index in ``compare`` of the scenario the differences are taken against.
    language : str
        Language code of the labels.
    baselines : bool
        Whether the Compare page adds the rule-based baselines of the reference.
    """

    scenario: ScenarioRef
    compare: list[ScenarioRef | RunRef] = field(default_factory=list)
    reference: int = 0
    language: str = "en"
    baselines: bool = False
    run: int | None = None  # the recorded run the Run page shows


def parse_run_id(text: str, where: str) -> tuple[int | None, list[Problem]]:
    """A run id (a whole number from 1) from a link; ``None`` and a problem otherwise."""
    text = text.strip()
    if not text.isdigit() or int(text) < 1:
        return None, [Problem(LINK, where, f"must be a run id (a whole number from 1, see History), got {text!r}")]
    return int(text), []


def parse_ref(text: str, shipped: Sequence[str], where: str) -> tuple[ScenarioRef | RunRef | None, list[Problem]]:
    """A reference from its link form; ``None`` and problems when it is unusable.

    A malformed override is dropped with a problem; the rest are kept.
    """
    parts = text.split(";")
    head = parts[0].strip()
    if head.startswith(UPLOAD_PREFIX):
        return None, [Problem(LINK, where, f"names the uploaded scenario {head[len(UPLOAD_PREFIX):]!r} of an "
                              "earlier version, kept only in the session that uploaded it; upload the files again")]
    if head.startswith(RUN_PREFIX):
        run_id, problems = parse_run_id(head[len(RUN_PREFIX):], where)
        if len(parts) > 1 and run_id is not None:
            problems.append(Problem(LINK, where, "a recorded run is shown as it was: its overrides are ignored"))
        return (RunRef(run_id) if run_id is not None else None), problems
    if head.startswith(STORE_PREFIX):
        sha = head[len(STORE_PREFIX):].strip().lower()
        if len(sha) != 64 or any(c not in "0123456789abcdef" for c in sha):
            return None, [Problem(LINK, where, f"must name a stored scenario by its sha256 (64 hex digits), "
                                  f"got {head!r}")]
        pairs, problems = parse_overrides(parts[1:], where)
        return ScenarioRef.make("", pairs, stored=sha), problems
    if head not in shipped:
        return None, [Problem(LINK, where, f"names no shipped scenario ({head!r}); "
                              f"known: {', '.join(shipped)}")]
    pairs, problems = parse_overrides(parts[1:], where)
    return ScenarioRef.make(head, pairs), problems


def parse_overrides(items: Iterable[str], where: str) -> tuple[dict[str, Any], list[Problem]]:
    """``KEY=VALUE`` strings to values; malformed, unknown or repeated keys are problems."""
    values: dict[str, Any] = {}
    problems: list[Problem] = []
    for item in items:
        if not item.strip():
            continue
        key, sep, text = item.partition("=")
        key = key.strip()
        if not sep or not key:
            problems.append(Problem(LINK, where, f"{item!r} must be KEY=VALUE, e.g. "
                                    "city.ceiling_yuan.2007=30000000"))
            continue
        if not is_override_key(key):
            problems.append(Problem(LINK, f"{where} {key}", "is not a scenario parameter or "
                                    "district cell (districts.<id>.<column>)"))
            continue
        try:
            value = parse_value(_unescape(text.strip()))
        except ValueError as exc:
            problems.append(Problem(LINK, f"{where} {key}", str(exc)))
            continue
        if key in values:
            problems.append(Problem(LINK, f"{where} {key}", "is set twice; the first value is kept"))
            continue
        rule = untrusted_path_rule(value) if key in PATH_KEYS else None
        if rule:
            problems.append(Problem(LINK, f"{where} {key}", rule))
            continue
        values[key] = value
    return values, problems


def encode_state(state: LinkState, default: ScenarioRef, default_language: str) -> dict[str, str | list[str]]:
    """Query parameters for ``state``; values equal to the defaults are left out."""
    params: dict[str, str | list[str]] = {}
    if state.scenario.base != default.base or state.scenario.stored is not None:
        params["scenario"] = state.scenario.to_param().split(";")[0]
    if state.scenario.overrides:
        params["set"] = [f"{key}={_escape(text)}" for key, text in state.scenario.overrides]
    if state.compare:
        params["compare"] = [ref.to_param() for ref in state.compare]
        if state.reference:
            params["ref"] = str(state.reference)
    if state.baselines:
        params["baselines"] = "1"
    if state.language != default_language:
        params["lang"] = state.language
    if state.run is not None:
        params["run"] = str(state.run)
    return params


def decode_state(params: Mapping[str, Sequence[str]], shipped: Sequence[str], default: ScenarioRef,
                 languages: Sequence[str], default_language: str) -> tuple[LinkState, list[Problem]]:
    """The state a link asks for, with the defaults for whatever is bad in it.

    Parameters
    ----------
    params : mapping of str to list of str
        Every query parameter with all its values (``st.query_params.to_dict()``
        keeps only the last; pass ``{k: query_params.get_all(k)}``).
    shipped : sequence of str
        File names of the shipped scenarios.
    default : ScenarioRef
        The scenario shown when the link names none (or a bad one).
    languages : sequence of str
        Known language codes.
    default_language : str
        The language when the link names none (or an unknown one).

    Returns
    -------
    LinkState, list of Problem
        Never raises: each problem names the parameter and the rule, and its
        default is used in its place.
    """
    problems: list[Problem] = []
    for name in params:
        if name not in PARAMS and name not in STREAMLIT_PARAMS:
            problems.append(Problem(LINK, name, f"is not a link parameter (known: {', '.join(PARAMS)}); ignored"))

    def single(name: str) -> str | None:
        values = [v for v in params.get(name, []) if v is not None]
        if len(values) > 1:
            problems.append(Problem(LINK, name, "is given more than once; the last value is used"))
        return values[-1] if values else None

    language = single("lang") or default_language
    if language not in languages:
        problems.append(Problem(LINK, "lang", f"must be one of {', '.join(languages)}, got {language!r}; "
                                f"showing {default_language}"))
        language = default_language

    scenario = default
    name = single("scenario")
    scenario_ok = True
    if name is not None:
        ref, ref_problems = parse_ref(name, shipped, "scenario")
        if isinstance(ref, RunRef):  # a run is opened with run=<id>, not made the scenario to edit
            ref_problems, ref = [Problem(LINK, "scenario", f"names a recorded run ({name!r}); "
                                         f"open it with run={ref.run_id}")], None
        problems += ref_problems
        scenario_ok = ref is not None
        if ref is not None:
            scenario = ref
    sets = list(params.get("set", []))
    if sets:
        if not scenario_ok:
            problems.append(Problem(LINK, "set", "belongs to a scenario the link cannot show; "
                                    "the overrides are not applied"))
        else:
            values, set_problems = parse_overrides(sets, "set")
            problems += set_problems
            scenario = scenario.with_overrides(values)

    compare: list[ScenarioRef | RunRef] = []
    for i, text in enumerate(params.get("compare", [])):
        if len(compare) == MAX_COMPARED:
            problems.append(Problem(LINK, "compare", f"names more than {MAX_COMPARED} scenarios; "
                                    f"the first {MAX_COMPARED} are compared"))
            break
        ref, ref_problems = parse_ref(text, shipped, f"compare #{i + 1}")
        problems += ref_problems
        if ref is not None:
            compare.append(ref)

    reference = 0
    ref_text = single("ref")
    if ref_text is not None:
        if not ref_text.strip().isdigit():
            problems.append(Problem(LINK, "ref", f"must be the position of a compared scenario "
                                    f"(0, 1, ...), got {ref_text!r}; using the first"))
        elif int(ref_text) >= max(len(compare), 1):
            problems.append(Problem(LINK, "ref", f"is {ref_text} but {len(compare)} scenario(s) are "
                                    "compared; using the first"))
        else:
            reference = int(ref_text)

    baselines = False
    flag = single("baselines")
    if flag is not None:
        if flag.strip().lower() in FLAGS:
            baselines = FLAGS[flag.strip().lower()]
        else:
            problems.append(Problem(LINK, "baselines", f"must be 1 or 0, got {flag!r}; baselines not shown"))
    run = None
    run_text = single("run")
    if run_text is not None:
        run, run_problems = parse_run_id(run_text, "run")
        problems += run_problems
    return LinkState(scenario, compare, reference, language, baselines, run), problems
