"""The units' program blocks solved with numpy equal HiGHS on the LP without its linking
rows, and small blocks worked by hand; the Lagrangian certificate of a decomposed solve
proves every stage optimal within its gap, and its bound never exceeds the whole LP's
optimum (a second method: HiGHS on the whole LP)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from model import load_scenario
from model.constants import Stage
from model.formulation.build import formulate
from model.formulation.inputs import build_inputs
from model.io import write_files
from model.scenario.national import generate
from model.solve.certificate import certify
from model.solve.decomposed import DecomposedSolver
from model.solve.fast import FastSolver
from model.solve.highs import QuietHighs
from model.solve.stages import LastPrices
from model.solve.unit_programs import _Capital, _solve_capital, _solve_recurring, unit_row_blocks

from .conftest import SCENARIOS


@pytest.fixture(scope="module")
def communities(tmp_path_factory):
    folder = tmp_path_factory.mktemp("national1380")
    write_files(folder, generate(1380, 1))
    return load_scenario(folder / "national.toml")


def _without_linking_rows(form, costs):
    """HiGHS's optimum of the LP with only the units' own rows (transfers left out)."""
    import highspy

    lp = form.lp
    matrix = lp.matrix().tocsr()
    col_lower, col_upper, row_lower, row_upper = lp.bounds()
    own = np.zeros(lp.n_rows, bool)
    for name in unit_row_blocks() & lp.row_blocks.keys():
        own[lp.rows_of(name)] = True
    cols = np.ones(lp.n_cols, bool)
    cols[form.transfer.ravel()] = False
    part = matrix[own][:, cols].tocsc()
    model = highspy.HighsLp()
    model.num_col_, model.num_row_ = part.shape[1], part.shape[0]
    model.col_cost_ = costs[cols]
    model.col_lower_, model.col_upper_ = col_lower[cols], col_upper[cols]
    model.row_lower_, model.row_upper_ = row_lower[own], row_upper[own]
    model.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    model.a_matrix_.start_, model.a_matrix_.index_, model.a_matrix_.value_ = part.indptr, part.indices, part.data
    highs = QuietHighs()
    highs.setOptionValue("dual_feasibility_tolerance", 1e-10)
    highs.passModel(model)
    highs.run()
    return highs.getInfo().objective_function_value, part, own, cols


@pytest.mark.parametrize("overrides", [{}, {"service_space.hard": True, "operating_funds.hard": True}],
                         ids=["as generated", "service rooms and operating funds hard"])
def test_the_blocks_solved_with_numpy_equal_highs_without_the_linking_rows(communities, overrides):
    """At prices HiGHS is not told about: each stage's costs plus a random price per
    district-year yuan spent (what a capacity row's dual adds) and random prices of missing
    money; both optima agree within 1e-9 and the blocks' allocation keeps every own row."""
    from model.solve.unit_programs import UnitPrograms

    scenario = communities.with_overrides(overrides) if overrides else communities
    inputs = build_inputs(scenario)
    form = formulate(inputs)
    blocks = UnitPrograms(form)
    rng = np.random.default_rng(5)
    for stage in (Stage.SOFT, Stage.TRANSFERS, Stage.TIE_BREAK):
        costs = form.lp.objective(stage) / np.abs(form.lp.objective(stage)).max()
        spent = rng.uniform(0.0, 0.5, (len(inputs.districts), len(inputs.years)))
        costs[form.closed] += spent[inputs.unit_district][:, None, :]
        costs[form.unmet_columns] = rng.uniform(0.0, 3.0, form.unmet_columns.size)
        x, total = blocks.solve(costs)
        optimum, part, own, cols = _without_linking_rows(form, costs)
        assert total == pytest.approx(optimum, rel=1e-9, abs=1e-6), stage
        assert float(costs[cols] @ x[cols]) == pytest.approx(total, rel=1e-12, abs=1e-6)
        _, col_upper, row_lower, row_upper = form.lp.bounds()
        activity = part @ x[cols]
        slack = 1e-9 * np.maximum(1.0, np.abs(activity))
        assert np.all(activity >= row_lower[own] - slack) and np.all(activity <= row_upper[own] + slack)
        assert np.all(x >= 0) and np.all(x <= col_upper + 1e-9 * np.maximum(1.0, x))


def test_a_recurring_block_worked_by_hand():
    """Gaps 100, 200, 0, 400 yuan over four years; the minimum wage needs 50 yuan in year 2
    (a missing yuan costs 3). Costs -1, +2, 0, -1 per yuan.

    - The share never falls within years 1-2; year 3 has no gap, so year 4 starts again.
    - Years 1-2: share s, then t >= s: cost -100 s + 400 t + 3 max(0, 50 - 200 t). At
      t = 0.25 (the wage met) and s = 0.25: -25 + 100 = 75; at s = t = 0: 150 (missing);
      at s = t = 1: -100 + 400 = 300. The least: 75.
    - Year 4 alone: share 1 at -1 a yuan, -400. In all: 75 - 400 = -325."""
    gap = np.array([[100.0, 200.0, 0.0, 400.0]])
    hard = np.array([[False, True, False, False]])
    need = np.array([[0.0, 50.0, 0.0, 0.0]])
    value, money, missing = _solve_recurring(np.array([[-1.0, 2.0, 0.0, -1.0]]), gap, hard, need,
                                             np.array([[0.0, 3.0, 0.0, 0.0]]))
    assert value[0] == pytest.approx(-325.0)
    assert money[0] == pytest.approx([25.0, 50.0, 0.0, 400.0])
    assert missing[0] == pytest.approx([0.0, 0.0, 0.0, 0.0])
    # Year 4 at +1 a yuan stays at share 0; years 1-2 keep their 0.25 (no keep row ties them
    # to year 4 across the year without a gap): 75.
    value, money, _ = _solve_recurring(np.array([[-1.0, 2.0, 0.0, 1.0]]), gap, hard, need,
                                       np.array([[0.0, 3.0, 0.0, 0.0]]))
    assert value[0] == pytest.approx(75.0)
    assert money[0] == pytest.approx([25.0, 50.0, 0.0, 0.0])


def test_a_capital_block_worked_by_hand():
    """Three years, prices 1, 1.25, 2 (a yuan of year t is 2 / price_t last-year yuan); the
    gap row allows 1,000 last-year yuan; the deadline (year 2) row needs 400 deadline-year
    yuan, i.e. 400 / (1.25 / 2) = 640 last-year yuan spent by year 2; a missing yuan costs 5.

    Costs per yuan of year t: 0.2, 0.4, -0.6, so per last-year yuan 0.1, 0.25, -0.6. Early
    money meeting the deadline costs 0.1 - 5 x 0.625 < 0: all 640 in year 1 (320 yuan of
    year 1), cost 64. Later money at -0.6: the 360 last-year yuan left, all in year 3 (360
    yuan), -216. Value -152; nothing missing."""
    price = np.array([1.0, 1.25, 2.0])
    block = _Capital(columns=np.zeros((1, 3), np.int64), live=np.ones((1, 3), bool), to_last=price[-1] / price,
                     gap=np.array([1000.0]), deadline=1, per_last=1.25 / 2.0, need=np.array([400.0]),
                     unmet=np.array([7]))
    value, money, missing = _solve_capital(np.array([[0.2, 0.4, -0.6]]), block, np.array([5.0]))
    assert money[0] == pytest.approx([320.0, 0.0, 360.0])
    assert value[0] == pytest.approx(-152.0)
    assert missing[0] == pytest.approx(0.0)
    # Missing money at 0.05 a yuan is cheaper than the early money (0.1 - 0.05 x 0.625 > 0):
    # nothing is spent by the deadline; the 1,000 last-year yuan go to year 3.
    value, money, missing = _solve_capital(np.array([[0.2, 0.4, -0.6]]), block, np.array([0.05]))
    assert money[0] == pytest.approx([0.0, 0.0, 1000.0])
    assert missing[0] == pytest.approx(400.0)
    assert value[0] == pytest.approx(-600.0 + 0.05 * 400.0)


@pytest.mark.parametrize("source", ["generated 1,380", "tight ceiling"])
def test_a_decomposed_solve_is_certified_and_its_bound_never_beats_the_whole_lp(communities, source):
    """Every stage's certificate: gap at most 1e-6 (the issue's equality), the bound at most
    the whole LP's optimum (HiGHS) -- and at prices half the solve's (one of the wrong sign)
    the bound falls but stays below it: any prices bound, only the right ones tightly."""
    scenario = communities if source.startswith("generated") else load_scenario(
        SCENARIOS / "tianjin-2006-tight-ceiling.toml")
    inputs = build_inputs(scenario)
    form = formulate(inputs)
    parts = DecomposedSolver().solve(form.lp, form.column_districts(), tolerance=inputs.stage_tolerance)
    whole = FastSolver().solve(form.lp, tolerance=inputs.stage_tolerance)
    certificates = certify(form, parts)
    solved = [Stage.HARD, Stage.SOFT] if parts.objectives[Stage.HARD] > 0 else [Stage.SOFT]
    assert [c.stage for c in certificates] == [*solved, Stage.TRANSFERS, Stage.TIE_BREAK]
    for certificate in certificates:
        optimum = whole.objectives[certificate.stage]
        assert certificate.gap <= 1e-6, certificate
        assert certificate.bound <= optimum + 1e-9 * max(1.0, abs(optimum)), certificate
    stage = solved[-1]
    last = parts.last_prices[stage]
    duals = parts.duals[stage] / 2
    duals[form.lp.rows_of("capacity").start] = 1e-9  # the wrong sign for a <= row: taken as zero
    halved = dataclasses.replace(parts, last_prices={stage: LastPrices(last.link_rows, last.link / 2, last.fixing)},
                                 duals={**parts.duals, stage: duals})
    loose = certify(form, halved)[0]
    assert loose.bound < certificates[len(solved) - 1].bound - 1e-3 * max(1.0, abs(loose.objective))
    assert loose.bound <= whole.objectives[stage] + 1e-9 * max(1.0, abs(whole.objectives[stage]))


@pytest.mark.parametrize("name", ["tianjin-2006.toml", "tianjin-2006-tight-ceiling.toml"])
def test_a_whole_lp_solve_is_certified_by_its_own_duals_below_cbcs_optimum(name):
    """The whole LP solved by HiGHS (FastSolver) keeps the prices of its rows fixing earlier
    optima, so its stages are certified as a decomposed solve's are: every gap within 1e-9,
    the hard stage too where it is solved (tight ceiling), none where it is skipped. A second
    method, PuLP + CBC, gives optima the bounds never exceed. Without the fixing rows'
    prices the later stages' bounds fall far below their optima: the prices are what makes
    the bound tight, and the test can tell."""
    from model.solve.reference import solve_reference

    inputs = build_inputs(load_scenario(SCENARIOS / name))
    form = formulate(inputs)
    solution = FastSolver().solve(form.lp, tolerance=inputs.stage_tolerance)
    certificates = certify(form, solution)
    hard_solved = solution.objectives[Stage.HARD] > 0
    assert [c.stage for c in certificates] == ([Stage.HARD] if hard_solved else []) + [
        Stage.SOFT, Stage.TRANSFERS, Stage.TIE_BREAK]
    assert hard_solved == (name == "tianjin-2006-tight-ceiling.toml")
    cbc = solve_reference(form.lp, tolerance=inputs.stage_tolerance)
    for c in certificates:
        assert abs(c.gap) <= 1e-9, c
        assert c.objective == solution.objectives[c.stage]
        assert c.bound <= cbc.objectives[c.stage] + 1e-7 * max(1.0, abs(cbc.objectives[c.stage])), c
    unpriced = dataclasses.replace(solution, last_prices={
        stage: LastPrices(prices.link_rows, prices.link, {j: (0.0, bound) for j, (_, bound) in prices.fixing.items()})
        for stage, prices in solution.last_prices.items()})
    gaps = {c.stage: c.gap for c in certify(form, unpriced)}
    assert gaps[Stage.TRANSFERS] > 1e-3 and gaps[Stage.TIE_BREAK] > 1e-3


def test_no_certificate_without_duals():
    """CBC reports no duals to price the rows with: refused by name."""
    from model.errors import SolveError
    from model.solve.reference import solve_reference

    inputs = build_inputs(load_scenario(SCENARIOS / "tianjin-2006.toml"))
    form = formulate(inputs)
    with pytest.raises(SolveError, match="needs the solve's duals"):
        certify(form, solve_reference(form.lp, tolerance=inputs.stage_tolerance))


@pytest.mark.parametrize("name, weight", [("tianjin-2006.toml", 0.5), ("tianjin-2006-tight-ceiling.toml", 5.0)])
def test_the_equity_terms_column_is_bounded_by_optimality_not_refused(name, weight):
    """The equity term's column has no lower bound in the LP; its reduced cost, zero but for
    round-off, left the default scenario's transfers and tie-break stages without a finite
    bound. Raising it to the worst district's share never worsens a stage, so the certificate
    takes it at least zero: every stage is then certified within 1e-9 and stays below PuLP +
    CBC's optimum."""
    from model.solve.reference import solve_reference

    inputs = build_inputs(load_scenario(SCENARIOS / name, {"weights.equity": weight}))
    form = formulate(inputs)
    assert form.equity is not None
    certificates = certify(form, FastSolver().solve(form.lp, tolerance=inputs.stage_tolerance))
    cbc = solve_reference(form.lp, tolerance=inputs.stage_tolerance)
    assert {c.stage for c in certificates} >= {Stage.SOFT, Stage.TRANSFERS, Stage.TIE_BREAK}
    for c in certificates:
        assert abs(c.gap) <= 1e-9, c
        assert c.bound <= cbc.objectives[c.stage] + 1e-7 * max(1.0, abs(cbc.objectives[c.stage])), c


def test_transfers_priced_below_zero_cost_the_bound_only_what_their_districts_can_spend(communities, monkeypatch):
    """A transfer priced a hair below zero (its districts' LPs' dual tolerance) pays that hair
    times its year's ceiling in the bound; moved onto its district's co-financing row it pays
    only what the district's programs can spend. Both are bounds: each stays below the whole
    LP's optimum, and the moved one is the tighter by far."""
    from model.solve import certificate as module

    inputs = build_inputs(communities)
    form = formulate(inputs)
    parts = DecomposedSolver().solve(form.lp, form.column_districts(), tolerance=inputs.stage_tolerance)
    optimum = FastSolver().solve(form.lp, tolerance=inputs.stage_tolerance).objectives[Stage.TIE_BREAK]
    last = parts.last_prices[Stage.TIE_BREAK]
    ceilings = form.lp.rows_of("ceiling")
    link = last.link + 1e-6 * ((last.link_rows >= ceilings.start) & (last.link_rows < ceilings.stop))
    # every transfer now 1e-6 (a yuan of tie-break cost: about 1) below zero
    raised = dataclasses.replace(parts, last_prices={Stage.TIE_BREAK: LastPrices(last.link_rows, link, last.fixing)})
    (moved,) = certify(form, raised)
    monkeypatch.setattr(module, "MOVE_FROM", np.inf)
    (paid,) = certify(form, raised)
    assert moved.dual_infeasibility == paid.dual_infeasibility > 5e-7
    assert paid.gap > 3e-7  # the ceilings paid for
    assert moved.gap < 5e-8  # as the unperturbed prices' (1.7e-8 on 2026-12-06)
    for bound in (moved.bound, paid.bound):
        assert bound <= optimum + 1e-9 * abs(optimum)
