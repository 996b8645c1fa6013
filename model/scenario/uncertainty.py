"""Monte Carlo: uncertain parameters declared in a scenario's ``[montecarlo]`` table.

Format (see docs/scenario-format.md, Monte Carlo format)::

    [montecarlo]
    seed = 2006

    [[montecarlo.parameters]]
    key = "wages.average_wage_yuan"   # a parameter, a table (every year) or one year of it,
                                      # districts.<column> (every district) or districts.<id>.<column>
    apply = "scale"                   # "scale": multiply the scenario's value; "set": the draw is the value
    per = "year"                      # "draw": one draw for all the key's numbers; "year"; "district"
    distribution = "lognormal"        # normal (mean, sd), lognormal (median, sigma of the log),
    median = 1.0                      # uniform (low, high), triangular (low, mode, high)
    sigma = 0.03
    source = "assumption: ..."        # required, like every value of a scenario

Draw ``i`` of a run with seed ``s`` takes its numbers from its own stream,
``numpy.random.default_rng([s, i])``, parameter by parameter in the order given,
so a draw's values depend only on (seed, draw index) -- never on how draws are
spread over workers. A drawn value outside its key's valid range (a normal draw
making a wage negative) is clipped to that range, and clipped values are counted
in the run's summary; whole-number keys are rounded.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import Problem
from .targets import resolve

DISTRIBUTIONS: dict[str, tuple[str, ...]] = {
    "normal": ("mean", "sd"),
    "lognormal": ("median", "sigma"),
    "uniform": ("low", "high"),
    "triangular": ("low", "mode", "high"),
}
APPLY = ("scale", "set")
PER = ("draw", "year", "district")
_ENTRY_KEYS = {"key", "apply", "per", "distribution", "source"} | {a for args in DISTRIBUTIONS.values() for a in args}


@dataclass(frozen=True)
class Uncertain:
    """One declared uncertain parameter, with the numbers it sets."""

    key: str
    apply: str
    per: str
    distribution: str
    args: tuple[float, ...]
    source: str
    targets: tuple[Any, ...]  # model.scenario.targets.Target, one per number set

    @property
    def n_draws(self) -> int:
        """Random numbers this parameter takes from a draw's stream."""
        return 1 if self.per == "draw" else len(self.targets)

    def sample(self, rng: np.random.Generator) -> np.ndarray:
        n = self.n_draws
        a = self.args
        if self.distribution == "normal":
            z = rng.normal(a[0], a[1], n)
        elif self.distribution == "lognormal":
            z = rng.lognormal(np.log(a[0]), a[1], n)
        elif self.distribution == "uniform":
            z = rng.uniform(a[0], a[1], n)
        else:
            z = rng.triangular(a[0], a[1], a[2], n) if a[0] < a[2] else np.full(n, a[0])
        return np.broadcast_to(z, (len(self.targets),)) if self.per == "draw" else z


@dataclass(frozen=True)
class MonteCarloSpec:
    """A scenario's ``[montecarlo]`` table, checked."""

    file: str
    seed: int
    parameters: tuple[Uncertain, ...]

    def targets(self) -> list:
        return [t for u in self.parameters for t in u.targets]

    def draw(self, base_values: dict[str, float], index: int, seed: int | None = None
             ) -> tuple[dict[str, float], int]:
        """The values of draw ``index``: ({target key: value}, number of values clipped)."""
        rng = np.random.default_rng([self.seed if seed is None else seed, index])
        values: dict[str, float] = {}
        clipped = 0
        for u in self.parameters:
            z = u.sample(rng)
            for target, number in zip(u.targets, z):
                value = float(number) * base_values[target.key] if u.apply == "scale" else float(number)
                low, high = target.bounds
                if not low <= value <= high:
                    value = min(max(value, low), high)
                    clipped += 1
                if target.integer:
                    value = float(round(value))
                values[target.key] = value
        return values, clipped


@dataclass(frozen=True)
class _Tables:
    """What :func:`~model.scenario.targets.resolve` reads of a scenario being loaded."""

    params: dict[str, Any]
    districts: Any
    units: Any


