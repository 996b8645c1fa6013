"""The stage objectives of the lexicographic LP, and the optional max-min equity term.

Stage 1 counts missing money for hard requirements, stage 2 the soft points of the
gaps closed (with the equity term), stage 3 the city's transfers, stage 4 the
tie-break that makes the answer one allocation (see :mod:`model.formulation.build`
for the whole model).

Why a tie-break: the first three stages often leave a choice. Offices may be
upgraded in one year or another from a district's own money, identical communities
may swap a service room, and two districts may swap a transfer, all equally good.
A solver then returns whichever optimal vertex its path reaches, so HiGHS warm or
cold, CBC, a sweep and a single run could show different allocation tables for the
same scenario. Stage 4 removes that choice (:func:`tie_break_costs`).
"""

from __future__ import annotations

import numpy as np

from ..constants import PROGRAMS, Stage
from .allocation import Formulation
from .lp import INF


def define_objectives(form: Formulation) -> None:
    """The four stage objectives (hard, soft, transfers, tie-break), and the optional
    max-min equity term."""
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
    lp.objectives = {Stage.HARD: unmet, Stage.SOFT: soft, Stage.TRANSFERS: transfers,
                     Stage.TIE_BREAK: tie_break_costs(form)}


#: Relative spread of the tie-break's per-column costs around 1 (see :func:`tie_break_costs`):
#: wide enough that solvers tell the options apart (their optimality tolerance is about
#: 1e-7 on objectives scaled to a largest cost of 1), narrow enough that the least
#: money spent comes first to within 0.1 %.
TIE_BREAK_SPREAD = 1e-3


def tie_break_costs(form: Formulation) -> np.ndarray:
    """Stage 4: among allocations equal on missing money, soft points and transfers, the
    one that spends the least money in all, then a fixed order.

    Every yuan of the money closing gaps, of the transfers and of the missing money
    costs ``1 + TIE_BREAK_SPREAD * h``, where ``h`` in [0, 1) is a fixed number of the
    column's unit id, program (or requirement) and year (:func:`_label_hash`). The
    first part means: no district spends own money that buys nothing the first three
    stages count (an office upgrade paid early at a lower price beats the same upgrade
    paid later); the second decides between options that cost the same, such as two
    identical communities, the same way for every solver and path, whatever the order
    of the rows in the scenario's tables. A generic linear objective has a single
    optimal vertex, so the allocation is unique (tested: HiGHS warm and cold, CBC,
    sweeps and single runs give the same table within a yuan).
    """
    inputs, lp = form.inputs, form.lp
    costs = np.zeros(lp.n_cols)
    years = np.asarray(inputs.years, dtype=np.uint64)
    units = _label_hash(np.asarray(inputs.units, dtype=object))
    programs = _label_hash(np.asarray([p.value for p in PROGRAMS], dtype=object))
    h = _mix(units[:, None, None], programs[None, :, None], years[None, None, :])
    costs[form.closed] = 1.0 + TIE_BREAK_SPREAD * h
    districts = _label_hash(np.asarray(inputs.districts, dtype=object))
    h = _mix(districts[:, None], _label_hash(np.asarray(["transfer"], dtype=object)), years[None, :])
    costs[form.transfer] = 1.0 + TIE_BREAK_SPREAD * h
    for block in form.unmet_blocks:
        tag = _label_hash(np.asarray([f"unmet_{block.requirement.value}"], dtype=object))
        costs[block.columns] = 1.0 + TIE_BREAK_SPREAD * _mix(units[block.units], tag,
                                                             block.years.astype(np.uint64))
    return costs


def _label_hash(labels: np.ndarray) -> np.ndarray:
    """A fixed 64-bit number per text label (CRC-32 spread by :func:`_mix`), as uint64."""
    import zlib

    crc = np.fromiter((zlib.crc32(str(x).encode("utf-8")) for x in labels), dtype=np.uint64, count=labels.size)
    return _splitmix(crc)


def _mix(*parts: np.ndarray) -> np.ndarray:
    """A number in [0, 1) from several uint64 arrays (broadcast), through SplitMix64."""
    z = np.zeros(np.broadcast_shapes(*(np.shape(p) for p in parts)), dtype=np.uint64)
    for part in parts:
        z = _splitmix(z ^ np.asarray(part, dtype=np.uint64))
    return (z >> np.uint64(11)).astype(np.float64) / float(1 << 53)


def _splitmix(z: np.ndarray) -> np.ndarray:
    """SplitMix64's finaliser (Steele, Lea and Flood 2014), element by element, modulo 2**64."""
    with np.errstate(over="ignore"):
        z = np.asarray(z, dtype=np.uint64) + np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return z ^ (z >> np.uint64(31))


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


def implied_equity(form: Formulation, x: np.ndarray) -> float:
    """The largest value of the equity column that the rest of ``x`` allows (the value the
    soft stage would give it): the tightest ``equity[d]`` row, within the column's bounds."""
    lp = form.lp
    rows = lp.rows_of("equity")
    matrix = lp.matrix()[rows]
    x = x.copy()
    x[form.equity] = 0.0
    coefficient = matrix[:, form.equity].toarray().ravel()  # > 0 in every row
    _, upper = lp.row_bounds("equity")
    room = (upper - matrix @ x) / coefficient
    _, col_upper, _, _ = lp.bounds()
    return float(min(room.min(), col_upper[form.equity]))
