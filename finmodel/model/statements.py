"""Working capital, the cash flows, the funding and the standard appraisal tables
(《建设项目经济评价方法与参数》, docs/model.md section 7).

Cash flows (docs/model.md section 5): project FCF = EBITDA - tax on unlevered profit - capex -
change in working capital (+ a non-taxable capital grant); equity FCF adds loan draws, subtracts
debt service and uses the actual tax. The direct build-up (receipts - payments) must equal the
indirect one (net income + amortisation - capex +/- working capital +/- debt): a check.

The funding (the financial plan, 财务计划现金流量表): the owner's capital paid in, the loan, the
maintenance reserve, and the distributions to the owner, which never take the cumulative
surplus (累计盈余资金) below 0 and never exceed the profit available for distribution after the
statutory surplus reserve. The balance sheet is built from the same rows and must balance; its
cash, built indirectly from profit, must equal the plan's cumulative surplus.
"""

from __future__ import annotations

from .core import Model
from .expr import MAX, MIN, IF, SUM

C = "calcs"
S = "statements"


def build(m: Model) -> None:
    _working_capital(m)
    _cash_flows(m)


def funding(m: Model) -> None:
    """Equity injection, distributions, the statutory reserve and the cumulative surplus (Calcs)."""
    _funding(m)
    _distribution(m)
    _balance_rows(m)


def tables(m: Model) -> None:
    """The Statements sheet: each table a list of rows that only reference Calcs rows."""
    _project_table(m)
    _equity_table(m)
    _income_statement(m)
    _financial_plan(m)
    _balance_sheet(m)
    _loan_schedule(m)
    _sources_and_uses(m)


# --------------------------------------------------------------------------- Calcs
def _working_capital(m: Model) -> None:
    I = m.I
    m.blank(C)
    m.heading(C, "Working capital", "营运资金")
    bl = m["before_last"]
    arrears = m.row(C, "wc_fees_in_arrears", "CNY", "Fees in arrears", "应收物业费",
                    I("property_service.arrears_months") / 12 * m["property_fees_collected"] * bl, role="item")
    deposits = m.row(C, "wc_deposits", "CNY", "Tenant deposits", "押金", I("space.deposit_months") * m["rent_roll_monthly"] * bl,
                     role="item")
    advance = m.row(C, "wc_rent_in_advance", "CNY", "Rent received in advance", "预收租金",
                    I("space.rent_in_advance_months") * m["rent_roll_monthly"] * bl, role="item")
    wc = m.row(C, "working_capital", "CNY", "Working capital (incl. VAT credit)", "营运资金(含留抵税额)",
               arrears + m["vat_credit"] - deposits - advance, role="item")
    m.row(C, "wc_change", "CNY", "Change in working capital", "营运资金增加额", wc - wc.prev, role="item")


