"""The street office's view: fiscal commitments, affordability, value for money, residents' burden.

Definitions (year t = 0..N; CNY unless stated), rows of the Government view sheet:

* cash outlays = co-investment (year 0) + subsidy paid (VAT included when a purchased service)
  + capital grants;
* tax relief = the taxes (VAT payable + surcharges + income tax) with the small-enterprise
  relief, the income-tax holiday and the small-scale surcharge relief switched off
  (:data:`RELIEF_OFF`), less the taxes paid: forgone revenue, not an outlay (a second complete
  computation: static values in the workbook);
* fiscal commitments = outlays + tax relief; net cost = outlays - taxes paid back;
* foregone rent = market rent x the space's area x 365 x (1+g)^(t-1): a memo, not cash;
* present values at ``government.discount_rate`` with year 0 undiscounted;
* affordability: share_t = outlays / (budget x (1+growth)^(t-1)) + existing commitments share,
  its peak against the red line and the warning level (budget outlays only);
* value for money = PV of the comparator's net cost (it renovates and runs the services itself)
  - PV of the net cost under the concession;
* residents: the property fee per household per month, the share of households paying, the
  parking fee per space per month.
"""

from __future__ import annotations

from .core import Model
from .expr import IF
from .nodes import NA, Agg, Const, Counterfactual

G = "government"

#: The reliefs switched off to measure the tax relief granted.
RELIEF_OFF = {
    "tax.small_enterprise_relief": False,
    "support.income_tax_holiday_years": 0,
    "tax.surcharge_relief_small_scale.factor": 1.0,
}

#: Relative tolerance of the red-line and warning tests: a share that is 10 % on paper is not
#: failed by the rounding of a sum such as 0.07 + 0.03.
LINE_RTOL = Const("k_line_rtol", 1e-12, "text", "Relative tolerance of the red-line test", "红线与预警线比较的相对容差",
                  "a share of 10 % on paper is not failed by the rounding of a sum",
                  "名义上恰为10%的比例不因求和的舍入而判为超线")

NOTE_RELIEF = (
    "Tax relief: static values (not formulas), computed by finmodel as the taxes with the small-enterprise relief, "
    "the income-tax holiday and the small-scale surcharge relief switched off, less the taxes paid: a second complete "
    "tax computation with its own loss carry-forward. Run finmodel again after changing inputs.",
    "税费减免: 静态数值(非公式),由 finmodel 计算: 取消小型微利企业优惠、所得税免税期与小规模纳税人附加减半后的税费,"
    "减去实际缴纳的税费(需另行完整计算一遍税费及亏损弥补)。修改假设后请重新运行 finmodel。")
NOTE_FORMAL = ("A formal PPP: the 10 % fiscal-affordability test applies to the district's outlays each year.",
               "规范的PPP项目: 每年财政支出适用10%财政承受能力红线。")
NOTE_INDICATIVE = ("A grant of use rights over the space, not a formal PPP (as at Jinsong): the 10 % fiscal-affordability "
                   "test is indicative.", "空间使用权授予,而非规范的PPP项目(如劲松): 10%财政承受能力测试仅供参考。")

#: Lines that have a total and a present value.
PV_LINES = ("co_investment", "subsidy_paid", "capital_grant", "cash_outlay", "tax_relief", "commitment",
            "taxes_paid_back", "net_cost", "foregone_rent")


def build(m: Model) -> None:
    _commitments(m)
    _present_values(m)
    _affordability(m)
    _value_for_money(m)
    _residents(m)


def _line(m, key, unit, en, zh, expr=None, **kw):
    return m.row(G, f"gov_{key}", unit, en, zh, expr, role="government", **kw)


#: Short names (en, zh) of the government metrics and which way is better for the public purse.
SHORT = {
    "commitment_pv": ("government commitment PV", "政府财政支出责任现值", "lower"),
    "commitment_pv_per_household": ("government commitment PV per household", "户均政府财政支出责任现值", "lower"),
    "net_cost_pv": ("government net cost PV", "政府净成本现值", "lower"),
    "tax_relief_pv": ("tax relief PV", "税费减免现值", "lower"),
    "foregone_rent_pv": ("foregone rent PV", "无偿提供空间的租金机会成本现值", "lower"),
    "budget_share_peak": ("peak share of the budget", "财政支出占一般公共预算支出比例峰值", "lower"),
    "vfm": ("value for money", "物有所值量值", "higher"),
}


