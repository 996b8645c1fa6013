"""The Streamlit app, driven headlessly with AppTest: numbers shown are the model's."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from model import load_scenario, solve

from .conftest import ROOT, SCENARIOS

APP = str(ROOT / "app.py")


def metric(at: AppTest, label: str):
    for m in at.metric:
        if m.label == label:
            return m
    raise AssertionError(f"no metric {label!r}; have {[m.label for m in at.metric]}")


@pytest.fixture()
def app() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_default_scenario_headline_numbers(app, default_result):
    assert metric(app, "Hard targets").value == "All met"
    transfers = default_result.money.transfers_yuan.sum()
    assert metric(app, "City transfers (10k yuan)").value == f"{transfers / 1e4:,.0f}"
    office = default_result.compliance_by_year()["office_space"][2010]
    assert metric(app, "Office space at 100 m²").value == f"{office:.1%}"
    price = default_result.money.shadow_price_points_per_yuan.iloc[0] * 1e6
    assert metric(app, "+1M yuan of ceiling in 2006").value == f"{price:,.1f} points"


def test_switching_to_the_tight_variant_shows_missing_money(app):
    app.selectbox(key="scenario").set_value("tianjin-2006-tight-ceiling.toml").run()
    assert not app.exception
    result = solve(load_scenario(SCENARIOS / "tianjin-2006-tight-ceiling.toml"))
    missing = result.unmet_hard.missing_yuan.sum()
    hard = metric(app, "Hard targets")
    assert hard.value == "Unmet"
    assert f"{missing / 1e4:,.0f}" in hard.delta
    assert any("Missing money" in h.value for h in app.subheader)
