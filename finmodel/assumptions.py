"""The strict assumptions schema (pydantic v2).

Every number has a range and a unit; the unit is in the key name (``_cny``, ``_m2``,
``_cny_per_m2_day``) and in the field's description in brackets. Rates and shares are
fractions (0.09 means 9 %). Money is CNY at year-1 prices, VAT-inclusive as quoted, unless
the description says otherwise. Years called ``*_year`` are operating years (1..N) unless
they say ``calendar``.

Models are frozen and reject unknown keys; ``finmodel.scenarios`` loads YAML into them,
applies ``extends`` and ``--set`` and turns validation errors into one-line ``InputError``. The
base model and field helper are in :mod:`finmodel.schema_base`, the study sections
(``sensitivity``, ``uncertainty``) and their relative ranges in :mod:`finmodel.study_inputs`.
"""

from __future__ import annotations

import math
from typing import Literal

from pydantic import Field, field_validator, model_validator

from .i18n import t
from .schema_base import F, Strict
from .study_inputs import Sensitivity, Uncertainty, _has_relative, numeric_path_problem, resolve_relative


# --------------------------------------------------------------------------- scenario
class ScenarioInfo(Strict):
    name: str = Field(..., min_length=1, max_length=80,
                      description="Scenario name; the report is written as <name>.xlsx.")
    title: str = Field("", max_length=200, description="Human title of the scenario (any language).")
    description: str = Field("", max_length=4000, description="Free text describing the scenario.")
    households: float = F(4199, 0, 1e6, "Households served (zones 1-2 at J community). [households]")
    start_year: int = F(2019, 2000, 2100, "Calendar year of year 0, the renovation year. [calendar year]")
    concession_years: int = F(20, 1, 50, "Operating years N of the concession. [years]")
    calibration_year: int = F(1, 1, 50, "Operating year in which the revenue mix is checked. [operating year]")
    paper_case: bool = Field(False, description="The J community of the 2022 case study: the report compares the revenue "
                                                "mix and the verdict with the paper's words (only then).")

    @field_validator("name")
    @classmethod
    def _safe_name(cls, v: str) -> str:
        bad = set('/\\:*?"<>|\0') | {"\n", "\r", "\t"}
        if any(c in bad for c in v) or v in {".", ".."} or v.startswith("."):
            raise ValueError(t("must be a plain file name (no path separators, no leading dot)", "须为普通文件名(不含路径分隔符,不以点开头)"))
        return v

    @model_validator(mode="after")
    def _calibration_within(self):
        if self.calibration_year > self.concession_years:
            raise ValueError(t(
                f"calibration_year {self.calibration_year} is after the last operating year {self.concession_years}",
                f"calibration_year {self.calibration_year} 晚于最后一个运营年 {self.concession_years}"))
        return self


class Discount(Strict):
    project_rate: float = F(0.08, 0.0, 1.0, "Discount rate for project NPV (nominal). [fraction/year]")
    equity_hurdle_rate: float = F(0.08, 0.0, 1.0, "Operator's hurdle rate for equity NPV (nominal). [fraction/year]")
    mirr_finance_rate: float | None = F(None, 0.0, 1.0, "Finance rate of the MIRR (Excel MIRR's finance_rate); null = discount.project_rate. [fraction/year]")
    mirr_reinvest_rate: float | None = F(None, 0.0, 1.0, "Reinvestment rate of the MIRR; null = discount.project_rate. [fraction/year]")


class Macro(Strict):
    cpi_inflation: float = F(0.02, -0.1, 0.5, "General price escalation of costs. [fraction/year]")
    wage_inflation: float = F(0.05, -0.1, 0.5, "Wage escalation of staff costs. [fraction/year]")


class Ramp(Strict):
    """A rate that moves linearly from ``start`` in operating year 1 to ``target`` in year 1+ramp_years."""

    start: float = F(1.0, 0.0, 1.0, "Value in operating year 1. [fraction]")
    target: float = F(1.0, 0.0, 1.0, "Value from operating year 1 + ramp_years on. [fraction]")
    ramp_years: float = F(0, 0, 50, "Years to move linearly from start to target; 0 = target at once. [years]")


class FeeStep(Strict):
    from_year: int = F(1, 1, 50, "First operating year at this fee. [operating year]")
    fee_cny_per_m2_month: float = F(0.5, 0.0, 50.0, "Property fee, VAT-inclusive. [CNY/m²/month]")


# --------------------------------------------------------------------------- streams
StreamMode = Literal["drivers", "share"]


