"""The Streamlit app, driven headlessly with AppTest: every number shown is the model's.

Expected values are computed here from the model's result tables, independently of
the app's own code.
"""

from __future__ import annotations

import os

import uuid

import pytest
from streamlit.testing.v1 import AppTest

import model.pipeline
from model import load_scenario, open_store, solve
from model.analysis.baselines import RULES, solve_baseline
from model.analysis.compare import program_changes
from model.analysis.diagnosis import extra_ceiling
from model.analysis.frontier import compute_frontier
from model.formulation.inputs import build_inputs
from model.analysis.sensitivity import sensitivity

from .conftest import FIXTURES, ROOT, SCENARIOS

APP = str(ROOT / "app.py")
DEFAULT = SCENARIOS / "tianjin-2006.toml"
TIGHT = "tianjin-2006-tight-ceiling.toml"
HAND = FIXTURES / "hand"


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


def frame_with(at: AppTest, column: str):
    """The first table that has ``column``."""
    for df in at.dataframe:
        if column in df.value.columns:
            return df.value
    raise AssertionError(f"no table with a column {column!r}; have {[list(d.value.columns) for d in at.dataframe]}")


def upload(at: AppTest, *names: str) -> AppTest:
    """Upload fixture files on the Scenario page and load them, as an analyst would."""
    at = go(at, "scenario")
    at.file_uploader(key="uploader").set_value([(n, (HAND / n).read_bytes(), "text/plain") for n in names]).run()
    load = {"Load the uploaded files", "载入上传的文件"}
    return ok(next(b for b in at.button if b.label in load).click().run())


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
    for page in ("scenario", "results", "compare", "frontier", "method"):
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


def test_a_saved_scenario_is_in_the_store_and_survives_a_reload():
    at = go(start(), "scenario")
    at.number_input(key="p:city.ceiling_yuan.2007").set_value(3000.0)
    apply(at)
    name = f"Option B {uuid.uuid4().hex[:6]}"
    at.text_input(key="save_name").set_value(name)
    at.text_input(key="save_note").set_value("for the March memo")
    at.text_input(key="saved_by").set_value("Li Ming")
    ok(next(b for b in at.button if b.label == "Save").click().run())
    with open_store() as store:
        saved = store.saved(name)
        assert (saved.note, saved.saved_by) == ("for the March memo", "Li Ming")
        assert store.load_scenario(name).params["city.ceiling_yuan.2007"] == 30_000_000
    current = at.session_state["current_ref"]
    assert current.stored == saved.sha256 and current.overrides == ()
    # A new session (a reload, another analyst): the saved scenario is there, and comparable.
    again = go(start(), "scenario")
    assert f"{name} · saved" in again.selectbox(key="source_choice").options
    go(again, "compare")
    assert any(name in o for o in again.multiselect(key="compare_choice").options)
    # Its link names it by content: a third session opens it from the link alone.
    linked = start(scenario=f"store:{saved.sha256}")
    assert linked.session_state["current_ref"] == current
    assert not linked.session_state["link_problems"]


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


