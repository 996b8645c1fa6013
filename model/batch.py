"""Batch runs at speed: sweeps and Monte Carlo on the matrix-form solver.

A batch is a numbered list of points (grid points of a sweep, draws of a Monte
Carlo run), each a set of numbers to put into one base scenario. Points are cut
into **chunks of fixed size** (``chunk_size``, independent of the number of
workers). Each chunk is solved by one :class:`_Engine` -- a :class:`PointMaker`
and a :class:`~model.fast.FastSolver` -- that starts the chunk from the base
scenario's optimal bases and then warm-starts each point from the one before. A
point's numbers therefore depend only on the batch and the chunk size, never on
how many processes or Dask workers ran the chunks, nor in which order: ``--jobs
1``, ``--jobs 2`` and a Dask cluster write identical files.

Each point gives a light **record** (:func:`record_columns`): whether every hard
target is met, missing money, soft points, transfers (total and by year),
city-wide compliance per program and year, and the shadow prices of the ceiling
per year -- the same figures :func:`~model.results.make_result` computes, without
building DataFrames. Chunks run serially, on local processes
(``concurrent.futures`` with the ``spawn`` start method: HiGHS's threads do not
survive ``fork``), or as tasks of a Dask cluster; results stream back as chunks
finish and are handed on in point order, with at most a few chunks held in memory.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import os
import pickle
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import numpy as np

from .constants import DEFAULT_CHUNK, PROGRAMS, Stage
from .errors import Problem, ScenarioError
from .fast import FastSolver
from .formulation import Formulation, formulate
from .formulation import with_money_limits as formulation_with_money_limits
from .inputs import MONEY_LIMIT_COLUMNS, MONEY_LIMIT_PARAMS, ModelInputs, build_inputs
from .inputs import with_money_limits as inputs_with_money_limits
from .points import PointMaker, Target, resolve
from .results import UNMET_TOLERANCE_YUAN, ComplianceCounter, Result, make_result, prices_of_duals
from .scenario import Scenario
from .solvers import LPSolution


Progress = Callable[[int], None]


# --- one point's record -------------------------------------------------------------
def record_columns(years: list[int]) -> list[str]:
    """Names of a point's record, in order (money in yuan, shares as fractions)."""
    columns = ["hard_targets_met", "missing_yuan", "soft_points", "transfers_yuan"]
    columns += [f"transfers_yuan_{y}" for y in years]
    columns += [f"compliance_{p.value}_{y}" for p in PROGRAMS for y in years]
    columns += [f"shadow_price_ceiling_{y}" for y in years]  # soft points per yuan
    columns += [f"shadow_price_ceiling_hard_{y}" for y in years]  # missing yuan per yuan
    return columns


def summarise(inputs: ModelInputs, form: Formulation, solution: LPSolution,
              counter: ComplianceCounter | None = None) -> np.ndarray:
    """The record of one solve (see :func:`record_columns`), as ``make_result`` computes it.

    ``counter``: a :class:`~model.results.ComplianceCounter` of ``inputs`` (or of
    inputs that differ only in money limits), to reuse across a batch's points.
    """
    return _Solved(form, counter or ComplianceCounter(inputs)).add(solution).records()[0]


class _Solved:
    """Solutions of LPs with the same columns and rows (a batch's points that differ only in
    money limits), kept to compute their records together: each step of :func:`summarise`
    is then one array operation for all of them, not one per point."""

    def __init__(self, form: Formulation, counter: ComplianceCounter):
        self.form, self.counter = form, counter
        self.ceiling_rows = form.lp.rows_of("ceiling")  # the rows whose duals price the ceiling
        self.x: list[np.ndarray] = []
        self.soft_points: list[float] = []
        self.soft_duals: list[np.ndarray] = []  # of the ceiling rows
        self.hard_duals: list[np.ndarray] = []

    def add(self, solution: LPSolution) -> _Solved:
        rows = self.ceiling_rows
        self.x.append(solution.x)
        self.soft_points.append(-solution.objectives[Stage.SOFT])
        self.soft_duals.append(solution.duals[Stage.SOFT][rows])
        self.hard_duals.append(solution.duals[Stage.HARD][rows])
        return self

    def records(self) -> np.ndarray:
        """One record per solution, in the order added (N, record)."""
        form = self.form
        x = np.stack(self.x)
        x = np.where(np.abs(x) < 1e-6, 0.0, x)  # solver round-off, as in make_result
        closed = x[:, form.closed]  # money closed (N, U, P, T)
        by_year = form.transfers_spent(x, closed).sum(axis=-2)  # (N, T): over districts
        missing = np.array([float(u[u > UNMET_TOLERANCE_YUAN].sum()) for u in x[:, form.unmet_columns]])
        shares = self.counter.city_shares(closed)  # (N, program, year)
        soft, hard = prices_of_duals(np.stack(self.soft_duals), np.stack(self.hard_duals))
        return np.column_stack([
            np.where(missing <= UNMET_TOLERANCE_YUAN, 1.0, 0.0), missing, self.soft_points, by_year.sum(axis=1),
            by_year, shares.reshape(len(x), -1), soft, hard])


