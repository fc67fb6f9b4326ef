"""The engine, line by line, as workbook rows (Time, Calcs, Statements, Checks).

Each row is one expression (:mod:`.expr`): the Excel formula of every year column and the
Python evaluation of its cached values. The Calcs rows reproduce ``finmodel.engine.project``
line by line (same names as the engine's line items, in the same order as its code); helper
rows show the intermediate steps the engine keeps in local variables. Amounts are in 万元:
every CNY input is divided by 10000 where it enters a calculation. The only constants inside
formulas are 0, 1, 12, 365 and 10000; every other number (VAT rates by year, income-tax bands,
the surcharge relief, 0.9 of own-service income, ...) is an input or a Time row.

What a formula cannot change: the number of year columns (the concession length) and the
number of loss vintages (the carry-forward years) are structural; so are the number of tiers,
fee steps, refits and tax periods. Every other input, choices included (VAT status, stream
modes, repayment profile, the tax treatment of support), is live.
"""

from __future__ import annotations

from ..assumptions import Assumptions
from ..lineitems import REGISTRY, label as item_label, unit as item_unit
from .expr import CLIP, IF, LOOKUP, MAX, MIN, MOD, SUM, Name, VintageAmort
from .inputs import name_of
from .model import Model, Row

UNIT_OF_ITEM = {"CNY": "wan", "fraction": "pct", "index": "index", "flag": "flag", "m2": "m2",
                "spaces": "spaces", "CNY/m2/month": "fee"}


class _Inputs:
    """Input names with their values, from the assumptions."""

    def __init__(self, a: Assumptions):
        self.a = a
        self.data = a.model_dump()

    def value(self, path: str):
        d = self.data
        for p in path.split("."):
            d = d[int(p)] if isinstance(d, list) else d[p]
        return d

    def __call__(self, path: str) -> Name:
        return Name(name_of(path), self.value(path))

    def table(self, table: str, field: str) -> Name:
        values = [row[field] for row in self.value(table)]
        return Name(table_name(table, field), values)


def table_name(table: str, field: str) -> str:
    return "tbl_" + table.replace(".", "_") + "_" + field


