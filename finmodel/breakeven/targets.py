"""Targets (``metric OP value``), search ranges and the unit of each metric."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Literal

from .. import registry
from ..errors import UsageError
from ..i18n import t

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
    s = text.strip().replace("_", "")
    pct = s.endswith("%")
    if pct:
        s = s[:-1].strip()
    try:
        v = float(s)
    except ValueError:
        raise UsageError(t(f"{what}: '{text}' is not a number", f"{what}: '{text}' 不是数字"), param=param) from None
    if not math.isfinite(v):
        raise UsageError(t(f"{what}: '{text}' must be finite", f"{what}: '{text}' 必须是有限值"), param=param)
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
            q = f"--target '{bare.group(1)}>=0'"
            raise UsageError(t(f"expected METRIC=VALUE, METRIC<=VALUE or METRIC>=VALUE, got '{text}': on the command "
                               f"line quote the target, {q} (unquoted, the shell reads '>' as a redirection and "
                               "writes a file named '=0'; delete it)",
                               f"应为 METRIC=VALUE、METRIC<=VALUE 或 METRIC>=VALUE,实为 '{text}': 在命令行中请给目标加引号,"
                               f"{q}(不加引号时 shell 把 '>' 当作重定向,并写出一个名为 '=0' 的文件;请删除它)"),
                             param="target")
        raise UsageError(t(f"expected METRIC=VALUE, METRIC<=VALUE or METRIC>=VALUE, got '{text}'",
                           f"应为 METRIC=VALUE、METRIC<=VALUE 或 METRIC>=VALUE,实为 '{text}'"), param="target")
    metric, op, value = m.group(1), m.group(2), m.group(3)
    known = registry.metric_names()
    if metric not in known:
        hint = registry.suggest(metric, known)
        raise UsageError(t(f"unknown metric '{metric}'{hint}", f"未知指标 '{metric}'{hint}"), param="target")
    if op in ("<", ">", "=<", "=>"):
        raise UsageError(t(f"use '<=' or '>=' (not '{op}') in '{text}'", f"'{text}' 中请用 '<=' 或 '>='(不用 '{op}')"),
                         param="target")
    v, _ = _number(value, t(f"target value of {metric}", f"{metric} 的目标值"), "target")
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
        raise UsageError(t(f"expected LO:HI (absolute, or relative to the base like -50%:+200%), got '{text}'",
                           f"应为 LO:HI(绝对值,或相对基准值如 -50%:+200%),实为 '{text}'"), param="range")
    ends = []
    for part in parts:
        v, pct = _number(part, t("range end", "范围端点"), "range")
        if pct:
            if base == 0:
                raise UsageError(t(f"relative end '{part.strip()}' needs a non-zero base value; give absolute values",
                                   f"相对端点 '{part.strip()}' 需要非零的基准值;请给出绝对值"), param="range")
            v = base * (1.0 + v)
        ends.append(float(v))
    lo, hi = ends
    if not lo < hi:
        raise UsageError(t(f"LO must be below HI, got {lo:g}:{hi:g}", f"LO 必须小于 HI,实为 {lo:g}:{hi:g}"), param="range")
    return lo, hi
