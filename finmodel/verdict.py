"""The verdict the reader sees first: is the operator sustainable at a micro profit, and if not, what then.

One rule, spelt three ways from this module:

* :func:`verdict` computes it from a projection, its summary and the subsidy corridor (what
  ``finmodel run`` prints and ``--json`` carries);
* :func:`excel_formula` (with :func:`excel_hurdle_rate` and :func:`excel_npv_at_hurdle`) writes
  the same rule as the live formulas of the workbook's verdict box, given the cells and defined
  names they read (:class:`ExcelRefs`);
* :data:`RULE` says it in words (zh, en), beside the box.

The rule: viable when the equity NPV at the viability hurdle is >= 0 and, with a loan, the lowest
DSCR is at or above its floor. Viable with the equity IRR and the average net margin at or below
their caps (a cap left empty, or an undefined ratio, does not bind) is "micro"; above a cap,
"above". Not viable now: "more" when the corridor has a least viable subsidy, "not" when no
subsidy in its search range makes it viable, "unknown" when the corridor was not computed.

A library module: it imports nothing from :mod:`finmodel.report` or :mod:`finmodel.cli`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from . import metrics as M

#: The verdicts by key, in the order of the rule: (zh, en).
VERDICTS = {
    "micro": ("微利可持续", "sustainable at a micro profit"),
    "above": ("可持续,但超出微利(可减少支持)", "viable above a micro profit (support could be reduced)"),
    "more": ("需追加支持", "viable only with more support"),
    "not": ("不可持续", "not viable"),
    "unknown": ("当前支持下不可持续(未计算补贴区间)", "not viable at the current support (corridor not computed)"),
}

#: The rule in words (zh, en), written beside the verdict box.
RULE = (
    "判定规则: ① 资本金净现值(按可持续判定的基准收益率)≥0,且有贷款时最低偿债备付率≥下限,即为可持续;"
    "其中资本金内部收益率与平均净利润率均不超过微利上限为「微利可持续」,否则为「可持续,但超出微利」。"
    "② 当前补贴下不可持续时: 若补贴区间存在可持续的最低补贴,为「需追加支持」;若在搜索范围内任何补贴都不能使其可持续,为「不可持续」。",
    "Rule: (1) viable when equity NPV at the viability hurdle is >= 0 and, with a loan, the lowest DSCR is at or above "
    "its floor; viable with the equity IRR and the average net margin at or below the micro-profit caps is "
    "'sustainable at a micro profit', above a cap 'viable above a micro profit'. (2) Not viable at the current "
    "support: 'viable only with more support' when some subsidy in the corridor search makes it viable (the least "
    "viable subsidy exists), else 'not viable'.",
)

#: What :func:`corridor_least` returns when the corridor has no least viable subsidy.
NO_LEAST = "none"
#: ... and when there is no corridor.
NOT_COMPUTED = "not computed"


def label(key: str, zh: bool) -> str:
    """A verdict's text: ``label("more", False) == "viable only with more support"``."""
    zh_text, en_text = VERDICTS[key]
    return zh_text if zh else en_text


def rule_text(zh: bool) -> str:
    return RULE[0] if zh else RULE[1]


# --------------------------------------------------------------------------- the rule, computed
def hurdle_rate(a) -> float:
    """The viability hurdle: ``corridor.equity_hurdle_rate``, else the equity hurdle of ``discount``."""
    h = a.corridor.equity_hurdle_rate
    return float(a.discount.equity_hurdle_rate if h is None else h)


def corridor_least(c) -> float | str:
    """The least viable subsidy [CNY/year], 'none' when no subsidy in range makes it viable, 'not computed'."""
    if c is None:
        return NOT_COMPUTED
    least = float(c.least)
    return least if math.isfinite(least) else NO_LEAST


def _within(value, cap) -> bool:
    """A cap binds only when it and the value are defined."""
    return cap is None or value is None or value <= cap


