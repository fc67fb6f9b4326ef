"""Operations: the property service, the idle space by tier, parking, other revenue, the VAT
status and rates in force, revenue net of VAT, government support and operating costs.

Conventions (docs/model.md section 5): year-1 prices, VAT-inclusive as quoted, value_k = price x
(1+g)^(k-1); daily rents x 365, monthly x 12; the property fee follows its step table; trial
months are not billed; costs are positive numbers.
"""

from __future__ import annotations

from .core import Model
from .expr import CLIP, IF, LOOKUP, MAX, MOD, SUM

C = "calcs"


def ramp(m: Model, path: str):
    """A Ramp input: start in operating year 1, linear to target over ramp_years, 0 in year 0."""
    I, t, op = m.I, m["t"], m["op"]
    n = I(f"{path}.ramp_years")
    frac = IF(n.gt(0), CLIP((t - 1) / n, 0, 1), 1)
    return (I(f"{path}.start") + (I(f"{path}.target") - I(f"{path}.start")) * frac) * op


def esc(m: Model, path: str):
    """(1 + g)^(t-1): an escalation input as an index (1 in operating year 1)."""
    return (1 + m.I(path)) ** (m["t"] - 1)


def build(m: Model) -> None:
    _property_service(m)
    _space(m)
    _parking(m)
    _other(m)
    _vat_status(m)
    _revenue(m)
    _support(m)
    _costs(m)


def _property_service(m: Model) -> None:
    I, t, op = m.I, m["t"], m["op"]
    ps = "property_service"
    m.heading(C, "Property service", "物业服务")
    served = m.row(C, "served_area_m2", "m2", "Property service area", "物业服务面积",
                   (I(f"{ps}.base_area_m2") + I(f"{ps}.expanded_area_m2") * t.ge(I(f"{ps}.expansion_from_year"))) * op,
                   role="item")
    fee = m.row(C, "property_fee_cny_per_m2_month", "CNY/m2/month", "Property fee", "物业费单价",
                LOOKUP(MAX(t, I(f"{ps}.fee_steps.0.from_year")), m.table(f"{ps}.fee_steps", "from_year"),
                       m.table(f"{ps}.fee_steps", "fee_cny_per_m2_month")) * op, role="item")
    bm_base = m.row(C, "billed_months_base", "months", "Billed months, base area (after the trial)",
                    "计费月数(基础面积,先尝后买后)", CLIP(12 * t - I(f"{ps}.trial_months"), 0, 12) * op)
    bm_exp = m.row(C, "billed_months_expanded", "months", "Billed months, expanded area", "计费月数(新增面积)",
                   CLIP(12 * (t - I(f"{ps}.expansion_from_year") + 1) - I(f"{ps}.expansion_trial_months"), 0, 12) * op)
    billed = m.row(C, "property_fees_billed", "CNY", "Property fees billed (VAT incl.)", "物业费应收(含税)",
                   fee * (I(f"{ps}.base_area_m2") * bm_base + I(f"{ps}.expanded_area_m2") * bm_exp), role="item")
    collection = m.row(C, "collection_rate", "fraction", "Fee collection rate", "收缴率", ramp(m, f"{ps}.collection"),
                       role="item")
    m.row(C, "fees_collected_drivers", "CNY", "Property fees collected, from the drivers (VAT incl.)",
          "物业费实收(按面积与单价,含税)", billed * collection)
    m.row(C, "cost_property_team", "CNY", "Property service team", "物业人工成本(固定)",
          I(f"{ps}.fixed_team_cny_per_year") * m["wage_index"], role="item")
    m.row(C, "cost_property_variable", "CNY", "Property service variable labour", "物业人工成本(变动)",
          I(f"{ps}.variable_cost_cny_per_m2_year") * served * m["wage_index"], role="item")
    m.row(C, "cost_property_materials", "CNY", "Property materials and repairs", "物业维修养护费",
          I(f"{ps}.materials_cny_per_m2_year") * served * m["cpi_index"], role="item")


