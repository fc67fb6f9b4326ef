"""The helpers of the compiled kernel (:mod:`finmodel.model.jit`): one scenario at a time, in numba.

Each is a port of the NumPy helper or metric it names, operation for operation and in the same
order, so that a scenario's numbers are the NumPy path's: the year sums run in year order from
0.0 (``runtime._sum_years``), the sums over a whole series follow NumPy's pairwise summation
(``_np_sum``), no multiply-add is fused (numba's default, ``fastmath`` off). What can differ are
the last bits of the transcendental functions (``pow``, ``exp``, ``log``, ``expm1``, ``log1p``):
NumPy has its own SIMD versions, numba calls the C library's.

The IRR (:func:`irr`) follows :mod:`finmodel._irr`: Newton for one sign change; for several, the
exact Descartes screen on the six top cells (the same integer products, hence the same
decisions) and Newton inside the chosen cells. A row those do not decide (a cell that must be
cut, a root the screen cannot isolate, a degree it does not cover, Newton not settling) is
returned with ``status`` 1: the engine then evaluates that scenario on the NumPy path, which has
the grid, the cut cells and ``np.roots``.

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


@njit(**_OPTS)
def vintage_amort(rate, years, t):
    """runtime._vintage_amort at year t: the sum over v of rate_v x weight(v, t), v in order."""
    out = 0.0
    tf = float(t)
    for v in range(t):
        rv = rate[v]
        if rv == 0.0:
            continue
        end = v + years[v]
        w = (v < tf) * ((end >= tf) + (end < tf) * (end > tf - 1) * (end - tf + 1))
        out = out + rv * w
    return out


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


#: Slots of powers (1 + rate)**i kept at the end of a scenario's scratch array, one per use
#: (MIRR's reinvestment and finance rates, the discounted payback's rate): see :func:`_powers`.
N_POWER_SLOTS = 3


def power_slots(T: int) -> int:
    """Scratch entries the slots of :func:`_powers` take for flows of T years."""
    return N_POWER_SLOTS * (T + 3)


@njit(**_OPTS)
def _powers(rate, n, ws, slot):
    """(1.0 + rate) ** float(i) for i = 0..n, the same calls as before, kept in slot ``slot`` at
    the end of ``ws`` and reused while the next scenario asks for the same rate and n (a rate
    that is not varied: every scenario). The slot holds [rate, n, powers...]; the kernel fills
    its scratch with NaN, which equals no rate (nor does a NaN rate: it is recomputed)."""
    size = n + 3
    o = ws.shape[0] - (slot + 1) * size
    if not (ws[o] == rate and ws[o + 1] == float(n)):
        for i in range(n + 1):
            ws[o + 2 + i] = (1.0 + rate) ** float(i)
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
    pf = _powers(fr, n, ws, 1)
    for k in range(n):
        x = v[k]
        pos[k] = (x if x > 0 else 0.0) / pr[k + 1]
        neg[k] = (x if x < 0 else 0.0) / pf[k + 1]
        has_pos = has_pos or x > 0
        has_neg = has_neg or x < 0
    npv_pos = _np_sum(pos, n)
    npv_neg = _np_sum(neg, n)
    ratio = -npv_pos * pr[n] / (npv_neg * (1.0 + fr))
    value = ratio ** (1.0 / (n - 1)) - 1.0 if n > 1 else _NAN
    ok = has_pos and has_neg and fr > -1.0 and rr > -1.0
    return value if (ok and math.isfinite(value)) else _NAN


# --------------------------------------------------------------------------- IRR (finmodel._irr)
@njit(**_OPTS)
def _horner_d(c, x):
    d = c.shape[0] - 1
    p = c[d]
    dp = 0.0
    for k in range(d - 1, -1, -1):
        dp = dp * x + p
        p = p * x + c[k]
    return p, dp


@njit(**_OPTS)
def _irr_one(v, ws):
    """_irr._irr_one_sign_change of one row: (rate, status), status 1 where Newton does not settle."""
    n = v.shape[0]
    first = 0
    while v[first] == 0.0:
        first += 1
    last = n - 1
    while v[last] == 0.0:
        last -= 1
    d = last - first
    scale = 0.0
    for k in range(first, last + 1):
        scale = max(scale, abs(v[k]))
    c = ws[:d + 1]
    for j in range(d + 1):
        c[j] = v[first + j] / scale
    sgn = 1.0 if v[first] > 0 else -1.0
    e = ws[n:2 * n]
    lt = ws[2 * n:3 * n]
    for k in range(n):
        s = 0.0 if v[k] == 0.0 else (1.0 if v[k] > 0 else -1.0)
        e[k] = abs(v[k]) * (s == sgn)
        lt[k] = abs(v[k]) * (s == -sgn)
    a_early = _np_sum(e, n)
    a_late = _np_sum(lt, n)
    for k in range(n):
        e[k] = e[k] * float(k)
        lt[k] = lt[k] * float(k)
    t_early = _np_sum(e, n) / a_early
    t_late = _np_sum(lt, n) / a_late
    xa = math.exp((math.log(a_early) - math.log(a_late)) / (t_late - t_early))
    x = _NAN
    settled = False
    for _ in range(50):
        p, dp = _horner_d(c, xa)
        x_new = xa - p / dp
        if not math.isfinite(x_new) or x_new <= 0:
            break
        if abs(x_new - xa) <= 1e-12 * x_new:
            x = x_new
            settled = True
            break
        xa = x_new
    if settled:
        p, _ = _horner_d(c, x)
        size = abs(c[d])
        for k in range(d - 1, -1, -1):
            size = size * x + abs(c[k])
        if not (abs(p) <= 1e-9 * size):
            settled = False
    if not settled:
        return _NAN, 1
    return 1.0 / x - 1.0, 0


@njit(**_OPTS)
def _guess(q, base, beta, cell, k1, k2, za, zb, d):
    """_irr._guess for one cell (q: the cell's scaled coefficients at q[base + k])."""
    b1 = q[base + k1] * beta[cell, k1]
    b2 = q[base + k2] * beta[cell, k2]
    inner = (k1 > 0) and (k2 < d)
    i2 = min(k2, d - 1) + 1
    i1 = max(k1, 1) - 1
    d2 = (q[base + i2] * beta[cell, i2] - b2 + q[base + i1] * beta[cell, i1] - b1
          - (b2 - b1) * (k2 - k1 - 1)) / 2
    u = k1 + (k2 - k1) * (b1 / (b1 - b2))
    if inner:
        u -= d2 * (u / d) * (d - u) / (2.0 * (b2 - b1) / (k2 - k1))
    u = _min(_max(u, float(k1)), float(k2)) / d
    return za + (zb - za) * u


@njit(**_OPTS)
def _newton_in(c, lo, hi, sa, z):
    """_irr._newton_in for one root."""
    for _ in range(60):
        p, dp = _horner_d(c, z)
        side = p * sa
        if side > 0:
            lo = z
        if side < 0:
            hi = z
        step = p / dp
        z_n = z - step
        step = abs(step)
        inside = (z_n > lo) and (z_n < hi)
        inside = inside or (step <= 16.0 * _EPS * z)
        move = side != 0
        done = (side == 0) or (inside and (step <= 1e-8 * z))
        done = done or (hi - lo <= 4.0 * _EPS * hi)
        if move:
            z = z_n if inside else 0.5 * (lo + hi)
        if done:
            break
    return z


@njit(cache=True, error_model="numpy", nogil=True, fastmath={"reassoc", "contract"})
def _exact_product(bt, ch, q):
    """q = ch @ bt. Every product and partial sum is an integer below 2**53 (times a power of 2):
    exact in any order, so the compiler may reorder and fuse them (the same bits as BLAS)."""
    m = q.shape[0]
    for r in range(m):
        q[r] = 0.0
    for j in range(ch.shape[0]):
        x = ch[j]
        for r in range(m):
            q[r] += bt[j, r] * x


@njit(**_OPTS)
def _classify(code, modulus, code_t, nch_t, k1_t, k2_t, s0_t):
    """_irr._classify of one sign-pattern code: (v, k1, k2, s0); v = 2 where undecided."""
    ic = int(code) % modulus
    if code_t[ic] == code:
        return nch_t[ic], k1_t[ic], k2_t[ic], float(s0_t[ic])
    return 2, 0, 0, 0.0


@njit(**_OPTS)
def _sign_code(q, base, k, scale):
    """The ternary code of the proved signs of q[base:base+k] * scale (trunc(clip(x, -1, 1)))."""
    code = 0.0
    p3 = 1.0
    for j in range(k):
        x = q[base + j] * scale[base + j]
        code += (1.0 if x >= 1.0 else (-1.0 if x <= -1.0 else 0.0)) * p3
        p3 *= 3.0
    return code


@njit(**_OPTS)
def _sign_code_top(q, base, k):
    """:func:`_sign_code` of a top cell, whose scale is 1 (its matrix is scaled already)."""
    code = 0.0
    p3 = 1.0
    for j in range(k):
        x = q[base + j]
        code += (1.0 if x >= 1.0 else (-1.0 if x <= -1.0 else 0.0)) * p3
        p3 *= 3.0
    return code


@njit(inline="always", **_OPTS)
def _irr_screened(v, n_sign, hurdle, tb, ws):
    """_irr._irr_screened, _decide and one level of _bisect_cells for one row of degree len(v) - 1:
    (rate, multiple, status); status 1 where NumPy's path would cut cells further or use its grid."""
    (bt, beta, cza, czb, chalf, chigh, t_bits, modulus, code_t, nch_t, k1_t, k2_t, s0_t,
     pb1, pb2, pscale, pinv, pbeta, pza, pzb, ones) = tb
    k = v.shape[0]
    d = k - 1
    n_cells = cza.shape[0]
    n_parts = pza.shape[1]
    big = 0.0
    for j in range(k):
        big = max(big, max(v[j], -v[j]))
    _, e = math.frexp(big)
    if e > 1000 or e < -1000:               # (the products below would not be exact)
        return _NAN, False, 1
    # ldexp by a product with the power of 2 (both exact here: |v| < 2**e, e within +-1000)
    down = math.ldexp(1.0, -e)
    up = math.ldexp(1.0, t_bits)
    c = ws[:k]
    ch = ws[k:2 * k]
    for j in range(k):
        c[j] = v[j] * down
        ch[j] = np.rint(c[j] * up)
    o = 2 * k
    m_top = bt.shape[1]                     # n_cells * k, padded with zero columns to a multiple of 8
    q = ws[o:o + max(m_top, n_parts * k)]
    o += max(m_top, n_parts * k)
    # the pairs (cells that may hold a root): za, zb, half, high, v, s0, z0, stuck
    m_pairs = n_cells * (n_parts + 1)
    pza_, pzb_, phalf, phigh = ws[o:o + m_pairs], ws[o + m_pairs:o + 2 * m_pairs], \
        ws[o + 2 * m_pairs:o + 3 * m_pairs], ws[o + 3 * m_pairs:o + 4 * m_pairs]
    pv, ps0, pz0 = ws[o + 4 * m_pairs:o + 5 * m_pairs], ws[o + 5 * m_pairs:o + 6 * m_pairs], \
        ws[o + 6 * m_pairs:o + 7 * m_pairs]
    ptop = ws[o + 7 * m_pairs:o + 8 * m_pairs]          # the top cell of a pair that may be cut, else -1
    o += 8 * m_pairs
    _exact_product(bt, ch, q[:m_top])
    full = float((3 ** k - 1) // 2)
    n = 0
    stuck = False
    for cell in range(n_cells):
        base = cell * k
        code = _sign_code_top(q, base, k)
        if abs(code) == full:
            continue
        nv, kk1, kk2, s0 = _classify(code, modulus, code_t, nch_t, k1_t, k2_t, s0_t)
        pza_[n], pzb_[n], phalf[n], phigh[n] = cza[cell], czb[cell], chalf[cell], chigh[cell]
        pv[n], ps0[n], pz0[n], ptop[n] = nv, s0, _NAN, float(cell)
        if nv == 1 and chigh[cell]:
            pz0[n] = _guess(q, base, beta, cell, kk1, kk2, cza[cell], czb[cell], d)
        if nv == 2:
            x0 = q[base]
            xd = q[base + d]
            if not (x0 >= 1.0 or x0 <= -1.0) or not (xd >= 1.0 or xd <= -1.0):
                stuck = True
        n += 1
    rate, mult, status = _decide_row(c, n, pza_, pzb_, phalf, phigh, pv, ps0, pz0, n_sign, hurdle)
    if status == 0:
        return rate, mult, 0
    has_und = False
    for i in range(n):
        has_und = has_und or pv[i] == 2
    if stuck or not has_und:
        return _NAN, False, 1
    # one level of _bisect_cells: cut the undecided cells that matter into parts, test them
    h1, l1 = 0, 0
    for i in range(n):
        if pv[i] == 1:
            if phigh[i] != 0.0:
                h1 += 1
            else:
                l1 += 1
    low_matters = h1 == 0 and n_sign % 2 == 0 and l1 == 0
    up2 = math.ldexp(1.0, t_bits)
    c2 = ws[o:o + k]
    for j in range(k):
        c2[j] = np.rint((c[j] * up - ch[j]) * up2)
    n_before = n
    for i in range(n_before):
        if not (pv[i] == 2 and (phigh[i] != 0.0 or low_matters)):
            continue
        cell = int(ptop[i])
        pv[i] = 0.0                         # replaced by its parts
        qq = q[:n_parts * k]
        _exact_product(pb1[cell], ch, qq)
        again = False
        for part in range(n_parts):
            nv, _, _, _ = _classify(_sign_code(qq, part * k, k, pscale[cell]), modulus, code_t, nch_t, k1_t, k2_t,
                                    s0_t)
            again = again or nv == 2
        inv = pscale[cell]
        if again:                            # two slices of flows and matrix: four exact products, summed
            a2 = ws[o + k:o + k + n_parts * k]
            a3 = ws[o + k + n_parts * k:o + k + 2 * n_parts * k]
            a4 = ws[o + k + 2 * n_parts * k:o + k + 3 * n_parts * k]
            _exact_product(pb1[cell], c2, a2)
            _exact_product(pb2[cell], ch, a3)
            _exact_product(pb2[cell], c2, a4)
            f2 = math.ldexp(1.0, -t_bits)
            f3 = math.ldexp(1.0, -22)
            f4 = math.ldexp(1.0, -t_bits - 22)
            for r in range(n_parts * k):
                x = qq[r]
                x += a2[r] * f2
                x += a3[r] * f3
                x += a4[r] * f4
                qq[r] = x
            inv = pinv[cell]
        for part in range(n_parts):
            base = part * k
            nv, kk1, kk2, s0 = _classify(_sign_code(qq, base, k, inv), modulus, code_t, nch_t, k1_t, k2_t, s0_t)
            if nv == 2:
                x0 = qq[base] * inv[base]
                xd = qq[base + d] * inv[base + d]
                if not (x0 >= 1.0 or x0 <= -1.0) or not (xd >= 1.0 or xd <= -1.0):
                    return _NAN, False, 1          # stuck: NumPy's grid decides
            if nv == 0:
                continue
            za, zb = pza[cell, part], pzb[cell, part]
            pza_[n], pzb_[n], phalf[n] = za, zb, chalf[cell]
            phigh[n] = 1.0 if (chalf[cell] == 0 or za >= 0.5) else 0.0
            pv[n], ps0[n], pz0[n], ptop[n] = nv, s0, _NAN, -1.0
            if nv == 1:
                pz0[n] = _guess(qq, base, pbeta[cell], part, kk1, kk2, za, zb, d)
            n += 1
    # a second level would be needed (undecided parts that matter): NumPy's path
    h1, l1 = 0, 0
    for i in range(n):
        if pv[i] == 1:
            if phigh[i] != 0.0:
                h1 += 1
            else:
                l1 += 1
    low_matters = h1 == 0 and n_sign % 2 == 0 and l1 == 0
    for i in range(n):
        if pv[i] == 2 and (phigh[i] != 0.0 or low_matters):
            return _NAN, False, 1
    return _decide_row(c, n, pza_, pzb_, phalf, phigh, pv, ps0, pz0, n_sign, hurdle)


@njit(**_OPTS)
def _decide_row(c, n, pza_, pzb_, phalf, phigh, pv, ps0, pz0, n_sign, hurdle):
    """_irr._decide for one row from its pairs (v = 0 entries are ignored): (rate, multiple, status)."""
    h1, hu, l1, lu = 0, 0, 0, 0
    for i in range(n):
        if pv[i] == 0:
            continue
        if phigh[i] != 0.0:
            if pv[i] == 1:
                h1 += 1
            else:
                hu += 1
        else:
            if pv[i] == 1:
                l1 += 1
            else:
                lu += 1
    odd = n_sign % 2 == 1
    parity = (hu + lu > 0) or (((h1 + l1) % 2 == 1) == odd)
    decided = hu == 0 and (h1 > 0 or l1 > 0 or lu == 0 or odd) and parity
    if not decided:
        return _NAN, False, 1
    best = _NAN
    best_gap = np.inf
    for i in range(n):
        if pv[i] != 1 or phigh[i] == 0.0:
            continue
        s0 = ps0[i]
        falls = (s0 < 0) if phalf[i] == 0 else (s0 > 0)
        if not (h1 == 1 or falls):
            continue
        za, zb, z0 = pza_[i], pzb_[i], pz0[i]
        if phalf[i] == 1:
            x = _newton_in(c, 1.0 / zb, 1.0 / za, -s0, 1.0 / z0)
        else:
            x = _newton_in(c, za, zb, s0, z0)
        r = 1.0 / x - 1.0
        if not math.isfinite(r):
            return _NAN, False, 1
        gap = abs(r - hurdle)
        if gap < best_gap or (gap == best_gap and r < best):
            best, best_gap = r, gap
    return best, h1 >= 2, 0


@njit(**_OPTS)
def irr(v, hurdle, tb, ws):
    """The IRR of one row by the rule of finmodel.metrics: (rate, multiple, status); status 1:
    not decided here, the NumPy path must answer for this scenario."""
    last = 0.0
    n_sign = 0
    for j in range(v.shape[0]):          # finite, and the sign changes (zeros skipped), in one pass
        x = v[j]
        if not math.isfinite(x):
            return _NAN, False, 0
        if x != 0.0:
            if last != 0.0 and (x > 0) != (last > 0):
                n_sign += 1
            last = x
    if n_sign == 0:
        return _NAN, False, 0
    if n_sign == 1:
        r, st = _irr_one(v, ws)
        return r, False, st
    if v[0] == 0.0 or v[v.shape[0] - 1] == 0.0 or tb[0].shape[0] != v.shape[0]:
        return _NAN, False, 1
    return _irr_screened(v, n_sign, hurdle, tb, ws)


@njit(**_OPTS)
def irr_again(v, hurdle, tb, ws, v0, hurdle0, r0, m0, s0):
    """:func:`irr`, or the result (r0, m0, s0) of flows v0 at hurdle0 when v and hurdle are the same
    (equity and project flows without a loan): the IRR of a row depends on its values only."""
    if hurdle == hurdle0:
        same = True
        for j in range(v.shape[0]):
            if v[j] != v0[j]:
                same = False
                break
        if same:
            return r0, m0, s0
    return irr(v, hurdle, tb, ws)
