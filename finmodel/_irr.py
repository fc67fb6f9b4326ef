"""IRR root finding behind :func:`finmodel.metrics.irr` (private: no stable API).

Rows of flows ``(M, n)`` and a hurdle rate per row in; per row the IRR, the number of sign
changes, whether there are several roots above -50 %, and a reason code (an index into
``finmodel.metrics.IRR_REASONS``). The policy (which root, which reason) is in the docstring of
:mod:`finmodel.metrics`, the method in that of :func:`finmodel.metrics.irr`. A row meets, in
turn:

- one sign change: :func:`_irr_one_sign_change` (Newton from a two-lump start; bisection in
  ``log x`` between the Cauchy bounds where Newton does not settle);
- several sign changes: :func:`_irr_screened` (Descartes' rule of signs on fixed cells, from
  exact integer products; the sign of NPV at a cell's end tells how it crosses zero at the
  cell's one root);
- rows the screen leaves undecided: :func:`_irr_several_sign_changes` (a certified grid in
  ``log x``, Illinois refinement; ``np.roots`` and NPV signs between its roots where the answer
  hinges on rounding).

Every kernel is element-wise or works on exact integers, so each row's result is the same bit
for bit whatever the other rows of the batch.
"""

from __future__ import annotations

import functools
import math
import threading
from collections import OrderedDict
from typing import NamedTuple

import numpy as np

# Solver settings (x = 1/(1+rate) is the discount factor of one year; u = log(x)).
_NEWTON_MAXITER = 50
_NEWTON_XTOL = 1e-12  # relative step at which Newton has converged
_GRID_STEP_U = 0.05  # first grid for rows with several sign changes: 5 % steps in 1 + rate
_GRID_MIN = 16  # at least this many grid cells on each half
_GRID_CHUNK = 2_000_000  # grid points evaluated at once (memory bound)
_SPLIT = 8  # a cell that cannot be certified is cut into this many
_MAX_LEVELS = 12
_MIN_CELL = 1e-10  # relative width below which an uncertified cell is left to np.roots
_NOISE = 1e3  # |P| within this many rounding bounds of 0 cannot be resolved: np.roots decides
_MAX_CELLS_PER_ROW = 64
_EPS = np.finfo(float).eps


# --------------------------------------------------------------------------- polynomial kernels
def _sign_changes(v: np.ndarray) -> np.ndarray:
    """Sign changes along the last axis of (S, n) flows, zeros skipped."""
    s = np.sign(v)
    n = v.shape[1]
    # Carry the last non-zero sign forward over zeros (leading zeros stay 0).
    last_nonzero = np.maximum.accumulate(np.where(s != 0, np.arange(n), 0), axis=1)
    filled = np.take_along_axis(s, last_nonzero, axis=1)
    return (filled[:, 1:] * filled[:, :-1] < 0).sum(axis=1)


