"""Batch runs written to files: a sweep's CSV, a Monte Carlo run's draws, quantiles and summary.

Rows are streamed to disk in point order as chunks arrive (:class:`model.io.StreamingCsv`),
and every metric of a Monte Carlo run is kept in an on-disk column store
(:class:`model.io.ColumnStore`), so memory does not grow with the number of
draws. Quantiles are exact (``numpy.quantile``, linear interpolation) over all
draws, computed one metric at a time from the column store. Output files appear
under their names only when the whole run has succeeded.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from ..constants import Status
from ..io import ColumnStore, StreamingCsv, write_csv, write_json
from ..version import __version__
from .montecarlo import QUANTILE_HEADER, MonteCarlo, quantile_rows
from .parallel import Progress, run_batch
from .sweep import Sweep

_INTEGER_COLUMNS = frozenset({"draw", "clipped_values"})


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


def write_sweep(sweep: Sweep, path: Path, progress: Progress | None = None, **options) -> dict:
    """Solve ``sweep`` (see :func:`model.batch.run_batch` for ``options``) and write its CSV."""
    columns = sweep.columns()
    met_column = columns.index("hard_targets_met")
    started = time.perf_counter()
    met = 0
    with StreamingCsv(Path(path), _header(columns)) as out:
        for _, block in run_batch(sweep, progress=progress, **options):
            out.write_rows(_rows(columns, block))
            met += int(block[:, met_column].sum())
        out.commit()
    return {"points": sweep.size, "met": met, "seconds": time.perf_counter() - started}


def write_montecarlo(batch: MonteCarlo, out_dir: Path, progress: Progress | None = None, **options) -> dict:
    """Solve every draw of ``batch`` and write ``draws.csv``, ``quantiles.csv`` and ``summary.json``."""
    out_dir = Path(out_dir)
    columns = batch.columns()
    started = time.perf_counter()
    with ColumnStore(batch.size, len(columns), folder=out_dir) as store:
        with StreamingCsv(out_dir / "draws.csv", _header(columns)) as draws:
            for start, block in run_batch(batch, progress=progress, **options):
                draws.write_rows(_rows(columns, block))
                store.write(start, block)
            seconds = time.perf_counter() - started
            # Every metric and every drawn value (not the draw number or the clip count).
            quantiles = [quantile_rows(name, store.column(j)) for j, name in enumerate(columns)
                         if name not in _INTEGER_COLUMNS]
            met = store.column(columns.index("hard_targets_met"))
            clipped = int(store.column(columns.index("clipped_values")).sum())
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
                "uncertain": [{"key": u.key, "apply": u.apply, "per": u.per, "distribution": u.distribution,
                               "args": list(u.args), "source": u.source}
                              for u in batch.scenario.montecarlo.parameters],
                "quantile_method": "exact over all draws (numpy.quantile, linear interpolation)",
                "chunk_size": options.get("chunk_size"),
                "seconds": seconds,
                "budgetsim_version": __version__,
                "files": [str(out_dir / n) for n in ("draws.csv", "quantiles.csv", "summary.json")],
            }
            write_csv(out_dir / "quantiles.csv", table)
            draws.commit()
    write_json(out_dir / "summary.json", summary)
    return summary
