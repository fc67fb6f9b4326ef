"""Indicators: the metrics of docs/model.md section 5 as scalar rows, and the yearly rows behind them.

Each metric is one row whose value is a number per scenario: the engine computes it (with
:mod:`finmodel.metrics` where a rule needs more than a sum: IRR, payback, DSCR), the workbook
shows it with its Excel spelling, the Summary refers to it by its defined name ``out_<key>``.
"""

from __future__ import annotations

from .core import Model
from .expr import IF, ISNUM
from .nodes import NA, SUMR, Agg, Const, Metric

C = "calcs"

#: Debt service below a thousandth of a fen is no debt service (it would only make DSCR overflow).
MIN_DEBT_SERVICE = Const("k_min_debt_service", 1e-5, "CNY_exact", "Least debt service counted for DSCR",
                         "计算偿债备付率的最低还本付息额", "below a thousandth of a fen there is no debt service",
                         "低于千分之一分的还本付息不计")


def build(m: Model) -> None:
    m.blank(C)
    m.heading(C, "Payback and DSCR (rows behind the indicators)", "投资回收期与偿债备付率(指标的计算行)")
    t = m["t"]
    pfcf, efcf = m["project_fcf"], m["equity_fcf"]
    _payback_rows(m, "payback", "Payback", "静态投资回收期", pfcf, m["cum_project_fcf"], t)
    disc = m.row(C, "project_fcf_discounted", "CNY", "Project cash flow, discounted", "折现净现金流量", pfcf * m["df_project"])
    cum_disc = m.row(C, "cum_project_fcf_discounted", "CNY", "Cumulative discounted project cash flow", "累计折现净现金流量")
    cum_disc.expr = cum_disc.prev + disc
    _payback_rows(m, "discounted_payback", "Discounted payback", "动态投资回收期", disc, cum_disc, t)
    m.row(C, "equity_fcf_discounted", "CNY", "Equity cash flow, discounted at the hurdle", "资本金折现净现金流量",
          efcf * m["df_equity"])
    ds, interest = m["debt_service"], m["interest"]
    m.row(C, "dscr", "ratio", "DSCR (years with debt service)", "偿债备付率(有还本付息的年份)",
          IF(ds.gt(MIN_DEBT_SERVICE), m["cfads"] / ds, NA("blank")))
    m.row(C, "icr", "ratio", "Interest coverage (EBIT / interest, years with interest)", "利息备付率(有利息的年份)",
          IF(interest.gt(MIN_DEBT_SERVICE), m["ebit"] / interest, NA("blank")))
    counted = ds.gt(MIN_DEBT_SERVICE)
    m.row(C, "cfads_debt_years", "CNY", "CFADS in years with debt service", "有还本付息年份的可用于还本付息资金",
          counted * m["cfads"])
    m.row(C, "debt_service_counted", "CNY", "Debt service counted for DSCR", "计入偿债备付率的还本付息额", counted * ds)
    _llcr(m)
    _metrics(m)


def _llcr(m: Model) -> None:
    """LLCR_t = PV at the loan rate of CFADS from year t to maturity / the balance owed at the start of year t.

    With a forward running sum D_t of the discounted CFADS (factor (1+r)^-t over the loan's years),
    the PV at t of years t..maturity is (D_total - D_{t-1}) x (1+r)^t: no look-ahead needed.
    """
    I, t = m.I, m["t"]
    r, tenor = I("financing.loan.rate"), I("financing.loan.tenor_years")
    disc = m.row(C, "cfads_discounted_loan", "CNY", "CFADS over the loan's life, discounted at the loan rate to year 0",
                 "借款期内可用于还本付息资金(按借款利率折现至第0年)", m["cfads"] / (1 + r) ** t * t.ge(1) * t.le(tenor))
    total = m.row(C, "cfads_discounted_loan_total", "CNY", "PV at year 0 of CFADS over the loan's life",
                  "借款期内可用于还本付息资金现值(第0年)", None, const=Agg("SUM", disc), total=False)
    cum = m.row(C, "cfads_discounted_loan_cum", "CNY", "Its running sum", "累计折现值")
    cum.expr = cum.prev + disc
    opening = m["loan_balance"].prev
    m.row(C, "llcr", "ratio", "LLCR (loan life coverage ratio, years with a balance owed)", "借款偿还期覆盖率(有借款余额的年份)",
          IF(opening.gt(MIN_DEBT_SERVICE) * t.ge(1) * t.le(tenor), (total.c - cum.prev) * (1 + r) ** t / opening,
             NA("blank")))


