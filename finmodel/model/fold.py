"""Folding: what is constant for one kernel becomes a constant of its code.

Choices, yes/no and the structural inputs, the conditions of ``IF`` that depend only on inputs
that do not vary, inputs that are 0 in every scenario and rows that are the same in every year
are folded, with the identities x*0 = 0, x*1 = x, x+0 = x, 1^x = 1 (exact in floating point, so
the bits of a scenario do not depend on what was folded).
"""

from __future__ import annotations

import math
from typing import Any

from .expr import Bin, Cmp, Fn, FormulaError, Input, Neg, Node, Num, Ref, Str, Table, walk
from .nodes import Const, Growth, Metric

class K(Node):
    """A constant of the kernel: a float, a text or a blank (None)."""

    __slots__ = ("v",)

    def __init__(self, v):
        self.v = float(v) if isinstance(v, (bool, int, float)) else v

    def np(self, g):
        if not isinstance(self.v, float):
            raise FormulaError(f"the value {self.v!r} reached the kernel as a number")
        return repr(self.v)


def _truthy(v) -> bool:
    return isinstance(v, float) and v != 0.0


def _cmp(op, x, y):
    if isinstance(x, float) and isinstance(y, float):
        return {">=": x >= y, ">": x > y, "<=": x <= y, "<": x < y, "=": x == y, "<>": x != y}[op]
    if op not in ("=", "<>"):
        raise FormulaError(f"ordering comparison of {x!r} and {y!r}")
    norm = [("" if v is None else v.lower() if isinstance(v, str) else v) for v in (x, y)]
    same = norm[0] == norm[1]
    return same if op == "=" else not same


def _arith(op, x, y):
    if op == "+":
        return x + y
    if op == "-":
        return x - y
    if op == "*":
        return x * y
    if op == "/":
        return x / y if y != 0 else math.nan
    return x ** y


def evaluate_constant(node: Node, value) -> Any:
    """A node over inputs only, evaluated with ``value(input)`` (for the conditions that fold)."""
    if isinstance(node, Input):
        v = value(node)
        return float(v) if isinstance(v, (bool, int, float)) else v
    if isinstance(node, (Num, Const)):
        return float(node.v if isinstance(node, Num) else node.value)
    if isinstance(node, Str):
        return node.s
    if isinstance(node, K):
        return node.v
    if isinstance(node, Neg):
        return -evaluate_constant(node.a, value)
    if isinstance(node, Bin):
        return _arith(node.op, evaluate_constant(node.a, value), evaluate_constant(node.b, value))
    if isinstance(node, Cmp):
        return float(_cmp(node.op, evaluate_constant(node.a, value), evaluate_constant(node.b, value)))
    if isinstance(node, Fn) and node.name in ("MIN", "MAX", "ABS", "IF", "ISNUMBER"):
        args = [evaluate_constant(x, value) for x in node.args]
        if node.name == "IF":
            return args[1] if _truthy(args[0]) else args[2]
        if node.name == "ISNUMBER":
            return float(isinstance(args[0], float) and math.isfinite(args[0]))
        return {"MIN": min, "MAX": max}.get(node.name, lambda v: abs(v))(*args)
    raise FormulaError(f"cannot evaluate {type(node).__name__} as a constant")


def input_only(node: Node) -> bool:
    """Whether a node depends on inputs and constants only (no row, no year)."""
    return all(isinstance(n, (Input, Num, Str, Const, Bin, Neg, Cmp)) or (isinstance(n, Fn) and n.name in
               ("MIN", "MAX", "ABS", "IF")) for n in walk(node))


_MISSING = object()