def _space(m: Model) -> None:
    I, t, op = m.I, m["t"], m["op"]
    sp = "space"
    m.blank(C)
    m.heading(C, "Idle space: rent by tier", "闲置空间: 分业态租金")
    rents, rolls, lets = [], [], []
    for i, tier in enumerate(m.a.space.tiers):
        tp = f"{sp}.tiers.{i}"
        zh = tier.label_zh or tier.name
        occ = m.row(C, f"tier_{i}_occupancy", "fraction", f"{tier.name}: occupancy", f"{zh}: 出租率", ramp(m, f"{tp}.occupancy"))
        let = m.row(C, f"tier_{i}_let_area", "m2", f"{tier.name}: area let", f"{zh}: 出租面积",
                    I(f"{sp}.total_area_m2") * I(f"{sp}.leasable_ratio") * I(f"{tp}.share") * occ)
        roll = m.row(C, f"tier_{i}_rent_roll", "CNY", f"{tier.name}: contracted rent for a full year (VAT incl.)",
                     f"{zh}: 全年合同租金(含税)", let * I(f"{tp}.rent_cny_per_m2_day") * 365 * esc(m, f"{tp}.escalation"))
        rent_free = CLIP(I(f"{tp}.rent_free_months") - 12 * (t - 1), 0, 12) * op
        relet = t.gt(1) * MOD(t - 1, I(f"{tp}.lease_years")).eq(0)
        months = m.row(C, f"tier_{i}_billed_months", "months", f"{tier.name}: billed months (rent-free, re-letting vacancy)",
                       f"{zh}: 计租月数(扣除免租与换租空置)",
                       CLIP(12 - rent_free - I(f"{tp}.relet_vacancy_months") * relet, 0, 12) * op)
        rents.append(m.row(C, f"rent_tier_{i}", "CNY", f"Rent, {tier.name} (VAT incl.)", f"租金收入 {zh}(含税)",
                           roll * months / 12, role="item"))
        rolls.append(roll)
        lets.append(let)
    m.row(C, "occupied_area_m2", "m2", "Occupied space", "已出租面积", SUM(*lets), role="item")
    m.row(C, "rent_roll_monthly", "CNY", "Monthly rent roll (VAT incl.)", "月租金(含税)", SUM(*[r * op / 12 for r in rolls]))
    m.row(C, "rent_gross", "CNY", "Rent (VAT incl.)", "租金收入(含税)", SUM(*rents), role="item")
    m.row(C, "cost_space", "CNY", "Space maintenance and utilities", "空间维护及水电能耗",
          I(f"{sp}.opex_cny_per_m2_year") * I(f"{sp}.total_area_m2") * m["cpi_index"], role="item")


def _parking(m: Model) -> None:
    I, t, op = m.I, m["t"], m["op"]
    pk = "parking"
    m.blank(C)
    m.heading(C, "Parking", "停车")
    spaces = m.row(C, "parking_spaces", "spaces", "Parking spaces", "车位数",
                   (I(f"{pk}.existing_spaces") + I(f"{pk}.new_spaces") * t.ge(I(f"{pk}.new_spaces_from_year"))) * op,
                   role="item")
    util = m.row(C, "parking_utilisation", "fraction", "Parking utilisation", "车位利用率", ramp(m, f"{pk}.utilisation"),
                 role="item")
    pk_all = m.row(C, "parking_all", "CNY", "Parking fees, all spaces (VAT incl.)", "停车费(含税,全部车位)",
                   spaces * util * I(f"{pk}.fee_cny_per_space_month") * 12 * esc(m, f"{pk}.escalation"))
    m.row(C, "owners_parking", "CNY", "Owners' share of parking on common land", "业主共有道路停车收益分成",
          pk_all * I(f"{pk}.common_land_share") * I("owners.common_area_income_share"))
    m.row(C, "cost_parking", "CNY", "Parking operation", "停车运营成本",
          I(f"{pk}.opex_cny_per_space_year") * spaces * m["cpi_index"], role="item")


