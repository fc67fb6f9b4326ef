"""The vectorised solver: bracket every problem on a grid, refine every bracket together."""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np

from ..assumptions import Assumptions
from ..errors import UsageError
from .drivers import MAX_WHOLE, Driver, default_range, resolve_driver
from .evaluator import _Evaluator
from .problem import Pick, _Bound, _h, _Outcome, _Problem, _scale
from .results import BreakEven, _result
from .targets import NEVER_IS_INFINITE, Target, _number, parse_target

#: Convergence: stop once |metric - target| <= FTOL x scale or the bracket is a few ulps wide;
#: accept a root when |metric - target| <= ACCEPT x scale (the acceptance asks for 1e-6).
FTOL = 1e-11
ACCEPT = 1e-7
MAX_ITER = 200


_REL_STEPS = np.array([-0.9, -0.75, -0.5, -0.25, -0.1, -0.05, -0.01, 0.0, 0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 4.0])
_K = 56


def _grid(lo: float, hi: float, base: float) -> np.ndarray:
    """About 50 candidates in [lo, hi]: even, around the base, and geometric across magnitudes."""
    pts = [np.linspace(lo, hi, 25)]
    if base != 0:
        pts.append(base * (1.0 + _REL_STEPS))
    if lo >= 0 and hi > 0:
        pts.append(np.geomspace(max(lo, hi * 1e-6), hi, 13))
    g = np.unique(np.clip(np.concatenate(pts), lo, hi))
    g = g[(g >= lo) & (g <= hi)]
    if g.size > _K:
        keep = np.unique(np.concatenate([[0, g.size - 1], np.round(np.linspace(0, g.size - 1, _K - 2)).astype(int)]))
        g = g[keep]
    return np.concatenate([g, np.full(_K - g.size, hi)]) if g.size < _K else g


def _solve_problems(a: Assumptions, problems: Sequence[_Problem]) -> tuple[list[_Outcome], _Evaluator]:
    """Bracket and refine every problem together (see the module docstring).

    Pass 1 scores each problem's grid and refines every sign change. A bracket can hide more than
    one crossing, so up to two more passes look again where the first answer may not be the whole
    story: both sides of a jump for an ``=`` target (a root may sit beside the jump), and the part
    of the bracket between the answer and the side the pick prefers (below it for ``"lowest"``,
    above it for ``"highest"``, toward the base value for ``"nearest"``). Each such stretch is
    sampled at 17 points in one shared engine call and its sign changes are refined.
    """
    ev = _Evaluator(a, [p.target.metric for p in problems])
    cont = [i for i, p in enumerate(problems) if p.driver.kind != "whole"]
    whole = [i for i, p in enumerate(problems) if p.driver.kind == "whole"]
    cands: dict[int, np.ndarray] = {}
    for i in cont:
        p = problems[i]
        cands[i] = np.append(_grid(p.lo, p.hi, p.x0), p.driver.base_value)
    for i in whole:
        p = problems[i]
        xs = np.arange(math.ceil(p.lo), math.floor(p.hi) + 1, dtype=float)
        cands[i] = np.append(xs, p.driver.base_value)
    order = list(range(len(problems)))
    res = ev.run([(problems[i].driver, cands[i], problems[i].fixed) for i in order])
    outcomes: list[_Outcome | None] = [None] * len(problems)
    brackets = []   # (problem index, a, b, ha, hb, ma, mb)
    for i in order:
        p, t = problems[i], problems[i].target
        m_all = res[i][t.metric]
        xs, m, base_metric = cands[i][:-1], m_all[:-1], float(m_all[-1])
        xs, idx = np.unique(xs, return_index=True)
        m = m[idx]
        h = _h(t, m)
        ok = ~np.isnan(h)
        sat = h >= 0
        bounds: list[_Bound] = []
        if p.driver.kind == "whole":
            # whole values: neighbours among the valid values; the answer is a whole value, no refinement
            k = np.flatnonzero(ok)
            for j0, j1 in zip(k[:-1], k[1:]):
                if sat[j0] == sat[j1]:
                    continue
                js, ju = (j0, j1) if sat[j0] else (j1, j0)
                if t.op == "=":   # the first value at or past the crossing, moving from base
                    js, ju = (j1, j0) if abs(xs[j1] - p.x0) >= abs(xs[j0] - p.x0) else (j0, j1)
                direction = None if t.op == "=" else ("floor" if xs[js] > xs[ju] else "ceiling")
                bounds.append(_Bound(xs[js], m[js], xs[ju], m[ju], bool(h[js] == 0), 0, direction))
        else:
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
        bad = [(float(x), ev.invalid[(p.driver.spec, float(x))]) for x in xs if (p.driver.spec, float(x)) in ev.invalid]
        outcomes[i] = _Outcome(xs, m, h, base_metric, bounds, 0, cands[i].size, bad)
    pending = _keep(problems, brackets)
    for pass_no in range(3):
        if not pending:
            break
        found = _refine(problems, outcomes, pending, ev)
        if pass_no == 2:
            break
        # stretches to look at again: their two ends are on the same side of the target
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
        looks = [(i, u, v) for i, u, v in looks if v - u > 1e-9 * (problems[i].hi - problems[i].lo)]
        if not looks:
            break
        xs_l = [np.linspace(u, v, 17) for _, u, v in looks]
        res = ev.run([(problems[i].driver, x, problems[i].fixed) for (i, _, _), x in zip(looks, xs_l)])
        brackets = []
        for (i, _, _), x, r in zip(looks, xs_l, res):
            t = problems[i].target
            m = r[t.metric]
            h = _h(t, m)
            outcomes[i].evaluations += x.size
            for j0 in range(x.size - 1):
                if not (np.isnan(h[j0]) or np.isnan(h[j0 + 1])) and (h[j0] >= 0) != (h[j0 + 1] >= 0):
                    brackets.append((i, x[j0], x[j0 + 1], h[j0], h[j0 + 1], m[j0], m[j0 + 1]))
        pending = _keep(problems, brackets)
    return outcomes, ev  # type: ignore[return-value]


