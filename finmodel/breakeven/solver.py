"""The vectorised solver: bracket every problem on a grid, refine every bracket together."""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np

from .. import i18n
from ..assumptions import Assumptions
from ..errors import UsageError
from .drivers import MAX_WHOLE, Driver, default_range, resolve_driver
from .evaluator import _Evaluator
from .problem import Pick, _Bound, _h, _Outcome, _Problem
from .refine import _keep, _refine
from .results import BreakEven, _result
from ..registry import IRR_AS_NPV
from .targets import Target, _number, parse_target

_REL_STEPS = np.array([-0.9, -0.75, -0.5, -0.25, -0.1, -0.05, -0.01, 0.0, 0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 4.0])
_K = 56
#: Refinement passes: the first, then as many looks again as new jumps or crossings call for.
MAX_PASSES = 8


def _unique(a: np.ndarray) -> np.ndarray:
    """np.unique of a 1-D array without NaN that matter (sorted, each value once): np.unique
    itself imports numpy.ma on its first call (about 10 ms of a command line run)."""
    a = np.sort(a)
    return a[np.concatenate(([True], a[1:] != a[:-1]))] if a.size else a


def _grid(lo: float, hi: float, base: float) -> np.ndarray:
    """About 50 candidates in [lo, hi]: even, around the base, and geometric across magnitudes."""
    pts = [np.linspace(lo, hi, 25)]
    if base != 0:
        pts.append(base * (1.0 + _REL_STEPS))
    if lo >= 0 and hi > 0:
        pts.append(np.geomspace(max(lo, hi * 1e-6), hi, 13))
    g = _unique(np.clip(np.concatenate(pts), lo, hi))
    g = g[(g >= lo) & (g <= hi)]
    if g.size > _K:
        keep = _unique(np.concatenate([[0, g.size - 1], np.round(np.linspace(0, g.size - 1, _K - 2)).astype(int)]))
        g = g[keep]
    return np.concatenate([g, np.full(_K - g.size, hi)]) if g.size < _K else g


def _candidates(p: _Problem) -> np.ndarray:
    """The values to score first: the grid (every whole value for a whole-number driver), then the base."""
    if p.driver.kind == "whole":
        xs = np.arange(math.ceil(p.lo), math.floor(p.hi) + 1, dtype=float)
    else:
        xs = _grid(p.lo, p.hi, p.x0)
    return np.append(xs, p.driver.base_value)


def _whole_bounds(p: _Problem, xs: np.ndarray, m: np.ndarray, h: np.ndarray) -> list[_Bound]:
    """Whole values: neighbours among the valid values; the answer is a whole value, no refinement."""
    t = p.target
    ok = ~np.isnan(h)
    sat = h >= 0
    bounds: list[_Bound] = []
    k = np.flatnonzero(ok)
    for j0, j1 in zip(k[:-1], k[1:]):
        if sat[j0] == sat[j1]:
            continue
        js, ju = (j0, j1) if sat[j0] else (j1, j0)
        if t.op == "=":   # the first value at or past the crossing, moving from base
            js, ju = (j1, j0) if abs(xs[j1] - p.x0) >= abs(xs[j0] - p.x0) else (j0, j1)
        direction = None if t.op == "=" else ("floor" if xs[js] > xs[ju] else "ceiling")
        bounds.append(_Bound(xs[js], m[js], xs[ju], m[ju], bool(h[js] == 0), 0, direction))
    return bounds


def _grid_bounds(i: int, p: _Problem, xs: np.ndarray, m: np.ndarray, h: np.ndarray,
                 brackets: list) -> list[_Bound]:
    """Exact hits of an ``=`` target among the candidates; adds each sign change to ``brackets``."""
    t = p.target
    ok = ~np.isnan(h)
    sat = h >= 0
    bounds: list[_Bound] = []
    for j0 in range(xs.size - 1):
        j1 = j0 + 1
        if not (ok[j0] and ok[j1]):
            continue
        if sat[j0] != sat[j1]:
            brackets.append((i, xs[j0], xs[j1], h[j0], h[j1], m[j0], m[j1]))
        elif t.op == "=" and h[j0] == 0:
            bounds.append(_Bound(xs[j0], m[j0], xs[j0], m[j0], True, 0, None))
    if t.op == "=" and ok[-1] and h[-1] == 0:
        bounds.append(_Bound(xs[-1], m[-1], xs[-1], m[-1], True, 0, None))
    return bounds