def _other(m: Model) -> None:
    I, op = m.I, m["op"]
    ot = "other"
    m.blank(C)
    m.heading(C, "Other revenue", "其他收入")
    adv_all = m.row(C, "advertising_all", "CNY", "Advertising, all (VAT incl.)", "广告收入(含税,全部)",
                    I(f"{ot}.advertising_cny_per_year") * esc(m, f"{ot}.escalation") * op)
    m.row(C, "owners_advertising", "CNY", "Owners' share of advertising", "业主广告收益分成",
          adv_all * I("owners.common_area_income_share"))
    own = m.row(C, "own_services", "CNY", "Own services (VAT-exempt)", "自营养老家政服务收入(免税)",
                I(f"{ot}.own_services_cny_per_year") * ramp(m, f"{ot}.own_services_volume") * esc(m, f"{ot}.escalation"),
                role="item")
    m.row(C, "cost_own_services", "CNY", "Own services direct cost", "自营服务成本", own * I(f"{ot}.own_services_cost_ratio"),
          role="item")
    m.row(C, "other_services", "CNY", "Other taxable services (VAT incl.)", "其他应税服务收入(含税)",
          I(f"{ot}.other_services_cny_per_year") * esc(m, f"{ot}.escalation") * op)


def _tier_rate(m: Model, i: int, leasing, service):
    """The VAT rate of tier i's rent: leasing, services, or 0 (exempt)."""
    cat = m.I(f"space.tiers.{i}.vat_category")
    return IF(cat.eq("leasing"), leasing, IF(cat.eq("service"), service, 0))


def _shared(m: Model, stream: str, rent_net):
    """A stream given as a share of revenue, anchored on rent (mix.rent_share)."""
    return rent_net * m.I(f"{stream}.share_of_revenue") / m.I("mix.rent_share")


def _vat_status(m: Model) -> None:
    I = m.I
    m.blank(C)
    m.heading(C, "VAT status and rates in force", "增值税纳税人身份与适用税率")
    sl, ss, gl, gs = m["vat_small_leasing"], m["vat_small_service"], m["vat_general_leasing"], m["vat_general_service"]
    rents = [m[f"rent_tier_{i}"] for i in range(len(m.a.space.tiers))]
    rent_small = m.row(C, "rent_net_small_scale", "CNY", "Rent net of VAT at small-scale rates", "租金收入(按小规模征收率,不含税)",
                       SUM(*[r / (1 + _tier_rate(m, i, sl, ss)) for i, r in enumerate(rents)]))
    is_share = {s: I(f"{s}.mode").eq("share") for s in ("property_service", "parking", "other")}
    sales = m.row(
        C, "sales_small_scale", "CNY", "Sales net of VAT at small-scale status (for the general-taxpayer threshold)",
        "小规模纳税人口径销售额(不含税)",
        rent_small
        + IF(is_share["property_service"], _shared(m, "property_service", rent_small), m["fees_collected_drivers"] / (1 + ss))
        + IF(is_share["parking"], _shared(m, "parking", rent_small), (m["parking_all"] - m["owners_parking"]) / (1 + sl))
        + IF(is_share["other"], _shared(m, "other", rent_small),
             (m["advertising_all"] - m["owners_advertising"]) / (1 + sl) + m["own_services"] + m["other_services"] / (1 + ss)))
    over = m.row(C, "over_threshold", "flag", "Sales above the general-taxpayer threshold", "销售额超过一般纳税人标准",
                 sales.gt(I("tax.general_threshold_cny")), role="flag")
    status = I("tax.taxpayer_status")
    general = m.row(C, "general_taxpayer", "flag", "General VAT taxpayer (1/0)", "一般纳税人标志", role="item", style="flag")
    general.expr = IF(status.eq("general"), 1, IF(status.eq("small_scale"), 0, (general.prev + over.prev).gt(0)))
    m.row(C, "vat_rate_leasing", "fraction", "VAT rate in force, leasing", "适用增值税率(租赁)",
          general * gl + (1 - general) * sl)
    m.row(C, "vat_rate_service", "fraction", "VAT rate in force, services", "适用增值税率(服务)",
          general * gs + (1 - general) * ss)


