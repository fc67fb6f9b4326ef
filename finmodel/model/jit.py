"""Render the rows to one compiled loop nest: the engine's fused kernel (numba).

The same folded rows as :mod:`.compile` (the NumPy kernel, which stays the reference), rendered a
second way: each node as a *scalar* expression, one scenario and one year (:class:`.jit_emit.Scalar`).
The kernel has two parts:

1. rows and figures that no varied input reaches (the time axis, tax rates by year, growth
   factors of fixed rates) are computed once, by the NumPy kernel, into arrays;
2. ``prange`` over blocks of scenarios (``parallel=True``); in a block, groups of L scenarios
   (*lanes*, :data:`.jit_emit.LANES`) run the rows in as few year loops as their dependencies
   allow: a row joins the open loop when everything it reads in year k is known by then
   (same-year values computed before it in the loop, last year's values, whole rows of earlier
   loops); a figure over the years (a sum, a present value, an IRR) closes the loop. Each year's
   statements run in a loop over the L lanes, which LLVM vectorises (the same operations in the
   same order in every lane: the bits of one scenario at a time); then the figures: the plain
   loops over years (sums, present values, least values) for all lanes at once too, the IRR,
   MIRR and paybacks lane by lane. :mod:`.jit_emit` lays this out (segments around vintage sums,
   the block's array W).

The metrics run in the same pass (:mod:`.jit_rt`). Where the IRR cannot be decided there (see
:func:`jit_irr.irr`), the scenario is flagged and the caller evaluates it on the NumPy path.
:func:`execute` pads the scenarios to a multiple of L (copies of the last one) and slices the
outputs, so the kernel has no remainder loop; the flags of the padding are ignored.

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
from .expr import ConstRef, FormulaError, Input, Ref, walk
from .jit_emit import LANES, SCREEN, NotCompiled, Scalar, emit
from .nodes import Agg, Counterfactual, Metric, VintageAmort


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


class _Section:
    """What the renderer collects for the varied part: the open year loop, the figures so far,
    the figures and vintage sums the current line needs first."""

    def __init__(self, gen):
        self.g = gen
        self.loop: set[str] = set()        # rows of the open year loop
        self.figures: dict[str, tuple] = {}
        self.pre: list[str] = []
        self.vint: list[tuple] = []


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
        self.render = Scalar(self)
        self.lanes = None                     # the emission (jit_emit.Lanes), for vintage sums
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
        """A row in year k of lane l (see jit_emit: invariant rows in locals read once a year)."""
        if key in self.sec.loop:
            return f"l_{self.v(key)}" if lag else f"v_{self.v(key)}"
        if key in self.inv_rows:
            return f"{'ly' if lag else 'iy'}{self.inv_rows[key]}"
        self.array(key)
        return f"W[{'k' if lag else 'k + 1'}, {self.store[key]}, l]"

    def array(self, key: str) -> str:
        """A whole row: an invariant row, or lane l's row copied from W (see jit_emit.Lanes.whole)."""
        if key in self.inv_rows:
            return f"IY[{self.inv_rows[key]}]"
        if key not in self.store:
            raise FormulaError(f"row {key} is read as a whole before it is complete")
        return self.lanes.whole(key)

    def scalar(self, key: str) -> str:
        if key in self.inv_scal:
            return f"is{self.inv_scal[key]}"
        return f"s_{self.v(key)}"

    def counterfactual(self, node: Counterfactual) -> str:
        if node not in self.cfs:
            self.cfs.append(node)
        return f"CFV[{self.cfs.index(node)}, k, s]"

    def vintage(self, node) -> str:
        return self.lanes.vintage(node)

    def figure(self, text: str, n: int = 1, status: bool = False, screen: str | None = None):
        """A figure over whole rows, computed once per scenario before the line that uses it
        (``screen``: the call that answers instead where the first returns status SCREEN)."""
        sec = self.sec
        got = sec.figures.get(text)
        if got is None:
            names = tuple(f"f{self.n_fig}_{i}" for i in range(n))
            self.n_fig += 1
            sec.pre.append(f"{', '.join(names)} = {text}")
            if screen is not None:
                sec.pre.append(f"if {names[-1]} == {SCREEN}: {', '.join(names)} = {screen}")
            if status:
                sec.pre.append(f"fb = max(fb, {names[-1]})")
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
        return f"X[{j}, k, s]" if varies else f"ix{j}"


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


