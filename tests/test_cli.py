"""The ``budgetsim`` command: outputs, exit codes and error messages."""

from __future__ import annotations

import csv
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import DEFAULT, FIXTURES, SCENARIOS

BIN = Path(sys.executable).parent / "budgetsim"


def budgetsim(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN), *args], capture_output=True, text=True, timeout=300)


def test_entry_point_is_installed_and_helps():
    for command in ([], ["run"], ["validate"], ["keys"]):
        done = budgetsim(*command, "--help")
        assert done.returncode == 0, done.stderr
        assert "usage: budgetsim" in done.stdout


def test_run_writes_summary_and_allocation(tmp_path):
    done = budgetsim("run", str(DEFAULT), "--out", str(tmp_path))
    assert done.returncode == 0, done.stderr
    assert "Status: optimal" in done.stdout
    assert "Running HiGHS" not in done.stdout  # no solver banner in the summary
    summary = json.loads((tmp_path / "summary.json").read_text(encoding="utf-8"))
    assert summary["status"] == "optimal"
    assert summary["horizon"] == [2006, 2007, 2008, 2009, 2010]
    assert summary["initial"]["committees"] == 1380
    assert summary["initial"]["uninsured_members"] == 1700
    assert summary["initial"]["operating_standard_yuan"] == 7000
    assert round(summary["initial"]["office_space_compliance"] * 1380) == 708
    assert round(summary["initial"]["service_space_compliance"] * 1380) == 164
    assert summary["ceiling_by_year"]["2006"] == 20_900_000
    for key in ("transfers_by_year", "own_spending_by_year", "shadow_price_ceiling_by_year"):
        assert set(summary[key]) == {"2006", "2007", "2008", "2009", "2010"}
    assert all(summary["transfers_by_year"][y] <= summary["ceiling_by_year"][y] + 1e-3 for y in summary["ceiling_by_year"])
    assert summary["unmet_hard"] == []
    assert set(summary["compliance"]) == {"office_space", "service_space", "operating_funds", "member_subsidy",
                                          "social_insurance"}
    assert summary["compliance"]["office_space"]["2008"] == pytest.approx(1.0)
    assert set(summary["status_quo_compliance"]) == set(summary["compliance"])
    prov = summary["provenance"]
    assert len(prov["scenario_sha256"]) == 64 and prov["solver"] == "highs"
    assert prov["solver_version"].startswith("highspy") and prov["overrides"] == []
    assert prov["solve_seconds"] > 0
    with (tmp_path / "allocation.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == ["district", "name_zh", "name_en", "program", "year", "own_yuan", "transfer_yuan",
                             "gap_yuan", "closed_yuan", "left_yuan"]
    assert len(rows) == 18 * 5 * 5
    assert {(r["district"], r["name_zh"], r["name_en"]) for r in rows if r["district"] == "hedong"} \
        == {("hedong", "河东区", "Hedong")}
    transfers_2007 = sum(float(r["transfer_yuan"]) for r in rows if r["year"] == "2007")
    assert transfers_2007 == pytest.approx(summary["transfers_by_year"]["2007"], rel=1e-9)


def test_set_changes_the_result_and_is_recorded(tmp_path):
    done = budgetsim("run", str(DEFAULT), "--set", "city.ceiling_yuan.2007=10000000", "--no-status-quo",
                     "--out", str(tmp_path))
    assert done.returncode == 0, done.stderr
    summary = json.loads((tmp_path / "summary.json").read_text(encoding="utf-8"))
    assert summary["ceiling_by_year"]["2007"] == 10_000_000
    assert summary["transfers_by_year"]["2007"] <= 10_000_000 + 1e-3
    assert summary["provenance"]["overrides"] == [
        {"key": "city.ceiling_yuan.2007", "value": 10000000, "previous": 27000000, "origin": "--set"}]
    assert "status_quo_compliance" not in summary


def test_unmet_hard_targets_exit_zero_with_missing_money(tmp_path):
    done = budgetsim("run", str(SCENARIOS / "tianjin-2006-tight-ceiling.toml"), "--out", str(tmp_path))
    assert done.returncode == 0, done.stderr
    assert "hard targets unmet" in done.stdout
    summary = json.loads((tmp_path / "summary.json").read_text(encoding="utf-8"))
    assert summary["status"] == "hard_targets_unmet"
    assert summary["unmet_hard"], "the missing money must be itemised"
    item = summary["unmet_hard"][0]
    assert set(item) == {"requirement", "district", "year", "missing_yuan"} and item["missing_yuan"] > 0
    assert sum(i["missing_yuan"] for i in summary["unmet_hard"]) == pytest.approx(summary["missing_yuan_total"])


