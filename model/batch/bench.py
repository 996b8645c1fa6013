"""``budgetsim bench``: the fast path against a PuLP+CBC rebuild per scenario, in one process.

The batch is a grid over the default scenario: its ceiling over the horizon
(``points`` values, 50 % to 200 % of the scenario's total) times the indexation of
district capacity to city revenue (``grid`` values, 0 to 1), the whole
whole lexicographic model at every point. The one-process rate, the PuLP+CBC rate (on
points spread over the same grid) and the rate on worker processes are all
measured on that one batch; the grid makes it large enough that the workers'
start-up does not decide their rate, while each row keeps the ceiling's step
(the step decides how often a kept basis stays optimal, see the README). Each
figure is the median of ``repeat`` runs, and the ratio compares rates measured
in the same run. Machines are shared: the figures are for the conditions printed
with them, not a test.
"""

from __future__ import annotations

import datetime
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from ..io import DEFAULT_SCENARIO, SCENARIO_DIR, machine_info
from ..formulation.build import formulate
from ..formulation.inputs import build_inputs
from ..scenario.scenario import load_scenario
from ..solve.fast import FastSolver
from ..solve.reference import solve_reference
from ..solve.stages import STAGES
from .engine import ENGINES, run_chunk
from .montecarlo import make_montecarlo
from .output import write_montecarlo, write_sweep
from .parallel import run_batch
from .points import PointMaker
from .sweep import make_sweep

COMMUNITIES = "tianjin-2006-communities.toml"
UNCERTAIN = "tianjin-2006-uncertain.toml"


def _sweep(points: int, grid: int = 1):
    """The benchmark's batch: ``points`` ceilings (the last parameter, so the fastest
    to vary) for each of ``grid`` capacity indexations (the scenario's own when 1)."""
    scenario = load_scenario(SCENARIO_DIR / DEFAULT_SCENARIO)
    total = sum(scenario.by_year("city.ceiling_yuan").values())
    indexation = [f"districts.capacity_indexation=0:1:{grid}"] if grid > 1 else []
    return make_sweep(scenario, [*indexation, f"ceiling={0.5 * total}:{2.0 * total}:{points}"])