class PropertyService(Strict):
    mode: StreamMode = Field("drivers", description="'drivers' (area x fee) or 'share' (a share of revenue anchored on rent).")
    share_of_revenue: float = F(0.0, 0.0, 0.95, "With mode 'share': the stream's share of operating revenue. [fraction]")
    base_area_m2: float = F(0.0, 0.0, 1e8, "Floor area served from operating year 1. [m²]")
    expanded_area_m2: float = F(0.0, 0.0, 1e8, "Extra floor area the street office adds to the service area. [m²]")
    expansion_from_year: int = F(1, 1, 50, "Operating year from which the expanded area is served. [operating year]")
    fee_steps: list[FeeStep] = Field(default_factory=lambda: [FeeStep()], min_length=1, max_length=50,
                                     description="Fee step table: fees change only by owners' decision, not with inflation.")
    trial_months: float = F(0.0, 0.0, 60.0, "'Try before you buy' months not billed at the start (base area). [months]")
    expansion_trial_months: float = F(0.0, 0.0, 60.0, "Months not billed at the start of the expanded area. [months]")
    collection: Ramp = Field(default_factory=lambda: Ramp(start=0.4, target=0.88, ramp_years=3),
                             description="Fee collection rate: cash = billed x rate; the shortfall is never recovered.")
    arrears_months: float = F(0.0, 0.0, 12.0, "Collected fees received late (working capital). [months]")
    fixed_team_cny_per_year: float = F(0.0, 0.0, 1e9, "Fixed service team, year-1 wages, escalates with wages. [CNY/year]")
    variable_cost_cny_per_m2_year: float = F(0.0, 0.0, 1e3, "Labour cost per m² served, escalates with wages. [CNY/m²/year]")
    materials_cny_per_m2_year: float = F(0.0, 0.0, 1e3, "Materials and repairs per m² served, escalates with CPI, VAT-inclusive. [CNY/m²/year]")
    materials_input_vat_rate: float = F(0.13, 0.0, 0.2, "Input VAT rate on materials. [fraction]")

    @model_validator(mode="after")
    def _steps_increasing(self):
        years = [s.from_year for s in self.fee_steps]
        if years[0] != 1:
            raise ValueError(t("fee_steps: the first step must start at from_year 1", "fee_steps: 第一档须从 from_year 1 开始"))
        if any(b <= a for a, b in zip(years, years[1:])):
            raise ValueError(t("fee_steps: from_year must increase strictly from one step to the next", "fee_steps: 各档的 from_year 须严格递增"))
        return self


class Tier(Strict):
    name: str = Field("tier", min_length=1, max_length=60, description="Tier name (e.g. commercial).")
    label_zh: str = Field("", max_length=60, description="Chinese label for the report.")
    share: float = F(1.0, 0.0, 1.0, "Share of the leasable area. [fraction]")
    rent_cny_per_m2_day: float = F(3.0, 0.0, 100.0, "Rent, VAT-inclusive, year-1 price. [CNY/m²/day]")
    occupancy: Ramp = Field(default_factory=lambda: Ramp(start=0.6, target=0.9, ramp_years=2),
                            description="Occupancy of the tier's area.")
    escalation: float = F(0.02, -0.2, 0.5, "Rent escalation. [fraction/year]")
    rent_free_months: float = F(0.0, 0.0, 24.0, "Rent-free months at first letting (year 1). [months]")
    lease_years: int = F(5, 1, 50, "Lease term; leases are re-let every lease_years. [years]")
    relet_vacancy_months: float = F(0.0, 0.0, 12.0, "Vacant months at each re-letting. [months]")
    vat_category: Literal["leasing", "service", "exempt"] = Field(
        "leasing", description="VAT category of this income (tenants' rent stays taxable).")


class Space(Strict):
    total_area_m2: float = F(1600.0, 0.0, 1e6, "Idle space handed over free of charge. [m²]")
    leasable_ratio: float = F(0.85, 0.0, 1.0, "Leasable share of the space after corridors and plant. [fraction]")
    tiers: list[Tier] = Field(default_factory=lambda: [Tier()], min_length=1, max_length=20,
                              description="Use tiers (public-welfare, semi-public, commercial).")
    opex_cny_per_m2_year: float = F(0.0, 0.0, 1e4, "Maintenance, utilities and insurance of the whole space, VAT-inclusive, CPI. [CNY/m²/year]")
    opex_input_vat_rate: float = F(0.09, 0.0, 0.2, "Input VAT rate on space opex. [fraction]")
    deposit_months: float = F(0.0, 0.0, 24.0, "Tenant deposits held, refunded at hand-back. [months of rent]")
    rent_in_advance_months: float = F(0.0, 0.0, 12.0, "Rent received in advance. [months of rent]")

    @model_validator(mode="after")
    def _shares(self):
        total = sum(t.share for t in self.tiers)
        if abs(total - 1.0) > 1e-9:
            raise ValueError(t(f"tiers: shares sum to {total:.6g}, must sum to 1", f"tiers: 各业态比例之和为 {total:.6g},须为1"))
        return self


