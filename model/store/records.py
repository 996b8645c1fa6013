"""What the store keeps of a scenario and a run, as plain values: compressed files, the
headline figures of a result, who and where (no SQL here)."""

from __future__ import annotations

import datetime
import json
import os
import platform
import socket
import zlib
from collections.abc import Mapping
from typing import Any

from ..export import csv_text
from ..io.files import json_text
from ..results.result import Result
from ..scenario.scenario import Scenario
from ..version import __version__
from . import tables

#: zlib level: level 1 packs the communities' 3.4 MB allocation CSV to 456 KB in 13 ms;
#: level 6 to 367 KB in 38 ms (a run is recorded while the analyst waits).
LEVEL = 1


def pack(text: str) -> bytes:
    return zlib.compress(text.encode("utf-8"), LEVEL)


def unpack(data: bytes) -> str:
    return zlib.decompress(data).decode("utf-8")


def pack_files(files: Mapping[str, str]) -> bytes:
    return pack(json.dumps(dict(files), ensure_ascii=False, sort_keys=True))


def unpack_files(data: bytes) -> dict[str, str]:
    return json.loads(unpack(data))


def now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def as_utc(value: datetime.datetime) -> datetime.datetime:
    """A stored time as UTC (SQLite gives it back without its zone)."""
    return value.replace(tzinfo=datetime.UTC) if value.tzinfo is None else value.astimezone(datetime.UTC)


def user() -> str:
    """The login name, found as ``getpass.getuser`` finds it (without the terminal module
    it imports, a millisecond of every recorded run)."""
    for variable in ("LOGNAME", "USER", "LNAME", "USERNAME"):
        if os.environ.get(variable):
            return os.environ[variable]
    try:
        import pwd

        return pwd.getpwuid(os.getuid()).pw_name
    except (ImportError, KeyError, OSError):  # no login name (a container's numeric user)
        return f"uid {os.getuid()}" if hasattr(os, "getuid") else "unknown"


def host() -> str:
    return socket.gethostname() or platform.node() or "unknown"


def scenario_contents(scenario: Scenario) -> dict[str, str]:
    """The scenario as files that load back to the same values (hence the same sha256):
    one flat TOML, its district CSV and, at community level, its unit CSV."""
    # Imported here: a command that records a scenario kept before never needs them.
    from ..scenario.links import format_value
    from ..scenario.text import scenario_to_files

    files = scenario_to_files(scenario)
    # The flat copy keeps the district table's file name: the name is a parameter, so
    # it is part of the sha256.
    original = scenario.params["scenario.districts"]
    toml_name, csv_name = list(files)
    if csv_name != original:
        line = f"districts = {format_value(csv_name)}\n"
        files = {toml_name: files[toml_name].replace(line, f"districts = {format_value(original)}\n", 1),
                 original: files[csv_name]}
    units = scenario.params.get("scenario.units")
    if isinstance(units, str) and units.strip():
        files[units] = scenario.files[units]
    return files


