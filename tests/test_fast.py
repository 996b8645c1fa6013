"""The matrix-form HiGHS path (every solve of the product) against the PuLP + CBC reference.

Both read one :class:`LinearProgram`. What must hold, and is checked: the same
optimum of every stage within 1e-7 relative; the fast path's allocation is feasible
for the reference LP and reaches each stage's optimum in it; and, the tie-break stage
making the optimum unique, the same allocation (within a yuan) cold, warm, in a
batch and through CBC. The ceiling's duals (CBC reports none) are checked against a
cold solve and against re-solving (``tests/test_invariants.py``).
"""

from __future__ import annotations

import numpy as np
import pytest

from model import load_scenario
from model.batch.records import record_columns, summarise
from model.constants import Requirement, Stage
from model.errors import SolveError
from model.formulation import formulate
from model.formulation.inputs import build_inputs
from model.pipeline import solve
from model.results import make_result
from model.solve.arrays import describe
from model.solve.fast import FastSolver
from model.solve.reference import solve_reference

from .conftest import FIXTURES, SCENARIOS

CITY_SCENARIOS = [p for p in sorted(SCENARIOS.glob("*.toml")) if "communities" not in p.name]
HAND = [FIXTURES / "hand" / n for n in ("hand.toml", "hand-tight.toml", "hand-communities.toml")]
ALLOCATION = ["own_yuan", "transfer_yuan", "closed_yuan"]


def assert_same_optimum(lp, ref, got, rel=1e-7):
    """Every stage's optimum within ``rel`` (absolute 1e-3 near zero), and ``got`` feasible
    for the reference LP and optimal at each stage of it."""
    for stage in ref.objectives:
        assert got.objectives[stage] == pytest.approx(ref.objectives[stage], rel=rel, abs=1e-3), stage
    a = lp.matrix()
    col_lo, col_up, row_lo, row_up = lp.bounds()
    ax = a @ got.x
    # Within 1e-6 of the size of each row's terms, and 5 fen (HiGHS's tolerances
    # apply to the scaled model: a fraction of a yuan on a row near zero).
    slack = 0.05 + 1e-6 * (abs(a) @ np.abs(got.x))
    assert (row_lo - ax <= slack).all() and (ax - row_up <= slack).all()
    assert (got.x >= col_lo - 1e-6).all() and (got.x <= col_up + 1e-6 * (1 + np.abs(col_up))).all()
    for stage in ref.objectives:
        value = float(lp.objective(stage) @ got.x)
        assert value == pytest.approx(ref.objectives[stage], rel=10 * rel, abs=1e-3), stage


def assert_same_allocation(a, b, yuan=1.0):
    """Two results' allocation tables (and their status quo's) agree within ``yuan``."""
    assert a.allocation[["district", "program", "year"]].equals(b.allocation[["district", "program", "year"]])
    assert np.abs(a.allocation[ALLOCATION].to_numpy() - b.allocation[ALLOCATION].to_numpy()).max() <= yuan
    if a.status_quo is not None and b.status_quo is not None:
        assert np.abs(a.status_quo.allocation[ALLOCATION].to_numpy()
                      - b.status_quo.allocation[ALLOCATION].to_numpy()).max() <= yuan


def ceiling_duals(lp, solution, stage):
    return solution.duals[stage][lp.rows_of("ceiling")]


@pytest.mark.parametrize("path", CITY_SCENARIOS + HAND, ids=lambda p: p.name)
def test_fast_path_reaches_the_cbc_optimum_and_allocation(path):
    scenario = load_scenario(path)
    inputs = build_inputs(scenario)
    form = formulate(inputs)
    ref = solve_reference(form.lp, inputs.stage_tolerance)
    got = FastSolver().solve(form.lp, inputs.stage_tolerance)
    assert list(got.objectives) == list(ref.objectives) == list(Stage)
    assert_same_optimum(form.lp, ref, got)
    assert_same_allocation(solve(scenario, "highs"), solve(scenario, "cbc"))


