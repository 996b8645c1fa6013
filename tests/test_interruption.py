"""Interrupted and concurrent runs, with real processes and signals: Ctrl-C stops a run within
2 s in one line and leaves --out as it was; SIGKILL leaves no partial file under the final
name; a sweep resumes from its finished chunks to the same file; two runs into one --out:
one wins whole, the other fails at once."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path


from model.cli import main

from .conftest import SCENARIOS

BIN = Path(sys.executable).parent / "budgetsim"
DEFAULT = SCENARIOS / "tianjin-2006.toml"
#: 1,000 ceilings in chunks of 20: about 1.5-2 s of solving, 50 chunks to stop between.
SWEEP = ["sweep", str(DEFAULT), "--param", "ceiling=1e8:4e8:1000", "--chunk-size", "20", "--no-progress"]


def start(*args: str) -> subprocess.Popen:
    return subprocess.Popen([str(BIN), *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_for(condition, process: subprocess.Popen, timeout: float = 60.0) -> None:
    """Poll ``condition`` every 5 ms until it holds (fails if the process ends first)."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert process.poll() is None, f"ended before the signal: {process.communicate()}"
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.005)


def kept_points(out: Path) -> int:
    try:
        return json.loads((out.parent / f".{out.name}.resume.json").read_text(encoding="utf-8"))["points"]
    except (OSError, ValueError, KeyError):
        return 0


def stop(process: subprocess.Popen, signum: int) -> tuple[float, str]:
    """Send ``signum``; the seconds until the process ended, and its stderr."""
    sent = time.monotonic()
    process.send_signal(signum)
    _, err = process.communicate(timeout=30)
    return time.monotonic() - sent, err


def visible(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if not p.name.startswith("."))


def test_ctrl_c_stops_a_sweep_on_two_workers_and_resume_writes_the_same_file(tmp_path, full_sweep, capsys):
    out = tmp_path / "sweep.csv"
    out.write_text("previous run\n", encoding="utf-8")
    process = start(*SWEEP, "--jobs", "2", "--out", str(out))
    wait_for(lambda: kept_points(out) >= 100, process)
    seconds, err = stop(process, signal.SIGINT)
    assert process.returncode == 130
    assert seconds < 2.0
    kept = kept_points(out)
    assert 100 <= kept < 1000 and kept % 20 == 0
    assert err == (f"budgetsim: interrupted; {out} left as it was; {kept:,} of 1,000 points kept: "
                   "run the same command with --resume to go on\n")
    assert out.read_text(encoding="utf-8") == "previous run\n"
    assert visible(tmp_path) == ["sweep.csv"]
    capsys.readouterr()
    assert main([*SWEEP, "--jobs", "1", "--out", str(out), "--resume"]) == 0
    assert f"resumed after {kept:,} kept points" in capsys.readouterr().out
    assert out.read_bytes() == full_sweep
    assert sorted(p.name for p in tmp_path.iterdir()) == [".sweep.csv.lock", "sweep.csv"]


def test_sigkill_leaves_no_file_under_the_final_name_and_the_sweep_resumes(tmp_path, full_sweep, capsys):
    out = tmp_path / "sweep.csv"
    process = start(*SWEEP, "--jobs", "1", "--out", str(out))
    wait_for(lambda: kept_points(out) >= 200, process)
    stop(process, signal.SIGKILL)
    assert process.returncode == -signal.SIGKILL
    assert visible(tmp_path) == []
    # A chunk may have been cut off after the last state was written: resume drops it.
    rows = tmp_path / ".sweep.csv.resume.csv"
    with rows.open("a", encoding="utf-8") as f:
        f.write("1.0,optimal,0.0,half a row")
    assert main([*SWEEP, "--jobs", "1", "--out", str(out), "--resume"]) == 0
    assert out.read_bytes() == full_sweep
    assert not rows.exists()


def test_a_sweep_without_resume_starts_anew(tmp_path, full_sweep, capsys):
    out = tmp_path / "sweep.csv"
    (tmp_path / ".sweep.csv.resume.csv").write_text("stale\n", encoding="utf-8")
    (tmp_path / ".sweep.csv.resume.json").write_text('{"identity": "other", "points": 40, "bytes": 6}',
                                                     encoding="utf-8")
    assert main([*SWEEP, "--jobs", "1", "--out", str(out), "--resume"]) == 0
    assert "nothing kept from an earlier run of this sweep" in capsys.readouterr().out
    assert out.read_bytes() == full_sweep


def _previous_run(folder: Path) -> dict[str, bytes]:
    """A folder as a previous run and its user left it: budgetsim's files and one of the user's."""
    folder.mkdir()
    files = {"summary.json": b'{"previous": true}\n', "allocation.csv": b"district\nprevious\n",
             "notes.txt": b"the user's own file\n"}
    for name, data in files.items():
        (folder / name).write_bytes(data)
    (folder / ".budgetsim-outputs.json").write_text('["allocation.csv", "summary.json"]\n', encoding="utf-8")
    return files