def _scalar(m, key, unit, en, zh, expr, style="calc"):
    metric = style == "metric"
    short = SHORT.get(key) if metric else None
    return m.row(G, f"gov_{key}", unit, en, zh, None, const=expr, role="metric" if metric else "government",
                 style="total" if style in ("total", "metric") else "calc", total=False,
                 short=short[:2] if short else None, better=short[2] if short else None)


def _commitments(m: Model) -> None:
    I, t, op = m.I, m["t"], m["op"]
    g = "government."
    m.heading(G, "Outlays, commitments and taxes", "政府支出、财政支出责任与税费")
    co = _line(m, "co_investment", "CNY", "Government co-investment (renovation)", "政府配套投资(改造)",
               I(g + "co_investment_cny") * m["first"])
    sub = _line(m, "subsidy_paid", "CNY", "Subsidy paid", "运营补贴支出", m["subsidy_received"])
    grant = _line(m, "capital_grant", "CNY", "Capital grant", "资本金补助", m["capital_grant"])
    outlay = _line(m, "cash_outlay", "CNY", "Budget outlays", "财政支出", co + sub + grant, style="total")
    relief = _line(m, "tax_relief", "CNY", "Tax relief granted", "税费减免", style="static")
    m.note(G, *NOTE_RELIEF)
    _line(m, "commitment", "CNY", "Fiscal commitments", "财政支出责任", outlay + relief, style="total")
    taxes = _line(m, "taxes_paid_back", "CNY", "Taxes paid by the deal (VAT, surcharges, income tax)", "项目缴纳税费",
                  m["vat_payable"] + m["surcharges"] + m["income_tax"])
    relief.expr = Counterfactual(taxes, RELIEF_OFF, "reliefs off") - taxes
    _line(m, "net_cost", "CNY", "Net cost to government (outlays - taxes)", "政府净支出(支出-税费)", outlay - taxes,
          style="total")
    _line(m, "foregone_rent", "CNY", "Foregone rent on the space (memo, not cash)", "让渡空间的租金(机会成本,备忘)",
          I(g + "market_rent_cny_per_m2_day") * I("space.total_area_m2") * 365
          * (1 + I(g + "market_rent_escalation")) ** (t - 1) * op, style="memo")
    _line(m, "discount_factor", "factor", "Discount factor at the government rate", "折现系数(政府折现率)",
          1 / (1 + I(g + "discount_rate")) ** t)
    m.blank(G)


def _present_values(m: Model) -> None:
    I = m.I
    m.heading(G, "Present values at the government rate (SUMPRODUCT with the discount factors)",
              "按政府折现率计算的现值(与折现系数逐年相乘求和)")
    df = m["gov_discount_factor"]
    metric_pvs = {"commitment", "net_cost", "tax_relief", "foregone_rent"}
    for key in PV_LINES:
        row = m[f"gov_{key}"]
        _scalar(m, f"{key}_pv", "CNY", f"PV: {row.en}", f"现值: {row.zh}", Agg("SUMPRODUCT", row, df),
                style="metric" if key in metric_pvs else "calc")
    hh = I("scenario.households")
    _scalar(m, "commitment_pv_per_household", "CNY/household", "Fiscal commitments PV per household", "户均财政支出责任现值",
            IF(hh.gt(0), m["gov_commitment_pv"].c / hh, NA()), style="metric")
    _scalar(m, "net_cost_pv_per_household", "CNY/household", "Net cost PV per household", "户均政府净支出现值",
            IF(hh.gt(0), m["gov_net_cost_pv"].c / hh, NA()))
    m.blank(G)


