"""One break-even problem, what its search found, and the signed distance to its target."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from .drivers import Driver
from .targets import _UNIT_FLOOR, NEVER_IS_INFINITE, Target

MAX_BRACKETS = 8

Pick = Literal["nearest", "lowest", "highest"]


@dataclass
class _Problem:
    driver: Driver
    target: Target
    lo: float
    hi: float
    pick: Pick = "nearest"
    fixed: dict[str, float] = field(default_factory=dict)
    max_brackets: int = MAX_BRACKETS
    rtol: float | None = None      # looser tolerance (relative to the metric scale and the range)
    driver_calibration_year: int = 1   # the scenario's calibration year (a shorter concession pulls it in)
    asked: Target | None = None        # the target as asked, when it is solved as another (an IRR as an NPV test)

    @property
    def x0(self) -> float:
        return min(max(self.driver.base_value, self.lo), self.hi)


@dataclass
class _Bound:
    """One place in the range where the target starts or stops holding (or an exact root)."""

    x: float                 # the answer: for an inequality, the satisfied side
    metric: float
    other_x: float           # the other side of the final bracket
    other_metric: float
    exact: bool              # |metric - target| within ACCEPT: a root, not a jump
    iterations: int
    direction: str | None    # floor / ceiling for an inequality


@dataclass
class _Outcome:
    grid: np.ndarray
    metric: np.ndarray
    h: np.ndarray
    base_metric: float
    bounds: list[_Bound]
    undefined_inside: int
    evaluations: int
    invalid: list[tuple[float, str]] = field(default_factory=list)   # candidates that are not valid scenarios


def _h(t: Target, m: np.ndarray) -> np.ndarray:
    """Signed distance to the target: >= 0 exactly where the target holds (for '=', metric - value)."""
    m = np.asarray(m, dtype=float)
    if t.metric in NEVER_IS_INFINITE:
        m = np.where(np.isnan(m), np.inf, m)
    with np.errstate(invalid="ignore"):
        return (t.value - m) if t.op == "<=" else (m - t.value)


def _scale(t: Target, base_metric: float, metric: np.ndarray) -> float:
    fin = [abs(t.value)]
    if math.isfinite(base_metric):
        fin.append(abs(base_metric))
    else:
        finite = np.abs(metric[np.isfinite(metric)])
        if finite.size:
            fin.append(float(np.median(finite)))
    return max(max(fin), _UNIT_FLOOR.get(t.unit, 1e-6))
