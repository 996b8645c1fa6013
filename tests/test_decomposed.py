"""The decomposed solve (Dantzig-Wolfe by district) gives the monolithic LP's answer:
each stage's optimum within 1e-6 relative and the ceilings' duals within 1e-4, on a
national scenario of 1,380 communities, on the shipped community scenario, and on
20,000 communities; and ``auto`` picks it by size, never silently."""

from __future__ import annotations

import numpy as np
import pytest

from model import load_scenario, solve
from model.batch.records import record_columns, summarise
from model.constants import DECOMPOSE_FROM, Method, Stage
from model.errors import SolveError
from model.formulation.build import formulate
from model.formulation.inputs import build_inputs
from model.io import write_files
from model.pipeline import choose_method
from model.scenario.national import generate
from model.solve.decomposed import DecomposedSolver
from model.solve.fast import FastSolver
from model.solve.stages import STAGES

from .conftest import SCENARIOS


def national(tmp_path_factory, communities: int, seed: int = 1):
    folder = tmp_path_factory.mktemp(f"national{communities}")
    write_files(folder, generate(communities, seed))
    return load_scenario(folder / "national.toml")


def assert_same_optima(scenario, overrides=(), runner=None):
    """Both solves of ``scenario``: stage optima within 1e-6 relative, ceiling duals within 1e-4
    (``runner``: where the decomposed solve's districts run)."""
    if overrides:
        scenario = scenario.with_overrides(list(overrides))
    inputs = build_inputs(scenario)
    form = formulate(inputs)
    whole = FastSolver().solve(form.lp, tolerance=inputs.stage_tolerance)
    parts = DecomposedSolver(runner).solve(form.lp, form.column_districts(), tolerance=inputs.stage_tolerance)
    ceiling = form.lp.rows_of("ceiling")
    for stage in STAGES:
        a, b = parts.objectives[stage], whole.objectives[stage]
        assert abs(a - b) <= 1e-6 * max(1.0, abs(b)), (stage, a, b)
        assert np.allclose(parts.duals[stage][ceiling], whole.duals[stage][ceiling], rtol=1e-4, atol=1e-4 * max(
            1.0, float(np.abs(whole.duals[stage][ceiling]).max()))), stage
    return parts, whole


def test_1380_national_communities_same_optima_and_ceiling_duals(tmp_path_factory):
    parts, whole = assert_same_optima(national(tmp_path_factory, 1380))
    assert parts.objectives[Stage.HARD] == 0.0
    assert "decomposed by district" in parts.solver_version


def test_the_shipped_communities_same_optima():
    assert_same_optima(load_scenario(SCENARIOS / "tianjin-2006-communities.toml"))


def test_missing_money_same_as_the_whole_lp(tmp_path_factory):
    """Ceilings too small for the hard targets: the hard stage is solved, not skipped."""
    scenario = load_scenario(SCENARIOS / "tianjin-2006-tight-ceiling.toml")
    parts, whole = assert_same_optima(scenario)
    assert whole.objectives[Stage.HARD] > 0


def test_the_districts_threads_do_not_change_a_single_number(tmp_path_factory):
    """The districts' LPs on one thread or on four give the same bits: each district's
    HiGHS instance makes the same calls in whichever thread runs it."""
    inputs = build_inputs(national(tmp_path_factory, 1380))
    form = formulate(inputs)
    one, four = (DecomposedSolver(threads=n).solve(form.lp, form.column_districts(), tolerance=inputs.stage_tolerance)
                 for n in (1, 4))
    assert np.array_equal(one.x, four.x)
    for stage in STAGES:
        assert one.objectives[stage] == four.objectives[stage]
        assert np.array_equal(one.duals[stage], four.duals[stage])


def test_districts_beyond_the_live_columns_share_instances_with_the_same_optima(tmp_path_factory):
    """Only the first 20,000 columns' districts keep a HiGHS instance (the memory of a
    national solve); the other 16 of 34 districts are passed in turn to a shared instance
    and started from their kept basis: still the whole LP's optima and ceiling duals."""
    from model.solve.districts import DistrictLPs

    runner = DistrictLPs(live_columns=20_000)
    parts, _ = assert_same_optima(national(tmp_path_factory, 1380), runner=runner)
    assert runner.stats["shared_runs"] > 0.7 * runner.stats["instance_runs"]


