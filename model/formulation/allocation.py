"""The allocation LP with the index maps that read its solution in the policy's terms.

A :class:`Formulation` holds the :class:`~model.formulation.lp.LinearProgram` and
where each policy quantity sits in it: the money closing each unit's gap per program
and year, each district's transfer per year, the missing money of each hard
requirement; :meth:`Formulation.money` splits a solution into own and city money.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from ..constants import Requirement
from .inputs import ModelInputs
from .lp import LinearProgram


@dataclass(frozen=True)
class UnmetBlock:
    """The columns of money missing for one hard requirement: one per (unit, year)."""

    requirement: Requirement
    labels: Sequence[tuple]  # (unit id, year), made only when read
    columns: np.ndarray
    units: np.ndarray  # position of each column's unit in ``inputs.units``
    years: np.ndarray  # each column's year

    def columns_by_key(self) -> dict[tuple[int, int], int]:
        """Column of each (unit position, year)."""
        return dict(zip(zip(self.units.tolist(), self.years.tolist()), self.columns.tolist()))


@dataclass
class Formulation:
    """The LP together with the index maps the results need."""

    lp: LinearProgram
    inputs: ModelInputs
    closed: np.ndarray  # (U, P, T) column indices
    transfer: np.ndarray  # (G, T) column indices
    points: np.ndarray  # (U, P, T) soft points per yuan closed, need weight included
    equity: int | None = None
    equity_scale: float = 1.0  # z = equity column x equity_scale
    #: The ``unmet_<requirement>`` column blocks, in the order they were added.
    unmet_blocks: list[UnmetBlock] = field(default_factory=list)

    @cached_property
    def unmet(self) -> dict[tuple[str, Requirement, int], int]:
        """Column of the money missing for each (unit id, requirement, year)."""
        return {(u, block.requirement, t): int(c) for block in self.unmet_blocks
                for (u, t), c in zip(block.labels, block.columns)}

    @cached_property
    def unmet_columns(self) -> np.ndarray:
        """Every column of missing money, block after block."""
        parts = [block.columns for block in self.unmet_blocks]
        return np.concatenate(parts).astype(np.int64) if parts else np.zeros(0, np.int64)

    def column_districts(self) -> np.ndarray:
        """The district (position in ``inputs.districts``) of every column: a community's
        columns are its district's, a transfer its district's, missing money its unit's
        district's. -1 for a column of no district (the equity term's)."""
        groups = np.full(self.lp.n_cols, -1, dtype=np.int64)
        unit_district = np.asarray(self.inputs.unit_district, dtype=np.int64)
        groups[self.closed] = unit_district[:, None, None]
        groups[self.transfer] = np.arange(self.transfer.shape[0])[:, None]
        for block in self.unmet_blocks:
            groups[block.columns] = unit_district[block.units]
        return groups

    def money(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Own and city money closing each unit's gap in each program and year (U, P, T).

        Each district-year's transfer is attributed to its units and programs in
        proportion to the money they close; the rest is the district's own money.
        """
        closed, _, share = self._city_share(x)
        city = closed * share[self.inputs.unit_district][:, None, :]
        return closed - city, city

    def transfers_spent(self, x: np.ndarray, closed: np.ndarray | None = None) -> np.ndarray:
        """City money spent on each district's gaps per year (G, T): its transfer, up to what
        its units close (the city part of :meth:`money`, summed over units and programs).
        ``closed``: ``x[..., self.closed]``, if the caller has it already. ``x`` may hold
        several solutions, one per row: then (N, G, T)."""
        _, totals, share = self._city_share(x, closed)
        return share * totals

    def _city_share(self, x: np.ndarray, closed: np.ndarray | None = None
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Money closed (U, P, T), its total per district-year (G, T), and the share of that
        total the city's transfer pays (G, T)."""
        if closed is None:
            closed = x[..., self.closed]
        # Per unit and year, summed over programs; then over each district's units (the first axis).
        by_unit = np.moveaxis(closed.sum(axis=-2), -2, 0)
        totals = np.moveaxis(self.inputs.by_district(by_unit), 0, -2)
        share = np.divide(x[..., self.transfer], totals, out=np.zeros_like(totals), where=totals > 0).clip(0.0, 1.0)
        return closed, totals, share
