"""The engine on small cases whose numbers are derived by hand in each test.

Every expected value is written as the arithmetic that produces it, from docs/model.md section 5
(periods, signs, VAT, tax) and the README's conventions.
"""

from __future__ import annotations

import math

import numpy as np
import numpy_financial as npf
import pytest

from finmodel import engine
from finmodel import units
from finmodel.scenarios import with_values

from .conftest import case

RENT_365 = {"total_area_m2": 1000, "leasable_ratio": 1.0}


def rent_case(n_years, annual_rent, **more):
    """One exempt tier on 1,000 m2 whose rent is `annual_rent` a year (no VAT, no ramp)."""
    space = {**RENT_365, "tiers": [{"name": "only", "share": 1.0, "rent_cny_per_m2_day": annual_rent / 1000 / 365,
                                    "occupancy": {"start": 1, "target": 1, "ramp_years": 0}, "escalation": 0.0,
                                    "lease_years": 50, "vat_category": "exempt"}]}
    return case(n_years, space=space, **more)


# ------------------------------------------------------------------ analytic case
def test_analytic_flat_annuity_no_tax():
    # capex P = 1,000,000 in year 0, rent A = 365,000 a year for N = 10 years, no tax, no VAT:
    # project FCF = [-P, A, ..., A]; NPV = -P + A (1 - (1+r)^-N) / r; payback = P / A.
    P, A, N, r = 1_000_000.0, 365_000.0, 10, 0.08
    a = rent_case(N, A, capex={"renovation_cny": P, "input_vat_rate": 0.0, "life_years": N},
                  tax={"income_tax_rate": 0.0, "small_enterprise_relief": False})
    pj = engine.project(a)
    np.testing.assert_allclose(pj["project_fcf"][0], [-P] + [A] * N, rtol=1e-12)
    m = pj.metrics()
    assert m["npv"][0] == pytest.approx(-P + A * (1 - (1 + r) ** -N) / r, rel=1e-12)
    assert m["payback_years"][0] == pytest.approx(P / A, rel=1e-12)   # 2.7397... years
    # amortisation P / N a year, net income A - P/N, margin = (A - P/N) / A
    assert pj["amortisation"][0, 1:] == pytest.approx([P / N] * N)
    assert m["margin_avg"][0] == pytest.approx((A - P / N) / A)


def test_analytic_two_year_irr_closed_form():
    # [-P, A, A]: P (1+r)^2 = A (1+r) + A  ->  1 + r = (A + sqrt(A^2 + 4 P A)) / (2 P)
    P, A = 1_000_000.0, 600_000.0
    a = rent_case(2, A, capex={"renovation_cny": P, "input_vat_rate": 0.0, "life_years": 2},
                  tax={"income_tax_rate": 0.0})
    m = engine.project(a).metrics()
    expected = (A + math.sqrt(A * A + 4 * P * A)) / (2 * P) - 1    # 0.1306623...
    assert m["project_irr"][0] == pytest.approx(expected, abs=1e-12)


# ------------------------------------------------------------------ VAT
def test_vat_credit_carried_forward_then_payable():
    # General taxpayer. Capex 1,090,000 incl. 9 % VAT -> input VAT 90,000 in year 0.
    # Rent 109,000 a year incl. 9 % (leasing, 2020+) -> output VAT 9,000 a year.
    # Credit: 90,000 - 9,000 k in year k, exhausted at the end of year 10; VAT payable 9,000 in
    # years 11 and 12; surcharges 12 % of that = 1,080.
    N = 12
    space = {**RENT_365, "tiers": [{"name": "only", "share": 1.0, "rent_cny_per_m2_day": 109_000 / 1000 / 365,
                                    "occupancy": {"start": 1, "target": 1, "ramp_years": 0}, "escalation": 0.0,
                                    "lease_years": 50, "vat_category": "leasing"}]}
    a = case(N, space=space, capex={"renovation_cny": 1_090_000, "input_vat_rate": 0.09, "life_years": N})
    pj = engine.project(a)
    assert pj["vat_input_capex"][0, 0] == pytest.approx(90_000)
    assert pj["vat_output"][0, 1:] == pytest.approx([9_000] * N)
    assert pj["vat_credit"][0] == pytest.approx([90_000 - 9_000 * k if k <= 10 else 0 for k in range(N + 1)], abs=1e-6)
    assert pj["vat_payable"][0] == pytest.approx([0] * 11 + [9_000, 9_000], abs=1e-6)
    assert pj["surcharges"][0] == pytest.approx([0] * 11 + [1_080, 1_080], abs=1e-6)
    assert pj["rev_rent"][0, 1] == pytest.approx(100_000)           # 109,000 / 1.09
    # the capex amortised is net of the creditable VAT: 1,000,000 / 12
    assert pj["amortisation"][0, 1] == pytest.approx(1_000_000 / 12)


