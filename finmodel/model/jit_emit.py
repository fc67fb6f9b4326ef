"""The compiled kernel's source text (:mod:`.jit`): rows as scalar expressions, laid out in lanes.

:class:`Scalar` renders a folded node as a scalar expression for one scenario in year ``k``
(its callbacks in :class:`.jit._Gen` name the values). :func:`emit` lays the rows and figures of
the varied part out for a group of ``L`` scenarios (*lanes*, :data:`LANES`, a literal in the
source), in the function ``block()`` that the kernel's parallel loop calls once per block of
scenarios (inlined there, its size made numba's passes over the parallel loop take twice as
long), looping over the block's groups:

- each year loop ``for k in range(T)`` holds lane loops ``for l in range(L)`` whose body is the
  year's statements for scenario ``s0 + l``, in scalar locals; LLVM vectorises such a loop across
  the lanes (every statement is branch-free or if-convertible; without ``fastmath`` each lane does
  the same operations in the same order, so the bits are those of one scenario at a time). The
  lane index is unsigned (no wraparound test: the inputs are read as whole vectors);
- a statement that cannot join them (a vintage amortisation, a loop over earlier years) splits
  the body into segments; between them it runs for all lanes at once over the years whose rate
  is nonzero in some lane (kept in order as they are written);
- every value that outlives its lane loop lives in the block's array ``W[1 + year, slot, lane]``:
  rows kept for a later loop, a figure or the caller, last year's values (``W[k, slot, l]``;
  ``W[0]`` is zero, the value before year 0), values that cross a segment, and the per-scenario
  scalars (figures and scalar rows) a later loop reads (``W[0, slot, l]``). Its strides are
  constants, so LLVM sees the lanes' loads and stores apart; the year loop's invariant rows and
  factors are read into locals before the lane loops, the parameters once per lane;
- after a year loop, the figures over years that are plain loops (sums, products, least and
  greatest values, counts, the lowest cumulative sum) run for all lanes at once (:meth:`Lanes.agg`,
  :meth:`Lanes.metric`); the others (IRR, MIRR, paybacks) and the scalar rows run lane by lane,
  on the lane's rows copied into a contiguous scratch ``R`` (the helpers' loops read them as one
  scenario's rows: read in place, strided, they ran slower by more than the lanes saved); the
  year outputs are copied from ``W`` at the end.
"""

from __future__ import annotations

import re

from .expr import Cmp, FormulaError

#: Scenarios per lane group: 32 doubles, four AVX-512 vectors. Measured on the benchmark's kernel
#: (rows alone, one thread): 8 lanes 0.68 us per scenario (a loop of 8 is too short for LLVM to
#: check its arrays' aliasing at run time: the segments that read the inputs stay scalar), 16
#: 0.50, 32 0.38, 64 0.44 (the block's W leaves the L1 cache).
LANES = 32
#: The status of the compiled IRR (jit_irr.irr) for a row it leaves to the exact screen.
SCREEN = 2


class NotCompiled(FormulaError):
    """A row uses something the compiled kernel has no rendering of: the NumPy path serves it."""


_AGG = {"SUM": "sum_years", "MAX": "max_years", "MIN": "min_years", "SUMPRODUCT": "sumproduct_years",
        "SUMABS": "sumabs_years", "COUNT_NEG": "count_neg_years", "COUNT_ABOVE_ONE": "count_above_one_years",
        "MAXABS": "maxabs_years"}