def _payback_rows(m: Model, key, en, zh, flows, cum, t):
    flag = m.row(C, f"{key}_reached", "flag", f"{en}: cumulative cash has been non-negative", f"{zh}: 累计净现金流量已非负",
                 role="flag")
    flag.expr = 1 - (1 - flag.prev) * cum.lt(0)
    first = m.row(C, f"{key}_first", "flag", f"{en}: first year with non-negative cumulative cash",
                  f"{zh}: 累计净现金流量首次非负的年份", flag - flag.prev, role="flag")
    m.row(C, f"{key}_point", "years", f"{en}: years to pay back (in the first such year)", f"{zh}: 回收期(首次非负年份)",
          IF(first * t.gt(0), t - 1 - cum.prev / flows, 0))


#: Short names (en, zh) of the metrics and which way is better.
SHORT = {
    "npv": ("NPV", "财务净现值", "higher"), "equity_npv": ("equity NPV", "资本金财务净现值", "higher"),
    "project_irr": ("project IRR", "项目投资财务内部收益率", "higher"),
    "equity_irr": ("equity IRR", "资本金财务内部收益率", "higher"),
    "payback_years": ("payback", "静态投资回收期", "lower"),
    "discounted_payback_years": ("discounted payback", "动态投资回收期", "lower"),
    "min_cumulative_cash": ("lowest cumulative cash", "最低累计净现金流量", "higher"),
    "min_cumulative_equity_cash": ("lowest cumulative equity cash", "资本金最低累计净现金流量", "higher"),
    "dscr_min": ("lowest DSCR", "最低偿债备付率", "higher"), "dscr_avg": ("average DSCR", "平均偿债备付率", "higher"),
    "margin_avg": ("average net margin", "平均净利润率", None),
    "subsidy_dependence": ("subsidy dependence", "补贴依赖度", "lower"),
    "llcr_min": ("lowest LLCR", "最低借款偿还期覆盖率", "higher"),
    "mirr": ("MIRR", "修正内部收益率", "higher"),
    "npv_pre_tax": ("NPV before tax", "所得税前财务净现值", "higher"),
    "project_irr_pre_tax": ("project IRR before tax", "所得税前项目投资财务内部收益率", "higher"),
    "payback_years_incl_renovation": ("payback incl. renovation year", "静态投资回收期(含改造期)", "lower"),
    "discounted_payback_years_incl_renovation": ("discounted payback incl. renovation year", "动态投资回收期(含改造期)",
                                                 "lower"),
    "min_cumulative_surplus": ("lowest cumulative surplus", "最低累计盈余资金", "higher"),
}


def _metric(m: Model, key, unit, en, zh, expr):
    short_en, short_zh, better = SHORT[key]
    return m.row(C, key, unit, en, zh, None, const=expr, role="metric", style="total", total=False,
                 short=(short_en, short_zh), better=better)


def _hidden(m: Model, key, unit, en, zh, expr):
    """A figure the engine reports that Excel cannot spell (a flag): not laid out on a sheet."""
    return m.row(C, key, unit, en, zh, None, const=expr, role="metric", kind="hidden", total=False)


