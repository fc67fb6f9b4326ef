"""Render the rows to one NumPy function: the engine's kernel.

For a model, the inputs that vary across scenarios and the rows wanted, :func:`run` builds (once,
then from a cache) the Python source of a function that computes every needed row over arrays
of shape (years, scenarios), and calls it. Inside the kernel years run down axis 0, so that a
year is one contiguous vector over scenarios; rows that do not vary are (years, 1).

Steps of a build:

1. **Fold** what is constant for this kernel: choices, yes/no and structural inputs, and the
   conditions of ``IF`` that depend only on inputs that do not vary (``IF(every > 0, ...)``,
   ``IF(loan = 0, ...)``): only the branch taken is compiled. Their values are the cache key.
2. **Order** the rows by what they use: a row that uses its own or another row's previous
   year belongs, with every row on the cycle, to a *recurrence*, evaluated year by year; every
   other row is one whole-array expression. A row whose expression is ``row.prev + x`` is a
   cumulative sum.
3. **Emit** each row's expression with :meth:`Node.np` and compile the source with ``exec``.

No Python loop runs over scenarios: loops run over the years of a recurrence and over the
vintages of an amortisation. Every operation is elementwise or a sum over years in a fixed
order, so a scenario's numbers do not depend on the batch it is computed in.
"""

from __future__ import annotations

import numpy as np

from .. import paths
from .core import Model, Row
from .expr import Bin, ConstRef, Fn, FormulaError, Input, Node, Ref, walk
from .fold import Folder, K, _truthy, evaluate_constant, input_only
from .nodes import Agg, Counterfactual, Metric, VintageAmort
from .runtime import NAMESPACE, _Memo


# --------------------------------------------------------------------------- dependencies and order
def _deps(node: Node):
    """(same-year rows, previous-year rows, whole rows, scalar rows, counterfactuals) of an expression."""
    same, prev, whole, scal, cfs = set(), set(), set(), set(), []
    for n in walk(node):
        if isinstance(n, Ref):
            (prev if n.lag else same).add(n.row.key)
        elif isinstance(n, ConstRef):
            scal.add(n.row.key)
        elif isinstance(n, Counterfactual):
            cfs.append(n)
        if isinstance(n, (Agg, Metric, VintageAmort)):
            whole.update(r.key for r in n.range_deps())
    return same, prev, whole, scal, cfs


def _tarjan(nodes, edges):
    """Strongly connected components, each after the components it depends on."""
    index, low, on, stack, out = {}, {}, set(), [], []
    counter = [0]
    for root in nodes:
        if root in index:
            continue
        work = [(root, iter(edges.get(root, ())))]
        index[root] = low[root] = counter[0]
        counter[0] += 1
        stack.append(root)
        on.add(root)
        while work:
            v, it = work[-1]
            nxt = next(it, None)
            if nxt is not None:
                if nxt not in index:
                    index[nxt] = low[nxt] = counter[0]
                    counter[0] += 1
                    stack.append(nxt)
                    on.add(nxt)
                    work.append((nxt, iter(edges.get(nxt, ()))))
                elif nxt in on:
                    low[v] = min(low[v], index[nxt])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
            if low[v] == index[v]:
                comp = []
                while True:
                    w = stack.pop()
                    on.discard(w)
                    comp.append(w)
                    if w == v:
                        break
                out.append(comp)
    return out