class Parking(Strict):
    mode: StreamMode = Field("drivers", description="'drivers' or 'share' (a share of revenue anchored on rent).")
    share_of_revenue: float = F(0.0, 0.0, 0.95, "With mode 'share': the stream's share of operating revenue. [fraction]")
    existing_spaces: float = F(0.0, 0.0, 1e5, "Spaces managed from operating year 1. [spaces]")
    new_spaces: float = F(0.0, 0.0, 1e5, "Spaces created by the renovation. [spaces]")
    new_spaces_from_year: int = F(1, 1, 50, "Operating year the new spaces open. [operating year]")
    fee_cny_per_space_month: float = F(150.0, 0.0, 5000.0, "Monthly fee, VAT-inclusive, year-1 price. [CNY/space/month]")
    utilisation: Ramp = Field(default_factory=lambda: Ramp(start=0.8, target=0.95, ramp_years=2),
                              description="Share of spaces let.")
    escalation: float = F(0.0, -0.2, 0.5, "Parking fee escalation. [fraction/year]")
    common_land_share: float = F(1.0, 0.0, 1.0, "Share of spaces on owners' common land. [fraction]")
    opex_cny_per_space_year: float = F(0.0, 0.0, 1e5, "Operating cost per space, VAT-inclusive, CPI. [CNY/space/year]")
    opex_input_vat_rate: float = F(0.06, 0.0, 0.2, "Input VAT rate on parking opex. [fraction]")


class Other(Strict):
    mode: StreamMode = Field("drivers", description="'drivers' or 'share' (a share of revenue anchored on rent).")
    share_of_revenue: float = F(0.0, 0.0, 0.95, "With mode 'share': the stream's share of operating revenue. [fraction]")
    advertising_cny_per_year: float = F(0.0, 0.0, 1e9, "Advertising on common areas, VAT-inclusive, year-1 price. [CNY/year]")
    own_services_cny_per_year: float = F(0.0, 0.0, 1e9, "The firm's own elderly care, childcare, housekeeping at full volume (VAT-exempt). [CNY/year]")
    own_services_volume: Ramp = Field(default_factory=lambda: Ramp(start=1.0, target=1.0, ramp_years=0),
                                      description="Share of full volume of the own services.")
    own_services_cost_ratio: float = F(0.0, 0.0, 2.0, "Direct cost of own services as a share of their revenue. [fraction]")
    other_services_cny_per_year: float = F(0.0, 0.0, 1e9, "Other taxable services (repairs, delivery), VAT-inclusive. [CNY/year]")
    escalation: float = F(0.02, -0.2, 0.5, "Escalation of other revenue. [fraction/year]")


class Mix(Strict):
    rent_share: float = F(0.46, 0.01, 1.0, "Rent's share of operating revenue: the anchor for streams given as a share. [fraction]")
    reference: dict[str, float] = Field(
        default_factory=lambda: {"rent": 0.46, "parking": 0.19, "property_fees": 0.26, "other": 0.09},
        description="Published mix to compare against (J community, paper).")

    @field_validator("reference")
    @classmethod
    def _ref(cls, v: dict[str, float]) -> dict[str, float]:
        want = {"rent", "parking", "property_fees", "other"}
        if set(v) != want:
            raise ValueError(t(f"reference: keys must be {sorted(want)}", f"reference: 键须为 {sorted(want)}"))
        if any((not math.isfinite(x)) or x < 0 or x > 1 for x in v.values()):
            raise ValueError(t("reference: each share must be a fraction between 0 and 1", "reference: 每项比例须在0与1之间"))
        return v


class Owners(Strict):
    common_area_income_share: float = F(0.0, 0.0, 1.0, "Share of common-area income (parking on common land, advertising) paid to the owners' fund. [fraction]")


# --------------------------------------------------------------------------- support
class Support(Strict):
    subsidy_annual_cny: float = F(0.0, 0.0, 1e9, "Annual subsidy in its first year. [CNY/year]")
    subsidy_first_year: int = F(1, 1, 50, "First operating year of the subsidy. [operating year]")
    subsidy_last_year: int = F(5, 1, 50, "Last operating year of the subsidy. [operating year]")
    subsidy_step_down: float = F(0.0, 0.0, 1.0, "Linear step-down a year, as a share of the first year's amount. [fraction/year]")
    subsidy_vat: Literal["none", "purchased_service"] = Field(
        "none", description="'none': not tied to prices or volumes, no VAT; 'purchased_service': bears service VAT.")
    subsidy_taxable: bool = Field(True, description="Taxable income; if false, costs it funds are not deductible.")
    capital_grant_cny: float = F(0.0, 0.0, 1e10, "One-off capital grant. [CNY]")
    capital_grant_year: int = F(0, 0, 50, "Year the grant is received (0 = renovation year). [year]")
    capital_grant_taxable: bool = Field(False, description="If false, the grant reduces the amortisable base (net method).")
    income_tax_holiday_years: int = F(0, 0, 50, "First operating years exempt from income tax (tax relief). [years]")

    @model_validator(mode="after")
    def _years(self):
        if self.subsidy_last_year < self.subsidy_first_year:
            raise ValueError(t("subsidy_last_year is before subsidy_first_year", "subsidy_last_year 早于 subsidy_first_year"))
        return self


