"""The matrix-form HiGHS path solves the same LP as the PuLP reference.

Both read one :class:`LinearProgram`. The shipped scenarios have alternative
optima (e.g. when a district upgrades offices before the deadline: equal cost,
other years), so the allocation of one path need not equal the other's vertex for
vertex. What must hold, and is checked: the same optimum of every stage; the
fast path's allocation is feasible for the reference LP and reaches each stage's
optimum in it (so it is an optimal allocation of the same model); the figures the
optimum does determine agree -- the ceiling's shadow prices and district own
spending; and where the optimum is unique (the hand-solved case) the allocation
is the hand-derived one.
"""

from __future__ import annotations

import numpy as np
import pytest

from model import load_scenario, solve
from model.batch.records import record_columns, summarise
from model.pipeline import solve_fast
from model.constants import Stage
from model.errors import SolveError
from model.solve.arrays import describe
from model.solve.fast import FastSolver
from model.formulation import formulate
from model.formulation.inputs import build_inputs
from model.solve.reference import solve_lexicographic

from .conftest import FIXTURES, SCENARIOS

CITY_SCENARIOS = [p for p in sorted(SCENARIOS.glob("*.toml")) if "communities" not in p.name]
HAND = [FIXTURES / "hand" / n for n in ("hand.toml", "hand-tight.toml", "hand-communities.toml")]


def assert_same_optimum(lp, tolerance, ref, got, transfers_rel=1e-6):
    # ``transfers_rel``: the last stage trades the stage-2 optimum's slack (its relative
    # tolerance, plus HiGHS's feasibility tolerance on that row) against transfers at
    # about 1e-6 points per yuan, so its optimum is only as exact as that slack allows.
    rel = {Stage.HARD: 1e-6, Stage.SOFT: 1e-6, Stage.TRANSFERS: transfers_rel}
    for stage in Stage:
        assert got.objectives[stage] == pytest.approx(ref.objectives[stage], rel=rel[stage], abs=1e-3), stage
    # The fast allocation is feasible for the reference LP ...
    a = lp.matrix()
    col_lo, col_up, row_lo, row_up = lp.bounds()
    ax = a @ got.x
    # Within 1e-6 of the size of each row's terms, and 5 fen (HiGHS's tolerances
    # apply to the scaled model: a fraction of a yuan on a row near zero).
    slack = 0.05 + 1e-6 * (abs(a) @ np.abs(got.x))
    assert (row_lo - ax <= slack).all() and (ax - row_up <= slack).all()
    assert (got.x >= col_lo - 1e-6).all() and (got.x <= col_up + 1e-6 * (1 + np.abs(col_up))).all()
    # ... and optimal at every stage of it (each stage's objective at its optimum).
    for stage in Stage:
        value = float(lp.objective(stage) @ got.x)
        assert value == pytest.approx(ref.objectives[stage], rel=rel[stage], abs=1e-3), stage


def ceiling_duals(form, solution, stage):
    rows = form.lp.row_blocks["ceiling"]
    return solution.duals[stage][rows.start:rows.stop]


@pytest.mark.parametrize("path", CITY_SCENARIOS + HAND, ids=lambda p: p.name)
def test_fast_path_reaches_the_reference_optimum(path):
    scenario = load_scenario(path)
    inputs = build_inputs(scenario)
    form = formulate(inputs)
    ref = solve_lexicographic(form.lp, "highs", tolerance=inputs.stage_tolerance)
    got = FastSolver().solve(form.lp, inputs.stage_tolerance)
    assert_same_optimum(form.lp, inputs.stage_tolerance, ref, got)
    for stage in (Stage.HARD, Stage.SOFT):
        assert ceiling_duals(form, got, stage) == pytest.approx(ceiling_duals(form, ref, stage), rel=1e-6, abs=1e-12)
    own_ref = inputs.by_district(form.money(ref.x)[0].sum(axis=1))
    own_got = inputs.by_district(form.money(got.x)[0].sum(axis=1))
    assert own_got == pytest.approx(own_ref, rel=1e-6, abs=1.0)


