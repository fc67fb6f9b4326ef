"""Time: the year axis, timing flags, escalation indices, tax rates and reliefs by calendar year,
discount factors. The Time sheet of the workbook, line by line."""

from __future__ import annotations

from .core import Model
from .expr import LOOKUP, MAX, SUM

S = "time"

VAT_TABLES = {
    "general_leasing": ("VAT, general taxpayer, leasing", "一般纳税人 租赁税率"),
    "general_service": ("VAT, general taxpayer, services", "一般纳税人 服务税率"),
    "small_leasing": ("VAT, small-scale taxpayer, leasing", "小规模纳税人 租赁征收率"),
    "small_service": ("VAT, small-scale taxpayer, services", "小规模纳税人 服务征收率"),
}


def build(m: Model) -> None:
    I = m.I
    m.heading(S, "Time axis", "时间轴")
    counter = m.row(S, "period", "period", "Period counter", "期数")
    counter.expr = counter.prev + 1
    t = m.row(S, "t", "year_no", "Year index (0 = renovation year)", "年序(0=改造年)", counter - 1)
    cal = m.row(S, "calendar_year", "year", "Calendar year", "年份", I("scenario.start_year") + t)
    op = m.row(S, "op", "flag", "Operating year flag", "运营期标志", t.ge(1), role="flag")
    m.row(S, "first", "flag", "Renovation year flag", "改造年标志", t.eq(0), role="flag")
    m.row(S, "last", "flag", "Hand-back year flag", "移交年标志", t.eq(I("scenario.concession_years")), role="flag")
    m.row(S, "before_last", "flag", "Before hand-back flag", "移交年前标志", t.lt(I("scenario.concession_years")),
          role="flag")
    m.blank(S)
    m.heading(S, "Escalation", "价格指数")
    m.row(S, "cpi_index", "index", "CPI escalation index", "物价指数", (1 + I("macro.cpi_inflation")) ** (t - 1) * op,
          role="item")
    m.row(S, "wage_index", "index", "Wage escalation index", "工资指数",
          (1 + I("macro.wage_inflation")) ** (t - 1) * op, role="item")
    m.blank(S)
    m.heading(S, "Tax rates by calendar year", "分年度税率")
    for name, (en, zh) in VAT_TABLES.items():
        tb = f"tax.vat.{name}"
        m.row(S, f"vat_{name}", "fraction", en, zh,
              LOOKUP(MAX(cal, I(f"{tb}.0.from_year")), m.table(tb, "from_year"), m.table(tb, "rate")))
    rss, rse = "tax.surcharge_relief_small_scale", "tax.surcharge_relief_small_enterprise"
    m.row(S, "relief_small_scale", "flag", "Surcharge relief for small-scale taxpayers in force", "小规模纳税人附加减半期",
          cal.ge(I(f"{rss}.from_year")) * cal.le(I(f"{rss}.to_year")), role="flag")
    m.row(S, "relief_small_enterprise", "flag", "Surcharge relief for small low-profit enterprises in force",
          "小型微利企业附加减半期",
          cal.ge(I(f"{rse}.from_year")) * cal.le(I(f"{rse}.to_year")) * I("tax.small_enterprise_relief"), role="flag")
    m.row(S, "tax_holiday", "flag", "Income-tax holiday year", "所得税免税年",
          t.ge(1) * t.le(I("support.income_tax_holiday_years")), role="flag")
    _small_enterprise_bands(m, cal)
    m.blank(S)
    m.heading(S, "Discounting", "折现")
    m.row(S, "df_project", "factor", "Discount factor, project rate", "折现系数(项目折现率)",
          1 / (1 + I("discount.project_rate")) ** t)
    m.row(S, "df_equity", "factor", "Discount factor, equity hurdle rate", "折现系数(资本金基准收益率)",
          1 / (1 + I("discount.equity_hurdle_rate")) ** t)


def _small_enterprise_bands(m: Model, cal) -> None:
    """Which small-enterprise period is in force, and its bands as rows (upper end, rate) by year.

    Periods may overlap in the YAML: the first listed wins. A period with fewer bands repeats
    its last upper end, so the extra bands have zero width.
    """
    I = m.I
    periods = m.a.tax.small_enterprise_periods
    in_force = []
    for p, per in enumerate(periods):
        base = f"tax.small_enterprise_periods.{p}"
        cond = cal.ge(I(f"{base}.from_year")) * cal.le(I(f"{base}.to_year"))
        for q in range(p):
            bq = f"tax.small_enterprise_periods.{q}"
            cond = cond * (1 - cal.ge(I(f"{bq}.from_year")) * cal.le(I(f"{bq}.to_year")))
        in_force.append(m.row(S, f"se_period_{p}", "flag", f"Small-enterprise period {per.from_year}-{per.to_year} in force",
                              f"小型微利企业优惠期 {per.from_year}-{per.to_year}", cond, role="flag"))
    if not periods:
        return
    m.row(S, "se_any", "flag", "A small-enterprise period is in force", "处于小型微利企业优惠期", SUM(*in_force),
          role="flag")
    for b in range(max(len(per.bands) for per in periods)):
        up_terms, rate_terms = [], []
        for p, per in enumerate(periods):
            bb = min(b, len(per.bands) - 1)
            up_terms.append(in_force[p] * I(f"tax.small_enterprise_periods.{p}.bands.{bb}.upto_cny"))
            if b < len(per.bands):
                rate_terms.append(in_force[p] * I(f"tax.small_enterprise_periods.{p}.bands.{b}.rate"))
        m.row(S, f"se_band_{b}_upto", "CNY", f"Band {b + 1}: upper end of taxable income", f"第{b + 1}档 应纳税所得额上限",
              SUM(*up_terms))
        m.row(S, f"se_band_{b}_rate", "fraction", f"Band {b + 1}: effective rate", f"第{b + 1}档 实际税负率",
              SUM(*rate_terms))