# --------------------------------------------------------------------------- capital
class Refit(Strict):
    year: int = F(10, 1, 50, "Operating year of the refit (spent at year end). [operating year]")
    amount_cny: float = F(0.0, 0.0, 1e10, "Refit cost at year-1 prices, VAT-inclusive, escalates with CPI. [CNY]")
    life_years: float = F(10, 1, 50, "Amortisation life. [years]")
    label: str = Field("refit", max_length=80, description="What is refitted.")


class Capex(Strict):
    renovation_cny: float = F(0.0, 0.0, 1e10, "Operator's renovation capex in year 0, VAT-inclusive. [CNY]")
    input_vat_rate: float = F(0.09, 0.0, 0.2, "Input VAT rate on capex (construction services 9 %). [fraction]")
    life_years: float = F(20, 1, 50, "Amortisation life of the renovation. [years]")
    refits: list[Refit] = Field(default_factory=list, max_length=50, description="One-off refits.")
    periodic_refit_every_years: int = F(0, 0, 50, "A periodic refit every this many years; 0 = none. [years]")
    periodic_refit_cny: float = F(0.0, 0.0, 1e10, "Each periodic refit at year-1 prices, VAT-inclusive, CPI. [CNY]")
    periodic_refit_life_years: float = F(10, 1, 50, "Amortisation life of a periodic refit. [years]")
    handback_cost_cny: float = F(0.0, 0.0, 1e10, "Restoration at hand-back in year N, year-1 prices, CPI. [CNY]")
    pre_operating_cost_cny: float = F(0.0, 0.0, 1e10, "Pre-operating cost in year 0 (volunteer year), expensed in the accounts, deducted for income tax in year 1 when operation starts. [CNY]")
    reserve_years: int = F(0, 0, 20, "Maintenance reserve: each refit (one-off and periodic) is funded from operating cash in this many years before it and paid from the reserve; 0 = no reserve. [years]")


class Overheads(Strict):
    management_cny_per_year: float = F(0.0, 0.0, 1e9, "Management and admin staff, year-1 wages, escalates with wages. [CNY/year]")
    other_cny_per_year: float = F(0.0, 0.0, 1e9, "Office, IT, insurance, VAT-inclusive, CPI. [CNY/year]")
    other_input_vat_rate: float = F(0.06, 0.0, 0.2, "Input VAT rate on other overheads. [fraction]")


# --------------------------------------------------------------------------- tax
class YearRate(Strict):
    from_year: int = F(2016, 1990, 2200, "First calendar year of this rate. [calendar year]")
    rate: float = F(0.0, 0.0, 1.0, "Rate. [fraction]")


def _table(rows):
    return Field(default_factory=lambda: [YearRate(from_year=y, rate=r) for y, r in rows], min_length=1)


class VatRates(Strict):
    general_leasing: list[YearRate] = _table([(2016, 0.11), (2018, 0.10), (2019, 0.09)])
    general_service: list[YearRate] = _table([(2016, 0.06)])
    small_leasing: list[YearRate] = _table([(2016, 0.05)])
    small_service: list[YearRate] = _table([(2016, 0.03), (2020, 0.01), (2022, 0.0), (2023, 0.01), (2028, 0.03)])

    @model_validator(mode="after")
    def _sorted(self):
        for name in ("general_leasing", "general_service", "small_leasing", "small_service"):
            years = [r.from_year for r in getattr(self, name)]
            if any(b <= a for a, b in zip(years, years[1:])):
                raise ValueError(t(f"{name}: from_year must increase strictly", f"{name}: from_year 须严格递增"))
        return self


class Band(Strict):
    upto_cny: float = F(1e6, 0.0, 1e12, "Upper end of the band of taxable income. [CNY]")
    rate: float = F(0.05, 0.0, 1.0, "Effective rate on income within the band. [fraction]")


class SmallEnterprisePeriod(Strict):
    from_year: int = F(2019, 1990, 2200, "First calendar year. [calendar year]")
    to_year: int = F(2027, 1990, 2200, "Last calendar year. [calendar year]")
    bands: list[Band] = Field(min_length=1, max_length=10, description="Effective rates by band of taxable income.")


def _default_periods():
    return [
        SmallEnterprisePeriod(from_year=2019, to_year=2020, bands=[Band(upto_cny=1e6, rate=0.05), Band(upto_cny=3e6, rate=0.10)]),
        SmallEnterprisePeriod(from_year=2021, to_year=2021, bands=[Band(upto_cny=1e6, rate=0.025), Band(upto_cny=3e6, rate=0.10)]),
        SmallEnterprisePeriod(from_year=2022, to_year=2022, bands=[Band(upto_cny=1e6, rate=0.025), Band(upto_cny=3e6, rate=0.05)]),
        SmallEnterprisePeriod(from_year=2023, to_year=2027, bands=[Band(upto_cny=3e6, rate=0.05)]),
        # the preference assumed to lapse: a qualifying small low-profit enterprise pays the statutory 20 %
        # (Enterprise Income Tax Law art. 28) up to the threshold
        SmallEnterprisePeriod(from_year=2028, to_year=2200, bands=[Band(upto_cny=3e6, rate=0.20)]),
    ]