def _metrics(m: Model) -> None:
    m.blank(C)
    m.heading(C, "Indicators", "评价指标")
    pf, ef, cum_p, cum_e = m["project_fcf"], m["equity_fcf"], m["cum_project_fcf"], m["cum_equity_fcf"]
    rev, ni = m["revenue"], m["net_income"]
    _metric(m, "npv", "CNY", "Net present value (project)", "财务净现值(FNPV,项目投资)", Agg("SUMPRODUCT", pf, m["df_project"]))
    _metric(m, "equity_npv", "CNY", "Equity NPV", "资本金财务净现值", Agg("SUMPRODUCT", ef, m["df_equity"]))
    _metric(m, "project_irr", "fraction", "Project IRR", "项目投资财务内部收益率(FIRR)",
            Metric("irr", pf, excel='IFERROR(IRR({r0}),"{no_irr}")', na="no_irr", hurdle=m.I("discount.project_rate")))
    _metric(m, "equity_irr", "fraction", "Equity IRR", "资本金财务内部收益率",
            Metric("irr", ef, excel='IFERROR(IRR({r0}),"{no_irr}")', na="no_irr",
                   hurdle=m.I("discount.equity_hurdle_rate")))
    I = m.I
    finance = IF(I("discount.mirr_finance_rate").eq(""), I("discount.project_rate"), I("discount.mirr_finance_rate"))
    reinvest = IF(I("discount.mirr_reinvest_rate").eq(""), I("discount.project_rate"), I("discount.mirr_reinvest_rate"))
    _metric(m, "mirr", "fraction", "Modified IRR (project; finance and reinvestment rates as inputs)",
            "修正内部收益率(MIRR,项目投资)",
            Metric("mirr", pf, excel='IFERROR(MIRR({r0},{finance},{reinvest}),"{na}")', finance=finance,
                   reinvest=reinvest))
    _metric(m, "payback_years", "years", "Payback period (from the end of year 0)", "静态投资回收期(自改造年末起)",
            Metric("payback", pf, na="never", excel='IF(SUM({first})>0,SUM({years}),"{never}")',
                   refs={"first": m["payback_first"], "years": m["payback_point"]}))
    _metric(m, "discounted_payback_years", "years", "Discounted payback period", "动态投资回收期",
            Metric("discounted_payback", pf, na="never", rate=m.I("discount.project_rate"),
                   excel='IF(SUM({first})>0,SUM({years}),"{never}")',
                   refs={"first": m["discounted_payback_first"], "years": m["discounted_payback_point"]}))
    _metric(m, "min_cumulative_cash", "CNY", "Lowest cumulative cash (funding gap)", "最低累计净现金流量(资金缺口)",
            Metric("min_cumulative", pf, excel="MIN({cum})", refs={"cum": cum_p}, unit_row=True))
    _metric(m, "min_cumulative_equity_cash", "CNY", "Lowest cumulative equity cash", "资本金最低累计净现金流量",
            Metric("min_cumulative", ef, excel="MIN({cum})", refs={"cum": cum_e}, unit_row=True))
    dscr = m["dscr"]
    no_loan = m.I("financing.loan.amount_cny").eq(0)
    _metric(m, "dscr_min", "ratio", "Lowest DSCR", "最低偿债备付率(DSCR)",
            IF(no_loan, NA(), Metric("nanmin", dscr, excel='IF(COUNT({r0})>0,MIN({r0}),"{na}")')))
    ds_sum = SUMR(m["debt_service_counted"])
    _metric(m, "dscr_avg", "ratio", "Average DSCR (sum of CFADS / sum of debt service, years with debt service)",
            "平均偿债备付率(有还本付息年份的可用资金合计/还本付息合计)",
            IF(no_loan, NA(), IF(ds_sum.gt(0), SUMR(m["cfads_debt_years"]) / ds_sum, NA())))
    _metric(m, "llcr_min", "ratio", "Lowest LLCR", "最低借款偿还期覆盖率(LLCR)",
            IF(no_loan, NA(), Metric("nanmin", m["llcr"], excel='IF(COUNT({r0})>0,MIN({r0}),"{na}")')))
    pre = m["project_fcf_pre_tax"]
    _metric(m, "npv_pre_tax", "CNY", "Net present value before income tax (project)", "财务净现值(所得税前,项目投资)",
            Agg("SUMPRODUCT", pre, m["df_project"]))
    _metric(m, "project_irr_pre_tax", "fraction", "Project IRR before income tax", "项目投资财务内部收益率(所得税前)",
            Metric("irr", pre, excel='IFERROR(IRR({r0}),"{no_irr}")', na="no_irr", hurdle=m.I("discount.project_rate")))
    _metric(m, "payback_years_incl_renovation", "years", "Payback period counted from the start of the renovation year",
            "静态投资回收期(自改造年初起,含改造期)", IF(ISNUM(m["payback_years"].c), m["payback_years"].c + 1, NA("never")))
    _metric(m, "discounted_payback_years_incl_renovation", "years",
            "Discounted payback period counted from the start of the renovation year", "动态投资回收期(自改造年初起,含改造期)",
            IF(ISNUM(m["discounted_payback_years"].c), m["discounted_payback_years"].c + 1, NA("never")))
    pb = m["payback_years"].c
    m.row(C, "payback_date", "year", "Payback date (calendar year and fraction: cumulative cash turns non-negative)",
          "投资回收时点(日历年,累计净现金流量转为非负)", None,
          const=IF(ISNUM(pb), m.I("scenario.start_year") + 1 + pb, NA("never")), role="calc", style="total", total=False)
    _metric(m, "min_cumulative_surplus", "CNY", "Lowest cumulative surplus of the financial plan (survivability)",
            "财务计划最低累计盈余资金(财务生存能力)", Agg("MIN", m["cumulative_surplus"]))
    _metric(m, "margin_avg", "fraction", "Net margin (concession average)", "净利润率(运营期平均)",
            IF(SUMR(rev, 1).ne(0), SUMR(ni, 1) / SUMR(rev, 1), NA()))
    support = SUMR(m["subsidy"], 1) + SUMR(m["capital_grant"], 1)
    _metric(m, "subsidy_dependence", "fraction", "Subsidy dependence", "补贴依赖度",
            IF((SUMR(rev, 1) + support).ne(0), support / (SUMR(rev, 1) + support), NA()))
    _hidden(m, "project_irr_multiple", "flag", "Project IRR: several roots", "项目内部收益率多解",
            Metric("irr_multiple", pf, excel=None, hurdle=m.I("discount.project_rate")))
    _hidden(m, "equity_irr_multiple", "flag", "Equity IRR: several roots", "资本金内部收益率多解",
            Metric("irr_multiple", ef, excel=None, hurdle=m.I("discount.equity_hurdle_rate")))
    _hidden(m, "payback_refit_negative", "flag", "Cumulative cash negative again after payback", "回收后累计净现金流量再次为负",
            Metric("payback_refit_negative", pf, excel=None))
