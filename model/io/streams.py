"""Batch outputs on disk: CSV rows streamed into a temporary file, a column store for
exact quantiles, and what machine a benchmark ran on."""

from __future__ import annotations

import csv
import os
import tempfile
from pathlib import Path

from ..export import neutralise
from .files import _publish


class StreamingCsv:
    """A CSV file written row by row into a temporary file and renamed into place.

    Rows go to ``.<name>.*.tmp`` beside ``path`` as they arrive (memory stays flat
    however many rows there are); :meth:`commit` renames the file into place, and
    :meth:`abort` (or an exception inside a ``with`` block) deletes it, so a failed
    or interrupted batch never leaves a half-written file under the real name.
    Floats are written with Python's shortest round-tripping ``repr``.
    """

    def __init__(self, path: Path, header: list[str]):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=f".{self.path.name}.", suffix=".tmp")
        self._tmp = Path(tmp)
        self._file = os.fdopen(fd, "w", encoding="utf-8", newline="")
        self._writer = csv.writer(self._file, lineterminator="\n")
        self._writer.writerow([neutralise(h) for h in header])
        self.rows = 0

    def write_rows(self, rows) -> None:
        self._writer.writerows(rows)

    def commit(self) -> Path:
        self._file.close()
        _publish(self._tmp, self.path)
        return self.path

    def abort(self) -> None:
        if not self._file.closed:
            self._file.close()
        self._tmp.unlink(missing_ok=True)

    def __enter__(self) -> StreamingCsv:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is not None:
            self.abort()


class ColumnStore:
    """A float64 table of ``n_rows`` x ``n_cols`` kept in a temporary file on disk.

    Batch results are written into it block by block and read back one column at a
    time (for exact quantiles), so memory holds one column, not the whole table.
    The file is deleted by :meth:`close`.
    """

    def __init__(self, n_rows: int, n_cols: int, folder: Path | None = None):
        import numpy as np

        if folder is not None:
            Path(folder).mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".budgetsim-columns.", suffix=".tmp")
        os.close(fd)
        self._path = Path(tmp)
        self.shape = (int(n_rows), int(n_cols))
        # Column-major, so that one metric over all draws is one contiguous read.
        self._data = np.memmap(self._path, dtype=np.float64, mode="w+", shape=self.shape, order="F") \
            if n_rows and n_cols else np.zeros(self.shape)

    def write(self, start: int, block) -> None:
        self._data[start:start + len(block), :] = block

    def column(self, j: int):
        import numpy as np

        return np.array(self._data[:, j])

    def close(self) -> None:
        del self._data
        self._path.unlink(missing_ok=True)

    def __enter__(self) -> ColumnStore:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        self.close()


def machine_info() -> dict[str, str]:
    """The machine a benchmark ran on: ``uname -a``, CPU model and cores (from /proc/cpuinfo)."""
    import platform

    uname = " ".join(platform.uname())
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {"uname": uname, "cpu": model, "cores": str(cores)}


class Checkpoint:
    """A sweep's finished rows kept beside its output so that an interrupted sweep goes on.

    Rows go to ``.<name>.resume.csv`` beside ``path`` and, after each chunk, the
    number of points and bytes written so far to ``.<name>.resume.json`` (replaced
    atomically), so whatever stops the process -- Ctrl-C, SIGKILL, a dead machine --
    the state names only complete chunks. :meth:`commit` renames the rows into
    place as ``path`` and deletes the state; until then ``path`` is untouched.

    Parameters
    ----------
    path : Path
        The output CSV.
    identity : str
        What the rows depend on (scenario hash, grid, chunk size, version): rows of
        another sweep are never resumed.
    header : list of str
        The CSV header.
    resume : bool
        Go on from the rows kept by an earlier run of the same sweep (else start anew).
    """

    def __init__(self, path: Path, identity: str, header: list[str], resume: bool = False):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.rows_path = self.path.parent / f".{self.path.name}.resume.csv"
        self.state_path = self.path.parent / f".{self.path.name}.resume.json"
        self.identity = identity
        self.points = self._kept() if resume else 0
        self.resumed = self.points
        if self.points:
            self._file = open(self.rows_path, "r+", encoding="utf-8", newline="")
            self._file.seek(self._bytes)
            self._file.truncate()  # drop a chunk cut off by a kill after the last state
        else:
            self._file = open(self.rows_path, "w", encoding="utf-8", newline="")
            csv.writer(self._file, lineterminator="\n").writerow([neutralise(h) for h in header])
        self._writer = csv.writer(self._file, lineterminator="\n")
        self._save()

    def _kept(self) -> int:
        import json

        try:
            state = json.loads(self.state_path.read_text(encoding="utf-8"))
            size = self.rows_path.stat().st_size
        except (OSError, ValueError):
            return 0
        if not isinstance(state, dict) or state.get("identity") != self.identity:
            return 0
        points, self._bytes = state.get("points"), state.get("bytes")
        if not (isinstance(points, int) and isinstance(self._bytes, int) and 0 < self._bytes <= size):
            return 0
        return points

    def _save(self) -> None:
        from .files import write_json

        self._file.flush()
        write_json(self.state_path, {"identity": self.identity, "points": self.points,
                                     "bytes": self._file.tell()})

    def write_chunk(self, rows, n_points: int) -> None:
        """Append one finished chunk's rows, then record it as done."""
        self._writer.writerows(rows)
        self.points += n_points
        self._save()

    def commit(self) -> Path:
        self._file.close()
        _publish(self.rows_path, self.path)
        self.state_path.unlink(missing_ok=True)
        return self.path

    def close(self) -> None:
        """Stop writing; the rows and state stay for ``--resume``."""
        if not self._file.closed:
            self._file.close()

    def __enter__(self) -> Checkpoint:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        self.close()
