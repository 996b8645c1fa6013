"""``budgetsim generate``: a national-scale scenario (N communities) written from a seed.

The scenario is drawn by :func:`model.scenario.national.generate` (the seed scenario's
per-committee distributions, cited and marked as assumptions) and written whole into
``--out`` (the TOML file and its two tables; a folder is replaced only when all are
written).
"""

from __future__ import annotations

import argparse
import contextlib
from pathlib import Path

from ..constants import DECOMPOSE_FROM, Method
from ..errors import Problem, ScenarioError
from ..io import write_files
from ..scenario.national import MAX_COMMUNITIES, MIN_COMMUNITIES, generate


def add_national_commands(commands) -> None:
    """The ``generate`` command's parser."""
    gen = commands.add_parser(
        "generate", help="write a national-scale scenario of N communities drawn from a seed",
        description="Draw N communities (residents' committees) in districts of about 40 and up to 31 "
                    "provinces, with the per-committee distributions of tianjin-2006-communities.toml, "
                    "reproducibly from --seed, and write national.toml, national-districts.csv and "
                    "national-communities.csv into --out. Run it with `budgetsim run DIR/national.toml`.")
    gen.add_argument("--communities", type=int, required=True, metavar="N",
                     help=f"number of communities ({MIN_COMMUNITIES:,} to {MAX_COMMUNITIES:,})")
    gen.add_argument("--seed", type=int, default=1, metavar="S", help="seed of the draws (default 1)")
    gen.add_argument("--out", type=Path, required=True, metavar="DIR", help="folder for the scenario files")
    gen.add_argument("--name", default="national", metavar="NAME",
                     help="file name stem (default: national -> national.toml)")


def add_method_args(p: argparse.ArgumentParser) -> None:
    """``--method`` (and ``--dask`` for the districts' LPs) on ``run``."""
    p.add_argument("--method", choices=[m.value for m in Method], default=Method.AUTO.value,
                   help="monolithic: the whole LP per stage; decomposed: the same stages by district "
                        "(Dantzig-Wolfe, same optima, for national scale); auto (default): decomposed "
                        f"from {DECOMPOSE_FROM:,} communities on when the scenario has no equity term")
    p.add_argument("--dask", metavar="ADDRESS", default=None,
                   help="solve the districts' LPs of a decomposed solve on this Dask scheduler "
                        "(tcp://host:8786); needs --method decomposed")
    p.add_argument("--format", choices=["auto", "csv", "parquet"], default="auto",
                   help="tables of --out: CSV or Parquet (columnar, pyarrow); auto (default): Parquet "
                        f"from {DECOMPOSE_FROM:,} communities on, CSV below")


def add_batch_method_arg(p: argparse.ArgumentParser) -> None:
    """``--method`` on ``sweep`` and ``montecarlo``: how each point is solved."""
    p.add_argument("--method", choices=[m.value for m in Method], default=Method.AUTO.value,
                   help="how each point is solved: monolithic (the whole LP, warm from the point before) or "
                        f"decomposed by district; auto (default): decomposed from {DECOMPOSE_FROM:,} "
                        "communities on when the scenario has no equity term. On --dask, workers take whole points")


def table_format(args: argparse.Namespace, scenario) -> str:
    """``--format``: csv or parquet; auto is Parquet from ``DECOMPOSE_FROM`` communities on."""
    if args.format != "auto":
        return args.format
    return "parquet" if len(scenario.unit_table) >= DECOMPOSE_FROM else "csv"


@contextlib.contextmanager
def district_runner(args: argparse.Namespace):
    """Where a decomposed solve runs its districts' LPs: here (None) or on ``--dask``."""
    if getattr(args, "dask", None) is None:
        yield None
        return
    if args.method != Method.DECOMPOSED.value:
        raise ScenarioError([Problem("--dask", args.dask, "needs --method decomposed (a whole LP is one solve)")])
    from ..batch.districts import DaskDistricts

    with DaskDistricts(args.dask) as runner:
        yield runner


def add_scale_args(bench: argparse.ArgumentParser) -> None:
    """``bench --scale N`` (the national-scale solve) and its options."""
    bench.add_argument("--scale", type=int, default=None, metavar="N",
                       help="instead of the batch figures: generate N communities and time the decomposed "
                            "solve (median of --repeat), the result tables (Parquet, CSV) and peak memory")
    bench.add_argument("--monolithic", action="store_true",
                       help="with --scale: also solve the whole LP once and compare the optima")


def scale_bench_command(args: argparse.Namespace) -> int:
    from ..batch.national_bench import run_national_bench

    if not MIN_COMMUNITIES <= args.scale <= MAX_COMMUNITIES:
        raise ScenarioError([Problem("--scale", str(args.scale), f"must be {MIN_COMMUNITIES:,} to {MAX_COMMUNITIES:,}")])
    for line in run_national_bench(args.scale, repeat=args.repeat, monolithic=args.monolithic):
        print(line, flush=True)
    return 0


def generate_command(args: argparse.Namespace) -> int:
    problems = []
    if not MIN_COMMUNITIES <= args.communities <= MAX_COMMUNITIES:
        problems.append(Problem("--communities", str(args.communities),
                                f"must be {MIN_COMMUNITIES:,} to {MAX_COMMUNITIES:,}"))
    if args.seed < 0:
        problems.append(Problem("--seed", str(args.seed), "must be 0 or more"))
    if not args.name.replace("-", "").replace("_", "").isalnum():
        problems.append(Problem("--name", args.name, "must be letters, digits, - or _"))
    if problems:
        raise ScenarioError(problems)
    files = generate(args.communities, args.seed, name=args.name)
    write_files(args.out, files)
    print(f"wrote {args.out / (args.name + '.toml')} ({args.communities:,} communities, seed {args.seed})")
    return 0


NATIONAL_COMMANDS = {"generate": generate_command}
