"""The public side: three purses kept apart, the district's budget test, a lawful comparator.

Rows of the Government view sheet (year t = 0..N; CNY unless stated):

* **public works** on the community (``government.public_works_cny``, year 0): the government's
  own works, not a payment to the operator; paid by the district (its share) and by the
  central and city renovation programmes (the rest); the VAT inside returns to the state;
* **taxes the deal brings**: the operator's VAT (net of any refund), surcharges and income tax,
  and the VAT inside the operator's purchases, which its suppliers remit;
* **the district's purse**: what it pays the operator (subsidy, capital grants), its share of
  the public works; its commitments are those two, apart; it receives its share of the
  operator's taxes (``government.district_tax_share``);
* **the wider state**: the national and city tax reliefs (a second complete computation with
  the reliefs off, :data:`RELIEF_OFF`: static values in the workbook), the programmes' works,
  the taxes beyond the district's share;
* **the whole public purse**: commitments = public works + support to the operator + tax
  relief; net cost = public works + support - the taxes returning to the state;
* memos, not cash: the rent forgone on the space at its next-best use
  (``forgone_rent_cny_per_m2_day``), and the rent the renovated space earns (the operator's);
* present values at ``government.discount_rate``, year 0 undiscounted;
* the budget test: the district's own outlays / its budget expenditure, plus the existing
  commitments (a placeholder until stated), against the red line and the warning level;
* value for money on the whole public purse, VAT the same on both sides: the comparator
  renovates, lets the space and runs the parking itself and buys the property service, with
  its risk adjustments (财金〔2015〕167号); VfM = PV comparator - PV concession;
* residents: the fee per household per month, against a pensioner's income.
"""

from __future__ import annotations

from .core import Model
from .expr import IF, MAX
from .nodes import NA, Agg, Const, Counterfactual
from .operations import vat_inside

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
    "Tax relief (national and city policy, the wider state's): static values (not formulas), computed by finmodel as "
    "the taxes with the small-enterprise relief, the income-tax holiday and the small-scale surcharge relief switched "
    "off, less the taxes paid: a second complete tax computation with its own loss carry-forward. Run finmodel again "
    "after changing inputs.",
    "税费减免(国家及市级政策,属上级财政): 静态数值(非公式),由 finmodel 计算: 取消小型微利企业优惠、所得税免税期与"
    "小规模纳税人附加减半后的税费,减去实际缴纳的税费(需另行完整计算一遍税费及亏损弥补)。修改假设后请重新运行 finmodel。")
NOTE_WORKS = ("The public works are the government's own works on the community: not support paid to the operator, "
              "not paying for the operator's construction.",
              "公共改造工程是政府对社区的自有投入: 不是支付给运营方的支持,也不为运营方的建设买单。")
NOTE_DISTRICT = ("The street office has no budget of its own: its money comes through the district.",
                 "街道办事处没有独立预算: 其资金来自区级财政。")
NOTE_FORMAL = ("A formal PPP: the 10 % fiscal-affordability test applies to the district's outlays each year.",
               "规范的PPP项目: 每年财政支出适用10%财政承受能力红线。")
NOTE_INDICATIVE = ("A grant of use rights over the space, not a formal PPP (as at Jinsong): the 10 % fiscal-affordability "
                   "test is indicative.", "空间使用权授予,而非规范的PPP项目(如劲松): 10%财政承受能力测试仅供参考。")
NOTE_PLACEHOLDER = ("Warning: the existing commitments share is a placeholder, not the district's published figure "
                    "(government.existing_commitments_placeholder): replace it with the share in the district's "
                    "fiscal-affordability report. The deal's own share is the row above it.",
                    "警告: 已有财政支出责任占比为占位假设,并非区级公布数(government.existing_commitments_placeholder): "
                    "请以区财政承受能力论证报告中的比例替换。本项目自身占比见上一行。")
NOTE_VFM = ("Both sides are the whole public purse. VAT is treated the same on both: the VAT inside every purchase "
            "(the public works, the operator's purchases, the comparator's renovation, running costs and property "
            "service) returns to the state; receipts count in full. The public works are on both sides.",
            "两侧均为全口径公共财政。增值税两侧同等处理: 各项采购所含增值税(公共改造工程、运营方的采购、比较值的改造、"
            "运营成本与物业服务)均回流国家;收入全额计入。公共改造工程两侧都计。")

