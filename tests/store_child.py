"""A separate process that writes to a store, for the integrity tests (run as a script).

    store_child.py record URL PICKLE TAG COUNT   record COUNT runs, save and label; print the ids
    store_child.py kill URL PICKLE               record one run, SIGKILLed by itself mid-transaction
"""

from __future__ import annotations

import os
import pickle
import signal
import sys

import sqlalchemy as sa

from model.store import Store


def main(mode: str, url: str, pickled: str, *rest: str) -> None:
    with open(pickled, "rb") as f:
        result, scenario = pickle.load(f)
    store = Store.open(url)
    if mode == "record":
        tag, count = rest[0], int(rest[1])
        ids = []
        for i in range(count):
            run_id = store.record_run(result, scenario, source="cli", scenario_name=f"proc-{tag}")
            store.label_run(run_id, f"{tag}:{i}")
            store.save_scenario(scenario, "shared", note=f"from {tag}")
            ids.append(run_id)
        print(" ".join(map(str, ids)), flush=True)
    elif mode == "kill":
        # Die the hardest way right after the run's row and the first of its files are
        # sent, before the transaction commits.
        @sa.event.listens_for(store._engine, "after_cursor_execute")
        def _die(_conn, _cursor, statement, *_args):
            if statement.lstrip().upper().startswith("INSERT INTO RUN_FILES"):
                os.kill(os.getpid(), signal.SIGKILL)

        store.record_run(result, scenario, source="cli")
        print("not killed", flush=True)


if __name__ == "__main__":
    main(*sys.argv[1:])
