"""Property tests (hypothesis) of the engine's invariants.

- cash reconciles: the direct build-up (receipts - payments) equals the indirect one
  (net income + amortisation - capex - working capital + debt) in every scenario and year;
- with the small-enterprise and small-taxpayer thresholds off, more support, rent,
  occupancy or collection never lowers NPV;
- the vectorised result equals the one-scenario result row by row (bitwise for line items,
  1e-12 for the iterative metrics);
- every line item is finite and every metric is finite or NaN.
"""

from __future__ import annotations

import math

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from finmodel import engine
from finmodel.model.core import may_be_undefined
from finmodel.scenarios import load, with_values

from .conftest import BASE_YAML

BASE = load(BASE_YAML).assumptions
# the thresholds off: general taxpayer throughout, no small-enterprise bands or relief
FLAT = with_values(BASE, {"tax.small_enterprise_relief": False, "tax.taxpayer_status": "general"})

# ranges inside the schema's bounds, wide enough to cross losses, VAT credits and debt
RANGES = {
    "support.subsidy_annual_cny": (0.0, 5e6),
    "support.subsidy_last_year": (1, 20),
    "space.tiers.0.rent_cny_per_m2_day": (0.0, 12.0),
    "space.tiers.2.rent_cny_per_m2_day": (0.0, 30.0),
    "space.tiers.2.occupancy.target": (0.0, 1.0),
    "property_service.collection.target": (0.0, 1.0),
    "property_service.fixed_team_cny_per_year": (0.0, 3e6),
    "parking.fee_cny_per_space_month": (0.0, 400.0),
    "macro.wage_inflation": (-0.02, 0.10),
    "macro.cpi_inflation": (-0.02, 0.08),
    "capex.renovation_cny": (0.0, 8e7),
    "capex.periodic_refit_every_years": (0, 12),
    "capex.refits.0.amount_cny": (0.0, 2e7),
    "financing.loan.amount_cny": (0.0, 4e7),
    "financing.loan.rate": (0.0, 0.12),
    "financing.loan.grace_years": (0, 5),
    "discount.project_rate": (0.0, 0.2),
}
INTS = {"support.subsidy_last_year", "capex.periodic_refit_every_years", "financing.loan.grace_years"}


def value(path):
    lo, hi = RANGES[path]
    if path in INTS:
        return st.integers(int(lo), int(hi))
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False)


scenario_values = st.fixed_dictionaries({p: value(p) for p in RANGES})
switches = st.fixed_dictionaries({
    "tax.taxpayer_status": st.sampled_from(["general", "small_scale", "auto"]),
    "tax.small_enterprise_relief": st.booleans(),
    "support.subsidy_taxable": st.booleans(),
    "support.subsidy_vat": st.sampled_from(["none", "purchased_service"]),
    "financing.loan.repayment": st.sampled_from(["annuity", "equal_principal"]),
})

PROPS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPS
@given(values=scenario_values, sw=switches)
def test_cash_reconciles_and_everything_finite(values, sw):
    a = with_values(BASE, {**values, **sw})
    pj = engine.project(a)
    for row in pj.model.rows:      # finite, but where a row's definition says "not defined" (DSCR without debt)
        if row.expr is not None and not may_be_undefined(row):
            assert np.all(np.isfinite(pj[row.key])), row.key
    scale = max(1.0, float(np.abs(pj["cash_receipts"]).max()), float(np.abs(pj["cash_payments"]).max()))
    np.testing.assert_allclose(pj["equity_fcf_direct"], pj["equity_fcf_indirect"], rtol=0, atol=1e-9 * scale)
    np.testing.assert_allclose(pj["equity_fcf"], pj["equity_fcf_direct"], rtol=0, atol=1e-9 * scale)
    m = pj.metrics()
    for k, v in m.items():
        x = float(v[0])
        assert math.isfinite(x) or math.isnan(x), k
    # debt repaid, all assets written down by hand-back
    assert abs(pj["loan_balance"][0, -1]) < 1e-6 * max(1.0, values["financing.loan.amount_cny"])


MONOTONE = ["support.subsidy_annual_cny", "space.tiers.2.rent_cny_per_m2_day", "space.tiers.2.occupancy.target",
            "property_service.collection.target"]


@PROPS
@given(values=scenario_values, which=st.sampled_from(MONOTONE), u=st.floats(0, 1), v=st.floats(0, 1))
def test_more_support_rent_occupancy_collection_never_lowers_npv(values, which, u, v):
    a = with_values(FLAT, values)
    lo, hi = RANGES[which]
    x1, x2 = sorted((lo + (hi - lo) * u, lo + (hi - lo) * v))
    npv = engine.evaluate(a, {which: np.array([x1, x2])}, metrics=("npv",))["npv"]
    assert npv[1] >= npv[0] - 1e-6 * max(1.0, abs(npv[0])), (which, x1, x2, npv)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(scenario_values, min_size=2, max_size=6), sw=switches)
def test_vectorised_equals_one_scenario(rows, sw):
    a = with_values(BASE, sw)
    vary = {p: np.array([float(r[p]) for r in rows]) for p in RANGES}
    pj = engine.project(a, vary)
    m = pj.metrics()
    for i, r in enumerate(rows):
        one = engine.project(with_values(a, r))
        for key in one.items.keys():
            assert np.array_equal(pj[key][i], one[key][0], equal_nan=True), key
        m1 = one.metrics()
        for k in m1:
            x, y = float(m[k][i]), float(m1[k][0])
            assert (math.isnan(x) and math.isnan(y)) or x == y or abs(x - y) <= 1e-12 * max(1.0, abs(y)), (k, x, y)