def _keep(problems, brackets) -> list:
    """At most ``max_brackets`` per problem: those that matter for its pick."""
    by_prob: dict[int, list] = {}
    for br in brackets:
        by_prob.setdefault(br[0], []).append(br)
    chosen = []
    for i, brs in by_prob.items():
        p = problems[i]
        key = {"nearest": lambda b: min(abs(b[1] - p.x0), abs(b[2] - p.x0)),
               "lowest": lambda b: b[1], "highest": lambda b: -b[2]}[p.pick]
        chosen.extend(sorted(brs, key=key)[:p.max_brackets])
    return chosen


def _refine(problems, outcomes, chosen, ev: _Evaluator) -> list[tuple[int, _Bound, tuple[float, float]]]:
    """Illinois steps with bisection safeguards, all brackets at once (one engine call per iteration).

    Each bracket keeps one end on each side of the target; an Illinois (regula falsi) step is taken
    when it falls inside the bracket and the previous step halved it, a bisection otherwise. A
    bracket stops when an evaluated point is within FTOL of the target (on the satisfied side for an
    inequality) or when it is a few ulps wide. Adds a :class:`_Bound` per bracket to its outcome
    and returns (problem index, bound, original bracket) for each.
    """
    n = len(chosen)
    prob = np.array([c[0] for c in chosen])
    a = np.array([c[1] for c in chosen], dtype=float)
    b = np.array([c[2] for c in chosen], dtype=float)
    a0, b0 = a.copy(), b.copy()
    ha = np.array([c[3] for c in chosen], dtype=float)
    hb = np.array([c[4] for c in chosen], dtype=float)
    ma = np.array([c[5] for c in chosen], dtype=float)
    mb = np.array([c[6] for c in chosen], dtype=float)
    sa, sb = ha.copy(), hb.copy()          # Illinois-scaled copies used only for the step
    targets = [problems[i].target for i in prob]
    tval = np.array([t.value for t in targets])
    below = np.array([t.op == "<=" for t in targets])
    eq = np.array([t.op == "=" for t in targets])
    never = np.array([t.metric in NEVER_IS_INFINITE for t in targets])
    scale = np.array([_scale(problems[i].target, outcomes[i].base_metric, outcomes[i].metric) for i in prob])
    rtol = np.array([problems[i].rtol or 0.0 for i in prob])
    ftol = np.maximum(FTOL, rtol) * scale
    span = np.array([problems[i].hi - problems[i].lo for i in prob])
    # a jump is closed in on to 1e-12 of the range (a few ulps at least), or to rtol of it
    xtol = np.maximum(4 * np.finfo(float).eps * np.maximum(np.abs(a), np.abs(b)), np.maximum(1e-12, rtol) * span)
    last = np.zeros(n, dtype=int)           # -1: a was replaced last, +1: b was
    bisect = np.zeros(n, dtype=bool)
    active = np.ones(n, dtype=bool)
    stop_x = np.full(n, np.nan)
    stop_m = np.full(n, np.nan)
    stop_h = np.full(n, np.nan)
    iters = np.zeros(n, dtype=int)
    undefined = np.zeros(n, dtype=bool)
    for _ in range(MAX_ITER):
        active &= (b - a) > xtol
        act = np.flatnonzero(active)
        if act.size == 0:
            break
        with np.errstate(all="ignore"):
            rf = (a * sb - b * sa) / (sb - sa)
        use = np.isfinite(rf) & (rf > a) & (rf < b) & ~bisect
        x = np.where(use, rf, 0.5 * (a + b))[act]
        res = ev.run([(problems[prob[j]].driver, x[k:k + 1], problems[prob[j]].fixed) for k, j in enumerate(act)])
        m = np.array([r[targets[j].metric][0] for r, j in zip(res, act)], dtype=float)
        mm = np.where(never[act] & np.isnan(m), np.inf, m)
        with np.errstate(invalid="ignore"):
            h = np.where(below[act], tval[act] - mm, mm - tval[act])
        iters[act] += 1
        nan = np.isnan(h)                              # undefined inside the bracket: cannot tell the side
        undefined[act[nan]] = True
        with np.errstate(invalid="ignore"):
            tight = ~nan & (np.abs(h) <= ftol[act]) & (eq[act] | (h >= 0))
        stop_x[act[tight]], stop_m[act[tight]], stop_h[act[tight]] = x[tight], m[tight], h[tight]
        active[act[nan | tight]] = False
        go = ~nan & ~tight
        j, x, m, h = act[go], x[go], m[go], h[go]
        old = b[j] - a[j]
        left = (h >= 0) == (ha[j] >= 0)                # x replaces the end on its own side
        ja, jb = j[left], j[~left]
        a[ja], ha[ja], ma[ja], sa[ja] = x[left], h[left], m[left], h[left]
        sb[ja] *= np.where(last[ja] == -1, 0.5, 1.0)   # Illinois: halve the end kept twice
        last[ja] = -1
        b[jb], hb[jb], mb[jb], sb[jb] = x[~left], h[~left], m[~left], h[~left]
        sa[jb] *= np.where(last[jb] == 1, 0.5, 1.0)
        last[jb] = 1
        bisect[j] = (b[j] - a[j]) > 0.5 * old
    found = []
    for j in range(n):
        i = prob[j]
        t = targets[j]
        accept = max(ACCEPT, 10 * rtol[j]) * scale[j]
        outcomes[i].evaluations += int(iters[j])
        if undefined[j]:
            outcomes[i].undefined_inside += 1
            continue
        if not np.isnan(stop_x[j]):
            x, mm, hh = stop_x[j], stop_m[j], stop_h[j]
            # the other side of the target: the end whose sign differs from the stopping point's
            ox, om = (a[j], ma[j]) if (ha[j] >= 0) != (hh >= 0) else (b[j], mb[j])
        elif t.op == "=":
            x, mm, hh, ox, om = ((a[j], ma[j], ha[j], b[j], mb[j]) if abs(ha[j]) <= abs(hb[j])
                                 else (b[j], mb[j], hb[j], a[j], ma[j]))
        else:
            x, mm, hh, ox, om = ((a[j], ma[j], ha[j], b[j], mb[j]) if ha[j] >= 0
                                 else (b[j], mb[j], hb[j], a[j], ma[j]))
        exact = bool(abs(hh) <= accept)
        direction = None if t.op == "=" else ("floor" if ox < x else "ceiling")
        bd = _Bound(float(x), float(mm), float(ox), float(om), exact, int(iters[j]), direction)
        # the same place found again from a neighbouring stretch is not a new answer
        if any(abs(o.x - bd.x) <= 2 * xtol[j] for o in outcomes[i].bounds):
            continue
        outcomes[i].bounds.append(bd)
        found.append((int(i), bd, (float(a0[j]), float(b0[j]))))
    return found