#: Lines of the sheet that have a present value (scalar rows ``gov_<line>_pv``).
PV_LINES = ("public_works", "support_to_operator", "district_works", "district_commitment", "district_taxes",
            "district_net_cost", "national_relief", "state_taxes", "state_net_cost", "public_commitment",
            "taxes_to_state", "net_cost", "forgone_rent", "renovated_rent")

#: Short names (en, zh) of the government metrics and which way is better for the public purse.
SHORT = {
    "district_commitment_pv": ("district's commitments PV", "区级财政支出责任现值", "lower"),
    "district_commitment_pv_per_household": ("district's commitments PV per household", "户均区级财政支出责任现值",
                                             "lower"),
    "support_to_operator_pv": ("support paid to the operator PV", "向运营方支付的支持现值", "lower"),
    "district_net_cost_pv": ("district's net cost PV", "区级财政净支出现值", "lower"),
    "national_relief_pv": ("national and city tax relief PV", "国家及市级税费减免现值", "lower"),
    "public_commitment_pv": ("public commitments PV, all purses", "全口径公共财政支出责任现值", "lower"),
    "net_cost_pv": ("public net cost PV, all purses", "全口径公共财政净支出现值", "lower"),
    "forgone_rent_pv": ("forgone rent PV (next-best use)", "空间租金机会成本现值(次优用途)", "lower"),
    "budget_share_peak": ("peak share of the budget", "财政支出占一般公共预算支出比例峰值", "lower"),
    "deal_budget_share_peak": ("the deal's peak share of the budget", "本项目占一般公共预算支出比例峰值", "lower"),
    "vfm": ("value for money", "物有所值量值", "higher"),
}


def build(m: Model) -> None:
    _public_works(m)
    _taxes(m)
    _district(m)
    _wider_state(m)
    _whole(m)
    _present_values(m)
    _affordability(m)
    _value_for_money(m)
    _residents(m)


def _line(m, key, unit, en, zh, expr=None, **kw):
    return m.row(G, f"gov_{key}", unit, en, zh, expr, role="government", **kw)


def _scalar(m, key, unit, en, zh, expr, style="calc", fmt=None):
    metric = style == "metric"
    short = SHORT.get(key) if metric else None
    return m.row(G, f"gov_{key}", unit, en, zh, None, const=expr, role="metric" if metric else "government",
                 style="total" if style in ("total", "metric") else "calc", total=False, fmt=fmt,
                 short=short[:2] if short else None, better=short[2] if short else None)


def _public_works(m: Model) -> None:
    g = "government."
    m.heading(G, "Public works on the community (the government's own works, all purses)", "社区公共改造工程(政府自有投入,各级财政)")
    m.note(G, *NOTE_WORKS)
    works = _line(m, "public_works", "CNY", "Public works (VAT incl.)", "公共改造工程支出(含税)",
                  m.I(g + "public_works_cny") * m["first"], style="total")
    _line(m, "public_works_vat", "CNY", "of which VAT (returns to the state)", "其中: 所含增值税(回流国家)",
          vat_inside(m, works, g + "public_works_vat_rate"))
    m.blank(G)


def _taxes(m: Model) -> None:
    m.heading(G, "Taxes the deal brings", "项目带来的税收")
    vat = _line(m, "operator_vat", "CNY", "Operator's VAT paid, net of any refund", "运营方缴纳增值税(扣除留抵退税)",
                m["vat_payable"] - m["vat_credit_refund"])
    _line(m, "operator_taxes", "CNY", "Operator's taxes (VAT, surcharges, income tax)", "运营方缴纳税费(增值税、附加、所得税)",
          vat + m["surcharges"] + m["income_tax"], style="total")
    _line(m, "supplier_vat", "CNY", "VAT in the operator's purchases (its suppliers remit it)",
          "运营方采购所含增值税(由供应商缴纳)", m["vat_in_costs"] + m["vat_in_capex"])
    m.blank(G)