def run_bench(points: int = 400, cbc_points: int = 20, repeat: int = 3, jobs: int = 2, mc_draws: int = 2000,
              communities: bool = True, grid: int = 10) -> Iterator[str]:
    """Run the benchmark; yields the report line by line (the CLI prints them)."""
    machine = machine_info()
    yield f"budgetsim bench, {datetime.datetime.now(datetime.UTC).strftime('%Y-%m-%d %H:%M UTC')}"
    yield f"machine: {machine['uname']}"
    yield f"cpu: {machine['cpu']}, {machine['cores']} cores; load average {_load()}"
    sweep = _sweep(points, grid)
    ceilings = sweep.grids[-1]
    ceiling_step = ceilings[1] - ceilings[0] if ceilings.size > 1 else 0.0
    shape = (f"{grid} capacity indexations (0 to 1) x {points} ceilings" if grid > 1 else f"{points} ceilings")
    yield (f"batch: default scenario, {shape} (50-200 % of its total, steps of {ceiling_step:,.0f} "
           f"yuan), {sweep.size:,} points, the whole {len(STAGES)}-stage model at each; medians of {repeat} runs")

    run_chunk(sweep, 0, 1)  # the engine (and its base solve) is built once, outside the timing
    stats = next(iter(ENGINES.values())).solver.stats
    runs_before, kept_before = stats["stage_runs"], stats["stage_runs_avoided"]
    fast = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        for _block in run_batch(sweep, jobs=1):
            pass
        fast.append(sweep.size / (time.perf_counter() - t0))
    fast_rate = statistics.median(fast)
    yield f"fast path (highspy, matrix form, warm starts), 1 process: {fast_rate:,.0f} scenarios/s"
    runs, kept = stats["stage_runs"] - runs_before, stats["stage_runs_avoided"] - kept_before
    yield (f"  HiGHS runs per point: {len(STAGES) * runs / max(runs + kept, 1):.2f} of {len(STAGES)} stages (the others' optimal bases "
           f"stayed optimal: taken without a run)")

    maker = PointMaker(sweep.scenario, sweep.targets, sweep.origin)
    step = max(1, sweep.size // cbc_points)
    cbc = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        for i in range(0, step * cbc_points, step):
            scenario = maker.scenario(sweep.point(i % sweep.size)[0])
            inputs = build_inputs(scenario)
            solve_reference(formulate(inputs).lp, inputs.stage_tolerance)
        cbc.append(cbc_points / (time.perf_counter() - t0))
    cbc_rate = statistics.median(cbc)
    yield f"PuLP + CBC, model rebuilt per scenario ({cbc_points} points): {cbc_rate:,.1f} scenarios/s"
    yield f"ratio fast / PuLP+CBC: {fast_rate / cbc_rate:,.1f}x"

    whole, steady = [], []
    for _ in range(repeat):
        t0 = time.perf_counter()
        first = None
        done = 0
        for _start, block in run_batch(sweep, jobs=jobs):
            done += len(block)
            if first is None:
                first, first_done = time.perf_counter(), done
        end = time.perf_counter()
        whole.append(sweep.size / (end - t0))
        if done > first_done:
            steady.append((done - first_done) / max(end - first, 1e-9))
    once_running = (f"{statistics.median(steady):,.0f} scenarios/s once running (from the first chunk back)"
                    if steady else "no rate once running (one chunk only)")
    yield (f"fast path, {jobs} worker processes, the same {sweep.size:,} points: {statistics.median(whole):,.0f} "
           f"scenarios/s including worker start-up, {once_running}")

    if communities:
        yield from _communities(repeat)

    mc = _montecarlo_peak(mc_draws, jobs)
    yield (f"Monte Carlo, {mc_draws:,} draws of {UNCERTAIN} on {jobs} workers, in a fresh process: "
           f"{mc_draws / mc['seconds']:,.0f} draws/s; peak memory {mc['own_mib']:,.0f} MiB in that process "
           f"(VmHWM), {mc['workers_mib']:,.0f} MiB in its largest worker (ru_maxrss); at most "
           f"{mc['own_mib'] + jobs * mc['workers_mib']:,.0f} MiB together")
    ENGINES.clear()
    yield from _store_figures(repeat, points, grid)


def _communities(repeat: int) -> Iterator[str]:
    """The 1,380-community scenario as an analyst meets it: one cold solve, ``budgetsim
    run`` end to end, the app after *Apply and run*; then a warm re-solve and CBC."""
    scenario = load_scenario(SCENARIO_DIR / COMMUNITIES)
    inputs = build_inputs(scenario)
    form = formulate(inputs)
    yield (f"1,380 communities: LP of {form.lp.n_cols:,} columns, {form.lp.n_rows:,} rows, "
           f"{form.lp.matrix().nnz:,} non-zeros; {len(STAGES)} stages; medians of {repeat}")
    cold = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        solver = FastSolver()  # what `run` and the app use: from scratch, HiGHS simplex
        solver.solve(form.lp, inputs.stage_tolerance)
        cold.append(time.perf_counter() - t0)
    skipped = solver.stats.get("hard_stages_skipped", 0)
    yield (f"  cold {len(STAGES)}-stage solve (HiGHS simplex, the LP built): {statistics.median(cold):,.2f} s "
           f"(target <= 0.3 s){'; hard stage skipped: no money missing' if skipped else ''}")
    warm = []
    for k in range(repeat):
        changed = formulate(inputs.with_ceiling(inputs.ceiling * (1.0 + 0.01 * (k + 1))))
        t0 = time.perf_counter()
        solver.solve(changed.lp, inputs.stage_tolerance)
        warm.append(time.perf_counter() - t0)
    yield f"  warm re-solve after a 1-3 % ceiling change: {statistics.median(warm):,.2f} s"
    with tempfile.TemporaryDirectory(prefix="budgetsim-bench-") as folder:
        store = Path(folder) / "runs.sqlite"  # recorded runs go here, not into the analyst's store
        _run_seconds(SCENARIO_DIR / COMMUNITIES, store)  # compiles the bytecode once (see _run_seconds)
        unrecorded = [_run_seconds(SCENARIO_DIR / COMMUNITIES, store, "--no-record") for _ in range(repeat)]
        recorded = [_run_seconds(SCENARIO_DIR / COMMUNITIES, store) for _ in range(repeat)]
    yield (f"  `budgetsim run` end to end, status quo included (a new process, wall time, --no-record): "
           f"{statistics.median(unrecorded):,.2f} s (target <= 1.5 s); recorded in a store (the default): "
           f"{statistics.median(recorded):,.2f} s")
    app = _app_seconds(scenario, repeat)
    if app is not None:
        yield (f"  the app, *Apply and run* (ceiling changed) until the Results page is drawn (AppTest, "
               f"no browser): {statistics.median(app):,.2f} s (target <= 3 s)")
    t0 = time.perf_counter()
    solve_reference(form.lp, inputs.stage_tolerance)
    yield f"  PuLP + CBC, built and solved: {time.perf_counter() - t0:,.2f} s"


def _run_seconds(path: Path, store: Path, *flags: str) -> float:
    """Wall time of ``budgetsim run PATH`` in a new interpreter (imports included), its
    runs recorded (unless ``--no-record``) into the SQLite file ``store``.

    The modules' bytecode is kept beside ``store`` (``PYTHONPYCACHEPREFIX``), even where
    ``PYTHONDONTWRITEBYTECODE`` is set, as an installed budgetsim has its own: the first
    run compiles, the next ones load (compiling the store's modules at every start would
    cost more than recording)."""
    env = _run_env(store)
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "model.cli", "run", str(path), *flags], env=env, check=True,
                   capture_output=True)
    return time.perf_counter() - t0


