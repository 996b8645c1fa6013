"""The store under stress, on SQLite and PostgreSQL: a process killed mid-write leaves no
half-recorded run, several processes writing at once lose nothing, an older store is
upgraded with its data kept, a damaged or locked SQLite file is named in the error."""

from __future__ import annotations

import pickle
import shutil
import signal
import sqlite3
import subprocess
import sys

import pytest
import sqlalchemy as sa

from model.errors import StoreError, StoreLookupError
from model.store import Store

from . import store_fixture
from .conftest import FIXTURES, ROOT

CHILD = ROOT / "tests" / "store_child.py"


@pytest.fixture
def pickled(tmp_path, default_scenario, default_result):
    path = tmp_path / "result.pickle"
    path.write_bytes(pickle.dumps((default_result, default_scenario)))
    return path


def child(*args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, str(CHILD), *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, cwd=ROOT)


def test_a_process_killed_mid_recording_leaves_no_half_recorded_run(store_url, pickled, default_scenario,
                                                                    default_result):
    Store.open(store_url).close()  # created before, so the child's transaction is only the run
    process = child("kill", store_url, str(pickled))
    out, err = process.communicate(timeout=120)
    assert process.returncode == -signal.SIGKILL, (out, err)  # killed inside the transaction, not after it
    with Store.open(store_url) as store:
        assert store.runs().total == 0
        with pytest.raises(StoreLookupError):  # the scenario's content, written in the same transaction
            store.scenario_files(default_scenario.sha256())
        with pytest.raises(StoreLookupError):
            store.run(1)
        # The store is whole: the next run records in full.
        run_id = store.record_run(default_result, default_scenario)
        assert store.runs().total == 1 and len(store.run(run_id).files) == len(default_result.tables()) + 1


def test_several_processes_writing_at_once_lose_nothing(store_url, pickled):
    Store.open(store_url).close()
    tags, count = ["a", "b", "c"], 6
    processes = [child("record", store_url, str(pickled), tag, str(count)) for tag in tags]
    outputs = [p.communicate(timeout=300) for p in processes]
    assert [p.returncode for p in processes] == [0, 0, 0], outputs
    ids = [int(i) for out, _ in outputs for i in out.split()]
    assert len(ids) == len(set(ids)) == len(tags) * count
    with Store.open(store_url) as store:
        page = store.runs(per_page=100)
        assert page.total == len(tags) * count and set(page.frame["id"]) == set(ids)
        for tag in tags:
            assert store.runs(scenario=f"proc-{tag}").total == count
        for run_id in ids:  # every run whole, with its own label
            run = store.run(run_id)
            assert "summary.json" in run.files and "allocation.csv" in run.files
            tag = run.info["scenario_name"].removeprefix("proc-")
            assert len(run.labels) == 1 and run.labels["text"].iloc[0].startswith(f"{tag}:")
        # 18 saves of one content under one name: one version, one copy.
        history = store.scenarios(history=True)
        assert list(history["name"]) == ["shared"] and list(history["version"]) == [1]


def _older_store(store_url, tmp_path) -> str:
    if store_url.startswith("sqlite"):
        copy = tmp_path / "old.sqlite"
        shutil.copy(FIXTURES / "store-0001.sqlite", copy)
        return f"sqlite:///{copy}"
    store_fixture.make_0001(store_url)
    return store_url


def test_a_store_from_an_older_version_is_upgraded_with_its_data(store_url, tmp_path):
    url = _older_store(store_url, tmp_path)
    with pytest.raises(StoreError, match=r"is at schema 0001, this budgetsim needs 0003: run `budgetsim db upgrade`"):
        Store.open(url)
    with Store.open(url, check=False) as store:
        assert store.upgrade() == ("0001", "0003")
        assert store.upgrade() == ("0003", "0003")  # a second upgrade changes nothing
    with Store.open(url) as store:
        frame = store.runs().frame.set_index("id")
        assert list(frame.index) == [2, 1]
        for row in store_fixture.RUNS:
            kept = store.run(row["id"])
            for key, value in row.items():
                assert kept.info[key] == value, key
            assert kept.info["source"] == "unknown"  # the column 0002 added, for runs made before it
            assert kept.files == store_fixture.FILES[row["id"]]
        assert frame.at[1, "presented"] == store_fixture.LABEL["text"]
        assert store.saved("old").note == "first draft"
        assert store.scenario_files("old") == {"old.toml": '[scenario]\nname = "Old"\n'}
        new_id = store.label_run(1, "still the reference")  # ids go on after the old ones
        assert new_id == 2 and store.run(1).labels["text"].tolist()[-1] == "still the reference"