def test_vat_inside_purchases_is_remitted_whatever_the_status():
    # Capex 1,090,000 incl. 9 % VAT: 90,000 inside it. Space upkeep 106,000 a year incl. 6 %: 6,000
    # inside it. A general taxpayer credits both (input VAT = VAT inside); a small-scale taxpayer
    # credits none, but its suppliers remit the same VAT to the state (the government view counts it).
    space = {**RENT_365, "opex_cny_per_m2_year": 106.0, "opex_input_vat_rate": 0.06}
    for status, credit in (("general", 1.0), ("small_scale", 0.0)):
        a = case(2, space=space, capex={"renovation_cny": 1_090_000, "input_vat_rate": 0.09, "life_years": 2},
                 tax={"taxpayer_status": status})
        pj = engine.project(a)
        assert pj["vat_in_capex"][0] == pytest.approx([90_000, 0, 0])
        assert pj["vat_in_costs"][0] == pytest.approx([0, 6_000, 6_000])
        assert pj["vat_input_capex"][0] == pytest.approx([90_000 * credit, 0, 0])
        assert pj["vat_input_opex"][0] == pytest.approx([0, 6_000 * credit, 6_000 * credit])


def test_vat_credit_left_at_hand_back_is_forfeited_and_deductible():
    # Capex input VAT 90,000, output 9,000 a year for 5 years -> 45,000 credit left at year 5:
    # written off (non-cash) and deducted in year 5.
    space = {**RENT_365, "tiers": [{"name": "only", "share": 1.0, "rent_cny_per_m2_day": 109_000 / 1000 / 365,
                                    "occupancy": {"start": 1, "target": 1, "ramp_years": 0}, "escalation": 0.0,
                                    "lease_years": 50, "vat_category": "leasing"}]}
    a = case(5, space=space, capex={"renovation_cny": 1_090_000, "input_vat_rate": 0.09, "life_years": 5})
    pj = engine.project(a)
    assert pj["vat_credit_forfeited"][0, 5] == pytest.approx(45_000)
    assert pj["writeoff"][0, 5] == pytest.approx(45_000)
    np.testing.assert_allclose(pj["equity_fcf_direct"][0], pj["equity_fcf_indirect"][0], atol=1e-6)


def test_small_scale_rates_by_calendar_year():
    # Small-scale service VAT: 1 % in 2020-2021, 0 % in 2022, 1 % in 2023 (start 2019 -> year k = 2019 + k).
    ps = {"base_area_m2": 1000, "fee_steps": [{"from_year": 1, "fee_cny_per_m2_month": 1.0}],
          "collection": {"start": 1, "target": 1, "ramp_years": 0}}
    a = case(4, property_service=ps, tax={"taxpayer_status": "small_scale"})
    pj = engine.project(a)
    gross = 12_000.0
    assert pj["rev_property_fees"][0, 1:] == pytest.approx([gross / 1.01, gross / 1.01, gross / 1.00, gross / 1.01])


def test_compulsory_general_status_after_threshold():
    # 'auto': small-scale until sales (net of VAT) pass 5,000,000; general from the next year.
    # Exempt rent: year k rent = 4,000,000 + 1,000,000 (k - 1)  -> passes 5,000,000 in year 3
    # (6,000,000 > 5,000,000; year 2 is exactly 5,000,000, not above) -> general from year 4.
    space = {**RENT_365, "tiers": [{"name": "only", "share": 1.0, "rent_cny_per_m2_day": 4_000_000 / 1000 / 365,
                                    "occupancy": {"start": 1, "target": 1, "ramp_years": 0}, "escalation": 0.25,
                                    "lease_years": 50, "vat_category": "exempt"}]}
    a = case(6, space=space, tax={"taxpayer_status": "auto"})
    pj = engine.project(a)
    sales = pj["revenue"][0]
    first_over = int(np.argmax(sales > 5e6))
    assert first_over == 3           # 4e6 * 1.25 = 5e6 (not above) in year 2; 6.25e6 in year 3
    assert pj["general_taxpayer"][0].tolist() == [0, 0, 0, 0, 1, 1, 1]


