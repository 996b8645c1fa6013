"""The LP written once: a scenario's numbers (inputs), the matrix container, and the
constraint families and stage objectives named for the policy.
May import: ``model.scenario`` and the base modules (errors, constants).
"""

from .allocation import Formulation
from .build import formulate, with_money_limits
from .inputs import ModelInputs, build_inputs
from .lp import LinearProgram

__all__ = ["Formulation", "LinearProgram", "ModelInputs", "build_inputs", "formulate", "with_money_limits"]