def test_20000_communities_same_optima_and_ceiling_duals(tmp_path_factory):
    """And the certificate (what ``bench --scale`` prints where the whole LP does not
    finish) agrees: every stage within 1e-6 of its bound, the bound never above the whole
    LP's optimum."""
    from model.solve.certificate import certify

    scenario = national(tmp_path_factory, 20_000)
    parts, whole = assert_same_optima(scenario)
    form = formulate(build_inputs(scenario))
    certificates = certify(form, parts)
    assert [c.stage for c in certificates] == [Stage.SOFT, Stage.TRANSFERS, Stage.TIE_BREAK]
    for c in certificates:
        optimum = whole.objectives[c.stage]
        assert c.gap <= 1e-6 and c.bound <= optimum + 1e-9 * max(1.0, abs(optimum)), c


def test_auto_decomposes_large_scenarios_only_and_never_silently(tmp_path_factory):
    small = build_inputs(load_scenario(SCENARIOS / "tianjin-2006-communities.toml"))
    assert choose_method(small, "highs", Method.AUTO) == Method.MONOLITHIC
    assert len(small.units) < DECOMPOSE_FROM
    assert choose_method(small, "highs", "decomposed") == Method.DECOMPOSED
    assert choose_method(small, "cbc", Method.AUTO) == Method.MONOLITHIC
    with pytest.raises(SolveError, match="equity"):
        scenario = load_scenario(SCENARIOS / "tianjin-2006.toml").with_overrides(["weights.equity=0.5"])
        choose_method(build_inputs(scenario), "highs", "decomposed")
    with pytest.raises(SolveError, match="needs HiGHS"):
        choose_method(small, "cbc", "decomposed")


def test_a_decomposed_result_is_the_monolithic_result(tmp_path_factory):
    scenario = national(tmp_path_factory, 1380, seed=2)
    parts = solve(scenario, method="decomposed", status_quo=False)
    whole = solve(scenario, method="monolithic", status_quo=False)
    assert parts.status == whole.status
    for key, value in whole.summary()["objectives"].items():
        assert parts.summary()["objectives"][key] == pytest.approx(value, rel=1e-6, abs=1e-6)
    a = parts.summary()["shadow_price_ceiling_by_year"]
    b = whole.summary()["shadow_price_ceiling_by_year"]
    assert a.keys() == b.keys() and all(a[k] == pytest.approx(b[k], rel=1e-4) for k in b)
    # Transfers per year within the ceiling, as the whole LP's.
    money_a = parts.allocation.groupby("year")["transfer_yuan"].sum()
    money_b = whole.allocation.groupby("year")["transfer_yuan"].sum()
    assert np.allclose(money_a, money_b, rtol=1e-6, atol=1.0)


def test_a_monte_carlo_draw_that_misses_hard_targets_same_as_the_whole_lp(tmp_path_factory):
    """5,000 communities, draw 3 of a Monte Carlo of uncertain costs and budgets (seed 7):
    its hard targets miss about 5.4 million yuan. The soft stage tried first runs its
    master with artificial columns priced at BIG_M; there the old master cycled on the
    same few proposals (their reduced costs negative by round-off alone) and the stage
    never converged, and at 20,000 communities the master ended 'Unknown', then 'Solve
    error' (ceilings of 1e8 yuan beside convexity rows of 1, unscaled)."""
    from model.batch.montecarlo import make_montecarlo
    from model.batch.points import PointMaker

    from .test_decomposed_dask import UNCERTAIN

    folder = tmp_path_factory.mktemp("national5000")
    write_files(folder, generate(5000, 1))
    (folder / "uncertain.toml").write_text(UNCERTAIN, encoding="utf-8")
    batch = make_montecarlo(load_scenario(folder / "uncertain.toml"), 4)
    values, _ = batch.point(3)
    draw = PointMaker(batch.scenario, batch.targets, batch.origin).scenario(values, "draw 3")
    parts, whole = assert_same_optima(draw)
    assert whole.objectives[Stage.HARD] > 1e6  # yuan missing: the hard stage is solved, not skipped
    form = formulate(build_inputs(draw))
    by_year = lambda x: x[form.transfer].sum(axis=0)  # noqa: E731 - the city's transfers per year
    assert np.allclose(by_year(parts.x), by_year(whole.x), rtol=0, atol=1.0)


