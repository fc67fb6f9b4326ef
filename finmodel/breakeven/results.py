"""The answer to a break-even problem, and how it is said."""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import numpy as np

from .drivers import Driver
from .problem import _Bound, _Outcome, _Problem
from .. import units
from ..i18n import is_zh, t
from .targets import NEVER_IS_INFINITE, Target, metric_unit


@dataclass(frozen=True)
class BreakEven:
    """The answer to one break-even problem.

    ``value`` is in the driver's unit (the factor for a scaled driver); ``change`` is value -
    base_value and ``change_rel`` that change over |base_value| (None where the base is 0).
    ``direction`` is ``floor`` (the target holds at and above value) or ``ceiling`` (at and
    below) for an inequality, None for ``=``. ``feasible`` False means no value in [lo, hi]
    meets the target: ``value`` and ``achieved`` are NaN and ``metric_at_lo/hi`` say why.
    """

    vary: str
    label: str
    paths: tuple[str, ...]
    kind: str
    unit: str
    target: Target
    value: float
    achieved: float
    base_value: float
    base_metric: float
    change: float
    change_rel: float | None
    direction: str | None
    feasible: bool
    status: str                    # solved, jump, always, unreachable, undefined
    iterations: int
    evaluations: int
    lo: float
    hi: float
    metric_at_lo: float
    metric_at_hi: float
    message: str
    other_values: tuple[float, ...] = ()
    leaf_values: dict[str, float] = field(default_factory=dict)
    closest_value: float = math.nan        # when not feasible: the candidate nearest the target
    closest_metric: float = math.nan
    solved_as: str | None = None           # an IRR target: the NPV test it was solved as
    #: The metric of base_metric, metric_at_lo/hi and closest_metric: the target's, or for an IRR
    #: target the NPV it was solved on (an IRR is not evaluated on the way).
    solved_metric: str | None = None

    @property
    def values_metric(self) -> str:
        return self.solved_metric or self.target.metric

    def to_dict(self) -> dict:
        """Plain types for JSON (NaN becomes null through ``finmodel.io.jsonable``)."""
        return {
            "vary": self.vary, "label": self.label, "paths": list(self.paths), "kind": self.kind, "unit": self.unit,
            "target": str(self.target), "metric": self.target.metric, "op": self.target.op,
            "target_value": self.target.value, "value": self.value, "achieved": self.achieved,
            "base_value": self.base_value, "base_metric": self.base_metric, "change": self.change,
            "change_rel": self.change_rel, "direction": self.direction, "feasible": self.feasible,
            "status": self.status, "iterations": self.iterations, "evaluations": self.evaluations,
            "range": [self.lo, self.hi], "metric_at_lo": self.metric_at_lo, "metric_at_hi": self.metric_at_hi,
            "other_values": list(self.other_values), "leaf_values": dict(self.leaf_values),
            "closest_value": self.closest_value, "closest_metric": self.closest_metric, "message": self.message,
            "solved_as": self.solved_as, "values_metric": self.values_metric,
        }

    def sets(self) -> list[str]:
        """``--set`` arguments that reproduce the answer with ``finmodel run``."""
        return [f"{p}={v!r}" for p, v in self.leaf_values.items()]


def fmt_metric(metric: str, v: float | None) -> str:
    """A metric value for people: money in 万元 (in either language), rates in %, years, ratios."""
    if v is None or not math.isfinite(v):
        if metric in NEVER_IS_INFINITE and v is not None and not math.isnan(v):
            return t("never", "不回收")
        return t("never (not within the concession)", "运营期内未回收") if metric in NEVER_IS_INFINITE else t("n/a", "无")
    u = metric_unit(metric)
    if not u:
        return f"{v:.4g}"
    return units.fmt(v, u, zh=is_zh() or units.unit(u).kind == "money", precise=True)


def fmt_value(v: float, unit: str) -> str:
    """An input value in its unit as the schema writes it (``CNY/year``; 元/年 in Chinese)."""
    if v is None or not math.isfinite(v):
        return t("n/a", "无")
    if unit == "x base":
        return f"x{v:.6g}"
    if unit.startswith("fraction"):
        return f"{v:.6g} ({v * 100:.4g} %)"
    label = units.schema_unit_label(unit, is_zh())
    if abs(v) >= 1e4:
        return f"{v:,.0f} {label}".rstrip()
    return f"{v:.6g} {label}".rstrip()