def _cash_flows(m: Model) -> None:
    m.blank(C)
    m.heading(C, "Cash flows", "现金流量")
    ebitda, capex, grant_inv, d_wc = m["ebitda"], m["capex"], m["capital_grant_investing"], m["wc_change"]
    draw, tax_l = m["loan_draw"], m["income_tax"]
    m.row(C, "project_fcf_pre_tax", "CNY", "Project cash flow before income tax", "所得税前项目投资净现金流量",
          ebitda - capex + grant_inv - d_wc, role="item")
    pfcf = m.row(C, "project_fcf", "CNY", "Project free cash flow", "项目投资净现金流量",
                 ebitda - m["income_tax_unlevered"] - capex + grant_inv - d_wc, role="item")
    efcf = m.row(C, "equity_fcf", "CNY", "Equity free cash flow", "资本金净现金流量",
                 ebitda - tax_l - capex + grant_inv - d_wc + draw - m["debt_service"], role="item")
    m.row(C, "cfads", "CNY", "Cash flow available for debt service (after the maintenance reserve)",
          "可用于还本付息的资金(扣除维修储备金净计提)",
          ebitda - tax_l - capex + grant_inv - d_wc - m["reserve_funding"] + m["reserve_draw"], role="item")
    dep_adv = m["wc_deposits"] + m["wc_rent_in_advance"]
    arrears = m["wc_fees_in_arrears"]
    dep_adv_prev = m["wc_deposits"].prev + m["wc_rent_in_advance"].prev
    receipts = m.row(C, "cash_receipts", "CNY", "Cash receipts (equity view)", "现金流入",
                     m["rent_gross"] + m["parking_gross"] + m["property_fees_collected"] + m["other_gross"]
                     + m["subsidy_received"] + m["capital_grant"] + draw + m["vat_credit_refund"]
                     + (dep_adv - dep_adv_prev) - (arrears - arrears.prev), role="item")
    payments = m.row(C, "cash_payments", "CNY", "Cash payments (equity view)", "现金流出",
                     m["opex_paid"] + m["pre_operating_cost"] + m["handback_cost"] + m["capex_paid"] + m["vat_payable"]
                     + m["surcharges"] + tax_l + m["interest"] + m["principal"], role="item")
    m.row(C, "equity_fcf_direct", "CNY", "Equity cash flow, direct build-up", "资本金净现金流量(直接法)", receipts - payments,
          role="item")
    m.row(C, "equity_fcf_indirect", "CNY", "Equity cash flow, indirect build-up", "资本金净现金流量(间接法)",
          m["net_income"] + m["amortisation"] + m["writeoff"] - capex + grant_inv - d_wc + draw - m["principal"], role="item")
    cum_p = m.row(C, "cum_project_fcf", "CNY", "Cumulative project cash flow", "累计净现金流量", role="item")
    cum_p.expr = cum_p.prev + pfcf
    cum_e = m.row(C, "cum_equity_fcf", "CNY", "Cumulative equity cash flow", "累计资本金净现金流量", role="item")
    cum_e.expr = cum_e.prev + efcf


def _funding(m: Model) -> None:
    """The financial plan's activities, the owner's capital and the cumulative surplus before distributions."""
    m.blank(C)
    m.heading(C, "Funding: the financial plan (财务计划现金流量表)", "资金筹措与财务计划")
    operating = m.row(C, "plan_operating", "CNY", "Operating activities: net cash flow", "经营活动净现金流量",
                      m["ebitda"] - m["income_tax"] - m["wc_change"], role="item")
    investing = m.row(C, "plan_investing", "CNY", "Investing activities: net cash flow (capex, grants, the reserve)",
                      "投资活动净现金流量(含维修储备金)",
                      m["capital_grant_investing"] - m["capex"] - m["reserve_funding"] + m["reserve_draw"], role="item")
    equity = m.I("financing.equity_cny")
    need = MAX(0 - (operating + investing + m["loan_draw"]), 0)
    m.row(C, "equity_injection", "CNY", "Owner's capital paid in (项目资本金)", "项目资本金投入",
          IF(equity.eq(""), need, equity) * m["first"], role="item")
    m.row(C, "plan_before_distribution", "CNY", "Net cash flow before distributions", "分配前净现金流量",
          operating + investing + m["equity_injection"] + m["loan_draw"] - m["interest"] - m["principal"])


