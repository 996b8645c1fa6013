"""Labels in English and Chinese, from gettext catalogues. The default language is set here, in one place.

``t("key")`` returns the label in the session's language; ``{name}`` fields are
filled from keyword arguments. The keys are the catalogues' message ids. The labels
of the model's own names (parameter keys, district columns, units, programs,
requirements, groups, rules) are those names, each kind in its gettext context.

The catalogues are ``locale/<lang>/LC_MESSAGES/budgetsim.po``, managed with Babel
(docs/i18n.md). Each is compiled to its ``.mo`` on import when that is missing or
older than the ``.po``, so a fresh clone needs no extra step.
"""

from __future__ import annotations

import gettext
import os
from pathlib import Path

import streamlit as st
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

#: The language a session starts in (a link's ``lang`` parameter can change it).
DEFAULT_LANGUAGE = "en"
LANGUAGES = {"en": "English", "zh": "中文"}
LANG_KEY = "lang"

#: Where the catalogues live, and their gettext domain.
LOCALE_DIR = Path(__file__).with_name("locale")
DOMAIN = "budgetsim"


def catalogue_path(lang: str) -> Path:
    """The .po file of ``lang``."""
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def compile_catalogue(lang: str) -> Path:
    """The .mo file of ``lang``, compiled from its .po first if it is missing or older."""
    po = catalogue_path(lang)
    mo = po.with_suffix(".mo")
    if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
        with po.open("rb") as f:
            catalogue = read_po(f, locale=lang)
        partial = mo.with_name(f"{mo.name}.{os.getpid()}")  # written whole, then renamed: no one reads half a file
        with partial.open("wb") as f:
            write_mo(f, catalogue)  # fuzzy and untranslated entries are left out
        os.replace(partial, mo)
    return mo


def _translations() -> dict[str, gettext.NullTranslations]:
    """Each language's messages; one its catalogue lacks is looked up in English."""
    for lang in LANGUAGES:
        compile_catalogue(lang)
    return {lang: gettext.translation(DOMAIN, LOCALE_DIR, languages=[lang, "en"]) for lang in LANGUAGES}


def _keys() -> frozenset[str]:
    """The keys of ``t()``: the English catalogue's ids that have no context."""
    with catalogue_path("en").open("rb") as f:
        return frozenset(m.id for m in read_po(f) if m.id and not m.context)


TRANSLATIONS = _translations()
#: Every key ``t()`` knows, for pages that check a key they build before using it.
TEXT = _keys()


def language() -> str:
    """The session's language code."""
    lang = st.session_state.get(LANG_KEY, DEFAULT_LANGUAGE)
    return lang if lang in LANGUAGES else DEFAULT_LANGUAGE


def t(key: str, **fields) -> str:
    """The label ``key`` in the session's language, with ``fields`` filled in."""
    if key not in TEXT:
        raise KeyError(key)  # a key no catalogue has is a typo in the page
    text = TRANSLATIONS[language()].gettext(key)
    return text.format(**fields) if fields else text


def _label(context: str, name: str) -> str:
    """The label of a model name in ``context``; the name itself when no catalogue has one."""
    return TRANSLATIONS[language()].pgettext(context, name)


def program_label(program: str) -> str:
    return _label("program", program)


def requirement_label(requirement: str) -> str:
    return _label("requirement", requirement)


def group_label(group: str) -> str:
    return _label("group", group)


def param_label(key: str) -> str:
    return _label("param", key)


def column_label(name: str) -> str:
    return _label("column", name)


def unit_label(unit: str) -> str:
    return _label("unit", unit).replace("m2", "m²")  # also for a unit no catalogue has


def rule_label(rule: str) -> str:
    return _label("rule", rule)