def parse_spec(raw: Any, file: str, params: dict[str, Any], districts, units
               ) -> tuple[MonteCarloSpec | None, list[Problem]]:
    """Check a ``[montecarlo]`` table; returns the spec and every problem found."""
    problems: list[Problem] = []

    def bad(where: str, rule: str) -> None:
        problems.append(Problem(file, where, rule))

    if not isinstance(raw, dict):
        bad("montecarlo", "must be a table (see docs/scenario-format.md, Monte Carlo format)")
        return None, problems
    for key in raw:
        if key not in ("seed", "parameters"):
            bad(f"montecarlo.{key}", "is not a Monte Carlo key (seed, parameters)")
    seed = raw.get("seed")
    if seed is None:
        bad("montecarlo.seed", "is required: a whole number >= 0 that fixes every draw")
    elif isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        bad("montecarlo.seed", f"must be a whole number >= 0, got {seed!r}")
    entries = raw.get("parameters")
    if not isinstance(entries, list) or not entries or not all(isinstance(e, dict) for e in entries):
        bad("montecarlo.parameters", "must be one or more [[montecarlo.parameters]] tables")
        entries = []
    # A stand-in scenario to resolve keys against (values only; nothing is solved).
    scenario = _Tables(params=params, districts=districts, units=units)
    parameters = []
    seen: dict[str, str] = {}
    for i, entry in enumerate(entries):
        at = f"montecarlo.parameters[{i}]"
        for key in entry:
            if key not in _ENTRY_KEYS:
                bad(f"{at}.{key}", f"is not a key of an uncertain parameter ({', '.join(sorted(_ENTRY_KEYS))})")
        key = entry.get("key")
        if not isinstance(key, str):
            bad(f"{at}.key", "is required: the dotted key of the parameter to vary")
            continue
        at = f"{at} ({key})"
        apply = entry.get("apply")
        if apply not in APPLY:
            bad(f"{at}.apply", f"must be one of {', '.join(APPLY)}, got {apply!r}")
        per = entry.get("per", "draw")
        if per not in PER:
            bad(f"{at}.per", f"must be one of {', '.join(PER)}, got {per!r}")
        source = entry.get("source")
        if not isinstance(source, str) or not source.strip():
            bad(f"{at}.source", "is required: cite where the distribution comes from or write \"assumption: ...\"")
        distribution = entry.get("distribution")
        args: tuple[float, ...] = ()
        if distribution not in DISTRIBUTIONS:
            bad(f"{at}.distribution", f"must be one of {', '.join(DISTRIBUTIONS)}, got {distribution!r}")
        else:
            names = DISTRIBUTIONS[distribution]
            for name in sorted(set(entry) & (_ENTRY_KEYS - {"key", "apply", "per", "distribution", "source"})
                               - set(names)):
                bad(f"{at}.{name}", f"is not a parameter of the {distribution} distribution ({', '.join(names)})")
            values = []
            for name in names:
                v = entry.get(name)
                if isinstance(v, bool) or not isinstance(v, (int, float)) or not np.isfinite(v):
                    bad(f"{at}.{name}", f"is required for a {distribution} distribution: a finite number")
                    values.append(None)
                else:
                    values.append(float(v))
            if None not in values:
                args = tuple(values)
                rule = _check_args(distribution, args)
                if rule:
                    bad(at, rule)
        targets, key_problems = resolve(key, scenario, file)
        problems += [Problem(file, f"{at}.key", p.rule) for p in key_problems]
        if targets:
            is_table = targets[0].param is not None and targets[0].param.kind == "by_year" and key == targets[0].param.key
            is_column = targets[0].column is not None and len(key.split(".")) == 2
            if per == "year" and not is_table:
                bad(f"{at}.per", "\"year\" needs a table of years as key (e.g. wages.average_wage_yuan)")
            if per == "district" and not is_column:
                bad(f"{at}.per", "\"district\" needs a district column as key (e.g. districts.capacity_yuan)")
            if any(t.param is not None and t.param.kind == "year" for t in targets):
                bad(f"{at}.key", "is a year; years cannot be uncertain")
            for t in targets:
                if t.key in seen:
                    bad(f"{at}.key", f"sets {t.key}, which {seen[t.key]} already sets")
                seen.setdefault(t.key, at)
        if not problems and targets:
            parameters.append(Uncertain(key=key, apply=apply, per=per, distribution=distribution, args=args,
                                        source=source, targets=tuple(targets)))
    if problems:
        return None, problems
    return MonteCarloSpec(file=file, seed=int(seed), parameters=tuple(parameters)), []


def _check_args(distribution: str, a: tuple[float, ...]) -> str | None:
    if distribution == "normal" and a[1] < 0:
        return "sd must be >= 0"
    if distribution == "lognormal" and (a[0] <= 0 or a[1] < 0):
        return "median must be > 0 and sigma >= 0"
    if distribution == "uniform" and a[0] > a[1]:
        return "low must not exceed high"
    if distribution == "triangular" and not a[0] <= a[1] <= a[2]:
        return "needs low <= mode <= high"
    return None
