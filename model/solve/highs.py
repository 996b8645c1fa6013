"""HiGHS through ``highspy``: a quiet instance, its status, its version."""

from __future__ import annotations

import functools
import importlib.metadata


class QuietHighs:
    """A ``highspy.Highs`` whose log is off before it is created (no banner on stdout)."""

    def __new__(cls):
        import highspy

        try:
            from highspy._core import _Highs
            from highspy.highs import HighsCallback
        except ImportError:  # another highspy layout: its banner is only cosmetic
            highs = highspy.Highs()
            highs.setOptionValue("output_flag", False)
            return highs
        highs = highspy.Highs.__new__(highspy.Highs)
        _Highs.__init__(highs)
        highs.setOptionValue("output_flag", False)
        highs.callbacks = [HighsCallback(highspy.cb.HighsCallbackType(i), highs)
                           for i in range(int(highspy.cb.HighsCallbackType.kCallbackMax) + 1)]
        highs.enableCallbacks()
        return highs


def is_optimal(highs) -> bool:
    import highspy

    return highs.getModelStatus() == highspy.HighsModelStatus.kOptimal


def run_optimal(highs) -> bool:
    """Run HiGHS; whether the run itself succeeded and ended with an optimal model.

    Both are needed: a run that fails (an option HiGHS refuses, say) leaves the
    model status of the run before it in place.
    """
    import highspy

    return highs.run() != highspy.HighsStatus.kError and is_optimal(highs)


@functools.cache
def matrix_version(warm: bool = False) -> str:
    """The solver as provenance names it; ``warm``: started from an earlier solve's bases."""
    start = "warm start" if warm else "from scratch"
    try:
        return f"highspy {importlib.metadata.version('highspy')} (matrix form, {start})"
    except importlib.metadata.PackageNotFoundError:  # pragma: no cover - install problem
        return f"highspy (matrix form, {start})"


def release_freed_memory() -> None:
    """Give the memory freed by a solve back to the operating system (glibc's ``malloc_trim``).

    The districts' HiGHS instances are built and run in worker threads, so what they free
    stays in those threads' malloc arenas, which the result tables made afterwards in the
    main thread do not reuse: after a 20,000-community solve the process kept 1.3 GB, of
    which 1.0 GB was free. Elsewhere than glibc this does nothing."""
    import ctypes
    import ctypes.util

    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: no malloc_trim
        pass