def _distribution(m: Model) -> None:
    """Profit and its distribution (利润分配): statutory reserve, distributions, undistributed profit.

    The statutory surplus reserve takes ``financing.statutory_reserve_rate`` of the year's net profit
    after making good accumulated losses, until it reaches ``statutory_reserve_cap`` x paid-in
    capital. The owner receives ``distribution_share`` of the profit available for distribution,
    but never more than the cash that keeps the cumulative surplus >= 0.
    """
    I = m.I
    fin = "financing"
    ni = m["net_income"]
    capital = m.row(C, "paid_in_capital", "CNY", "Paid-in capital", "实收资本", role="item")
    capital.expr = capital.prev + m["equity_injection"]
    reserve = m.row(C, "surplus_reserve", "CNY", "Statutory surplus reserve (balance)", "法定盈余公积(余额)", role="item")
    retained = m.row(C, "undistributed_profit", "CNY", "Undistributed profit (carried forward)", "未分配利润(期末)",
                     role="item")
    transfer = m.row(C, "surplus_reserve_transfer", "CNY", "Transfer to the statutory surplus reserve", "提取法定盈余公积",
                     MIN(I(f"{fin}.statutory_reserve_rate") * MAX(ni + MIN(retained.prev, 0), 0),
                         MAX(I(f"{fin}.statutory_reserve_cap") * capital - reserve.prev, 0)), role="item")
    reserve.expr = reserve.prev + transfer
    available = m.row(C, "profit_available", "CNY", "Profit available for distribution to the owner", "可供投资者分配的利润",
                      retained.prev + ni - transfer, role="item")
    surplus = m.row(C, "cumulative_surplus", "CNY", "Cumulative surplus (累计盈余资金)", "累计盈余资金", role="item")
    before = m["plan_before_distribution"]
    dist = m.row(C, "distributions", "CNY", "Profit distributed to the owner (应付利润)", "应付利润",
                 MAX(MIN(I(f"{fin}.distribution_share") * available, surplus.prev + before), 0), role="item")
    retained.expr = available - dist
    surplus.expr = surplus.prev + before - dist


def _balance_rows(m: Model) -> None:
    """Cash on the balance sheet, built from profit (the indirect method): a check on the plan's surplus."""
    cash = m.row(C, "balance_cash", "CNY", "Cash, from profit (indirect build-up)", "货币资金(由利润间接推算)", role="item")
    vat_asset = m.row(C, "vat_credit_asset", "CNY", "VAT credit carried forward (asset)", "待抵扣进项税额",
                      m["vat_credit"] - m["vat_credit_forfeited"], role="item")
    dep_adv = m["wc_deposits"] + m["wc_rent_in_advance"]
    cash.expr = (cash.prev + m["net_income"] + m["amortisation"] + m["writeoff_capital"]
                 - (m["capex"] - m["capital_grant_investing"])
                 - (m["wc_fees_in_arrears"] - m["wc_fees_in_arrears"].prev) - (vat_asset - vat_asset.prev)
                 + (dep_adv - (m["wc_deposits"].prev + m["wc_rent_in_advance"].prev))
                 + (m["loan_balance"] - m["loan_balance"].prev) + m["equity_injection"] - m["distributions"]
                 - m["reserve_funding"] + m["reserve_draw"])


# --------------------------------------------------------------------------- Statements
def _line(m: Model, key, en, zh, expr, *, total_style=False, unit="CNY", total=None):
    return m.row(S, key, unit, en, zh, expr, role="statement", style="total" if total_style else "calc", total=total)


def _mirror(m: Model, key: str, source: str, *, en: str | None = None, zh: str | None = None, **kw):
    """A statement line showing a Calcs row, under the row's own label unless the table names it otherwise."""
    row = m[source]
    return _line(m, key, en or row.en, zh or row.zh, row, **kw)


def _cumulative(m: Model, key, en, zh, flow, total_style=True):
    row = m.row(S, key, "CNY", en, zh, role="statement", style="total" if total_style else "calc", total=False)
    row.expr = row.prev + flow
    return row


#: Lines the standard tables share: (line key suffix, Calcs row, en, zh); None keeps the row's label.
REVENUE_LINES = (("revenue", "revenue", None, None), ("support", "support", "Subsidy and taxable grants", "补贴收入"),
                 ("grant", "capital_grant_investing", "Capital grant (investing inflow)", "资本金补助"))
COST_LINES = (("opex", "opex", "Operating costs", "经营成本"), ("preop", "pre_operating_cost", None, None),
              ("handback", "handback_cost", None, None), ("surcharges", "surcharges", None, None))


def _lines(m: Model, prefix: str, specs) -> list:
    return [_mirror(m, f"{prefix}_{k}", src, en=en, zh=zh) for k, src, en, zh in specs]


