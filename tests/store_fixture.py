"""A store as budgetsim wrote it at schema 0001 (before runs said where they were made).

``tests/fixtures/store-0001.sqlite`` was made by ``python tests/store_fixture.py
tests/fixtures/store-0001.sqlite``; the PostgreSQL test fills a new database the same
way. :data:`RUNS` and the rest are what the upgrade must keep.
"""

from __future__ import annotations

import datetime
import sys
import zlib

import sqlalchemy as sa

UTC = datetime.UTC
SCENARIO_SHA = "ab" * 32
SCENARIO_FILES = '{"old.toml": "[scenario]\\nname = \\"Old\\"\\n"}'
RUNS = [
    {"id": 1, "kind": "run", "created_at": datetime.datetime(2026, 1, 15, 9, 30, tzinfo=UTC),
     "scenario_sha256": SCENARIO_SHA, "scenario_name": "old.toml", "title": "Old", "overrides": [],
     "solver": "highs", "solver_version": "HiGHS 1.13", "budgetsim_version": "0.1.0", "python_version": "3.11.7",
     "status": "optimal", "ceiling_yuan": 1.762e8, "transfers_yuan": 1.5e8, "missing_hard_yuan": 0.0,
     "headline": {"ceiling_used_share": 0.851}, "duration_seconds": 0.25, "host": "bureau-pc", "username": "li",
     "output": None},
    {"id": 2, "kind": "sweep", "created_at": datetime.datetime(2026, 1, 16, 14, 0, tzinfo=UTC),
     "scenario_sha256": SCENARIO_SHA, "scenario_name": "old.toml", "title": "Old", "overrides": [],
     "solver": "highs", "solver_version": "HiGHS 1.13", "budgetsim_version": "0.1.0", "python_version": "3.11.7",
     "status": "done", "ceiling_yuan": None, "transfers_yuan": None, "missing_hard_yuan": None,
     "headline": {"points": 40, "met": 31}, "duration_seconds": 3.5, "host": "bureau-pc", "username": "wang",
     "output": "/data/sweep.csv"},
]
FILES = {1: {"summary.json": '{"status": "optimal"}\n', "money.csv": "year,ceiling_yuan\n2006,1\n"},
         2: {"summary.json": '{"points": 40}\n'}}
LABEL = {"id": 1, "run_id": 1, "kind": "presented", "text": "presented to the vice mayor", "labelled_by": "li",
         "host": "bureau-pc", "labelled_at": datetime.datetime(2026, 1, 20, 10, 0, tzinfo=UTC)}

Stamp = sa.DateTime(timezone=True)
_scenarios = sa.table("scenarios", sa.column("sha256"), sa.column("title"), sa.column("files", sa.LargeBinary),
                      sa.column("created_at", Stamp), sa.column("created_by"))
_names = sa.table("scenario_names", sa.column("id"), sa.column("name"), sa.column("sha256"), sa.column("note"),
                  sa.column("saved_by"), sa.column("host"), sa.column("saved_at", Stamp))
_runs = sa.table("runs", *[sa.column(k, sa.JSON if k in ("overrides", "headline") else
                                     Stamp if k == "created_at" else None) for k in RUNS[0]])
_files = sa.table("run_files", sa.column("run_id"), sa.column("name"), sa.column("data", sa.LargeBinary),
                  sa.column("size"))
_labels = sa.table("run_labels", *[sa.column(k, Stamp if k == "labelled_at" else None) for k in LABEL])


def make_0001(url: str) -> None:
    """Create a store at schema 0001 at ``url`` and fill it with the rows above."""
    from model.store import Store

    store = Store.open(url, check=False)
    store.upgrade("0001")
    with store._engine.begin() as connection:
        connection.execute(_scenarios.insert().values(
            sha256=SCENARIO_SHA, title="Old", files=zlib.compress(SCENARIO_FILES.encode()),
            created_at=RUNS[0]["created_at"], created_by="li"))
        connection.execute(_names.insert().values(id=1, name="old", sha256=SCENARIO_SHA, note="first draft",
                                                  saved_by="li", host="bureau-pc", saved_at=RUNS[0]["created_at"]))
        for run in RUNS:
            connection.execute(_runs.insert().values(**run))
        for run_id, files in FILES.items():
            for name, text in files.items():
                connection.execute(_files.insert().values(run_id=run_id, name=name, data=zlib.compress(text.encode()),
                                                          size=len(text.encode())))
        connection.execute(_labels.insert().values(**LABEL))
        if connection.dialect.name == "postgresql":  # ids given by hand: move the sequences past them
            for table in ("runs", "run_labels", "scenario_names"):
                connection.execute(sa.text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                           f"(SELECT max(id) FROM {table}))"))
    store.close()


if __name__ == "__main__":
    make_0001(f"sqlite:///{sys.argv[1]}")
