"""The session's state: current scenario, drafts, saved and uploaded scenarios, the link.

Scenarios are held as :class:`model.scenario.links.ScenarioRef` (plain, hashable data),
recorded runs as :class:`~model.scenario.links.RunRef`. Loading and solving are cached
with ``st.cache_data`` on plain data - the main file's name, every file's text and the
overrides as ``(key, value text)`` tuples - so switching pages or languages never
solves again.

Saved and uploaded scenarios live in the store (``model.store``: the SQLite file or
PostgreSQL server of ``$BUDGETSIM_DB``, the CLI's too), so they survive a reload, are
shared by every session and user of that store, and a link names them by their
content's sha256. Every solve the app makes is recorded there as a run (once per
scenario content while the server runs: a reload or a second session showing the same
figures is not a new run).
"""

from __future__ import annotations

from typing import Any

import streamlit as st

import dataclasses

from model import (
    DEFAULT_SCENARIO,
    SolveError,
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
from model.errors import StoreError
from model.results import result_from_files
from model.scenario.links import LinkState, RunRef, ScenarioRef, decode_state, encode_state
from model.store import Store, resolve_url
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
UPLOADS = "uploads"
COMPARE = "compare"
REFERENCE = "reference"
BASELINES = "baselines"
ANALYSED = "analysed"
LINK_PROBLEMS = "link_problems"
OPEN_RUN = "open_run"  # the run id the Run page shows
STORE_PROBLEM = "store_problem"
WHO = "saved_by"
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
    # The app records a run once, at Apply and run; every solve is certified (each stage
    # proven optimal by a bound the solver does not compute: a few hundredths of a second
    # for a city, 0.8 s for 20,000 communities), and the Results page says so.
    return solve(_load(base, files, overrides), record=False, certify=True)


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


# --- the store -------------------------------------------------------------------
@st.cache_resource(show_spinner=False)
def _open_store(url: str) -> Store:
    return Store.open(url)


def store() -> Store | None:
    """The store every session shares (None, with the reason kept for the pages, when it
    cannot be opened: a locked or corrupt file, a server that does not answer)."""
    try:
        opened = _open_store(str(resolve_url(None)))
    except StoreError as exc:
        st.session_state[STORE_PROBLEM] = str(exc)
        return None
    st.session_state.pop(STORE_PROBLEM, None)
    return opened


def need_store() -> Store:
    """The store, or a ScenarioError saying why it cannot be used."""
    opened = store()
    if opened is None:
        raise ScenarioError([Problem("store", "", st.session_state.get(STORE_PROBLEM, "cannot be opened"))])
    return opened


@st.cache_data(show_spinner=False, max_entries=256)
def _stored_files(url: str, sha: str) -> tuple[tuple[str, str], ...] | None:
    """A stored scenario's files (content never changes under its sha256: cached for good)."""
    opened = _open_store(url)
    if not opened.has_scenario(sha):
        return None
    return tuple(opened.scenario_files(sha).items())


def stored_files(sha: str) -> dict[str, str]:
    opened = need_store()
    files = _stored_files(str(opened.url), sha)
    if files is None:
        raise ScenarioError([Problem("store", sha[:12], f"is not a scenario kept in {opened.where}: it was "
                                     "deleted, or the link comes from another bureau's store")])
    return dict(files)


def stored_ref(sha: str, overrides: tuple[tuple[str, str], ...] = ()) -> ScenarioRef:
    """The reference to a stored scenario, with the name of its main file filled in."""
    main = next(name for name in stored_files(sha) if name.endswith(".toml"))
    return ScenarioRef(main, overrides, sha)


def resolved(ref: ScenarioRef | RunRef) -> ScenarioRef | RunRef:
    """A link's stored reference (its sha256 only) with its main file's name."""
    if isinstance(ref, ScenarioRef) and ref.stored is not None and not ref.base:
        return stored_ref(ref.stored, ref.overrides)
    return ref


def files_of(ref: ScenarioRef) -> tuple[tuple[str, str], ...]:
    """The files a reference reads: the shipped ones, with a stored scenario's on top."""
    files = dict(shipped_texts())
    if ref.stored is not None:
        files.update(stored_files(ref.stored))
    return tuple(sorted(files.items()))


@st.cache_data(show_spinner=False, max_entries=64)
def _run_files(url: str, run_id: int) -> tuple[tuple[str, str], ...]:
    """A recorded run's files (runs are append-only: cached for good)."""
    return tuple(_open_store(url).run(run_id).files.items())


def run_files(run_id: int) -> dict[str, str]:
    """A recorded run's files (``summary.json`` and its CSV tables), as recorded."""
    return dict(_run_files(str(need_store().url), run_id))


def run_info(run_id: int) -> dict[str, Any]:
    """A recorded run's row (``scenario_sha256``, ``created_at``, ``source``, ...) and its labels."""
    opened = need_store()
    try:
        run = opened.run(run_id)
    except StoreError as exc:  # "<the store> has no run 7 (see ...)": the store named
        raise ScenarioError([Problem("store", f"run {run_id}", f"{exc.where} {exc.rule}")]) from None
    return {**run.info, "presented": run.presented, "notes": list(run.labels.loc[run.labels["kind"] == "note", "text"]),
            "labels": run.labels}


def _run_scenario_ref(ref: RunRef) -> ScenarioRef:
    info = run_info(ref.run_id)
    if info["kind"] != "run":
        raise ScenarioError([Problem("store", f"run {ref.run_id}", f"is a {info['kind']}: it has a summary and "
                                     "output files, not one solve's figures (see `budgetsim runs show`)")])
    return stored_ref(info["scenario_sha256"])


def load(ref: ScenarioRef | RunRef) -> Scenario:
    """The scenario a reference names (raises ScenarioError with every problem)."""
    if isinstance(ref, RunRef):
        return load(_run_scenario_ref(ref))
    ref = resolved(ref)
    return _load(ref.base, files_of(ref), ref.overrides)


def solve_ref(ref: ScenarioRef | RunRef) -> Result:
    """The result of a reference's scenario (cached); a recorded run's result as recorded."""
    if isinstance(ref, RunRef):
        _run_scenario_ref(ref)  # a solve's run, in this store
        return result_from_files(run_files(ref.run_id))
    ref = resolved(ref)
    files = files_of(ref)
    result = _solve(ref.base, files, ref.overrides)
    opened = store()
    if opened is not None:
        try:
            _record(str(opened.url), ref.base, files, ref.overrides)
        except StoreError as exc:  # the figures are right; only their record is missing
            st.session_state[STORE_PROBLEM] = str(exc)
    return result


@st.cache_data(show_spinner=False, max_entries=256)
def _record(url: str, base: str, files: tuple[tuple[str, str], ...], overrides: tuple[tuple[str, str], ...]) -> int:
    """Record the solve of this scenario content once (while the server runs); its run id."""
    result = _solve(base, files, overrides)
    return _open_store(url).record_run(result, _load(base, files, overrides), source="app")


def run_id_of(ref: ScenarioRef | RunRef) -> int | None:
    """The id under which the figures of ``ref`` are recorded (None: not recorded)."""
    if isinstance(ref, RunRef):
        return ref.run_id
    opened = store()
    if opened is None:
        return None
    ref = resolved(ref)
    try:
        return _record(str(opened.url), ref.base, files_of(ref), ref.overrides)
    except (StoreError, ScenarioError, SolveError):
        return None


def _key(ref: ScenarioRef | RunRef) -> tuple[str, tuple[tuple[str, str], ...], tuple[tuple[str, str], ...]]:
    """The plain data the caches key on: main file, files, overrides (a run: its scenario's)."""
    ref = _run_scenario_ref(ref) if isinstance(ref, RunRef) else resolved(ref)
    return ref.base, files_of(ref), ref.overrides


def frontier_of(ref: ScenarioRef | RunRef) -> Frontier:
    """The budget frontier of a reference's scenario (cached; seconds on the city scenario)."""
    return _frontier(*_key(ref))


def diagnosis_of(ref: ScenarioRef | RunRef) -> Diagnosis | None:
    """Why the scenario's hard targets are unmet and what would fix it (None: all met)."""
    return _diagnosis(*_key(ref))


def sensitivity_of(ref: ScenarioRef | RunRef) -> Sensitivity:
    """Shadow prices with their ranges, the next million, target and deadline costs."""
    return _sensitivity(*_key(ref))


def baselines_of(ref: ScenarioRef | RunRef) -> dict[str, Result]:
    """The rule-based baselines of a reference's scenario, by rule (``model.analysis.baselines.Rule`` value)."""
    return _baselines(*_key(ref))


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


def keep_upload(scenario: Scenario) -> ScenarioRef:
    """Keep an uploaded scenario in the store (by content, without a name): a link can name it."""
    try:
        sha = need_store().keep_scenario(scenario)
    except StoreError as exc:
        raise ScenarioError([Problem("store", "", exc.rule)]) from None
    return stored_ref(sha)


def save(ref: ScenarioRef, name: str, note: str = "", who: str = "") -> ScenarioRef:
    """Save the scenario of ``ref`` in the store under ``name`` (a new version when the name
    already points at other content); the reference to the saved scenario."""
    scenario = load(ref.with_overrides({"scenario.name": name}))
    try:
        saved = need_store().save_scenario(scenario, name, note=note, who=who.strip() or None)
    except StoreError as exc:
        raise ScenarioError([Problem("store", name, exc.rule)]) from None
    _saved_list.clear()
    return stored_ref(saved.sha256)


@st.cache_data(show_spinner=False, ttl=5)
def _saved_list(url: str) -> list[dict[str, Any]]:
    """Each saved name's newest version (re-read every few seconds: other analysts save too)."""
    return _open_store(url).scenarios().to_dict("records")


def saved_scenarios() -> dict[str, ScenarioRef]:
    """Every saved scenario of the store, newest first, by name."""
    opened = store()
    if opened is None:
        return {}
    try:
        rows = _saved_list(str(opened.url))
    except StoreError as exc:
        st.session_state[STORE_PROBLEM] = str(exc)
        return {}
    return {row["name"]: stored_ref(row["sha256"]) for row in rows}


def file_ref(ref: ScenarioRef | RunRef) -> ScenarioRef | RunRef:
    """The same scenario without the overrides set in the app (a run as it is)."""
    return ref if isinstance(ref, RunRef) else ref.replace_overrides({})


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


def label_of(ref: ScenarioRef | RunRef) -> str:
    """A scenario's name as the user knows it (its title, or the name it was saved under);
    a recorded run as ``Run #id · title · when``."""
    if isinstance(ref, RunRef):
        try:
            info = run_info(ref.run_id)
        except ScenarioError:
            return t("run_label_unknown", id=ref.run_id)
        return t("run_label", id=ref.run_id, title=info["title"], when=f"{info['created_at']:%Y-%m-%d %H:%M} UTC")
    name = dict(ref.overrides).get("scenario.name")
    if name is not None:
        return ref.override_values()["scenario.name"]
    try:
        title = load(file_ref(ref)).title
    except ScenarioError:
        title = ref.base
    return t("edited", label=title) if ref.overrides else title


# --- the link ----------------------------------------------------------------------
def _validated(ref: ScenarioRef | RunRef, where: str, problems: list[Problem]) -> ScenarioRef | RunRef | None:
    """``ref`` when it loads; else its file without overrides (or None) and the problems."""
    try:
        ref = resolved(ref)
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
    if isinstance(scenario, RunRef):  # pragma: no cover - decode_state never makes a run the scenario
        scenario = DEFAULT_REF
    compare = []
    for i, ref in enumerate(state.compare):
        ok = _validated(ref, f"compare #{i + 1}", problems)
        if ok is not None and ok not in compare:
            compare.append(ok)
    st.session_state[LANG_KEY] = state.language
    st.session_state[UPLOADS] = {}
    st.session_state[OPEN_RUN] = state.run
    st.session_state[COMPARE] = compare
    st.session_state[REFERENCE] = state.reference if state.reference < len(compare) else 0
    st.session_state[BASELINES] = state.baselines
    st.session_state[ANALYSED] = set()
    st.session_state[LINK_PROBLEMS] = problems
    st.session_state[HISTORY] = []
    set_current(scenario)


def sync_link(on_run_page: bool = False) -> None:
    """Write the session's state into the address bar (only when it changed); the Run
    page's link also names its run."""
    state = LinkState(current(), list(st.session_state.get(COMPARE, [])),
                      int(st.session_state.get(REFERENCE, 0)),
                      st.session_state.get(LANG_KEY, DEFAULT_LANGUAGE),
                      bool(st.session_state.get(BASELINES, False)),
                      st.session_state.get(OPEN_RUN) if on_run_page else None)
    wanted = encode_state(state, DEFAULT_REF, DEFAULT_LANGUAGE)
    wanted = {k: v if isinstance(v, list) else [v] for k, v in wanted.items()}
    have = {key: st.query_params.get_all(key) for key in st.query_params.keys()}
    if have != wanted:
        st.query_params.from_dict(wanted)


def draft() -> dict[str, Any]:
    return st.session_state.get(DRAFT, {})
