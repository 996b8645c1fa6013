"""What a solve means for the policy: the Result with its allocation, compliance, money,
shadow-price and equity tables, computed from the LP solution and the inputs.
May import: ``model.solve``, ``model.formulation``, ``model.scenario`` and the base modules.
"""

from .result import Result
from .stored import result_from_files
from .tables import make_result

__all__ = ["Result", "make_result", "result_from_files"]