class Relief(Strict):
    from_year: int = F(2019, 1990, 2200, "First calendar year. [calendar year]")
    to_year: int = F(2027, 1990, 2200, "Last calendar year. [calendar year]")
    factor: float = F(0.5, 0.0, 1.0, "Share of the surcharges still payable. [fraction]")


class Tax(Strict):
    taxpayer_status: Literal["general", "small_scale", "auto"] = Field(
        "general", description="VAT status; 'auto' starts small-scale and turns general the year after sales pass the threshold.")
    general_threshold_cny: float = F(5e6, 0.0, 1e10, "Annual sales (net of VAT) above which general status is compulsory. [CNY/year]")
    vat: VatRates = Field(default_factory=VatRates, description="VAT rates by stream, status and calendar year.")
    surcharge_rate: float = F(0.12, 0.0, 0.5, "Surcharges on VAT paid (7 % + 3 % + 2 %). [fraction]")
    surcharge_relief_small_scale: Relief = Field(default_factory=lambda: Relief(from_year=2019, to_year=2027, factor=0.5))
    surcharge_relief_small_enterprise: Relief = Field(default_factory=lambda: Relief(from_year=2022, to_year=2027, factor=0.5))
    income_tax_rate: float = F(0.25, 0.0, 1.0, "Standard corporate income tax rate. [fraction]")
    small_enterprise_relief: bool = Field(True, description="Apply the small low-profit enterprise bands and surcharge relief.")
    small_enterprise_threshold_cny: float = F(3e6, 0.0, 1e10, "Taxable income above which the whole income is taxed at the standard rate (the cliff). [CNY]")
    small_enterprise_periods: list[SmallEnterprisePeriod] = Field(default_factory=_default_periods, max_length=50)
    loss_carryforward_years: int = F(5, 0, 20, "Years a tax loss can be carried forward, oldest first. [years]")
    own_services_income_factor: float = F(0.9, 0.0, 1.0, "Share of own elderly-care/housekeeping income counted for income tax while the policy runs. [fraction]")
    own_services_factor_to_year: int = F(2025, 1990, 2200, "Last calendar year of that reduced count; from the next year the income counts in full. [calendar year]")
    vat_credit_refund_year: int | None = F(None, 1990, 2200, "Calendar year in which the carried-forward input VAT credit is refunded in cash (增量留抵退税, 2022 policy); null = no refund. [calendar year]")


class LoanTerms(Strict):
    """The terms every loan has (a community's, the firm's in a portfolio): amount, rate, tenor, grace."""

    amount_cny: float = F(0.0, 0.0, 1e10, "Policy loan drawn at the end of year 0. [CNY]")
    rate: float = F(0.0485, 0.0, 0.5, "Interest rate (5-year+ LPR was 4.85 % in Aug 2019). [fraction/year]")
    tenor_years: int = F(10, 1, 50, "Years from draw to final repayment, grace included. [years]")
    grace_years: int = F(0, 0, 49, "Interest-only years at the start. [years]")

    @model_validator(mode="after")
    def _grace(self):
        if self.grace_years >= self.tenor_years:
            raise ValueError(t("grace_years must be shorter than tenor_years", "宽限期 grace_years 须短于贷款期限 tenor_years"))
        return self


class Loan(LoanTerms):
    repayment: Literal["annuity", "equal_principal", "sculpted"] = Field(
        "annuity", description="Repayment profile after grace; 'sculpted': debt service = CFADS / target_dscr each year, the rest at maturity.")
    target_dscr: float = F(1.3, 1.0, 10.0, "Target DSCR of a sculpted repayment. [-]")


class Financing(Strict):
    loan: Loan = Field(default_factory=Loan)
    equity_cny: float | None = F(None, 0.0, 1e11, "Owner's capital paid in at the end of year 0 (项目资本金); null = what year 0 needs after the loan and grants. [CNY]")
    distribution_share: float = F(1.0, 0.0, 1.0, "Share of the profit available for distribution paid to the owner each year, never more than the cash that keeps the cumulative surplus >= 0. [fraction]")
    statutory_reserve_rate: float = F(0.10, 0.0, 1.0, "Statutory surplus reserve: share of net profit (after making good losses) set aside each year (Company Law). [fraction]")
    statutory_reserve_cap: float = F(0.50, 0.0, 10.0, "The reserve stops growing at this multiple of paid-in capital (50 % in the Company Law). [-]")


class Report(Strict):
    """What the workbook of ``finmodel run`` contains (the command's flags add to this)."""

    language: Literal["zh", "en"] = Field("zh", description="Report language.")
    corridor: bool = Field(True, description="Solve the subsidy corridor and show it, with the verdict it decides, on Summary.")
    breakeven_table: bool = Field(False, description="Add the Break-even sheet: the break-even table (NPV = 0) of the key drivers.")
    tornado: bool = Field(False, description="Add the Sensitivity sheet with the tornado of the scenario's drivers (metric: NPV).")
    grids: list[list[str]] = Field(default_factory=list, max_length=20,
                                   description="Grids for the Sensitivity sheet (heat maps of NPV): each one or two axes "
                                               "'PATH=LO:HI:N', e.g. [[support.subsidy_annual_cny=0:3e6:7]].")
    montecarlo_draws: int = F(0, 0, 1_000_000, "Add the Monte Carlo sheet with this many draws of the uncertainty section; 0 = none. [draws]")
    montecarlo_seed: int = F(0, 0, 2**63 - 1, "Seed of the Monte Carlo draws. [-]")
    english_sources: bool = Field(False, description="Keep the source notes in English in a Chinese report (by default "
                                                     "it shows the Chinese of the packaged scenario's notes).")


