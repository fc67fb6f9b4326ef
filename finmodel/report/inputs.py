"""Every assumption as a row of the Inputs sheet: defined name, label (zh/en), unit, value, source.

The defined name is ``in_`` + the YAML path with dots as underscores
(``support.subsidy_annual_cny`` -> ``in_support_subsidy_annual_cny``); the value is in the
YAML's own unit (CNY, not 万元: the key names say ``_cny``), so typing a value into the
workbook means the same as ``finmodel run --set`` with it.

Year tables (VAT rates by calendar year, the property-fee steps) are laid out field by field
(all ``from_year`` cells, then all rates) so that each column of the table is one contiguous
range with a name of its own (``tbl_...``) for LOOKUP.
"""

from __future__ import annotations

import re
import typing
from dataclasses import dataclass, field

from pydantic import BaseModel

from ..assumptions import Assumptions

#: Sections of the YAML that describe studies or the report, not the deal: shown on their own sheets and in About.
STUDY_SECTIONS = ("sensitivity", "uncertainty", "sources", "report")

#: Lists whose items are year tables (contiguous field columns for LOOKUP).
YEAR_TABLES = ("property_service.fee_steps", "tax.vat.general_leasing", "tax.vat.general_service",
               "tax.vat.small_leasing", "tax.vat.small_service")

#: Inputs that shape the workbook itself (the number of year columns, the loss vintages): shown,
#: but changing them in the workbook does not reshape it; change the YAML and run again.
STRUCTURAL = ("scenario.concession_years", "tax.loss_carryforward_years")

SECTION_ZH = {
    "scenario": "情景", "discount": "折现率", "macro": "宏观(物价与工资)", "property_service": "物业服务",
    "space": "闲置空间租赁", "parking": "停车", "other": "其他收入", "mix": "收入结构(论文参照)",
    "owners": "业主共有部分收益", "support": "政府支持", "capex": "投资", "overheads": "管理费用",
    "tax": "税收", "financing": "融资", "corridor": "补贴区间(可持续与微利的判定)", "report": "报告",
    "government": "政府视角(财政承受能力与物有所值)",
}
SECTION_EN = {
    "scenario": "Scenario", "discount": "Discount rates", "macro": "Prices and wages",
    "property_service": "Property service", "space": "Idle space for rent", "parking": "Parking",
    "other": "Other revenue", "mix": "Revenue mix (paper reference)", "owners": "Owners' share",
    "support": "Government support", "capex": "Capital spending", "overheads": "Overheads", "tax": "Tax",
    "financing": "Financing", "corridor": "Subsidy corridor (viability and micro-profit tests)",
    "report": "Report", "government": "Government view (fiscal affordability, value for money)",
}

