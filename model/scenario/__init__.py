"""Scenarios as data: the schema of every parameter and column, loading TOML + CSV with
variants and overrides, validation, uncertain parameters, text round-trip and links.
May import: ``model.errors``, ``model.constants``, ``model.io``.
"""

from .scenario import SET_ORIGIN, Override, Scenario, load_scenario, load_scenario_texts

__all__ = ["Override", "Scenario", "load_scenario", "load_scenario_texts", "SET_ORIGIN"]
