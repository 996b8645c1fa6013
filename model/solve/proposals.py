"""A decomposed solve's proposals: each district's allocations offered to the master.

A *proposal* is one answer of a district's own LP (values of its columns), kept with its
*profile*: every stage's scaled cost of it, then its use of each linking (ceiling) row.
The master of any stage is written from the profiles alone
(:class:`~model.solve.decomposed.DecomposedSolver`).
"""

from __future__ import annotations

import numpy as np


class Proposals:
    """Each district's proposals, ``of[g]``: (its nonzero values, profile), the values as
    (positions among the district's columns, values). A profile the district already proposed
    is refused (a Monte Carlo draw's master cycled on the same few).

    Only the nonzero values are kept, their positions in 16 bits where a district has at most
    65,536 columns: at 120,000 communities a proposal is about 44 % nonzero, and the 29,472
    proposals of a solve (about 1,175 columns a district) took some 280 MB as dense arrays;
    kept so, the solve's peak fell by 141 MiB."""

    def __init__(self, n_groups: int):
        self.of: list[list[tuple[tuple[np.ndarray, np.ndarray], np.ndarray]]] = [[] for _ in range(n_groups)]
        self._held: list[set[bytes]] = [set() for _ in range(n_groups)]

    def add(self, g: int, x: np.ndarray, profile: np.ndarray) -> bool:
        """Keep ``x`` as district g's proposal; False (not kept) if it proposed this profile before."""
        key = profile.tobytes()
        if key in self._held[g]:
            return False
        self._held[g].add(key)
        at = np.flatnonzero(x)
        self.of[g].append(((at.astype(np.uint16 if x.size <= 1 << 16 else np.int64), x[at]), profile))
        return True


def profile_of(split, scaled: np.ndarray, g: int, x: np.ndarray) -> np.ndarray:
    """Every stage's scaled cost (``scaled``: a row per stage) of district g's allocation
    ``x`` (its columns' values), then its use of each linking row."""
    block = split.blocks[g]
    rows, at, values = block.link_entries
    use = np.bincount(rows, weights=values * x[at], minlength=split.link_matrix.shape[0])
    return np.concatenate([scaled[:, block.columns] @ x, use])
