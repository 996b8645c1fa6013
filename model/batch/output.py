"""Batch runs written to files: a sweep's CSV, a Monte Carlo run's draws, quantiles and summary.

Rows are streamed to disk in point order as chunks arrive (:class:`model.io.StreamingCsv`),
and every metric of a Monte Carlo run is kept in an on-disk column store
(:class:`model.io.ColumnStore`), so memory does not grow with the number of
draws. Quantiles are exact (``numpy.quantile``, linear interpolation) over all
draws, computed one metric at a time from the column store. Output files appear
under their names only when the whole run has succeeded.
"""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path

import numpy as np

from ..constants import DEFAULT_CHUNK, Status
from ..errors import Interrupted
from ..io import Checkpoint, ColumnStore, OutputFolder, StreamingCsv, output_lock, write_csv, write_json
from ..version import __version__
from .montecarlo import QUANTILE_HEADER, MonteCarlo, quantile_rows
from .parallel import Progress, run_batch
from .sweep import Sweep

_INTEGER_COLUMNS = frozenset({"draw", "clipped_values"})
#: Not a figure of the policy: how a draw was solved (see record_columns), counted in summary.json.
_NOT_QUANTILED = _INTEGER_COLUMNS | {"stage_tolerance_factor"}


def _header(columns: list[str]) -> list[str]:
    """Output columns: ``hard_targets_met`` is written as the ``status`` text."""
    return [("status" if c == "hard_targets_met" else c) for c in columns]


def _rows(columns: list[str], block: np.ndarray):
    kinds = [("int" if c in _INTEGER_COLUMNS else "status" if c == "hard_targets_met" else "float")
             for c in columns]
    for row in block.tolist():
        yield [str(int(v)) if k == "int" else
               (Status.OPTIMAL.value if v == 1.0 else Status.HARD_TARGETS_UNMET.value) if k == "status" else
               repr(v) for k, v in zip(kinds, row)]


def sweep_identity(sweep: Sweep, chunk_size: int) -> str:
    """What a sweep's rows depend on: a checkpoint of another sweep is never resumed."""
    payload = {"scenario": sweep.scenario.sha256(), "names": sweep.names,
               "grids": [g.tolist() for g in sweep.grids], "chunk_size": chunk_size,
               "first_solver": sweep.first_solver, "columns": sweep.columns(), "version": __version__}
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode("utf-8")).hexdigest()


def write_sweep(sweep: Sweep, path: Path, progress: Progress | None = None, resume: bool = False,
                **options) -> dict:
    """Solve ``sweep`` (see :func:`model.batch.run_batch` for ``options``) and write its CSV.

    The finished chunks are kept beside ``path`` while the sweep runs; with ``resume``
    a sweep that was stopped goes on after its last finished chunk. An interruption
    raises :class:`~model.errors.Interrupted` saying how many points were kept.
    """
    columns = sweep.columns()
    met_column = columns.index("hard_targets_met")
    started = time.perf_counter()
    chunk_size = options.get("chunk_size", DEFAULT_CHUNK)
    with output_lock(path), Checkpoint(Path(path), sweep_identity(sweep, chunk_size), _header(columns),
                                       resume=resume) as out:
        met = _kept_met(out, met_column) if out.resumed else 0
        if progress is not None and out.resumed:
            progress(out.resumed)
        try:
            for _, block in run_batch(sweep, progress=progress, start=out.resumed, **options):
                out.write_chunk(_rows(columns, block), len(block))
                met += int(block[:, met_column].sum())
        except KeyboardInterrupt:
            raise Interrupted(f"{out.points:,} of {sweep.size:,} points kept: run the same command with "
                              "--resume to go on") from None
        out.commit()
    return {"points": sweep.size, "met": met, "resumed": out.resumed, "seconds": time.perf_counter() - started}


def _kept_met(out: Checkpoint, met_column: int) -> int:
    """Points of the kept rows with every hard target met."""
    import csv

    with open(out.rows_path, encoding="utf-8", newline="") as f:
        rows = csv.reader(f)
        next(rows)
        return sum(1 for row, _ in zip(rows, range(out.resumed)) if row[met_column] == Status.OPTIMAL.value)


def write_montecarlo(batch: MonteCarlo, out_dir: Path, progress: Progress | None = None, **options) -> dict:
    """Solve every draw of ``batch`` and write ``draws.csv``, ``quantiles.csv`` and ``summary.json``."""
    out_dir = Path(out_dir)
    columns = batch.columns()
    started = time.perf_counter()
    with OutputFolder(out_dir) as folder, ColumnStore(batch.size, len(columns), folder=folder.path) as store:
        with StreamingCsv(folder.path / "draws.csv", _header(columns)) as draws:
            for start, block in run_batch(batch, progress=progress, **options):
                draws.write_rows(_rows(columns, block))
                store.write(start, block)
            seconds = time.perf_counter() - started
            # Every metric and every drawn value (not the draw number or the clip count).
            quantiles = [quantile_rows(name, store.column(j)) for j, name in enumerate(columns)
                         if name not in _NOT_QUANTILED]
            met = store.column(columns.index("hard_targets_met"))
            clipped = int(store.column(columns.index("clipped_values")).sum())
            widened = int((store.column(columns.index("stage_tolerance_factor")) > 1).sum())
            import pandas as pd

            table = pd.DataFrame(quantiles, columns=QUANTILE_HEADER)
            table.loc[table.metric == "hard_targets_met", "metric"] = "all_hard_targets_met"
            summary = {
                "scenario": batch.scenario.name,
                "title": batch.scenario.title,
                "draws": batch.size,
                "seed": batch.seed,
                "probability_all_hard_targets_met": float(met.mean()),
                "clipped_values": clipped,
                # Draws whose decomposed master held the earlier optima looser than the tolerance.
                "draws_with_widened_stage_tolerance": widened,
                "uncertain": [{"key": u.key, "apply": u.apply, "per": u.per, "distribution": u.distribution,
                               "args": list(u.args), "source": u.source}
                              for u in batch.scenario.montecarlo.parameters],
                "quantile_method": "exact over all draws (numpy.quantile, linear interpolation)",
                "chunk_size": options.get("chunk_size"),
                "seconds": seconds,
                "budgetsim_version": __version__,
                "files": [str(out_dir / n) for n in ("draws.csv", "quantiles.csv", "summary.json")],
            }
            write_csv(folder.path / "quantiles.csv", table)
            draws.commit()
        write_json(folder.path / "summary.json", summary)
    return summary
