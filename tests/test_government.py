"""The street office's view on small cases whose numbers are derived by hand in each test.

Every expected value is written as the arithmetic that produces it, from the definitions in
``finmodel/government.py`` (and docs/government.md). The J-community figures at the time of
writing, for orientation only (not asserted): commitments 4,143.81 万元 in total, PV at 3.5 %
4,096.80 万元 (9,756.62 CNY per household); net cost PV 3,781.84 万元; foregone rent PV 2,267.44
万元; budget share peak 5.094 % in 2019; red line ok; VfM +2,616.10 万元 (the concession is better
value).
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from finmodel import engine
from finmodel import government as G
from finmodel.errors import InputError
from finmodel.scenarios import with_values

from .conftest import BASE_YAML, ROOT, case

EXEMPT_TIER = {"name": "only", "share": 1.0, "occupancy": {"start": 1, "target": 1, "ramp_years": 0},
               "escalation": 0.0, "lease_years": 50, "vat_category": "exempt"}


def rent_space(annual_rent, vat_category="exempt"):
    """One tier on 1,000 m2 whose rent is `annual_rent` a year (VAT-inclusive), no ramp."""
    return {"total_area_m2": 1000, "leasable_ratio": 1.0,
            "tiers": [{**EXEMPT_TIER, "rent_cny_per_m2_day": annual_rent / 1000 / 365, "vat_category": vat_category}]}


def view(a, **kw):
    return G.government_view(engine.project(a), a, **kw)


def arrays(a, **kw):
    return G.compute(engine.project(a), a, **kw)


# ------------------------------------------------------------------ fiscal commitments
def test_commitments_pv_per_household_and_foregone_rent():
    # 3 operating years, no taxes at all (income tax 0, surcharges 0, no VAT-bearing income).
    # Co-investment 1,000,000 in year 0; subsidy 100,000 in year 1 stepping down 50 % a year
    # (years 1-2: 100,000, 50,000); capital grant 20,000 in year 1.
    # Cash outlays by year: [1,000,000, 120,000, 50,000, 0]; no relief, so commitments = outlays.
    # PV at 5 %: 1,000,000 + 120,000/1.05 + 50,000/1.05^2; per household: / 100.
    # Foregone rent: 1 CNY/m2/day x 100 m2 x 365 = 36,500 in year 1, +10 % a year:
    # [0, 36,500, 40,150, 44,165], PV = 36,500/1.05 + 40,150/1.05^2 + 44,165/1.05^3.
    a = case(3, scenario={"households": 100},
             space={"total_area_m2": 100},
             support={"subsidy_annual_cny": 100_000, "subsidy_first_year": 1, "subsidy_last_year": 2,
                      "subsidy_step_down": 0.5, "capital_grant_cny": 20_000, "capital_grant_year": 1},
             tax={"income_tax_rate": 0.0, "surcharge_rate": 0.0},
             government={"discount_rate": 0.05, "co_investment_cny": 1_000_000,
                         "market_rent_cny_per_m2_day": 1.0, "market_rent_escalation": 0.10})
    v = view(a)
    assert v["by_year"]["co_investment"] == pytest.approx([1_000_000, 0, 0, 0])
    assert v["by_year"]["subsidy_paid"] == pytest.approx([0, 100_000, 50_000, 0])
    assert v["by_year"]["capital_grant"] == pytest.approx([0, 20_000, 0, 0])
    assert v["commitment_by_year"] == pytest.approx([1_000_000, 120_000, 50_000, 0])
    assert v["by_year"]["tax_relief"] == pytest.approx([0, 0, 0, 0])
    assert v["by_year"]["taxes_paid_back"] == pytest.approx([0, 0, 0, 0])
    pv = 1_000_000 + 120_000 / 1.05 + 50_000 / 1.05 ** 2                 # 1,159,637.19
    assert v["commitment_total"] == pytest.approx(1_170_000)
    assert v["commitment_pv"] == pytest.approx(pv, rel=1e-12)
    assert v["commitment_pv_per_household"] == pytest.approx(pv / 100, rel=1e-12)
    assert v["net_cost_pv"] == pytest.approx(pv, rel=1e-12)           # no taxes paid back
    assert v["by_year"]["foregone_rent"] == pytest.approx([0, 36_500, 40_150, 44_165])
    assert v["foregone_rent_pv"] == pytest.approx(36_500 / 1.05 + 40_150 / 1.05 ** 2 + 44_165 / 1.05 ** 3, rel=1e-12)
    # the foregone rent is a memo: outside commitments and net cost
    assert v["totals"]["commitment"] == pytest.approx(1_170_000)
    # no households: no figure per household (None in JSON), never a silent 0
    assert view(with_values(a, {"scenario.households": 0}))["commitment_pv_per_household"] is None


def test_taxes_paid_back_and_net_cost():
    # Rent 1,090,000 a year VAT-inclusive (leasing, general taxpayer, 9 % from 2019), 2 years,
    # no relief: VAT 1,090,000 - 1,090,000/1.09 = 90,000; surcharges 12 % x 90,000 = 10,800;
    # income tax 25 % x (1,000,000 - 10,800) = 247,300; taxes paid back 348,100 a year.
    # Subsidy 0, co-investment 500,000: net cost = [500,000, -348,100, -348,100];
    # PV at 4 % = 500,000 - 348,100 (1/1.04 + 1/1.04^2).
    a = case(2, space=rent_space(1_090_000, "leasing"),
             government={"discount_rate": 0.04, "co_investment_cny": 500_000})
    v = view(a)
    assert v["by_year"]["taxes_paid_back"] == pytest.approx([0, 348_100, 348_100])
    assert v["net_cost_by_year"] == pytest.approx([500_000, -348_100, -348_100])
    assert v["net_cost_pv"] == pytest.approx(500_000 - 348_100 * (1 / 1.04 + 1 / 1.04 ** 2), rel=1e-12)
    assert v["commitment_pv"] == pytest.approx(500_000)               # commitments: outlays + relief (none)


def test_tax_relief_small_enterprise_bands_and_holiday():
    # Exempt rent of 2,000,000 a year, no cost: taxable income 2,000,000 in 2020, 2021, 2022.
    # Without relief: 25 % = 500,000 a year.
    # With the small low-profit bands and a one-year holiday:
    #   2020 (year 1): holiday -> 0                               relief 500,000
    #   2021: 2.5 % x 1,000,000 + 10 % x 1,000,000 = 125,000      relief 375,000
    #   2022: 2.5 % x 1,000,000 +  5 % x 1,000,000 =  75,000      relief 425,000
    # Relief PV at 5 %: 500,000/1.05 + 375,000/1.05^2 + 425,000/1.05^3.
    a = case(3, space=rent_space(2_000_000),
             support={"income_tax_holiday_years": 1},
             tax={"small_enterprise_relief": True},
             government={"discount_rate": 0.05})
    pj = engine.project(a)
    assert pj["income_tax"][0] == pytest.approx([0, 0, 125_000, 75_000])
    c = G.compute(pj, a)
    assert c["tax_relief"][0] == pytest.approx([0, 500_000, 375_000, 425_000])
    assert c["taxes_paid_back"][0] == pytest.approx([0, 0, 125_000, 75_000])
    assert c["commitment"][0] == pytest.approx([0, 500_000, 375_000, 425_000])
    assert c["net_cost"][0] == pytest.approx([0, 0, -125_000, -75_000])   # relief not subtracted twice
    pv = 500_000 / 1.05 + 375_000 / 1.05 ** 2 + 425_000 / 1.05 ** 3
    assert G.government_metrics(pj, a)["gov_tax_relief_pv"][0] == pytest.approx(pv, rel=1e-12)
    # the relief is the same scenario projected with the reliefs off, less the taxes paid
    from finmodel.scenarios import with_values
    off = engine.project(with_values(a, G.RELIEF_OFF))
    assert off["income_tax"][0] == pytest.approx([0, 500_000, 500_000, 500_000])
    taxes_off = off["vat_payable"] + off["surcharges"] + off["income_tax"]
    assert c["tax_relief"][0] == pytest.approx((taxes_off - c["taxes_paid_back"])[0])


def test_tax_relief_includes_the_small_scale_surcharge_halving():
    # Small-scale taxpayer, leasing rent 1,050,000 a year at 5 %: VAT 50,000 a year;
    # surcharges 12 % x 50,000 = 6,000, halved in 2019-2027 -> 3,000. Income tax 0 here.
    # Relief = 3,000 a year (the halving), nothing else.
    a = case(2, space=rent_space(1_050_000, "leasing"),
             tax={"taxpayer_status": "small_scale", "income_tax_rate": 0.0})
    c = arrays(a)
    assert c["taxes_paid_back"][0] == pytest.approx([0, 53_000, 53_000])
    assert c["tax_relief"][0] == pytest.approx([0, 3_000, 3_000])


# ------------------------------------------------------------------ affordability
def afford_case(subsidy, existing=0.0, growth=0.0, co_investment=0.0, grant=0.0, grant_year=1, **gov):
    return case(2, support={"subsidy_annual_cny": subsidy, "subsidy_first_year": 1, "subsidy_last_year": 2,
                            "capital_grant_cny": grant, "capital_grant_year": grant_year},
                tax={"income_tax_rate": 0.0},
                government={"budget_expenditure_cny_per_year": 1_000_000, "budget_growth": growth,
                            "existing_commitments_share": existing, "co_investment_cny": co_investment, **gov})


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
    # failed (relative tolerance 1e-12): 0.6 % committed + a co-investment of 9.4 % of the
    # year-0 budget 1,000,000 / 1.05
    co = 0.094 * 1_000_000 / 1.05
    v = view(afford_case(0, existing=0.006, growth=0.05, co_investment=co))
    assert v["budget_share_peak"] > 0.1 and v["budget_share_peak"] == pytest.approx(0.1, abs=1e-15)
    assert v["red_line_ok"] is True
    # the line itself is an input: at 9 % the 10 % case fails
    assert view(afford_case(100_000, red_line=0.09, warning_level=0.05))["red_line_ok"] is False


def test_budget_share_by_year_peak_and_warning():
    # Budget 1,000,000 in year 1 growing 25 %: year 0 1,000,000/1.25 = 800,000; year 2 1,250,000.
    # Co-investment 40,000 (year 0) -> 5 %; subsidy 60,000 -> 6 % in year 1;
    # year 2: subsidy 60,000 + capital grant 40,000 = 100,000 / 1,250,000 = 8 %.
    # Plus 1 % already committed: [6 %, 7 %, 9 %]; peak 9 % in 2021; above the 7 % warning, under 10 %.
    v = view(afford_case(60_000, existing=0.01, growth=0.25, co_investment=40_000, grant=40_000, grant_year=2))
    aff = v["affordability"]
    assert aff["budget_expenditure_by_year"] == pytest.approx([800_000, 1_000_000, 1_250_000])
    assert aff["share_by_year"] == pytest.approx([0.06, 0.07, 0.09])
    assert v["budget_share_peak"] == pytest.approx(0.09)
    assert v["budget_share_peak_year"] == 2021
    assert aff["above_warning"] is True and v["red_line_ok"] is True
    # tax relief is not a budget outlay: the same case with a tax holiday has the same shares
    a2 = with_values(afford_case(60_000, existing=0.01, growth=0.25, co_investment=40_000, grant=40_000,
                                 grant_year=2), {"support.income_tax_holiday_years": 2, "tax.income_tax_rate": 0.25})
    assert view(a2)["affordability"]["share_by_year"] == pytest.approx([0.06, 0.07, 0.09])


def test_notes_indicative_and_construction_support():
    # co-investment and capital grants pay for construction: flagged, with their sum
    v = view(afford_case(10_000, co_investment=40_000, grant=5_000))
    aff = v["affordability"]
    assert aff["indicative"] is True and aff["formal_ppp"] is False
    assert aff["construction_support"] == pytest.approx(45_000) and aff["construction_support_flag"] is True
    assert "indicative" in v["notes"][0]
    assert "not construction" in v["notes"][1] and "45,000" in v["notes"][1]
    # an operating subsidy alone is not construction support; a formal PPP says the test applies
    v2 = view(afford_case(10_000, formal_ppp=True))
    assert v2["affordability"]["construction_support_flag"] is False
    assert "applies" in v2["notes"][0] and "no support here pays for construction" in v2["notes"][1]


# ------------------------------------------------------------------ value for money
R_RENT, O_PSC, K_PSC, C0, RATE, N4 = 30_000.0, 50_000.0, 1_000_000.0, 600_000.0, 0.05, 4
ANNUITY = (1 - (1 + RATE) ** -N4) / RATE                                # 3.5459505...
S_STAR = (K_PSC - C0) / ANNUITY + (O_PSC - R_RENT)                      # 132,804.7...


def vfm_case(subsidy):
    # No taxes (exempt rent, income tax 0). Concession: co-investment C0 in year 0, a flat subsidy s
    # in years 1-4. Comparator: capex K in year 0, opex O a year (no escalation), receipts = the
    # same rent R (revenue_factor 1). At the government rate r:
    #   PV_psc  = K + (O - R) x a(4, r),   PV_conc = C0 + s x a(4, r)
    #   VfM = PV_psc - PV_conc = 0  at  s* = (K - C0) / a(4, r) + (O - R).
    return case(N4, space=rent_space(R_RENT),
                support={"subsidy_annual_cny": subsidy, "subsidy_first_year": 1, "subsidy_last_year": N4},
                tax={"income_tax_rate": 0.0},
                government={"discount_rate": RATE, "co_investment_cny": C0,
                            "comparator": {"capex_cny": K_PSC, "opex_cny_per_year": O_PSC, "opex_escalation": 0.0,
                                           "revenue_factor": 1.0}})


def test_vfm_by_hand_and_its_sign_change():
    v = view(vfm_case(100_000))
    vf = v["value_for_money"]
    assert vf["comparator_net_cost_pv"] == pytest.approx(K_PSC + (O_PSC - R_RENT) * ANNUITY, rel=1e-12)
    assert vf["concession_net_cost_pv"] == pytest.approx(C0 + 100_000 * ANNUITY, rel=1e-12)
    assert v["vfm"] == pytest.approx(K_PSC - C0 + (O_PSC - R_RENT - 100_000) * ANNUITY, rel=1e-12)  # +113,675.8
    assert vf["better_value"] == "concession"
    # every comparator assumption is stated
    assert vf["comparator"] == {"definition": vf["comparator"]["definition"], "capex_cny": K_PSC,
                                "opex_cny_per_year": O_PSC, "opex_escalation": 0.0, "collection_rate": 0.6,
                                "revenue_factor": 1.0, "discount_rate": RATE, "taxes": "none"}
    # the sign changes at s* = 132,804.7 CNY a year: one scenario each side and one at it
    a = vfm_case(0)
    subs = np.array([S_STAR - 1.0, S_STAR, S_STAR + 1.0])
    m = G.government_metrics(engine.project(a, {"support.subsidy_annual_cny": subs}), a,
                             vary={"support.subsidy_annual_cny": subs})
    assert m["gov_vfm"][0] == pytest.approx(ANNUITY, rel=1e-6)        # 1 CNY a year less: +a(4, r)
    assert abs(m["gov_vfm"][1]) < 1e-6
    assert m["gov_vfm"][2] == pytest.approx(-ANNUITY, rel=1e-6)
    assert view(vfm_case(S_STAR + 1.0))["value_for_money"]["better_value"] == "comparator"


def test_comparator_lines_escalation_collection_and_own_rate():
    # Comparator opex 50,000 escalating 10 %: [0, 50,000, 55,000, 60,500].
    # Receipts: revenue_factor 0.9 x (rent 30,000 + parking 10 spaces x 100 x 12 = 12,000)
    #           + collection 0.6 x fees billed (1,000 m2 x 1 CNY/m2/month x 12 = 12,000) = 37,800 + 7,200 = 45,000.
    # Net cost [K, 5,000, 10,000, 15,500] discounted at the comparator's own 10 %.
    a = case(3, space=rent_space(30_000),
             property_service={"base_area_m2": 1000, "fee_steps": [{"from_year": 1, "fee_cny_per_m2_month": 1.0}]},
             parking={"existing_spaces": 10, "fee_cny_per_space_month": 100.0},
             tax={"income_tax_rate": 0.0},
             government={"discount_rate": 0.05,
                         "comparator": {"capex_cny": 200_000, "opex_cny_per_year": 50_000, "opex_escalation": 0.10,
                                        "collection_rate": 0.6, "revenue_factor": 0.9, "discount_rate": 0.10}})
    c = arrays(a)
    assert c["psc_capex"][0] == pytest.approx([200_000, 0, 0, 0])
    assert c["psc_opex"][0] == pytest.approx([0, 50_000, 55_000, 60_500])
    assert c["psc_revenue"][0] == pytest.approx([0, 45_000, 45_000, 45_000])
    assert c["psc_net_cost"][0] == pytest.approx([200_000, 5_000, 10_000, 15_500])
    assert c["psc_net_cost_pv"][0] == pytest.approx(200_000 + 5_000 / 1.1 + 10_000 / 1.1 ** 2 + 15_500 / 1.1 ** 3,
                                                    rel=1e-12)
    assert c["rates"]["comparator"][0] == 0.10 and c["rates"]["government"][0] == 0.05


# ------------------------------------------------------------------ residents' burden
def test_residents_burden():
    # Base area 1,000 m2 for 10 households: 100 m2 each (the expanded area from year 2 is other
    # households' and does not change it). Fee 1.0 CNY/m2/month, 1.5 from year 3:
    # per household per month [0, 100, 100, 150]. Collection ramps 0.5 -> 1.0 over 2 years:
    # [0, 0.5, 0.75, 1.0], so the average paid per household [0, 50, 75, 150].
    # Parking 100 CNY/space/month escalating 10 %: [0, 100, 110, 121].
    # Changes, last year over year 1: fee +50 %; against wages (+20 % a year, index 1.44 in year 3)
    # 150 / 1.44 / 100 - 1 = +4.1667 %; parking +21 %.
    a = case(3, scenario={"households": 10}, macro={"cpi_inflation": 0.0, "wage_inflation": 0.2},
             property_service={"base_area_m2": 1000, "expanded_area_m2": 500, "expansion_from_year": 2,
                               "fee_steps": [{"from_year": 1, "fee_cny_per_m2_month": 1.0},
                                             {"from_year": 3, "fee_cny_per_m2_month": 1.5}],
                               "collection": {"start": 0.5, "target": 1.0, "ramp_years": 2}},
             parking={"existing_spaces": 5, "fee_cny_per_space_month": 100.0, "escalation": 0.10})
    r = view(a)["residents"]
    assert r["floor_area_per_household_m2"] == pytest.approx(100)
    assert r["property_fee_per_household_month"] == pytest.approx([0, 100, 100, 150])
    assert r["paying_household_share"] == pytest.approx([0, 0.5, 0.75, 1.0])
    assert r["average_fee_per_household_month"] == pytest.approx([0, 50, 75, 150])
    assert r["parking_fee_per_space_month"] == pytest.approx([0, 100, 110, 121])
    assert r["property_fee_change"] == pytest.approx(0.5)
    assert r["property_fee_change_vs_wages"] == pytest.approx(150 / 1.44 / 100 - 1)
    assert r["parking_fee_change"] == pytest.approx(0.21)
    # a stated share of paying households replaces the collection rate: 0.8 x 100 = 80
    r2 = view(with_values(a, {"government.paying_household_share": 0.8}))["residents"]
    assert r2["paying_household_share"] == pytest.approx([0, 0.8, 0.8, 0.8])
    assert r2["average_fee_per_household_month"] == pytest.approx([0, 80, 80, 120])


# ------------------------------------------------------------------ vectorised, JSON, errors
def test_vectorised_equals_one_scenario_at_a_time(base):
    # engine inputs, government inputs and a relief input varied together over 4 scenarios
    vary = {"support.subsidy_annual_cny": np.array([0, 5e5, 2e6, 4e6]),
            "support.income_tax_holiday_years": np.array([0, 1, 3, 0]),
            "government.discount_rate": np.array([0.02, 0.035, 0.04, 0.05]),
            "government.comparator.collection_rate": np.array([0.3, 0.6, 0.7, 0.9]),
            "government.existing_commitments_share": np.array([0.0, 0.05, 0.08, 0.099])}
    pj = engine.project(base, vary)
    many = G.government_metrics(pj, base, vary=vary)
    for i in range(4):
        b = with_values(base, {k: (int(x[i]) if k.endswith("holiday_years") else float(x[i])) for k, x in vary.items()})
        one = G.government_metrics(engine.project(b), b)
        for k in G.GOV_METRIC_NAMES:
            assert many[k][i] == pytest.approx(one[k][0], rel=1e-12, abs=1e-6), (k, i)
    c = G.compute(pj, base, vary=vary)
    assert c["commitment"].shape == (4, 21) and c["vfm"].shape == (4,)
    # chunked evaluation gives the same numbers, engine metrics alongside
    ev = G.evaluate(base, vary, chunk_size=3, metrics=("npv", "gov_vfm", "gov_budget_share_peak"))
    assert ev["gov_vfm"] == pytest.approx(many["gov_vfm"], rel=1e-12)
    assert ev["npv"] == pytest.approx(pj.metrics()["npv"], rel=1e-12)


def test_json_ready_and_required_keys(base):
    v = G.government_view(engine.project(base), base)
    text = json.dumps(v, allow_nan=False)            # plain Python, no NaN
    for key in ("commitment_by_year", "commitment_pv", "commitment_pv_per_household", "foregone_rent_pv",
                "budget_share_peak", "red_line_ok", "vfm"):
        assert key in v, key
    assert len(v["commitment_by_year"]) == 21 and isinstance(v["red_line_ok"], bool)
    assert 0 < v["budget_share_peak"] < 1 and "36,666,667" in text
    lines = G.summary_lines(v)                       # the terminal block: amounts in 万元
    assert any(ln.startswith("Value for money") and "万元" in ln for ln in lines)


def test_errors():
    a = case(2, tax={"small_enterprise_relief": True})
    pj = engine.project(a, {"support.subsidy_annual_cny": np.array([0.0, 1.0])})
    assert G.compute(pj, a)["tax_relief"].shape == (2, 3)     # the relief of each scenario, from the engine
    with pytest.raises(InputError, match="unknown metric"):
        G.government_metrics(pj, a, names=("gov_npv",))
    with pytest.raises(InputError, match="detail=True"):
        G.compute(engine.project(a, detail=False), a)          # the batch projection has no government rows
    with pytest.raises(InputError, match="warning_level"):
        case(2, government={"red_line": 0.05, "warning_level": 0.07})
    with pytest.raises(InputError):
        case(2, government={"discount_rate": -0.01})


def test_j_community_government_section_is_sourced_and_shipped_identically(base):
    assert (ROOT / "finmodel" / "data" / "j_community.yaml").read_bytes() == BASE_YAML.read_bytes()
    gov = base.government
    assert gov.co_investment_cny == pytest.approx(30e6 / 0.45 * 0.55, abs=1)     # 55 % of the total
    assert gov.red_line == 0.10 and gov.formal_ppp is False
    notes = base.sources
    for key in ("discount_rate", "co_investment_cny", "market_rent_cny_per_m2_day", "budget_expenditure_cny_per_year",
                "existing_commitments_share", "red_line", "formal_ppp", "comparator.capex_cny",
                "comparator.opex_cny_per_year", "comparator.collection_rate", "comparator.revenue_factor"):
        assert notes.get(f"government.{key}", "").split(":")[0] in ("public", "assumed", "paper"), key


def test_government_metrics_as_targets_and_in_run_json():
    """Wiring: gov_* metrics are break-even targets and sensitivity metrics; run --json has the view."""
    import json

    from click.testing import CliRunner

    from finmodel import breakeven
    from finmodel.cli import main
    from finmodel.scenarios import load, with_values

    a = load().assumptions
    r = breakeven.solve(a, "support.subsidy_annual_cny", "gov_vfm=0")
    assert r.feasible
    # fed back: VfM at the solved subsidy is 0 (within 1e-6 of the comparator's PV scale)
    from finmodel import engine, government
    pj = engine.project(with_values(a, {"support.subsidy_annual_cny": r.value}))
    vfm = government.government_metrics(pj, pj.assumptions, names=("gov_vfm",))["gov_vfm"][0]
    assert abs(vfm) <= 1e-6 * 6.4e7
    out = CliRunner().invoke(main, ["run", "--json", "--no-report"])
    g = json.loads(out.stdout)["government"]
    for key in ("commitment_by_year", "commitment_pv", "commitment_pv_per_household", "foregone_rent_pv",
                "budget_share_peak", "red_line_ok", "vfm"):
        assert key in g
    assert 0 <= g["budget_share_peak"] <= 1