def _revenue(m: Model) -> None:
    I = m.I
    m.blank(C)
    m.heading(C, "Revenue", "营业收入")
    lr, sr = m["vat_rate_leasing"], m["vat_rate_service"]
    rents = [m[f"rent_tier_{i}"] for i in range(len(m.a.space.tiers))]
    ps, pk, ot = "property_service", "parking", "other"
    share = {s: I(f"{s}.mode").eq("share") for s in (ps, pk, ot)}
    rev_rent = m.row(C, "rev_rent", "CNY", "Rent revenue", "租金收入",
                     SUM(*[r / (1 + _tier_rate(m, i, lr, sr)) for i, r in enumerate(rents)]), role="item")
    adv_net = m["advertising_all"] - m["owners_advertising"]
    fees_g = m.row(C, "property_fees_collected", "CNY", "Property fees collected (VAT incl.)", "物业费实收(含税)",
                   IF(share[ps], _shared(m, ps, rev_rent) * (1 + sr), m["fees_collected_drivers"]), role="item")
    park_g = m.row(C, "parking_gross", "CNY", "Parking fees, firm's share (VAT incl.)", "停车费(含税,企业部分)",
                   IF(share[pk], _shared(m, pk, rev_rent) * (1 + lr), m["parking_all"] - m["owners_parking"]), role="item")
    m.row(C, "other_gross", "CNY", "Other revenue (VAT incl.)", "其他收入(含税)",
          IF(share[ot], _shared(m, ot, rev_rent) * (1 + sr), adv_net + m["own_services"] + m["other_services"]), role="item")
    m.row(C, "owners_share_paid", "CNY", "Owners' share of common-area income (memo)", "业主共有部分收益(备忘)",
          m["owners_parking"] * I(f"{pk}.mode").eq("drivers") + m["owners_advertising"] * I(f"{ot}.mode").eq("drivers"),
          role="item")
    fees = m.row(C, "rev_property_fees", "CNY", "Property fee revenue", "物业服务费收入",
                 IF(share[ps], _shared(m, ps, rev_rent), fees_g / (1 + sr)), role="item")
    park = m.row(C, "rev_parking", "CNY", "Parking revenue", "停车费收入",
                 IF(share[pk], _shared(m, pk, rev_rent), park_g / (1 + lr)), role="item")
    other = m.row(C, "rev_other", "CNY", "Other revenue", "其他收入",
                  IF(share[ot], _shared(m, ot, rev_rent),
                     adv_net / (1 + lr) + m["own_services"] + m["other_services"] / (1 + sr)), role="item")
    revenue = m.row(C, "revenue", "CNY", "Operating revenue (net of VAT)", "营业收入(不含税)",
                    rev_rent + park + fees + other, role="item")
    for stream, net, en, zh in (("rent", rev_rent, "rent", "租金"), ("parking", park, "parking", "停车费"),
                                ("property_fees", fees, "property fees", "物业费"), ("other", other, "other", "其他")):
        m.row(C, f"mix_{stream}", "fraction", f"Revenue mix: {en}", f"收入结构: {zh}", IF(revenue.ne(0), net / revenue, 0),
              role="item")


