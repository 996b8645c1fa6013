"""The app says whether an allocation is proven optimal (issue 14: the certificate of
``model.solve.certificate``, shown to the people who present the figures).

The Results page certifies every solve; a recorded run shows the certificate it was
recorded with. Expected texts are built here from the model's own certificate of a
separate solve, whose stage optima are checked against the result's objectives.
"""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from model import load_scenario, open_store, solve
from model.solve.certificate import PROVEN_GAP

from .conftest import SCENARIOS
from .test_app import APP, TIGHT, ok, start


def proof_captions(at: AppTest, marker: str = "Proven optimal") -> list[str]:
    return [c.value for c in at.caption if marker in c.value]


def test_the_results_page_says_the_default_allocation_is_proven_optimal(default_scenario):
    certified = solve(default_scenario, record=False, certify=True)
    certificate = certified.certificate
    # the certificate is of this solve: its optima are the result's (soft points negated), and
    # each bound is below its optimum, as a bound of a minimum must be
    stages = certificate["stages"]
    assert stages["soft_closure"]["objective"] == pytest.approx(-certified.objectives["soft_points"], rel=1e-12)
    assert stages["city_transfers"]["objective"] == pytest.approx(certified.objectives["transfers_yuan"], rel=1e-12)
    assert all(s["bound"] <= s["objective"] + 1e-9 * abs(s["objective"]) for s in stages.values())
    assert certificate["largest_gap"] <= PROVEN_GAP
    at = start()
    (caption,) = proof_captions(at)
    assert f"more than {max(certificate['largest_gap'], 0.0):.1e} of this one's value" in caption
    at = start(lang="zh")
    (caption,) = proof_captions(at, "已证明最优")
    assert f"好出其值的 {max(certificate['largest_gap'], 0.0):.1e} 以上" in caption


def test_the_tight_scenario_missing_money_is_certified_too():
    """Hard targets unmet: the missing-money stage is solved, and proven, as well."""
    certified = solve(load_scenario(SCENARIOS / TIGHT), record=False, certify=True)
    assert certified.objectives["missing_hard_yuan"] > 0
    missing = certified.certificate["stages"]["unmet_hard"]  # solved, so certified as well
    assert missing["objective"] == pytest.approx(certified.objectives["missing_hard_yuan"], rel=1e-12)
    at = start(scenario=TIGHT)
    (caption,) = proof_captions(at)
    assert f"more than {max(certified.certificate['largest_gap'], 0.0):.1e} of" in caption
    assert all("Not proven" not in w.value for w in at.warning)


#: A page drawing the certificate of a run whose bound is far from its allocation. (A script
#: file, not AppTest.from_function: worker processes that later tests spawn start from the
#: main module, which from_function leaves as its own script.)
UNPROVEN_PAGE = """
from types import SimpleNamespace

import streamlit as st

from app_pages.result_view import certificate_section

st.session_state["lang"] = {lang!r}
certificate_section(SimpleNamespace(certificate={{
    "largest_gap": 2e-3, "seconds": 0.5,
    "stages": {{"soft_closure": {{"gap": 2e-3}}, "city_transfers": {{"gap": 1e-12}}, "tie_break": {{"gap": None}}}}}}))
"""


@pytest.mark.parametrize("lang, expected", [
    ("en", "Not proven optimal within 1e-06. The gap between this allocation and the bound, by stage: "
           "soft points 2.0e-03; city transfers 1.0e-12; tie-break –."),
    ("zh", "未能证明在 1e-06 以内最优。本分配与下界之差（按阶段）：软目标得分 2.0e-03; 市级转移支付 1.0e-12; 平局裁决 –。"),
])
def test_a_bound_far_from_the_allocation_is_a_warning_naming_each_stage(lang, expected, tmp_path):
    script = tmp_path / "page.py"
    script.write_text(UNPROVEN_PAGE.format(lang=lang), encoding="utf-8")
    at = ok(AppTest.from_file(str(script), default_timeout=60).run())
    (warning,) = at.warning
    assert warning.value.startswith(expected)
    assert not at.caption


def test_a_recorded_run_shows_the_certificate_it_was_recorded_with(default_scenario, default_result):
    certified = solve(default_scenario, record=False, certify=True)
    with open_store() as store:
        with_proof = store.record_run(certified, default_scenario, source="api")
        without = store.record_run(default_result, default_scenario, source="cli")  # not certified

    def run_page(run_id: int) -> AppTest:
        at = AppTest.from_file(APP, default_timeout=120)
        at.query_params["run"] = str(run_id)
        return ok(at.switch_page("app_pages/run.py").run())

    (caption,) = proof_captions(run_page(with_proof))
    assert f"more than {max(certified.certificate['largest_gap'], 0.0):.1e}" in caption
    assert f"({certified.certificate['seconds']:.2f} s)" in caption  # as recorded, not measured again
    assert not proof_captions(run_page(without))
