"""The store's one interface: :class:`Store` keeps scenarios by content, runs append-only,
and labels as new rows; every write is one transaction.

    store = Store.open()                    # --db URL, $BUDGETSIM_DB, or the default SQLite file
    store.save_scenario(scenario, "ceiling +10%", note="for the March memo")
    run_id = store.record_run(result, scenario)
    store.runs(scenario="ceiling +10%").frame   # newest first, one page
    store.run(run_id).tables["allocation"]      # exactly as recorded
"""

from __future__ import annotations

import contextlib
import datetime
import json
import math
import os
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import sqlalchemy as sa

from ..errors import StoreError, StoreLookupError
from ..io import text_reader, write_files
from ..io.files import json_text
from ..results.result import Result
from ..results.stored import result_from_files
from ..scenario.scenario import Scenario, load_scenario_texts
from . import engine as engines
from . import records
from .location import resolve_url
from .schema import run_files, run_labels, runs, scenario_names, scenarios

#: Columns of a History list (no file contents: a list of 10,000 runs stays light).
LIST_COLUMNS = ("id", "created_at", "kind", "scenario_name", "title", "status", "solver", "ceiling_yuan",
                "transfers_yuan", "missing_hard_yuan", "duration_seconds", "username", "host", "source")
#: Batch output files larger than this are only pointed to, not copied into the store.
MAX_COPIED_BYTES = 64 * 2**20
LABEL_KINDS = ("note", "presented")
SOURCES = records.SOURCES


@dataclass(frozen=True)
class SavedScenario:
    """A name pointing at a scenario's content (a newer save of the name is a new row)."""

    name: str
    sha256: str
    title: str
    note: str
    saved_by: str
    host: str
    saved_at: datetime.datetime
    version: int  # 1 for the name's first content, 2 for the next, ...


@dataclass
class RunPage:
    """One page of the History, newest first."""

    frame: pd.DataFrame
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))


@dataclass
class StoredRun:
    """A recorded run as it was: its row, its files (``summary.json``, the CSV tables) and labels."""

    id: int
    info: dict[str, Any]
    files: dict[str, str]
    labels: pd.DataFrame
    _tables: dict[str, pd.DataFrame] = field(default_factory=dict, repr=False)

    @property
    def summary(self) -> dict[str, Any]:
        return json.loads(self.files["summary.json"]) if "summary.json" in self.files else {}

    @property
    def tables(self) -> dict[str, pd.DataFrame]:
        """The CSV files as DataFrames, by name without ``.csv``."""
        if not self._tables:
            import io

            self._tables = {name[:-4]: pd.read_csv(io.StringIO(text)) for name, text in self.files.items()
                            if name.endswith(".csv")}
        return self._tables

    @property
    def presented(self) -> list[str]:
        return list(self.labels.loc[self.labels["kind"] == "presented", "text"])

    @property
    def is_solve(self) -> bool:
        """Whether the run is one solve (a sweep or Monte Carlo keeps a summary instead)."""
        return self.info["kind"] == "run"

    def result(self) -> Result:
        """The run's result as recorded: its tables and summary, not a new solve."""
        if not self.is_solve:
            raise ValueError(f"run {self.id} is a {self.info['kind']}: it keeps a summary and its output files, "
                             "not one solve's tables")
        return result_from_files(self.files)

    def write(self, out_dir: Path) -> list[Path]:
        """Write the run's files into ``out_dir`` (the same bytes ``run --out`` wrote)."""
        return write_files(Path(out_dir), self.files)


