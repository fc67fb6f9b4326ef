"""Render the rows to one compiled loop per scenario: the engine's fused kernel (numba).

The same folded rows as :mod:`.compile` (the NumPy kernel, which stays the reference), rendered a
second way: each node as a *scalar* expression, one scenario and one year (:class:`_Scalar`).
The kernel has two parts:

1. rows and figures that no varied input reaches (the time axis, tax rates by year, growth
   factors of fixed rates) are computed once, into arrays;
2. ``prange`` over blocks of scenarios (``parallel=True``), and for each scenario the rows in
   as few year loops as their dependencies allow: a row joins the open loop when everything it
   reads in year k is known by then (same-year values computed before it in the loop, last
   year's values carried in locals, whole rows of earlier loops); a figure over the years (a
   sum, a present value, an IRR) closes the loop. A row is kept in memory only where a later
   loop, a figure or the caller reads it; the rest live in registers.

The metrics run in the same pass (:mod:`.jit_rt`). Where the IRR cannot be decided there (see
:func:`jit_irr.irr`), the scenario is flagged and the caller evaluates it on the NumPy path.

The source is generated per model structure, folds, outputs and set of varied inputs, written
under the user's cache folder (``FINMODEL_CACHE_DIR``, else ``$XDG_CACHE_HOME/finmodel``, else
``~/.cache/finmodel``) as a module named by the hash of its source, of :mod:`.jit_rt`, :mod:`.jit_irr` and of the
numba version, and compiled with ``cache=True``: numba keeps the machine code beside it, and a
change of the rows or the helpers makes another file (never a stale kernel). Nothing is written
inside the repository.
"""

from __future__ import annotations

import hashlib
import importlib.util
import sys
import tempfile
from pathlib import Path

import numpy as np

from .compile import Folds, _cf_data, _fold_rows, _needed, _same_year_order, _tarjan
from .core import Model, Row
from .expr import Cmp, ConstRef, FormulaError, Input, Ref, walk
from .nodes import Agg, Counterfactual, Metric, VintageAmort


class NotCompiled(FormulaError):
    """A row uses something the compiled kernel has no rendering of: the NumPy path serves it."""


_AGG = {"SUM": "sum_years", "MAX": "max_years", "MIN": "min_years", "SUMPRODUCT": "sumproduct_years",
        "SUMABS": "sumabs_years", "COUNT_NEG": "count_neg_years", "COUNT_ABOVE_ONE": "count_above_one_years",
        "MAXABS": "maxabs_years"}


def _deps(e):
    """(same-year rows, last-year rows, whole rows, vintage rows, scalar rows) of a folded expression."""
    same, prev, whole, vint, scal = set(), set(), set(), set(), set()
    for n in walk(e):
        if isinstance(n, Ref):
            (prev if n.lag else same).add(n.row.key)
        elif isinstance(n, Row):
            same.add(n.key)
        elif isinstance(n, ConstRef):
            scal.add(n.row.key)
        elif isinstance(n, Counterfactual):
            same.add(n.row.key)
        if isinstance(n, VintageAmort):
            vint.update((n.rate.key, n.m.key))
        elif isinstance(n, (Agg, Metric)):
            whole.update(r.key for r in n.range_deps())
    return same, prev, whole, vint, scal