def build(a: Assumptions, *, tax_relief_cny=None) -> Model:
    """All rows of Time, Calcs, Statements, Government view and Checks for one scenario (not yet evaluated).

    ``tax_relief_cny`` is the tax relief granted by year (CNY, ``government.compute``'s
    ``tax_relief`` row of this scenario), the one static row of the Government view; computed
    here from a projection when not given.
    """
    N = a.scenario.concession_years
    m = Model(N + 1)
    I = _Inputs(a)

    def item(sheet, key, expr, **kw) -> Row:
        en, zh = item_label(key, "en"), item_label(key, "zh")
        return m.row(sheet, key, UNIT_OF_ITEM[item_unit(key)], en, zh, expr, item=True, style="item", **kw)

    # ================================================================= Time
    S = "time"
    m.heading(S, "Time axis", "时间轴")
    counter = m.row(S, "period", "count", "Period counter", "期数")
    counter.expr = counter.prev + 1
    t = m.row(S, "t", "idx", "Year index (0 = renovation year)", "年序(0=改造年)", counter - 1)
    cal = m.row(S, "calendar_year", "year", "Calendar year", "年份", I("scenario.start_year") + t)
    op = m.row(S, "op", "flag", "Operating year flag", "运营期标志", t.ge(1) * 1, style="flag")
    first = m.row(S, "first", "flag", "Renovation year flag", "改造年标志", t.eq(0) * 1, style="flag")
    last = m.row(S, "last", "flag", "Hand-back year flag", "移交年标志", t.eq(I("scenario.concession_years")) * 1,
                 style="flag")
    before_last = m.row(S, "before_last", "flag", "Before hand-back flag", "移交年前标志",
                        t.lt(I("scenario.concession_years")) * 1, style="flag")
    m.blank(S)
    m.heading(S, "Escalation", "价格指数")
    cpi = item(S, "cpi_index", (1 + I("macro.cpi_inflation")) ** (t - 1) * op)
    wage = item(S, "wage_index", (1 + I("macro.wage_inflation")) ** (t - 1) * op)
    m.blank(S)
    m.heading(S, "Tax rates by calendar year", "分年度税率")
    vat_rows = {}
    zh_names = {"general_leasing": "一般纳税人 租赁税率", "general_service": "一般纳税人 服务税率",
                "small_leasing": "小规模纳税人 租赁征收率", "small_service": "小规模纳税人 服务征收率"}
    en_names = {"general_leasing": "VAT, general taxpayer, leasing", "general_service": "VAT, general taxpayer, services",
                "small_leasing": "VAT, small-scale taxpayer, leasing", "small_service": "VAT, small-scale taxpayer, services"}
    for name in ("general_leasing", "general_service", "small_leasing", "small_service"):
        tb = f"tax.vat.{name}"
        vat_rows[name] = m.row(S, f"vat_{name}", "pct", en_names[name], zh_names[name],
                               LOOKUP(MAX(cal, I(f"{tb}.0.from_year")), I.table(tb, "from_year"), I.table(tb, "rate")))
    rss = m.row(S, "relief_small_scale", "flag", "Surcharge relief for small-scale taxpayers in force",
                "小规模纳税人附加减半期", cal.ge(I("tax.surcharge_relief_small_scale.from_year"))
                * cal.le(I("tax.surcharge_relief_small_scale.to_year")), style="flag")
    rse = m.row(S, "relief_small_enterprise", "flag", "Surcharge relief for small low-profit enterprises in force",
                "小型微利企业附加减半期", cal.ge(I("tax.surcharge_relief_small_enterprise.from_year"))
                * cal.le(I("tax.surcharge_relief_small_enterprise.to_year")) * I("tax.small_enterprise_relief"),
                style="flag")
    holiday = m.row(S, "tax_holiday", "flag", "Income-tax holiday year", "所得税免税年",
                    t.ge(1) * t.le(I("support.income_tax_holiday_years")), style="flag")
    periods = a.tax.small_enterprise_periods
    in_force = []
    for p, per in enumerate(periods):
        base = f"tax.small_enterprise_periods.{p}"
        cond = cal.ge(I(f"{base}.from_year")) * cal.le(I(f"{base}.to_year"))
        for q in range(p):
            bq = f"tax.small_enterprise_periods.{q}"
            cond = cond * (1 - cal.ge(I(f"{bq}.from_year")) * cal.le(I(f"{bq}.to_year")))
        in_force.append(m.row(S, f"se_period_{p}", "flag", f"Small-enterprise period {per.from_year}-{per.to_year} in force",
                              f"小型微利企业优惠期 {per.from_year}-{per.to_year}", cond, style="flag"))
    band_up, band_rate = [], []
    if periods:
        any_period = m.row(S, "se_any", "flag", "A small-enterprise period is in force", "处于小型微利企业优惠期",
                           SUM(*in_force), style="flag")
        B = max(len(per.bands) for per in periods)
        for b in range(B):
            up_terms, rate_terms = [], []
            for p, per in enumerate(periods):
                bb = min(b, len(per.bands) - 1)
                up_terms.append(in_force[p] * I(f"tax.small_enterprise_periods.{p}.bands.{bb}.upto_cny"))
                if b < len(per.bands):
                    rate_terms.append(in_force[p] * I(f"tax.small_enterprise_periods.{p}.bands.{b}.rate"))
            band_up.append(m.row(S, f"se_band_{b}_upto", "wan", f"Band {b + 1}: upper end of taxable income",
                                 f"第{b + 1}档 应纳税所得额上限", SUM(*up_terms) / 10000))
            band_rate.append(m.row(S, f"se_band_{b}_rate", "pct", f"Band {b + 1}: effective rate",
                                   f"第{b + 1}档 实际税负率", SUM(*rate_terms)))
    m.blank(S)
    m.heading(S, "Discounting", "折现")
    df_p = m.row(S, "df_project", "factor", "Discount factor, project rate", "折现系数(项目折现率)",
                 1 / (1 + I("discount.project_rate")) ** t)
    df_e = m.row(S, "df_equity", "factor", "Discount factor, equity hurdle rate", "折现系数(资本金基准收益率)",
                 1 / (1 + I("discount.equity_hurdle_rate")) ** t)

    # ================================================================= Calcs
    C = "calcs"

    def ramp(path):
        n = I(f"{path}.ramp_years")
        frac = IF(n.gt(0), MIN(1, (t - 1) / n), 1)
        return (I(f"{path}.start") + (I(f"{path}.target") - I(f"{path}.start")) * frac) * op

    def esc(path):
        return (1 + I(path)) ** (t - 1)

    # ------------------------------------------------------------- property service
    m.heading(C, "Property service", "物业服务")
    ps = "property_service"
    served = item(C, "served_area_m2", (I(f"{ps}.base_area_m2") + I(f"{ps}.expanded_area_m2")
                                        * t.ge(I(f"{ps}.expansion_from_year"))) * op)
    fee = item(C, "property_fee_cny_per_m2_month",
               LOOKUP(MAX(t, I(f"{ps}.fee_steps.0.from_year")), I.table(f"{ps}.fee_steps", "from_year"),
                      I.table(f"{ps}.fee_steps", "fee_cny_per_m2_month")) * op)
    bm_base = m.row(C, "billed_months_base", "months", "Billed months, base area (after the trial)",
                    "计费月数(基础面积,先尝后买后)", CLIP(12 * t - I(f"{ps}.trial_months"), 0, 12) * op)
    bm_exp = m.row(C, "billed_months_expanded", "months", "Billed months, expanded area", "计费月数(新增面积)",
                   CLIP(12 * (t - I(f"{ps}.expansion_from_year") + 1) - I(f"{ps}.expansion_trial_months"), 0, 12) * op)
    billed = item(C, "property_fees_billed", fee * (I(f"{ps}.base_area_m2") * bm_base
                                                   + I(f"{ps}.expanded_area_m2") * bm_exp) / 10000)
    collection = item(C, "collection_rate", ramp(f"{ps}.collection"))
    fees_drv = m.row(C, "fees_collected_drivers", "wan", "Property fees collected, from the drivers (VAT incl.)",
                     "物业费实收(按面积与单价,含税)", billed * collection)
    team = item(C, "cost_property_team", I(f"{ps}.fixed_team_cny_per_year") / 10000 * wage)
    var = item(C, "cost_property_variable", I(f"{ps}.variable_cost_cny_per_m2_year") * served / 10000 * wage)
    mat = item(C, "cost_property_materials", I(f"{ps}.materials_cny_per_m2_year") * served / 10000 * cpi)

    # ------------------------------------------------------------- space rent by tier
    m.blank(C)
    m.heading(C, "Idle space: rent by tier", "闲置空间: 分业态租金")
    sp = "space"
    rents, contracts, lets = [], [], []
    for i, tier in enumerate(a.space.tiers):
        tp = f"{sp}.tiers.{i}"
        name_zh = tier.label_zh or tier.name
        occ = m.row(C, f"tier_{i}_occupancy", "pct", f"{tier.name}: occupancy", f"{name_zh}: 出租率", ramp(f"{tp}.occupancy"))
        let = m.row(C, f"tier_{i}_let_area", "m2", f"{tier.name}: area let", f"{name_zh}: 出租面积",
                    I(f"{sp}.total_area_m2") * I(f"{sp}.leasable_ratio") * I(f"{tp}.share") * occ)
        roll = m.row(C, f"tier_{i}_rent_roll", "wan", f"{tier.name}: contracted rent for a full year (VAT incl.)",
                     f"{name_zh}: 全年合同租金(含税)", let * I(f"{tp}.rent_cny_per_m2_day") * 365 * esc(f"{tp}.escalation") / 10000)
        rent_free = CLIP(I(f"{tp}.rent_free_months") - 12 * (t - 1), 0, 12) * op
        relet = t.gt(1) * MOD(t - 1, I(f"{tp}.lease_years")).eq(0)
        months = m.row(C, f"tier_{i}_billed_months", "months", f"{tier.name}: billed months (rent-free, re-letting vacancy)",
                       f"{name_zh}: 计租月数(扣除免租与换租空置)",
                       CLIP(12 - rent_free - I(f"{tp}.relet_vacancy_months") * relet, 0, 12) * op)
        rents.append(item(C, f"rent_tier_{i}", roll * months / 12))
        contracts.append(roll)
        lets.append(let)
    occupied = item(C, "occupied_area_m2", SUM(*lets))
    roll_monthly = m.row(C, "rent_roll_monthly", "wan", "Monthly rent roll (VAT incl.)", "月租金(含税)",
                         SUM(*[c * op / 12 for c in contracts]))
    rent_gross = item(C, "rent_gross", SUM(*rents))
    space_opex = item(C, "cost_space", I(f"{sp}.opex_cny_per_m2_year") * I(f"{sp}.total_area_m2") / 10000 * cpi)

    # ------------------------------------------------------------- parking
    m.blank(C)
    m.heading(C, "Parking", "停车")
    pk = "parking"
    spaces = item(C, "parking_spaces", (I(f"{pk}.existing_spaces") + I(f"{pk}.new_spaces")
                                        * t.ge(I(f"{pk}.new_spaces_from_year"))) * op)
    util = item(C, "parking_utilisation", ramp(f"{pk}.utilisation"))
    pk_all = m.row(C, "parking_all", "wan", "Parking fees, all spaces (VAT incl.)", "停车费(含税,全部车位)",
                   spaces * util * I(f"{pk}.fee_cny_per_space_month") * 12 * esc(f"{pk}.escalation") / 10000)
    owners_share = I("owners.common_area_income_share")
    owners_pk = m.row(C, "owners_parking", "wan", "Owners' share of parking on common land", "业主共有道路停车收益分成",
                      pk_all * I(f"{pk}.common_land_share") * owners_share)
    pk_opex = item(C, "cost_parking", I(f"{pk}.opex_cny_per_space_year") * spaces / 10000 * cpi)

    # ------------------------------------------------------------- other revenue
    m.blank(C)
    m.heading(C, "Other revenue", "其他收入")
    ot = "other"
    adv_all = m.row(C, "advertising_all", "wan", "Advertising, all (VAT incl.)", "广告收入(含税,全部)",
                    I(f"{ot}.advertising_cny_per_year") / 10000 * esc(f"{ot}.escalation") * op)
    owners_adv = m.row(C, "owners_advertising", "wan", "Owners' share of advertising", "业主广告收益分成", adv_all * owners_share)
    own = item(C, "own_services", I(f"{ot}.own_services_cny_per_year") / 10000 * ramp(f"{ot}.own_services_volume")
               * esc(f"{ot}.escalation"))
    own_cost = item(C, "cost_own_services", own * I(f"{ot}.own_services_cost_ratio"))
    other_serv = m.row(C, "other_services", "wan", "Other taxable services (VAT incl.)", "其他应税服务收入(含税)",
                       I(f"{ot}.other_services_cny_per_year") / 10000 * esc(f"{ot}.escalation") * op)

    # ------------------------------------------------------------- VAT status and rates
    m.blank(C)
    m.heading(C, "VAT status and rates in force", "增值税纳税人身份与适用税率")
    sl, ss = vat_rows["small_leasing"], vat_rows["small_service"]
    gl, gs = vat_rows["general_leasing"], vat_rows["general_service"]

    def cat_rate(i, leasing, service):
        cat = I(f"space.tiers.{i}.vat_category")
        return IF(cat.eq("leasing"), leasing, IF(cat.eq("service"), service, 0))

    anchor = I("mix.rent_share")
    rent_small = m.row(C, "rent_net_small_scale", "wan", "Rent net of VAT at small-scale rates", "租金收入(按小规模征收率,不含税)",
                       SUM(*[r / (1 + cat_rate(i, sl, ss)) for i, r in enumerate(rents)]))

    def shared(stream, rent_net):
        return rent_net * I(f"{stream}.share_of_revenue") / anchor

    sales_small = m.row(
        C, "sales_small_scale", "wan", "Sales net of VAT at small-scale status (for the general-taxpayer threshold)",
        "小规模纳税人口径销售额(不含税)",
        rent_small
        + IF(I(f"{ps}.mode").eq("share"), shared(ps, rent_small), fees_drv / (1 + ss))
        + IF(I(f"{pk}.mode").eq("share"), shared(pk, rent_small), (pk_all - owners_pk) / (1 + sl))
        + IF(I(f"{ot}.mode").eq("share"), shared(ot, rent_small),
             (adv_all - owners_adv) / (1 + sl) + own + other_serv / (1 + ss)))
    over = m.row(C, "over_threshold", "flag", "Sales above the general-taxpayer threshold", "销售额超过一般纳税人标准",
                 sales_small.gt(I("tax.general_threshold_cny") / 10000) * 1, style="flag")
    status = I("tax.taxpayer_status")
    general = item(C, "general_taxpayer", None)
    general.expr = IF(status.eq("general"), 1, IF(status.eq("small_scale"), 0, (general.prev + over.prev).gt(0) * 1))
    general.style = "flag"
    lr = m.row(C, "vat_rate_leasing", "pct", "VAT rate in force, leasing", "适用增值税率(租赁)", general * gl + (1 - general) * sl)
    sr = m.row(C, "vat_rate_service", "pct", "VAT rate in force, services", "适用增值税率(服务)", general * gs + (1 - general) * ss)

    # ------------------------------------------------------------- revenue
    m.blank(C)
    m.heading(C, "Revenue", "营业收入")
    rev_rent = item(C, "rev_rent", SUM(*[r / (1 + cat_rate(i, lr, sr)) for i, r in enumerate(rents)]))
    is_share = {s: I(f"{s}.mode").eq("share") for s in (ps, pk, ot)}
    fees_g = item(C, "property_fees_collected", IF(is_share[ps], shared(ps, rev_rent) * (1 + sr), fees_drv))
    park_g = item(C, "parking_gross", IF(is_share[pk], shared(pk, rev_rent) * (1 + lr), pk_all - owners_pk))
    other_g = item(C, "other_gross", IF(is_share[ot], shared(ot, rev_rent) * (1 + sr), adv_all - owners_adv + own + other_serv))
    item(C, "owners_share_paid", owners_pk * I(f"{pk}.mode").eq("drivers") + owners_adv * I(f"{ot}.mode").eq("drivers"))
    fees_net = item(C, "rev_property_fees", IF(is_share[ps], shared(ps, rev_rent), fees_g / (1 + sr)))
    park_net = item(C, "rev_parking", IF(is_share[pk], shared(pk, rev_rent), park_g / (1 + lr)))
    other_net = item(C, "rev_other", IF(is_share[ot], shared(ot, rev_rent),
                                        (adv_all - owners_adv) / (1 + lr) + own + other_serv / (1 + sr)))
    revenue = item(C, "revenue", rev_rent + park_net + fees_net + other_net)
    for stream, net in (("rent", rev_rent), ("parking", park_net), ("property_fees", fees_net), ("other", other_net)):
        if f"mix_{stream}" in REGISTRY:
            item(C, f"mix_{stream}", IF(revenue.ne(0), net / revenue, 0))

    # ------------------------------------------------------------- support
    m.blank(C)
    m.heading(C, "Government support", "政府支持")
    su = "support"
    sub_g = item(C, "subsidy_received",
                 I(f"{su}.subsidy_annual_cny") / 10000 * MAX(0, 1 - I(f"{su}.subsidy_step_down") * (t - I(f"{su}.subsidy_first_year")))
                 * t.ge(I(f"{su}.subsidy_first_year")) * t.le(I(f"{su}.subsidy_last_year")) * op)
    subsidy = item(C, "subsidy", sub_g / (1 + I(f"{su}.subsidy_vat").eq("purchased_service") * sr))
    grant = item(C, "capital_grant", I(f"{su}.capital_grant_cny") / 10000 * t.eq(I(f"{su}.capital_grant_year")))
    grant_taxable = I(f"{su}.capital_grant_taxable")
    support = item(C, "support", subsidy + grant * grant_taxable)
    vat_out = item(C, "vat_output", (rent_gross - rev_rent) + (fees_g - fees_net) + (park_g - park_net)
                   + (other_g - other_net) + (sub_g - subsidy))

    # ------------------------------------------------------------- costs
    m.blank(C)
    m.heading(C, "Operating costs", "经营成本")
    ov = "overheads"
    mgmt = item(C, "cost_management", I(f"{ov}.management_cny_per_year") / 10000 * wage)
    ov_other = item(C, "cost_overheads_other", I(f"{ov}.other_cny_per_year") / 10000 * cpi)

    def credit(gross, rate_path):
        r = I(rate_path)
        return gross * r / (1 + r)

    in_opex = item(C, "vat_input_opex", (credit(mat, f"{ps}.materials_input_vat_rate") + credit(space_opex, f"{sp}.opex_input_vat_rate")
                                         + credit(pk_opex, f"{pk}.opex_input_vat_rate")
                                         + credit(ov_other, f"{ov}.other_input_vat_rate")) * general)
    opex_paid = item(C, "opex_paid", SUM(team, var, mat, space_opex, pk_opex, own_cost, mgmt, ov_other))
    opex = item(C, "opex", opex_paid - in_opex)
    if "property_segment_result" in REGISTRY:
        item(C, "property_segment_result", fees_net - team - var - (mat - credit(mat, f"{ps}.materials_input_vat_rate") * general))
    preop = item(C, "pre_operating_cost", I("capex.pre_operating_cost_cny") / 10000 * first)
    handback = item(C, "handback_cost", I("capex.handback_cost_cny") / 10000 * cpi * last)

    # ------------------------------------------------------------- capital
    m.blank(C)
    m.heading(C, "Capital spending and amortisation", "投资与摊销")
    cx = "capex"
    renov_paid = m.row(C, "renovation_paid", "wan", "Renovation paid (VAT incl.)", "改造投资(含税)",
                       I(f"{cx}.renovation_cny") / 10000 * first)
    refit_paid = []
    for i, rf in enumerate(a.capex.refits):
        refit_paid.append(m.row(C, f"refit_{i}_paid", "wan", f"Refit '{rf.label}' paid (VAT incl.)",
                                f"更新改造 '{rf.label}'(含税)",
                                I(f"{cx}.refits.{i}.amount_cny") / 10000 * cpi * t.eq(I(f"{cx}.refits.{i}.year"))))
    every = I(f"{cx}.periodic_refit_every_years")
    periodic_paid = m.row(C, "periodic_refit_paid", "wan", "Periodic refits paid (VAT incl.)", "周期性更新投资(含税)",
                          IF(every.gt(0), MOD(t, every).eq(0) * t.lt(I("scenario.concession_years"))
                             * I(f"{cx}.periodic_refit_cny") / 10000 * cpi, 0))
    refits = item(C, "refits_paid", SUM(*refit_paid, periodic_paid))
    capex_paid = item(C, "capex_paid", renov_paid + refits)
    cap_rate = I(f"{cx}.input_vat_rate")
    in_capex = item(C, "vat_input_capex", capex_paid * cap_rate / (1 + cap_rate) * general)
    capex = item(C, "capex", capex_paid - in_capex)

    def vintage_block(key, en, zh, spend_expr, life_expr):
        spend = m.row(C, f"{key}_net", "wan", f"{en}: amortisable amount", f"{zh}: 计提摊销基数", spend_expr)
        mm = m.row(C, f"{key}_years", "years", f"{en}: amortisation years of a spend in this year",
                   f"{zh}: 当年支出的摊销年限", MIN(life_expr, I("scenario.concession_years") - t))
        rate = m.row(C, f"{key}_charge", "wan", f"{en}: yearly charge of a spend in this year",
                     f"{zh}: 当年支出的年摊销额", IF(mm.gt(0), spend / mm, 0))
        amort = m.row(C, f"{key}_amortisation", "wan", f"{en}: amortisation", f"{zh}: 摊销",
                      VintageAmort(rate, mm, t))
        return spend, amort

    def net_of_credit(paid):
        return paid - paid * cap_rate / (1 + cap_rate) * general

    blocks = [vintage_block("renovation", "Renovation", "改造投资", net_of_credit(renov_paid), I(f"{cx}.life_years"))]
    for i, rf in enumerate(a.capex.refits):
        blocks.append(vintage_block(f"refit_{i}", f"Refit '{rf.label}'", f"更新改造 '{rf.label}'",
                                    net_of_credit(refit_paid[i]), I(f"{cx}.refits.{i}.life_years")))
    blocks.append(vintage_block("periodic_refit", "Periodic refits", "周期性更新", net_of_credit(periodic_paid),
                                I(f"{cx}.periodic_refit_life_years")))
    blocks.append(vintage_block("grant", "Capital grant (net method)", "资本金补助(冲减摊销基数)", -grant * (1 - grant_taxable),
                                MAX(1, I(f"{cx}.life_years") - I(f"{su}.capital_grant_year"))))
    spend_total = m.row(C, "amortisable_total", "wan", "Amortisable spending, all", "计提摊销基数合计", SUM(*[b[0] for b in blocks]))
    amort = item(C, "amortisation", SUM(*[b[1] for b in blocks]))
    book = m.row(C, "book_value", "wan", "Unamortised balance (long-term prepaid expenses)", "长期待摊费用余额")
    # Every spend before year N is fully amortised by year N (its amortisation years are at most N - v);
    # only a spend in year N itself (amortisation years 0) is written off, at once.
    wo_cap = m.row(C, "writeoff_capital", "wan", "Unamortised balance written off at hand-back", "期末未摊销余额核销",
                   last * spend_total)
    book.expr = book.prev + spend_total - amort - wo_cap

    # ------------------------------------------------------------- VAT payable and credit
    m.blank(C)
    m.heading(C, "VAT payable and credit", "增值税")
    vat_credit = item(C, "vat_credit", None)
    vat_credit.expr = MAX(vat_credit.prev + in_opex + in_capex - vat_out, 0)
    payable = item(C, "vat_payable", MAX(vat_out - in_opex - in_capex - vat_credit.prev, 0))
    forfeit = item(C, "vat_credit_forfeited", vat_credit * last)
    writeoff = item(C, "writeoff", wo_cap + forfeit)
    grant_inv = item(C, "capital_grant_investing", grant * (1 - grant_taxable))

    # ------------------------------------------------------------- loan
    m.blank(C)
    m.heading(C, "Policy loan", "政策性贷款")
    ln = "financing.loan"
    D = I(f"{ln}.amount_cny") / 10000
    r = I(f"{ln}.rate")
    n = I(f"{ln}.tenor_years") - I(f"{ln}.grace_years")
    jrow = m.row(C, "loan_periods_repaid", "years", "Repayment years elapsed", "已还款年数",
                 CLIP(t - I(f"{ln}.grace_years"), 0, n))
    linear = D * (1 - jrow / n)
    annuity = IF(r.gt(0), D * ((1 + r) ** n - (1 + r) ** jrow) / ((1 + r) ** n - 1), linear)
    balance = item(C, "loan_balance", IF(I(f"{ln}.repayment").eq("annuity"), annuity, linear))
    draw = item(C, "loan_draw", D * first)
    interest = item(C, "interest", r * balance.prev * op)
    principal = item(C, "principal", (balance.prev - balance) * op)
    debt_service = item(C, "debt_service", interest + principal)

    # ------------------------------------------------------------- profit and income tax
    m.blank(C)
    m.heading(C, "Profit and income tax", "利润与所得税")
    tx = "tax"
    pre_ebitda = m.row(C, "ebitda_before_surcharges", "wan", "EBITDA before surcharges", "扣除附加税费前的EBITDA",
                       revenue + support - opex - preop - handback)
    thr = I(f"{tx}.small_enterprise_threshold_cny") / 10000
    taxable = item(C, "taxable_income", None)
    factor_a = m.row(C, "surcharge_factor_small_scale", "factor", "Surcharges payable, after the small-scale relief",
                     "附加税费应缴比例(小规模纳税人减半后)",
                     IF(rss * (1 - general), I(f"{tx}.surcharge_relief_small_scale.factor"), 1))
    factor = m.row(C, "surcharge_factor", "factor", "Surcharges payable, after all relief (small enterprise: last year's taxable income)",
                   "附加税费应缴比例(含小型微利企业减半,按上年应纳税所得额)",
                   IF(rse * general * taxable.prev.le(thr), MIN(factor_a, I(f"{tx}.surcharge_relief_small_enterprise.factor")),
                      factor_a))
    surch = item(C, "surcharges", I(f"{tx}.surcharge_rate") * payable * factor)
    ebitda = item(C, "ebitda", pre_ebitda - surch)
    ebit = item(C, "ebit", ebitda - amort - writeoff)
    ebt = item(C, "ebt", ebit - interest)
    adj = m.row(C, "tax_adjustments", "wan", "Income not taxed (10 % of own services; non-taxable subsidy above the costs it funds)",
                "不计税收入(自营服务收入的免计部分;不征税补贴超过其对应成本的部分)",
                (1 - I(f"{tx}.own_services_income_factor")) * own
                + (1 - I(f"{su}.subsidy_taxable")) * MAX(0, subsidy - opex))
    x_u = m.row(C, "tax_base_unlevered", "wan", "Taxable profit before losses, unlevered", "弥补亏损前应纳税所得额(不含利息)",
                ebitda - (amort + writeoff) - adj)
    x_l = m.row(C, "tax_base", "wan", "Taxable profit before losses", "弥补亏损前应纳税所得额", x_u - interest)
    Y = a.tax.loss_carryforward_years

    def losses(x, key, en, zh, taxable_row=None, expired_key=None):
        """FIFO loss carry-forward over Y years, one row per vintage age (1..Y), looking back one year only."""
        new = m.row(C, f"{key}_loss_new", "wan", f"{en}: loss of the year", f"{zh}: 当年亏损", MAX(0 - x, 0))
        ages = []
        for age in range(1, Y + 1):
            ages.append(m.row(C, f"{key}_loss_age_{age}", "wan", f"{en}: loss {age} year(s) old left after use",
                              f"{zh}: {age}年前亏损(弥补后余额)"))
        prev_rows = ([new] + ages)[:Y]                # age a this year = age a-1 last year
        pos = MAX(x, 0)
        for a_i, row in enumerate(ages):
            avail = prev_rows[a_i].prev
            older = [prev_rows[b].prev for b in range(a_i + 1, Y)]
            room = MAX(pos - SUM(*older), 0) if older else pos
            row.expr = avail - MIN(avail, room)
        if taxable_row is None:
            taxable_row = m.row(C, f"{key}_taxable", "wan", f"{en}: taxable income after losses", f"{zh}: 弥补亏损后应纳税所得额")
        avail_all = [p.prev for p in prev_rows]
        taxable_row.expr = MAX(pos - SUM(*avail_all), 0) if avail_all else pos
        if expired_key:
            item(C, expired_key, ages[-1] if ages else new)
        return taxable_row

    def band_tax(x, key, en, zh):
        if not periods:
            return None
        terms = []
        for b in range(len(band_up)):
            lo = band_up[b - 1] if b > 0 else None
            width = MAX(band_up[b] - lo, 0) if lo is not None else MAX(band_up[b], 0)
            over_lo = MAX(x - lo, 0) if lo is not None else MAX(x, 0)
            terms.append(band_rate[b] * MIN(over_lo, width))
        return m.row(C, key, "wan", en, zh, SUM(*terms))

    def income_tax(x, bt):
        std = I(f"{tx}.income_tax_rate") * x
        if bt is None:
            return (1 - holiday) * std
        return (1 - holiday) * IF(I(f"{tx}.small_enterprise_relief") * any_period * x.le(thr), bt, std)

    losses(x_l, "levered", "Levered", "含利息", taxable_row=taxable, expired_key="tax_losses_expired")
    taxable_u = losses(x_u, "unlevered", "Unlevered", "不含利息")
    bt_l = band_tax(taxable, "band_tax", "Income tax at the small-enterprise bands", "按小型微利企业档次计算的所得税")
    bt_u = band_tax(taxable_u, "band_tax_unlevered", "Income tax at the small-enterprise bands, unlevered",
                    "按小型微利企业档次计算的调整所得税")
    tax_l = item(C, "income_tax", income_tax(taxable, bt_l))
    tax_u = item(C, "income_tax_unlevered", income_tax(taxable_u, bt_u))
    ni = item(C, "net_income", ebt - tax_l)

    # ------------------------------------------------------------- working capital
    m.blank(C)
    m.heading(C, "Working capital", "营运资金")
    arrears = item(C, "wc_fees_in_arrears", I(f"{ps}.arrears_months") / 12 * fees_g * before_last)
    deposits = item(C, "wc_deposits", I(f"{sp}.deposit_months") * roll_monthly * before_last)
    advance = item(C, "wc_rent_in_advance", I(f"{sp}.rent_in_advance_months") * roll_monthly * before_last)
    wc = item(C, "working_capital", arrears + vat_credit - deposits - advance)
    d_wc = item(C, "wc_change", wc - wc.prev)

    # ------------------------------------------------------------- cash flows
    m.blank(C)
    m.heading(C, "Cash flows", "现金流量")
    pfcf = item(C, "project_fcf", ebitda - tax_u - capex + grant_inv - d_wc)
    efcf = item(C, "equity_fcf", ebitda - tax_l - capex + grant_inv - d_wc + draw - debt_service)
    cfads = item(C, "cfads", ebitda - tax_l - capex + grant_inv - d_wc)
    receipts = item(C, "cash_receipts", rent_gross + park_g + fees_g + other_g + sub_g + grant + draw
                    + ((deposits + advance) - (deposits.prev + advance.prev)) - (arrears - arrears.prev))
    payments = item(C, "cash_payments", opex_paid + preop + handback + capex_paid + payable + surch + tax_l + interest + principal)
    direct = item(C, "equity_fcf_direct", receipts - payments)
    indirect = item(C, "equity_fcf_indirect", ni + amort + writeoff - capex + grant_inv - d_wc + draw - principal)
    cum_p = item(C, "cum_project_fcf", None)
    cum_p.expr = cum_p.prev + pfcf
    cum_e = item(C, "cum_equity_fcf", None)
    cum_e.expr = cum_e.prev + efcf

    # ------------------------------------------------------------- metrics (rows behind the Summary KPIs)
    m.blank(C)
    m.heading(C, "Payback and DSCR (rows behind the Summary indicators)", "投资回收期与偿债备付率(摘要指标的计算行)")

    def payback_rows(key, en, zh, flows, cum):
        flag = m.row(C, f"{key}_reached", "flag", f"{en}: cumulative cash has been non-negative", f"{zh}: 累计净现金流量已非负",
                     style="flag")
        flag.expr = 1 - (1 - flag.prev) * cum.lt(0)
        first_row = m.row(C, f"{key}_first", "flag", f"{en}: first year with non-negative cumulative cash",
                          f"{zh}: 累计净现金流量首次非负的年份", flag - flag.prev, style="flag")
        part = m.row(C, f"{key}_years", "years", f"{en}: years to pay back (in the first such year)",
                     f"{zh}: 回收期(首次非负年份)",
                     IF(first_row * t.gt(0), t - 1 - cum.prev / flows, 0))
        return first_row, part

    pb_first, pb_years = payback_rows("payback", "Payback", "静态投资回收期", pfcf, cum_p)
    disc = m.row(C, "project_fcf_discounted", "wan", "Project cash flow, discounted", "折现净现金流量", pfcf * df_p)
    cum_disc = m.row(C, "cum_project_fcf_discounted", "wan", "Cumulative discounted project cash flow", "累计折现净现金流量")
    cum_disc.expr = cum_disc.prev + disc
    dpb_first, dpb_years = payback_rows("discounted_payback", "Discounted payback", "动态投资回收期", disc, cum_disc)
    m.row(C, "equity_fcf_discounted", "wan", "Equity cash flow, discounted at the hurdle", "资本金折现净现金流量", efcf * df_e)
    m.row(C, "dscr", "ratio", "DSCR (years with debt service)", "偿债备付率(有还本付息的年份)",
          IF(debt_service.gt(Name("k_min_debt_service", a_min_ds()) / 10000), cfads / debt_service, ""))
    m.row(C, "icr", "ratio", "Interest coverage (EBIT / interest, years with interest)", "利息备付率(有利息的年份)",
          IF(interest.gt(Name("k_min_debt_service", a_min_ds()) / 10000), ebit / interest, ""))

    # ================================================================= Statements
    build_statements(m, a)
    # ================================================================= Government view
    build_government(m, a, tax_relief_cny)
    # ================================================================= Checks
    build_checks(m, a)
    return m