# ------------------------------------------------------------------ income tax
def _subsidy_in(year, amount):
    return {"subsidy_annual_cny": amount, "subsidy_first_year": year, "subsidy_last_year": year}


def test_pre_operating_cost_is_deducted_when_operation_starts():
    # Pre-operating cost 500,000 in year 0, expensed in the accounts then; for income tax it is
    # deducted in year 1, when operation starts (docs/model.md section 4): no tax loss in year 0, a loss
    # of 500,000 in year 1.
    a = case(8, capex={"pre_operating_cost_cny": 500_000, "input_vat_rate": 0})
    pj = engine.project(a)
    assert pj["ebt"][0, 0] == pytest.approx(-500_000) and pj["tax_base"][0, 0] == pytest.approx(0)
    assert pj["tax_base"][0, 1] == pytest.approx(-500_000) and pj["levered_loss_new"][0, 1] == pytest.approx(500_000)


def test_loss_used_five_years_later():
    # Year 1: the pre-operating cost of year 0, 500,000, deducted -> a loss. Year 6: taxable
    # subsidy 800,000. A loss of year 1 can be used in years 2..6: tax_6 = 25 % x 300,000 = 75,000.
    a = case(8, support=_subsidy_in(6, 800_000), capex={"pre_operating_cost_cny": 500_000, "input_vat_rate": 0})
    pj = engine.project(a)
    assert pj["taxable_income"][0, 6] == pytest.approx(300_000)
    assert pj["income_tax"][0, 6] == pytest.approx(75_000)
    assert pj["tax_losses_expired"][0].sum() == pytest.approx(0)


def test_loss_expires_after_five_years():
    # Same loss, income in year 7 instead: the year-1 loss expired at the end of year 6,
    # so tax_7 = 25 % x 800,000 = 200,000.
    a = case(8, support=_subsidy_in(7, 800_000), capex={"pre_operating_cost_cny": 500_000, "input_vat_rate": 0})
    pj = engine.project(a)
    assert pj["tax_losses_expired"][0, 6] == pytest.approx(500_000)
    assert pj["income_tax"][0, 7] == pytest.approx(200_000)


def test_losses_used_oldest_first():
    # Team cost C = 200,000 a year; fee revenue (6 % VAT, collected in full) shaped by the fee
    # step table so that profit before tax is: year 0 -100,000 (pre-operating), year 1 0,
    # year 2 -200,000, years 3-4 0, year 5 +150,000, years 6-7 0, years 8-9 +100,000.
    # Oldest first: year 5 uses year 0's 100,000, then 50,000 of year 2's; year 2's last
    # 150,000 expires after year 7; year 8 pays 25 % x 100,000 = 25,000.
    # (Newest first would expire 100,000 after year 5 and 50,000 after year 7.)
    C = 200_000.0

    def fee(net):               # CNY/m2/month on 1,000 m2 giving `net` a year after 6 % VAT
        return net * 1.06 / 12_000

    steps = [(1, C), (2, 0.0), (3, C), (5, C + 150_000), (6, C), (8, C + 100_000)]
    ps = {"base_area_m2": 1000, "fixed_team_cny_per_year": C,
          "fee_steps": [{"from_year": y, "fee_cny_per_m2_month": fee(v)} for y, v in steps],
          "collection": {"start": 1, "target": 1, "ramp_years": 0}}
    a = case(9, property_service=ps, capex={"pre_operating_cost_cny": 100_000, "input_vat_rate": 0},
             tax={"surcharge_rate": 0.0})
    pj = engine.project(a)
    assert pj["ebt"][0] == pytest.approx([-1e5, 0, -2e5, 0, 0, 1.5e5, 0, 0, 1e5, 1e5], abs=1e-6)
    assert pj["taxable_income"][0, 5] == pytest.approx(0, abs=1e-6)
    assert pj["tax_losses_expired"][0, 5] == pytest.approx(0, abs=1e-6)
    assert pj["tax_losses_expired"][0, 7] == pytest.approx(150_000)
    assert pj["income_tax"][0, 8] == pytest.approx(25_000)