class _Scalar:
    """Renders folded nodes as scalar numba source for one scenario in year ``k``."""

    def __init__(self, gen):
        self.g = gen

    def num(self, n) -> str:
        """A node as a float (a comparison is True/False: times 1.0, as the NumPy kernel's rows are)."""
        text = self(n)
        return f"({text} * 1.0)" if isinstance(n, Cmp) else text

    def __call__(self, n) -> str:
        f = getattr(self, "_" + type(n).__name__, None)
        if f is None:
            raise NotCompiled(f"no compiled rendering of {type(n).__name__}")
        return f(n)

    def _K(self, n):
        if not isinstance(n.v, float):
            raise NotCompiled(f"the value {n.v!r} reached the kernel as a number")
        return repr(n.v)

    def _Num(self, n):
        return repr(n.v)

    def _Const(self, n):
        return repr(n.value)

    def _NA(self, n):
        return "_NAN"

    def _Str(self, n):
        raise NotCompiled(f"text {n.s!r} reached the kernel")

    def _Input(self, n):
        return self.g.param(n.path)

    def _Ref(self, n):
        return self.g.ref(n.row.key, n.lag)

    def _Row(self, n):
        return self.g.ref(n.key, 0)

    def _ConstRef(self, n):
        return self.g.scalar(n.row.key)

    def _Counterfactual(self, n):
        if self.g.cf_noop[id(n)]:
            return self.g.ref(n.row.key, 0)
        return self.g.counterfactual(n)

    def _Bin(self, n):
        if n.op == "^" and self.g.param_level(n):
            return self.g.precomputed(n)
        a, b = self.num(n.a) if n.op in "+-" else self(n.a), self.num(n.b) if n.op in "+-" else self(n.b)
        if n.op == "^":
            return f"_pow({self.num(n.a)}, {self.num(n.b)})"
        return f"({a} {n.op} {b})"

    def _Neg(self, n):
        return f"(-{self.num(n.a)})"

    def _Cmp(self, n):
        return f"({self.num(n.a)} {Cmp.PY[n.op]} {self.num(n.b)})"

    def _Fn(self, n):
        name, args = n.name, n.args
        if name in ("MIN", "MAX"):
            f = "_min" if name == "MIN" else "_max"
            out = self.num(args[0])
            for x in args[1:]:
                out = f"{f}({out}, {self.num(x)})"
            return out
        if name == "ABS":
            return f"abs({self.num(args[0])})"
        if name == "ISNUMBER":
            return f"math.isfinite({self.num(args[0])})"
        if name == "MOD":
            return f"_mod({self.num(args[0])}, {self.num(args[1])})"
        if name == "IF":
            return f"({self.num(args[1])} if {self(args[0])} else {self.num(args[2])})"
        if name == "LOOKUP":
            x, keys, vals = args
            out = self.num(vals.items[0])
            for key, v in zip(keys.items[1:], vals.items[1:]):
                out = f"({self.num(v)} if {self.num(x)} >= {self.num(key)} else {out})"
            return out
        raise NotCompiled(f"no compiled rendering of {name}")

    def _Growth(self, n):
        if self.g.param_level(n):
            return self.g.precomputed(n)
        return f"_growth({self.num(n.r)}, {self.num(n.n)})"

    def _VintageAmort(self, n):
        return f"vintage_amort({self.g.array(n.rate.key)}, {self.g.array(n.m.key)}, k)"

    def _Agg(self, n):
        if n.fn not in _AGG:
            raise NotCompiled(f"no compiled rendering of {n.fn}")
        args = ", ".join(self.g.array(r.key) for r in n.rows)
        return self.g.figure(f"{_AGG[n.fn]}({args}, {n.first})")

    def _Metric(self, n):
        fn, rows = n.fn, n.rows
        arr = self.g.array(rows[0].key)
        kw = {k: self.num(v) for k, v in n.args.items()}
        if fn in ("irr", "irr_multiple"):
            text = f"irr({arr}, {kw['hurdle']}, TB, WS)"
            earlier = [t for t in self.g.sec.figures if t.startswith("irr(")]
            if earlier and text not in self.g.sec.figures:     # another row's IRR: shared when the flows are equal
                a0, h0 = earlier[0][4:].split(", TB, WS)")[0].rsplit(", ", 1)
                names = ", ".join(self.g.sec.figures[earlier[0]])
                self.g.sec.figures[text] = self.g.figure(
                    f"irr_again({arr}, {kw['hurdle']}, TB, WS, {a0}, {h0}, {names})", 3, status=True)
            r, mult, _ = self.g.figure(text, 3, status=True)
            return r if fn == "irr" else f"({mult} * 1.0)"
        if fn in ("payback", "payback_refit_negative"):
            years, refit = self.g.figure(f"payback({arr})", 2)
            return years if fn == "payback" else f"({refit} * 1.0)"
        if fn == "discounted_payback":
            return self.g.figure(f"discounted_payback({arr}, {kw['rate']}, WS)")
        if fn == "mirr":
            return self.g.figure(f"mirr({arr}, {kw['finance']}, {kw['reinvest']}, WS)")
        if fn in ("min_cumulative", "nanmin"):
            return self.g.figure(f"{fn}({arr})")
        raise NotCompiled(f"no compiled rendering of the metric {fn}")


class _Section:
    """The emitted lines of one part of the kernel (the invariant part, or one scenario)."""

    def __init__(self, gen, varied: bool):
        self.g, self.varied = gen, varied
        self.lines: list[str] = []
        self.loop: set[str] = set()        # rows of the open year loop
        self.figures: dict[str, tuple] = {}
        self.pre: list[str] = []


