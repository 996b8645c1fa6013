"""A linear program as named blocks of columns and rows, in matrix form.

:class:`LinearProgram` is what :func:`~model.formulation.build.formulate` writes and
every solver reads (the matrix-form HiGHS path and the PuLP reference): blocks of
columns and rows with labels (``closed[heping,office_space,2006]``), bounds, the
coefficients in COO form and one objective vector per stage.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from ..constants import Stage

INF = np.inf


class Labels(Sequence):
    """The labels of a block, made only when read: ``Labels(n, make)``.

    A block's size is known when it is built, its labels (``(district, year)``
    tuples...) are needed only to name rows and columns -- for an LP file, for
    results -- so batches that solve thousands of LPs never make them.
    """

    def __init__(self, size: int, make: Callable[[], list[tuple]]):
        self._size = size
        self._make = make

    @cached_property
    def _labels(self) -> list[tuple]:
        labels = list(self._make())
        if len(labels) != self._size:
            raise ValueError(f"expected {self._size} labels, made {len(labels)}")
        return labels

    def __len__(self) -> int:
        return self._size

    def __getitem__(self, i):
        return self._labels[i]

    def __iter__(self):
        return iter(self._labels)


@dataclass
class Block:
    """A named, indexed group of columns or rows occupying ``start:start+size``."""

    name: str
    start: int
    labels: Sequence[tuple]

    @property
    def size(self) -> int:
        return len(self.labels)

    @property
    def stop(self) -> int:
        return self.start + len(self.labels)

    def names(self) -> list[str]:
        return [f"{self.name}[{','.join(str(x) for x in label)}]" for label in self.labels]


@dataclass
class LinearProgram:
    """``min c_stage @ x`` s.t. ``row_lower <= A @ x <= row_upper``, ``col_lower <= x <= col_upper``.

    The arrays of a block (bounds, coefficients, objectives) are never written into
    once added: edits put new arrays in the lists (:meth:`with_bounds_of`), so copies
    can share the rest, and the matrix-form solver knows an LP whose arrays are the
    very same as the last one's by identity.
    """

    col_blocks: dict[str, Block] = field(default_factory=dict)
    row_blocks: dict[str, Block] = field(default_factory=dict)
    col_lower: list[np.ndarray] = field(default_factory=list)
    col_upper: list[np.ndarray] = field(default_factory=list)
    row_lower: list[np.ndarray] = field(default_factory=list)
    row_upper: list[np.ndarray] = field(default_factory=list)
    _rows: list[np.ndarray] = field(default_factory=list)
    _cols: list[np.ndarray] = field(default_factory=list)
    _vals: list[np.ndarray] = field(default_factory=list)
    objectives: dict[Stage, np.ndarray] = field(default_factory=dict)
    n_cols: int = 0
    n_rows: int = 0

    # --- building -------------------------------------------------------------
    def add_columns(self, name: str, labels: Sequence[tuple], lower, upper) -> np.ndarray:
        """Add a block of columns (``labels``: a list or :class:`Labels`); returns their indices."""
        block = Block(name, self.n_cols, labels if isinstance(labels, Labels) else list(labels))
        self.col_blocks[name] = block
        n = block.size
        self.col_lower.append(_filled(lower, n))
        self.col_upper.append(_filled(upper, n))
        self.n_cols += n
        return np.arange(block.start, block.stop)

    def add_rows(self, name: str, labels: Sequence[tuple], row: np.ndarray, col: np.ndarray,
                 val: np.ndarray, lower, upper) -> np.ndarray:
        """Add a block of rows from coefficients (``row`` local to the block)."""
        block = Block(name, self.n_rows, labels if isinstance(labels, Labels) else list(labels))
        self.row_blocks[name] = block
        n = block.size
        val = np.asarray(val, float)
        keep = val != 0.0
        self._rows.append(np.asarray(row, dtype=np.int64)[keep] + block.start)
        self._cols.append(np.asarray(col, dtype=np.int64)[keep])
        self._vals.append(val[keep])
        self.row_lower.append(_filled(lower, n))
        self.row_upper.append(_filled(upper, n))
        self.n_rows += n
        return np.arange(block.start, block.stop)

    # --- reading ----------------------------------------------------------------
    def matrix(self):
        """The constraint matrix as scipy CSR (for reading and tests; solvers take :meth:`coo`)."""
        rows = np.concatenate(self._rows) if self._rows else np.zeros(0, np.int64)
        cols = np.concatenate(self._cols) if self._cols else np.zeros(0, np.int64)
        vals = np.concatenate(self._vals) if self._vals else np.zeros(0)
        import scipy.sparse as sp  # imported when asked for: the solve path never needs it

        return sp.csr_matrix((vals, (rows, cols)), shape=(self.n_rows, self.n_cols))

    def coo(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Row indices, column indices and values of every coefficient, in the order added.

        The arrays the matrix is built from, without summing or sorting: the
        matrix-form solver (:mod:`model.fast`) compares them between scenarios.
        """
        rows = np.concatenate(self._rows) if self._rows else np.zeros(0, np.int64)
        cols = np.concatenate(self._cols) if self._cols else np.zeros(0, np.int64)
        vals = np.concatenate(self._vals) if self._vals else np.zeros(0)
        return rows, cols, vals

    def bounds(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Column lower/upper and row lower/upper bounds as flat arrays."""
        cat = lambda parts: np.concatenate(parts) if parts else np.zeros(0)  # noqa: E731
        return cat(self.col_lower), cat(self.col_upper), cat(self.row_lower), cat(self.row_upper)

    def column_names(self) -> list[str]:
        return [n for b in self.col_blocks.values() for n in b.names()]

    def row_names(self) -> list[str]:
        return [n for b in self.row_blocks.values() for n in b.names()]

    def objective(self, stage: Stage) -> np.ndarray:
        return self.objectives[stage]

    # --- editing ----------------------------------------------------------------
    def rows_of(self, name: str) -> slice:
        """Positions of a row block, e.g. ``lp.rows_of("ceiling")``."""
        block = self.row_blocks[name]
        return slice(block.start, block.stop)

    def with_row_bounds(self, name: str, lower=None, upper=None) -> LinearProgram:
        """A copy whose rows of block ``name`` get new bounds (the rest is shared, read-only).

        Used for what-if analysis without rebuilding: another ceiling, a requirement
        scaled up or dropped.
        """
        return self.with_bounds_of({name: (lower, upper)})

    def with_bounds_of(self, bounds: dict[str, tuple]) -> LinearProgram:
        """A copy whose row blocks get new bounds, ``{name: (lower, upper)}`` (None: kept);
        the rest is shared, read-only."""
        unknown = bounds.keys() - self.row_blocks.keys()
        if unknown:
            raise KeyError(f"no row block {sorted(unknown)[0]!r}")
        row_lower, row_upper = list(self.row_lower), list(self.row_upper)
        for part, (name, block) in enumerate(self.row_blocks.items()):  # part: the block's bound arrays
            if name not in bounds:
                continue
            lower, upper = bounds[name]
            size = block.size
            if lower is not None:
                row_lower[part] = _filled(lower, size)
            if upper is not None:
                row_upper[part] = _filled(upper, size)
        return LinearProgram(col_blocks=self.col_blocks, row_blocks=self.row_blocks,
                             col_lower=self.col_lower, col_upper=self.col_upper,
                             row_lower=row_lower, row_upper=row_upper, _rows=self._rows,
                             _cols=self._cols, _vals=self._vals, objectives=self.objectives,
                             n_cols=self.n_cols, n_rows=self.n_rows)

    def copy(self) -> LinearProgram:
        """A copy that can be extended (new columns, rows, coefficients) independently."""
        return LinearProgram(col_blocks=dict(self.col_blocks), row_blocks=dict(self.row_blocks),
                             col_lower=[a.copy() for a in self.col_lower],
                             col_upper=[a.copy() for a in self.col_upper],
                             row_lower=[a.copy() for a in self.row_lower],
                             row_upper=[a.copy() for a in self.row_upper],
                             _rows=list(self._rows), _cols=list(self._cols), _vals=list(self._vals),
                             objectives={k: v.copy() for k, v in self.objectives.items()},
                             n_cols=self.n_cols, n_rows=self.n_rows)

    def add_entries(self, rows: np.ndarray, cols: np.ndarray, vals: np.ndarray) -> None:
        """Add coefficients to existing rows (global row and column positions)."""
        self._rows.append(np.asarray(rows, dtype=np.int64))
        self._cols.append(np.asarray(cols, dtype=np.int64))
        self._vals.append(np.asarray(vals, float))

    def row_bounds(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """Lower and upper bounds of the rows of block ``name``."""
        part = self._block_part(name)
        return self.row_lower[part].copy(), self.row_upper[part].copy()

    def _block_part(self, name: str) -> int:
        return list(self.row_blocks).index(name)


def _filled(value, n: int) -> np.ndarray:
    """``value`` (a number or ``n`` numbers) as a new float array of length ``n``."""
    out = np.array(value, dtype=float)
    if out.ndim == 0:
        return np.full(n, float(value))
    if out.shape != (n,):
        out = np.broadcast_to(out, (n,)).copy()
    return out