def _deflate(v: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Strip x**m factors and trailing zeros; scale each row to max |c| = 1.

    Returns ``c`` (S, K) with ``p(x) = x**m * scale * sum_j c_j x**j``, ``c_0 != 0``, ``c_d != 0``,
    zero-padded above degree ``d``; ``rc`` the same coefficients reversed per row
    (``rc_i = c_{d-i}``, so ``p~(x) / x**d = sum_i rc_i (1/x)**i``); ``d`` (S,); and ``scale``.
    Rows must contain at least two non-zero flows.
    """
    nz = v != 0
    n = v.shape[1]
    first = np.argmax(nz, axis=1)
    last = n - 1 - np.argmax(nz[:, ::-1], axis=1)
    d = last - first
    k = int(d.max()) + 1
    j = np.arange(k)
    inside = j <= d[:, None]
    c = np.take_along_axis(v, np.minimum(first[:, None] + j, n - 1), axis=1) * inside
    scale = np.abs(c).max(axis=1)
    c /= scale[:, None]
    rc = np.take_along_axis(c, np.clip(d[:, None] - j, 0, k - 1), axis=1) * inside
    return c, rc, d, scale


def _horner_with_derivative(c_t: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """p(x) and p'(x) for coefficients given by column, c_t (K, M), at x (M,).

    Element-wise operations only, so each row's result is the same bit for bit whatever the
    other rows in the batch (the same holds for every kernel below).
    """
    p = c_t[-1].copy()
    dp = np.zeros_like(p)
    for k in range(c_t.shape[0] - 2, -1, -1):
        dp *= x
        dp += p
        p *= x
        p += c_t[k]
    return p, dp


def _eval_scaled(c: np.ndarray, rc: np.ndarray, u: np.ndarray) -> np.ndarray:
    """g(u) = p~(x) / max(1, x)**d at x = exp(u): same sign and roots as p~, never overflows.

    c, rc: (M, K); u: (M,), one point per row. Horner in y = exp(-|u|) <= 1, on c where x <= 1
    and on the reversed coefficients rc where x > 1.
    """
    y = np.exp(-np.abs(u))
    coef = np.where((u <= 0)[:, None], c, rc)
    g = coef[:, -1].copy()
    for k in range(coef.shape[1] - 2, -1, -1):
        g = g * y + coef[:, k]
    return g


def _root_bounds_u(c: np.ndarray, d: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Cauchy bounds on the positive roots of p~, as u = log(x): every root has uL < u < uU."""
    rows = np.arange(c.shape[0])
    lead = np.abs(c[rows, d])
    below_lead = np.where(np.arange(c.shape[1]) < d[:, None], np.abs(c), 0.0).max(axis=1)
    above_const = np.abs(c[:, 1:]).max(axis=1)
    const = np.abs(c[:, 0])
    # log(1 + a/b) as log(a + b) - log(b): no overflow when b is tiny (coefficients are <= 1).
    u_hi = np.log(lead + below_lead) - np.log(lead)
    u_lo = np.log(const) - np.log(const + above_const)
    pad = 0.05 * (u_hi - u_lo) + 0.1  # strictly outside, so the end values have a sign
    return u_lo - pad, u_hi + pad


def _bisect_u(c, rc, u_lo, u_hi, g_lo) -> np.ndarray:
    """Vectorised bisection in u on brackets where g changes sign (g(u_lo) = g_lo != 0)."""
    u_lo, u_hi = u_lo.copy(), u_hi.copy()
    s_lo = np.sign(g_lo)
    active = np.arange(u_lo.size)
    for _ in range(200):
        width = u_hi[active] - u_lo[active]
        open_ = width > 4e-16 * np.maximum(1.0, np.abs(u_lo[active]))
        active = active[open_]
        if active.size == 0:
            break
        mid = 0.5 * (u_lo[active] + u_hi[active])
        g_mid = _eval_scaled(c[active], rc[active], mid)
        s_mid = np.sign(g_mid)
        same = s_mid == s_lo[active]
        hit = s_mid == 0
        u_lo[active] = np.where(same | hit, mid, u_lo[active])
        u_hi[active] = np.where(same & ~hit, u_hi[active], mid)
    return 0.5 * (u_lo + u_hi)


def _roots_by_np_roots(row: np.ndarray) -> list[float]:
    """IRRs of one series via np.roots, kept exactly as numpy_financial 1.0.0 keeps them."""
    roots = np.roots(row[::-1])
    keep = (roots.imag == 0) & (roots.real > 0)
    return sorted((1.0 / roots[keep].real - 1.0).tolist())


# --------------------------------------------------------------------------- IRR solvers
def _irr_one_sign_change(v: np.ndarray) -> np.ndarray:
    """The unique IRR of each row of (M, n) flows with exactly one sign change.

    Newton on p~(x) for all rows at once, started at the two-lump estimate
    ``x0 = (A_E / A_L)**(1 / (t_L - t_E))`` (A, t: total and mean time of the early and late
    blocks of flows); rows Newton does not settle go to bisection in u = log(x) on the Cauchy
    bracket, where p~ has exactly one sign change (Descartes).
    """
    m = v.shape[0]
    c, rc, d, _ = _deflate(v)

    # Initial guess from two lumps of cash: the early block (sign of the first flow) and the late.
    t = np.arange(v.shape[1])
    first_sign = np.sign(v[np.arange(m), np.argmax(v != 0, axis=1)])
    mag = np.abs(v)
    early = np.sign(v) == first_sign[:, None]
    late = np.sign(v) == -first_sign[:, None]
    a_early = (mag * early).sum(axis=1)
    a_late = (mag * late).sum(axis=1)
    t_early = (mag * early * t).sum(axis=1) / a_early
    t_late = (mag * late * t).sum(axis=1) / a_late
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        x0 = np.exp((np.log(a_early) - np.log(a_late)) / (t_late - t_early))

    # Newton on the active rows only (coefficients by column: contiguous in Horner's loop).
    c_t = np.ascontiguousarray(c.T)
    x = np.full(m, np.nan)
    settled = np.zeros(m, dtype=bool)
    active = np.arange(m)
    xa = x0
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        for _ in range(_NEWTON_MAXITER):
            p, dp = _horner_with_derivative(c_t[:, active], xa)
            x_new = xa - p / dp
            bad = ~np.isfinite(x_new) | (x_new <= 0)
            done = ~bad & (np.abs(x_new - xa) <= _NEWTON_XTOL * x_new)
            x[active[done]] = x_new[done]
            settled[active[done]] = True
            keep = ~bad & ~done
            active, xa = active[keep], x_new[keep]
            if active.size == 0:
                break
        # Guard: a settled Newton iterate must be a root to rounding, not a flat spot.
        idx = np.flatnonzero(settled)
        p, _ = _horner_with_derivative(c_t[:, idx], x[idx])
        size, _ = _horner_with_derivative(np.abs(c_t[:, idx]), x[idx])
        settled[idx[~(np.abs(p) <= 1e-9 * size)]] = False
        rate = 1.0 / x - 1.0

    # Bracketing fallback for the rest.
    rest = np.flatnonzero(~settled)
    if rest.size:
        u_lo, u_hi = _root_bounds_u(c[rest], d[rest])
        g_lo = _eval_scaled(c[rest], rc[rest], u_lo)
        u = _bisect_u(c[rest], rc[rest], u_lo, u_hi, g_lo)
        rate[rest] = np.expm1(-u)
    return rate


def _horner_at(a_t: np.ndarray, row: np.ndarray, z: np.ndarray) -> np.ndarray:
    """sum_j a_t[j, row] * z**j, one point per entry: a_t (K, M) by column, row and z (N,)."""
    acc = a_t[-1, row]
    for k in range(a_t.shape[0] - 2, -1, -1):
        acc *= z
        acc += a_t[k, row]
    return acc


def _horner_d_at(a_t: np.ndarray, row: np.ndarray, z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """P and P' as in :func:`_horner_at`."""
    p = a_t[-1, row]
    dp = np.zeros_like(p)
    for k in range(a_t.shape[0] - 2, -1, -1):
        dp *= z
        dp += p
        p = p * z + a_t[k, row]
    return p, dp


def _horner_grid(a_t: np.ndarray, z: np.ndarray, with_derivative: bool = False):
    """P (and P') of every row of a_t (K, M) at every point of one grid z (G,): (M, G) arrays."""
    p = np.repeat(a_t[-1][:, None], z.size, axis=1)
    dp = np.zeros_like(p) if with_derivative else None
    for k in range(a_t.shape[0] - 2, -1, -1):
        if with_derivative:
            dp *= z
            dp += p
        p *= z
        p += a_t[k][:, None]
    return (p, dp) if with_derivative else p


class _Poly(NamedTuple):
    """P(z) = sum_j a_j z**j per row, for z in (0, 1], with what certifies its roots.

    Coefficients are stored by column (``a_t`` is (K, M)) for Horner's loop. On a cell
    [za, zb] in (0, 1], |P''| <= B2(zb), where B2 is P'' with absolute coefficients (increasing
    in z). ``err_p`` and ``err_d`` bound the rounding of Horner's rule for P and P' (Higham,
    Accuracy and Stability of Numerical Algorithms, 2nd ed., section 5.1:
    |error| <= gamma_2K * sum |a_j| z**j, with z <= 1).
    """

    a_t: np.ndarray
    b2_t: np.ndarray
    err_p: np.ndarray
    err_d: np.ndarray

    @classmethod
    def of(cls, a: np.ndarray, d: np.ndarray) -> _Poly:
        k = a.shape[1]
        j = np.arange(k)
        b2 = (np.abs(a) * j * (j - 1))[:, 2:] if k > 2 else np.zeros((a.shape[0], 1))
        gamma = 4.0 * (d + 1) * _EPS  # per row, by its own degree d
        # Sums column by column, so the zero padding of a batch changes no bit.
        size_p = np.zeros(a.shape[0])
        size_d = np.zeros(a.shape[0])
        for col in range(k):
            size_p += np.abs(a[:, col])
            size_d += col * np.abs(a[:, col])
        err_p, err_d = gamma * size_p, gamma * size_d
        return cls(np.ascontiguousarray(a.T), np.ascontiguousarray(b2.T), err_p, err_d)


def _certify(err_p, err_d, za, zb, pa, da, b2b):
    """Classify cells [za, zb] of P: (root_free, monotone) boolean arrays.

    Taylor at za: P(za + t) = P(za) + P'(za) t + R, |R| <= B2(zb) t**2 / 2 for t in [0, width].
    Root-free: the linear part stays further from 0 than the remainder (plus rounding ``err_p``).
    Monotone: |P'(za)| exceeds B2(zb) * width (plus rounding ``err_d``), so P' has no zero.
    """
    width = zb - za
    pb_lin = pa + da * width
    away = np.where(pa * pb_lin > 0, np.minimum(np.abs(pa), np.abs(pb_lin)), 0.0)
    curvature = b2b * width
    root_free = away - err_p > 0.5 * curvature * width
    monotone = np.abs(da) - err_d > curvature
    return root_free, monotone


def _isolate(poly: _Poly, z_low: np.ndarray, p_at_one: np.ndarray, ambiguous: np.ndarray):
    """Brackets, each holding exactly one root of P in [z_low, 1], for every row.

    A grid uniform in log z (step ``_GRID_STEP_U``) cuts [z_low, 1] into cells (at least
    ``_GRID_MIN``), and
    :func:`_certify` proves each cell root-free, or monotone (P' has no zero: one root if P
    changes sign across the cell, none otherwise). A cell that is neither is cut into ``_SPLIT``
    and tested again. A row is marked ``ambiguous`` and left to ``np.roots`` when a cell stays
    uncertified down to a relative width of ``_MIN_CELL``, or with |P| at both ends within
    ``_NOISE`` rounding bounds of 0 (a tangent or nearly double root, or a complex pair next to
    the real axis), or when more than ``_MAX_CELLS_PER_ROW`` cells are uncertain at once.

    ``p_at_one`` is P(1), given so that both halves (x <= 1 and 1/x <= 1) see the same sign at
    x = 1. Returns (row, za, zb, P(za), P(zb)) of the brackets; a root exactly at a grid point
    counts in the cell to its left.
    """
    m = p_at_one.size
    parts: list[tuple[np.ndarray, ...]] = []
    # Grid points z_k = exp(-k h), k = 0..n_row, the same lattice for every row (so a row's cells
    # do not depend on the other rows of the batch); rows in order of n_row, chunked by memory.
    n_row = np.ceil(-np.log(np.maximum(z_low, np.finfo(float).tiny)) / _GRID_STEP_U).astype(
        np.int64
    )
    n_row = np.maximum(n_row, _GRID_MIN)
    order = np.argsort(n_row, kind="stable")
    start = 0
    while start < m:
        # As many rows as fit in _GRID_CHUNK points at the longest grid among them.
        size = max(1, _GRID_CHUNK // int(n_row[order[start]] + 1))
        size = max(1, _GRID_CHUNK // int(n_row[order[min(start + size, m) - 1]] + 1))
        rows = order[start : start + size]
        start += size
        n = int(n_row[rows].max())
        z = np.exp(-_GRID_STEP_U * np.arange(n, -1, -1))  # ascending, z[-1] = 1
        p, dp = _horner_grid(poly.a_t[:, rows], z, with_derivative=True)
        p[:, -1] = p_at_one[rows]
        b2 = _horner_grid(poly.b2_t[:, rows], z[1:])
        free, _ = _certify(
            poly.err_p[rows, None], poly.err_d[rows, None], z[:-1], z[1:], p[:, :-1], dp[:, :-1], b2
        )
        # Cells left of a row's own lattice start are not its cells: drop them.
        free |= np.arange(n) < (n - n_row[rows])[:, None]
        i, j = np.nonzero(~free)
        parts.append((rows[i], z[j], z[j + 1], p[i, j], p[i, j + 1], dp[i, j], b2[i, j]))
    row, za, zb, pa, pb, da, b2b = (np.concatenate(x) for x in zip(*parts, strict=True))

    brackets: list[tuple[np.ndarray, ...]] = []
    inner = np.arange(1, _SPLIT) / _SPLIT
    for level in range(_MAX_LEVELS + 1):
        keep = ~ambiguous[row]
        if level:  # grid cells were filtered already
            free, _ = _certify(poly.err_p[row], poly.err_d[row], za, zb, pa, da, b2b)
            keep &= ~free
        row, za, zb, pa, pb, da, b2b = (x[keep] for x in (row, za, zb, pa, pb, da, b2b))
        if row.size == 0:
            break
        _, mono = _certify(poly.err_p[row], poly.err_d[row], za, zb, pa, da, b2b)
        sa = np.sign(pa)
        one_root = mono & (sa != 0) & (sa != np.sign(pb))
        brackets.append((row[one_root], za[one_root], zb[one_root], pa[one_root], pb[one_root]))

        unsure = ~mono
        row, za, zb, pa, pb, da, b2b = (x[unsure] for x in (row, za, zb, pa, pb, da, b2b))
        if row.size == 0:
            break
        if level == _MAX_LEVELS:
            ambiguous[row] = True
            break
        # Give up on a row when a cell is down to rounding: too narrow, or |P| at both ends
        # within rounding noise; or when too many cells stay uncertain.
        noise = np.maximum(np.abs(pa), np.abs(pb)) <= _NOISE * poly.err_p[row]
        ambiguous[row[(zb - za <= _MIN_CELL * zb) | noise]] = True
        ambiguous[np.flatnonzero(np.bincount(row, minlength=m) > _MAX_CELLS_PER_ROW)] = True
        live = ~ambiguous[row]
        row, za, zb, pa, pb, da, b2b = (x[live] for x in (row, za, zb, pa, pb, da, b2b))
        if row.size == 0:
            break

        # Cut each uncertain cell into _SPLIT sub-cells, reusing the values at its ends.
        n_cut = row.size
        zi = za[:, None] + (zb - za)[:, None] * inner
        rep = np.repeat(row, _SPLIT - 1)
        pi, di = _horner_d_at(poly.a_t, rep, zi.ravel())
        bi = _horner_at(poly.b2_t, rep, zi.ravel())
        pi, di, bi = (x.reshape(n_cut, _SPLIT - 1) for x in (pi, di, bi))
        row = np.repeat(row, _SPLIT)
        za = np.concatenate([za[:, None], zi], axis=1).ravel()
        zb = np.concatenate([zi, zb[:, None]], axis=1).ravel()
        pa, pb = (
            np.concatenate([pa[:, None], pi], axis=1).ravel(),
            np.concatenate([pi, pb[:, None]], axis=1).ravel(),
        )
        da = np.concatenate([da[:, None], di], axis=1).ravel()
        b2b = np.concatenate([bi, b2b[:, None]], axis=1).ravel()

    if not brackets:
        return (np.zeros(0, np.intp),) + (np.zeros(0),) * 4
    return tuple(np.concatenate(x) for x in zip(*brackets, strict=True))


def _illinois_z(poly: _Poly, row, za, zb, pa, pb) -> np.ndarray:
    """Vectorised Illinois (regula falsi with halving) on brackets [za, zb] holding one root.

    P(za) = pa != 0 and P(zb) = pb of the other sign or 0. Each step keeps a bracket; the
    halving of the stale end makes convergence superlinear (Dowell and Jarratt, BIT 11, 1971).
    Stops when the estimate moves by less than 2 ulp; bisection takes over a bracket that has
    not converged in 60 steps.
    """
    za, zb, fa, fb = za.copy(), zb.copy(), pa.copy(), pb.copy()
    z = np.where(fb == 0, zb, 0.5 * (za + zb))
    side = np.zeros(za.size, dtype=np.int8)  # which end moved last: -1 a, +1 b
    active = np.flatnonzero(fb != 0)
    for _ in range(60):
        if active.size == 0:
            break
        a, b, fa_, fb_ = za[active], zb[active], fa[active], fb[active]
        z_new = (a * fb_ - b * fa_) / (fb_ - fa_)
        z_new = np.clip(z_new, a, b)
        f_new = _horner_at(poly.a_t, row[active], z_new)
        moved = np.abs(z_new - z[active]) > 2.0 * _EPS * z_new
        z[active] = z_new
        same_as_a = np.sign(f_new) == np.sign(fa_)
        last = side[active]
        # New point replaces the end with the same sign; halve the other end's value if that
        # end was also the one kept last time (the Illinois step).
        za[active] = np.where(same_as_a, z_new, a)
        fa[active] = np.where(same_as_a, f_new, np.where(last == 1, fa_ * 0.5, fa_))
        zb[active] = np.where(same_as_a, b, z_new)
        fb[active] = np.where(same_as_a, np.where(last == -1, fb_ * 0.5, fb_), f_new)
        side[active] = np.where(same_as_a, -1, 1)
        done = (f_new == 0) | ~moved | (zb[active] - za[active] <= 2.0 * _EPS * zb[active])
        active = active[~done]
    if active.size:
        sa = np.sign(fa[active])
        z[active] = _bisect_z(poly, row[active], za[active], zb[active], sa)
    return z


def _bisect_z(
    poly: _Poly, row: np.ndarray, za: np.ndarray, zb: np.ndarray, sa: np.ndarray
) -> np.ndarray:
    """Vectorised bisection of P on brackets [za, zb] with sign(P(za)) = sa != 0."""
    za, zb = za.copy(), zb.copy()
    active = np.arange(za.size)
    for _ in range(200):
        active = active[zb[active] - za[active] > 2.0 * _EPS * zb[active]]
        if active.size == 0:
            break
        mid = 0.5 * (za[active] + zb[active])
        s_mid = np.sign(_horner_at(poly.a_t, row[active], mid))
        hit = s_mid == 0
        za[active] = np.where((s_mid == sa[active]) | hit, mid, za[active])
        zb[active] = np.where((s_mid == sa[active]) & ~hit, zb[active], mid)
    return 0.5 * (za + zb)


def _irr_several_sign_changes(
    v: np.ndarray, hurdle: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[list[float]] | None]:
    """All IRRs of each row of (M, n) flows with two or more sign changes, isolated with proof.

    The positive roots of p~(x) lie in (0, 1] as roots x of the deflated coefficients ``c``
    (rates >= 0) or in (0, 1] as roots y = 1/x of the reversed coefficients ``rc`` (rates < 0),
    above the Cauchy bounds. :func:`_isolate` brackets each root on both halves with a grid that
    is refined only where needed; all brackets of all rows are then refined at once by the
    Illinois method. A bracket holds one simple root (p is monotone across it), so the sign of p
    at its end tells whether NPV falls through zero there. Rows where the answer hinges on
    rounding (a tangent or nearly double root) go to ``np.roots`` (see
    :func:`_np_roots_crossings`). :func:`_choose` then picks the IRR; ``hurdle`` (M,) defaults
    to 0.

    Returns the rate (NaN if none), the reason code, the multiple flag and, for a single row,
    every root sorted (None for more rows).
    """
    m = v.shape[0]
    hurdle = np.zeros(m) if hurdle is None else hurdle
    c, rc, d, scale = _deflate(v)
    u_lo, u_hi = _root_bounds_u(c, d)
    ambiguous = np.zeros(m, dtype=bool)
    p_at_one = v.sum(axis=1) / scale  # exact for whole-number flows: a root at rate 0 is kept

    found_row, found_rate, found_falls = [], [], []
    for half, coef, z_low, rate_of in (
        (0, c, np.exp(u_lo), lambda z: 1.0 / z - 1.0),  # z = x in (0, 1]: rate >= 0
        (1, rc, np.exp(-u_hi), lambda z: z - 1.0),  # z = 1/x in (0, 1]: rate <= 0
    ):
        poly = _Poly.of(coef, d)
        row, za, zb, pa, pb = _isolate(poly, z_low, p_at_one, ambiguous)
        found_row.append(row)
        found_rate.append(rate_of(_illinois_z(poly, row, za, zb, pa, pb)))
        # p has the sign of NPV; za is the highest rate of a bracket on half 0, the lowest on 1.
        found_falls.append(pa < 0 if half == 0 else pa > 0)

    row = np.concatenate(found_row).astype(np.intp)
    rates = np.concatenate(found_rate)
    falls = np.concatenate(found_falls)
    order = np.lexsort((rates, row))
    row, rates, falls = row[order], rates[order], falls[order]
    # A root at rate 0 (x = 1) is found on both halves: keep one.
    dup = np.zeros(row.size, dtype=bool)
    dup[1:] = (row[1:] == row[:-1]) & (
        np.abs(rates[1:] - rates[:-1]) <= 1e-12 * (1.0 + np.abs(rates[1:]))
    )
    row, rates, falls = row[~dup], rates[~dup], falls[~dup]
    rate, why, multiple = _choose(m, row, rates, falls, hurdle)

    roots = None
    if m == 1:
        roots = [rates.tolist()]
    for k in np.flatnonzero(ambiguous):
        found, crossing, distinct = _np_roots_crossings(v[k])
        rate[k : k + 1], why[k : k + 1], multiple[k : k + 1] = _choose(
            1, np.zeros(distinct.size, dtype=np.intp), distinct, crossing > 0, hurdle[k : k + 1]
        )
        if roots is not None:
            roots[k] = found
    return rate, why, multiple, roots


def _np_roots_crossings(row: np.ndarray) -> tuple[list[float], np.ndarray, np.ndarray]:
    """The IRRs of one series by ``np.roots`` and how NPV crosses zero at each distinct one.

    The sign of NPV is taken between neighbouring roots (at the geometric mean of their
    x = 1/(1 + rate)) and beyond the outer ones (x doubled or halved). Neighbours between which
    that sign is not proved (|p| within the rounding bound of Horner's rule) are one root: a
    double root that rounding split, or two roots closer than the flows can tell apart. Each
    distinct root gets +1 where NPV falls through zero as the rate rises (NPV > 0 below it,
    < 0 above), -1 where it rises, 0 where it touches zero and turns back (not a crossing).
    Returns every root as ``np.roots`` gives it (sorted), the crossings and the distinct roots
    (the middle one of each group).
    """
    found = _roots_by_np_roots(row)
    if not found:
        return found, np.zeros(0, dtype=np.int8), np.zeros(0)
    x = 1.0 / (1.0 + np.array(found))  # descending: rates ascending
    points = np.concatenate([[2.0 * x[0]], np.sqrt(x[:-1] * x[1:]), [0.5 * x[-1]]])
    sign = np.array([_npv_sign_at_x(row, z) for z in points])
    # Groups of roots: cut where the sign between two neighbours is proved.
    cut = np.flatnonzero(sign[1:-1] != 0) + 1
    groups = np.split(np.arange(len(found)), cut)
    distinct = np.array([found[g[len(g) // 2]] for g in groups])
    below = sign[[g[0] for g in groups]]
    above = sign[[g[-1] + 1 for g in groups]]
    crossing = np.where((below > 0) & (above < 0), 1, np.where((below < 0) & (above > 0), -1, 0))
    return found, crossing.astype(np.int8), distinct


def _npv_sign_at_x(row: np.ndarray, x: float) -> int:
    """Sign of sum_t row_t x**t where it exceeds the rounding bound of Horner's rule, else 0.

    Evaluated as p(x) / max(1, x)**(n-1) (the same sign, no overflow); the bound is
    gamma_2n sum |row_t| y**t with y = min(x, 1/x) (Higham, section 5.1), doubled.
    """
    c = row if x <= 1.0 else row[::-1]
    y = x if x <= 1.0 else 1.0 / x
    acc = size = 0.0
    for coef in c[::-1]:
        acc = acc * y + coef
        size = size * y + abs(coef)
    bound = 2.0 * (2 * len(row) * _EPS / (1.0 - 2 * len(row) * _EPS)) * size
    return int(np.sign(acc)) if abs(acc) > bound else 0


# --------------------------------------------------------------------------- IRR by Descartes cells
# Rows with several sign changes are first decided by Descartes' rule of signs on a few fixed
# cells (_irr_screened): one exact integer product gives every cell's transformed coefficients
# for all rows at once. Only the rows it cannot decide go to the grid isolation above.
#
# z in (0, 1] on two halves: half 0 is z = x = 1/(1+r) (rates >= 0) with the polynomial
# P0(z) = sum_t c_t z**t; half 1 is z = 1/x = 1 + r (rates <= 0) with P1(z) = sum_t c_t z**(d-t).
# A cell [za, zb] of a half is tested on Q(y) = (1 + y)**d P((za + zb y) / (1 + y)), whose
# positive roots y are the roots of P in (za, zb): by Descartes' rule their number is at most
# the sign changes of Q's coefficients and has the same parity. Q's first and last coefficients
# are P(za) and P(zb). So a cell whose coefficients are proved of one sign holds no root, and one
# whose signs change once (proved) holds exactly one, a simple root.

_S_BITS = 22  # bits of each slice of the cell matrices (see _Cell)
_SCREEN_MAX_DEGREE = 33  # ternary sign codes stay exact: 3**34 < 2**53
# Top cells [p/2**j, q/2**j] of (half, p, q, j). Cell edges are dyadic, so exact in floating
# point; z = 1/2 on half 1 (a rate of -50 %, below which a root is an artefact) is an edge, so
# every cell, and every part cut from one, lies wholly above or wholly below it.
_TOP_CELLS = (
    (0, 29, 32, 5),  # rates [0, 10.3 %]
    (1, 29, 32, 5),  # rates [-9.4 %, 0]
    (1, 24, 29, 5),  # rates [-25 %, -9.4 %]
    (0, 0, 29, 5),  # rates [10.3 %, inf)
    (1, 16, 24, 5),  # rates [-50 %, -25 %]
    (1, 0, 16, 5),  # rates (-100 %, -50 %]: artefact roots only
)
_SPLIT_BITS = 3  # an undecided cell is cut into 2**_SPLIT_BITS equal cells, tested at once
_SPLIT_DEPTH = 3  # cuts of an undecided top cell before its row goes to the grid path
_MAX_PACKS = 256  # matrices of cut cells kept per degree (a cache: about 60 kB each)
_SCREEN_ROWS = 2048  # rows screened at once (cache)
_BLOCK = 64  # rows per product: 64 * 105 * 21 stays under OpenBLAS's threading threshold
_IRR_CHUNK = 16384  # rows of an irr() call handled at once (temporaries stay small)
_NEWTON_S_MAXITER = 60
_STEP_DONE = 1e-8  # a Newton step below this (relative) is the last: the error is ~its square
_ARTEFACT_Z = 0.5  # z = 1 + rate on half 1 at the artefact bound (rate -50 %)
_LOCK = threading.Lock()  # cells are built once, on first use


class _Workspace(threading.local):
    """Scratch arrays kept between calls, one set per thread: large temporaries allocated
    afresh on every call cost page faults that are a good part of the run time."""

    def __init__(self):
        self.buffers: dict[str, np.ndarray] = {}

    def get(self, name: str, shape: tuple) -> np.ndarray:
        size = math.prod(shape)
        buf = self.buffers.get(name)
        if buf is None or buf.size < size:
            buf = self.buffers[name] = np.empty(size)
        return buf[:size].reshape(shape)


_WS = _Workspace()


def _t_bits(d: int) -> int:
    """Bits kept of each flow: (d + 1) products of t-bit and s-bit integers stay below 2**53."""
    return 53 - _S_BITS - d.bit_length()


class _Cell(NamedTuple):
    """Descartes' test of one cell [za, zb] of one half, for polynomials of degree d.

    M (d+1, d+1) is the exact matrix taking the flows c (ascending powers, scaled to |c| < 1) to
    the coefficients of Q. ``b1`` holds M / sigma_k rounded to integers of at most _S_BITS bits
    (sigma_k a power of 2 for column k) and ``b2`` the next _S_BITS bits. With the flows rounded
    to t bits, integers again, ``c_hat @ b1`` is computed exactly, so it is the same whatever the
    BLAS blocking and the batch, and so is every decision taken on it. ``|q| >= 2**thr_exp``
    (one slice) or ``|q| * inv_thr2 >= 1`` (two slices of flows and matrix, four products)
    proves the sign of a coefficient of Q for the flows c: the thresholds bound the rounding of
    the flows and of M (see :func:`_build_cell`).
    """

    b1: np.ndarray
    b2: np.ndarray
    thr_exp: np.ndarray  # one slice: 2**thr_exp bounds the rounding, in units of c_hat @ b1
    inv_thr2: np.ndarray
    beta: np.ndarray  # sigma_k / binom(d, k): a Bernstein coefficient per unit of q (a guess)
    half: int
    za: float
    zb: float
    rmin: float  # least |rate| in the cell
    rmax: float  # largest |rate| in the cell (inf for the cell at z = 0 of half 0)
    key: tuple  # (half, p, q, j)


def _round_shift(x: int, shift: int) -> int:
    """x / 2**shift rounded to an integer (exact when shift <= 0)."""
    return (x + (1 << (shift - 1))) >> shift if shift > 0 else x << -shift


def _build_cell(d: int, half: int, p: int, q: int, j: int) -> _Cell:
    """The cell [p/2**j, q/2**j] of ``half`` for degree d, in exact integer arithmetic."""
    while j > 0 and p % 2 == 0 and q % 2 == 0:
        p, q, j = p // 2, q // 2, j - 1
    t_bits = _t_bits(d)
    # R_t(y) = (p + q y)**t (1 + y)**(d - t): coefficient k of Q is sum_t c_t R_t[k] / 2**(j t)
    # for half 0, and sum_t c_t R_{d-t}[k] / 2**(j (d - t)) for half 1.
    r = [math.comb(d, k) for k in range(d + 1)]
    rows = [r]
    for _ in range(d):
        quot, acc = [], 0
        for k in range(d):  # divide by (1 + y): exact
            acc = r[k] - acc
            quot.append(acc)
        r = [0] * (d + 1)
        for k, s in enumerate(quot):  # multiply by (p + q y)
            r[k] += p * s
            r[k + 1] += q * s
        rows.append(r)
    if half == 1:
        rows = rows[::-1]
    scale = [j * (d - t if half == 0 else t) for t in range(d + 1)]  # to the denominator 2**(j d)
    b1, b2 = np.zeros((d + 1, d + 1)), np.zeros((d + 1, d + 1))
    thr_exp, inv_thr2, beta = np.zeros(d + 1, dtype=int), np.zeros(d + 1), np.zeros(d + 1)
    for k in range(d + 1):
        x = [rows[t][k] << scale[t] for t in range(d + 1)]  # column k of M, times 2**(j d)
        size = sum(abs(v) for v in x)
        shift = (max(abs(v) for v in x) - 1).bit_length() - _S_BITS  # sigma_k = 2**(shift - j d)
        h1 = [_round_shift(v, shift) for v in x]
        r1 = [v - (h << shift) if shift > 0 else 0 for v, h in zip(x, h1, strict=True)]
        unit = shift - _S_BITS
        h2 = [_round_shift(v, unit) for v in r1]
        r2 = [v - (h << unit) if unit > 0 else 0 for v, h in zip(r1, h2, strict=True)]
        b1[:, k], b2[:, k] = h1, h2
        # Bounds on |exact coefficient - computed one|, in units of one unit of c_hat @ b1
        # (sigma_k 2**-t): from |c - c_hat 2**-t| <= 2**-(t+1) (two slices: 2**-(2t+1)) times
        # sum |M|, plus (1 + that) times sum |M - b sigma|; with two slices, 4 eps times sum |M|
        # more for the floating-point sum of the four exact products.
        # (Integers over powers of 2; their conversion to float is within an ulp, and the bounds
        # are widened by 2**-20.)
        one = size + ((1 << (t_bits + 1)) + 1) * sum(map(abs, r1))  # over 2**(shift + 1)
        two = (  # over 2**(shift + t + 1); 2 t >= 50 for every degree screened
            size + ((1 << (2 * t_bits + 1)) + 1) * sum(map(abs, r2)) + (size << (2 * t_bits - 50))
        )
        thr_exp[k] = math.frexp(math.ldexp(float(one), -shift - 1) * (1.0 + 2.0**-20))[1]
        inv_thr2[k] = 1.0 / (math.ldexp(float(two), -shift - t_bits - 1) * (1.0 + 2.0**-20))
        beta[k] = 2.0**shift / math.comb(d, k)
    return _Cell(b1, b2, thr_exp, inv_thr2, beta, *_geometry(half, p, q, j), (half, p, q, j))


def _geometry(half: int, p: int, q: int, j: int) -> tuple[int, float, float, float, float]:
    """half, za, zb and the least and largest |rate| of the cell [p/2**j, q/2**j] of ``half``."""
    za, zb = p / 2.0**j, q / 2.0**j
    if half == 0:  # z = x = 1/(1+r): rates [1/zb - 1, 1/za - 1]
        return half, za, zb, 1.0 / zb - 1.0, (1.0 / za - 1.0 if za > 0 else np.inf)
    return half, za, zb, 1.0 - zb, 1.0 - za  # z = 1/x = 1 + r: rates [za - 1, zb - 1]


class _Registry:
    """The cells of one degree met so far, by id: their geometry, stacked for gathers, and the
    matrices of their parts (:class:`_Parts`, built when first needed; the least recently used
    are dropped beyond ``_MAX_PACKS``: a cache, rebuilt the same)."""

    _FIELDS = ("half", "za", "zb", "rmin", "rmax")

    def __init__(self, d: int):
        self.d = d
        self.keys: list[tuple] = []
        self.ids: dict[tuple, int] = {}
        self.parts: OrderedDict[int, _Parts] = OrderedDict()
        self.size = 0
        self._grow(64)

    def _grow(self, capacity: int) -> None:
        for name in self._FIELDS:
            arr = np.zeros(capacity, dtype=np.intp if name == "half" else float)
            if self.size:
                arr[: self.size] = getattr(self, name)[: self.size]
            setattr(self, name, arr)

    def id_of(self, half: int, p: int, q: int, j: int) -> int:
        """Id of the cell [p/2**j, q/2**j] of ``half``, added if new (call with _LOCK held)."""
        while j > 0 and p % 2 == 0 and q % 2 == 0:
            p, q, j = p // 2, q // 2, j - 1
        key = (half, p, q, j)
        found = self.ids.get(key)
        if found is not None:
            return found
        if self.size == self.za.size:
            self._grow(2 * self.size)
        i = self.size
        for name, value in zip(self._FIELDS, _geometry(*key), strict=True):
            getattr(self, name)[i] = value
        self.keys.append(key)
        self.ids[key] = i
        self.size += 1
        return i

    def parts_of(self, i: int) -> _Parts:
        """Cell i cut into 2**_SPLIT_BITS equal cells, their matrices side by side."""
        with _LOCK:
            parts = self.parts.get(i)
            if parts is not None:
                self.parts.move_to_end(i)
                return parts
            n = 1 << _SPLIT_BITS
            half, p, q, j = self.keys[i]
            edges = [(p << _SPLIT_BITS) + k * (q - p) for k in range(n + 1)]
            cells = [
                _build_cell(self.d, half, a, b, j + _SPLIT_BITS)
                for a, b in zip(edges, edges[1:])
            ]
            parts = _Parts(
                np.array([self.id_of(*c.key) for c in cells], dtype=np.intp),
                np.hstack([c.b1 for c in cells]),
                np.hstack([c.b2 for c in cells]),
                np.concatenate([c.thr_exp for c in cells]),
                np.concatenate([c.inv_thr2 for c in cells]),
                np.vstack([c.beta for c in cells]),
                np.array([c.za for c in cells]),
                np.array([c.zb for c in cells]),
            )
            self.parts[i] = parts
            if len(self.parts) > _MAX_PACKS:
                self.parts.popitem(last=False)
            return parts


class _Parts(NamedTuple):
    """The equal parts of a cell, to test them all with one product (one slice, then two)."""

    ids: np.ndarray  # (n,) registry ids
    b1: np.ndarray  # (d+1, n (d+1))
    b2: np.ndarray
    thr_exp: np.ndarray  # (n (d+1),)
    inv_thr2: np.ndarray
    beta: np.ndarray  # (n, d+1)
    za: np.ndarray  # (n,)
    zb: np.ndarray


class _Top(NamedTuple):
    """The top cells of one degree side by side: all their coefficients from one product."""

    reg: _Registry
    cells: tuple  # the top cells (_Cell), in the order of _TOP_CELLS
    ids: np.ndarray  # their registry ids
    # (n_cells (d+1), d+1): the b1 of the cells, each column times 2**-thr_exp (exact), so that
    # |q| >= 1 proves a sign; transposed, stacked.
    b_all_t: np.ndarray
    weights: np.ndarray  # (n_cells, n_cells (d+1)): 3**k on each cell's block (sign codes)
    beta: np.ndarray  # (n_cells, d+1), for those scaled coefficients
    za: np.ndarray  # (n_cells,)
    zb: np.ndarray


_TOPS: dict[int, _Top] = {}


def _top(d: int) -> _Top:
    top = _TOPS.get(d)
    if top is not None:
        return top
    with _LOCK:
        if d not in _TOPS:
            reg = _Registry(d)
            cells = [_build_cell(d, *spec) for spec in _TOP_CELLS]
            ids = np.array([reg.id_of(*c.key) for c in cells], dtype=np.intp)
            n, k = len(cells), d + 1
            weights = np.zeros((n, n * k))
            for i in range(n):
                weights[i, i * k : (i + 1) * k] = 3.0 ** np.arange(k)
            _TOPS[d] = _Top(
                reg,
                tuple(cells),
                ids,
                np.ascontiguousarray(np.hstack([np.ldexp(c.b1, -c.thr_exp) for c in cells]).T),
                weights,
                np.vstack([np.ldexp(c.beta, c.thr_exp) for c in cells]),
                np.array([c.za for c in cells]),
                np.array([c.zb for c in cells]),
            )
    return _TOPS[d]


class _Codes(NamedTuple):
    """The sign patterns that are decided, by their ternary code sum_k s_k 3**k (s_k in -1, 0,
    1): all one sign (no sign change), or one sign change, possibly over one unknown sign. A
    hash table: the pattern with code c, if any, is at slot c mod ``modulus``."""

    modulus: int
    code: np.ndarray  # at each slot (NaN where none)
    n_changes: np.ndarray  # 0 or 1
    k1: np.ndarray  # last index of the first sign (one change)
    k2: np.ndarray  # first index of the other sign: k1 + 1, or k1 + 2 over an unknown sign
    s0: np.ndarray  # the first sign, that of P(za)


@functools.lru_cache(maxsize=None)
def _codes(d: int) -> _Codes:
    full = (3 ** (d + 1) - 1) // 2
    rows = [(full, 0, 0, 0, 1), (-full, 0, 0, 0, -1)]
    for a in range(1, d + 1):
        low = (3**a - 1) // 2  # + on 0..a-1
        rows.append((low - (full - low), 1, a - 1, a, 1))  # - on a..d
        if a < d:
            rows.append((low - (full - (3 ** (a + 1) - 1) // 2), 1, a - 1, a + 1, 1))  # - on a+1..d
    rows += [(-c, v, k1, k2, -s) for c, v, k1, k2, s in rows[2:]]
    modulus = 2 * len(rows)
    while len({c % modulus for c, *_ in rows}) < len(rows):
        modulus += 1
    code = np.full(modulus, np.nan)
    n_changes, s0 = np.zeros(modulus, dtype=np.int8), np.zeros(modulus, dtype=np.int8)
    k1s, k2s = np.zeros(modulus, dtype=np.intp), np.zeros(modulus, dtype=np.intp)
    for c, v, k1, k2, s in rows:
        i = c % modulus
        code[i], n_changes[i], k1s[i], k2s[i], s0[i] = c, v, k1, k2, s
    return _Codes(modulus, code, n_changes, k1s, k2s, s0)


def _classify(code: np.ndarray, d: int):
    """Sign changes (0, 1, or 2 for undecided), k1, k2 and s0 of sign-pattern codes."""
    tab = _codes(d)
    i = np.remainder(code, tab.modulus).astype(np.intp)  # exact: codes are integers
    hit = tab.code[i] == code
    v = np.where(hit, tab.n_changes[i], np.int8(2))
    return v, tab.k1[i], tab.k2[i], tab.s0[i]


def _guess(bern, k1, k2, za, zb, d):
    """A start for Newton in (za, zb): where the Bernstein control polygon crosses 0 between its
    points k1 and k2, moved by the first correction of the Bernstein operator,
    P(u) ~ g(u) + g''(u) u (1 - u) / (2 d) with g through the control points (second
    differences at k1 and k2; none at the ends). ``bern(i)`` gives each entry's Bernstein
    coefficient i (up to a positive factor per entry)."""
    b1, b2 = bern(k1), bern(k2)
    inner = (k1 > 0) & (k2 < d)
    d2 = (bern(np.minimum(k2, d - 1) + 1) - b2 + bern(np.maximum(k1, 1) - 1) - b1
          - (b2 - b1) * (k2 - k1 - 1)) / 2  # fmt: skip
    with np.errstate(divide="ignore", invalid="ignore"):
        u = k1 + (k2 - k1) * (b1 / (b1 - b2))  # the control polygon's root, in steps of 1/d
        u -= np.where(inner, d2 * (u / d) * (d - u) / (2.0 * (b2 - b1) / (k2 - k1)), 0.0)
        u = np.clip(u, k1, k2) / d
    return za + (zb - za) * u


def _newton_in(coef_t: np.ndarray, za, zb, sa, z0) -> np.ndarray:
    """The root of each column's polynomial in (za, zb), where it is the only root and P(za) has
    the sign ``sa``: Newton from z0, kept inside a shrinking bracket (bisection when it steps out).

    coef_t (K, P): coefficients of ascending powers by column. Element-wise work only, and a
    column's iterate is frozen once it has converged, so each root is the same bit for bit
    whatever the other columns. A Newton step below ``_STEP_DONE`` (relative) is the last: the
    root is then known to about its square.
    """
    z = z0.astype(float)  # a copy
    lo, hi, sa = za.astype(float), zb.astype(float), sa.astype(float)
    out = np.full(z.size, np.nan)
    idx = np.arange(z.size)  # columns still iterated (converged ones are dropped in batches)
    live = np.ones(z.size, dtype=bool)
    c_t = coef_t
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        for _ in range(_NEWTON_S_MAXITER):
            p, dp = _horner_with_derivative(c_t, z)
            side = p * sa  # > 0: the root is above z; < 0: below; 0: z is the root
            np.copyto(lo, z, where=side > 0)
            np.copyto(hi, z, where=side < 0)
            step = np.divide(p, dp, out=p)
            z_n = np.subtract(z, step, out=dp)
            np.abs(step, out=step)
            # A Newton step inside the bracket, or outside by rounding noise only.
            inside = (z_n > lo) & (z_n < hi)
            inside |= step <= 16.0 * _EPS * z
            move = live & (side != 0)
            done = (side == 0) | (inside & (step <= _STEP_DONE * z))
            width = np.subtract(hi, lo, out=step)
            done |= width <= 4.0 * _EPS * hi
            np.copyto(z, z_n, where=move & inside)
            np.copyto(z, 0.5 * (lo + hi), where=move & ~inside)
            live &= ~done
            n_live = np.count_nonzero(live)
            if n_live == 0:
                break
            if 2 * n_live < live.size:
                out[idx] = z
                keep = np.flatnonzero(live)
                idx, z, lo, hi, sa = idx[keep], z[keep], lo[keep], hi[keep], sa[keep]
                live = live[keep]
                c_t = np.take(c_t, keep, axis=1) if keep.size > 64 else c_t[:, keep]
        out[idx] = z
    return out


class _Pairs(NamedTuple):
    """(row, cell) pairs where the cell may hold a root: v = 1 (exactly one), 2 (undecided)."""

    row: np.ndarray
    cell: np.ndarray  # registry id
    v: np.ndarray
    s0: np.ndarray  # sign of P(za) (v = 1)
    z0: np.ndarray  # start of Newton (v = 1)

    def take(self, idx) -> _Pairs:
        return _Pairs(*(x[idx] for x in self))

    @staticmethod
    def cat(parts) -> _Pairs:
        return _Pairs(*(np.concatenate(x) for x in zip(*parts, strict=True)))


def _test_parts(c1, c2, parent: np.ndarray, reg: _Registry):
    """Descartes' test of the parts of cells ``parent`` (registry ids), one per row of the flows
    given as two slices c1, c2 (P, d+1) (see :class:`_Cell`): one slice first, both for the rows
    where a part is left undecided.

    Returns, for each row and part (P * 2**_SPLIT_BITS, row by row), the part's id, v (0, 1 or
    2 = undecided), s0, the Newton start z0 (v = 1) and ``stuck`` (v = 2 with the sign of P
    unknown at an end of the part: cutting it further cannot help).
    """
    d = reg.d
    k = d + 1
    n = 1 << _SPLIT_BITS
    t_bits = _t_bits(d)
    size = parent.size * n
    ids, z0 = np.empty(size, dtype=np.intp), np.full(size, np.nan)
    v, s0 = np.empty(size, dtype=np.int8), np.empty(size, dtype=np.int8)
    stuck = np.empty(size, dtype=bool)
    pow3 = 3.0 ** np.arange(k)

    def emit(rows, parts, q, sg, beta):
        q, sg = q.reshape(rows.size, n, k), sg.reshape(rows.size, n, k)
        vv, k1, k2, ss = _classify(sg @ pow3, d)
        out = rows[:, None] * n + np.arange(n)
        ids[out], v[out], s0[out] = parts.ids, vv, ss
        stuck[out] = (vv == 2) & ((sg[:, :, 0] == 0) | (sg[:, :, d] == 0))
        i, j = np.nonzero(vv == 1)
        if i.size:
            k1, k2 = k1[i, j], k2[i, j]
            z0[out[i, j]] = _guess(
                lambda kk: q[i, j, kk] * beta[j, kk], k1, k2, parts.za[j], parts.zb[j], d
            )
        return vv

    order = np.argsort(parent, kind="stable")
    cuts = np.flatnonzero(np.diff(parent[order])) + 1
    for rows in np.split(order, cuts):
        parts = reg.parts_of(int(parent[rows[0]]))
        x1 = c1[rows]
        q = x1 @ parts.b1  # exact; |q| >= 2**thr_exp proves a sign
        sg = np.trunc(np.clip(np.ldexp(q, -parts.thr_exp), -1.0, 1.0))
        vv = emit(rows, parts, q, sg, parts.beta)
        again = np.flatnonzero((vv == 2).any(axis=1))
        if again.size:  # with two slices of flows and matrix: four exact products
            x1, x2 = x1[again], c2[rows[again]]
            q = x1 @ parts.b1
            q += np.ldexp(x2 @ parts.b1, -t_bits)
            q += np.ldexp(x1 @ parts.b2, -_S_BITS)
            q += np.ldexp(x2 @ parts.b2, -t_bits - _S_BITS)
            sg = np.trunc(np.clip(q * parts.inv_thr2, -1.0, 1.0))
            emit(rows[again], parts, q, sg, parts.beta)
    return ids, v, s0, z0, stuck


def _refine(c_t: np.ndarray, col: np.ndarray, reg: _Registry, cell, s0, z0) -> np.ndarray:
    """The rate of the single root in each cell, by :func:`_newton_in`.

    c_t (d+1, m): the flows by column; ``col`` the column of each cell's row, distinct. Newton
    runs on the flows themselves in x (z = x on half 0, z = 1/x on half 1: the bracket and start
    are mapped), except in the cell of half 1 at z = 0 (rates near -100 %, x without bound),
    where it runs in z on the flows reversed.
    """
    half, za, zb = reg.half[cell], reg.za[cell], reg.zb[cell]
    far = (half == 1) & (za == 0)
    h1 = (half == 1) & ~far
    with np.errstate(divide="ignore"):
        lo, hi = np.where(h1, 1.0 / zb, za), np.where(h1, 1.0 / za, zb)
        x0, sa = np.where(h1, 1.0 / z0, z0), np.where(h1, -s0, s0)
    near = np.flatnonzero(~far)
    rate = np.empty(col.size)
    if near.size:
        x = _newton_in(np.take(c_t, col[near], axis=1), lo[near], hi[near], sa[near], x0[near])
        with np.errstate(divide="ignore"):
            rate[near] = 1.0 / x - 1.0
    far = np.flatnonzero(far)
    if far.size:
        z = _newton_in(np.take(c_t[::-1], col[far], axis=1), za[far], zb[far], s0[far], z0[far])
        rate[far] = z - 1.0
    return rate


def _late_guess(c_t: np.ndarray, col: np.ndarray, cell: np.ndarray, reg: _Registry):
    """Newton starts for top cells (registry ids) holding one root, as :func:`_screen_degree`
    would have made them: the same exact products, one cell at a time."""
    d = reg.d
    top = _top(d)
    z0 = np.empty(col.size)
    c_hat = np.rint(np.ldexp(c_t[:, col], _t_bits(d)))
    k = d + 1
    for i in np.unique(cell).tolist():
        rows = np.flatnonzero(cell == i)
        if i not in top.ids:  # (not expected: parts of cells get their starts when tested)
            z0[rows] = 0.5 * (reg.za[i] + reg.zb[i])
            continue
        t = int(np.flatnonzero(top.ids == i)[0])
        q = (top.b_all_t[t * k : (t + 1) * k] @ c_hat[:, rows]).T  # exact
        sg = np.trunc(np.clip(q, -1.0, 1.0))
        _, k1, k2, _ = _classify(sg @ (3.0 ** np.arange(k)), d)
        at = np.arange(rows.size)
        z0[rows] = _guess(lambda kk: q[at, kk] * top.beta[t, kk], k1, k2, top.za[t], top.zb[t], d)
    return z0


def _cell_kinds(pairs: _Pairs, reg: _Registry) -> tuple[np.ndarray, np.ndarray]:
    """Per pair: whether its cell lies above the artefact bound (rates >= -50 %), and whether
    it holds one root where NPV falls through zero as the rate rises (an investment root).

    On half 0 (z = x) the cell's end za is its highest rate, so NPV falls through its root when
    P(za) < 0; on half 1 (z = 1 + rate) za is its lowest rate: NPV falls when P(za) > 0. P has
    the sign of NPV on both halves.
    """
    half = reg.half[pairs.cell]
    high = (half == 0) | (reg.za[pairs.cell] >= _ARTEFACT_Z)
    falls = (pairs.v == 1) & np.where(half == 0, pairs.s0 < 0, pairs.s0 > 0)
    return high, falls


def _decide(pairs: _Pairs, m: int, n_sign, c_t: np.ndarray, reg: _Registry, hurdle, col=None):
    """The IRR of rows 0..m-1 from their pairs (see :func:`_choose` for the rule).

    A row is decided when every cell above the artefact bound that may hold a root is known to
    hold exactly one (a simple root, whose direction is the sign of P at the cell's end), and,
    when none does, whether there is a root below the bound (a cell holding one, or an odd
    number of sign changes in the flows: the number of roots with multiplicity has their
    parity). Only the cells whose root can be the IRR are refined: the one root above the
    bound, or the investment roots of a row with several. ``col`` maps rows to the columns of
    c_t (the identity when None). Returns (rate, reason code, multiple, decided).
    """
    row, one = pairs.row, pairs.v == 1
    high, falls = _cell_kinds(pairs, reg)
    h1 = np.bincount(row[high & one], minlength=m)
    hu = np.bincount(row[high & ~one], minlength=m)
    l1 = np.bincount(row[~high & one], minlength=m)
    lu = np.bincount(row[~high & ~one], minlength=m)
    odd = n_sign % 2 == 1
    # With every cell decided the roots found must have the parity of the sign changes (a guard:
    # certified cells always do).
    parity = (hu + lu > 0) | ((h1 + l1) % 2 == odd)
    decided = (hu == 0) & ((h1 > 0) | (l1 > 0) | (lu == 0) | odd) & parity
    why = np.where(
        h1 == 0,
        np.where((l1 > 0) | (lu > 0), _ARTEFACT_ONLY, _NO_ROOT),
        np.where(h1 == 1, _OK, _MULTIPLE),
    ).astype(np.int8)
    multiple = h1 >= 2
    rate = np.full(m, np.nan)
    sel = np.flatnonzero(high & one & decided[row] & ((h1[row] == 1) | falls))
    if sel.size:
        r_row = row[sel]
        cols = r_row if col is None else col[r_row]
        z0 = pairs.z0[sel]
        late = np.flatnonzero(np.isnan(z0))
        if late.size:
            z0[late] = _late_guess(c_t, cols[late], pairs.cell[sel[late]], reg)
        r = _refine(c_t, cols, reg, pairs.cell[sel], pairs.s0[sel], z0)
        bad = ~np.isfinite(r)
        if bad.any():  # (not expected: a simple root inside a cell is finite) the grid decides
            decided[r_row[bad]] = False
        rate = _nearest(m, r_row[~bad], r[~bad], hurdle)
    why[multiple & np.isnan(rate)] = _NO_INVESTMENT_ROOT
    return rate, why, multiple, decided


def _nearest(m: int, row: np.ndarray, rate: np.ndarray, hurdle: np.ndarray) -> np.ndarray:
    """Per row 0..m-1, the rate nearest the row's hurdle among (row, rate) (a tie: the lower
    rate); NaN where the row has none."""
    out = np.full(m, np.nan)
    if row.size == 0:
        return out
    alone = np.bincount(row, minlength=m)[row] == 1
    out[row[alone]] = rate[alone]  # most rows: one candidate
    if not alone.all():
        r, x = row[~alone], rate[~alone]
        order = np.lexsort((x, np.abs(x - hurdle[r]), r))
        first = np.ones(order.size, dtype=bool)
        first[1:] = r[order[1:]] != r[order[:-1]]
        out[r[order[first]]] = x[order[first]]
    return out


def _choose(m: int, row: np.ndarray, rate: np.ndarray, falls: np.ndarray, hurdle: np.ndarray):
    """The IRR of rows 0..m-1 from all their distinct roots (row, rate, falls).

    ``falls``: NPV falls through zero there as the rate rises (an investment root). Roots below
    -50 % are artefacts: never the IRR, not counted. One root above: that root (``_OK``); none:
    NaN (``_ARTEFACT_ONLY`` if there are artefacts, else ``_NO_ROOT``); several (``multiple``):
    the investment root nearest the hurdle (``_MULTIPLE``), NaN when there is none
    (``_NO_INVESTMENT_ROOT``). Returns (rate, reason code, multiple).
    """
    high = rate >= _ARTEFACT
    n_high = np.bincount(row[high], minlength=m)
    n_low = np.bincount(row[~high], minlength=m)
    why = np.where(
        n_high == 0,
        np.where(n_low > 0, _ARTEFACT_ONLY, _NO_ROOT),
        np.where(n_high == 1, _OK, _MULTIPLE),
    ).astype(np.int8)
    cand = np.flatnonzero(high & ((n_high[row] == 1) | falls))
    out = _nearest(m, row[cand], rate[cand], hurdle)
    multiple = n_high >= 2
    why[multiple & np.isnan(out)] = _NO_INVESTMENT_ROOT
    return out, why, multiple


def _irr_screened(v_t: np.ndarray, n_sign: np.ndarray, hurdle: np.ndarray):
    """IRRs of finite flows with two or more sign changes, by Descartes' rule on fixed cells.

    ``v_t`` (n, M) holds one row of flows per column; it is overwritten. Returns the rate, the
    reason code, the multiple flag and whether the row was decided; rows not decided are left
    to :func:`_irr_several_sign_changes`.
    """
    n, m = v_t.shape
    rate = np.full(m, np.nan)
    why = np.full(m, _NO_ROOT, dtype=np.int8)
    multiple = np.zeros(m, dtype=bool)
    decided = np.zeros(m, dtype=bool)
    if m == 0:
        return rate, why, multiple, decided
    first = np.zeros(m, dtype=np.intp)
    deg = np.full(m, n - 1)
    zero_end = np.flatnonzero((v_t[0] == 0) | (v_t[-1] == 0))
    if zero_end.size:  # leading zeros (factors x**j) and trailing zeros change no root
        nz = v_t[:, zero_end] != 0
        first[zero_end] = np.argmax(nz, axis=0)
        deg[zero_end] = n - 1 - np.argmax(nz[::-1], axis=0) - first[zero_end]
    for d in np.unique(deg).tolist() if zero_end.size else [n - 1]:
        if not 2 <= d <= _SCREEN_MAX_DEGREE:
            continue
        if d == n - 1 and zero_end.size == 0:
            g, w = slice(None), v_t
        else:
            g = np.flatnonzero(deg == d)
            w = np.ascontiguousarray(v_t[first[g] + np.arange(d + 1)[:, None], g])
        # Scale each row by a power of 2 (exactly) to max |c| in [1/2, 1).
        _, e = np.frexp(np.maximum(w.max(axis=0), -w.min(axis=0)))
        c_t = np.ldexp(w, -e, out=w)
        rate[g], why[g], multiple[g], decided[g] = _screen_degree(c_t, d, n_sign[g], hurdle[g])
    return rate, why, multiple, decided


def _screen_degree(c_t: np.ndarray, d: int, n_sign: np.ndarray, hurdle: np.ndarray):
    """:func:`_irr_screened` for rows of one degree d: c_t (d+1, M), one row per column."""
    m = c_t.shape[1]
    k = d + 1
    top = _top(d)
    reg = top.reg
    n_cells = top.ids.size
    t_bits = _t_bits(d)
    full = float((3**k - 1) // 2)  # code of k positive signs
    top_high = (reg.half[top.ids] == 0) | (reg.za[top.ids] >= _ARTEFACT_Z)
    parts = []
    stuck_row = np.zeros(m, dtype=bool)
    # Products by blocks of _BLOCK rows: small enough for single-threaded BLAS (whose threads
    # only wait for one another on a busy machine).
    width = min(_SCREEN_ROWS, -(-m // _BLOCK) * _BLOCK)
    n_blocks = width // _BLOCK
    c_hat = _WS.get("c_hat", (k, width))
    blocks = c_hat.reshape(k, n_blocks, _BLOCK).transpose(1, 0, 2)  # (n_blocks, k, _BLOCK)
    q = _WS.get("q", (n_blocks, n_cells * k, _BLOCK))
    sg = _WS.get("sg", (n_blocks, n_cells * k, _BLOCK))
    code = _WS.get("code", (n_blocks, n_cells, _BLOCK))
    q_flat, sg_flat, code_flat = q.reshape(-1), sg.reshape(-1), code.reshape(-1)
    for lo in range(0, m, width):
        w = min(width, m - lo)
        np.ldexp(c_t[:, lo : lo + w], t_bits, out=c_hat[:, :w])
        np.rint(c_hat[:, :w], out=c_hat[:, :w])
        if w < width:
            c_hat[:, w:] = 0.0
        np.matmul(top.b_all_t, blocks, out=q)  # exact (integers below 2**53, times 2**-e)
        np.clip(q, -1.0, 1.0, out=sg)
        np.trunc(sg, out=sg)  # the proved signs: -1, 1, or 0 where unknown
        np.matmul(top.weights, sg, out=code)  # one code per cell (exact)
        # Cells not proved free of roots, by row, then by cell (the order of _TOP_CELLS).
        blk, pos, cell = np.nonzero((np.abs(code) != full).transpose(0, 2, 1))
        col = blk * _BLOCK + pos
        if w < width:
            inside = col < w
            blk, pos, cell, col = blk[inside], pos[inside], cell[inside], col[inside]
        if col.size == 0:
            continue
        vv, k1, k2, ss = _classify(code_flat[(blk * n_cells + cell) * _BLOCK + pos], d)
        base = (blk * (n_cells * k) + cell * k) * _BLOCK + pos  # coefficient 0 of the cell
        # Newton starts for the cells above the artefact bound holding one root (the only ones
        # that can be refined), from the same exact products.
        z0 = np.full(col.size, np.nan)
        one = np.flatnonzero((vv == 1) & top_high[cell])
        c1, b1, k1, k2 = cell[one], base[one], k1[one], k2[one]
        z0[one] = _guess(
            lambda kk: q_flat[b1 + kk * _BLOCK] * top.beta[c1, kk],
            k1, k2, top.za[c1], top.zb[c1], d,
        )  # fmt: skip
        und = np.flatnonzero(vv == 2)
        if und.size:
            bu = base[und]
            stuck = (sg_flat[bu] == 0) | (sg_flat[bu + d * _BLOCK] == 0)
            stuck_row[lo + col[und[stuck]]] = True
        parts.append((lo + col, top.ids[cell], vv, ss, z0))

    if parts:
        pairs = _Pairs.cat(parts)
    else:
        pairs = _Pairs(*(np.zeros(0, dtype=t) for t in (np.intp, np.intp, np.int8, np.int8, float)))
    rate, why, multiple, decided = _decide(pairs, m, n_sign, c_t, reg, hurdle)
    has_und = np.zeros(m, dtype=bool)
    has_und[pairs.row[pairs.v == 2]] = True
    rare = np.flatnonzero(~decided & ~stuck_row & has_und)
    if rare.size:
        rate[rare], why[rare], multiple[rare], decided[rare] = _bisect_cells(
            c_t, rare, pairs, n_sign, reg, hurdle
        )
    return rate, why, multiple, decided


def _bisect_cells(c_t, rare, pairs, n_sign, reg, hurdle):
    """Rows the top cells leave undecided: bisect their undecided cells, then decide again."""
    m = c_t.shape[1]
    n_rare = rare.size
    local = np.full(m, -1)
    local[rare] = np.arange(n_rare)
    p = pairs.take(np.flatnonzero(local[pairs.row] >= 0))
    p = p._replace(row=local[p.row])
    stuck = np.zeros(n_rare, dtype=bool)
    ns = n_sign[rare]
    even = ns % 2 == 0
    scaled = np.ldexp(c_t[:, rare].T, _t_bits(reg.d))
    c1 = np.rint(scaled)  # the flows in two slices of t bits (see _Cell)
    c2 = np.rint(np.ldexp(scaled - c1, _t_bits(reg.d)))
    for _ in range(_SPLIT_DEPTH):
        und = p.v == 2
        if not und.any():
            break
        # Undecided cells above the artefact bound always matter; those below only while the
        # row may have no root above it and the parity does not tell whether it has one below.
        high, _ = _cell_kinds(p, reg)
        one = ~und
        h1 = np.bincount(p.row[high & one], minlength=n_rare)
        l1 = np.bincount(p.row[~high & one], minlength=n_rare)
        low_matters = (h1 == 0) & even & (l1 == 0)
        split = und & (high | low_matters[p.row]) & ~stuck[p.row]
        if not split.any():
            break
        parent = p.take(np.flatnonzero(split))
        ids, vv, ss, zz, st = _test_parts(c1[parent.row], c2[parent.row], parent.cell, reg)
        row = np.repeat(parent.row, 1 << _SPLIT_BITS)
        stuck[row[st]] = True
        new = _Pairs(row, ids, vv, ss, zz).take(np.flatnonzero(vv != 0))
        p = _Pairs.cat([p.take(np.flatnonzero(~split)), new])
    p = p.take(np.argsort(p.row, kind="stable"))
    rate, why, multiple, ok = _decide(p, n_rare, ns, c_t, reg, hurdle[rare], col=rare)
    return rate, why, multiple, ok & ~stuck


# Reason codes: indices into finmodel.metrics.IRR_REASONS, in its order.
(
    _OK,
    _NO_SIGN_CHANGE,
    _NO_ROOT,
    _MULTIPLE,
    _EMPTY,
    _NONFINITE,
    _NO_INVESTMENT_ROOT,
    _ARTEFACT_ONLY,
) = range(8)
_ARTEFACT = -0.5  # roots below this rate are artefacts: listed, never the IRR, not counted


def _irr_by_rows(
    v: np.ndarray, hurdle: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """IRR of each row of v (S, n), by chunks of ``_IRR_CHUNK`` rows; ``hurdle`` (S,).

    Returns the rate (NaN where none), the sign changes, whether there are several roots above
    the artefact bound, and the reason code (int8, see above) of each row, all (S,).
    """
    s, n = v.shape
    rate = np.full(s, np.nan)
    n_sign = np.zeros(s, dtype=np.int64)
    multiple = np.zeros(s, dtype=bool)
    why = np.zeros(s, dtype=np.int8)  # index into IRR_REASONS
    if n == 0:
        why[:] = _EMPTY
    else:
        for lo in range(0, s, _IRR_CHUNK):
            rows = slice(lo, min(lo + _IRR_CHUNK, s))
            _irr_rows(v[rows], hurdle[rows], rate[rows], n_sign[rows], multiple[rows], why[rows])
    return rate, n_sign, multiple, why


def _transposed(a: np.ndarray) -> np.ndarray:
    """(M, n) -> (n, M), C order, copied by blocks that stay in cache (a scratch array)."""
    m, n = a.shape
    out = _WS.get("v_t", (n, m))
    for lo in range(0, m, 512):
        out[:, lo : lo + 512] = a[lo : lo + 512].T
    return out


def _sign_changes_t(v_t: np.ndarray) -> np.ndarray:
    """:func:`_sign_changes` of rows given as the columns of v_t (n, M)."""
    n, m = v_t.shape
    if n < 2:
        return np.zeros(m, dtype=np.int64)
    sb = np.signbit(v_t)
    out = np.add.reduce(sb[1:] != sb[:-1], axis=0, dtype=np.int64)
    zero = v_t == 0
    if zero.any():  # zeros are skipped
        rows = np.flatnonzero(zero.any(axis=0))
        out[rows] = _sign_changes(np.ascontiguousarray(v_t[:, rows].T))
    return out


def _irr_rows(v: np.ndarray, hurdle: np.ndarray, rate, n_sign, multiple, why) -> None:
    """:func:`irr` of the rows of v (M, n), n >= 1, into the given (M,) outputs."""
    m = v.shape[0]
    if m == 0:
        return
    v_t = _transposed(v)
    finite = np.isfinite(v_t)
    if finite.all():
        finite = np.ones(m, dtype=bool)
    else:
        finite = finite.all(axis=0)
        v_t[:, ~finite] = 0.0
        why[~finite] = _NONFINITE
    n_sign[:] = _sign_changes_t(v_t)
    why[finite & (n_sign == 0)] = _NO_SIGN_CHANGE

    single = np.flatnonzero(finite & (n_sign == 1))
    if single.size:
        rate[single] = _irr_one_sign_change(v[single])

    several = np.flatnonzero(finite & (n_sign >= 2))
    if several.size:
        r, w, mult, decided = _irr_screened(
            v_t if several.size == m else np.take(v_t, several, axis=1),
            n_sign[several],
            hurdle[several],
        )
        rest = np.flatnonzero(~decided)
        if rest.size:
            r[rest], w[rest], mult[rest], _ = _irr_several_sign_changes(
                v[several[rest]], hurdle[several[rest]]
            )
        rate[several] = r
        multiple[several] = mult
        why[several] = w


def _roots_of_one(row: np.ndarray, rate: float, n_sign: int, why: int) -> list[float]:
    """Every IRR of one series, for IRRResult.roots, artefacts (below -50 %) included: the rate
    itself when it is unique; with several sign changes, those of the Descartes cells (every
    cell resolved), else those of the grid isolation; ``rate`` is one of them when finite."""
    if why == _OK and n_sign == 1:
        return [rate]
    if why not in (_OK, _MULTIPLE, _NO_ROOT, _NO_INVESTMENT_ROOT, _ARTEFACT_ONLY):
        return []
    found = _roots_screened(row)
    if found is None:
        found = _irr_several_sign_changes(row[None, :])[3][0]
    if math.isfinite(rate) and found:  # the same root, found by another path: use ``rate``
        k = min(range(len(found)), key=lambda i: abs(found[i] - rate))
        if abs(found[k] - rate) <= 1e-6 * (1.0 + abs(rate)):
            found[k] = rate
    return found


def _roots_screened(row: np.ndarray) -> list[float] | None:
    """Every IRR of one series with several sign changes from the Descartes cells, as
    :func:`_screen_degree` and :func:`_bisect_cells` test them, every cell resolved; None when
    one stays undecided."""
    nz = np.flatnonzero(row)
    d = int(nz[-1] - nz[0])
    if not 2 <= d <= _SCREEN_MAX_DEGREE:
        return None
    w = row[nz[0] : nz[-1] + 1]
    c_t = np.ldexp(w, -np.frexp(np.abs(w).max())[1])[:, None]
    top = _top(d)
    reg, k = top.reg, d + 1
    q = top.b_all_t @ np.rint(np.ldexp(c_t, _t_bits(d)))[:, 0]  # exact, as in the screen
    sg = np.trunc(np.clip(q, -1.0, 1.0)).reshape(-1, k)
    v, k1, k2, s0 = _classify(sg @ (3.0 ** np.arange(k)), d)
    if ((v == 2) & ((sg[:, 0] == 0) | (sg[:, d] == 0))).any():
        return None
    cell = np.arange(v.size)
    z0 = _guess(lambda kk: q[cell * k + kk] * top.beta[cell, kk], k1, k2, top.za, top.zb, d)
    keep = np.flatnonzero(v)
    p = _Pairs(np.zeros(keep.size, dtype=np.intp), top.ids[keep], v[keep], s0[keep], z0[keep])
    scaled = np.ldexp(c_t.T, _t_bits(d))
    c1 = np.rint(scaled)
    c2 = np.rint(np.ldexp(scaled - c1, _t_bits(d)))
    for _ in range(_SPLIT_DEPTH):
        und = np.flatnonzero(p.v == 2)
        if und.size == 0:
            break
        ids, vv, ss, zz, st = _test_parts(c1[p.row[und]], c2[p.row[und]], p.cell[und], reg)
        if st.any():
            return None
        new = _Pairs(np.zeros(ids.size, dtype=np.intp), ids, vv, ss, zz)
        p = _Pairs.cat([p.take(np.flatnonzero(p.v == 1)), new.take(np.flatnonzero(vv != 0))])
    if (p.v == 2).any():
        return None
    return sorted(_refine(c_t, p.row, reg, p.cell, p.s0, p.z0).tolist())
