"""``budgetsim bench --scale N``: the national-scale solve, timed.

A scenario of N communities is generated (``budgetsim generate``, seed 1) into a
temporary folder and loaded; then, ``repeat`` times, its LP is built and solved by the
decomposed solve (:mod:`model.solve.decomposed`); the last solve is certified
(:mod:`model.solve.certificate`: each stage's Lagrangian bound, how far the solve can be
from the optimum, where the whole LP is too large to solve and compare), and its result
tables are made and written as Parquet and as CSV. Each time is the median over the repetitions
(medians of one run are that run); peak memory is the process's high-water mark
(``VmHWM``), which includes generating and loading the scenario. With
``monolithic`` the whole LP is also solved once (HiGHS, stage by stage) and the two
solves' stage optima and ceiling duals are compared. The machine and its load are
printed with the figures: machines are shared, the figures are for those conditions.
"""

from __future__ import annotations

import datetime
import statistics
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from ..formulation.build import formulate
from ..formulation.inputs import build_inputs
from ..io import machine_info, render_parquet, render_result, write_files
from ..results.national import community_page, district_summary, province_summary
from ..results.tables import make_result
from ..scenario.national import generate
from ..scenario.scenario import load_scenario
from ..solve.certificate import as_summary, certify, describe, proven
from ..solve.decomposed import DecomposedSolver
from ..solve.districts import LIVE_COLUMNS, default_threads
from ..solve.fast import FastSolver
from ..solve.stages import STAGES
from .bench import _high_water_mib, _load

#: The issue's targets (seconds; GiB): median solve by scale, peak memory, tables written.
TARGETS = {20_000: 3.0, 120_000: 30.0}
MEMORY_TARGET_GIB = 4.0
WRITE_TARGET_S = 5.0


def run_national_bench(scale: int, repeat: int = 3, seed: int = 1, monolithic: bool = False) -> Iterator[str]:
    """Yield the report line by line (see the module docstring)."""
    machine = machine_info()
    yield (f"budgetsim bench --scale {scale:,}: {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC; "
           f"{machine['uname']}; CPU {machine['cpu']}, {machine['cores']} cores; "
           f"load average {_load()}")
    with tempfile.TemporaryDirectory(prefix="budgetsim-national-") as tmp:
        folder = Path(tmp)
        t0 = time.perf_counter()
        write_files(folder, generate(scale, seed))
        generated = time.perf_counter() - t0
        t0 = time.perf_counter()
        scenario = load_scenario(folder / "national.toml")
        loaded = time.perf_counter() - t0
        yield (f"scenario: {scale:,} communities in {len(scenario.districts):,} districts (seed {seed}); "
               f"generated and written {generated:.2f} s, loaded and validated {loaded:.2f} s")
        builds, solves, stats, solution, form, inputs = [], [], {}, None, None, None
        for _ in range(repeat):
            solution = form = inputs = None  # the last repetition's LP and answer go before the next is built
            t0 = time.perf_counter()
            inputs = build_inputs(scenario)
            form = formulate(inputs)
            builds.append(time.perf_counter() - t0)
            solver = DecomposedSolver(names=list(inputs.districts))
            t0 = time.perf_counter()
            solution = solver.solve(form.lp, form.column_districts(), tolerance=inputs.stage_tolerance)
            solves.append(time.perf_counter() - t0)
            stats = solver.stats
        lp = form.lp
        yield (f"LP: {lp.n_cols:,} columns, {lp.n_rows:,} rows; built (inputs + LP) in "
               f"{statistics.median(builds):.2f} s (median of {repeat}); the districts within the first "
               f"{LIVE_COLUMNS:,} columns keep a HiGHS instance, the others share one a thread")
        solve = statistics.median(solves)
        target = TARGETS.get(scale)
        verdict = f" (target <= {target:g} s: {'met' if solve <= target else 'missed'})" if target else ""
        yield (f"decomposed solve, four stages: median {solve:.2f} s of {repeat} "
               f"({', '.join(f'{s:.2f}' for s in solves)}){verdict}; {stats['rounds']} pricing rounds, "
               f"{stats['district_solves']:,} district LPs ({stats.get('kept_bases', 0):,} kept without a run, "
               f"{stats.get('shared_runs', 0):,} run on shared instances; {default_threads()} threads), "
               f"{stats['proposals']:,} proposals, master LPs {stats['master_seconds']:.2f} s; per stage "
               + ", ".join(f"{s.value} {t:.2f} s" for s, t in solution.stage_seconds.items()))
        t0 = time.perf_counter()
        certificates = certify(form, solution)
        checked = time.perf_counter() - t0
        summary = as_summary(certificates, checked)
        yield (f"certified (Lagrangian bound at the last round's prices, every community's programs "
               f"solved exactly with numpy, {checked:.2f} s): each stage at most this far above its optimum, "
               + describe(summary) + " (target <= 1e-6: " + ("met" if proven(summary) else "missed")
               + f"); duals' infeasibility at most {max(c.dual_infeasibility for c in certificates):.1e} "
               "of a stage's largest cost")
        t0 = time.perf_counter()
        result = make_result(scenario, inputs, form, solution)
        tables = time.perf_counter() - t0
        with tempfile.TemporaryDirectory(prefix="budgetsim-out-") as out:
            t0 = time.perf_counter()
            write_files(Path(out) / "parquet", render_parquet(result, districts=scenario.districts))
            parquet = time.perf_counter() - t0
            before_csv = _high_water_mib()
            t0 = time.perf_counter()
            write_files(Path(out) / "csv", render_result(result, districts=scenario.districts))
            csv = time.perf_counter() - t0
        rows = len(result.allocation)
        t0 = time.perf_counter()
        districts = district_summary(result, scenario)
        province_summary(result, scenario, districts)
        community_page(result, districts["district"].iloc[0], 0)
        view = time.perf_counter() - t0
        yield (f"result tables made in {tables:.2f} s; written as Parquet in {parquet:.2f} s "
               f"(target <= {WRITE_TARGET_S:g} s: {'met' if parquet <= WRITE_TARGET_S else 'missed'}), "
               f"as CSV in {csv:.2f} s ({rows:,} allocation rows); the app's first national view "
               f"(province and district sums, a page of communities) {view:.2f} s (target <= 5 s)")
        if monolithic:
            t0 = time.perf_counter()
            whole = FastSolver().solve(lp, tolerance=inputs.stage_tolerance)
            seconds = time.perf_counter() - t0
            ceiling = lp.rows_of("ceiling")
            gaps = [abs(solution.objectives[s] - whole.objectives[s]) / max(1.0, abs(whole.objectives[s]))
                    for s in STAGES]
            duals = max(float(np.abs(solution.duals[s][ceiling] - whole.duals[s][ceiling]).max()
                              / max(1.0, float(np.abs(whole.duals[s][ceiling]).max()))) for s in STAGES)
            yield (f"monolithic solve (HiGHS, whole LP per stage): {seconds:.2f} s, once; stage optima apart "
                   f"by at most {max(gaps):.1e} relative, ceiling duals by {duals:.1e}")
        peak = _high_water_mib()
        yield (f"peak memory of this process: {peak:,.0f} MiB (target <= {MEMORY_TARGET_GIB:g} GiB: "
               f"{'met' if peak <= MEMORY_TARGET_GIB * 1024 else 'missed'}); {before_csv:,.0f} MiB before the "
               f"CSV was written (the solve, its tables and Parquet)")
