"""Options to compare: scenarios solved by the optimiser, and the rules a bureau
would otherwise use on the first one (:mod:`model.baselines`).

Each option is a (scenario, result) pair labelled for people; the figures and
differences come from :mod:`model.compare`, so the CLI and the app show the same
numbers.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

import pandas as pd

from ..constants import (
    SolverName,
)
from ..formulation.inputs import build_inputs
from ..pipeline import solve
from ..results.result import Result
from ..solve.resolver import resolver
from ..scenario.scenario import Scenario, load_scenario
from .baselines import RULES, solve_baseline
from .compare import district_changes, headline, headline_table, input_differences

Options = dict[str, tuple[Scenario, Result]]


def baseline_options(scenario: Scenario, label: str, solver: SolverName | str = SolverName.HIGHS,
                     rules: Iterable = RULES) -> Options:
    """The rule-based baselines of ``scenario``, labelled ``"<label> / <rule>"``
    (e.g. ``tianjin-2006.toml / per_capita``; ``RULE_LABELS`` has the long names)."""
    inputs = build_inputs(scenario)
    engine = resolver(solver)  # one for every rule: each warm-starts from the one before
    return {f"{label} / {rule.value}": (scenario, solve_baseline(scenario, inputs, rule, engine))
            for rule in rules}


def compare_options(paths: Sequence[Path], overrides: Sequence[str] = (), baselines: bool = True,
                    solver: SolverName | str = SolverName.HIGHS) -> Options:
    """Solve each scenario file (the first is the reference) and, optionally, the
    baselines of the first. Labels are the file names."""
    options: Options = {}
    for path in paths:
        scenario = load_scenario(path, overrides)
        label = Path(path).name
        if label in options:
            raise ValueError(f"{label} is given twice")
        options[label] = (scenario, solve(scenario, solver=solver, status_quo=False))
    if baselines:
        first_label, (first, _) = next(iter(options.items()))
        options.update(baseline_options(first, first_label, solver))
    return options


def comparison_tables(options: Options) -> dict[str, pd.DataFrame]:
    """The comparison as tables: figures, differences from the first option,
    winners and losers by district, inputs that differ between the scenarios."""
    labels = list(options)
    figures = headline_table({label: headline(s, r) for label, (s, r) in options.items()})
    reference = labels[0]
    differences = figures.drop(columns=[reference]).sub(figures[reference], axis=0)
    scenarios = {label: s for label, (s, r) in options.items() if r.rule is None}
    return {
        "comparison": figures.reset_index(),
        "differences": differences.reset_index(),
        "district_changes": district_changes({label: r for label, (_, r) in options.items()}, reference),
        "input_differences": input_differences(scenarios) if len(scenarios) > 1 else
        pd.DataFrame(columns=["key", "unit", *scenarios]),
    }