def a_min_ds() -> float:
    """Debt service below a thousandth of a fen is no debt service (as in the engine's DSCR)."""
    return 1e-5


CHECK_TOLERANCE_CNY = 0.01


def build_statements(m: Model, a: Assumptions) -> None:
    S = "statements"
    c = m.by_key

    def line(key, en, zh, expr, style="calc", total=True):
        return m.row(S, key, "wan", en, zh, expr, total=total, style=style)

    # 项目投资现金流量表
    m.heading(S, "Project cash flow statement (unlevered)", "项目投资现金流量表")
    ci = [line("p_in_revenue", "Operating revenue (net of VAT)", "营业收入(不含税)", c["revenue"]),
          line("p_in_support", "Subsidy and taxable grants", "补贴收入", c["support"]),
          line("p_in_grant", "Capital grant (investing inflow)", "资本金补助", c["capital_grant_investing"])]
    p_in = line("p_in", "Cash inflows", "现金流入", SUM(*ci), style="total")
    co = [line("p_out_capex", "Capital spending (net of creditable VAT)", "建设及更新改造投资", c["capex"]),
          line("p_out_wc", "Increase in working capital", "营运资金增加", c["wc_change"]),
          line("p_out_opex", "Operating costs", "经营成本", c["opex"]),
          line("p_out_preop", "Pre-operating cost", "开办费", c["pre_operating_cost"]),
          line("p_out_handback", "Hand-back restoration", "期末移交恢复费用", c["handback_cost"]),
          line("p_out_surcharges", "Surcharges on VAT", "税金及附加", c["surcharges"])]
    p_out_pre = line("p_out_pretax", "Cash outflows before income tax", "所得税前现金流出", SUM(*co), style="total")
    p_net_pre = line("p_net_pretax", "Net cash flow before income tax", "所得税前净现金流量", p_in - p_out_pre, style="total")
    p_tax = line("p_out_tax", "Income tax on unlevered profit", "调整所得税", c["income_tax_unlevered"])
    p_net = line("p_net", "Net cash flow", "所得税后净现金流量", p_net_pre - p_tax, style="total")
    p_cum = line("p_cum", "Cumulative net cash flow", "累计净现金流量", None, style="total", total=False)
    p_cum.expr = p_cum.prev + p_net
    line("p_df", "Discount factor (project rate)", "折现系数", m.by_key["df_project"], total=False).unit = "factor"
    p_disc = line("p_disc", "Discounted net cash flow", "折现净现金流量", p_net * m.by_key["df_project"])
    p_cdisc = line("p_cum_disc", "Cumulative discounted net cash flow", "累计折现净现金流量", None, total=False)
    p_cdisc.expr = p_cdisc.prev + p_disc
    m.blank(S)

    # 项目资本金现金流量表
    m.heading(S, "Equity cash flow statement", "项目资本金现金流量表")
    ei = [line("e_in_revenue", "Operating revenue (net of VAT)", "营业收入(不含税)", c["revenue"]),
          line("e_in_support", "Subsidy and taxable grants", "补贴收入", c["support"]),
          line("e_in_grant", "Capital grant (investing inflow)", "资本金补助", c["capital_grant_investing"]),
          line("e_in_loan", "Loan drawn", "借款", c["loan_draw"])]
    e_in = line("e_in", "Cash inflows", "现金流入", SUM(*ei), style="total")
    eo = [line("e_out_capex", "Capital spending (net of creditable VAT)", "建设及更新改造投资", c["capex"]),
          line("e_out_wc", "Increase in working capital", "营运资金增加", c["wc_change"]),
          line("e_out_principal", "Principal repaid", "借款本金偿还", c["principal"]),
          line("e_out_interest", "Interest paid", "借款利息支付", c["interest"]),
          line("e_out_opex", "Operating costs", "经营成本", c["opex"]),
          line("e_out_preop", "Pre-operating cost", "开办费", c["pre_operating_cost"]),
          line("e_out_handback", "Hand-back restoration", "期末移交恢复费用", c["handback_cost"]),
          line("e_out_surcharges", "Surcharges on VAT", "税金及附加", c["surcharges"]),
          line("e_out_tax", "Income tax", "所得税", c["income_tax"])]
    e_out = line("e_out", "Cash outflows", "现金流出", SUM(*eo), style="total")
    e_net = line("e_net", "Net cash flow to equity", "资本金净现金流量", e_in - e_out, style="total")
    e_cum = line("e_cum", "Cumulative net cash flow to equity", "累计资本金净现金流量", None, style="total", total=False)
    e_cum.expr = e_cum.prev + e_net
    m.blank(S)

    # 利润与利润分配表
    m.heading(S, "Income statement", "利润与利润分配表")
    rv = [line("i_rent", "Rent revenue", "租金收入", c["rev_rent"]),
          line("i_parking", "Parking revenue", "停车费收入", c["rev_parking"]),
          line("i_fees", "Property fee revenue", "物业服务费收入", c["rev_property_fees"]),
          line("i_other", "Other revenue", "其他收入", c["rev_other"])]
    i_rev = line("i_revenue", "Operating revenue (net of VAT)", "营业收入(不含税)", SUM(*rv), style="total")
    i_sup = line("i_support", "Subsidy and taxable grants", "补贴收入", c["support"])
    i_sur = line("i_surcharges", "Surcharges on VAT", "税金及附加", c["surcharges"])
    i_opex = line("i_opex", "Operating costs", "经营成本", c["opex"])
    i_pre = line("i_preop", "Pre-operating cost", "开办费", c["pre_operating_cost"])
    i_hb = line("i_handback", "Hand-back restoration", "期末移交恢复费用", c["handback_cost"])
    i_ebitda = line("i_ebitda", "EBITDA", "息税折旧摊销前利润", i_rev + i_sup - i_sur - i_opex - i_pre - i_hb, style="total")
    i_am = line("i_amortisation", "Amortisation", "摊销", c["amortisation"])
    i_wo = line("i_writeoff", "Write-offs at hand-back", "期末核销", c["writeoff"])
    i_ebit = line("i_ebit", "EBIT", "息税前利润", i_ebitda - i_am - i_wo, style="total")
    i_int = line("i_interest", "Interest", "利息支出", c["interest"])
    i_ebt = line("i_ebt", "Profit before tax", "利润总额", i_ebit - i_int, style="total")
    line("i_loss_used", "Losses of earlier years used", "弥补以前年度亏损",
         MAX(c["tax_base"], 0) - c["taxable_income"])
    line("i_taxable", "Taxable income", "应纳税所得额", c["taxable_income"])
    i_tax = line("i_tax", "Income tax", "所得税", c["income_tax"])
    i_ni = line("i_net_income", "Net income", "净利润", i_ebt - i_tax, style="total")
    i_cum = line("i_cum_net_income", "Cumulative net income", "累计净利润", None, total=False)
    i_cum.expr = i_cum.prev + i_ni
    m.blank(S)

    # 财务计划现金流量表
    m.heading(S, "Financial plan cash flow", "财务计划现金流量表")
    f_op = line("f_operating", "Operating activities: net cash flow", "经营活动净现金流量",
                c["ebitda"] - c["income_tax"] - c["wc_change"], style="total")
    f_inv = line("f_investing", "Investing activities: net cash flow", "投资活动净现金流量",
                 c["capital_grant_investing"] - c["capex"], style="total")
    f_fin = line("f_financing", "Financing activities: net cash flow", "筹资活动净现金流量",
                 c["loan_draw"] - c["interest"] - c["principal"], style="total")
    f_net = line("f_net", "Net cash flow (surplus)", "净现金流量(盈余资金)", f_op + f_inv + f_fin, style="total")
    f_cum = line("f_cum", "Cumulative surplus", "累计盈余资金", None, style="total", total=False)
    f_cum.expr = f_cum.prev + f_net
    m.blank(S)

    # 借款还本付息计划表
    if a.financing.loan.amount_cny > 0:
        m.heading(S, "Loan repayment schedule", "借款还本付息计划表")
        line("l_open", "Opening balance", "期初借款余额", c["loan_balance"].prev, total=False)
        line("l_draw", "Drawn", "当期借款", c["loan_draw"])
        line("l_service", "Debt service", "当期还本付息", c["debt_service"], style="total")
        line("l_principal", "of which principal", "其中: 还本", c["principal"])
        line("l_interest", "of which interest", "其中: 付息", c["interest"])
        line("l_close", "Closing balance", "期末借款余额", c["loan_balance"], total=False)
        r1 = line("l_dscr", "DSCR", "偿债备付率", c["dscr"], total=False)
        r1.unit = "ratio"
        r2 = line("l_icr", "Interest coverage", "利息备付率", c["icr"], total=False)
        r2.unit = "ratio"
        m.blank(S)

    # 资金来源与运用表
    m.heading(S, "Sources and uses of funds", "资金来源与运用表")
    src = [line("s_ebitda", "EBITDA", "息税折旧摊销前利润", c["ebitda"]),
           line("s_loan", "Loan drawn", "借款", c["loan_draw"]),
           line("s_grant", "Capital grant", "资本金补助", c["capital_grant_investing"]),
           line("s_equity", "Equity paid in", "资本金投入", MAX(0 - c["equity_fcf"], 0))]
    s_src = line("s_sources", "Sources", "资金来源合计", SUM(*src), style="total")
    use = [line("u_capex", "Capital spending (net of creditable VAT)", "建设及更新改造投资", c["capex"]),
           line("u_wc", "Increase in working capital", "营运资金增加", c["wc_change"]),
           line("u_tax", "Income tax", "所得税", c["income_tax"]),
           line("u_interest", "Interest", "利息支出", c["interest"]),
           line("u_principal", "Principal repaid", "借款本金偿还", c["principal"]),
           line("u_dist", "Cash distributed to equity", "资本金分配", MAX(c["equity_fcf"], 0))]
    s_use = line("s_uses", "Uses", "资金运用合计", SUM(*use), style="total")
    line("s_diff", "Sources less uses", "来源与运用差额", s_src - s_use, style="total")


