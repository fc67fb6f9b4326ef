"""The study sections of the schema: ``sensitivity`` (tornado and spider drivers) and ``uncertainty``
(distributions and rank correlations for Monte Carlo, Sobol and Morris), and their ranges written
relative to the input's base value (``-20%``, ``+20%``, ``base``), resolved against the scenario."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, model_validator

from .i18n import t
from .schema_base import PERCENT_RE, F, Strict, percent_value


# --------------------------------------------------------------------------- studies
# The two sections below describe studies, not the deal: which inputs the sensitivity studies
# move and by how much (``sensitivity``), and what is known about their uncertainty for Monte
# Carlo, Sobol and Morris (``uncertainty``). Each entry names a numeric assumption by its dotted
# YAML path (list items by index, e.g. space.tiers.2.rent_cny_per_m2_day); values are in that
# assumption's own unit. The engine never reads these sections.

DistKind = Literal["uniform", "triangular", "pert", "normal", "lognormal", "discrete"]

# parameters each kind requires and the ones it may also take
_DIST_PARAMS = {
    "uniform": ({"min", "max"}, set()),
    "triangular": ({"min", "mode", "max"}, set()),
    "pert": ({"min", "mode", "max"}, {"lamb"}),
    "normal": ({"mean", "sd"}, {"min", "max"}),
    "lognormal": ({"mean", "sd"}, {"min", "max"}),
    "discrete": ({"values"}, {"probs"}),
}
_ALL_DIST_PARAMS = {"min", "mode", "max", "mean", "sd", "lamb", "values", "probs"}


class Distribution(Strict):
    """One uncertain input: a dotted path and its probability distribution.

    Parameters by kind, in the input's own unit:

    - ``uniform``: ``min``, ``max`` (``min <= max``; equal gives a constant).
    - ``triangular``: ``min``, ``mode``, ``max`` with ``min <= mode <= max``.
    - ``pert``: ``min``, ``mode``, ``max`` and the shape ``lamb`` (4 by default): a beta on
      [min, max] with alpha = 1 + lamb (mode - min) / (max - min), beta = 1 + lamb (max - mode) / (max - min).
    - ``normal``: ``mean``, ``sd > 0``; optional ``min``/``max`` truncate it (a truncated normal).
    - ``lognormal``: ``mean > 0`` and ``sd > 0`` of the input itself (not of its logarithm);
      optional ``min``/``max`` truncate it.
    - ``discrete``: ``values`` with optional ``probs`` (equal by default; non-negative, summing to 1).

    Every kind is also truncated to the assumption's valid range from the schema (occupancy <= 1);
    the Monte Carlo output counts the draws that truncation moved.
    """

    path: str = Field(..., min_length=1, max_length=200,
                      description="Dotted YAML path of a numeric assumption, e.g. space.tiers.2.rent_cny_per_m2_day.")
    dist: DistKind = Field(..., description="Kind: uniform, triangular, pert, normal, lognormal or discrete.")
    min: float | None = Field(None, description="Lower end (uniform, triangular, pert) or lower truncation (normal, lognormal). [input's unit]")
    mode: float | None = Field(None, description="Most likely value (triangular, pert). [input's unit]")
    max: float | None = Field(None, description="Upper end (uniform, triangular, pert) or upper truncation (normal, lognormal). [input's unit]")
    mean: float | None = Field(None, description="Mean before truncation (normal, lognormal). [input's unit]")
    sd: float | None = Field(None, description="Standard deviation before truncation (normal, lognormal), > 0. [input's unit]")
    lamb: float | None = Field(None, gt=0.0, le=100.0, description="PERT shape; 4 when not given. [-]")
    values: list[float] | None = Field(None, min_length=1, max_length=1000, description="Possible values (discrete). [input's unit]")
    probs: list[float] | None = Field(None, min_length=1, max_length=1000, description="Probability of each value (discrete), summing to 1. [fraction]")
    source: str = Field("", max_length=500, description="Where the distribution comes from.")

    @model_validator(mode="after")
    def _params(self):
        required, optional = _DIST_PARAMS[self.dist]
        given = {k for k in _ALL_DIST_PARAMS if getattr(self, k) is not None}
        missing = sorted(required - given)
        if missing:
            raise ValueError(t(f"{self.dist} needs {', '.join(missing)}", f"{self.dist} 分布需要 {', '.join(missing)}"))
        extra = sorted(given - required - optional)
        if extra:
            raise ValueError(t(f"{self.dist} does not take {', '.join(extra)}", f"{self.dist} 分布不接受 {', '.join(extra)}"))
        lo, mode, hi = self.min, self.mode, self.max
        if lo is not None and hi is not None and lo > hi:
            raise ValueError(t(f"min {lo:g} is above max {hi:g}", f"最小值 min {lo:g} 大于最大值 max {hi:g}"))
        if mode is not None and not (lo <= mode <= hi):
            raise ValueError(t(f"mode {mode:g} is outside [min, max] = [{lo:g}, {hi:g}]", f"众数 mode {mode:g} 不在 [min, max] = [{lo:g}, {hi:g}] 内"))
        if self.sd is not None and not self.sd > 0:
            raise ValueError(t(f"sd must be > 0 (got {self.sd:g})", f"标准差 sd 须大于0(现为 {self.sd:g})"))
        if self.dist in ("normal", "lognormal") and lo is not None and hi is not None and lo == hi:
            raise ValueError(t("truncation min and max are equal: use a uniform with min = max for a constant", "截断的 min 与 max 相等: 常数请用 min = max 的均匀分布"))
        if self.dist == "lognormal" and not self.mean > 0:
            raise ValueError(t(f"lognormal mean must be > 0 (got {self.mean:g})", f"对数正态分布的均值须大于0(现为 {self.mean:g})"))
        if self.dist == "discrete" and self.probs is not None:
            if len(self.probs) != len(self.values):
                raise ValueError(t(f"probs has {len(self.probs)} items for {len(self.values)} values", f"probs 有 {len(self.probs)} 项,而 values 有 {len(self.values)} 项"))
            if any(p < 0 for p in self.probs):
                raise ValueError(t("probs must be non-negative", "概率 probs 不能为负"))
            if abs(sum(self.probs) - 1.0) > 1e-9:
                raise ValueError(t(f"probs sum to {sum(self.probs):.6g}, must sum to 1", f"概率 probs 之和为 {sum(self.probs):.6g},须为1"))
        return self


class RankCorrelation(Strict):
    """A rank (Spearman) correlation between two uncertain inputs."""

    between: list[str] = Field(..., min_length=2, max_length=2, description="The two inputs' dotted paths.")
    rho: float = F(0.0, -1.0, 1.0, "Target Spearman rank correlation. [-]")
    source: str = Field("", max_length=500, description="Where the correlation comes from.")

    @model_validator(mode="after")
    def _distinct(self):
        if self.between[0] == self.between[1]:
            raise ValueError(t("a correlation needs two different inputs", "相关关系须涉及两个不同的输入"))
        return self


class Uncertainty(Strict):
    """Distributions of uncertain inputs and their rank correlations (Monte Carlo, Sobol, Morris)."""

    inputs: list[Distribution] = Field(default_factory=list, max_length=200,
                                       description="Uncertain inputs; every other assumption stays at its value.")
    correlations: list[RankCorrelation] = Field(default_factory=list, max_length=2000,
                                                description="Rank correlations between inputs (0 where not listed).")
    correlation_method: Literal["iman_conover", "gaussian_copula"] = Field(
        "iman_conover", description="How draws are correlated: Iman-Conover reordering or a Gaussian copula.")

    @model_validator(mode="after")
    def _consistent(self):
        paths = [d.path for d in self.inputs]
        dup = sorted({p for p in paths if paths.count(p) > 1})
        if dup:
            raise ValueError(t(f"inputs: {dup[0]} has two distributions", f"inputs: {dup[0]} 有两个分布"))
        seen = set()
        for i, c in enumerate(self.correlations):
            for p in c.between:
                if p not in paths:
                    raise ValueError(t(f"correlations.{i}: {p} has no distribution in uncertainty.inputs", f"correlations.{i}: {p} 在 uncertainty.inputs 中没有分布"))
            pair = frozenset(c.between)
            if pair in seen:
                raise ValueError(t(f"correlations.{i}: the pair {c.between[0]}, {c.between[1]} is listed twice", f"correlations.{i}: {c.between[0]} 与 {c.between[1]} 重复列出"))
            seen.add(pair)
        return self


class Driver(Strict):
    """A tornado/spider driver: an input and, optionally, its low and high values."""

    path: str = Field(..., min_length=1, max_length=200, description="Dotted YAML path of a numeric assumption.")
    low: float | None = Field(None, description="Low value for the tornado; with high, replaces the relative swing. [input's unit]")
    high: float | None = Field(None, description="High value for the tornado. [input's unit]")
    source: str = Field("", max_length=500, description="Where the range comes from.")

    @model_validator(mode="after")
    def _range(self):
        if (self.low is None) != (self.high is None):
            raise ValueError(t("give both low and high, or neither", "low 与 high 须同时给出或都不给"))
        if self.low is not None and self.low > self.high:
            raise ValueError(t(f"low {self.low:g} is above high {self.high:g}", f"low {self.low:g} 大于 high {self.high:g}"))
        return self


class Sensitivity(Strict):
    """Defaults of ``finmodel sensitivity``: the drivers, the relative swing, the spider's steps."""

    swing: float = F(0.2, 0.0, 1.0, "Relative swing of drivers without a declared range: low = base x (1 - swing). [fraction]")
    spider_steps: list[float] = Field(default_factory=lambda: [-0.3, -0.2, -0.1, 0.0, 0.1, 0.2, 0.3],
                                      min_length=2, max_length=101,
                                      description="Relative steps of the spider plot, increasing. [fraction]")
    drivers: list[Driver] = Field(default_factory=list, max_length=200,
                                  description="Drivers of the tornado and spider; empty = the built-in list of key drivers.")

    @model_validator(mode="after")
    def _steps(self):
        s = self.spider_steps
        if any(b <= a for a, b in zip(s, s[1:])):
            raise ValueError(t("spider_steps must increase strictly", "spider_steps 须严格递增"))
        if any(x <= -1.0 or x > 10.0 for x in s):
            raise ValueError(t("spider_steps must lie in (-1, 10]", "spider_steps 须在 (-1, 10] 内"))
        paths = [d.path for d in self.drivers]
        dup = sorted({p for p in paths if paths.count(p) > 1})
        if dup:
            raise ValueError(t(f"drivers: {dup[0]} is listed twice", f"drivers: {dup[0]} 重复列出"))
        return self