def _first_outcome(i: int, p: _Problem, cands: np.ndarray, m_all: np.ndarray, ev: _Evaluator,
                   brackets: list) -> _Outcome:
    """A problem's outcome from its scored candidates (the base value last); its brackets go to ``brackets``."""
    t = p.target
    xs, m, base_metric = cands[:-1], m_all[:-1], float(m_all[-1])
    xs, idx = np.unique(xs, return_index=True)
    m = m[idx]
    h = _h(t, m)
    if p.driver.kind == "whole":
        bounds = _whole_bounds(p, xs, m, h)
    else:
        bounds = _grid_bounds(i, p, xs, m, h, brackets)
    bad = [(float(x), ev.invalid[(p.driver.spec, float(x))]) for x in xs if (p.driver.spec, float(x)) in ev.invalid]
    return _Outcome(xs, m, h, base_metric, bounds, 0, cands.size, bad)


def _looks(problems: Sequence[_Problem], found) -> list[tuple[int, float, float]]:
    """Stretches to look at again: their two ends are on the same side of the target."""
    looks = []
    for i, bd, (a0, b0) in found:
        p = problems[i]
        lo_x, hi_x = min(bd.x, bd.other_x), max(bd.x, bd.other_x)
        if p.target.op == "=" and not bd.exact:
            looks += [(i, a0, lo_x), (i, hi_x, b0)]
        elif p.pick == "lowest" or (p.pick == "nearest" and p.x0 < lo_x):
            looks.append((i, a0, lo_x))
        elif p.pick == "highest" or (p.pick == "nearest" and p.x0 > hi_x):
            looks.append((i, hi_x, b0))
    return [(i, u, v) for i, u, v in looks if v - u > 1e-9 * (problems[i].hi - problems[i].lo)]


def _rescan(problems: Sequence[_Problem], outcomes: list[_Outcome], looks, ev: _Evaluator) -> tuple[list, list]:
    """Each stretch sampled at 17 points, all in one engine call.

    Returns the brackets of the sign changes, and the cells to sample again: a cell where the
    metric turns against both neighbours (a jump whose two sides are on the same side of the
    target can hide a crossing beside it).
    """
    xs_l = [np.linspace(u, v, 17) for _, u, v in looks]
    res = ev.run([(problems[i].driver, x, problems[i].fixed) for (i, _, _), x in zip(looks, xs_l)])
    brackets, again = [], []
    for (i, _, _), x, r in zip(looks, xs_l, res):
        t = problems[i].target
        m = r[t.metric]
        h = _h(t, m)
        outcomes[i].evaluations += x.size
        for j0 in range(x.size - 1):
            if not (np.isnan(h[j0]) or np.isnan(h[j0 + 1])) and (h[j0] >= 0) != (h[j0 + 1] >= 0):
                brackets.append((i, x[j0], x[j0 + 1], h[j0], h[j0 + 1], m[j0], m[j0 + 1]))
        if t.op == "=":
            d = np.sign(np.diff(h))
            for j in range(1, d.size - 1):
                if d[j] != 0 and d[j] != d[j - 1] and d[j] != d[j + 1] and (h[j] >= 0) == (h[j + 1] >= 0):
                    again.append((i, float(x[j]), float(x[j + 1])))
    return brackets, again


def _solve_problems(a: Assumptions, problems: Sequence[_Problem]) -> tuple[list[_Outcome], _Evaluator]:
    """Bracket and refine every problem together (see the package docstring).

    Pass 1 scores each problem's grid and refines every sign change. A bracket can hide more than
    one crossing, so further passes (up to ``MAX_PASSES`` in all, while they find something new)
    look again where an answer may not be the whole story: both sides of a jump for an ``=`` target (a root may sit beside the jump), and the part
    of the bracket between the answer and the side the pick prefers (below it for ``"lowest"``,
    above it for ``"highest"``, toward the base value for ``"nearest"``). Each such stretch is
    sampled at 17 points in one shared engine call and its sign changes are refined.
    """
    ev = _Evaluator(a, [p.target.metric for p in problems])
    cands = [_candidates(p) for p in problems]
    res = ev.run([(p.driver, x, p.fixed) for p, x in zip(problems, cands)])
    brackets: list = []   # (problem index, a, b, ha, hb, ma, mb)
    outcomes = []
    for i, p in enumerate(problems):
        outcomes.append(_first_outcome(i, p, cands[i], res[i][p.target.metric], ev, brackets))
    pending = _keep(problems, brackets)
    again: list = []
    for pass_no in range(MAX_PASSES):
        if not pending:
            break
        found = _refine(problems, outcomes, pending, ev)
        if pass_no == MAX_PASSES - 1:
            break
        looks = _looks(problems, found) + again
        if not looks:
            break
        brackets, again = _rescan(problems, outcomes, looks, ev)
        pending = _keep(problems, brackets)
        if not pending and again:
            pending = []
            brackets, again = _rescan(problems, outcomes, again, ev)
            pending = _keep(problems, brackets)
    return outcomes, ev