def test_cbc_gives_the_same_allocation_as_highs(tmp_path):
    outs = {}
    for solver in ("highs", "cbc"):
        done = budgetsim("run", str(FIXTURES / "hand" / "hand.toml"), "--solver", solver, "--out",
                         str(tmp_path / solver))
        assert done.returncode == 0, done.stderr
        outs[solver] = json.loads((tmp_path / solver / "summary.json").read_text(encoding="utf-8"))
    assert outs["cbc"]["provenance"]["solver_version"].startswith("cbc ")
    assert outs["cbc"]["transfers_by_year"] == pytest.approx(outs["highs"]["transfers_by_year"], abs=1)


def test_write_lp_names_constraints_like_the_policy(tmp_path):
    lp_file = tmp_path / "model.lp"
    done = budgetsim("run", str(FIXTURES / "hand" / "hand.toml"), "--write-lp", str(lp_file), "--no-status-quo")
    assert done.returncode == 0, done.stderr
    text = lp_file.read_text()
    for name in ("ceiling_2006_", "capacity_alpha,2007_", "minimum_wage_beta,2006_",
                 "office_space_deadline_alpha_", "stage1_optimum", "stage2_optimum"):
        assert name in text


def test_validate_ok_and_invalid_input_exit_2(tmp_path):
    done = budgetsim("validate", str(DEFAULT))
    assert done.returncode == 0 and "valid" in done.stdout
    done = budgetsim("validate", str(DEFAULT), "--set", "service_space.target_share=1.5",
                     "--set", "districts.hedong.uninsured_members=-1")
    assert done.returncode == 2
    assert "service_space.target_share: must be at most 1" in done.stderr
    assert "districts.hedong.uninsured_members: must be at least 0" in done.stderr
    assert "Traceback" not in done.stderr and done.stdout == ""


