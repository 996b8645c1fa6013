"""``budgetsim``: validate and run scenarios from the command line.

The only module that prints or sets exit codes: 0 solved (also when hard targets are
unmet: that is an answer), 2 invalid input (errors on stderr), 1 failure (the solver,
the workers, an output held by another run, an internal error), 130 interrupted
(Ctrl-C or SIGTERM: ``--out`` is left as it was, in one line on stderr).
"""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys
import threading
import traceback
from collections.abc import Sequence
from pathlib import Path

from ..analysis.frontier import compute_frontier
from ..analysis.options import compare_options, comparison_tables
from ..batch.parallel import DASK_TIMEOUT, WorkerError
from ..constants import DEFAULT_CHUNK, SolverName
from ..errors import Interrupted, OutputError, Problem, ScenarioError, SolveError, StoreError, StoreLookupError
from ..export import csv_text, with_district_names
from ..io import output_lock, write_csv, write_folder
from ..scenario.scenario import load_scenario
from ..scenario.schema import PARAMETERS
from ..version import __version__
from .national import NATIONAL_COMMANDS, add_batch_method_arg, add_national_commands, add_scale_args, scale_bench_command
from .report import format_comparison, format_frontier, format_rate
from .run_command import add_run_command, run_command, warn_plausibility
from .store_commands import STORE_COMMANDS, add_store_commands, db_arg, record, record_args

EXIT_OK, EXIT_FAILURE, EXIT_INVALID, EXIT_INTERRUPTED = 0, 1, 2, 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="budgetsim",
        description="Allocate city transfer payments to districts for residents' committees "
                    "(office and service space, operating funds, members' subsidies and insurance).",
    )
    parser.add_argument("--version", action="version", version=f"budgetsim {__version__}")
    db_arg(parser, top=True)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def scenario_args(p: argparse.ArgumentParser) -> None:
        p.add_argument("scenario", type=Path, help="scenario TOML file (it names its district CSV)")
        p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                       help="override a parameter by its dotted key, e.g. city.ceiling_yuan.2007=30000000 "
                            "or districts.hedong.capacity_yuan=9e6; values in TOML syntax; repeatable "
                            "(see `budgetsim keys`)")

    validate = commands.add_parser("validate", help="check a scenario and report every problem",
                                   description="Check a scenario (and overrides) without solving. "
                                               "Exit 0 when valid, 2 with every problem on stderr.")
    scenario_args(validate)

    add_run_command(commands, scenario_args)

    frontier = commands.add_parser(
        "frontier", help="what each total ceiling buys, with its exact breakpoints",
        description="Move the city ceiling along today's year profile from zero to the amount that "
                    "closes every gap; print missing money, soft points, marginal values and "
                    "compliance at every breakpoint (exact, parametric), and write them as CSV.")
    scenario_args(frontier)
    frontier.add_argument("--solver", choices=[s.value for s in SolverName], default=SolverName.HIGHS.value,
                          help="LP solver (default: highs; the breakpoints need its duals)")
    frontier.add_argument("--out", type=Path, metavar="FILE", help="write the frontier as CSV to FILE")

    compare = commands.add_parser(
        "compare", help="compare scenarios and the rules a bureau would otherwise use",
        description="Solve each scenario, and the rule-based baselines of the first (status quo, equal "
                    "amount per committee, pro rata to gap, per capita, equalisation formula), each "
                    "spending the same ceiling; print their headline figures side by side and, with "
                    "--out, write the comparison, differences, district winners and losers and the "
                    "inputs that differ as CSV.")
    compare.add_argument("scenarios", type=Path, nargs="+", metavar="SCENARIO",
                         help="scenario TOML files (the first is the reference)")
    compare.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                         help="override applied to every scenario (repeatable)")
    compare.add_argument("--no-baselines", action="store_true", help="compare the scenarios only")
    compare.add_argument("--solver", choices=[s.value for s in SolverName], default=SolverName.HIGHS.value)
    compare.add_argument("--out", type=Path, metavar="DIR",
                         help="write comparison.csv, differences.csv, district_changes.csv, input_differences.csv")

    commands.add_parser("keys", help="list every scenario parameter with its unit",
                        description="List the dotted keys --set accepts, with type, unit and meaning.")
    _add_batch_commands(commands, scenario_args)
    add_store_commands(commands)
    add_national_commands(commands)
    return parser