def test_fast_result_is_the_hand_derived_allocation():
    result = solve_fast(load_scenario(FIXTURES / "hand" / "hand.toml"), status_quo=True)
    closed = result.allocation.set_index(["district", "program", "year"]).closed_yuan
    expected = {
        ("alpha", "office_space", 2006): 32_800, ("alpha", "office_space", 2007): 47_200,
        ("alpha", "operating_funds", 2006): 10_000, ("alpha", "social_insurance", 2007): 7_200,
        ("beta", "member_subsidy", 2006): 60_000, ("beta", "service_space", 2006): 70_000,
        ("beta", "service_space", 2007): 55_600,
    }
    for key, value in expected.items():
        assert closed[key] == pytest.approx(value, abs=1.0), key
    assert list(result.money.shadow_price_points_per_yuan) == pytest.approx([4e-5, 2e-5], rel=1e-6)
    assert result.objectives["soft_points"] == pytest.approx(23.912, abs=1e-4)
    assert result.status_quo.unmet_hard.missing_yuan.sum() == pytest.approx(60_000, abs=1)
    assert result.provenance["solver_version"].startswith("highspy")


def random_overrides(rng: np.random.Generator, scenario) -> dict:
    """A random but valid variant: ceilings, costs, wages, standards, capacities, hard flags."""
    years = scenario.years
    out = {f"city.ceiling_yuan.{y}": float(rng.uniform(0.0, 2.0) * scenario.params[f"city.ceiling_yuan.{y}"])
           for y in years}
    out["office_space.cost_yuan_per_m2"] = float(rng.uniform(3000, 8000))
    out["service_space.cost_growth"] = float(rng.uniform(0.0, 0.1))
    out["operating_funds.new_standard_yuan"] = float(rng.uniform(8000, 20000))
    out["member_subsidy.wage_indexation"] = float(rng.uniform(0.0, 1.0))
    out["weights.member_subsidy"] = float(rng.uniform(0.05, 0.5))
    out["service_space.hard"] = bool(rng.random() < 0.3)
    out["operating_funds.hard"] = bool(rng.random() < 0.2)
    out["cost_sharing.min_own_share"] = float(rng.choice([0.0, 0.0, 0.3]))
    out["weights.equity"] = float(rng.choice([0.0, 0.0, 0.1]))
    for d in rng.choice(scenario.district_ids, size=4, replace=False):
        out[f"districts.{d}.capacity_yuan"] = float(rng.uniform(0.2, 2.0) * scenario.districts.at[d, "capacity_yuan"])
    return out


@pytest.mark.parametrize("seed", range(6))
def test_fast_path_matches_the_reference_on_random_scenarios(default_scenario, seed):
    rng = np.random.default_rng(seed)
    solver = FastSolver()  # one solver for all: warm starts across differing structures
    for _ in range(2):
        scenario = default_scenario.with_overrides(random_overrides(rng, default_scenario))
        inputs = build_inputs(scenario)
        form = formulate(inputs)
        # Every random variant solves (hard operating funds with the equity term once
        # left stage 3 infeasible; the reformulated LP and the scaled equity column fixed it).
        ref = solve_lexicographic(form.lp, "highs", tolerance=inputs.stage_tolerance)
        got = solver.solve(form.lp, inputs.stage_tolerance)
        assert_same_optimum(form.lp, inputs.stage_tolerance, ref, got, transfers_rel=1e-4)
        # Shadow prices agree to 0.1 %: where the LP is degenerate the ceiling's dual is
        # not unique (left and right derivatives differ) and either vertex may report its own.
        for stage in (Stage.HARD, Stage.SOFT):
            assert ceiling_duals(form, got, stage) == pytest.approx(ceiling_duals(form, ref, stage),
                                                                   rel=1e-3, abs=1e-12)


def test_warm_starts_change_only_what_moved(default_scenario):
    """A ceiling sweep reuses one structure: no new instances, no matrix passed again."""
    solver = FastSolver()
    base = default_scenario.by_year("city.ceiling_yuan")
    inputs = build_inputs(default_scenario)
    objectives = []
    for factor in (1.0, 1.1, 1.2, 0.9):
        form = formulate(inputs.with_ceiling(np.array([v * factor for v in base.values()])))
        objectives.append(solver.solve(form.lp).objectives[Stage.SOFT])
    assert solver.stats["structures_built"] == 1 and solver.stats["matrix_passes"] == 0
    assert solver.stats["solves"] == 4
    # More ceiling, more points (the soft stage is minimised: more negative).
    assert objectives[2] <= objectives[1] <= objectives[0] <= objectives[3]