def test_invalid_file_exits_2_naming_file_and_field(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text((DEFAULT).read_text(encoding="utf-8").replace("standard_m2 = 100", 'standard_m2 = "big"')
                   .replace('districts = "tianjin-2006-districts.csv"', 'districts = "nowhere.csv"'),
                   encoding="utf-8")
    out = tmp_path / "out"
    done = budgetsim("run", str(bad), "--out", str(out))
    assert done.returncode == 2
    assert "bad.toml: office_space.standard_m2: must be a number, got 'big'" in done.stderr
    assert "bad.toml: scenario.districts: cannot read district table 'nowhere.csv'" in done.stderr
    assert "Traceback" not in done.stderr
    assert not out.exists(), "nothing is written for invalid input"


def test_bad_arguments_exit_2():
    assert budgetsim("run").returncode == 2
    assert budgetsim("run", str(DEFAULT), "--solver", "gurobi").returncode == 2


def test_frontier_command_writes_the_breakpoints(tmp_path):
    out = tmp_path / "frontier.csv"
    done = budgetsim("frontier", str(FIXTURES / "hand" / "hand.toml"), "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert "Every hard target met from a horizon total of 6 (10k yuan)" in done.stdout
    with out.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    kinks = [float(r["total_ceiling_yuan"]) for r in rows if r["kink"] == "True"]
    assert kinks == pytest.approx([60_000, 74_400, 88_800, 474_400, 860_000], abs=1)
    assert {"missing_hard_yuan", "soft_points", "points_per_million_yuan", "compliance_service_space",
            "ceiling_2006_yuan"} <= set(rows[0])


def test_run_diagnoses_unmet_targets_and_reports_sensitivity(tmp_path):
    done = budgetsim("run", str(FIXTURES / "hand" / "hand-tight.toml"), "--sensitivity", "--out", str(tmp_path))
    assert done.returncode == 0, done.stderr
    assert "Diagnosis:" in done.stdout and "Least extra ceiling" in done.stdout
    summary = json.loads((tmp_path / "summary.json").read_text(encoding="utf-8"))
    diagnosis = summary["diagnosis"]
    assert diagnosis["extra_ceiling_by_year"] == pytest.approx({"2006": 10_000, "2007": 10_000}, abs=1)
    assert diagnosis["extra_ceiling_total"] == pytest.approx(20_000, abs=1)
    assert {a["kind"] for a in diagnosis["alternatives"]} == {"move_deadline", "raise_own_contribution",
                                                              "raise_ceiling"}
    assert summary["sensitivity"]["ceiling"][0]["price_unit"] == "missing yuan removed per yuan"
    assert (tmp_path / "diagnosis_alternatives.csv").exists()
    assert (tmp_path / "sensitivity_ceiling.csv").exists()
    feasible = budgetsim("run", str(FIXTURES / "hand" / "hand.toml"), "--out", str(tmp_path / "ok"))
    assert feasible.returncode == 0, feasible.stderr
    assert "diagnosis" not in json.loads((tmp_path / "ok" / "summary.json").read_text(encoding="utf-8"))


def test_sensitivity_needs_highs():
    done = budgetsim("run", str(FIXTURES / "hand" / "hand.toml"), "--sensitivity", "--solver", "cbc")
    assert done.returncode == 2 and "needs --solver highs" in done.stderr


def test_run_certify_proves_each_stage_and_writes_the_gaps(tmp_path):
    """``run --certify``: a line with each stage's gap, and summary.json's ``certificate``
    holding each stage's optimum (the summary's own objectives), bound and gap; the hand case's
    stages all certified to round-off. CBC is refused by name."""
    done = budgetsim("run", str(FIXTURES / "hand" / "hand.toml"), "--certify", "--no-record", "--out", str(tmp_path))
    assert done.returncode == 0, done.stderr
    assert "Certified in" in done.stdout and "each stage at most this far above its optimum" in done.stdout
    summary = json.loads((tmp_path / "summary.json").read_text(encoding="utf-8"))
    certificate = summary["certificate"]
    assert set(certificate["stages"]) == {"soft_closure", "city_transfers", "tie_break"}  # nothing missing: hard skipped
    objectives = summary["objectives"]  # the same optima under the summary's names (soft points: negated)
    same = {"soft_closure": -objectives["soft_points"], "city_transfers": objectives["transfers_yuan"]}
    for stage, entry in certificate["stages"].items():
        assert entry["objective"] == pytest.approx(same.get(stage, entry["objective"]), rel=1e-12, abs=1e-9)
        assert entry["bound"] <= entry["objective"] + 1e-9 * max(1.0, abs(entry["objective"]))
        assert abs(entry["gap"]) <= 1e-9
    assert 0 <= certificate["largest_gap"] <= 1e-9
    cbc = budgetsim("run", str(FIXTURES / "hand" / "hand.toml"), "--certify", "--solver", "cbc", "--no-record")
    assert cbc.returncode == 2 and "--certify: needs --solver highs" in cbc.stderr
    equity = budgetsim("run", str(FIXTURES / "hand" / "hand.toml"), "--certify", "--set", "weights.equity=0.5",
                       "--no-record", "--no-status-quo")
    assert equity.returncode == 0 and "Certified in" in equity.stdout and "NOT proven" not in equity.stdout


def test_compare_scenarios_and_baselines(tmp_path):
    done = budgetsim("compare", str(FIXTURES / "hand" / "hand.toml"), str(FIXTURES / "hand" / "hand-tight.toml"),
                     "--out", str(tmp_path))
    assert done.returncode == 0, done.stderr
    assert "hand.toml / per_capita" in done.stdout
    with (tmp_path / "comparison.csv").open(encoding="utf-8") as f:
        rows = {r["metric"]: r for r in csv.DictReader(f)}
    # The hand-derived figures (test_decision_analysis): optimum 23.912 points,
    # equal amounts 21.2, per capita 10,000 yuan short.
    assert float(rows["soft_points"]["hand.toml"]) == pytest.approx(23.912, abs=1e-4)
    assert float(rows["soft_points"]["hand.toml / equal_per_committee"]) == pytest.approx(21.2, abs=1e-4)
    assert float(rows["missing_hard_yuan"]["hand.toml / per_capita"]) == pytest.approx(10_000, abs=1)
    assert float(rows["missing_hard_yuan"]["hand-tight.toml"]) == pytest.approx(20_000, abs=1)
    with (tmp_path / "input_differences.csv").open(encoding="utf-8") as f:
        keys = {r["key"] for r in csv.DictReader(f)}
    assert keys == {"city.ceiling_yuan.2006", "city.ceiling_yuan.2007"}
    with (tmp_path / "district_changes.csv").open(encoding="utf-8") as f:
        beta = [r for r in csv.DictReader(f) if r["scenario"] == "hand-tight.toml" and r["district"] == "beta"][0]
    assert float(beta["transfers_change_yuan"]) == pytest.approx(40_000 - 185_600, abs=1)


def test_outputs_are_readable_like_any_new_file(tmp_path):
    """Outputs are written into 0600 temporary files and renamed into place: they must
    end with the permissions a new file gets (0666 less the umask), not 0600."""
    from model.io import StreamingCsv, write_text

    old = os.umask(0o022)
    try:
        write_text(tmp_path / "a.txt", "x")
        stream = StreamingCsv(tmp_path / "b.csv", ["h"])
        stream.write_rows([[1]])
        stream.commit()
        os.umask(0o077)
        write_text(tmp_path / "c.txt", "x")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "a.txt").stat().st_mode) == 0o644
    assert stat.S_IMODE((tmp_path / "b.csv").stat().st_mode) == 0o644
    assert stat.S_IMODE((tmp_path / "c.txt").stat().st_mode) == 0o600


def test_a_batchs_rate_is_legible_at_national_speed_too():
    """The 200-draw national Monte Carlo took 3,509 s: '0 draws/s' said nothing."""
    from model.cli.report import format_rate

    assert format_rate(200, 3509.3) == "0.057"
    assert format_rate(4000, 3.93) == "1,018"
    assert format_rate(3, 1.0) == "3"
    assert format_rate(5, 0.0) == "5,000,000,000"  # a batch too quick to time: no division by zero
