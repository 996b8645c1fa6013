"""The whole pipeline in one place: scenario -> inputs -> LP -> lexicographic solve -> result.

A scenario is validated when it is loaded (:func:`model.load_scenario`), so by the
time it reaches :func:`solve` every value has been checked. Every solve of the
product -- the CLI, the app, the analyses, the Python API -- comes through here or
through the same :class:`~model.solve.resolver.Resolver`: HiGHS in matrix form by
default, the PuLP + CBC reference with ``solver="cbc"``.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from .constants import DECOMPOSE_FROM, Method, Rule, SolverName
from .errors import SolveError
from .formulation.build import formulate
from .formulation.districts import district_inputs
from .formulation.objectives import implied_equity
from .formulation.inputs import ModelInputs, build_inputs
from .results.result import Result
from .results.tables import as_baseline, make_result
from .scenario.scenario import Scenario, load_scenario_texts
from .solve.certificate import as_summary
from .solve.certificate import certify as certify_stages
from .solve.decomposed import DecomposedSolver
from .solve.reference import write_lp as write_lp_file
from .solve.resolver import Resolver, resolver
from .solve.stages import STAGES, LPSolution

Solver = SolverName | str | Resolver


def solve(scenario: Scenario, solver: Solver = SolverName.HIGHS, write_lp: str | Path | None = None,
          status_quo: bool = True, method: Method | str = Method.AUTO, runner=None, certify: bool = False) -> Result:
    """Allocate the city's transfers for ``scenario``.

    Parameters
    ----------
    scenario : Scenario
        A loaded (hence validated) scenario.
    solver : "highs" (default), "cbc" or a Resolver
        "highs": the matrix-form HiGHS path, from scratch, so the same scenario always
        gives the same figures; "cbc": the PuLP + CBC reference (no shadow prices). A
        :class:`~model.solve.resolver.Resolver` warm-starts from what it solved before
        (the allocation is the same: the tie-break stage makes it unique).
    write_lp : path, optional
        Also write the final-stage LP to this file.
    status_quo : bool
        Also solve the no-transfer baseline and attach it as ``result.status_quo``.
    method : "auto" (default), "monolithic" or "decomposed"
        The whole LP per stage, or the same stages decomposed by district
        (:mod:`model.solve.decomposed`; same optima, for tens of thousands of
        communities). "auto" decomposes a HiGHS solve from ``DECOMPOSE_FROM`` units on
        when the scenario has no equity term (:func:`choose_method`).
    runner : optional
        Where a decomposed solve runs the districts' LPs (default: this process; a
        Dask runner from :mod:`model.batch.parallel`).
    certify : bool
        Also prove each stage's optimum without trusting the solver
        (:mod:`model.solve.certificate`): ``result.certificate`` and ``summary.json`` then
        hold each stage's Lagrangian bound and gap. HiGHS only (CBC gives no duals).

    Returns
    -------
    Result
        Status ``optimal`` or ``hard_targets_unmet`` (with the missing money);
        both are answers. Solver failures raise :class:`~model.errors.SolveError`.
    """
    engine = resolver(solver)
    inputs = build_inputs(scenario)
    if choose_method(inputs, solver, method) == Method.DECOMPOSED:
        engine = Decomposed(runner)
    if not status_quo:
        return solve_inputs(scenario, inputs, engine, write_lp=write_lp, certify=certify)
    # The baseline shares nothing with the scenario's solve (its own solvers, district
    # by district): both run side by side, HiGHS releasing the interpreter while it works.
    with ThreadPoolExecutor(max_workers=1) as pool:
        baseline = pool.submit(solve_status_quo, scenario, inputs, getattr(engine, "name", SolverName.HIGHS))
        result = solve_inputs(scenario, inputs, engine, write_lp=write_lp, certify=certify)
        result.status_quo = baseline.result()
    return result


def solve_inputs(scenario: Scenario, inputs: ModelInputs, solver: Solver = SolverName.HIGHS,
                 write_lp: str | Path | None = None, certify: bool = False) -> Result:
    """The result of ``scenario`` for prepared (possibly edited) ``inputs`` (``certify``: see :func:`solve`)."""
    form = formulate(inputs)
    if isinstance(solver, Decomposed):
        solution = solver.solve(form, tolerance=inputs.stage_tolerance)
    else:
        solution = resolver(solver).solve(form.lp, tolerance=inputs.stage_tolerance)
    if write_lp:
        write_lp_file(form.lp, solution, Path(write_lp), inputs.stage_tolerance)
    result = make_result(scenario, inputs, form, solution)
    if certify:
        started = time.perf_counter()
        certificates = certify_stages(form, solution)
        result.certificate = as_summary(certificates, time.perf_counter() - started)
    return result


class Decomposed:
    """The decomposed solve as an engine of :func:`solve_inputs` (districts' LPs on ``runner``)."""

    name = SolverName.HIGHS

    def __init__(self, runner=None, threads: int | None = None):
        self.runner = runner
        self.threads = threads  # threads for the districts' LPs in this process (None: its cores)
        self.stats: dict[str, int] = {}

    def solve(self, form, tolerance: float) -> LPSolution:
        solver = DecomposedSolver(self.runner, names=list(form.inputs.districts), threads=self.threads)
        solution = solver.solve(form.lp, form.column_districts(), tolerance=tolerance)
        self.stats = solver.stats
        return solution


def choose_method(inputs: ModelInputs, solver: Solver, method: Method | str) -> Method:
    """The method a solve uses: ``method`` itself, or for "auto" the decomposition when
    the LP is large (``DECOMPOSE_FROM`` units or more), HiGHS is asked for (not CBC, not
    a warm :class:`Resolver`) and no equity term ties the districts together.
    An explicit "decomposed" that cannot be honoured is an error, never a silent switch."""
    method = Method(method)
    decomposable = inputs.equity_weight == 0 and not isinstance(solver, Resolver) and \
        SolverName(solver) == SolverName.HIGHS
    if method == Method.DECOMPOSED and not decomposable:
        raise SolveError("the decomposed solve needs HiGHS and a scenario without the equity term "
                         "(weights.equity = 0): the equity column ties every district together")
    if method == Method.AUTO:
        return Method.DECOMPOSED if decomposable and len(inputs.units) >= DECOMPOSE_FROM else Method.MONOLITHIC
    return method


def solve_status_quo(scenario: Scenario, inputs: ModelInputs, solver: Solver = SolverName.HIGHS) -> Result:
    """The scenario with no city transfers at all (the first of the rule-based baselines).

    Without transfers nothing links the districts: each spends its own budget on its
    own committees by the same lexicographic rules, so the baseline is each district's
    own optimum, solved district by district (an LP of one district's units each: on
    1,380 communities 18 small solves instead of one large one). The city-wide LP
    with every ceiling at zero has the same optima; solved whole, its first stage
    would pool the missing money of all districts in one fixed total.
    """
    no_transfers = inputs.with_ceiling(np.zeros_like(inputs.ceiling))
    form = formulate(no_transfers)
    x = np.zeros(form.lp.n_cols)
    unmet = {block.requirement: block.columns_by_key() for block in form.unmet_blocks}
    seconds = 0.0
    for d in range(len(inputs.districts)):
        alone, units = district_inputs(no_transfers, d)
        part = formulate(alone)
        # A district that misses hard targets spends its budget on them: its soft stage
        # starts from its hard stage's optimum (see FastSolver's soft_from_hard).
        solution = Resolver(resolver(solver).name, soft_from_hard=True).solve(part.lp, tolerance=inputs.stage_tolerance)
        seconds += solution.seconds
        x[form.closed[units]] = solution.x[part.closed]
        for block in part.unmet_blocks:  # the same requirement's columns, by (unit, year)
            columns = unmet[block.requirement]
            x[[columns[(units[u], t)] for u, t in zip(block.units.tolist(), block.years.tolist())]] = \
                solution.x[block.columns]
    if form.equity is not None:
        x[form.equity] = implied_equity(form, x)
    objectives = {stage: float(form.lp.objective(stage) @ x) for stage in STAGES}
    combined = LPSolution(x=x, objectives=objectives, duals={s: np.full(form.lp.n_rows, np.nan) for s in STAGES},
                          solver=solution.solver, solver_version=solution.solver_version, seconds=seconds)
    grant = np.zeros((len(inputs.districts), len(inputs.years)))
    return as_baseline(make_result(scenario, no_transfers, form, combined), Rule.STATUS_QUO, inputs, grant)


def solve_texts(name: str, files: dict[str, str], overrides=(), solver: Solver = SolverName.HIGHS) -> Result:
    """Load a scenario from file texts (as the app holds them) and solve it."""
    return solve(load_scenario_texts(name, lambda n: files[n], overrides, origin="app"), solver=solver)