def test_first_runs_start_each_stage_where_it_should_then_warm_runs_use_the_dual_simplex(default_scenario):
    """The soft stage's first run has no basis (from scratch, presolved); the transfer
    stage's starts from the soft stage's optimum with the primal simplex, which needs
    few pivots on that face; afterwards every instance is back to the dual simplex
    for re-solves after bounds moved, and re-solves reach the reference optima."""
    inputs = build_inputs(default_scenario)
    lp = formulate(inputs).lp
    solver = FastSolver(reuse_vertices=False)
    solver.solve(lp, inputs.stage_tolerance)
    stage_set = next(iter(solver._sets.values()))
    soft, transfers = stage_set.highs[1], stage_set.highs[2]
    # The default scenario: 1 pivot against 175 (the dual simplex from that basis took 184).
    assert 10 * transfers.getInfo().simplex_iteration_count < soft.getInfo().simplex_iteration_count
    assert [h.getOptionValue("simplex_strategy")[1] for h in stage_set.highs] == [1, 1, 1]  # dual
    changed = formulate(inputs.with_ceiling(inputs.ceiling * 0.8))
    reference = solve_lexicographic(changed.lp, tolerance=inputs.stage_tolerance)
    warm = solver.solve(changed.lp, inputs.stage_tolerance)
    for stage in Stage:
        assert warm.objectives[stage] == pytest.approx(reference.objectives[stage], rel=1e-7, abs=1e-3)


@pytest.mark.parametrize("path", [SCENARIOS / "tianjin-2006.toml", SCENARIOS / "tianjin-2006-tight-ceiling.toml",
                                  FIXTURES / "hand" / "hand-communities.toml"], ids=lambda p: p.name)
def test_batch_record_equals_the_full_result(path):
    """The light record of a batch point carries the figures of the full Result."""
    scenario = load_scenario(path)
    inputs = build_inputs(scenario)
    form = formulate(inputs)
    solution = FastSolver().solve(form.lp, inputs.stage_tolerance)
    from model.results import make_result

    result = make_result(scenario, inputs, form, solution)
    record = dict(zip(record_columns(scenario.years), summarise(inputs, form, solution)))
    assert record["hard_targets_met"] == (1.0 if result.status.value == "optimal" else 0.0)
    assert record["missing_yuan"] == pytest.approx(result.unmet_hard.missing_yuan.sum(), abs=1e-6)
    assert record["soft_points"] == pytest.approx(result.objectives["soft_points"])
    assert record["transfers_yuan"] == pytest.approx(result.transfers_total)
    city = result.compliance_by_year()
    for program, by_year in city.items():
        for year, share in by_year.items():
            assert record[f"compliance_{program}_{year}"] == pytest.approx(share, abs=1e-12)
    money = result.money.set_index("year")
    for year in scenario.years:
        assert record[f"transfers_yuan_{year}"] == pytest.approx(money.loc[year, "transfers_yuan"])
        assert record[f"shadow_price_ceiling_{year}"] == pytest.approx(money.loc[year, "shadow_price_points_per_yuan"],
                                                                     nan_ok=True)
        assert record[f"shadow_price_ceiling_hard_{year}"] == pytest.approx(
            money.loc[year, "shadow_price_missing_yuan_per_yuan"])


def test_solve_fast_agrees_with_solve_on_the_default(default_result, default_scenario):
    fast = solve_fast(default_scenario)
    for key, value in default_result.objectives.items():
        assert fast.objectives[key] == pytest.approx(value, rel=1e-6, abs=1e-3)
    assert fast.status == default_result.status
    assert list(fast.money.shadow_price_points_per_yuan) == pytest.approx(
        list(default_result.money.shadow_price_points_per_yuan), rel=1e-6)
    assert fast.compliance_by_year()["social_insurance"] == pytest.approx(
        default_result.compliance_by_year()["social_insurance"])


def test_reference_solve_is_untouched(default_result):
    # The PuLP path stays the default of model.solve.
    assert default_result.provenance["solver_version"].startswith("highspy")
    assert "matrix" not in default_result.provenance["solver_version"]
    assert solve  # the public entry point is unchanged