def _support(m: Model) -> None:
    I, t, op = m.I, m["t"], m["op"]
    su = "support"
    m.blank(C)
    m.heading(C, "Government support", "政府支持")
    sub_g = m.row(C, "subsidy_received", "CNY", "Subsidy received", "财政补贴(实收)",
                  I(f"{su}.subsidy_annual_cny") * MAX(0, 1 - I(f"{su}.subsidy_step_down") * (t - I(f"{su}.subsidy_first_year")))
                  * t.ge(I(f"{su}.subsidy_first_year")) * t.le(I(f"{su}.subsidy_last_year")) * op, role="item")
    subsidy = m.row(C, "subsidy", "CNY", "Subsidy (net of VAT)", "财政补贴",
                    sub_g / (1 + I(f"{su}.subsidy_vat").eq("purchased_service") * m["vat_rate_service"]), role="item")
    grant = m.row(C, "capital_grant", "CNY", "Capital grant", "资本金补助",
                  I(f"{su}.capital_grant_cny") * t.eq(I(f"{su}.capital_grant_year")), role="item")
    m.row(C, "support", "CNY", "Support in EBITDA", "计入EBITDA的政府支持", subsidy + grant * I(f"{su}.capital_grant_taxable"),
          role="item")
    m.row(C, "vat_output", "CNY", "Output VAT", "销项税额",
          (m["rent_gross"] - m["rev_rent"]) + (m["property_fees_collected"] - m["rev_property_fees"])
          + (m["parking_gross"] - m["rev_parking"]) + (m["other_gross"] - m["rev_other"]) + (sub_g - subsidy), role="item")


def vat_inside(m: Model, gross, rate_path: str):
    """The VAT inside a VAT-inclusive amount: what the supplier remits to the state."""
    r = m.I(rate_path)
    return gross * r / (1 + r)


def input_credit(m: Model, gross, rate_path: str):
    """The creditable input VAT in a VAT-inclusive amount (general taxpayers only)."""
    return vat_inside(m, gross, rate_path) * m["general_taxpayer"]


def _costs(m: Model) -> None:
    I = m.I
    m.blank(C)
    m.heading(C, "Operating costs", "经营成本")
    mgmt = m.row(C, "cost_management", "CNY", "Management staff", "管理人员费用",
                 I("overheads.management_cny_per_year") * m["wage_index"], role="item")
    ov = m.row(C, "cost_overheads_other", "CNY", "Other overheads", "其他管理费用",
               I("overheads.other_cny_per_year") * m["cpi_index"], role="item")
    mat = m["cost_property_materials"]
    credit_mat = input_credit(m, mat, "property_service.materials_input_vat_rate")
    inside = m.row(C, "vat_in_costs", "CNY", "VAT inside the costs (remitted by the suppliers; creditable by a general taxpayer)",
                   "经营成本所含增值税(由供应商缴纳;一般纳税人可抵扣)",
                   vat_inside(m, mat, "property_service.materials_input_vat_rate")
                   + vat_inside(m, m["cost_space"], "space.opex_input_vat_rate")
                   + vat_inside(m, m["cost_parking"], "parking.opex_input_vat_rate")
                   + vat_inside(m, ov, "overheads.other_input_vat_rate"))
    in_opex = m.row(C, "vat_input_opex", "CNY", "Input VAT on costs", "进项税额(经营)", inside * m["general_taxpayer"],
                    role="item")
    paid = m.row(C, "opex_paid", "CNY", "Operating costs paid (VAT incl.)", "经营成本(含税)",
                 SUM(m["cost_property_team"], m["cost_property_variable"], mat, m["cost_space"], m["cost_parking"],
                     m["cost_own_services"], mgmt, ov), role="item")
    m.row(C, "opex", "CNY", "Operating costs (net of creditable VAT)", "经营成本", paid - in_opex, role="item")
    m.row(C, "property_segment_result", "CNY", "Property service segment result", "物业服务板块损益",
          m["rev_property_fees"] - m["cost_property_team"] - m["cost_property_variable"] - (mat - credit_mat), role="item")
    m.row(C, "pre_operating_cost", "CNY", "Pre-operating cost", "开办费", I("capex.pre_operating_cost_cny") * m["first"],
          role="item")
    m.row(C, "handback_cost", "CNY", "Hand-back restoration", "期末移交恢复费用",
          I("capex.handback_cost_cny") * m["cpi_index"] * m["last"], role="item")