def _contents(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir() if not p.name.startswith(".")}


def test_ctrl_c_during_a_run_leaves_the_previous_out_folder_whole(tmp_path):
    out = tmp_path / "out"
    before = _previous_run(out)
    lock = tmp_path / ".out.lock"
    # The 1,380-community scenario: reading and solving it takes about a second after start-up.
    process = start("run", str(SCENARIOS / "tianjin-2006-communities.toml"), "--out", str(out))
    wait_for(lambda: lock.exists() and lock.read_text().strip() == str(process.pid), process)
    seconds, err = stop(process, signal.SIGINT)
    assert (process.returncode, err) == (130, f"budgetsim: interrupted; {out} left as it was\n")
    assert seconds < 2.0
    assert _contents(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [".out.lock", "out"]


def test_a_finished_run_replaces_its_own_files_and_keeps_the_users(tmp_path, capsys):
    out = tmp_path / "out"
    _previous_run(out)
    (out / "status_quo_compliance.csv").write_bytes(b"stale\n")  # not in the manifest: the user's
    assert main(["run", str(SCENARIOS / "tianjin-2006.toml"), "--no-status-quo", "--out", str(out)]) == 0
    files = _contents(out)
    assert files["notes.txt"] == b"the user's own file\n"
    assert files["status_quo_compliance.csv"] == b"stale\n"
    assert json.loads(files["summary.json"])["scenario"] == "tianjin-2006.toml"
    assert files["allocation.csv"].startswith(b"district,name_zh,name_en,program")
    manifest = json.loads((out / ".budgetsim-outputs.json").read_text(encoding="utf-8"))
    assert manifest == sorted(set(files) - {"notes.txt", "status_quo_compliance.csv"})
    assert not list(tmp_path.glob(".out.partial-*"))


def test_ctrl_c_and_sigkill_during_monte_carlo_leave_out_as_it_was(tmp_path, capsys):
    out = tmp_path / "mc"
    before = _previous_run(out)
    args = ["montecarlo", str(SCENARIOS / "tianjin-2006-uncertain.toml"), "--draws", "2000", "--jobs", "1",
            "--no-progress", "--chunk-size", "20", "--out", str(out)]
    for signum in (signal.SIGINT, signal.SIGKILL):
        process = start(*args)
        wait_for(lambda: any(tmp_path.glob(".mc.partial-*/.draws.csv.*.tmp")), process)
        seconds, err = stop(process, signum)
        assert _contents(out) == before
        if signum == signal.SIGINT:
            assert (process.returncode, err) == (130, f"budgetsim: interrupted; {out} left as it was\n")
            assert seconds < 2.0
            assert not list(tmp_path.glob(".mc.partial-*"))  # cleaned up on the way out
        else:
            assert process.returncode == -signal.SIGKILL
            assert len(list(tmp_path.glob(".mc.partial-*"))) == 1  # hidden, never under the final name
    # The next run removes what the killed one left, and replaces the folder whole.
    assert main([*args[:3], "200", *args[4:]]) == 0
    assert not list(tmp_path.glob(".mc.partial-*"))
    assert json.loads((out / "summary.json").read_text(encoding="utf-8"))["draws"] == 200
    assert (out / "notes.txt").read_bytes() == before["notes.txt"]


def test_two_runs_into_one_out_one_wins_whole_the_other_fails_at_once(tmp_path, full_sweep):
    out = tmp_path / "sweep.csv"
    first = start(*SWEEP, "--jobs", "1", "--out", str(out))
    wait_for(lambda: kept_points(out) >= 20, first)
    started = time.monotonic()
    second = subprocess.run([str(BIN), *SWEEP, "--jobs", "1", "--out", str(out)], capture_output=True,
                            text=True, timeout=60)
    assert second.returncode == 1
    assert second.stderr == (f"budgetsim: {out} is being written by another budgetsim run (process "
                             f"{first.pid}); nothing was written: wait for it to finish or choose another --out\n")
    assert time.monotonic() - started < 10  # start-up only: it does not wait, nor solve
    first.communicate(timeout=60)
    assert first.returncode == 0
    assert out.read_bytes() == full_sweep


def test_an_out_that_is_a_file_is_refused(tmp_path, capsys):
    out = tmp_path / "out"
    out.write_text("a file\n", encoding="utf-8")
    assert main(["run", str(DEFAULT), "--no-status-quo", "--out", str(out)]) == 1
    assert capsys.readouterr().err == f"budgetsim: {out} is a file; --out needs a folder\n"
    assert out.read_text(encoding="utf-8") == "a file\n"


def test_sigterm_stops_like_ctrl_c(tmp_path):
    out = tmp_path / "sweep.csv"
    process = start(*SWEEP, "--jobs", "1", "--out", str(out))
    wait_for(lambda: kept_points(out) >= 40, process)
    seconds, err = stop(process, signal.SIGTERM)
    assert process.returncode == 130 and seconds < 2.0
    assert err.startswith(f"budgetsim: interrupted; {out} left as it was; ")
    assert visible(tmp_path) == []
