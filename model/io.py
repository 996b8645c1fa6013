"""The only module that touches the disk: scenario files in, result files out.

Reading returns plain text keyed by file name so that scenarios uploaded in the
browser go through exactly the same parsing and validation as files on disk.
Writing goes to a temporary file first and is renamed into place, so an
interrupted run never leaves a half-written output behind.
"""

from __future__ import annotations

import csv
import json
import os
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Protocol

import pandas as pd

from .export import neutralise, safe_table, with_district_names


class Writable(Protocol):
    """What :func:`write_result` writes: a result's JSON summary and its tables."""

    def summary(self) -> dict[str, Any]: ...

    def tables(self) -> Mapping[str, pd.DataFrame]: ...


def text_reader(folder: Path) -> Callable[[str], str]:
    """A function that reads a scenario file named relative to ``folder``."""

    def read(name: str) -> str:
        return (folder / name).read_text(encoding="utf-8")

    return read


def read_scenario_texts(path: Path) -> tuple[str, Callable[[str], str]]:
    """The name of a scenario file and a reader for it and the files it names."""
    path = Path(path)
    return path.name, text_reader(path.parent)


def _new_file_mode() -> int:
    """The permissions ``open()`` gives a new file here: 0666 less the umask (the
    temporary files outputs are written into are created 0600)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return 0o666 & ~int(line.split()[1], 8)
    except OSError:  # pragma: no cover - not Linux
        pass
    mask = os.umask(0)  # pragma: no cover
    os.umask(mask)  # pragma: no cover
    return 0o666 & ~mask  # pragma: no cover


def _publish(tmp: str | Path, path: Path) -> None:
    """Move a finished temporary file into place, readable as any new file would be."""
    os.chmod(tmp, _new_file_mode())
    os.replace(tmp, path)


def _atomic_write_bytes(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        _publish(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically (UTF-8)."""
    _atomic_write_bytes(Path(path), text.encode("utf-8"))


def write_json(path: Path, data: Mapping[str, Any]) -> None:
    """Write ``data`` as indented UTF-8 JSON, atomically."""
    write_text(path, json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False) + "\n")


def write_csv(path: Path, frame: pd.DataFrame) -> None:
    """Write a table as CSV without the index, atomically (formula text neutralised,
    see :func:`model.export.safe_table`)."""
    write_text(path, safe_table(frame).to_csv(index=False, lineterminator="\n"))


def write_result(result: Writable, out_dir: Path, extra_summary: Mapping[str, Any] | None = None,
                 extra_tables: Mapping[str, pd.DataFrame] | None = None,
                 districts: pd.DataFrame | None = None) -> list[Path]:
    """Write ``summary.json`` and the result tables as CSV into ``out_dir``.

    ``extra_summary`` adds sections to the summary (``diagnosis``, ``sensitivity``)
    and ``extra_tables`` more CSV files; with ``districts`` (the scenario's district
    table) every table with a ``district`` column gets the names beside the ids.
    Everything is rendered in memory first, so invalid content fails before any
    file is created.
    """
    return write_files(out_dir, render_result(result, extra_summary, extra_tables, districts))


def render_result(result: Writable, extra_summary: Mapping[str, Any] | None = None,
                  extra_tables: Mapping[str, pd.DataFrame] | None = None,
                  districts: pd.DataFrame | None = None) -> dict[str, str]:
    """The files :func:`write_result` writes, by name, as text (the store keeps the same)."""
    summary = {**result.summary(), **(extra_summary or {})}
    files: dict[str, str] = {
        "summary.json": json.dumps(summary, indent=2, ensure_ascii=False, allow_nan=False) + "\n",
    }
    for name, frame in {**result.tables(), **(extra_tables or {})}.items():
        if districts is not None:
            frame = with_district_names(frame, districts)
        files[f"{name}.csv"] = safe_table(frame).to_csv(index=False, lineterminator="\n")
    return files


def write_files(out_dir: Path, files: Mapping[str, str]) -> list[Path]:
    """Write ``{name: text}`` into ``out_dir``, each file atomically; returns the paths."""
    out_dir = Path(out_dir)
    written = []
    for name, text in files.items():
        target = out_dir / name
        write_text(target, text)
        written.append(target)
    return written


def write_lp_file(problem: Any, path: Path) -> None:
    """Write a PuLP problem as a CPLEX LP file (readable constraint by constraint)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".lp")
    os.close(fd)
    try:
        problem.writeLP(tmp)
        _publish(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


#: The scenarios shipped with budgetsim (``scenarios/`` beside the package).
SCENARIO_DIR = Path(__file__).resolve().parent.parent / "scenarios"
DEFAULT_SCENARIO = "tianjin-2006.toml"


def shipped_scenarios(folder: Path = SCENARIO_DIR) -> list[str]:
    """File names of the scenario TOML files in ``folder``, default first."""
    names = sorted(p.name for p in Path(folder).glob("*.toml"))
    if DEFAULT_SCENARIO in names:
        names.remove(DEFAULT_SCENARIO)
        names.insert(0, DEFAULT_SCENARIO)
    return names


def scenario_files(folder: Path = SCENARIO_DIR) -> dict[str, str]:
    """The text of every scenario file (TOML and CSV) in ``folder``, by name."""
    folder = Path(folder)
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(folder.iterdir())
            if p.suffix in (".toml", ".csv") and p.is_file()}


# --- batch outputs (sweeps, Monte Carlo): streamed, then renamed into place -----------
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