def _describe_ends(tg: Target, lo: float, hi: float, m_lo: float, m_hi: float, unit: str) -> str:
    return t(f"{tg.metric} is {fmt_metric(tg.metric, m_lo)} at {fmt_value(lo, unit)} and "
             f"{fmt_metric(tg.metric, m_hi)} at {fmt_value(hi, unit)}",
             f"{tg.metric} 在 {fmt_value(lo, unit)} 时为 {fmt_metric(tg.metric, m_lo)},"
             f"在 {fmt_value(hi, unit)} 时为 {fmt_metric(tg.metric, m_hi)}")


# --------------------------------------------------------------------------- results of problems
def _valid_span(p: _Problem, o: _Outcome) -> tuple[_Problem, _Outcome, str]:
    """Whole values that are not valid scenarios (a refit after a short concession): the valid span, a note."""
    if not o.invalid:
        return p, o, ""
    d = p.driver
    valid = ~np.isin(o.grid, [x for x, _ in o.invalid])
    xs_bad = [x for x, _ in o.invalid]
    note = t(f"; {fmt_value(min(xs_bad), d.unit)} to {fmt_value(max(xs_bad), d.unit)} not valid here "
             f"({len(xs_bad)} values; e.g. {o.invalid[0][1]})",
             f";{fmt_value(min(xs_bad), d.unit)} 至 {fmt_value(max(xs_bad), d.unit)} 在此无效"
             f"(共 {len(xs_bad)} 个值;例如 {o.invalid[0][1]})") if len(xs_bad) > 1 else \
        t(f"; {fmt_value(xs_bad[0], d.unit)} is not valid here ({o.invalid[0][1]})",
          f";{fmt_value(xs_bad[0], d.unit)} 在此无效({o.invalid[0][1]})")
    if valid.any():
        k = np.flatnonzero(valid)
        p = replace(p, lo=float(o.grid[k[0]]), hi=float(o.grid[k[-1]]))
        o = replace(o, grid=o.grid[k[0]:k[-1] + 1], metric=o.metric[k[0]:k[-1] + 1], h=o.h[k[0]:k[-1] + 1])
    return p, o, note


def _leaves_at(p: _Problem, x: float, whole: bool = False) -> dict:
    """The leaf values at driver value ``x`` (whole values as ints, the calibration year pulled in as searched)."""
    d = p.driver
    leaf = {pth: float(np.asarray(v).item()) for pth, v in d.leaves(np.asarray(x)).items()}
    if whole:
        leaf = {pth: int(v) for pth, v in leaf.items()}
        n = leaf.get("scenario.concession_years")
        if n is not None and n < p.driver_calibration_year:   # as the search did: calibration within N
            leaf["scenario.calibration_year"] = n
    return leaf


def _solved(p: _Problem, o: _Outcome, good: list[_Bound], jumps: list[_Bound], common: dict) -> BreakEven:
    """The answer the pick prefers among the roots or bounds found, the others listed."""
    tg, d = p.target, p.driver
    key = {"nearest": lambda bd: (abs(bd.x - p.x0), bd.x), "lowest": lambda bd: bd.x,
           "highest": lambda bd: -bd.x}[p.pick]
    good.sort(key=key)
    best = good[0]
    others = tuple(sorted(bd.x for bd in good[1:]))
    x = best.x
    change = x - d.base_value
    rel = change / abs(d.base_value) if d.base_value != 0 else None
    leaf = _leaves_at(p, x, whole=d.kind == "whole")
    msg = _solved_message(tg, d, best, x)
    if others:
        vals = ", ".join(fmt_value(v, d.unit) for v in others)
        msg += t(f"; other solutions in range: {vals}", f";范围内的其他解: {vals}")
    if jumps and tg.op == "=":
        near = fmt_value(jumps[0].x, d.unit)
        msg += t(f"; the metric also jumps across the target (no solution there) near {near}",
                 f";指标在 {near} 附近还跳变越过目标(该处无解)")
    return BreakEven(**common, value=float(x), achieved=float(best.metric), change=float(change), change_rel=rel,
                     direction=best.direction, feasible=True, status="solved" if best.exact else "jump",
                     iterations=best.iterations, evaluations=o.evaluations, message=msg, other_values=others,
                     leaf_values=leaf)


