"""One- and two-way grids over any numeric inputs (``PATH=LO:HI:N``)."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from ... import scenarios as sc
from ...assumptions import Assumptions
from ...errors import UsageError
from ...i18n import t
from .inputs import check_path, is_integer, value_at

MAX_GRID_POINTS = 1_000_000
_GRID = re.compile(r"^\s*([^=\s]+)\s*=\s*([^:]+):([^:]+):([^:]+)\s*$")


@dataclass(frozen=True)
class GridAxis:
    """The values of one grid axis; ``base_index`` is where the value equals the base exactly (or None)."""

    path: str
    spec: str
    values: np.ndarray
    base: float
    relative: bool
    base_index: int | None


def _grid_number(text: str, spec: str, path: str) -> tuple[float, bool]:
    s = text.strip()
    rel = s.endswith("%")
    try:
        x = float(s[:-1] if rel else s)
    except ValueError:
        raise UsageError(t(f"'{s}' is not a number or a percentage in '{spec}' (expected LO:HI:N, "
                           "e.g. 5:10:11 or -20%:+20%:41)",
                           f"'{spec}' 中的 '{s}' 不是数字或百分比(应为 LO:HI:N,例如 5:10:11 或 -20%:+20%:41)"),
                         param="specs", key=path) from None
    if not math.isfinite(x):
        raise UsageError(t(f"'{s}' is not finite", f"'{s}' 不是有限值"), param="specs", key=path)
    return (x / 100.0 if rel else x), rel


def grid_axis(a: Assumptions, spec: str) -> GridAxis:
    """Parse ``PATH=LO:HI:N``: absolute values or percentages of the base (``-20%:+20%:41``).

    N points from LO to HI inclusive. With a relative range symmetric about 0 and an odd N the
    middle point is the base value exactly.
    """
    m = _GRID.match(spec)
    if not m:
        raise UsageError(t(f"expected PATH=LO:HI:N, got '{spec}'", f"应为 PATH=LO:HI:N,实为 '{spec}'"), param="specs")
    path, lo_t, hi_t, n_t = m.groups()
    check_path(a, path, "specs")
    lo, rel_lo = _grid_number(lo_t, spec, path)
    hi, rel_hi = _grid_number(hi_t, spec, path)
    if rel_lo != rel_hi:
        raise UsageError(t("LO and HI must both be values or both be percentages", "LO 和 HI 须同为数值或同为百分比"),
                         param="specs", key=path)
    try:
        n = int(n_t.strip())
    except ValueError:
        raise UsageError(t(f"N must be a whole number, got '{n_t.strip()}'", f"N 须为整数,实为 '{n_t.strip()}'"),
                         param="specs", key=path) from None
    if n < 2:
        raise UsageError(t(f"N must be at least 2, got {n}", f"N 至少为 2,实为 {n}"), param="specs", key=path)
    if n > MAX_GRID_POINTS:
        raise UsageError(t(f"N = {n:,} is too large: a grid has at most {MAX_GRID_POINTS:,} points",
                           f"N = {n:,} 过大: 网格至多 {MAX_GRID_POINTS:,} 个点"), param="specs", key=path)
    if lo > hi:
        raise UsageError(t(f"LO {lo_t.strip()} is above HI {hi_t.strip()}", f"LO {lo_t.strip()} 大于 HI {hi_t.strip()}"),
                         param="specs", key=path)
    base = value_at(a, path)
    if rel_lo:
        if base == 0:
            raise UsageError(t("a percentage of a zero base is zero: give absolute values",
                               "基准值为 0 时百分比仍为 0: 请给出绝对值"), param="specs", key=path)
        f = lo + (hi - lo) * (np.arange(n) / (n - 1))
        f[0], f[-1] = lo, hi
        if n % 2 == 1 and lo == -hi:
            f[n // 2] = 0.0
        values = base * (1.0 + f)
    else:
        values = np.linspace(lo, hi, n)
    vlo, vhi = sc.field_bounds(path)
    bad = values[(values < vlo) | (values > vhi)]
    if bad.size:
        raise UsageError(t(f"grid value {bad[0]:g} is outside the valid range [{vlo:g}, {vhi:g}]",
                           f"网格值 {bad[0]:g} 超出有效范围 [{vlo:g}, {vhi:g}]"), param="specs", key=path)
    if is_integer(path):
        values = np.rint(values)
    hit = np.flatnonzero(values == base)
    return GridAxis(path, spec, values, base, rel_lo, int(hit[0]) if hit.size else None)


@dataclass(frozen=True)
class GridDesign:
    """Row 0 the base; then the grid points row-major (row axis outer, column axis inner)."""

    axes: tuple[GridAxis, ...]
    vary: dict[str, np.ndarray]

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(ax.values.size for ax in self.axes)


def grid(a: Assumptions, specs: Sequence[str]) -> GridDesign:
    """A one-way (one spec) or two-way (two specs) grid over any numeric inputs."""
    if not 1 <= len(specs) <= 2:
        raise UsageError(t(f"give one spec (a one-way table) or two (a two-way table), not {len(specs)}",
                           f"请给出一个(单因素表)或两个(双因素表)网格,而不是 {len(specs)} 个"), param="specs")
    axes = tuple(grid_axis(a, s) for s in specs)
    if len(axes) == 2 and axes[0].path == axes[1].path:
        raise UsageError(t("the two grid axes are the same input", "两个网格轴是同一个输入"), param="specs",
                         key=axes[0].path)
    total = math.prod(ax.values.size for ax in axes)
    if total > MAX_GRID_POINTS:
        mib = MAX_GRID_POINTS * 8 // 2**20
        raise UsageError(t(f"the grid has {total:,} points; the limit is {MAX_GRID_POINTS:,} "
                           f"(about {mib} MiB per metric); use fewer points",
                           f"网格共 {total:,} 个点;上限为 {MAX_GRID_POINTS:,}(每个指标约 {mib} MiB);请减少点数"),
                         param="specs")
    if len(axes) == 1:
        ax = axes[0]
        vary = {ax.path: np.concatenate([[ax.base], ax.values])}
    else:
        r, c = axes
        vary = {r.path: np.concatenate([[r.base], np.repeat(r.values, c.values.size)]),
                c.path: np.concatenate([[c.base], np.tile(c.values, r.values.size)])}
    return GridDesign(axes, vary)
