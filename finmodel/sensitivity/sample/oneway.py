"""One-at-a-time designs: the drivers, their swings, the tornado and the spider."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from ... import paths as dotted
from ...assumptions import Assumptions, numeric_path_problem
from ...errors import UsageError
from ...i18n import t
from .inputs import _clip, check_path, rows_to_vary, value_at

#: Key drivers used when neither the command line nor the scenario's ``sensitivity.drivers``
#: names any. ``*`` stands for every item of the list. Drivers whose base value is 0 are left
#: out (a relative swing of 0 is 0).
DEFAULT_DRIVERS = (
    "space.tiers.*.rent_cny_per_m2_day",
    "space.tiers.*.occupancy.target",
    "property_service.fee_steps.0.fee_cny_per_m2_month",
    "property_service.collection.target",
    "property_service.base_area_m2",
    "property_service.fixed_team_cny_per_year",
    "property_service.variable_cost_cny_per_m2_year",
    "macro.wage_inflation",
    "parking.fee_cny_per_space_month",
    "parking.utilisation.target",
    "support.subsidy_annual_cny",
    "capex.renovation_cny",
    "space.opex_cny_per_m2_year",
    "overheads.management_cny_per_year",
    "discount.project_rate",
)


@dataclass(frozen=True)
class Swing:
    """One driver's range: ``low`` and ``high`` values of the input, clipped to its valid range."""

    path: str
    base: float
    low: float
    high: float
    how: str                 # 'declared' (the YAML's low/high) or 'swing' (base x (1 -/+ swing))
    clipped_low: bool = False
    clipped_high: bool = False
    source: str = ""

    @property
    def clipped(self) -> bool:
        return self.clipped_low or self.clipped_high


def _expand(a: Assumptions, pattern: str) -> list[str]:
    if "*" not in pattern:
        return [pattern]
    head, _, tail = pattern.partition(".*.")
    try:
        node = dotted.get(a, head)
    except dotted.PathError:
        return []
    return [f"{head}.{i}.{tail}" for i in range(len(node))] if isinstance(node, list) else []


def driver_paths(a: Assumptions, paths: Sequence[str] | None = None) -> list[str]:
    """The drivers named in ``paths``, else the scenario's ``sensitivity.drivers``, else :data:`DEFAULT_DRIVERS`."""
    if paths:
        out = []
        for p in paths:
            check_path(a, p)
            if p in out:
                raise UsageError(t("driver given twice", "驱动因素重复给出"), param="drivers", key=p)
            out.append(p)
        return out
    if a.sensitivity.drivers:
        return [check_path(a, d.path, source="sensitivity.drivers") for d in a.sensitivity.drivers]
    out = []
    for pattern in DEFAULT_DRIVERS:
        for p in _expand(a, pattern):
            if numeric_path_problem(a, p) is None and value_at(a, p) != 0:
                out.append(p)
    return out


def swings(a: Assumptions, paths: Sequence[str] | None = None, swing: float | None = None) -> list[Swing]:
    """Each driver's low and high input values.

    A driver declared in ``sensitivity.drivers`` with ``low``/``high`` uses them, unless ``swing``
    is given (an explicit swing applies to every driver); otherwise low, high = base x (1 -/+ swing)
    with the scenario's ``sensitivity.swing`` (0.2) by default. Values outside the input's valid
    range are clipped to it and flagged; integer inputs are rounded.
    """
    if swing is not None and not (0.0 < swing <= 1.0):
        raise UsageError(t(f"swing must be a fraction in (0, 1], e.g. 0.2 for -/+20 %, got {swing:g}",
                           f"swing 须为 (0, 1] 内的小数,例如 0.2 表示 -/+20 %,实为 {swing:g}"), param="swing")
    declared = {d.path: d for d in a.sensitivity.drivers}
    sw = a.sensitivity.swing if swing is None else swing
    out = []
    for p in driver_paths(a, paths):
        base = value_at(a, p)
        d = declared.get(p)
        if swing is None and d is not None and d.low is not None:
            lo, hi, how, src = d.low, d.high, "declared", d.source
        else:
            lo, hi = sorted((base * (1.0 - sw), base * (1.0 + sw)))
            how, src = "swing", ""
        lo_c, cl = _clip(p, lo)
        hi_c, ch = _clip(p, hi)
        out.append(Swing(p, base, lo_c, hi_c, how, cl, ch, src))
    if not out:
        raise UsageError(t("no drivers: name some, or declare them in the scenario's sensitivity.drivers",
                           "没有驱动因素: 请用 --driver 指定,或在情景的 sensitivity.drivers 中声明"), param="drivers")
    return out


@dataclass(frozen=True)
class TornadoDesign:
    """Row 0 the base; rows 1 + 2i and 2 + 2i driver i at its low and high value."""

    swings: list[Swing]
    swing: float
    vary: dict[str, np.ndarray]

    @property
    def n_rows(self) -> int:
        return 1 + 2 * len(self.swings)


def tornado(a: Assumptions, paths: Sequence[str] | None = None, swing: float | None = None) -> TornadoDesign:
    """One-at-a-time low/high rows for each driver (see :func:`swings`)."""
    sws = swings(a, paths, swing)
    rows: list[dict[str, float]] = [{}]
    for s in sws:
        rows += [{s.path: s.low}, {s.path: s.high}]
    return TornadoDesign(sws, a.sensitivity.swing if swing is None else swing, rows_to_vary(a, rows))


@dataclass(frozen=True)
class SpiderDesign:
    """Row 0 the base; row 1 + i * m + j driver i at relative step j (value base x (1 + step))."""

    paths: list[str]
    base: np.ndarray          # (k,) base input values
    steps: np.ndarray         # (m,) relative steps
    values: np.ndarray        # (k, m) input values after clipping
    clipped: np.ndarray       # (k, m) bool
    vary: dict[str, np.ndarray]


def spider(a: Assumptions, paths: Sequence[str] | None = None, steps: Sequence[float] | None = None) -> SpiderDesign:
    """Each driver moved by each relative step, the others at base (clipped to valid ranges)."""
    st = np.asarray(a.sensitivity.spider_steps if steps is None else steps, dtype=float)
    if st.size < 2 or np.any(np.diff(st) <= 0) or np.any(st <= -1.0):
        raise UsageError(t("spider steps must increase and stay above -100 %", "蛛网图步长须递增且大于 -100 %"),
                         param="steps")
    ps = driver_paths(a, paths)
    base = np.array([value_at(a, p) for p in ps])
    vals = np.empty((len(ps), st.size))
    clipped = np.zeros((len(ps), st.size), dtype=bool)
    rows: list[dict[str, float]] = [{}]
    for i, p in enumerate(ps):
        for j, s in enumerate(st):
            v, c = _clip(p, base[i] if s == 0 else base[i] * (1.0 + s))
            vals[i, j], clipped[i, j] = v, c
            rows.append({p: v})
    return SpiderDesign(ps, base, st, vals, clipped, rows_to_vary(a, rows))
