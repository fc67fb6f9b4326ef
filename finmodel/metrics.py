"""Investment metrics over cash-flow arrays: NPV, IRR, payback, DSCR, ratios of sums.

Conventions (docs/model.md section 5)
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

IRR policy (docs/model.md section 5)
-------------------------------
The IRR is a root of ``NPV(rate) = 0`` with ``rate > -1``. Writing ``x = 1 / (1 + rate)`` turns
NPV into the polynomial ``p(x) = sum_t flows_t * x**t``; its positive real roots are the IRRs.
By Descartes' rule of signs the number of positive roots is the number of sign changes ``V`` in
the flows (zeros skipped) minus an even number.

With several sign changes, a root below -50 % (:data:`IRR_ARTEFACT_BELOW`) is an **artefact**
(e.g. the one a small final outflow such as a hand-back cost creates next to -100 %): it is
listed in ``roots`` but is never the IRR and is not counted towards ``multiple``. Of the other
roots, an **investment root** is one where NPV *falls* through zero as the rate rises (NPV > 0
just below it, < 0 just above); a root where NPV touches zero and turns back (even
multiplicity) is not a crossing.

==============================  ========================================  =========================
flows (``V`` sign changes)      result                                    ``reason``
==============================  ========================================  =========================
zero years                      NaN                                       ``'empty'``
``V = 0``                       NaN (flows of one sign, or all zero)      ``'no_sign_change'``
``V = 1``                       the unique root (whatever its size)       ``'ok'``
``V >= 2``, no root             NaN                                       ``'no_root'``
``V >= 2``, only artefacts      NaN (the artefacts listed in ``roots``)   ``'artefact_roots_only'``
``V >= 2``, one root >= -50 %   that root (artefacts listed)              ``'ok'``
``V >= 2``, several >= -50 %    the investment root nearest the hurdle    ``'multiple_roots'``
... none an investment root     NaN                                       ``'no_investment_root'``
NaN or inf in flows             NaN                                       ``'nonfinite'``
==============================  ========================================  =========================

``multiple`` is True in the two rows with several roots at or above -50 %, False elsewhere.

The hurdle is the ``hurdle`` argument of :func:`irr` (meant for the scenario's hurdle rate);
without one the investment root nearest 0 is taken. Two at the same distance: the lower. With
one sign change the root is unique and ``numpy_financial.irr`` (1.0.0) is the oracle: the two
agree to 1e-9. With several, numpy_financial returns the root nearest 0 whatever its kind, so it
agrees only where that root is also the one chosen here. No decision should rest on an IRR:
docs/model.md asks every viability, cap or target test to be an NPV test at the stated rate.
:func:`mirr` (Excel's MIRR) is offered beside it.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ._irr import _ARTEFACT, _irr_by_rows, _roots_by_np_roots, _roots_of_one

__all__ = [
    "IRR_ARTEFACT_BELOW",
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
    "mirr",
    "npv",
    "payback",
    "ratio_of_sums",
]

#: Every value ``IRRResult.reason`` can take (see the module docstring for their meaning).
IRR_REASONS = (
    "ok",
    "no_sign_change",
    "no_root",
    "multiple_roots",
    "empty",
    "nonfinite",
    "no_investment_root",
    "artefact_roots_only",
)

#: With several sign changes, roots below this rate are artefacts: listed, never the IRR.
IRR_ARTEFACT_BELOW = _ARTEFACT


class IRRResult(NamedTuple):
    """Details of :func:`irr`. Scalars for 1-D flows, ``(S,)`` arrays for 2-D flows.

    Attributes
    ----------
    rate : float or ndarray
        The IRR, a fraction per year; NaN where there is none.
    n_sign_changes : int or ndarray of int
        Sign changes in the flows, zeros skipped (Descartes' bound on the number of IRRs).
    multiple : bool or ndarray of bool
        True where more than one root lies at or above -50 % (artefacts below do not count);
        ``rate`` is then the investment root nearest the hurdle, or NaN if there is none.
    reason : str or ndarray of str
        One of :data:`IRR_REASONS`.
    roots : list of float or None
        For 1-D flows, every IRR found, artefacts below -50 % included, sorted ascending
        (``[]`` when there is none); None for 2-D flows.
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




def irr(flows, *, hurdle=None, return_details: bool = False):
    r"""Internal rate of return of each scenario's cash flows, vectorised over scenarios.

    The IRR is the rate :math:`r > -1` at which

    .. math:: NPV(r) = \sum_{t=0}^{n-1} \frac{CF_t}{(1 + r)^t} = 0 .

    With :math:`x = 1/(1+r)` this is the polynomial :math:`p(x) = \sum_t CF_t x^t`; its positive
    real roots are the IRRs and Descartes' rule bounds their number by the sign changes of the
    flows. The policy for no root and several roots (artefacts below -50 %, the investment root
    nearest the hurdle) is in the module docstring (reason codes :data:`IRR_REASONS`).

    Method, all rows at once:

    - One sign change (a conventional project): the root is unique. Newton on :math:`p` from a
      two-lump estimate; rows Newton does not settle in 50 steps (or that leave :math:`x > 0`)
      go to bisection in :math:`\log x` between the Cauchy root bounds.
    - Several sign changes, first by Descartes' rule of signs on six fixed cells that cover
      every rate (0 to 10.3 %, -9.4 % to 0, -25 % to -9.4 %, above 10.3 %, -50 % to -25 %,
      below -50 %: the artefact bound is a cell edge). On a
      cell :math:`[a, b]` (in :math:`x` for rates >= 0, in :math:`1/x` for rates <= 0) the
      polynomial :math:`(1+y)^d p((a + b y)/(1 + y))` has the roots of :math:`p` in the cell as
      its positive roots, so their number is at most the sign changes of its coefficients and
      of the same parity. Those coefficients, for every row and cell, come from one matrix
      product in exact integer arithmetic (flows rounded to 26 bits, the cell matrices to 22;
      the signs are taken only where they exceed a proved bound on that rounding), so they are
      the same whatever the batch. A cell whose coefficients keep one sign holds no root; one
      where they change sign once holds exactly one, a simple root, and the sign of the first
      coefficient (:math:`p` at the cell's end) tells whether NPV falls or rises through zero
      there. This gives the number of roots at or above -50 % (0, 1, or more) and which are
      investment roots; below -50 % only whether there is one matters, which the parity of
      the flows' sign changes often tells (the number of roots, with multiplicity, has it).
      Only the cells whose root can be the IRR are refined, by Newton inside the cell: the one
      root above -50 %, or the investment roots of a row with several. An undecided cell that
      matters is cut into 8 equal cells, tested the same way (again to 44 bits where 22 do not
      decide), up to 3 times.
    - Rows still undecided (e.g. roots closer than the cells can separate, a root on a cell
      edge such as a rate of exactly 0, series longer than 34 years) go to a grid in
      :math:`\log x` (5 % steps in :math:`1+r`) between the
      Cauchy bounds. With :math:`B_2` a bound on :math:`|p''|` over a cell (:math:`p''` with
      absolute coefficients), each cell is proved root-free (the tangent at its left end stays
      further from 0 than :math:`B_2 h^2/2`) or monotone (:math:`|p'| > B_2 h`: one root if
      :math:`p` changes sign across it, none otherwise), or else cut in 8 and tested again.
      Every root is so bracketed alone, with the sign of :math:`p` at the bracket's end (its
      direction), and refined by the Illinois method (regula falsi). Rows still unresolved at
      a width of 1e-10 or within rounding of 0 (tangent or nearly double roots, complex pairs
      hugging the real axis) take the real roots of ``np.roots`` as numpy_financial does,
      roots within 1e-6 of each other counting as one, and the sign of NPV between them:
      there the answer depends on rounding.

    Each row's result is the same bit for bit whatever the other rows in the call: every
    decision is taken on exact integers or on element-wise arithmetic of the row alone.

    Accuracy: roots are found to rounding of :math:`p` (about 1e-15 in :math:`x`). Agreement
    with numpy_financial (one sign change; with several, wherever it picks the same root) is to
    about 1e-12 on ordinary flows; with coefficients spanning many
    orders of magnitude (e.g. a last flow 1e-9 of the others) ``np.roots`` itself can be off by
    more than 1e-9 and this function is the closer of the two. A rate within rounding of -100 %
    comes out as -1.0.

    Parameters
    ----------
    flows : array_like, shape (n,) or (S, n)
        Cash flows of years 0..n-1 [CNY], inflows positive.
    hurdle : float or array_like, shape (S,), optional, keyword-only
        Hurdle rate [fraction per year], one or one per scenario: where several investment
        roots lie above -50 %, the one nearest it is the IRR. None (the default) means 0, a
        neutral choice; meant for the scenario's hurdle rate. It changes nothing else.
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

    [-100, 230, -132]: -100 + 230x - 132x^2 = 0 at x = 10/11 and 5/6, i.e. roots of 10 % and 20 %.
    NPV is -2 at 0 %, +0.19 at 15 % and -0.48 at 25 %: it rises through zero at 10 % and falls
    at 20 %, the investment root, which is returned, flagged:

    >>> res = irr([-100, 230, -132], return_details=True)
    >>> round(res.rate, 12), res.multiple, res.reason, [round(r, 12) for r in res.roots]
    (0.2, True, 'multiple_roots', [0.1, 0.2])

    [-100, 20, 109, -11] (an outlay, inflows, a small hand-back cost) is
    -(11x - 10)(x - 10)(x + 1): roots x = 10/11 and 10, i.e. 10 % and -90 %. The second is an
    artefact, listed only; the result is not "multiple":

    >>> res = irr([-100, 20, 109, -11], return_details=True)
    >>> round(res.rate, 12), res.multiple, res.reason, [round(r, 12) for r in res.roots]
    (0.1, False, 'ok', [-0.9, 0.1])
    """
    v, one = _as_flows(flows)
    rate, n_sign, multiple, why = _irr_by_rows(v, _hurdles(hurdle, v.shape[0]))
    if not return_details:
        return _out(rate, one)
    return _irr_details(v, one, rate, n_sign, multiple, why)


def _hurdles(hurdle, n_rows: int) -> np.ndarray:
    """The hurdle rate of each of ``n_rows`` rows, (n_rows,): 0 for None."""
    if hurdle is None:
        return np.zeros(n_rows)
    h = np.asarray(hurdle, dtype=float)
    if h.ndim > 1 or (h.ndim == 1 and h.shape[0] not in (1, n_rows)):
        raise ValueError(
            f"hurdle must be a scalar or have shape ({n_rows},), one per scenario; "
            f"got shape {h.shape}"
        )
    if not np.isfinite(h).all():
        raise ValueError("hurdle must be finite")
    return np.ascontiguousarray(np.broadcast_to(h, (n_rows,)))


def _irr_details(v: np.ndarray, one: bool, rate, n_sign, multiple, why) -> IRRResult:
    """:func:`irr`'s IRRResult from its per-row results; ``why`` indexes :data:`IRR_REASONS`."""
    reason = np.array(IRR_REASONS)[why]
    return IRRResult(
        rate=_out(rate, one),
        n_sign_changes=_out(n_sign, one),
        multiple=_out(multiple, one),
        reason=str(reason[0]) if one else reason,
        roots=_roots_of_one(v[0], float(rate[0]), int(n_sign[0]), int(why[0])) if one else None,
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


def mirr(flows, finance_rate, reinvest_rate):
    r"""Modified internal rate of return, as Excel's ``MIRR(values, finance_rate, reinvest_rate)``.

    Outflows are financed at ``finance_rate`` and inflows reinvested at ``reinvest_rate``; with
    :math:`n` values and Excel's ``NPV`` (which discounts the first value one period:
    :math:`\mathrm{NPV}(r, v) = \sum_{i=1}^{n} v_i / (1 + r)^i`),

    .. math::

        MIRR = \left( \frac{-\mathrm{NPV}(rr, v^+) (1 + rr)^n}
                           {\mathrm{NPV}(fr, v^-) (1 + fr)} \right)^{1/(n-1)} - 1

    where :math:`v^+` keeps the positive values (others 0) and :math:`v^-` the negative ones.
    This is the future value of the inflows at the end of year :math:`n - 1` over the present
    value of the outflows at year 0, as a yearly rate over :math:`n - 1` years. The formula is
    Microsoft's (Excel's MIRR function, support.microsoft.com) and ECMA-376 Part 4's; zeros
    count as values (they lengthen :math:`n`), as they do in Excel.

    Parameters
    ----------
    flows : array_like, shape (n,) or (S, n)
        Cash flows of years 0..n-1 [CNY], inflows positive.
    finance_rate, reinvest_rate : float or array_like, shape (S,)
        Yearly rates [fraction per year], one or one per scenario.

    Returns
    -------
    float or ndarray, shape (S,)
        MIRR [fraction per year]; NaN where the flows lack a positive or a negative value (Excel's
        ``#DIV/0!``), or a rate is at or below -100 %.

    Examples
    --------
    -100 now, +150 in two years, finance 10 %, reinvest 12 %: (150 / 100)**(1/2) - 1.

    >>> round(mirr([-100, 0, 150], 0.10, 0.12), 12) == round(1.5 ** 0.5 - 1, 12)
    True
    """
    v, one = _as_flows(flows)
    fr, v, scalar_f = _rows_for_rate(_as_rate(finance_rate), v, one)
    rr, v, scalar_r = _rows_for_rate(_as_rate(reinvest_rate), v, one)
    n = v.shape[1]
    i = np.arange(1, n + 1)  # Excel's NPV discounts the first value one period
    pos = np.where(v > 0, v, 0.0)
    neg = np.where(v < 0, v, 0.0)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        npv_pos = (pos / (1.0 + rr) ** i).sum(axis=-1)
        npv_neg = (neg / (1.0 + fr) ** i).sum(axis=-1)
        ratio = -npv_pos * (1.0 + rr[:, 0]) ** n / (npv_neg * (1.0 + fr[:, 0]))
        value = ratio ** (1.0 / (n - 1)) - 1.0 if n > 1 else np.full(v.shape[0], np.nan)
    ok = (pos > 0).any(axis=-1) & (neg < 0).any(axis=-1) & (fr[:, 0] > -1.0) & (rr[:, 0] > -1.0)
    value = np.where(ok & np.isfinite(value), value, np.nan)
    return _out(value, scalar_f and scalar_r)


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

    Used for the concession ratios (docs/model.md section 5): margin = net income / operating revenue
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