def build_government(m: Model, a: Assumptions, tax_relief_cny=None) -> None:
    """The street office's view (``finmodel.government.compute``) as rows, amounts in 万元.

    Every row is live but the tax relief granted: it is the difference of two complete tax
    computations (with and without the small-enterprise relief, the income-tax holiday and the
    small-scale surcharge relief), the second one with its own loss carry-forward vintages, so
    it is written as static values from ``government.compute`` with a note saying so.
    """
    from .. import engine
    from .. import government as gov
    from .expr import RangeMax, Static, SumProduct

    if tax_relief_cny is None:
        tax_relief_cny = gov.compute(engine.project(a), a)["tax_relief"][0]
    S = "government"
    c = m.by_key
    t, op, first = c["t"], c["op"], c["first"]
    data = a.model_dump()

    def I(path: str) -> Name:
        """An input; a null one (left blank on Inputs) evaluates as "" like the blank cell."""
        d = data
        for p in path.split("."):
            d = d[int(p)] if isinstance(d, list) else d[p]
        return Name(name_of(path), "" if d is None else d)

    labels = {k: (en, zh) for k, en, zh, _ in gov.GOV_ROWS}

    def line(key, expr, unit="wan", total=True, style="calc", **kw):
        en, zh = labels[key]
        return m.row(S, f"gov_{key}", unit, en, zh, expr, total=total and unit == "wan", style=style, **kw)

    def scalar(key, unit, en, zh, expr, style="total"):
        return m.row(S, f"gov_{key}", unit, en, zh, None, const=expr, style=style)

    g = "government."
    hh = I("scenario.households")

    # ------------------------------------------------------------- fiscal commitments
    m.heading(S, "Outlays, commitments and taxes", "政府支出、财政支出责任与税费")
    co = line("co_investment", I(g + "co_investment_cny") / 10000 * first)
    sub = line("subsidy_paid", c["subsidy_received"])
    grant = line("capital_grant", c["capital_grant"])
    outlay = line("cash_outlay", co + sub + grant, style="total")
    relief = line("tax_relief", Static([x / 10000 for x in tax_relief_cny]), style="static")
    m.note(S, "Tax relief: static values (not formulas), computed by finmodel as the taxes with the small-enterprise "
              "relief, the income-tax holiday and the small-scale surcharge relief switched off, less the taxes paid: "
              "a second complete tax computation with its own loss carry-forward. Run finmodel again after changing inputs.",
           "税费减免: 静态数值(非公式),由 finmodel 计算: 取消小型微利企业优惠、所得税免税期与小规模纳税人附加减半后的税费,"
           "减去实际缴纳的税费(需另行完整计算一遍税费及亏损弥补)。修改假设后请重新运行 finmodel。")
    commit = line("commitment", outlay + relief, style="total")
    taxes = line("taxes_paid_back", c["vat_payable"] + c["surcharges"] + c["income_tax"])
    net = line("net_cost", outlay - taxes, style="total")
    rent = line("foregone_rent", I(g + "market_rent_cny_per_m2_day") * I("space.total_area_m2") * 365
                * (1 + I(g + "market_rent_escalation")) ** (t - 1) * op / 10000, style="memo")
    df = line("discount_factor", 1 / (1 + I(g + "discount_rate")) ** t, unit="factor")
    m.blank(S)

    # ------------------------------------------------------------- present values
    m.heading(S, "Present values at the government rate (SUMPRODUCT with the discount factors)",
              "按政府折现率计算的现值(与折现系数逐年相乘求和)")
    pv = {}
    for row in (co, sub, grant, outlay, relief, commit, taxes, net, rent):
        key = row.key[len("gov_"):]
        pv[key] = scalar(f"pv_{key}", "wan", f"PV: {row.en}", f"现值: {row.zh}", SumProduct(row.rng(), df.rng()),
                         style="total" if key in ("commitment", "net_cost") else "calc")
    scalar("commitment_pv_per_household", "cny_hh", "Fiscal commitments PV per household", "户均财政支出责任现值",
           IF(hh.gt(0), pv["commitment"].c * 10000 / hh, ""))
    scalar("net_cost_pv_per_household", "cny_hh", "Net cost PV per household", "户均政府净支出现值",
           IF(hh.gt(0), pv["net_cost"].c * 10000 / hh, ""), style="calc")
    m.blank(S)

    # ------------------------------------------------------------- affordability
    m.heading(S, "Fiscal affordability (budget outlays against the district's budget expenditure)",
              "财政承受能力(财政支出占区一般公共预算支出比例)")
    m.note(S, gov.NOTE_FORMAL if a.government.formal_ppp else gov.NOTE_INDICATIVE,
           "规范的PPP项目: 每年财政支出适用10%财政承受能力红线。" if a.government.formal_ppp else
           "空间使用权授予,而非规范的PPP项目(如劲松): 10%财政承受能力测试仅供参考。")
    budget = line("budget_expenditure", I(g + "budget_expenditure_cny_per_year") / 10000
                  * (1 + I(g + "budget_growth")) ** (t - 1), unit="wan0")    # a level, not summed
    share = line("budget_share", outlay / budget + I(g + "existing_commitments_share"), unit="pct")
    peak = scalar("budget_share_peak", "pct", "Peak share of budget expenditure", "占一般公共预算支出比例峰值",
                  RangeMax(share.rng()))
    tol = Name("k_line_rtol", gov.LINE_RTOL)
    scalar("red_line_ok", "flag", "Within the red line (1 = yes)", "未超过财政承受能力红线(1=是)",
           peak.c.le(I(g + "red_line") * (1 + tol)) * 1)
    scalar("above_warning", "flag", "Above the warning level (1 = yes)", "超过预警线(1=是)",
           peak.c.gt(I(g + "warning_level") * (1 + tol)) * 1, style="calc")
    m.blank(S)

    # ------------------------------------------------------------- value for money
    m.heading(S, "Value for money: public-sector comparator (the street office renovates and runs the services itself)",
              "物有所值: 公共部门比较值(街道自行改造并运营同样的服务)")
    psc = g + "comparator."
    p_capex = line("psc_capex", I(psc + "capex_cny") / 10000 * first)
    p_opex = line("psc_opex", I(psc + "opex_cny_per_year") / 10000 * (1 + I(psc + "opex_escalation")) ** (t - 1) * op)
    p_rev = line("psc_revenue", I(psc + "revenue_factor") * (c["rent_gross"] + c["parking_gross"] + c["other_gross"])
                 + I(psc + "collection_rate") * c["property_fees_billed"])
    p_net = line("psc_net_cost", p_capex + p_opex - p_rev, style="total")
    r_psc = IF(I(psc + "discount_rate").eq(""), I(g + "discount_rate"), I(psc + "discount_rate"))
    p_df = m.row(S, "gov_psc_discount_factor", "factor", "Comparator: discount factor (its rate; blank = the government rate)",
                 "公共部门比较值: 折现系数(空=政府折现率)", 1 / (1 + r_psc) ** t)
    p_pv = scalar("psc_net_cost_pv", "wan", "PV: comparator's net cost", "现值: 公共部门比较值净成本",
                  SumProduct(p_net.rng(), p_df.rng()), style="calc")
    scalar("concession_net_cost_pv", "wan", "PV: net cost to government under the concession", "现值: 特许经营下的政府净支出",
           pv["net_cost"].c, style="calc")
    scalar("vfm", "wan", "Value for money (comparator - concession; > 0: the concession is better value)",
           "物有所值量值(比较值-特许经营; >0 特许经营更优)", p_pv.c - pv["net_cost"].c)
    m.blank(S)

    # ------------------------------------------------------------- residents' burden
    m.heading(S, "Residents' burden", "居民负担")
    fee = line("property_fee_per_household_month",
               IF(hh.gt(0), c["property_fee_cny_per_m2_month"] * I("property_service.base_area_m2") / hh, ""),
               unit="cny_hh_month")
    share_paying = I(g + "paying_household_share")
    paying = line("paying_household_share", IF(share_paying.eq(""), c["collection_rate"], share_paying * op), unit="pct")
    line("average_fee_per_household_month", IF(hh.gt(0), fee * paying, ""), unit="cny_hh_month")
    line("parking_fee_per_space_month", I("parking.fee_cny_per_space_month") * (1 + I("parking.escalation")) ** (t - 1) * op,
         unit="cny_space_month")