def _district(m: Model) -> None:
    g = "government.district_tax_share."
    m.heading(G, "The district's purse (street office and district)", "区级财政(街道办事处与区)")
    m.note(G, *NOTE_DISTRICT)
    sub = _line(m, "subsidy_paid", "CNY", "Paid to the operator: operating subsidy", "支付给运营方: 运营补贴",
                m["subsidy_received"])
    grant = _line(m, "capital_grant", "CNY", "Paid to the operator: capital grant (pays for construction)",
                  "支付给运营方: 资本金补助(用于建设)", m["capital_grant"])
    support = _line(m, "support_to_operator", "CNY", "Support paid to the operator", "向运营方支付的支持合计", sub + grant,
                    style="total")
    works = _line(m, "district_works", "CNY", "The district's own public works (not paid to the operator)",
                  "区级承担的公共改造工程(非支付给运营方)",
                  m["gov_public_works"] * m.I("government.public_works_district_share"))
    outlay = _line(m, "district_commitment", "CNY",
                   "District's commitments (paid to the operator + its own works)",
                   "区级财政支出责任: 向运营方支付的支持+区级承担的公共改造工程", support + works, style="total")
    taxes = _line(m, "district_taxes", "CNY", "District's share of the operator's taxes", "区级分享的运营方税收",
                  m.I(g + "vat") * m["gov_operator_vat"] + m.I(g + "surcharges") * m["surcharges"]
                  + m.I(g + "income_tax") * m["income_tax"])
    _line(m, "district_net_cost", "CNY", "District's net cost (commitments - its share of taxes)",
          "区级财政净支出(支出责任-分享税收)", outlay - taxes, style="total")
    m.blank(G)


def _wider_state(m: Model) -> None:
    m.heading(G, "The wider state (city and centre)", "上级财政(市级与中央)")
    _line(m, "programme_works", "CNY", "Public works paid by central and city renovation programmes",
          "中央及市级改造资金承担的公共改造工程", m["gov_public_works"] - m["gov_district_works"])
    relief = _line(m, "national_relief", "CNY", "National and city tax relief granted (forgone revenue)",
                   "国家及市级税费减免(放弃的收入)", style="static")
    m.note(G, *NOTE_RELIEF)
    relief.expr = Counterfactual(m["gov_operator_taxes"], RELIEF_OFF, "reliefs off") - m["gov_operator_taxes"]
    state = _line(m, "state_taxes", "CNY",
                  "Taxes to the city and the centre (beyond the district's share)",
                  "上级财政税收(运营方税收中区级分享以外部分、采购所含增值税)")
    _line(m, "state_net_cost", "CNY", "Wider state's net cost (programme works - its taxes)", "上级财政净支出(改造资金-税收)",
          m["gov_programme_works"] - state, style="total")
    m.blank(G)
    return state


def _whole(m: Model) -> None:
    I = m.I
    g = "government."
    t, op = m["t"], m["op"]
    m.heading(G, "The whole public purse", "全口径公共财政")
    works, support = m["gov_public_works"], m["gov_support_to_operator"]
    _line(m, "public_commitment", "CNY", "Public commitments (works + paid to the operator + tax relief)",
          "全口径财政支出责任: 公共改造工程+向运营方支付的支持+税费减免", works + support + m["gov_national_relief"],
          style="total")
    back = _line(m, "taxes_to_state", "CNY", "Taxes returning to the public purse",
                 "回流公共财政的税收(运营方税费、采购所含增值税)",
                 m["gov_operator_taxes"] + m["gov_supplier_vat"] + m["gov_public_works_vat"])
    m["gov_state_taxes"].expr = back - m["gov_district_taxes"]
    _line(m, "net_cost", "CNY", "Public net cost (public works + support - taxes returning)", "全口径财政净支出(工程+支持-回流税收)",
          works + support - back, style="total")
    _line(m, "forgone_rent", "CNY", "Forgone rent at the next-best use (memo, not cash)",
          "空间按次优用途的租金机会成本(备忘,非现金)",
          I(g + "forgone_rent_cny_per_m2_day") * I("space.total_area_m2") * 365
          * (1 + I(g + "forgone_rent_escalation")) ** (t - 1) * op, style="memo")
    _line(m, "renovated_rent", "CNY", "Memo: rent of the renovated space (the operator's)",
          "备忘: 改造后空间的租金收入(运营方,含税)", m["rent_gross"], style="memo")
    _line(m, "discount_factor", "factor", "Discount factor at the government rate", "折现系数(政府折现率)",
          1 / (1 + I(g + "discount_rate")) ** t)
    m.blank(G)