def _run_env(store: Path) -> dict[str, str]:
    """The environment of a timed ``budgetsim run``: its store, its bytecode kept (see
    :func:`_run_seconds`)."""
    env = {**os.environ, "BUDGETSIM_DB": str(store), "PYTHONPYCACHEPREFIX": str(store.parent / "bytecode")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def _app_seconds(scenario, repeat: int) -> list[float] | None:
    """Seconds from a click on *Apply and run* (with another 2007 ceiling each time) to
    the Results page drawn, in Streamlit's headless AppTest; None without the app's files."""
    app = SCENARIO_DIR.parent / "app.py"
    if not app.exists():  # an installed package without the app beside it
        return None
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(app), default_timeout=300)
    at.query_params["scenario"] = COMMUNITIES
    at = at.switch_page("app_pages/scenario.py").run()
    ceiling = scenario.params["city.ceiling_yuan.2007"]
    seconds = []
    for k in range(repeat):
        at.number_input(key="p:city.ceiling_yuan.2007").set_value(ceiling * (1 + 0.01 * (k + 1)) / 1e4)  # 10k yuan
        button = next(b for b in at.button if b.label == "Apply and run")
        t0 = time.perf_counter()
        at = button.click().run()
        at = at.switch_page("app_pages/results.py").run()
        seconds.append(time.perf_counter() - t0)
        if at.exception:
            raise RuntimeError(f"the app failed: {at.exception[0].value}")
        at = at.switch_page("app_pages/scenario.py").run()
    return seconds