class _Gen:
    """Emits the kernel: rows by component, in year loops, with the figures between them."""

    def __init__(self, m: Model, exprs, consts, varied_inputs, cf_noop):
        self.m, self.exprs, self.consts, self.varied_inputs, self.cf_noop = m, exprs, consts, varied_inputs, cf_noop
        self.params: dict[str, str] = {}      # path -> local name
        self.fixed: list[str] = []            # paths of PF
        self.vary: list[str] = []             # paths of PV's columns
        self.cfs: list[Counterfactual] = []
        self.inv_rows: dict[str, int] = {}    # invariant year rows -> index in IY
        self.inv_scal: dict[str, int] = {}    # invariant scalars -> index in IS
        self.store: dict[str, int] = {}       # varied year rows kept in W -> index
        self.sec: _Section | None = None
        self.render = _Scalar(self)
        self.n_fig = 0
        self.pre_inv: list = []               # nodes computed by NumPy once (IX)
        self.pre_var: list = []               # nodes computed by NumPy per chunk (X)

    # ---------------------------------------------------------------- callbacks of the renderer
    def param(self, path: str) -> str:
        name = self.params.get(path)
        if name is None:
            if path in self.varied_inputs:
                name = f"pv{len(self.vary)}"
                self.vary.append(path)
            else:
                name = f"pf{len(self.fixed)}"
                self.fixed.append(path)
            self.params[path] = name
        return name

    def ref(self, key: str, lag: int) -> str:
        if key in self.sec.loop:
            return f"l_{self.v(key)}" if lag else f"v_{self.v(key)}"
        arr = self.array(key)
        return f"_lag({arr}, k)" if lag else f"{arr[:-1]}, k]"

    def array(self, key: str) -> str:
        if key in self.inv_rows:
            return f"IY[{self.inv_rows[key]}]"
        if key not in self.store:
            raise FormulaError(f"row {key} is read as a whole before it is complete")
        return f"W[{self.store[key]}]"

    def scalar(self, key: str) -> str:
        if key in self.inv_scal:
            return f"IS[{self.inv_scal[key]}]"
        return f"s_{self.v(key)}"

    def counterfactual(self, node: Counterfactual) -> str:
        if node not in self.cfs:
            self.cfs.append(node)
        return f"CFV[{self.cfs.index(node)}, s, k]"

    def figure(self, text: str, n: int = 1, status: bool = False):
        """A figure over whole rows, computed once per scenario before the line that uses it."""
        sec = self.sec
        got = sec.figures.get(text)
        if got is None:
            names = tuple(f"f{self.n_fig}_{i}" for i in range(n))
            self.n_fig += 1
            sec.pre.append(f"{', '.join(names)} = {text}")
            if status:
                sec.pre.append(f"fb = max(fb, {names[-1]})" if sec.varied else f"fb0 = max(fb0, {names[-1]})")
            got = sec.figures[text] = names
        return got[0] if n == 1 else got

    def v(self, key: str) -> str:
        return "r" + str(self.index[key])

    def param_level(self, node) -> bool:
        """Whether a node reads only inputs, constants, rows no varied input reaches and rows of
        this year that are themselves such (no last year's value of a varied row, no figure)."""
        memo = self.__dict__.setdefault("_pl", {})

        def row_ok(key, lag):
            if key in self.inv_rows:
                return True
            if lag or key not in self.exprs:
                return False
            if key not in memo:
                memo[key] = False           # a cycle is not parameter-level
                memo[key] = go(self.exprs[key])
            return memo[key]

        def go(e):
            for n in walk(e):
                if isinstance(n, Ref):
                    if not row_ok(n.row.key, n.lag):
                        return False
                elif isinstance(n, Row):
                    if not row_ok(n.key, 0):
                        return False
                elif isinstance(n, ConstRef):
                    key = n.row.key
                    if key not in self.inv_scal and ("C", key) not in memo:
                        memo[("C", key)] = False
                        memo[("C", key)] = key in self.consts and go(self.consts[key])
                    if key not in self.inv_scal and not memo[("C", key)]:
                        return False
                elif isinstance(n, (Agg, Metric, VintageAmort, Counterfactual)):
                    return False
            return True

        return go(node)

    def precomputed(self, node) -> str:
        """A power or growth factor of inputs (and invariant rows) computed by NumPy beforehand, by
        the same call as the NumPy kernel's (its SIMD functions round a last bit differently from
        the C library's): (years, 1) when no varied input reaches it, else (years, scenarios)."""
        varies = any((isinstance(n, Input) and n.path in self.varied_inputs)
                     or (isinstance(n, Ref) and n.row.key not in self.inv_rows)
                     or (isinstance(n, Row) and n.key not in self.inv_rows)
                     or (isinstance(n, ConstRef) and n.row.key not in self.inv_scal) for n in walk(node))
        pool = self.pre_var if varies else self.pre_inv
        if node not in pool:
            pool.append(node)
        j = pool.index(node)
        return f"X[{j}, k, s]" if varies else f"IX[{j}, k]"