# --- decision analysis ----------------------------------------------------------------
def test_the_frontier_page_shows_the_models_breakpoints():
    at = go(upload(start(), "hand.toml", "hand-districts.csv"), "frontier")
    assert at.title[0].value == "Budget frontier: Hand-solved two-district case"
    points = compute_frontier(load_scenario(HAND / "hand.toml")).points
    table = frame(at, "total ceiling (10k yuan)")
    assert len(table) == len(points)
    assert table["total ceiling (10k yuan)"].tolist() == pytest.approx((points.total_ceiling_yuan / 1e4).tolist())
    assert table["ceiling 2006 (10k yuan)"].tolist() == pytest.approx((points.ceiling_2006_yuan / 1e4).tolist())
    assert table["missing (10k yuan)"].tolist() == pytest.approx((points.missing_hard_yuan / 1e4).tolist())
    assert table["Soft points"].tolist() == pytest.approx(points.soft_points.tolist())
    assert table["Service rooms, 2007"].tolist() == pytest.approx((points.compliance_service_space * 100).tolist())
    assert table["breakpoint"].tolist() == points.kink.tolist()
    assert table["today"].tolist() == points.current.tolist()
    # and the frontier is the one derived by hand (tests/test_decision_analysis.py)
    kinks = table[table["breakpoint"]]
    assert kinks["total ceiling (10k yuan)"].tolist() == pytest.approx([6.0, 7.44, 8.88, 47.44, 86.0], abs=1e-4)
    assert kinks["points per +1M yuan (to the next row)"].tolist() == ["1,000.00", "40.00", "30.00", "10.00", "0.00"]
    assert table["points per +1M yuan (to the next row)"].iloc[0] == "–"  # hard money missing at 0
    assert table.loc[table["today"], "Soft points"].tolist() == pytest.approx([23.912], abs=1e-4)
    assert metric(at, "Today's total ceiling").value == "20"
    assert metric(at, "Hard targets met from").value == "6"
    assert metric(at, "Nothing more to buy from").value == "86"
    # +1M spread 50/50 reaches beyond saturation (860,000): 36 - 23.912 points
    assert metric(at, "+1M yuan of total ceiling buys").value == "12.1 points"
    assert any("Down to a zero ceiling (-20.0 10k yuan): hard targets short by 6.0 10k yuan." in c.value
               for c in at.caption)
    assert [b.label for b in at.download_button][:2] == ["Download the frontier (CSV)", "Download all tables (Excel)"]


def test_the_tight_scenario_says_why_and_what_would_fix_it(solved):
    at = start(scenario=TIGHT)
    scenario, result = load_scenario(SCENARIOS / TIGHT), solved(TIGHT)
    extra, residual = extra_ceiling(scenario)
    assert residual == pytest.approx(0, abs=1)
    assert any(h.value == "Why, and what would fix it" for h in at.subheader)
    assert metric(at, "Least extra ceiling that meets them").value == wan(sum(extra.values()))
    by_year = frame_with(at, "extra (10k yuan)").set_index("year")
    assert by_year["extra (10k yuan)"].tolist() == pytest.approx([v / 1e4 for v in extra.values()])
    ceiling = scenario.by_year("city.ceiling_yuan")
    assert by_year["ceiling needed (10k yuan)"].tolist() == pytest.approx(
        [(ceiling[y] + v) / 1e4 for y, v in extra.items()])
    unmet = result.unmet_hard.groupby("requirement").missing_yuan.sum()
    requirements = frame_with(at, "missing if only this is required (10k yuan)").set_index("requirement")
    assert requirements.loc["Every member insured", "missing (10k yuan)"] == pytest.approx(
        unmet["social_insurance"] / 1e4)
    assert requirements.loc["Offices at standard by the deadline", "missing (10k yuan)"] == pytest.approx(
        unmet["office_space_deadline"] / 1e4)
    options = frame_with(at, "still missing after it (10k yuan)")
    ceiling_row = options[options["option"] == "Raise the city ceiling"].iloc[0]
    assert ceiling_row["meets every hard target"]
    assert ceiling_row["cost"].startswith(f"{wan(sum(extra.values()))} 10k yuan more (2006: ")