# --------------------------------------------------------------------------- code generation
class _Gen:
    """Emits the kernel's source; ``np`` methods of the nodes call back into it."""

    def __init__(self, m: Model, exprs, consts, varied, cf_noop):
        self.m, self.exprs, self.consts, self.varied, self.cf_noop = m, exprs, consts, varied, cf_noop
        self.lines: list[str] = []
        self.params: dict[str, int] = {}
        self.names: dict[str, str] = {}       # row key -> variable
        self.lagged: set[str] = set()
        self.cfs: list[Counterfactual] = []
        self.mode = "whole"
        self.group: set[str] = set()
        self.aggs: dict[str, str] = {}
        self.pre: list[str] = []
        self.vectors: set[int] = set()          # parameters read inside a year loop, as (S,) vectors

    def var(self, key: str) -> str:
        v = self.names.get(key)
        if v is None:
            v = self.names[key] = f"r{len(self.names)}"
        return v

    # ---------------------------------------------------------------- node callbacks
    def param(self, inp: Input) -> str:
        i = self.params.setdefault(inp.path, len(self.params))
        if self.mode == "year":
            self.vectors.add(i)
            return f"pv{i}"
        return f"p{i}"

    def ref(self, row: Row, lag: int) -> str:
        v = self.var(row.key)
        if self.mode == "year":
            if row.key in self.group:
                return f"g{v}[k]" if lag else f"g{v}[k + 1]"
            if lag:
                self.lagged.add(row.key)
                return f"l{v}[k]"
            return f"{v}[k]"
        if self.mode == "scalar" or not lag:
            return v
        self.lagged.add(row.key)
        return f"l{v}"

    def scalar(self, row: Row) -> str:
        v = "s" + self.var(row.key)
        return f"{v}[None, :]" if self.mode == "whole" else v

    def shared(self, text: str) -> str:
        """A figure computed once per kernel call (a sum over years used by several metrics)."""
        v = self.aggs.get(text)
        if v is None:
            v = self.aggs[text] = f"a{len(self.aggs)}"
            self.pre.append(f"{v} = {text}")
        return v

    def counterfactual(self, node: Counterfactual) -> str:
        if self.cf_noop[id(node)]:
            return self.ref(node.row, 0)
        self.cfs.append(node)
        name = f"cf{len(self.cfs) - 1}"
        return f"{name}[k]" if self.mode == "year" else name

    # ---------------------------------------------------------------- emission
    def emit(self, order) -> str:
        body: list[str] = []
        for comp in order:
            body.extend(self._component(comp))
        head = ["def kernel(P, CF, T, S):", "    _M = _Memo()"]
        for path, i in self.params.items():
            head.append(f"    p{i} = P[{i}]")
            if i in self.vectors:
                head.append(f"    pv{i} = _vec(p{i})")
        for j in range(len(self.cfs)):
            head.append(f"    cf{j} = CF[{j}]")
        head.append("    with np.errstate(all='ignore'):")
        years = "{" + ", ".join(f"{k!r}: {v}" for k, v in self.outputs if not v.startswith("s")) + "}"
        scalars = "{" + ", ".join(f"{k!r}: {v}" for k, v in self.outputs if v.startswith("s")) + "}"
        out = [f"        return {years}, {scalars}"]
        return "\n".join(head + ["        " + x for x in body] + out) + "\n"

    def _component(self, comp) -> list[str]:
        kinds = {c[0] for c in comp}
        if kinds == {"C"}:
            key = comp[0][1]
            self.mode = "scalar"
            self.pre = []
            line = f"s{self.var(key)} = _1d({self.consts[key].np(self)})"
            return self.pre + [line]
        keys = [c[1] for c in comp]
        if len(keys) == 1 and keys[0] not in self.self_lag:
            return self._whole(keys[0])
        return self._loop(keys)

    def _whole(self, key: str) -> list[str]:
        self.mode = "whole"
        self.pre = []
        e = self.exprs[key]
        v = self.var(key)
        lines = [f"{v} = _2d({e.np(self)}, T)"]
        return self.pre + lines + self._lag_line(key)

    def _lag_line(self, key):
        return [f"l{self.var(key)} = _lag({self.var(key)})"] if key in self.need_lag else []

    def _loop(self, keys) -> list[str]:
        ordered = self.loop_order[tuple(sorted(keys))]
        if len(ordered) == 1:
            e = self.exprs[ordered[0]]
            cum = _cumulative(e, ordered[0])
            if cum is not None:
                self.mode = "whole"
                v = self.var(ordered[0])
                return [f"{v} = _cumsum_years(_2d({cum.np(self)}, T))"] + self._lag_line(ordered[0])
        self.mode = "year"
        self.group = set(ordered)
        texts = {k: self.exprs[k].np(self) for k in ordered}
        ext = sorted({w for t in texts.values() for w in _words(t)} - {f"g{self.var(k)}" for k in ordered})
        lines = [f"R = _width({', '.join(ext)})" if ext else "R = 1"]
        for k in ordered:                       # row 0: the year before year 0; every other row is written first
            lines += [f"g{self.var(k)} = np.empty((T + 1, R))", f"g{self.var(k)}[0] = 0.0"]
        lines.append("for k in range(T):")
        lines += [f"    g{self.var(k)}[k + 1] = {texts[k]}" for k in ordered]
        for k in ordered:
            lines.append(f"{self.var(k)} = g{self.var(k)}[1:]")
            lines += self._lag_line(k)
        self.group = set()
        self.mode = "whole"
        return lines