def _problem(a: Assumptions, vary: str | Driver, target: str | Target, lo=None, hi=None, pick: Pick = "nearest",
             fixed: dict[str, float] | None = None) -> _Problem:
    d = vary if isinstance(vary, Driver) else resolve_driver(a, vary)
    t = parse_target(target)
    dlo, dhi = default_range(d)
    base = d.base_value

    def end(v, default):
        if v is None:
            return default
        if isinstance(v, str):
            val, pct = _number(v, "range end", "--range")
            if pct:
                if base == 0:
                    raise UsageError("a relative range end needs a non-zero base value", source="--range")
                return base * (1.0 + val)
            return val
        v = float(v)
        if not math.isfinite(v):
            raise UsageError(f"range end {v} must be finite", source="--range")
        return v

    rlo, rhi = end(lo, dlo), end(hi, dhi)
    if not rlo < rhi:
        raise UsageError(f"LO must be below HI, got {rlo:g}:{rhi:g}", source="--range")
    clo, chi = max(rlo, d.lo), min(rhi, d.hi)
    if d.kind == "scale":
        clo = max(clo, 0.0)
    if d.kind == "whole":
        clo, chi = math.ceil(clo), math.floor(chi)
        if chi - clo > MAX_WHOLE:
            raise UsageError(f"range of {chi - clo:g} whole values is too wide (at most {MAX_WHOLE})", source="--range")
    if not clo < chi:
        raise UsageError(f"range {rlo:g}:{rhi:g} is outside the valid range [{d.lo:g}, {d.hi:g}] of {d.spec}",
                         source="--range")
    if pick not in ("nearest", "lowest", "highest"):
        raise UsageError(f"pick must be nearest, lowest or highest, got '{pick}'", source="pick")
    return _Problem(d, t, float(clo), float(chi), pick, dict(fixed or {}),
                    driver_calibration_year=a.scenario.calibration_year)


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
