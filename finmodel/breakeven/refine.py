"""Refining brackets: Illinois steps with bisection safeguards, every bracket of every problem at once."""

from __future__ import annotations

import numpy as np

from .evaluator import _Evaluator
from .problem import _Bound, _scale
from .targets import NEVER_IS_INFINITE

#: Convergence: stop once |metric - target| <= FTOL x scale or the bracket is a few ulps wide;
#: accept a root when |metric - target| <= ACCEPT x scale (the acceptance asks for 1e-6).
FTOL = 1e-11
ACCEPT = 1e-7
MAX_ITER = 200


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


class _Brackets:
    """Every bracket being refined, as arrays over the brackets.

    Each bracket keeps one end on each side of the target: ``a``, ``b`` with their signed distances
    ``ha``, ``hb`` and metrics ``ma``, ``mb``; ``sa``, ``sb`` are the Illinois-scaled copies of
    ``ha``, ``hb`` used only for the step. A bracket stops (``active`` False) when a point is within
    ``ftol`` of the target (``stop_*``), when the metric is undefined inside it (``undefined``) or
    when it is narrower than ``xtol``.
    """

    def __init__(self, problems, outcomes, chosen):
        n = len(chosen)
        self.prob = np.array([c[0] for c in chosen])
        self.a = np.array([c[1] for c in chosen], dtype=float)
        self.b = np.array([c[2] for c in chosen], dtype=float)
        self.a0, self.b0 = self.a.copy(), self.b.copy()
        self.ha = np.array([c[3] for c in chosen], dtype=float)
        self.hb = np.array([c[4] for c in chosen], dtype=float)
        self.ma = np.array([c[5] for c in chosen], dtype=float)
        self.mb = np.array([c[6] for c in chosen], dtype=float)
        self.sa, self.sb = self.ha.copy(), self.hb.copy()
        self.targets = [problems[i].target for i in self.prob]
        self.tval = np.array([t.value for t in self.targets])
        self.below = np.array([t.op == "<=" for t in self.targets])
        self.eq = np.array([t.op == "=" for t in self.targets])
        self.never = np.array([t.metric in NEVER_IS_INFINITE for t in self.targets])
        self.scale = np.array([_scale(problems[i].target, outcomes[i].base_metric, outcomes[i].metric)
                               for i in self.prob])
        self.rtol = np.array([problems[i].rtol or 0.0 for i in self.prob])
        self.ftol = np.maximum(FTOL, self.rtol) * self.scale
        span = np.array([problems[i].hi - problems[i].lo for i in self.prob])
        # a jump is closed in on to 1e-12 of the range (a few ulps at least), or to rtol of it
        self.xtol = np.maximum(4 * np.finfo(float).eps * np.maximum(np.abs(self.a), np.abs(self.b)),
                               np.maximum(1e-12, self.rtol) * span)
        self.last = np.zeros(n, dtype=int)           # -1: a was replaced last, +1: b was
        self.bisect = np.zeros(n, dtype=bool)
        self.active = np.ones(n, dtype=bool)
        self.stop_x = np.full(n, np.nan)
        self.stop_m = np.full(n, np.nan)
        self.stop_h = np.full(n, np.nan)
        self.iters = np.zeros(n, dtype=int)
        self.undefined = np.zeros(n, dtype=bool)

    def replace_ends(self, j: np.ndarray, x: np.ndarray, m: np.ndarray, h: np.ndarray) -> None:
        """Each new point replaces the end on its own side; Illinois halves the end kept twice."""
        a, b, ha, hb, ma, mb, sa, sb, last = (self.a, self.b, self.ha, self.hb, self.ma, self.mb, self.sa,
                                              self.sb, self.last)
        old = b[j] - a[j]
        left = (h >= 0) == (ha[j] >= 0)                # x replaces the end on its own side
        ja, jb = j[left], j[~left]
        a[ja], ha[ja], ma[ja], sa[ja] = x[left], h[left], m[left], h[left]
        sb[ja] *= np.where(last[ja] == -1, 0.5, 1.0)   # Illinois: halve the end kept twice
        last[ja] = -1
        b[jb], hb[jb], mb[jb], sb[jb] = x[~left], h[~left], m[~left], h[~left]
        sa[jb] *= np.where(last[jb] == 1, 0.5, 1.0)
        last[jb] = 1
        self.bisect[j] = (b[j] - a[j]) > 0.5 * old


