"""Failing workers: a local worker process or a Dask worker killed mid-sweep costs only a
re-run of its chunks, and the file equals the uninterrupted one; an unreachable Dask
scheduler is a clear error within seconds."""

from __future__ import annotations

import os
import signal
import socket
import time
from pathlib import Path

import pytest

from model.batch.parallel import DASK_TIMEOUT
from model.cli import main

from .test_interruption import SWEEP, kept_points, start, wait_for


def worker_pids(pid: int) -> list[int]:
    """The pool's worker processes among ``pid``'s children (spawned by multiprocessing)."""
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    found = []
    for child in map(int, children):
        try:
            cmdline = Path(f"/proc/{child}/cmdline").read_bytes()
        except OSError:
            continue
        if b"spawn_main" in cmdline:
            found.append(child)
    return found


def test_a_local_worker_killed_mid_sweep_is_replaced_and_the_file_is_the_same(tmp_path, full_sweep):
    out = tmp_path / "sweep.csv"
    process = start(*SWEEP, "--jobs", "2", "--out", str(out))
    wait_for(lambda: kept_points(out) >= 60 and len(worker_pids(process.pid)) == 2, process)
    victim = worker_pids(process.pid)[0]
    os.kill(victim, signal.SIGKILL)
    _, err = process.communicate(timeout=120)
    assert process.returncode == 0, err
    assert err.startswith("budgetsim: note: a worker process died; its ")
    assert err.endswith(" unfinished chunk(s) are solved again (restart 1 of 3)\n") and err.count("\n") == 1
    assert out.read_bytes() == full_sweep


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_an_unreachable_scheduler_is_a_clear_error_within_seconds(tmp_path, capsys):
    assert DASK_TIMEOUT <= 5
    address = f"tcp://127.0.0.1:{free_port()}"
    out = tmp_path / "s.csv"
    started = time.monotonic()
    code = main([*SWEEP, "--dask", address, "--dask-timeout", "1", "--out", str(out)])
    seconds = time.monotonic() - started
    assert code == 1
    assert capsys.readouterr().err == (f"budgetsim: cannot reach the Dask scheduler at {address} within 1 s "
                                       "(OSError); is it running, and is the address right?\n")
    assert seconds < 4
    assert not out.exists()


@pytest.fixture(scope="module")
def cluster():
    from dask.distributed import Client, LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0",
                      host="127.0.0.1") as local, Client(local) as client:
        yield local, client


def test_a_dask_worker_killed_mid_sweep_is_recomputed_and_the_file_is_the_same(tmp_path, full_sweep, cluster):
    local, client = cluster
    out = tmp_path / "sweep.csv"
    process = start(*SWEEP, "--dask", local.scheduler_address, "--out", str(out))
    wait_for(lambda: kept_points(out) >= 60, process, timeout=120)
    pids = client.run(os.getpid)
    victim = sorted(pids.values())[0]
    os.kill(victim, signal.SIGKILL)
    _, err = process.communicate(timeout=120)
    assert process.returncode == 0, err
    assert out.read_bytes() == full_sweep
    # The nanny started a new worker in its place.
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and (len(client.scheduler_info()["workers"]) < 2
                                           or victim in client.run(os.getpid).values()):
        time.sleep(0.1)
    assert victim not in client.run(os.getpid).values()