# --------------------------------------------------------------------------- government
class Comparator(Strict):
    """The public-sector comparator (PSC) of the value-for-money test (``finmodel.government``).

    What the street office could lawfully do without the operator: it renovates the space and
    the parking itself, lets the space and runs the parking with its own collection of rents
    and parking fees, and *buys* the property service for the base area (a provider's contract
    price per m², or a state-owned provider's cost); it collects no property fees itself, the
    provider collects what residents pay and the street office pays the rest. The public works
    on the community (``government.public_works_cny``) are on both sides of the comparison.
    VAT is treated as on the concession's side: the VAT inside every purchase returns to the
    state. Risk adjustments (cost overrun, opening delay) as the Chinese VfM guidance
    (财金〔2015〕167号) expects; the retained risks of the two sides are taken to be the same.
    """

    renovation_cny: float = F(0.0, 0.0, 1e11, "The renovation the street office would pay in place of the operator's (the space, the parking), in year 0, VAT-inclusive; the public works are not repeated here. [CNY]")
    capex_vat_rate: float = F(0.09, 0.0, 0.2, "VAT rate inside that renovation (construction services 9 %): VAT = renovation x r/(1+r), which returns to the state. [fraction]")
    capex_overrun: float = F(0.0, 0.0, 2.0, "Expected cost overrun of the renovation, a risk adjustment: renovation x (1 + this). [fraction]")
    delay_months: float = F(0.0, 0.0, 12.0, "Expected delay of the opening, a risk adjustment: rent and parking of operating year 1 lost for this many months. [months]")
    opex_cny_per_year: float = F(0.0, 0.0, 1e10, "Its costs of running the space and the parking in operating year 1 (maintenance, utilities, letting staff, a refit allowance), VAT-inclusive; the property service is bought apart. [CNY/year]")
    opex_escalation: float = F(0.03, -0.1, 0.5, "Escalation of those costs: value_k = opex x (1+g)^(k-1). [fraction/year]")
    opex_overrun: float = F(0.0, 0.0, 2.0, "Expected overrun of those running costs, a risk adjustment: opex x (1 + this). [fraction]")
    opex_vat_rate: float = F(0.0, 0.0, 0.2, "VAT inside those costs as a rate on their net amount (staff bear none, utilities and works 9 %): VAT = opex x r/(1+r). [fraction]")
    service_price_cny_per_m2_month: float = F(0.0, 0.0, 50.0, "The property service it buys for the base area (property_service.base_area_m2): a provider's contract price or a state-owned provider's cost, VAT-inclusive, operating year 1. [CNY/m²/month]")
    service_price_escalation: float = F(0.03, -0.1, 0.5, "Escalation of that price: value_k = price x (1+g)^(k-1). [fraction/year]")
    service_vat_rate: float = F(0.06, 0.0, 0.2, "VAT rate inside that price (property management services 6 %). [fraction]")
    collection_rate: float = F(0.6, 0.0, 1.0, "Share of the property fees (the fee table on the base area) that the provider collects from residents itself: it lowers what the street office pays, never below 0. [fraction]")
    revenue_factor: float = F(1.0, 0.0, 2.0, "Its rent and parking receipts as a share of the concession's gross rent and parking (the firm's share; the owners' share of common land is theirs on both sides). [fraction]")
    discount_rate: float | None = F(None, 0.0, 1.0, "Discount rate of the comparator's flows; null = government.discount_rate (one rate for both sides). [fraction/year]")


class DistrictTaxShare(Strict):
    """The share of each tax paid by the operator that the district keeps (the rest goes to the
    city and the centre). Nationally VAT is shared 50:50 between the centre and local
    governments (国发〔2016〕26号) and corporate income tax 60:40 (国发〔2001〕37号); the
    surcharges are local. How a city splits its part with a district is its own rule."""

    vat: float = F(0.5, 0.0, 1.0, "District's share of the VAT the operator pays (net of any refund). [fraction]")
    income_tax: float = F(0.4, 0.0, 1.0, "District's share of the operator's corporate income tax. [fraction]")
    surcharges: float = F(1.0, 0.0, 1.0, "District's share of the surcharges on VAT. [fraction]")


def warning_below_red_line(m):
    """The rule of a budget test's two levels (a scenario's government, a portfolio's district):
    the warning level is at most the red line."""
    if m.warning_level > m.red_line:
        raise ValueError(t(f"warning_level {m.warning_level:g} is above red_line {m.red_line:g}",
                           f"warning_level {m.warning_level:g} 高于 red_line {m.red_line:g}"))
    return m


