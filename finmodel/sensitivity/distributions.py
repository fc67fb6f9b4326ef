"""Marginal distributions of uncertain inputs, as quantile functions over arrays.

Every draw is made by inversion, ``x = Q(u)`` with ``u`` uniform on (0, 1), so that

* truncation is exact: a distribution truncated to ``[lo, hi]`` is
  ``Q(F(lo) + u (F(hi) - F(lo)))`` (no point masses at the bounds, no rejection loop);
* rank correlation acts on ``u`` alone (Iman-Conover reorders it, a Gaussian copula makes it),
  whatever the marginal;
* Sobol and Morris designs, made by SALib in the unit cube, map to the inputs by the same ``Q``.

Parameters follow :class:`finmodel.study_inputs.Distribution`; values are in the input's own unit.
Each :class:`Marginal` is also truncated to the valid range of its assumption (the schema's
``ge``/``le``), and counts how many draws that truncation moved.

References: triangular and PERT as in Vose, *Risk Analysis* (3rd ed., 2008), ch. III; the PERT
is a beta on [min, max] with alpha = 1 + lamb (mode - min)/(max - min), beta = 1 + lamb (max - mode)/(max - min).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from scipy import special

from ..errors import InputError
from ..i18n import t

# u strictly inside (0, 1) so that Q(u) stays finite for unbounded distributions
_U_EPS = 2.0 ** -53
_PERT_NODES = 65536  # intervals of the PERT quantile table


def _pert_shape(lo: float, mode: float, hi: float, lamb: float) -> tuple[float, float]:
    w = hi - lo
    return 1.0 + lamb * (mode - lo) / w, 1.0 + lamb * (hi - mode) / w


@dataclass
class Marginal:
    """One input's distribution, truncated to ``[lo, hi]`` (the schema's range and any declared truncation).

    ``kind`` is one of uniform, triangular, pert, normal, lognormal, discrete; ``params`` holds
    that kind's parameters (see :class:`finmodel.study_inputs.Distribution`). ``integer`` rounds
    draws to whole numbers (assumptions typed ``int``, such as years).
    """

    path: str
    kind: str
    params: dict
    valid_lo: float = -math.inf       # the assumption's valid range (schema)
    valid_hi: float = math.inf
    integer: bool = False
    source: str = ""
    _lo: float = field(init=False, default=-math.inf)   # effective truncation (declared and valid range)
    _hi: float = field(init=False, default=math.inf)
    _f_lo: float = field(init=False, default=0.0)       # F at the effective bounds
    _f_hi: float = field(init=False, default=1.0)
    _cut_lo: float = field(init=False, default=0.0)     # u below this: the draw was outside the valid range
    _cut_hi: float = field(init=False, default=1.0)
    _table: tuple | None = field(init=False, default=None, repr=False)

    def __post_init__(self):
        p = self.params
        k = self.kind
        where = f"uncertainty.inputs[{self.path}]"
        vr = f"{self.valid_lo:g}, {self.valid_hi:g}"
        if k == "discrete":
            vals = np.asarray(p["values"], dtype=float)
            probs = np.asarray(p.get("probs") or np.full(vals.size, 1.0 / vals.size), dtype=float)
            keep = probs > 0
            vals, probs = vals[keep], probs[keep]
            order = np.argsort(vals, kind="stable")
            vals, probs = vals[order], probs[order]
            bad = vals[(vals < self.valid_lo) | (vals > self.valid_hi)]
            if bad.size:
                raise InputError(t(f"value {bad[0]:g} is outside the valid range [{vr}]",
                                   f"取值 {bad[0]:g} 超出有效范围 [{vr}]"), source="uncertainty", key=self.path)
            cum = np.cumsum(probs)
            cum[-1] = 1.0
            self.params = {**p, "_values": vals, "_cum": cum}
            self._lo, self._hi = float(vals[0]), float(vals[-1])
            return
        declared_lo = p.get("min") if p.get("min") is not None else -math.inf
        declared_hi = p.get("max") if p.get("max") is not None else math.inf
        if k == "lognormal":
            s2 = math.log1p((p["sd"] / p["mean"]) ** 2)
            self.params = {**p, "_mu": math.log(p["mean"]) - s2 / 2.0, "_sigma": math.sqrt(s2)}
        if k == "pert" and p["max"] > p["min"]:
            self.params = {**self.params, "_ab": _pert_shape(p["min"], p["mode"], p["max"], p.get("lamb") or 4.0)}
        if self.degenerate:
            c = p["min"]
            if not (self.valid_lo <= c <= self.valid_hi):
                raise InputError(t(f"constant {c:g} is outside the valid range [{vr}]", f"常数 {c:g} 超出有效范围 [{vr}]"),
                                 source="uncertainty", key=self.path)
            self._lo = self._hi = float(c)
            return
        lo, hi = max(declared_lo, self.valid_lo), min(declared_hi, self.valid_hi)
        if lo > hi:
            raise InputError(t(f"the distribution lies outside the valid range [{vr}]", f"该分布位于有效范围 [{vr}] 之外"),
                             source="uncertainty", key=self.path)
        f_dlo, f_dhi = self.cdf(declared_lo), self.cdf(declared_hi)
        f_lo, f_hi = self.cdf(lo), self.cdf(hi)
        if not f_hi - f_lo > 0:
            raise InputError(t(f"no probability left inside the valid range [{vr}] (check {where})",
                               f"有效范围 [{vr}] 内没有概率(请检查 {where})"), source="uncertainty", key=self.path)
        self._lo, self._hi, self._f_lo, self._f_hi = lo, hi, f_lo, f_hi
        span = f_dhi - f_dlo
        self._cut_lo = (f_lo - f_dlo) / span
        self._cut_hi = (f_hi - f_dlo) / span

    # ------------------------------------------------------------------ properties
    @property
    def degenerate(self) -> bool:
        """A constant: uniform/triangular/PERT with min = max."""
        return self.kind in ("uniform", "triangular", "pert") and self.params["min"] == self.params["max"]

    @property
    def bounds(self) -> tuple[float, float]:
        """Support after truncation: (lowest, highest) value a draw can take."""
        return self._lo, self._hi

    @property
    def mass_outside(self) -> float:
        """Probability the declared distribution puts outside the valid range (removed by truncation)."""
        return float(self._cut_lo + (1.0 - self._cut_hi))

    def describe(self) -> dict:
        """The declared parameters, for reports (JSON-ready)."""
        keys = ("min", "mode", "max", "mean", "sd", "lamb", "values", "probs")
        return {"path": self.path, "dist": self.kind,
                **{k: self.params.get(k) for k in keys if self.params.get(k) is not None},
                "valid_range": [self.valid_lo, self.valid_hi]}

    # ------------------------------------------------------------------ CDF and quantile (untruncated)
    def cdf(self, x):
        """P(X <= x) of the declared distribution before truncation to the valid range."""
        p, k = self.params, self.kind
        x = np.asarray(x, dtype=float)
        if k == "uniform":
            lo, hi = p["min"], p["max"]
            out = np.clip((x - lo) / (hi - lo), 0.0, 1.0)
        elif k == "triangular":
            a, c, b = p["min"], p["mode"], p["max"]
            with np.errstate(divide="ignore", invalid="ignore"):
                left = (x - a) ** 2 / ((b - a) * (c - a)) if c > a else np.ones_like(x)
                right = 1.0 - (b - x) ** 2 / ((b - a) * (b - c)) if b > c else np.ones_like(x)
            out = np.where(x <= a, 0.0, np.where(x >= b, 1.0, np.where(x <= c, left, right)))
        elif k == "pert":
            a, b = p["min"], p["max"]
            al, be = p["_ab"]
            out = special.betainc(al, be, np.clip((x - a) / (b - a), 0.0, 1.0))
        elif k == "normal":
            out = special.ndtr((x - p["mean"]) / p["sd"])
        elif k == "lognormal":
            with np.errstate(divide="ignore", invalid="ignore"):
                z = (np.log(np.where(x > 0, x, 1.0)) - p["_mu"]) / p["_sigma"]
            out = np.where(x > 0, special.ndtr(z), 0.0)
        else:  # discrete
            vals, cum = p["_values"], p["_cum"]
            i = np.searchsorted(vals, x, side="right")
            out = np.where(i > 0, cum[np.maximum(i - 1, 0)], 0.0)
        return float(out) if out.ndim == 0 else out

    def _q(self, u: np.ndarray) -> np.ndarray:
        p, k = self.params, self.kind
        if k == "uniform":
            return p["min"] + u * (p["max"] - p["min"])
        if k == "triangular":
            a, c, b = p["min"], p["mode"], p["max"]
            fc = (c - a) / (b - a)
            left = a + np.sqrt(u * (b - a) * (c - a))
            right = b - np.sqrt((1.0 - u) * (b - a) * (b - c))
            return np.where(u < fc, left, right)
        if k == "pert":
            a, b = p["min"], p["max"]
            return a + (b - a) * self._beta_ppf(u)
        if k == "normal":
            return p["mean"] + p["sd"] * special.ndtri(u)
        if k == "lognormal":
            return np.exp(p["_mu"] + p["_sigma"] * special.ndtri(u))
        vals, cum = p["_values"], p["_cum"]
        return vals[np.minimum(np.searchsorted(cum, u, side="right"), vals.size - 1)]

    def _beta_ppf(self, u: np.ndarray) -> np.ndarray:
        """Beta quantile by linear interpolation in a table of the exact CDF on 65,537 Chebyshev nodes.

        ``scipy.special.betaincinv`` is exact but takes about 1.8 s per million draws here; the
        table (built once per input, ~20 ms) is within about 1e-9 of it, relative to the range
        (nodes cluster at both ends, where the quantile function is steepest).
        """
        if self._table is None:
            al, be = self.params["_ab"]
            z = 0.5 * (1.0 - np.cos(np.pi * np.arange(_PERT_NODES + 1) / _PERT_NODES))
            self._table = (special.betainc(al, be, z), z)
        fz, z = self._table
        return np.interp(u, fz, z)

    # ------------------------------------------------------------------ drawing
    def ppf(self, u) -> np.ndarray:
        """Quantile of the truncated distribution at ``u`` in [0, 1] (draws, Sobol and Morris points)."""
        u = np.asarray(u, dtype=float)
        if self.kind == "discrete":
            x = self._q(u)
        elif self.degenerate:
            x = np.full(u.shape, float(self.params["min"]))
        else:
            v = self._f_lo + np.clip(u, _U_EPS, 1.0 - _U_EPS) * (self._f_hi - self._f_lo)
            x = np.clip(self._q(v), self._lo, self._hi)
        if self.integer:
            x = np.clip(np.rint(x), math.ceil(self.valid_lo), math.floor(self.valid_hi))
        return x

    def truncated(self, u: np.ndarray) -> int:
        """How many of these uniforms the declared distribution put outside the valid range."""
        if self.kind == "discrete" or self.degenerate or (self._cut_lo <= 0.0 and self._cut_hi >= 1.0):
            return 0
        return int(np.count_nonzero(u < self._cut_lo) + np.count_nonzero(u > self._cut_hi))


def uniform(path: str, lo: float, hi: float, *, valid=(-math.inf, math.inf), integer: bool = False) -> Marginal:
    """A uniform marginal on [lo, hi]: the input space of Sobol and Morris over declared ranges."""
    return Marginal(path, "uniform", {"min": float(lo), "max": float(hi)}, valid[0], valid[1], integer)
