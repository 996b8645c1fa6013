"""Equity: each district's soft coverage and money per committee, and their spread."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..formulation.inputs import ModelInputs


def gini(values: np.ndarray, weights: np.ndarray) -> float:
    """Gini coefficient of ``values`` (e.g. yuan per committee) with ``weights`` (committees)."""
    order = np.argsort(values)
    v, w = np.asarray(values, float)[order], np.asarray(weights, float)[order]
    total = (v * w).sum()
    if total <= 0 or w.sum() <= 0:
        return 0.0
    cum_w = np.cumsum(w) / w.sum()
    cum_v = np.cumsum(v * w) / total
    # Area under the Lorenz curve by trapezoids; Gini = 1 - 2 * area.
    area = np.sum((cum_w - np.concatenate([[0.0], cum_w[:-1]])) * (cum_v + np.concatenate([[0.0], cum_v[:-1]])) / 2)
    return float(1.0 - 2.0 * area)


def district_equity(inputs: ModelInputs, own: np.ndarray, transfer: np.ndarray
                    ) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Per district: soft coverage and money per committee; and their spread.

    Coverage is the share of the soft points a district could earn (every soft gap
    closed from the first year) that it does earn; money per committee is over the
    whole horizon.
    """
    closed = own + transfer
    points = inputs.by_district(inputs.soft_points(closed))
    attainable = inputs.by_district(inputs.max_soft_points())
    coverage = np.divide(points, attainable, out=np.full(len(points), np.nan), where=attainable > 0)
    committees = inputs.by_district(inputs.committees)
    transfers = inputs.by_district(transfer.sum(axis=(1, 2)))
    funding = inputs.by_district(closed.sum(axis=(1, 2)))
    table = pd.DataFrame({
        "district": inputs.districts,
        "committees": committees,
        "soft_points": points,
        "attainable_points": attainable,
        "coverage": coverage,
        "own_yuan": inputs.by_district(own.sum(axis=(1, 2))),
        "transfer_yuan": transfers,
        "closed_yuan": funding,
        "transfer_per_committee_yuan": transfers / committees,
        "closed_per_committee_yuan": funding / committees,
    })
    has_soft = ~np.isnan(coverage)
    worst = int(np.nanargmin(coverage)) if has_soft.any() else None
    per_committee = funding / committees
    equity = {
        "min_coverage": float(coverage[worst]) if worst is not None else None,
        "min_coverage_district": inputs.districts[worst] if worst is not None else None,
        "max_coverage": float(np.nanmax(coverage)) if has_soft.any() else None,
        "closed_per_committee_min_yuan": float(per_committee.min()),
        "closed_per_committee_max_yuan": float(per_committee.max()),
        "closed_per_committee_cv": float(per_committee.std() / per_committee.mean()) if per_committee.mean() > 0 else 0.0,
        "closed_per_committee_gini": gini(per_committee, committees),
        "transfer_per_committee_gini": gini(transfers / committees, committees),
    }
    return table, equity
