"""The Streamlit app, driven headlessly with AppTest: every number shown is the model's.

Expected values are computed here from the model's result tables, independently of
the app's own code.
"""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

import model.pipeline
from model import load_scenario, solve

from .conftest import ROOT, SCENARIOS

APP = str(ROOT / "app.py")
DEFAULT = SCENARIOS / "tianjin-2006.toml"
TIGHT = "tianjin-2006-tight-ceiling.toml"


def wan(yuan: float, signed: bool = False) -> str:
    value = yuan / 1e4
    digits = 0 if abs(value) >= 100 or value == 0 else 1
    return f"{value:+,.{digits}f}" if signed else f"{value:,.{digits}f}"


def metric(at: AppTest, label_start: str):
    for m in at.metric:
        if m.label.startswith(label_start):
            return m
    raise AssertionError(f"no metric {label_start!r}; have {[m.label for m in at.metric]}")


def ok(at: AppTest) -> AppTest:
    assert not at.exception, [e.value for e in at.exception]
    return at


def start(**query) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    for key, value in query.items():
        at.query_params[key] = value
    return ok(at.run())


def go(at: AppTest, page: str) -> AppTest:
    return ok(at.switch_page(f"app_pages/{page}.py").run())


def apply(at: AppTest) -> AppTest:
    button = next(b for b in at.button if b.label == "Apply and run")
    return ok(button.click().run())


def frame(at: AppTest, first_column: str):
    for df in at.dataframe:
        if len(df.value.columns) and df.value.columns[0] == first_column:
            return df.value
    raise AssertionError(f"no table starting with {first_column!r}")


def test_default_scenario_headline_numbers(default_scenario, default_result):
    at = start()
    assert metric(at, "Hard targets").value == "All met"
    assert metric(at, "City transfers (10k yuan)").value == wan(default_result.money.transfers_yuan.sum())
    assert metric(at, "District own spending").value == wan(default_result.money.own_yuan.sum())
    price = default_result.money.shadow_price_points_per_yuan.iloc[0] * 1e6
    assert metric(at, "+1 million yuan of ceiling in 2006").value == f"{price:,.1f} points"
    service = default_result.compliance_by_year()["service_space"][2010]
    assert metric(at, "Service rooms (soft)").value == f"{service:.1%}"
    assert any("short by" in c.value and f"{(0.6 - service) * 100:.1f}" in c.value for c in at.caption)


def test_changing_the_ceiling_changes_the_headline_by_what_the_model_gives(default_result):
    at = go(start(), "scenario")
    at.number_input(key="p:city.ceiling_yuan.2007").set_value(3000.0)  # 10k yuan = 30 million yuan
    apply(at)
    assert not [e.value for e in at.error]
    assert at.session_state["current_ref"].override_values() == {"city.ceiling_yuan.2007": 30_000_000.0}
    go(at, "results")
    expected = solve(load_scenario(DEFAULT, {"city.ceiling_yuan.2007": 3e7}))
    before, after = default_result.money.transfers_yuan.sum(), expected.money.transfers_yuan.sum()
    transfers = metric(at, "City transfers")
    assert transfers.value == wan(after)
    assert transfers.delta == f"{wan(after - before, signed=True)} 10k yuan"
    # the previous run is kept: the changes table names the input, before and after
    inputs = frame(at, "input")
    assert inputs.iloc[0].tolist() == ["Transfer ceiling 2007", "yuan/year", "27,000,000", "30,000,000"]
    figures = frame(at, "figure").set_index("figure")
    assert figures.loc["City transfers (10k yuan)", "change"] == wan(after - before, signed=True)


def test_a_district_edit_reaches_the_results():
    at = go(start(), "scenario")
    row = load_scenario(DEFAULT).district_ids.index("hedong")
    # own capacity is shown in 10k yuan: 2,000 = 20 million yuan a year
    at.session_state["district_editor"] = {"edited_rows": {row: {"capacity_yuan": 2000.0}},
                                           "added_rows": [], "deleted_rows": []}
    apply(at)
    assert at.session_state["current_ref"].override_values() == {"districts.hedong.capacity_yuan": 20_000_000.0}
    go(at, "results")
    expected = solve(load_scenario(DEFAULT, {"districts.hedong.capacity_yuan": 2e7}))
    assert metric(at, "District own spending").value == wan(expected.money.own_yuan.sum())
    assert metric(at, "City transfers").value == wan(expected.money.transfers_yuan.sum())
    assert frame(at, "input").iloc[0, 0] == "Hedong: own capacity"


