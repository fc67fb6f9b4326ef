"""Tax: VAT payable and the credit carried forward, surcharges, profit and income tax.

Income tax by calendar year (docs/model.md section 4): the standard rate, or for a small low-profit
enterprise the bands of the period in force while taxable income is at most the threshold (a
cliff: above it the whole income pays the standard rate); losses carried forward up to
``tax.loss_carryforward_years`` years, oldest first. The tax is computed twice: on the actual
(levered) profit, and on the profit before interest for the project cash flow (docs/model.md: project
FCF uses the tax on unlevered profit); without a loan the two are the same.
"""

from __future__ import annotations

from .core import Model
from .expr import IF, MAX, MIN, SUM

C = "calcs"


def build(m: Model) -> None:
    _vat(m)
    _profit(m)
    _income_tax(m)


def _vat(m: Model) -> None:
    m.blank(C)
    m.heading(C, "VAT payable and credit", "增值税")
    out, in_opex, in_capex = m["vat_output"], m["vat_input_opex"], m["vat_input_capex"]
    before = m.row(C, "vat_credit_before_refund", "CNY", "VAT credit before any refund", "退税前留抵税额")
    credit = m.row(C, "vat_credit", "CNY", "VAT credit carried forward", "留抵税额", role="item")
    before.expr = MAX(credit.prev + in_opex + in_capex - out, 0)
    refund_year = m.I("tax.vat_credit_refund_year")
    refund = m.row(C, "vat_credit_refund", "CNY", "Excess input VAT refunded (增量留抵退税)", "留抵退税",
                   IF(refund_year.eq(""), 0, before * m["calendar_year"].eq(refund_year)), role="item")
    credit.expr = before - refund
    m.row(C, "vat_payable", "CNY", "VAT payable", "应纳增值税", MAX(out - in_opex - in_capex - credit.prev, 0), role="item")
    forfeit = m.row(C, "vat_credit_forfeited", "CNY", "VAT credit forfeited at hand-back", "期末留抵税额转出",
                    credit * m["last"], role="item")
    m.row(C, "writeoff", "CNY", "Write-offs at hand-back", "期末核销", m["writeoff_capital"] + forfeit, role="item")
    m.row(C, "capital_grant_investing", "CNY", "Capital grant (investing inflow)", "资本金补助(投资流入)",
          m["capital_grant"] * (1 - m.I("support.capital_grant_taxable")), role="item")


def _profit(m: Model) -> None:
    I = m.I
    tx = "tax"
    m.blank(C)
    m.heading(C, "Profit and income tax", "利润与所得税")
    general = m["general_taxpayer"]
    pre = m.row(C, "ebitda_before_surcharges", "CNY", "EBITDA before surcharges", "扣除附加税费前的EBITDA",
                m["revenue"] + m["support"] - m["opex"] - m["pre_operating_cost"] - m["handback_cost"])
    taxable = m.row(C, "taxable_income", "CNY", "Taxable income after losses", "应纳税所得额", role="item")
    factor_a = m.row(C, "surcharge_factor_small_scale", "factor", "Surcharges payable, after the small-scale relief",
                     "附加税费应缴比例(小规模纳税人减半后)",
                     IF(m["relief_small_scale"] * (1 - general), I(f"{tx}.surcharge_relief_small_scale.factor"), 1))
    factor = m.row(C, "surcharge_factor", "factor",
                   "Surcharges payable, after all relief (small enterprise: last year's taxable income)",
                   "附加税费应缴比例(含小型微利企业减半,按上年应纳税所得额)",
                   IF(m["relief_small_enterprise"] * general * taxable.prev.le(I(f"{tx}.small_enterprise_threshold_cny")),
                      MIN(factor_a, I(f"{tx}.surcharge_relief_small_enterprise.factor")), factor_a))
    surch = m.row(C, "surcharges", "CNY", "Surcharges on VAT", "税金及附加", I(f"{tx}.surcharge_rate") * m["vat_payable"] * factor,
                  role="item")
    ebitda = m.row(C, "ebitda", "CNY", "EBITDA", "息税折旧摊销前利润", pre - surch, role="item")
    ebit = m.row(C, "ebit", "CNY", "EBIT", "息税前利润", ebitda - m["amortisation"] - m["writeoff"], role="item")
    m.row(C, "ebt", "CNY", "Profit before tax", "利润总额", ebit - m["interest"], role="item")
    t, preop = m["t"], m["pre_operating_cost"]
    deduct = m.row(C, "pre_operating_deduction", "CNY", "Pre-operating cost deducted when operation starts",
                   "开办费(开始经营之日所在年度扣除)", preop.prev * t.eq(1))
    adj = m.row(C, "tax_adjustments", "CNY",
                "Tax adjustments (less taxable income): own services counted in part, non-taxable subsidy above "
                "the costs it funds, pre-operating cost deducted in year 1 instead of year 0",
                "纳税调整减少额(自营服务收入的免计部分;不征税补贴超过其对应成本的部分;开办费于开始经营年度扣除)",
                (1 - I(f"{tx}.own_services_income_factor")) * m["own_services"]
                * m["calendar_year"].le(I(f"{tx}.own_services_factor_to_year"))
                + (1 - I("support.subsidy_taxable")) * MAX(0, m["subsidy"] - m["opex"]) + deduct - preop)
    x_u = m.row(C, "tax_base_unlevered", "CNY", "Taxable profit before losses, unlevered", "弥补亏损前应纳税所得额(不含利息)",
                ebitda - (m["amortisation"] + m["writeoff"]) - adj)
    m.row(C, "tax_base", "CNY", "Taxable profit before losses", "弥补亏损前应纳税所得额", x_u - m["interest"])