def _variance(exprs, consts, nodes, order, varied_inputs, cf_noop) -> set:
    """The graph nodes that differ between scenarios (reach a varied input or a counterfactual)."""
    out = set()
    for comp in order:
        for node in comp:
            kind, key = node
            e = exprs[key] if kind == "Y" else consts[key]
            hit = False
            for n in walk(e):
                if isinstance(n, Input) and n.path in varied_inputs:
                    hit = True
                elif isinstance(n, Counterfactual) and not cf_noop[id(n)]:
                    hit = True
                if hit:
                    break
            if not hit:
                same, prev, whole, vint, scal = _deps(e)
                hit = any(("Y", d) in out for d in same | prev | whole | vint) or any(("C", d) in out for d in scal)
            if hit:
                out.update(comp)
                break
    return out


def _schedule(comps, exprs, consts, available: set):
    """Components grouped into passes: (year-loop components, then scalar components), greedily.

    ``available`` holds the nodes computed before (complete rows and scalars).
    """
    done = set(available)
    left = list(comps)
    passes = []
    while left:
        loop, in_loop = [], set()
        changed = True
        while changed:
            changed = False
            for comp in list(left):
                if comp[0][0] != "Y":
                    continue
                keys = {c[1] for c in comp}
                ok = True
                for key in keys:
                    same, prev, whole, vint, scal = _deps(exprs[key])
                    if any(("Y", d) not in done and d not in in_loop and d not in keys for d in same | prev | vint) \
                            or any(("Y", d) not in done for d in whole) or any(("C", d) not in done for d in scal):
                        ok = False
                        break
                if ok:
                    loop.append(comp)
                    in_loop |= keys
                    left.remove(comp)
                    changed = True
        done |= {("Y", k) for k in in_loop}
        scal_pass = []
        changed = True
        while changed:
            changed = False
            for comp in list(left):
                if comp[0][0] != "C":
                    continue
                same, prev, whole, vint, scal = _deps(consts[comp[0][1]])
                if all(("Y", d) in done for d in same | prev | whole | vint) and all(("C", d) in done for d in scal):
                    scal_pass.append(comp)
                    done.add(comp[0])
                    left.remove(comp)
                    changed = True
        if not loop and not scal_pass:
            raise FormulaError(f"cannot order the rows of the compiled kernel: {left[:3]}")
        passes.append((loop, scal_pass))
    return passes


class _Spec:
    """What the caller of a generated kernel passes and reads: parameters, counterfactuals, outputs,
    the invariant rows and the NumPy-computed factors."""

    def __init__(self, g: _Gen, y_out, s_out, inv):
        self.fixed, self.vary, self.cfs = list(g.fixed), list(g.vary), list(g.cfs)
        self.y_out, self.s_out, self.inv = y_out, s_out, inv
        self.pre_inv, self.pre_var = list(g.pre_inv), list(g.pre_var)
        self.exprs, self.consts = g.exprs, g.consts


class _NpSub:
    """Renders a parameter-level node with the NumPy kernel's own renderer (``Node.np``), its
    parameters as (1, S) arrays or numbers and its rows as (years, 1) arrays, as in that kernel."""

    def __init__(self, exprs, consts, inv, inv_scal):
        self.mode, self.names, self.env, self.exprs, self.inv = "whole", {}, {}, exprs, inv
        self.consts, self.inv_scal = consts, inv_scal

    def _bind(self, value) -> str:
        name = f"x{len(self.env)}"
        self.env[name] = value
        return name

    def param(self, inp):
        return self._bind(("param", inp.path))

    def ref(self, row, lag):
        if row.key in self.inv:
            return self._bind(("row", row.key, lag))
        return f"_2d({self.exprs[row.key].np(self)}, T)"     # a parameter-level row, as that kernel computes it

    def scalar(self, row):
        if row.key in self.inv_scal:
            return self._bind(("scalar", row.key)) + "[None, :]"
        return f"_1d({self.consts[row.key].np(self)})[None, :]"     # a parameter-level figure

    def shared(self, text):  # pragma: no cover - a parameter-level node has no figure
        raise NotCompiled("a figure in a parameter-level node")


#: Scenarios per block of :func:`_numpy_factors` (its temporaries stay in cache, and below the
#: size at which each allocation maps fresh pages).
FACTOR_BLOCK = 4096