def test_fast_path_reaches_the_cbc_optimum_on_the_community_scenario():
    """The shipped 1,380-community scenario too (its CBC reference takes about 10 s)."""
    test_fast_path_reaches_the_cbc_optimum_and_allocation(SCENARIOS / "tianjin-2006-communities.toml")


def test_a_cold_solve_is_the_same_every_time_and_its_duals_are_the_warm_ones(default_scenario):
    inputs = build_inputs(default_scenario)
    lp = formulate(inputs).lp
    first, second = FastSolver().solve(lp, inputs.stage_tolerance), FastSolver().solve(lp, inputs.stage_tolerance)
    assert np.array_equal(first.x, second.x)
    for stage in Stage:
        assert np.array_equal(first.duals[stage], second.duals[stage])
    warm = FastSolver()
    warm.solve(formulate(inputs.with_ceiling(inputs.ceiling * 0.9)).lp, inputs.stage_tolerance)
    again = warm.solve(lp, inputs.stage_tolerance)
    for stage in (Stage.HARD, Stage.SOFT):
        assert ceiling_duals(lp, again, stage) == pytest.approx(ceiling_duals(lp, first, stage), rel=1e-6, abs=1e-12)


def test_fast_result_is_the_hand_derived_allocation():
    result = solve(load_scenario(FIXTURES / "hand" / "hand.toml"))
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


@pytest.mark.parametrize("seed", range(5))
def test_fast_path_matches_cbc_on_random_scenarios(default_scenario, seed):
    rng = np.random.default_rng(seed)
    solver = FastSolver()  # one solver for all: warm starts across differing structures
    for _ in range(2):
        scenario = default_scenario.with_overrides(random_overrides(rng, default_scenario))
        inputs = build_inputs(scenario)
        form = formulate(inputs)
        ref = solve_reference(form.lp, inputs.stage_tolerance)
        got = solver.solve(form.lp, inputs.stage_tolerance)
        assert_same_optimum(form.lp, ref, got)
        # The tie-break stage leaves one optimum: warm and cold give the same allocation ...
        assert np.array_equal(FastSolver().solve(form.lp, inputs.stage_tolerance).x, got.x)
        # ... and so does CBC, to what its precision allows: the stage optima agree to 1e-8
        # (CBC's solution file has 8 digits), which the later stages may carry into cells
        # at up to 1e-6 of the money at stake (the shipped scenarios: within a yuan, above).
        at_stake = inputs.ceiling.sum() + inputs.capacity.sum()
        for cols in (form.closed, form.transfer):
            assert np.abs(got.x[cols] - ref.x[cols]).max() <= max(1.0, 1e-6 * at_stake)


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


def test_the_hard_stage_is_skipped_only_when_it_is_zero(default_scenario):
    """Feasible: the soft stage with no missing money proves the hard optimum zero, with
    all-zero duals, and no hard-stage instance is made. Unmet: the hard stage is solved
    (its optimum is CBC's), and the structure tries the skip again once it is zero."""
    inputs = build_inputs(default_scenario)
    solver = FastSolver()
    got = solver.solve(formulate(inputs).lp, inputs.stage_tolerance)
    stage_set = next(iter(solver._sets.values()))
    assert solver.stats["hard_stages_skipped"] == 1 and got.objectives[Stage.HARD] == 0.0
    assert not got.duals[Stage.HARD].any() and [k for k, _ in stage_set.made()] == [1, 2, 3]
    tight = formulate(inputs.with_ceiling(inputs.ceiling * 0.2)).lp
    got = solver.solve(tight, inputs.stage_tolerance)
    ref = solve_reference(tight, inputs.stage_tolerance)
    assert got.objectives[Stage.HARD] > 1e6
    assert_same_optimum(tight, ref, got)
    assert solver.stats["hard_stages_skipped"] == 1 and not stage_set.skip_hard
    solver.solve(formulate(inputs.with_ceiling(inputs.ceiling * 1.5)).lp, inputs.stage_tolerance)
    assert stage_set.skip_hard  # the hard stage ran, found zero: skip from the next solve on
    solver.solve(formulate(inputs).lp, inputs.stage_tolerance)
    assert solver.stats["hard_stages_skipped"] == 2