class Folder:
    """Simplifies expressions for one kernel: fold inputs, the conditions that fold, x*0, x*1, x+0,
    and rows that are 0 in every year (a loan of 0, no capital grant) wherever they are used."""

    def __init__(self, fold_value, outcomes: dict[int, bool]):
        self.fold_value = fold_value          # input -> its constant value, or None if a parameter
        self.outcomes = outcomes              # id(condition node) -> its value
        self.const_rows: dict[str, float] = {}    # rows with the same value in every year
        self._dispatch: dict = {}

    def _Ref(self, n):
        v = self.const_rows.get(n.row.key)
        if v is None or (n.lag and v != 0.0):       # last year's value of a constant row is 0 before year 0
            return n
        return K(v)

    def _Const(self, n):
        return K(n.value)

    def _VintageAmort(self, n):
        return K(0.0) if self.const_rows.get(n.rate.key) == 0.0 else n

    def __call__(self, node: Node) -> Node:
        f = self._dispatch.get(type(node), _MISSING)
        if f is _MISSING:
            f = self._dispatch[type(node)] = getattr(type(self), "_" + type(node).__name__, None)
        return f(self, node) if f is not None else node

    def _Input(self, n):
        ok, v = self.fold_value(n)
        return K(v) if ok else n

    def _Num(self, n):
        return K(n.v)

    def _Str(self, n):
        return K(n.s)

    def _Row(self, n):
        return self._Ref(Ref(n, 0))

    def _Neg(self, n):
        a = self(n.a)
        return K(-a.v) if isinstance(a, K) and isinstance(a.v, float) else Neg(a)

    def _Bin(self, n):
        a, b, op = self(n.a), self(n.b), n.op
        ka, kb = isinstance(a, K), isinstance(b, K)
        if ka and kb and isinstance(a.v, float) and isinstance(b.v, float):
            return K(_arith(op, a.v, b.v))
        va, vb = (a.v if ka else None), (b.v if kb else None)
        if op == "*" and (va == 0.0 or vb == 0.0):
            return K(0.0)
        if (op in "*" and va == 1.0) or (op == "+" and va == 0.0):
            return b
        if op == "-" and va == 0.0:
            return Neg(b)
        if op == "^" and (va == 1.0 or vb == 0.0):        # 1^x = x^0 = 1
            return K(1.0)
        if (op in "*/" and vb == 1.0) or (op in "+-" and vb == 0.0):
            return a
        return Bin(op, a, b)

    def _Cmp(self, n):
        a, b = self(n.a), self(n.b)
        if isinstance(a, K) and isinstance(b, K):
            return K(_cmp(n.op, a.v, b.v))
        if n.op in ("=", "<>"):
            # a parameter that varies across scenarios is a finite number: never blank, never equal to a text
            for x, y in ((a, b), (b, a)):
                if isinstance(x, Input) and isinstance(y, K) and not isinstance(y.v, (int, float)):
                    return K(float(n.op == "<>"))
        return Cmp(n.op, a, b)

    def _Fn(self, n):
        if n.name == "IF":
            c = self(n.args[0])
            if isinstance(c, K):
                return self(n.args[1] if _truthy(c.v) else n.args[2])
            if id(n.args[0]) in self.outcomes:
                return self(n.args[1] if self.outcomes[id(n.args[0])] else n.args[2])
            return Fn("IF", c, self(n.args[1]), self(n.args[2]))
        args = [self(x) if not isinstance(x, Table) else Table(x.path, x.field, [self(i) for i in x.items])
                for x in n.args]
        if n.name in ("MIN", "MAX", "ABS") and all(isinstance(x, K) and isinstance(x.v, float) for x in args):
            vals = [x.v for x in args]
            return K({"MIN": min, "MAX": max}.get(n.name, lambda v: abs(v))(*vals))
        out = Fn.__new__(Fn)
        out.name, out.args = n.name, args
        return out

    def _Growth(self, n):
        return Growth(self(n.r), self(n.n))

    def _Metric(self, n):
        out = Metric(n.fn, *n.rows, excel=n.excel, refs=n.refs, unit_row=n.unit_row, na=n.na)
        out.args = {k: self(v) for k, v in n.args.items()}
        return out