def test_validation_errors_are_shown_in_place_and_the_edits_kept():
    at = go(start(), "scenario")
    row = load_scenario(DEFAULT).district_ids.index("hedong")
    at.number_input(key="p:office_space.deadline").set_value(2012)
    at.number_input(key="p:city.ceiling_yuan.2008").set_value(3500.0)
    at.session_state["district_editor"] = {"edited_rows": {row: {"office_below_standard": 500}},
                                           "added_rows": [], "deleted_rows": []}
    apply(at)
    errors = [e.value for e in at.error]
    assert errors[0] == "Not applied: fix these 2 problem(s). Your edits are kept."
    assert "must be a year of the horizon 2006-2010, got 2012" in errors
    assert "Hedong (hedong), column offices below standard: must not exceed committees (138), got 500" in errors
    # nothing applied, nothing lost: the current scenario is unchanged, the edits wait in the form
    assert at.session_state["current_ref"].overrides == ()
    assert at.number_input(key="p:office_space.deadline").value == 2012
    assert at.number_input(key="p:city.ceiling_yuan.2008").value == 3500.0
    assert at.session_state["draft"]["districts.hedong.office_below_standard"] == 500
    # fixing the deadline and the district applies everything at once
    at.number_input(key="p:office_space.deadline").set_value(2009)
    at.session_state["district_editor"] = {"edited_rows": {row: {"office_below_standard": 20}},
                                           "added_rows": [], "deleted_rows": []}
    apply(at)
    assert not [e.value for e in at.error]
    assert at.session_state["current_ref"].override_values() == {
        "city.ceiling_yuan.2008": 35_000_000.0, "office_space.deadline": 2009,
        "districts.hedong.office_below_standard": 20}


def test_compare_two_scenarios_against_the_model(solved):
    at = go(start(compare=["tianjin-2006.toml", TIGHT]), "compare")
    base, tight = solved("tianjin-2006.toml"), solved(TIGHT)
    side = frame(at, "figure")
    label_base, label_tight = side.columns[1], side.columns[2]
    assert (label_base, label_tight) == ("Tianjin 2006 (default)", "Tianjin 2006, tight ceiling (0.02 % of revenue)")
    assert side.columns.tolist() == ["figure", label_base, label_tight, f"Δ {label_tight}"]
    side = side.set_index("figure")
    assert side.loc["City transfers (10k yuan)", label_tight] == wan(tight.money.transfers_yuan.sum())
    diff = side[f"Δ {label_tight}"]
    change = tight.money.transfers_yuan.sum() - base.money.transfers_yuan.sum()
    assert diff["City transfers (10k yuan)"] == wan(change, signed=True)
    assert diff["Missing money for hard targets (10k yuan)"] == wan(tight.unmet_hard.missing_yuan.sum(), signed=True)
    office = tight.compliance_by_year()["office_space"][2010] - base.compliance_by_year()["office_space"][2010]
    assert diff["Office space, 2010"] == f"{office * 100:+.1f} pts"
    # winners and losers: each district's change in transfers, in 10k yuan
    districts = frame(at, "district").set_index("district")
    for district, name in [("wuqing", "Wuqing"), ("jixian", "Ji")]:
        a = base.allocation.query("district == @district").transfer_yuan.sum()
        b = tight.allocation.query("district == @district").transfer_yuan.sum()
        assert districts.loc[name, "change (10k yuan)"] == pytest.approx((b - a) / 1e4)
    inputs = frame(at, "input")
    assert inputs["input"].tolist() == [f"Transfer ceiling {y}" for y in range(2006, 2011)]
    assert inputs.set_index("input").loc["Transfer ceiling 2006", label_tight] == "8,300,000"


