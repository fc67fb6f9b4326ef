"""Levers: the change of each break-even table driver that closes a gap in the subsidy corridor."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..assumptions import Assumptions
from ..i18n import t
from .conditions import SUBSIDY, _corridor_bounds, _corridor_problems, _gap_state
from .drivers import Driver, resolve_driver, table_drivers
from .evaluator import _Evaluator
from .results import fmt_value
from .solver import _solve_problems

LEVER_STEP = 0.10
LEVER_ROUNDS = 12
LEVER_RTOL = 1e-6
LEVER_XTOL = 5e-3     # the edge is pinned to 0.5 % of the base


@dataclass
class _Lever:
    """One driver's search for the edge where the gap closes, in its favourable direction ``sign``.

    ``x_n``, ``g_n``: the last open point (a gap is left) and its gap; ``prev``: the open point before
    it (for secant steps); ``x_e``, ``g_e``, ``st_e``: the nearest point beyond the edge and its state
    (closed or overshoot); ``best``: the open point with the smallest gap; ``g10``: the gap after the
    first step; ``stop``: why the search ended early.
    """

    key: str
    label: str
    d: Driver
    sign: float
    x_n: float
    g_n: float
    best: tuple[float, float]
    prev: tuple[float, float] | None = None
    x_e: float | None = None
    g_e: float = math.nan
    st_e: str | None = None
    stop: str | None = None
    g10: float = math.nan

    def clip(self, x: float) -> float:
        """Within the valid range, and never back past the base."""
        d = self.d
        b = d.base_value
        lo_d = max(d.lo, 0.0) if d.kind == "scale" else d.lo
        x = min(max(x, lo_d), d.hi)
        return max(x, b) if self.sign > 0 else min(x, b)

    def first_step(self) -> float:
        b = self.d.base_value
        return self.clip(b * (1 + self.sign * LEVER_STEP))

    def record(self, x: float, g: float, state: str) -> None:
        if state == "gap":
            self.prev = (self.x_n, self.g_n)
            self.x_n, self.g_n = x, g
            if g < self.best[1]:
                self.best = (x, g)
        else:
            self.x_e, self.g_e, self.st_e = x, g, state

    def next_trial(self, rnd: int) -> float | None:
        """The next value to try: close in on a bracketed edge, else a secant step while the gap narrows."""
        if self.stop is not None:
            return None
        b = self.d.base_value
        if self.x_e is not None:                  # bracketed: close in on the edge
            if abs(self.x_e - self.x_n) <= LEVER_XTOL * abs(b):
                return None
            x = 0.5 * (self.x_n + self.x_e)
            if self.st_e == "closed" and rnd % 2 == 0 and self.g_n != self.g_e:
                x = self.x_n - self.g_n * (self.x_e - self.x_n) / (self.g_e - self.g_n)
            return x
        if self.prev is None:
            return None
        (x0, gg0), x1, gg1 = self.prev, self.x_n, self.g_n   # secant toward gap 0 while it keeps narrowing
        if gg1 >= gg0:
            self.stop = "the gap widens"
            return None
        step = -gg1 * (x1 - x0) / (gg1 - gg0)
        step = max(-4 * abs(x1 - x0), min(4 * abs(x1 - x0), step))   # at most 4x the last step
        xn = self.clip(x1 + step)
        if xn == x1:
            self.stop = "it reaches the end of its valid range"
            return None
        return xn

    def note(self, closes: bool, narrows: bool) -> str:
        b = self.d.base_value
        step = self.first_step()
        if closes:
            return t("closes the gap", "消除缺口")
        if not narrows:
            if step == b:
                return t("cannot move: at the end of its valid range", "无法调整: 已在有效范围的端点")
            pct, left = f"{(step - b) / abs(b) * 100:+.0f} %", fmt_value(self.g10, "CNY/year")
            return t(f"does not narrow it: {pct} leaves {left}", f"不能缩小缺口: 变动 {pct} 后缺口仍为 {left}")
        if self.st_e == "overshoot":
            pct = f"{(self.x_e - b) / abs(b) * 100:+.1f} %"
            return t(f"by {pct} the operator earns more than a micro profit even without subsidy",
                     f"变动 {pct} 时,即使没有补贴企业收益也超过微利上限")
        return {"the gap widens": t("moving it further widens the gap again", "继续调整反而扩大缺口"),
                "it reaches the end of its valid range": t("it reaches the end of its valid range", "已到有效范围的端点"),
                "it is at the end of its valid range": t("it is at the end of its valid range", "已在有效范围的端点"),
                }.get(self.stop or "", t("search ended", "搜索结束"))

    def row(self, gap0: float) -> dict:
        d, b = self.d, self.d.base_value
        closes = self.st_e == "closed"
        x, g = (self.x_e, self.g_e) if closes else self.best
        narrows = closes or g < gap0
        return {"driver": self.key, "label": self.label, "vary": d.spec, "unit": d.unit, "base": b, "value": x,
                "change_pct": (x - b) / abs(b) * 100, "gap": g, "closes": closes, "narrows": narrows,
                "gap_after_10pct": self.g10, "note": self.note(closes, narrows)}


def _lever_drivers(a: Assumptions, ac: Assumptions) -> list[tuple[str, str, Driver]]:
    """The table's drivers that can move the corridor (subsidy, concession and zero bases aside)."""
    levers = []
    for key, label, spec in table_drivers(a):
        if key in ("subsidy", "concession"):
            continue
        d = resolve_driver(ac, spec)
        if d.structural or d.kind == "whole" or d.base_value == 0:
            continue
        levers.append((key, label, d))
    return levers


