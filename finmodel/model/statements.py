"""Working capital, the cash flows and the standard appraisal tables (《建设项目经济评价方法与参数》).

Cash flows (MODEL.md section 5): project FCF = EBITDA - tax on unlevered profit - capex -
change in working capital (+ a non-taxable capital grant); equity FCF adds loan draws, subtracts
debt service and uses the actual tax. The direct build-up (receipts - payments) must equal the
indirect one (net income + amortisation - capex +/- working capital +/- debt): a check.
"""

from __future__ import annotations

from .core import Model
from .expr import MAX, SUM

C = "calcs"
S = "statements"


def build(m: Model) -> None:
    _working_capital(m)
    _cash_flows(m)


def tables(m: Model) -> None:
    """The Statements sheet: each table a list of rows that only reference Calcs rows."""
    _project_table(m)
    _equity_table(m)
    _income_statement(m)
    _financial_plan(m)
    _loan_schedule(m)
    _sources_and_uses(m)


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
    pfcf = m.row(C, "project_fcf", "CNY", "Project free cash flow", "项目投资净现金流量",
                 ebitda - m["income_tax_unlevered"] - capex + grant_inv - d_wc, role="item")
    efcf = m.row(C, "equity_fcf", "CNY", "Equity free cash flow", "资本金净现金流量",
                 ebitda - tax_l - capex + grant_inv - d_wc + draw - m["debt_service"], role="item")
    m.row(C, "cfads", "CNY", "Cash flow available for debt service", "可用于还本付息的资金",
          ebitda - tax_l - capex + grant_inv - d_wc, role="item")
    dep_adv = m["wc_deposits"] + m["wc_rent_in_advance"]
    arrears = m["wc_fees_in_arrears"]
    dep_adv_prev = m["wc_deposits"].prev + m["wc_rent_in_advance"].prev
    receipts = m.row(C, "cash_receipts", "CNY", "Cash receipts (equity view)", "现金流入",
                     m["rent_gross"] + m["parking_gross"] + m["property_fees_collected"] + m["other_gross"]
                     + m["subsidy_received"] + m["capital_grant"] + draw + (dep_adv - dep_adv_prev) - (arrears - arrears.prev),
                     role="item")
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


def _line(m: Model, key, en, zh, expr, *, total_style=False, unit="CNY", total=None):
    return m.row(S, key, unit, en, zh, expr, role="statement", style="total" if total_style else "calc", total=total)


def _cumulative(m: Model, key, en, zh, flow):
    row = m.row(S, key, "CNY", en, zh, role="statement", style="total", total=False)
    row.expr = row.prev + flow
    return row


def _project_table(m: Model) -> None:
    L = lambda *a, **k: _line(m, *a, **k)  # noqa: E731
    m.heading(S, "Project cash flow statement (unlevered)", "项目投资现金流量表")
    ci = [L("p_in_revenue", "Operating revenue (net of VAT)", "营业收入(不含税)", m["revenue"]),
          L("p_in_support", "Subsidy and taxable grants", "补贴收入", m["support"]),
          L("p_in_grant", "Capital grant (investing inflow)", "资本金补助", m["capital_grant_investing"])]
    p_in = L("p_in", "Cash inflows", "现金流入", SUM(*ci), total_style=True)
    co = [L("p_out_capex", "Capital spending (net of creditable VAT)", "建设及更新改造投资", m["capex"]),
          L("p_out_wc", "Increase in working capital", "营运资金增加", m["wc_change"]),
          L("p_out_opex", "Operating costs", "经营成本", m["opex"]),
          L("p_out_preop", "Pre-operating cost", "开办费", m["pre_operating_cost"]),
          L("p_out_handback", "Hand-back restoration", "期末移交恢复费用", m["handback_cost"]),
          L("p_out_surcharges", "Surcharges on VAT", "税金及附加", m["surcharges"])]
    p_out_pre = L("p_out_pretax", "Cash outflows before income tax", "所得税前现金流出", SUM(*co), total_style=True)
    p_net_pre = L("p_net_pretax", "Net cash flow before income tax", "所得税前净现金流量", p_in - p_out_pre, total_style=True)
    p_tax = L("p_out_tax", "Income tax on unlevered profit", "调整所得税", m["income_tax_unlevered"])
    p_net = L("p_net", "Net cash flow", "所得税后净现金流量", p_net_pre - p_tax, total_style=True)
    _cumulative(m, "p_cum", "Cumulative net cash flow", "累计净现金流量", p_net)
    L("p_df", "Discount factor (project rate)", "折现系数", m["df_project"], unit="factor", total=False)
    p_disc = L("p_disc", "Discounted net cash flow", "折现净现金流量", p_net * m["df_project"])
    row = m.row(S, "p_cum_disc", "CNY", "Cumulative discounted net cash flow", "累计折现净现金流量", role="statement",
                total=False)
    row.expr = row.prev + p_disc
    m.blank(S)