def _unreachable(p: _Problem, o: _Outcome, common: dict, nan: dict, ends: str) -> BreakEven:
    """No bound and no jump: the metric stays on one side of the target; the closest candidate."""
    tg, d = p.target, p.driver
    ok = ~np.isnan(o.h)
    defined = o.metric[ok]
    if tg.metric in NEVER_IS_INFINITE:
        defined = np.where(np.isnan(o.metric), np.inf, o.metric)[ok]
    lo_m, hi_m = float(np.nanmin(defined)), float(np.nanmax(defined))
    m, v = tg.metric, f"{tg.value:g}"
    if hi_m < tg.value:
        stays = t(f"{m} stays below {v}", f"{m} 始终低于 {v}")
    elif lo_m > tg.value:
        stays = t(f"{m} stays above {v}", f"{m} 始终高于 {v}")
    else:
        stays = t(f"{m} stays on both sides of, but never crosses, {v}", f"{m} 在 {v} 两侧都有取值,但从不穿过它")
    partly = "" if ok.all() else t("; undefined over part of the range", ";在部分范围内无定义")
    hk = np.where(ok, np.abs(o.h) if tg.op == "=" else -o.h, np.inf)
    k = int(np.argmin(hk))
    cm, cx = fmt_metric(m, float(o.metric[k])), fmt_value(float(o.grid[k]), d.unit)
    closest = t(f"; closest: {cm} at {cx}", f";最接近: {cx} 时为 {cm}")
    return BreakEven(**common, **nan, feasible=False, status="unreachable", closest_value=float(o.grid[k]),
                     closest_metric=float(o.metric[k]),
                     message=t(f"no value in range reaches {tg}: {stays}{partly}{closest}; {ends}",
                               f"范围内没有值能达到 {tg}: {stays}{partly}{closest};{ends}"))


def _unsolved(p: _Problem, o: _Outcome, jumps: list[_Bound], common: dict, ends: str) -> BreakEven:
    """No root or bound: the target holds everywhere, or is undefined, jumped over or out of reach."""
    tg, d = p.target, p.driver
    ok = ~np.isnan(o.h)
    nan = dict(value=math.nan, achieved=math.nan, change=math.nan, change_rel=None, direction=None,
               iterations=max([bd.iterations for bd in o.bounds], default=0), evaluations=o.evaluations,
               leaf_values={})
    if tg.is_inequality and ok.any() and np.all(o.h[ok] >= 0):
        x0 = p.x0
        nan.update(value=float(x0), achieved=o.base_metric if x0 == d.base_value else math.nan,
                   change=float(x0 - d.base_value), change_rel=0.0 if d.base_value != 0 else None,
                   leaf_values=_leaves_at(p, x0))
        where = "" if ok.all() else t(" (wherever it is defined)", "(凡有定义之处)")
        return BreakEven(**common, **nan, feasible=True, status="always",
                         message=t(f"{tg} holds over the whole range{where}: there is no floor or ceiling inside "
                                   f"it; {ends}",
                                   f"{tg} 在整个范围内均成立{where}: 范围内没有下限或上限;{ends}"))
    if not ok.any():
        return BreakEven(**common, **nan, feasible=False, status="undefined",
                         message=t(f"{tg.metric} is undefined over the whole range; {ends}",
                                   f"{tg.metric} 在整个范围内无定义;{ends}"))
    if jumps:
        j = min(jumps, key=lambda bd: abs(bd.x - p.x0))
        m1, m2 = (j.metric, j.other_metric) if j.x < j.other_x else (j.other_metric, j.metric)
        f1, f2, at = fmt_metric(tg.metric, m1), fmt_metric(tg.metric, m2), fmt_value(j.x, d.unit)
        return BreakEven(**common, **nan, feasible=False, status="jump",
                         message=t(f"no value meets {tg}: {tg.metric} jumps from {f1} to {f2} at {at} without "
                                   f"taking the target value; {ends}",
                                   f"没有值满足 {tg}: {tg.metric} 在 {at} 处从 {f1} 跳变到 {f2},"
                                   f"不经过目标值;{ends}"))
    if o.undefined_inside:
        return BreakEven(**common, **nan, feasible=False, status="undefined",
                         message=t(f"{tg.metric} is undefined inside the only bracket of the target; {ends}",
                                   f"{tg.metric} 在目标唯一的求解区间内无定义;{ends}"))
    return _unreachable(p, o, common, nan, ends)