def _present_values(m: Model) -> None:
    I = m.I
    m.heading(G, "Present values at the government rate (SUMPRODUCT with the discount factors)",
              "按政府折现率计算的现值(与折现系数逐年相乘求和)")
    df = m["gov_discount_factor"]
    for key in PV_LINES:
        row = m[f"gov_{key}"]
        _scalar(m, f"{key}_pv", "CNY", f"PV: {row.en}", f"现值: {row.zh}", Agg("SUMPRODUCT", row, df),
                style="metric" if f"{key}_pv" in SHORT else "calc")
    hh = I("scenario.households")
    _scalar(m, "district_commitment_pv_per_household", "CNY/household",
            "District's commitments PV per household", "户均区级财政支出责任现值",
            IF(hh.gt(0), m["gov_district_commitment_pv"].c / hh, NA()), style="metric")
    _scalar(m, "support_to_operator_pv_per_household", "CNY/household", "of which support paid to the operator",
            "其中: 向运营方支付的支持", IF(hh.gt(0), m["gov_support_to_operator_pv"].c / hh, NA()))
    _scalar(m, "district_works_pv_per_household", "CNY/household", "of which the district's own public works",
            "其中: 区级承担的公共改造工程", IF(hh.gt(0), m["gov_district_works_pv"].c / hh, NA()))
    m.blank(G)


def _affordability(m: Model) -> None:
    I, t = m.I, m["t"]
    g = "government."
    m.heading(G, "Fiscal affordability (the district's own outlays against its budget expenditure)",
              "财政承受能力(区级财政支出占区一般公共预算支出比例)")
    formal = m.a.government.formal_ppp
    m.note(G, *(NOTE_FORMAL if formal else NOTE_INDICATIVE))
    budget = _line(m, "budget_expenditure", "CNY", "District general public budget expenditure", "区一般公共预算支出",
                   I(g + "budget_expenditure_cny_per_year") * (1 + I(g + "budget_growth")) ** (t - 1),
                   fmt="CNY_level", total=False)
    deal = _line(m, "deal_budget_share", "fraction", "The deal's share (the district's commitments / budget)",
                 "本项目占比: 区级财政支出责任/一般公共预算支出", m["gov_district_commitment"] / budget, fmt="fraction_fine")
    share = _line(m, "budget_share", "fraction", "Share of budget expenditure, existing commitments included",
                  "占一般公共预算支出比例(含已有支出责任)", deal + I(g + "existing_commitments_share"))
    if m.a.government.existing_commitments_placeholder:
        m.note(G, *NOTE_PLACEHOLDER)
    _line(m, "red_line_by_year", "fraction", "Red line", "财政承受能力红线", I(g + "red_line"))
    _line(m, "warning_level_by_year", "fraction", "Warning level", "预警线", I(g + "warning_level"))
    _line(m, "district_net_budget_share", "fraction", "Memo: the district's net cost / budget expenditure",
          "备忘: 区级财政净支出/一般公共预算支出", m["gov_district_net_cost"] / budget, style="memo", fmt="fraction_fine")
    peak = _scalar(m, "budget_share_peak", "fraction", "Peak share of budget expenditure (existing commitments included)",
                   "占一般公共预算支出比例峰值(含已有支出责任)", Agg("MAX", share), style="metric")
    _scalar(m, "deal_budget_share_peak", "fraction", "The deal's peak share of budget expenditure",
            "本项目占一般公共预算支出比例峰值", Agg("MAX", deal), style="metric", fmt="fraction_fine")
    _scalar(m, "red_line_ok", "flag", "Within the red line (1 = yes)", "未超过财政承受能力红线(1=是)",
            peak.c.le(I(g + "red_line") * (1 + LINE_RTOL)), style="total")
    _scalar(m, "above_warning", "flag", "Above the warning level (1 = yes)", "超过预警线(1=是)",
            peak.c.gt(I(g + "warning_level") * (1 + LINE_RTOL)))
    m.blank(G)


