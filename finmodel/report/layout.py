"""The house style: sheet names, column layout, units, number formats, colours, fixed texts (zh/en)."""

from __future__ import annotations

from .. import units
from .render import NA_TEXT, COL_CONST, COL_LABEL, COL_PRE, COL_UNIT, COL_Y0, HEADER_ROWS  # noqa: F401  (re-exported)

#: Sheets in their order, by key: (zh, en).
SHEET_TITLES = {
    "summary": ("摘要", "Summary"),
    "inputs": ("假设", "Inputs"),
    "time": ("时间轴", "Time"),
    "calcs": ("计算", "Calcs"),
    "statements": ("报表", "Statements"),
    "government": ("政府视角", "Government view"),
    "breakeven": ("盈亏平衡", "Break-even"),
    "sensitivity": ("敏感性", "Sensitivity"),
    "montecarlo": ("蒙特卡洛", "Monte Carlo"),
    "compare": ("情景比较", "Compare"),
    "checks": ("校验", "Checks"),
    "about": ("说明", "About"),
}


COLORS = {
    "input_fill": "#FFF2CC",      # inputs: pale yellow fill, blue text (FAST)
    "input_font": "#1F4E9E",
    "structural_fill": "#E7E6E6",
    "heading_fill": "#D9E2F3",
    "title_font": "#1F3864",
    "helper_font": "#595959",
    "ok_fill": "#C6EFCE",
    "ok_font": "#006100",
    "bad_fill": "#FFC7CE",
    "bad_font": "#9C0006",
    "warn_fill": "#FFEB9C",
    "warn_font": "#9C5700",
    "chart": ["#1F4E9E", "#ED7D31", "#A5A5A5", "#FFC000", "#5B9BD5", "#70AD47"],
}

FONT_ZH = "Microsoft YaHei"    # Excel/WPS on Windows; LibreOffice falls back to Noto Sans CJK
FONT_EN = "Calibri"


#: The unit code (finmodel.units) of the amounts on the report's sheets: CNY, shown in 万元.
MONEY = "CNY"


def money_text(x, zh: bool, *, unit: bool = True) -> str:
    """An amount in CNY as a text of the report, in 万元 with two decimals: '1,234.57 万元' /
    '1,234.57 CNY 10,000' (``unit=False``: the number only). The scale and label are units'."""
    number = f"{float(x) / units.display_scale(MONEY):,.2f}"
    return f"{number} {units.label(MONEY, zh)}" if unit else number


def money_per_year(zh: bool) -> str:
    """The unit of an annual amount: '万元/年' / 'CNY 10,000/yr'."""
    return units.label(MONEY, zh) + ("/年" if zh else "/yr")


def T(zh: bool, zh_text: str, en_text: str) -> str:
    return zh_text if zh else en_text


#: The metrics of ``finmodel run --json`` by their standard names (GLOSSARY).
METRIC_LABELS = {
    "npv": ("财务净现值", "NPV"),
    "equity_npv": ("资本金财务净现值", "equity NPV"),
    "project_irr": ("项目投资财务内部收益率", "project IRR"),
    "equity_irr": ("资本金财务内部收益率", "equity IRR"),
    "payback_years": ("静态投资回收期", "payback"),
    "discounted_payback_years": ("动态投资回收期", "discounted payback"),
    "min_cumulative_cash": ("最低累计净现金流量", "lowest cumulative cash"),
    "min_cumulative_equity_cash": ("资本金最低累计净现金流量", "lowest cumulative equity cash"),
    "dscr_min": ("最低偿债备付率", "lowest DSCR"),
    "dscr_avg": ("平均偿债备付率", "average DSCR"),
    "margin_avg": ("平均净利润率", "average net margin"),
    "subsidy_dependence": ("补贴依赖度", "subsidy dependence"),
    # the street office's view (finmodel.government)
    "gov_commitment_pv": ("政府财政支出责任现值", "government commitment PV"),
    "gov_commitment_pv_per_household": ("户均政府财政支出责任现值", "government commitment PV per household"),
    "gov_net_cost_pv": ("政府净成本现值", "government net cost PV"),
    "gov_tax_relief_pv": ("税费减免现值", "tax relief PV"),
    "gov_foregone_rent_pv": ("无偿提供空间的租金机会成本现值", "foregone rent PV"),
    "gov_budget_share_peak": ("财政支出占一般公共预算支出比例峰值", "peak share of the budget"),
    "gov_vfm": ("物有所值量值", "value for money"),
}
MONEY_METRICS = frozenset({"npv", "equity_npv", "min_cumulative_cash", "min_cumulative_equity_cash",
                           "gov_commitment_pv", "gov_net_cost_pv", "gov_tax_relief_pv", "gov_foregone_rent_pv",
                           "gov_vfm"})