def _result(p: _Problem, o: _Outcome) -> BreakEven:
    """The answer to a problem from what its search found."""
    p, o, invalid_note = _valid_span(p, o)
    tg, d = p.target, p.driver
    m_lo, m_hi = float(o.metric[0]), float(o.metric[-1])   # the candidates start at lo and end at hi
    ends = _describe_ends(tg, p.lo, p.hi, m_lo, m_hi, d.unit) + invalid_note
    good = [bd for bd in o.bounds if bd.exact or tg.is_inequality]
    jumps = [bd for bd in o.bounds if not bd.exact]
    common = dict(vary=d.spec, label=d.label, paths=d.paths, kind=d.kind, unit=d.unit, target=tg,
                  base_value=d.base_value, base_metric=o.base_metric, lo=p.lo, hi=p.hi,
                  metric_at_lo=m_lo, metric_at_hi=m_hi)
    res = _solved(p, o, good, jumps, common) if good else _unsolved(p, o, jumps, common, ends)
    return _as_asked(p, res)


def _as_asked(p: _Problem, res: BreakEven) -> BreakEven:
    """An IRR target solved as an NPV test: reported as asked, with the test it was solved as."""
    if p.asked is None:
        return res
    rate_path = next(k for k in p.fixed if k.startswith("discount."))
    rate = f"{rate_path}={p.asked.value:.6g}"
    test = t(f"{p.target.metric} at {rate} {p.target.op} 0", f"{rate} 时 {p.target.metric} {p.target.op} 0")
    msg = res.message.replace(str(p.target), str(p.asked))
    return replace(res, target=p.asked, achieved=p.asked.value if res.feasible else math.nan, solved_as=test,
                   solved_metric=p.target.metric,
                   message=t(f"{msg}; solved as {test} (an NPV test: an IRR can have several roots)",
                             f"{msg};按 {test} 求解(净现值检验: 内部收益率可能有多个根)"))


def _solved_message(tg: Target, d: Driver, bd: _Bound, x: float) -> str:
    v = fmt_value(x, d.unit)
    floor = bd.direction == "floor"
    if d.kind == "whole":
        if tg.op == "=":
            a, b = fmt_value(min(x, bd.other_x), d.unit), fmt_value(max(x, bd.other_x), d.unit)
            return t(f"whole values only: {tg.metric} passes {tg.value:g} between {a} and {b}; first whole value at "
                     f"or past it: {v}",
                     f"只取整数: {tg.metric} 在 {a} 与 {b} 之间越过 {tg.value:g};达到或越过它的第一个整数: {v}")
        return t(f"{tg} holds {'from' if floor else 'up to'} {v} (whole values)",
                 f"{tg} 在 {v} {'及以上' if floor else '及以下'}成立(整数)")
    side = t("at and above" if floor else "at and below", "及以上" if floor else "及以下")
    if not bd.exact:
        m1, m2 = (bd.metric, bd.other_metric) if bd.x < bd.other_x else (bd.other_metric, bd.metric)
        f1, f2 = fmt_metric(tg.metric, m1), fmt_metric(tg.metric, m2)
        return t(f"{tg.metric} jumps from {f1} to {f2} at {v}: {tg} holds {side} it",
                 f"{tg.metric} 在 {v} 处从 {f1} 跳变到 {f2}: {tg} 在该值{side}成立")
    if tg.op == "=":
        return t(f"{tg} at {v}", f"{tg} 于 {v}")
    return t(f"{tg} holds {side} {v} ({bd.direction})",
             f"{tg} 在 {v} {side}成立({'下限' if floor else '上限'})")
