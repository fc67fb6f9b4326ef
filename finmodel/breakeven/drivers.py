"""Drivers: what a break-even moves, resolved from a path, a list, a wildcard or a table name."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Literal

import numpy as np

from .. import engine
from .. import paths as dotted
from ..assumptions import Assumptions
from ..errors import UsageError
from ..i18n import t
from ..scenarios import did_you_mean, field_bounds, field_info, is_numeric_path, schema_node

#: Whole-number drivers score every whole value: at most this many.
MAX_WHOLE = 400


def _base_number(v, path: str) -> float:
    if v is None:
        raise UsageError(t("has no value in this scenario (null): give it one before varying it",
                           "在本情景中没有值(null): 先给它一个值再求解"), param="vary", key=path)
    return float(v)


# The break-even table's drivers (key, English and Chinese label, path spec) and the operating-cost
# lines live in finmodel.key_drivers, data the workbook reads too (it may not import the solver).
from ..key_drivers import TABLE_DRIVERS

_UNIT_RE = re.compile(r"\[([^\]]+)\]\s*$")


def _unit_of(path: str) -> str:
    info = field_info(path)
    m = _UNIT_RE.search((info.description or "") if info is not None else "")
    return m.group(1) if m else ""


def commercial_tier(a: Assumptions) -> int:
    """Index of the tier named 'commercial' (else the tier with the highest rent)."""
    tiers = a.space.tiers
    for i, tier in enumerate(tiers):
        if tier.name == "commercial":
            return i
    return int(np.argmax([t.rent_cny_per_m2_day for t in tiers]))


@dataclass(frozen=True)
class Driver:
    """What a break-even moves: leaf paths and how one number ``x`` sets them.

    kind ``value``: x is the single leaf's value; ``scale``: every leaf = its base x x (base
    x = 1); ``whole``: x is a whole number set on the single leaf.
    """

    spec: str
    label: str
    paths: tuple[str, ...]
    bases: tuple[float, ...]
    kind: Literal["value", "scale", "whole"]
    lo: float                      # valid range of x (from the schema)
    hi: float
    unit: str
    structural: bool               # reshapes the time axis: one engine call per candidate
    leaf_bounds: tuple[tuple[float, float], ...] = ()

    @property
    def base_value(self) -> float:
        return 1.0 if self.kind == "scale" else self.bases[0]

    def leaves(self, x) -> dict[str, np.ndarray]:
        """Leaf values for driver values ``x`` (an array): path -> array of the same shape."""
        x = np.asarray(x, dtype=float)
        if self.kind == "scale":
            return {p: np.clip(b * x, lo, hi) for p, b, (lo, hi) in zip(self.paths, self.bases, self.leaf_bounds)}
        if self.kind == "whole":
            return {self.paths[0]: np.round(x)}
        return {self.paths[0]: x}


def _expand(data: dict, path: str) -> list[str]:
    """Expand ``*`` over the list indices present in the scenario; check every path exists."""
    parts = path.split(".")
    out = [[]]
    for part in parts:
        nxt = []
        for pre in out:
            if part == "*":
                try:
                    node = dotted.get(data, pre)
                except dotted.PathError:
                    raise UsageError(t("not present in this scenario", "本情景中没有这一项"), param="vary",
                                     key=".".join(pre)) from None
                if not isinstance(node, list):
                    raise UsageError(t("'*' stands for list items, and this is not a list",
                                       "'*' 代表列表中的各项,而这里不是列表"), param="vary", key=".".join(pre))
                nxt.extend(pre + [str(i)] for i in range(len(node)))
            else:
                nxt.append(pre + [part])
        out = nxt
    return [".".join(p) for p in out]


def _leaf_paths(data: dict, spec_path: str) -> list[str]:
    """The numeric leaves a path names: itself, its '*' expansion, or a list's one decimal field."""
    parts = spec_path.split(".")
    probe = [("0" if p == "*" else p) for p in parts]
    try:
        node = schema_node(probe)
    except KeyError as exc:
        pos = exc.args[0]
        hint = did_you_mean(probe[: pos + 1])
        if not hint and len(parts) == 1:        # a short name of the break-even table: subsidy, capex, ...
            from .. import registry
            names = [k for k, *_ in TABLE_DRIVERS]
            hint = registry.suggest(spec_path, names, listing=False)
            hint = hint or t(f"; short names: {', '.join(names)}, or a dotted path",
                             f";可用简称: {', '.join(names)},或带点的 YAML 路径")
        raise UsageError(t(f"no such assumption '{parts[pos]}'{hint}", f"没有假设项 '{parts[pos]}'{hint}"),
                         param="vary", key=spec_path) from None
    import typing

    from pydantic import BaseModel
    if typing.get_origin(node) is list:
        item = typing.get_args(node)[0]
        if isinstance(item, type) and issubclass(item, BaseModel):
            floats = [n for n, f in item.model_fields.items() if f.annotation is float]
            if len(floats) == 1:
                return _leaf_paths(data, f"{spec_path}.*.{floats[0]}")
            example = f"{spec_path}.*.{floats[0] if floats else 'FIELD'}"
            raise UsageError(t(f"a list of several numbers; name one, e.g. {example}",
                               f"这是含多个数值的列表;请指明其中一个,例如 {example}"), param="vary", key=spec_path)
        raise UsageError(t("is a list; name an item by index or use '*'", "这是列表;请用序号指明一项,或用 '*'"),
                         param="vary", key=spec_path)
    if isinstance(node, type) and issubclass(node, BaseModel):
        nums = [n for n in node.model_fields if is_numeric_path(f"{'.'.join(probe)}.{n}")]
        raise UsageError(t(f"is a section, not a number; name a field ({', '.join(nums)})",
                           f"这是一个部分,不是数值;请指明其中一项({', '.join(nums)})"), param="vary", key=spec_path)
    if node not in (int, float):
        raise UsageError(t("is not a numeric assumption", "不是数值型假设"), param="vary", key=spec_path)
    paths = _expand(data, spec_path)
    for p in paths:
        try:
            v = dotted.get(data, p)
        except dotted.PathError:
            raise UsageError(t("not present in this scenario (list index out of range?)",
                               "本情景中没有这一项(列表序号超出范围?)"), param="vary", key=p) from None
        if v is None:
            raise UsageError(t("is empty (null) in this scenario; give it a value first",
                               "在本情景中为空(null);请先给它一个值"), param="vary", key=p)
    return paths