def numeric_path_problem(root: BaseModel, path: str) -> str | None:
    """Why ``path`` is not a numeric assumption present in ``root`` (None when it is)."""
    node: object = root
    parts = path.split(".")
    if parts[0] in ("uncertainty", "sensitivity", "sources"):
        return t(f"'{path}' is not an assumption of the model", f"'{path}' 不是模型的假设")
    for part in parts:
        if isinstance(node, BaseModel):
            if part not in type(node).model_fields:
                return t(f"no such assumption '{part}' in '{path}'", f"'{path}' 中没有假设 '{part}'")
            node = getattr(node, part)
        elif isinstance(node, list):
            if not part.isdigit():
                return t(f"'{part}' in '{path}' is not a list index", f"'{path}' 中的 '{part}' 不是列表序号")
            if int(part) >= len(node):
                return t(f"index {part} in '{path}' is out of range (the list has {len(node)} items)",
                         f"'{path}' 中的序号 {part} 超出范围(该列表有 {len(node)} 项)")
            node = node[int(part)]
        else:
            return t(f"no such assumption '{part}' in '{path}'", f"'{path}' 中没有假设 '{part}'")
    if isinstance(node, bool) or not isinstance(node, (int, float)):
        return t(f"'{path}' is not a numeric assumption", f"'{path}' 不是数值假设")
    return None


