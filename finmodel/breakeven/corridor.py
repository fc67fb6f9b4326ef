"""The subsidy corridor: the least and the most flat annual subsidy."""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..assumptions import Assumptions
from ..i18n import t
from ..key_drivers import driver_label
from .conditions import (SUBSIDY, _corridor_assumptions, _corridor_bounds, _corridor_problems,
                         _gap_state, corridor_range)
from .drivers import resolve_driver
from .levers import _levers
from .results import _result, fmt_value
from .solver import _solve_problems


@dataclass(frozen=True)
class Corridor:
    """The subsidy corridor: the least flat annual subsidy that makes the operator viable and the
    most that still leaves it a micro profit, tax recomputed at every value.

    ``least`` and ``most`` are flat annual subsidies [CNY/year] paid in operating years
    ``years``; ``exists`` is least <= most. ``levers`` (when there is no corridor) rank the
    break-even table's drivers by the change that closes the gap.
    """

    least: float
    most: float
    exists: bool
    years: tuple[int, int]
    hurdle_rate: float
    dscr_floor: float | None
    caps: dict[str, float]
    base_subsidy: float
    lo: float
    hi: float
    least_binding: str | None
    most_binding: str | None
    constraints: list[dict]
    levers: list[dict]
    message: str
    evaluations: int

    @property
    def gap(self) -> float:
        return self.least - self.most

    def sets(self, which: str) -> list[str] | None:
        """``--set`` arguments that reproduce the least (``which='least'``, rounded up to a whole CNY)
        or the most (rounded down) with ``finmodel run``: the corridor's subsidy is flat, so the
        scenario's step-down is set to 0. None when that end does not exist."""
        v = self.least if which == "least" else self.most
        if not math.isfinite(v):
            return None
        amount = math.ceil(v) if which == "least" else math.floor(v)
        return [f"{SUBSIDY}={amount}", "support.subsidy_step_down=0"]

    def to_dict(self) -> dict:
        return {"least": self.least, "most": self.most, "exists": self.exists, "gap": self.gap,
                "subsidy_years": list(self.years), "hurdle_rate": self.hurdle_rate, "dscr_floor": self.dscr_floor,
                "caps": dict(self.caps), "base_subsidy": self.base_subsidy, "range": [self.lo, self.hi],
                "least_binding": self.least_binding, "most_binding": self.most_binding,
                "constraints": self.constraints, "levers": self.levers, "message": self.message,
                "evaluations": self.evaluations, "sets": {"least": self.sets("least"), "most": self.sets("most")}}


def subsidy_corridor(a: Assumptions, lo: float | None = None, hi: float | None = None, *,
                     levers: bool = True) -> Corridor:
    """The least and the most flat annual subsidy (``corridor`` section of the YAML).

    The subsidy is paid flat (no step-down) in operating years subsidy_first_year..subsidy_last_year;
    tax is recomputed at every value (the income-tax cliff makes profit jump).

    The conditions are the verdict's NPV tests (docs/model.md section 5; no IRR is read).
    *Least*: the lowest subsidy at which equity NPV >= 0 at the hurdle (``corridor.equity_hurdle_rate``,
    else ``discount.equity_hurdle_rate``), the financial plan stays survivable (cumulative surplus >= 0)
    and, with a loan, DSCR min >= ``corridor.dscr_floor``.
    *Most*: the highest subsidy before the operator first earns more than a micro profit, counting up
    from the bottom of the range: equity NPV at the cap ``max_equity_irr`` <= 0 (the return at or
    below the cap) and average net margin <= ``max_margin_avg``. Above the first breach the income-tax cliff can pull profit back under a cap
    for a while; paying there only hands more to the tax office, so the first breach is the answer.

    When least > most there is no corridor. With ``levers``, each driver of the break-even table
    (subsidy and concession length aside) is moved the way that lowers the least viable subsidy,
    10 % first and then by secant steps on the gap, to find the smallest change that closes it.
    """
    ac = _corridor_assumptions(a)
    d = resolve_driver(ac, SUBSIDY)
    base = a.support.subsidy_annual_cny
    dlo, dhi = corridor_range(a)
    lo = dlo if lo is None else float(lo)
    hi = dhi if hi is None else float(hi)
    probs, nf = _corridor_problems(ac, lo, hi)
    lo, hi = probs[0].lo, probs[0].hi
    outs, ev = _solve_problems(ac, probs)
    least, most, lb, mb, fl, ce = _corridor_bounds(probs, outs, nf)
    cons = _constraint_rows(probs, outs, nf, fl, ce)
    evaluations = ev.scenarios
    c = ac.corridor
    hurdle = c.equity_hurdle_rate if c.equity_hurdle_rate is not None else ac.discount.equity_hurdle_rate
    years = (a.support.subsidy_first_year, min(a.support.subsidy_last_year, a.scenario.concession_years))
    caps = {k: v for k, v in (("equity_irr", c.max_equity_irr), ("margin_avg", c.max_margin_avg)) if v is not None}
    state = _gap_state(least, most)
    exists = state == "closed"
    msg = _corridor_message(state, least, most, lb, mb, lo, hi, years, d.unit)
    lever_rows: list[dict] = []
    if levers and state == "gap":
        lever_rows, n_ev = _levers(a, ac, lo, hi, least, least - most)
        evaluations += n_ev
        msg += _levers_message(lever_rows, d.unit)
    return Corridor(least=least, most=most, exists=exists, years=years, hurdle_rate=hurdle,
                    dscr_floor=c.dscr_floor if a.financing.loan.amount_cny > 0 else None, caps=caps,
                    base_subsidy=base, lo=lo, hi=hi, least_binding=str(lb), most_binding=str(mb), constraints=cons,
                    levers=lever_rows, message=msg, evaluations=evaluations)