def _signs(ac: Assumptions, drivers: list[Driver], least: float) -> tuple[list[float], int]:
    """Favourable directions: the sign of d(equity NPV)/d(driver) at the least viable subsidy, one call for all."""
    ev = _Evaluator(ac, ["equity_npv"])
    probe = [d.base_value * 1.01 if d.base_value * 1.01 <= d.hi else d.base_value * 0.99 for d in drivers]
    res = ev.run([(d, np.array([d.base_value, x]), {SUBSIDY: least}) for d, x in zip(drivers, probe)])
    sign = []
    for r, x, d in zip(res, probe, drivers):
        e0, e1 = r["equity_npv"]
        sign.append(float(np.sign((e1 - e0) * (x - d.base_value))))
    return sign, ev.scenarios


def _gaps(ac: Assumptions, lo: float, hi: float, levers: list[_Lever],
          values: dict[int, float]) -> tuple[dict[int, tuple[float, str]], int]:
    """The corridor's gap (least - most) and state with each lever ``k`` at ``values[k]``, all in one batch."""
    probs, spans = [], []
    for k, x in values.items():
        d = levers[k].d
        fixed = {p: float(np.asarray(v).item()) for p, v in d.leaves(np.asarray(x)).items()}
        ps, nf = _corridor_problems(ac, lo, hi, fixed, rtol=LEVER_RTOL)
        spans.append((k, len(probs), len(ps), nf))
        probs.extend(ps)
    outs, evg = _solve_problems(ac, probs)
    out = {}
    for k, pos, n, nf in spans:
        l_, m_, *_ = _corridor_bounds(probs[pos:pos + n], outs[pos:pos + n], nf)
        st = _gap_state(l_, m_)
        out[k] = (l_ - m_ if st in ("gap", "closed") else math.nan, st)
    return out, evg.scenarios


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
    found = _lever_drivers(a, ac)
    if not found:
        return [], 0
    signs, n_ev = _signs(ac, [d for _, _, d in found], least)
    # the levers whose sign is 0 do not move the corridor
    levers = [_Lever(key, label, d, s, d.base_value, gap0, (d.base_value, gap0))
              for (key, label, d), s in zip(found, signs) if s != 0]
    trial = {}
    for k, lv in enumerate(levers):
        if lv.first_step() == lv.d.base_value:
            lv.stop = "it is at the end of its valid range"
        else:
            trial[k] = lv.first_step()
    for rnd in range(LEVER_ROUNDS):
        if not trial:
            break
        g_new, n = _gaps(ac, lo, hi, levers, trial)
        n_ev += n
        for k, x in trial.items():
            if rnd == 0:
                levers[k].g10 = g_new[k][0]
            levers[k].record(x, *g_new[k])
        trial = {k: x for k, x in ((k, lv.next_trial(rnd)) for k, lv in enumerate(levers)) if x is not None}
    rows = [lv.row(gap0) for lv in levers]
    rows.sort(key=lambda r: (not r["closes"], not r["narrows"], abs(r["change_pct"]) if r["closes"] else 0.0,
                             r["gap"] if math.isfinite(r["gap"]) else math.inf))
    return rows, n_ev
