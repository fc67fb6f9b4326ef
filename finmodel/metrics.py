"""Investment metrics over cash-flow arrays: NPV, IRR, payback, DSCR, ratios of sums.

Conventions (MODEL.md section 5)
--------------------------------
- Cash flows are arrays of shape ``(years,)`` for one scenario or ``(S, years)`` for ``S``
  scenarios: scenarios on axis 0, years on the **last** axis. Inflows are positive, outflows
  negative, in CNY (any currency works: every metric here is either in the flows' unit or
  dimensionless).
- Annual periods, every flow at the end of its period. Year 0 is undiscounted: year ``t`` is
  discounted by ``(1 + rate)**t``. (Excel's ``NPV()`` starts at ``t = 1``; this module does not.)
- ``rate`` is a fraction per year (0.08 for 8 %), a scalar or one rate per scenario, shape ``(S,)``.
- Scalar or 1-D flows in give a Python scalar out; 2-D flows give an ``(S,)`` array. Functions
  that return a yearly series (``cumulative``, ``dscr``, ``discount_factors``) keep the year axis.
- Where a metric is undefined the result is NaN, never a silent 0. Wrong shapes raise
  ``ValueError``.

IRR policy
----------
The IRR is a root of ``NPV(rate) = 0`` with ``rate > -1``. Writing ``x = 1 / (1 + rate)`` turns
NPV into the polynomial ``p(x) = sum_t flows_t * x**t``; its positive real roots are the IRRs.
By Descartes' rule of signs the number of positive roots is the number of sign changes ``V`` in
the flows (zeros skipped) minus an even number, so:

=====================  ===================================================  ================
sign changes ``V``     result                                               ``reason``
=====================  ===================================================  ================
zero years             NaN                                                  ``'empty'``
``V = 0``              NaN (all flows of one sign, or all zero)             ``'no_sign_change'``
``V = 1``              the unique root                                      ``'ok'``
``V >= 2``, no root    NaN                                                  ``'no_root'``
``V >= 2``, one root   that root                                            ``'ok'``
``V >= 2``, 2+ roots   the root nearest 0, ``multiple=True``                ``'multiple_roots'``
NaN or inf in flows    NaN                                                  ``'nonfinite'``
=====================  ===================================================  ================

"Nearest 0" is the choice of ``numpy_financial.irr`` 1.0.0 (it takes ``np.roots`` of the
polynomial, keeps the real positive ``x`` and returns the rate of least ``|rate|``), so the two
agree wherever ``numpy_financial`` gives a finite value. ``numpy_financial`` is the test oracle
and the benchmark baseline, not the implementation: here the roots are found for all rows at once
(see :func:`irr`).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

__all__ = [
    "IRR_REASONS",
    "IRRResult",
    "PaybackResult",
    "cumulative",
    "discount_factors",
    "discounted_payback",
    "dscr",
    "dscr_avg",
    "dscr_min",
    "irr",
    "irr_roots",
    "min_cumulative",
    "npv",
    "payback",
    "ratio_of_sums",
]

#: Every value ``IRRResult.reason`` can take (see the module docstring for their meaning).
IRR_REASONS = ("ok", "no_sign_change", "no_root", "multiple_roots", "empty", "nonfinite")

# Solver settings (x = 1/(1+rate) is the discount factor of one year; u = log(x)).
_NEWTON_MAXITER = 50
_NEWTON_XTOL = 1e-12  # relative step at which Newton has converged
_GRID_STEP_U = 0.05  # first grid for rows with several sign changes: 5 % steps in 1 + rate
_GRID_MIN, _GRID_MAX = 16, 4096
_GRID_CHUNK = 2_000_000  # grid points evaluated at once (memory bound)
_SPLIT = 8  # a cell that cannot be certified is cut into this many
_MAX_LEVELS = 12
_MIN_CELL = 1e-10  # relative width below which an uncertified cell is left to np.roots
_NOISE = 1e3  # |P| within this many rounding bounds of 0 cannot be resolved: np.roots decides
_MAX_CELLS_PER_ROW = 64
_EPS = np.finfo(float).eps


class IRRResult(NamedTuple):
    """Details of :func:`irr`. Scalars for 1-D flows, ``(S,)`` arrays for 2-D flows.

    Attributes
    ----------
    rate : float or ndarray
        The IRR, a fraction per year; NaN where there is none.
    n_sign_changes : int or ndarray of int
        Sign changes in the flows, zeros skipped (Descartes' bound on the number of IRRs).
    multiple : bool or ndarray of bool
        True where more than one IRR exists; ``rate`` is then the one nearest 0.
    reason : str or ndarray of str
        One of :data:`IRR_REASONS`.
    roots : list of float or None
        For 1-D flows, every IRR found, sorted ascending (``[]`` when there is none);
        None for 2-D flows.
    """

    rate: float | np.ndarray
    n_sign_changes: int | np.ndarray
    multiple: bool | np.ndarray
    reason: str | np.ndarray
    roots: list[float] | None


class PaybackResult(NamedTuple):
    """Details of :func:`payback` and :func:`discounted_payback`.

    Attributes
    ----------
    years : float or ndarray
        Payback period [years from the start of year 0's flow, i.e. t]; NaN when cumulative cash
        never turns non-negative ("not within the concession").
    refit_negative : bool or ndarray of bool
        True when cumulative cash turns negative again after the payback point (a later refit).
    """

    years: float | np.ndarray
    refit_negative: bool | np.ndarray


# --------------------------------------------------------------------------- input handling
def _as_flows(flows, name: str = "flows") -> tuple[np.ndarray, bool]:
    """Flows as a float array of shape (S, n) and whether the caller gave a scalar or 1-D."""
    arr = np.asarray(flows, dtype=float)
    if arr.ndim > 2:
        raise ValueError(
            f"{name} must have shape (years,) or (scenarios, years); got shape {arr.shape}"
        )
    one = arr.ndim <= 1
    return arr.reshape(1, -1) if one else arr, one


def _as_rate(rate) -> np.ndarray:
    r = np.asarray(rate, dtype=float)
    if r.ndim > 1:
        raise ValueError(f"rate must be a scalar or have shape (scenarios,); got shape {r.shape}")
    return r


def _rows_for_rate(r: np.ndarray, v: np.ndarray, one: bool) -> tuple[np.ndarray, np.ndarray, bool]:
    """Broadcast rate (scalar or (S,)) against flows (S, n): returns rate (S, 1), flows, scalar_out."""
    if r.ndim == 0:
        return r.reshape(1, 1), v, one
    if v.shape[0] not in (1, r.shape[0]):
        raise ValueError(
            f"rate has {r.shape[0]} scenarios but flows have {v.shape[0]} (shape {v.shape}); "
            "give one rate, or one per scenario"
        )
    if v.shape[0] == 1:
        v = np.broadcast_to(v, (r.shape[0], v.shape[1]))
    return r[:, None], v, False


def _out(x: np.ndarray, scalar: bool):
    """Scalar in, scalar out: a Python scalar from a length-1 result."""
    if not scalar:
        return x
    item = x.reshape(-1)[0]
    return item.item() if isinstance(item, np.generic) else item


# --------------------------------------------------------------------------- discounting
def discount_factors(rate, n_years: int) -> np.ndarray:
    r"""Discount factors of years 0..n_years-1.

    .. math:: DF_t = \frac{1}{(1 + r)^t}, \qquad t = 0, 1, \dots, n - 1

    Parameters
    ----------
    rate : float or array_like, shape (S,)
        Discount rate [fraction per year]. Rates at or below -1 have no discount factor: NaN.
    n_years : int
        Number of years, year 0 included [-].

    Returns
    -------
    ndarray, shape (n_years,) for a scalar rate or (S, n_years) for a rate per scenario
        Discount factors [-]; ``DF_0 = 1``.

    Examples
    --------
    >>> discount_factors(0.1, 3).round(6).tolist()
    [1.0, 0.909091, 0.826446]
    """
    r = _as_rate(rate)
    if isinstance(n_years, bool) or not isinstance(n_years, (int, np.integer)) or n_years < 0:
        raise ValueError(f"n_years must be a non-negative integer; got {n_years!r}")
    t = np.arange(n_years)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        df = 1.0 / (1.0 + r[..., None]) ** t
    return np.where(r[..., None] > -1.0, df, np.nan)


def npv(rate, flows):
    r"""Net present value with year 0 undiscounted.

    .. math:: NPV = \sum_{t=0}^{n-1} \frac{CF_t}{(1 + r)^t}

    Computed as ``numpy_financial.npv`` 1.0.0 does (``CF_t / (1+r)**t``, summed), so the two agree
    to rounding. Excel's ``NPV()`` starts at ``t = 1``: ``npv(r, cf) == cf[0] + NPV(r, cf[1:])``.

    Parameters
    ----------
    rate : float or array_like, shape (S,)
        Discount rate [fraction per year]; NaN result where ``rate <= -1``.
    flows : array_like, shape (n,) or (S, n)
        Cash flows of years 0..n-1 [CNY], inflows positive.

    Returns
    -------
    float or ndarray, shape (S,)
        NPV [CNY]. A float for a scalar rate and 1-D flows; ``(S,)`` when either has scenarios
        (a 1-D series at ``S`` rates gives ``S`` values). Zero years give 0.0 (an empty sum).

    Examples
    --------
    The numpy-financial docstring case, checked by hand:
    -40000 + 5000/1.08 + 8000/1.08**2 + 12000/1.08**3 + 30000/1.08**4 = 3065.22267

    >>> round(npv(0.08, [-40_000, 5_000, 8_000, 12_000, 30_000]), 5)
    3065.22267
    """
    v, one = _as_flows(flows)
    r, v, scalar = _rows_for_rate(_as_rate(rate), v, one)
    t = np.arange(v.shape[1])
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        value = (v / (1.0 + r) ** t).sum(axis=-1)
    value = np.where(r[:, 0] > -1.0, value, np.nan)
    return _out(value, scalar)


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
    """p(x) and p'(x) for coefficients given by column, c_t (K, M), at x (M,)."""
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
    u_hi = np.log1p(below_lead / lead)
    u_lo = -np.log1p(above_const / np.abs(c[:, 0]))
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
    c, rc, d, scale = _deflate(v)

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


def _horner_rows(a: np.ndarray, z: np.ndarray) -> np.ndarray:
    """sum_j a[:, j] * z**j with one point per row: a (M, K), z (M,) -> (M,)."""
    acc = a[:, -1].copy()
    for k in range(a.shape[1] - 2, -1, -1):
        acc = acc * z + a[:, k]
    return acc


def _horner_grid(a: np.ndarray, z: np.ndarray) -> np.ndarray:
    """sum_j a[:, j] * z**j for every row at every point of one grid: a (M, K), z (G,) -> (M, G)."""
    acc = np.repeat(a[:, -1:], z.size, axis=1)
    for k in range(a.shape[1] - 2, -1, -1):
        acc *= z
        acc += a[:, k : k + 1]
    return acc


class _Poly(NamedTuple):
    """A polynomial P(z) = sum_j a_j z**j per row, for z in (0, 1], with what certifies its roots.

    On a cell [za, zb] in (0, 1]: |P'| <= B1(zb) and |P''| <= B2(zb), where B1 and B2 are the
    derivatives' polynomials with absolute coefficients (increasing in z). ``err_p`` and ``err_d``
    bound the rounding of Horner's rule for P and P' (Higham, Accuracy and Stability of Numerical
    Algorithms, 2nd ed., section 5.1: |error| <= gamma_2K * sum |a_j| z**j, with z <= 1).
    """

    a: np.ndarray
    d1: np.ndarray
    b1: np.ndarray
    b2: np.ndarray
    err_p: np.ndarray
    err_d: np.ndarray

    @classmethod
    def of(cls, a: np.ndarray) -> _Poly:
        k = a.shape[1]
        j = np.arange(k)
        d1 = (a * j)[:, 1:]
        b1 = np.abs(d1)
        b2 = (np.abs(a) * j * (j - 1))[:, 2:] if k > 2 else np.zeros((a.shape[0], 1))
        gamma = 4.0 * k * _EPS
        return cls(a, d1, b1, b2, gamma * np.abs(a).sum(axis=1), gamma * b1.sum(axis=1))


def _isolate(poly: _Poly, z_low: np.ndarray, p_at_one: np.ndarray, ambiguous: np.ndarray):
    """Brackets, each holding exactly one root of P in [z_low, 1], for every row.

    A grid uniform in log z (step ``_GRID_STEP_U``) cuts [z_low, 1] into cells. A cell is
    *root-free* when |P| at an end exceeds B1 * width (plus rounding): P cannot reach 0 inside.
    Any other cell is *monotone* when |P'| at an end exceeds B2 * width: P' has no zero, so the
    cell holds one root if P changes sign across it and none otherwise. A cell that is neither is
    cut into ``_SPLIT`` and tested again; one still uncertified at a relative width of
    ``_MIN_CELL`` (a tangent or nearly double root, or a complex pair next to the real axis) marks
    its row in ``ambiguous`` and the row is left to ``np.roots``.

    ``p_at_one`` is P(1), given so that both halves (x <= 1 and 1/x <= 1) see the same sign at
    x = 1. Returns (row, za, zb, sign of P(za)) of the brackets; a root exactly at a grid point
    counts in the cell to its left.
    """
    m = poly.a.shape[0]
    parts: list[tuple[np.ndarray, ...]] = []
    order = np.argsort(z_low, kind="stable")
    log_low = np.log(np.maximum(z_low, np.finfo(float).tiny))
    n_max = int(np.clip(np.ceil(-log_low.min() / _GRID_STEP_U) + 1, _GRID_MIN, _GRID_MAX))
    per_chunk = max(1, _GRID_CHUNK // n_max)
    for start in range(0, m, per_chunk):
        rows = order[start : start + per_chunk]
        lo = log_low[rows].min()
        n = int(np.clip(np.ceil(-lo / _GRID_STEP_U) + 1, _GRID_MIN, _GRID_MAX))
        z = np.exp(np.linspace(lo, 0.0, n))
        z[-1] = 1.0
        p = _horner_grid(poly.a[rows], z)
        p[:, -1] = p_at_one[rows]
        b1 = _horner_grid(poly.b1[rows], z[1:])
        ap = np.abs(p)
        free = np.maximum(ap[:, :-1], ap[:, 1:]) - poly.err_p[rows, None] > b1 * np.diff(z)
        i, j = np.nonzero(~free)
        parts.append((rows[i], z[j], z[j + 1], p[i, j], p[i, j + 1]))
    row, za, zb, pa, pb = (np.concatenate(x) for x in zip(*parts))

    brackets: list[tuple[np.ndarray, ...]] = []
    inner = np.arange(1, _SPLIT) / _SPLIT
    for level in range(_MAX_LEVELS + 1):
        live = ~ambiguous[row]
        row, za, zb, pa, pb = row[live], za[live], zb[live], pa[live], pb[live]
        if row.size == 0:
            break
        width = zb - za
        slope = np.maximum(np.abs(_horner_rows(poly.d1[row], za)), np.abs(_horner_rows(poly.d1[row], zb)))
        mono = slope - poly.err_d[row] > _horner_rows(poly.b2[row], zb) * width
        sa = np.sign(pa)
        one_root = mono & (sa != 0) & (sa != np.sign(pb))
        brackets.append((row[one_root], za[one_root], zb[one_root], sa[one_root]))

        unsure = ~mono
        row, za, zb, pa, pb, width = row[unsure], za[unsure], zb[unsure], pa[unsure], pb[unsure], width[unsure]
        if level == _MAX_LEVELS:
            ambiguous[row] = True
            break
        # Give up on a row (np.roots decides it) when a cell is down to rounding: too narrow, or
        # |P| at both ends within rounding noise; or when too many cells stay uncertain.
        noise = np.maximum(np.abs(pa), np.abs(pb)) <= _NOISE * poly.err_p[row]
        ambiguous[row[(width <= _MIN_CELL * zb) | noise]] = True
        ambiguous[np.flatnonzero(np.bincount(row, minlength=m) > _MAX_CELLS_PER_ROW)] = True
        live = ~ambiguous[row]
        row, za, zb, pa, pb, width = row[live], za[live], zb[live], pa[live], pb[live], width[live]
        if row.size == 0:
            break

        # Cut each uncertain cell into _SPLIT; keep the sub-cells that are not root-free.
        zi = za[:, None] + width[:, None] * inner
        pi = _horner_rows(poly.a[np.repeat(row, _SPLIT - 1)], zi.ravel()).reshape(zi.shape)
        zs = np.concatenate([za[:, None], zi, zb[:, None]], axis=1)
        ps = np.concatenate([pa[:, None], pi, pb[:, None]], axis=1)
        b1 = _horner_rows(poly.b1[np.repeat(row, _SPLIT)], zs[:, 1:].ravel()).reshape(-1, _SPLIT)
        aps = np.abs(ps)
        free = np.maximum(aps[:, :-1], aps[:, 1:]) - poly.err_p[row, None] > b1 * np.diff(zs, axis=1)
        i, j = np.nonzero(~free)
        row, za, zb, pa, pb = row[i], zs[i, j], zs[i, j + 1], ps[i, j], ps[i, j + 1]

    return tuple(np.concatenate(x) for x in zip(*brackets)) if brackets else (np.zeros(0, np.intp),) + (np.zeros(0),) * 3


def _bisect_z(a: np.ndarray, za: np.ndarray, zb: np.ndarray, sa: np.ndarray) -> np.ndarray:
    """Vectorised bisection of P (rows a) on brackets [za, zb] with sign(P(za)) = sa != 0."""
    za, zb = za.copy(), zb.copy()
    active = np.arange(za.size)
    for _ in range(200):
        active = active[zb[active] - za[active] > 2.0 * _EPS * zb[active]]
        if active.size == 0:
            break
        mid = 0.5 * (za[active] + zb[active])
        s_mid = np.sign(_horner_rows(a[active], mid))
        hit = s_mid == 0
        za[active] = np.where((s_mid == sa[active]) | hit, mid, za[active])
        zb[active] = np.where((s_mid == sa[active]) & ~hit, zb[active], mid)
    return 0.5 * (za + zb)


def _irr_several_sign_changes(v: np.ndarray) -> tuple[np.ndarray, list[list[float]]]:
    """All IRRs of each row of (M, n) flows with two or more sign changes, isolated with proof.

    The positive roots of p~(x) lie in (0, 1] as roots x of the deflated coefficients ``c``
    (rates >= 0) or in (0, 1] as roots y = 1/x of the reversed coefficients ``rc`` (rates < 0),
    above the Cauchy bounds. :func:`_isolate` brackets each root on both halves with a grid that
    is refined only where needed; all brackets of all rows are then refined at once by
    bisection. Rows where the answer hinges on rounding (a tangent root; two roots tying for
    nearest 0) are decided by ``np.roots`` exactly as numpy_financial does.

    Returns the rate nearest 0 (NaN if none) and each row's sorted roots.
    """
    m = v.shape[0]
    c, rc, d, scale = _deflate(v)
    u_lo, u_hi = _root_bounds_u(c, d)
    ambiguous = np.zeros(m, dtype=bool)
    p_at_one = v.sum(axis=1) / scale  # exact for whole-number flows: a root at rate 0 is kept

    found_row, found_rate = [], []
    for coef, z_low, rate_of in (
        (c, np.exp(u_lo), lambda z: 1.0 / z - 1.0),  # z = x in (0, 1]: rate >= 0
        (rc, np.exp(-u_hi), lambda z: z - 1.0),  # z = 1/x in (0, 1]: rate <= 0
    ):
        poly = _Poly.of(coef)
        row, za, zb, sa = _isolate(poly, z_low, p_at_one, ambiguous)
        found_row.append(row)
        found_rate.append(rate_of(_bisect_z(coef[row], za, zb, sa)))

    row = np.concatenate(found_row).astype(np.intp)
    rates = np.concatenate(found_rate)
    order = np.lexsort((rates, row))
    row, rates = row[order], rates[order]
    # A root at rate 0 (x = 1) is found on both halves: keep one.
    dup = np.zeros(row.size, dtype=bool)
    dup[1:] = (row[1:] == row[:-1]) & (np.abs(rates[1:] - rates[:-1]) <= 1e-12 * (1.0 + np.abs(rates[1:])))
    row, rates = row[~dup], rates[~dup]

    per_row = np.split(rates, np.searchsorted(row, np.arange(1, m)))
    roots = [r.tolist() for r in per_row]
    nearest = np.full(m, np.nan)
    for k, r in enumerate(per_row):  # short lists: at most the number of sign changes
        if r.size:
            mag = np.abs(r)
            best = np.argmin(mag)
            nearest[k] = r[best]
            if (np.abs(mag - mag[best]) <= 1e-9 * (1.0 + mag[best])).sum() > 1:
                ambiguous[k] = True
    for k in np.flatnonzero(ambiguous):
        roots[k] = _roots_by_np_roots(v[k])
        nearest[k] = min(roots[k], key=abs) if roots[k] else np.nan
    return nearest, roots


def irr(flows, *, return_details: bool = False):
    r"""Internal rate of return of each scenario's cash flows, vectorised over scenarios.

    The IRR is the rate :math:`r > -1` at which

    .. math:: NPV(r) = \sum_{t=0}^{n-1} \frac{CF_t}{(1 + r)^t} = 0 .

    With :math:`x = 1/(1+r)` this is the polynomial :math:`p(x) = \sum_t CF_t x^t`; its positive
    real roots are the IRRs and Descartes' rule bounds their number by the sign changes of the
    flows. The policy for no root and several roots is in the module docstring (reason codes
    :data:`IRR_REASONS`).

    Method: one sign change (a conventional project) has a unique root, found by Newton on all
    such rows at once from a two-lump estimate, with vectorised bisection in :math:`\log x` for
    rows Newton does not settle. Several sign changes: grid in :math:`\log x` over the Cauchy root
    bounds, bracket every sign change (and close pairs hidden in one cell), refine by bisection,
    return the root nearest 0 as numpy_financial 1.0.0 does; the rare rows where the answer hinges
    on rounding (tangent roots) are passed to ``np.roots`` like numpy_financial.

    Parameters
    ----------
    flows : array_like, shape (n,) or (S, n)
        Cash flows of years 0..n-1 [CNY], inflows positive.
    return_details : bool, keyword-only
        Return an :class:`IRRResult` (rate, sign changes, multiple flag, reason, roots) instead of
        the rate alone.

    Returns
    -------
    float or ndarray, shape (S,), or IRRResult
        IRR [fraction per year]; NaN where undefined.

    Examples
    --------
    Hand-checked: -100 + 110/1.1 = 0; -100 + 350/3.5 = 0.

    >>> round(irr([-100, 110]), 12), round(irr([-100, 350]), 12)
    (0.1, 2.5)

    [-100, 230, -132]: -100 + 230x - 132x^2 = 0 at x = 10/11 and 5/6, i.e. IRRs of 10 % and 20 %;
    the one nearest 0 is returned, flagged:

    >>> res = irr([-100, 230, -132], return_details=True)
    >>> round(res.rate, 12), res.multiple, res.reason, [round(r, 12) for r in res.roots]
    (0.1, True, 'multiple_roots', [0.1, 0.2])
    """
    v, one = _as_flows(flows)
    s, n = v.shape
    rate = np.full(s, np.nan)
    n_sign = np.zeros(s, dtype=np.int64)
    multiple = np.zeros(s, dtype=bool)
    reason = np.full(s, "ok", dtype="<U14")
    roots: list[list[float]] = [[] for _ in range(s)] if one else []

    if n == 0:
        reason[:] = "empty"
    elif s:
        finite = np.isfinite(v).all(axis=1)
        n_sign = _sign_changes(np.where(finite[:, None], v, 0.0))
        reason[~finite] = "nonfinite"
        reason[finite & (n_sign == 0)] = "no_sign_change"

        single = np.flatnonzero(finite & (n_sign == 1))
        if single.size:
            rate[single] = _irr_one_sign_change(v[single])
            if one:
                roots[0] = [float(rate[0])]

        several = np.flatnonzero(finite & (n_sign >= 2))
        if several.size:
            nearest, found = _irr_several_sign_changes(v[several])
            count = np.array([len(f) for f in found])
            rate[several] = nearest
            multiple[several] = count >= 2
            reason[several] = np.where(count == 0, "no_root", np.where(count >= 2, "multiple_roots", "ok"))
            if one:
                roots[0] = found[0]

    if not return_details:
        return _out(rate, one)
    return IRRResult(
        rate=_out(rate, one),
        n_sign_changes=_out(n_sign, one),
        multiple=_out(multiple, one),
        reason=str(reason[0]) if one else reason,
        roots=roots[0] if one else None,
    )


def irr_roots(flows) -> list[float]:
    """Every IRR of one series, by ``np.roots``, for the report of a single scenario.

    The real positive roots ``x`` of :math:`\\sum_t CF_t x^t` (exactly real, as numpy_financial
    1.0.0 keeps them) become rates ``1/x - 1``, all above -1.

    Parameters
    ----------
    flows : array_like, shape (n,)
        Cash flows of years 0..n-1 [CNY].

    Returns
    -------
    list of float
        IRRs [fraction per year], sorted ascending; ``[]`` when there is none.

    Examples
    --------
    >>> [round(r, 12) for r in irr_roots([-100, 230, -132])]
    [0.1, 0.2]
    """
    v = np.asarray(flows, dtype=float)
    if v.ndim != 1:
        raise ValueError(f"irr_roots takes one series of shape (years,); got shape {v.shape}")
    if v.size == 0 or not np.isfinite(v).all() or not v.any():
        return []
    return _roots_by_np_roots(v)


# --------------------------------------------------------------------------- payback
def cumulative(flows) -> np.ndarray:
    """Cumulative cash from year 0: ``cum_t = sum_{k<=t} CF_k``.

    Parameters
    ----------
    flows : array_like, shape (n,) or (S, n)
        Cash flows [CNY].

    Returns
    -------
    ndarray, same shape as ``flows`` (a scalar flow gives shape (1,))
        Cumulative cash [CNY].
    """
    v, one = _as_flows(flows)
    cum = np.cumsum(v, axis=-1)
    return cum[0] if one else cum


def min_cumulative(flows):
    """Lowest cumulative cash over years 0..n-1, year 0 included (the peak funding need).

    Parameters
    ----------
    flows : array_like, shape (n,) or (S, n)
        Cash flows [CNY].

    Returns
    -------
    float or ndarray, shape (S,)
        Minimum of :func:`cumulative` [CNY]; NaN for zero years.

    Examples
    --------
    cum of [-100, 30, -50, 200] is [-100, -70, -120, 80]:

    >>> min_cumulative([-100, 30, -50, 200])
    -120.0
    """
    v, one = _as_flows(flows)
    if v.shape[1] == 0:
        return _out(np.full(v.shape[0], np.nan), one)
    return _out(np.cumsum(v, axis=-1).min(axis=-1), one)


def _payback_rows(v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    s, n = v.shape
    if n == 0:
        return np.full(s, np.nan), np.zeros(s, dtype=bool)
    cum = np.cumsum(v, axis=-1)
    nonneg = cum >= 0  # NaN compares False: a NaN never pays back
    reached = nonneg.any(axis=-1)
    t = np.argmax(nonneg, axis=-1)
    unpaid_before = -np.take_along_axis(cum, np.maximum(t - 1, 0)[:, None], axis=-1)[:, 0]
    flow_t = np.take_along_axis(v, t[:, None], axis=-1)[:, 0]
    inside = np.divide(unpaid_before, flow_t, out=np.zeros(s), where=t > 0)
    years = np.where(t > 0, (t - 1) + inside, 0.0)
    years = np.where(reached, years, np.nan)
    later = np.arange(n) > t[:, None]
    refit = reached & ((cum < 0) & later).any(axis=-1)
    return years, refit


def payback(flows, *, return_details: bool = False):
    r"""Payback period: when cumulative cash from year 0 first turns non-negative.

    With :math:`cum_t = \sum_{k \le t} CF_k` and :math:`t^*` the first year with
    :math:`cum_{t^*} \ge 0`, interpolating linearly within year :math:`t^*` (flows at period end,
    so year :math:`t^*`'s flow is spread over the year from :math:`t^*-1` to :math:`t^*`):

    .. math:: PB = (t^* - 1) + \frac{-cum_{t^*-1}}{CF_{t^*}}, \qquad PB = 0 \text{ if } cum_0 \ge 0 .

    Parameters
    ----------
    flows : array_like, shape (n,) or (S, n)
        Cash flows of years 0..n-1 [CNY], normally project FCF.
    return_details : bool, keyword-only
        Return a :class:`PaybackResult` with the ``refit_negative`` flag as well.

    Returns
    -------
    float or ndarray, shape (S,), or PaybackResult
        Payback [years]; NaN when cumulative cash never turns non-negative ("not within the
        concession"). Note that a year 0 with no outflow (``cum_0 >= 0``) gives 0.

    Examples
    --------
    cum of [-100, 30, 30, 30, 30] is [-100, -70, -40, -10, 20]: 3 + 10/30.

    >>> round(payback([-100, 30, 30, 30, 30]), 12) == round(3 + 10 / 30, 12)
    True
    """
    v, one = _as_flows(flows)
    years, refit = _payback_rows(v)
    if not return_details:
        return _out(years, one)
    return PaybackResult(years=_out(years, one), refit_negative=_out(refit, one))


def discounted_payback(rate, flows, *, return_details: bool = False):
    r"""Discounted payback: :func:`payback` of the discounted flows :math:`CF_t / (1+r)^t`.

    Parameters
    ----------
    rate : float or array_like, shape (S,)
        Discount rate [fraction per year].
    flows : array_like, shape (n,) or (S, n)
        Cash flows of years 0..n-1 [CNY].
    return_details : bool, keyword-only
        Return a :class:`PaybackResult` with the ``refit_negative`` flag as well.

    Returns
    -------
    float or ndarray, shape (S,), or PaybackResult
        Discounted payback [years]; NaN when never reached (or for ``rate <= -1``).

    Examples
    --------
    At 10 %, [-100, 60, 60] discounts to [-100, 600/11, 6000/121]; cumulative -500/11 after
    year 1, so payback = 1 + (500/11) / (6000/121) = 1 + 11/12.

    >>> round(discounted_payback(0.10, [-100, 60, 60]), 12) == round(1 + 11 / 12, 12)
    True
    """
    v, one = _as_flows(flows)
    r, v, scalar = _rows_for_rate(_as_rate(rate), v, one)
    t = np.arange(v.shape[1])
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        disc = np.where(r > -1.0, v / (1.0 + r) ** t, np.nan)
    years, refit = _payback_rows(disc)
    if not return_details:
        return _out(years, scalar)
    return PaybackResult(years=_out(years, scalar), refit_negative=_out(refit, scalar))


# --------------------------------------------------------------------------- DSCR and ratios
def dscr(cfads, debt_service) -> np.ndarray:
    r"""Debt service cover ratio of each year.

    .. math:: DSCR_t = \frac{CFADS_t}{DS_t}

    Parameters
    ----------
    cfads : array_like, shape (n,) or (S, n)
        Cash flow available for debt service [CNY].
    debt_service : array_like, broadcastable to ``cfads``
        Interest plus principal due, entered as a positive amount [CNY].

    Returns
    -------
    ndarray, the broadcast shape
        DSCR [-]; NaN in years without debt service (``DS_t = 0``).
    """
    cf = np.asarray(cfads, dtype=float)
    ds = np.asarray(debt_service, dtype=float)
    try:
        cf, ds = np.broadcast_arrays(cf, ds)
    except ValueError:
        raise ValueError(
            f"cfads (shape {cf.shape}) and debt_service (shape {ds.shape}) do not broadcast"
        ) from None
    if cf.ndim > 2:
        raise ValueError(f"dscr takes shape (years,) or (scenarios, years); got shape {cf.shape}")
    if (ds < 0).any():
        raise ValueError("debt_service must be entered as a positive amount (it is negative somewhere)")
    return np.divide(cf, ds, out=np.full(cf.shape, np.nan), where=ds != 0)


def _reduce_defined(ratio: np.ndarray, how: str):
    r2 = np.atleast_1d(ratio)
    if r2.ndim > 2:
        raise ValueError(f"expected shape (years,) or (scenarios, years); got shape {ratio.shape}")
    one = r2.ndim == 1
    r2 = r2.reshape(1, -1) if one else r2
    defined = ~np.isnan(r2)
    count = defined.sum(axis=-1)
    if how == "min":
        value = np.where(defined, r2, np.inf).min(axis=-1, initial=np.inf)
    else:
        value = np.where(defined, r2, 0.0).sum(axis=-1) / np.maximum(count, 1)
    return _out(np.where(count > 0, value, np.nan), one)


def dscr_min(cfads, debt_service):
    """Minimum DSCR over the years with debt service.

    Parameters
    ----------
    cfads, debt_service : array_like, shape (n,) or (S, n)
        As in :func:`dscr` [CNY].

    Returns
    -------
    float or ndarray, shape (S,)
        Minimum DSCR [-]; NaN when there is no debt service at all.

    Examples
    --------
    >>> dscr_min([50, 120, 130, 90], [0, 100, 100, 60])
    1.2
    """
    return _reduce_defined(dscr(cfads, debt_service), "min")


def dscr_avg(cfads, debt_service):
    """Average DSCR over the years with debt service (simple mean of the yearly ratios).

    Parameters
    ----------
    cfads, debt_service : array_like, shape (n,) or (S, n)
        As in :func:`dscr` [CNY].

    Returns
    -------
    float or ndarray, shape (S,)
        Mean of the defined yearly DSCRs [-]; NaN when there is no debt service at all.

    Examples
    --------
    (1.2 + 1.3 + 1.5) / 3:

    >>> round(dscr_avg([50, 120, 130, 90], [0, 100, 100, 60]), 12)
    1.333333333333
    """
    return _reduce_defined(dscr(cfads, debt_service), "avg")


def ratio_of_sums(numer, denom, mask=None):
    r"""Ratio of sums over the years selected by ``mask``.

    .. math:: R = \frac{\sum_t m_t N_t}{\sum_t m_t D_t}

    Used for the concession ratios (MODEL.md section 5): margin = net income / operating revenue
    net of VAT over operating years; subsidy dependence = support / (that revenue + support).

    Parameters
    ----------
    numer, denom : array_like, shape (n,) or (S, n)
        Yearly numerator and denominator [same unit, e.g. CNY].
    mask : array_like of bool, broadcastable to them, optional
        Years to include (e.g. the operating-year flag); all years when None. Values outside the
        mask are ignored, even NaN.

    Returns
    -------
    float or ndarray, shape (S,)
        The ratio [-]; NaN when the masked denominator sums to 0.

    Examples
    --------
    >>> ratio_of_sums([0, 10, 20], [0, 100, 100], [False, True, True])
    0.15
    """
    num = np.asarray(numer, dtype=float)
    den = np.asarray(denom, dtype=float)
    m = np.ones((), dtype=bool) if mask is None else np.asarray(mask, dtype=bool)
    try:
        num, den, m = np.broadcast_arrays(num, den, m)
    except ValueError:
        raise ValueError(
            f"numer {num.shape}, denom {den.shape} and mask {m.shape} do not broadcast"
        ) from None
    if num.ndim > 2:
        raise ValueError(f"expected shape (years,) or (scenarios, years); got shape {num.shape}")
    one = num.ndim <= 1
    num2, den2, m2 = (a.reshape(1, -1) if one else a for a in (num, den, m))
    top = np.where(m2, num2, 0.0).sum(axis=-1)
    bottom = np.where(m2, den2, 0.0).sum(axis=-1)
    value = np.divide(top, bottom, out=np.full(top.shape, np.nan), where=bottom != 0)
    return _out(value, one)
