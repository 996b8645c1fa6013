"""The store from the command line: run records by default, runs list/show/label,
scenarios save/list/export, db upgrade, and errors without a traceback."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from model.cli import main

from .conftest import DEFAULT, FIXTURES

BIN = Path(sys.executable).parent / "budgetsim"


@pytest.fixture
def db(tmp_path, monkeypatch):
    path = tmp_path / "cli.sqlite"
    monkeypatch.setenv("BUDGETSIM_DB", str(path))
    return path


def lines_of_json(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def test_run_records_by_default_and_runs_show_writes_the_same_tables(db, tmp_path, capsys):
    assert main(["run", str(DEFAULT), "--out", str(tmp_path / "first"), "--no-status-quo"]) == 0
    assert f"recorded as run 1 in {db}" in capsys.readouterr().out
    assert main(["run", str(DEFAULT), "--set", "city.ceiling_yuan.2007=1e7", "--no-diagnosis"]) == 0
    assert main(["run", str(DEFAULT), "--no-record"]) == 0
    capsys.readouterr()
    assert main(["runs", "list", "--json"]) == 0
    listed = lines_of_json(capsys.readouterr().out)
    assert [r["id"] for r in listed] == [2, 1]
    assert [r["status"] for r in listed] == ["hard_targets_unmet", "optimal"]
    assert main(["runs", "show", "1", "--out", str(tmp_path / "again")]) == 0
    first = {p.name: p.read_bytes() for p in (tmp_path / "first").iterdir()}
    again = {p.name: p.read_bytes() for p in (tmp_path / "again").iterdir()}
    assert again == first and "allocation.csv" in first
    assert main(["runs", "label", "1", "the finance committee, 12 March", "--presented"]) == 0
    capsys.readouterr()
    assert main(["runs", "list", "--scenario", "tianjin-2006.toml", "--status", "optimal", "--json"]) == 0
    (only,) = lines_of_json(capsys.readouterr().out)
    assert only["id"] == 1 and only["presented"] == "the finance committee, 12 March"
    assert main(["runs", "show", "2"]) == 0
    assert "overrides: city.ceiling_yuan.2007=10000000.0" in capsys.readouterr().out


def test_db_on_the_command_line_wins_over_the_environment(db, tmp_path, capsys):
    other = tmp_path / "other.sqlite"
    assert main(["--db", str(other), "run", str(DEFAULT), "--no-status-quo"]) == 0
    assert main(["run", str(DEFAULT), "--no-status-quo", "--db", str(other)]) == 0
    assert not db.exists()
    capsys.readouterr()
    assert main(["runs", "list", "--db", str(other), "--json"]) == 0
    assert [r["id"] for r in lines_of_json(capsys.readouterr().out)] == [2, 1]


def test_scenarios_save_list_export_round_trip(db, tmp_path, capsys, default_scenario):
    assert main(["scenarios", "save", str(DEFAULT), "--name", "base", "--note", "as shipped"]) == 0
    assert main(["scenarios", "save", str(DEFAULT), "--name", "base", "--set", "city.ceiling_yuan.2007=1e7"]) == 0
    assert "version 2" in capsys.readouterr().out
    assert main(["scenarios", "list", "--history", "--json"]) == 0
    rows = lines_of_json(capsys.readouterr().out)
    assert [(r["name"], r["version"]) for r in rows] == [("base", 2), ("base", 1)]
    assert rows[1]["sha256"] == default_scenario.sha256() and rows[1]["note"] == "as shipped"
    assert main(["scenarios", "export", rows[1]["sha256"][:12], "--out", str(tmp_path / "exported")]) == 0
    toml = next((tmp_path / "exported").glob("*.toml"))
    assert main(["run", str(toml), "--no-status-quo", "--out", str(tmp_path / "out")]) == 0
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["provenance"]["scenario_sha256"] == default_scenario.sha256()


def test_db_upgrade_keeps_an_older_stores_data(tmp_path, capsys):
    old = tmp_path / "old.sqlite"
    shutil.copy(FIXTURES / "store-0001.sqlite", old)
    assert main(["runs", "list", "--db", str(old)]) == 1
    assert "run `budgetsim db upgrade`" in capsys.readouterr().err
    assert main(["db", "upgrade", "--db", str(old)]) == 0
    assert f"{old}: upgraded from schema 0001 to 0003, data kept" in capsys.readouterr().out
    assert main(["runs", "list", "--db", str(old), "--json"]) == 0
    assert [r["username"] for r in lines_of_json(capsys.readouterr().out)] == ["wang", "li"]


def test_sweep_records_one_row_pointing_at_its_file(db, tmp_path, capsys):
    out = tmp_path / "sweep.csv"
    assert main(["sweep", str(DEFAULT), "--param", "ceiling=1e8:2e8:3", "--out", str(out), "--jobs", "1",
                 "--no-progress"]) == 0
    capsys.readouterr()
    assert main(["runs", "show", "1", "--json"]) == 0
    run = json.loads(capsys.readouterr().out)["run"]
    assert run["kind"] == "sweep" and run["output"] == str(out.resolve())
    assert run["headline"]["points"] == 3 and run["headline"]["parameters"] == ["ceiling=1e8:2e8:3"]
    assert run["headline"]["met"] == sum(1 for line in out.read_text().splitlines()[1:] if ",optimal" in line)


def test_montecarlo_records_one_row_with_its_summary_and_files(db, tmp_path, capsys):
    out = tmp_path / "mc"
    uncertain = DEFAULT.with_name("tianjin-2006-uncertain.toml")
    assert main(["montecarlo", str(uncertain), "--draws", "4", "--seed", "3", "--out", str(out), "--jobs", "1",
                 "--no-progress"]) == 0
    capsys.readouterr()
    assert main(["runs", "show", "1", "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    run = shown["run"]
    written = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert run["kind"] == "montecarlo" and run["status"] == "done"
    assert run["output"] == ", ".join(str((out / name).resolve()) for name in ("draws.csv", "quantiles.csv",
                                                                                  "summary.json"))
    assert run["headline"]["probability_all_hard_targets_met"] == written["probability_all_hard_targets_met"]
    assert len((out / "draws.csv").read_text().splitlines()) == 5  # the header and the four draws


def test_store_errors_name_the_file_without_a_traceback(tmp_path):
    damaged = tmp_path / "damaged.sqlite"
    damaged.write_bytes(b"\x00garbage" * 512)
    done = subprocess.run([str(BIN), "runs", "list", "--db", str(damaged)], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert done.stderr.startswith(f"budgetsim: store {damaged}: is not a readable budgetsim store")
    done = subprocess.run([str(BIN), "runs", "show", "41", "--db", str(tmp_path / "new.sqlite")],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert f"{tmp_path / 'new.sqlite'}: has no run 41" in done.stderr
