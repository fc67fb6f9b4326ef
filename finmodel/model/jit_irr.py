"""The IRR of the compiled kernel (:mod:`finmodel.model.jit`): one row of flows at a time, in numba.

The IRR (:func:`irr`) follows the rule of :mod:`finmodel.metrics` (see :mod:`finmodel._irr`):

- one sign change: Newton, as the NumPy path;
- several: first a count in O(n) (:func:`_irr_counted`, below): where it proves that no root,
  one root, or two roots (either side of a point where p has the other sign: a probe or p's one
  turning point) lie at or above -50 %, the rate (the one root, or of two the investment root)
  is found by Halley's method in its bracket and taken when its error is known to be below
  1e-13, so it is the NumPy path's to 1e-12 (that path converges on the same simple root). 99 %
  of the benchmark's J-like rows are decided here;
- the rest (status ``SCREEN``): :func:`irr_screen`, the exact Descartes screen on the six top
  cells (the same integer products as the NumPy path, hence the same decisions) and Newton
  inside the chosen cells. The kernel calls it only for those rows: it takes the screen's tables,
  a tuple of 21 arrays that numba copies at every call (120 ns a row when every row passed it).

A row none of those decides (a cell that must be cut, a root the screen cannot isolate, a degree
it does not cover, Newton not settling) is returned with ``status`` 1: the engine then evaluates
that scenario on the NumPy path, which has the grid, the cut cells and ``np.roots``.

Importing this module imports numba.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from .jit_emit import SCREEN
from .jit_rt import _EPS, _NAN, _OPTS, _max, _min, _np_sum


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
def _low_matters(pv, phigh, n, n_sign):
    """_irr._bisect_cells' ``low_matters``: whether undecided cells below the artefact bound matter
    (no cell known to hold one root, above the bound or below, and an even count of sign changes:
    the row may have no root above the bound and the parity does not tell one below)."""
    h1, l1 = 0, 0
    for i in range(n):
        if pv[i] == 1:
            if phigh[i] != 0.0:
                h1 += 1
            else:
                l1 += 1
    return h1 == 0 and n_sign % 2 == 0 and l1 == 0


@njit(**_OPTS)
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
    low_matters = _low_matters(pv, phigh, n, n_sign)
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
    low_matters = _low_matters(pv, phigh, n, n_sign)
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


@njit(inline="always", **_OPTS)
def _scan(v):
    """Whether every entry is finite, and the sign changes (zeros skipped), in one pass."""
    last = 0.0
    n_sign = 0
    bad = 0.0
    for j in range(v.shape[0]):
        x = v[j]
        bad += x * 0.0                   # NaN once an entry is not finite
        s = (1.0 if x > 0.0 else 0.0) - (1.0 if x < 0.0 else 0.0)
        n_sign += s * last < 0.0
        last = s + last * (1.0 if s == 0.0 else 0.0)
    return bad == 0.0, n_sign


@njit(**_OPTS)
def irr(v, ws, start=-1.0):
    """The IRR of one row by the rule of finmodel.metrics: (rate, multiple, status); ``start``: a
    first guess of the root x = 1/(1 + rate) (negative: none), where one is known; status
    :data:`SCREEN`: the exact screen must decide (:func:`irr_screen`, called by the kernel only
    then: it takes the screen's tables, which cost a copy per call); status 1: not decided here,
    the NumPy path must answer for this scenario."""
    finite, n_sign = _scan(v)
    if not finite or n_sign == 0:
        return _NAN, False, 0
    if n_sign == 1:
        r, st = _irr_one(v, ws)
        return r, False, st
    r, mult, st = _irr_counted(v, ws, start)
    if st == 0:
        return r, mult, 0
    return _NAN, False, SCREEN


@njit(**_OPTS)
def irr_screen(v, hurdle, tb, ws):
    """The IRR of a row :func:`irr` left to the screen (several sign changes, the count not proved):
    (rate, multiple, status), status 1 where the NumPy path must answer."""
    _, n_sign = _scan(v)
    if v[0] == 0.0 or v[v.shape[0] - 1] == 0.0 or tb[0].shape[0] != v.shape[0]:
        return _NAN, False, 1
    return _irr_screened(v, n_sign, hurdle, tb, ws)


@njit(**_OPTS)
def irr_again(v, hurdle, ws, v0, hurdle0, r0, m0, s0):
    """:func:`irr`, or the result (r0, m0, s0) of flows v0 at hurdle0 when v and hurdle are the same
    (equity and project flows without a loan): the IRR of a row depends on its values only. Else
    v0's root is Halley's first guess (the project's flows before and after tax are close: one
    to two steps fewer); the root found is the same, to its error bound."""
    if hurdle == hurdle0:
        differ = 0
        for j in range(v.shape[0]):          # no early exit: a loop LLVM vectorises
            differ += v[j] != v0[j]
        if differ == 0:
            return r0, m0, s0
    return irr(v, ws, 1.0 / (1.0 + r0) if r0 > -1.0 else -1.0)   # v0's root: a first guess


# --------------------------------------------------------------------------- the count on (0, 2)
# Most rows with several sign changes have one root at or above -50 %, or none, and a test in
# O(n) shows it, before the screen's products. Such roots are the roots x = 1/(1 + rate) of
# p(x) = sum_j c_j x**j in (0, 2); y = x/2 maps them to (0, 1), where q(y) = p(2y) has the
# coefficients b_j = c_j 2**j. Descartes' rule holds for power series on (0, 1): q's roots there
# number at most the sign changes of the coefficients of q(y) / (1 - y)**k, the k-fold cumulative
# sums of b (k = 1 is Norstrom's test), a series whose coefficients past the polynomial's keep one
# sign when the last sum of every level has the sign of q(1) = p(2). The first coefficient is
# b_0 = p(0), so the parity of the count is known too: no change proves no root, one change
# exactly one (simple) root. Computed in floating point, a sum's sign counts only beyond a bound
# on its rounding: 4 (2 + k n) eps times the same sums of |b_j| (about twice the worst case of
# k n additions, each rounding within 2**-53 of the sum of the absolute terms). The root is then
# found in (0, 2) by Halley's method kept inside a bracket and taken only where its error, as a
# rate, is known to be below 1e-13 (:data:`_RATE_ERR`).


@njit(inline="always", **_OPTS)
def _level(s, a, x, y, t, g, n):
    """One step of one cumulation level of :func:`_changes`: the sums, the proved sign (0: not
    proved), the changes so far (+100 once a sign is not proved)."""
    s += x
    a += y
    e = t * a
    q = (1.0 if s > e else 0.0) - (1.0 if s < -e else 0.0)
    n += (q != g) + 100 * (q == 0.0)
    return s, a, q, n


@njit(**_OPTS)
def _levels(b, a, ln, extra, deep):
    """Proved sign changes of the 1- and 2-fold (``deep``: up to 8-fold) cumulative sums of
    b[0..ln-1] (their absolute values in a), in one pass: the fewest over the levels k whose tail
    keeps one sign, -1 if none. A sum of level k counts beyond 4 (extra + k ln) eps times its
    absolute sum (``extra``: the depth of the roundings in b itself). b[0] must not be 0."""
    g1 = g2 = g3 = g4 = g5 = g6 = g7 = g8 = 1.0 if b[0] > 0 else -1.0
    s1 = s2 = s3 = s4 = s5 = s6 = s7 = s8 = b[0]
    a1 = a2 = a3 = a4 = a5 = a6 = a7 = a8 = abs(b[0])
    n1 = n2 = n3 = n4 = n5 = n6 = n7 = n8 = 0
    u = 4.0 * _EPS
    for j in range(1, ln):
        s1, a1, g1, n1 = _level(s1, a1, b[j], a[j], u * (extra + ln), g1, n1)
        s2, a2, g2, n2 = _level(s2, a2, s1, a1, u * (extra + 2 * ln), g2, n2)
        if deep:
            s3, a3, g3, n3 = _level(s3, a3, s2, a2, u * (extra + 3 * ln), g3, n3)
            s4, a4, g4, n4 = _level(s4, a4, s3, a3, u * (extra + 4 * ln), g4, n4)
            s5, a5, g5, n5 = _level(s5, a5, s4, a4, u * (extra + 5 * ln), g5, n5)
            s6, a6, g6, n6 = _level(s6, a6, s5, a5, u * (extra + 6 * ln), g6, n6)
            s7, a7, g7, n7 = _level(s7, a7, s6, a6, u * (extra + 7 * ln), g7, n7)
            s8, a8, g8, n8 = _level(s8, a8, s7, a7, u * (extra + 8 * ln), g8, n8)
    gs = (g1, g2, g3, g4, g5, g6, g7, g8)
    ns = (n1, n2, n3, n4, n5, n6, n7, n8)
    best = -1
    for r in range(8 if deep else 2):
        if gs[r] != g1 or ns[r] >= 100:      # the tail changes sign from level r on, or a sign is not proved
            break
        if best < 0 or ns[r] < best:
            best = ns[r]
    return best


@njit(inline="always", **_OPTS)
def _weigh(c, j, p2, b, a):
    """b_j = c_j 2**j (exact: p2 = 2**j) and its absolute value a_j; returns 2**(j + 1)."""
    b[j] = c[j] * p2
    a[j] = abs(b[j])
    return p2 * 2.0


@njit(**_OPTS)
def _changes(c, k, ws):
    """:func:`_levels` for p on (0, 2): b_j = c_j 2**j (exact), levels 1 and 2."""
    b, a = ws[:k], ws[k:2 * k]
    p2 = 1.0
    for j in range(k):
        p2 = _weigh(c, j, p2, b, a)
    return _levels(b, a, k, 2, False)


#: (1 + y)**8, Polya's factor: the slope's series is multiplied by it before the cumulations.
_BINOM8 = (1.0, 8.0, 28.0, 56.0, 70.0, 56.0, 28.0, 8.0, 1.0)


@njit(**_OPTS)
def _slope_changes(dc, k, ws):
    """:func:`_levels` for p' on (0, 2) (coefficients dc[0..k-2]), times (1 + y)**8: levels 1 and
    2, then up to 8 where those do not tell. dc[0] must not be 0."""
    n = k - 1
    ln = n + 8
    d, b, a = ws[:ln + 8], ws[ln + 8:2 * ln + 8], ws[2 * ln + 8:3 * ln + 8]
    p2 = 1.0
    for j in range(ln + 8):
        d[j] = 0.0
    for j in range(n):
        d[8 + j] = dc[j] * p2                # 2**j (j + 1) c_(j+1), zeros around it
        p2 *= 2.0
    for j in range(ln):
        x = 0.0
        y = 0.0
        for i in range(9):
            t = _BINOM8[i] * d[8 + j - i]
            x += t
            y += abs(t)
        b[j] = x
        a[j] = y
    got = _levels(b, a, ln, 14, False)
    return got if 0 <= got <= 1 else _levels(b, a, ln, 14, True)


#: Fused multiply-adds where a bound on the rounding is checked anyway (:func:`_bound`): a single
#: rounding per step is within it too.
_FMA = dict(_OPTS, fastmath={"contract"})


@njit(**_FMA)
def _poly3(c, dc, ddc, n4, x):
    """p, p' and p'' at x from their coefficients, each zero-padded to n4 (a multiple of 4):
    Horner in x**4 on four interleaved chains each (a quarter of Horner's latency)."""
    x2 = x * x
    x4 = x2 * x2
    p0 = p1 = p2 = p3 = d0 = d1 = d2 = d3 = e0 = e1 = e2 = e3 = 0.0
    for j in range(n4 - 4, -1, -4):
        p0 = p0 * x4 + c[j]
        p1 = p1 * x4 + c[j + 1]
        p2 = p2 * x4 + c[j + 2]
        p3 = p3 * x4 + c[j + 3]
        d0 = d0 * x4 + dc[j]
        d1 = d1 * x4 + dc[j + 1]
        d2 = d2 * x4 + dc[j + 2]
        d3 = d3 * x4 + dc[j + 3]
        e0 = e0 * x4 + ddc[j]
        e1 = e1 * x4 + ddc[j + 1]
        e2 = e2 * x4 + ddc[j + 2]
        e3 = e3 * x4 + ddc[j + 3]
    return ((p0 + p1 * x) + (p2 + p3 * x) * x2, (d0 + d1 * x) + (d2 + d3 * x) * x2,
            (e0 + e1 * x) + (e2 + e3 * x) * x2)


@njit(**_FMA)
def _bound(c, n4, x):
    """A bound on the rounding of p(x) by :func:`_poly3`: 8 (n + 4) eps times the sum of
    |c_j| x**j (far above that scheme's error)."""
    x2 = x * x
    x4 = x2 * x2
    a0 = a1 = a2 = a3 = 0.0
    for j in range(n4 - 4, -1, -4):
        a0 = a0 * x4 + abs(c[j])
        a1 = a1 * x4 + abs(c[j + 1])
        a2 = a2 * x4 + abs(c[j + 2])
        a3 = a3 * x4 + abs(c[j + 3])
    return 8.0 * (n4 + 4) * _EPS * ((a0 + a1 * x) + (a2 + a3 * x) * x2)


@njit(**_OPTS)
def _root_in(c, dc, ddc, n4, lo, hi, s_lo, start=-1.0):
    """The one simple root of p in (lo, hi), p of sign s_lo at lo: Halley's steps kept inside the
    bracket (Newton's where Halley's would leave it, bisection where both would), until a step
    below 1e-6 of x (the error is then about its cube: on the benchmark's rows the roots are the
    same as with 1e-9, to 2e-15). Returns the root and a bound on its error
    as a rate (inf: not clean)."""
    z = start if lo < start < hi else (1.0 if lo < 1.0 < hi else 0.5 * (lo + hi))
    p, dp, ddp = _poly3(c, dc, ddc, n4, z)
    for _ in range(80):
        side = p * s_lo
        if side > 0:
            lo = z
        elif side < 0:
            hi = z
        else:
            break
        zn = z - 2.0 * p * dp / (2.0 * dp * dp - p * ddp)
        if not lo <= zn <= hi:
            zn = z - p / dp                  # Newton's step, else bisection
        done = lo <= zn <= hi and abs(zn - z) <= 1e-6 * z
        if done or lo < zn < hi:
            z = zn
        else:
            z = 0.5 * (lo + hi)
        p, dp, ddp = _poly3(c, dc, ddc, n4, z)
        if done or hi - lo <= 4.0 * _EPS * hi:
            break
    err = _bound(c, n4, z)
    if not (lo <= z <= hi and dp != 0.0 and math.isfinite(dp)):
        return _NAN, np.inf
    return z, (abs(p) + err) / abs(dp) / (z * z)


#: A root is taken here only when its rate is known to this absolute error: then it is the NumPy
#: path's to 1e-12 (that path converges on the same simple root, to its own rounding).
_RATE_ERR = 1e-13


#: Where a row with p(0) and p(2) of one sign is first looked at for the other sign (which, with
#: at most two roots, or with p rising then falling, brackets its two roots): x = 1 (a rate of
#: 0), then rates of -11 % and -20 %. The J-like rows' two roots lie either side of these: p is
#: of the other sign there in 22 %, 96 % and 85 % of the benchmark's two-root rows. Each probe
#: costs one pass; where none is of the other sign, the turning point below decides.
_PROBES = (1.0, 1.125, 1.25)


@njit(**_OPTS)
def _irr_counted(v, ws, start=-1.0):
    """The IRR where the number of roots in (0, 2) (rates above -50 %) is proved in O(n): no
    root, one, or two (either side of a probe, :data:`_PROBES`, or of p's one turning point).
    (rate, multiple, 0); status 1 where the count is not proved (the screen counts). ``start``:
    Halley's first guess of the root, where one is known (negative: none)."""
    k = v.shape[0]
    big = 0.0
    small = np.inf
    for j in range(k):                       # sizes where no sum below over- or underflows
        x = abs(v[j])
        big = big if x <= big else x         # NaN stays: the test below fails
        small = x if 0.0 < x < small else small
    if not (big < 1e250 and small > 1e-250):
        return _NAN, False, 1
    if v[0] == 0.0:
        return _NAN, False, 1
    n4 = (k + 3) // 4 * 4
    c, dc, ddc, d3c, w = ws[:n4], ws[n4:2 * n4], ws[2 * n4:3 * n4], ws[3 * n4:4 * n4], ws[4 * n4:]
    b, a = w[:k], w[k:2 * k]
    p2 = 1.0
    for j in range(n4):                      # p, p' and p'' (zero-padded to a multiple of 4)
        c[j] = v[j] if j < k else 0.0
        dc[j] = v[j + 1] * float(j + 1) if j + 1 < k else 0.0
        ddc[j] = (v[j + 2] * float(j + 2)) * float(j + 1) if j + 2 < k else 0.0
        if j < k:                            # and, in the same pass, :func:`_changes`'s series
            p2 = _weigh(c, j, p2, b, a)
    s0 = 1.0 if c[0] > 0 else -1.0
    ch = _levels(b, a, k, 2, False)          # :func:`_changes`
    if ch == 0:
        return _NAN, False, 0
    if ch == 1:
        return _answer(c, dc, ddc, n4, 0.0, 2.0, s0, False, start)
    s2 = _proved_sign(c, n4, 2.0)
    if s2 == 0.0 or dc[0] == 0.0:
        return _NAN, False, 1
    mid = 0.0                                # a point where p has the other sign than at 0 and 2
    if s2 == s0:
        for z in _PROBES:
            if _proved_sign(c, n4, z) == -s0:
                mid = z
                break
        if mid > 0.0 and ch == 2:            # at most two roots, and two: either side of mid
            return _two(c, dc, ddc, n4, mid, s0, start)
    # p' with one root xm in (0, 2) (or none): p is monotone on each side of it
    slope = _slope_changes(dc, k, w)
    if slope == 0:
        if s0 == s2:
            return _NAN, False, 0
        return _answer(c, dc, ddc, n4, 0.0, 2.0, s0, False, start)
    if slope != 1:
        return _NAN, False, 1
    if mid > 0.0:                            # p rises, then falls (or the reverse): one root each side
        return _two(c, dc, ddc, n4, mid, s0, start)
    for j in range(n4):
        d3c[j] = ddc[j + 1] * float(j + 1) if j + 1 < n4 else 0.0
    xm, _ = _root_in(dc, ddc, d3c, n4, 0.0, 2.0, 1.0 if dc[0] > 0 else -1.0)
    if not (xm == xm):
        return _NAN, False, 1
    sm = _proved_sign(c, n4, xm)
    if sm == 0.0:
        return _NAN, False, 1
    left = sm != s0                          # a root in (0, xm)
    right = sm != s2                         # a root in (xm, 2)
    if left and right:
        return _two(c, dc, ddc, n4, xm, s0, start)
    if left:
        return _answer(c, dc, ddc, n4, 0.0, xm, s0, False, start)
    if right:
        return _answer(c, dc, ddc, n4, xm, 2.0, sm, False, start)
    return _NAN, False, 0


@njit(**_OPTS)
def _two(c, dc, ddc, n4, mid, s0, start):
    """Of two roots, one in (0, mid) and one in (mid, 2), the investment root: where p rises
    through zero as x rises (NPV falls as the rate rises), in (0, mid) when p(0) < 0."""
    if s0 < 0:
        return _answer(c, dc, ddc, n4, 0.0, mid, s0, True, start)
    return _answer(c, dc, ddc, n4, mid, 2.0, -s0, True, start)


@njit(**_FMA)
def _proved_sign(c, n4, x):
    """The sign of p(x), 0 where it is within the bound on its rounding (as :func:`_bound`; p and
    the bound's sum in one pass of four interleaved chains each)."""
    x2 = x * x
    x4 = x2 * x2
    p0 = p1 = p2 = p3 = a0 = a1 = a2 = a3 = 0.0
    for j in range(n4 - 4, -1, -4):
        p0 = p0 * x4 + c[j]
        p1 = p1 * x4 + c[j + 1]
        p2 = p2 * x4 + c[j + 2]
        p3 = p3 * x4 + c[j + 3]
        a0 = a0 * x4 + abs(c[j])
        a1 = a1 * x4 + abs(c[j + 1])
        a2 = a2 * x4 + abs(c[j + 2])
        a3 = a3 * x4 + abs(c[j + 3])
    p = (p0 + p1 * x) + (p2 + p3 * x) * x2
    err = 8.0 * (n4 + 4) * _EPS * ((a0 + a1 * x) + (a2 + a3 * x) * x2)
    return 1.0 if p > err else (-1.0 if p < -err else 0.0)


@njit(**_OPTS)
def _answer(c, dc, ddc, n4, lo, hi, s_lo, multiple, start=-1.0):
    """The root of p in (lo, hi) as (rate, multiple, status): status 1 where its error is not
    known to be below :data:`_RATE_ERR`."""
    x, err = _root_in(c, dc, ddc, n4, lo, hi, s_lo, start)
    if not err <= _RATE_ERR:
        return _NAN, False, 1
    return 1.0 / x - 1.0, multiple, 0