#: Scenarios per block of :func:`_numpy_factors` (its temporaries, 21 years x this x 8 bytes,
#: about fit the 1 MB L2 cache). For 262,144 scenarios of the J case's growth factor: 17 ms on
#: one thread and 12 ms on two, against 18-20 and 14-18 ms with blocks of 4,096 (each block pays
#: Python's calls); the bits are the same whatever the block.
FACTOR_BLOCK = 16384


def _numpy_factors(spec, nodes, param, rows: dict, scalars: dict, T: int, S: int, threads: int = 1,
                   out: np.ndarray | None = None) -> np.ndarray:
    """The nodes evaluated by NumPy as the NumPy kernel evaluates them: (len(nodes), T, S), by
    blocks of scenarios (the NumPy kernel's helpers make their operands contiguous, so that an
    element's bits do not depend on the batch: see runtime._contiguous), on ``threads`` threads;
    into ``out[:, :, :S]`` when given."""
    from .runtime import NAMESPACE, _2d, _lag

    if out is None:
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


def generate(m: Model, folds: Folds, varied: frozenset, outputs):
    """The kernel's source for a model, its folds, the varied inputs and the outputs (None: every row).

    Returns (source, spec): the spec names the fixed and varied parameters, the counterfactuals,
    the outputs and the invariant rows and factors the caller computes (:class:`_Spec`)."""
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

    g.sec = _Section(g)
    g.key_of = {g.v(k): k for k in g.index}
    source, _ = emit(g, var_passes, outputs_y, outputs_s, order_of)
    inv_keys = [(kind, key) for comp in inv for kind, key in comp]
    spec = _Spec(g, y_out, s_out, inv_keys)
    spec.inv_y = [(j, g.inv_rows[k]) for k, j in outputs_y.items() if k in g.inv_rows]
    spec.inv_s = [(j, g.inv_scal[k]) for k, j in outputs_s.items() if k in g.inv_scal]
    return source, spec


# --------------------------------------------------------------------------- build, cache, run
def _load(source: str):
    """The kernel function of a generated source: written once under the cache folder
    (:mod:`finmodel._cache`, ``kernels``), imported; numba keeps its machine code beside it."""
    import numba

    from .. import _cache
    from . import jit_irr, jit_rt

    # the helpers' sources too: numba's cache of a caller does not notice a change in a callee
    helpers = Path(jit_rt.__file__).read_bytes() + Path(jit_irr.__file__).read_bytes()
    digest = hashlib.sha256(source.encode() + helpers + numba.__version__.encode() + b"slp").hexdigest()[:20]
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
        self.pending = np.zeros(0, dtype=np.int64)  # those of them it left to the caller (defer)


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


def _vectorising(fn) -> None:
    """Run ``fn`` (a first call, which compiles the kernel and the helpers it calls) with LLVM's
    SLP vectoriser on: it packs the IRR's four interleaved Horner chains into vector
    instructions (8-12 % off the IRR's time on the benchmark's rows). Numba leaves that pass off
    by default and reads its setting for every compilation, so it is turned on for this one and
    back after it: nothing else in the process is compiled differently. The pass changes no
    result: it packs the same IEEE operations without reordering them (``tests/test_compiled.py``
    finds the rows bit for bit)."""
    from numba.core import config

    before = config.SLP_VECTORIZE
    config.SLP_VECTORIZE = 1
    try:
        fn()
    finally:
        config.SLP_VECTORIZE = before


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


#: Scenarios per block of the parallel loop (one scratch array per block): whole lane groups.
BLOCK = 256
assert BLOCK % LANES == 0


def _buffer(keep: dict | None, name: str, shape: tuple, dtype=float) -> np.ndarray:
    """A C-contiguous array of ``shape`` for this run: the front of the one ``keep`` holds under
    ``name`` when that is large enough (a chunk loop reuses its buffers, the last, smaller chunk
    too: fresh pages are costly on a virtual machine, see :mod:`finmodel._memory`)."""
    if keep is None:
        return np.empty(shape, dtype=dtype)
    size = int(np.prod(shape))
    flat = keep.get(name)
    if flat is None or flat.size < size or flat.dtype != dtype:
        flat = keep[name] = np.empty(max(size, 1), dtype=dtype)
    return flat[:size].reshape(shape)


def _fill(dst: np.ndarray, src, S: int) -> None:
    """dst's last axis (scenarios, padded to whole lane groups): src over the first S (unless
    None: already there), then copies of the last scenario."""
    if src is not None:
        dst[..., :S] = src
    if dst.shape[-1] > S:
        dst[..., S:] = dst[..., S - 1:S] if S else 0.0