def test_later_stages_start_from_the_one_before_then_warm_runs_use_the_dual_simplex(default_scenario):
    """The soft stage's first run has no basis (from scratch, presolved); the transfer
    and tie-break stages start from the optimum of the stage before with the primal
    simplex, which needs few pivots on that face; afterwards every instance is back to
    the dual simplex for re-solves after bounds moved, and re-solves reach CBC's optima."""
    inputs = build_inputs(default_scenario)
    lp = formulate(inputs).lp
    solver = FastSolver(reuse_vertices=False)
    solver.solve(lp, inputs.stage_tolerance)
    stage_set = next(iter(solver._sets.values()))
    soft, transfers, tie = (stage_set.highs(k) for k in (1, 2, 3))
    assert 10 * transfers.getInfo().simplex_iteration_count < soft.getInfo().simplex_iteration_count
    assert [h.getOptionValue("simplex_strategy")[1] for _, h in stage_set.made()] == [1, 1, 1]  # dual
    changed = formulate(inputs.with_ceiling(inputs.ceiling * 0.8))
    warm = solver.solve(changed.lp, inputs.stage_tolerance)
    assert_same_optimum(changed.lp, solve_reference(changed.lp, inputs.stage_tolerance), warm)
    assert tie.getInfo().simplex_iteration_count >= 0


@pytest.mark.parametrize("path", [SCENARIOS / "tianjin-2006.toml", SCENARIOS / "tianjin-2006-tight-ceiling.toml",
                                  FIXTURES / "hand" / "hand-communities.toml"], ids=lambda p: p.name)
def test_batch_record_equals_the_full_result(path):
    """The light record of a batch point carries the figures of the full Result."""
    scenario = load_scenario(path)
    inputs = build_inputs(scenario)
    form = formulate(inputs)
    solution = FastSolver().solve(form.lp, inputs.stage_tolerance)
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


def test_solve_is_the_matrix_path_and_cbc_is_the_reference(default_result, default_scenario):
    assert default_result.provenance["solver_version"].startswith("highspy")
    assert "matrix form" in default_result.provenance["solver_version"]
    cbc = solve(default_scenario, "cbc", status_quo=False)
    assert cbc.provenance["solver_version"].startswith("cbc ")
    # CBC reports no duals: no shadow prices rather than wrong ones.
    assert cbc.money.shadow_price_points_per_yuan.isna().all()


# --- stages, run status, warm what-if solves ---------------------------------------------
def test_first_stages_only_match_the_reference(default_scenario):
    inputs = build_inputs(default_scenario)
    lp = formulate(inputs).lp
    solver = FastSolver()
    for stages in (1, 2, 3, 4, 1):
        ref = solve_reference(lp, inputs.stage_tolerance, stages=stages)
        got = solver.solve(lp, inputs.stage_tolerance, stages=stages)
        assert list(got.objectives) == list(ref.objectives) == list(Stage)[:stages]
        for stage, value in ref.objectives.items():
            assert got.objectives[stage] == pytest.approx(value, rel=1e-7, abs=1e-3)


def test_a_failed_run_is_never_read_as_optimal(default_scenario):
    """A HiGHS run that fails leaves the previous optimal status in place: it must raise."""
    inputs = build_inputs(default_scenario)
    lp = formulate(inputs.with_ceiling(inputs.ceiling * 0.1)).lp  # hard targets unmet: every stage runs
    solver = FastSolver(reuse_vertices=False)  # run every stage (the same LP again would need no run)
    solver.solve(lp, inputs.stage_tolerance)
    for _, highs in next(iter(solver._sets.values())).made():
        # HiGHS keeps one thread pool per process; a run asking for another size fails.
        highs.setOptionValue("threads", 97)
    with pytest.raises(SolveError, match="stage 1"):
        solver.solve(lp, inputs.stage_tolerance)


