"""Property-based fuzzing of the whole loading path with Hypothesis: mutated TOML text,
district CSVs, --set overrides, link parameters and uploads of the shipped scenarios.

Properties: loading raises nothing but :class:`~model.errors.ScenarioError`, whose every
problem names a file the input has, a place (key, row/column) unless the rule is about the
whole file, and a rule; a mutation that loads always solves, to a result whose money and
shares are finite and within their bounds. The profile (``--fuzz-profile``, see
``conftest.py``) bounds the run in ``make test``; each run adds its counts to
``test-artifacts/fuzz-counts.json`` (docs/reliability.md quotes them).
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections import Counter

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from model import Status, load_scenario_texts, solve
from model.errors import ScenarioError
from model.io import scenario_files
from model.scenario.links import ScenarioRef, decode_state
from model.scenario.schema import DISTRICT_COLUMNS, PARAMETERS
from model.scenario.text import load_upload, main_candidates, read_uploads

from .conftest import FIXTURES, ROOT

HAND = {p.name: p.read_text(encoding="utf-8") for p in (FIXTURES / "hand").iterdir()}
SHIPPED = scenario_files()
COUNTS: Counter = Counter()
#: Rules about a whole file: they need no key or row.
WHOLE_FILE = ("is not", "is empty", "is larger", "has no", "holds", "must have at most", "unpacks to",
              "cannot read", "names a chain", "this uploaded")


def check_problems(exc: ScenarioError, files: set[str]) -> None:
    """Every problem names a known file (or --set), a place unless it is about the whole file, a rule."""
    assert exc.problems, "a ScenarioError lists its problems"
    for problem in exc.problems:
        head = problem.file.split(": ")[0]
        assert head in files or head in ("--set", "link"), problem
        assert problem.rule.strip(), problem
        assert problem.where.strip() or problem.rule.startswith(WHOLE_FILE), problem
        assert "Traceback" not in str(problem)


def load_or_problems(name: str, files: dict[str, str], overrides=(), upload: bool = False):
    """The scenario, or None after checking the ScenarioError; anything else fails the test."""
    COUNTS["examples"] += 1
    try:
        if upload:
            scenario = load_upload(name, files, shipped=SHIPPED)
        else:
            scenario = load_scenario_texts(name, files.__getitem__, overrides)
    except ScenarioError as exc:
        COUNTS["refused with problems"] += 1
        check_problems(exc, set(files) | {name})
        return None
    except Exception:
        COUNTS["tracebacks"] += 1
        raise
    COUNTS["loaded"] += 1
    return scenario


def solves(scenario) -> None:
    """A valid scenario solves, to finite money within the ceiling and shares in [0, 1]."""
    try:
        result = solve(scenario, status_quo=False)
    except Exception:
        COUNTS["tracebacks"] += 1
        raise
    COUNTS["solved"] += 1
    assert result.status in (Status.OPTIMAL, Status.HARD_TARGETS_UNMET)
    money = result.money
    assert np.isfinite(money["transfers_yuan"]).all()
    assert (money["transfers_yuan"] <= money["ceiling_yuan"] * (1 + 1e-6) + 1).all()
    shares = result.compliance["share"].dropna()
    assert ((shares >= -1e-9) & (shares <= 1 + 1e-9)).all()


# --- strategies ----------------------------------------------------------------------
NASTY_NUMBERS = ["nan", "inf", "-inf", "1e300", "-1e300", "0", "-0.0", "-1", "1e15", "2e10", "0.5", "7",
                 "1_000", "0x10", "1e-300", "99999999999999999999"]
toml_values = st.one_of(
    st.sampled_from(NASTY_NUMBERS),
    st.integers(-10**20, 10**20).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(lambda v: repr(v).replace("inf", "inf")),
    st.sampled_from(['"text"', '""', "true", "false", "[1, 2]", "{}", "{ 2006 = 1 }", '"=1+2"',
                     '"/etc/passwd"', '"../x.csv"', '"hand-districts.csv"', "1979-05-27", "[", '"\\u0000"']),
    st.text(max_size=8).map(json.dumps),
)
cell_values = st.one_of(
    st.sampled_from(NASTY_NUMBERS + ["", " ", "abc", "=1+2", "'=1+2", '"', "city", "county", "central",
                                     "河东", "\t", "1,5", "\x00", "0.0000001"]),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.text(max_size=6),
)
keys = st.one_of(
    st.sampled_from([p.key for p in PARAMETERS]),
    st.sampled_from([p.key for p in PARAMETERS if p.kind == "by_year"]).flatmap(
        lambda k: st.integers(1985, 2110).map(lambda y: f"{k}.{y}")),
    st.tuples(st.sampled_from(["alpha", "beta", "gamma", "ALPHA", ""]),
              st.sampled_from([c.name for c in DISTRICT_COLUMNS] + ["nope"])).map(
        lambda t: f"districts.{t[0]}.{t[1]}"),
    st.text(alphabet="abcxyz._0123456789 =", max_size=20),
)


@st.composite
def toml_mutations(draw, text: str) -> str:
    """A TOML text with a few lines deleted, duplicated, re-valued, added, cut or byte-damaged."""
    lines = text.splitlines()
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["delete", "duplicate", "revalue", "unknown", "truncate", "garble"]))
        i = draw(st.integers(0, max(len(lines) - 1, 0)))
        if not lines:
            lines = [""]
        if kind == "delete":
            lines.pop(i)
        elif kind == "duplicate":
            lines.insert(i, lines[i])
        elif kind == "revalue" and "=" in lines[i]:
            lines[i] = lines[i].split("=", 1)[0] + "= " + draw(toml_values)
        elif kind == "unknown":
            lines.insert(i, f"{draw(st.sampled_from(['nope', 'ceiling', 'x.y', 'capacity_yuan']))} = "
                            f"{draw(toml_values)}")
        elif kind == "truncate":
            lines = lines[:i]
        else:
            line = lines[i]
            at = draw(st.integers(0, len(line)))
            lines[i] = line[:at] + draw(st.text(max_size=3)) + line[at:]
    return "\n".join(lines) + "\n"


@st.composite
def csv_mutations(draw, text: str) -> str:
    """A district CSV with cells, rows or columns changed, removed, repeated or renamed."""
    rows = list(csv.reader(io.StringIO(text)))
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["cell", "cell", "drop_row", "dup_row", "drop_col", "dup_col",
                                     "rename_col", "ragged", "blank"]))
        r = draw(st.integers(0, len(rows) - 1)) if rows else 0
        if not rows or not rows[0]:
            break
        c = draw(st.integers(0, len(rows[0]) - 1))
        if kind == "cell" and r < len(rows) and c < len(rows[r]):
            rows[r][c] = draw(cell_values)
        elif kind == "drop_row":
            rows.pop(r)
        elif kind == "dup_row":
            rows.insert(r, list(rows[r]))
        elif kind == "drop_col":
            rows = [row[:c] + row[c + 1:] for row in rows]
        elif kind == "dup_col":
            rows = [row + [row[c]] if c < len(row) else row for row in rows]
        elif kind == "rename_col":
            rows[0][c] = draw(st.sampled_from(["", "nope", "ID", rows[0][c] + " ", "committees"]))
        elif kind == "ragged":
            rows[r] = rows[r][:c]
        else:
            rows.insert(r, [])
    out = io.StringIO()
    csv.writer(out, lineterminator=draw(st.sampled_from(["\n", "\r\n"]))).writerows(rows)
    return out.getvalue()


# --- properties ----------------------------------------------------------------------
@given(st.data())
def test_mutated_toml_is_refused_with_problems_or_solves(data):
    text = data.draw(toml_mutations(HAND["hand.toml"]), label="hand.toml")
    scenario = load_or_problems("hand.toml", {**HAND, "hand.toml": text})
    if scenario is not None:
        solves(scenario)


@given(st.data())
def test_mutated_district_csv_is_refused_with_problems_or_solves(data):
    text = data.draw(csv_mutations(HAND["hand-districts.csv"]), label="hand-districts.csv")
    scenario = load_or_problems("hand.toml", {**HAND, "hand-districts.csv": text})
    if scenario is not None:
        solves(scenario)


@given(st.lists(st.tuples(keys, toml_values), min_size=1, max_size=4))
def test_set_overrides_are_refused_with_problems_or_solve(pairs):
    scenario = load_or_problems("hand.toml", HAND, [f"{k}={v}" for k, v in pairs])
    if scenario is not None:
        solves(scenario)


@given(st.data())
def test_the_shipped_default_mutated_loads_or_says_why(data):
    name = data.draw(st.sampled_from(["tianjin-2006.toml", "tianjin-2006-districts.csv",
                                      "tianjin-2006-tight-ceiling.toml"]), label="file")
    text = SHIPPED[name]
    mutated = data.draw(toml_mutations(text) if name.endswith(".toml") else csv_mutations(text), label=name)
    main = "tianjin-2006-tight-ceiling.toml" if name == "tianjin-2006-tight-ceiling.toml" else "tianjin-2006.toml"
    scenario = load_or_problems(main, {**SHIPPED, name: mutated})
    if scenario is not None:
        solves(scenario)


link_values = st.one_of(st.sampled_from(["tianjin-2006.toml", "tianjin-2006-tight-ceiling.toml", "nope.toml",
                                         "upload:u1", "", "1", "0", "yes", "zh", "xx", "5", "-1",
                                         "tianjin-2006.toml;city.ceiling_yuan.2007=3e7",
                                         "tianjin-2006.toml;scenario.districts=\"/etc/passwd\"",
                                         "city.ceiling_yuan.2007=1e300", "districts.hedong.capacity_yuan=-5",
                                         "scenario.units=\"../x.csv\"", "a=b=c", "=", ";;;"]),
                        st.text(max_size=12))


@given(st.dictionaries(st.sampled_from(["scenario", "set", "compare", "ref", "baselines", "lang", "run", "embed", "zz"]),
                       st.lists(link_values, min_size=1, max_size=3), max_size=6))
def test_link_parameters_never_raise_and_their_scenario_loads_or_says_why(params):
    COUNTS["link examples"] += 1
    shipped = sorted(n for n in SHIPPED if n.endswith(".toml"))
    default = ScenarioRef.make("tianjin-2006.toml")
    state, problems = decode_state(params, shipped, default, ["en", "zh"], "en")
    for problem in problems:
        assert problem.file == "link" and problem.where.strip() and problem.rule.strip()
    ref = state.scenario
    if ref.stored is None:  # a stored scenario is looked up by the app, which holds the store
        scenario = load_or_problems(ref.base, SHIPPED, [f"{k}={v}" for k, v in ref.overrides])
        if scenario is not None and ref.overrides:  # (the shipped scenarios themselves are solved elsewhere)
            solves(scenario)


def _encode(files: dict[str, str], encoding: str) -> dict[str, bytes]:
    return {name: text.encode(encoding, errors="replace") for name, text in files.items()}


@given(st.data())
def test_uploads_of_any_bytes_are_refused_with_problems_or_solve(data):
    files = {"hand.toml": data.draw(toml_mutations(HAND["hand.toml"]), label="toml")
             if data.draw(st.booleans(), label="mutate toml") else HAND["hand.toml"],
             "hand-districts.csv": data.draw(csv_mutations(HAND["hand-districts.csv"]), label="csv")
             if data.draw(st.booleans(), label="mutate csv") else HAND["hand-districts.csv"]}
    encoding = data.draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "gbk", "latin-1"]), label="encoding")
    uploads = _encode(files, encoding)
    form = data.draw(st.sampled_from(["files", "zip", "junk", "empty"]), label="form")
    if form == "zip":
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            for name, raw in uploads.items():
                archive.writestr(data.draw(st.sampled_from([name, f"dir/{name}", f"../{name}"]), label="path"),
                                 raw)
        uploads = {"upload.zip": buffer.getvalue()}
        if data.draw(st.booleans(), label="damage zip"):
            raw = bytearray(uploads["upload.zip"])
            at = data.draw(st.integers(0, len(raw) - 1), label="at")
            raw[at] = (raw[at] + 1) % 256
            uploads["upload.zip"] = bytes(raw)
    elif form == "junk":
        uploads = {data.draw(st.sampled_from(["x.toml", "x.csv", "x.zip", "x.xlsx"]), label="name"):
                   data.draw(st.binary(max_size=200), label="bytes")}
    elif form == "empty":
        uploads = {name: b"" for name in uploads}
    COUNTS["upload examples"] += 1
    texts, problems = read_uploads(uploads)
    for problem in problems:
        assert problem.file.split(": ")[0] in uploads and problem.rule.strip()
    for main in main_candidates(texts):
        scenario = load_or_problems(main, texts, upload=True)
        if scenario is not None:
            solves(scenario)


@pytest.fixture(scope="module", autouse=True)
def record_counts():
    """After the module: add this run's counts to test-artifacts/fuzz-counts.json."""
    COUNTS.clear()
    yield
    path = ROOT / "test-artifacts" / "fuzz-counts.json"
    path.parent.mkdir(exist_ok=True)
    path.write_text(json.dumps(dict(sorted(COUNTS.items())), indent=2) + "\n", encoding="utf-8")
    assert COUNTS["tracebacks"] == 0


def test_counts_add_up():
    """Runs last in the module (pytest keeps file order): every example was loaded or refused."""
    assert COUNTS["examples"] == COUNTS["loaded"] + COUNTS["refused with problems"]
    assert 0 < COUNTS["solved"] <= COUNTS["loaded"]
