"""What a bureau would get without the optimiser, measured by the same metrics.

Each baseline is a rule that splits the year's ceiling between districts before
anyone looks at the optimum; the districts then spend their own budgets and their
grants by the same rules as in the optimised plan (hard targets first, then soft
gaps by their weights, own money before city money). Technically: the same LP
with one more row family, ``grant[d,t]``, capping each district's transfers at its
grant. Rules (SPEC section 4):

- ``status_quo``: no transfers at all;
- ``equal_per_committee`` (定额): the ceiling in equal amounts per committee;
- ``pro_rata_gap``: in proportion to each district's gap over the horizon
  (recurring gaps summed over the years, capital gaps at first-year prices);
- ``per_capita``: in proportion to residents;
- ``equalisation``: ``(standard expenditure - standard revenue) x coefficient``.
  Standard expenditure is what the standards cost in the year (what the district
  already spends plus its gap; capital gaps spread evenly over the years up to
  their deadline); standard revenue is what the district can pay (what it already
  spends plus its fiscal capacity). Their difference is the year's gap minus the
  capacity, counted where positive; the coefficient is set each year so that the
  grants add up to the ceiling, like the other rules.

Because a baseline is the optimisation with an extra constraint, the optimum is
never worse on its own (lexicographic) objective; the tests check it.
"""

from __future__ import annotations

import numpy as np

from ..constants import CAPITAL_PROGRAMS, RECURRING_PROGRAMS, RULES, Program, Requirement, Rule, SolverName
from ..formulation.inputs import ModelInputs
from ..pipeline import solve_inputs, solve_status_quo
from ..results.result import Result
from ..results.tables import as_baseline
from ..solve.resolver import Resolver, resolver
from ..scenario.scenario import Scenario

RULE_LABELS = {
    Rule.STATUS_QUO: "Status quo (no transfers)",
    Rule.EQUAL_PER_COMMITTEE: "Equal amount per committee",
    Rule.PRO_RATA_GAP: "Pro rata to gap",
    Rule.PER_CAPITA: "Per capita",
    Rule.EQUALISATION: "Equalisation formula",
}


def horizon_gap(inputs: ModelInputs) -> np.ndarray:
    """Each district's gap over the whole horizon, in yuan (G,)."""
    total = np.zeros(len(inputs.units))
    for program in RECURRING_PROGRAMS:
        total += inputs.gap[program].sum(axis=1)
    for program in CAPITAL_PROGRAMS:
        total += inputs.upgrade_units[program] * inputs.unit_cost[program][:, 0]
    return inputs.by_district(total)


def annual_gap(inputs: ModelInputs) -> np.ndarray:
    """Each district's gap per year (G, T): recurring gaps, plus capital gaps spread
    evenly over the years up to their deadline (the end of the horizon when soft)."""
    n_u, n_t = inputs.shape
    total = np.zeros((n_u, n_t))
    for program in RECURRING_PROGRAMS:
        total += inputs.gap[program]
    deadline = {Program.OFFICE_SPACE: Requirement.OFFICE_SPACE_DEADLINE,
                Program.SERVICE_SPACE: Requirement.SERVICE_SPACE_DEADLINE}
    for program in CAPITAL_PROGRAMS:
        last = inputs.years[-1]
        if inputs.hard_capital[program]:
            last = inputs.deadlines[deadline[program]]
        years = np.array(inputs.years) <= last
        spread = years / years.sum()
        total += inputs.upgrade_units[program][:, None] * inputs.unit_cost[program] * spread[None, :]
    return inputs.by_district(total)


def grants(rule: Rule, inputs: ModelInputs) -> tuple[np.ndarray, dict[str, list[float]]]:
    """The grant each district receives each year under ``rule`` (G, T), and notes.

    The notes hold the equalisation coefficient by year (empty for other rules).
    """
    rule = Rule(rule)
    ceiling = inputs.ceiling[None, :]
    n_g, n_t = len(inputs.districts), len(inputs.years)
    notes: dict[str, list[float]] = {}

    def share(weights: np.ndarray) -> np.ndarray:
        weights = np.broadcast_to(weights, (n_g, n_t)).astype(float)
        totals = weights.sum(axis=0, keepdims=True)
        return np.divide(weights, totals, out=np.zeros((n_g, n_t)), where=totals > 0)

    if rule == Rule.STATUS_QUO:
        return np.zeros((n_g, n_t)), notes
    if rule == Rule.EQUAL_PER_COMMITTEE:
        return share(inputs.by_district(inputs.committees)[:, None]) * ceiling, notes
    if rule == Rule.PER_CAPITA:
        return share(inputs.by_district(inputs.residents)[:, None]) * ceiling, notes
    if rule == Rule.PRO_RATA_GAP:
        return share(horizon_gap(inputs)[:, None]) * ceiling, notes
    shortfall = np.maximum(annual_gap(inputs) - inputs.capacity, 0.0)
    totals = shortfall.sum(axis=0)
    coefficient = np.divide(inputs.ceiling, totals, out=np.zeros(n_t), where=totals > 0)
    notes["coefficient"] = [float(c) for c in coefficient]
    return shortfall * coefficient[None, :], notes


def solve_baseline(scenario: Scenario, inputs: ModelInputs, rule: Rule | str,
                   solver: SolverName | str | Resolver = SolverName.HIGHS) -> Result:
    """Evaluate one rule: split the ceiling by the rule, then let districts spend."""
    rule = Rule(rule)
    if rule == Rule.STATUS_QUO:
        return solve_status_quo(scenario, inputs, solver)
    grant, notes = grants(rule, inputs)
    return as_baseline(solve_inputs(scenario, inputs.with_grants(grant), solver), rule, inputs, grant, notes)


def solve_baselines(scenario: Scenario, inputs: ModelInputs, rules=RULES,
                    solver: SolverName | str | Resolver = SolverName.HIGHS) -> dict[Rule, Result]:
    """Every rule's result, by rule (one resolver for all: each warm-starts from the last)."""
    engine = resolver(solver)
    return {Rule(rule): solve_baseline(scenario, inputs, rule, engine) for rule in rules}
