"""Figures for decision makers read off the budget frontier.

:mod:`model.frontier` gives the optimum along the ceiling ray at its exact
breakpoints; both missing money (stage 1) and soft points (stage 2, once no hard
money is missing) are linear between them. So what a step of the total ceiling
buys from today's ceiling is read off the frontier exactly, without solving again.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .frontier import MISSING_TOLERANCE, Frontier

MILLION = 1_000_000.0


def frontier_step(frontier: Frontier, step: float = MILLION) -> pd.DataFrame:
    """What ``step`` yuan more and less of total ceiling change, from today's ceiling.

    The step is spread over the years like today's ceiling (the frontier's year
    profile); the lower end stops at a zero ceiling, the upper end keeps buying
    nothing beyond saturation.

    Parameters
    ----------
    frontier : Frontier
        The scenario's frontier (:func:`model.frontier.compute_frontier`).
    step : float
        Yuan added and taken away (default one million).

    Returns
    -------
    DataFrame
        Two rows, ``+step`` then ``-step``: change_yuan (the change actually
        made: ``-step`` or down to zero), total_yuan (the new horizon total),
        missing_yuan and missing_change_yuan (money missing for hard targets
        there, and its change), points and points_change (soft points there and
        their change; NaN where hard money is missing at either end, since
        points then come after missing money and are not the frontier's
        piecewise-linear stage-2 values), and rate_per_million: the change per
        million yuan of the step (soft points, or missing yuan removed while
        hard money is missing today).
    """
    today = frontier.current_total_yuan
    missing_now = frontier.value_at(today, "missing_hard_yuan")
    points_now = frontier.value_at(today, "soft_points")
    rows = []
    for sign in (+1, -1):
        total = max(today + sign * step, 0.0)
        change = total - today
        missing = frontier.value_at(total, "missing_hard_yuan")
        feasible = missing <= MISSING_TOLERANCE and missing_now <= MISSING_TOLERANCE
        points = frontier.value_at(total, "soft_points") if missing <= MISSING_TOLERANCE else np.nan
        points_change = points - points_now if feasible else np.nan
        if change == 0:
            rate = np.nan
        elif missing_now > MISSING_TOLERANCE:
            rate = -(missing - missing_now) / change * MILLION
        else:
            rate = points_change / change * MILLION if feasible else np.nan
        rows.append({"change_yuan": change, "total_yuan": total, "missing_yuan": max(missing, 0.0),
                     "missing_change_yuan": missing - missing_now, "points": points,
                     "points_change": points_change, "rate_per_million": rate})
    return pd.DataFrame(rows)


def current_point(frontier: Frontier) -> pd.Series:
    """The frontier's row at today's ceiling."""
    rows = frontier.points[frontier.points["current"]]
    if rows.empty:  # compute_frontier always adds today's total; be explicit if it did not
        raise ValueError("the frontier has no row at today's ceiling")
    return rows.iloc[0]


__all__ = ["MILLION", "frontier_step", "current_point"]