def _value_for_money(m: Model) -> None:
    I, t, op = m.I, m["t"], m["op"]
    g = "government."
    psc = g + "comparator."
    m.heading(G, "Value for money: the comparator (the street office renovates, lets the space and buys the property service)",
              "物有所值: 公共部门比较值(街道自行改造、出租空间并购买物业服务)")
    m.note(G, *NOTE_VFM)
    works = _line(m, "psc_works", "CNY", "Comparator: public works (as under the concession)", "比较值: 公共改造工程(与特许经营相同)",
                  m["gov_public_works"])
    renov = _line(m, "psc_renovation", "CNY", "Comparator: renovation, with the expected overrun",
                  "比较值: 空间与停车改造(含预期超支)", I(psc + "renovation_cny") * (1 + I(psc + "capex_overrun")) * m["first"])
    opex = _line(m, "psc_opex", "CNY", "Comparator: running costs, with the expected overrun",
                 "比较值: 空间与停车运营成本(含预期超支)",
                 I(psc + "opex_cny_per_year") * (1 + I(psc + "opex_overrun")) * (1 + I(psc + "opex_escalation")) ** (t - 1)
                 * op)
    base = I("property_service.base_area_m2")
    service = _line(m, "psc_service", "CNY", "Comparator: property service bought (contract price)",
                    "比较值: 为基础面积购买的物业服务(合同价)",
                    I(psc + "service_price_cny_per_m2_month") * base * 12
                    * (1 + I(psc + "service_price_escalation")) ** (t - 1) * op)
    fees = _line(m, "psc_fees_by_provider", "CNY", "Comparator: fees the provider collects from residents",
                 "比较值: 服务企业向居民收取的物业费",
                 I(psc + "collection_rate") * m["property_fee_cny_per_m2_month"] * base * 12 * op)
    paid = _line(m, "psc_service_paid", "CNY", "Comparator: the street office pays for it (price - fees, at least 0)",
                 "比较值: 街道支付的物业服务费用(合同价-居民缴费,不低于0)", MAX(service - fees, 0))
    receipts = _line(m, "psc_receipts", "CNY", "Comparator: rent and parking receipts (less the delay)",
                     "比较值: 租金与停车收入(扣除第1年延误)",
                     I(psc + "revenue_factor") * (m["rent_gross"] + m["parking_gross"])
                     * (1 - I(psc + "delay_months") / 12 * t.eq(1)))
    vat = _line(m, "psc_vat", "CNY", "Comparator: VAT inside its purchases (returns to the state)",
                "比较值: 采购所含增值税(回流国家)",
                m["gov_public_works_vat"] + vat_inside(m, renov, psc + "capex_vat_rate")
                + vat_inside(m, opex, psc + "opex_vat_rate") + vat_inside(m, service, psc + "service_vat_rate"))
    net = _line(m, "psc_net_cost", "CNY", "Comparator: net cost to the public purse", "比较值: 全口径财政净支出",
                works + renov + opex + paid - receipts - vat, style="total")
    rate = IF(I(psc + "discount_rate").eq(""), I(g + "discount_rate"), I(psc + "discount_rate"))
    df = _line(m, "psc_discount_factor", "factor", "Comparator: discount factor (its rate; blank = the government rate)",
               "公共部门比较值: 折现系数(空=政府折现率)", 1 / (1 + rate) ** t)
    pv = _scalar(m, "psc_net_cost_pv", "CNY", "PV: comparator's net cost", "现值: 公共部门比较值净支出",
                 Agg("SUMPRODUCT", net, df))
    concession = m["gov_net_cost_pv"]
    _scalar(m, "concession_net_cost_pv", "CNY", "PV: public net cost under the concession", "现值: 特许经营下的全口径财政净支出",
            concession.c)
    _scalar(m, "vfm", "CNY", "Value for money (comparator - concession; > 0: concession better)",
            "物有所值量值(比较值-特许经营; >0 特许经营更优)", pv.c - concession.c, style="metric")
    m.blank(G)


def _residents(m: Model) -> None:
    I, t, op = m.I, m["t"], m["op"]
    g = "government."
    m.heading(G, "Residents' purse", "居民负担")
    hh = I("scenario.households")
    fee = _line(m, "property_fee_per_household_month", "CNY/household/month", "Property fee per household per month",
                "户均月物业费", IF(hh.gt(0), m["property_fee_cny_per_m2_month"] * I("property_service.base_area_m2") / hh, NA()))
    share = I(g + "paying_household_share")
    paying = _line(m, "paying_household_share", "fraction", "Share of households paying", "缴费户比例",
                   IF(share.eq(""), m["collection_rate"], share * op))
    _line(m, "average_fee_per_household_month", "CNY/household/month", "Average fee paid per household per month",
          "户均月实缴物业费", IF(hh.gt(0), fee * paying, NA()))
    pension = I(g + "pensioner_income_cny_per_month")
    income = _line(m, "pensioner_income_month", "CNY/person/month", "A pensioner's income per month", "退休人员月收入",
                   IF(pension.eq(""), NA(), pension * (1 + I(g + "pensioner_income_growth")) ** (t - 1) * op))
    _line(m, "fee_pensioner_share", "fraction", "Property fee per household as a share of a pensioner's income",
          "户均物业费占退休人员月收入比例", IF(pension.eq(""), NA(), IF(income.gt(0), fee / income, NA())))
    _line(m, "parking_fee_per_space_month", "CNY/space/month", "Parking fee per space per month", "每车位月停车费",
          I("parking.fee_cny_per_space_month") * (1 + I("parking.escalation")) ** (t - 1) * op)