def test_warm_what_if_solves_reach_the_reference_optima(default_scenario):
    """One resolver through other ceilings, a scaled requirement, money added and a
    changed objective: every stage optimum is the reference's."""
    from model.analysis.whatif import add_money, scale_requirement, unmet_columns, with_ceiling
    from model.solve.resolver import Resolver

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
             (with_ceiling(lp, inputs.ceiling * 0.1), 1), (alone, 1), (lp, 4)]
    resolver = Resolver("highs")
    for edited, stages in edits:
        ref = solve_reference(edited, inputs.stage_tolerance, stages=stages)
        got = resolver.solve(edited, stages, inputs.stage_tolerance)
        for stage, value in ref.objectives.items():
            assert got.objectives[stage] == pytest.approx(value, rel=1e-7, abs=1e-3), (stage, stages)
    # With top-ups, stage 2 minimises them (1 per yuan) less the points (~1e-5 per yuan):
    # the least top-up is what diagnosis reports.
    ref = solve_reference(extra, inputs.stage_tolerance, stages=2)
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
    factors = np.concatenate([np.linspace(0.8, 1.2, 50), np.linspace(1.2, 0.8, 17)])  # hard targets unmet below 1
    inputs, lps = _ceiling_lps(default_scenario, factors)
    solver = FastSolver()
    for lp in lps:
        skipped = solver.stats["hard_stages_skipped"]
        got = solver.solve(lp, inputs.stage_tolerance)
        skipped = solver.stats["hard_stages_skipped"] > skipped  # then the hard instance holds an older LP's
        arrays = describe(lp)
        m = arrays.pattern.m
        for k, highs in next(iter(solver._sets.values())).made():
            if k == 0 and skipped:
                continue
            highs.run()
            assert highs.getInfo().simplex_iteration_count == 0
            solution = highs.getSolution()
            assert arrays.scales[k] * np.asarray(solution.row_dual)[:m] == pytest.approx(
                got.duals[list(Stage)[k]], rel=1e-9, abs=1e-15)
        assert got.x == pytest.approx(np.asarray(solution.col_value), rel=1e-7, abs=1e-3)
    assert solver.stats["stage_runs_avoided"] >= 30  # the shortcut was exercised


def test_kept_bases_give_the_cold_optima_and_are_tested_not_assumed(default_scenario):
    factors = [1.0, 1.01, 1.02, 0.3, 1.9, 1.91, 1.0]
    inputs, lps = _ceiling_lps(default_scenario, factors)
    solver = FastSolver()
    for lp in lps:
        cold = FastSolver().solve(lp, inputs.stage_tolerance)
        got = solver.solve(lp, inputs.stage_tolerance)
        assert_same_optimum(lp, cold, got)
        assert np.abs(got.x - cold.x).max() <= 1.0  # the same allocation: one optimum
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
    assert solver.stats["stage_runs"] == before["stage_runs"] + 3  # the soft, transfer and tie-break stages
    ref = solve_reference(formulate(other).lp, other.stage_tolerance)
    assert_same_optimum(formulate(other).lp, ref, got)


def test_later_stages_restart_from_the_one_before_when_coefficients_move(default_scenario):
    """A Monte Carlo draw moves wages: other coefficients and costs, so the later stages'
    own bases are no longer dual feasible; each starts from the new optimum of the stage
    before by the primal simplex, reaches the reference optima, and is back on the dual
    simplex for the next bounds-only re-solve."""
    solver = FastSolver()
    inputs = build_inputs(default_scenario)
    solver.solve(formulate(inputs).lp, inputs.stage_tolerance)
    stage_set = next(iter(solver._sets.values()))
    assert stage_set.dual_feasible[1:] == [True, True, True]
    wages = default_scenario.with_overrides({"wages.average_wage_yuan.2007": 0.97 * default_scenario.params[
        "wages.average_wage_yuan.2007"]})
    other = build_inputs(wages)
    lp = formulate(other).lp
    stage_set.update(describe(lp, like=solver._last), solver.stats)
    assert stage_set.dual_feasible == [False] * 4
    got = solver.solve(lp, other.stage_tolerance)
    assert_same_optimum(lp, solve_reference(lp, other.stage_tolerance), got)
    assert stage_set.dual_feasible[1:] == [True, True, True]
    assert [h.getOptionValue("simplex_strategy")[1] for _, h in stage_set.made()] == [1, 1, 1]
