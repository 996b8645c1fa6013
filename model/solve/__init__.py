"""Solving the lexicographic LP: the matrix-form HiGHS path (warm starts, kept bases) and
the PuLP reference (CBC, the readable LP file), both reading one formulation.
May import: ``model.formulation`` and the base modules (errors, constants, io).
"""

from .fast import FastSolver
from .stages import STAGES, LPSolution

__all__ = ["FastSolver", "LPSolution", "STAGES"]
