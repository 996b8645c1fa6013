"""The kept-basis test of a district's LP: is its last optimal basis still optimal at new costs?

Between pricing rounds of the decomposed solve only a district's costs change (the
prices of the ceilings): its last optimal basis stays primal feasible, and it is
still optimal if every nonbasic variable's reduced cost keeps the sign of the bound
it sits at. One solve with HiGHS's factorisation of the basis (0.1 ms) replaces a
HiGHS run (0.7 ms and up) for every district whose answer the new prices do not
change -- most of them once the prices settle. (:mod:`model.solve.vertex` is the
other test: bounds moved, costs the same.)
"""

from __future__ import annotations

import numpy as np

#: A nonbasic variable's reduced cost may be this far on the wrong side (costs scaled to a
#: largest of 1) for its basis still to count as optimal; otherwise HiGHS runs.
KEPT_TOLERANCE = 1e-10


class Bounds:
    """A block's bounds as the test reads them, columns then rows as one vector of
    variables (a row's value is its activity): where a value counts as sitting at its
    lower or upper bound (finite, to 1e-9 of the bound's size). Made once per instance
    and bounds, not per run."""

    def __init__(self, block, upper: np.ndarray):
        lower_all = np.concatenate([block.col_lower, block.row_lower])
        upper_all = np.concatenate([upper, block.row_upper])
        self.lower_finite, self.lower_reach = _reach(lower_all, 1.0)
        self.upper_finite, self.upper_reach = _reach(upper_all, -1.0)

    def at(self, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Whether each value sits at its lower bound, and at its upper bound."""
        return (self.lower_finite & (values <= self.lower_reach),
                self.upper_finite & (values >= self.upper_reach))


def _reach(bound: np.ndarray, side: float) -> tuple[np.ndarray, np.ndarray]:
    """Which bounds are finite, and each bound moved by 1e-9 of its size toward ``side``."""
    finite = np.isfinite(bound)
    b = np.where(finite, bound, 0.0)
    return finite, b + side * (1e-9 * np.maximum(1.0, np.abs(b)))


def _sign_rules(nonbasic: np.ndarray, at_lower: np.ndarray, at_upper: np.ndarray
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For the nonbasic variables that are not fixed: the positions whose reduced cost
    (or dual) must have a sign, that sign (+1: at its lower bound only, it must not
    fall; -1: at its upper bound only), and the positions of free ones (zero cost)."""
    signed = np.flatnonzero(nonbasic & (at_lower != at_upper))
    free = np.flatnonzero(nonbasic & ~at_lower & ~at_upper)
    return signed, np.where(at_lower[signed], 1.0, -1.0), free


class KeptBasis:
    """One instance's last optimal basis, and the test of whether it is still optimal for
    new costs (the bounds and the matrix are the same, so it stays primal feasible):
    the duals ``y`` with ``B^T y = c_B`` (HiGHS's own factorisation), then every nonbasic
    column's reduced cost ``c - A^T y`` and every nonbasic row's dual must have the sign
    of the bound it sits at. Passed, the last solution is optimal again, with duals ``y``
    -- what HiGHS would return after 0 iterations -- and no HiGHS run is needed."""

    def __init__(self, highs, bounds: Bounds, matrix_t, x: np.ndarray, row: np.ndarray):
        self.x = x
        _, basic = highs.getBasicVariables()
        basic = np.asarray(basic, dtype=np.int64)
        n = x.size
        self.matrix_t = matrix_t  # the block's matrix transposed (CSR), made once per instance
        # Columns then rows as one vector of n + m variables (a row's is its dual): basic or not.
        nonbasic = np.ones(n + row.size, dtype=bool)
        nonbasic[np.where(basic >= 0, basic, n - basic - 1)] = False
        # Nonbasic variables must not fall (at lower only), not rise (at upper only), or
        # stay at zero cost (free); fixed ones (at both) may have any reduced cost.
        at_lower, at_upper = bounds.at(np.concatenate([x, row]))
        self.signed, self.sign, self.free = _sign_rules(nonbasic, at_lower, at_upper)
        self.cost_of_basic = np.maximum(basic, 0)
        self.logical = basic < 0

    def duals_if_optimal(self, highs, scaled_cost: np.ndarray) -> np.ndarray | None:
        """The row duals at ``scaled_cost`` if the basis is still optimal, else None."""
        c_basic = np.where(self.logical, 0.0, scaled_cost[self.cost_of_basic])
        _, y = highs.getBasisTransposeSolve(c_basic)
        y = np.asarray(y, dtype=float)
        reduced = np.concatenate([scaled_cost - self.matrix_t @ y, y])
        tol = KEPT_TOLERANCE
        if (reduced[self.signed] * self.sign).min(initial=0.0) < -tol or \
                np.abs(reduced[self.free]).max(initial=0.0) > tol:
            return None
        return y


def transposed(block):
    """The block's matrix transposed, as scipy CSR (for reduced costs ``c - A^T y``)."""
    import scipy.sparse as sp

    return sp.csc_matrix((block.values, block.index, block.indptr),
                         shape=(block.rows.size, block.columns.size)).T.tocsr()
