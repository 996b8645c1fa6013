"""The session's state: current scenario, drafts, saved and uploaded scenarios, the link.

Scenarios are held as :class:`model.scenario.links.ScenarioRef` (plain, hashable data).
Loading and solving are cached with ``st.cache_data`` on plain data - the main
file's name, every file's text and the overrides as ``(key, value text)`` tuples -
so switching pages or languages never solves again.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

import dataclasses

from model import (
    DEFAULT_SCENARIO,
    Problem,
    Result,
    Scenario,
    ScenarioError,
    load_scenario_texts,
    scenario_files,
    shipped_scenarios,
    solve,
)
from model.analysis.options import baseline_options
from model.analysis.diagnosis import Diagnosis, diagnose
from model.analysis.frontier import Frontier, compute_frontier
from model.scenario.links import LinkState, ScenarioRef, decode_state, encode_state
from model.scenario.text import upload_path_problems
from model.analysis.sensitivity import Sensitivity, sensitivity

from .i18n import DEFAULT_LANGUAGE, LANG_KEY, LANGUAGES, t

DEFAULT_REF = ScenarioRef(DEFAULT_SCENARIO)
APP_ORIGIN = "app"

# Session-state keys (widget keys of the Scenario form start with FORM_PREFIX).
CURRENT = "current_ref"
DRAFT = "draft"
FORM_PROBLEMS = "form_problems"
HISTORY = "history"
SAVED = "saved"
UPLOADS = "uploads"
COMPARE = "compare"
REFERENCE = "reference"
BASELINES = "baselines"
ANALYSED = "analysed"
LINK_PROBLEMS = "link_problems"
FORM_PREFIX = "p:"
EDITOR_KEY = "district_editor"
FLASH = "flash"


# --- cached loading and solving on plain data -----------------------------------------
@st.cache_data(show_spinner=False)
def shipped_texts() -> dict[str, str]:
    """Text of every shipped scenario file, by name."""
    return scenario_files()


@st.cache_data(show_spinner=False)
def shipped_names() -> list[str]:
    return shipped_scenarios()


def _reader(files: tuple[tuple[str, str], ...]):
    table = dict(files)
    return table.__getitem__


@st.cache_data(show_spinner=False, max_entries=128)
def _load(base: str, files: tuple[tuple[str, str], ...], overrides: tuple[tuple[str, str], ...]) -> Scenario:
    return load_scenario_texts(base, _reader(files), [f"{k}={v}" for k, v in overrides], origin=APP_ORIGIN)


@st.cache_data(show_spinner=False, max_entries=64)
def _solve(base: str, files: tuple[tuple[str, str], ...], overrides: tuple[tuple[str, str], ...]) -> Result:
    return solve(_load(base, files, overrides))


# Decision analysis: each is a function of the scenario alone, cached like the solve. The
# frontier is shared: the diagnosis takes its uniform scale-up from it and the analysis
# its money equivalents, so the Frontier page, the diagnosis and the analysis of one
# scenario compute it once.
@st.cache_data(show_spinner=False, max_entries=16)
def _frontier(base: str, files: tuple[tuple[str, str], ...], overrides: tuple[tuple[str, str], ...]) -> Frontier:
    return compute_frontier(_load(base, files, overrides))


@st.cache_data(show_spinner=False, max_entries=16)
def _diagnosis(base: str, files: tuple[tuple[str, str], ...],
               overrides: tuple[tuple[str, str], ...]) -> Diagnosis | None:
    scenario = _load(base, files, overrides)
    found = diagnose(scenario, _solve(base, files, overrides), with_frontier=False)
    if found is None:
        return None
    # diagnose(with_frontier=True) takes the same number from compute_frontier itself.
    return dataclasses.replace(found, uniform_total_needed=_frontier(base, files, overrides).feasible_from_yuan)


@st.cache_data(show_spinner=False, max_entries=16)
def _sensitivity(base: str, files: tuple[tuple[str, str], ...],
                 overrides: tuple[tuple[str, str], ...]) -> Sensitivity:
    return sensitivity(_load(base, files, overrides), _solve(base, files, overrides),
                       frontier=_frontier(base, files, overrides))


@st.cache_data(show_spinner=False, max_entries=16)
def _baselines(base: str, files: tuple[tuple[str, str], ...],
               overrides: tuple[tuple[str, str], ...]) -> dict[str, Result]:
    options = baseline_options(_load(base, files, overrides), base)
    return {result.rule: result for _, result in options.values()}


def files_of(ref: ScenarioRef) -> tuple[tuple[str, str], ...]:
    """The files a reference reads: the shipped ones, with this session's upload on top."""
    files = dict(shipped_texts())
    if ref.upload is not None:
        upload = st.session_state.get(UPLOADS, {}).get(ref.upload)
        if upload is None:
            raise ScenarioError([Problem(ref.base, "", "this uploaded scenario is no longer in the session; "
                                         "upload it again")])
        files.update(upload["files"])
    return tuple(sorted(files.items()))


def load(ref: ScenarioRef) -> Scenario:
    """The scenario a reference names (raises ScenarioError with every problem)."""
    return _load(ref.base, files_of(ref), ref.overrides)


def solve_ref(ref: ScenarioRef) -> Result:
    """The result of a reference's scenario (cached)."""
    return _solve(ref.base, files_of(ref), ref.overrides)


def frontier_of(ref: ScenarioRef) -> Frontier:
    """The budget frontier of a reference's scenario (cached; seconds on the city scenario)."""
    return _frontier(ref.base, files_of(ref), ref.overrides)


def diagnosis_of(ref: ScenarioRef) -> Diagnosis | None:
    """Why the scenario's hard targets are unmet and what would fix it (None: all met)."""
    return _diagnosis(ref.base, files_of(ref), ref.overrides)