def _equity_table(m: Model) -> None:
    L = lambda *a, **k: _line(m, *a, **k)  # noqa: E731
    m.heading(S, "Equity cash flow statement", "项目资本金现金流量表")
    ei = [L("e_in_revenue", "Operating revenue (net of VAT)", "营业收入(不含税)", m["revenue"]),
          L("e_in_support", "Subsidy and taxable grants", "补贴收入", m["support"]),
          L("e_in_grant", "Capital grant (investing inflow)", "资本金补助", m["capital_grant_investing"]),
          L("e_in_loan", "Loan drawn", "借款", m["loan_draw"])]
    e_in = L("e_in", "Cash inflows", "现金流入", SUM(*ei), total_style=True)
    eo = [L("e_out_capex", "Capital spending (net of creditable VAT)", "建设及更新改造投资", m["capex"]),
          L("e_out_wc", "Increase in working capital", "营运资金增加", m["wc_change"]),
          L("e_out_principal", "Principal repaid", "借款本金偿还", m["principal"]),
          L("e_out_interest", "Interest paid", "借款利息支付", m["interest"]),
          L("e_out_opex", "Operating costs", "经营成本", m["opex"]),
          L("e_out_preop", "Pre-operating cost", "开办费", m["pre_operating_cost"]),
          L("e_out_handback", "Hand-back restoration", "期末移交恢复费用", m["handback_cost"]),
          L("e_out_surcharges", "Surcharges on VAT", "税金及附加", m["surcharges"]),
          L("e_out_tax", "Income tax", "所得税", m["income_tax"])]
    e_out = L("e_out", "Cash outflows", "现金流出", SUM(*eo), total_style=True)
    e_net = L("e_net", "Net cash flow to equity", "资本金净现金流量", e_in - e_out, total_style=True)
    _cumulative(m, "e_cum", "Cumulative net cash flow to equity", "累计资本金净现金流量", e_net)
    m.blank(S)


def _income_statement(m: Model) -> None:
    L = lambda *a, **k: _line(m, *a, **k)  # noqa: E731
    m.heading(S, "Income statement", "利润与利润分配表")
    rv = [L("i_rent", "Rent revenue", "租金收入", m["rev_rent"]),
          L("i_parking", "Parking revenue", "停车费收入", m["rev_parking"]),
          L("i_fees", "Property fee revenue", "物业服务费收入", m["rev_property_fees"]),
          L("i_other", "Other revenue", "其他收入", m["rev_other"])]
    i_rev = L("i_revenue", "Operating revenue (net of VAT)", "营业收入(不含税)", SUM(*rv), total_style=True)
    i_sup = L("i_support", "Subsidy and taxable grants", "补贴收入", m["support"])
    i_sur = L("i_surcharges", "Surcharges on VAT", "税金及附加", m["surcharges"])
    i_opex = L("i_opex", "Operating costs", "经营成本", m["opex"])
    i_pre = L("i_preop", "Pre-operating cost", "开办费", m["pre_operating_cost"])
    i_hb = L("i_handback", "Hand-back restoration", "期末移交恢复费用", m["handback_cost"])
    i_ebitda = L("i_ebitda", "EBITDA", "息税折旧摊销前利润", i_rev + i_sup - i_sur - i_opex - i_pre - i_hb, total_style=True)
    i_am = L("i_amortisation", "Amortisation", "摊销", m["amortisation"])
    i_wo = L("i_writeoff", "Write-offs at hand-back", "期末核销", m["writeoff"])
    i_ebit = L("i_ebit", "EBIT", "息税前利润", i_ebitda - i_am - i_wo, total_style=True)
    i_int = L("i_interest", "Interest", "利息支出", m["interest"])
    i_ebt = L("i_ebt", "Profit before tax", "利润总额", i_ebit - i_int, total_style=True)
    L("i_loss_used", "Losses of earlier years used", "弥补以前年度亏损", MAX(m["tax_base"], 0) - m["taxable_income"])
    L("i_taxable", "Taxable income", "应纳税所得额", m["taxable_income"])
    i_tax = L("i_tax", "Income tax", "所得税", m["income_tax"])
    i_ni = L("i_net_income", "Net income", "净利润", i_ebt - i_tax, total_style=True)
    row = m.row(S, "i_cum_net_income", "CNY", "Cumulative net income", "累计净利润", role="statement", total=False)
    row.expr = row.prev + i_ni
    m.blank(S)