def test_the_masters_artificial_columns_survive_national_ceilings():
    """The master divides each linking row by its bound (at most 1e8), and an artificial
    column breaks a row by yuan: its coefficient is 1 / that divisor. A ceiling of 4.6e9
    yuan (120,000 communities) gave 2.2e-10 unclipped, which HiGHS dropped (below its
    1e-9), and the first master of the national benchmark was 'Infeasible'."""
    from model.solve.master import BIG_M, MAX_ROW_SCALE, Master

    master = Master.new(2, 3, np.array([-np.inf, 0.0]), np.array([4.6e9, 2e12]), 2)
    lp = master.highs.getLp()
    assert lp.num_col_ == master.first_proposal_col == 3  # two uppers, one finite lower
    coefficients = np.asarray(lp.a_matrix_.value_)
    assert coefficients.size == 3  # none dropped
    assert np.allclose(np.abs(coefficients), 1 / MAX_ROW_SCALE)
    assert np.allclose(np.asarray(lp.col_cost_), BIG_M)


def test_a_master_no_retry_solves_widens_the_earlier_optima_by_tenths_of_their_slack(monkeypatch):
    """A 200-draw national Monte Carlo met a tie-break master that ended 'Unknown' in every
    retry (its rows fixing the missing money, the soft points and the transfers all bound);
    widened by a tenth of their slack it solved. Here the tie-break's master (three fixing
    rows: the tight ceiling's hard stage is solved) fails until widened twice: the final
    allocation then keeps each earlier optimum within 1.2 x its slack, the tie-break can
    only gain from the wider rows, and the solution says so."""
    from model.solve import master as master_lp
    from model.solve.stages import fixing_slack

    solve_master = master_lp.solve_master

    def failing(master):
        if np.count_nonzero(master.slack) == 3 and master.widenings < 2:
            raise SolveError("the decomposed solve's master LP ended with status Unknown")
        return solve_master(master)

    monkeypatch.setattr(master_lp, "solve_master", failing)
    inputs = build_inputs(load_scenario(SCENARIOS / "tianjin-2006-tight-ceiling.toml"))
    form = formulate(inputs)
    whole = FastSolver().solve(form.lp, tolerance=inputs.stage_tolerance)
    solver = DecomposedSolver()
    parts = solver.solve(form.lp, form.column_districts(), tolerance=inputs.stage_tolerance)
    assert solver.stats["fixings_widened"] == 2
    assert "earlier optima held to 1.2x the stage tolerance" in parts.solver_version
    assert parts.tolerance_factor == pytest.approx(1.2)
    record = dict(zip(record_columns(inputs.years), summarise(inputs, form, parts)))
    assert record["stage_tolerance_factor"] == pytest.approx(1.2)  # a batch's row says so too
    for stage in STAGES[:-1]:
        optimum = whole.objectives[stage]
        assert abs(parts.objectives[stage] - optimum) <= 1e-6 * max(1.0, abs(optimum)), stage
        reached = float(form.lp.objective(stage) @ parts.x)  # in the final allocation
        assert reached <= optimum + 1.2 * fixing_slack(optimum, inputs.stage_tolerance) + 1e-9 * abs(optimum)
    tie_break = whole.objectives[Stage.TIE_BREAK]
    assert parts.objectives[Stage.TIE_BREAK] <= tie_break + 1e-9 * abs(tie_break)


def test_a_master_that_fails_even_widened_names_how_far_it_went(monkeypatch):
    from model.solve import master as master_lp

    solve_master = master_lp.solve_master

    def failing(master):
        if master.slack.any():
            raise SolveError("the decomposed solve's master LP ended with status Unknown")
        return solve_master(master)

    monkeypatch.setattr(master_lp, "solve_master", failing)
    inputs = build_inputs(load_scenario(SCENARIOS / "tianjin-2006-tight-ceiling.toml"))
    form = formulate(inputs)
    with pytest.raises(SolveError, match="Unknown, even with the earlier stages' optima held to 2 times"):
        DecomposedSolver().solve(form.lp, form.column_districts(), tolerance=inputs.stage_tolerance)