def _terminate(signum, frame) -> None:
    raise KeyboardInterrupt  # SIGTERM stops a run as Ctrl-C does: outputs stay whole


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    out = getattr(args, "out", None)
    in_main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _terminate) if in_main_thread else None
    try:
        # The output is held from the start: a second run into the same --out fails at once.
        with output_lock(out) if out is not None else contextlib.nullcontext():
            return _dispatch(args)
    except KeyboardInterrupt as exc:
        kept = exc.kept if isinstance(exc, Interrupted) and exc.kept else ""
        print("budgetsim: interrupted" + (f"; {out} left as it was" if out is not None else "")
              + (f"; {kept}" if kept else ""), file=sys.stderr)
        return EXIT_INTERRUPTED
    except OutputError as exc:
        print(f"budgetsim: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _dispatch(args: argparse.Namespace) -> int:
    try:
        if args.command == "keys":
            return _keys()
        if args.command == "validate":
            return _validate(args)
        if args.command == "frontier":
            return _frontier(args)
        if args.command == "compare":
            return _compare(args)
        if args.command in BATCH_COMMANDS:
            return BATCH_COMMANDS[args.command](args)
        if args.command in STORE_COMMANDS:
            return STORE_COMMANDS[args.command](args)
        if args.command in NATIONAL_COMMANDS:
            return NATIONAL_COMMANDS[args.command](args)
        return run_command(args)
    except ScenarioError as exc:
        print(f"budgetsim: invalid input ({len(exc.problems)} problem"
              f"{'s' if len(exc.problems) != 1 else ''}):", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return EXIT_INVALID
    except SolveError as exc:
        print(f"budgetsim: solver failure: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    except StoreError as exc:  # the store named, what to do; no traceback
        print(f"budgetsim: store {exc}", file=sys.stderr)
        return EXIT_INVALID if isinstance(exc, StoreLookupError) else EXIT_FAILURE
    except (KeyboardInterrupt, OutputError):
        raise  # said in one line by main()
    except WorkerError as exc:
        print(f"budgetsim: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    except BrokenPipeError:  # output piped into e.g. `head`, which stopped reading
        sys.stderr.close()
        return EXIT_OK
    except Exception as exc:  # an internal error: say so, keep the trace for a bug report
        print(f"budgetsim: internal error: {exc.__class__.__name__}: {exc}", file=sys.stderr)
        traceback.print_exc(file=sys.stderr)
        return EXIT_FAILURE


def _keys() -> int:
    for param in PARAMETERS:
        key = f"{param.key}.<year>" if param.kind == "by_year" else param.key
        print(f"{key:48} {param.kind:8} {param.unit:28} {param.description}")
    print(f"{'districts.<id>.<column>':48} {'':8} {'(docs/scenario-format.md)':28} any district-table value")
    return EXIT_OK


def _validate(args: argparse.Namespace) -> int:
    scenario = load_scenario(args.scenario, args.overrides)
    warn_plausibility(scenario)
    print(f"{args.scenario}: valid. {scenario.title}: {len(scenario.districts)} districts, "
          f"{scenario.years[0]}-{scenario.years[-1]}, {len(scenario.overrides)} override(s).")
    uncited = scenario.uncited()
    if uncited:
        print(f"note: {len(uncited)} value(s) have no [sources] entry (cite them or mark them "
              f"\"assumption: ...\"): {', '.join(uncited)}")
    return EXIT_OK


def _compare(args: argparse.Namespace) -> int:
    options = compare_options(args.scenarios, args.overrides, not args.no_baselines, args.solver)
    print(format_comparison(options))
    if args.out:
        districts = next(iter(options.values()))[0].districts
        tables = {name: with_district_names(frame, districts) for name, frame in comparison_tables(options).items()}
        written = write_folder(args.out, {f"{name}.csv": csv_text(frame) for name, frame in tables.items()})
        print(f"\nwrote {', '.join(str(p) for p in written)}")
    return EXIT_OK


def _frontier(args: argparse.Namespace) -> int:
    scenario = load_scenario(args.scenario, args.overrides)
    frontier = compute_frontier(scenario, args.solver)
    print(format_frontier(frontier, scenario.title))
    if args.out:
        write_csv(args.out, frontier.points)
        print(f"\nwrote {args.out}")
    return EXIT_OK


# --- batch commands: sweep, montecarlo, bench (issue 5) --------------------------------
def _add_batch_commands(commands, scenario_args) -> None:
    def parallel_args(p: argparse.ArgumentParser) -> None:
        p.add_argument("--jobs", type=int, default=None, metavar="N",
                       help="local worker processes (default: all cores; 1: this process)")
        p.add_argument("--dask", metavar="ADDRESS",
                       help="run on an existing Dask cluster, e.g. tcp://127.0.0.1:8786 (instead of --jobs)")
        p.add_argument("--chunk-size", type=int, default=DEFAULT_CHUNK, metavar="N",
                       help=f"points per task (default {DEFAULT_CHUNK}); results are the same whatever --jobs, --dask or the chunk size (but for round-off)")
        p.add_argument("--first-solver", choices=["simplex", "ipm"], default="simplex",
                       help="HiGHS algorithm for each chunk's cold solves (ipm: large community-level models)")
        add_batch_method_arg(p)
        p.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
        record_args(p)
        p.add_argument("--dask-timeout", type=float, default=DASK_TIMEOUT, metavar="SECONDS",
                       help=f"seconds to wait for the --dask scheduler (default {DASK_TIMEOUT:g})")

    sweep = commands.add_parser(
        "sweep", help="solve a grid of parameter values and write one CSV row per point",
        description="Solve the scenario at every point of a grid over numeric parameters (the first "
                    "--param varies slowest) and write one CSV row per point: the parameter values, "
                    "status, missing money, soft points, transfers, city compliance per program and "
                    "year, and the ceiling's shadow prices per year. KEY is a dotted key as in --set "
                    "(city.ceiling_yuan.2007, districts.hedong.capacity_yuan, office_space.cost_growth) "
                    "or `ceiling`: the city ceiling over the whole horizon, every year scaled by one "
                    "factor so that they sum to the value.")
    scenario_args(sweep)
    sweep.add_argument("--param", dest="params", action="append", default=[], metavar="KEY=START:STOP:N",
                       help="N evenly spaced values from START to STOP; repeatable (grid)")
    sweep.add_argument("--out", type=Path, required=True, metavar="FILE.csv", help="CSV file to write")
    sweep.add_argument("--resume", action="store_true",
                       help="go on from the chunks an interrupted run of the same sweep finished (kept beside "
                            "FILE.csv until the sweep completes); without it a sweep starts from its first point")
    parallel_args(sweep)

    mc = commands.add_parser(
        "montecarlo", help="draw the scenario's uncertain parameters and solve every draw",
        description="Draw the uncertain parameters of the scenario's [montecarlo] table N times, solve "
                    "each draw and write draws.csv (one row per draw), quantiles.csv (mean, sd, "
                    "quantiles of every metric) and summary.json (probability that every hard target is "
                    "met, ...) into --out. Same seed, same numbers, whatever --jobs or --dask.")
    scenario_args(mc)
    mc.add_argument("--draws", type=int, required=True, metavar="N", help="number of draws")
    mc.add_argument("--seed", type=int, default=None, metavar="S", help="seed (default: montecarlo.seed)")
    mc.add_argument("--out", type=Path, required=True, metavar="DIR", help="folder for the output files")
    parallel_args(mc)

    bench = commands.add_parser(
        "bench", help="measure the fast path against a PuLP+CBC rebuild per scenario",
        description="Run one batch (a grid of the default scenario's ceiling and district capacity "
                    "indexation) through the matrix-form "
                    "HiGHS path and through PuLP+CBC rebuilt per scenario, in this process, and print "
                    "scenarios per second, their ratio, the rate with --jobs workers, the 1,380-community "
                    "solve time and the peak memory of a Monte Carlo run, as medians over --repeat runs.")
    bench.add_argument("--points", type=int, default=400, metavar="N",
                       help="ceilings in the batch, 50-200 %% of the default total (default 400)")
    bench.add_argument("--grid", type=int, default=10, metavar="K",
                       help="capacity indexations (0 to 1) the ceilings are swept for: the batch has "
                            "N x K points (default 10; 1: the scenario's own indexation only)")
    bench.add_argument("--cbc-points", type=int, default=20, metavar="N",
                       help="points solved through PuLP+CBC (default 20: about 3-4 s each repetition)")
    bench.add_argument("--repeat", type=int, default=3, metavar="R", help="repetitions (default 3; medians)")
    bench.add_argument("--jobs", type=int, default=2, metavar="N", help="workers for the parallel rate (default 2)")
    bench.add_argument("--mc-draws", type=int, default=2000, metavar="N",
                       help="Monte Carlo draws for the peak-memory figure (default 2,000)")
    bench.add_argument("--skip-communities", action="store_true", help="skip the 1,380-community solve")
    add_scale_args(bench)


def _progress(args: argparse.Namespace, total: int, unit: str):
    if args.no_progress:
        return None, lambda: None
    from tqdm import tqdm

    bar = tqdm(total=total, unit=unit, file=sys.stderr, dynamic_ncols=True, smoothing=0.1)

    def close() -> None:
        if bar.n < bar.total:
            bar.leave = False  # interrupted or failed: clear the bar, the message says the rest
        bar.close()

    return bar.update, close


def _batch_options(args: argparse.Namespace) -> dict:
    if args.jobs is not None and args.jobs < 1:
        raise ScenarioError([Problem("--jobs", str(args.jobs), "must be at least 1")])
    if args.chunk_size < 1:
        raise ScenarioError([Problem("--chunk-size", str(args.chunk_size), "must be at least 1")])
    if args.dask_timeout <= 0:
        raise ScenarioError([Problem("--dask-timeout", str(args.dask_timeout), "must be more than 0 seconds")])
    return {"jobs": args.jobs, "dask": args.dask, "chunk_size": args.chunk_size, "dask_timeout": args.dask_timeout,
            "notify": lambda text: print(f"budgetsim: note: {text}", file=sys.stderr, flush=True)}


def _sweep(args: argparse.Namespace) -> int:
    from ..batch.output import write_sweep
    from ..batch.sweep import make_sweep

    scenario = load_scenario(args.scenario, args.overrides)
    options = _batch_options(args)
    sweep = make_sweep(scenario, args.params, first_solver=args.first_solver, method=args.method)
    update, close = _progress(args, sweep.size, "pt")
    try:
        stats = write_sweep(sweep, args.out, progress=update, resume=args.resume, **options)
    finally:
        close()
    if args.resume:
        print(f"resumed after {stats['resumed']:,} kept points" if stats["resumed"]
              else "nothing kept from an earlier run of this sweep: solved from the first point")
    print(f"{sweep.size} points of {scenario.title}: {stats['met']} with every hard target met; "
          f"{stats['seconds']:.1f} s ({format_rate(sweep.size, stats['seconds'])} points/s).")
    print(f"wrote {args.out}")
    summary = {**stats, "parameters": list(args.params), "file": str(Path(args.out).resolve())}
    record(args, lambda store: store.record_batch("sweep", scenario, summary, [args.out], source="cli",
                                                  duration_seconds=stats["seconds"]))
    return EXIT_OK


def _montecarlo(args: argparse.Namespace) -> int:
    from ..batch.montecarlo import make_montecarlo
    from ..batch.output import write_montecarlo

    scenario = load_scenario(args.scenario, args.overrides)
    options = _batch_options(args)
    batch = make_montecarlo(scenario, args.draws, args.seed, first_solver=args.first_solver, method=args.method)
    update, close = _progress(args, batch.size, "draw")
    try:
        summary = write_montecarlo(batch, args.out, progress=update, **options)
    finally:
        close()
    print(f"{batch.size} draws of {scenario.title} (seed {batch.seed}): every hard target met in "
          f"{summary['probability_all_hard_targets_met']:.1%} of draws; "
          f"{summary['seconds']:.1f} s ({format_rate(batch.size, summary['seconds'])} draws/s).")
    if widened := summary["draws_with_widened_stage_tolerance"]:
        print(f"{widened} draws held earlier optima looser than the stage tolerance (stage_tolerance_factor in draws.csv)")
    print(f"wrote {', '.join(summary['files'])}")
    record(args, lambda store: store.record_batch("montecarlo", scenario, summary, [Path(f) for f in summary["files"]],
                                                  source="cli", duration_seconds=summary["seconds"]))
    return EXIT_OK


def _bench(args: argparse.Namespace) -> int:
    from ..batch.bench import run_bench

    if args.scale is not None:
        return scale_bench_command(args)
    for name in ("points", "grid", "cbc_points", "repeat", "jobs", "mc_draws"):
        if getattr(args, name) < 1:
            raise ScenarioError([Problem(f"--{name.replace('_', '-')}", str(getattr(args, name)),
                                         "must be at least 1")])
    for line in run_bench(points=args.points, cbc_points=args.cbc_points, repeat=args.repeat, jobs=args.jobs,
                          mc_draws=args.mc_draws, communities=not args.skip_communities, grid=args.grid):
        print(line, flush=True)
    return EXIT_OK


BATCH_COMMANDS = {"sweep": _sweep, "montecarlo": _montecarlo, "bench": _bench}


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
