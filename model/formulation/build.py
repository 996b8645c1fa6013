"""The allocation LP of SPEC section 4, written once as named sparse blocks.

:func:`formulate` turns :class:`~model.formulation.inputs.ModelInputs` into a
:class:`LinearProgram`: named column blocks (``closed``, ``transfer``, ``unmet``),
named row blocks (``capacity[hedong,2007]``, ``ceiling[2008]``, ...) and one
objective vector per lexicographic stage. Solvers read this description; none of
them writes the model again by hand. Each constraint family is one
``define_<thing>_constraints`` function.

Variables (yuan), for unit u (a district, or a community of a district d),
program p, year t:

- ``closed[u,p,t]``: money that closes the unit's gap in the program that year;
  at most the year's gap for recurring programs (a column bound). For capital
  programs money buys committees upgraded: ``closed / unit_cost[u,p,t]`` of them;
- ``transfer[d,t]``: the city's transfer payment to district d in year t;
- ``unmet_<requirement>[u,t]``: money missing for a hard requirement (zero when
  the scenario is feasible).

What the district pays itself is the rest: ``own[d,t] = sum closed - transfer``.
Money is fungible inside a district's budget, so only these totals are constrained
(capacity, co-financing, ceiling); results attribute each district-year's own and
city money to its units and programs in proportion to the money they close
(:meth:`Formulation.money`). Modelling the split per program would only add
interchangeable columns, which made HiGHS crawl on community-level models.

Objective, lexicographic (minimised in turn, each stage's optimum then fixed):

1. ``unmet_hard``: total missing money for hard requirements;
2. ``soft_closure``: minus the points of soft gaps closed (weighted committee- and
   member-years at standard, times the district's need weight), plus an optional
   max-min equity term;
3. ``city_transfers``: total transfers (districts pay first where they can);
4. ``tie_break``: the least money in all, then a fixed order of the columns, so that
   the optimum is unique (see :func:`~model.formulation.objectives.tie_break_costs`).
"""

from __future__ import annotations

import math

import numpy as np

from ..constants import PROGRAMS, RECURRING_PROGRAMS
from .allocation import Formulation
from .constraints import (
    capacity_bounds,
    ceiling_bounds,
    define_capacity_constraints,
    define_ceiling_constraints,
    define_co_financing_constraints,
    define_continuity_constraints,
    define_gap_constraints,
    define_grant_constraints,
    define_hard_requirement_constraints,
    district_years,
    total_ceiling_bounds,
)
from .inputs import ModelInputs
from .lp import INF, Labels, LinearProgram
from .objectives import define_objectives


def formulate(inputs: ModelInputs) -> Formulation:
    """Build the LP for ``inputs`` (see the module docstring)."""
    lp = LinearProgram()
    n_u, n_t = inputs.shape
    n_p = len(PROGRAMS)
    labels = Labels(n_u * n_p * n_t, lambda: [(u, p.value, t) for u in inputs.units for p in PROGRAMS
                                              for t in inputs.years])
    # Closure never exceeds the gap: for recurring programs the year's gap bounds
    # the column; capital programs are bounded over the horizon by a row.
    upper = np.full((n_u, n_p, n_t), INF)
    for k, program in enumerate(PROGRAMS):
        if program in RECURRING_PROGRAMS:
            upper[:, k, :] = inputs.gap[program]
        else:
            upper[:, k, :] = np.where(inputs.upgrade_units[program][:, None] > 0, INF, 0.0)
    closed = lp.add_columns("closed", labels, 0.0, upper.ravel()).reshape(n_u, n_p, n_t)
    transfer = lp.add_columns("transfer", district_years(inputs), 0.0, INF).reshape(len(inputs.districts), n_t)
    form = Formulation(lp=lp, inputs=inputs, closed=closed, transfer=transfer, points=np.zeros((n_u, n_p, n_t)))

    define_hard_requirement_constraints(form)
    define_capacity_constraints(form)
    define_co_financing_constraints(form)
    define_ceiling_constraints(form)
    define_grant_constraints(form)
    define_gap_constraints(form)
    define_continuity_constraints(form)
    define_objectives(form)
    return form


#: Row blocks whose bounds are the inputs' money limits (capacity, ceilings) and
#: nothing else of them, with the function giving their bounds (used by their
#: ``define_*`` function and by :func:`with_money_limits`).
MONEY_LIMIT_ROWS = {"capacity": capacity_bounds, "ceiling": ceiling_bounds, "total_ceiling": total_ceiling_bounds}


def with_money_limits(form: Formulation, inputs: ModelInputs) -> Formulation | None:
    """The formulation of ``inputs`` that differ from ``form.inputs`` only in money limits.

    ``inputs`` as :func:`model.inputs.with_money_limits` makes them: the LP is
    ``form``'s with the bounds of :data:`MONEY_LIMIT_ROWS` recomputed -- what
    :func:`formulate` would build (tested), sharing the matrix and objectives.
    None when a horizon total appears or disappears: that is another structure,
    for :func:`formulate`.
    """
    if math.isfinite(inputs.total_ceiling) != math.isfinite(form.inputs.total_ceiling):
        return None
    bounds = {name: MONEY_LIMIT_ROWS[name](inputs) for name in MONEY_LIMIT_ROWS if name in form.lp.row_blocks}
    edited = Formulation(lp=form.lp.with_bounds_of(bounds), inputs=inputs, closed=form.closed,
                         transfer=form.transfer, points=form.points, equity=form.equity,
                         equity_scale=form.equity_scale, unmet_blocks=form.unmet_blocks)
    edited.__dict__.update({k: form.__dict__[k] for k in ("unmet", "unmet_columns") if k in form.__dict__})
    return edited
