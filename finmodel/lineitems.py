"""The line-item registry: each engine line item's key, English and Chinese label, unit and group.

One table feeds the DataFrame view, the terminal, the workbook labels and the README.
Units: ``CNY`` amounts (shown in 万元 in reports), ``m2``, ``spaces``, ``fraction``,
``index``, ``flag`` (1/0), ``CNY/m2/month``. Costs are positive numbers; the cash-flow
lines (``project_fcf``, ``equity_fcf``, ...) are signed, inflows positive.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class LineItem:
    key: str
    en: str
    zh: str
    unit: str
    group: str


_ROWS = [
    # time
    ("cpi_index", "CPI escalation index", "物价指数", "index", "time"),
    ("wage_index", "Wage escalation index", "工资指数", "index", "time"),
    ("general_taxpayer", "General VAT taxpayer (1/0)", "一般纳税人标志", "flag", "time"),
    # drivers
    ("served_area_m2", "Property service area", "物业服务面积", "m2", "drivers"),
    ("property_fee_cny_per_m2_month", "Property fee", "物业费单价", "CNY/m2/month", "drivers"),
    ("collection_rate", "Fee collection rate", "收缴率", "fraction", "drivers"),
    ("occupied_area_m2", "Occupied space", "已出租面积", "m2", "drivers"),
    ("parking_spaces", "Parking spaces", "车位数", "spaces", "drivers"),
    ("parking_utilisation", "Parking utilisation", "车位利用率", "fraction", "drivers"),
    # gross receipts
    ("property_fees_billed", "Property fees billed (VAT incl.)", "物业费应收(含税)", "CNY", "gross"),
    ("property_fees_collected", "Property fees collected (VAT incl.)", "物业费实收(含税)", "CNY", "gross"),
    ("rent_gross", "Rent (VAT incl.)", "租金收入(含税)", "CNY", "gross"),
    ("parking_gross", "Parking fees, firm's share (VAT incl.)", "停车费(含税,企业部分)", "CNY", "gross"),
    ("other_gross", "Other revenue (VAT incl.)", "其他收入(含税)", "CNY", "gross"),
    ("owners_share_paid", "Owners' share of common-area income (memo)", "业主共有部分收益(备忘)", "CNY", "gross"),
    ("own_services", "Own services (VAT-exempt)", "自营养老家政服务收入(免税)", "CNY", "gross"),
    ("subsidy_received", "Subsidy received", "财政补贴(实收)", "CNY", "gross"),
    # revenue net of VAT
    ("rev_rent", "Rent revenue", "租金收入", "CNY", "revenue"),
    ("rev_parking", "Parking revenue", "停车费收入", "CNY", "revenue"),
    ("rev_property_fees", "Property fee revenue", "物业服务费收入", "CNY", "revenue"),
    ("rev_other", "Other revenue", "其他收入", "CNY", "revenue"),
    ("revenue", "Operating revenue (net of VAT)", "营业收入(不含税)", "CNY", "revenue"),
    ("subsidy", "Subsidy (net of VAT)", "财政补贴", "CNY", "revenue"),
    ("capital_grant", "Capital grant", "资本金补助", "CNY", "revenue"),
    ("support", "Support in EBITDA", "计入EBITDA的政府支持", "CNY", "revenue"),
    ("mix_rent", "Revenue mix: rent", "收入结构: 租金", "fraction", "revenue"),
    ("mix_parking", "Revenue mix: parking", "收入结构: 停车费", "fraction", "revenue"),
    ("mix_property_fees", "Revenue mix: property fees", "收入结构: 物业费", "fraction", "revenue"),
    ("mix_other", "Revenue mix: other", "收入结构: 其他", "fraction", "revenue"),
    # costs
    ("cost_property_team", "Property service team", "物业人工成本(固定)", "CNY", "costs"),
    ("cost_property_variable", "Property service variable labour", "物业人工成本(变动)", "CNY", "costs"),
    ("cost_property_materials", "Property materials and repairs", "物业维修养护费", "CNY", "costs"),
    ("cost_space", "Space maintenance and utilities", "空间维护及水电能耗", "CNY", "costs"),
    ("cost_parking", "Parking operation", "停车运营成本", "CNY", "costs"),
    ("cost_own_services", "Own services direct cost", "自营服务成本", "CNY", "costs"),
    ("cost_management", "Management staff", "管理人员费用", "CNY", "costs"),
    ("cost_overheads_other", "Other overheads", "其他管理费用", "CNY", "costs"),
    ("opex_paid", "Operating costs paid (VAT incl.)", "经营成本(含税)", "CNY", "costs"),
    ("opex", "Operating costs (net of creditable VAT)", "经营成本", "CNY", "costs"),
    ("property_segment_result", "Property service segment result", "物业服务板块损益", "CNY", "costs"),
    ("pre_operating_cost", "Pre-operating cost", "开办费", "CNY", "costs"),
    ("handback_cost", "Hand-back restoration", "期末移交恢复费用", "CNY", "costs"),
    # VAT
    ("vat_output", "Output VAT", "销项税额", "CNY", "vat"),
    ("vat_input_opex", "Input VAT on costs", "进项税额(经营)", "CNY", "vat"),
    ("vat_input_capex", "Input VAT on capex", "进项税额(投资)", "CNY", "vat"),
    ("vat_payable", "VAT payable", "应纳增值税", "CNY", "vat"),
    ("vat_credit", "VAT credit carried forward", "留抵税额", "CNY", "vat"),
    ("vat_credit_forfeited", "VAT credit forfeited at hand-back", "期末留抵税额转出", "CNY", "vat"),
    ("surcharges", "Surcharges on VAT", "税金及附加", "CNY", "vat"),
    # capital
    ("capex_paid", "Capex paid (VAT incl.)", "建设及更新改造投资(含税)", "CNY", "capital"),
    ("refits_paid", "Refits paid (VAT incl.)", "更新改造投资(含税)", "CNY", "capital"),
    ("capex", "Capex (net of creditable VAT)", "建设投资(不含可抵扣进项)", "CNY", "capital"),
    ("amortisation", "Amortisation", "摊销", "CNY", "capital"),
    ("writeoff", "Write-offs at hand-back", "期末核销", "CNY", "capital"),
    ("capital_grant_investing", "Capital grant (investing inflow)", "资本金补助(投资流入)", "CNY", "capital"),
    # P&L
    ("ebitda", "EBITDA", "息税折旧摊销前利润", "CNY", "pnl"),
    ("ebit", "EBIT", "息税前利润", "CNY", "pnl"),
    ("interest", "Interest", "利息支出", "CNY", "pnl"),
    ("ebt", "Profit before tax", "利润总额", "CNY", "pnl"),
    ("taxable_income", "Taxable income after losses", "应纳税所得额", "CNY", "pnl"),
    ("tax_losses_expired", "Tax losses expired", "过期未弥补亏损", "CNY", "pnl"),
    ("income_tax", "Income tax", "企业所得税", "CNY", "pnl"),
    ("income_tax_unlevered", "Income tax on unlevered profit", "调整所得税", "CNY", "pnl"),
    ("net_income", "Net income", "净利润", "CNY", "pnl"),
    # working capital
    ("wc_fees_in_arrears", "Fees in arrears", "应收物业费", "CNY", "wc"),
    ("wc_deposits", "Tenant deposits", "押金", "CNY", "wc"),
    ("wc_rent_in_advance", "Rent received in advance", "预收租金", "CNY", "wc"),
    ("working_capital", "Working capital (incl. VAT credit)", "营运资金(含留抵税额)", "CNY", "wc"),
    ("wc_change", "Change in working capital", "营运资金增加额", "CNY", "wc"),
    # financing
    ("loan_draw", "Loan drawn", "借款", "CNY", "financing"),
    ("principal", "Principal repaid", "偿还本金", "CNY", "financing"),
    ("debt_service", "Debt service", "还本付息", "CNY", "financing"),
    ("loan_balance", "Loan balance", "借款余额", "CNY", "financing"),
    ("cfads", "Cash flow available for debt service", "可用于还本付息的资金", "CNY", "financing"),
    # cash flows
    ("cash_receipts", "Cash receipts (equity view)", "现金流入", "CNY", "cash"),
    ("cash_payments", "Cash payments (equity view)", "现金流出", "CNY", "cash"),
    ("project_fcf", "Project free cash flow", "项目投资净现金流量", "CNY", "cash"),
    ("equity_fcf", "Equity free cash flow", "资本金净现金流量", "CNY", "cash"),
    ("equity_fcf_direct", "Equity cash flow, direct build-up", "资本金净现金流量(直接法)", "CNY", "cash"),
    ("equity_fcf_indirect", "Equity cash flow, indirect build-up", "资本金净现金流量(间接法)", "CNY", "cash"),
    ("cum_project_fcf", "Cumulative project cash flow", "累计净现金流量", "CNY", "cash"),
    ("cum_equity_fcf", "Cumulative equity cash flow", "累计资本金净现金流量", "CNY", "cash"),
]

REGISTRY: dict[str, LineItem] = {r[0]: LineItem(*r) for r in _ROWS}


def label(key: str, language: str = "en") -> str:
    if key.startswith("rent_tier_"):
        i = key.rsplit("_", 1)[1]
        return f"租金收入 第{int(i) + 1}类业态(含税)" if language == "zh" else f"Rent, tier {int(i) + 1} (VAT incl.)"
    item = REGISTRY[key]
    return item.zh if language == "zh" else item.en


def unit(key: str) -> str:
    return "CNY" if key.startswith("rent_tier_") else REGISTRY[key].unit


def ordered_keys(items) -> list[str]:
    """Registry order, with the per-tier rent rows after rent_gross's group start."""
    keys = [k for k in REGISTRY if k in items]
    tiers = sorted((k for k in items if k.startswith("rent_tier_")), key=lambda k: int(k.rsplit("_", 1)[1]))
    pos = keys.index("rent_gross") if "rent_gross" in keys else len(keys)
    return keys[:pos] + tiers + keys[pos:]


def frame(pj, scenario: int = 0, language: str = "en"):
    """One scenario of a Projection as a DataFrame indexed by line item: label, unit, one column per year."""
    import pandas as pd

    keys = ordered_keys(pj.items)
    data = {int(y): [float(pj.items[k][scenario, i]) for k in keys] for i, y in enumerate(pj.years)}
    df = pd.DataFrame(data, index=pd.Index(keys, name="item"))
    df.insert(0, "unit", [unit(k) for k in keys])
    df.insert(0, "label", [label(k, language) for k in keys])
    return df
