"""Scenario files as text in memory: write an edited scenario back, read uploads.

:func:`scenario_to_files` turns a loaded :class:`~model.scenario.Scenario` (with
whatever overrides were applied) into one flat TOML file and its district CSV,
which load back into a scenario with the same values. :func:`read_uploads` turns
uploaded bytes (TOML and CSV files, or one zip of them) into the ``{name: text}``
mapping that :func:`~model.scenario.load_scenario_texts` reads, with a
:class:`~model.errors.Problem` for everything it cannot use. Nothing here touches
the disk.
"""

from __future__ import annotations

import csv
import io
import math
import re
import stat
import tomllib
import zipfile
from collections.abc import Mapping
from pathlib import PurePosixPath
from typing import Any

from ..errors import Problem, ScenarioError
from ..export import neutralise
from .keys import PATH_KEYS, normalise_path, untrusted_path_rule
from .links import format_value
from .scenario import Scenario, load_scenario_texts
from .schema import DISTRICT_COLUMNS, PARAMETERS

#: Uploads larger than this (bytes, also uncompressed inside a zip) are refused; the app's
#: ``.streamlit/config.toml`` sets the same limit (``server.maxUploadSize``, in MB).
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
#: A zip with more entries than this is refused before anything is unpacked.
MAX_ZIP_ENTRIES = 500
#: What a note on an edited value says (recorded in ``[sources]`` or the CSV's source column).
EDIT_NOTE = "assumption: set in the budgetsim app"


def safe_stem(name: str) -> str:
    """A file-name stem from a scenario name: lower-case letters, digits and dashes."""
    stem = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    return stem or "scenario"


def _toml_key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else format_value(key)


def _cell(value: Any) -> str:
    """A district value as CSV text that reads back to the same number."""
    if value is None:
        return ""
    if hasattr(value, "item") and not isinstance(value, str):
        value = value.item()
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    # A name such as ``=1+2`` is written as ``'=1+2`` so that a spreadsheet opening the
    # file does not run it; loading the file drops the quote again.
    return str(neutralise(str(value)))


def params_to_toml(params: Mapping[str, Any], sources: Mapping[str, str], header: str = "") -> str:
    """Flat parameters (``city.ceiling_yuan.2007`` style) as a TOML document.

    Yearly tables are written as inline tables ``{ 2006 = ..., 2007 = ... }``;
    each top-level group becomes a ``[table]`` in the order of the schema, and
    ``sources`` ends the file as ``[sources]``.
    """
    groups: dict[str, list[str]] = {}
    for param in PARAMETERS:
        prefix = param.key + "."
        group, _, rest = param.key.partition(".")
        if param.kind == "by_year":
            years = sorted((int(k[len(prefix):]), v) for k, v in params.items() if k.startswith(prefix))
            if not years:
                continue
            table = ", ".join(f"{year} = {format_value(v)}" for year, v in years)
            groups.setdefault(group, []).append(f"{rest} = {{ {table} }}")
        elif param.key in params:
            groups.setdefault(group, []).append(f"{rest} = {format_value(params[param.key])}")
    lines = [f"# {line}".rstrip() for line in header.splitlines()]
    for group, entries in groups.items():
        lines += ["", f"[{group}]"] + entries
    if sources:
        lines += ["", "[sources]"] + [f"{_toml_key(k)} = {format_value(v)}" for k, v in sources.items()]
    return "\n".join(lines).lstrip("\n") + "\n"


def districts_to_csv(districts) -> str:
    """The district table as CSV text, columns in the schema's order."""
    columns = [c.name for c in DISTRICT_COLUMNS if c.name in districts.columns]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for _, row in districts.iterrows():
        writer.writerow([_cell(row[c]) for c in columns])
    return out.getvalue()