def _project_table(m: Model) -> None:
    L = lambda *a, **k: _line(m, *a, **k)  # noqa: E731
    m.heading(S, "Project cash flow statement (unlevered)", "项目投资现金流量表", key="project")
    p_in = L("p_in", "Cash inflows", "现金流入", SUM(*_lines(m, "p_in", REVENUE_LINES)), total_style=True)
    co = [_mirror(m, "p_out_capex", "capex", en="Capital spending (net of creditable VAT)", zh="建设及更新改造投资"),
          _mirror(m, "p_out_wc", "wc_change", en="Increase in working capital", zh="营运资金增加")]
    co += _lines(m, "p_out", COST_LINES)
    p_out_pre = L("p_out_pretax", "Cash outflows before income tax", "所得税前现金流出", SUM(*co), total_style=True)
    p_net_pre = L("p_net_pretax", "Net cash flow before income tax", "所得税前净现金流量", p_in - p_out_pre, total_style=True)
    _cumulative(m, "p_cum_pretax", "Cumulative net cash flow before income tax", "所得税前累计净现金流量", p_net_pre,
                total_style=False)
    p_tax = _mirror(m, "p_out_tax", "income_tax_unlevered")
    p_net = L("p_net", "Net cash flow", "所得税后净现金流量", p_net_pre - p_tax, total_style=True)
    _cumulative(m, "p_cum", "Cumulative net cash flow", "累计净现金流量", p_net)
    L("p_df", "Discount factor (project rate)", "折现系数", m["df_project"], unit="factor", total=False)
    p_disc = L("p_disc", "Discounted net cash flow", "折现净现金流量", p_net * m["df_project"])
    _cumulative(m, "p_cum_disc", "Cumulative discounted net cash flow", "累计折现净现金流量", p_disc, total_style=False)
    m.blank(S)


def _equity_table(m: Model) -> None:
    L = lambda *a, **k: _line(m, *a, **k)  # noqa: E731
    m.heading(S, "Equity cash flow statement", "项目资本金现金流量表", key="equity")
    ei = _lines(m, "e_in", REVENUE_LINES) + [_mirror(m, "e_in_loan", "loan_draw")]
    e_in = L("e_in", "Cash inflows", "现金流入", SUM(*ei), total_style=True)
    eo = [_mirror(m, "e_out_capex", "capex", en="Capital spending (net of creditable VAT)", zh="建设及更新改造投资"),
          _mirror(m, "e_out_wc", "wc_change", en="Increase in working capital", zh="营运资金增加"),
          _mirror(m, "e_out_principal", "principal", en="Principal repaid", zh="借款本金偿还"),
          _mirror(m, "e_out_interest", "interest", en="Interest paid", zh="借款利息支付")]
    eo += _lines(m, "e_out", COST_LINES) + [_mirror(m, "e_out_tax", "income_tax", zh="所得税")]
    e_out = L("e_out", "Cash outflows", "现金流出", SUM(*eo), total_style=True)
    e_net = L("e_net", "Net cash flow to equity", "资本金净现金流量", e_in - e_out, total_style=True)
    _cumulative(m, "e_cum", "Cumulative net cash flow to equity", "累计资本金净现金流量", e_net)
    m.blank(S)