def sensitivity_of(ref: ScenarioRef) -> Sensitivity:
    """Shadow prices with their ranges, the next million, target and deadline costs."""
    return _sensitivity(ref.base, files_of(ref), ref.overrides)


def baselines_of(ref: ScenarioRef) -> dict[str, Result]:
    """The rule-based baselines of a reference's scenario, by rule (``model.analysis.baselines.Rule`` value)."""
    return _baselines(ref.base, files_of(ref), ref.overrides)


#: Above this many units (communities) a decision analysis re-solves a large LP hundreds of
#: times (tens of seconds each): it starts only when asked for, never by itself.
LARGE_UNITS = 100


def is_large(scenario: Scenario) -> bool:
    """Whether the scenario is too large for a decision analysis that starts by itself."""
    return len(scenario.unit_table) > LARGE_UNITS


def requested(kind: str, ref: ScenarioRef) -> bool:
    """Whether ``kind`` (``analysis``, ``frontier``, ``diagnosis``) was asked for ``ref`` in
    this session (then it is shown again without asking)."""
    return (kind, ref) in st.session_state.get(ANALYSED, set())


def request(kind: str, ref: ScenarioRef) -> None:
    st.session_state.setdefault(ANALYSED, set()).add((kind, ref))


def load_upload(main: str, files: dict[str, str]) -> Scenario:
    """An uploaded scenario (its files on top of the shipped ones), before it joins the session.
    Every path it names is checked first: it can name only its own files and the shipped ones."""
    problems = upload_path_problems(files)
    if problems:
        raise ScenarioError(problems)
    merged = dict(shipped_texts())
    merged.update(files)
    return _load(main, tuple(sorted(merged.items())), ())


def file_ref(ref: ScenarioRef) -> ScenarioRef:
    """The same scenario without the overrides set in the app."""
    return ref.replace_overrides({})


# --- the current scenario and its history ---------------------------------------------
def current() -> ScenarioRef:
    return st.session_state[CURRENT]


def set_current(ref: ScenarioRef) -> None:
    """Make ``ref`` (already validated) the current scenario and record it as a run."""
    st.session_state[CURRENT] = ref
    st.session_state[DRAFT] = ref.override_values()
    st.session_state[FORM_PROBLEMS] = []
    history: list[ScenarioRef] = st.session_state.setdefault(HISTORY, [])
    if not history or history[-1] != ref:
        history.append(ref)
        del history[:-20]  # the last twenty runs are enough to go back to
    clear_form()


def clear_form() -> None:
    """Forget the Scenario form's widget values so they show the current values again."""
    for key in list(st.session_state.keys()):
        if isinstance(key, str) and (key.startswith(FORM_PREFIX) or key == EDITOR_KEY):
            del st.session_state[key]


def previous_run() -> ScenarioRef | None:
    history = st.session_state.get(HISTORY, [])
    return history[-2] if len(history) >= 2 else None


def label_of(ref: ScenarioRef) -> str:
    """A scenario's name as the user knows it (its title, or the name it was saved under)."""
    name = dict(ref.overrides).get("scenario.name")
    if name is not None:
        return ref.override_values()["scenario.name"]
    try:
        title = load(file_ref(ref)).title
    except ScenarioError:
        title = ref.base
    if ref.upload is not None:
        title = f"{title} ({ref.base})"
    return t("edited", label=title) if ref.overrides else title


# --- the link ----------------------------------------------------------------------
def _validated(ref: ScenarioRef, where: str, problems: list[Problem]) -> ScenarioRef | None:
    """``ref`` when it loads; else its file without overrides (or None) and the problems."""
    try:
        load(ref)
        return ref
    except ScenarioError as exc:
        problems += [Problem("link", f"{where}: {p.where}" if p.where else where, p.rule) for p in exc.problems]
    try:
        load(file_ref(ref))
        return file_ref(ref)
    except ScenarioError:
        return None


def init_session() -> None:
    """Once per session: the state the link asks for, or the defaults."""
    if CURRENT in st.session_state:
        return
    params = {key: st.query_params.get_all(key) for key in st.query_params.keys()}
    state, problems = decode_state(params, shipped_names(), DEFAULT_REF, list(LANGUAGES), DEFAULT_LANGUAGE)
    scenario = _validated(state.scenario, "scenario", problems) or DEFAULT_REF
    compare = []
    for i, ref in enumerate(state.compare):
        ok = _validated(ref, f"compare #{i + 1}", problems)
        if ok is not None and ok not in compare:
            compare.append(ok)
    st.session_state[LANG_KEY] = state.language
    st.session_state[SAVED] = {}
    st.session_state[UPLOADS] = {}
    st.session_state[COMPARE] = compare
    st.session_state[REFERENCE] = state.reference if state.reference < len(compare) else 0
    st.session_state[BASELINES] = state.baselines
    st.session_state[ANALYSED] = set()
    st.session_state[LINK_PROBLEMS] = problems
    st.session_state[HISTORY] = []
    set_current(scenario)


def sync_link() -> None:
    """Write the session's state into the address bar (only when it changed)."""
    state = LinkState(current(), list(st.session_state.get(COMPARE, [])),
                      int(st.session_state.get(REFERENCE, 0)),
                      st.session_state.get(LANG_KEY, DEFAULT_LANGUAGE),
                      bool(st.session_state.get(BASELINES, False)))
    wanted = encode_state(state, DEFAULT_REF, DEFAULT_LANGUAGE)
    wanted = {k: v if isinstance(v, list) else [v] for k, v in wanted.items()}
    have = {key: st.query_params.get_all(key) for key in st.query_params.keys()}
    if have != wanted:
        st.query_params.from_dict(wanted)


def draft() -> dict[str, Any]:
    return st.session_state.get(DRAFT, {})