def test_a_downgrade_to_0002_turns_tables_kept_as_columns_back_into_csv_text(store_url, default_scenario,
                                                                             default_result):
    """Runs recorded from 0003 keep their tables as columns; an older budgetsim reads only
    text, so going back to 0002 rewrites them as the same CSV text (and up again, as is)."""
    from alembic import command

    from model.store import records, tables
    from model.store.engine import alembic_config
    from model.store.schema import run_files

    with Store.open(store_url) as store:
        run_id = store.record_run(default_result, default_scenario)
        written = store.run(run_id).files
        with store._engine.begin() as connection:
            kept = dict(connection.execute(sa.select(run_files.c.name, run_files.c.data)).all())
            assert sum(tables.is_columns(data) for data in kept.values()) == len(written) - 1  # all but summary.json
            command.downgrade(alembic_config(connection), "0002")
        with store._engine.begin() as connection:
            rows = connection.execute(sa.select(run_files.c.name, run_files.c.data, run_files.c.size)).all()
        assert {name: records.unpack(data) for name, data, _ in rows} == written  # plain zlib text, as 0002 reads
        assert all(size == len(written[name].encode("utf-8")) for name, _, size in rows)
    with Store.open(store_url, check=False) as store:
        assert store.upgrade() == ("0002", "0003")
        assert store.run(run_id).files == written


def test_a_damaged_sqlite_file_is_named_in_a_clear_error(tmp_path):
    damaged = tmp_path / "damaged.sqlite"
    damaged.write_bytes(b"these are not the pages of an SQLite database\n" * 200)
    with pytest.raises(StoreError) as caught:
        Store.open(damaged)
    assert str(caught.value).startswith(f"{damaged}: is not a readable budgetsim store")
    assert "move it aside" in str(caught.value)


def test_a_locked_sqlite_file_is_named_in_a_clear_error(tmp_path, default_scenario, default_result):
    path = tmp_path / "busy.sqlite"
    Store.open(path).close()
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")  # another process in the middle of a long write
    try:
        with Store.open(path, timeout=0.3) as store:
            with pytest.raises(StoreError) as caught:
                store.record_run(default_result, default_scenario)
        assert str(caught.value).startswith(f"{path}: is locked by another process")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    with Store.open(path) as store:  # and nothing of the refused write is there
        assert store.runs().total == 0


def test_a_database_that_is_not_a_store_is_refused(tmp_path):
    path = tmp_path / "other.sqlite"
    with sqlite3.connect(path) as other:
        other.execute("CREATE TABLE payroll (name TEXT)")
    other.close()
    with pytest.raises(StoreError, match="holds tables but is no budgetsim store"):
        Store.open(path)


def test_a_damaged_run_file_is_named_in_a_clear_error(store_url, default_scenario, default_result):
    from model.store import tables
    from model.store.schema import run_files

    with Store.open(store_url) as store:
        run_id = store.record_run(default_result, default_scenario)
        with store._engine.begin() as connection:  # one table's bytes cut short, as a damaged disk might leave them
            data = connection.execute(sa.select(run_files.c.data).where(
                (run_files.c.run_id == run_id) & (run_files.c.name == "money.csv"))).scalar_one()
            assert tables.is_columns(data)
            connection.execute(run_files.update().where(
                (run_files.c.run_id == run_id) & (run_files.c.name == "money.csv")).values(data=data[:-40]))
        with pytest.raises(StoreError, match=rf"run {run_id}: its file money.csv cannot be read .* damaged"):
            store.run(run_id)
