"""One district's inputs alone: its units, its budget, nothing of the others.

Without city transfers the districts do not share anything -- each spends its own
budget on its own committees -- so the no-transfer baseline is the lexicographic
optimum of each district on its own (:func:`model.pipeline.solve_status_quo`).
:func:`district_inputs` cuts the inputs of one district out of a scenario's.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from .inputs import ModelInputs

#: Fields indexed by unit first (arrays, or dicts of arrays by program or requirement).
_UNIT_FIELDS = ("committees", "members", "uninsured", "gap", "hard", "upgrade_units", "upgrade_deficit_m2",
                "unit_cost", "need_weight", "soft_value", "operating_standard", "subsidy_standard",
                "minimum_wage", "minimum_wage_cost", "premium_per_member", "at_standard_now",
                "operating_funds_now", "subsidy_now", "residents")
#: Fields indexed by district first.
_DISTRICT_FIELDS = ("capacity", "min_own_share", "grants")


def district_inputs(inputs: ModelInputs, district: int) -> tuple[ModelInputs, np.ndarray]:
    """The inputs of district ``district`` (its position) alone, and the positions of its
    units among ``inputs.units``. The city's ceilings stay as they are."""
    at = np.flatnonzero(inputs.unit_district == district)
    changes: dict = {
        "units": [inputs.units[i] for i in at],
        "districts": [inputs.districts[district]],
        "unit_district": np.zeros(at.size, dtype=np.int64),
    }
    for name in _UNIT_FIELDS:
        changes[name] = _take(getattr(inputs, name), at)
    for name in _DISTRICT_FIELDS:
        changes[name] = _take(getattr(inputs, name), np.array([district]))
    return dataclasses.replace(inputs, **changes), at


def _take(value, at: np.ndarray):
    """Rows ``at`` of an array, of every array of a dict, or None."""
    if value is None:
        return None
    if isinstance(value, dict):
        return {key: array[at] for key, array in value.items()}
    return np.asarray(value)[at]