def _losses(m: Model, x, key: str, en: str, zh: str, taxable=None, expired_key: str | None = None):
    """FIFO loss carry-forward over Y years: one row per loss age (1..Y), looking back one year only.

    Profit uses the oldest losses first: ``room`` rows carry what is left of this year's profit
    after the older losses (room = MAX(room of the next older age - that loss, 0)); the loss of
    age a left this year is last year's loss of age a-1 less what the room takes of it; a loss
    older than Y years expires. Taxable income is the room left after every loss.
    """
    Y = m.a.tax.loss_carryforward_years
    new = m.row(C, f"{key}_loss_new", "CNY", f"{en}: loss of the year", f"{zh}: 当年亏损", MAX(0 - x, 0))
    profit = m.row(C, f"{key}_profit", "CNY", f"{en}: profit of the year (before losses)", f"{zh}: 当年盈利(弥补亏损前)",
                   MAX(x, 0))
    ages = [m.row(C, f"{key}_loss_age_{age}", "CNY", f"{en}: loss {age} year(s) old left after use",
                  f"{zh}: {age}年前亏损(弥补后余额)") for age in range(1, Y + 1)]
    avail = ([new] + ages)[:Y]                     # age a this year = age a-1 last year
    if taxable is None:
        taxable = m.row(C, f"{key}_taxable", "CNY", f"{en}: taxable income after losses", f"{zh}: 弥补亏损后应纳税所得额")
    room = profit
    for age in range(Y, 0, -1):                    # oldest first
        loss = avail[age - 1].prev
        ages[age - 1].expr = loss - MIN(loss, room)
        left = MAX(room - loss, 0)
        if age > 1:
            room = m.row(C, f"{key}_room_{age}", "CNY", f"{en}: profit left after losses {age}+ years old",
                         f"{zh}: 弥补{age}年及以上亏损后的剩余盈利", left)
        else:
            room = left                            # after every loss: the taxable income
    taxable.expr = room
    if expired_key:
        m.row(C, expired_key, "CNY", "Tax losses expired", "过期未弥补亏损", ages[-1] if ages else new, role="item")
    return taxable


def _band_tax(m: Model, x, key: str, en: str, zh: str):
    """Income tax at the small-enterprise bands in force (band rows of the Time sheet)."""
    bands = sorted(int(k.split("_")[2]) for k in m.by_key if k.startswith("se_band_") and k.endswith("_upto"))
    if not bands:
        return None
    terms = []
    for b in bands:
        up = m[f"se_band_{b}_upto"]
        lo = m[f"se_band_{b - 1}_upto"] if b > 0 else None
        width = MAX(up - lo, 0) if lo is not None else MAX(up, 0)
        over_lo = MAX(x - lo, 0) if lo is not None else MAX(x, 0)
        terms.append(m[f"se_band_{b}_rate"] * MIN(over_lo, width))
    return m.row(C, key, "CNY", en, zh, SUM(*terms))


def _tax_on(m: Model, x, band_tax):
    I = m.I
    std = I("tax.income_tax_rate") * x
    if band_tax is None:
        return (1 - m["tax_holiday"]) * std
    small = I("tax.small_enterprise_relief") * m["se_any"] * x.le(I("tax.small_enterprise_threshold_cny"))
    return (1 - m["tax_holiday"]) * IF(small, band_tax, std)


def _income_tax(m: Model) -> None:
    taxable = _losses(m, m["tax_base"], "levered", "Levered", "含利息", taxable=m["taxable_income"],
                      expired_key="tax_losses_expired")
    taxable_u = _losses(m, m["tax_base_unlevered"], "unlevered", "Unlevered", "不含利息")
    bt_l = _band_tax(m, taxable, "band_tax", "Income tax at the small-enterprise bands", "按小型微利企业档次计算的所得税")
    bt_u = _band_tax(m, taxable_u, "band_tax_unlevered", "Income tax at the small-enterprise bands, unlevered",
                     "按小型微利企业档次计算的调整所得税")
    tax_l = m.row(C, "income_tax", "CNY", "Income tax", "企业所得税", _tax_on(m, taxable, bt_l), role="item")
    # without a loan the profit before interest is the profit: the same tax (and the same bits)
    m.row(C, "income_tax_unlevered", "CNY", "Income tax on unlevered profit", "调整所得税",
          IF(m.I("financing.loan.amount_cny").eq(0), tax_l, _tax_on(m, taxable_u, bt_u)), role="item")
    m.row(C, "net_income", "CNY", "Net income", "净利润", m["ebt"] - tax_l, role="item")