# --- solving points -------------------------------------------------------------------
def solve_fast(scenario: Scenario, solver: FastSolver | None = None, status_quo: bool = False) -> Result:
    """Like :func:`model.solve`, through the matrix-form solver (a :class:`Result`).

    Pass the same ``solver`` for a series of related scenarios to warm-start each
    from the last.
    """
    solver = solver or FastSolver()
    inputs = build_inputs(scenario)
    form = formulate(inputs)
    solution = solver.solve(form.lp, inputs.stage_tolerance)
    baseline = None
    if status_quo:
        no_transfers = inputs.with_ceiling(np.zeros_like(inputs.ceiling), total_ceiling=0.0)
        sq_form = formulate(no_transfers)
        baseline = make_result(scenario, no_transfers, sq_form,
                               solver.solve(sq_form.lp, no_transfers.stage_tolerance))
    return make_result(scenario, inputs, form, solution, status_quo=baseline)


@dataclass
class Batch:
    """Points to solve: ``points`` numbered 0..n-1, each a {target key: value} mapping.

    Subclasses (:class:`Sweep`, :class:`MonteCarlo`) say what the points are; this
    class holds what every worker needs, and is pickled to workers whole.
    """

    scenario: Scenario
    targets: list[Target]
    origin: str
    first_solver: str = "simplex"

    @property
    def size(self) -> int:
        raise NotImplementedError

    def point(self, index: int) -> tuple[dict[str, float], list[float]]:
        """Point ``index``: the values to set, and the numbers that lead its output row."""
        raise NotImplementedError

    def point_columns(self) -> list[str]:
        """Names of the numbers that lead each output row (see :meth:`point`)."""
        raise NotImplementedError

    def label(self, index: int) -> str:
        return f"point {index}"

    def key(self) -> str:
        """Identifies the batch (a worker keeps one engine per key)."""
        return hashlib.sha256(pickle.dumps(self)).hexdigest()

    def columns(self) -> list[str]:
        """Every column of an output row: the point's numbers, then its record."""
        return self.point_columns() + record_columns(self.scenario.years)


def moves_only_money_limits(target: Target) -> bool:
    """Whether a batch target sets only how much money there is (a ceiling, a
    district's capacity...), which the LP holds as row bounds (see
    :func:`model.inputs.with_money_limits`)."""
    if target.param is not None:
        return target.param.key in MONEY_LIMIT_PARAMS
    return target.column.name in MONEY_LIMIT_COLUMNS


class _Engine:
    """What a worker keeps between chunks of one batch.

    A batch whose targets all move only money limits (a ceiling sweep, capacities)
    builds its points' LPs from the base scenario's by recomputing those rows'
    bounds (:func:`model.formulation.with_money_limits`), which the solver passes
    on as bounds alone; any other batch builds each point's inputs and LP afresh.
    """

    def __init__(self, batch: Batch):
        self.batch = batch
        self.maker = PointMaker(batch.scenario, batch.targets, batch.origin)
        self.solver = FastSolver(first_solver=batch.first_solver)
        self.inputs = build_inputs(batch.scenario)
        self.form = formulate(self.inputs)
        self.limits_only = all(moves_only_money_limits(t) for t in batch.targets)
        self.counter = ComplianceCounter(self.inputs)  # compliance reads no money limit
        self.solver.solve(self.form.lp, self.inputs.stage_tolerance)
        self.solver.keep_bases()  # every chunk starts from the base scenario's bases

    def formulate(self, scenario: Scenario) -> tuple[Formulation, ComplianceCounter | None, bool]:
        """The point's LP (with its inputs), by the shortcut when the batch allows it,
        the base's compliance counter if it applies to the point, and whether the LP
        is the base's with other bounds (the same columns and rows)."""
        if self.limits_only:
            inputs = inputs_with_money_limits(self.inputs, scenario, base=self.batch.scenario)
            form = formulation_with_money_limits(self.form, inputs)
            if form is not None:
                return form, self.counter, True
        # Another structure (a horizon total set where the base has none), or other keys.
        return formulate(build_inputs(scenario)), self.counter if self.limits_only else None, False

    def run(self, start: int, stop: int) -> np.ndarray:
        self.solver.reset()
        out = np.empty((stop - start, len(self.batch.columns())))
        shortcut, at = _Solved(self.form, self.counter), []  # points of the base's LP: recorded together
        for i in range(start, stop):
            values, lead = self.batch.point(i)
            point = self.maker.scenario(values, functools.partial(self.batch.label, i))  # labelled if invalid
            form, counter, base_lp = self.formulate(point)
            solution = self.solver.solve(form.lp, form.inputs.stage_tolerance)
            out[i - start, :len(lead)] = lead
            if base_lp:
                shortcut.add(solution)
                at.append(i - start)
            else:
                out[i - start, len(lead):] = summarise(form.inputs, form, solution, counter)
        if at:
            out[at, len(lead):] = shortcut.records()
        return out