class Scalar:
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
        return self.g.vintage(n)

    def _Agg(self, n):
        if n.fn not in _AGG:
            raise NotCompiled(f"no compiled rendering of {n.fn}")
        if self.g.lanes is not None:
            return self.g.lanes.agg(_AGG[n.fn], [r.key for r in n.rows], n.first)
        args = ", ".join(self.g.array(r.key) for r in n.rows)
        return self.g.figure(f"{_AGG[n.fn]}({args}, {n.first})")

    def _Metric(self, n):
        fn, rows = n.fn, n.rows
        arr = self.g.array(rows[0].key)
        kw = {k: self.num(v) for k, v in n.args.items()}
        if fn in ("irr", "irr_multiple"):
            text = f"irr({arr}, WS)  # {kw['hurdle']}"
            screen = f"irr_screen({arr}, {kw['hurdle']}, TB, WS)"    # the rare rows the count leaves
            earlier = [t for t in self.g.sec.figures if t.startswith("irr(")]
            if earlier and text not in self.g.sec.figures:     # another row's IRR: shared when the flows are equal
                a0, h0 = earlier[0][4:].split(", WS)  # ")
                names = ", ".join(self.g.sec.figures[earlier[0]])
                self.g.sec.figures[text] = self.g.figure(
                    f"irr_again({arr}, {kw['hurdle']}, WS, {a0}, {h0}, {names})", 3, status=True, screen=screen)
            r, mult, _ = self.g.figure(text, 3, status=True, screen=screen)
            return r if fn == "irr" else f"({mult} * 1.0)"
        if fn in ("payback", "payback_refit_negative"):
            years, refit = self.g.figure(f"payback({arr})", 2)
            return years if fn == "payback" else f"({refit} * 1.0)"
        if fn == "discounted_payback":
            return self.g.figure(f"discounted_payback({arr}, {kw['rate']}, WS)")
        if fn == "mirr":
            return self.g.figure(f"mirr({arr}, {kw['finance']}, {kw['reinvest']}, WS)")
        if fn in ("min_cumulative", "nanmin") and self.g.lanes:
            return self.g.lanes.metric(fn, rows[0].key)
        if fn in ("min_cumulative", "nanmin"):
            return self.g.figure(f"{fn}({arr})")
        raise NotCompiled(f"no compiled rendering of the metric {fn}")


# --------------------------------------------------------------------------- lanes
#: The names the renderer and the emission give values (see _Gen): rows of this year (v_), last
#: year's (l_), vintage sums (va), scalars (s_), figures (f), parameters (pv, pf), invariant rows,
#: last year's invariant rows, factors and scalars read once per year or kernel (iy, ly, ix, is).
_NAME = re.compile(r"\b(v_r\d+|l_r\d+|va\d+|s_r\d+|f\d+_\d+|pv\d+|pf\d+|iy\d+|ly\d+|ix\d+|is\d+)\b")


def _names(lines) -> set[str]:
    return {m for line in lines for m in _NAME.findall(line)}


def _defined(lines) -> list[str]:
    """The names assigned by lines ``a, b = ...`` / ``a = ...`` (in order)."""
    out = []
    for line in lines:
        lhs, eq, _ = line.partition(" = ")
        if eq and not lhs.startswith((" ", "OS[", "W[", "FB[")):
            out.extend(x.strip() for x in lhs.split(","))
    return out


class _Block:
    """One part of a lane group: ``lanes`` (lines run lane by lane: figures, scalars) or ``years``
    (a year loop: segments of statements, vintage jobs between them)."""

    def __init__(self, kind: str):
        self.kind = kind
        self.lines: list[str] = []                 # lanes: the lines; years: unused
        self.segments: list[list[str]] = [[]]      # years: statement lines per segment
        self.jobs: list[list[tuple]] = [[]]        # years: vintage jobs before each segment
        self.status = False                        # lanes: some line updates the fallback flag
        self.vec: list[str] = []                   # lanes: figures computed for all lanes at once, first


