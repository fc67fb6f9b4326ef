"""The public side on small cases whose numbers are derived by hand in each test.

Every expected value is written as the arithmetic that produces it, from the row definitions
of ``finmodel/model/government.py``; a figure from elsewhere says where it comes from. The
J-community figures at the time of writing, for orientation only (not asserted here; the golden
data hold them): public works 3,666.67 万元; the district's commitments PV 4,030.98 万元, 9,600 CNY
per household (868 paid to the operator, 8,732 its own works); national relief PV 70.65 万元;
public net cost PV 3,120.03 万元; forgone rent PV 246.46 万元 (renovated rent 3,430.60 万元 as a memo);
budget share peak 5.094 % of which the deal's own 0.094 %; VfM +2,325.96 万元.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from finmodel import engine
from finmodel import government as G
from finmodel.errors import InputError
from finmodel.scenarios import with_values

from .conftest import BASE_YAML, ROOT, case

EXEMPT_TIER = {"name": "only", "share": 1.0, "occupancy": {"start": 1, "target": 1, "ramp_years": 0},
               "escalation": 0.0, "lease_years": 50, "vat_category": "exempt"}
NO_TAX = {"income_tax_rate": 0.0, "surcharge_rate": 0.0}


def rent_space(annual_rent, vat_category="exempt"):
    """One tier on 1,000 m2 whose rent is `annual_rent` a year (VAT-inclusive), no ramp."""
    return {"total_area_m2": 1000, "leasable_ratio": 1.0,
            "tiers": [{**EXEMPT_TIER, "rent_cny_per_m2_day": annual_rent / 1000 / 365, "vat_category": vat_category}]}


def view(a, **kw):
    return G.government_view(engine.project(a), a, **kw)


def arrays(a, **kw):
    return G.compute(engine.project(a), a, **kw)


def by_year(v, purse, line):
    return v["purses"][purse][line]["by_year"]


# ------------------------------------------------------------------ the district's purse
def test_district_commitments_paid_to_the_operator_and_own_works_apart():
    # 3 operating years, no taxes at all (exempt rent, income tax 0, surcharges 0).
    # Public works 1,000,000 in year 0, 60 % from the district's budget: 600,000 (programmes 400,000).
    # Subsidy 100,000 in year 1 stepping down 50 %: [0, 100,000, 50,000, 0]; capital grant 20,000 in year 1.
    # Support paid to the operator [0, 120,000, 50,000, 0]; the district's commitments = support + 600,000 in year 0.
    # PV at 5 %: support 120,000/1.05 + 50,000/1.05^2 = 159,637.19; own works 600,000; per household (100): / 100.
    a = case(3, scenario={"households": 100}, space=rent_space(36_500),
             support={"subsidy_annual_cny": 100_000, "subsidy_first_year": 1, "subsidy_last_year": 2,
                      "subsidy_step_down": 0.5, "capital_grant_cny": 20_000, "capital_grant_year": 1},
             tax=NO_TAX,
             government={"discount_rate": 0.05, "public_works_cny": 1_000_000, "public_works_district_share": 0.6})
    v = view(a)
    assert by_year(v, "district", "subsidy_paid") == pytest.approx([0, 100_000, 50_000, 0])
    assert by_year(v, "district", "capital_grant") == pytest.approx([0, 20_000, 0, 0])
    assert by_year(v, "district", "support_to_operator") == pytest.approx([0, 120_000, 50_000, 0])
    assert by_year(v, "district", "district_works") == pytest.approx([600_000, 0, 0, 0])
    assert by_year(v, "wider_state", "programme_works") == pytest.approx([400_000, 0, 0, 0])
    assert by_year(v, "district", "district_commitment") == pytest.approx([600_000, 120_000, 50_000, 0])
    support_pv = 120_000 / 1.05 + 50_000 / 1.05 ** 2
    assert v["public_works_cny"] == pytest.approx(1_000_000)
    assert v["support_to_operator_pv"] == pytest.approx(support_pv, rel=1e-12)
    assert v["district_commitment_pv"] == pytest.approx(600_000 + support_pv, rel=1e-12)
    ph = v["per_household"]
    assert v["district_commitment_pv_per_household"] == pytest.approx((600_000 + support_pv) / 100, rel=1e-12)
    assert ph["support_to_operator_pv"] == pytest.approx(support_pv / 100, rel=1e-12)      # 1,596.37
    assert ph["district_works_pv"] == pytest.approx(6_000, rel=1e-12)
    # the whole public purse: all the works + support (no relief, no taxes)
    assert v["public_commitment_pv"] == pytest.approx(1_000_000 + support_pv, rel=1e-12)
    # the 2023 mechanism: only the capital grant paid to the operator pays for construction, not the works
    assert v["affordability"]["construction_support"] == pytest.approx(20_000)
    assert "20,000 CNY of capital grants" in v["notes"][1]
    # no households: no figure per household (None in JSON), never a silent 0
    assert view(with_values(a, {"scenario.households": 0}))["district_commitment_pv_per_household"] is None


def test_public_works_alone_are_not_support_for_construction():
    v = view(case(2, government={"public_works_cny": 500_000}))
    assert v["affordability"]["construction_support_flag"] is False
    assert "no support paid to the operator here pays for construction" in v["notes"][1]
    assert "500,000" in v["notes"][1]
    assert v["support_to_operator_pv"] == 0


def test_taxes_shared_between_the_district_and_the_wider_state():
    # Rent 1,090,000 a year VAT-inclusive (leasing, general taxpayer, 9 % from 2019), 2 years, no relief:
    # VAT 90,000; surcharges 12 % x 90,000 = 10,800; income tax 25 % x (1,000,000 - 10,800) = 247,300:
    # the operator's taxes 348,100 a year.
    # The district keeps 50 % of VAT, 40 % of income tax, all surcharges (the schema's defaults, the
    # national split): 45,000 + 98,920 + 10,800 = 154,720 a year; the wider state 193,380.
    # Public works 545,000 (all the district's) with 9 % VAT inside: 545,000 x 0.09/1.09 = 45,000, to the state.
    a = case(2, space=rent_space(1_090_000, "leasing"),
             government={"discount_rate": 0.04, "public_works_cny": 545_000})
    v = view(a)
    assert by_year(v, "public", "operator_taxes") == pytest.approx([0, 348_100, 348_100])
    assert by_year(v, "public", "public_works_vat") == pytest.approx([45_000, 0, 0])
    assert by_year(v, "district", "district_taxes") == pytest.approx([0, 154_720, 154_720])
    assert by_year(v, "wider_state", "state_taxes") == pytest.approx([45_000, 193_380, 193_380])
    assert by_year(v, "district", "district_net_cost") == pytest.approx([545_000, -154_720, -154_720])
    assert by_year(v, "wider_state", "state_net_cost") == pytest.approx([-45_000, -193_380, -193_380])
    # the whole public purse: works + support - the taxes returning = the two purses' sum
    assert by_year(v, "public", "net_cost") == pytest.approx([500_000, -348_100, -348_100])
    d = 1 / 1.04 + 1 / 1.04 ** 2
    assert v["district_net_cost_pv"] == pytest.approx(545_000 - 154_720 * d, rel=1e-12)
    assert v["net_cost_pv"] == pytest.approx(500_000 - 348_100 * d, rel=1e-12)
    assert v["district_tax_share"]["effective"] == pytest.approx(154_720 / 348_100, rel=1e-12)     # 44.4 %
    assert v["district_tax_share"]["vat"] == 0.5
    # the shares are inputs: a district that keeps 25 % of VAT and 20 % of income tax
    v2 = view(with_values(a, {"government.district_tax_share.vat": 0.25,
                              "government.district_tax_share.income_tax": 0.2}))
    # 25 % x 90,000 + 20 % x 247,300 + 10,800 = 22,500 + 49,460 + 10,800 = 82,760
    assert by_year(v2, "district", "district_taxes") == pytest.approx([0, 82_760, 82_760])


def test_vat_inside_the_operators_purchases_returns_to_the_state_whatever_its_status():
    # A small-scale operator buys capex 1,090,000 with 9 % VAT inside (90,000) and credits none of it;
    # its supplier remits the 90,000 all the same: taxes returning to the public purse in year 0.
    # Exempt rent, income tax 0: nothing else.
    a = case(2, space=rent_space(100_000), tax={"taxpayer_status": "small_scale", **NO_TAX},
             capex={"renovation_cny": 1_090_000, "input_vat_rate": 0.09, "life_years": 2})
    v = view(a)
    assert by_year(v, "public", "supplier_vat") == pytest.approx([90_000, 0, 0])
    assert by_year(v, "public", "taxes_to_state") == pytest.approx([90_000, 0, 0])
    assert by_year(v, "wider_state", "state_taxes") == pytest.approx([90_000, 0, 0])     # not the district's
    assert by_year(v, "district", "district_taxes") == pytest.approx([0, 0, 0])


def test_national_relief_small_enterprise_bands_and_holiday():
    # Exempt rent of 2,000,000 a year, no cost: taxable income 2,000,000 in 2020, 2021, 2022.
    # Without relief: 25 % = 500,000 a year.
    # With the small low-profit bands and a one-year holiday:
    #   2020 (year 1): holiday -> 0                               relief 500,000
    #   2021: 2.5 % x 1,000,000 + 10 % x 1,000,000 = 125,000      relief 375,000
    #   2022: 2.5 % x 1,000,000 +  5 % x 1,000,000 =  75,000      relief 425,000
    # Relief PV at 5 %: 500,000/1.05 + 375,000/1.05^2 + 425,000/1.05^3: the wider state's, not the district's.
    a = case(3, space=rent_space(2_000_000),
             support={"income_tax_holiday_years": 1},
             tax={"small_enterprise_relief": True},
             government={"discount_rate": 0.05})
    pj = engine.project(a)
    assert pj["income_tax"][0] == pytest.approx([0, 0, 125_000, 75_000])
    c = G.compute(pj, a)
    assert c["national_relief"][0] == pytest.approx([0, 500_000, 375_000, 425_000])
    assert c["operator_taxes"][0] == pytest.approx([0, 0, 125_000, 75_000])
    assert c["public_commitment"][0] == pytest.approx([0, 500_000, 375_000, 425_000])
    assert c["district_commitment"][0] == pytest.approx([0, 0, 0, 0])              # not a district commitment
    assert c["net_cost"][0] == pytest.approx([0, 0, -125_000, -75_000])           # relief not subtracted twice
    pv = 500_000 / 1.05 + 375_000 / 1.05 ** 2 + 425_000 / 1.05 ** 3
    assert G.government_metrics(pj, a)["gov_national_relief_pv"][0] == pytest.approx(pv, rel=1e-12)
    # the relief is the same scenario projected with the reliefs off, less the taxes paid
    off = engine.project(with_values(a, G.RELIEF_OFF))
    assert off["income_tax"][0] == pytest.approx([0, 500_000, 500_000, 500_000])
    taxes_off = off["vat_payable"] + off["surcharges"] + off["income_tax"]
    assert c["national_relief"][0] == pytest.approx((taxes_off - c["operator_taxes"])[0])


def test_national_relief_includes_the_small_scale_surcharge_halving():
    # Small-scale taxpayer, leasing rent 1,050,000 a year at 5 %: VAT 50,000 a year;
    # surcharges 12 % x 50,000 = 6,000, halved in 2019-2027 -> 3,000. Income tax 0 here.
    # Relief = 3,000 a year (the halving), nothing else.
    a = case(2, space=rent_space(1_050_000, "leasing"),
             tax={"taxpayer_status": "small_scale", "income_tax_rate": 0.0})
    c = arrays(a)
    assert c["operator_taxes"][0] == pytest.approx([0, 53_000, 53_000])
    assert c["national_relief"][0] == pytest.approx([0, 3_000, 3_000])


def test_a_vat_refund_is_taken_back_from_the_state():
    # Capex 1,090,000 with 90,000 VAT inside, rent 109,000 a year (9,000 output VAT): the credit is
    # 81,000 after year 1, refunded in 2020 (tax.vat_credit_refund_year): the operator's VAT that year
    # is 0 - 81,000 = -81,000. Over 2 years the state keeps 90,000 (supplier) - 81,000 + 9,000 (year 2) = 18,000:
    # the output VAT of the two years. No income tax, no surcharges.
    a = case(2, space=rent_space(109_000, "leasing"), tax={**NO_TAX, "vat_credit_refund_year": 2020},
             capex={"renovation_cny": 1_090_000, "input_vat_rate": 0.09, "life_years": 2})
    v = view(a)
    assert by_year(v, "public", "operator_taxes") == pytest.approx([0, -81_000, 9_000])
    assert by_year(v, "public", "taxes_to_state") == pytest.approx([90_000, -81_000, 9_000])
    assert v["purses"]["public"]["taxes_to_state"]["total"] == pytest.approx(18_000)


# ------------------------------------------------------------------ affordability
def afford_case(subsidy, existing=0.0, growth=0.0, works=0.0, grant=0.0, grant_year=1, **gov):
    return case(2, support={"subsidy_annual_cny": subsidy, "subsidy_first_year": 1, "subsidy_last_year": 2,
                            "capital_grant_cny": grant, "capital_grant_year": grant_year},
                tax={"income_tax_rate": 0.0},
                government={"budget_expenditure_cny_per_year": 1_000_000, "budget_growth": growth,
                            "existing_commitments_share": existing, "public_works_cny": works, **gov})


def test_red_line_flips_exactly_at_ten_percent():
    # Budget 1,000,000 a year (no growth); subsidy 100,000 a year: share 100,000 / 1,000,000 = 10 %
    # exactly: at the line, so ok. One CNY more: 10.0001 %, over the line.
    at = view(afford_case(100_000))
    assert at["budget_share_peak"] == 0.1
    assert at["red_line_ok"] is True
    over = view(afford_case(100_001))
    assert over["budget_share_peak"] == pytest.approx(0.100001)
    assert over["red_line_ok"] is False
    # 7 % already committed + 30,000 / 1,000,000 = 3 %: 10 %, ok; one CNY more is not
    assert view(afford_case(30_000, existing=0.07))["red_line_ok"] is True
    assert view(afford_case(30_001, existing=0.07))["red_line_ok"] is False
    # a share that is 10 % on paper but sums to 0.10000000000000002 in floating point is not
    # failed (relative tolerance 1e-12): 0.6 % committed + public works of 9.4 % of the
    # year-0 budget 1,000,000 / 1.05
    works = 0.094 * 1_000_000 / 1.05
    v = view(afford_case(0, existing=0.006, growth=0.05, works=works))
    assert v["budget_share_peak"] > 0.1 and v["budget_share_peak"] == pytest.approx(0.1, abs=1e-15)
    assert v["red_line_ok"] is True
    # the line itself is an input: at 9 % the 10 % case fails
    assert view(afford_case(100_000, red_line=0.09, warning_level=0.05))["red_line_ok"] is False


def test_budget_share_by_year_the_deals_own_peak_and_warning():
    # Budget 1,000,000 in year 1 growing 25 %: year 0 1,000,000/1.25 = 800,000; year 2 1,250,000.
    # Public works 40,000 (year 0, the district's) -> 5 %; subsidy 60,000 -> 6 % in year 1;
    # year 2: subsidy 60,000 + capital grant 40,000 = 100,000 / 1,250,000 = 8 %.
    # The deal's own shares [5 %, 6 %, 8 %], peak 8 %; plus 1 % already committed: [6 %, 7 %, 9 %];
    # peak 9 % in 2021; above the 7 % warning, under 10 %.
    v = view(afford_case(60_000, existing=0.01, growth=0.25, works=40_000, grant=40_000, grant_year=2))
    aff = v["affordability"]
    assert aff["budget_expenditure_by_year"] == pytest.approx([800_000, 1_000_000, 1_250_000])
    assert aff["deal_share_by_year"] == pytest.approx([0.05, 0.06, 0.08])
    assert aff["share_by_year"] == pytest.approx([0.06, 0.07, 0.09])
    assert v["budget_share_peak"] == pytest.approx(0.09)
    assert v["deal_budget_share_peak"] == pytest.approx(0.08)
    assert v["budget_share_peak_year"] == 2021
    assert aff["above_warning"] is True and v["red_line_ok"] is True
    # tax relief is not a budget outlay: the same case with a tax holiday has the same shares
    a2 = with_values(afford_case(60_000, existing=0.01, growth=0.25, works=40_000, grant=40_000,
                                 grant_year=2), {"support.income_tax_holiday_years": 2, "tax.income_tax_rate": 0.25})
    assert view(a2)["affordability"]["share_by_year"] == pytest.approx([0.06, 0.07, 0.09])
    # works paid by the central and city programmes are not the district's: half of them -> 2.5 % in year 0
    a3 = with_values(afford_case(60_000, growth=0.25, works=40_000), {"government.public_works_district_share": 0.5})
    assert view(a3)["affordability"]["deal_share_by_year"][0] == pytest.approx(0.025)


def test_the_districts_share_of_taxes_is_shown_beside_the_test():
    # Budget 1,000,000; subsidy 100,000 a year (10 % of the budget); exempt rent 1,000,000 taxed at 25 %:
    # income tax 250,000 a year, the district's 40 % = 100,000. Net of it the district pays nothing:
    # net share [0, 0, 0]; the red-line test stays on the outlays (10 %).
    a = case(2, space=rent_space(1_000_000),
             support={"subsidy_annual_cny": 100_000, "subsidy_first_year": 1, "subsidy_last_year": 2,
                      "subsidy_taxable": False},
             government={"budget_expenditure_cny_per_year": 1_000_000, "budget_growth": 0.0})
    aff = view(a)["affordability"]
    assert aff["deal_share_by_year"] == pytest.approx([0, 0.1, 0.1])
    assert aff["net_share_by_year"] == pytest.approx([0, 0, 0], abs=1e-15)


def test_the_existing_commitments_placeholder_warns():
    # 5 % placeholder + a deal of 1 % (10,000 of 1,000,000): the warning says 5.00 of the 6.00 points.
    v = view(afford_case(10_000, existing=0.05))
    assert v["affordability"]["existing_commitments_placeholder"] is True
    assert len(v["warnings"]) == 1
    assert "placeholder" in v["warnings"][0] and "5.00 of the 6.00 points" in v["warnings"][0]
    assert any(line.startswith("Warning ") and "placeholder" in line for line in G.summary_lines(v))
    assert v["warnings_zh"] and "占位假设" in v["warnings_zh"][0]
    # stated as the district's published figure: no warning
    v2 = view(afford_case(10_000, existing=0.05, existing_commitments_placeholder=False))
    assert v2["warnings"] == []
    # the Government view sheet carries the warning as a note only while it is a placeholder
    notes = [r.en for r in engine.project(afford_case(10_000, existing=0.05)).model.sheets["government"]
             if r.kind == "note"]
    assert any(n.startswith("Warning: the existing commitments share is a placeholder") for n in notes)
    notes2 = [r.en for r in engine.project(afford_case(10_000, existing=0.05, existing_commitments_placeholder=False))
              .model.sheets["government"] if r.kind == "note"]
    assert not any("placeholder" in n for n in notes2)


def test_notes_indicative_and_formal():
    v = view(afford_case(10_000, works=40_000, grant=5_000))
    assert v["affordability"]["indicative"] is True and v["affordability"]["formal_ppp"] is False
    assert "indicative" in v["notes"][0]
    assert "5,000 CNY of capital grants" in v["notes"][1]          # the grant only, not the works
    v2 = view(afford_case(10_000, formal_ppp=True))
    assert v2["affordability"]["construction_support_flag"] is False
    assert "applies" in v2["notes"][0]


# ------------------------------------------------------------------ value for money
def vfm_toy(rate=0.05, vat=True, delay=6.0):
    """Two operating years. Concession: public works W, the operator's capex K, rent R (leasing),
    no subsidy, no income tax or surcharges. Comparator: W, the renovation K + 10 % overrun,
    running costs O, the property service P, the same rent R (factor 1) less the opening delay.
    With VAT (9 % on works, capex and rent; 6 % on running costs and the service) the amounts are
    VAT-inclusive; without, they are the same net amounts at 0 %."""
    v9, v6 = (0.09, 0.06) if vat else (0.0, 0.0)
    return case(2, space=rent_space(300_000 * (1 + v9), "leasing"),
                property_service={"base_area_m2": 1000, "fee_steps": [{"from_year": 1, "fee_cny_per_m2_month": 0.0}]},
                capex={"renovation_cny": 200_000 * (1 + v9), "input_vat_rate": v9, "life_years": 2},
                tax={**NO_TAX, "vat": {"general_leasing": [{"from_year": 2016, "rate": v9}]}},
                government={"discount_rate": rate, "public_works_cny": 100_000 * (1 + v9), "public_works_vat_rate": v9,
                            "comparator": {"renovation_cny": 200_000 * (1 + v9), "capex_vat_rate": v9,
                                           "capex_overrun": 0.10, "delay_months": delay,
                                           "opex_cny_per_year": 50_000 * (1 + v6), "opex_escalation": 0.0,
                                           "opex_vat_rate": v6, "service_price_cny_per_m2_month": 1.0 * (1 + v6),
                                           "service_price_escalation": 0.0, "service_vat_rate": v6,
                                           "collection_rate": 0.5, "revenue_factor": 1.0}})


def test_vfm_two_year_toy_by_hand():
    # Concession (whole public purse):
    #   year 0: works 109,000, less the VAT in it 9,000 and the VAT in the operator's capex 18,000 -> 82,000
    #   year 1: the operator's VAT 27,000 output - 18,000 credit = 9,000 -> -9,000
    #   year 2: 27,000 -> -27,000
    # Comparator:
    #   year 0: works 109,000 + renovation 218,000 x 1.1 = 239,800, less VAT 9,000 + 19,800 -> 320,000
    #   year 1: running 53,000 + service 1.06 x 1,000 m2 x 12 = 12,720 (fees 0: nothing to collect)
    #           - rent 327,000 x (1 - 6/12) = 163,500 - VAT 3,000 + 720 -> -101,500
    #   year 2: 53,000 + 12,720 - 327,000 - 3,720 -> -265,000
    # VfM = PV comparator - PV concession at 5 %:
    #   (320,000 - 82,000) + (-101,500 + 9,000)/1.05 + (-265,000 + 27,000)/1.05^2 = -84,005.67
    v = view(vfm_toy())
    vf = v["value_for_money"]
    assert by_year(v, "public", "net_cost") == pytest.approx([82_000, -9_000, -27_000])
    assert vf["comparator_by_year"]["net_cost"] == pytest.approx([320_000, -101_500, -265_000])
    assert vf["comparator_by_year"]["renovation"] == pytest.approx([239_800, 0, 0])
    assert vf["comparator_by_year"]["service_paid"] == pytest.approx([0, 12_720, 12_720])
    assert vf["comparator_by_year"]["receipts"] == pytest.approx([0, 163_500, 327_000])
    assert vf["comparator_by_year"]["vat"] == pytest.approx([28_800, 3_720, 3_720])
    psc = 320_000 - 101_500 / 1.05 - 265_000 / 1.05 ** 2
    conc = 82_000 - 9_000 / 1.05 - 27_000 / 1.05 ** 2
    assert vf["comparator_net_cost_pv"] == pytest.approx(psc, rel=1e-12)
    assert vf["concession_net_cost_pv"] == pytest.approx(conc, rel=1e-12)
    assert v["vfm"] == pytest.approx(238_000 - 92_500 / 1.05 - 238_000 / 1.05 ** 2, rel=1e-12)   # -84,005.67
    assert vf["better_value"] == "comparator"


def test_vfm_treats_vat_the_same_on_both_sides():
    # Without the opening delay, the toy with VAT and its twin with the same net amounts at 0 % VAT
    # have the same VfM at a 0 % rate: VAT moves money inside the public purse, on both sides alike.
    # At 5 % they differ only by the operator's credit: its supplier remits 18,000 in year 0 and the
    # operator deducts it in year 1, so the state holds it a year: 18,000 x (1 - 1/1.05) = 857.14.
    at0 = [view(vfm_toy(rate=0.0, vat=x, delay=0.0))["vfm"] for x in (True, False)]
    assert at0[0] == pytest.approx(at0[1], abs=1e-6)
    assert at0[1] == pytest.approx(-256_000)          # 320,000 - 2 x 238,000 - 100,000
    at5 = [view(vfm_toy(rate=0.05, vat=x, delay=0.0))["vfm"] for x in (True, False)]
    assert at5[0] - at5[1] == pytest.approx(18_000 * (1 - 1 / 1.05), rel=1e-9)


def test_the_vat_symmetry_test_fails_on_a_one_sided_treatment():
    """The test above can fail: VAT returned on the comparator's purchases and the public works but
    not on the operator's (its credit counted, its supplier's VAT not) is off by the 18,000 at 0 %;
    the treatment before issue 12 (no VAT returned but the operator's) by 9,240."""
    from finmodel import model

    def one_sided(m):
        m["gov_taxes_to_state"].expr = m["gov_operator_taxes"] + m["gov_public_works_vat"]

    def before(m):
        m["gov_taxes_to_state"].expr = m["gov_operator_taxes"] + 0 * m["t"]
        m["gov_psc_vat"].expr = 0 * m["t"]

    for perturb, off in ((one_sided, -18_000), (before, 9_240)):
        model.BUILDERS.append(perturb)
        try:
            at0 = [view(vfm_toy(rate=0.0, vat=x, delay=0.0))["vfm"] for x in (True, False)]
        finally:
            model.BUILDERS.remove(perturb)
        assert at0[0] - at0[1] == pytest.approx(off, abs=1e-6)


def test_comparator_service_fees_overrun_escalation_and_own_rate():
    # Base area 1,000 m2, fee 0.5 CNY/m2/month -> the fee table is 6,000 a year; the provider collects
    # 60 % of it: 3,600. The service price 0.4 CNY/m2/month escalating 10 %: [0, 4,800, 5,280, 5,808];
    # what the street office pays = price - fees, never below 0: [0, 1,200, 1,680, 2,208].
    # Running costs 50,000 + 20 % overrun = 60,000 escalating 10 %: [0, 60,000, 66,000, 72,600].
    # Receipts: revenue_factor 0.9 x (rent 30,000 + parking 10 spaces x 100 x 12 = 12,000) = 37,800, no delay.
    # Renovation 200,000 with no overrun; no VAT inside anything (rates 0).
    # Net cost [200,000, 23,400, 29,880, 37,008] at the comparator's own 10 %.
    a = case(3, space=rent_space(30_000),
             property_service={"base_area_m2": 1000, "fee_steps": [{"from_year": 1, "fee_cny_per_m2_month": 0.5}]},
             parking={"existing_spaces": 10, "fee_cny_per_space_month": 100.0},
             tax={"income_tax_rate": 0.0},
             government={"discount_rate": 0.05,
                         "comparator": {"renovation_cny": 200_000, "capex_vat_rate": 0.0,
                                        "opex_cny_per_year": 50_000, "opex_overrun": 0.2, "opex_escalation": 0.10,
                                        "service_price_cny_per_m2_month": 0.4, "service_price_escalation": 0.10,
                                        "service_vat_rate": 0.0, "collection_rate": 0.6, "revenue_factor": 0.9,
                                        "discount_rate": 0.10}})
    c = arrays(a)
    assert c["psc_renovation"][0] == pytest.approx([200_000, 0, 0, 0])
    assert c["psc_opex"][0] == pytest.approx([0, 60_000, 66_000, 72_600])
    assert c["psc_service"][0] == pytest.approx([0, 4_800, 5_280, 5_808])
    assert c["psc_fees_by_provider"][0] == pytest.approx([0, 3_600, 3_600, 3_600])
    assert c["psc_service_paid"][0] == pytest.approx([0, 1_200, 1_680, 2_208])
    assert c["psc_receipts"][0] == pytest.approx([0, 37_800, 37_800, 37_800])
    assert c["psc_net_cost"][0] == pytest.approx([200_000, 23_400, 29_880, 37_008])
    assert c["psc_net_cost_pv"][0] == pytest.approx(200_000 + 23_400 / 1.1 + 29_880 / 1.1 ** 2 + 37_008 / 1.1 ** 3,
                                                    rel=1e-12)
    assert c["rates"]["comparator"][0] == 0.10 and c["rates"]["government"][0] == 0.05
    # fees above the price: the street office pays 0, never a negative amount
    c2 = arrays(with_values(a, {"government.comparator.service_price_cny_per_m2_month": 0.2}))
    assert c2["psc_service_paid"][0] == pytest.approx([0, 0, 0, 0])


def test_vfm_sign_change_by_hand():
    # No taxes, no VAT. Concession: public works C0 in year 0, a flat subsidy s in years 1-4.
    # Comparator: C0 + renovation K in year 0, running costs O a year, receipts = the same rent R.
    #   PV_psc = C0 + K + (O - R) a(4, r),   PV_conc = C0 + s a(4, r)
    #   VfM = 0  at  s* = K / a(4, r) + (O - R).
    R, O, K, C0, r = 30_000.0, 50_000.0, 400_000.0, 600_000.0, 0.05
    ann = (1 - (1 + r) ** -4) / r                                      # 3.5459505
    s_star = K / ann + (O - R)                                         # 132,804.74

    def toy(s):
        return case(4, space=rent_space(R),
                    support={"subsidy_annual_cny": s, "subsidy_first_year": 1, "subsidy_last_year": 4},
                    tax={"income_tax_rate": 0.0},
                    government={"discount_rate": r, "public_works_cny": C0, "public_works_vat_rate": 0.0,
                                "comparator": {"renovation_cny": K, "capex_vat_rate": 0.0, "opex_cny_per_year": O,
                                               "opex_escalation": 0.0, "revenue_factor": 1.0}})

    v = view(toy(100_000))
    assert v["value_for_money"]["comparator_net_cost_pv"] == pytest.approx(C0 + K + (O - R) * ann, rel=1e-12)
    assert v["vfm"] == pytest.approx(K + (O - R - 100_000) * ann, rel=1e-12)     # +113,675.8
    a = toy(0)
    subs = np.array([s_star - 1.0, s_star, s_star + 1.0])
    m = G.government_metrics(engine.project(a, {"support.subsidy_annual_cny": subs}), a)
    assert m["gov_vfm"][0] == pytest.approx(ann, rel=1e-6)               # 1 CNY a year less: +a(4, r)
    assert abs(m["gov_vfm"][1]) < 1e-6
    assert m["gov_vfm"][2] == pytest.approx(-ann, rel=1e-6)


# ------------------------------------------------------------------ forgone rent
def test_forgone_rent_at_the_next_best_use_and_the_renovated_rent_as_a_memo():
    # Next-best use 0.25 CNY/m2/day x 1,000 m2 x 365 = 91,250 in year 1, +10 % a year: [0, 91,250, 100,375];
    # PV at 5 %: 91,250/1.05 + 100,375/1.05^2. The renovated space lets for 365,000 a year (the operator's
    # gross rent, exempt): the memo [0, 365,000, 365,000]. Neither is in commitments or net cost.
    a = case(2, space=rent_space(365_000), tax=NO_TAX,
             government={"discount_rate": 0.05, "forgone_rent_cny_per_m2_day": 0.25, "forgone_rent_escalation": 0.10})
    v = view(a)
    assert by_year(v, "memo", "forgone_rent") == pytest.approx([0, 91_250, 100_375])
    assert v["forgone_rent_pv"] == pytest.approx(91_250 / 1.05 + 100_375 / 1.05 ** 2, rel=1e-12)
    assert by_year(v, "memo", "renovated_rent") == pytest.approx([0, 365_000, 365_000])
    assert v["renovated_rent_pv"] == pytest.approx(365_000 / 1.05 + 365_000 / 1.05 ** 2, rel=1e-12)
    assert v["public_commitment_pv"] == 0 and v["net_cost_pv"] == 0


# ------------------------------------------------------------------ residents' purse
def test_residents_fee_against_a_pensioners_income():
    # Base area 1,000 m2 for 10 households: 100 m2 each (the expanded area from year 2 is other
    # households' and does not change it). Fee 1.0 CNY/m2/month, 1.5 from year 3:
    # per household per month [0, 100, 100, 150]. Collection ramps 0.5 -> 1.0 over 2 years:
    # [0, 0.5, 0.75, 1.0], so the average paid per household [0, 50, 75, 150].
    # A pensioner's income 2,000 a month growing 25 %: [-, 2,000, 2,500, 3,125]; the fee's share
    # [-, 5 %, 4 %, 4.8 %]. Parking 100 CNY/space/month escalating 10 %: [0, 100, 110, 121].
    # Changes, last year over year 1: fee +50 %; against wages (+20 % a year, index 1.44 in year 3)
    # 150 / 1.44 / 100 - 1 = +4.1667 %; parking +21 %.
    a = case(3, scenario={"households": 10}, macro={"cpi_inflation": 0.0, "wage_inflation": 0.2},
             property_service={"base_area_m2": 1000, "expanded_area_m2": 500, "expansion_from_year": 2,
                               "fee_steps": [{"from_year": 1, "fee_cny_per_m2_month": 1.0},
                                             {"from_year": 3, "fee_cny_per_m2_month": 1.5}],
                               "collection": {"start": 0.5, "target": 1.0, "ramp_years": 2}},
             parking={"existing_spaces": 5, "fee_cny_per_space_month": 100.0, "escalation": 0.10},
             government={"pensioner_income_cny_per_month": 2000, "pensioner_income_growth": 0.25})
    r = view(a)["residents"]
    assert r["floor_area_per_household_m2"] == pytest.approx(100)
    assert r["property_fee_per_household_month"] == pytest.approx([0, 100, 100, 150])
    assert r["paying_household_share"] == pytest.approx([0, 0.5, 0.75, 1.0])
    assert r["average_fee_per_household_month"] == pytest.approx([0, 50, 75, 150])
    assert r["pensioner_income_per_month"][1:] == pytest.approx([2_000, 2_500, 3_125])
    assert r["pensioner_income_share"][0] is None                        # no income in year 0: not defined
    assert r["pensioner_income_share"][1:] == pytest.approx([0.05, 0.04, 0.048])
    assert r["parking_fee_per_space_month"] == pytest.approx([0, 100, 110, 121])
    assert r["property_fee_change"] == pytest.approx(0.5)
    assert r["property_fee_change_vs_wages"] == pytest.approx(150 / 1.44 / 100 - 1)
    assert r["parking_fee_change"] == pytest.approx(0.21)
    # a stated share of paying households replaces the collection rate: 0.8 x 100 = 80
    r2 = view(with_values(a, {"government.paying_household_share": 0.8}))["residents"]
    assert r2["paying_household_share"] == pytest.approx([0, 0.8, 0.8, 0.8])
    assert r2["average_fee_per_household_month"] == pytest.approx([0, 80, 80, 120])
    # no pensioner's income stated: no share (None), never a silent 0
    r3 = view(with_values(a, {"government.pensioner_income_cny_per_month": None}))["residents"]
    assert r3["pensioner_income_share"] == [None] * 4


# ------------------------------------------------------------------ invariants, vectorised, JSON, errors
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(works=st.floats(0, 5e7), district=st.floats(0, 1), vat=st.floats(0, 1), cit=st.floats(0, 1),
       surch=st.floats(0, 1), subsidy=st.floats(0, 3e6))
def test_the_purses_add_up(base, works, district, vat, cit, surch, subsidy):
    """District + wider state = the whole public purse, whatever the shares (the Checks sheet tests it too)."""
    a = with_values(base, {"government.public_works_cny": works, "government.public_works_district_share": district,
                           "government.district_tax_share.vat": vat, "government.district_tax_share.income_tax": cit,
                           "government.district_tax_share.surcharges": surch, "support.subsidy_annual_cny": subsidy})
    pj = engine.project(a)
    c = G.compute(pj, a)
    scale = 1e-9 * max(1.0, works, subsidy)
    assert c["pv_net_cost"][0] == pytest.approx(c["pv_district_net_cost"][0] + c["pv_state_net_cost"][0], abs=scale * 10)
    assert c["pv_public_commitment"][0] == pytest.approx(
        c["pv_district_commitment"][0] + c["pv_public_works"][0] * (1 - district) + c["pv_national_relief"][0], abs=scale * 10)
    assert c["budget_share_peak"][0] >= c["deal_budget_share_peak"][0]
    assert pj.scalar("chk_purses")[0] == 0


def test_the_purses_check_can_fail(base):
    """The Checks sheet's purse reconciliation catches a wrong split (the wider state's taxes forget the district's)."""
    from finmodel import model

    def forget_the_district(m):
        m["gov_state_taxes"].expr = m["gov_taxes_to_state"]

    model.BUILDERS.append(forget_the_district)
    try:
        pj = engine.project(base)
        assert pj.scalar("chk_purses")[0] == 1
        assert pj.scalar("master_check")[0] >= 1
    finally:
        model.BUILDERS.remove(forget_the_district)
    assert engine.project(base).scalar("chk_purses")[0] == 0


def test_vectorised_equals_one_scenario_at_a_time(base):
    # engine inputs, government inputs and a relief input varied together over 4 scenarios
    vary = {"support.subsidy_annual_cny": np.array([0, 5e5, 2e6, 4e6]),
            "support.income_tax_holiday_years": np.array([0, 1, 3, 0]),
            "government.discount_rate": np.array([0.02, 0.035, 0.04, 0.05]),
            "government.comparator.collection_rate": np.array([0.3, 0.6, 0.7, 0.9]),
            "government.district_tax_share.vat": np.array([0.1, 0.25, 0.5, 1.0]),
            "government.pensioner_income_cny_per_month": np.array([2000, 3000, 4000, 5000]),
            "government.existing_commitments_share": np.array([0.0, 0.05, 0.08, 0.099])}
    pj = engine.project(base, vary)
    many = G.government_metrics(pj, base)
    for i in range(4):
        b = with_values(base, {k: (int(x[i]) if k.endswith("holiday_years") else float(x[i])) for k, x in vary.items()})
        one = G.government_metrics(engine.project(b), b)
        for k in G.GOV_METRIC_NAMES:
            assert many[k][i] == pytest.approx(one[k][0], rel=1e-12, abs=1e-6), (k, i)
    c = G.compute(pj, base)
    assert c["district_commitment"].shape == (4, 21) and c["vfm"].shape == (4,)
    # chunked evaluation gives the same numbers, engine metrics alongside
    ev = G.evaluate(base, vary, chunk_size=3, metrics=("npv", "gov_vfm", "gov_budget_share_peak"))
    assert ev["gov_vfm"] == pytest.approx(many["gov_vfm"], rel=1e-12)
    assert ev["npv"] == pytest.approx(pj.metrics()["npv"], rel=1e-12)


def test_json_ready_and_required_keys(base):
    v = G.government_view(engine.project(base), base)
    text = json.dumps(v, allow_nan=False)            # plain Python, no NaN
    for key in ("public_works_cny", "support_to_operator_pv", "district_tax_share", "national_relief_pv",
                "district_commitment_pv", "district_commitment_pv_per_household", "net_cost_pv", "forgone_rent_pv",
                "budget_share_peak", "deal_budget_share_peak", "red_line_ok", "vfm", "residents", "purses", "warnings"):
        assert key in v, key
    assert {"property_fee_per_household_month", "pensioner_income_share"} <= set(v["residents"])
    assert len(v["residents"]["pensioner_income_share"]) == 21
    assert len(by_year(v, "district", "district_commitment")) == 21 and isinstance(v["red_line_ok"], bool)
    assert 0 < v["budget_share_peak"] < 1 and "36,666,667" in text
    lines = G.summary_lines(v)                       # the terminal block: amounts in 万元
    assert any(ln.startswith("Value for money") and "万元" in ln for ln in lines)
    assert any(ln.startswith("District commitments") and "paid to the operator" in ln for ln in lines)
    # Chinese first: the same block in Chinese for a zh reader (the notes and warnings too)
    from finmodel.i18n import use
    with use("zh"):
        zh = G.summary_lines(v)
    assert any(ln.startswith("区级财政支出责任") and "支付给运营方" in ln for ln in zh)
    assert any(ln.startswith("警告") and "占位假设" in ln for ln in zh)
    assert any(ln.startswith("说明") and "2023年PPP新机制" in ln for ln in zh)


def test_errors_and_renamed_names():
    a = case(2, tax={"small_enterprise_relief": True})
    pj = engine.project(a, {"support.subsidy_annual_cny": np.array([0.0, 1.0])})
    assert G.compute(pj, a)["national_relief"].shape == (2, 3)     # the relief of each scenario, from the engine
    with pytest.raises(InputError, match="unknown metric"):
        G.government_metrics(pj, a, names=("gov_npv",))
    with pytest.raises(InputError, match=r"gov_commitment_pv' \(renamed: gov_district_commitment_pv"):
        G.government_metrics(pj, a, names=("gov_commitment_pv",))
    from finmodel import breakeven
    from finmodel.errors import UsageError
    with pytest.raises(UsageError, match=r"renamed: gov_national_relief_pv"):
        breakeven.parse_target("gov_tax_relief_pv=0")
    with pytest.raises(InputError, match="detail=True"):
        G.compute(engine.project(a, detail=False), a)          # the batch projection has no government rows
    with pytest.raises(InputError, match="warning_level"):
        case(2, government={"red_line": 0.05, "warning_level": 0.07})
    with pytest.raises(InputError):
        case(2, government={"discount_rate": -0.01})
    # a YAML written before issue 12 is told where its keys went
    with pytest.raises(InputError, match=r"co_investment_cny.*renamed: government.public_works_cny"):
        case(2, government={"co_investment_cny": 1.0})
    with pytest.raises(InputError, match=r"capex_cny.*renamed: government.comparator.renovation_cny"):
        case(2, government={"comparator": {"capex_cny": 1.0}})


def test_j_community_government_section_is_sourced_and_shipped_identically(base):
    assert (ROOT / "finmodel" / "data" / "j_community.yaml").read_bytes() == BASE_YAML.read_bytes()
    gov = base.government
    assert gov.public_works_cny == pytest.approx(30e6 / 0.45 * 0.55, abs=1)     # 55 % of the total (public)
    assert gov.red_line == 0.10 and gov.formal_ppp is False
    assert gov.existing_commitments_placeholder is True
    notes = base.sources
    for key in ("discount_rate", "public_works_cny", "public_works_vat_rate", "public_works_district_share",
                "district_tax_share.vat", "district_tax_share.income_tax", "district_tax_share.surcharges",
                "forgone_rent_cny_per_m2_day", "budget_expenditure_cny_per_year", "existing_commitments_share",
                "existing_commitments_placeholder", "red_line", "formal_ppp", "pensioner_income_cny_per_month",
                "comparator.renovation_cny", "comparator.capex_overrun", "comparator.delay_months",
                "comparator.opex_cny_per_year", "comparator.opex_overrun", "comparator.opex_vat_rate",
                "comparator.service_price_cny_per_m2_month", "comparator.collection_rate",
                "comparator.revenue_factor"):
        assert notes.get(f"government.{key}", "").split(":")[0] in ("public", "assumed", "paper"), key


def test_government_metrics_as_targets_and_in_run_json():
    """Wiring: gov_* metrics are break-even targets and sensitivity metrics; run --json has the view."""
    from click.testing import CliRunner

    from finmodel import breakeven, registry
    from finmodel.cli import main
    from finmodel.scenarios import load

    assert set(G.GOV_METRIC_NAMES) <= set(registry.metric_names())
    a = load().assumptions
    r = breakeven.solve(a, "support.subsidy_annual_cny", "gov_vfm=0")
    assert r.feasible
    # fed back: VfM at the solved subsidy is 0 (within 1e-6 of the comparator's PV scale)
    pj = engine.project(with_values(a, {"support.subsidy_annual_cny": r.value}))
    vfm = G.government_metrics(pj, pj.assumptions, names=("gov_vfm",))["gov_vfm"][0]
    assert abs(vfm) <= 1e-6 * 6e7
    r2 = breakeven.solve(a, "support.subsidy_annual_cny", "gov_district_commitment_pv_per_household=10000")
    assert r2.feasible
    out = CliRunner().invoke(main, ["run", "--json", "--no-report"])
    g = json.loads(out.stdout)["government"]
    for key in ("public_works_cny", "support_to_operator_pv", "district_tax_share", "national_relief_pv", "residents",
                "district_commitment_pv_per_household", "budget_share_peak", "red_line_ok", "vfm"):
        assert key in g
    assert 0 <= g["budget_share_peak"] <= 1
    out = CliRunner().invoke(main, ["sensitivity", "--tornado", "--metric", "gov_district_net_cost_pv"])
    assert out.exit_code == 0, out.output