# Chinese labels by generic path (list indices as *).
ZH = {
    "scenario.name": "情景名称", "scenario.title": "情景标题", "scenario.description": "情景说明",
    "scenario.households": "服务户数", "scenario.start_year": "改造年(第0年)", "scenario.concession_years": "运营期",
    "scenario.calibration_year": "收入结构校准年(运营年)",
    "discount.project_rate": "项目折现率", "discount.equity_hurdle_rate": "资本金基准收益率",
    "macro.cpi_inflation": "物价上涨率", "macro.wage_inflation": "工资上涨率",
    "property_service.mode": "物业费计算方式", "property_service.share_of_revenue": "物业费占营业收入比例(按比例方式)",
    "property_service.base_area_m2": "基础物业服务面积", "property_service.expanded_area_m2": "新增物业服务面积",
    "property_service.expansion_from_year": "新增面积起始运营年", "property_service.fee_steps.*.from_year": "物业费起始运营年",
    "property_service.fee_steps.*.fee_cny_per_m2_month": "物业费单价(含税)",
    "property_service.trial_months": "先尝后买免费月数(基础面积)",
    "property_service.expansion_trial_months": "先尝后买免费月数(新增面积)",
    "property_service.collection.start": "收缴率: 第1年", "property_service.collection.target": "收缴率: 目标",
    "property_service.collection.ramp_years": "收缴率: 爬坡年数", "property_service.arrears_months": "物业费拖欠月数",
    "property_service.fixed_team_cny_per_year": "物业固定团队人工", "property_service.variable_cost_cny_per_m2_year": "物业变动人工",
    "property_service.materials_cny_per_m2_year": "物业维修养护材料", "property_service.materials_input_vat_rate": "材料进项税率",
    "space.total_area_m2": "闲置空间面积", "space.leasable_ratio": "可出租比例",
    "space.tiers.*.name": "业态名称", "space.tiers.*.label_zh": "业态中文名", "space.tiers.*.share": "面积占比",
    "space.tiers.*.rent_cny_per_m2_day": "租金(含税)", "space.tiers.*.occupancy.start": "出租率: 第1年",
    "space.tiers.*.occupancy.target": "出租率: 目标", "space.tiers.*.occupancy.ramp_years": "出租率: 爬坡年数",
    "space.tiers.*.escalation": "租金年涨幅", "space.tiers.*.rent_free_months": "免租月数(首次出租)",
    "space.tiers.*.lease_years": "租期", "space.tiers.*.relet_vacancy_months": "换租空置月数",
    "space.tiers.*.vat_category": "增值税类别",
    "space.opex_cny_per_m2_year": "空间维护及水电能耗(含税)", "space.opex_input_vat_rate": "空间运营进项税率",
    "space.deposit_months": "租赁押金月数", "space.rent_in_advance_months": "预收租金月数",
    "parking.mode": "停车费计算方式", "parking.share_of_revenue": "停车费占营业收入比例(按比例方式)",
    "parking.existing_spaces": "现有车位", "parking.new_spaces": "改造新增车位", "parking.new_spaces_from_year": "新增车位启用运营年",
    "parking.fee_cny_per_space_month": "停车费(含税)", "parking.utilisation.start": "车位利用率: 第1年",
    "parking.utilisation.target": "车位利用率: 目标", "parking.utilisation.ramp_years": "车位利用率: 爬坡年数",
    "parking.escalation": "停车费年涨幅", "parking.common_land_share": "位于业主共有道路的车位比例",
    "parking.opex_cny_per_space_year": "停车运营成本(含税)", "parking.opex_input_vat_rate": "停车运营进项税率",
    "other.mode": "其他收入计算方式", "other.share_of_revenue": "其他收入占营业收入比例(按比例方式)",
    "other.advertising_cny_per_year": "广告收入(含税)", "other.own_services_cny_per_year": "自营养老家政收入(免税,满负荷)",
    "other.own_services_volume.start": "自营服务负荷: 第1年", "other.own_services_volume.target": "自营服务负荷: 目标",
    "other.own_services_volume.ramp_years": "自营服务负荷: 爬坡年数", "other.own_services_cost_ratio": "自营服务成本率",
    "other.other_services_cny_per_year": "其他应税服务收入(含税)", "other.escalation": "其他收入年涨幅",
    "mix.rent_share": "租金占营业收入比例(按比例方式的锚)", "mix.reference.rent": "论文收入结构: 租金",
    "mix.reference.parking": "论文收入结构: 停车费", "mix.reference.property_fees": "论文收入结构: 物业费",
    "mix.reference.other": "论文收入结构: 其他",
    "owners.common_area_income_share": "业主共有部分收益分成比例",
    "support.subsidy_annual_cny": "年度财政补贴(首年)", "support.subsidy_first_year": "补贴首年(运营年)",
    "support.subsidy_last_year": "补贴末年(运营年)", "support.subsidy_step_down": "补贴年递减比例",
    "support.subsidy_vat": "补贴增值税处理", "support.subsidy_taxable": "补贴是否计入应税收入",
    "support.capital_grant_cny": "资本金补助", "support.capital_grant_year": "资本金补助到位年",
    "support.capital_grant_taxable": "资本金补助是否计入应税收入", "support.income_tax_holiday_years": "所得税免税年数",
    "capex.renovation_cny": "改造投资(含税)", "capex.input_vat_rate": "投资进项税率", "capex.life_years": "改造投资摊销年限",
    "capex.refits.*.year": "更新改造运营年", "capex.refits.*.amount_cny": "更新改造投资(含税)",
    "capex.refits.*.life_years": "更新改造摊销年限", "capex.refits.*.label": "更新改造内容",
    "capex.periodic_refit_every_years": "周期性更新间隔", "capex.periodic_refit_cny": "周期性更新投资(含税)",
    "capex.periodic_refit_life_years": "周期性更新摊销年限", "capex.handback_cost_cny": "期末移交恢复费用",
    "capex.pre_operating_cost_cny": "开办费(志愿服务年)",
    "overheads.management_cny_per_year": "管理人员费用", "overheads.other_cny_per_year": "其他管理费用(含税)",
    "overheads.other_input_vat_rate": "其他管理费用进项税率",
    "tax.taxpayer_status": "增值税纳税人身份", "tax.general_threshold_cny": "一般纳税人登记标准(年销售额)",
    "tax.vat.general_leasing.*.from_year": "一般纳税人 租赁税率 起始年", "tax.vat.general_leasing.*.rate": "一般纳税人 租赁税率",
    "tax.vat.general_service.*.from_year": "一般纳税人 服务税率 起始年", "tax.vat.general_service.*.rate": "一般纳税人 服务税率",
    "tax.vat.small_leasing.*.from_year": "小规模纳税人 租赁征收率 起始年", "tax.vat.small_leasing.*.rate": "小规模纳税人 租赁征收率",
    "tax.vat.small_service.*.from_year": "小规模纳税人 服务征收率 起始年", "tax.vat.small_service.*.rate": "小规模纳税人 服务征收率",
    "tax.surcharge_rate": "附加税费率", "tax.surcharge_relief_small_scale.from_year": "小规模纳税人附加减半 起始年",
    "tax.surcharge_relief_small_scale.to_year": "小规模纳税人附加减半 截止年",
    "tax.surcharge_relief_small_scale.factor": "小规模纳税人附加 应缴比例",
    "tax.surcharge_relief_small_enterprise.from_year": "小型微利企业附加减半 起始年",
    "tax.surcharge_relief_small_enterprise.to_year": "小型微利企业附加减半 截止年",
    "tax.surcharge_relief_small_enterprise.factor": "小型微利企业附加 应缴比例",
    "tax.income_tax_rate": "企业所得税税率", "tax.small_enterprise_relief": "适用小型微利企业优惠",
    "tax.small_enterprise_threshold_cny": "小型微利企业应纳税所得额上限",
    "tax.small_enterprise_periods.*.from_year": "小型微利企业优惠期 起始年",
    "tax.small_enterprise_periods.*.to_year": "小型微利企业优惠期 截止年",
    "tax.small_enterprise_periods.*.bands.*.upto_cny": "所得额档次上限",
    "tax.small_enterprise_periods.*.bands.*.rate": "档次实际税负率",
    "tax.loss_carryforward_years": "亏损弥补年限", "tax.own_services_income_factor": "自营养老家政收入计税比例",
    "financing.loan.amount_cny": "政策性贷款金额", "financing.loan.rate": "贷款利率", "financing.loan.tenor_years": "贷款期限",
    "financing.loan.grace_years": "宽限期", "financing.loan.repayment": "还款方式",
    "corridor.equity_hurdle_rate": "可持续判定: 资本金基准收益率(空=同上)", "corridor.dscr_floor": "可持续判定: 最低偿债备付率",
    "corridor.max_equity_irr": "微利上限: 资本金内部收益率", "corridor.max_margin_avg": "微利上限: 平均净利润率",
    "report.language": "报告语言",
    "government.discount_rate": "政府折现率", "government.co_investment_cny": "政府自身改造投入(第0年,含税)",
    "government.market_rent_cny_per_m2_day": "闲置空间市场租金(放弃的收入)", "government.market_rent_escalation": "市场租金年涨幅",
    "government.budget_expenditure_cny_per_year": "区一般公共预算支出(运营第1年)", "government.budget_growth": "一般公共预算支出年增长率",
    "government.existing_commitments_share": "已有财政支出责任占比", "government.red_line": "财政承受能力红线",
    "government.warning_level": "财政承受能力预警线", "government.formal_ppp": "是否为规范的PPP项目",
    "government.paying_household_share": "缴费户比例(空=当年收缴率)",
    "government.comparator.capex_cny": "公共部门比较值: 改造投资(含税)", "government.comparator.opex_cny_per_year": "公共部门比较值: 运营成本(第1年,含税)",
    "government.comparator.opex_escalation": "公共部门比较值: 运营成本年涨幅", "government.comparator.collection_rate": "公共部门比较值: 物业费收缴率",
    "government.comparator.revenue_factor": "公共部门比较值: 经营收入系数", "government.comparator.discount_rate": "公共部门比较值: 折现率(空=政府折现率)",
}