def resolve_driver(a: Assumptions, spec: str) -> Driver:
    """A :class:`Driver` from a path, a comma list of paths, a wildcard, a list, or a table name."""
    spec = (spec or "").strip()
    if not spec:
        raise UsageError(t("empty path", "路径为空"), param="vary")
    label = spec
    names = {k: (lbl, p) for k, lbl, _, p in TABLE_DRIVERS}
    if spec in names:
        label, spec = names[spec][0], names[spec][1].replace("{c}", str(commercial_tier(a)))
    data = a.model_dump()
    items = [s.strip() for s in spec.split(",") if s.strip()]
    paths: list[str] = []
    for item in items:
        paths.extend(_leaf_paths(data, item))
    if len(set(paths)) != len(paths):
        raise UsageError(t("a path is named twice", "同一路径出现了两次"), param="vary", key=spec)
    bases = tuple(_base_number(dotted.get(data, p), p) for p in paths)
    structural = any(engine.STRUCTURAL.match(p) for p in paths)
    is_int = [schema_node(p.split(".")) is int for p in paths]
    single = len(paths) == 1 and "*" not in spec and "," not in spec and not _is_list_spec(spec)
    if single:
        path = paths[0]
        lo, hi = field_bounds(path)
        kind = "whole" if is_int[0] else "value"
        return Driver(spec, label, (path,), bases, kind, lo, hi, _unit_of(path), structural)
    if structural or any(is_int):
        bad = next(p for p, i in zip(paths, is_int) if i or engine.STRUCTURAL.match(p))
        raise UsageError(t("whole-number or time-axis inputs cannot be scaled together with others",
                           "整数或影响时间轴的输入不能与其他输入一起同比例缩放"), param="vary", key=bad)
    if not any(b != 0 for b in bases):
        raise UsageError(t("every value is 0 in this scenario: scaling cannot move them; vary one path instead",
                           "本情景中这些值全为 0: 同比例缩放无法改变它们;请改为求解单个路径"), param="vary", key=spec)
    flo, fhi = 0.0, math.inf
    leaf_bounds = []
    for p, b in zip(paths, bases):
        lo, hi = field_bounds(p)
        leaf_bounds.append((lo, hi))
        if b > 0:
            flo, fhi = max(flo, lo / b), min(fhi, hi / b)
        elif b < 0:
            flo, fhi = max(flo, hi / b), min(fhi, lo / b)
    if not flo < fhi:
        raise UsageError(t("no factor keeps every value within its valid range", "没有一个系数能让各值都在有效范围内"),
                         param="vary", key=spec)
    return Driver(spec, label, tuple(paths), bases, "scale", flo, fhi, "x base", False, tuple(leaf_bounds))


def _is_list_spec(spec: str) -> bool:
    import typing
    try:
        return typing.get_origin(schema_node(spec.split("."))) is list
    except KeyError:
        return False


def default_range(d: Driver) -> tuple[float, float]:
    """The search range when none is given: the schema's bounds, within 10 x the base's size of it.

    A base of 0 searches the schema's whole range (or 0..1 where it is open). Scale drivers search
    factors 0..11 within the bounds; whole-number drivers their schema range.
    """
    b = d.base_value
    if d.kind == "whole":
        lo, hi = d.lo, d.hi
        if not (math.isfinite(lo) and math.isfinite(hi)) or hi - lo > MAX_WHOLE:
            lo, hi = max(lo, b - MAX_WHOLE // 2), min(hi, b + MAX_WHOLE // 2)
        return float(lo), float(hi)
    span = 10.0 * abs(b)
    if b == 0:
        lo = d.lo if math.isfinite(d.lo) else -1.0
        hi = d.hi if math.isfinite(d.hi) else 1.0
    else:
        lo, hi = max(d.lo, b - span), min(d.hi, b + span)
    if d.kind == "scale":
        lo = max(lo, 0.0)
    return float(lo), float(hi)


def table_drivers(a: Assumptions) -> list[tuple[str, str, str]]:
    """(key, label, path spec) of the break-even table's drivers for this scenario."""
    c = str(commercial_tier(a))
    return [(k, lbl, spec.replace("{c}", c)) for k, lbl, _, spec in TABLE_DRIVERS]
