"""The helpers the generated kernel calls: layout, lags, running sums, powers, amortisation by
vintage, sums over years in a fixed order, and the metrics of :mod:`finmodel.metrics`.

Every helper is elementwise or sums over years in a fixed order, so that a scenario's numbers do
not depend on the batch it is computed in.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import metrics as M
from .expr import FormulaError

_NAN = float("nan")


# --------------------------------------------------------------------------- helpers of the kernel
def _2d(x, T):
    """A row in the kernel's layout: (T, 1) or (T, S) floats."""
    arr = np.asarray(x, dtype=float)
    if arr.ndim == 0:
        return np.full((T, 1), float(arr))
    if arr.shape[0] != T:
        return np.broadcast_to(arr, (T, arr.shape[-1]))
    return arr


def _1d(x):
    return np.asarray(x, dtype=float).reshape(-1)


def _lag(x):
    """The previous year's values (0 before year 0)."""
    out = np.empty(x.shape)
    out[0] = 0.0
    out[1:] = x[:-1]
    return out


def _cumsum_years(x):
    """The running sum over years, year by year (one contiguous vector at a time)."""
    out = np.empty(x.shape)
    acc = np.zeros(x.shape[1])
    for k in range(x.shape[0]):
        acc = acc + x[k]
        out[k] = acc
    return out


def _contiguous(*args):
    """Operands broadcast to one shape and made contiguous: numpy's transcendental loops round
    differently (by an ulp) for scalar, strided and contiguous operands, which would make a
    scenario's numbers depend on the batch it is in."""
    arrs = [np.asarray(a, dtype=float) for a in args]
    shape = np.broadcast_shapes(*(a.shape for a in arrs)) or (1,)
    return [np.ascontiguousarray(np.broadcast_to(a, shape)) for a in arrs]


def _pow(a, b):
    return np.power(*_contiguous(a, b))


def _growth(r, n):
    """(1 + r)^n - 1, accurate for tiny rates."""
    r, n = _contiguous(r, n)
    return np.expm1(n * np.log1p(r))


def _vintage_amort(rate, years, T):
    """Sum over the years v of spending of rate_v x weight(v, t) (see ``expr.VintageAmort``)."""
    t = np.arange(T, dtype=float).reshape(-1, 1)
    width = max(rate.shape[1], years.shape[1])
    out = np.zeros((T, width))
    for v in range(T):
        rv = rate[v]
        if not rv.any():
            continue
        end = v + years[v]
        w = (v < t) * ((end >= t) + (end < t) * (end > t - 1) * (end - t + 1))
        out = out + rv * w
    return out


def _sum_years(x, first=0):
    """The sum over years first..T-1, year by year in a fixed order (batch-independent bits)."""
    acc = np.zeros(x.shape[1])
    for k in range(first, x.shape[0]):
        acc = acc + x[k]
    return acc


def _sumproduct_years(a, b, first=0):
    width = max(a.shape[1], b.shape[1])
    acc = np.zeros(width)
    for k in range(first, max(a.shape[0], b.shape[0])):
        acc = acc + a[k] * b[k]
    return acc


def _sumabs_years(x, first=0):
    return _sum_years(np.abs(x), first)


def _maxabs_years(x, first=0):
    return np.max(np.abs(x[first:]), axis=0)


def _max_years(x, first=0):
    return np.max(x[first:], axis=0)


def _min_years(x, first=0):
    return np.min(x[first:], axis=0)


def _count_neg_years(x, first=0):
    return np.sum(x[first:] < 0, axis=0).astype(float)


def _count_above_one_years(x, first=0):
    return np.sum(x[first:] > 1, axis=0).astype(float)


def _vec(x):
    """A parameter as the loops read it: an (S,) vector when it varies, else the number."""
    return np.reshape(x, -1) if isinstance(x, np.ndarray) else x


def _width(*xs) -> int:
    return max([np.shape(x)[-1] for x in xs if np.ndim(x) >= 1] + [1])