UNIT_ZH = {
    "CNY": "元", "CNY/year": "元/年", "m²": "平方米", "fraction": "%", "fraction/year": "%/年", "years": "年",
    "operating year": "运营年", "calendar year": "年份", "months": "月", "CNY/m²/month": "元/平方米/月",
    "CNY/m²/day": "元/平方米/天", "CNY/m²/year": "元/平方米/年", "CNY/space/month": "元/车位/月",
    "CNY/space/year": "元/车位/年", "spaces": "个", "households": "户", "year": "年序(0=改造年)",
    "months of rent": "月租金", "-": "倍", "text": "文字", "choice": "选项", "yes/no": "是/否",
}
UNIT_EN = {"fraction": "%", "fraction/year": "%/year", "year": "year no. (0 = renovation)", "-": "x"}

_UNIT_RE = re.compile(r"\[([^\]]+)\]\s*$")


@dataclass
class InputRow:
    path: str                    # dotted YAML path
    name: str                    # defined name
    value: object                # float, int, bool, str or None
    kind: str                    # number, bool, choice, text, none
    unit: str                    # unit as in the schema ([...]), or text/choice/yes/no
    en: str
    zh: str
    source: str
    section: str
    choices: tuple = ()
    structural: bool = False
    percent: bool = False
    table: str | None = None     # the year table it belongs to (tbl name prefix)
    cell: tuple[int, int] | None = field(default=None)   # (row, col) once laid out


