"""The message catalogues: complete, translated, up to date with the code (docs/i18n.md).

The template (``budgetsim.pot``) must be what extraction finds today; each catalogue
(en, zh) must translate every message of it, with the same ``{placeholders}`` in both
languages; and every label the app shows for a model name (read from the schema and
``model.constants`` here, not from ``app_pages/i18n_keys.py``) must have both languages.
"""

from __future__ import annotations

import ast
import gettext
import os
import string
import subprocess
import sys

import pytest
from babel.messages.pofile import read_po

from app_pages import i18n
from model.constants import PROGRAMS, RULES, Requirement
from model.scenario.schema import DISTRICT_COLUMNS, PARAMETERS

from .conftest import ROOT

LOCALE = ROOT / "app_pages" / "locale"
TEMPLATE = LOCALE / "budgetsim.pot"
LANGS = list(i18n.LANGUAGES)
SOURCES = [ROOT / "app.py", *sorted((ROOT / "app_pages").glob("*.py"))]


def read(path):
    with open(path, "rb") as f:
        return read_po(f)


def ids(catalogue) -> set[tuple[str | None, str]]:
    """(context, msgid) of every message (the header left out)."""
    return {(m.context, m.id) for m in catalogue if m.id}


def extract(output) -> None:
    """The extraction of `make i18n`, into ``output``."""
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg", "-k", "t",
                    "--no-location", "--sort-output", "--project", "budgetsim", "-o", str(output), "."],
                   cwd=ROOT, check=True, capture_output=True)