# --- stages, run status, warm what-if solves ---------------------------------------------
def test_first_stages_only_match_the_reference(default_scenario):
    inputs = build_inputs(default_scenario)
    lp = formulate(inputs).lp
    solver = FastSolver()
    for stages in (1, 2, 3, 1):
        ref = solve_lexicographic(lp, "highs", tolerance=inputs.stage_tolerance, stages=stages)
        got = solver.solve(lp, inputs.stage_tolerance, stages=stages)
        assert list(got.objectives) == list(ref.objectives) == list(Stage)[:stages]
        for stage, value in ref.objectives.items():
            assert got.objectives[stage] == pytest.approx(value, rel=1e-6, abs=1e-3)


def test_a_failed_run_is_never_read_as_optimal(default_scenario):
    """A HiGHS run that fails leaves the previous optimal status in place: it must raise."""
    inputs = build_inputs(default_scenario)
    lp = formulate(inputs).lp
    solver = FastSolver(reuse_vertices=False)  # run every stage (the same LP again would need no run)
    solver.solve(lp, inputs.stage_tolerance)
    for highs in next(iter(solver._sets.values())).highs:
        # HiGHS keeps one thread pool per process; a run asking for another size fails.
        highs.setOptionValue("threads", 97)
    with pytest.raises(SolveError, match="stage 1"):
        solver.solve(lp, inputs.stage_tolerance)


def test_warm_what_if_solves_reach_the_reference_optima(default_scenario):
    """One resolver through other ceilings, a scaled requirement, money added and a
    changed objective: every stage optimum is the reference's."""
    from model.constants import Requirement
    from model.analysis.whatif import Resolver, add_money, scale_requirement, unmet_columns, with_ceiling

    inputs = build_inputs(default_scenario)
    form = formulate(inputs)
    lp = form.lp
    extra = lp.copy()
    rows = np.arange(lp.rows_of("ceiling").start, lp.rows_of("ceiling").stop)
    top_ups = add_money(extra, "extra_ceiling", rows, [(y,) for y in inputs.years])
    alone = lp.copy()
    alone.objectives[Stage.HARD] = np.zeros(lp.n_cols)
    alone.objectives[Stage.HARD][unmet_columns(form, Requirement.SOCIAL_INSURANCE)] = 1.0
    edits = [(with_ceiling(lp, inputs.ceiling * 0.3), 2), (with_ceiling(lp, inputs.ceiling * 1.7), 2),
             (scale_requirement(lp, Requirement.OFFICE_SPACE_DEADLINE, 1.4), 1), (extra, 1),
             (with_ceiling(lp, inputs.ceiling * 0.1), 1), (alone, 1), (lp, 3)]
    resolver = Resolver("highs")
    for edited, stages in edits:
        ref = solve_lexicographic(edited, "highs", tolerance=inputs.stage_tolerance, stages=stages)
        got = resolver.solve(edited, stages, inputs.stage_tolerance)
        for stage, value in ref.objectives.items():
            assert got.objectives[stage] == pytest.approx(value, rel=1e-6, abs=1e-3), (stage, stages)
    # With top-ups, stage 2 minimises them (1 per yuan) less the points (~1e-5 per yuan):
    # the least top-up is what diagnosis reports.
    ref = solve_lexicographic(extra, "highs", tolerance=inputs.stage_tolerance, stages=2)
    got = resolver.solve(extra, 2, inputs.stage_tolerance)
    assert got.x[top_ups].sum() == pytest.approx(ref.x[top_ups].sum(), rel=1e-6, abs=1.0)
    # The model; with top-ups (more columns); with one requirement's objective (its fixing row).
    assert resolver.fast.stats["structures_built"] == 3


# --- stages that need no run: the kept basis is still optimal ----------------------------
def _ceiling_lps(scenario, factors):
    inputs = build_inputs(scenario)
    return inputs, [formulate(inputs.with_ceiling(inputs.ceiling * f)).lp for f in factors]


def test_a_stage_taken_from_its_kept_basis_is_what_highs_returns_from_it(default_scenario):
    """After every solve, running HiGHS again on each stage (its instance holds this
    LP's bounds, fixing rows included) takes 0 iterations and gives the same duals,
    and the same values for the last stage: also for the stages taken from a kept
    basis without a run."""
    from model.solve.fast import describe

    factors = np.concatenate([np.linspace(0.8, 1.2, 50), np.linspace(1.2, 0.8, 17)])
    inputs, lps = _ceiling_lps(default_scenario, factors)
    solver = FastSolver()
    for lp in lps:
        got = solver.solve(lp, inputs.stage_tolerance)
        arrays = describe(lp)
        m = arrays.pattern.m
        for k, (stage, highs) in enumerate(zip(Stage, next(iter(solver._sets.values())).highs)):
            highs.run()
            assert highs.getInfo().simplex_iteration_count == 0
            solution = highs.getSolution()
            assert arrays.scales[k] * np.asarray(solution.row_dual)[:m] == pytest.approx(got.duals[stage], rel=1e-9,
                                                                                          abs=1e-15)
        assert got.x == pytest.approx(np.asarray(solution.col_value), rel=1e-7, abs=1e-3)
    assert solver.stats["stage_runs_avoided"] >= 30  # the shortcut was exercised


