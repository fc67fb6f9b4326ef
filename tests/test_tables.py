"""The standard tables, the funding, the reserve, the loan ratios and the verdict's tests, by hand.

Small scenarios built from the zero case (tests/conftest.py), each number derived in a comment;
then properties: the balance sheet balances and the plan's cash equals the balance sheet's in
the packaged scenarios and in 200 random valid variants.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from finmodel import engine
from finmodel.scenarios import load, with_values

from .conftest import BASE_YAML, ROOT, case

LOAN_YAML = ROOT / "assumptions" / "j_community_loan.yaml"


def _subsidy(amount, first=1, last=99):
    return {"subsidy_annual_cny": amount, "subsidy_first_year": first, "subsidy_last_year": min(last, 4)}


def test_income_statement_distribution_and_balance_sheet_by_hand():
    # Capex 1,000,000 in year 0 (no VAT), amortised over the 4 years; a taxable subsidy of 400,000 a year;
    # tax 25 %, no relief. Each operating year: amortisation 250,000, profit before tax 150,000, tax
    # 37,500, net income 112,500. Year 0 needs 1,000,000: the owner's capital (financing.equity_cny null).
    # Year 1: statutory reserve 10 % x 112,500 = 11,250 (cap 50 % x 1,000,000 not binding); profit
    # available 101,250, all distributed (share 1) since the cash before distributions is 362,500
    # (400,000 - 37,500); cumulative surplus 261,250.
    a = case(4, support=_subsidy(400_000), capex={"renovation_cny": 1_000_000, "life_years": 4})
    pj = engine.project(a)
    assert pj["equity_injection"][0].tolist() == pytest.approx([1_000_000, 0, 0, 0, 0])
    assert pj["net_income"][0, 1] == pytest.approx(112_500)
    assert pj["surplus_reserve_transfer"][0, 1] == pytest.approx(11_250)
    assert pj["profit_available"][0, 1] == pytest.approx(101_250)
    assert pj["distributions"][0, 1] == pytest.approx(101_250)
    assert pj["undistributed_profit"][0, 1] == pytest.approx(0)
    assert pj["cumulative_surplus"][0, 1] == pytest.approx(261_250)
    # balance sheet, end of year 1: cash 261,250 + right of operation 750,000 = 1,011,250
    #                              = capital 1,000,000 + reserve 11,250 + undistributed 0
    assert pj["b_cash"][0, 1] == pytest.approx(261_250)
    assert pj["b_intangible"][0, 1] == pytest.approx(750_000)
    assert pj["b_assets"][0, 1] == pytest.approx(1_011_250)
    assert pj["b_equity"][0, 1] == pytest.approx(1_011_250)
    assert np.abs(pj["b_difference"][0]).max() < 1e-6
    # year 4: the reserve has 4 x 11,250 = 45,000; cash 4 x 261,250 = 1,045,000; nothing left to amortise
    assert pj["surplus_reserve"][0, 4] == pytest.approx(45_000)
    assert pj["b_cash"][0, 4] == pytest.approx(1_045_000) and pj["b_intangible"][0, 4] == pytest.approx(0)
    # the tax reconciliation: 150,000 + 0 adjustment - 0 losses = 150,000 taxable
    assert pj["i_taxable"][0, 1] == pytest.approx(150_000) == pj["taxable_income"][0, 1]


def test_statutory_reserve_stops_at_half_the_capital_and_losses_first():
    # Capital 100,000 (equity_cny), no capex; subsidy 400,000 a year, tax 25 %: net income 300,000.
    # Reserve: 10 % x 300,000 = 30,000 in year 1, then 20,000 in year 2 (cap 50 % x 100,000 = 50,000).
    a = case(4, support=_subsidy(400_000), financing={"equity_cny": 100_000})
    pj = engine.project(a)
    assert pj["surplus_reserve_transfer"][0].tolist() == pytest.approx([0, 30_000, 20_000, 0, 0])
    # accumulated losses are made good first: a loss of 200,000 in year 1 (pre-operating 200,000
    # deducted, no subsidy in year 1), then net income 300,000 in year 2: reserve 10 % x 100,000
    b = case(4, support=_subsidy(400_000, first=2), capex={"pre_operating_cost_cny": 200_000},
             tax={"income_tax_rate": 0.25})
    pj = engine.project(b)
    assert pj["net_income"][0, 0] == pytest.approx(-200_000)
    assert pj["surplus_reserve_transfer"][0, 2] == pytest.approx(0.1 * (pj["net_income"][0, 2] - 200_000))


def test_distributions_never_take_the_surplus_below_zero():
    # Capital exactly the year-0 need; in year 1 a big refit paid from cash: distributions stop at
    # the cash available, the cumulative surplus never goes below 0.
    a = case(4, support=_subsidy(400_000), capex={"renovation_cny": 1_000_000, "life_years": 4,
                                                  "refits": [{"year": 2, "amount_cny": 300_000, "life_years": 2}]})
    pj = engine.project(a)
    assert pj["cumulative_surplus"][0].min() >= -1e-6
    assert np.abs(pj["b_difference"][0]).max() < 1e-6


def test_maintenance_reserve_by_hand():
    # A refit of 300,000 in year 3 (no inflation), reserve funded over the 2 years before it:
    # 150,000 in years 1 and 2, drawn in year 3; CFADS in year 3 is not hit by the refit.
    a = case(5, support=_subsidy(400_000), capex={"reserve_years": 2,
                                                  "refits": [{"year": 3, "amount_cny": 300_000, "life_years": 2}]})
    pj = engine.project(a)
    assert pj["reserve_funding"][0].tolist() == pytest.approx([0, 150_000, 150_000, 0, 0, 0])
    assert pj["reserve_draw"][0].tolist() == pytest.approx([0, 0, 0, 300_000, 0, 0])
    assert pj["reserve_balance"][0].tolist() == pytest.approx([0, 150_000, 300_000, 0, 0, 0])
    # CFADS = EBITDA - tax - capex - reserve funding + reserve draw: year 3 = 400,000 - tax_3
    assert pj["cfads"][0, 3] == pytest.approx(400_000 - pj["income_tax"][0, 3])
    assert pj["cfads"][0, 1] == pytest.approx(400_000 - pj["income_tax"][0, 1] - 150_000)
    # periodic re-fits every 3 years of 60,000, funded over 2 years (at most every - 1): 30,000 in years 1-2, 4-5
    b = case(8, support=_subsidy(400_000), capex={"reserve_years": 5, "periodic_refit_every_years": 3,
                                                  "periodic_refit_cny": 60_000})
    pj = engine.project(b)
    assert pj["reserve_funding"][0].tolist() == pytest.approx([0, 30_000, 30_000, 0, 30_000, 30_000, 0, 0, 0])
    assert pj["reserve_draw"][0].tolist() == pytest.approx([0, 0, 0, 60_000, 0, 0, 60_000, 0, 0])


def test_llcr_dscr_average_and_sculpting_by_hand():
    # Loan 1,000,000 at 5 %, 2 years, annuity; a taxable subsidy of 1,000,000 a year, no tax (rate 0).
    # Annuity 537,804.88 = 1,000,000 x 0.05 / (1 - 1.05^-2); CFADS 1,000,000 a year.
    # DSCR = 1,000,000 / 537,804.88 = 1.8594 each year; the average, a ratio of sums, the same.
    # LLCR year 1 = PV at 5 % of CFADS in years 1-2 / balance owed 1,000,000
    #             = (1,000,000 + 1,000,000 / 1.05) / 1,000,000 = 1.952381;
    # year 2 = 1,000,000 / 487,804.88 (balance after year 1) = 2.05.
    a = case(4, support=_subsidy(1_000_000), tax={"income_tax_rate": 0.0},
             financing={"loan": {"amount_cny": 1_000_000, "rate": 0.05, "tenor_years": 2}})
    pj = engine.project(a)
    ann = 1_000_000 * 0.05 / (1 - 1.05 ** -2)
    assert pj["debt_service"][0, 1] == pytest.approx(ann)
    assert pj["dscr"][0, 1] == pytest.approx(1_000_000 / ann)
    assert pj.scalar("dscr_avg")[0] == pytest.approx(2_000_000 / (2 * ann))
    assert pj["llcr"][0, 1] == pytest.approx(1 + 1 / 1.05)
    assert pj["llcr"][0, 2] == pytest.approx(1_000_000 / (1_000_000 - (ann - 50_000)))
    assert math.isnan(pj["llcr"][0, 3]) and pj.scalar("llcr_min")[0] == pytest.approx(1 + 1 / 1.05)
    # sculpted to a DSCR of 2: debt service 500,000 in year 1 (interest 50,000, principal 450,000),
    # the rest (550,000 + interest 27,500) at maturity in year 2
    b = with_values(a, {"financing.loan.repayment": "sculpted", "financing.loan.target_dscr": 2.0})
    pj = engine.project(b)
    assert pj["debt_service"][0, 1] == pytest.approx(500_000)
    assert pj["principal"][0, 1] == pytest.approx(450_000)
    assert pj["principal"][0, 2] == pytest.approx(550_000) and pj["interest"][0, 2] == pytest.approx(27_500)
    assert pj["loan_balance"][0, 2] == pytest.approx(0)


def test_vat_refund_and_dated_own_services():
    # Capex 1,090,000 incl. 9 % VAT: a credit of 90,000 carried forward (no output VAT); refunded in
    # 2021 (year 2) in cash: the credit goes to 0 that year and the equity cash flow gains 90,000.
    a = case(4, capex={"renovation_cny": 1_090_000, "input_vat_rate": 0.09}, tax={"vat_credit_refund_year": 2021})
    pj = engine.project(a)
    assert pj["vat_credit"][0].tolist() == pytest.approx([90_000, 90_000, 0, 0, 0])
    assert pj["vat_credit_refund"][0, 2] == pytest.approx(90_000)
    assert pj["equity_fcf"][0, 2] == pytest.approx(90_000)
    assert np.allclose(pj["equity_fcf_direct"][0], pj["equity_fcf_indirect"][0])
    # own services 1,000,000 a year counted at 90 % until 2020 (year 1), in full from 2021
    b = case(3, other={"own_services_cny_per_year": 1_000_000, "escalation": 0.0},
             tax={"own_services_factor_to_year": 2020})
    pj = engine.project(b)
    assert pj["taxable_income"][0, 1:].tolist() == pytest.approx([900_000, 1_000_000, 1_000_000])


def test_payback_conventions_and_date():
    # Base case: payback counted from the end of the renovation year, and from its start (+1); the
    # date is the end of year 0 (the start of 2020 for J, start year 2019) plus the payback.
    pj = engine.project(load(BASE_YAML).assumptions)
    pb = pj.scalar("payback_years")[0]
    assert pj.scalar("payback_years_incl_renovation")[0] == pytest.approx(pb + 1)
    cum = pj["cum_project_fcf"][0]
    k = int(math.floor(pb)) + 1                     # the first year with non-negative cumulative cash
    assert cum[k - 1] < 0 <= cum[k]
    assert 2019 + k == 2019 + 1 + math.floor(pb)    # its calendar year, 2037 for J


@pytest.mark.parametrize("sets,tier", [
    (["support.subsidy_annual_cny=0"], 1),                            # capital not recovered
    ([], 2),                                                          # J: recovered, below the 8 % hurdle
    (["support.subsidy_annual_cny=5.6e6", "support.subsidy_step_down=0"], 3),
    (["support.subsidy_annual_cny=2e7", "support.subsidy_step_down=0"], 4),
])
def test_verdict_tiers_are_npv_tests(sets, tier):
    pj = engine.project(load(BASE_YAML, sets).assumptions)
    s = {k: float(pj.scalar(k)[0]) for k in ("equity_npv_zero", "equity_npv_hurdle", "equity_npv_cap", "verdict_tier")}
    assert s["verdict_tier"] == tier
    # the tier follows from the three equity NPVs (and survivability), never from an IRR
    expect = 1 if s["equity_npv_zero"] < 0 else 2 if s["equity_npv_hurdle"] < 0 else 4 if s["equity_npv_cap"] > 0 else 3
    assert expect == tier


def _check_tables(pj, i=0):
    scale = max(1.0, float(np.abs(pj["b_assets"][i]).max()))
    assert np.abs(pj["b_difference"][i]).max() <= 1.0, "the balance sheet balances to 1 CNY"
    assert np.abs(pj["cumulative_surplus"][i] - pj["b_cash"][i]).max() <= 1.0
    assert np.abs(pj["s_diff"][i] - pj["f_net"][i]).max() <= 1e-9 * scale
    assert np.abs(pj["i_taxable"][i] - pj["taxable_income"][i]).max() <= 1e-9 * scale


@pytest.mark.parametrize("yaml,sets", [(BASE_YAML, []), (LOAN_YAML, []),
                                       (BASE_YAML, ["space.tiers.2.rent_cny_per_m2_day=6.0", "macro.wage_inflation=0.06",
                                                    "capex.renovation_cny=33000000"])])
def test_packaged_scenarios_balance(yaml, sets):
    pj = engine.project(load(yaml, sets).assumptions)
    _check_tables(pj)
    assert pj["cumulative_surplus"][0].min() >= -1.0          # survivable with the owner's capital


def test_base_case_survives_and_loan_case_dscr_positive_with_the_reserve():
    base = engine.project(load(BASE_YAML).assumptions)
    assert base["cumulative_surplus"][0].min() >= 0 and base.scalar("verdict_tier")[0] == 2
    loan = engine.project(load(LOAN_YAML).assumptions)
    dscr = loan["dscr"][0]
    assert np.all(dscr[np.isfinite(dscr)] > 0)
    no_reserve = engine.project(load(LOAN_YAML, ["capex.reserve_years=0"]).assumptions)["dscr"][0]
    assert np.nanmin(no_reserve) < 0                         # the 2029 refit paid from operating cash


BASE = load(BASE_YAML).assumptions
VALUES = st.fixed_dictionaries({
    "support.subsidy_annual_cny": st.floats(0, 8e6), "support.subsidy_step_down": st.floats(0, 0.3),
    "space.tiers.2.rent_cny_per_m2_day": st.floats(0, 15), "property_service.collection.target": st.floats(0, 1),
    "macro.wage_inflation": st.floats(-0.02, 0.1), "capex.renovation_cny": st.floats(0, 8e7),
    "capex.reserve_years": st.integers(0, 6), "capex.handback_cost_cny": st.floats(0, 1e7),
    "financing.loan.amount_cny": st.floats(0, 3e7), "financing.loan.rate": st.floats(0, 0.1),
    "financing.distribution_share": st.floats(0, 1), "support.capital_grant_cny": st.floats(0, 5e6),
    "tax.vat_credit_refund_year": st.sampled_from([None, 2020, 2022, 2030]),
    "financing.loan.repayment": st.sampled_from(["annuity", "equal_principal", "sculpted"]),
    "tax.taxpayer_status": st.sampled_from(["general", "small_scale", "auto"]),
})


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(values=VALUES)
def test_balance_sheet_balances_in_random_valid_variants(values):
    pj = engine.project(with_values(BASE, {**values, "financing.loan.tenor_years": 12, "financing.loan.grace_years": 1}))
    _check_tables(pj)


def test_the_balance_sheet_check_can_fail():
    """A balance sheet that forgets the distributions no longer balances: the check sees it."""
    from finmodel import model

    def forget_distributions(m):
        m["balance_cash"].expr = m["balance_cash"].expr + m["distributions"]

    model.BUILDERS.append(forget_distributions)
    try:
        pj = engine.project(load(BASE_YAML).assumptions)
        assert np.abs(pj["b_difference"][0]).max() > 1e5
        assert pj.scalar("master_check")[0] >= 1          # balance sheet and plan-vs-cash flags
    finally:
        model.BUILDERS.remove(forget_distributions)
    assert engine.project(load(BASE_YAML).assumptions).scalar("master_check")[0] == 0
