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