class _Memo:
    """The metrics of one kernel call, sharing one IRR or payback search between a rate and its flag
    (and between two rows with the same values, such as project and equity flows without a loan)."""

    def __init__(self):
        self.cache: list[tuple[str, np.ndarray, Any]] = []
        self.flipped: list[tuple[np.ndarray, np.ndarray]] = []

    def _st(self, x: np.ndarray) -> np.ndarray:
        """A (years, scenarios) row as a contiguous (scenarios, years) array, once per row."""
        for src, out in self.flipped:
            if src is x:
                return out
        out = np.ascontiguousarray(x.T)
        self.flipped.append((x, out))
        return out

    def _details(self, group: str, flows: np.ndarray, compute):
        for g, arr, d in self.cache:
            if g == group and (arr is flows or (arr.shape == flows.shape and np.array_equal(arr, flows))):
                return d
        d = compute()
        self.cache.append((group, flows, d))
        return d

    def metric(self, fn: str, *rows, **kw):
        flows = self._st(rows[0])
        if fn in ("irr", "irr_multiple"):
            hurdle = kw.get("hurdle")
            h = None if hurdle is None else np.asarray(hurdle, dtype=float).reshape(-1)
            d = self._details(("irr", None if h is None else h.tobytes()), flows,
                              lambda: M.irr(flows, hurdle=h if h is None or h.size > 1 else float(h[0]),
                                            return_details=True))
            return np.asarray(d.rate if fn == "irr" else d.multiple, dtype=float).reshape(-1)
        if fn in ("payback", "payback_refit_negative"):
            d = self._details("payback", flows, lambda: M.payback(flows, return_details=True))
            return np.asarray(d.years if fn == "payback" else d.refit_negative, dtype=float).reshape(-1)
        if fn == "mirr":
            fin = np.asarray(kw["finance"], dtype=float).reshape(-1)
            rei = np.asarray(kw["reinvest"], dtype=float).reshape(-1)
            return np.asarray(M.mirr(flows, fin if fin.size > 1 else float(fin[0]),
                                     rei if rei.size > 1 else float(rei[0])), dtype=float).reshape(-1)
        if fn == "nanmin":
            with np.errstate(all="ignore"):
                ok = np.isfinite(flows)
                return np.where(ok.any(axis=1), np.min(np.where(ok, flows, np.inf), axis=1), np.nan)
        if fn == "min_cumulative":
            d = self._details("min_cumulative", flows, lambda: M.min_cumulative(flows))
            return np.asarray(d, dtype=float).reshape(-1)
        if fn == "discounted_payback":
            rate = np.asarray(kw["rate"], dtype=float).reshape(-1)
            return np.asarray(M.discounted_payback(rate, flows), dtype=float).reshape(-1)
        if fn in ("dscr_min", "dscr_avg"):
            ds = self._st(rows[1])
            if not np.any(ds > kw["min_ds"]):
                return np.full(max(flows.shape[0], ds.shape[0]), np.nan)
            cfads = np.broadcast_to(flows, np.broadcast_shapes(flows.shape, ds.shape))
            ds = np.where(ds > kw["min_ds"], np.broadcast_to(ds, cfads.shape), 0.0)
            f = M.dscr_min if fn == "dscr_min" else M.dscr_avg
            return np.asarray(f(cfads, ds), dtype=float).reshape(-1)
        raise FormulaError(f"unknown metric function {fn}")


NAMESPACE = {"np": np, "_2d": _2d, "_1d": _1d, "_lag": _lag, "_cumsum_years": _cumsum_years, "_pow": _pow, "_growth": _growth,
             "_vintage_amort": _vintage_amort, "_sum_years": _sum_years, "_sumproduct_years": _sumproduct_years,
             "_sumabs_years": _sumabs_years, "_max_years": _max_years, "_maxabs_years": _maxabs_years, "_min_years": _min_years,
             "_count_neg_years": _count_neg_years, "_count_above_one_years": _count_above_one_years,
             "_width": _width, "_vec": _vec, "_NAN": _NAN, "_Memo": _Memo}