#: The fields of the study sections that may be written relative to the input's base value.
RELATIVE_FIELDS = {"sensitivity.drivers": ("low", "high"),
                   "uncertainty.inputs": ("min", "mode", "max", "mean", "sd", "values")}


def _is_relative(v) -> bool:
    return isinstance(v, str) and PERCENT_RE.match(v) is not None or (isinstance(v, str) and v.strip() == "base")


def _study_items(data: dict):
    for section, fields in RELATIVE_FIELDS.items():
        sec, key = section.split(".")
        items = (data.get(sec) or {}).get(key) if isinstance(data.get(sec), dict) else None
        for item in items if isinstance(items, list) else []:
            if isinstance(item, dict):
                yield item, fields


def _has_relative(data: dict) -> bool:
    for item, fields in _study_items(data):
        for f in fields:
            v = item.get(f)
            if _is_relative(v) or (isinstance(v, list) and any(_is_relative(x) for x in v)):
                return True
    return False


def value_at(root: BaseModel, path: str):
    """The value of a dotted path in a validated model, or None when it is not there."""
    node: object = root
    for part in path.split("."):
        if isinstance(node, BaseModel) and part in type(node).model_fields:
            node = getattr(node, part)
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return None
    return node if isinstance(node, (int, float)) and not isinstance(node, bool) else None


def resolve_relative(data: dict, base: BaseModel) -> dict:
    """Study ranges written relative to the input's base value, as numbers.

    ``-20%`` is base x 0.8, ``+20%`` base x 1.2, ``0%`` or ``base`` the base itself; for ``sd``,
    ``10%`` is 10 % of |base|. They follow the scenario's values (and ``--set``). A path that is
    not in the scenario is left to the checks of the study paths.
    """
    data = dict(data)
    for section, fields in RELATIVE_FIELDS.items():
        sec, key = section.split(".")
        if not isinstance(data.get(sec), dict) or not isinstance(data[sec].get(key), list):
            continue
        items = []
        for item in data[sec][key]:
            if isinstance(item, dict):
                b = value_at(base, str(item.get("path", "")))
                if b is not None:
                    item = dict(item)
                    for f in fields:
                        item[f] = _resolve(item.get(f), b, f == "sd")
            items.append(item)
        data[sec] = {**data[sec], key: items}
    return data


def _resolve(v, base: float, spread: bool):
    if isinstance(v, list):
        return [_resolve(x, base, spread) for x in v]
    if not _is_relative(v):
        return v
    if v.strip() == "base":
        return float(base)
    r = percent_value(v)
    return abs(base) * r if spread else base * (1.0 + r)