class Lanes:
    """Emits the varied part of the kernel for a lane group (see the module docstring).

    ``slot`` maps a kept row (its key) or a value (its name) to its index in W's second axis;
    the rows of ``g.store`` come first, in its order."""

    def __init__(self, g):
        self.g = g
        self.slot: dict[str, int] = dict(g.store)
        self.blocks: list[_Block] = []
        self.vjobs: list[tuple] = []               # (rate source, years source, out name) per vintage row
        self.rows: dict[str, int] = {}             # rows read whole by figures -> index in R
        self.aggs: dict[tuple, str] = {}           # (helper, rows, first) -> name of a figure in lanes

    def _slot(self, key: str) -> int:
        if key not in self.slot:
            self.slot[key] = len(self.slot)
        return self.slot[key]

    def _lanes_block(self) -> _Block:
        if not self.blocks or self.blocks[-1].kind != "lanes":
            self.blocks.append(_Block("lanes"))
        return self.blocks[-1]

    # ------------------------------------------------------------------ collecting
    def year_loop(self, keys: list[str], outputs_y: dict) -> None:
        """A year loop over rows ``keys`` (in order): their figures first, lane by lane."""
        g, sec = self.g, self.g.sec
        sec.loop = set(keys)
        block = _Block("years")
        for key in keys:
            sec.pre, sec.vint = [], []
            text = g.render.num(g.exprs[key])
            if sec.pre:
                self._lanes_block().lines.extend(sec.pre)
                self._lanes_block().status |= any(x.startswith("fb = ") for x in sec.pre)
            if sec.vint:                            # a vintage sum: runs between two segments
                block.segments.append([])
                block.jobs.append(list(sec.vint))
            seg = block.segments[-1]
            seg.append(f"v_{g.v(key)} = {text}")
            if key in g.store or key in g.lag_in_loop:
                seg.append(f"W[k + 1, {self._slot(key)}, l] = v_{g.v(key)}")
        self.blocks.append(block)
        sec.loop = set()

    def scalars(self, comps, outputs_s: dict) -> None:
        g, sec = self.g, self.g.sec
        for comp in comps:
            key = comp[0][1]
            sec.pre = []
            text = g.render.num(g.consts[key])
            b = self._lanes_block()
            b.lines.extend(sec.pre)
            b.status |= any(x.startswith("fb = ") for x in sec.pre)
            b.lines.append(f"s_{g.v(key)} = {text}")
            if key in outputs_s:
                b.lines.append(f"OS[{outputs_s[key]}, s] = s_{g.v(key)}")

    # ------------------------------------------------------------------ rendering
    def render(self, outputs_y: dict) -> list[str]:
        """The body of the loop over a block's lane groups: every part, then the year outputs copied from W."""
        uses = [self._uses(b) for b in self.blocks]
        later: set[str] = set()
        need_after = []
        for u in reversed(uses):
            need_after.append(set(later))
            later |= u
        need_after.reverse()
        top = sorted((n for n in later if n.startswith(("pf", "is"))), key=lambda n: (n[:2], int(n[2:])))
        out = [f"{n} = {'PF' if n.startswith('pf') else 'IS'}[{n[2:]}]" for n in top]
        out += [f"NV[{j}] = 0" for j in range(len(self.vjobs))]
        defined: set[str] = set()
        for b, after in zip(self.blocks, need_after):
            if b.kind == "lanes":
                out += self._render_lanes(b, defined, after)
            else:
                out += self._render_years(b)
        rows = [(j, self.slot[k]) for k, j in outputs_y.items() if k in self.g.store]
        if rows:
            out += ["for q in range(len(_OUT_J)):", "    j = _OUT_J[q]", "    i = _OUT_I[q]",
                    "    for k in range(T):", "        for l in range(L):",
                    "            OY[j, k, s0 + l] = W[k + 1, i, l]"]
        self.out_rows = rows
        return out

    def _uses(self, b: _Block) -> set[str]:
        if b.kind == "lanes":
            return _names(b.lines)
        return _names(x for seg in b.segments for x in seg) | {n for jobs in b.jobs for (_, _, n) in jobs}

    def _lane_loads(self, used: set[str], local: set[str], k_plus: str) -> list[str]:
        """Loads at the top of a lane loop body: parameters, earlier lane values, last year's rows."""
        out = ["s = np.uint64(s0 + l)"]            # unsigned: no wraparound test, so LLVM sees consecutive lanes
        for n in sorted(used - local, key=lambda n: (n[:2], int(re.sub(r"\D", "", n) or 0), n)):
            if n.startswith("pv"):
                out.append(f"{n} = PV[{n[2:]}, s]")
            elif n.startswith(("s_", "f")):
                out.append(f"{n} = W[0, {self._slot(n)}, l]")
            elif n.startswith("l_"):
                out.append(f"{n} = W[k, {self._slot(self._key(n[2:]))}, l]")
            elif n.startswith(("v_", "va")):
                key = self._key(n[2:]) if n.startswith("v_") else n
                out.append(f"{n} = W[{k_plus}, {self._slot(key)}, l]")
        return out

    def _key(self, v: str) -> str:
        return self.g.key_of[v]

    def whole(self, key: str) -> str:
        """Lane l's row ``key`` for a figure: copied from W (strided) into R's row, contiguous, at
        the top of the lane loop (the figures' loops read it as they read one scenario's row)."""
        if key not in self.rows:
            self.rows[key] = len(self.rows)
        return f"R[{self.rows[key]}]"

    # ------------------------------------------------------------------ figures in lanes
    def agg(self, fn: str, keys: list[str], first: int) -> str:
        """A figure over years of jit_rt (sum_years, max_years...) for every lane at once: the same
        operations in the same order per lane as the helper, the lanes in the vector. Computed
        before the block's lane loop, into W[0, slot, l]; its name is read from there."""
        key = (fn, tuple(keys), first)
        if key in self.aggs:
            return self.aggs[key]
        g = self.g
        name = self.aggs[key] = f"f{g.n_fig}_0"
        g.n_fig += 1
        out = self._slot(name)
        acc = f"W[0, {out}, l]"
        hoist, xs = [], []
        for i, k in enumerate(keys):
            if k in g.inv_rows:
                hoist.append(f"    x{i}_ = IY[{g.inv_rows[k]}, k]")
                xs.append(f"x{i}_")
            else:
                g.array(k)                      # (raises if the row is not complete yet)
                xs.append(f"W[k + 1, {g.store[k]}, l]")
        step = {"sum_years": f"{acc} + {xs[0]}", "sumproduct_years": f"{acc} + {xs[0]} * {xs[1] if len(xs) > 1 else ''}",
                "sumabs_years": f"{acc} + abs({xs[0]})", "max_years": f"_max({acc}, {xs[0]})",
                "min_years": f"_min({acc}, {xs[0]})", "maxabs_years": f"_max({acc}, abs({xs[0]}))",
                "count_neg_years": f"{acc} + (1.0 if {xs[0]} < 0 else 0.0)",
                "count_above_one_years": f"{acc} + (1.0 if {xs[0]} > 1 else 0.0)"}[fn]
        if fn in ("max_years", "min_years", "maxabs_years"):      # from the first year's value
            start = [f"k = {first}", *(x[4:] for x in hoist), "for l in range(L):",
                     f"    {acc} = {'abs(' + xs[0] + ')' if fn == 'maxabs_years' else xs[0]}"]
            first += 1
        else:
            start = ["for l in range(L):", f"    {acc} = 0.0"]
        self._lanes_block().vec.extend(start + [f"for k in range({first}, T):", *hoist, "    for l in range(L):",
                                                f"        {acc} = {step}"])
        return name

    def metric(self, fn: str, key: str) -> str:
        """min_cumulative or nanmin (jit_rt) of a row for every lane at once, as :meth:`agg`: the
        helper's branches as selects, each lane's operations in its order. (payback stays lane by
        lane: in lanes, its four accumulators ran slower than the helper.)"""
        if (fn, key) in self.aggs:
            return self.aggs[(fn, key)]
        g = self.g
        a = self.aggs[(fn, key)] = f"f{g.n_fig}_0"
        g.n_fig += 1
        A, B = (f"W[0, {self._slot(n)}, l]" for n in (a, a + "b"))
        hoist = []
        if key in g.inv_rows:
            hoist, x = [f"    x_ = IY[{g.inv_rows[key]}, k]"], "x_"
        else:
            g.array(key)
            x = f"W[k + 1, {g.store[key]}, l]"
        if fn == "min_cumulative":          # the running sum in B, its least value in A
            init = [f"{B} = 0.0", f"{A} = _NAN"]
            step = [f"{B} = {B} + x1", f"{A} = {B} if k == 0 else _min({A}, {B})"]
            end = []
        else:                               # the least finite value in A, whether there is one in B
            init = [f"{A} = np.inf", f"{B} = 0.0"]
            step = ["fin = math.isfinite(x1)", f"{A} = _min({A}, x1) if fin else {A}", f"{B} = 1.0 if fin else {B}"]
            end = ["for l in range(L):", f"    {A} = {A} if {B} != 0.0 else _NAN"]
        self._lanes_block().vec.extend(["for l in range(L):", *("    " + x for x in init), "for k in range(T):", *hoist,
                                        "    for l in range(L):", f"        x1 = {x}", *("        " + x for x in step),
                                        *end])
        return a

    def _render_lanes(self, b: _Block, defined: set[str], after: set[str]) -> list[str]:
        here = _defined(b.lines)
        body = self._lane_loads(_names(b.lines), set(here) | {n for n in _names(b.lines) if n[:2] in ("pf", "is")}, "k + 1")
        slot_of = {i: self.slot[key] for key, i in self.rows.items()}
        for i in sorted({int(x) for x in re.findall(r"\bR\[(\d+)\]", "\n".join(b.lines))}):
            body += ["for k in range(T):", f"    R[{i}, k] = W[k + 1, {slot_of[i]}, l]"]
        body += ["fb = 0"] if b.status else []
        body += b.lines
        body += [f"W[0, {self._slot(n)}, l] = {n}" for n in here if n in after]
        body += ["FB[s] = max(FB[s], fb)"] if b.status else []
        defined.update(here)
        return b.vec + (["for l in range(L):"] + ["    " + x for x in body] if b.lines else [])

    def _render_years(self, b: _Block) -> list[str]:
        body: list[str] = []
        all_lines = [x for seg in b.segments for x in seg]
        hoist = sorted((n for n in _names(all_lines) if n.startswith(("iy", "ly", "ix"))), key=lambda n: (n[:2], int(n[2:])))
        for n in hoist:
            i = n[2:]
            body.append(f"{n} = " + {"iy": f"IY[{i}, k]", "ly": f"_lag(IY[{i}], k)", "ix": f"IX[{i}, k]"}[n[:2]])
        self._cross_stores(b)
        jobs_all = [j for jobs in b.jobs for j in jobs]
        if jobs_all:
            body.append("tf = float(k)")
        for jobs, seg in zip(b.jobs, b.segments):
            for job in jobs:
                body += self._vintage(job)
            if not seg:
                continue
            local = set(_defined(seg)) | set(hoist) | {n for n in _names(seg) if n[:2] in ("pf", "is")}
            lane = self._lane_loads(_names(seg), local, "k + 1") + seg
            body += ["for l in range(L):"] + ["    " + x for x in lane]
        for job in jobs_all:
            body += self._vintage_note(job)
        return ["for k in range(T):"] + ["    " + x for x in body]

    def _cross_stores(self, b: _Block) -> None:
        """Store in W the values a later segment of the year reads (unless stored already)."""
        for i, seg in enumerate(b.segments):
            later = _names(x for s in b.segments[i + 1:] for x in s)
            for n in [n for n in _defined(seg) if n in later and n.startswith("v_")]:
                store = f"W[k + 1, {self._slot(self._key(n[2:]))}, l] = {n}"
                if store not in seg:
                    seg.insert(seg.index(next(x for x in seg if x.startswith(n + " = "))) + 1, store)

    # ------------------------------------------------------------------ vintage sums
    def _src(self, where, year: str) -> str:
        kind, i = where
        return f"W[{year} + 1, {i}, l]" if kind == "W" else f"IY[{i}, {year}]"

    def _vintage(self, job) -> list[str]:
        """runtime._vintage_amort at year k for every lane, over the years whose rate is nonzero in
        some lane, in order. A year whose rate is zero in a lane adds +0.0 there instead of being
        skipped: the same bits (the sum starts at +0.0, so it is never -0.0, and x + 0.0 == x)."""
        rate, years, name = job
        j = self.vjobs.index(job)
        out = self._slot(name)
        hoist = [f"{x}_ = {self._src(src, 'v')}" for x, src in (("rv", rate), ("end", years)) if src[0] == "IY"]
        rv = "rv_" if rate[0] == "IY" else self._src(rate, "v")
        end = "end_" if years[0] == "IY" else self._src(years, "v")
        return [
            "for l in range(L):",
            f"    W[k + 1, {out}, l] = 0.0",
            f"for q in range(NV[{j}]):",
            f"    v = VL[{j}, q]",
            *("    " + x for x in hoist),
            "    for l in range(L):",
            f"        rv = {rv}",
            f"        end = v + {end}",
            "        w = (v < tf) * ((end >= tf) + (end < tf) * (end > tf - 1) * (end - tf + 1))",
            f"        W[k + 1, {out}, l] = W[k + 1, {out}, l] + (rv * w if rv != 0.0 else 0.0)",
        ]

    def _vintage_note(self, job) -> list[str]:
        """Year k joins the vintage list when its rate is nonzero in some lane."""
        rate, _, _ = job
        j = self.vjobs.index(job)
        if rate[0] == "W":
            test = ["nz = False", "for l in range(L):", f"    nz = nz | ({self._src(rate, 'k')} != 0.0)"]
        else:
            test = [f"nz = {self._src(rate, 'k')} != 0.0"]
        return test + ["if nz:", f"    VL[{j}, NV[{j}]] = k", f"    NV[{j}] += 1"]

    def vintage(self, node) -> str:
        """A vintage sum in the open year loop: its name, computed before the statement's segment."""
        g = self.g

        def where(key):
            if key in g.inv_rows:
                return ("IY", g.inv_rows[key])
            if key not in g.store:
                raise FormulaError(f"row {key} is read as a whole before it is complete")
            return ("W", g.store[key])

        job = (where(node.rate.key), where(node.m.key), f"va{len(self.vjobs)}")
        self.vjobs.append(job)
        g.sec.vint.append(job)
        return job[2]


