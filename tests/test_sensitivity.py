"""Sensitivity studies: grids, tornado, spider, scenario sets, attribution, Monte Carlo, Sobol, Morris.

Where each expected number comes from is said next to it. The hand-checkable cases are built on
``conftest.zero_case`` (everything off) with the income tax rate set to 0 and no VAT on the
streams used, so that NPV is a linear function of the inputs:

* a subsidy S paid in operating years 1..5 adds S * a5 to NPV, a5 = sum_{k=1..5} 1.08^-k
  = (1 - 1.08^-5) / 0.08 = 3.99271004 (annuity factor at 8 %);
* rent r [CNY/m2/day] on A m2 at occupancy o over 10 operating years adds
  A o r 365 a10, a10 = (1 - 1.08^-10) / 0.08 = 6.71008140;
* renovation capex C in year 0 (undiscounted, input VAT rate 0) adds -C.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from click.testing import CliRunner
from scipy import special, stats

from finmodel import engine
from finmodel.cli import main
from finmodel.scenarios import load, validate_data, with_values
from finmodel.sensitivity import (
    analyze,
    run_attribution,
    run_compare,
    run_grid,
    run_montecarlo,
    run_morris,
    run_sobol,
    run_spider,
    run_tornado,
    sample,
)
from finmodel.sensitivity.distributions import Marginal

from .conftest import BASE_YAML, ROOT, merge, zero_case

A5 = (1 - 1.08 ** -5) / 0.08     # 3.99271004..., annuity factor, 5 years at 8 %
A10 = (1 - 1.08 ** -10) / 0.08   # 6.71008140..., annuity factor, 10 years at 8 %
RATIO_METRICS = ("margin_avg", "subsidy_dependence")
IRR_METRICS = ("project_irr", "equity_irr")
NO_IRR = tuple(m for m in engine.METRIC_NAMES if m not in IRR_METRICS)


def linear_case(**over):
    """Ten years, 1,000 m2 of VAT-exempt space at 2 CNY/m2/day and full occupancy, a 1 million subsidy
    in years 1..5 without step-down, 4 million renovation capex, no income tax: NPV is linear."""
    data = merge(zero_case(10), {
        "space": {"total_area_m2": 1000.0,
                  "tiers": [{"name": "only", "share": 1.0, "rent_cny_per_m2_day": 2.0,
                             "occupancy": {"start": 1, "target": 1, "ramp_years": 0}, "escalation": 0.0,
                             "rent_free_months": 0, "lease_years": 50, "relet_vacancy_months": 0,
                             "vat_category": "exempt"}]},
        "support": {"subsidy_annual_cny": 1e6, "subsidy_first_year": 1, "subsidy_last_year": 5,
                    "subsidy_step_down": 0.0, "subsidy_vat": "none"},
        "capex": {"renovation_cny": 4e6, "input_vat_rate": 0.0, "life_years": 10},
        "tax": {"taxpayer_status": "general", "small_enterprise_relief": False, "income_tax_rate": 0.0,
                "surcharge_rate": 0.0},
    })
    return validate_data(merge(data, over))


def with_uncertainty(a, inputs, correlations=(), method="iman_conover"):
    data = a.model_dump(mode="python")
    data["uncertainty"] = {"inputs": list(inputs), "correlations": list(correlations),
                           "correlation_method": method}
    return validate_data(data)


@pytest.fixture(scope="module")
def j():
    return load(BASE_YAML).assumptions


@pytest.fixture(scope="module")
def j_flat(j):
    """J with the tax thresholds off: general VAT status, no small-enterprise bands (no cliff)."""
    return with_values(j, {"tax.small_enterprise_relief": False, "tax.taxpayer_status": "general"})


# --------------------------------------------------------------------------- grids
@pytest.mark.parametrize("metric", engine.METRIC_NAMES)
def test_grid_at_base_equals_base_metric(j, metric):
    """The middle of symmetric relative grids with odd N is the base point, bit for bit."""
    g = run_grid(j, ["space.tiers.2.rent_cny_per_m2_day=-20%:+20%:5", "support.subsidy_annual_cny=-50%:+50%:3"],
                 metric)
    assert g.axes[0].base_index == 2 and g.axes[1].base_index == 1
    assert g.axes[0].values[2] == 7.5 and g.axes[1].values[1] == 1e6   # the YAML's base values
    base_row = g.base                                   # row 0 of the same batch: the scenario unchanged
    assert np.array_equal(g.values[2, 1], base_row, equal_nan=True)
    single = engine.evaluate(j, metrics=(metric,))[metric][0]   # what `finmodel run` reports
    assert np.array_equal(g.values[2, 1], single, equal_nan=True)


def test_relative_axis_middle_is_exactly_the_base(j):
    # 0.88 * (1 + f) with f from linspace(-0.07, 0.07, 41) would put 0.88000000000000012 in the middle
    ax = sample.grid_axis(j, "property_service.collection.target=-7%:+7%:41")
    assert ax.base_index == 20 and ax.values[20] == 0.88
    assert ax.values[0] == pytest.approx(0.88 * 0.93, rel=1e-15) and ax.values[-1] == pytest.approx(0.88 * 1.07)
    ab = sample.grid_axis(j, "capex.renovation_cny=2e7:4e7:5")
    assert ab.values.tolist() == [2e7, 2.5e7, 3e7, 3.5e7, 4e7] and ab.base_index == 2


@pytest.mark.parametrize("spec", ["space.tiers.2.rent_cny_per_m2_day=3:12:41",
                                  "support.subsidy_annual_cny=0:3e6:41",
                                  "property_service.collection.target=0.5:1.0:41"])
def test_npv_rises_along_rent_subsidy_and_collection(j_flat, spec):
    """More rent, subsidy or collected fees is more cash; with a flat 25 % tax (no bands, no cliff,
    no VAT status change) every step keeps 75 % or more of the extra cash, so NPV rises strictly."""
    g = run_grid(j_flat, [spec], "npv")
    assert np.all(np.diff(g.values) > 0)


def test_two_way_grid_shape_and_order(j):
    g = run_grid(j, ["space.tiers.2.rent_cny_per_m2_day=5:10:3", "support.subsidy_annual_cny=0:2e6:4"], "npv")
    assert g.values.shape == (3, 4)
    # row-major: rows follow the rent, columns the subsidy; NPV rises along both here
    assert np.all(np.diff(g.values, axis=0) > 0) and np.all(np.diff(g.values, axis=1) > 0)
    d = g.to_dict()
    assert set(d) >= {"metric", "row_path", "col_path", "rows", "cols", "values"}
    assert d["rows"] == [5.0, 7.5, 10.0] and len(d["values"]) == 3 and len(d["values"][0]) == 4


# --------------------------------------------------------------------------- tornado and spider
def test_tornado_sorted_clipped_and_matches_one_at_a_time(j):
    r = run_tornado(j, "npv", ["space.tiers.2.occupancy.target", "capex.renovation_cny",
                               "support.subsidy_annual_cny"], swing=0.2)
    impacts = [d["impact"] for d in r.drivers]
    assert impacts == sorted(impacts, reverse=True)
    occ = next(d for d in r.drivers if d["path"] == "space.tiers.2.occupancy.target")
    assert occ["high"] == 1.0 and occ["clipped_high"] and r.clipped == 1    # 0.9 * 1.2 = 1.08 > 1
    assert occ["low"] == pytest.approx(0.72)                                   # 0.9 * 0.8
    cap = next(d for d in r.drivers if d["path"] == "capex.renovation_cny")
    alone = engine.evaluate(j, {"capex.renovation_cny": [2.4e7, 3.6e7]}, metrics=("npv",))["npv"]
    assert [cap["metric_low"], cap["metric_high"]] == alone.tolist()         # the same rows, one at a time


def test_tornado_uses_declared_ranges_unless_swing_given(j):
    r = run_tornado(j, "npv")
    sub = next(d for d in r.drivers if d["path"] == "support.subsidy_annual_cny")
    assert (sub["low"], sub["high"], sub["range"]) == (0.0, 2e6, "declared")    # j_community.yaml
    r2 = run_tornado(j, "npv", swing=0.1)
    sub2 = next(d for d in r2.drivers if d["path"] == "support.subsidy_annual_cny")
    assert (sub2["low"], sub2["high"], sub2["range"]) == (pytest.approx(9e5), pytest.approx(1.1e6), "swing")
    assert len(r.drivers) == 15


def test_spider_middle_step_is_base(j):
    r = run_spider(j, "npv", ["capex.renovation_cny", "macro.wage_inflation"], [-0.1, 0.0, 0.1])
    for d in r.drivers:
        assert d["metric"][1] == r.base
    cap = r.drivers[0]
    assert cap["values"] == [pytest.approx(2.7e7), 3e7, pytest.approx(3.3e7)]
    assert cap["metric"][0] > cap["metric"][2]      # more capex, lower NPV


# --------------------------------------------------------------------------- scenario sets and attribution
def test_attribution_additive_case_by_hand():
    a = linear_case()
    b = linear_case(support={"subsidy_annual_cny": 1.5e6}, capex={"renovation_cny": 3e6})
    r = run_attribution(a, b, "npv")
    parts = {p["path"]: p["change"] for p in r.parts}
    # +0.5 million a year for 5 years: 0.5e6 * a5 = 1,996,355.02; 1 million less capex in year 0: +1,000,000
    assert parts["support.subsidy_annual_cny"] == pytest.approx(0.5e6 * A5, rel=1e-12)
    assert parts["capex.renovation_cny"] == pytest.approx(1e6, rel=1e-12)
    assert abs(r.remainder) < 1e-6                          # additive: no interaction (CNY)
    assert r.total == pytest.approx(0.5e6 * A5 + 1e6, rel=1e-12)


def test_attribution_interacting_case_adds_up():
    """Rent x occupancy: NPV = c r o with c = 1,000 m2 * 365 * a10 = 2,449,179.71.
    From (r, o) = (2, 0.8) to (2.5, 0.9): rent part c 0.5 0.8, occupancy part c 2 0.1,
    interaction c 0.5 0.1, total c (2.25 - 1.6)."""
    occ = lambda o: {"occupancy": {"start": o, "target": o, "ramp_years": 0}}  # noqa: E731
    tier = linear_case().space.tiers[0].model_dump()
    a = linear_case(space={"tiers": [{**tier, "rent_cny_per_m2_day": 2.0, **occ(0.8)}]})
    b = linear_case(space={"tiers": [{**tier, "rent_cny_per_m2_day": 2.5, **occ(0.9)}]})
    r = run_attribution(a, b, "npv")
    c = 1000 * 365 * A10
    parts = {p["path"]: p["change"] for p in r.parts}
    assert set(parts) == {"space.tiers.0.rent_cny_per_m2_day", "space.tiers.0.occupancy.start",
                          "space.tiers.0.occupancy.target"}
    assert parts["space.tiers.0.rent_cny_per_m2_day"] == pytest.approx(c * 0.5 * 0.8, rel=1e-12)
    assert parts["space.tiers.0.occupancy.target"] == pytest.approx(c * 2.0 * 0.1, rel=1e-12)
    assert parts["space.tiers.0.occupancy.start"] == 0.0   # ramp_years 0: the target applies from year 1
    assert r.remainder == pytest.approx(c * 0.5 * 0.1, rel=1e-9)
    assert math.fsum(parts.values()) + r.remainder == pytest.approx(r.total, rel=1e-15, abs=1e-6)
    assert r.total == pytest.approx(c * (2.5 * 0.9 - 2.0 * 0.8), rel=1e-12)


def test_attribution_with_a_non_numeric_difference(j):
    b = with_values(j, {"tax.taxpayer_status": "small_scale", "support.subsidy_annual_cny": 0})
    r = run_attribution(j, b, "npv")
    paths = {p["path"] for p in r.parts}
    assert paths == {"tax.taxpayer_status", "support.subsidy_annual_cny"}
    total = engine.evaluate(b, metrics=("npv",))["npv"][0] - engine.evaluate(j, metrics=("npv",))["npv"][0]
    assert r.total == pytest.approx(total, rel=1e-12)
    assert math.fsum(p["change"] for p in r.parts) + r.remainder == pytest.approx(r.total, rel=1e-12)


def test_scenario_set_file_compare(j):
    variants, ref = sample.variants_from_set_file(ROOT / "assumptions" / "j_community_scenarios.yaml")
    assert [v.name for v in variants] == ["pessimistic", "base", "optimistic", "no_subsidy", "no_expansion"]
    assert ref == "base"
    r = run_compare(variants, ref)
    kpi = {s["name"]: s["metrics"]["npv"] for s in r.scenarios}
    assert kpi["base"] == engine.evaluate(j, metrics=("npv",))["npv"][0]
    assert kpi["pessimistic"] < kpi["base"] < kpi["optimistic"]
    for att in r.attributions:
        assert math.fsum(p["change"] for p in att.parts) + att.remainder == pytest.approx(att.total, rel=1e-12)


# --------------------------------------------------------------------------- distributions
def test_quantile_functions_against_scipy():
    u = np.linspace(1e-6, 1 - 1e-6, 20_001)
    tri = Marginal("x", "triangular", {"min": 2.0, "mode": 3.0, "max": 7.0})
    assert np.allclose(tri.ppf(u), stats.triang(c=0.2, loc=2, scale=5).ppf(u), rtol=0, atol=1e-12)
    # PERT(0.7, 0.9, 1.0, lamb 4) = 0.7 + 0.3 Beta(1 + 4 * 2/3, 1 + 4 * 1/3): table within 1e-8 of the range
    pert = Marginal("x", "pert", {"min": 0.7, "mode": 0.9, "max": 1.0})
    ref = 0.7 + 0.3 * special.betaincinv(1 + 8 / 3, 1 + 4 / 3, u)
    assert np.max(np.abs(pert.ppf(u) - ref)) < 1e-8 * 0.3
    # normal truncated to [0, 0.1] (declared) = scipy truncnorm with a = (0 - 0.04)/0.015, b = (0.1 - 0.04)/0.015
    tn = Marginal("x", "normal", {"mean": 0.04, "sd": 0.015, "min": 0.0, "max": 0.1})
    ref = stats.truncnorm(-0.04 / 0.015, 0.06 / 0.015, loc=0.04, scale=0.015).ppf(u)
    assert np.allclose(tn.ppf(u), ref, rtol=0, atol=1e-12)
    # lognormal with mean m and sd s: sigma^2 = ln(1 + s^2/m^2), mu = ln m - sigma^2 / 2
    ln = Marginal("x", "lognormal", {"mean": 3.15e7, "sd": 3e6})
    s2 = math.log1p((3e6 / 3.15e7) ** 2)
    ref = stats.lognorm(s=math.sqrt(s2), scale=math.exp(math.log(3.15e7) - s2 / 2)).ppf(u)
    assert np.allclose(ln.ppf(u), ref, rtol=1e-12)
    disc = Marginal("x", "discrete", {"values": [0.8, 0.5, 0.65], "probs": [0.2, 0.3, 0.5]})
    got = disc.ppf(np.array([0.0, 0.29, 0.31, 0.79, 0.81, 0.999]))
    assert got.tolist() == [0.5, 0.5, 0.65, 0.65, 0.8, 0.8]   # cumulative 0.3 / 0.8 / 1.0 after sorting


def test_truncation_to_the_valid_range_is_counted():
    # PERT(0.7, 0.9, 1.2) on an occupancy (valid range [0, 1]): P(X > 1) = 1 - I_{1/1.8... }; from the beta CDF
    m = Marginal("x", "pert", {"min": 0.7, "mode": 0.9, "max": 1.2}, 0.0, 1.0)
    al, be = 1 + 4 * 0.2 / 0.5, 1 + 4 * 0.3 / 0.5
    outside = 1 - special.betainc(al, be, 0.3 / 0.5)
    assert m.mass_outside == pytest.approx(outside, rel=1e-12)
    u = np.random.default_rng(3).random(200_000)
    k = m.truncated(u)
    assert abs(k / u.size - outside) < 4 * math.sqrt(outside * (1 - outside) / u.size)
    x = m.ppf(u)
    assert x.max() <= 1.0 and x.min() >= 0.7


def test_bad_distribution_parameters_are_refused(j):
    from finmodel.errors import InputError
    bad = [
        {"path": "macro.wage_inflation", "dist": "uniform", "min": 0.05, "max": 0.01},          # min > max
        {"path": "macro.wage_inflation", "dist": "triangular", "min": 0.0, "mode": 0.2, "max": 0.1},
        {"path": "macro.wage_inflation", "dist": "normal", "mean": 0.04, "sd": -0.01},          # sd < 0
        {"path": "macro.wage_inflation", "dist": "normal", "mean": 0.04, "sd": 0.0},            # sd = 0
        {"path": "macro.wage_inflation", "dist": "lognormal", "mean": -1.0, "sd": 0.1},
        {"path": "macro.wage_inflation", "dist": "discrete", "values": [0.01, 0.02], "probs": [0.5, 0.6]},
        {"path": "macro.wage_inflation", "dist": "uniform", "min": 0.0},                        # max missing
        {"path": "macro.wage_inflaton", "dist": "uniform", "min": 0.0, "max": 0.1},             # unknown path
    ]
    for d in bad:
        with pytest.raises(InputError):
            with_uncertainty(j, [d])


# --------------------------------------------------------------------------- Monte Carlo
def test_zero_spread_montecarlo_reproduces_the_base(j):
    inputs = [
        {"path": "space.tiers.2.rent_cny_per_m2_day", "dist": "uniform", "min": 7.5, "max": 7.5},
        {"path": "space.tiers.2.occupancy.target", "dist": "triangular", "min": 0.9, "mode": 0.9, "max": 0.9},
        {"path": "property_service.collection.target", "dist": "pert", "min": 0.88, "mode": 0.88, "max": 0.88},
        {"path": "capex.renovation_cny", "dist": "discrete", "values": [3e7]},
    ]
    corr = [{"between": ["space.tiers.2.rent_cny_per_m2_day", "space.tiers.2.occupancy.target"], "rho": -0.4}]
    a = with_uncertainty(j, inputs, corr)      # the values are the YAML's base values
    res = run_montecarlo(a, 1000, seed=5)
    base = engine.evaluate(a)
    for m in engine.METRIC_NAMES:
        v = res.values[m]
        if m in RATIO_METRICS:   # summation order differs between S = 1 and S > 1 (engine): 1e-15 relative
            assert np.allclose(v, base[m][0], rtol=1e-13, atol=0, equal_nan=True), m
        else:
            assert np.array_equal(v, np.full(v.size, base[m][0]), equal_nan=True), m
        assert res.metrics[m]["sd"] == 0.0 or res.metrics[m]["n_defined"] == 0
    assert res.truncated == 0


def test_same_seed_same_result_whatever_the_chunk_size(j):
    """n spans two draw blocks (65,536 + 4,464); no chunk holds a single scenario."""
    one = run_montecarlo(j, 70_000, seed=11, metrics=NO_IRR, chunk_size=1000, keep_draws=True)
    big = run_montecarlo(j, 70_000, seed=11, metrics=NO_IRR, chunk_size=8192, keep_draws=True)
    par = run_montecarlo(j, 70_000, seed=11, metrics=NO_IRR, chunk_size=8192, keep_draws=True, workers=2)
    for p in one.draws:            # the draws depend on the seed and the draw index only
        assert np.array_equal(one.draws[p], big.draws[p]) and np.array_equal(one.draws[p], par.draws[p]), p
    for m in NO_IRR:               # two processes, the same chunks: identical
        assert np.array_equal(big.values[m], par.values[m], equal_nan=True), m
    assert one.truncated == big.truncated
    other = run_montecarlo(j, 1000, seed=12, metrics=("npv",))
    assert not np.array_equal(other.values["npv"], one.values["npv"][:1000])
    for m in NO_IRR:
        assert np.allclose(one.values[m], big.values[m], rtol=1e-13, atol=0, equal_nan=True), m
    for m in NO_IRR:               # bit for bit whatever the chunk size
        assert np.array_equal(one.values[m], big.values[m], equal_nan=True), m


def test_irr_chunk_invariance(j):
    a = run_montecarlo(j, 3000, seed=2, metrics=IRR_METRICS, chunk_size=700)
    b = run_montecarlo(j, 3000, seed=2, metrics=IRR_METRICS, chunk_size=3000)
    for m in IRR_METRICS:
        assert np.allclose(a.values[m], b.values[m], rtol=0, atol=1e-14, equal_nan=True)
    for m in IRR_METRICS:
        assert np.array_equal(a.values[m], b.values[m], equal_nan=True), m


def test_montecarlo_statistics_on_a_linear_case():
    """NPV = -9e6 + 1e6 a5 + 365,000 a10 r with r ~ U(1, 3): mean at r = 2, P(NPV < 0) = P(r < r0)."""
    a = with_uncertainty(linear_case(), [{"path": "space.tiers.0.rent_cny_per_m2_day", "dist": "uniform",
                                          "min": 1.0, "max": 3.0}])
    a = with_values(a, {"capex.renovation_cny": 9e6})
    res = run_montecarlo(a, 65_536, seed=1, metrics=("npv", "min_cumulative_cash"))
    c = 365_000 * A10
    const = -9e6 + 1e6 * A5
    s = res.metrics["npv"]
    assert abs(s["mean"] - (const + 2 * c)) < 4 * s["se"]["mean"]
    assert s["sd"] == pytest.approx(c * 2 / math.sqrt(12), rel=0.02)          # sd of U(1, 3) is 2/sqrt(12)
    assert abs(s["p10"] - (const + 1.2 * c)) < 4 * s["se"]["p10"]              # 10 % quantile of r: 1.2
    r0 = -const / c                                                            # NPV = 0 at r = r0 = 2.0445...
    p = res.probabilities["npv_below_zero"]
    assert abs(p["p"] - (r0 - 1) / 2) < 4 * p["se"]
    assert sum(s["histogram"]["counts"]) == 65_536


def test_metric_summary_orders_undefined_draws_at_the_bad_end():
    """Percentiles over all draws, NaN at the metric's bad end (docs/model.md section 5); by hand on
    ten draws, four defined (1, 2, 3, 4) and six undefined (60 %). numpy's 'linear' rule puts
    P_p at position 9 p of the ten sorted draws."""
    v = np.array([3.0, np.nan, 1.0, np.nan, np.nan, 4.0, np.nan, 2.0, np.nan, np.nan])
    # A payback never reached is beyond every defined one: sorted 1, 2, 3, 4, +inf x 6.
    # P5 at 0.45: 1 + 0.45 (2 - 1) = 1.45; P10 at 0.9: 1.9; P50 at 4.5, between the 5th and 6th
    # draws, both never paid back: None, as are P90 and P95.
    pb = analyze.metric_summary(v, undefined="high")
    assert [pb[f"p{p}"] for p in (5, 10)] == pytest.approx([1.45, 1.9], abs=1e-12)
    assert pb["p50"] is None and pb["p90"] is None and pb["p95"] is None
    assert pb["share_undefined"] == 0.6 and (pb["n_defined"], pb["n_undefined"]) == (4, 6)
    assert pb["mean"] == 2.5 and (pb["min"], pb["max"]) == (1.0, 4.0)   # over the defined draws
    assert pb["undefined_at"] == "high" and pb["se"]["p50"] is None
    assert sum(pb["histogram"]["counts"]) == 4
    # No IRR is below every defined one: -inf x 6, 1, 2, 3, 4. P90 at 8.1: 3 + 0.1 (4 - 3) = 3.1;
    # P95 at 8.55: 3.55; P5 to P50 fall among the undefined: None.
    irr = analyze.metric_summary(v, undefined="low")
    assert [irr[f"p{p}"] for p in (5, 10, 50)] == [None, None, None]
    assert [irr["p90"], irr["p95"]] == pytest.approx([3.1, 3.55], abs=1e-12)
    # Against numpy on many draws: NaN replaced by +inf or -inf, numpy's percentile wherever it
    # is finite, None where it is not (numpy interpolates towards an infinity).
    rng = np.random.default_rng(7)
    for share in (0.0, 0.03, 0.5, 0.93):
        x = rng.normal(size=1001)
        x[rng.random(1001) < share] = np.nan
        for end, inf in (("high", np.inf), ("low", -np.inf)):
            s = analyze.metric_summary(x, undefined=end)
            with np.errstate(invalid="ignore"):
                ref = np.percentile(np.where(np.isnan(x), inf, x), analyze.PERCENTILES)
            for p, r in zip(analyze.PERCENTILES, ref):
                got = s[f"p{p}"]
                assert (got is None) == (not np.isfinite(r)), (share, end, p)
                assert got is None or got == pytest.approx(r, rel=1e-15, abs=1e-15)
    # Every draw defined: the same numbers as before the rule (numpy's percentiles).
    x = rng.normal(size=500)
    s = analyze.metric_summary(x)
    assert [s[f"p{p}"] for p in analyze.PERCENTILES] == pytest.approx(np.percentile(x, analyze.PERCENTILES), rel=1e-15)
    assert s["share_undefined"] == 0.0
    # No draw defined: every percentile None.
    none = analyze.metric_summary(np.full(5, np.nan), undefined="high")
    assert none["share_undefined"] == 1.0 and none["p5"] is None and math.isnan(none["mean"])
    assert analyze.undefined_at("payback_years") == analyze.undefined_at("discounted_payback_years") == "high"
    assert analyze.undefined_at("project_irr") == analyze.undefined_at("npv") == "low"


def test_montecarlo_payback_never_reached_counts_beyond_the_concession(j):
    """No subsidy and welfare rents of 1 CNY/m2/day: most draws never pay back within the
    concession. P50 payback is then None (null), not the median of the draws that do."""
    a = with_values(j, {"support.subsidy_annual_cny": 0.0, "space.tiers.0.rent_cny_per_m2_day": 1.0})
    res = run_montecarlo(a, 2000, seed=1, metrics=("payback_years", "project_irr", "npv"))
    pb = res.metrics["payback_years"]
    never = np.isnan(res.values["payback_years"])
    assert pb["share_undefined"] == never.mean() > 0.5
    assert pb["p50"] is None and pb["p90"] is None and pb["p95"] is None
    # P5 is numpy's percentile of all draws with those never paid back at +inf
    assert pb["p5"] == pytest.approx(np.percentile(np.where(never, np.inf, res.values["payback_years"]), 5))
    assert res.probabilities["payback_beyond"]["p"] == pytest.approx(never.mean())
    irr = res.metrics["project_irr"]
    assert irr["undefined_at"] == "low" and irr["share_undefined"] == np.isnan(res.values["project_irr"]).mean()
    assert res.metrics["npv"]["share_undefined"] == 0.0
    frame = res.to_frame()
    assert frame.loc["payback_years", "share_undefined"] == pb["share_undefined"]
    # through the command: null in JSON, printed as n/a
    r = invoke("montecarlo", "-n", "2000", "--seed", "1", "--metric", "payback_years", "--json",
               "--set", "support.subsidy_annual_cny=0", "--set", "space.tiers.0.rent_cny_per_m2_day=1.0")
    assert r.exit_code == 0, r.output
    d = json.loads(r.stdout)["metrics"]["payback_years"]
    assert d["p50"] is None and d["share_undefined"] > 0.5 and d["undefined_at"] == "high"
    assert d["p5"] == pytest.approx(pb["p5"])
    r = invoke("montecarlo", "-n", "500", "--seed", "1", "--metric", "payback_years",
               "--set", "support.subsidy_annual_cny=0", "--set", "space.tiers.0.rent_cny_per_m2_day=1.0")
    assert r.exit_code == 0 and "n/a" in r.stdout, r.output


def test_rank_correlation_is_induced(j):
    for method in ("iman_conover", "gaussian_copula"):
        res = run_montecarlo(j, 65_536, seed=3, metrics=("npv",), method=method)
        ach = res.achieved_rank_correlation
        names = ach["inputs"]
        mat = np.array(ach["matrix"])
        for c in j.uncertainty.correlations:
            i, k = names.index(c.between[0]), names.index(c.between[1])
            assert abs(mat[i, k] - c.rho) < 0.02, (method, c.between)


# --------------------------------------------------------------------------- Sobol and Morris
SOBOL_INPUTS = [
    {"path": "support.subsidy_annual_cny", "dist": "uniform", "min": 0.0, "max": 2e6},
    {"path": "capex.renovation_cny", "dist": "uniform", "min": 2e6, "max": 6e6},
    {"path": "space.tiers.0.rent_cny_per_m2_day", "dist": "uniform", "min": 1.0, "max": 3.0},
    {"path": "discount.equity_hurdle_rate", "dist": "uniform", "min": 0.05, "max": 0.10},   # not in NPV
]


def test_sobol_matches_analytic_indices_on_a_linear_case():
    """NPV = c_s S + c_c C + c_r r + const with independent uniforms, so S1_i = ST_i = c_i^2 var_i / sum:
    c_s = a5, var(S) = (2e6)^2/12; c_c = -1, var(C) = (4e6)^2/12; c_r = 365,000 a10, var(r) = 2^2/12;
    the equity hurdle rate does not enter the project NPV: S1 = ST = 0."""
    a = with_uncertainty(linear_case(), SOBOL_INPUTS)
    coef = np.array([A5, -1.0, 365_000 * A10, 0.0])
    # the engine is linear here: its finite differences are the hand coefficients
    base = engine.evaluate(a, metrics=("npv",))["npv"][0]
    steps = {"support.subsidy_annual_cny": 1e5, "capex.renovation_cny": 1e5,
             "space.tiers.0.rent_cny_per_m2_day": 0.1, "discount.equity_hurdle_rate": 0.01}
    for (p, h), c in zip(steps.items(), coef):
        v = engine.evaluate(a, {p: [sample.value_at(a, p) + h]}, metrics=("npv",))["npv"][0]
        assert (v - base) / h == pytest.approx(c, rel=1e-9, abs=1e-9)
    var = np.array([(2e6) ** 2, (4e6) ** 2, 2.0 ** 2, 0.05 ** 2]) / 12
    share = coef ** 2 * var / np.sum(coef ** 2 * var)      # 0.6145, 0.1542, 0.2312, 0
    r = run_sobol(a, "npv", n=4096, seed=7)
    got = {x["path"]: x for x in r.rows}
    for d, s in zip(SOBOL_INPUTS, share):
        x = got[d["path"]]
        assert abs(x["S1"] - s) <= x["S1_conf"], (d["path"], x["S1"], s, x["S1_conf"])
        assert abs(x["ST"] - s) <= x["ST_conf"], (d["path"], x["ST"], s, x["ST_conf"])
    assert abs(got["discount.equity_hurdle_rate"]["ST"]) < 1e-12
    assert r.runs == 4096 * (4 + 2)


def test_global_studies_are_reproducible_with_seed_0(j):
    for run in (lambda: run_sobol(j, "npv", n=64, seed=0), lambda: run_morris(j, "npv", trajectories=4, seed=0)):
        assert run().to_dict() == run().to_dict()


def test_morris_ranks_a_linear_case():
    a = with_uncertainty(linear_case(), SOBOL_INPUTS)
    r = run_morris(a, "npv", trajectories=10, seed=1)
    got = {x["path"]: x for x in r.rows}
    # elementary effect of moving across the whole range: |c_i| (max_i - min_i), exact for a linear model
    for d, c in zip(SOBOL_INPUTS, [A5, -1.0, 365_000 * A10, 0.0]):
        assert got[d["path"]]["mu_star"] == pytest.approx(abs(c) * (d["max"] - d["min"]), rel=1e-9, abs=1e-6)
        assert got[d["path"]]["sigma"] == pytest.approx(0.0, abs=1e-6 * max(1.0, got[d["path"]]["mu_star"]))


# --------------------------------------------------------------------------- command line
def invoke(*args):
    return CliRunner().invoke(main, [str(x) for x in args])


BAD = [
    ("unknown path", ["sensitivity", "--tornado", "--driver", "capex.renovaton_cny"]),
    ("list index", ["sensitivity", "--driver", "space.tiers.7.rent_cny_per_m2_day"]),
    ("LO > HI", ["sensitivity", "--grid", "capex.renovation_cny=4e7:2e7:5"]),
    ("N < 2", ["sensitivity", "--grid", "capex.renovation_cny=2e7:4e7:1"]),
    ("N too large", ["sensitivity", "--grid", "capex.renovation_cny=2e7:4e7:2000",
                     "--grid", "support.subsidy_annual_cny=0:2e6:2000"]),
    ("outside the valid range", ["sensitivity", "--grid", "space.tiers.2.occupancy.target=0.5:1.5:5"]),
    ("not a number", ["sensitivity", "--grid", "capex.renovation_cny=a:b:5"]),
    ("time axis", ["sensitivity", "--grid", "scenario.concession_years=10:20:3"]),
    ("unknown metric", ["sensitivity", "--metric", "npvv"]),
    ("min > max", ["montecarlo", "-n", "10", "--set", "uncertainty.inputs.0.min=20"]),
    ("negative sd", ["montecarlo", "-n", "10", "--set", "uncertainty.inputs.7.sd=-0.01"]),
    ("n = 0", ["montecarlo", "-n", "0"]),
    ("n < 0", ["montecarlo", "-n", "-5"]),
    ("n too large", ["montecarlo", "-n", "100000000"]),
    ("sobol n not 2^k", ["sensitivity", "--sobol", "-n", "1000"]),
    ("sobol n = 0", ["sensitivity", "--sobol", "-n", "0"]),
    ("two studies", ["sensitivity", "--tornado", "--spider"]),
    ("one file", ["compare", str(BASE_YAML)]),
]


@pytest.mark.parametrize("why,args", BAD, ids=[b[0] for b in BAD])
def test_bad_input_exits_2_with_one_line(why, args):
    r = invoke(*args)
    assert r.exit_code == 2, (why, r.output)
    assert r.stdout == ""
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), r.stderr
    assert "Traceback" not in r.stderr


def test_cli_tornado_json_shape():
    r = invoke("sensitivity", "--tornado", "--json", "--swing", "0.2", "--driver", "space.tiers.2.occupancy.target",
               "--driver", "capex.renovation_cny")
    assert r.exit_code == 0, r.output
    d = json.loads(r.stdout)
    assert d["metric"] == "npv" and d["clipped"] == 1
    for x in d["drivers"]:
        assert {"path", "low", "high", "metric_low", "metric_high"} <= set(x)


def test_cli_grid_json_null_where_undefined():
    r = invoke("sensitivity", "--grid", "support.subsidy_annual_cny=0:2e6:3", "--grid",
               "capex.renovation_cny=2e7:6e7:3", "--metric", "payback_years", "--json")
    assert r.exit_code == 0, r.output
    d = json.loads(r.stdout)
    assert set(d) >= {"metric", "row_path", "col_path", "rows", "cols", "values"}
    assert d["values"][0][2] is None            # no subsidy and 60 million capex: never paid back
    assert isinstance(d["values"][2][0], float)


def test_cli_compare_set_file_and_montecarlo_outputs(tmp_path):
    r = invoke("compare", "--set-file", ROOT / "assumptions" / "j_community_scenarios.yaml", "--json")
    assert r.exit_code == 0, r.output
    d = json.loads(r.stdout)
    assert [s["name"] for s in d["scenarios"]][:2] == ["pessimistic", "base"] and len(d["attribution"]) == 4
    r = invoke("montecarlo", "-n", "2000", "--seed", "4", "--metric", "npv", "--metric", "payback_years",
               "--json", "-o", tmp_path, "--save-draws")
    assert r.exit_code == 0, r.output
    d = json.loads(r.stdout)
    assert set(d["probabilities"]) == {"npv_below_zero", "payback_beyond"}
    assert set(d["metrics"]["npv"]) >= {"mean", "sd", "p5", "p10", "p50", "p90", "p95", "se", "histogram"}
    csv = tmp_path / "j_community_montecarlo_draws.csv"
    assert (tmp_path / "j_community_montecarlo.json").exists() and csv.exists()
    assert len(csv.read_text().splitlines()) == 2001        # header + one line per draw
    r = invoke("montecarlo", "-n", "500")
    assert r.exit_code == 0 and "P(npv < 0)" in r.stdout and r.stderr == ""   # no progress bar off a terminal


def test_packaged_and_repository_yaml_are_identical():
    assert (ROOT / "assumptions" / "j_community.yaml").read_bytes() == \
        (ROOT / "finmodel" / "data" / "j_community.yaml").read_bytes()