def test_small_enterprise_bands_and_cliff():
    # 2024 = operating year 5 (start 2019): 5 % on taxable income up to 3,000,000; above it the
    # whole income at 25 % (a cliff, not a band).
    for income, expected in ((2_999_999.0, 0.05 * 2_999_999.0), (3_000_001.0, 0.25 * 3_000_001.0)):
        a = case(6, support=_subsidy_in(5, income), tax={"small_enterprise_relief": True})
        assert engine.project(a)["income_tax"][0, 5] == pytest.approx(expected)
    # 2020 = year 1: 5 % up to 1,000,000 then 10 % from 1 to 3 million: 2,000,000 -> 50,000 + 100,000.
    a = case(6, support=_subsidy_in(1, 2_000_000.0), tax={"small_enterprise_relief": True})
    assert engine.project(a)["income_tax"][0, 1] == pytest.approx(150_000)
    # 2022 = year 3: 2.5 % up to 1,000,000 then 5 %: 2,000,000 -> 25,000 + 50,000.
    a = case(6, support=_subsidy_in(3, 2_000_000.0), tax={"small_enterprise_relief": True})
    assert engine.project(a)["income_tax"][0, 3] == pytest.approx(75_000)
    # 2028 = year 9: after 2027 the preference lapses; a small low-profit enterprise pays the
    # statutory 20 % (Enterprise Income Tax Law art. 28): 20 % x 1,000,000 = 200,000; without the
    # relief (not a small low-profit enterprise) the standard 25 %.
    a = case(10, support=_subsidy_in(9, 1_000_000.0), tax={"small_enterprise_relief": True})
    assert engine.project(a)["income_tax"][0, 9] == pytest.approx(200_000)
    a = case(10, support=_subsidy_in(9, 1_000_000.0), tax={"small_enterprise_relief": False})
    assert engine.project(a)["income_tax"][0, 9] == pytest.approx(250_000)


def test_own_services_counted_at_90_percent_and_vat_exempt():
    # Own elderly-care income 1,000,000: no VAT; taxable 900,000 -> tax 225,000 at 25 %.
    a = case(3, other={"own_services_cny_per_year": 1_000_000, "escalation": 0.0})
    pj = engine.project(a)
    assert pj["vat_output"][0, 1] == pytest.approx(0)
    assert pj["rev_other"][0, 1] == pytest.approx(1_000_000)
    assert pj["income_tax"][0, 1] == pytest.approx(225_000)


def test_tax_holiday_and_non_taxable_subsidy():
    a = case(4, support={**_subsidy_in(1, 400_000), "income_tax_holiday_years": 1})
    assert engine.project(a)["income_tax"][0, 1] == pytest.approx(0)
    # a non-taxable subsidy with no costs to fund: excluded from taxable income
    a = case(4, support={**_subsidy_in(1, 400_000), "subsidy_taxable": False})
    assert engine.project(a)["income_tax"][0, 1] == pytest.approx(0)
    # with 300,000 of costs it funds, those costs are not deductible: taxable 0 either way
    a = case(4, support={**_subsidy_in(1, 400_000), "subsidy_taxable": False},
             overheads={"management_cny_per_year": 300_000})
    pj = engine.project(a)
    assert pj["ebt"][0, 1] == pytest.approx(100_000)
    assert pj["taxable_income"][0, 1] == pytest.approx(0)


# ------------------------------------------------------------------ capital
def test_refit_amortised_over_remaining_years_and_payback_flag():
    # Capex 1,000,000 (life 10) and a refit of 1,000,000 in year 5 (life 10, but only 5 years
    # remain): amortised 200,000 a year in years 6..10. Rent 400,000 a year, no tax.
    a = rent_case(10, 400_000, capex={"renovation_cny": 1_000_000, "input_vat_rate": 0.0, "life_years": 10,
                                      "refits": [{"year": 5, "amount_cny": 1_000_000, "life_years": 10}]},
                  tax={"income_tax_rate": 0.0})
    pj = engine.project(a)
    assert pj["amortisation"][0, 6:] == pytest.approx([100_000 + 200_000] * 5)
    assert pj["amortisation"][0, 1:6] == pytest.approx([100_000] * 5)
    assert pj["writeoff"][0].sum() == pytest.approx(0)
    # cumulative: -1.0e6, then +0.4e6 a year: non-negative at year 2.5; year 5 flow -0.6e6
    # brings it to 1.0e6 - 0.6e6 ... cum_4 = 0.6e6, cum_5 = 0.6e6 + 0.4e6 - 1.0e6 = 0 -> not negative;
    # make the refit larger to turn it negative again
    a = with_values(a, {"capex.refits.0.amount_cny": 1_500_000})
    m = engine.project(a).metrics()
    assert m["payback_years"][0] == pytest.approx(2.5)
    assert bool(m["payback_refit_negative"][0])