PCT_METRICS = frozenset({"project_irr", "equity_irr", "margin_avg", "subsidy_dependence", "gov_budget_share_peak"})
YEAR_METRICS = frozenset({"payback_years", "discounted_payback_years"})

PROBABILITY_LABELS = {
    "npv_below_zero": ("财务净现值小于0的概率", "P(NPV < 0)"),
    "payback_beyond": ("运营期内未能回收(或晚于设定年限)的概率", "P(payback later than the limit)"),
    "min_cash_below": ("资金缺口大于基准情景的概率", "P(funding gap deeper than the base case's)"),
}

#: Drivers of the break-even table (finmodel.breakeven.TABLE_DRIVERS) in Chinese.
BREAKEVEN_DRIVERS_ZH = {
    "subsidy": "年度财政补贴(首年)", "commercial_rent": "商业化业态租金", "commercial_occupancy": "商业化业态出租率(目标)",
    "property_fee": "物业费(各档同比例)", "collection": "物业费收缴率(目标)", "parking_fee": "停车费",
    "parking_utilisation": "车位利用率(目标)", "capex": "改造投资", "operating_cost": "经营成本(各项同比例)",
    "expanded_area": "新增物业服务面积", "discount_rate": "项目折现率", "concession": "运营期",
}

#: Units as the studies print them -> Chinese.
STUDY_UNIT_ZH = {"CNY": "元", "CNY/year": "元/年", "x base": "倍基准值", "fraction": "%", "fraction/year": "%/年",
                 "years": "年", "m²": "平方米", "CNY/m²/day": "元/平方米/天", "CNY/m²/month": "元/平方米/月",
                 "CNY/space/month": "元/车位/月", "-": "倍"}


def metric_label(name: str, zh: bool) -> str:
    pair = METRIC_LABELS.get(name)
    return (pair[0] if zh else pair[1]) if pair else name


def metric_unit(name: str, zh: bool) -> str:
    """The unit a metric is shown in on the study sheets: 万元 for money, % for rates, years, x."""
    if name in MONEY_METRICS:
        return units.label(MONEY, zh)
    if name in PCT_METRICS:
        return "%"
    if name in YEAR_METRICS:
        return units.label("years", zh)
    if name == "gov_commitment_pv_per_household":
        return units.label("CNY/household", zh)
    return units.label("ratio", zh)


def metric_with_unit(name: str, zh: bool) -> str:
    """'财务净现值(万元)' / 'NPV (CNY 10,000)'."""
    u = metric_unit(name, zh)
    return f"{metric_label(name, zh)}({u})" if zh else f"{metric_label(name, zh)} ({u})"


def target_label(target: str, zh: bool) -> str:
    """'equity_npv>=0' -> '资本金财务净现值 ≥ 0' (zh) or 'equity NPV >= 0'."""
    import re

    m = re.match(r"^\s*([a-z_]+)\s*(<=|>=|=)\s*(\S+)\s*$", str(target))
    if not m:
        return str(target)
    name, op, val = m.groups()
    try:
        v = float(val)
        if name in PCT_METRICS or name == "margin_avg":
            val = f"{v:.2%}"
        elif name in MONEY_METRICS:
            val = money_text(v, zh, unit=zh)
    except ValueError:
        pass
    ops = {"<=": "≤", ">=": "≥", "=": "="} if zh else {"<=": "<=", ">=": ">=", "=": "="}
    return f"{metric_label(name, zh)} {ops[op]} {val}"


def auto_number_format(v) -> str:
    try:
        x = abs(float(v))
    except (TypeError, ValueError):
        return "General"
    if x >= 1000:
        return "#,##0"
    if x >= 1 or x == 0:
        return "0.00##"
    return "0.0000##"


NA = NA_TEXT
