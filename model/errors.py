"""Errors a user can act on: every problem names its file, its place and the rule broken."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a scenario.

    Attributes
    ----------
    file : str
        The file (or ``--set`` for command-line overrides) the problem is in.
    where : str
        The key (``city.ceiling_yuan.2007``) or row and column (``row 3 (hedong),
        column committees``).
    rule : str
        The rule that is broken, in words a user understands.
    """

    file: str
    where: str
    rule: str

    def __str__(self) -> str:
        place = f"{self.file}: {self.where}" if self.where else self.file
        return f"{place}: {self.rule}"


class ScenarioError(ValueError):
    """A scenario that cannot be used, with every problem found (not just the first)."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class SolveError(RuntimeError):
    """The solver did not return an optimal solution to a model that must have one."""


class StoreError(RuntimeError):
    """The store (saved scenarios, run history) cannot be used: names the file or server
    and says what to do (``budgetsim db upgrade``, another ``--db``, ...)."""

    def __init__(self, where: str, rule: str):
        self.where, self.rule = where, rule
        super().__init__(f"{where}: {rule}")


class StoreLookupError(StoreError):
    """No run or saved scenario under that id or name (a mistyped id, a stale link)."""


class OutputError(RuntimeError):
    """An output path that cannot be written: another run holds it, or it is not a folder."""


class Interrupted(KeyboardInterrupt):
    """Ctrl-C (or SIGTERM) stopped a run; ``kept`` says what was kept to resume from, if anything."""

    def __init__(self, kept: str = ""):
        self.kept = kept
        super().__init__(kept)