def _numpy_factors(spec, nodes, param, rows: dict, scalars: dict, T: int, S: int, threads: int = 1) -> np.ndarray:
    """The nodes evaluated by NumPy as the NumPy kernel evaluates them: (len(nodes), T, S), by
    blocks of scenarios (the NumPy kernel's helpers make their operands contiguous, so that an
    element's bits do not depend on the batch: see runtime._contiguous), on ``threads`` threads."""
    from .runtime import NAMESPACE, _2d, _lag

    out = np.empty((max(1, len(nodes)), T, S))
    for j, node in enumerate(nodes):
        sub = _NpSub(spec.exprs, spec.consts, rows, scalars)
        code = compile(node.np(sub), "<finmodel factor>", "eval")
        env = dict(NAMESPACE)
        env["T"] = T
        per_scenario = {}
        for name, what in sub.env.items():
            if what[0] == "param":
                v = param(what[1])
                if np.size(v) > 1:
                    per_scenario[name] = np.reshape(v, -1)
                else:
                    env[name] = float(np.reshape(v, -1)[0])
            elif what[0] == "row":
                r = rows[what[1]].reshape(T, 1)
                env[name] = _lag(r) if what[2] else r
            else:
                env[name] = np.reshape(scalars[what[1]], -1)
        step = FACTOR_BLOCK if per_scenario else max(1, S)

        def block(lo, j=j, code=code, env=env, per_scenario=per_scenario, step=step):
            hi = min(S, lo + step)
            here = dict(env)
            for name, v in per_scenario.items():
                here[name] = v[lo:hi].reshape(1, -1)
            with np.errstate(all="ignore"):
                out[j, :, lo:hi] = np.broadcast_to(_2d(eval(code, here), T), (T, hi - lo))  # noqa: S307 - our own rendering

        starts = range(0, S, step)
        if threads > 1 and len(starts) > 1:      # NumPy's loops let go of the GIL: the blocks run side by side
            from concurrent.futures import ThreadPoolExecutor

            with ThreadPoolExecutor(max_workers=threads) as ex:
                list(ex.map(block, starts))
        else:
            for lo in starts:
                block(lo)
    return out


# --------------------------------------------------------------------------- emission
def _emit(g: _Gen, passes, varied: bool, outputs_y: dict, outputs_s: dict, order_of) -> list[str]:
    """The lines of one section: each pass's year loop, then its scalars."""
    sec = g.sec = _Section(g, varied)
    out: list[str] = []
    for loop, scal in passes:
        keys = [k for comp in loop for k in order_of(comp)]
        if keys:
            sec.loop = set(keys)
            lagged = [k for k in keys if k in g.lag_in_loop]
            body = []
            for key in keys:
                sec.pre = []
                text = g.render.num(g.exprs[key])
                out.extend(sec.pre)
                v = g.v(key)
                body.append(f"v_{v} = {text}")
                if not varied:
                    body.append(f"IY[{g.inv_rows[key]}, k] = v_{v}")
                else:
                    if key in g.store:
                        body.append(f"W[{g.store[key]}, k] = v_{v}")
                    if key in outputs_y:
                        body.append(f"OY[{outputs_y[key]}, s, k] = v_{v}")
            out.extend(f"l_{g.v(k)} = 0.0" for k in lagged)
            out.append("for k in range(T):")
            out.extend("    " + b for b in body)
            out.extend(f"    l_{g.v(k)} = v_{g.v(k)}" for k in lagged)
            sec.loop = set()
        for comp in scal:
            key = comp[0][1]
            sec.pre = []
            text = g.render.num(g.consts[key])
            out.extend(sec.pre)
            out.append(f"s_{g.v(key)} = {text}")
            if not varied:
                out.append(f"IS[{g.inv_scal[key]}] = s_{g.v(key)}")
            elif key in outputs_s:
                out.append(f"OS[{outputs_s[key]}, s] = s_{g.v(key)}")
    return out


_HEADER = '''# generated by finmodel.model.jit from the model's rows: do not edit
import math
import numpy as np
from numba import njit, prange
from finmodel.model.jit_irr import irr, irr_again
from finmodel.model.jit_rt import (_min, _max, _mod, _pow, _growth, _lag, sum_years, sumproduct_years,
    sumabs_years, max_years, min_years, maxabs_years, count_neg_years, count_above_one_years,
    vintage_amort, payback, discounted_payback, min_cumulative, nanmin, mirr)

_NAN = math.nan


@njit(parallel=True, cache=True, error_model="numpy", nogil=True)
def kernel(PF, PV, CFV, IY, IS, IX, X, T, OY, OS, FB, TB, B, NWS):
    S = PV.shape[0]
    nblk = (S + B - 1) // B
    for blk in prange(nblk):
        W = np.empty((NW, T))
        WS = np.full(NWS, np.nan)         # (NaN: no power kept yet, see jit_rt._powers)
        for s in range(blk * B, min(S, blk * B + B)):
            FB[s] = scenario(s, PF, PV, CFV, IY, IS, IX, X, T, OY, OS, TB, W, WS)
    return 0


# inlined into the loop above (numba IR): no call per scenario passing the arrays and the tables
@njit(cache=True, error_model="numpy", nogil=True, inline="always")
def scenario(s, PF, PV, CFV, IY, IS, IX, X, T, OY, OS, TB, W, WS):
    """One scenario: its rows year by year, its figures and metrics; returns 1 to ask for the NumPy path."""
'''


