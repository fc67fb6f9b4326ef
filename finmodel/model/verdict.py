"""The verdict's tests as rows: the four tiers of docs/model.md section 5, each an NPV test.

1. 不可持续 not sustainable: the owner's capital is not recovered within the concession (equity
   NPV at 0 % < 0) or the financial plan's cumulative surplus goes below 0 with the funding
   arranged;
2. 保本微利 capital recovered, return below the hurdle: equity NPV at 0 % >= 0 but at the hurdle < 0;
3. 微利可持续 viable at a micro profit: equity NPV at the hurdle >= 0 and at the micro-profit cap <= 0
   (and the average net margin at or below its cap, when one is set);
4. 超额收益 returns above the micro-profit cap: equity NPV at the cap > 0 (or the margin above its cap).

The thresholds are inputs (``corridor.equity_hurdle_rate``, null = ``discount.equity_hurdle_rate``;
``corridor.max_equity_irr``, the cap; ``corridor.max_margin_avg``). No test reads an IRR: several
roots can never flip a tier. :mod:`finmodel.verdict` names the tiers and finds the least support
that lifts a scenario to the next one.
"""

from __future__ import annotations

from .core import Model
from .checks import CHECK_TOLERANCE
from .expr import IF, ISNUM
from .nodes import NA, SUMR, Agg

C = "calcs"


def _scalar(m: Model, key, unit, en, zh, expr, short=None, better=None, metric=True):
    return m.row(C, key, unit, en, zh, None, const=expr, role="metric" if metric else "calc", style="total",
                 total=False, short=short, better=better)


def build(m: Model) -> None:
    I, t = m.I, m["t"]
    m.blank(C)
    m.heading(C, "Verdict: the tests of the four tiers (NPV tests, docs/model.md section 5)", "结论: 四档判定的检验(净现值检验)")
    cor = "corridor."
    hurdle = IF(I(cor + "equity_hurdle_rate").eq(""), I("discount.equity_hurdle_rate"), I(cor + "equity_hurdle_rate"))
    cap = I(cor + "max_equity_irr")
    rate = _scalar(m, "verdict_hurdle_rate", "fraction", "Hurdle rate of the verdict", "判定用基准收益率", hurdle,
                   metric=False)
    df_h = m.row(C, "verdict_df_hurdle", "factor", "Discount factor at the verdict's hurdle", "折现系数(判定基准收益率)",
                 1 / (1 + rate.c) ** t)
    df_c = m.row(C, "verdict_df_cap", "factor", "Discount factor at the micro-profit cap", "折现系数(微利上限收益率)",
                 IF(cap.eq(""), 0, 1 / (1 + cap) ** t))
    ef = m["equity_fcf"]
    zero = _scalar(m, "equity_npv_zero", "CNY", "Equity NPV at 0 % (capital recovered when >= 0)",
                   "资本金净现值(折现率0,>=0为收回资本)", SUMR(ef), ("equity NPV at 0 %", "资本金净现值(0%)"), "higher")
    at_h = _scalar(m, "equity_npv_hurdle", "CNY", "Equity NPV at the verdict's hurdle", "资本金净现值(判定基准收益率)",
                   Agg("SUMPRODUCT", ef, df_h), ("equity NPV at the hurdle", "资本金净现值(基准收益率)"), "higher")
    at_c = _scalar(m, "equity_npv_cap", "CNY", "Equity NPV at the micro-profit cap (above the cap when > 0)",
                   "资本金净现值(微利上限收益率,>0为超过微利)", IF(cap.eq(""), NA(), Agg("SUMPRODUCT", ef, df_c)),
                   ("equity NPV at the cap", "资本金净现值(微利上限)"), "lower")
    survivable = _scalar(m, "survivable", "flag", "Financially survivable: cumulative surplus >= 0 in every year (1 = yes)",
                         "财务可持续: 各年累计盈余资金>=0(1=是)", m["min_cumulative_surplus"].c.ge(0 - CHECK_TOLERANCE),
                         metric=False)
    margin, margin_cap = m["margin_avg"], I(cor + "max_margin_avg")
    above_margin = IF(margin_cap.eq(""), 0, ISNUM(margin.c) * margin.c.gt(margin_cap))
    excess = IF(cap.eq(""), 0, at_c.c.gt(0)) + above_margin
    # each test passed lifts the tier by one: 1 + recovered + (and) viable + (and) above the cap
    recovered = zero.c.ge(0) * survivable.c
    viable = recovered * at_h.c.ge(0)
    _scalar(m, "verdict_tier", "tier", "Verdict tier (1 not sustainable, 2 capital recovered, 3 micro profit, 4 excess)",
            "结论档次(1不可持续,2保本微利,3微利可持续,4超额收益)", 1 + recovered + viable + viable * excess.gt(0),
            ("verdict tier", "结论档次"), "higher")