class Store:
    """Saved scenarios, run history and labels in one database (SQLite or PostgreSQL)."""

    def __init__(self, engine: sa.Engine):
        self._engine = engine
        self.url = engine.url
        self.where = engines.where(engine.url)

    # --- opening --------------------------------------------------------------
    @classmethod
    def open(cls, db: str | os.PathLike | None = None, *, create: bool = True, check: bool = True,
             timeout: float = engines.DEFAULT_TIMEOUT) -> Store:
        """Open the store named by ``db`` (see :func:`~model.store.resolve_url`).

        A new (empty) database is created at the newest schema when ``create``; one at
        an older schema raises :class:`~model.errors.StoreError` asking for
        ``budgetsim db upgrade`` (``check=False`` skips that, for :meth:`upgrade`).
        """
        engine = engines.make_engine(resolve_url(db), timeout)
        if check:
            try:
                engines.check_revision(engine, create)
            except BaseException:
                engine.dispose()
                raise
        return cls(engine)

    def upgrade(self, target: str = "head") -> tuple[str | None, str]:
        """Migrate to the newest schema (or ``target``), keeping the data; (from, to)."""
        return engines.upgrade(self._engine, target)

    def revision(self) -> str | None:
        with self._read() as connection:
            return engines.revision(connection)

    def close(self) -> None:
        self._engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @contextlib.contextmanager
    def _read(self) -> Iterator[sa.Connection]:
        with engines.translated(self.url), self._engine.connect() as connection:
            yield connection

    @contextlib.contextmanager
    def _write(self) -> Iterator[sa.Connection]:
        """One transaction: all of it is kept, or (an error, a kill) none of it."""
        with engines.translated(self.url):
            with self._engine.execution_options(sqlite_begin="IMMEDIATE").begin() as connection:
                yield connection

    # --- scenarios ------------------------------------------------------------
    def _keep_content(self, connection: sa.Connection, scenario: Scenario, sha: str) -> None:
        """Store the scenario's content once (by its sha256); a second copy is never made."""
        if connection.execute(sa.select(scenarios.c.sha256).where(scenarios.c.sha256 == sha)).first():
            return
        row = records.scenario_row(scenario, sha)
        dialect = connection.dialect.name
        if dialect in ("sqlite", "postgresql"):  # another writer may have stored it meanwhile
            insert = (sa.dialects.sqlite.insert if dialect == "sqlite" else sa.dialects.postgresql.insert)(scenarios)
            connection.execute(insert.values(**row).on_conflict_do_nothing(index_elements=["sha256"]))
        else:  # pragma: no cover - only SQLite and PostgreSQL are supported
            connection.execute(scenarios.insert().values(**row))

    def keep_scenario(self, scenario: Scenario) -> str:
        """Keep ``scenario``'s content without a name (an upload, so a link can name it); its sha256."""
        sha = scenario.sha256()
        with self._write() as connection:
            self._keep_content(connection, scenario, sha)
        return sha

    def has_scenario(self, sha: str) -> bool:
        """Whether the store keeps the content with this sha256."""
        with self._read() as connection:
            return connection.execute(sa.select(scenarios.c.sha256).where(scenarios.c.sha256 == sha)).first() \
                is not None

    def save_scenario(self, scenario: Scenario, name: str | None = None, note: str = "",
                      who: str | None = None) -> SavedScenario:
        """Save ``scenario`` under ``name`` (default: its title). The same content is kept once;
        a name already pointing at this content is left as it is; otherwise the name gets a
        new version (older versions stay)."""
        name = (name or scenario.title).strip()
        if not name:
            raise StoreError(self.where, "a saved scenario needs a name")
        sha = scenario.sha256()
        with self._write() as connection:
            if connection.dialect.name == "postgresql":  # two saves of one name: one after the other
                connection.execute(sa.text("SELECT pg_advisory_xact_lock(hashtext(:name))"), {"name": name})
            self._keep_content(connection, scenario, sha)
            latest = self._names(connection, name).first()
            if latest is None or latest.sha256 != sha:
                connection.execute(scenario_names.insert().values(
                    name=name, sha256=sha, note=note, saved_by=who or records.user(), host=records.host(),
                    saved_at=records.now()))
        return self.saved(name)

    @staticmethod
    def _names(connection: sa.Connection, name: str):
        query = (sa.select(scenario_names, scenarios.c.title)
                 .join(scenarios, scenarios.c.sha256 == scenario_names.c.sha256)
                 .where(scenario_names.c.name == name).order_by(scenario_names.c.id.desc()))
        return connection.execute(query)

    def saved(self, name: str, version: int | None = None) -> SavedScenario:
        """The newest (or the ``version``-th) content saved under ``name``."""
        with self._read() as connection:
            rows = list(self._names(connection, name))
        if not rows:
            raise StoreLookupError(self.where, f"has no saved scenario named {name!r} (see `budgetsim scenarios list`)")
        versions = rows[::-1]
        if version is not None and not 1 <= version <= len(versions):
            raise StoreLookupError(self.where, f"scenario {name!r} has versions 1 to {len(versions)}, not {version}")
        row = versions[(version or len(versions)) - 1]
        return SavedScenario(name=row.name, sha256=row.sha256, title=row.title, note=row.note,
                             saved_by=row.saved_by, host=row.host, saved_at=records.as_utc(row.saved_at),
                             version=versions.index(row) + 1)

    def scenarios(self, history: bool = False) -> pd.DataFrame:
        """Saved scenarios: each name's newest version (``history``: every version), newest first."""
        with self._read() as connection:
            query = (sa.select(scenario_names, scenarios.c.title)
                     .join(scenarios, scenarios.c.sha256 == scenario_names.c.sha256)
                     .order_by(scenario_names.c.id))
            rows = [row._asdict() for row in connection.execute(query)]
        count: dict[str, int] = {}
        for row in rows:
            row["version"] = count[row["name"]] = count.get(row["name"], 0) + 1
            row["saved_at"] = records.as_utc(row["saved_at"])
        if not history:
            rows = [r for r in rows if r["version"] == count[r["name"]]]
        columns = ["name", "version", "title", "sha256", "note", "saved_by", "host", "saved_at"]
        return pd.DataFrame(rows[::-1], columns=columns)

    def scenario_files(self, ref: str) -> dict[str, str]:
        """A stored scenario's files (flat TOML first) by saved name or sha256 (or a prefix of 8+)."""
        sha = self._sha_of(ref)
        with self._read() as connection:
            data = connection.execute(sa.select(scenarios.c.files).where(scenarios.c.sha256 == sha)).scalar_one()
        files = records.unpack_files(data)
        return dict(sorted(files.items(), key=lambda kv: not kv[0].endswith(".toml")))

    def load_scenario(self, ref: str) -> Scenario:
        """A stored scenario, loaded and validated as a file would be."""
        files = self.scenario_files(ref)
        toml = next(n for n in files if n.endswith(".toml"))
        return load_scenario_texts(toml, lambda n: files[n], origin="store")

    def _sha_of(self, ref: str) -> str:
        try:
            return self.saved(ref).sha256
        except StoreLookupError:
            pass
        if len(ref) >= 8 and all(c in "0123456789abcdef" for c in ref.lower()):
            with self._read() as connection:
                found = connection.execute(sa.select(scenarios.c.sha256)
                                           .where(scenarios.c.sha256.startswith(ref.lower())).limit(2)).scalars().all()
            if len(found) == 1:
                return found[0]
        raise StoreLookupError(self.where, f"has no scenario named or hashed {ref!r} (see `budgetsim scenarios list`)")

    # --- runs -----------------------------------------------------------------
    def record_run(self, result: Result, scenario: Scenario, *, extra_summary: Mapping[str, Any] | None = None,
                   extra_tables: Mapping[str, pd.DataFrame] | None = None, source: str = "api",
                   duration_seconds: float | None = None, scenario_name: str | None = None) -> int:
        """Record one solve with the files ``run --out`` writes for it; returns the run id.

        The tables are kept as typed columns and read back as the CSV text ``run --out``
        writes (:mod:`model.store.tables`).
        """
        return self._write_record(scenario, *records.run_record(
            result, scenario, extra_summary=extra_summary, extra_tables=extra_tables, source=source,
            duration_seconds=duration_seconds, scenario_name=scenario_name))

    def record_batch(self, kind: str, scenario: Scenario, summary: Mapping[str, Any], outputs: list[Path], *,
                     solver: str = "highs", solver_version: str = "", duration_seconds: float = 0.0,
                     source: str = "api", scenario_name: str | None = None, status: str = "done") -> int:
        """Record a sweep or Monte Carlo run as one row: its summary, a pointer to its output
        files, and copies of those up to :data:`MAX_COPIED_BYTES` each."""
        if kind not in ("sweep", "montecarlo"):
            raise ValueError(f"kind must be sweep or montecarlo, not {kind!r}")
        outputs = [Path(p).resolve() for p in outputs]
        files = {"summary.json": json_text(dict(summary))}
        for path in outputs:
            if path.name != "summary.json" and path.stat().st_size <= MAX_COPIED_BYTES:
                files[path.name] = text_reader(path.parent)(path.name)
        row = {"kind": kind, "status": status, "overrides": [o.as_dict() for o in scenario.overrides],
               "solver": solver, "solver_version": solver_version, "ceiling_yuan": None, "transfers_yuan": None,
               "missing_hard_yuan": None, "headline": dict(summary), "duration_seconds": float(duration_seconds),
               "output": ", ".join(str(p) for p in outputs)}
        return self._record(scenario, row, files, source, scenario_name)

    def _record(self, scenario: Scenario, row: dict[str, Any], files: Mapping[str, str], source: str,
                scenario_name: str | None, sha: str | None = None) -> int:
        return self._write_record(scenario, *records.finish_record(scenario, row, records.pack_texts(files), source,
                                                                   scenario_name, sha))

    def _write_record(self, scenario: Scenario, sha: str, row: dict[str, Any], packed: list[dict[str, Any]]) -> int:
        with self._write() as connection:
            self._keep_content(connection, scenario, sha)
            run_id = connection.execute(runs.insert().values(**row)).inserted_primary_key[0]
            connection.execute(run_files.insert(), [{"run_id": run_id, **f} for f in packed])
        return int(run_id)

    def runs(self, scenario: str | None = None, status: str | None = None, kind: str | None = None,
             since: datetime.date | datetime.datetime | None = None,
             until: datetime.date | datetime.datetime | None = None,
             page: int = 1, per_page: int = 50) -> RunPage:
        """Recorded runs, newest first, one page at a time.

        ``scenario`` matches the scenario file name a run was made from or a saved
        name (any version of it); ``since`` and ``until`` bound the time of the run
        (a date means that whole day, UTC).
        """
        if page < 1 or per_page < 1:
            raise ValueError("page and per_page start at 1")
        where = []
        if scenario:
            saved = sa.select(scenario_names.c.sha256).where(scenario_names.c.name == scenario)
            where.append(sa.or_(runs.c.scenario_name == scenario, runs.c.scenario_sha256.in_(saved)))
        if status:
            where.append(runs.c.status == status)
        if kind:
            where.append(runs.c.kind == kind)
        if since is not None:
            where.append(runs.c.created_at >= _moment(since))
        if until is not None:
            end = _moment(until) + (datetime.timedelta(days=1) if not isinstance(until, datetime.datetime)
                                    else datetime.timedelta(0))
            where.append(runs.c.created_at < end if not isinstance(until, datetime.datetime)
                         else runs.c.created_at <= end)
        columns = [runs.c[name] for name in LIST_COLUMNS]
        query = (sa.select(*columns).where(*where).order_by(runs.c.created_at.desc(), runs.c.id.desc())
                 .limit(per_page).offset((page - 1) * per_page))
        with self._read() as connection:
            total = connection.execute(sa.select(sa.func.count()).select_from(runs).where(*where)).scalar_one()
            # Plain tuples: pandas probes each Row's attributes, which costs SQLAlchemy an exception each.
            rows = [tuple(row) for row in connection.execute(query).all()]
            ids = [r[0] for r in rows]
            presented: dict[int, str] = {}
            if ids:
                labels = connection.execute(
                    sa.select(run_labels.c.run_id, run_labels.c.text)
                    .where(run_labels.c.kind == "presented", run_labels.c.run_id.between(min(ids), max(ids)))
                    .order_by(run_labels.c.id))
                presented = {r.run_id: r.text for r in labels}
        frame = pd.DataFrame.from_records(rows, columns=list(LIST_COLUMNS))
        frame["created_at"] = pd.to_datetime(frame["created_at"], utc=True)
        frame["presented"] = frame["id"].map(presented)
        return RunPage(frame=frame, total=int(total), page=page, per_page=per_page)

    def run_scenario_names(self) -> list[str]:
        """The names a History can be filtered by: the scenario files runs were made from and
        the saved names, sorted."""
        with self._read() as connection:
            names = set(connection.execute(sa.select(runs.c.scenario_name).distinct()).scalars())
            names |= set(connection.execute(sa.select(scenario_names.c.name).distinct()).scalars())
        return sorted(n for n in names if n)

    def run(self, run_id: int) -> StoredRun:
        """One recorded run, exactly as recorded (its files, its labels)."""
        with self._read() as connection:
            row = connection.execute(sa.select(runs).where(runs.c.id == int(run_id))).first()
            if row is None:
                raise StoreLookupError(self.where, f"has no run {run_id} (see `budgetsim runs list`)")
            stored = connection.execute(sa.select(run_files.c.name, run_files.c.data)
                                        .where(run_files.c.run_id == row.id)).all()
            labels = connection.execute(sa.select(run_labels).where(run_labels.c.run_id == row.id)
                                        .order_by(run_labels.c.id)).all()
        info = row._asdict()
        info["created_at"] = records.as_utc(info["created_at"])
        label_frame = pd.DataFrame([dict(r._asdict(), labelled_at=records.as_utc(r.labelled_at)) for r in labels],
                                   columns=[c.name for c in run_labels.columns])
        order = {"summary.json": 0}
        files = {name: self._file(row.id, name, data)
                 for name, data in sorted(stored, key=lambda r: (order.get(r[0], 1), r[0]))}
        return StoredRun(id=row.id, info=info, files=files, labels=label_frame)

    def _file(self, run_id: int, name: str, data: bytes) -> str:
        """One kept file's text; a damaged one is named in a :class:`StoreError`."""
        try:
            return records.read_file(data)
        except (zlib.error, UnicodeDecodeError, ValueError, KeyError, IndexError) as exc:
            raise StoreError(self.where, f"run {run_id}: its file {name} cannot be read ({type(exc).__name__}: "
                                         f"{exc}); the store is damaged there") from None

    def label_run(self, run_id: int, text: str, kind: str = "note", who: str | None = None) -> int:
        """Add a note or a "presented to ..." label to a run (a new row; the run is never edited)."""
        if kind not in LABEL_KINDS:
            raise ValueError(f"kind must be one of {LABEL_KINDS}, not {kind!r}")
        with self._write() as connection:
            if connection.execute(sa.select(runs.c.id).where(runs.c.id == int(run_id))).first() is None:
                raise StoreLookupError(self.where, f"has no run {run_id} (see `budgetsim runs list`)")
            label_id = connection.execute(run_labels.insert().values(
                run_id=int(run_id), kind=kind, text=text, labelled_by=who or records.user(), host=records.host(),
                labelled_at=records.now())).inserted_primary_key[0]
        return int(label_id)


def _moment(value: datetime.date | datetime.datetime) -> datetime.datetime:
    if isinstance(value, datetime.datetime):
        return records.as_utc(value)
    return datetime.datetime(value.year, value.month, value.day, tzinfo=datetime.UTC)


def open_store(db: str | os.PathLike | None = None, **options) -> Store:
    """:meth:`Store.open`: the store of ``--db``/``$BUDGETSIM_DB``/the default file."""
    return Store.open(db, **options)
