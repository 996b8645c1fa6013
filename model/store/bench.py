"""The store's figures for ``budgetsim bench``: the cost of recording a run, listing
10,000 runs, recording a large sweep's summary (medians; SQLite in a temporary folder)."""

from __future__ import annotations

import statistics
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