def build_checks(m: Model, a: Assumptions) -> None:
    """Per-year differences; the flags (column C, 0 when fine) are written by the workbook."""
    S = "checks"
    c = m.by_key
    m.heading(S, "Integrity checks (each 0 when fine)", "完整性校验(正常时为0)")
    m.row(S, "chk_cash", "wan", "Equity cash flow: direct less indirect build-up", "资本金现金流量: 直接法减间接法",
          c["equity_fcf_direct"] - c["equity_fcf_indirect"], style="check")
    m.row(S, "chk_sources_uses", "wan", "Sources less uses of funds", "资金来源减资金运用", c["s_diff"], style="check")
    m.row(S, "chk_project_table", "wan", "Project cash flow statement less Calcs", "项目投资现金流量表减计算表",
          c["p_net"] - c["project_fcf"], style="check")
    m.row(S, "chk_equity_table", "wan", "Equity cash flow statement less Calcs", "资本金现金流量表减计算表",
          c["e_net"] - c["equity_fcf"], style="check")
    m.row(S, "chk_plan_table", "wan", "Financial plan cash flow less equity cash flow", "财务计划现金流量表减资本金现金流量",
          c["f_net"] - c["equity_fcf"], style="check")
    mix = [c[k] for k in ("mix_rent", "mix_parking", "mix_property_fees", "mix_other") if k in c]
    if mix:
        m.row(S, "chk_mix", "pct", "Revenue mix sums to 100 % (years with revenue)", "收入结构合计为100%(有收入的年份)",
              c["revenue"].ne(0) * (SUM(*mix) - 1), style="check")
    m.row(S, "chk_balance", "wan", "Loan balance (repaid by hand-back)", "借款余额(移交前还清)", c["loan_balance"] * c["last"],
          style="check")
