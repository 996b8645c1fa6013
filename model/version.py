"""The version of budgetsim (one place: the package, the CLI and the provenance of results read it)."""

__version__ = "0.1.0"