def test_the_diagnosis_of_the_hand_case_by_hand():
    """hand-tight: a 20,000 ceiling a year leaves beta's wages 10,000 short each year."""
    at = go(upload(start(), "hand.toml", "hand-tight.toml", "hand-districts.csv"), "results")
    assert metric(at, "Missing money").value == "2.0"
    assert metric(at, "Least extra ceiling that meets them").value == "2.0"
    uniform = metric(at, "Or today's ceiling scaled up to")
    assert uniform.value == "6.0"  # the frontier's first total without missing money
    assert uniform.delta == "+2.0 (+50.0%)"
    by_year = frame_with(at, "extra (10k yuan)")
    assert by_year["extra (10k yuan)"].tolist() == pytest.approx([1.0, 1.0], abs=1e-6)
    assert by_year["ceiling needed (10k yuan)"].tolist() == pytest.approx([3.0, 3.0], abs=1e-6)
    requirement = frame_with(at, "missing if only this is required (10k yuan)").iloc[0]
    assert requirement["requirement"] == "No member below the minimum wage"
    assert not requirement["affordable alone"] and requirement["districts"] == "Beta"
    options = frame_with(at, "still missing after it (10k yuan)").set_index("option")
    assert options.loc["Raise a district's own budget", "change"] == "Beta"
    assert options.loc["Raise a district's own budget", "cost"] == "2.0 10k yuan more (2006: 1.0, 2007: 1.0)"
    assert options.loc["Raise a district's own budget", "meets every hard target"]
    # the minimum wage from 2007: 2006 is free of it, 2007's 10,000 is still missing
    moved = options.loc["Move a deadline a year"]
    assert moved["still missing after it (10k yuan)"] == pytest.approx(1.0)
    assert moved["cost"] == "50.0% at standard in 2006 instead of 100 %"
    text = " ".join(m.value for m in at.markdown)
    assert "Money that runs out: the city ceiling in 2006, 2007." in text
    assert "The minimum wage is not lowered" in text
    # The 2006 dual (1 yuan of missing money per yuan) holds for cuts only: beta's wage
    # share may not fall from 2006 to 2007 and 2007 has 50,000 of the 60,000, so more 2006
    # money cannot pay 2006 wages; it closes every soft gap instead (36 points, from 5.6).
    at = ok(next(b for b in at.button if b.label == "Compute the analysis").click().run())
    prices = frame_with(at, "price holds for ceilings (10k yuan)").set_index("year")
    assert prices.loc["2006", "missing money cut per +1M yuan (10k yuan)"] == "100"
    assert prices.loc["2006", "price holds for ceilings (10k yuan)"] == (
        "0 – 2.0 (today's ceiling is a breakpoint: the price holds for cuts only; see ±1M)")
    assert prices.loc["2006", "+1M yuan that year"] == "+30.4 points"
    assert prices.loc["2007", "+1M yuan that year"] == "missing -1.0 10k yuan; +22.4 points"


def test_the_analysis_is_computed_on_demand_with_the_models_numbers():
    at = go(upload(start(), "hand.toml", "hand-districts.csv"), "results")
    assert not [d for d in at.dataframe if "price holds for ceilings (10k yuan)" in d.value.columns]
    at = ok(next(b for b in at.button if b.label == "Compute the analysis").click().run())
    scenario = load_scenario(HAND / "hand.toml")
    model = sensitivity(scenario, solve(scenario), frontier=compute_frontier(scenario))
    prices = frame_with(at, "price holds for ceilings (10k yuan)").set_index("year")
    assert prices["points per +1M yuan"].tolist() == [f"{p * 1e6:,.2f}" for p in model.ceiling.price]
    # by hand: 4e-5 and 2e-5 points per yuan, holding for 30,000-374,400 and 44,400-374,400
    assert prices["points per +1M yuan"].tolist() == ["40.00", "20.00"]
    assert prices["price holds for ceilings (10k yuan)"].tolist() == ["3.0 – 37.4", "4.4 – 37.4"]
    # +1M in 2006 buys every room (36 points); -1M stops at zero: beta's 2006 wages 30,000 short
    assert prices.loc["2006", "+1M yuan that year"] == "+12.1 points"
    assert prices.loc["2006", "−1M yuan that year"] == "missing +3.0 10k yuan; -2.8 points"
    where = frame_with(at, "money closing gaps (10k yuan)")
    assert where.iloc[0].tolist()[:3] == ["Beta", "Service rooms", pytest.approx(27.44, abs=1e-3)]
    targets = frame_with(at, "points lost per +1M yuan of target").set_index("requirement")
    office = targets.loc["Offices at standard by the deadline"]
    assert office["points lost per +1M yuan of target"] == "20.00"
    assert office["holds for targets (share of today's)"] == "82% – 100%"
    assert office["dropping it gains (points)"] == "+0.3"
    assert office["worth in ceiling (10k yuan)"] == "1.0"  # 0.288 points at 3e-5 a yuan: 9,600 yuan
    deadlines = frame_with(at, "what it gives up").set_index("deadline")
    insured = deadlines.loc["Social insurance: Everyone insured from"]
    assert insured["year"] == "2006 → 2007"
    assert insured["what it gains"] == "+0.1 points; worth 0.5 10k yuan of ceiling"
    assert insured["what it gives up"] == "-2.0 pts at standard in 2006"
    assert deadlines.loc["Office space: Deadline", "what it gains"] == "already the last year of the plan"