_ENGINES: dict[str, _Engine] = {}


def run_chunk(batch: Batch, start: int, stop: int, key: str | None = None) -> tuple[int, np.ndarray]:
    """Solve points ``start..stop-1`` of ``batch`` (in a worker, or here)."""
    key = key or batch.key()
    engine = _ENGINES.get(key)
    if engine is None:
        _ENGINES.clear()  # one batch at a time per worker
        engine = _ENGINES[key] = _Engine(batch)
    return start, engine.run(start, stop)


_INSTALLED: dict[str, Batch] = {}


def _install(batch: Batch, key: str) -> None:
    """Worker start-up: keep the batch, so that chunks are sent as index ranges only."""
    _INSTALLED.clear()
    _INSTALLED[key] = batch


def _run_installed(start: int, stop: int, key: str) -> tuple[int, np.ndarray]:
    """Solve a chunk of the batch this worker was started with (see :func:`_install`)."""
    return run_chunk(_INSTALLED[key], start, stop, key)


def default_jobs() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def run_batch(batch: Batch, jobs: int | None = None, dask: str | None = None, chunk_size: int = DEFAULT_CHUNK,
              progress: Progress | None = None) -> Iterator[tuple[int, np.ndarray]]:
    """Solve every point of ``batch``; yields ``(first index, records)`` per chunk, in order.

    Parameters
    ----------
    jobs : int, optional
        Local worker processes (default: all cores; 1 runs here, in this process).
    dask : str, optional
        Address of a running Dask scheduler (``tcp://host:8786``); chunks become its tasks.
    chunk_size : int
        Points per chunk. Results depend on it (each chunk warm-starts its points in
        turn from the base scenario), never on ``jobs`` or ``dask``.
    progress : callable, optional
        Called with the number of points just finished, as chunks complete.
    """
    if chunk_size < 1:
        raise ValueError("chunk_size must be at least 1")
    chunks = [(s, min(s + chunk_size, batch.size)) for s in range(0, batch.size, chunk_size)]
    key = batch.key()
    if dask:
        results = _run_dask(batch, chunks, key, dask)
    elif (jobs or default_jobs()) <= 1 or len(chunks) <= 1:
        results = (run_chunk(batch, s, e, key) for s, e in chunks)
    else:
        results = _run_processes(batch, chunks, key, jobs or default_jobs())
    yield from _in_order(results, progress)


def _in_order(results: Iterator[tuple[int, np.ndarray]], progress: Progress | None
              ) -> Iterator[tuple[int, np.ndarray]]:
    """Hand on chunks in index order as they arrive (out-of-order ones wait)."""
    waiting: dict[int, np.ndarray] = {}
    expected = 0
    for start, block in results:
        if progress is not None:
            progress(len(block))
        waiting[start] = block
        while expected in waiting:
            block = waiting.pop(expected)
            yield expected, block
            expected += len(block)


def _run_processes(batch: Batch, chunks: list[tuple[int, int]], key: str, jobs: int
                   ) -> Iterator[tuple[int, np.ndarray]]:
    import multiprocessing
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

    window = 3 * jobs  # chunks in flight: bounds what waits in memory for its turn
    pending = iter(chunks)
    # The batch goes to each worker once, at its start; chunks are sent as index ranges.
    with ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("spawn"),
                             initializer=_install, initargs=(batch, key)) as pool:
        running = {pool.submit(_run_installed, s, e, key) for s, e in itertools.islice(pending, window)}
        try:
            while running:
                done, running = wait(running, return_when=FIRST_COMPLETED)
                for future in sorted(done, key=lambda f: f.result()[0]):
                    yield future.result()
                for s, e in itertools.islice(pending, len(done)):
                    running.add(pool.submit(_run_installed, s, e, key))
        finally:
            for future in running:
                future.cancel()


