"""Running a batch's chunks: here, on local worker processes, or on a Dask cluster;
chunks are handed on in point order as they finish.

A local worker that dies (killed, out of memory) loses only its chunks: the pool is
started again and every chunk not yet handed on is solved again, which gives the
same numbers (a chunk depends only on the batch and its range). Dask re-runs the
tasks of a lost worker itself. Workers ignore Ctrl-C; this process stops them.
"""

from __future__ import annotations

import itertools
import os
import signal
from collections.abc import Callable, Iterator

import numpy as np

from ..constants import DEFAULT_CHUNK
from .engine import Batch, run_chunk

Progress = Callable[[int], None]


_INSTALLED: dict[str, Batch] = {}


#: Times a local pool is started again after a worker died, before the batch fails.
POOL_RESTARTS = 3
#: Seconds to wait for a Dask scheduler before saying it cannot be reached.
DASK_TIMEOUT = 5.0


class WorkerError(RuntimeError):
    """Workers kept dying, or a Dask scheduler cannot be reached: the batch cannot run."""


def _install(batch: Batch, key: str) -> None:
    """Worker start-up: keep the batch, so that chunks are sent as index ranges only.
    Ctrl-C goes to the whole process group; the main process alone acts on it."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _INSTALLED.clear()
    _INSTALLED[key] = batch


def _run_installed(start: int, stop: int, key: str) -> tuple[int, np.ndarray]:
    """Solve a chunk of the batch this worker was started with (see :func:`_install`)."""
    return run_chunk(_INSTALLED[key], start, stop, key)


def default_jobs() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def run_batch(batch: Batch, jobs: int | None = None, dask: str | None = None, chunk_size: int = DEFAULT_CHUNK,
              progress: Progress | None = None, start: int = 0, dask_timeout: float = DASK_TIMEOUT,
              notify: Callable[[str], None] | None = None) -> Iterator[tuple[int, np.ndarray]]:
    """Solve every point of ``batch``; yields ``(first index, records)`` per chunk, in order.

    Parameters
    ----------
    jobs : int, optional
        Local worker processes (default: all cores; 1 runs here, in this process).
    dask : str, optional
        Address of a running Dask scheduler (``tcp://host:8786``); chunks become its tasks.
    chunk_size : int
        Points per chunk (each chunk warm-starts its points in turn from the base
        scenario). Files are identical whatever ``jobs`` or ``dask``; another chunk size
        changes figures by round-off only (the tie-break stage makes each point's
        optimum unique).
    progress : callable, optional
        Called with the number of points just finished, as chunks complete.
    start : int
        First point to solve (a multiple of ``chunk_size``: a resumed sweep's kept points).
    dask_timeout : float
        Seconds to wait for the Dask scheduler (then :class:`WorkerError`).
    notify : callable, optional
        Called with a sentence when something a user should know happens (a worker died).
    """
    if chunk_size < 1:
        raise ValueError("chunk_size must be at least 1")
    if start % chunk_size:
        raise ValueError("start must be a multiple of chunk_size")
    chunks = [(s, min(s + chunk_size, batch.size)) for s in range(start, batch.size, chunk_size)]
    key = batch.key()
    if dask:
        results = _run_dask(batch, chunks, key, dask, dask_timeout)
    elif (jobs or default_jobs()) <= 1 or len(chunks) <= 1:
        results = (run_chunk(batch, s, e, key) for s, e in chunks)
    else:
        results = _run_processes(batch, chunks, key, jobs or default_jobs(), notify)
    yield from _in_order(results, progress, start)


def _in_order(results: Iterator[tuple[int, np.ndarray]], progress: Progress | None, expected: int = 0
              ) -> Iterator[tuple[int, np.ndarray]]:
    """Hand on chunks in index order as they arrive (out-of-order ones wait)."""
    waiting: dict[int, np.ndarray] = {}
    for start, block in results:
        if progress is not None:
            progress(len(block))
        waiting[start] = block
        while expected in waiting:
            block = waiting.pop(expected)
            yield expected, block
            expected += len(block)


def _run_processes(batch: Batch, chunks: list[tuple[int, int]], key: str, jobs: int,
                   notify: Callable[[str], None] | None = None) -> Iterator[tuple[int, np.ndarray]]:
    """Chunks on ``jobs`` local processes; a pool whose worker died is started again and
    its unfinished chunks are solved again (at most :data:`POOL_RESTARTS` times)."""
    from concurrent.futures.process import BrokenProcessPool

    todo = list(chunks)
    for attempt in range(POOL_RESTARTS + 1):
        try:
            for start, block in _pool_run(batch, todo, key, jobs):
                todo = [c for c in todo if c[0] != start]
                yield start, block
            return
        except BrokenProcessPool:
            if attempt == POOL_RESTARTS:
                raise WorkerError(f"a worker process died {POOL_RESTARTS + 1} times; {len(todo)} chunk(s) "
                                  "unsolved (out of memory? try fewer --jobs or a smaller --chunk-size)") from None
            if notify is not None:
                notify(f"a worker process died; its {len(todo)} unfinished chunk(s) are solved again "
                       f"(restart {attempt + 1} of {POOL_RESTARTS})")


def _pool_run(batch: Batch, chunks: list[tuple[int, int]], key: str, jobs: int
              ) -> Iterator[tuple[int, np.ndarray]]:
    import multiprocessing
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

    window = 3 * jobs  # chunks in flight: bounds what waits in memory for its turn
    pending = iter(chunks)
    # The batch goes to each worker once, at its start; chunks are sent as index ranges.
    pool = ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("spawn"),
                               initializer=_install, initargs=(batch, key))
    finished = False
    try:
        running = {pool.submit(_run_installed, s, e, key) for s, e in itertools.islice(pending, window)}
        while running:
            done, running = wait(running, return_when=FIRST_COMPLETED)
            for future in sorted(done, key=lambda f: f.result()[0]):
                yield future.result()
            for s, e in itertools.islice(pending, len(done)):
                running.add(pool.submit(_run_installed, s, e, key))
        finished = True
    finally:
        if finished:
            pool.shutdown(wait=True)
        else:  # interrupted, a worker died, or the consumer stopped: stop the workers now
            processes = list((getattr(pool, "_processes", None) or {}).values())
            pool.shutdown(wait=False, cancel_futures=True)
            for process in processes:
                process.kill()
            for process in processes:
                process.join(2)


def _run_dask(batch: Batch, chunks: list[tuple[int, int]], key: str, address: str, timeout: float
              ) -> Iterator[tuple[int, np.ndarray]]:
    from dask.distributed import Client, as_completed

    try:
        client = Client(address, timeout=f"{timeout}s")
    except (OSError, TimeoutError, ValueError) as exc:
        raise WorkerError(f"cannot reach the Dask scheduler at {address} within {timeout:g} s "
                          f"({exc.__class__.__name__}); is it running, and is the address right?") from None
    with client:
        shared = client.scatter(batch, broadcast=True)
        window = 3 * max(1, len(client.scheduler_info().get("workers", {})))
        pending = iter(chunks)
        futures = [client.submit(run_chunk, shared, s, e, key, pure=False)
                   for s, e in itertools.islice(pending, window)]
        flow = as_completed(futures)
        try:
            for future in flow:
                yield future.result()
                for s, e in itertools.islice(pending, 1):
                    flow.add(client.submit(run_chunk, shared, s, e, key, pure=False))
        finally:
            client.cancel(list(flow.futures)) if hasattr(flow, "futures") else None