def _income_statement(m: Model) -> None:
    L = lambda *a, **k: _line(m, *a, **k)  # noqa: E731
    m.heading(S, "Income statement (profit and its distribution)", "利润与利润分配表", key="income")
    rv = [_mirror(m, f"i_{k}", f"rev_{src}") for k, src in
          (("rent", "rent"), ("parking", "parking"), ("fees", "property_fees"), ("other", "other"))]
    i_rev = L("i_revenue", "Operating revenue (net of VAT)", "营业收入(不含税)", SUM(*rv), total_style=True)
    i_sup = _mirror(m, "i_support", "support", en="Subsidy and taxable grants", zh="补贴收入")
    costs = _lines(m, "i", COST_LINES)
    i_ebitda = L("i_ebitda", "EBITDA", "息税折旧摊销前利润", i_rev + i_sup - SUM(*costs), total_style=True)
    i_ebit = L("i_ebit", "EBIT", "息税前利润",
               i_ebitda - _mirror(m, "i_amortisation", "amortisation") - _mirror(m, "i_writeoff", "writeoff"),
               total_style=True)
    i_ebt = L("i_ebt", "Profit before tax", "利润总额", i_ebit - _mirror(m, "i_interest", "interest"), total_style=True)
    adj = L("i_tax_adjustment", "Tax adjustment (+ added, - deducted)", "纳税调整(增加为正,减少为负)",
            0 - m["tax_adjustments"])
    used = L("i_loss_used", "Losses of earlier years used", "弥补以前年度亏损", MAX(m["tax_base"], 0) - m["taxable_income"])
    L("i_taxable", "Taxable income (profit before tax + adjustment - losses used, not below 0)",
      "应纳税所得额(利润总额+纳税调整-弥补亏损,不低于0)", MAX(i_ebt + adj - used, 0))
    i_tax = _mirror(m, "i_tax", "income_tax", zh="所得税")
    i_ni = L("i_net_income", "Net income", "净利润", i_ebt - i_tax, total_style=True)
    L("i_retained_brought", "Undistributed profit brought forward", "期初未分配利润", m["undistributed_profit"].prev,
      total=False)
    i_transfer = _mirror(m, "i_reserve", "surplus_reserve_transfer")
    i_avail = L("i_available", "Profit available for distribution to the owner", "可供投资者分配的利润",
                m["undistributed_profit"].prev + i_ni - i_transfer, total_style=True, total=False)
    i_dist = _mirror(m, "i_distributions", "distributions")
    L("i_retained", "Undistributed profit carried forward", "期末未分配利润", i_avail - i_dist, total_style=True,
      total=False)
    m.blank(S)


def _financial_plan(m: Model) -> None:
    L = lambda *a, **k: _line(m, *a, **k)  # noqa: E731
    m.heading(S, "Financial plan cash flow", "财务计划现金流量表", key="plan")
    f_op = _mirror(m, "f_operating", "plan_operating", total_style=True)
    f_inv = _mirror(m, "f_investing", "plan_investing", total_style=True)
    fin_in = [_mirror(m, "f_equity", "equity_injection"), _mirror(m, "f_loan", "loan_draw")]
    fin_out = [_mirror(m, "f_interest", "interest"), _mirror(m, "f_principal", "principal"),
               _mirror(m, "f_distributions", "distributions")]
    f_fin = L("f_financing", "Financing activities: net cash flow", "筹资活动净现金流量", SUM(*fin_in) - SUM(*fin_out),
              total_style=True)
    f_net = L("f_net", "Net cash flow (surplus)", "净现金流量(盈余资金)", f_op + f_inv + f_fin, total_style=True)
    _cumulative(m, "f_cum", "Cumulative surplus", "累计盈余资金", f_net)
    m.blank(S)


def _balance_sheet(m: Model) -> None:
    L = lambda *a, **k: _line(m, *a, **k)  # noqa: E731
    m.heading(S, "Balance sheet (end of year)", "资产负债表(年末)", key="balance")
    assets = [_mirror(m, "b_cash", "balance_cash", en="Cash", zh="货币资金", total=False),
              _mirror(m, "b_reserve", "reserve_balance", en="Maintenance reserve account", zh="维修储备金专户", total=False),
              _mirror(m, "b_receivables", "wc_fees_in_arrears", en="Fees receivable", zh="应收账款(物业费)", total=False),
              _mirror(m, "b_vat", "vat_credit_asset", total=False),
              _mirror(m, "b_intangible", "book_value", en="Right of operation (long-term prepaid expenses, net)",
                      zh="长期待摊费用(经营权,摊余价值)", total=False)]
    b_assets = L("b_assets", "Total assets", "资产合计", SUM(*assets), total_style=True, total=False)
    debts = [_mirror(m, "b_deposits", "wc_deposits", en="Tenant deposits", zh="其他应付款(押金)", total=False),
             _mirror(m, "b_advance", "wc_rent_in_advance", en="Rent received in advance", zh="预收账款(租金)", total=False),
             _mirror(m, "b_loan", "loan_balance", en="Long-term loan", zh="长期借款", total=False)]
    b_liab = L("b_liabilities", "Total liabilities", "负债合计", SUM(*debts), total_style=True, total=False)
    equity = [_mirror(m, "b_capital", "paid_in_capital", total=False), _mirror(m, "b_reserve_fund", "surplus_reserve",
                                                                             total=False),
              _mirror(m, "b_retained", "undistributed_profit", en="Undistributed profit", zh="未分配利润", total=False)]
    b_eq = L("b_equity", "Total owner's equity", "所有者权益合计", SUM(*equity), total_style=True, total=False)
    L("b_liabilities_equity", "Total liabilities and owner's equity", "负债和所有者权益合计", b_liab + b_eq,
      total_style=True, total=False)
    L("b_difference", "Assets less liabilities and equity (0 when it balances)", "资产减负债和所有者权益(平衡时为0)",
      b_assets - b_liab - b_eq, total=False)
    m.blank(S)


