"""The store, on SQLite and on a real PostgreSQL server: scenarios kept by content, runs
append-only and exactly as recorded, the History list, labels as new rows."""

from __future__ import annotations

import datetime
import io
import json

import pandas as pd
import pytest

from model import load_scenario
from model.errors import StoreError, StoreLookupError
from model.io import render_result
from model.store import Store, resolve_url
from model.store.location import default_path

from .conftest import DEFAULT, SCENARIOS


@pytest.fixture
def store(store_url):
    with Store.open(store_url) as opened:
        yield opened


def test_a_new_store_is_created_at_the_newest_schema(store):
    from alembic.script import ScriptDirectory

    from model.store.engine import alembic_config
    from model.store.schema import HEAD

    assert ScriptDirectory.from_config(alembic_config()).get_current_head() == HEAD == "0003"
    assert store.revision() == "0003"
    assert store.runs().total == 0 and len(store.scenarios()) == 0


def test_the_same_content_is_kept_once_and_a_name_gets_versions(store, default_scenario):
    first = store.save_scenario(default_scenario, "base", note="as shipped", who="li")
    again = store.save_scenario(default_scenario, "base", who="wang")  # same content, same name: nothing new
    other_name = store.save_scenario(default_scenario, "copy")
    assert (first.version, again.version, again.saved_by, other_name.version) == (1, 1, "li", 1)
    assert first.sha256 == other_name.sha256 == default_scenario.sha256()

    tighter = default_scenario.with_overrides({"city.ceiling_yuan.2007": 1.0e7})
    second = store.save_scenario(tighter, "base", note="2007 ceiling cut to 10 million")
    assert second.version == 2 and second.sha256 == tighter.sha256() != first.sha256

    # The name points at the newer version; the old one is still there, unchanged.
    assert store.saved("base").sha256 == tighter.sha256()
    assert store.saved("base", version=1).sha256 == default_scenario.sha256()
    assert store.load_scenario("base").params["city.ceiling_yuan.2007"] == 1.0e7
    assert store.load_scenario(first.sha256).sha256() == default_scenario.sha256()
    assert store.load_scenario(first.sha256[:10]).params["city.ceiling_yuan.2007"] == \
        default_scenario.params["city.ceiling_yuan.2007"]
    listed = store.scenarios()
    assert list(listed["name"]) == ["base", "copy"] and list(listed["version"]) == [2, 1]
    history = store.scenarios(history=True)
    assert len(history) == 3 and sorted(history.loc[history.name == "base", "version"]) == [1, 2]
    # Two contents in all, however many names and saves.
    assert len(set(history["sha256"])) == 2


def test_every_shipped_scenario_comes_back_with_its_own_hash(store):
    for path in sorted(SCENARIOS.glob("tianjin-2006*.toml")):
        if "communities" in path.name:
            continue  # 1,380 rows: the same code path, kept out of the fast suite
        scenario = load_scenario(path)
        saved = store.save_scenario(scenario, path.stem)
        assert store.load_scenario(path.stem).sha256() == saved.sha256 == scenario.sha256()


def test_a_run_is_kept_exactly_as_run_out_writes_it(store, default_scenario, default_result):
    run_id = store.record_run(default_result, default_scenario, source="cli", duration_seconds=0.75)
    run = store.run(run_id)
    # byte for byte, summary.json and every CSV with the district names, as `run --out` writes them
    assert run.files == render_result(default_result, districts=default_scenario.districts)
    money = default_result.money
    assert run.info["ceiling_yuan"] == pytest.approx(money["ceiling_yuan"].sum())
    assert run.info["transfers_yuan"] == pytest.approx(money["transfers_yuan"].sum())
    assert run.info["missing_hard_yuan"] == 0.0 and run.info["status"] == "optimal"
    assert run.info["duration_seconds"] == 0.75 and run.info["source"] == "cli"
    assert run.info["scenario_sha256"] == default_scenario.sha256()
    last = default_result.years[-1]
    city = default_result.compliance[(default_result.compliance.district == "city")
                                     & (default_result.compliance.year == last)]
    assert run.info["headline"]["compliance_last_year"] == pytest.approx(dict(zip(city.program, city.share)))
    assert run.info["headline"]["ceiling_used_share"] == pytest.approx(
        money["transfers_yuan"].sum() / money["ceiling_yuan"].sum())
    prices = run.info["headline"]["shadow_price_points_per_yuan"]
    assert [prices[str(y)] for y in money["year"]] == pytest.approx(list(money["shadow_price_points_per_yuan"]),
                                                                    nan_ok=True)
    assert list(run.tables["allocation"].columns[1:3]) == ["name_zh", "name_en"]
    pd.testing.assert_frame_equal(run.tables["allocation"].drop(columns=["name_zh", "name_en"]),
                                  default_result.allocation, check_dtype=False)
    assert run.summary["provenance"]["scenario_sha256"] == default_scenario.sha256()


