"""The decomposed solve with its districts' LPs on a Dask cluster (a local one of two
workers, started here) gives the answer it gives in one process."""

from __future__ import annotations

import numpy as np
import pytest

from model import load_scenario, solve
from model.batch.districts import DaskDistricts, _parts
from model.batch.parallel import WorkerError
from model.cli import main
from model.io import write_files
from model.scenario.national import generate


@pytest.fixture(scope="module")
def cluster():
    from dask.distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                      host="127.0.0.1") as local:
        yield local


@pytest.fixture(scope="module")
def scenario(tmp_path_factory):
    folder = tmp_path_factory.mktemp("national")
    write_files(folder, generate(1380, 3))
    return folder / "national.toml"


def test_parts_are_contiguous_balanced_and_cover_every_district():
    parts = _parts(np.array([5, 5, 5, 5, 20]), 2)
    assert parts == [(0, 4), (4, 5)]
    assert _parts(np.ones(7), 3) == [(0, 2), (2, 4), (4, 7)] or sum(b - a for a, b in _parts(np.ones(7), 3)) == 7


def test_the_dask_answer_is_the_one_process_answer(cluster, scenario):
    loaded = load_scenario(scenario)
    here = solve(loaded, method="decomposed", status_quo=False)
    with DaskDistricts(cluster.scheduler_address) as runner:
        there = solve(loaded, method="decomposed", status_quo=False, runner=runner)
    assert there.summary()["objectives"] == pytest.approx(here.summary()["objectives"], rel=1e-12)
    assert there.summary()["shadow_price_ceiling_by_year"] == pytest.approx(
        here.summary()["shadow_price_ceiling_by_year"], rel=1e-9)
    assert np.allclose(there.allocation["transfer_yuan"], here.allocation["transfer_yuan"], atol=1e-3)


def test_run_on_the_cluster_from_the_command_line(cluster, scenario, tmp_path, capsys):
    code = main(["run", str(scenario), "--method", "decomposed", "--dask", cluster.scheduler_address,
                 "--no-status-quo", "--no-record", "--out", str(tmp_path / "out")])
    assert code == 0, capsys.readouterr().err
    assert "decomposed by district" in capsys.readouterr().out
    assert (tmp_path / "out" / "allocation.csv").exists()


def test_dask_needs_the_decomposed_method_and_a_reachable_scheduler(scenario, capsys):
    assert main(["run", str(scenario), "--dask", "tcp://127.0.0.1:1", "--no-record"]) == 2
    assert "--dask: tcp://127.0.0.1:1: needs --method decomposed" in capsys.readouterr().err
    with pytest.raises(WorkerError, match="cannot reach the Dask scheduler"):
        with DaskDistricts("tcp://127.0.0.1:1", timeout=0.5):
            pass