def fields(text: str) -> set[str]:
    """The ``{name}`` placeholders of a text, as ``str.format`` reads them."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def test_the_template_is_what_extraction_finds(tmp_path):
    extract(tmp_path / "now.pot")
    now, committed = ids(read(tmp_path / "now.pot")), ids(read(TEMPLATE))
    assert not now - committed, f"used in the code but not in the template (run `make i18n`): {sorted(now - committed, key=str)}"
    assert not committed - now, f"in the template but no longer in the code (run `make i18n`): {sorted(committed - now, key=str)}"


def test_every_t_call_in_the_code_is_in_the_template():
    """Also the calls extraction cannot see (inside f-strings): they belong in i18n_keys.FSTRING_KEYS."""
    template = {msgid for context, msgid in ids(read(TEMPLATE)) if context is None}
    used = {}
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "t"
                    and node.args and isinstance(node.args[0], ast.Constant)):
                used.setdefault(node.args[0].value, f"{path.name}:{node.lineno}")
    missing = {key: where for key, where in used.items() if key not in template}
    assert not missing, f"t() keys not in the template (list them in app_pages/i18n_keys.py): {missing}"


@pytest.mark.parametrize("lang", LANGS)
def test_each_catalogue_translates_every_message_of_the_template(lang):
    catalogue = read(LOCALE / lang / "LC_MESSAGES" / "budgetsim.po")
    template = ids(read(TEMPLATE))
    assert not template - ids(catalogue), f"missing in {lang} (run `make i18n`): {sorted(template - ids(catalogue), key=str)}"
    assert not ids(catalogue) - template, f"not in the template, in {lang}: {sorted(ids(catalogue) - template, key=str)}"
    untranslated = [(m.context, m.id) for m in catalogue if m.id and not m.string]
    assert not untranslated, f"untranslated in {lang}: {untranslated}"
    fuzzy = [(m.context, m.id) for m in catalogue if m.id and m.fuzzy]
    assert not fuzzy, f"fuzzy in {lang} (check each, then remove its flag): {fuzzy}"


def test_placeholders_are_the_same_in_every_language():
    english = {(m.context, m.id): m.string for m in read(LOCALE / "en" / "LC_MESSAGES" / "budgetsim.po") if m.id}
    for lang in LANGS:
        for m in read(LOCALE / lang / "LC_MESSAGES" / "budgetsim.po"):
            if m.id and (m.context, m.id) in english:
                assert fields(m.string) == fields(english[m.context, m.id]), (lang, m.id, m.string)


def scaled_units() -> set[str]:
    """Units the Scenario page shows in 10k yuan: those of its PARAM_SCALE and COLUMN_SCALE keys (read
    from its source, as the page runs on import)."""
    scales = {}
    for node in ast.parse((ROOT / "app_pages" / "scenario.py").read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", None) in ("PARAM_SCALE", "COLUMN_SCALE"):
            scales.update(ast.literal_eval(node.value))
    units = {p.unit for p in PARAMETERS if p.key in scales} | {c.unit for c in DISTRICT_COLUMNS if c.name in scales}
    assert units, "no scaled keys found in scenario.py"
    return {unit.replace("yuan", "10k yuan", 1) for unit in units}


def shown_labels() -> list[tuple[str, str, str]]:
    """(label function, context, name) of every model name the app labels."""
    edited = [p for p in PARAMETERS if not p.key.startswith("scenario.")]  # the Scenario page's inputs
    units = {p.unit for p in PARAMETERS} | {c.unit for c in DISTRICT_COLUMNS} | scaled_units()
    return [
        *(("param_label", "param", p.key) for p in edited),
        *(("group_label", "group", g) for g in sorted({p.key.split(".")[0] for p in edited})),
        *(("column_label", "column", c.name) for c in DISTRICT_COLUMNS),
        *(("unit_label", "unit", u) for u in sorted(units)),
        *(("program_label", "program", p.value) for p in PROGRAMS),
        *(("requirement_label", "requirement", r.value) for r in Requirement),
        *(("rule_label", "rule", r.value) for r in RULES),
    ]


@pytest.mark.parametrize("lang", LANGS)
def test_every_label_of_a_model_name_has_a_translation(lang, monkeypatch):
    catalogue = {(m.context, m.id): m.string for m in read(LOCALE / lang / "LC_MESSAGES" / "budgetsim.po")
                 if m.id and m.string and not m.fuzzy}
    monkeypatch.setattr(i18n, "language", lambda: lang)
    missing = [(context, name) for _, context, name in shown_labels() if (context, name) not in catalogue]
    assert not missing, f"no {lang} label (run `make i18n`, then translate): {missing}"
    for function, context, name in shown_labels():
        expected = catalogue[context, name].replace("m2", "m²") if context == "unit" else catalogue[context, name]
        assert getattr(i18n, function)(name) == expected, (function, name)


def test_t_fills_placeholders_in_the_session_language(monkeypatch):
    monkeypatch.setattr(i18n, "language", lambda: "zh")
    assert i18n.t("sidebar_changes", n=3) == "相对文件修改了 3 项"
    assert i18n.t("provenance", solver="highs", seconds=1.234, sha="ab") == "求解器 highs，用时 1.23 秒 · 情景 sha256 ab"
    monkeypatch.setattr(i18n, "language", lambda: "en")
    assert i18n.t("app_title") == "budgetsim: transfers for community work"
    assert i18n.param_label("nobody.knows") == "nobody.knows"  # a name without a label shows as itself
    with pytest.raises(KeyError):
        i18n.t("no_such_key")


def test_a_missing_or_older_mo_file_is_compiled_again(tmp_path, monkeypatch):
    (tmp_path / "zh" / "LC_MESSAGES").mkdir(parents=True)
    po = tmp_path / "zh" / "LC_MESSAGES" / "budgetsim.po"
    po.write_bytes((LOCALE / "zh" / "LC_MESSAGES" / "budgetsim.po").read_bytes())
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path)
    mo = i18n.compile_catalogue("zh")
    assert mo == po.with_suffix(".mo")
    with mo.open("rb") as f:
        assert gettext.GNUTranslations(f).gettext("page_results") == "结果"
    po.write_bytes(po.read_bytes().replace("\"结果\"".encode(), "\"成果\"".encode()))
    os.utime(mo, (po.stat().st_mtime - 10, po.stat().st_mtime - 10))  # the .mo is now older than the .po
    with i18n.compile_catalogue("zh").open("rb") as f:
        assert gettext.GNUTranslations(f).gettext("page_results") == "成果"
