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
import pickle
from dataclasses import dataclass

import numpy as np

from ..errors import Problem, ScenarioError, SolveError
from ..formulation.allocation import Formulation
from ..formulation.build import formulate
from ..formulation.build import with_money_limits as formulation_with_money_limits
from ..formulation.inputs import (
    MONEY_LIMIT_COLUMNS,
    MONEY_LIMIT_PARAMS,
    build_inputs,
)
from ..formulation.inputs import with_money_limits as inputs_with_money_limits
from ..results.compliance import ComplianceCounter
from ..scenario.scenario import Scenario
from ..scenario.targets import Target
from ..constants import Method, SolverName
from ..pipeline import Decomposed, choose_method
from ..solve.fast import FastSolver
from .points import PointMaker
from .records import Solved, record_columns, summarise


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
    #: "auto", "monolithic" or "decomposed" (:func:`~model.pipeline.choose_method`): a
    #: national scenario's points are each solved decomposed by district.
    method: str = "auto"

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


def check_method(scenario: Scenario, method: str) -> None:
    """A batch's ``method``, checked before any point is solved: one of "auto",
    "monolithic", "decomposed"; "decomposed" needs a scenario without the equity term."""
    if method not in {m.value for m in Method}:
        raise ScenarioError([Problem("--method", str(method), f"must be one of {', '.join(m.value for m in Method)}")])
    if method == Method.DECOMPOSED and scenario.params.get("weights.equity", 0) != 0:
        raise ScenarioError([Problem("--method", method, "decomposed needs weights.equity = 0: the equity column "
                                                         "ties every district together")])


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
        self.inputs = build_inputs(batch.scenario)
        self.form = formulate(self.inputs)
        self.limits_only = all(moves_only_money_limits(t) for t in batch.targets)
        self.counter = ComplianceCounter(self.inputs)  # compliance reads no money limit
        # Tens of thousands of communities: each point decomposed by district, in this
        # worker (a cluster's workers take whole chunks of points), on one thread: the
        # batch already gives each core its own points.
        self.decomposed = choose_method(self.inputs, SolverName.HIGHS, batch.method) == Method.DECOMPOSED
        if self.decomposed:
            self.solver = Decomposed(threads=1)
            return
        self.solver = FastSolver(first_solver=batch.first_solver)
        self.solver.solve(self.form.lp, self.inputs.stage_tolerance)
        self.solver.keep_bases()  # every chunk starts from the base scenario's bases

    def solve(self, form: Formulation):
        """One point's stages: decomposed, or warm from the point before."""
        if self.decomposed:
            return self.solver.solve(form, form.inputs.stage_tolerance)
        return self.solver.solve(form.lp, form.inputs.stage_tolerance)

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
        if not self.decomposed:
            self.solver.reset()
        out = np.empty((stop - start, len(self.batch.columns())))
        shortcut, at = Solved(self.form, self.counter), []  # points of the base's LP: recorded together
        for i in range(start, stop):
            values, lead = self.batch.point(i)
            point = self.maker.scenario(values, functools.partial(self.batch.label, i))  # labelled if invalid
            form, counter, base_lp = self.formulate(point)
            try:
                solution = self.solve(form)
            except SolveError as exc:  # which point: the modeler can run it alone
                raise SolveError(f"{self.batch.label(i)}: {exc}") from None
            out[i - start, :len(lead)] = lead
            if base_lp:
                shortcut.add(solution)
                at.append(i - start)
            else:
                out[i - start, len(lead):] = summarise(form.inputs, form, solution, counter)
        if at:
            out[at, len(lead):] = shortcut.records()
        return out


ENGINES: dict[str, _Engine] = {}


def run_chunk(batch: Batch, start: int, stop: int, key: str | None = None) -> tuple[int, np.ndarray]:
    """Solve points ``start..stop-1`` of ``batch`` (in a worker, or here)."""
    key = key or batch.key()
    engine = ENGINES.get(key)
    if engine is None:
        ENGINES.clear()  # one batch at a time per worker
        engine = ENGINES[key] = _Engine(batch)
    return start, engine.run(start, stop)


def check_points(batch: Batch, limit: int = 10) -> None:
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


