"""The break-even table: every key driver's value at the target."""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Sequence

import numpy as np

from ..assumptions import Assumptions
from ..errors import UsageError
from ..i18n import t
from .drivers import resolve_driver, table_drivers
from .problem import Pick, _Problem
from .results import BreakEven, _result, fmt_metric, fmt_value
from .solver import _problem, _solve_problems
from ..registry import solved_metric
from .targets import NEVER_IS_INFINITE, Target, parse_target


def breakeven_table(a: Assumptions, target: str | Target = "npv=0", drivers: Sequence[str] | None = None):
    """The break-even table: for each key driver, the value at which the target (NPV = 0) is met.

    One row per driver, sorted by how little change breaks the deal: the smallest relative change
    first (an absolute change where the base is 0 comes after), the unreachable ones last. Every
    continuous driver is solved in one shared set of engine calls; the concession length, which
    reshapes the time axis, is searched over whole years and reports the shortest length at which
    the target holds (for ``npv=0`` read as ``npv>=0``).

    Index: the driver's key. Columns: label, vary, unit, base, value, change, change_pct (percent),
    feasible, achieved, lo, hi, metric_at_lo, metric_at_hi, closest_value and closest_metric (where
    not feasible: the candidate nearest the target), note. Scaled drivers (property fee, operating
    cost) give a factor: value 1.31 means every value they scale is 1.31 x its base. ``df.attrs``
    holds the target and the metric at base.
    """
    import pandas as pd

    tg = parse_target(target)
    keys, problems = _table_problems(a, tg, drivers)
    outcomes, _ = _solve_problems(a, problems)
    results = [_result(p, o) for p, o in zip(problems, outcomes)]
    out = [_table_row(key, r, p, tg) for key, r, p in zip(keys, results, problems)]
    df = pd.DataFrame(out)
    df["_k1"] = ~df["feasible"]
    df["_k2"] = df["change_pct"].isna()
    df["_k3"] = np.where(df["change_pct"].notna(), df["change_pct"].abs(), df["change"].abs())
    df = df.sort_values(["_k1", "_k2", "_k3"], kind="stable").drop(columns=["_k1", "_k2", "_k3"])
    df = df.set_index("driver")
    df.attrs["target"] = str(tg)
    df.attrs["base_metric"] = results[0].base_metric if results else math.nan
    df.attrs["values_metric"] = solved_metric(tg.metric)      # the metric of base_metric and closest_metric
    return df


def _table_problems(a: Assumptions, tg: Target, drivers: Sequence[str] | None) -> tuple[list[str], list[_Problem]]:
    """The table's problems: every driver (or those named) at the target; whole years from the shortest."""
    rows = table_drivers(a)
    if drivers is not None:
        unknown = [k for k in drivers if k not in {r[0] for r in rows}]
        if unknown:
            known = ", ".join(r[0] for r in rows)
            raise UsageError(t(f"unknown driver(s) {', '.join(unknown)}; known: {known}",
                               f"未知的驱动因素 {', '.join(unknown)};可用: {known}"), param="drivers")
        rows = [r for r in rows if r[0] in drivers]
    problems, keys = [], []
    for key, label, spec in rows:
        d = replace(resolve_driver(a, spec), label=label)
        tt = tg
        pick: Pick = "nearest"
        if d.kind == "whole":
            pick = "lowest"
            if tg.op == "=":
                # whole years cannot hit a value exactly: the shortest length that reaches it
                tt = Target(tg.metric, "<=" if tg.metric in NEVER_IS_INFINITE else ">=", tg.value)
        problems.append(_problem(a, d, tt, pick=pick))
        keys.append(key)
    return keys, problems


def _table_note(r: BreakEven, p: _Problem, tg: Target) -> str:
    """What a row needs said: the shortest whole value, the lines a factor scales, or why it is not reached."""
    if r.kind == "whole" and r.feasible:
        return (t(f"the shortest with {r.target}", f"满足 {r.target} 的最短值")
                + ("" if r.status != "always" else t(" (holds at every value)", "(每个值都满足)")))
    if r.feasible:
        note = "" if r.status == "solved" else r.message
        if r.kind == "scale":
            fields = {pth.rsplit(".", 1)[-1] for pth in r.paths}
            short = [(pth.rsplit(".", 1)[0] if len(fields) == 1 else pth) for pth in r.paths]
            parts = [f"{'.'.join(sp.split('.')[-2:])} {b:g} -> {r.leaf_values[pth]:.4g}"
                     for sp, pth, b in zip(short, r.paths, p.driver.bases)]
            sep = t("; ", ";")
            scaled = sep.join(parts) if len(parts) <= 2 else t(f"each of {len(parts)} lines x{r.value:.4g}",
                                                               f"全部 {len(parts)} 项 x{r.value:.4g}")
            note = f"{scaled}{sep + note if note else ''}"
        return note
    if math.isfinite(r.closest_value):
        lo, hi = fmt_value(r.lo, r.unit), fmt_value(r.hi, r.unit)
        cm, cx = fmt_metric(r.values_metric, r.closest_metric), fmt_value(r.closest_value, r.unit)
        return t(f"not reached from {lo} to {hi}; closest: {cm} at {cx}",
                 f"在 {lo} 至 {hi} 内未达到;最接近: {cx} 时为 {cm}")
    return r.message


def _table_row(key: str, r: BreakEven, p: _Problem, tg: Target) -> dict:
    return {
        "driver": key, "label": r.label, "vary": r.vary, "unit": r.unit, "base": r.base_value,
        "value": r.value if r.feasible else math.nan, "change": r.change if r.feasible else math.nan,
        "change_pct": (r.change_rel * 100 if (r.feasible and r.change_rel is not None) else math.nan),
        "feasible": r.feasible, "achieved": r.achieved, "lo": r.lo, "hi": r.hi,
        "metric_at_lo": r.metric_at_lo, "metric_at_hi": r.metric_at_hi, "closest_value": r.closest_value,
        "closest_metric": r.closest_metric, "note": _table_note(r, p, tg),
        "sets": " ".join(f"--set {x}" for x in r.sets()) if r.feasible else "",
    }
