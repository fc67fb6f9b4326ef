"""The compiled kernel's counted IRR path (finmodel.model.jit_irr._irr_counted) against the NumPy
path's IRR (finmodel.metrics.irr, the reference) and against hand calculations.

The counted path decides a row only where it proves how many roots lie at or above -50 % (none,
one, or two either side of one turning point); the rest go to the exact screen, as before. Where
it decides, its rate must be the NumPy path's to 1e-12 and its NaN and ``multiple`` the same.
Needs numba (the ``test`` extra).
"""

from __future__ import annotations

import numpy as np
import pytest

from finmodel import engine, metrics

from .conftest import ENGINE_RANGES

pytest.importorskip("numba")

from finmodel.model import jit_irr  # noqa: E402

WS = np.zeros(512)


def counted(flows):
    return jit_irr._irr_counted(np.asarray(flows, dtype=float), WS)


def npv(rate, flows):
    return sum(f / (1.0 + rate) ** t for t, f in enumerate(flows))


def test_one_root_among_three_sign_changes():
    # -100 + 60x - 10x^2 + 70x^3: three sign changes, one root at or above -50 %. By hand: the
    # coefficients of p(2y) are (-100, 120, -40, 560); their sums (-100, 20, -20, 540) change sign
    # three times, the sums of those (-100, -80, -100, 440) once, and both end positive: one root.
    flows = [-100.0, 60.0, -10.0, 70.0]
    rate, multiple, status = counted(flows)
    assert status == 0 and not multiple
    assert abs(npv(rate, flows)) < 1e-9                     # hand: the NPV at the rate is 0
    assert abs(rate - metrics.irr(flows)) <= 1e-12          # the NumPy path: 0.0937320...
    assert abs(rate - 0.09373202067579) < 1e-12


def test_no_root_above_minus_fifty_percent():
    # b = (-100, 20, -20, 80): cumulative sums -100, -80, -100, -20 never change sign, so no root
    # in (0, 2); the NumPy path finds only an artefact root at -53.9 % and reports NaN.
    flows = [-100.0, 10.0, -5.0, 10.0]
    rate, multiple, status = counted(flows)
    assert status == 0 and np.isnan(rate) and not multiple
    assert np.isnan(metrics.irr(flows))


def test_two_roots_give_the_investment_root():
    # A J-like row: a refit in year 10 and a hand-back in year 20 give roots at -6.83 % and
    # +5.34 %; the investment root (NPV falls through zero as the rate rises) is +5.34 %.
    flows = [-1000.0] + [150.0] * 9 + [-600.0] + [150.0] * 9 + [-900.0]
    rate, multiple, status = counted(flows)
    assert status == 0 and multiple
    assert npv(rate - 1e-6, flows) > 0 > npv(rate + 1e-6, flows)
    ref = metrics.irr(flows, hurdle=0.08, return_details=True)
    assert ref.multiple and abs(rate - ref.rate) <= 1e-12


def test_a_probe_brackets_two_negative_roots():
    # p(x) = -(x - 1.05)(x - 1.6)(x + 3) = -5.04 + 6.27x - 0.35x^2 - x^3: two sign changes, and
    # p(0) = -5.04, p(1) = -0.12 and p(2) = -1.9 all negative, p(1.125) = +0.14695 (hand): the
    # probe at x = 1.125 shows the two roots in (0, 2) either side of it, with no turning point
    # to find. The investment root (p rises through zero as x rises) is x = 1.05: a rate of
    # 1/1.05 - 1 = -4.7619 %.
    flows = [-5.04, 6.27, -0.35, -1.0]
    rate, multiple, status = counted(flows)
    assert status == 0 and multiple
    assert abs(rate - (1.0 / 1.05 - 1.0)) < 1e-13
    ref = metrics.irr(flows, hurdle=0.08, return_details=True)
    assert ref.multiple and abs(rate - ref.rate) <= 1e-12
    # the row negated: the same roots, and NPV now falls through zero at x = 1.6 (-37.5 %)
    rate, multiple, status = counted([-f for f in flows])
    assert status == 0 and multiple and abs(rate - (1.0 / 1.6 - 1.0)) < 1e-13


def test_entries_the_sums_cannot_hold_are_left_to_the_screen():
    # a NaN, an entry past 1e250 (the cumulative sums could overflow) or a nonzero one below
    # 1e-250 (they could underflow): no count is claimed (status 1), the screen decides
    for flows in ([-100.0, np.nan, 150.0, -20.0], [-100.0, 1e300, 150.0, -20.0], [-100.0, 1e-300, 150.0, -20.0]):
        assert counted(flows)[2] == 1, flows


def test_an_unproved_sign_is_left_to_the_screen():
    # c_0 + 2 c_1 = -4 + 4 = 0: the first cumulative sum is exactly zero: no count is claimed.
    assert jit_irr._changes(np.array([-4.0, 2.0, 1.0]), 3, np.zeros(16)) == -1
    # -1 + (1 + 2**-52) = 2**-52 > 0 exactly, but within the bound on rounding of sums of size 2:
    # the sign is not taken (-1). With the bound taken away (extra = -ln: a tolerance of 0 on
    # the first level) the same sums are read as signs and a count comes out: the bound bites.
    b = np.array([-1.0, 1.0 + 2.0 ** -52, -0.5])
    assert jit_irr._levels(b, np.abs(b), 3, 2, False) == -1
    assert jit_irr._levels(b, np.abs(b), 3, -3, False) >= 0


def test_agrees_with_the_numpy_path_on_random_j_like_flows():
    """20,000 draws of the benchmark's inputs (2 to 8 sign changes for almost every row): where
    the counted path decides, it is the NumPy path's IRR."""
    from finmodel.scenarios import load

    rng = np.random.default_rng(7)
    vary = {k: rng.uniform(lo, hi, 20_000) for k, (lo, hi) in ENGINE_RANGES.items()}
    pj = engine.project(load().assumptions, vary)
    for key in ("project_fcf", "project_fcf_pre_tax"):
        flows = np.ascontiguousarray(np.asarray(pj[key]))
        ref = metrics.irr(flows, hurdle=np.full(len(flows), 0.08), return_details=True)
        out = np.array([counted(row) for row in flows], dtype=object)
        status = np.array([o[2] for o in out])
        rate = np.array([o[0] for o in out], dtype=float)
        multiple = np.array([o[1] for o in out], dtype=bool)
        done = status == 0
        assert done.mean() > 0.9, done.mean()
        assert np.array_equal(np.isnan(rate[done]), np.isnan(ref.rate[done]))
        assert np.array_equal(multiple[done], ref.multiple[done])
        both = done & ~np.isnan(rate)
        assert np.max(np.abs(rate[both] - ref.rate[both])) <= 1e-12