def _words(text: str) -> set[str]:
    """The kernel variables (rows, lags, parameters, counterfactuals) a piece of source uses."""
    import re
    return set(re.findall(r"\b(?:l?r\d+|pv?\d+|cf\d+|sr\d+|a\d+)\b", text))


def _cumulative(e: Node, key: str):
    """x when the expression is ``row.prev + x`` (a running sum), else None."""
    if isinstance(e, Bin) and e.op == "+":
        for own, other in ((e.a, e.b), (e.b, e.a)):
            if isinstance(own, Ref) and own.row.key == key and own.lag == 1:
                if not any(isinstance(n, Ref) and n.row.key == key for n in walk(other)):
                    return other
    return None


class Kernel:
    """A compiled kernel: its function, the inputs it takes in order, its counterfactuals."""

    def __init__(self, fn, params, cfs, source):
        self.fn, self.params, self.cfs, self.source = fn, params, cfs, source


def _needed(m: Model, exprs, consts, outputs):
    """The graph nodes ('Y' or 'C', key) the outputs need, with their edges."""
    edges: dict = {}
    self_lag, lag_users = set(), set()
    todo = list(outputs)
    seen = set()
    while todo:
        node = todo.pop()
        if node in seen:
            continue
        seen.add(node)
        kind, key = node
        e = exprs.get(key) if kind == "Y" else consts.get(key)
        if e is None:
            raise FormulaError(f"row {key} has no {'formula' if kind == 'Y' else 'constant'}")
        same, prev, whole, scal, cfs = _deps(e)
        out = [("Y", k) for k in same | prev | whole] + [("C", k) for k in scal]
        for cf in cfs:
            out.append(("Y", cf.row.key))       # a no-op counterfactual is the row itself
        if kind == "Y" and key in prev:
            self_lag.add(key)
        if kind == "Y":
            lag_users.update(prev)
        edges[node] = [d for d in out if d != node]
        todo.extend(edges[node])
    return seen, edges, self_lag


def _fold_rows(m: Model, folder: Folder):
    """Every row simplified; rows that fold to 0 are 0 wherever they are used (to a fixed point)."""
    while True:
        before = dict(folder.const_rows)
        exprs = {}
        for r in m.rows:
            if r.expr is not None:
                e = exprs[r.key] = folder(r.expr)
                if isinstance(e, K) and isinstance(e.v, float):
                    folder.const_rows[r.key] = e.v
        if folder.const_rows == before:
            return exprs, {r.key: folder(r.const) for r in m.rows if r.const is not None}


def compile_kernel(m: Model, folder: Folder, varied: frozenset, outputs, cf_noop) -> Kernel:
    exprs, consts = _fold_rows(m, folder)
    if outputs is None:
        targets = [("Y", k) for k in exprs] + [("C", k) for k in consts]
    else:
        targets = [("C", k) if k in consts and k not in exprs else ("Y", k) for k in outputs]
    nodes, edges, self_lag = _needed(m, exprs, consts, targets)
    order = _tarjan(sorted(nodes, key=lambda n: m.rows.index(m.by_key[n[1]])), edges)
    g = _Gen(m, exprs, consts, varied, cf_noop)
    g.self_lag = self_lag
    g.need_lag = set()
    g.loop_order = {}
    for comp in order:
        if len(comp) > 1 or (comp[0][0] == "Y" and comp[0][1] in self_lag):
            if any(c[0] == "C" for c in comp):
                raise FormulaError(f"a scalar row is on a recurrence: {comp}")
            keys = [c[1] for c in comp]
            g.loop_order[tuple(sorted(keys))] = _same_year_order(keys, exprs)
    group_of = {k: i for i, keys in enumerate(g.loop_order.values()) for k in keys}
    for node in nodes:
        if node[0] == "Y":
            same, prev, whole, scal, cfs = _deps(exprs[node[1]])
            here = group_of.get(node[1])
            # a row of a recurrence reads the lags of its group from the loop's arrays
            g.need_lag.update(d for d in prev if here is None or group_of.get(d) != here)
    # rows of a recurrence read their own lags from the loop arrays; others get a lag array
    g.outputs = [(k, g.var(k)) for kind, k in targets if kind == "Y"] + [
        (k, "s" + g.var(k)) for kind, k in targets if kind == "C"]
    source = g.emit(order)
    ns = dict(NAMESPACE)
    ns["_Memo"] = _Memo
    code = compile(source, f"<finmodel kernel {len(exprs)} rows>", "exec")
    exec(code, ns)  # noqa: S102 - our own generated source, from the row definitions
    return Kernel(ns["kernel"], list(g.params), list(g.cfs), source)


