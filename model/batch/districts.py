"""The districts' LPs of a decomposed solve on a Dask cluster.

:class:`DaskDistricts` is a runner for :class:`~model.solve.decomposed.DecomposedSolver`
(the interface of :class:`~model.solve.districts.DistrictLPs`): the districts are cut
into one contiguous part per worker (balanced by columns), each part is sent once to
a Dask *actor* on its worker, which keeps a warm HiGHS instance per district, and
every pricing round sends each part only its columns' costs and gets back its
districts' answers. The master LP stays in this process. The answer is the one the
districts give in this process: each district's LP is the same, solved the same way.

A bureau points it at its cluster with ``budgetsim run SCENARIO --method decomposed
--dask tcp://scheduler:8786`` (docs/performance.md, "National scale").
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from ..solve.districts import CHUNK, Answers, DistrictLPs, GroupBlock
from .parallel import DASK_TIMEOUT, WorkerError


@dataclass
class _Part:
    blocks: list[GroupBlock]


class PartActor:
    """A worker's share of the districts (a Dask actor: it keeps its HiGHS instances)."""

    def __init__(self, blocks: list[GroupBlock], names: list[str] | None):
        self.lps = DistrictLPs(names=names, threads=_worker_threads())
        self.lps.start(_Part(blocks))

    def hold_at_zero(self, columns: np.ndarray) -> None:
        self.lps.hold_at_zero(columns)

    def release(self, columns: np.ndarray) -> None:
        self.lps.release(columns)

    def solve_all(self, cost: np.ndarray) -> Answers:
        return self.lps.solve_all(cost)


def _worker_threads() -> int | None:
    """The threads of the Dask worker this actor runs on (``dask worker --nthreads N``):
    its districts' LPs are solved on as many (None: the machine's cores)."""
    try:
        from dask.distributed import get_worker

        return int(get_worker().state.nthreads)
    except (ImportError, ValueError, AttributeError):
        return None


def _parts(sizes: np.ndarray, n: int) -> list[tuple[int, int]]:
    """``n`` contiguous ranges of groups with about equal total ``sizes``."""
    edges = np.searchsorted(np.cumsum(sizes), np.linspace(0, sizes.sum(), n + 1)[1:-1], side="right")
    bounds = [0, *sorted(set(int(e) for e in edges)), len(sizes)]
    return [(a, b) for a, b in zip(bounds[:-1], bounds[1:]) if b > a]


class DaskDistricts:
    """Solve the districts' LPs on the Dask scheduler at ``address`` (one part per worker)."""

    def __init__(self, address: str, timeout: float = DASK_TIMEOUT, names: list[str] | None = None):
        self.address, self.timeout, self.names = address, timeout, names
        self.client = None
        self._actors: list = []
        self._columns: list[np.ndarray] = []  # each part's columns, in the whole LP

    def __enter__(self) -> DaskDistricts:
        from dask.distributed import Client

        try:
            self.client = Client(self.address, timeout=f"{self.timeout}s")
        except (OSError, TimeoutError, ValueError) as exc:
            raise WorkerError(f"cannot reach the Dask scheduler at {self.address} within {self.timeout:g} s "
                              f"({exc.__class__.__name__}); is it running, and is the address right?") from None
        return self

    def __exit__(self, *exc) -> None:
        self.close()
        if self.client is not None:
            self.client.close()
            self.client = None

    def start(self, split) -> None:
        workers = sorted(self.client.scheduler_info().get("workers", {}))
        if not workers:
            raise WorkerError(f"the Dask scheduler at {self.address} has no workers")
        # Parts cut between the chunks of districts that share a HiGHS instance, so that
        # every district's LP is solved in the same company as in one process: the same answer.
        sizes = np.array([b.columns.size for b in split.blocks])
        n = len(sizes)
        chunks = np.add.reduceat(sizes, np.arange(0, n, CHUNK))
        ranges = [(a * CHUNK, min(b * CHUNK, n)) for a, b in _parts(chunks, len(workers))]
        self._actors, self._columns = [], []
        futures = []
        for (a, b), worker in zip(ranges, workers):
            columns = np.concatenate([blk.columns for blk in split.blocks[a:b]])
            self._columns.append(columns)
            # Each part's blocks numbered by its own columns: a round sends it only their costs.
            offsets = np.cumsum([0] + [blk.columns.size for blk in split.blocks[a:b]])
            local = [replace(blk, columns=np.arange(o, o + blk.columns.size))
                     for blk, o in zip(split.blocks[a:b], offsets[:-1])]
            names = self.names[a:b] if self.names else None
            futures.append(self.client.submit(PartActor, local, names, actor=True, workers=[worker],
                                              allow_other_workers=False, pure=False))
        self._actors = [f.result() for f in futures]

    def _local(self, columns: np.ndarray) -> list[np.ndarray]:
        return [np.flatnonzero(np.isin(part, columns)) for part in self._columns]

    def hold_at_zero(self, columns: np.ndarray) -> None:
        for f in [a.hold_at_zero(c) for a, c in zip(self._actors, self._local(columns))]:
            f.result()

    def release(self, columns: np.ndarray) -> None:
        for f in [a.release(c) for a, c in zip(self._actors, self._local(columns))]:
            f.result()

    def solve_all(self, cost: np.ndarray) -> Answers:
        futures = [a.solve_all(cost[c]) for a, c in zip(self._actors, self._columns)]
        parts = [f.result() for f in futures]
        return Answers([r for p in parts for r in p.results], np.concatenate([p.row_duals for p in parts]),
                       [c for p in parts for c in (p.changed or [True] * len(p.results))])

    def close(self) -> None:
        self._actors, self._columns = [], []