def generate(m: Model, folds: Folds, varied: frozenset, outputs):
    """The kernel's source for a model, its folds, the varied inputs and the outputs (None: every row).

    Returns (source, fixed parameter paths, varied parameter paths, counterfactual nodes, year
    outputs, scalar outputs)."""
    exprs, consts = _fold_rows(m, folds.folder())
    if outputs is None:
        targets = [("Y", k) for k in exprs] + [("C", k) for k in consts]
    else:
        targets = [("C", k) if k in consts and k not in exprs else ("Y", k) for k in outputs]
    nodes, edges, _ = _needed(m, exprs, consts, targets)
    pos = {r.key: i for i, r in enumerate(m.rows)}
    edges = {n: sorted(set(e), key=lambda d: (pos[d[1]], d[0])) for n, e in edges.items()}    # one source per model
    order = _tarjan(sorted(nodes, key=lambda n: pos[n[1]]), edges)
    var_nodes = _variance(exprs, consts, nodes, order, varied, folds.cf_noop)
    g = _Gen(m, exprs, consts, varied, folds.cf_noop)
    g.index = {key: i for i, key in enumerate(sorted({n[1] for n in nodes}, key=pos.get))}

    def order_of(comp):
        keys = [c[1] for c in comp]
        return keys if len(keys) == 1 else _same_year_order(keys, exprs)

    inv = [c for c in order if c[0] not in var_nodes]
    var = [c for c in order if c[0] in var_nodes]
    var_passes = _schedule(var, exprs, consts, {c[0] for c in inv})
    for comp in inv:
        for kind, key in comp:
            if kind == "Y":
                g.inv_rows[key] = len(g.inv_rows)
            else:
                g.inv_scal[key] = len(g.inv_scal)
    # which varied rows are kept in W, and which carry last year's value in a local
    g.lag_in_loop = set()
    loop_of = {k: i for i, (loop, _) in enumerate(var_passes) for comp in loop for _, k in comp}
    keep = set()
    for i, (loop, scal) in enumerate(var_passes):
        for comp in loop + scal:
            for kind, key in comp:
                same, prev, whole, vint, scal_d = _deps(exprs[key] if kind == "Y" else consts[key])
                here = loop_of.get(key) if kind == "Y" else None
                for d in same | prev:
                    if d in loop_of and loop_of[d] != here:
                        keep.add(d)
                for d in prev:
                    if loop_of.get(d) == here and here is not None:
                        g.lag_in_loop.add(d)
                keep.update(d for d in whole | vint if d in loop_of)
    y_out = [k for kind, k in targets if kind == "Y"]
    s_out = [k for kind, k in targets if kind == "C"]
    keep.update(k for k in y_out if k in loop_of)
    g.store = {k: i for i, k in enumerate(sorted(keep, key=pos.get))}
    outputs_y = {k: i for i, k in enumerate(y_out)}
    outputs_s = {k: i for i, k in enumerate(s_out)}

    var_lines = _emit(g, var_passes, True, outputs_y, outputs_s, order_of)
    for k, j in outputs_y.items():
        if k in g.inv_rows:
            var_lines.append(f"OY[{j}, s, :] = IY[{g.inv_rows[k]}]")
    for k, j in outputs_s.items():
        if k in g.inv_scal:
            var_lines.append(f"OS[{j}, s] = IS[{g.inv_scal[k]}]")
    head = [f"    pf{i} = PF[{i}]" for i in range(len(g.fixed))]
    head += [f"    pv{j} = PV[s, {j}]" for j in range(len(g.vary))]
    head += ["    fb = 0"] + ["    " + x for x in var_lines] + ["    return fb", ""]
    inv_keys = [(kind, key) for comp in inv for kind, key in comp]
    return _HEADER.replace("NW,", f"{max(1, len(g.store))},") + "\n".join(head), _Spec(g, y_out, s_out, inv_keys)


