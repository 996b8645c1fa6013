"""The command line records a run beside the solve (model.store.recorder): a forked copy
opens the store while the command works and writes the run it is handed, in one
transaction. Real processes and signals: an interrupted or killed run records nothing and
leaves no recorder behind; the recorder holds none of the command's files (its --out
lock); a recorded run is the one `run --out` wrote."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from model.store import Store

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


def test_a_store_that_cannot_be_used_is_named_and_the_out_files_stay(tmp_path):
    damaged, out = tmp_path / "damaged.sqlite", tmp_path / "out"
    damaged.write_bytes(b"not a database" * 100)
    done = subprocess.run([str(BIN), "run", str(SCENARIOS / "tianjin-2006.toml"), "--db", str(damaged),
                           "--out", str(out)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 1
    assert done.stderr.startswith(f"budgetsim: store {damaged}: ") and "Traceback" not in done.stderr
    assert (out / "summary.json").exists()  # the answer is kept; only its record failed