def run_files(result: Result, extra_summary: Mapping[str, Any] | None = None,
              extra_tables: Mapping[str, Any] | None = None, districts: Any = None
              ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The files ``budgetsim run --out`` writes for this result, as the store keeps them:
    (the summary, ``run_files`` rows). ``summary.json`` is kept as its text, the tables
    as typed columns (:mod:`model.store.tables`; read back, they are the same CSV text)
    or, when a column is of another kind, as their CSV text. ``districts``: the
    scenario's table, for the names beside the ids."""
    summary = {**result.summary(), **(extra_summary or {})}
    packed = pack_texts({"summary.json": json_text(summary)})
    names = tables.district_names(districts) if districts is not None else None
    for name, frame in {**result.tables(), **(extra_tables or {})}.items():
        kept = tables.encode(frame, names) if names is not None or districts is None else None
        if kept is None:
            packed += pack_texts({f"{name}.csv": csv_text(frame, districts)})
        else:
            packed.append({"name": f"{name}.csv", "data": kept[0], "size": kept[1]})
    return summary, packed


def pack_texts(files: Mapping[str, str]) -> list[dict[str, Any]]:
    """``run_files`` rows of text files kept as they are (compressed)."""
    return [{"name": name, "data": pack(text), "size": len(text.encode("utf-8"))} for name, text in files.items()]


def read_file(data: bytes) -> str:
    """A kept run file's text: a table kept as columns rendered as ``run --out`` writes it."""
    if tables.is_columns(data):
        return csv_text(tables.decode(data))
    return unpack(data)


#: Where a run was made.
SOURCES = ("cli", "app", "api")


def run_record(result: Result, scenario: Scenario, *, extra_summary: Mapping[str, Any] | None = None,
               extra_tables: Mapping[str, Any] | None = None, source: str = "api",
               duration_seconds: float | None = None, scenario_name: str | None = None
               ) -> tuple[str, dict[str, Any], list[dict[str, Any]]]:
    """A solve's record before any SQL: the scenario's sha256, the ``runs`` row and the
    ``run_files`` rows (compressed), as :meth:`~model.store.Store.record_run` writes them."""
    summary, packed = run_files(result, extra_summary, extra_tables, scenario.districts)
    figures = headline(summary)
    provenance = result.provenance
    row = {
        "kind": "run", "status": str(result.status.value), "overrides": provenance["overrides"],
        "solver": str(provenance["solver"]), "solver_version": str(provenance["solver_version"]),
        "ceiling_yuan": figures["ceiling_yuan"], "transfers_yuan": figures["transfers_yuan"],
        "missing_hard_yuan": summary["missing_yuan_total"] or 0.0, "headline": figures,
        "duration_seconds": float(duration_seconds if duration_seconds is not None else provenance["solve_seconds"]),
    }
    return finish_record(scenario, row, packed, source, scenario_name, provenance.get("scenario_sha256"))


def finish_record(scenario: Scenario, row: dict[str, Any], packed: list[dict[str, Any]], source: str,
                  scenario_name: str | None, sha: str | None = None
                  ) -> tuple[str, dict[str, Any], list[dict[str, Any]]]:
    """A run's row completed with what every record says (scenario, versions, who, where,
    when): (sha256, row, file rows)."""
    if source not in SOURCES:
        raise ValueError(f"source must be one of {SOURCES}, not {source!r}")
    sha = sha or scenario.sha256()  # a result's provenance has it already
    row = {**row, "scenario_sha256": sha, "scenario_name": scenario_name or scenario.name,
           "title": scenario.title, "budgetsim_version": __version__,
           "python_version": platform.python_version(), "host": host(), "username": user(),
           "source": source, "created_at": now()}
    return sha, row, packed


def scenario_row(scenario: Scenario, sha: str) -> dict[str, Any]:
    """The ``scenarios`` row that keeps ``scenario``'s content (once, by its sha256)."""
    if scenario.sha256() != sha:
        raise ValueError(f"the scenario given (sha256 {scenario.sha256()[:12]}) is not the one of the "
                         f"result (sha256 {sha[:12]})")
    return {"sha256": sha, "title": scenario.title, "created_at": now(), "created_by": user(),
            "files": pack_files(scenario_contents(scenario))}


def headline(summary: Mapping[str, Any]) -> dict[str, Any]:
    """The figures a History list shows and a memo quotes, from a run's ``summary.json``:
    ceiling used, compliance by target (last year and every year), unmet hard targets by
    requirement, shadow prices of the ceiling by year."""
    ceiling = sum(v or 0.0 for v in summary["ceiling_by_year"].values())
    transfers = sum(v or 0.0 for v in summary["transfers_by_year"].values())
    last = str(summary["horizon"][-1])
    unmet: dict[str, float] = {}
    for row in summary["unmet_hard"]:
        unmet[row["requirement"]] = unmet.get(row["requirement"], 0.0) + (row["missing_yuan"] or 0.0)
    return {
        "ceiling_yuan": ceiling,
        "transfers_yuan": transfers,
        "ceiling_used_share": transfers / ceiling if ceiling > 0 else None,
        "compliance_last_year": {p: by_year.get(last) for p, by_year in summary["compliance"].items()},
        "compliance": summary["compliance"],
        "unmet_hard_by_requirement": unmet,
        "shadow_price_points_per_yuan": summary["shadow_price_ceiling_by_year"],
        "shadow_price_missing_yuan_per_yuan": summary["shadow_price_ceiling_hard_by_year"],
        "objectives": summary["objectives"],
    }