@pytest.mark.parametrize("name", ["tianjin-2006.toml", "tianjin-2006-tight-ceiling.toml"])
def test_a_recorded_run_opens_as_the_result_it_was(store, solved, name):
    """The History opens a run from its files, not a new solve: the result read back writes
    the same files, byte for byte, and holds the same tables and figures."""
    scenario, result = load_scenario(SCENARIOS / name), solved(name)
    run = store.run(store.record_run(result, scenario))
    back = run.result()
    assert render_result(back) == render_result(result)
    assert back.status == result.status and back.years == result.years and back.districts == result.districts
    for table in ("allocation", "compliance", "money", "district_money", "equity_by_district"):
        pd.testing.assert_frame_equal(getattr(back, table), getattr(result, table), check_dtype=False)
    assert back.unmet_hard["missing_yuan"].sum() == pytest.approx(result.unmet_hard["missing_yuan"].sum())
    assert back.transfers_total == pytest.approx(result.transfers_total)
    pd.testing.assert_frame_equal(back.status_quo.compliance, result.status_quo.compliance, check_dtype=False)
    assert back.equity.keys() == result.equity.keys()
    for key, value in result.equity.items():
        assert back.equity[key] == (pytest.approx(value, nan_ok=True) if isinstance(value, float) else value)
    # and the scenario it was made from, by its sha256
    assert store.load_scenario(run.info["scenario_sha256"]).sha256() == scenario.sha256()


def test_an_upload_is_kept_by_content_without_a_name(store, default_scenario):
    sha = store.keep_scenario(default_scenario)
    assert sha == default_scenario.sha256() and store.has_scenario(sha)
    assert store.keep_scenario(default_scenario) == sha  # once
    assert len(store.scenarios()) == 0  # no name was saved
    assert store.load_scenario(sha).sha256() == sha
    assert not store.has_scenario("0" * 64)


def test_the_history_filter_offers_run_and_saved_names(store, default_scenario, default_result):
    store.record_run(default_result, default_scenario)
    store.save_scenario(default_scenario, "March memo")
    assert store.run_scenario_names() == ["March memo", "tianjin-2006.toml"]


def test_the_history_is_newest_first_filtered_and_paginated(store, default_scenario, default_result, solved):
    tight = load_scenario(SCENARIOS / "tianjin-2006-tight-ceiling.toml")
    tight_result = solved("tianjin-2006-tight-ceiling.toml")
    ids = [store.record_run(default_result, default_scenario) for _ in range(3)]
    ids.append(store.record_run(tight_result, tight))
    store.save_scenario(tight, "tight")
    page = store.runs(per_page=3)
    assert (page.total, page.pages, list(page.frame["id"])) == (4, 2, ids[::-1][:3])
    assert list(store.runs(per_page=3, page=2).frame["id"]) == [ids[0]]
    assert list(store.runs(scenario="tianjin-2006.toml").frame["id"]) == ids[2::-1]
    assert list(store.runs(scenario="tight").frame["id"]) == [ids[3]]  # a saved name finds its content's runs
    unmet = store.runs(status="hard_targets_unmet").frame
    assert list(unmet["id"]) == [ids[3]] and unmet["missing_hard_yuan"].iloc[0] == pytest.approx(
        tight_result.unmet_hard["missing_yuan"].sum())
    today = datetime.datetime.now(datetime.UTC).date()
    assert store.runs(since=today).total == 4 and store.runs(until=today - datetime.timedelta(days=1)).total == 0
    assert store.runs(since=today + datetime.timedelta(days=1)).total == 0


def test_labels_are_new_rows_and_the_run_is_never_edited(store, default_scenario, default_result):
    run_id = store.record_run(default_result, default_scenario)
    before = store.run(run_id)
    store.label_run(run_id, "check the 2008 figures", who="li")
    store.label_run(run_id, "presented to the finance committee, 12 March", kind="presented", who="wang")
    after = store.run(run_id)
    assert after.info == before.info and after.files == before.files
    assert list(after.labels["kind"]) == ["note", "presented"]
    assert list(after.labels["labelled_by"]) == ["li", "wang"]
    assert after.presented == ["presented to the finance committee, 12 March"]
    assert store.runs().frame.set_index("id").at[run_id, "presented"] == after.presented[0]


