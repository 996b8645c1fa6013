"""``budgetsim runs|scenarios|db``: the store from the command line, and the recording of
``run``, ``sweep`` and ``montecarlo`` (on by default; ``--no-record`` skips it)."""

from __future__ import annotations

import argparse
import datetime
import json
from collections.abc import Callable
from pathlib import Path

from ..errors import Problem, ScenarioError


def db_arg(p: argparse.ArgumentParser, top: bool = False) -> None:
    """``--db URL`` on the program (before the command) and on each command (it wins)."""
    p.add_argument("--db", dest="db" if top else "command_db", metavar="URL", default=None,
                   help="the store: an SQLite file or a postgresql+psycopg://user@host/dbname URL "
                        "(default: $BUDGETSIM_DB, else ~/.local/share/budgetsim/budgetsim.sqlite)")


def record_args(p: argparse.ArgumentParser) -> None:
    db_arg(p)
    p.add_argument("--no-record", action="store_true", help="do not record this run in the store")


def _db(args: argparse.Namespace) -> str | None:
    return getattr(args, "command_db", None) or getattr(args, "db", None)


def open_store(args: argparse.Namespace, check: bool = True):
    from ..store import Store

    return Store.open(_db(args), check=check)


def recorder(args: argparse.Namespace):
    """The store opened in a second process while the command works (see
    :mod:`model.store.recorder`); None with ``--no-record``."""
    if getattr(args, "no_record", False):
        return None
    from ..store.recorder import Recorder

    return Recorder(_db(args))


def record(args: argparse.Namespace, write: Callable, opened=None) -> None:
    """Record with ``write(store) -> run id`` unless ``--no-record``; say where. ``opened``:
    the :func:`recorder` started with the command (its errors are raised here)."""
    if getattr(args, "no_record", False):
        return
    with (opened if opened is not None else open_store(args)) as store:
        run_id = write(store)
        print(f"recorded as run {run_id} in {store.where} (`budgetsim runs show {run_id}`)")


def add_store_commands(commands) -> None:
    runs = commands.add_parser("runs", help="the run history: list runs, show one, label it",
                               description="Every recorded run, newest first (run, sweep, montecarlo).")
    db_arg(runs)
    sub = runs.add_subparsers(dest="runs_command", required=True, metavar="ACTION")
    listing = sub.add_parser("list", help="list recorded runs, newest first")
    listing.add_argument("--scenario", metavar="NAME", help="a scenario file name or a saved scenario's name")
    listing.add_argument("--status", help="optimal, hard_targets_unmet, done")
    listing.add_argument("--kind", choices=["run", "sweep", "montecarlo"])
    listing.add_argument("--since", type=_date, metavar="YYYY-MM-DD")
    listing.add_argument("--until", type=_date, metavar="YYYY-MM-DD")
    listing.add_argument("--page", type=int, default=1)
    listing.add_argument("--per-page", type=int, default=50)
    listing.add_argument("--json", action="store_true", help="one JSON object per line")
    db_arg(listing)
    show = sub.add_parser("show", help="show one run; --out writes its tables as `run --out` did")
    show.add_argument("id", type=int)
    show.add_argument("--out", type=Path, metavar="DIR", help="write summary.json and the CSV tables into DIR")
    show.add_argument("--json", action="store_true", help="the run's record and summary as JSON")
    db_arg(show)
    label = sub.add_parser("label", help="add a note or a 'presented to ...' label (a new row)")
    label.add_argument("id", type=int)
    label.add_argument("text")
    label.add_argument("--presented", action="store_true", help="mark the run as presented (text: to whom, when)")
    db_arg(label)

    scenarios = commands.add_parser("scenarios", help="saved scenarios: list, save, export",
                                    description="Scenarios kept by content (sha256) under names; a name "
                                                "saved again with new content gets a new version.")
    db_arg(scenarios)
    sub = scenarios.add_subparsers(dest="scenarios_command", required=True, metavar="ACTION")
    listing = sub.add_parser("list", help="saved scenarios, newest first")
    listing.add_argument("--history", action="store_true", help="every version, not only the newest")
    listing.add_argument("--json", action="store_true")
    db_arg(listing)
    save = sub.add_parser("save", help="save a scenario file (with overrides) under a name")
    save.add_argument("scenario", type=Path)
    save.add_argument("--name", help="default: the scenario's title")
    save.add_argument("--note", default="")
    save.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE")
    db_arg(save)
    export = sub.add_parser("export", help="write a saved scenario's files (TOML and CSV) into a folder")
    export.add_argument("ref", metavar="NAME|SHA256")
    export.add_argument("--out", type=Path, required=True, metavar="DIR")
    db_arg(export)

    db = commands.add_parser("db", help="the store itself: upgrade its schema",
                             description="`db upgrade` migrates the store to this budgetsim's schema, "
                                         "keeping its data (creates it when empty).")
    db_arg(db)
    sub = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    db_arg(sub.add_parser("upgrade", help="migrate the store to the newest schema (data kept)"))