def _run_dask(batch: Batch, chunks: list[tuple[int, int]], key: str, address: str
              ) -> Iterator[tuple[int, np.ndarray]]:
    from dask.distributed import Client, as_completed

    with Client(address, timeout="30s") as client:
        shared = client.scatter(batch, broadcast=True)
        window = 3 * max(1, len(client.scheduler_info().get("workers", {})))
        pending = iter(chunks)
        futures = [client.submit(run_chunk, shared, s, e, key, pure=False)
                   for s, e in itertools.islice(pending, window)]
        flow = as_completed(futures)
        try:
            for future in flow:
                yield future.result()
                for s, e in itertools.islice(pending, 1):
                    flow.add(client.submit(run_chunk, shared, s, e, key, pure=False))
        finally:
            client.cancel(list(flow.futures)) if hasattr(flow, "futures") else None


# --- sweeps ---------------------------------------------------------------------------
#: ``--param ceiling=...``: the city ceiling over the whole horizon.
CEILING_ALIAS = "ceiling"


@dataclass
class Sweep(Batch):
    """A grid over numeric parameters (first parameter slowest), see :func:`make_sweep`."""

    names: list[str] = field(default_factory=list)  # as given (``ceiling`` or dotted keys)
    grids: list[np.ndarray] = field(default_factory=list)
    ceiling_profile: np.ndarray | None = None  # yearly ceilings of the base scenario

    @property
    def size(self) -> int:
        return int(np.prod([len(g) for g in self.grids])) if self.grids else 0

    def values(self, index: int) -> list[float]:
        position = []  # index -> grid positions, the last parameter fastest (np.unravel_index, in Python)
        for grid in reversed(self.grids):
            index, at = divmod(index, len(grid))
            position.append(at)
        return [float(g[p]) for g, p in zip(self.grids, reversed(position))]

    def point(self, index: int) -> tuple[dict[str, float], list[float]]:
        out: dict[str, float] = {}
        values = self.values(index)
        for name, value in zip(self.names, values):
            if name == CEILING_ALIAS:
                out.update(zip(self._ceiling_keys(), ceiling_by_year(self.ceiling_profile, value)))
            else:
                out[name] = value
        return out, values

    def point_columns(self) -> list[str]:
        return list(self.names)

    def label(self, index: int) -> str:
        return "(" + ", ".join(f"{n}={v:g}" for n, v in zip(self.names, self.values(index))) + ")"

    def _ceiling_keys(self) -> tuple[str, ...]:
        return _ceiling_keys(self.scenario.params["scenario.first_year"], self.scenario.params["scenario.last_year"])


@functools.cache
def _ceiling_keys(first: int, last: int) -> tuple[str, ...]:
    """The keys of each year's ceiling (made once: a sweep of the ceiling sets them at every point)."""
    return tuple(f"city.ceiling_yuan.{y}" for y in range(first, last + 1))


def ceiling_by_year(profile: np.ndarray, total: float) -> np.ndarray:
    """Yearly ceilings summing to ``total`` in the proportions of ``profile`` (even if all zero)."""
    profile = np.asarray(profile, dtype=float)
    profile_total = profile.sum()
    if profile_total <= 0:
        return np.full(profile.size, total / profile.size)
    return profile * (total / profile_total)


def parse_param(text: str) -> tuple[str, float, float, int] | Problem:
    """``KEY=START:STOP:N`` as (key, start, stop, n), or the problem with it."""
    key, sep, spec = text.partition("=")
    parts = spec.split(":")
    if not sep or not key.strip() or len(parts) != 3:
        return Problem("--param", text, "must be KEY=START:STOP:N, e.g. ceiling=1e8:4e8:31")
    try:
        start, stop = float(parts[0]), float(parts[1])
        n = int(parts[2])
    except ValueError:
        return Problem("--param", text, "START and STOP must be numbers and N a whole number")
    if n < 1 or not (np.isfinite(start) and np.isfinite(stop)):
        return Problem("--param", text, "needs finite START and STOP and N >= 1")
    return key.strip(), start, stop, n