def test_an_unknown_id_or_name_is_a_clear_error(store):
    with pytest.raises(StoreLookupError, match="has no run 404"):
        store.run(404)
    with pytest.raises(StoreLookupError, match="has no run 7"):
        store.label_run(7, "presented", kind="presented")
    with pytest.raises(StoreLookupError, match="no scenario named or hashed 'nowhere'"):
        store.load_scenario("nowhere")
    store.save_scenario(load_scenario(DEFAULT), "one")
    with pytest.raises(StoreLookupError, match="versions 1 to 1, not 2"):
        store.saved("one", version=2)


def test_a_batch_is_one_row_with_its_summary_and_a_pointer_to_its_files(store, default_scenario, tmp_path):
    sweep = tmp_path / "sweep.csv"
    sweep.write_text("ceiling,status\n1,optimal\n2,hard_targets_unmet\n")
    summary = {"points": 2, "met": 1, "seconds": 0.5, "parameters": ["ceiling=1:2:2"], "file": str(sweep)}
    run_id = store.record_batch("sweep", default_scenario, summary, [sweep], duration_seconds=0.5)
    run = store.run(run_id)
    assert run.info["kind"] == "sweep" and run.info["output"] == str(sweep.resolve())
    assert run.info["headline"] == summary and json.loads(run.files["summary.json"]) == summary
    assert list(run.tables["sweep"]["status"]) == ["optimal", "hard_targets_unmet"]
    assert list(store.runs(kind="sweep").frame["id"]) == [run_id]


def test_where_the_store_is(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert default_path() == tmp_path / "data" / "budgetsim" / "budgetsim.sqlite"
    monkeypatch.delenv("BUDGETSIM_DB")
    assert resolve_url() == f"sqlite:///{tmp_path / 'data' / 'budgetsim' / 'budgetsim.sqlite'}"
    monkeypatch.setenv("BUDGETSIM_DB", str(tmp_path / "team.sqlite"))
    assert resolve_url() == f"sqlite:///{tmp_path / 'team.sqlite'}"
    assert resolve_url("postgresql://analyst@db.bureau/budget") == "postgresql+psycopg://analyst@db.bureau/budget"
    with pytest.raises(StoreError, match="must be a file"):
        Store.open("sqlite://")


def test_the_store_reads_back_as_pandas_through_the_public_api(store_url, default_scenario, default_result):
    import model

    with model.open_store(store_url) as store:
        run_id = store.record_run(default_result, default_scenario)
    with model.open_store(store_url) as store:
        frame = store.runs().frame
        assert isinstance(frame, pd.DataFrame) and list(frame["id"]) == [run_id]
        csv = store.run(run_id).files["money.csv"]
        pd.testing.assert_frame_equal(pd.read_csv(io.StringIO(csv)), store.run(run_id).tables["money"])


def test_every_solve_from_the_python_api_is_recorded_unless_told_not(store_url, monkeypatch, default_scenario):
    import model

    monkeypatch.setenv("BUDGETSIM_DB", store_url)
    result = model.solve(default_scenario)  # records by default, into $BUDGETSIM_DB
    assert isinstance(result.run_id, int)
    quiet = model.solve(default_scenario, record=False)  # the command line's --no-record
    assert quiet.run_id is None
    with model.open_store(store_url) as store:
        assert list(store.runs().frame["id"]) == [result.run_id]
        run = store.run(result.run_id)
        assert run.info["source"] == "api" and run.info["scenario_sha256"] == default_scenario.sha256()
        assert run.files == render_result(result, districts=default_scenario.districts)  # what run --out writes


def test_a_solve_can_name_its_store_and_a_bad_one_is_named_in_the_error(tmp_path, default_scenario):
    import model

    elsewhere = tmp_path / "elsewhere.sqlite"
    result = model.solve(default_scenario, record=elsewhere)
    with model.open_store(elsewhere) as store:
        assert store.run(result.run_id).info["source"] == "api"
    broken = tmp_path / "broken.sqlite"
    broken.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreError, match="broken.sqlite"):
        model.solve(default_scenario, record=broken)