def test_refit_in_last_year_written_off():
    a = case(5, capex={"renovation_cny": 0, "input_vat_rate": 0.0,
                       "refits": [{"year": 5, "amount_cny": 300_000, "life_years": 10}]})
    pj = engine.project(a)
    assert pj["writeoff"][0, 5] == pytest.approx(300_000)


def test_periodic_refits_escalate_with_cpi():
    # every 4 years on a 10-year concession: years 4 and 8 at 100,000 x 1.02^(k-1)
    a = case(10, macro={"cpi_inflation": 0.02},
             capex={"periodic_refit_every_years": 4, "periodic_refit_cny": 100_000, "input_vat_rate": 0.0})
    paid = engine.project(a)["refits_paid"][0]
    assert paid[4] == pytest.approx(100_000 * 1.02 ** 3)
    assert paid[8] == pytest.approx(100_000 * 1.02 ** 7)
    assert paid.sum() == pytest.approx(paid[4] + paid[8])


def test_handback_and_pre_operating_costs():
    a = case(4, macro={"cpi_inflation": 0.03},
             capex={"handback_cost_cny": 100_000, "pre_operating_cost_cny": 50_000, "input_vat_rate": 0.0})
    pj = engine.project(a)
    assert pj["pre_operating_cost"][0, 0] == pytest.approx(50_000)
    assert pj["handback_cost"][0, 4] == pytest.approx(100_000 * 1.03 ** 3)


# ------------------------------------------------------------------ loan
@pytest.mark.parametrize("repayment", ["annuity", "equal_principal"])
def test_loan_schedule(repayment):
    # 1,000,000 at 5 %, tenor 5 with 1 grace year: interest only in year 1, then 4 repayments.
    D, r = 1_000_000.0, 0.05
    a = rent_case(6, 500_000, financing={"loan": {"amount_cny": D, "rate": r, "tenor_years": 5, "grace_years": 1,
                                                 "repayment": repayment}})
    pj = engine.project(a)
    interest, principal, bal = pj["interest"][0], pj["principal"][0], pj["loan_balance"][0]
    assert pj["loan_draw"][0, 0] == D
    assert interest[1] == pytest.approx(D * r) and principal[1] == pytest.approx(0)
    if repayment == "annuity":
        pay = D * r / (1 - (1 + r) ** -4)        # 282,011.83
        assert (interest + principal)[2:6] == pytest.approx([pay] * 4)
    else:
        assert principal[2:6] == pytest.approx([250_000] * 4)
        assert interest[2:6] == pytest.approx([r * D, r * 750_000, r * 500_000, r * 250_000])
    assert bal[5] == pytest.approx(0, abs=1e-6) and principal.sum() == pytest.approx(D)
    m = pj.metrics()
    # DSCR only where there is debt service (years 1..5)
    cfads = pj["cfads"][0]
    ds = (interest + principal)
    assert m["dscr_min"][0] == pytest.approx(min(cfads[k] / ds[k] for k in range(1, 6)))


def test_no_debt_gives_undefined_dscr_and_equal_equity(base):
    m = engine.project(base).metrics()
    assert math.isnan(m["dscr_min"][0]) and math.isnan(m["dscr_avg"][0])
    assert m["equity_npv"][0] == pytest.approx(m["npv"][0])   # same flows, same 8 % rate


# ------------------------------------------------------------------ revenue lines
def test_fee_steps_trial_and_collection_ramp():
    # 1,000 m2 at 1.00 CNY/m2/month in years 1-2, 2.00 from year 3; 3 trial months; collection
    # 0.5 -> 1.0 over 2 years: 0.5, 0.75, 1.0. Billed: 1,000 x 1 x 9 = 9,000; 12,000; 24,000.
    ps = {"base_area_m2": 1000, "trial_months": 3,
          "fee_steps": [{"from_year": 1, "fee_cny_per_m2_month": 1.0}, {"from_year": 3, "fee_cny_per_m2_month": 2.0}],
          "collection": {"start": 0.5, "target": 1.0, "ramp_years": 2}}
    pj = engine.project(case(4, property_service=ps))
    assert pj["property_fees_billed"][0, 1:4] == pytest.approx([9_000, 12_000, 24_000])
    assert pj["property_fees_collected"][0, 1:4] == pytest.approx([4_500, 9_000, 24_000])
    assert pj["rev_property_fees"][0, 1] == pytest.approx(4_500 / 1.06)     # general taxpayer, 6 %


