"""The helpers of the compiled kernel (:mod:`finmodel.model.jit`): one scenario at a time, in numba.

Each is a port of the NumPy helper or metric it names, operation for operation and in the same
order, so that a scenario's numbers are the NumPy path's: the year sums run in year order from
0.0 (``runtime._sum_years``), the sums over a whole series follow NumPy's pairwise summation
(``_np_sum``), no multiply-add is fused (numba's default, ``fastmath`` off). What can differ are
the last bits of the transcendental functions (``pow``, ``exp``, ``log``, ``expm1``, ``log1p``):
NumPy has its own SIMD versions, numba calls the C library's.

The IRR is in :mod:`.jit_irr`.

Importing this module imports numba.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

_EPS = 2.220446049250313e-16
_NAN = math.nan
_OPTS = dict(cache=True, error_model="numpy", nogil=True)


# --------------------------------------------------------------------------- elementwise helpers
@njit(**_OPTS)
def _min(a, b):
    """np.minimum: NaN wins."""
    if a != a:
        return a
    if b != b:
        return b
    return a if a <= b else b


@njit(**_OPTS)
def _max(a, b):
    """np.maximum: NaN wins."""
    if a != a:
        return a
    if b != b:
        return b
    return a if a >= b else b


@njit(**_OPTS)
def _mod(a, b):
    """np.mod (npy_divmod's remainder): the sign of the divisor."""
    m = np.fmod(a, b)
    if b == 0.0:
        return m
    if m != 0.0:
        if (b < 0.0) != (m < 0.0):
            m += b
    else:
        m = math.copysign(0.0, b)
    return m


@njit(**_OPTS)
def _lag(x, k):
    """Last year's value of a row (0 before year 0)."""
    return x[k - 1] if k > 0 else 0.0


@njit(**_OPTS)
def _pow(a, b):
    return math.pow(a, b)


@njit(**_OPTS)
def _growth(r, n):
    return math.expm1(n * math.log1p(r))


@njit(**_OPTS)
def _np_sum(a, n):
    """NumPy's pairwise sum of a[0..n-1] (numpy/_core/src/umath/loops_utils.h), for n <= 128
    exactly as NumPy adds a contiguous row; longer rows split as NumPy does."""
    if n < 8:
        res = -0.0
        for i in range(n):
            res += a[i]
        return res
    if n <= 128:
        r0, r1, r2, r3 = a[0], a[1], a[2], a[3]
        r4, r5, r6, r7 = a[4], a[5], a[6], a[7]
        i = 8
        while i < n - (n % 8):
            r0 += a[i]
            r1 += a[i + 1]
            r2 += a[i + 2]
            r3 += a[i + 3]
            r4 += a[i + 4]
            r5 += a[i + 5]
            r6 += a[i + 6]
            r7 += a[i + 7]
            i += 8
        res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
        while i < n:
            res += a[i]
            i += 1
        return res
    n2 = n // 2
    n2 -= n2 % 8
    return _np_sum(a, n2) + _np_sum(a[n2:], n - n2)


# --------------------------------------------------------------------------- figures over the years
@njit(**_OPTS)
def sum_years(x, first):
    acc = 0.0
    for k in range(first, x.shape[0]):
        acc = acc + x[k]
    return acc


@njit(**_OPTS)
def sumproduct_years(a, b, first):
    acc = 0.0
    for k in range(first, a.shape[0]):
        acc = acc + a[k] * b[k]
    return acc


@njit(**_OPTS)
def sumabs_years(x, first):
    acc = 0.0
    for k in range(first, x.shape[0]):
        acc = acc + abs(x[k])
    return acc


@njit(**_OPTS)
def max_years(x, first):
    out = x[first]
    for k in range(first + 1, x.shape[0]):
        out = _max(out, x[k])
    return out


@njit(**_OPTS)
def min_years(x, first):
    out = x[first]
    for k in range(first + 1, x.shape[0]):
        out = _min(out, x[k])
    return out


@njit(**_OPTS)
def maxabs_years(x, first):
    out = abs(x[first])
    for k in range(first + 1, x.shape[0]):
        out = _max(out, abs(x[k]))
    return out


@njit(**_OPTS)
def count_neg_years(x, first):
    n = 0
    for k in range(first, x.shape[0]):
        if x[k] < 0:
            n += 1
    return float(n)


@njit(**_OPTS)
def count_above_one_years(x, first):
    n = 0
    for k in range(first, x.shape[0]):
        if x[k] > 1:
            n += 1
    return float(n)


# --------------------------------------------------------------------------- metrics (finmodel.metrics)
@njit(**_OPTS)
def payback(v):
    """metrics._payback_rows of one row: (years, refit_negative)."""
    n = v.shape[0]
    cum = 0.0
    t = -1
    refit = False
    years = _NAN
    for k in range(n):
        before = cum
        cum = cum + v[k]
        if t < 0:
            if cum >= 0:
                t = k
                if k > 0:
                    years = (k - 1) + (-before) / v[k]
                else:
                    years = 0.0
        elif cum < 0:
            refit = True
    return years, refit


#: Slots of powers (1 + rate)**i kept at the end of a scenario's scratch array, one per use:
#: MIRR's reinvestment-rate powers (0) and the inverse powers of its two rates (1, 3), the
#: discounted payback's powers (2): see :func:`_powers`.
N_POWER_SLOTS = 4


def power_slots(T: int) -> int:
    """Scratch entries the slots of :func:`_powers` take for flows of T years."""
    return N_POWER_SLOTS * (T + 3)


@njit(**_OPTS)
def _powers(rate, n, ws, slot, inverse=False):
    """(1.0 + rate) ** float(i) for i = 0..n, the same calls as before (``inverse``: 1.0 over
    them, so that a product replaces a division, within an ulp of it: a figure that uses them is
    compared with the NumPy path's at 1e-12, as the transcendental ones are), kept in slot
    ``slot`` at the end of ``ws`` and reused while the next scenario asks for the same rate and
    n (a rate that is not varied: every scenario). The slot holds [rate, n, powers...]; the
    kernel fills its scratch with NaN, which equals no rate (nor does a NaN rate: it is
    recomputed). A slot holds one kind: powers or inverse powers."""
    size = n + 3
    o = ws.shape[0] - (slot + 1) * size
    if not (ws[o] == rate and ws[o + 1] == float(n)):
        for i in range(n + 1):
            x = (1.0 + rate) ** float(i)
            ws[o + 2 + i] = 1.0 / x if inverse else x
        ws[o] = rate
        ws[o + 1] = float(n)
    return ws[o + 2:o + 3 + n]


@njit(**_OPTS)
def discounted_payback(v, rate, ws):
    n = v.shape[0]
    d = ws[:n]
    pw = _powers(rate, n, ws, 2)
    for k in range(n):
        d[k] = v[k] / pw[k] if rate > -1.0 else _NAN
    return payback(d)[0]


@njit(**_OPTS)
def min_cumulative(v):
    cum = 0.0
    out = _NAN
    for k in range(v.shape[0]):
        cum = cum + v[k]
        out = cum if k == 0 else _min(out, cum)
    return out


@njit(**_OPTS)
def nanmin(v):
    out = np.inf
    ok = False
    for k in range(v.shape[0]):
        if math.isfinite(v[k]):
            ok = True
            out = _min(out, v[k])
    return out if ok else _NAN


@njit(**_OPTS)
def mirr(v, fr, rr, ws):
    """metrics.mirr of one row (Excel's MIRR)."""
    n = v.shape[0]
    pos = ws[:n]
    neg = ws[n:2 * n]
    has_pos = False
    has_neg = False
    pr = _powers(rr, n, ws, 0)
    ir = _powers(rr, n, ws, 1, True)
    jf = _powers(fr, n, ws, 3, True)
    for k in range(n):                   # products, not divisions (within an ulp): no branch either
        x = v[k]
        pos[k] = (x if x > 0 else 0.0) * ir[k + 1]
        neg[k] = (x if x < 0 else 0.0) * jf[k + 1]
        has_pos = has_pos or x > 0
        has_neg = has_neg or x < 0
    npv_pos = _np_sum(pos, n)
    npv_neg = _np_sum(neg, n)
    ratio = -npv_pos * pr[n] / (npv_neg * (1.0 + fr))
    value = ratio ** (1.0 / (n - 1)) - 1.0 if n > 1 else _NAN
    ok = has_pos and has_neg and fr > -1.0 and rr > -1.0
    return value if (ok and math.isfinite(value)) else _NAN
