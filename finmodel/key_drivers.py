"""The break-even table's key drivers: each one's key, label (English and Chinese) and the
assumption paths it moves. Data only: the solver (:mod:`finmodel.breakeven`) resolves these specs,
and the workbook (:mod:`finmodel.report`, which may not import the solver) names the rows by them.
"""

from __future__ import annotations

from .i18n import is_zh

#: Operating-cost lines the ``operating_cost`` driver scales together (the own-services cost is
#: a ratio of that revenue, so it is left out; capex and refits are the ``capex`` driver).
OPERATING_COST_PATHS = (
    "property_service.fixed_team_cny_per_year",
    "property_service.variable_cost_cny_per_m2_year",
    "property_service.materials_cny_per_m2_year",
    "space.opex_cny_per_m2_year",
    "parking.opex_cny_per_space_year",
    "overheads.management_cny_per_year",
    "overheads.other_cny_per_year",
)

#: The break-even table's drivers: key, label in English and in Chinese, path spec ("{c}" is the
#: commercial tier's index). The results carry the English label (JSON, the workbook's lookup by
#: label); what a reader sees is :func:`driver_label` in the current language.
TABLE_DRIVERS = (
    ("subsidy", "Annual subsidy (first year)", "年度财政补贴(首年)", "support.subsidy_annual_cny"),
    ("commercial_rent", "Commercial rent", "商业化业态租金", "space.tiers.{c}.rent_cny_per_m2_day"),
    ("commercial_occupancy", "Commercial occupancy (target)", "商业化业态出租率(目标)",
     "space.tiers.{c}.occupancy.target"),
    ("property_fee", "Property fee (every step, scaled)", "物业费(各档同比例)",
     "property_service.fee_steps.*.fee_cny_per_m2_month"),
    ("collection", "Fee collection rate (target)", "物业费收缴率(目标)", "property_service.collection.target"),
    ("parking_fee", "Parking fee", "停车费", "parking.fee_cny_per_space_month"),
    ("parking_utilisation", "Parking utilisation (target)", "车位利用率(目标)", "parking.utilisation.target"),
    ("capex", "Renovation capex", "改造投资", "capex.renovation_cny"),
    ("operating_cost", "Operating cost (all lines, scaled)", "经营成本(各项同比例)", ",".join(OPERATING_COST_PATHS)),
    ("expanded_area", "Expanded service area", "新增物业服务面积", "property_service.expanded_area_m2"),
    ("discount_rate", "Discount rate (project)", "项目折现率", "discount.project_rate"),
    ("concession", "Concession length", "运营期", "scenario.concession_years"),
)


def driver_label(key: str, zh: bool | None = None, default: str | None = None) -> str:
    """The label of a break-even table driver (``subsidy``, ``capex``, ...) in the current language
    (or ``zh``); ``default`` (else the key) for a name that is not one of the table's."""
    zh = is_zh() if zh is None else zh
    for k, en, zh_label, _ in TABLE_DRIVERS:
        if k == key:
            return zh_label if zh else en
    return key if default is None else default