def _date(text: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def runs_command(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        if args.runs_command == "list":
            if args.page < 1 or args.per_page < 1:
                raise ScenarioError([Problem("--page/--per-page", "", "must be at least 1")])
            page = store.runs(scenario=args.scenario, status=args.status, kind=args.kind, since=args.since,
                              until=args.until, page=args.page, per_page=args.per_page)
            if args.json:
                for row in page.frame.to_dict("records"):
                    row["created_at"] = row["created_at"].isoformat()
                    print(json.dumps({k: (None if v != v else v) for k, v in row.items()}, ensure_ascii=False))
                return 0
            print(f"{page.total} run(s) in {store.where}; page {page.page} of {page.pages}, newest first")
            for row in page.frame.itertuples():
                money = (f"transfers {row.transfers_yuan / 1e4:,.0f} of {row.ceiling_yuan / 1e4:,.0f} (10k yuan)"
                         if row.ceiling_yuan == row.ceiling_yuan and row.ceiling_yuan is not None else "")
                mark = f"  [presented: {row.presented}]" if isinstance(row.presented, str) else ""
                print(f"{row.id:>6}  {row.created_at:%Y-%m-%d %H:%M}  {row.kind:10} {row.scenario_name:32} "
                      f"{row.status:18} {money}  {row.username}@{row.host}{mark}")
            return 0
        if args.runs_command == "label":
            label_id = store.label_run(args.id, args.text, kind="presented" if args.presented else "note")
            print(f"run {args.id}: label {label_id} added")
            return 0
        run = store.run(args.id)
        if args.json:
            info = {k: (v.isoformat() if isinstance(v, datetime.datetime) else v) for k, v in run.info.items()}
            print(json.dumps({"run": info, "labels": run.labels.astype(str).to_dict("records")},
                             ensure_ascii=False, indent=2))
        else:
            info = run.info
            print(f"run {run.id}: {info['kind']} of {info['title']} ({info['scenario_name']}, sha256 "
                  f"{info['scenario_sha256'][:12]}) at {info['created_at']:%Y-%m-%d %H:%M:%S} UTC by "
                  f"{info['username']}@{info['host']} ({info['source']})")
            print(f"  status {info['status']}; {info['solver']} {info['solver_version']}; budgetsim "
                  f"{info['budgetsim_version']}; {info['duration_seconds']:.2f} s")
            if info["overrides"]:
                print("  overrides: " + ", ".join(f"{o['key']}={o['value']}" for o in info["overrides"]))
            if info["output"]:
                print(f"  output files: {info['output']}")
            for label in run.labels.itertuples():
                print(f"  {label.kind}: {label.text} ({label.labelled_by}, {label.labelled_at:%Y-%m-%d %H:%M})")
            print("  files: " + ", ".join(run.files))
        if args.out:
            written = run.write(args.out)
            print(f"wrote {', '.join(str(p) for p in written)}")
    return 0


def scenarios_command(args: argparse.Namespace) -> int:
    from ..io import write_files
    from ..scenario.scenario import load_scenario

    with open_store(args) as store:
        if args.scenarios_command == "list":
            frame = store.scenarios(history=args.history)
            if args.json:
                for row in frame.to_dict("records"):
                    print(json.dumps({**row, "saved_at": row["saved_at"].isoformat()}, ensure_ascii=False))
                return 0
            print(f"{len(frame)} saved scenario(s) in {store.where}")
            for row in frame.itertuples():
                print(f"  {row.name:32} v{row.version:<3} {row.sha256[:12]}  {row.saved_at:%Y-%m-%d %H:%M}  "
                      f"{row.saved_by}  {row.title}" + (f"  - {row.note}" if row.note else ""))
            return 0
        if args.scenarios_command == "save":
            scenario = load_scenario(args.scenario, args.overrides)
            saved = store.save_scenario(scenario, args.name, note=args.note)
            print(f"saved {saved.name!r} version {saved.version} (sha256 {saved.sha256[:12]}) in {store.where}")
            return 0
        files = store.scenario_files(args.ref)
        written = write_files(args.out, files)
        print(f"wrote {', '.join(str(p) for p in written)}")
    return 0


def db_command(args: argparse.Namespace) -> int:
    with open_store(args, check=False) as store:
        before, after = store.upgrade()
        if before == after:
            print(f"{store.where}: already at schema {after}")
        else:
            print(f"{store.where}: upgraded from schema {before or '(empty)'} to {after}, data kept")
    return 0


STORE_COMMANDS = {"runs": runs_command, "scenarios": scenarios_command, "db": db_command}
