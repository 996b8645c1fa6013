"""Scenario files in, result files out: text reading, atomic writes of single files.

Reading returns plain text keyed by file name so that scenarios uploaded in the
browser go through exactly the same parsing and validation as files on disk.
Writing goes to a temporary file first and is renamed into place, so an
interrupted run never leaves a half-written output behind.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Protocol

import pandas as pd

from ..export import csv_text, with_district_names
from .outputs import OutputFolder, umask


class Writable(Protocol):
    """What :func:`write_result` writes: a result's JSON summary and its tables."""

    def summary(self) -> dict[str, Any]: ...

    def tables(self) -> Mapping[str, pd.DataFrame]: ...


#: Scenario files (TOML, CSV) larger than this are refused (characters, about bytes).
MAX_SCENARIO_FILE = 50 * 2**20


def text_reader(folder: Path) -> Callable[[str], str]:
    """A function that reads a scenario file named relative to ``folder``."""

    def read(name: str) -> str:
        with open(folder / name, encoding="utf-8") as f:
            return f.read(MAX_SCENARIO_FILE + 1)  # a larger file is refused, never read whole

    return read


def read_scenario_texts(path: Path) -> tuple[str, Callable[[str], str]]:
    """The name of a scenario file and a reader for it and the files it names."""
    path = Path(path)
    return path.name, text_reader(path.parent)


def _new_file_mode() -> int:
    """The permissions ``open()`` gives a new file here: 0666 less the umask (the
    temporary files outputs are written into are created 0600)."""
    return 0o666 & ~umask()


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
    write_text(path, json_text(data))


def write_csv(path: Path, frame: pd.DataFrame) -> None:
    """Write a table as CSV without the index, atomically (formula text neutralised,
    see :func:`model.export.csv_text`)."""
    write_text(path, csv_text(frame))


def write_result(result: Writable, out_dir: Path, extra_summary: Mapping[str, Any] | None = None,
                 extra_tables: Mapping[str, pd.DataFrame] | None = None,
                 districts: pd.DataFrame | None = None) -> list[Path]:
    """Write ``summary.json`` and the result tables as CSV into ``out_dir``, as a whole.

    ``extra_summary`` adds sections to the summary (``diagnosis``, ``sensitivity``)
    and ``extra_tables`` more CSV files; with ``districts`` (the scenario's district
    table) every table with a ``district`` column gets the names beside the ids.
    Everything is rendered in memory first, so invalid content fails before any
    file is created; the files then appear together (:func:`write_folder`).
    """
    return write_files(out_dir, render_result(result, extra_summary, extra_tables, districts))


def json_text(data: Mapping[str, Any]) -> str:
    """JSON as budgetsim writes it (``summary.json`` and the rest): indented UTF-8, no NaN
    (a missing figure is null)."""
    return json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def render_result(result: Writable, extra_summary: Mapping[str, Any] | None = None,
                  extra_tables: Mapping[str, pd.DataFrame] | None = None,
                  districts: pd.DataFrame | None = None) -> dict[str, str]:
    """The files :func:`write_result` writes, by name, as text (the store keeps the same)."""
    files: dict[str, str] = {"summary.json": json_text({**result.summary(), **(extra_summary or {})})}
    for name, frame in {**result.tables(), **(extra_tables or {})}.items():
        files[f"{name}.csv"] = csv_text(frame, districts)
    return files


def render_parquet(result: Writable, extra_summary: Mapping[str, Any] | None = None,
                   extra_tables: Mapping[str, pd.DataFrame] | None = None,
                   districts: pd.DataFrame | None = None) -> dict[str, str | bytes]:
    """The files of :func:`render_result` with the tables as Parquet (pyarrow) instead of
    CSV: columnar, typed and compressed, for national-scale results (a 120,000-community
    allocation has 3 million rows). ``summary.json`` is the same."""
    import io

    import pyarrow as pa
    import pyarrow.parquet as pq

    files: dict[str, str | bytes] = {"summary.json": json_text({**result.summary(), **(extra_summary or {})})}
    for name, frame in {**result.tables(), **(extra_tables or {})}.items():
        if districts is not None:
            frame = with_district_names(frame, districts)
        buffer = io.BytesIO()
        pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), buffer, compression="snappy")
        files[f"{name}.parquet"] = buffer.getvalue()
    return files


def write_files(out_dir: Path, files: Mapping[str, str | bytes]) -> list[Path]:
    """Write ``{name: text or bytes}`` into ``out_dir`` so that they appear all at once or
    not at all (:class:`~model.io.OutputFolder`); returns the paths."""
    with OutputFolder(out_dir) as folder:
        for name, content in files.items():
            if isinstance(content, bytes):
                (folder.path / name).write_bytes(content)
            else:
                (folder.path / name).write_text(content, encoding="utf-8")
    return [Path(out_dir) / name for name in files]


#: The same as :func:`write_files`.
write_folder = write_files


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
SCENARIO_DIR = Path(__file__).resolve().parent.parent.parent / "scenarios"
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