def scenario_to_files(scenario: Scenario, stem: str | None = None) -> dict[str, str]:
    """The scenario as a self-contained TOML file and district CSV, by file name.

    Parameters
    ----------
    scenario : Scenario
        A loaded scenario; its overrides are written in as plain values.
    stem : str, optional
        File-name stem; by default derived from ``scenario.title``.

    Returns
    -------
    dict
        ``{"<stem>.toml": text, "<stem>-districts.csv": text}``. Loading the TOML
        gives the same parameters (``scenario.districts`` names the new CSV) and
        the same district table. Every value changed by an override is cited in
        ``[sources]`` (or, for a district cell, in that row's ``source`` column)
        as set in the app, with its previous value.
    """
    stem = safe_stem(stem or scenario.title)
    toml_name, csv_name = f"{stem}.toml", f"{stem}-districts.csv"
    params = dict(scenario.params)
    params["scenario.districts"] = csv_name
    sources = dict(scenario.sources)
    districts = scenario.districts.copy()
    edited = {key for key, _value, _origin in scenario.user_entries}
    for override in scenario.overrides:
        if override.key not in edited:  # a variant file's own values keep their citations
            continue
        note = f"{EDIT_NOTE} (was {format_value(override.previous)})" if override.previous is not None \
            else EDIT_NOTE
        parts = override.key.split(".")
        if parts[0] == "districts" and len(parts) == 3 and parts[1] in districts.index:
            old = str(districts.at[parts[1], "source"] or "")
            districts.at[parts[1], "source"] = "; ".join(s for s in (old, f"{parts[2]}: {note}") if s)
        else:
            sources[override.key] = note
    header = (f"budgetsim scenario: {scenario.title}\n"
              f"Written by the budgetsim app from {scenario.name}"
              + (f" with {len(edited)} value(s) set in the app" if edited else "")
              + f".\nscenario sha256 {scenario.sha256()}")
    return {toml_name: params_to_toml(params, sources, header), csv_name: districts_to_csv(districts)}


def _decode(name: str, data: bytes, problems: list[Problem]) -> str | None:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        problems.append(Problem(name, "", "is not UTF-8 text"))
        return None


def read_uploads(uploads: Mapping[str, bytes]) -> tuple[dict[str, str], list[Problem]]:
    """Uploaded files as ``{name: text}``; zips are unpacked.

    Parameters
    ----------
    uploads : mapping of str to bytes
        File name to content, as uploaded: ``.toml`` and ``.csv`` files, or
        ``.zip`` archives of them (folders inside a zip are kept in the names,
        so relative paths between its files still resolve).

    Returns
    -------
    dict, list of Problem
        The usable files, and a problem for each file that is not: another
        type, not UTF-8, too large, a broken zip, or a path leaving the zip.
    """
    files: dict[str, str] = {}
    problems: list[Problem] = []
    for name, data in uploads.items():
        suffix = PurePosixPath(name).suffix.lower()
        if len(data) > MAX_UPLOAD_BYTES:
            problems.append(Problem(name, "", f"is larger than {MAX_UPLOAD_BYTES // 2**20} MB"))
        elif suffix in (".toml", ".csv"):
            text = _decode(name, data, problems)
            if text is not None:
                files[PurePosixPath(name).name] = text
        elif suffix == ".zip":
            files.update(_read_zip(name, data, problems))
        else:
            problems.append(Problem(name, "", "is not a scenario file: upload .toml and .csv files, "
                                    "or one .zip of them"))
    return files, problems