# --------------------------------------------------------------------------- public API
def _problem(a: Assumptions, vary: str | Driver, target: str | Target, lo=None, hi=None, pick: Pick = "nearest",
             fixed: dict[str, float] | None = None) -> _Problem:
    d = vary if isinstance(vary, Driver) else resolve_driver(a, vary)
    t = parse_target(target)
    asked = None
    if t.metric in IRR_AS_NPV:          # IRR >= r  <=>  NPV(r) >= 0: solve the NPV test
        npv_metric, rate_path = IRR_AS_NPV[t.metric]
        asked, t = t, Target(npv_metric, t.op, 0.0)
        fixed = {**(fixed or {}), rate_path: asked.value}
    dlo, dhi = default_range(d)
    base = d.base_value

    def end(v, default, param):
        if v is None:
            return default
        if isinstance(v, str):
            val, pct = _number(v, i18n.t("range end", "范围端点"), param)
            if pct:
                if base == 0:
                    raise UsageError(i18n.t("a relative range end needs a non-zero base value",
                                            "相对的范围端点需要非零的基准值"), param=param)
                return base * (1.0 + val)
            return val
        v = float(v)
        if not math.isfinite(v):
            raise UsageError(i18n.t(f"range end {v} must be finite", f"范围端点 {v} 必须是有限值"), param=param)
        return v

    rlo, rhi = end(lo, dlo, "lo"), end(hi, dhi, "hi")
    if not rlo < rhi:
        raise UsageError(i18n.t(f"LO must be below HI, got {rlo:g}:{rhi:g}", f"LO 必须小于 HI,实为 {rlo:g}:{rhi:g}"),
                         param="lo")
    clo, chi = max(rlo, d.lo), min(rhi, d.hi)
    if d.kind == "scale":
        clo = max(clo, 0.0)
    if d.kind == "whole":
        clo, chi = math.ceil(clo), math.floor(chi)
        if chi - clo > MAX_WHOLE:
            raise UsageError(i18n.t(f"range of {chi - clo:g} whole values is too wide (at most {MAX_WHOLE})",
                                    f"范围含 {chi - clo:g} 个整数值,过宽(至多 {MAX_WHOLE} 个)"), param="lo")
    if not clo < chi:
        raise UsageError(i18n.t(f"range {rlo:g}:{rhi:g} is outside the valid range [{d.lo:g}, {d.hi:g}] of {d.spec}",
                                f"范围 {rlo:g}:{rhi:g} 超出 {d.spec} 的有效范围 [{d.lo:g}, {d.hi:g}]"), param="lo")
    if pick not in ("nearest", "lowest", "highest"):
        raise UsageError(i18n.t(f"pick must be nearest, lowest or highest, got '{pick}'",
                                f"pick 须为 nearest、lowest 或 highest,实为 '{pick}'"), param="pick")
    return _Problem(d, t, float(clo), float(chi), pick, dict(fixed or {}),
                    driver_calibration_year=a.scenario.calibration_year, asked=asked)


def solve(a: Assumptions, vary_path: str = "support.subsidy_annual_cny", target: str | Target = "npv=0",
          lo: float | str | None = None, hi: float | str | None = None, *, pick: Pick = "nearest") -> BreakEven:
    """Solve one input for one target.

    Parameters
    ----------
    a : Assumptions
        The scenario (``finmodel.scenarios.load(...).assumptions``).
    vary_path : str
        A numeric assumption path, a comma list or wildcard scaled by one factor, a list like
        ``property_service.fee_steps``, or a break-even table name (``capex``, ``operating_cost``).
    target : str or Target
        ``"npv=0"``, ``"equity_irr>=0.08"``, ``"payback_years<=12"``, ...
    lo, hi : float or str, optional
        The search range in the driver's unit, absolute or relative to base (``"-50%"``); default
        :func:`default_range`. Clipped to the schema's valid range.
    pick : {"nearest", "lowest", "highest"}
        Which solution to report when there are several (default: nearest the base value).

    Returns
    -------
    BreakEven
        With ``feasible`` False (and the metric at both ends) when no value in range meets the target.

    Examples
    --------
    >>> from finmodel.scenarios import load
    >>> r = solve(load().assumptions)                 # the annual subsidy at which project NPV = 0
    >>> r.feasible, r.direction, abs(r.achieved) < 1.0
    (True, None, True)
    """
    return solve_many(a, [(vary_path, target, lo, hi)], pick=pick)[0]


def solve_many(a: Assumptions, specs: Sequence[tuple], *, pick: Pick = "nearest") -> list[BreakEven]:
    """Solve many (vary, target[, lo, hi]) problems at once, sharing every engine call."""
    problems = []
    for spec in specs:
        vary, target, *rest = spec
        lo = rest[0] if len(rest) > 0 else None
        hi = rest[1] if len(rest) > 1 else None
        problems.append(_problem(a, vary, target, lo, hi, pick))
    outcomes, _ = _solve_problems(a, problems)
    return [_result(p, o) for p, o in zip(problems, outcomes)]