def _affordability(m: Model) -> None:
    I, t = m.I, m["t"]
    g = "government."
    m.heading(G, "Fiscal affordability (budget outlays against the district's budget expenditure)",
              "财政承受能力(财政支出占区一般公共预算支出比例)")
    formal = m.a.government.formal_ppp
    m.note(G, *(NOTE_FORMAL if formal else NOTE_INDICATIVE))
    budget = _line(m, "budget_expenditure", "CNY", "District general public budget expenditure", "区一般公共预算支出",
                   I(g + "budget_expenditure_cny_per_year") * (1 + I(g + "budget_growth")) ** (t - 1),
                   fmt="CNY_level", total=False)
    share = _line(m, "budget_share", "fraction", "Share of budget expenditure (existing commitments included)",
                  "占一般公共预算支出比例(含已有支出责任)", m["gov_cash_outlay"] / budget + I(g + "existing_commitments_share"))
    peak = _scalar(m, "budget_share_peak", "fraction", "Peak share of budget expenditure", "占一般公共预算支出比例峰值",
                   Agg("MAX", share), style="metric")
    _scalar(m, "red_line_ok", "flag", "Within the red line (1 = yes)", "未超过财政承受能力红线(1=是)",
            peak.c.le(I(g + "red_line") * (1 + LINE_RTOL)), style="total")
    _scalar(m, "above_warning", "flag", "Above the warning level (1 = yes)", "超过预警线(1=是)",
            peak.c.gt(I(g + "warning_level") * (1 + LINE_RTOL)))
    m.blank(G)


def _value_for_money(m: Model) -> None:
    I, t, op = m.I, m["t"], m["op"]
    g = "government."
    psc = g + "comparator."
    m.heading(G, "Value for money: public-sector comparator (the street office renovates and runs the services itself)",
              "物有所值: 公共部门比较值(街道自行改造并运营同样的服务)")
    capex = _line(m, "psc_capex", "CNY", "Comparator: renovation capex", "公共部门比较值: 建设投资",
                  I(psc + "capex_cny") * m["first"])
    opex = _line(m, "psc_opex", "CNY", "Comparator: operating costs", "公共部门比较值: 运营成本",
                 I(psc + "opex_cny_per_year") * (1 + I(psc + "opex_escalation")) ** (t - 1) * op)
    rev = _line(m, "psc_revenue", "CNY", "Comparator: receipts", "公共部门比较值: 收入",
                I(psc + "revenue_factor") * (m["rent_gross"] + m["parking_gross"] + m["other_gross"])
                + I(psc + "collection_rate") * m["property_fees_billed"])
    net = _line(m, "psc_net_cost", "CNY", "Comparator: net cost", "公共部门比较值: 净成本", capex + opex - rev, style="total")
    rate = IF(I(psc + "discount_rate").eq(""), I(g + "discount_rate"), I(psc + "discount_rate"))
    df = _line(m, "psc_discount_factor", "factor", "Comparator: discount factor (its rate; blank = the government rate)",
               "公共部门比较值: 折现系数(空=政府折现率)", 1 / (1 + rate) ** t)
    pv = _scalar(m, "psc_net_cost_pv", "CNY", "PV: comparator's net cost", "现值: 公共部门比较值净成本",
                 Agg("SUMPRODUCT", net, df))
    concession = m["gov_net_cost_pv"]
    _scalar(m, "concession_net_cost_pv", "CNY", "PV: net cost to government under the concession", "现值: 特许经营下的政府净支出",
            concession.c)
    _scalar(m, "vfm", "CNY", "Value for money (comparator - concession; > 0: the concession is better value)",
            "物有所值量值(比较值-特许经营; >0 特许经营更优)", pv.c - concession.c, style="metric")
    m.blank(G)


def _residents(m: Model) -> None:
    I, t, op = m.I, m["t"], m["op"]
    g = "government."
    m.heading(G, "Residents' burden", "居民负担")
    hh = I("scenario.households")
    fee = _line(m, "property_fee_per_household_month", "CNY/household/month", "Property fee per household per month",
                "户均月物业费", IF(hh.gt(0), m["property_fee_cny_per_m2_month"] * I("property_service.base_area_m2") / hh, NA()))
    share = I(g + "paying_household_share")
    paying = _line(m, "paying_household_share", "fraction", "Share of households paying", "缴费户比例",
                   IF(share.eq(""), m["collection_rate"], share * op))
    _line(m, "average_fee_per_household_month", "CNY/household/month", "Average fee paid per household per month",
          "户均月实缴物业费", IF(hh.gt(0), fee * paying, NA()))
    _line(m, "parking_fee_per_space_month", "CNY/space/month", "Parking fee per space per month", "每车位月停车费",
          I("parking.fee_cny_per_space_month") * (1 + I("parking.escalation")) ** (t - 1) * op)