def test_compare_with_the_baselines_shows_each_rules_figures():
    at = go(start(), "compare")
    at = ok(at.multiselect(key="compare_choice").set_value(["tianjin-2006.toml"]).run())
    assert at.info[0].value == "Pick at least two scenarios, or one with the baselines."
    at = ok(at.toggle(key="compare_baselines").set_value(True).run())
    assert at.query_params["baselines"] == "1" and at.query_params["compare"] == "tianjin-2006.toml"
    scenario = load_scenario(DEFAULT)
    inputs = build_inputs(scenario)
    side = frame(at, "figure").set_index("figure")
    names = {"status_quo": "Status quo (no transfers)", "equal_per_committee": "Equal per committee (定额)",
             "pro_rata_gap": "Pro rata to gap", "per_capita": "Per capita", "equalisation": "Equalisation formula"}
    baselines = {}
    for rule in RULES:
        expected = baselines[rule.value] = solve_baseline(scenario, inputs, rule)
        column = f"Tianjin 2006 (default) · {names[rule.value]}"
        assert side.loc["City transfers (10k yuan)", column] == wan(expected.money.transfers_yuan.sum())
        assert side.loc["Missing money for hard targets (10k yuan)", column] == wan(
            expected.unmet_hard.missing_yuan.sum())
        assert side.loc["Soft points", column] == f"{expected.objectives['soft_points']:,.1f}"
        assert side.loc["Points per +1M yuan of ceiling, 2006", column] == "–"
    # change per district and program: status quo (the first option) against the optimum
    optimum = solve(scenario)
    changes = program_changes({"optimum": optimum, "sq": baselines["status_quo"]}, "optimum")
    moved = changes[changes.outcome != "same"]
    table = frame_with(at, "money closing gaps, change (10k yuan)")
    assert len(table) == len(moved)
    wuqing = table[(table["district"] == "Wuqing") & (table["program"] == "Office space")].iloc[0]
    a = optimum.allocation.query("district == 'wuqing' and program == 'office_space'").closed_yuan.sum()
    b = baselines["status_quo"].allocation.query("district == 'wuqing' and program == 'office_space'").closed_yuan.sum()
    assert wuqing["money closing gaps, change (10k yuan)"] == pytest.approx((b - a) / 1e4)
    # the link carries the switch; a bad value is named and ignored
    at = start(compare=["tianjin-2006.toml"], baselines="maybe")
    assert "`baselines`" in " ".join(m.value for m in at.markdown)
    assert at.session_state["baselines"] is False


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_decision_analysis_renders_in_both_languages(lang):
    at = upload(start(lang=lang), "hand.toml", "hand-tight.toml", "hand-districts.csv")
    go(at, "results")
    heading = {"en": "Why, and what would fix it", "zh": "原因及解决办法"}[lang]
    assert any(h.value == heading for h in at.subheader)
    button = {"en": "Compute the analysis", "zh": "计算分析"}[lang]
    ok(next(b for b in at.button if b.label == button).click().run())
    go(at, "frontier")
    assert at.title[0].value.startswith({"en": "Budget frontier", "zh": "预算前沿"}[lang])
    at = go(start(lang=lang, compare=["tianjin-2006.toml"], baselines="1"), "compare")
    assert {"en": "Per capita", "zh": "按人口"}[lang] in " ".join(frame(at, at.dataframe[0].value.columns[0]).columns)


def test_a_large_scenario_waits_to_be_asked_for_its_frontier():
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["scenario"] = "tianjin-2006-communities.toml"
    at = ok(at.switch_page("app_pages/frontier.py").run())  # straight to Frontier: nothing is solved
    assert "1,380 units" in at.info[0].value
    assert [b.label for b in at.button] == ["Compute the frontier"]
    assert not at.dataframe


