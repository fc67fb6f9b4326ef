"""The IRR rule of docs/model.md section 5 written out plainly, as a test oracle.

Given every distinct real root of a series with several sign changes (found by the caller: the
companion-matrix eigenvalues of test_irr_oracle.py, numpy_financial's np.roots, or exactly),
the sign of NPV between neighbouring roots is taken in exact rational arithmetic and the rule
applied: roots below -50 % are artefacts (listed, never the IRR, not counted); one root at or
above -50 %: that root; several: the investment root (NPV > 0 just below it, < 0 just above)
nearest the hurdle, the lower of two at the same distance; none: NaN. Nothing of finmodel's
solver is used.
"""

from __future__ import annotations

import math
from fractions import Fraction

ARTEFACT_BELOW = -0.5


def npv_sign(flows, x: float) -> int:
    """Sign of sum_t flows_t x**t, exactly (the flows and x as the floats they are)."""
    xf, acc = Fraction(x), Fraction(0)
    for c in reversed([float(f) for f in flows]):
        acc = acc * xf + Fraction(c)
    return (acc > 0) - (acc < 0)


def crossings(flows, rates: list[float]) -> list[int]:
    """For sorted distinct roots: +1 where NPV falls through zero as the rate rises, -1 where it
    rises, 0 where it touches and turns back. NPV is taken beyond the outer roots (x = 1/(1+r)
    doubled or halved) and between neighbours (geometric mean of their x)."""
    x = [1.0 / (1.0 + r) for r in rates]
    points = [2.0 * x[0]] + [math.sqrt(a * b) for a, b in zip(x[:-1], x[1:])] + [0.5 * x[-1]]
    s = [npv_sign(flows, p) for p in points]
    return [1 if s[i] > 0 > s[i + 1] else -1 if s[i] < 0 < s[i + 1] else 0
            for i in range(len(rates))]  # fmt: skip


def rule(flows, rates, hurdle: float = 0.0) -> tuple[float, str, bool]:
    """(rate, reason, multiple) of a series with two or more sign changes, from its distinct
    real roots ``rates`` (all of them, artefacts included)."""
    rates = sorted(float(r) for r in rates)
    if not rates:
        return math.nan, "no_root", False
    high = [(r, c) for r, c in zip(rates, crossings(flows, rates)) if r >= ARTEFACT_BELOW]
    if not high:
        return math.nan, "artefact_roots_only", False
    if len(high) == 1:
        return high[0][0], "ok", False
    invest = [r for r, c in high if c > 0]
    if not invest:
        return math.nan, "no_investment_root", True
    return min(invest, key=lambda r: (abs(r - hurdle), r)), "multiple_roots", True


def investment_tie(rates, flows, hurdle: float = 0.0, tol: float = 1e-6) -> bool:
    """Whether two investment roots at or above -50 % are (nearly) as far from the hurdle: then
    which one is chosen depends on rounding."""
    rates = sorted(float(r) for r in rates)
    if len(rates) < 2:
        return False
    d = sorted(abs(r - hurdle) for r, c in zip(rates, crossings(flows, rates))
               if c > 0 and r >= ARTEFACT_BELOW)  # fmt: skip
    return any(b - a <= tol * (1.0 + a) for a, b in zip(d, d[1:]))


def _trim(p: list[Fraction]) -> list[Fraction]:
    while p and p[-1] == 0:
        p = p[:-1]
    return p


def _divmod(a: list[Fraction], b: list[Fraction]) -> tuple[list[Fraction], list[Fraction]]:
    """Polynomial division (coefficients lowest power first), exact."""
    a, q = a[:], [Fraction(0)] * max(1, len(a) - len(b) + 1)
    while len(a) >= len(b) and a:
        k, f = len(a) - len(b), a[-1] / b[-1]
        q[k] = f
        for i, c in enumerate(b):
            a[i + k] -= f * c
        a = _trim(a[:-1])
    return q, a


def square_free(flows) -> tuple[list[float], bool]:
    """p / gcd(p, p') of sum_t flows_t x**t in exact arithmetic (the flows as the floats they
    are), without x**m factors: the same positive roots, each simple. Returns its coefficients
    (lowest power first) and whether p itself had a repeated root."""
    p = _trim([Fraction(float(f)) for f in flows])
    while p and p[0] == 0:
        p = p[1:]
    if len(p) < 2:
        return [float(c) for c in p], False
    a, b = p, _trim([i * c for i, c in enumerate(p)][1:])
    while b:
        a, b = b, _trim(_divmod(a, b)[1])
    q, r = _divmod(p, a)
    assert not _trim(r)
    return [float(c) for c in _trim(q)], len(a) > 1