def _montecarlo_peak(draws: int, jobs: int) -> dict[str, float]:
    """Run the Monte Carlo in a new process, so that its peak memory is its own
    (this process has solved the community LP, and CBC ran as its child)."""
    code = f"import json; from model.batch.bench import run_montecarlo; print(json.dumps(run_montecarlo({draws}, {jobs})))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def run_montecarlo(draws: int, jobs: int) -> dict[str, float]:
    """Solve ``draws`` draws of the uncertain scenario into a temporary folder; time and peak memory."""
    with tempfile.TemporaryDirectory() as folder:
        batch = make_montecarlo(load_scenario(SCENARIO_DIR / UNCERTAIN), draws)
        t0 = time.perf_counter()
        write_montecarlo(batch, Path(folder), jobs=jobs)
        seconds = time.perf_counter() - t0
    # This process's own high-water mark: ru_maxrss would also count what the
    # forked parent held when it started (Linux keeps it across exec).
    own = _high_water_mib()
    workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {"seconds": seconds, "own_mib": own, "workers_mib": workers}


def _high_water_mib() -> float:
    """Peak resident memory of this process (VmHWM), in MiB."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # pragma: no cover - not Linux


def _load() -> str:
    try:
        return " ".join(f"{v:.2f}" for v in os.getloadavg())
    except OSError:  # pragma: no cover
        return "unknown"



def _store_figures(repeat: int, points: int, grid: int) -> Iterator[str]:
    """The store (issue 12): what recording adds to `budgetsim run`, listing 10,000 runs,
    recording a sweep's summary; on an SQLite store in a temporary folder."""
    from ..pipeline import solve
    from ..store import bench as store_bench

    scenario = load_scenario(SCENARIO_DIR / DEFAULT_SCENARIO)
    result = solve(scenario)
    store, holder = store_bench.temporary_store()
    with holder, store:
        store.record_run(result, scenario)  # the scenario's content is kept once, before the timing
        added = store_bench.record_seconds(store, result, scenario, max(repeat, 5))
        yield (f"store: recording a run of {DEFAULT_SCENARIO} (its files rendered, compressed, one "
               f"transaction): +{added * 1e3:.1f} ms in the process (median)")
        path, cli_store = SCENARIO_DIR / DEFAULT_SCENARIO, Path(holder.name) / "cli.sqlite"
        _run_seconds(path, cli_store)  # compiles the bytecode once (see _run_seconds)
        recorded, unrecorded = [], []
        for k in range(repeat):  # in pairs, which of the two comes first alternating
            if k % 2 == 0:
                recorded.append(_run_seconds(path, cli_store))
            unrecorded.append(_run_seconds(path, cli_store, "--no-record"))
            if k % 2 == 1:
                recorded.append(_run_seconds(path, cli_store))
        paired = statistics.median(r - u for r, u in zip(recorded, unrecorded))
        inside = store_bench.recorder_seconds(path, _run_env(cli_store), repeat)
        yield (f"  `budgetsim run` in new processes (target <= +20 ms): the recorder's own time inside it, imports "
               f"included, {inside * 1e3:.1f} ms (median of {repeat}); end to end {statistics.median(recorded):.3f} s "
               f"recorded, {statistics.median(unrecorded):.3f} s with --no-record, paired difference "
               f"{paired * 1e3:+.0f} ms (median; process start-up varies by tens of ms)")
        store_bench.fill(store, 1, 10_000 - store.runs().total)
        listed = store_bench.list_seconds(store, 10_000, repeat)
        yield f"store: listing 10,000 runs (one page, newest first): {listed:.3f} s (median; target <= 0.2 s)"
        sweep = _sweep(points, grid)
        out = Path(holder.name) / "sweep.csv"
        stats = write_sweep(sweep, out, jobs=1)
        summary = {**stats, "parameters": ["bench"], "file": str(out)}
        seconds = store_bench.batch_seconds(store, scenario, summary, [out], repeat)
        yield (f"store: recording a {sweep.size:,}-point sweep's summary (its CSV, {out.stat().st_size / 2**20:.1f} "
               f"MiB, copied in compressed): {seconds:.3f} s (median; target <= 1 s)")


__all__ = ["run_bench"]
