"""The stage objectives of the lexicographic LP, and the optional max-min equity term.

Stage 1 counts missing money for hard requirements, stage 2 the soft points of the
gaps closed (with the equity term), stage 3 the city's transfers (see
:mod:`model.formulation.build` for the whole model).
"""

from __future__ import annotations

import numpy as np

from ..constants import PROGRAMS, Stage
from .allocation import Formulation
from .lp import INF


def define_objectives(form: Formulation) -> None:
    """The three stage objectives, and the optional max-min equity term."""
    inputs, lp = form.inputs, form.lp
    # Soft points per yuan closed: committee- or member-years at standard, weighted
    # by program and by the district's fiscal need.
    for k, program in enumerate(PROGRAMS):
        form.points[:, k, :] = inputs.soft_value[program] * inputs.need_weight[:, None]

    if inputs.equity_weight > 0:
        _define_equity(form)

    n = lp.n_cols
    unmet = np.zeros(n)
    unmet[form.unmet_columns] = 1.0
    soft = np.zeros(n)
    soft[form.closed.ravel()] = -form.points.ravel()
    if form.equity is not None:
        # The column is in scaled units (see _define_equity): its cost equals the
        # largest per-yuan value, so one objective spans a narrow range.
        soft[form.equity] = -form.equity_scale * inputs.equity_weight * inputs.max_soft_points().sum()
    transfers = np.zeros(n)
    transfers[form.transfer.ravel()] = 1.0
    lp.objectives = {Stage.HARD: unmet, Stage.SOFT: soft, Stage.TRANSFERS: transfers}


def _define_equity(form: Formulation) -> None:
    """``equity[d]``: the worst district's share of the soft points it could earn.

    ``z * max_points_d <= points_d(x)``, points as :meth:`ModelInputs.soft_points`
    counts them (linear in x: the LP's per-yuan values minus the minimum-wage
    offset), for every district with soft gaps; ``z`` enters the soft stage with
    weight ``weights.equity`` times all attainable points.
    """
    inputs, lp = form.inputs, form.lp
    max_points = inputs.by_district(inputs.max_soft_points())
    # The column holds e = z / scale: z's objective weight (all attainable points,
    # ~1e4) would otherwise dwarf the per-yuan values (~1e-5) and stall the solver.
    total = inputs.equity_weight * max_points.sum()
    largest = float(np.abs(form.points).max()) if form.points.size else 0.0
    form.equity_scale = largest / total if largest > 0 and total > 0 else 1.0
    # Free below: with minimum-wage money missing, a district's counted points can
    # fall below the offset and z below zero; the row must stay satisfiable.
    form.equity = int(lp.add_columns("equity", [()], -INF, 1.0 / form.equity_scale)[0])
    offset = inputs.by_district(inputs.soft_points_offset())
    districts = np.flatnonzero(max_points > 0)
    renumber = np.full(len(inputs.districts), -1)
    renumber[districts] = np.arange(districts.size)
    values = np.stack([inputs.soft_value[p] for p in PROGRAMS], axis=1)  # (U, P, T)
    row_of_unit = np.broadcast_to(renumber[inputs.unit_district][:, None, None], values.shape)
    keep = row_of_unit >= 0
    rows = np.concatenate([row_of_unit[keep], np.arange(districts.size)])
    cols = np.concatenate([form.closed[keep], np.full(districts.size, form.equity)])
    coefs = np.concatenate([-values[keep], max_points[districts] * form.equity_scale])
    lp.add_rows("equity", [(inputs.districts[d],) for d in districts], rows, cols, coefs, -INF,
                -offset[districts])