def test_wage_inflation_and_expansion():
    # team 100,000 at 5 % wage growth: 100,000 x 1.05^(k-1); variable 2 CNY/m2 on 1,000 m2, plus
    # 500 m2 from year 3 (also wage-indexed).
    ps = {"base_area_m2": 1000, "expanded_area_m2": 500, "expansion_from_year": 3,
          "fixed_team_cny_per_year": 100_000, "variable_cost_cny_per_m2_year": 2.0}
    pj = engine.project(case(4, macro={"wage_inflation": 0.05}, property_service=ps))
    assert pj["cost_property_team"][0, 1:] == pytest.approx([100_000 * 1.05 ** (k - 1) for k in range(1, 5)])
    assert pj["cost_property_variable"][0, 1:] == pytest.approx(
        [2 * 1000 * 1.05 ** 0, 2 * 1000 * 1.05, 2 * 1500 * 1.05 ** 2, 2 * 1500 * 1.05 ** 3])


def test_tiers_rent_free_and_reletting():
    # 100 m2 at 10 CNY/m2/day, full occupancy, 3 rent-free months, 2-year leases with one vacant
    # month at each re-letting (years 3, 5): months billed 9, 12, 11, 12, 11.
    space = {"total_area_m2": 100, "leasable_ratio": 1.0,
             "tiers": [{"name": "c", "share": 1.0, "rent_cny_per_m2_day": 10.0,
                        "occupancy": {"start": 1, "target": 1, "ramp_years": 0}, "escalation": 0.0,
                        "rent_free_months": 3, "lease_years": 2, "relet_vacancy_months": 1,
                        "vat_category": "exempt"}]}
    pj = engine.project(case(5, space=space))
    per_month = 100 * 10 * 365 / 12
    assert pj["rent_gross"][0, 1:] == pytest.approx([per_month * m for m in (9, 12, 11, 12, 11)])


def test_parking_owners_share():
    # 10 spaces x 100 CNY/month x 12, all on common land, owners take 25 %: firm gets 9,000 gross.
    pk = {"existing_spaces": 10, "fee_cny_per_space_month": 100, "common_land_share": 1.0,
          "utilisation": {"start": 1, "target": 1, "ramp_years": 0}}
    pj = engine.project(case(2, parking=pk, owners={"common_area_income_share": 0.25}))
    assert pj["parking_gross"][0, 1] == pytest.approx(9_000)
    assert pj["owners_share_paid"][0, 1] == pytest.approx(3_000)
    assert pj["rev_parking"][0, 1] == pytest.approx(9_000 / 1.09)


def test_share_anchored_stream():
    # parking given as 19 % of revenue, anchored on rent at 46 %: parking_net = rent_net x 19/46
    pj = engine.project(rent_case(3, 460_000, parking={"mode": "share", "share_of_revenue": 0.19},
                                  mix={"rent_share": 0.46}))
    assert pj["rev_parking"][0, 1] == pytest.approx(460_000 * 0.19 / 0.46)


def test_subsidy_step_down_and_window():
    # 1,000,000 from year 2 to 5, stepping down 20 % of the first amount a year
    a = case(6, support={"subsidy_annual_cny": 1e6, "subsidy_first_year": 2, "subsidy_last_year": 5,
                         "subsidy_step_down": 0.2})
    assert engine.project(a)["subsidy"][0].tolist() == pytest.approx([0, 0, 1e6, 0.8e6, 0.6e6, 0.4e6, 0])


def test_purchased_service_subsidy_bears_vat():
    a = case(2, support={"subsidy_annual_cny": 1.06e6, "subsidy_vat": "purchased_service", "subsidy_last_year": 2})
    pj = engine.project(a)
    assert pj["subsidy"][0, 1] == pytest.approx(1e6)
    assert pj["vat_output"][0, 1] == pytest.approx(0.06e6)