def name_of(path: str) -> str:
    return "in_" + path.replace(".", "_")


def generic(path: str) -> str:
    return re.sub(r"\.\d+(?=\.|$)", ".*", path)


def _field_info(path: str):
    """(description, annotation) of a dotted path in the schema."""
    node = Assumptions
    info = None
    parts = path.split(".")
    i = 0
    while i < len(parts):
        p = parts[i]
        if p.isdigit():
            i += 1
            continue
        if node is dict:
            return info.description if info else "", float
        info = node.model_fields[p]
        ann = info.annotation
        args = typing.get_args(ann)
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            node = ann
        elif args and isinstance(args[0], type) and issubclass(args[0], BaseModel):
            node = args[0]
        elif typing.get_origin(ann) is dict:
            node = dict
        else:
            node = None
        i += 1
    return (info.description or "") if info else "", info.annotation if info else None


def _choices(ann) -> tuple:
    if typing.get_origin(ann) is typing.Literal:
        return typing.get_args(ann)
    return ()


def _label_en(desc: str, path: str) -> str:
    """The description's first clause (up to ';' or ': '), without its [unit], at most 80 characters."""
    text = _UNIT_RE.sub("", desc).strip().rstrip(".")
    text = re.split(r";\s|:\s", text, maxsplit=1)[0].strip().rstrip(",")
    if len(text) > 80:
        text = text[:79].rstrip() + "…"
    if not text:
        text = path.rsplit(".", 1)[-1].replace("_", " ")
    return text