def _same_year_order(keys, exprs):
    """The rows of a recurrence in an order where each comes after the rows it uses in the same year."""
    inside = set(keys)
    deps = {k: (_deps(exprs[k])[0] & inside) - {k} for k in keys}
    out, done = [], set()

    def visit(k, path=()):
        if k in done:
            return
        if k in path:
            raise FormulaError(f"circular reference in the same year: {' -> '.join(path + (k,))}")
        for d in sorted(deps[k]):
            visit(d, path + (k,))
        done.add(k)
        out.append(k)

    for k in keys:
        visit(k)
    return out


# --------------------------------------------------------------------------- running
class _Plan:
    """What a model needs at every call: its fold inputs, conditions and counterfactuals."""

    def __init__(self, m: Model):
        rows = [e for r in m.rows for e in (r.expr, r.const) if e is not None]
        self.fold_paths = sorted(p for p, i in m.inputs.items() if i.fold)
        self.param_paths = sorted(p for p, i in m.inputs.items() if not i.fold)
        self.conditions: list[Node] = []
        self.cfs: list[Counterfactual] = []
        seen = set()
        for e in rows:
            for n in walk(e):
                if isinstance(n, Fn) and n.name == "IF" and id(n.args[0]) not in seen and input_only(n.args[0]):
                    seen.add(id(n.args[0]))
                    self.conditions.append(n.args[0])
                elif isinstance(n, Counterfactual) and n not in self.cfs:
                    self.cfs.append(n)


def _plan(m: Model) -> _Plan:
    p = m.cache.get("plan")
    if p is None:
        p = m.cache["plan"] = _Plan(m)
    return p


def _number(v):
    return float(v) if isinstance(v, (bool, int, float)) else v


class Prepared:
    """A kernel with the values of the inputs that do not vary, ready to run chunk after chunk."""

    def __init__(self, kernel: Kernel, params: list, varied: list[tuple[int, str]], cfs: list):
        self.kernel, self.params, self.varied, self.cfs = kernel, params, varied, cfs


class Folds:
    """What is constant for a kernel of a model, given the scenario's data and the inputs that vary:
    the cache key, the :class:`Folder` and which counterfactuals are no-ops."""

    def __init__(self, m: Model, data: dict, varied: frozenset):
        plan = _plan(m)

        def scalar(path):
            return _number(paths.get(data, path))

        fold_key = tuple(scalar(p) for p in plan.fold_paths)
        outcomes = []
        for c in plan.conditions:
            if any(isinstance(n, Input) and n.path in varied for n in walk(c)):
                outcomes.append(None)
            else:
                outcomes.append(_truthy(evaluate_constant(c, lambda i: scalar(i.path))))
        noop = [all(p not in varied and scalar(p) == _number(v) for p, v in cf.overrides.items())
                for cf in plan.cfs]
        zeros = tuple(p for p in plan.param_paths if p not in varied and scalar(p) == 0)
        # a kernel serves every set of varied inputs with the same folds (the parameters are passed as
        # numbers or arrays alike, and the order of operations never depends on which inputs vary: a
        # scenario's bits are the same alone or in any batch)
        self.key = (fold_key, tuple(outcomes), tuple(noop), zeros)
        self._plan, self._fold_key, self._outcomes, self._zeros = plan, fold_key, outcomes, zeros
        self.cf_noop = {id(cf): n for cf, n in zip(plan.cfs, noop)}

    def folder(self) -> Folder:
        fold = dict(zip(self._plan.fold_paths, self._fold_key))
        fold.update((p, 0.0) for p in self._zeros)          # an input that is 0 in every scenario is a constant

        def fold_value(inp: Input):
            return (True, fold[inp.path]) if inp.path in fold else (False, None)

        return Folder(fold_value, {id(c): o for c, o in zip(self._plan.conditions, self._outcomes) if o is not None})