def _step(s: _Brackets, problems, ev: _Evaluator) -> bool:
    """One iteration over every active bracket, in one engine call; False once none is active."""
    s.active &= (s.b - s.a) > s.xtol
    act = np.flatnonzero(s.active)
    if act.size == 0:
        return False
    with np.errstate(all="ignore"):
        rf = (s.a * s.sb - s.b * s.sa) / (s.sb - s.sa)
    use = np.isfinite(rf) & (rf > s.a) & (rf < s.b) & ~s.bisect
    x = np.where(use, rf, 0.5 * (s.a + s.b))[act]
    res = ev.run([(problems[s.prob[j]].driver, x[k:k + 1], problems[s.prob[j]].fixed) for k, j in enumerate(act)])
    m = np.array([r[s.targets[j].metric][0] for r, j in zip(res, act)], dtype=float)
    mm = np.where(s.never[act] & np.isnan(m), np.inf, m)
    with np.errstate(invalid="ignore"):
        h = np.where(s.below[act], s.tval[act] - mm, mm - s.tval[act])
    s.iters[act] += 1
    nan = np.isnan(h)                              # undefined inside the bracket: cannot tell the side
    s.undefined[act[nan]] = True
    with np.errstate(invalid="ignore"):
        tight = ~nan & (np.abs(h) <= s.ftol[act]) & (s.eq[act] | (h >= 0))
    s.stop_x[act[tight]], s.stop_m[act[tight]], s.stop_h[act[tight]] = x[tight], m[tight], h[tight]
    s.active[act[nan | tight]] = False
    go = ~nan & ~tight
    s.replace_ends(act[go], x[go], m[go], h[go])
    return True


def _final_bound(s: _Brackets, j: int) -> _Bound:
    """Where bracket ``j`` ended: the stopping point, else its end nearest the target (the satisfied end)."""
    t = s.targets[j]
    accept = max(ACCEPT, 10 * s.rtol[j]) * s.scale[j]
    if not np.isnan(s.stop_x[j]):
        x, mm, hh = s.stop_x[j], s.stop_m[j], s.stop_h[j]
        # the other side of the target: the end whose sign differs from the stopping point's
        ox, om = (s.a[j], s.ma[j]) if (s.ha[j] >= 0) != (hh >= 0) else (s.b[j], s.mb[j])
    elif t.op == "=":
        x, mm, hh, ox, om = ((s.a[j], s.ma[j], s.ha[j], s.b[j], s.mb[j]) if abs(s.ha[j]) <= abs(s.hb[j])
                             else (s.b[j], s.mb[j], s.hb[j], s.a[j], s.ma[j]))
    else:
        x, mm, hh, ox, om = ((s.a[j], s.ma[j], s.ha[j], s.b[j], s.mb[j]) if s.ha[j] >= 0
                             else (s.b[j], s.mb[j], s.hb[j], s.a[j], s.ma[j]))
    exact = bool(abs(hh) <= accept)
    direction = None if t.op == "=" else ("floor" if ox < x else "ceiling")
    return _Bound(float(x), float(mm), float(ox), float(om), exact, int(s.iters[j]), direction)


def _refine(problems, outcomes, chosen, ev: _Evaluator) -> list[tuple[int, _Bound, tuple[float, float]]]:
    """Illinois steps with bisection safeguards, all brackets at once (one engine call per iteration).

    Each bracket keeps one end on each side of the target; an Illinois (regula falsi) step is taken
    when it falls inside the bracket and the previous step halved it, a bisection otherwise. A
    bracket stops when an evaluated point is within FTOL of the target (on the satisfied side for an
    inequality) or when it is a few ulps wide. Adds a :class:`_Bound` per bracket to its outcome
    and returns (problem index, bound, original bracket) for each.
    """
    s = _Brackets(problems, outcomes, chosen)
    for _ in range(MAX_ITER):
        if not _step(s, problems, ev):
            break
    found = []
    for j in range(len(chosen)):
        i = s.prob[j]
        outcomes[i].evaluations += int(s.iters[j])
        if s.undefined[j]:
            outcomes[i].undefined_inside += 1
            continue
        bd = _final_bound(s, j)
        # the same place found again from a neighbouring stretch is not a new answer
        if any(abs(o.x - bd.x) <= 2 * s.xtol[j] for o in outcomes[i].bounds):
            continue
        outcomes[i].bounds.append(bd)
        found.append((int(i), bd, (float(s.a0[j]), float(s.b0[j]))))
    return found