def _walk(x, p=""):
    if isinstance(x, dict):
        for k, v in x.items():
            yield from _walk(v, f"{p}.{k}" if p else k)
    elif isinstance(x, list) and x and isinstance(x[0], dict):
        for i, v in enumerate(x):
            yield from _walk(v, f"{p}.{i}")
    else:
        yield p, x


def _item_prefix(a: Assumptions, path: str, zh: bool) -> str:
    """A readable prefix for list items: the tier's name, the refit's label, the period's years."""
    m = re.match(r"space\.tiers\.(\d+)\.", path)
    if m:
        t = a.space.tiers[int(m.group(1))]
        return f"{t.label_zh or t.name}: " if zh else f"{t.name}: "
    m = re.match(r"capex\.refits\.(\d+)\.", path)
    if m:
        return f"{a.capex.refits[int(m.group(1))].label}: "
    m = re.match(r"tax\.small_enterprise_periods\.(\d+)\.(bands\.(\d+)\.)?", path)
    if m:
        per = a.tax.small_enterprise_periods[int(m.group(1))]
        s = f"{per.from_year}-{per.to_year}"
        if m.group(3) is not None:
            s += f" 第{int(m.group(3)) + 1}档" if zh else f" band {int(m.group(3)) + 1}"
        return s + ": "
    m = re.match(r"(property_service\.fee_steps|tax\.vat\.\w+)\.(\d+)\.", path)
    if m:
        return f"#{int(m.group(2)) + 1} "
    return ""


def input_rows(a: Assumptions) -> list[InputRow]:
    """Every assumption of the deal (study sections aside), in schema order, year tables by field."""
    data = a.model_dump()
    leaves = [(p, v) for p, v in _walk(data) if p.split(".")[0] not in STUDY_SECTIONS]
    # year tables: regroup each table's leaves field by field
    ordered: list[tuple[str, object]] = []
    done = set()
    for p, v in leaves:
        table = next((t for t in YEAR_TABLES if p.startswith(t + ".")), None)
        if table is None:
            ordered.append((p, v))
            continue
        if table in done:
            continue
        done.add(table)
        mine = [(q, w) for q, w in leaves if q.startswith(table + ".")]
        fields = list(dict.fromkeys(q.rsplit(".", 1)[1] for q, _ in mine))
        for f in fields:
            ordered.extend((q, w) for q, w in mine if q.rsplit(".", 1)[1] == f)
    rows = []
    for p, v in ordered:
        desc, ann = _field_info(p)
        g = generic(p)
        m = _UNIT_RE.search(desc)
        unit = m.group(1) if m else ""
        choices = _choices(ann)
        if isinstance(v, bool):
            kind, unit = "bool", "yes/no"
        elif choices:
            kind, unit = "choice", "choice"
        elif isinstance(v, str):
            kind, unit = "text", "text"
        elif v is None:
            kind = "none"
        else:
            kind = "number"
        if g.startswith("mix.reference."):
            unit = "fraction"
        en = _label_en(desc, p)
        parts = p.split(".")
        if parts[-1] in ("start", "target", "ramp_years") and len(parts) > 1:      # a Ramp: say which one
            en = parts[-2].replace("_", " ").capitalize() + ": " + en[0].lower() + en[1:]
        en = _item_prefix(a, p, False) + en
        if g.startswith("mix.reference."):
            en = "Paper's revenue mix: " + p.rsplit(".", 1)[1].replace("_", " ")
        zh = _item_prefix(a, p, True) + ZH.get(g, en)
        table = next((t for t in YEAR_TABLES if p.startswith(t + ".")), None)
        rows.append(InputRow(
            path=p, name=name_of(p), value=v, kind=kind, unit=unit, en=en, zh=zh,
            source=a.sources.get(p, ""), section=p.split(".")[0], choices=choices,
            structural=p in STRUCTURAL, percent=unit in ("fraction", "fraction/year"),
            table=table))
    return rows


def unit_text(unit: str, zh: bool) -> str:
    if zh:
        return UNIT_ZH.get(unit, unit)
    return UNIT_EN.get(unit, unit)