def _read_zip(name: str, data: bytes, problems: list[Problem]) -> dict[str, str]:
    """The scenario files of a zip. Everything is checked on the zip's directory before
    anything is unpacked: entry count, unpacked size, paths leaving the zip (zip-slip),
    symbolic links, names given twice."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError):
        problems.append(Problem(name, "", "is not a readable zip file"))
        return {}
    entries = archive.infolist()
    if len(entries) > MAX_ZIP_ENTRIES:
        problems.append(Problem(name, "", f"holds {len(entries):,} entries; at most {MAX_ZIP_ENTRIES} are unpacked"))
        return {}
    members = [m for m in entries if not m.is_dir()]
    if sum(m.file_size for m in members) > MAX_UPLOAD_BYTES:
        problems.append(Problem(name, "", f"unpacks to more than {MAX_UPLOAD_BYTES // 2**20} MB"))
        return {}
    files: dict[str, str] = {}
    for member in members:
        path = PurePosixPath(member.filename)
        if path.parts and (path.parts[0] == "__MACOSX" or path.name.startswith(".")):
            continue  # archive tools' metadata, not scenario files
        if path.is_absolute() or ".." in path.parts or member.filename[1:2] == ":":
            problems.append(Problem(name, member.filename, "is a path outside the zip; not read"))
            continue
        rule = untrusted_path_rule(member.filename)
        if rule:
            problems.append(Problem(name, member.filename, f"{rule}; not read"))
            continue
        if stat.S_ISLNK(member.external_attr >> 16):
            problems.append(Problem(name, member.filename, "is a symbolic link; not read"))
            continue
        if path.suffix.lower() not in (".toml", ".csv"):
            continue
        if str(path) in files:
            problems.append(Problem(name, member.filename, "appears twice in the zip; give each file once"))
            continue
        try:
            with archive.open(member) as f:
                raw = f.read(MAX_UPLOAD_BYTES + 1)  # the directory's sizes may lie: read no more
        except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, EOFError) as exc:
            problems.append(Problem(name, member.filename, f"cannot be unpacked ({exc})"))
            continue
        if len(raw) > MAX_UPLOAD_BYTES:
            problems.append(Problem(name, member.filename, f"unpacks to more than {MAX_UPLOAD_BYTES // 2**20} MB"))
            continue
        text = _decode(f"{name}: {member.filename}", raw, problems)
        if text is not None:
            files[str(path)] = text
    if not files and not problems:
        problems.append(Problem(name, "", "holds no .toml or .csv file"))
    return files


def upload_path_problems(files: Mapping[str, str]) -> list[Problem]:
    """Every path an uploaded scenario file names that leaves the upload.

    ``base``, ``scenario.districts`` and ``scenario.units`` of each uploaded TOML
    file must be relative paths without ``..`` (:func:`~model.scenario.keys.untrusted_path_rule`);
    they then name files of the upload or the shipped scenarios, never the disk.
    """
    problems: list[Problem] = []
    for name in sorted(n for n in files if n.lower().endswith(".toml")):
        try:
            data = tomllib.loads(files[name])
        except tomllib.TOMLDecodeError:
            continue  # loading it says why
        table = data.get("scenario") if isinstance(data.get("scenario"), dict) else {}
        for key in PATH_KEYS:
            value = data.get("base") if key == "base" else table.get(key.split(".", 1)[1])
            rule = untrusted_path_rule(value)
            if rule:
                problems.append(Problem(name, key, rule))
    return problems


def load_upload(main: str, files: Mapping[str, str], shipped: Mapping[str, str] | None = None) -> Scenario:
    """An uploaded scenario: ``files`` (on top of the ``shipped`` ones) with every path checked.

    Nothing is read from the disk: the scenario can name only the uploaded files and
    the shipped scenarios. Raises :class:`~model.errors.ScenarioError` with every problem.
    """
    problems = upload_path_problems(files)
    if problems:
        raise ScenarioError(problems)
    merged = {**(shipped or {}), **files}
    return load_scenario_texts(normalise_path(main), merged.__getitem__)


def main_candidates(files: Mapping[str, str]) -> list[str]:
    """TOML files that no other TOML file names as its ``base``: the scenarios to load.

    A file that does not parse stays a candidate (loading it reports why).
    """
    tomls = sorted(n for n in files if n.lower().endswith(".toml"))
    named_as_base: set[str] = set()
    for name in tomls:
        try:
            base = tomllib.loads(files[name]).get("base")
        except tomllib.TOMLDecodeError:
            continue
        if isinstance(base, str):
            named_as_base.add(str(PurePosixPath(name).parent / base).removeprefix("./"))
    return [n for n in tomls if n not in named_as_base]
