"""Break-even analysis: solve any input for any target, the table, the subsidy corridor, the CLI.

Where each expected number comes from is written next to it. Two kinds of check:

* a small hand-checkable case (one rent stream A a year, capex P in year 0, no tax, no VAT) whose
  break-evens follow from the annuity factor a(r, N) = (1 - (1+r)^-N) / r: NPV = -P + A a(r, N),
  payback = P / A, discounted payback N' where P = A a(r, N'), margin = (A - P/N) / A;
* the J-community base case, where the solved value is fed back through ``finmodel run --set``
  (or ``with_values`` + ``engine.project``) and must reproduce the target within 1e-6 relative
  to the metric's scale (payback within 1e-6 years). The scale is |target|, or |metric at base|
  for a target of 0.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from click.testing import CliRunner

from finmodel import breakeven as B
from finmodel import engine
from finmodel.cli import main
from finmodel.errors import InputError, UsageError
from finmodel.scenarios import load, with_values

from .conftest import case

SUBSIDY = "support.subsidy_annual_cny"
RENT_C = "space.tiers.2.rent_cny_per_m2_day"     # the commercial tier of the J case
LOAN = ("financing.loan.amount_cny=1e7",)          # a 10 million policy loan (default rate 4.85 %, 10 years)
LOAN9 = LOAN + ("financing.loan.tenor_years=9",)   # repaid before the year-10 refit, so DSCR stays positive


def invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def annuity(r: float, n: float) -> float:
    """a(r, n) = (1 - (1+r)^-n) / r: present value of 1 a year for n years."""
    return (1 - (1 + r) ** -n) / r


@pytest.fixture(scope="module")
def j():
    return load().assumptions


def metrics_of(a, values: dict) -> dict:
    """The metrics of ``a`` with ``values`` set, through the public API (one fresh projection)."""
    pj = engine.project(with_values(a, values))
    return {k: float(pj.scalar(k)[0]) for k in pj.scalars}


def run_metrics(sets) -> dict:
    """``finmodel run --json --no-report --set ...`` as the user would call it."""
    args = ["run", "--json", "--no-report"]
    for s in sets:
        args += ["--set", s]
    r = invoke(*args)
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout)["metrics"]


def reproduces(metric: str, got: float, target: float, scale: float) -> bool:
    if metric in ("payback_years", "discounted_payback_years"):
        return abs(got - target) <= 1e-6                       # years
    return abs(got - target) <= 1e-6 * max(abs(target), abs(scale))


# ------------------------------------------------------------------ parsing
def test_docstring_examples():
    import doctest
    assert doctest.testmod(B).failed == 0


@pytest.mark.parametrize("text, expected", [
    ("npv=0", ("npv", "=", 0.0)),
    ("npv==0", ("npv", "=", 0.0)),
    (" equity_irr >= 8% ", ("equity_irr", ">=", 0.08)),     # % divides by 100
    ("payback_years<=12", ("payback_years", "<=", 12.0)),
    ("min_cumulative_cash>=-2e7", ("min_cumulative_cash", ">=", -2e7)),
    ("margin_avg<=0.05", ("margin_avg", "<=", 0.05)),
])
def test_parse_target(text, expected):
    t = B.parse_target(text)
    assert (t.metric, t.op, t.value) == expected


@pytest.mark.parametrize("text, fragment", [
    ("npv<0", "use '<=' or '>='"), ("npv>0", "use '<=' or '>='"), ("foo=1", "unknown metric 'foo'"),
    ("nvp=0", "did you mean 'npv'"), ("npv=abc", "is not a number"), ("npv", "expected METRIC=VALUE"),
    ("", "expected METRIC=VALUE"), ("npv=nan", "must be finite"),
])
def test_parse_target_errors(text, fragment):
    with pytest.raises(UsageError, match=fragment):
        B.parse_target(text)


def test_parse_range_relative_absolute_mixed():
    assert B.parse_range("-50%:+200%", 4.0) == (2.0, 12.0)       # 4 x 0.5, 4 x 3
    assert B.parse_range("0:5e6", 1e6) == (0.0, 5e6)
    assert B.parse_range("-10%:2e6", 1e6) == (9e5, 2e6)
    assert B.parse_range("-1:-0.5", 0.0) == (-1.0, -0.5)          # absolute ends need no base


@pytest.mark.parametrize("text, base, fragment", [
    ("5:1", 1.0, "LO must be below HI"), ("-50%", 1.0, "expected LO:HI"), ("1:2:3", 1.0, "expected LO:HI"),
    ("-50%:+50%", 0.0, "needs a non-zero base"), ("a:b", 1.0, "not a number"), (":5", 1.0, "expected LO:HI"),
])
def test_parse_range_errors(text, base, fragment):
    with pytest.raises(UsageError, match=fragment):
        B.parse_range(text, base)


def test_resolve_driver_forms(j):
    d = B.resolve_driver(j, SUBSIDY)
    assert (d.kind, d.base_value, d.unit) == ("value", 1_000_000.0, "CNY/year")
    # a list whose items have one decimal field is the wildcard over that field, scaled by a factor
    fee = B.resolve_driver(j, "property_service.fee_steps")
    star = B.resolve_driver(j, "property_service.fee_steps.*.fee_cny_per_m2_month")
    assert fee.paths == star.paths == ("property_service.fee_steps.0.fee_cny_per_m2_month",
                                       "property_service.fee_steps.1.fee_cny_per_m2_month")
    assert fee.kind == "scale" and fee.bases == (0.5, 0.65) and fee.base_value == 1.0
    # factor bounds: the schema caps each fee at 50 CNY/m2/month, so the factor at 50 / 0.65
    assert fee.hi == pytest.approx(50 / 0.65)
    leaves = fee.leaves(np.array([2.0]))
    assert leaves["property_service.fee_steps.0.fee_cny_per_m2_month"][0] == 1.0    # 0.5 x 2
    # table names resolve to the table's path; the concession is a whole-number, time-axis driver
    assert B.resolve_driver(j, "commercial_rent").paths == (RENT_C,)
    con = B.resolve_driver(j, "concession")
    assert (con.kind, con.structural, con.base_value) == ("whole", True, 20.0)
    opex = B.resolve_driver(j, "operating_cost")
    assert opex.kind == "scale" and set(opex.paths) == set(B.OPERATING_COST_PATHS)


@pytest.mark.parametrize("spec, fragment", [
    ("support.subsidy_anual_cny", "did you mean 'subsidy_annual_cny'"),
    ("support", "is a section, not a number"),
    ("support.subsidy_vat", "is not a numeric assumption"),
    ("capex.refits", "a list of several numbers"),
    ("space.tiers.9.rent_cny_per_m2_day", "not present in this scenario"),
    ("support.capital_grant_cny,capex.input_vat_rate,support.capital_grant_cny", "named twice"),
    ("support.capital_grant_cny,support.income_tax_holiday_years", "whole-number"),
])
def test_resolve_driver_errors(j, spec, fragment):
    with pytest.raises(UsageError, match=fragment):
        B.resolve_driver(j, spec)


# ------------------------------------------------------------------ hand-checkable case
A, P, N, R = 365_000.0, 1_000_000.0, 10, 0.08


@pytest.fixture(scope="module")
def flat():
    """One exempt tier of 1,000 m2 paying A = 365,000 a year; capex P = 1,000,000; no tax, no VAT."""
    space = {"total_area_m2": 1000, "leasable_ratio": 1.0,
             "tiers": [{"name": "only", "share": 1.0, "rent_cny_per_m2_day": A / 1000 / 365,
                        "occupancy": {"start": 1, "target": 1, "ramp_years": 0}, "escalation": 0.0,
                        "lease_years": 50, "vat_category": "exempt"}]}
    return case(N, space=space, capex={"renovation_cny": P, "input_vat_rate": 0.0, "life_years": N},
                tax={"income_tax_rate": 0.0, "small_enterprise_relief": False})


@pytest.mark.parametrize("vary, target, expected, direction", [
    # NPV = -P + A a(8 %, 10) = 0  ->  P = A a(8 %, 10) = 2,449,179.71
    ("capex.renovation_cny", "npv=0", A * annuity(R, N), None),
    # IRR 10 %: P = A a(10 %, 10) = 2,242,767.02
    ("capex.renovation_cny", "project_irr=0.10", A * annuity(0.10, N), None),
    # flat flows: payback = P / A, so payback 4 years at P = 4 A = 1,460,000 (a ceiling on capex)
    ("capex.renovation_cny", "payback_years<=4", 4 * A, "ceiling"),
    # discounted payback 5 years exactly when P = A a(8 %, 5) = 1,457,338.85
    ("capex.renovation_cny", "discounted_payback_years<=5", A * annuity(R, 5), "ceiling"),
    # cumulative cash is lowest in year 0, at -P: -P >= -1.5e6 up to P = 1,500,000
    ("capex.renovation_cny", "min_cumulative_cash>=-1.5e6", 1.5e6, "ceiling"),
    # margin = (A - P/N) / A <= 0.5  <=>  P >= N A / 2 = 1,825,000 (a floor on capex)
    ("capex.renovation_cny", "margin_avg<=0.5", N * A / 2, "floor"),
    # the rent that pays back P = 1,000,000 at 8 %: A* = P / a(8 %, 10) a year on 1,000 m2
    ("space.tiers.0.rent_cny_per_m2_day", "npv=0", P / annuity(R, N) / 1000 / 365, None),
])
def test_hand_checkable_break_evens(flat, vary, target, expected, direction):
    r = B.solve(flat, vary, target)
    assert r.feasible and r.status == "solved"
    assert r.value == pytest.approx(expected, rel=1e-9)
    assert r.direction == direction
    t = B.parse_target(target)
    got = metrics_of(flat, r.leaf_values)[t.metric]
    assert reproduces(t.metric, got, t.value, r.base_metric)
    assert got == pytest.approx(r.achieved, rel=1e-9, abs=1e-6)


# ------------------------------------------------------------------ every target type on the J case
CASES = [
    # (extra --set, vary, target)
    ((), SUBSIDY, "npv=0"),
    (LOAN, RENT_C, "equity_npv=0"),
    ((), SUBSIDY, "project_irr=0.05"),
    (LOAN, SUBSIDY, "equity_irr>=8%"),
    ((), SUBSIDY, "payback_years<=12"),
    ((), SUBSIDY, "discounted_payback_years<=18"),
    ((), "capex.renovation_cny", "min_cumulative_cash>=-2e7"),
    (LOAN, "capex.renovation_cny", "min_cumulative_equity_cash>=-1.5e7"),
    (LOAN9, RENT_C, "dscr_min>=1.2"),
    (LOAN9, "parking.fee_cny_per_space_month", "dscr_avg=1.5"),
    ((), SUBSIDY, "margin_avg<=0.05"),
    ((), "operating_cost", "margin_avg>=0.05"),
    ((), SUBSIDY, "subsidy_dependence<=0.05"),
    ((), "property_service.fee_steps", "npv=0"),
]


@pytest.mark.parametrize("sets, vary, target", CASES, ids=[c[2] for c in CASES])
def test_every_target_reproduced_by_run_set(sets, vary, target):
    a = load(None, sets).assumptions
    r = B.solve(a, vary, target)
    t = B.parse_target(target)
    assert r.feasible and r.status == "solved", r.message
    got = run_metrics(list(sets) + r.sets())[t.metric]
    assert reproduces(t.metric, got, t.value, r.base_metric), (got, t.value)
    if t.is_inequality:   # the answer is on the side where the target holds
        assert (got >= t.value - 1e-9 * abs(r.base_metric)) if t.op == ">=" else (got <= t.value + 1e-9)
        assert r.direction in ("floor", "ceiling")
    assert r.iterations >= 1 and r.evaluations > r.iterations


def test_min_cumulative_hand_values(j):
    # J: year-0 project cash is -(capex + 800,000 pre-operating cost); the input VAT on capex is a
    # credit in working capital, so it cancels. -(P + 800,000) = -20,000,000 at P = 19,200,000.
    r = B.solve(j, "capex.renovation_cny", "min_cumulative_cash>=-2e7")
    assert r.value == pytest.approx(19_200_000, rel=1e-12) and r.direction == "ceiling"
    # with the 10 million loan drawn in year 0: -(P + 800,000) + 10,000,000 = -15,000,000 at P = 24,200,000
    a = load(None, LOAN).assumptions
    r = B.solve(a, "capex.renovation_cny", "min_cumulative_equity_cash>=-1.5e7")
    assert r.value == pytest.approx(24_200_000, rel=1e-12)


def test_directions_and_change(j):
    r = B.solve(j, SUBSIDY, "payback_years<=12")
    assert r.direction == "floor"                 # more subsidy, earlier payback: at least this much
    r2 = B.solve(j, SUBSIDY, "margin_avg<=0.05")
    assert r2.direction == "ceiling"              # more subsidy, more margin: at most this much
    assert r2.change == pytest.approx(r2.value - 1_000_000) and r2.change_rel == pytest.approx(r2.change / 1e6)


def test_always_satisfied_is_feasible_without_a_bound(j):
    # the loan's year-0 draw keeps cumulative equity cash above -25 million whatever the subsidy
    a = load(None, LOAN).assumptions
    r = B.solve(a, SUBSIDY, "min_cumulative_equity_cash>=-2.5e7")
    assert r.feasible and r.status == "always" and r.direction is None and r.value == 1_000_000


# ------------------------------------------------------------------ infeasible cases
def test_out_of_reach_reports_both_ends(j):
    # the collection rate tops out at 1 (schema), which still leaves NPV below 0
    r = B.solve(j, "property_service.collection.target", "npv=0")
    assert not r.feasible and r.status == "unreachable" and math.isnan(r.value)
    ends = engine.evaluate(j, {"property_service.collection.target": np.array([0.0, 1.0])}, metrics=("npv",))["npv"]
    assert (r.lo, r.hi) == (0.0, 1.0)
    assert r.metric_at_lo == pytest.approx(ends[0], rel=1e-12) and r.metric_at_hi == pytest.approx(ends[1], rel=1e-12)
    assert ends[1] < 0 and "stays below 0" in r.message
    assert r.closest_value == 1.0 and r.closest_metric == pytest.approx(ends[1], rel=1e-12)


def test_payback_never_at_one_end(j):
    # no subsidy: cumulative cash never turns positive within 20 years (payback NaN = "never")
    never = engine.evaluate(j, {SUBSIDY: np.array([0.0])}, metrics=("payback_years",))["payback_years"]
    assert np.isnan(never[0])
    r = B.solve(j, SUBSIDY, "payback_years<=15", 0, 2e6)     # reachable where payback is defined
    assert r.feasible and math.isnan(r.metric_at_lo) and abs(r.achieved - 15) <= 1e-6
    r = B.solve(j, SUBSIDY, "payback_years<=5", 0, 2e6)      # out of reach: 14.7 years at 2 million
    at_hi = engine.evaluate(j, {SUBSIDY: np.array([2e6])}, metrics=("payback_years",))["payback_years"][0]
    assert 14.5 < at_hi < 15.0                                 # the engine's payback at 2 million a year
    assert not r.feasible and math.isnan(r.metric_at_lo) and r.metric_at_hi == pytest.approx(at_hi, rel=1e-12)
    assert "never" in r.message


def test_irr_target_is_an_npv_test_even_where_the_irr_is_undefined():
    # a hand-back cost in year 20 gives the project flows a second sign change; past about 12.5
    # million the two IRRs merge and vanish (no real root: NaN). An IRR target is solved as an NPV
    # test at that rate (docs/model.md section 5), which stays defined over the whole range.
    a = load(None, ["support.subsidy_annual_cny=6e6"]).assumptions
    x = np.array([0.0, 2e7])
    irr = engine.evaluate(a, {"capex.handback_cost_cny": x}, metrics=("project_irr",))["project_irr"]
    assert np.isfinite(irr[0]) and np.isnan(irr[1])
    r = B.solve(a, "capex.handback_cost_cny", "project_irr=0.05", 0, 2e7)
    assert r.feasible and r.solved_as == "npv at discount.project_rate=0.05 = 0" and math.isfinite(r.metric_at_hi)
    at = metrics_of(a, {**r.leaf_values, "discount.project_rate": 0.05})
    assert abs(at["npv"]) <= 1e-6 * abs(r.base_metric)             # NPV at 5 % is 0 there
    assert str(r.target) == "project_irr=0.05" and r.achieved == 0.05
    # the values at the base and the ends are the NPV's, and say so (they were shown as an IRR once)
    assert r.values_metric == "npv" and r.to_dict()["values_metric"] == "npv"
    base = metrics_of(a, {"discount.project_rate": 0.05})["npv"]       # the engine's NPV at 5 %
    assert r.base_metric == pytest.approx(base, rel=1e-12)
    r = B.solve(a, "capex.handback_cost_cny", "project_irr>=0.10", 0, 2e7)   # NPV at 10 % < 0 even at 0
    assert not r.feasible and r.status == "unreachable" and r.metric_at_lo < 0


@pytest.fixture(scope="module")
def cliff():
    """Flat subsidy: the income-tax cliff (3 million of taxable income) makes NPV jump down.

    Returns the scenario, the dense-grid cell holding the first jump, and a target in the gap.
    """
    a = load(None, ["support.subsidy_step_down=0"]).assumptions
    x = np.linspace(2.50e6, 2.54e6, 4001)          # 10 CNY apart
    npv = engine.evaluate(a, {SUBSIDY: x}, metrics=("npv",))["npv"]
    k = int(np.argmin(np.diff(npv)))
    assert npv[k] - npv[k + 1] > 3e5                # the jump: about 408,000 CNY of NPV
    return a, (x[k], x[k + 1]), float(0.5 * (npv[k] + npv[k + 1]))


def test_jump_is_not_a_root(cliff):
    a, (x0, x1), T = cliff
    # in a range holding only the jump, NPV is above T at the left end and below it at the right
    r = B.solve(a, SUBSIDY, f"npv={T!r}", x0 - 5000, x1 + 5000)
    assert r.metric_at_lo > T > r.metric_at_hi
    assert not r.feasible and r.status == "jump" and math.isnan(r.value) and "jumps" in r.message
    # as an inequality the jump is a bound: NPV >= T holds up to the cliff (a ceiling)
    r = B.solve(a, SUBSIDY, f"npv>={T!r}", x0 - 5000, x1 + 5000)
    assert r.feasible and r.status == "jump" and r.direction == "ceiling"
    assert x0 <= r.value <= x1
    assert metrics_of(a, r.leaf_values)["npv"] >= T


def test_non_monotonic_every_reported_root_is_genuine(cliff):
    a, (x0, x1), T = cliff
    r = B.solve(a, SUBSIDY, f"npv={T!r}")
    values = np.array([r.value, *r.other_values])
    npv = engine.evaluate(a, {SUBSIDY: values}, metrics=("npv",))["npv"]
    assert np.all(np.abs(npv - T) <= 1e-6 * abs(T))
    assert not np.any((values >= x0) & (values <= x1))       # never the cliff itself
    # an independent dense scan: 200,001 points 5 CNY apart from 2.3 to 3.3 million; a sign change whose
    # neighbours differ by more than 10,000 CNY of NPV is a jump (the cliff moves NPV by about 400,000)
    dense = np.linspace(2.3e6, 3.3e6, 200_001)
    h = engine.evaluate(a, {SUBSIDY: dense}, metrics=("npv",))["npv"] - T
    cross = np.flatnonzero(np.sign(h[:-1]) != np.sign(h[1:]))
    genuine = [dense[i] for i in cross if abs(h[i + 1] - h[i]) < 1e4]   # continuous crossings only
    assert len(genuine) == 3
    for g in genuine:                                         # each one is found, to the 5 CNY cell
        assert np.min(np.abs(values - g)) <= 5.0 + 1e-6
    assert r.value == pytest.approx(min(genuine, key=lambda g: abs(g - 1e6)), abs=5.0)   # nearest the base
    assert B.solve(a, SUBSIDY, f"npv={T!r}", pick="lowest").value == pytest.approx(min(genuine), abs=5.0)


def test_concession_whole_years():
    # 6.1 million a year of subsidy leaves NPV just below 0 at 20 years; a longer concession adds
    # operating years and crosses 0: the answer is the shortest whole length with NPV >= 0
    a = load(None, ["support.subsidy_annual_cny=6.1e6"]).assumptions
    r = B.solve(a, "concession", "npv>=0", pick="lowest")
    assert r.feasible and r.kind == "whole" and float(r.value).is_integer() and r.value > 20
    n = int(r.value)
    at = metrics_of(a, {"scenario.concession_years": n})["npv"]
    before = metrics_of(a, {"scenario.concession_years": n - 1})["npv"]
    assert at >= 0 > before and at == pytest.approx(r.achieved, rel=1e-9)
    assert r.sets() == [f"scenario.concession_years={n}"]
    # lengths under 10 years are not valid (the year-10 refit): they are skipped and said so
    assert r.lo == 10 and "not valid here" in B.solve(a, "concession", "npv>=1e12").message


# ------------------------------------------------------------------ the table and the corridor
@pytest.fixture(scope="module")
def table(j):
    return B.breakeven_table(j)


def test_table_rows_sorted_and_reproduce_npv_zero(j, table):
    assert list(table.index).count("concession") == 1 and len(table) == 12
    feas = table[table["feasible"]]
    # sorted by |change %|, the feasible rows first
    assert list(feas["change_pct"].abs()) == sorted(feas["change_pct"].abs())
    assert not table["feasible"].iloc[: len(feas)].eq(False).any()
    base_npv = table.attrs["base_metric"]
    for key, row in feas.iterrows():
        d = B.resolve_driver(j, row["vary"])
        values = {p: float(np.asarray(v).item()) for p, v in d.leaves(np.asarray(row["value"])).items()}
        assert abs(metrics_of(j, values)["npv"]) <= 1e-6 * abs(base_npv), key
    # J: occupancy, collection and utilisation top out at 1 without reaching NPV = 0
    assert {"commercial_occupancy", "collection", "parking_utilisation"} <= set(table.index[~table["feasible"]])


def test_corridor_bounds_hold(j):
    c = B.subsidy_corridor(j)
    assert c.exists and c.least < c.most and c.years == (1, 5)
    # NPV tests (docs/model.md section 5): equity NPV at the 8 % hurdle >= 0, equity NPV at the 10 % cap <= 0
    assert c.least_binding == "equity_npv_hurdle>=0" and c.most_binding == "equity_npv_cap<=0"
    flat = {"support.subsidy_step_down": 0.0}
    at_least = metrics_of(j, {**flat, SUBSIDY: c.least})
    at_most = metrics_of(j, {**flat, SUBSIDY: c.most})
    # equity NPV = 0 at the least (scale: |equity NPV at the base subsidy|), and at the 10 % cap at the most,
    # where the equity IRR is the cap
    assert abs(at_least["equity_npv"]) <= 1e-6 * abs(c.constraints[0]["metric_at_base"])
    assert abs(at_most["equity_npv_cap"]) <= 1e-6 * abs(c.constraints[0]["metric_at_base"])
    assert abs(at_most["equity_irr"] - 0.10) <= 1e-6 * 0.10


def test_corridor_gap_and_levers():
    a = load(None, ["corridor.max_margin_avg=0.1"]).assumptions
    c = B.subsidy_corridor(a)
    assert not c.exists and c.least > c.most and c.most_binding == "margin_avg<=0.1"
    assert "cannot be both viable and micro-profit" in c.message
    assert c.levers and c.levers[0]["driver"] == "capex" and c.levers[0]["narrows"]
    # the gap left by the lever is what the corridor itself gives with the lever at that value
    lev = c.levers[0]
    c2 = B.subsidy_corridor(with_values(a, {"capex.renovation_cny": lev["value"]}), levers=False)
    assert c2.gap == pytest.approx(lev["gap"], rel=1e-4)


def test_corridor_needs_a_cap():
    with pytest.raises(InputError, match="at least one micro-profit cap"):
        load(None, ["corridor.max_equity_irr=null"])


# ------------------------------------------------------------------ CLI
def test_cli_default_json_keys():
    r = invoke("breakeven", "--json")
    assert r.exit_code == 0, r.output
    d = json.loads(r.stdout)
    for key in ("vary", "target", "value", "achieved", "base_value", "feasible", "direction", "iterations",
                "metric_at_lo", "metric_at_hi", "change", "change_rel", "message"):
        assert key in d
    assert d["vary"] == SUBSIDY and d["target"] == "npv=0" and d["feasible"] is True
    assert d["base_value"] == 1_000_000 and abs(d["achieved"]) <= 1e-6 * abs(d["base_metric"])


def test_cli_infeasible_exits_zero_with_both_ends():
    r = invoke("breakeven", "--vary", "collection", "--target", "npv=0", "--json")
    assert r.exit_code == 0
    d = json.loads(r.stdout)
    assert d["feasible"] is False and d["value"] is None
    assert d["metric_at_lo"] < d["metric_at_hi"] < 0


def test_cli_human_output():
    r = invoke("breakeven", "--vary", "capex", "--target", "payback_years<=12", "--range", "-60%:0%")
    assert r.exit_code == 0
    assert "value" in r.stdout and "ceiling" in r.stdout and "finmodel run --no-report --set" in r.stdout


def test_cli_table_and_corridor_json():
    r = invoke("breakeven", "--table", "--corridor", "--json")
    assert r.exit_code == 0
    d = json.loads(r.stdout)
    assert d["table"]["target"] == "npv=0" and len(d["table"]["rows"]) == 12
    assert {"driver", "value", "change_pct", "feasible", "note"} <= set(d["table"]["rows"][0])
    assert d["corridor"]["exists"] is True and d["corridor"]["least"] < d["corridor"]["most"]
    r = invoke("breakeven", "--corridor", "--json")
    assert {"least", "most", "exists", "gap", "constraints", "levers", "message"} <= set(json.loads(r.stdout))
    r = invoke("breakeven", "--table")
    assert r.exit_code == 0 and "Renovation capex" in r.stdout and "not reached" in r.stdout


def test_cli_corridor_range_out_of_reach():
    # the least viable flat subsidy is about 5.1 million (test_corridor_bounds_hold): up to 4 million, none
    r = invoke("breakeven", "--corridor", "--range", "0:4e6", "--json")
    assert r.exit_code == 0
    d = json.loads(r.stdout)
    assert d["exists"] is False and d["least"] is None and d["range"] == [0.0, 4e6]
    assert "makes the operator viable" in d["message"]


def test_cli_check_line_repeats_the_overrides():
    r = invoke("breakeven", "--vary", "concession", "--target", "npv>=0", "--set", "support.subsidy_annual_cny=6.1e6")
    assert r.exit_code == 0
    check = [ln for ln in r.stdout.splitlines() if ln.strip().startswith("check")][0]
    assert "--set support.subsidy_annual_cny=6.1e6" in check and "--set scenario.concession_years=" in check


@pytest.mark.parametrize("args", [
    ["--vary", "support.subsidy_anual_cny"],
    ["--vary", "support"],
    ["--target", "npv<0"],
    ["--target", "irr=0.1"],
    ["--target", "npv=abc"],
    ["--range", "5:1"],
    ["--range", "2e9:3e9"],
    ["--vary", "support.capital_grant_cny", "--range", "-50%:+50%"],
    ["--table", "--vary", "capex"],
    ["--corridor", "--target", "npv=0"],
    ["--set", "support.subsidy_annual_cny=-1"],
    ["--pick", "middle"],
])
def test_cli_bad_input_exit_2_one_line(args):
    r = invoke("breakeven", *args)
    assert r.exit_code == 2, r.output
    assert r.stdout == ""
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ")