def make_sweep(scenario: Scenario, params: list[str], first_solver: str = "simplex") -> Sweep:
    """A :class:`Sweep` from ``KEY=START:STOP:N`` texts; every point is checked first.

    Raises :class:`ScenarioError` naming ``--param``, the key and the rule broken
    (for the first points that break one).
    """
    problems: list[Problem] = []
    names, grids, targets = [], [], []
    for text in params:
        parsed = parse_param(text)
        if isinstance(parsed, Problem):
            problems.append(parsed)
            continue
        key, start, stop, n = parsed
        if key in names:
            problems.append(Problem("--param", key, "is given twice; give each key once"))
            continue
        if key == CEILING_ALIAS:
            found = [resolve(f"city.ceiling_yuan.{y}", scenario, "--param")[0][0] for y in scenario.years]
        else:
            found, key_problems = resolve(key, scenario, "--param", expand=False)
            problems += key_problems
        names.append(key)
        grids.append(np.linspace(start, stop, n))
        targets += found
    if not names and not problems:
        problems.append(Problem("--param", "", "give at least one --param KEY=START:STOP:N"))
    keys = [t.key for t in targets]
    for k in sorted({k for k in keys if keys.count(k) > 1}):
        problems.append(Problem("--param", k, "is set by two --param (ceiling sets every year's ceiling)"))
    if problems:
        raise ScenarioError(problems)
    profile = np.array([scenario.params[f"city.ceiling_yuan.{y}"] for y in scenario.years], dtype=float)
    sweep = Sweep(scenario=scenario, targets=targets, origin="--param", first_solver=first_solver,
                  names=names, grids=grids, ceiling_profile=profile)
    _check_points(sweep)
    return sweep


def _check_points(batch: Batch, limit: int = 10) -> None:
    maker = PointMaker(batch.scenario, batch.targets, batch.origin)
    problems: list[Problem] = []
    for i in range(batch.size):
        try:
            maker.scenario(batch.point(i)[0], batch.label(i))
        except ScenarioError as exc:
            problems += exc.problems
            if len(problems) >= limit:
                break
    if problems:
        raise ScenarioError(problems)


# --- Monte Carlo ------------------------------------------------------------------------
@dataclass
class MonteCarlo(Batch):
    """``draws`` draws of the scenario's ``[montecarlo]`` parameters with ``seed``."""

    draws: int = 0
    seed: int = 0
    base_values: dict[str, float] = field(default_factory=dict)

    @property
    def size(self) -> int:
        return self.draws

    def point(self, index: int) -> tuple[dict[str, float], list[float]]:
        values, clipped = self.scenario.montecarlo.draw(self.base_values, index, self.seed)
        return values, [float(index), float(clipped), *values.values()]

    def point_columns(self) -> list[str]:
        return ["draw", "clipped_values", *[t.key for t in self.targets]]

    def label(self, index: int) -> str:
        return f"draw {index}"


def make_montecarlo(scenario: Scenario, draws: int, seed: int | None = None,
                    first_solver: str = "simplex") -> MonteCarlo:
    """A :class:`MonteCarlo` batch from the scenario's ``[montecarlo]`` table."""
    spec = scenario.montecarlo
    if spec is None:
        raise ScenarioError([Problem(scenario.name, "montecarlo",
                                     "declares no uncertain parameters: add a [montecarlo] table "
                                     "(see the README's Monte Carlo format)")])
    problems = []
    if draws < 1:
        problems.append(Problem("--draws", str(draws), "must be at least 1"))
    if seed is not None and seed < 0:
        problems.append(Problem("--seed", str(seed), "must be a whole number >= 0"))
    if problems:
        raise ScenarioError(problems)
    targets = spec.targets()
    return MonteCarlo(scenario=scenario, targets=targets, origin=f"{spec.file} [montecarlo]",
                      first_solver=first_solver, draws=int(draws),
                      seed=spec.seed if seed is None else int(seed),
                      base_values={t.key: t.value_in(scenario) for t in targets})


#: Statistics of each metric in ``quantiles.csv``.
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)


def quantile_rows(name: str, values: np.ndarray) -> list:
    """``metric, mean, sd, min, q05, q25, q50, q75, q95, max, draws`` of one metric (exact).

    Draws without a value (NaN: e.g. the soft shadow price of a year whose extra
    money first cuts missing money) are left out; ``draws`` counts the others.
    """
    values = values[~np.isnan(values)]
    if values.size == 0:
        return [name, *[float("nan")] * (len(QUANTILES) + 4), 0]
    q = np.quantile(values, QUANTILES)
    return [name, float(values.mean()), float(values.std(ddof=1)) if values.size > 1 else 0.0,
            float(values.min()), *map(float, q), float(values.max()), int(values.size)]


QUANTILE_HEADER = ["metric", "mean", "sd", "min", *[f"q{int(round(100 * q)):02d}" for q in QUANTILES], "max",
                   "draws"]