def verdict(pj, summary: dict, corridor) -> dict:
    """The verdict of scenario 0 of ``pj`` (its ``summary``'s metrics) given the subsidy ``corridor``
    (None when not computed): its key, texts and the inputs of the rule.

    ``equity_npv_at_hurdle`` is the equity NPV at :func:`hurdle_rate`; ``corridor_least`` the
    least viable subsidy [CNY/year] or 'none' / 'not computed' (:func:`corridor_least`).
    """
    a = pj.assumptions
    m = summary["metrics"]
    h = hurdle_rate(a)
    npv_h = float(M.npv(h, pj["equity_fcf"][0]))
    has_loan = a.financing.loan.amount_cny > 0
    dscr_ok = (not has_loan) or (m["dscr_min"] is not None and m["dscr_min"] >= a.corridor.dscr_floor)
    viable = npv_h >= 0 and dscr_ok
    micro = _within(m["equity_irr"], a.corridor.max_equity_irr) and _within(m["margin_avg"], a.corridor.max_margin_avg)
    least = corridor_least(corridor)
    if viable:
        key = "micro" if micro else "above"
    elif isinstance(least, float):
        key = "more"
    elif least == NO_LEAST:
        key = "not"
    else:
        key = "unknown"
    return {"key": key, "zh": VERDICTS[key][0], "en": VERDICTS[key][1], "equity_npv_at_hurdle": npv_h,
            "hurdle_rate": h, "viable": bool(viable), "micro_profit": bool(micro), "dscr_ok": bool(dscr_ok),
            "corridor_least": least}


# --------------------------------------------------------------------------- the rule, as Excel formulas
@dataclass(frozen=True)
class ExcelRefs:
    """The cells and defined names the verdict's formulas read (defaults: the workbook's names).

    ``npv_at_hurdle`` is the cell holding :func:`excel_npv_at_hurdle`; ``corridor_least`` holds
    the least viable subsidy, or the workbook's 'none' text, or its 'not computed' text.
    """

    npv_at_hurdle: str
    corridor_least: str = "out_corridor_least"
    loan_amount: str = "in_financing_loan_amount_cny"
    dscr_min: str = "out_dscr_min"
    dscr_floor: str = "in_corridor_dscr_floor"
    equity_irr: str = "out_equity_irr"
    max_equity_irr: str = "in_corridor_max_equity_irr"
    margin_avg: str = "out_margin_avg"
    max_margin_avg: str = "in_corridor_max_margin_avg"


#: The defined names of the hurdle's inputs: the corridor's own hurdle, else the equity hurdle.
HURDLE_NAMES = ("in_corridor_equity_hurdle_rate", "in_discount_equity_hurdle_rate")


def excel_hurdle_rate(names: tuple[str, str] = HURDLE_NAMES) -> str:
    """:func:`hurdle_rate` as a formula: the corridor's hurdle when it is a number, else the equity hurdle."""
    own, default = names
    return f"=IF(ISNUMBER({own}),{own},{default})"


def excel_npv_at_hurdle(equity_fcf: str, t: str, hurdle: str) -> str:
    """The equity NPV at the hurdle cell over the year columns (year 0 undiscounted), in the flows' unit."""
    return f"=SUMPRODUCT({equity_fcf}/(1+{hurdle})^{t})"


def _excel_within(value: str, cap: str) -> str:
    return f"OR(NOT(ISNUMBER({cap})),NOT(ISNUMBER({value})),{value}<={cap})"


def excel_formula(refs: ExcelRefs, *, zh: bool, none_text: str) -> str:
    """The rule of :func:`verdict` as one formula giving the verdict's text in the workbook's language.

    ``none_text`` is the text the workbook writes in ``refs.corridor_least`` when no subsidy makes
    the operator viable (any other text there means the corridor was not computed).
    """
    r = refs
    text = {k: label(k, zh) for k in VERDICTS}
    viable = (f"AND({r.npv_at_hurdle}>=0,OR({r.loan_amount}=0,"
              f"AND(ISNUMBER({r.dscr_min}),{r.dscr_min}>={r.dscr_floor})))")
    micro = f"AND({_excel_within(r.equity_irr, r.max_equity_irr)},{_excel_within(r.margin_avg, r.max_margin_avg)})"
    not_now = (f'IF(ISNUMBER({r.corridor_least}),"{text["more"]}",'
               f'IF({r.corridor_least}="{none_text}","{text["not"]}","{text["unknown"]}"))')
    return f'=IF({viable},IF({micro},"{text["micro"]}","{text["above"]}"),{not_now})'


__all__ = ["VERDICTS", "RULE", "NO_LEAST", "NOT_COMPUTED", "label", "rule_text", "hurdle_rate", "corridor_least",
           "verdict", "ExcelRefs", "HURDLE_NAMES", "excel_hurdle_rate", "excel_npv_at_hurdle", "excel_formula"]