# --------------------------------------------------------------------------- build, cache, run
def _load(source: str):
    """The kernel function of a generated source: written once under the cache folder
    (:mod:`finmodel._cache`, ``kernels``), imported; numba keeps its machine code beside it."""
    import numba

    from .. import _cache
    from . import jit_irr, jit_rt

    # the helpers' sources too: numba's cache of a caller does not notice a change in a callee
    helpers = Path(jit_rt.__file__).read_bytes() + Path(jit_irr.__file__).read_bytes()
    digest = hashlib.sha256(source.encode() + helpers + numba.__version__.encode()).hexdigest()[:20]
    name = f"finmodel_kernel_{digest}"
    mod = sys.modules.get(name)
    if mod is None:
        folder = _cache.folder("kernels")
        if folder is None:
            folder = Path(tempfile.mkdtemp(prefix="finmodel-kernels-"))
        path = folder / f"{name}.py"
        if not path.exists() or path.read_text(encoding="utf-8") != source:
            _cache.write_atomic(path, source)
        spec = importlib.util.spec_from_file_location(name, path)
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        sys.modules[name] = mod
    return mod.kernel


_TABLES: dict = {}


def _tables(T: int):
    """The IRR screen's tables for flows of T years (finmodel._irr, degree T - 1): the six top
    cells (their exact matrices side by side, padded with zero columns to a multiple of 8; their
    geometry, the sign-pattern codes) and each one's eight parts."""
    hit = _TABLES.get(T)
    if hit is not None:
        return hit
    from .. import _irr

    d = T - 1 if 2 <= T - 1 <= _irr._SCREEN_MAX_DEGREE else 2
    top = _irr._top(d)
    codes = _irr._codes(d)
    half = top.reg.half[top.ids].astype(np.int64)
    high = (half == 0) | (top.reg.za[top.ids] >= _irr._ARTEFACT_Z)
    parts = [top.reg.parts_of(int(i)) for i in top.ids]
    k = d + 1
    n_parts = len(parts[0].za)
    bt = top.b_all_t.T
    bt = np.hstack([bt, np.zeros((k, -bt.shape[1] % 8))])    # zero columns: whole SIMD vectors in the product
    tb = (np.ascontiguousarray(bt), np.ascontiguousarray(top.beta), top.za.copy(), top.zb.copy(), half,
          high, int(_irr._t_bits(d)), int(codes.modulus), codes.code.astype(float), codes.n_changes.astype(np.int64),
          codes.k1.astype(np.int64), codes.k2.astype(np.int64), codes.s0.astype(np.int64),
          np.stack([p.b1 for p in parts]), np.stack([p.b2 for p in parts]),
          np.stack([np.ldexp(1.0, -p.thr_exp.astype(np.int64)) for p in parts]),
          np.stack([p.inv_thr2 for p in parts]), np.stack([p.beta for p in parts]),
          np.stack([p.za for p in parts]), np.stack([p.zb for p in parts]),
          np.ones(max(len(top.ids), n_parts) * k))
    _TABLES[T] = tb
    return tb


class Compiled:
    """A compiled kernel with the values of its fixed inputs and of the rows no varied input
    reaches (computed by the NumPy kernel: the same bits), ready to run chunk after chunk."""

    def __init__(self, fn, spec, pf, iy, is_, ix, reference, data):
        self.fn, self.spec, self.fixed, self.iy, self.is_, self.ix = fn, spec, pf, iy, is_, ix
        self.y_out, self.s_out = spec.y_out, spec.s_out
        self.reference = reference          # the NumPy path's Prepared, for the scenarios flagged
        self.data = data
        self.cfs: list = []
        self.fallbacks = 0                  # scenarios the last run handed to the NumPy path


def prepare(m: Model, data: dict, varied: frozenset, outputs: tuple[str, ...] | None = None) -> Compiled:
    """The compiled kernel (built once per model, folds, outputs and varied inputs, then cached)."""
    from .. import paths
    from . import compile as npc

    folds = Folds(m, data, varied)
    key = ("jit", folds.key, outputs, varied)
    hit = m.cache.get(key)
    if hit is None:
        source, spec = generate(m, folds, varied, outputs)
        hit = m.cache[key] = (_load(source), spec)
    fn, spec = hit
    pf = np.array([float(paths.get(data, p)) for p in spec.fixed] or [0.0])
    T = int(paths.get(data, "scenario.concession_years")) + 1
    iy, is_ = np.zeros((1, T)), np.zeros(1)
    rows, scal = {}, {}
    if spec.inv:
        here = {p: np.asarray(float(paths.get(data, p))) for p in varied}
        keys = tuple(k for _, k in spec.inv)
        if any(kind == "C" and m[k].expr is not None for kind, k in spec.inv):
            keys = None                     # a row with both a yearly and a scalar value: ask for all rows
        ys, ss = npc.execute(npc.prepare(m, data, varied, keys), here, T, 1)
        rows = {k: np.broadcast_to(ys[k], (T, 1))[:, 0] for kind, k in spec.inv if kind == "Y"}
        scal = {k: float(np.reshape(ss[k], -1)[0]) for kind, k in spec.inv if kind == "C"}
        if rows:
            iy = np.ascontiguousarray(np.stack(list(rows.values())))
        if scal:
            is_ = np.array(list(scal.values()))
    ix = np.ascontiguousarray(_numpy_factors(spec, spec.pre_inv, lambda p: float(paths.get(data, p)), rows, scal, T, 1)[:, :, 0])
    c = Compiled(fn, spec, pf, iy, is_, ix, npc.prepare(m, data, varied, outputs), data)
    c.rows, c.scal = rows, scal
    c.cfs = [(cf.row.key, prepare(m, _cf_data(data, cf), varied - set(cf.overrides), (cf.row.key,)))
             for cf in spec.cfs]
    return c