def test_link_parameters_restore_a_state():
    at = start(set="city.ceiling_yuan.2007=30000000", lang="zh",
               compare=["tianjin-2006.toml", TIGHT], ref="1")
    assert at.session_state["current_ref"].override_values() == {"city.ceiling_yuan.2007": 30_000_000}
    assert at.session_state["lang"] == "zh"
    assert at.session_state["reference"] == 1
    expected = solve(load_scenario(DEFAULT, {"city.ceiling_yuan.2007": 3e7}))
    assert metric(at, "市级转移支付").value == wan(expected.money.transfers_yuan.sum())
    assert not at.warning
    go(at, "compare")
    assert at.selectbox(key="compare_reference").value == TIGHT
    # the link is written back unchanged, also after switching pages
    link = {k: v if isinstance(v, list) else [v] for k, v in at.query_params.items()}
    assert link == {"set": ["city.ceiling_yuan.2007=30000000"], "lang": ["zh"], "ref": ["1"],
                    "compare": ["tianjin-2006.toml", TIGHT]}


def test_a_bad_link_gives_a_clear_message_and_the_defaults(default_result):
    at = start(lang="fr", scenario="nope.toml", set="city.ceiling_yuan.2007=lots", colour="red")
    assert at.warning[0].value.startswith("Some of the link could not be used")
    text = " ".join(m.value for m in at.markdown)
    assert "`lang`" in text and "`scenario`" in text and "`colour`" in text
    assert at.session_state["current_ref"].overrides == ()
    assert metric(at, "City transfers").value == wan(default_result.money.transfers_yuan.sum())
    # a well-formed override that breaks a rule is reported by the model, not applied
    at = start(set="office_space.deadline=2030")
    assert "must be a year of the horizon 2006-2010, got 2030" in " ".join(m.value for m in at.markdown)
    assert at.session_state["current_ref"].overrides == ()


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_page_renders_in_both_languages(lang):
    at = start(lang=lang)
    for page in ("scenario", "results", "compare", "method"):
        go(at, page)
        assert at.title, page
    if lang == "zh":
        assert at.title[0].value == "方法"
        assert "河东区" in frame(at, "区县")["区县"].tolist()


def test_switching_pages_and_languages_does_not_solve_again(monkeypatch):
    at = start(set="weights.member_subsidy=0.19")  # a scenario no other test solves
    calls = []
    original = model.pipeline.formulate
    monkeypatch.setattr(model.pipeline, "formulate", lambda inputs: calls.append(1) or original(inputs))
    for page in ("scenario", "results", "compare", "method", "results"):
        go(at, page)
    first = len(calls)  # Compare solves the other shipped scenario once
    ok(at.radio(key="lang").set_value("zh").run())
    for page in ("scenario", "results", "compare", "results"):
        go(at, page)
    assert len(calls) == first


def test_saving_a_scenario_makes_it_comparable():
    at = go(start(), "scenario")
    at.number_input(key="p:city.ceiling_yuan.2007").set_value(3000.0)
    apply(at)
    at.text_input(key="save_name").set_value("Option B")
    ok(next(b for b in at.button if b.label == "Save").click().run())
    assert "Option B" in at.session_state["saved"]
    assert at.session_state["current_ref"].override_values()["scenario.name"] == "Option B"
    go(at, "compare")
    options = at.multiselect(key="compare_choice").options
    assert any("Option B" in o for o in options)


def test_missing_money_comes_first_when_hard_targets_are_unmet(solved):
    at = start(scenario=TIGHT)
    result = solved(TIGHT)
    missing = result.unmet_hard.missing_yuan.sum()
    assert missing > 0
    assert metric(at, "Missing money (10k yuan)").value == wan(missing)
    cut = result.money.shadow_price_missing_yuan_per_yuan.iloc[0] * 1e6
    assert metric(at, "Missing money cut by +1M yuan in 2006").value == wan(cut)
    table = frame(at, "requirement")
    totals = result.unmet_hard.groupby("district").missing_yuan.sum()
    assert table["total (10k yuan)"].sum() == pytest.approx(missing / 1e4)
    assert table["total (10k yuan)"].max() == pytest.approx(
        result.unmet_hard.groupby(["requirement", "district"]).missing_yuan.sum().max() / 1e4)
    assert totals.sum() == pytest.approx(missing)
