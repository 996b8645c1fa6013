"""The command line records a run beside the solve (model.store.recorder): a forked copy
opens the store while the command works and writes the run it is handed, in one
transaction. Real processes and signals: an interrupted or killed run records nothing and
leaves no recorder behind; the recorder holds none of the command's files (its --out
lock); a recorded run is the one `run --out` wrote."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from model import load_scenario
from model.store import Store, direct
from model.store.recorder import Recorder

from .conftest import SCENARIOS

BIN = Path(sys.executable).parent / "budgetsim"
COMMUNITIES = SCENARIOS / "tianjin-2006-communities.toml"


def children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def gone(pid: int) -> bool:
    """Ended (no process, or a zombie nobody has reaped yet)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


def wait_until(condition, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.005)


def open_files(pid: int) -> set[str]:
    folder = Path(f"/proc/{pid}/fd")
    found = set()
    for fd in folder.iterdir():
        try:
            found.add(os.readlink(fd))
        except OSError:
            pass
    return found


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGKILL])
def test_an_interrupted_or_killed_run_records_nothing_and_its_recorder_ends(tmp_path, signum):
    db, out = tmp_path / "store.sqlite", tmp_path / "out"
    process = subprocess.Popen([str(BIN), "run", str(COMMUNITIES), "--db", str(db), "--out", str(out)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    wait_until(lambda: children(process.pid) or process.poll() is not None)
    assert process.poll() is None, process.communicate()
    recorder = children(process.pid)[0]
    # The recorder lets go of every file of the command's (the lock on --out among them)
    # and keeps its pipes; its terminal is /dev/null.
    commands_own = (str(tmp_path / ".out.lock"), str(out))
    wait_until(lambda: not any(name.startswith(commands_own) for name in open_files(recorder)) or gone(recorder), 10)
    assert gone(recorder) or open_files(recorder) & {"/dev/null"}
    # Ctrl-C in a terminal reaches the whole foreground group; the recorder has a session of its own.
    os.killpg(process.pid, signum) if signum == signal.SIGINT else process.kill()
    _, err = process.communicate(timeout=30)
    assert process.returncode == (130 if signum == signal.SIGINT else -signal.SIGKILL), err
    wait_until(lambda: gone(recorder), 30)
    with Store.open(db) as store:
        assert store.runs().total == 0
    assert not out.exists()


def test_a_recorded_run_is_what_run_out_wrote(tmp_path):
    db, out = tmp_path / "store.sqlite", tmp_path / "out"
    done = subprocess.run([str(BIN), "run", str(SCENARIOS / "tianjin-2006.toml"), "--db", str(db), "--out", str(out)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert f"recorded as run 1 in {db}" in done.stdout
    with Store.open(db) as store:
        run = store.run(1)
        assert run.info["source"] == "cli" and run.info["status"] == "optimal"
        written = {p.name: p.read_text(encoding="utf-8") for p in out.iterdir() if not p.name.startswith(".")}
        assert run.files == written


def test_a_second_run_into_the_same_store_is_written_directly_and_alike(tmp_path):
    """The first run creates the store (the forked recorder, through SQLAlchemy); the next
    one finds it at this schema and writes with sqlite3 in the command, no fork."""
    db = tmp_path / "store.sqlite"
    outs = []
    for k in (1, 2):
        out = tmp_path / f"out{k}"
        done = subprocess.run([str(BIN), "run", str(SCENARIOS / "tianjin-2006.toml"), "--db", str(db),
                               "--out", str(out)], capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
        assert f"recorded as run {k} in {db}" in done.stdout
        outs.append(out)
    recorder = Recorder(db)
    assert recorder._direct == db and recorder._pid is None
    recorder.close()
    with Store.open(db) as store:
        first, second = store.run(1), store.run(2)
        assert second.files["allocation.csv"] == first.files["allocation.csv"] == \
            (outs[1] / "allocation.csv").read_text(encoding="utf-8")
        assert sorted(second.files) == sorted(first.files)
        assert second.info["scenario_sha256"] == first.info["scenario_sha256"]


def test_a_store_that_cannot_be_used_is_named_and_the_out_files_stay(tmp_path):
    damaged, out = tmp_path / "damaged.sqlite", tmp_path / "out"
    damaged.write_bytes(b"not a database" * 100)
    done = subprocess.run([str(BIN), "run", str(SCENARIOS / "tianjin-2006.toml"), "--db", str(damaged),
                           "--out", str(out)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 1
    assert done.stderr.startswith(f"budgetsim: store {damaged}: ") and "Traceback" not in done.stderr
    assert (out / "summary.json").exists()  # the answer is kept; only its record failed


def raw_rows(path: Path) -> dict[str, list[tuple]]:
    """Every row of the store's tables as SQLite holds them, ids and times left out."""
    with sqlite3.connect(path) as connection:
        tables = {}
        for table, leave_out in (("scenarios", {"created_at"}), ("runs", {"id", "created_at"}),
                                 ("run_files", {"run_id"})):
            cursor = connection.execute(f"SELECT * FROM {table} ORDER BY 1, 2")
            keep = [i for i, d in enumerate(cursor.description) if d[0] not in leave_out]
            tables[table] = [tuple(row[i] for i in keep) for row in cursor.fetchall()]
            tables[f"{table} times"] = [type(row[0]).__name__ for row in connection.execute(
                f"SELECT {'created_at' if table != 'run_files' else 'size'} FROM {table}")]
    return tables


@pytest.mark.parametrize("name", ["tianjin-2006.toml", "tianjin-2006-tight-ceiling.toml"])
def test_the_recorders_sqlite_write_is_the_stores(tmp_path, solved, name):
    """model.store.direct writes, with sqlite3 alone, the rows Store.record_run writes
    through SQLAlchemy; and the run reads back the same through the store."""
    scenario, result = load_scenario(SCENARIOS / name), solved(name)
    through_store, direct_file = tmp_path / "store.sqlite", tmp_path / "direct.sqlite"
    with Store.open(through_store) as store:
        first = store.record_run(result, scenario, source="cli", duration_seconds=0.5)
    Store.open(direct_file).close()  # an empty store at this schema
    assert direct.usable(direct_file) and not direct.usable(tmp_path / "none.sqlite")
    assert direct.record_run(direct_file, result, scenario, source="cli", duration_seconds=0.5) == first == 1
    assert raw_rows(direct_file) == raw_rows(through_store)
    with Store.open(through_store) as a, Store.open(direct_file) as b:
        one, other = a.run(1), b.run(1)
        assert one.files == other.files
        assert {k: v for k, v in one.info.items() if k != "created_at"} == \
            {k: v for k, v in other.info.items() if k != "created_at"}
        assert abs((one.info["created_at"] - other.info["created_at"]).total_seconds()) < 60
        assert b.load_scenario(other.info["scenario_sha256"]).sha256() == scenario.sha256()
        # a second run of the same scenario keeps its content once
        assert direct.record_run(direct_file, result, scenario, source="cli") == 2
        assert len(b.scenarios(history=True)) == 0 and b.has_scenario(scenario.sha256())
        assert b.runs().total == 2
