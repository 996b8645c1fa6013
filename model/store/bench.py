"""The store's figures for ``budgetsim bench``: the cost of recording a run, listing
10,000 runs, recording a large sweep's summary (medians; SQLite in a temporary folder)."""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

from ..results.result import Result
from ..scenario.scenario import Scenario
from .schema import run_files, runs
from .store import Store


def record_seconds(store: Store, result: Result, scenario: Scenario, repeat: int) -> float:
    """Median seconds that recording adds to a solved run: rendering its files and writing them."""
    seconds = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        store.record_run(result, scenario, source="cli")
        seconds.append(time.perf_counter() - t0)
    return statistics.median(seconds)


#: Run in a new interpreter by :func:`recorder_seconds`: ``budgetsim run SCENARIO`` with
#: the recorder's import and every call of it timed (``main`` is the command itself).
_TIMED_RUN = """
import contextlib, io, sys, time
from model.cli import main
start = time.perf_counter()
from model.store import recorder
spent = [time.perf_counter() - start]
def timed(method):
    def call(*args, **kwargs):
        t0 = time.perf_counter()
        try:
            return method(*args, **kwargs)
        finally:
            spent.append(time.perf_counter() - t0)
    return call
for name in ("__init__", "hand_over", "answer", "close"):
    setattr(recorder.Recorder, name, timed(getattr(recorder.Recorder, name)))
with contextlib.redirect_stdout(io.StringIO()):
    code = main(["run", sys.argv[1]])
print(sum(spent) if code == 0 else "failed")
"""


def recorder_seconds(scenario: Path, env: dict[str, str], repeat: int) -> float:
    """Median seconds the recorder takes inside ``budgetsim run`` in a new interpreter
    each time: importing it, making it, rendering and writing the run (first calls and all),
    without the noise of starting a process, which a difference of two end-to-end times
    carries (tens of milliseconds on a shared machine)."""
    seconds = []
    for _ in range(repeat):
        out = subprocess.run([sys.executable, "-c", _TIMED_RUN, str(scenario)], env=env, check=True,
                             capture_output=True, text=True).stdout.strip()
        seconds.append(float(out))
    return statistics.median(seconds)


def fill(store: Store, run_id: int, copies: int) -> None:
    """Copy run ``run_id`` ``copies`` times, in one transaction (to time a long History)."""
    with store._write() as connection:
        row = connection.execute(sa.select(runs).where(runs.c.id == run_id)).one()._asdict()
        files = connection.execute(sa.select(run_files).where(run_files.c.run_id == run_id)).all()
        row.pop("id")
        first = connection.execute(sa.select(sa.func.max(runs.c.id))).scalar_one() + 1
        connection.execute(runs.insert(), [{**row, "id": first + i} for i in range(copies)])
        connection.execute(run_files.insert(), [{**f._asdict(), "run_id": first + i}
                                                for i in range(copies) for f in files[:1]])


def list_seconds(store: Store, count: int, repeat: int) -> float:
    seconds = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        page = store.runs(per_page=count)
        seconds.append(time.perf_counter() - t0)
        assert len(page.frame) == count
    return statistics.median(seconds)


def batch_seconds(store: Store, scenario: Scenario, summary: dict, outputs: list[Path], repeat: int) -> float:
    seconds = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        store.record_batch("sweep", scenario, summary, outputs, source="cli")
        seconds.append(time.perf_counter() - t0)
    return statistics.median(seconds)


def temporary_store(folder: str | None = None) -> tuple[Store, tempfile.TemporaryDirectory]:
    holder = tempfile.TemporaryDirectory(prefix="budgetsim-bench-store-", dir=folder)
    return Store.open(Path(holder.name) / "bench.sqlite"), holder
