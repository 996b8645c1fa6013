"""Closed sets of names used throughout the model: programs, statuses, solvers.

Keeping them here as ``StrEnum`` values means a typo in a program or solver name
is an error where it is written, not a silent miss in a dictionary look-up.
"""

from __future__ import annotations

from enum import StrEnum


class Program(StrEnum):
    """The five programs the city funds (SPEC section 4)."""

    OFFICE_SPACE = "office_space"
    SERVICE_SPACE = "service_space"
    OPERATING_FUNDS = "operating_funds"
    MEMBER_SUBSIDY = "member_subsidy"
    SOCIAL_INSURANCE = "social_insurance"


PROGRAMS: tuple[Program, ...] = tuple(Program)

#: Capital programs: money buys floor area once, and the area stays provided.
CAPITAL_PROGRAMS: tuple[Program, ...] = (Program.OFFICE_SPACE, Program.SERVICE_SPACE)

#: Recurring programs: the gap has to be paid again every year.
RECURRING_PROGRAMS: tuple[Program, ...] = (
    Program.OPERATING_FUNDS,
    Program.MEMBER_SUBSIDY,
    Program.SOCIAL_INSURANCE,
)


class Requirement(StrEnum):
    """Hard requirements whose shortfall the model reports in yuan."""

    OFFICE_SPACE_DEADLINE = "office_space_deadline"
    SERVICE_SPACE_DEADLINE = "service_space_deadline"
    OPERATING_FUNDS_STANDARD = "operating_funds_standard"
    MINIMUM_WAGE = "minimum_wage"
    SOCIAL_INSURANCE = "social_insurance"


#: The program each hard requirement belongs to.
REQUIREMENT_PROGRAM: dict[Requirement, Program] = {
    Requirement.OFFICE_SPACE_DEADLINE: Program.OFFICE_SPACE,
    Requirement.SERVICE_SPACE_DEADLINE: Program.SERVICE_SPACE,
    Requirement.OPERATING_FUNDS_STANDARD: Program.OPERATING_FUNDS,
    Requirement.MINIMUM_WAGE: Program.MEMBER_SUBSIDY,
    Requirement.SOCIAL_INSURANCE: Program.SOCIAL_INSURANCE,
}


class Status(StrEnum):
    """Outcome of a solve, as reported in ``summary.json``."""

    OPTIMAL = "optimal"
    #: Solved, but the ceiling cannot pay for every hard target: an answer, not a failure.
    HARD_TARGETS_UNMET = "hard_targets_unmet"


class Rule(StrEnum):
    """Allocation rules a bureau might use instead of the optimiser (see :mod:`model.analysis.baselines`)."""

    STATUS_QUO = "status_quo"
    EQUAL_PER_COMMITTEE = "equal_per_committee"
    PRO_RATA_GAP = "pro_rata_gap"
    PER_CAPITA = "per_capita"
    EQUALISATION = "equalisation"


RULES: tuple[Rule, ...] = tuple(Rule)


class SolverName(StrEnum):
    """The solvers: HiGHS in matrix form (every solve of the product), CBC through PuLP (the reference)."""

    HIGHS = "highs"
    CBC = "cbc"


class Method(StrEnum):
    """How the LP is solved: whole (one HiGHS LP per stage), decomposed by district
    (Dantzig-Wolfe: :mod:`model.solve.decomposed`), or chosen by size (``auto``)."""

    AUTO = "auto"
    MONOLITHIC = "monolithic"
    DECOMPOSED = "decomposed"


#: ``auto`` decomposes from this many units (communities) on: at 20,000 the whole LP
#: takes 97 s, at 1,380 0.3-0.8 s (and its decomposition several seconds).
DECOMPOSE_FROM = 5_000


class Stage(StrEnum):
    """The lexicographic stages of the objective, in the order they are solved."""

    HARD = "unmet_hard"
    SOFT = "soft_closure"
    TRANSFERS = "city_transfers"
    #: Among allocations equal on the first three: the canonical one (see
    #: :func:`model.formulation.objectives.tie_break_costs`).
    TIE_BREAK = "tie_break"


class MinWageTier(StrEnum):
    """Which minimum-wage schedule applies to a district."""

    CITY = "city"
    COUNTY = "county"


#: Points per chunk of a batch (sweep, Monte Carlo). Each chunk starts again from the
#: base scenario's optimal bases (about 6 ms for a city-level point), so larger chunks
#: restart less often; 100 still spreads batches of a few hundred points over workers.
DEFAULT_CHUNK = 100