def fallback(c: Compiled, vary: dict[str, np.ndarray], idx: np.ndarray, T: int):
    """The NumPy path's (years, scalars) for the scenarios ``idx`` of ``vary``: those whose IRR the
    kernel left undecided."""
    from . import compile as npc

    part = {p: (np.asarray(v).reshape(-1)[idx] if np.size(v) > 1 else v) for p, v in vary.items()}
    return npc.execute(c.reference, part, T, idx.size)


def execute(c: Compiled, vary: dict[str, np.ndarray], T: int, S: int, threads: int | None = None,
            keep: dict | None = None, defer: bool = False):
    """Run a compiled kernel on S scenarios; the same (years, scalars) as :func:`compile.execute`,
    years as (T, S) views. Scenarios whose IRR the kernel could not decide are evaluated on the
    NumPy path (their count is ``c.fallbacks``). The kernel runs lane groups of L scenarios: the
    inputs are padded to a multiple of L with copies of the last scenario, the outputs sliced.
    ``keep`` (a dict the caller holds across calls) lends the inputs' and outputs' buffers: the
    views returned are then valid until the next call with the same ``keep``. ``defer`` leaves
    the undecided scenarios' outputs as they are and lists them in ``c.pending`` for the caller
    to hand to :func:`fallback` together, once (each NumPy pass costs about 13 ms however few
    scenarios it has)."""
    import numba

    from .. import paths
    from . import jit_rt

    L = LANES
    SP = -(-max(S, 1) // L) * L
    pv = _buffer(keep, "pv", (len(c.spec.vary), SP))
    for j, path in enumerate(c.spec.vary):
        _fill(pv[j], np.broadcast_to(np.asarray(vary[path], dtype=float).reshape(-1), (S,)), S)
    cfv = _buffer(keep, "cfv", (len(c.cfs), T, SP))
    for j, (key, sub) in enumerate(c.cfs):
        _fill(cfv[j], np.broadcast_to(execute(sub, vary, T, S, threads)[0][key], (T, S)), S)
    oy = _buffer(keep, "oy", (len(c.y_out), T, SP))
    os_ = _buffer(keep, "os", (len(c.s_out), SP))
    fb = _buffer(keep, "fb", (SP,), np.int64)
    fb[:] = 0

    def param(path):
        if path in vary:
            return np.broadcast_to(np.asarray(vary[path], dtype=float).reshape(-1), (S,))
        return float(paths.get(c.data, path))

    x = _buffer(keep, "x", (max(1, len(c.spec.pre_var)), T, SP))
    if c.spec.pre_var:
        _numpy_factors(c.spec, c.spec.pre_var, param, c.rows, c.scal, T, S, threads or 1, out=x)
        _fill(x, None, S)
    else:
        x[:] = 0.0
    tables = _tables(T)
    nws = 64 * (T + 4) + jit_rt.power_slots(T)

    if not getattr(c.fn, "signatures", None):
        # the first call compiles: in a helper thread, so that Ctrl-C is answered meanwhile
        one = (c.fixed, np.zeros((pv.shape[0], L)), np.zeros((cfv.shape[0], T, L)), c.iy, c.is_, c.ix,
               np.zeros((x.shape[0], T, L)), T, np.empty((oy.shape[0], T, L)), np.empty((os_.shape[0], L)),
               np.zeros(L, dtype=np.int64), tables, BLOCK, nws)
        _interruptible(lambda: _vectorising(lambda: c.fn(*one)))
    before = numba.get_num_threads()
    if threads:
        numba.set_num_threads(min(threads, numba.config.NUMBA_NUM_THREADS))
    try:
        c.fn(c.fixed, pv, cfv, c.iy, c.is_, c.ix, x, T, oy, os_, fb, tables, BLOCK, nws)
    finally:
        numba.set_num_threads(before)
    for j, i in c.spec.inv_y:
        oy[j] = c.iy[i][:, None]
    for j, i in c.spec.inv_s:
        os_[j] = c.is_[i]
    years = {k: oy[j, :, :S] for j, k in enumerate(c.y_out)}
    scalars = {k: os_[j, :S] for j, k in enumerate(c.s_out)}
    idx = np.flatnonzero(fb[:S])
    c.fallbacks = int(idx.size)
    c.pending = idx if defer else idx[:0]
    if idx.size and not defer:
        ys, ss = fallback(c, vary, idx, T)
        for k in c.y_out:
            oy[c.y_out.index(k)][:, idx] = np.broadcast_to(ys[k], (T, idx.size))
        for k in c.s_out:
            os_[c.s_out.index(k)][idx] = np.broadcast_to(ss[k], (idx.size,))
    return years, scalars
