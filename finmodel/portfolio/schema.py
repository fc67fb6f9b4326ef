"""The portfolio file's strict schema (pydantic): the communities, the operator firm, the district.

A portfolio names its communities (each a scenario file, a packaged scenario name, or a scenario
written inline, which may ``extends`` a file), the firm that runs them (its legal structure, its
head office, a corporate loan, its hurdle), and the district whose budget pays for the deals.
Money is CNY, rates are fractions, years are calendar years unless a name says otherwise.
Values may be written ``{value: ..., source: ...}`` as in a scenario.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, model_validator

from ..assumptions import LoanTerms, Tax, warning_below_red_line
from ..schema_base import F, Strict


class PortfolioInfo(Strict):
    name: str = Field(..., min_length=1, max_length=80, pattern=r"^[^/\\:*?\"<>|\s.][^/\\:*?\"<>|\n\r\t]*$",
                      description="Portfolio name; the workbook is written as <name>.xlsx.")
    title: str = Field("", max_length=200, description="Human title (any language).")
    description: str = Field("", max_length=4000, description="Free text.")
    language: Literal["zh", "en"] = Field("zh", description="Language of the terminal lines and the workbook.")


class Community(Strict):
    """One community of the portfolio: a scenario (file, packaged name or inline) and its start."""

    name: str | None = Field(None, min_length=1, max_length=80,
                             description="Name in the portfolio's tables; null = the scenario's scenario.name.")
    scenario: str | dict[str, Any] = Field(
        ..., description="A scenario file (relative to the portfolio file), a packaged scenario name, or a scenario "
                         "written inline (a mapping; it may start with 'extends: <file>').")
    start_year: int | None = F(None, 2000, 2100, "Calendar year of the community's renovation year (year 0); null = "
                                                 "the scenario's scenario.start_year. [calendar year]")
    in_district: bool = Field(True, description="The deal is signed in the portfolio's district: its commitments count "
                                                "in the district's budget test (false for a community elsewhere).")
    sets: list[str] = Field(default_factory=list, max_length=200,
                            description="Overrides of the scenario, as finmodel run --set: 'dotted.path=value'.")


class CorporateLoan(LoanTerms):
    """A loan to the firm itself (not to a community): drawn at the end of a calendar year."""

    amount_cny: float = F(0.0, 0.0, 1e11, "Amount drawn. [CNY]")
    draw_year: int | None = F(None, 2000, 2150, "Calendar year of the draw (end of year); null = the first year of the "
                                                "portfolio's calendar. [calendar year]")
    repayment: Literal["annuity", "equal_principal"] = Field("annuity", description="Repayment profile after grace.")


class Firm(Strict):
    """The operator firm: who pays the income tax and the VAT, and what it costs above the communities."""

    name: str = Field("operator", max_length=120, description="The firm's name.")
    legal_structure: Literal["one_entity", "project_companies"] = Field(
        "one_entity", description="'one_entity': one legal entity runs every community and pays one income tax and one "
                                  "VAT on their totals (a loss in one community offsets profit in another); "
                                  "'project_companies': one project company per community, each taxed stand-alone "
                                  "(the head office and the corporate loan sit in a holding with no taxable income).")
    head_office_cny_per_year: float = F(0.0, 0.0, 1e10, "Head-office costs shared by the communities, at the prices of "
                                                         "the first calendar year; no VAT. [CNY/year]")
    head_office_escalation: float = F(0.0, -0.2, 0.5, "Escalation of the head-office costs. [fraction/year]")
    head_office_from_year: int | None = F(None, 2000, 2150, "First calendar year of the head-office costs; null = the "
                                                            "first operating year of the portfolio. [calendar year]")
    staff: int = F(0, 0, 1_000_000, "Staff of the entity (head office and communities), for the small low-profit "
                                    "enterprise test. [persons]")
    small_enterprise_max_staff: int = F(300, 0, 1_000_000, "Small low-profit enterprise: at most this many staff. [persons]")
    small_enterprise_max_assets_cny: float = F(5e7, 0.0, 1e13, "Small low-profit enterprise: total assets at most this "
                                                               "(the entity's year-end balance sheet). [CNY]")
    corporate_loan: CorporateLoan = Field(default_factory=CorporateLoan)
    project_rate: float | None = F(None, 0.0, 1.0, "Discount rate of the firm's project NPV; null = the first "
                                                   "community's discount.project_rate. [fraction/year]")
    hurdle_rate: float | None = F(None, 0.0, 1.0, "The firm's hurdle rate (the verdict's tier-3 test); null = the first "
                                                  "community's verdict hurdle. [fraction/year]")
    max_equity_irr: float | None = F(None, 0.0, 1.0, "The micro-profit cap of the firm's verdict; null = the first "
                                                     "community's corridor.max_equity_irr. [fraction/year]")
    tax: Tax | None = Field(None, description="The entity's tax rules (one_entity); null = the first community's tax "
                                              "section.")


class District(Strict):
    """The district that signs the deals: its budget and the red line over all of them together."""

    name: str = Field("district", max_length=120, description="The district's name.")
    budget_expenditure_cny_per_year: float = F(1e10, 1e6, 1e13, "General public budget expenditure in budget_base_year. "
                                                                "[CNY/year]")
    budget_base_year: int | None = F(None, 2000, 2150, "Calendar year of that figure; null = the portfolio's first "
                                                       "year. [calendar year]")
    budget_growth: float = F(0.03, -0.5, 0.5, "Growth of the budget expenditure. [fraction/year]")
    existing_commitments_share: float = F(0.0, 0.0, 1.0, "Share of budget expenditure already committed to other "
                                                         "PPP-like outlays, every year. [fraction]")
    existing_commitments_placeholder: bool = Field(True, description="True while that share is a placeholder.")
    red_line: float = F(0.10, 0.0, 1.0, "Outlays at most this share of budget expenditure, each year. [fraction]")
    warning_level: float = F(0.07, 0.0, 1.0, "Warning level below the red line. [fraction]")

    @model_validator(mode="after")
    def _levels(self):
        return warning_below_red_line(self)


class Portfolio(Strict):
    """A portfolio file: the communities, the firm, the district."""

    portfolio: PortfolioInfo
    communities: list[Community] = Field(..., min_length=1, max_length=100_000)
    firm: Firm = Field(default_factory=Firm)
    district: District = Field(default_factory=District)
    sources: dict[str, str] = Field(default_factory=dict, description="Source note per dotted key.")
