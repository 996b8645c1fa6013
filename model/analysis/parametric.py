"""Breakpoints of a piecewise-linear function known only through an LP oracle.

The optimal value of an LP, as a function of one right-hand side moved along a
line, is piecewise linear and concave (maximisation) or convex (minimisation).
Given an oracle returning the value and a subgradient (the dual) at any point,
:func:`breakpoints` finds every kink exactly, with no grid: it intersects the two
supporting lines at the ends of an interval; if the function reaches the
intersection, that point is the only kink between them, otherwise the point splits
the interval and both halves are searched (Eisner and Severance's method). Each
piece costs a few oracle calls, so a function with k pieces needs O(k) solves.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Point:
    """The function at ``x``: its value and a subgradient (slope) there."""

    x: float
    value: float
    slope: float


Oracle = Callable[[float], tuple[float, float]]


def breakpoints(oracle: Oracle, lo: float, hi: float, rel_tol: float = 1e-7, value_tol: float = 1e-6,
                x_tol: float = 1e-3, max_points: int = 400) -> list[Point]:
    """The kinks of a concave (or convex) piecewise-linear function on ``[lo, hi]``.

    Returns the end points and every kink in between, sorted by ``x``. Between two
    consecutive returned points the function is linear, so the list describes it
    exactly. ``oracle(x)`` returns ``(value, slope)``. Values agree when within
    ``value_tol + rel_tol * |value|``; kinks closer than ``x_tol`` are one kink.

    Raises
    ------
    RuntimeError
        If more than ``max_points`` evaluations are needed (the oracle is not
        piecewise linear within the tolerances).
    """
    cache: dict[float, Point] = {}

    def at(x: float) -> Point:
        if x not in cache:
            if len(cache) >= max_points:
                raise RuntimeError(f"more than {max_points} evaluations: is the function piecewise linear?")
            value, slope = oracle(x)
            cache[x] = Point(x, value, slope)
        return cache[x]

    def close(a: float, b: float) -> bool:
        return abs(a - b) <= value_tol + rel_tol * max(abs(a), abs(b))

    kinks: list[Point] = []

    def search(a: Point, b: Point, depth: int = 0) -> None:
        if b.x - a.x <= x_tol or depth > 80:
            return
        # Linear on [a, b] when each end lies on the other's supporting line.
        if close(b.value, a.value + a.slope * (b.x - a.x)) and close(a.value, b.value - b.slope * (b.x - a.x)):
            return
        x = None
        if a.slope != b.slope:
            # Where the supporting lines at a and b meet.
            x = (b.value - a.value + a.slope * a.x - b.slope * b.x) / (a.slope - b.slope)
        if x is None or not (a.x < x < b.x):
            x = (a.x + b.x) / 2  # round-off made the lines useless: bisect
            mid = at(x)
        else:
            mid = at(x)
            if close(mid.value, a.value + a.slope * (x - a.x)):
                kinks.append(mid)  # the function touches both lines: a single kink here
                return
        search(a, mid, depth + 1)
        search(mid, b, depth + 1)

    left, right = at(lo), at(hi)
    search(left, right)
    points = sorted({p.x: p for p in [left, right, *kinks]}.values(), key=lambda p: p.x)
    # Drop points that lie on the segment through their neighbours.
    merged = [points[0]]
    for i in range(1, len(points) - 1):
        prev, cur, nxt = merged[-1], points[i], points[i + 1]
        on_line = prev.value + (nxt.value - prev.value) * (cur.x - prev.x) / (nxt.x - prev.x)
        if not close(cur.value, on_line):
            merged.append(cur)
    if len(points) > 1:
        merged.append(points[-1])
    return merged


def nearest_kinks(oracle: Oracle, x0: float, lo: float, hi: float, rel_tol: float = 1e-7,
                  value_tol: float = 1e-6, x_tol: float = 1e-3, max_points: int = 200
                  ) -> tuple[Point | None, Point, Point | None]:
    """The kinks nearest to ``x0`` on each side within ``[lo, hi]``: the piece through x0.

    Returns ``(left, at_x0, right)``; ``left``/``right`` is None when the function is
    linear from x0 to that end. Descends only towards x0, so it costs O(log) oracle
    calls per side rather than one per piece. When x0 is itself a kink, the kink
    found on one side is (within ``x_tol`` of) x0.
    """
    calls = 0

    def at(x: float) -> Point:
        nonlocal calls
        calls += 1
        if calls > max_points:
            raise RuntimeError(f"more than {max_points} evaluations: is the function piecewise linear?")
        value, slope = oracle(x)
        return Point(x, value, slope)

    def close(a: float, b: float) -> bool:
        return abs(a - b) <= value_tol + rel_tol * max(abs(a), abs(b))

    def linear(a: Point, b: Point) -> bool:
        return (close(b.value, a.value + a.slope * (b.x - a.x))
                and close(a.value, b.value - b.slope * (b.x - a.x)))

    def first_kink(a: Point, b: Point, towards_a: bool, depth: int = 0) -> Point | None:
        """The kink of (a, b) nearest to a (towards_a) or to b, if any."""
        if b.x - a.x <= x_tol or linear(a, b) or depth > 80:
            return None
        x = None
        if a.slope != b.slope:
            x = (b.value - a.value + a.slope * a.x - b.slope * b.x) / (a.slope - b.slope)
        touching = False
        if x is None or not (a.x < x < b.x):
            mid = at((a.x + b.x) / 2)
        else:
            mid = at(x)
            touching = close(mid.value, a.value + a.slope * (x - a.x))
        if touching:
            return mid
        near, far = ((a, mid), (mid, b)) if towards_a else ((mid, b), (a, mid))
        inner = first_kink(*near, towards_a, depth + 1)
        if inner is not None:
            return inner
        if not linear(*far) or (far[1].x - far[0].x) <= x_tol:
            # The kink is at mid itself, or beyond it.
            beyond = first_kink(*far, towards_a, depth + 1)
            return mid if beyond is None or not linear(*near) else beyond
        return mid

    p0 = at(x0)
    right = first_kink(p0, at(hi), towards_a=True) if hi > x0 else None
    left = first_kink(at(lo), p0, towards_a=False) if lo < x0 else None
    return left, p0, right