def _loan_schedule(m: Model) -> None:
    L = lambda *a, **k: _line(m, *a, **k)  # noqa: E731
    m.heading(S, "Loan repayment schedule", "借款还本付息计划表", key="loan")
    L("l_open", "Opening balance", "期初借款余额", m["loan_balance"].prev, total=False)
    _mirror(m, "l_draw", "loan_draw", en="Drawn", zh="当期借款")
    _mirror(m, "l_service", "debt_service", en="Debt service", zh="当期还本付息", total_style=True)
    _mirror(m, "l_principal", "principal", en="of which principal", zh="其中: 还本")
    _mirror(m, "l_interest", "interest", en="of which interest", zh="其中: 付息")
    _mirror(m, "l_close", "loan_balance", en="Closing balance", zh="期末借款余额", total=False)
    _mirror(m, "l_cfads", "cfads")
    _mirror(m, "l_dscr", "dscr", en="DSCR", zh="偿债备付率", unit="ratio", total=False)
    _mirror(m, "l_llcr", "llcr", en="LLCR (loan life coverage ratio)", zh="借款偿还期覆盖率(LLCR)", unit="ratio", total=False)
    _mirror(m, "l_icr", "icr", en="Interest coverage", zh="利息备付率", unit="ratio", total=False)
    m.blank(S)


def _sources_and_uses(m: Model) -> None:
    L = lambda *a, **k: _line(m, *a, **k)  # noqa: E731
    m.heading(S, "Sources and uses of funds", "资金来源与运用表", key="sources")
    src = [_mirror(m, "s_ebitda", "ebitda"), _mirror(m, "s_loan", "loan_draw"),
           _mirror(m, "s_grant", "capital_grant_investing", en="Capital grant", zh="资本金补助"),
           _mirror(m, "s_equity", "equity_injection"), _mirror(m, "s_reserve_draw", "reserve_draw")]
    s_src = L("s_sources", "Sources", "资金来源合计", SUM(*src), total_style=True)
    use = [_mirror(m, "u_capex", "capex", en="Capital spending (net of creditable VAT)", zh="建设及更新改造投资"),
           _mirror(m, "u_wc", "wc_change", en="Increase in working capital", zh="营运资金增加"),
           _mirror(m, "u_tax", "income_tax", zh="所得税"), _mirror(m, "u_interest", "interest"),
           _mirror(m, "u_principal", "principal", en="Principal repaid", zh="借款本金偿还"),
           _mirror(m, "u_reserve", "reserve_funding"), _mirror(m, "u_dist", "distributions")]
    s_use = L("s_uses", "Uses", "资金运用合计", SUM(*use), total_style=True)
    s_diff = L("s_diff", "Sources less uses (the year's surplus)", "来源与运用差额(当年盈余资金)", s_src - s_use,
               total_style=True)
    _cumulative(m, "s_cum", "Cumulative surplus", "累计盈余资金", s_diff)