def test_working_capital_refunded_at_hand_back():
    # deposits 2 months and 3 months of rent in advance: balances 5/12 of the rent roll in years
    # 1..N-1, zero at N; their changes sum to zero over the concession.
    a = case(5, space={**RENT_365, "deposit_months": 2, "rent_in_advance_months": 3,
                                     "tiers": [{"name": "only", "share": 1.0,
                                                "rent_cny_per_m2_day": 120_000 / 1000 / 365,
                                                "occupancy": {"start": 1, "target": 1, "ramp_years": 0},
                                                "escalation": 0.0, "lease_years": 50, "vat_category": "exempt"}]})
    pj = engine.project(a)
    assert pj["wc_deposits"][0, 1] == pytest.approx(20_000)
    assert pj["wc_rent_in_advance"][0, 1] == pytest.approx(30_000)
    assert pj["wc_deposits"][0, 5] == 0
    assert pj["wc_change"][0].sum() == pytest.approx(0, abs=1e-6)
    assert pj["wc_change"][0, 1] == pytest.approx(-50_000)      # liabilities up: cash in


# ------------------------------------------------------------------ whole-model checks
def test_base_case_revenue_mix_matches_paper(base):
    # The paper: rent 46 %, parking 19 %, property fees 26 %, other 9 % in the calibration year
    # (2020), from physical drivers. Each within 0.5 percentage points.
    mix = engine.revenue_mix(engine.project(base))
    paper = {"rent": 0.46, "parking": 0.19, "property_fees": 0.26, "other": 0.09}
    for k, v in paper.items():
        assert abs(mix[k][0] - v) <= 0.005, (k, mix[k][0])
    assert sum(mix[k][0] for k in paper) == pytest.approx(1.0)


def test_direct_equals_indirect_in_base_and_variants(base):
    for a in (base, with_values(base, {"financing.loan.amount_cny": 1.5e7, "tax.taxpayer_status": "auto"}),
              with_values(base, {"support.capital_grant_cny": 5e6, "support.subsidy_taxable": False})):
        pj = engine.project(a)
        np.testing.assert_allclose(pj["equity_fcf_direct"], pj["equity_fcf_indirect"], rtol=0, atol=1e-5)
        np.testing.assert_allclose(pj["equity_fcf"], pj["equity_fcf_indirect"], rtol=0, atol=1e-5)


def test_npv_and_irr_agree_with_numpy_financial(base):
    pj = engine.project(base)
    m = pj.metrics()
    pf = pj["project_fcf"][0]
    # docs/model.md: NPV discounts year t by (1+r)^t, year 0 undiscounted = numpy_financial.npv
    assert m["npv"][0] == pytest.approx(npf.npv(0.08, pf), rel=1e-12)
    assert m["project_irr"][0] == pytest.approx(npf.irr(pf), abs=1e-9)


def test_vectorised_equals_one_at_a_time_bitwise(base):
    rng = np.random.default_rng(3)
    S = 25
    vary = {"support.subsidy_annual_cny": rng.uniform(0, 3e6, S),
            "space.tiers.2.rent_cny_per_m2_day": rng.uniform(3, 12, S),
            "property_service.collection.target": rng.uniform(0.5, 1.0, S),
            "macro.wage_inflation": rng.uniform(0.0, 0.08, S),
            "financing.loan.amount_cny": rng.uniform(0, 2e7, S),
            "capex.periodic_refit_every_years": rng.integers(0, 8, S).astype(float)}
    pj = engine.project(base, vary)
    m = pj.metrics()
    for i in range(S):
        one = engine.project(base, {k: v[i:i + 1] for k, v in vary.items()})
        for key in pj.items.keys():
            assert np.array_equal(pj[key][i], one[key][0], equal_nan=True), key
        m1 = one.metrics()
        for k in m:
            a_, b_ = float(m[k][i]), float(m1[k][0])
            assert (math.isnan(a_) and math.isnan(b_)) or a_ == pytest.approx(b_, rel=1e-12, abs=1e-12), k


def test_evaluate_chunked_equals_single_pass(base):
    rng = np.random.default_rng(5)
    vary = {"support.subsidy_annual_cny": rng.uniform(0, 3e6, 1000),
            "capex.renovation_cny": rng.uniform(2e7, 4e7, 1000)}
    whole = engine.project(base, vary).metrics()
    for chunk in (1, 7, 333, 5000):
        part = engine.evaluate(base, vary, chunk_size=chunk)
        for k in whole:
            np.testing.assert_array_equal(part[k], whole[k])