def test_a_scenario_that_cannot_be_shown_says_why_on_every_page(monkeypatch):
    """A solver failure or a scenario refused after loading (neither reachable from a
    shipped scenario) is reported on the page, never as a traceback: the results and
    frontier pages show the reason alone, Compare names the scenario and goes on."""
    import app_pages.state as state
    from model import Problem, ScenarioError, SolveError

    at = start()
    monkeypatch.setattr(state, "solve_ref", lambda ref: (_ for _ in ()).throw(SolveError("HiGHS said no")))
    go(at, "results")
    assert [e.value for e in at.error] == [
        "The solver failed on this scenario (a fault of the model or solver, not of your input; please report "
        "it): HiGHS said no"]
    assert not at.title

    refused = ScenarioError([Problem("tianjin-2006.toml", "city.ceiling_yuan", "must be checked")])
    monkeypatch.setattr(state, "frontier_of", lambda ref: (_ for _ in ()).throw(refused))
    go(at, "frontier")
    assert [e.value for e in at.error] == ["This scenario cannot be used:"]
    assert frame(at, "file")["rule"].tolist() == ["must be checked"]

    ok(at.switch_page("app_pages/compare.py").run())
    errors = [e.value for e in at.error]
    assert errors and all(e.startswith("Tianjin 2006") and e.endswith("HiGHS said no") for e in errors)


# --- the History and Run pages ------------------------------------------------------------
def test_history_lists_recorded_runs_and_a_run_opens_as_recorded(default_scenario, default_result):
    with open_store() as store:
        cli_id = store.record_run(default_result, default_scenario, source="cli")
    at = go(start(), "history")  # (the app's first view, Results, records its solve too)
    with open_store() as store:
        listed = store.runs(per_page=20)
    assert at.caption[1].value == f"Runs 1–{len(listed.frame)} of {listed.total}"
    table = at.dataframe[0].value
    assert list(table["Run"]) == list(listed.frame["id"])  # newest first, as the store lists them
    assert cli_id in list(table["Run"])
    # label the run "presented": a new row beside it
    at.multiselect(key="hist_picked").set_value([cli_id])
    at.text_input(key="hist_presented_to").set_value("the mayor's office")
    ok(next(b for b in at.button if b.label == "Label as presented").click().run())
    with open_store() as store:
        assert store.run(cli_id).presented == ["the mayor's office"]
    # its link opens it in a new session, with the figures it was recorded with
    linked = ok(AppTest.from_file(APP, default_timeout=120))
    linked.query_params["run"] = str(cli_id)
    ok(linked.switch_page("app_pages/run.py").run())
    assert linked.title[0].value == f"Run #{cli_id}: {default_scenario.title}"
    assert any("the mayor's office" in s.value for s in linked.success)
    assert metric(linked, "City transfers (10k yuan)").value == wan(default_result.transfers_total)


def test_two_recorded_runs_picked_in_history_are_compared_side_by_side(default_scenario):
    """Issue 12: any two or more runs compare on the Compare page, each with the figures it
    was recorded with (here the default and a run with 10 million yuan more in 2007)."""
    richer_scenario = default_scenario.with_overrides(
        {"city.ceiling_yuan.2007": default_scenario.params["city.ceiling_yuan.2007"] + 1e7})
    results = {"default": solve(default_scenario, record=False), "richer": solve(richer_scenario, record=False)}
    with open_store() as store:
        ids = {"default": store.record_run(results["default"], default_scenario, source="cli"),
               "richer": store.record_run(results["richer"], richer_scenario, source="cli")}
    at = go(start(), "history")
    at = ok(at.multiselect(key="hist_picked").set_value(list(ids.values())).run())
    at = ok(next(b for b in at.button if b.label == "Compare").click().run())
    assert at.title[0].value == "Compare"
    table = frame(at, "metric").set_index("metric")  # the side-by-side figures in model units
    columns = {name: next(c for c in table.columns if c.startswith(f"Run #{run_id} ")) for name, run_id in ids.items()}
    for name, result in results.items():  # each run as recorded
        assert table.at["transfers_yuan", columns[name]] == pytest.approx(result.transfers_total)
    assert results["richer"].transfers_total > results["default"].transfers_total


def test_a_link_to_an_unknown_run_says_so():
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["run"] = "99999999"
    ok(at.switch_page("app_pages/run.py").run())
    assert at.title[0].value == "Run #99999999"
    assert "There is no run #99999999" in at.error[0].value
    assert f"{os.environ['BUDGETSIM_DB']} has no run 99999999" in at.error[0].value  # the store it looked in
