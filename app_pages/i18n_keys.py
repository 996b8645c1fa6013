"""Message ids that ``pybabel extract`` cannot find in the code, listed for it.

Babel's Python extractor finds ``t("key")`` calls whose key is a literal. It misses:

- keys the pages build or keep in tables (``t(f"table_{name}")``, ``TABS``, ``COLUMN_TEXT``);
- ``t("key")`` calls written inside an f-string (``f"{t('fr_total')} ({unit})"``), which
  Python 3.11's tokenizer hands over as one string;
- the labels keyed by the model's own names, each in its gettext context: parameter keys
  (``param``), district columns (``column``), units (``unit``), programs (``program``),
  hard requirements (``requirement``), parameter groups (``group``) and allocation rules
  (``rule``). These are read from ``model`` here, so a new parameter or column reaches the
  template by itself.

``babel.cfg`` runs :func:`extract` on this file instead of the Python extractor, so
every id below lands in ``app_pages/locale/budgetsim.pot`` (docs/i18n.md).
"""

from __future__ import annotations

from collections.abc import Iterator

from model.constants import PROGRAMS, RULES, Requirement
from model.scenario.schema import DISTRICT_COLUMNS, PARAMETERS

#: Keys of ``t()`` built at run time, by where they are built.
BUILT_KEYS: tuple[str, ...] = (
    # scenario.py: the tabs (TABS)
    "tab_money", "tab_programs", "tab_sharing",
    # ui.py metric_label: t(f"m_{metric}") for the model's headline figures
    "m_transfers_yuan", "m_ceiling_yuan", "m_ceiling_used_share", "m_own_yuan", "m_capacity_yuan",
    "m_missing_hard_yuan", "m_targets_met", "m_targets", "m_points_per_million", "m_missing_cut_per_million",
    # ui.py people_table: column headers (COLUMN_TEXT)
    "col_ceiling_used", "col_own", "col_gap", "col_closed", "col_left", "col_at_standard",
    "col_points_per_million", "col_missing_cut_per_million", "col_province", "col_districts", "col_communities",
    # ui.py tables_section: t(f"table_{name}") for the model's tables
    "table_allocation", "table_compliance", "table_money", "table_district_money", "table_unmet_hard",
    "table_status_quo_compliance", "table_targets", "table_headline", "table_differences",
    "table_districts", "table_inputs", "table_programs", "table_equity_by_district",
    "table_sensitivity_ceiling", "table_sensitivity_next_million", "table_sensitivity_targets",
    "table_sensitivity_deadlines",
    # compare.py: the model's outcome of a district, t(outcome)
    "gains", "loses", "same",
    # decision.py: t(f"alt_{kind}"), t(f"an_col_{sign}"), t(f"dx_legal_{requirement}")
    "alt_move_deadline", "alt_lower_standard", "alt_raise_own_contribution", "alt_raise_ceiling",
    "an_col_plus", "an_col_minus", "dx_legal_minimum_wage", "dx_legal_social_insurance",
    # frontier.py: the breakpoint and today columns, t(key)
    "fr_col_kink", "fr_col_today",
    # history.py and run.py: t(f"hist_status_{status}"), t(f"hist_source_{source}"), t(f"hist_kind_{kind}")
    "hist_status_optimal", "hist_status_hard_targets_unmet", "hist_status_done",
    "hist_source_cli", "hist_source_app", "hist_source_api", "hist_kind_run", "hist_kind_sweep", "hist_kind_montecarlo",
    # result_view.py certificate_section: t(f"cert_stage_{stage}") for the model's stages
    "cert_stage_unmet_hard", "cert_stage_soft_closure", "cert_stage_city_transfers", "cert_stage_tie_break",
    # not shown by any page today; kept so that t() still knows them
    "app_title", "unit_yuan", "unmet",
)

#: Keys of ``t()`` called inside f-strings, by page.
FSTRING_KEYS: tuple[str, ...] = (
    # compare.py
    "cmp_col_closed_change", "cmp_col_transfers_change", "col_total", "col_transfers",
    # decision.py
    "an_ceiling", "an_col_closed", "an_col_drop_missing", "an_col_drop_money", "an_col_holds",
    "an_col_price_missing", "an_col_requirement_money", "an_col_transfer", "an_cuts_only", "an_deadlines",
    "an_rises_only", "an_targets", "an_where", "dx_alternatives", "dx_col_alone", "dx_col_extra",
    "dx_col_missing_after", "dx_col_needed", "dx_col_today", "dx_extra_by_year", "dx_extra_total",
    "dx_requirements", "dx_why", "eq_per_committee",
    # frontier.py
    "col_ceiling", "col_missing", "fr_chart_missing", "fr_chart_points", "fr_plus_million_missing",
    "fr_today", "fr_total",
    # history.py
    "hist_col_missing", "hist_col_transfers",
    # method.py
    "district_sources", "overrides_heading",
    # result_view.py
    "chart_compliance", "chart_money_year", "chart_own_city", "chart_transfers", "col_capacity",
    "districts_changed", "figures_changed", "inputs_changed", "met", "missing_cut_label", "missing_money",
    "money_by_year", "not_met", "own_spending", "transfers", "value_by_year",
    # scenario.py
    "kind_saved", "kind_shipped", "kind_uploaded",
    # ui.py
    "download_csv_table",
)

#: Units the Scenario page shows in 10k yuan (its PARAM_SCALE and COLUMN_SCALE).
SCALED_UNITS: tuple[str, ...] = ("10k yuan", "10k yuan/year")


def labels() -> Iterator[tuple[str, str, str]]:
    """(context, msgid, note for translators) of every label keyed by a model name."""
    edited = [p for p in PARAMETERS if not p.key.startswith("scenario.")]  # what the Scenario page edits
    for param in edited:
        yield "param", param.key, param.description
    for group in dict.fromkeys(p.key.split(".")[0] for p in edited):
        yield "group", group, ""
    for column in DISTRICT_COLUMNS:
        yield "column", column.name, column.description
    for unit in dict.fromkeys([*(p.unit for p in PARAMETERS), *(c.unit for c in DISTRICT_COLUMNS), *SCALED_UNITS]):
        yield "unit", unit, ""
    for program in PROGRAMS:
        yield "program", program.value, ""
    for requirement in Requirement:
        yield "requirement", requirement.value, ""
    for rule in RULES:
        yield "rule", rule.value, ""


def extract(fileobj, keywords, comment_tags, options):
    """Babel extraction method (named in babel.cfg): the ids above, whatever the file says.

    Yields Babel's ``(lineno, funcname, message, comments)``: plain keys as ``gettext``
    calls, labels as ``pgettext(context, msgid)`` calls (both default Babel keywords).
    """
    for key in dict.fromkeys(BUILT_KEYS + FSTRING_KEYS):
        yield 1, "gettext", key, []
    for context, msgid, note in labels():
        yield 1, "pgettext", (context, msgid), [note] if note else []