def test_the_districts_lps_leave_out_only_what_the_bounds_decide():
    """Worked by hand on four columns and five rows: x0 fixed at zero (a gap of nothing),
    x1 missing money (from zero up), x2 a share in [0, 1], x3 free above."""
    import scipy.sparse as sp

    from model.solve.districts import _without_what_bounds_decide

    matrix = sp.csr_matrix(np.array([
        [1.0, 0.0, 0.0, 0.0],   # row 0: x0 alone, <= 5            -> empty once x0 is out
        [0.0, 1.0, 0.0, 0.0],   # row 1: x1 >= 0                   -> x1's bounds keep it
        [0.0, 0.0, 2.0, 0.0],   # row 2: 2 x2 <= 1.5               -> binds: stays
        [0.0, 0.0, -1.0, 0.0],  # row 3: -x2 >= -1                 -> x2 <= 1 keeps it
        [3.0, 1.0, 0.0, 1.0],   # row 4: 3 x0 + x1 + x3 >= 2       -> stays, without x0
    ]))
    col_lower, col_upper = np.zeros(4), np.array([0.0, np.inf, 1.0, np.inf])
    row_lower = np.array([-np.inf, 0.0, -np.inf, -1.0, 2.0])
    row_upper = np.array([5.0, np.inf, 1.5, np.inf, np.inf])
    a, live, decided = _without_what_bounds_decide(matrix, col_lower, col_upper, row_lower, row_upper)
    assert live.tolist() == [False, True, True, True]
    assert decided.tolist() == [False, True, False, True, False]
    assert np.diff(a.indptr).tolist() == [0, 0, 1, 0, 2]  # row 0 is empty: only x0 filled it
    assert a.toarray()[4].tolist() == [0.0, 1.0, 0.0, 1.0]


def test_each_districts_entries_in_the_linking_rows_are_read_when_the_lp_is_split():
    """Worked by hand: columns 0, 2 in district 0 and 1, 3 in district 1 (column 4, fixed at
    zero, in none); row 0 links both districts (a ceiling), rows 1 and 2 are each district's.
    District 0's linking entries: row 0 at its columns 0 (value 1) and 1 (column 2, value 3);
    district 1's: row 0 at its column 0 (column 1, value 2) and 1 (column 3, value 4)."""
    from model.formulation.lp import LinearProgram
    from model.solve.districts import split_by_group

    lp = LinearProgram()
    lp.add_columns("x", [(c,) for c in range(5)], lower=0.0, upper=np.array([9.0, 9.0, 9.0, 9.0, 0.0]))
    lp.add_rows("link", [()], row=np.zeros(5), col=np.arange(5), val=np.array([1.0, 2.0, 3.0, 4.0, 5.0]),
                lower=-np.inf, upper=10.0)
    lp.add_rows("own", [(0,), (1,)], row=np.array([0, 0, 1, 1]), col=np.array([0, 2, 1, 3]),
                val=np.ones(4), lower=-np.inf, upper=5.0)
    split = split_by_group(lp, np.array([0, 1, 0, 1, 0]))
    assert split.link_rows.tolist() == [0]
    rows, at, values = split.blocks[0].link_entries
    assert split.blocks[0].columns.tolist() == [0, 2]
    assert (rows.tolist(), at.tolist(), values.tolist()) == ([0, 0], [0, 1], [1.0, 3.0])
    rows, at, values = split.blocks[1].link_entries
    assert split.blocks[1].columns.tolist() == [1, 3]
    assert (rows.tolist(), at.tolist(), values.tolist()) == ([0, 0], [0, 1], [2.0, 4.0])


def test_a_master_run_stopped_by_its_iteration_limit_is_retried(monkeypatch):
    """A warm master run that stalls (a 5,000-community draw's ran 46 million primal
    iterations) stops at the master's iteration limit (20,000, or 50 a row) and is retried
    from scratch. Here the first run of a master with 30 columns or more is stopped after one
    iteration."""
    from model.solve import master as master_lp

    run_optimal, stopped = master_lp.run_optimal, []

    def stalling(highs):
        if highs.getNumRow() > 0 and not stopped and highs.getNumCol() > 30:  # a master with proposals
            _, limit = highs.getOptionValue("simplex_iteration_limit")
            assert limit == max(20_000, 50 * highs.getNumRow())
            stopped.append(limit)
            highs.setOptionValue("simplex_iteration_limit", 1)
            try:
                assert not run_optimal(highs)
                assert highs.modelStatusToString(highs.getModelStatus()) == "Iteration limit reached"
                return False
            finally:
                highs.setOptionValue("simplex_iteration_limit", limit)
        return run_optimal(highs)

    monkeypatch.setattr(master_lp, "run_optimal", stalling)
    inputs = build_inputs(load_scenario(SCENARIOS / "tianjin-2006-tight-ceiling.toml"))
    form = formulate(inputs)
    whole = FastSolver().solve(form.lp, tolerance=inputs.stage_tolerance)
    parts = DecomposedSolver().solve(form.lp, form.column_districts(), tolerance=inputs.stage_tolerance)
    assert stopped
    for stage in STAGES:
        optimum = whole.objectives[stage]
        assert abs(parts.objectives[stage] - optimum) <= 1e-6 * max(1.0, abs(optimum)), stage