class Government(Strict):
    """The public side (``finmodel.government``): three purses kept apart.

    The district (the street office's money comes through it): what it pays the operator, its
    own public works on the community, its share of the taxes. The wider state: national and
    city tax reliefs, the central and city renovation programmes. The residents: the fees and
    parking they pay. The affordability test measures the district's own outlays against its
    general public budget expenditure. The engine's operator figures never read this section.
    """

    discount_rate: float = F(0.035, 0.0, 1.0, "Government's discount rate (local government bond yields, about 3-4 %), year 0 undiscounted. [fraction/year]")
    public_works_cny: float = F(0.0, 0.0, 1e11, "Public renovation works on the community in year 0 (the government's own works beside the operator's capex, not a payment to the operator), VAT-inclusive. [CNY]")
    public_works_vat_rate: float = F(0.09, 0.0, 0.2, "VAT rate inside the public works (construction services 9 %): VAT = works x r/(1+r), which returns to the state. [fraction]")
    public_works_district_share: float = F(1.0, 0.0, 1.0, "Share of the public works paid from the district's own budget; the rest from central and city renovation programmes. [fraction]")
    district_tax_share: DistrictTaxShare = Field(default_factory=DistrictTaxShare,
                                                 description="The share of each tax paid by the operator that the district keeps.")
    forgone_rent_cny_per_m2_day: float = F(0.0, 0.0, 100.0, "Rent of the space handed over free at its next-best use (as it was, unrenovated), per m² of space.total_area_m2, net of vacancy, year-1 price: the income forgone (not cash). [CNY/m²/day]")
    forgone_rent_escalation: float = F(0.02, -0.2, 0.5, "Escalation of that rent. [fraction/year]")
    budget_expenditure_cny_per_year: float = F(1e10, 1e6, 1e13, "District's general public budget expenditure in operating year 1; year t = this x (1+growth)^(t-1). [CNY/year]")
    budget_growth: float = F(0.03, -0.5, 0.5, "Growth of that expenditure. [fraction/year]")
    existing_commitments_share: float = F(0.0, 0.0, 1.0, "Share of budget expenditure already committed to existing PPP-like outlays, every year (the district's fiscal-affordability report has it). [fraction]")
    existing_commitments_placeholder: bool = Field(True, description="True while existing_commitments_share is a placeholder, not the district's published figure: the report warns.")
    red_line: float = F(0.10, 0.0, 1.0, "PPP fiscal-affordability line: the district's outlays at most this share of budget expenditure, each year. [fraction]")
    warning_level: float = F(0.07, 0.0, 1.0, "Warning level below the red line. [fraction]")
    formal_ppp: bool = Field(False, description="True for a formal PPP (the 10 % test binds); false for a grant of use rights, where it is indicative.")
    paying_household_share: float | None = F(None, 0.0, 1.0, "Share of households assumed to pay the property fee; null = the year's fee collection rate. [fraction]")
    pensioner_income_cny_per_month: float | None = F(None, 0.0, 1e6, "A pensioner's income in operating year 1, to read the property fee per household against; null = not shown. [CNY/month]")
    pensioner_income_growth: float = F(0.03, -0.2, 0.5, "Growth of that income. [fraction/year]")
    comparator: Comparator = Field(default_factory=Comparator,
                                   description="Public-sector comparator: the street office renovates, lets the space and buys the property service.")

    @model_validator(mode="after")
    def _levels(self):
        return warning_below_red_line(self)


#: Keys of the government section renamed by issue 12, for the message on an old YAML.
RENAMED = {
    "government.co_investment_cny": "government.public_works_cny",
    "government.market_rent_cny_per_m2_day": "government.forgone_rent_cny_per_m2_day (now the next-best use, unrenovated)",
    "government.market_rent_escalation": "government.forgone_rent_escalation",
    "government.comparator.capex_cny": "government.comparator.renovation_cny (the public works are no longer included)",
}


# --------------------------------------------------------------------------- corridor
class Corridor(Strict):
    """The subsidy corridor (``finmodel breakeven --corridor``): what 'viable' and 'micro-profit' mean.

    The least subsidy makes the operator viable (equity NPV >= 0 at the hurdle, and the DSCR at
    or above its floor where there is debt); the most keeps it a micro profit (equity IRR and
    average net margin at or below their caps). Set a cap to null to leave it out; at least one
    cap is required.
    """

    equity_hurdle_rate: float | None = F(None, 0.0, 1.0, "Hurdle for viability (equity NPV >= 0 at this rate); null = discount.equity_hurdle_rate. [fraction/year]")
    dscr_floor: float = F(1.2, 0.0, 10.0, "Least DSCR in every year with debt service for viability; ignored without debt. [-]")
    max_equity_irr: float | None = F(0.10, 0.0, 1.0, "Micro-profit cap on the equity IRR; null = no cap. [fraction/year]")
    max_margin_avg: float | None = F(None, -1.0, 1.0, "Micro-profit cap on the average net margin (net income / operating revenue net of VAT, over the concession); null = no cap. [fraction]")

    @model_validator(mode="after")
    def _one_cap(self):
        if self.max_equity_irr is None and self.max_margin_avg is None:
            raise ValueError(t("set at least one micro-profit cap (max_equity_irr or max_margin_avg)", "至少设置一个微利上限(max_equity_irr 或 max_margin_avg)"))
        return self