def prepare(m: Model, data: dict, varied: frozenset, outputs: tuple[str, ...] | None = None) -> Prepared:
    """The kernel for scenarios that differ in the ``varied`` inputs, and every other input's value."""
    folds = Folds(m, data, varied)
    key = (folds.key[0], outputs) + folds.key[1:]
    kernel = m.cache.get(key)
    if kernel is None:
        kernel = _stored(m, key, lambda: compile_kernel(m, folds.folder(), varied, outputs, folds.cf_noop))
        m.cache[key] = kernel
    params = [None if p in varied else float(paths.get(data, p)) for p in kernel.params]
    slots = [(i, p) for i, p in enumerate(kernel.params) if p in varied]
    cfs = []
    for cf in kernel.cfs:
        cfs.append((cf.row.key, prepare(m, _cf_data(data, cf), varied - set(cf.overrides), (cf.row.key,))))
    return Prepared(kernel, params, slots, cfs)


def _stored(m: Model, key, build) -> Kernel:
    """A kernel from the cache folder (:mod:`finmodel._cache`, ``numpy``) when this model structure,
    these folds and outputs, and the same row definitions made it before; else built and stored.
    A command line run then skips folding and rendering (about 50 ms a kernel)."""
    import hashlib
    import json
    import marshal
    import os
    from pathlib import Path

    from .. import _cache

    folder = _cache.folder("numpy") if m.structure is not None else None
    if folder is None:
        return build()
    digest = hashlib.sha256(repr((m.structure, key, _cache.sources_hash(Path(__file__).parent))).encode())
    path = folder / f"k_{digest.hexdigest()[:24]}.json"
    code_path = path.with_suffix(".marshal")         # the compiled code object (this Python's version: in the hash)
    cfs = _plan(m).cfs
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        ns = dict(NAMESPACE)
        exec(marshal.loads(code_path.read_bytes()), ns)  # noqa: S102 - our own rendering, stored by this function
        return Kernel(ns["kernel"], doc["params"], [cfs[i] for i in doc["cfs"]], doc["source"])
    except (OSError, ValueError, KeyError, IndexError, EOFError, TypeError):
        pass
    kernel = build()
    code = compile(kernel.source, f"<finmodel kernel {path.name}>", "exec")
    _cache.write_atomic(path, json.dumps({"source": kernel.source, "params": kernel.params,
                                         "cfs": [cfs.index(cf) for cf in kernel.cfs]}))
    try:
        tmp = code_path.with_name(f".{code_path.name}.{os.getpid()}.tmp")
        tmp.write_bytes(marshal.dumps(code))
        os.replace(tmp, code_path)
    except OSError:
        pass
    return kernel


def _cf_data(data: dict, cf: Counterfactual) -> dict:
    """The scenario's data with a counterfactual's overrides."""
    for p, v in cf.overrides.items():
        data = paths.replaced(data, p, v)
    return data


def execute(prep: Prepared, vary: dict[str, np.ndarray], T: int, S: int):
    """Run a prepared kernel on S scenarios whose varied inputs are (S,) arrays (or scalars)."""
    params = list(prep.params)
    for i, path in prep.varied:
        arr = vary[path]
        params[i] = arr.reshape(1, -1) if arr.size > 1 else float(arr.reshape(-1)[0])
    cf_values = [execute(sub, vary, T, S)[0][key] for key, sub in prep.cfs]
    return prep.kernel.fn(params, cf_values, T, S)


def run(m: Model, data: dict, vary: dict[str, np.ndarray], T: int, S: int, outputs: tuple[str, ...] | None = None):
    """Evaluate the model for S scenarios: ``data`` the assumptions as plain data, ``vary`` the
    inputs that vary, each an (S,) array. Returns (years, scalars): {key: (T, 1 or S) array},
    {key: (1 or S,) array}; with ``outputs`` only those rows (and what they need) are computed."""
    return execute(prepare(m, data, frozenset(vary), outputs), vary, T, S)