def _financial_plan(m: Model) -> None:
    L = lambda *a, **k: _line(m, *a, **k)  # noqa: E731
    m.heading(S, "Financial plan cash flow", "财务计划现金流量表")
    f_op = L("f_operating", "Operating activities: net cash flow", "经营活动净现金流量",
             m["ebitda"] - m["income_tax"] - m["wc_change"], total_style=True)
    f_inv = L("f_investing", "Investing activities: net cash flow", "投资活动净现金流量",
              m["capital_grant_investing"] - m["capex"], total_style=True)
    f_fin = L("f_financing", "Financing activities: net cash flow", "筹资活动净现金流量",
              m["loan_draw"] - m["interest"] - m["principal"], total_style=True)
    f_net = L("f_net", "Net cash flow (surplus)", "净现金流量(盈余资金)", f_op + f_inv + f_fin, total_style=True)
    _cumulative(m, "f_cum", "Cumulative surplus", "累计盈余资金", f_net)
    m.blank(S)


def _loan_schedule(m: Model) -> None:
    L = lambda *a, **k: _line(m, *a, **k)  # noqa: E731
    m.heading(S, "Loan repayment schedule", "借款还本付息计划表")
    L("l_open", "Opening balance", "期初借款余额", m["loan_balance"].prev, total=False)
    L("l_draw", "Drawn", "当期借款", m["loan_draw"])
    L("l_service", "Debt service", "当期还本付息", m["debt_service"], total_style=True)
    L("l_principal", "of which principal", "其中: 还本", m["principal"])
    L("l_interest", "of which interest", "其中: 付息", m["interest"])
    L("l_close", "Closing balance", "期末借款余额", m["loan_balance"], total=False)
    L("l_dscr", "DSCR", "偿债备付率", m["dscr"], unit="ratio", total=False)
    L("l_icr", "Interest coverage", "利息备付率", m["icr"], unit="ratio", total=False)
    m.blank(S)


def _sources_and_uses(m: Model) -> None:
    L = lambda *a, **k: _line(m, *a, **k)  # noqa: E731
    m.heading(S, "Sources and uses of funds", "资金来源与运用表")
    src = [L("s_ebitda", "EBITDA", "息税折旧摊销前利润", m["ebitda"]),
           L("s_loan", "Loan drawn", "借款", m["loan_draw"]),
           L("s_grant", "Capital grant", "资本金补助", m["capital_grant_investing"]),
           L("s_equity", "Equity paid in", "资本金投入", MAX(0 - m["equity_fcf"], 0))]
    s_src = L("s_sources", "Sources", "资金来源合计", SUM(*src), total_style=True)
    use = [L("u_capex", "Capital spending (net of creditable VAT)", "建设及更新改造投资", m["capex"]),
           L("u_wc", "Increase in working capital", "营运资金增加", m["wc_change"]),
           L("u_tax", "Income tax", "所得税", m["income_tax"]),
           L("u_interest", "Interest", "利息支出", m["interest"]),
           L("u_principal", "Principal repaid", "借款本金偿还", m["principal"]),
           L("u_dist", "Cash distributed to equity", "资本金分配", MAX(m["equity_fcf"], 0))]
    s_use = L("s_uses", "Uses", "资金运用合计", SUM(*use), total_style=True)
    L("s_diff", "Sources less uses", "来源与运用差额", s_src - s_use, total_style=True)