# --------------------------------------------------------------------------- absent streams, relative ranges
#: The sections that carry the deal's money, and what ``SECTION: absent`` sets (the stream is not
#: part of the deal). A scenario file must give each of them or say it is absent
#: (finmodel.scenarios.load), so a forgotten section never runs silently on defaults.
ABSENT = {
    "capex": {"renovation_cny": 0, "refits": [], "periodic_refit_cny": 0, "handback_cost_cny": 0,
              "pre_operating_cost_cny": 0},
    "space": {"total_area_m2": 0},
    "property_service": {"base_area_m2": 0, "expanded_area_m2": 0},
    "parking": {"existing_spaces": 0, "new_spaces": 0},
    "support": {"subsidy_annual_cny": 0, "capital_grant_cny": 0},
}

# --------------------------------------------------------------------------- root
class Assumptions(Strict):
    """The whole assumption set of one scenario."""

    scenario: ScenarioInfo = Field(..., description="Name, calendar start, concession length.")
    discount: Discount = Field(default_factory=Discount)
    macro: Macro = Field(default_factory=Macro)
    property_service: PropertyService = Field(default_factory=PropertyService)
    space: Space = Field(default_factory=Space)
    parking: Parking = Field(default_factory=Parking)
    other: Other = Field(default_factory=Other)
    mix: Mix = Field(default_factory=Mix)
    owners: Owners = Field(default_factory=Owners)
    support: Support = Field(default_factory=Support)
    capex: Capex = Field(default_factory=Capex)
    overheads: Overheads = Field(default_factory=Overheads)
    tax: Tax = Field(default_factory=Tax)
    financing: Financing = Field(default_factory=Financing)
    government: Government = Field(default_factory=Government,
                                   description="The public side: the district's, the wider state's and the residents' purses, the budget test, value for money against a lawful comparator.")
    corridor: Corridor = Field(default_factory=Corridor, description="Subsidy corridor: viability hurdle and floor, micro-profit caps.")
    report: Report = Field(default_factory=Report)
    sensitivity: Sensitivity = Field(default_factory=Sensitivity,
                                     description="Drivers and ranges of the tornado and spider studies.")
    uncertainty: Uncertainty = Field(default_factory=Uncertainty,
                                     description="Distributions and rank correlations for Monte Carlo, Sobol and Morris.")
    sources: dict[str, str] = Field(default_factory=dict,
                                    description="Source note per dotted key (also given inline as {value, source}).")

    @model_validator(mode="before")
    @classmethod
    def _absent_and_relative(cls, data):
        """``parking: absent`` (a stream the deal does not have) and study ranges relative to the base."""
        if not isinstance(data, dict):
            return data
        out = dict(data)
        for name, zero in ABSENT.items():
            if isinstance(out.get(name), str) and out[name].strip() in ("absent", "无"):
                out[name] = dict(zero)
        if _has_relative(out):
            out = resolve_relative(out, cls.model_validate(
                {k: v for k, v in out.items() if k not in ("sensitivity", "uncertainty")}))
        return out

    @model_validator(mode="after")
    def _cross(self):
        n = self.scenario.concession_years
        checks = [
            ("financing.loan.tenor_years", self.financing.loan.tenor_years, self.financing.loan.amount_cny > 0),
            ("support.subsidy_first_year", self.support.subsidy_first_year, self.support.subsidy_annual_cny > 0),
        ]
        for key, year, active in checks:
            if active and year > n:
                raise ValueError(t(f"{key} = {year} is beyond the concession of {n} years", f"{key} = {year} 超出 {n} 年运营期"))
        for i, r in enumerate(self.capex.refits):
            if r.year > n:
                raise ValueError(t(f"capex.refits.{i}.year = {r.year} is beyond the concession of {n} years", f"capex.refits.{i}.year = {r.year} 超出 {n} 年运营期"))
        for key, val in self.sources.items():
            if not isinstance(val, str):
                raise ValueError(t(f"sources.{key}: a source note must be text", f"sources.{key}: 来源说明须为文字"))
        return self

    @model_validator(mode="after")
    def _study_paths(self):
        """Every path named by the study sections is a numeric assumption of this scenario."""
        named = [(f"sensitivity.drivers.{i}.path", d.path) for i, d in enumerate(self.sensitivity.drivers)]
        named += [(f"uncertainty.inputs.{i}.path", d.path) for i, d in enumerate(self.uncertainty.inputs)]
        for key, path in named:
            why = numeric_path_problem(self, path)
            if why:
                raise ValueError(f"{key}: {why}")
        return self
