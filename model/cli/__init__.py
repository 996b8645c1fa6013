"""The ``budgetsim`` command line: parse, dispatch, print; the only code that prints or sets exit codes.
May import every other part of ``model``; nothing imports it.
"""

from .main import EXIT_FAILURE, EXIT_INVALID, EXIT_OK, main

__all__ = ["main", "EXIT_OK", "EXIT_FAILURE", "EXIT_INVALID"]