def test_kept_bases_give_the_reference_optima_and_are_tested_not_assumed(default_scenario):
    factors = [1.0, 1.01, 1.02, 0.3, 1.9, 1.91, 1.0]
    inputs, lps = _ceiling_lps(default_scenario, factors)
    solver = FastSolver()
    for lp in lps:
        ref = solve_lexicographic(lp, "highs", tolerance=inputs.stage_tolerance)
        got = solver.solve(lp, inputs.stage_tolerance)
        assert_same_optimum(lp, inputs.stage_tolerance, ref, got)
        for stage in (Stage.HARD, Stage.SOFT):
            rows = lp.rows_of("ceiling")
            assert got.duals[stage][rows] == pytest.approx(ref.duals[stage][rows], rel=1e-6, abs=1e-12)
    # Small moves keep some bases; the jumps to 30 % and 190 % need runs.
    assert solver.stats["stage_runs_avoided"] > 0
    assert solver.stats["stage_runs"] >= 3 + 2 * 3


def test_no_kept_basis_is_used_when_costs_or_coefficients_move(default_scenario):
    solver = FastSolver()
    inputs = build_inputs(default_scenario)
    solver.solve(formulate(inputs).lp, inputs.stage_tolerance)
    # Other wages: other gaps, hence other continuity coefficients and soft costs.
    wages = default_scenario.with_overrides({"wages.average_wage_yuan.2008": 1.05 * default_scenario.params[
        "wages.average_wage_yuan.2008"]})
    other = build_inputs(wages)
    before = dict(solver.stats)
    got = solver.solve(formulate(other).lp, other.stage_tolerance)
    assert solver.stats["stage_runs_avoided"] == before["stage_runs_avoided"]
    assert solver.stats["stage_runs"] == before["stage_runs"] + 3
    ref = solve_lexicographic(formulate(other).lp, "highs", tolerance=other.stage_tolerance)
    assert_same_optimum(formulate(other).lp, other.stage_tolerance, ref, got)


def test_transfer_stage_restarts_from_the_soft_optimum_when_coefficients_move(default_scenario):
    """A Monte Carlo draw moves wages: other coefficients and costs, so the transfer
    stage's own basis is no longer dual feasible; it starts from the soft stage's new
    optimum by the primal simplex, reaches the reference optima, and is back on the
    dual simplex for the next bounds-only re-solve."""
    solver = FastSolver()
    inputs = build_inputs(default_scenario)
    solver.solve(formulate(inputs).lp, inputs.stage_tolerance)
    stage_set = next(iter(solver._sets.values()))
    assert stage_set.dual_feasible == [True, True, True]
    wages = default_scenario.with_overrides({"wages.average_wage_yuan.2007": 0.97 * default_scenario.params[
        "wages.average_wage_yuan.2007"]})
    other = build_inputs(wages)
    lp = formulate(other).lp
    stage_set.update(describe(lp, like=solver._last), solver.stats)
    assert stage_set.dual_feasible == [False, False, False]
    got = solver.solve(lp, other.stage_tolerance)
    ref = solve_lexicographic(lp, "highs", tolerance=other.stage_tolerance)
    assert_same_optimum(lp, other.stage_tolerance, ref, got)
    assert stage_set.dual_feasible == [True, True, True]
    assert [h.getOptionValue("simplex_strategy")[1] for h in stage_set.highs] == [1, 1, 1]


def test_fast_path_reaches_the_reference_optimum_on_the_community_scenario():
    """The shipped 1,380-community scenario too (left out of the city-level list above
    for time: its PuLP reference takes about 10 s): the three stage optima, the hard
    and soft ceiling duals, and each district's own money."""
    test_fast_path_reaches_the_reference_optimum(SCENARIOS / "tianjin-2006-communities.toml")
