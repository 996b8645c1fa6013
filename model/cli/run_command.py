"""``budgetsim run``: solve a scenario, print its summary (and diagnosis, sensitivity,
certificate when asked), write its tables with ``--out`` and record it in the store."""

from __future__ import annotations

import argparse
import contextlib
import sys
import time
from pathlib import Path

from ..analysis.diagnosis import diagnose
from ..analysis.frontier import compute_frontier
from ..analysis.sensitivity import sensitivity
from ..constants import SolverName, Status
from ..errors import Problem, ScenarioError
from ..io import render_parquet, render_result, write_files
from ..pipeline import solve
from ..scenario.limits import plausibility_warnings
from ..scenario.scenario import load_scenario
from .national import add_method_args, district_runner, table_format
from .report import format_certificate, format_diagnosis, format_sensitivity, format_summary
from .store_commands import record, record_args, recorder


def add_run_command(commands, scenario_args) -> None:
    """The ``run`` subcommand's arguments (``scenario_args`` adds the scenario and ``--set``)."""
    run = commands.add_parser("run", help="solve a scenario and summarise the result",
                              description="Solve the lexicographic allocation LP (four stages) for a scenario, print a "
                                          "summary and optionally write summary.json and CSV tables.")
    scenario_args(run)
    run.add_argument("--solver", choices=[s.value for s in SolverName], default=SolverName.HIGHS.value,
                     help="highs: HiGHS in matrix form (default); cbc: the PuLP + CBC reference (no shadow prices)")
    run.add_argument("--out", type=Path, metavar="DIR",
                     help="write summary.json, allocation.csv and the other tables into DIR")
    run.add_argument("--write-lp", type=Path, metavar="FILE", help="write the final-stage LP to FILE")
    add_method_args(run)
    run.add_argument("--no-status-quo", action="store_true",
                     help="skip the no-transfer baseline (faster; summary omits status_quo_compliance)")
    run.add_argument("--sensitivity", action="store_true",
                     help="also report shadow prices with the ranges where they hold, what one more "
                          "(or less) million buys and where, and what each hard target and deadline "
                          "costs (several re-solves; adds 'sensitivity' to summary.json)")
    run.add_argument("--certify", action="store_true",
                     help="also prove each stage's optimum without trusting the solver: its Lagrangian "
                          "bound at the solve's duals, every unit's programs solved exactly (HiGHS only; "
                          "adds 'certificate' to summary.json)")
    run.add_argument("--no-diagnosis", action="store_true",
                     help="when hard targets are unmet, skip the diagnosis (extra ceiling needed, "
                          "conflicts, alternatives)")
    record_args(run)


def warn_plausibility(scenario) -> None:
    """Values past a plausibility limit's warning level, on stderr (they do not stop the run)."""
    for problem in plausibility_warnings(scenario):
        print(f"budgetsim: warning: {problem}", file=sys.stderr)


def run_command(args: argparse.Namespace) -> int:
    """``budgetsim run``: 0 when solved (hard targets met or not: both are answers)."""
    started = time.perf_counter()
    with recorder(args) or contextlib.nullcontext() as opened:
        return _solve_and_report(args, started, opened)


def _solve_and_report(args: argparse.Namespace, started: float, opened) -> int:
    scenario = load_scenario(args.scenario, args.overrides)
    warn_plausibility(scenario)
    for flag, asked in (("--sensitivity", args.sensitivity), ("--certify", args.certify)):
        if asked and args.solver != SolverName.HIGHS.value:
            raise ScenarioError([Problem(flag, "", "needs --solver highs (CBC reports no reliable duals)")])
    parquet = table_format(args, scenario) == "parquet"
    with district_runner(args) as runner:
        result = solve(scenario, solver=args.solver, write_lp=args.write_lp,
                       status_quo=not args.no_status_quo, method=args.method, runner=runner, certify=args.certify)
    # Nothing more to add (no diagnosis, no analysis): the recorder renders and writes it while this prints.
    early = opened is not None and not args.sensitivity and (result.status == Status.OPTIMAL or args.no_diagnosis)
    if early:
        opened.hand_over("record_run", result, scenario, source="cli",
                         duration_seconds=time.perf_counter() - started)
    print(format_summary(result))
    if result.certificate is not None:
        print(format_certificate(result.certificate))
    extra_summary: dict = {}
    extra_tables: dict = {}
    if result.status != Status.OPTIMAL and not args.no_diagnosis:
        diagnosis = diagnose(scenario, result, solver=args.solver)
        print("\n" + format_diagnosis(diagnosis))
        extra_summary["diagnosis"] = diagnosis.summary()
        extra_tables.update(diagnosis.tables())
    if args.sensitivity:
        frontier = compute_frontier(scenario, args.solver) if result.status == Status.OPTIMAL else None
        analysis = sensitivity(scenario, result, args.solver, frontier)
        print("\n" + format_sensitivity(analysis))
        extra_summary["sensitivity"] = analysis.summary()
        extra_tables.update(analysis.tables())
    if args.out:
        render = render_parquet if parquet else render_result
        written = write_files(args.out, render(result, extra_summary, extra_tables, scenario.districts))
        print(f"\nwrote {', '.join(str(p) for p in written)}")
    if args.write_lp:
        print(f"wrote {args.write_lp}")
    record(args, (lambda recorder: recorder.answer()) if early else lambda store: store.record_run(
        result, scenario, source="cli", extra_summary=extra_summary, extra_tables=extra_tables,
        duration_seconds=time.perf_counter() - started), opened)
    return 0
