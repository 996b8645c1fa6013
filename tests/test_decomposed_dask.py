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

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0",
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


UNCERTAIN = """base = "national.toml"

[scenario]
name = "National, uncertain construction costs and district budgets"

[sources]
"scenario" = "assumption: a test scenario"

[montecarlo]
seed = 7

[[montecarlo.parameters]]
key = "office_space.cost_yuan_per_m2"
apply = "scale"
distribution = "triangular"
low = 0.85
mode = 1.0
high = 1.3
source = "assumption: as in tianjin-2006-uncertain.toml"

[[montecarlo.parameters]]
key = "districts.capacity_yuan"
apply = "scale"
per = "district"
distribution = "normal"
mean = 1.0
sd = 0.1
source = "assumption: each district's budget within about +/-20 %"
"""


def test_a_national_monte_carlo_decomposes_each_draw_and_runs_on_the_cluster(cluster, scenario, tmp_path):
    """Each draw of a national Monte Carlo solved decomposed by district gives the whole
    LP's figures, and the cluster's workers (whole draws each) write the same numbers."""
    import pandas as pd

    from model.batch.montecarlo import make_montecarlo
    from model.batch.output import write_montecarlo

    uncertain = scenario.parent / "uncertain.toml"
    uncertain.write_text(UNCERTAIN, encoding="utf-8")
    loaded = load_scenario(uncertain)
    draws = {}
    for method, options in (("monolithic", {"jobs": 1}), ("decomposed", {"jobs": 1}),
                            ("decomposed-dask", {"dask": cluster.scheduler_address})):
        batch = make_montecarlo(loaded, 4, method=method.split("-")[0])
        write_montecarlo(batch, tmp_path / method, chunk_size=2, **options)
        draws[method] = pd.read_csv(tmp_path / method / "draws.csv")
    whole, parts, cluster_parts = draws["monolithic"], draws["decomposed"], draws["decomposed-dask"]
    assert len(whole) == 4 and list(parts.columns) == list(whole.columns)
    pd.testing.assert_frame_equal(cluster_parts, parts)  # the cluster writes what one process writes
    prices = [c for c in whole.columns if c.startswith("shadow_price")]
    money = [c for c in whole.columns if c not in prices and ("yuan" in c or c.startswith("soft"))]
    assert prices and money, "the draws record money, soft points and the ceiling's prices"
    # The stages' optima agree (to the decomposition's tolerance), and the ceiling's duals.
    pd.testing.assert_frame_equal(parts[money], whole[money], rtol=1e-6, atol=1.0)
    pd.testing.assert_frame_equal(parts[prices], whole[prices], rtol=1e-4, atol=1e-12)
    assert whole["transfers_yuan"].nunique() == 4  # the draws differ from one another


def test_a_batch_method_is_checked_before_anything_is_solved(scenario):
    from model.batch.montecarlo import make_montecarlo
    from model.errors import ScenarioError

    equity = load_scenario(scenario, {"weights.equity": 1.0})
    uncertain = scenario.parent / "uncertain.toml"
    uncertain.write_text(UNCERTAIN, encoding="utf-8")
    with pytest.raises(ScenarioError, match="decomposed needs weights.equity = 0"):
        make_montecarlo(load_scenario(uncertain, {"weights.equity": 1.0}), 2, method="decomposed")
    assert equity.params["weights.equity"] == 1.0
