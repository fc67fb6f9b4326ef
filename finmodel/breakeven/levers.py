"""Levers: the change of each break-even table driver that closes a gap in the subsidy corridor."""

from __future__ import annotations

import math

import numpy as np

from ..assumptions import Assumptions
from .conditions import SUBSIDY, _corridor_bounds, _corridor_problems, _gap_state
from .drivers import resolve_driver, table_drivers
from .evaluator import _Evaluator
from .results import fmt_value
from .solver import _solve_problems

LEVER_STEP = 0.10
LEVER_ROUNDS = 12
LEVER_RTOL = 1e-6
LEVER_XTOL = 5e-3     # the edge is pinned to 0.5 % of the base


def _levers(a: Assumptions, ac: Assumptions, lo: float, hi: float, least: float,
            gap0: float) -> tuple[list[dict], int]:
    """For each table driver, the change (in its favourable direction) that brings least - most to 0.

    The favourable direction is the one that raises equity NPV at the least viable subsidy (so it
    lowers that subsidy): one engine call for all drivers. Then 10 % that way and secant steps on the
    gap, never back past the base nor out of the valid range. Once a step closes the gap, or
    overshoots (micro profit breached even without subsidy), the last open point and that step
    bracket the edge, refined by regula falsi and bisection to 0.5 % of the base. Every round solves
    the corridor of every driver at once: one batch of problems, each driver's block holding its paths
    at the trial value. A row ``closes`` only where the gap was computed at or below 0 at ``value``.
    """
    levers = []
    for key, label, spec in table_drivers(a):
        if key in ("subsidy", "concession"):
            continue
        d = resolve_driver(ac, spec)
        if d.structural or d.kind == "whole" or d.base_value == 0:
            continue
        levers.append((key, label, d))
    if not levers:
        return [], 0
    # favourable direction: d(equity NPV)/d(driver) at the least viable subsidy, one call for all
    ev = _Evaluator(ac, ["equity_npv"])
    probe = [d.base_value * 1.01 if d.base_value * 1.01 <= d.hi else d.base_value * 0.99 for _, _, d in levers]
    res = ev.run([(d, np.array([d.base_value, x]), {SUBSIDY: least}) for (_, _, d), x in zip(levers, probe)])
    sign = []
    for r, x, (_, _, d) in zip(res, probe, levers):
        e0, e1 = r["equity_npv"]
        sign.append(float(np.sign((e1 - e0) * (x - d.base_value))))
    n_ev = ev.scenarios

    def clip(k, x):
        d = levers[k][2]
        b = d.base_value
        lo_d = max(d.lo, 0.0) if d.kind == "scale" else d.lo
        x = min(max(x, lo_d), d.hi)
        return max(x, b) if sign[k] > 0 else min(x, b)     # never back past the base

    def gaps(values: dict[int, float]) -> dict[int, tuple[float, str]]:
        nonlocal n_ev
        probs, spans = [], []
        for k, x in values.items():
            d = levers[k][2]
            fixed = {p: float(np.asarray(v).item()) for p, v in d.leaves(np.asarray(x)).items()}
            ps, nf = _corridor_problems(ac, lo, hi, fixed, rtol=LEVER_RTOL)
            spans.append((k, len(probs), len(ps), nf))
            probs.extend(ps)
        outs, evg = _solve_problems(ac, probs)
        n_ev += evg.scenarios
        out = {}
        for k, pos, n, nf in spans:
            l_, m_, *_ = _corridor_bounds(probs[pos:pos + n], outs[pos:pos + n], nf)
            st = _gap_state(l_, m_)
            out[k] = (l_ - m_ if st in ("gap", "closed") else math.nan, st)
        return out

    movable = [k for k in range(len(levers)) if sign[k] != 0]     # the others do not move the corridor
    # per lever: the last open point (x_n, g_n), the point before it (for secant steps), and the
    # nearest point beyond the edge (x_e, with its state: closed or overshoot)
    x_n = {k: levers[k][2].base_value for k in movable}
    g_n = {k: gap0 for k in movable}
    prev: dict[int, tuple[float, float]] = {}
    x_e: dict[int, float] = {}
    g_e: dict[int, float] = {}
    st_e: dict[int, str] = {}
    stop: dict[int, str] = {}
    g10: dict[int, float] = {}
    best = {k: (x_n[k], g_n[k]) for k in movable}       # the open point with the smallest gap
    trial = {k: clip(k, levers[k][2].base_value * (1 + sign[k] * LEVER_STEP)) for k in movable}
    for k in [k for k, x in trial.items() if x == levers[k][2].base_value]:
        trial.pop(k)
        stop[k] = "it is at the end of its valid range"
    for rnd in range(LEVER_ROUNDS):
        if not trial:
            break
        g_new = gaps(trial)
        if rnd == 0:
            g10 = {k: g for k, (g, _) in g_new.items()}
        for k, x in trial.items():
            g, st = g_new[k]
            if st == "gap":
                prev[k] = (x_n[k], g_n[k])
                x_n[k], g_n[k] = x, g
                if g < best[k][1]:
                    best[k] = (x, g)
            else:
                x_e[k], g_e[k], st_e[k] = x, g, st
        trial = {}
        for k in movable:
            if k in stop:
                continue
            b = levers[k][2].base_value
            if k in x_e:                          # bracketed: close in on the edge
                if abs(x_e[k] - x_n[k]) <= LEVER_XTOL * abs(b):
                    continue
                x = 0.5 * (x_n[k] + x_e[k])
                if st_e[k] == "closed" and rnd % 2 == 0 and g_n[k] != g_e[k]:
                    x = x_n[k] - g_n[k] * (x_e[k] - x_n[k]) / (g_e[k] - g_n[k])
                trial[k] = x
            elif k in prev:                       # secant toward gap 0 while it keeps narrowing
                (x0, gg0), x1, gg1 = prev[k], x_n[k], g_n[k]
                if gg1 >= gg0:
                    stop[k] = "the gap widens"
                    continue
                step = -gg1 * (x1 - x0) / (gg1 - gg0)
                step = max(-4 * abs(x1 - x0), min(4 * abs(x1 - x0), step))   # at most 4x the last step
                xn = clip(k, x1 + step)
                if xn == x1:
                    stop[k] = "it reaches the end of its valid range"
                    continue
                trial[k] = xn
    rows = []
    for k in movable:
        key, label, d = levers[k]
        b = d.base_value
        closes = st_e.get(k) == "closed"
        x, g = (x_e[k], g_e[k]) if closes else best[k]
        narrows = closes or g < gap0
        step = clip(k, b * (1 + sign[k] * LEVER_STEP))
        if closes:
            note = "closes the gap"
        elif not narrows:
            g1 = g10.get(k, math.nan)
            note = (f"does not narrow it: {(step - b) / abs(b) * 100:+.0f} % leaves {fmt_value(g1, 'CNY/year')}"
                    if step != b else "cannot move: at the end of its valid range")
        elif st_e.get(k) == "overshoot":
            note = (f"by {(x_e[k] - b) / abs(b) * 100:+.1f} % the operator earns more than a micro profit "
                    f"even without subsidy")
        else:
            note = {"the gap widens": "moving it further widens the gap again"}.get(stop.get(k, ""),
                                                                                    stop.get(k, "search ended"))
        rows.append({"driver": key, "label": label, "vary": d.spec, "unit": d.unit, "base": b, "value": x,
                     "change_pct": (x - b) / abs(b) * 100, "gap": g, "closes": closes, "narrows": narrows,
                     "gap_after_10pct": g10.get(k, math.nan), "note": note})
    rows.sort(key=lambda r: (not r["closes"], not r["narrows"], abs(r["change_pct"]) if r["closes"] else 0.0,
                             r["gap"] if math.isfinite(r["gap"]) else math.inf))
    return rows, n_ev