def _constraint_rows(probs, outs, nf: int, fl, ce) -> list[dict]:
    """One row per condition: its bound on the subsidy, how it was found, the metric at the ends and at base."""
    results = [_result(p, o) for p, o in zip(probs, outs)]
    cons = []
    for k, (p, r) in enumerate(zip(probs, results)):
        bound, how = (fl[k] if k < nf else ce[k - nf])
        cons.append({"target": str(p.target), "role": "viability" if k < nf else "micro_profit", "bound": bound,
                     "how": how, "metric_at_lo": r.metric_at_lo, "metric_at_hi": r.metric_at_hi,
                     "metric_at_base": r.base_metric})
    return cons


def _corridor_message(state: str, least: float, most: float, lb, mb, lo: float, hi: float,
                      years: tuple[int, int], unit: str) -> str:
    if state == "overshoot":
        viable = math.isfinite(least) and least <= lo
        at = fmt_value(lo, unit)
        return t(f"no corridor: even at {at} the operator earns more than a micro profit ({mb} fails there) and "
                 f"{'is viable' if viable else 'is not yet viable'}; no subsidy is due on the micro-profit test",
                 f"无补贴区间: 即使补贴为 {at},企业收益也已超过微利上限({mb} 不满足),"
                 f"{'且已可持续' if viable else '但尚不可持续'};按微利标准无需补贴")
    if state == "unviable":
        at = fmt_value(hi, unit)
        return t(f"no subsidy up to {at} makes the operator viable ({lb} not reached); "
                 f"widen the range or see the break-even table",
                 f"补贴直至 {at} 都不能使企业可持续({lb} 无法达到);请扩大搜索范围或查看盈亏平衡表")
    lv, mv = fmt_value(least, unit), fmt_value(most, unit)
    if state == "closed":
        return t(f"corridor: pay at least {lv} ({lb}) and at most {mv} ({mb}), flat, in operating years "
                 f"{years[0]}-{years[1]}",
                 f"补贴区间: 每年至少 {lv}({lb})、至多 {mv}({mb}),运营第{years[0]}-{years[1]}年按固定金额支付")
    gap = fmt_value(least - most, unit)
    return t(f"no corridor: the deal cannot be both viable and micro-profit at these assumptions; the least "
             f"viable subsidy {lv} ({lb}) is above the most {mv} ({mb}) by {gap}",
             f"无补贴区间: 在当前假设下项目不能同时做到可持续与微利;使企业可持续的最低补贴 {lv}({lb})"
             f"高于微利上限补贴 {mv}({mb}),相差 {gap}")


def _levers_message(lever_rows: list[dict], unit: str) -> str:
    """What the levers say, appended to the message of a corridor with a gap."""
    closing = [r for r in lever_rows if r["closes"]]
    if closing:
        best = closing[0]
        name, pct = driver_label(best["driver"], default=best["label"]), f"{best['change_pct']:+.1f} %"
        move = f"{fmt_value(best['base'], best['unit'])} -> {fmt_value(best['value'], best['unit'])}"
        return t(f"; the lever that closes the gap fastest: {name} {pct} ({move})",
                 f";最快消除缺口的杠杆: {name} {pct}({move})")
    if lever_rows and lever_rows[0]["narrows"]:
        best = lever_rows[0]
        name, pct = driver_label(best["driver"], default=best["label"]), f"{best['change_pct']:+.1f} %"
        left = fmt_value(best["gap"], unit)
        return t(f"; no single lever closes it: {name} narrows it most ({pct} leaves {left}; {best['note']})",
                 f";没有单项杠杆能消除缺口: {name} 缩小得最多(变动 {pct} 后仍差 {left};{best['note']})")
    if lever_rows:
        return t("; no single lever of the break-even table narrows it", ";盈亏平衡表中没有单项杠杆能缩小缺口")
    return ""