def test_vary_rejects_bad_arrays(base):
    from finmodel.errors import InputError
    with pytest.raises(InputError, match="outside the valid range"):
        engine.project(base, {"space.tiers.0.occupancy.target": np.array([0.5, 1.2])})
    with pytest.raises(InputError, match="finite"):
        engine.project(base, {"support.subsidy_annual_cny": np.array([1.0, np.nan])})
    with pytest.raises(InputError, match="no such assumption"):
        engine.project(base, {"support.subsidy_anual_cny": np.array([1.0, 2.0])})
    with pytest.raises(InputError, match="time axis"):
        engine.project(base, {"scenario.concession_years": np.array([10, 20])})
    with pytest.raises(InputError, match="length"):
        engine.project(base, {"support.subsidy_annual_cny": np.ones(3), "capex.renovation_cny": np.ones(4)})
    # a blank (null) input chooses another branch: varying it would be silently ignored, so it is refused
    with pytest.raises(InputError, match="blank"):
        engine.project(base, {"government.comparator.discount_rate": np.array([0.03, 0.05])})


def test_a_nullable_input_with_a_value_can_vary(base):
    """An input that may be blank, given a number, varies like any other (a number is never blank)."""
    from finmodel.scenarios import with_values

    a = with_values(base, {"government.comparator.discount_rate": 0.04})
    rates = np.array([0.03, 0.05])
    many = engine.project(a, {"government.comparator.discount_rate": rates}).scalar("gov_vfm")
    for i, r in enumerate(rates):
        one = engine.project(with_values(a, {"government.comparator.discount_rate": float(r)})).scalar("gov_vfm")
        assert many[i] == pytest.approx(one[0], rel=1e-12)
    assert many[0] != many[1]


def test_every_line_item_is_registered_and_frame(base):
    """Each line item is a row of the model with zh/en labels and a known unit; the frame lists them."""
    pj = engine.project(base)
    items = list(pj.model.items())
    assert len(items) > 80
    for r in items:
        assert r.key in pj.items and r.zh and r.en and r.unit in units.UNITS, r.key
    df = pj.to_frame()
    assert list(df.columns[:2]) == ["label", "unit"]
    assert df.loc["revenue", 2020] == pytest.approx(float(pj["revenue"][0, 1]))
    assert df.loc["revenue", "unit"] == "CNY"
    long = pj.to_long()
    assert set(long.columns) == {"item", "label", "unit", "year", "value"}
    assert engine.project(base).to_frame(language="zh").loc["revenue", "label"] == "营业收入(不含税)"


def test_all_line_items_finite_in_base(base):
    """Every row is finite but where its definition says "not defined" (DSCR without debt service)."""
    from finmodel.model.core import may_be_undefined
    pj = engine.project(base)
    for row in pj.model.rows:
        if row.expr is not None and not may_be_undefined(row):
            assert np.all(np.isfinite(pj[row.key])), row.key


def test_yearly_mix_and_property_segment(base):
    pj = engine.project(base)
    total = pj["mix_rent"] + pj["mix_parking"] + pj["mix_property_fees"] + pj["mix_other"]
    assert total[0, 1:] == pytest.approx([1.0] * 20)
    assert pj["mix_rent"][0, 1] == pytest.approx(engine.revenue_mix(pj)["rent"][0])
    # segment result = fee revenue - team - variable labour - materials net of their 13 % input VAT
    k = 5
    expected = (pj["rev_property_fees"][0, k] - pj["cost_property_team"][0, k] - pj["cost_property_variable"][0, k]
                - pj["cost_property_materials"][0, k] / 1.13)
    assert pj["property_segment_result"][0, k] == pytest.approx(expected)


def test_owners_share_memo_follows_each_stream_mode(base):
    # advertising's owners' share stays in the memo when parking is given as a share of revenue
    pj = engine.project(with_values(base, {"parking.mode": "share", "parking.share_of_revenue": 0.19}))
    adv_share = 60_000 * 0.10          # advertising 60,000 a year (base case), owners take 10 %
    assert pj["owners_share_paid"][0, 1] == pytest.approx(adv_share)


def test_evaluate_with_workers_gives_the_same_bits(base):
    rng = np.random.default_rng(9)
    vary = {"support.subsidy_annual_cny": rng.uniform(0, 3e6, 3000),
            "macro.wage_inflation": rng.uniform(0.0, 0.08, 3000)}
    one = engine.evaluate(base, vary, chunk_size=700)
    two = engine.evaluate(base, vary, chunk_size=500, workers=2)
    for k in one:
        np.testing.assert_array_equal(one[k], two[k])