_HEADER = '''# generated by finmodel.model.jit from the model's rows: do not edit
import math
import numpy as np
from numba import njit, prange
from finmodel.model.jit_irr import irr, irr_again, irr_screen
from finmodel.model.jit_rt import (_min, _max, _mod, _pow, _growth, _lag, sum_years, sumproduct_years,
    sumabs_years, max_years, min_years, maxabs_years, count_neg_years, count_above_one_years,
    payback, discounted_payback, min_cumulative, nanmin, mirr)

_NAN = math.nan
L = @L@
NW = @NW@
NVJ = @NVJ@
NR = @NR@
_OUT_J = np.array([@OUTJ@], dtype=np.int64)     # year outputs of varied rows: OY index
_OUT_I = np.array([@OUTI@], dtype=np.int64)     # and slot in W


@njit(parallel=True, cache=True, error_model="numpy", nogil=True)
def kernel(PF, PV, CFV, IY, IS, IX, X, T, OY, OS, FB, TB, B, NWS):
    S = PV.shape[1]                       # a multiple of L (the caller pads)
    nblk = (S + B - 1) // B
    for blk in prange(nblk):
        block(blk * B, min(S, blk * B + B), PF, PV, CFV, IY, IS, IX, X, T, OY, OS, FB, TB, NWS)
    return 0


# one call per block (not inlined into the prange loop: numba's passes over a parallel loop take
# time in the size of its body); the scratch arrays are the block's own, so LLVM knows that they
# are not the caller's arrays (with W passed in, the lane loops stayed scalar)
@njit(cache=True, error_model="numpy", nogil=True)
def block(lo, hi, PF, PV, CFV, IY, IS, IX, X, T, OY, OS, FB, TB, NWS):
    """Scenarios lo..hi-1 by groups of L: their rows year by year in lanes, then their figures and
    metrics one by one; FB[s] = 1 asks for the NumPy path."""
    W = np.empty((T + 1, NW, L))
    W[0] = 0.0                            # the values before year 0
    WS = np.full(NWS, np.nan)             # (NaN: no power kept yet, see jit_rt._powers)
    VL = np.empty((NVJ, T), dtype=np.int64)
    NV = np.zeros(NVJ, dtype=np.int64)
    R = np.empty((NR, T))                 # a lane's rows for its figures
    for s0 in range(lo, hi, L):
'''


def emit(g, passes, outputs_y: dict, outputs_s: dict, order_of) -> tuple[str, "Lanes"]:
    """The kernel's source for the varied passes (year-loop components, then scalar components)."""
    lanes = g.lanes = Lanes(g)
    for loop, scal in passes:
        keys = [k for comp in loop for k in order_of(comp)]
        if keys:
            lanes.year_loop(keys, outputs_y)
        lanes.scalars(scal, outputs_s)
    body = lanes.render(outputs_y)
    head = (_HEADER.replace("@L@", str(LANES)).replace("@NW@", str(max(1, len(lanes.slot))))
            .replace("@NVJ@", str(max(1, len(lanes.vjobs)))).replace("@NR@", str(max(1, len(lanes.rows))))
            .replace("@OUTJ@", ", ".join(str(j) for j, _ in lanes.out_rows))
            .replace("@OUTI@", ", ".join(str(i) for _, i in lanes.out_rows)))
    return head + "\n".join("        " + x for x in body) + "\n    return 0\n", lanes
