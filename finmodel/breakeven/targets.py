"""Targets (``metric OP value``), search ranges and the unit of each metric."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Literal

from .. import registry
from ..errors import UsageError

# --------------------------------------------------------------------------- metrics
#: The floor of the tolerance scale by the metric's unit (finmodel.registry): a target of 0 CNY
#: is solved to about 1e-10 of the base NPV, not of 0.
_UNIT_FLOOR = {"CNY": 1.0, "years": 1e-3, "ratio": 1e-4, "fraction": 1e-4, "CNY/household": 1e-2}
#: Metrics whose NaN means "never" (an infinitely long payback), not "undefined".
NEVER_IS_INFINITE = frozenset({"payback_years", "discounted_payback_years"})


def metric_unit(metric: str) -> str:
    """The unit code of a metric (finmodel.units), from its row; '' for an unknown name."""
    try:
        return registry.unit(metric)
    except KeyError:
        return ""


Op = Literal["=", "<=", ">="]


@dataclass(frozen=True)
class Target:
    """``metric op value``: the condition to meet. ``value`` in the metric's unit (rates as fractions)."""

    metric: str
    op: Op
    value: float

    def __str__(self) -> str:
        return f"{self.metric}{self.op}{self.value:.12g}"

    @property
    def is_inequality(self) -> bool:
        return self.op != "="

    @property
    def unit(self) -> str:
        return metric_unit(self.metric)


_TARGET_RE = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(<=|>=|==|=|<|>|=<|=>)\s*(\S.*?)\s*$")


def _number(text: str, what: str, param: str) -> tuple[float, bool]:
    """A float from text; ``x%`` is x / 100. Returns (value, was_percent); errors name ``param``."""
    t = text.strip().replace("_", "")
    pct = t.endswith("%")
    if pct:
        t = t[:-1].strip()
    try:
        v = float(t)
    except ValueError:
        raise UsageError(f"{what}: '{text}' is not a number", param=param) from None
    if not math.isfinite(v):
        raise UsageError(f"{what}: '{text}' must be finite", param=param)
    return (v / 100.0 if pct else v), pct


def parse_target(text: str | Target) -> Target:
    """Parse ``"npv=0"``, ``"equity_irr>=8%"``, ``"payback_years<=12"`` into a :class:`Target`.

    >>> parse_target("payback_years <= 12")
    Target(metric='payback_years', op='<=', value=12.0)
    >>> parse_target("equity_irr=8%").value
    0.08
    """
    if isinstance(text, Target):
        return text
    m = _TARGET_RE.match(str(text or ""))
    if not m:
        bare = re.fullmatch(r"\s*([A-Za-z_]\w*)\s*[<>]?\s*", str(text or ""))
        if bare:       # `--target npv>=0` unquoted: the shell took '>' as a redirection
            raise UsageError(f"expected METRIC=VALUE, METRIC<=VALUE or METRIC>=VALUE, got '{text}': on the command "
                             f"line quote the target, --target '{bare.group(1)}>=0' (unquoted, the shell reads '>' as "
                             "a redirection and writes a file named '=0'; delete it)", param="target")
        raise UsageError(f"expected METRIC=VALUE, METRIC<=VALUE or METRIC>=VALUE, got '{text}'", param="target")
    metric, op, value = m.group(1), m.group(2), m.group(3)
    known = registry.metric_names()
    if metric not in known:
        raise UsageError(f"unknown metric '{metric}'{registry.suggest(metric, known)}", param="target")
    if op in ("<", ">", "=<", "=>"):
        raise UsageError(f"use '<=' or '>=' (not '{op}') in '{text}'", param="target")
    v, _ = _number(value, f"target value of {metric}", "target")
    return Target(metric, "=" if op == "==" else op, v)  # type: ignore[arg-type]


def parse_range(text: str, base: float) -> tuple[float, float]:
    """Parse ``"LO:HI"``; each end absolute (``0``, ``5e6``) or relative to ``base`` (``-50%``, ``+200%``).

    A relative end is ``base x (1 + p)``: ``parse_range("-50%:+200%", 4.0) == (2.0, 12.0)``.
    Relative ends need a non-zero base; LO must be below HI.

    >>> parse_range("-50%:+200%", 4.0)
    (2.0, 12.0)
    >>> parse_range("0:5e6", 1e6)
    (0.0, 5000000.0)
    """
    parts = str(text).split(":")
    if len(parts) != 2 or not parts[0].strip() or not parts[1].strip():
        raise UsageError(f"expected LO:HI (absolute, or relative to the base like -50%:+200%), got '{text}'",
                         param="range")
    ends = []
    for part in parts:
        v, pct = _number(part, "range end", "range")
        if pct:
            if base == 0:
                raise UsageError(f"relative end '{part.strip()}' needs a non-zero base value; give absolute values",
                                 param="range")
            v = base * (1.0 + v)
        ends.append(float(v))
    lo, hi = ends
    if not lo < hi:
        raise UsageError(f"LO must be below HI, got {lo:g}:{hi:g}", param="range")
    return lo, hi
