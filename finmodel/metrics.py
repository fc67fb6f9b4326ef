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
_GRID_MIN = 16  # at least this many grid cells on each half
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
    # C order: sums over years then run the same way for every row (bit-for-bit reproducible
    # whatever the batch), also for a transposed view.
    arr = np.ascontiguousarray(flows, dtype=float)
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
    """Broadcast rate (scalar, (1,) or (S,)) against flows (S, n) or (1, n).

    Returns rate (S, 1), flows (S, n) and whether the result is a scalar.
    """
    if r.ndim == 0:
        return r.reshape(1, 1), v, one
    try:
        rows = np.broadcast_shapes(r.shape, v.shape[:1])
    except ValueError:
        raise ValueError(
            f"rate has {r.shape[0]} scenarios but flows have {v.shape[0]} (shape {v.shape}); "
            "give one rate, or one per scenario"
        ) from None
    return np.broadcast_to(r, rows)[:, None], np.broadcast_to(v, rows + v.shape[1:]), False


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
    v: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, list[list[float]] | None]:
    """All IRRs of each row of (M, n) flows with two or more sign changes, isolated with proof.

    The positive roots of p~(x) lie in (0, 1] as roots x of the deflated coefficients ``c``
    (rates >= 0) or in (0, 1] as roots y = 1/x of the reversed coefficients ``rc`` (rates < 0),
    above the Cauchy bounds. :func:`_isolate` brackets each root on both halves with a grid that
    is refined only where needed; all brackets of all rows are then refined at once by the
    Illinois method. Rows where the answer hinges on rounding (a tangent root; two roots tying for
    nearest 0) are decided by ``np.roots`` exactly as numpy_financial does.

    Returns the rate nearest 0 (NaN if none), the number of roots, and for a single row the
    sorted roots (None for more rows).
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
        poly = _Poly.of(coef, d)
        row, za, zb, pa, pb = _isolate(poly, z_low, p_at_one, ambiguous)
        found_row.append(row)
        found_rate.append(rate_of(_illinois_z(poly, row, za, zb, pa, pb)))

    row = np.concatenate(found_row).astype(np.intp)
    rates = np.concatenate(found_rate)
    order = np.lexsort((rates, row))
    row, rates = row[order], rates[order]
    # A root at rate 0 (x = 1) is found on both halves: keep one.
    dup = np.zeros(row.size, dtype=bool)
    dup[1:] = (row[1:] == row[:-1]) & (
        np.abs(rates[1:] - rates[:-1]) <= 1e-12 * (1.0 + np.abs(rates[1:]))
    )
    row, rates = row[~dup], rates[~dup]

    count = np.bincount(row, minlength=m)
    first = np.searchsorted(row, np.arange(m))  # each row's roots are rates[first : first + count]
    nearest = np.full(m, np.nan)
    if row.size:
        # Per row, the root of least |rate| (rows in order, then |rate|); a tie with the
        # runner-up is left to np.roots, whose rounding numpy_financial's choice follows.
        by_size = np.lexsort((np.abs(rates), row))
        size_sorted = np.abs(rates[by_size])
        has = count > 0
        nearest[has] = rates[by_size[first[has]]]
        two = count >= 2
        runner_up = size_sorted[first[two] + 1]
        best = size_sorted[first[two]]
        tie = np.zeros(m, dtype=bool)
        tie[two] = runner_up - best <= 1e-9 * (1.0 + best)
        ambiguous |= tie

    roots = [rates[first[k] : first[k] + count[k]].tolist() for k in range(m)] if m == 1 else None
    for k in np.flatnonzero(ambiguous):
        found = _roots_by_np_roots(v[k])
        count[k] = len(found)
        nearest[k] = min(found, key=abs) if found else np.nan
        if roots is not None:
            roots[k] = found
    return nearest, count, roots


def irr(flows, *, return_details: bool = False):
    r"""Internal rate of return of each scenario's cash flows, vectorised over scenarios.

    The IRR is the rate :math:`r > -1` at which

    .. math:: NPV(r) = \sum_{t=0}^{n-1} \frac{CF_t}{(1 + r)^t} = 0 .

    With :math:`x = 1/(1+r)` this is the polynomial :math:`p(x) = \sum_t CF_t x^t`; its positive
    real roots are the IRRs and Descartes' rule bounds their number by the sign changes of the
    flows. The policy for no root and several roots is in the module docstring (reason codes
    :data:`IRR_REASONS`).

    Method, all rows at once:

    - One sign change (a conventional project): the root is unique. Newton on :math:`p` from a
      two-lump estimate; rows Newton does not settle in 50 steps (or that leave :math:`x > 0`)
      go to bisection in :math:`\log x` between the Cauchy root bounds.
    - Several sign changes: a grid in :math:`\log x` (5 % steps in :math:`1+r`) between the
      Cauchy bounds. With :math:`B_2` a bound on :math:`|p''|` over a cell (:math:`p''` with
      absolute coefficients), each cell is proved root-free (the tangent at its left end stays
      further from 0 than :math:`B_2 h^2/2`) or monotone (:math:`|p'| > B_2 h`: one root if
      :math:`p` changes sign across it, none otherwise), or else cut in 8 and tested again.
      Every root is so bracketed alone and refined by the Illinois method (regula falsi);
      the root nearest 0 is returned, as numpy_financial 1.0.0 does. Rows still unresolved at
      a width of 1e-10 or within rounding of 0 (tangent or nearly double roots, complex pairs
      hugging the real axis) and rows where two roots tie for nearest 0 are decided by
      ``np.roots`` exactly as numpy_financial decides them: there the answer depends on
      rounding.

    Each row's result is the same bit for bit whatever the other rows in the call.

    Accuracy: roots are found to rounding of :math:`p` (about 1e-15 in :math:`x`). Agreement
    with numpy_financial is to about 1e-12 on ordinary flows; with coefficients spanning many
    orders of magnitude (e.g. a last flow 1e-9 of the others) ``np.roots`` itself can be off by
    more than 1e-9 and this function is the closer of the two. A rate within rounding of -100 %
    comes out as -1.0.

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
            nearest, count, found = _irr_several_sign_changes(v[several])
            rate[several] = nearest
            multiple[several] = count >= 2
            reason[several] = np.where(
                count == 0, "no_root", np.where(count >= 2, "multiple_roots", "ok")
            )
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

    .. math::

        PB = (t^* - 1) + \frac{-cum_{t^*-1}}{CF_{t^*}}, \qquad PB = 0 \text{ if } cum_0 \ge 0 .

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
        raise ValueError(
            "debt_service must be entered as a positive amount (it is negative somewhere)"
        )
    return np.divide(cf, ds, out=np.full(cf.shape, np.nan), where=ds != 0)


def _reduce_defined(ratio: np.ndarray, how: str):
    r2 = np.atleast_1d(ratio)
    if r2.ndim > 2:
        raise ValueError(f"expected shape (years,) or (scenarios, years); got shape {ratio.shape}")
    one = r2.ndim == 1
    r2 = np.ascontiguousarray(r2.reshape(1, -1) if one else r2)
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
    top = np.ascontiguousarray(np.where(m2, num2, 0.0)).sum(axis=-1)
    bottom = np.ascontiguousarray(np.where(m2, den2, 0.0)).sum(axis=-1)
    value = np.divide(top, bottom, out=np.full(top.shape, np.nan), where=bottom != 0)
    return _out(value, one)