def _interruptible(fn) -> None:
    """Run ``fn`` in a helper thread while this one waits in short joins, so that Ctrl-C is
    answered at once: the first call of a kernel compiles it (10-30 s, much of it in LLVM, where
    Python cannot take a signal). The kernel's runs stay in the caller's thread (a block of
    scenarios at a time: Ctrl-C is answered between blocks)."""
    import threading

    box: dict = {}

    def target():
        try:
            fn()
        except BaseException as exc:  # noqa: BLE001 - handed to the caller
            box["error"] = exc

    t = threading.Thread(target=target, name="finmodel-kernel", daemon=True)
    t.start()
    while t.is_alive():
        t.join(0.05)
    if "error" in box:
        raise box["error"]


#: Scenarios per block of the parallel loop (one scratch array per block).
BLOCK = 256


def execute(c: Compiled, vary: dict[str, np.ndarray], T: int, S: int, threads: int | None = None):
    """Run a compiled kernel on S scenarios; the same (years, scalars) as :func:`compile.execute`,
    years as (T, S) views of (S, T) arrays. Scenarios whose IRR the kernel could not decide are
    evaluated on the NumPy path (their count is ``c.fallbacks``)."""
    import numba

    from .. import paths
    from . import compile as npc
    from . import jit_rt

    pv = np.empty((S, len(c.spec.vary)))
    for j, path in enumerate(c.spec.vary):
        pv[:, j] = np.broadcast_to(np.asarray(vary[path], dtype=float).reshape(-1), (S,))
    cfv = np.empty((len(c.cfs), S, T))
    for j, (key, sub) in enumerate(c.cfs):
        cfv[j] = np.broadcast_to(execute(sub, vary, T, S, threads)[0][key].T, (S, T))
    oy = np.empty((len(c.y_out), S, T))
    os_ = np.empty((len(c.s_out), S))
    fb = np.zeros(S, dtype=np.int64)
    def param(path):
        if path in vary:
            return np.broadcast_to(np.asarray(vary[path], dtype=float).reshape(-1), (S,))
        return float(paths.get(c.data, path))

    x = _numpy_factors(c.spec, c.spec.pre_var, param, c.rows, c.scal, T, S, threads or 1)
    tables = _tables(T)
    nws = 64 * (T + 4) + jit_rt.power_slots(T)

    if not getattr(c.fn, "signatures", None):
        # the first call compiles: in a helper thread, so that Ctrl-C is answered meanwhile
        one = (c.fixed, np.zeros((1, pv.shape[1])), np.zeros((cfv.shape[0], 1, T)), c.iy, c.is_, c.ix,
               np.zeros((x.shape[0], T, 1)), T, np.empty((oy.shape[0], 1, T)), np.empty((os_.shape[0], 1)),
               np.zeros(1, dtype=np.int64), tables, BLOCK, nws)
        _interruptible(lambda: c.fn(*one))
    before = numba.get_num_threads()
    if threads:
        numba.set_num_threads(min(threads, numba.config.NUMBA_NUM_THREADS))
    try:
        c.fn(c.fixed, pv, cfv, c.iy, c.is_, c.ix, x, T, oy, os_, fb, tables, BLOCK, nws)
    finally:
        numba.set_num_threads(before)
    years = {k: oy[j].T for j, k in enumerate(c.y_out)}
    scalars = {k: os_[j] for j, k in enumerate(c.s_out)}
    idx = np.flatnonzero(fb)
    c.fallbacks = int(idx.size)
    if idx.size:
        part = {p: (np.asarray(v).reshape(-1)[idx] if np.size(v) > 1 else v) for p, v in vary.items()}
        ys, ss = npc.execute(c.reference, part, T, idx.size)
        for k in c.y_out:
            oy[c.y_out.index(k)][idx] = np.broadcast_to(ys[k], (T, idx.size)).T
        for k in c.s_out:
            os_[c.s_out.index(k)][idx] = np.broadcast_to(ss[k], (idx.size,))
    return years, scalars
