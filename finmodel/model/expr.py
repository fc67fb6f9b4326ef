"""The expression tree: one definition of a line item, rendered to NumPy, to Excel and to docs.

A row's expression is built from nodes with Python operators (``a * b``, ``a - b``, ``x ** n``),
comparison methods (``a.ge(b)``) and functions (:func:`MIN`, :func:`IF`, ...). Each node has
three renderings:

* ``np(gen)``: Python source over NumPy arrays, assembled by :mod:`finmodel.model.compile` into
  the engine's kernel (arrays of shape (years, scenarios) inside the kernel);
* ``xl(ctx)``: the Excel formula of one year column, with the 万元 scale applied where a CNY
  input meets a row shown in 万元 (see :func:`rescale`): the same tree, so the number a viewer
  shows and the formula a reviewer reads cannot drift apart;
* ``doc()``: readable text for the line-item reference (row keys and YAML paths).

Units and the 万元 scale: the engine computes in CNY. A row whose unit is shown in 万元 (unit
``CNY``, :mod:`finmodel.units`) holds engine value / 10,000 in the workbook; inputs keep the
YAML's own units on the Inputs sheet. ``xl`` therefore returns each subexpression with its
*scale* (engine value / scale = what the formula computes) and inserts ``/10000`` or
``*10000`` where scales meet: in a sum, a comparison or a MIN/MAX/IF the terms are brought to
the larger scale; a product multiplies scales; a power needs scale 1. The constant 0 (and
the blank text) fits any scale.

Only the numbers 0, 1, 12, 365 and 10000 may appear in a formula (FAST): every other number is
an input or a Time row. Only functions that Excel 2010 and WPS know are rendered.
"""

from __future__ import annotations

import math
#: The only numbers a formula may contain.
ALLOWED_NUMBERS = frozenset({0, 1, 12, 365, 10000})

#: Excel operator precedence used for parenthesising (higher binds tighter).
P_CMP, P_ADD, P_MUL, P_POW, P_ATOM = 1, 3, 4, 5, 9


class FormulaError(ValueError):
    """A row's expression cannot be rendered or compiled (a bug in a row definition)."""


def _wrap(text: str, prec: int, need: int) -> str:
    return f"({text})" if prec < need else text


def rescale(text: str, prec: int, have, want) -> tuple[str, int]:
    """A displayed value at scale ``have`` as one at scale ``want`` (powers of 10,000 apart)."""
    if have is None or want is None or have == want:
        return text, prec
    k = round(math.log(have / want, 1e4))
    if not math.isclose(have / want, 1e4 ** k, rel_tol=1e-12):
        raise FormulaError(f"scales {have} and {want} are not a power of 10000 apart")
    while k > 0:
        text, prec, k = _wrap(text, prec, P_MUL) + "*10000", P_MUL, k - 1
    while k < 0:
        text, prec, k = _wrap(text, prec, P_MUL) + "/10000", P_MUL, k + 1
    return text, prec


def _common(scales) -> float | None:
    known = [s for s in scales if s is not None]
    return max(known) if known else None


# --------------------------------------------------------------------------- nodes
class Node:
    """An expression. Subclasses implement ``children``, ``np``, ``xl`` and ``doc``."""

    __slots__ = ()

    def __add__(self, o):
        return Bin("+", self, lift(o))

    def __radd__(self, o):
        return Bin("+", lift(o), self)

    def __sub__(self, o):
        return Bin("-", self, lift(o))

    def __rsub__(self, o):
        return Bin("-", lift(o), self)

    def __mul__(self, o):
        return Bin("*", self, lift(o))

    def __rmul__(self, o):
        return Bin("*", lift(o), self)

    def __truediv__(self, o):
        return Bin("/", self, lift(o))

    def __rtruediv__(self, o):
        return Bin("/", lift(o), self)

    def __pow__(self, o):
        return Bin("^", self, lift(o))

    def __neg__(self):
        return Neg(self)

    def ge(self, o):
        return Cmp(">=", self, lift(o))

    def gt(self, o):
        return Cmp(">", self, lift(o))

    def le(self, o):
        return Cmp("<=", self, lift(o))

    def lt(self, o):
        return Cmp("<", self, lift(o))

    def eq(self, o):
        return Cmp("=", self, lift(o))

    def ne(self, o):
        return Cmp("<>", self, lift(o))

    def children(self) -> tuple:
        return ()

    def np(self, g) -> str:  # pragma: no cover - abstract
        raise NotImplementedError

    def xl(self, ctx) -> tuple[str, int, float | None]:  # pragma: no cover - abstract
        raise NotImplementedError

    def doc(self) -> tuple[str, int]:  # pragma: no cover - abstract
        raise NotImplementedError


def lift(x) -> Node:
    if isinstance(x, Node):
        return x
    if isinstance(x, bool):
        raise TypeError("a boolean is not a formula constant; use an input name")
    if isinstance(x, (int, float)):
        if float(x) not in ALLOWED_NUMBERS:
            raise FormulaError(f"the constant {x!r} is not allowed in a formula; make it an input or a Time row")
        return Num(x)
    if isinstance(x, str):
        return Str(x)
    raise TypeError(f"cannot use {type(x).__name__} in a formula")


class Num(Node):
    __slots__ = ("v",)

    def __init__(self, v):
        self.v = float(v)

    def np(self, g):
        return repr(self.v)

    def xl(self, ctx):
        text = str(int(self.v)) if self.v.is_integer() else repr(self.v)
        return text, P_ATOM, (None if self.v == 0 else 1.0)

    def doc(self):
        return (str(int(self.v)) if self.v.is_integer() else repr(self.v)), P_ATOM


class Str(Node):
    __slots__ = ("s",)

    def __init__(self, s: str):
        self.s = s

    def np(self, g):
        raise FormulaError(f"text {self.s!r} reached the NumPy kernel (a comparison of choices was not folded)")

    def xl(self, ctx):
        return '"' + self.s.replace('"', '""') + '"', P_ATOM, None

    def doc(self):
        return repr(self.s), P_ATOM


class Input(Node):
    """An assumption by its dotted YAML path; ``value`` is the scenario's value (None when blank).

    ``fold`` inputs (choices, yes/no, text and the structural numbers) are constants of the
    kernel; every other number is a parameter that may vary across scenarios.
    """

    __slots__ = ("path", "value", "fold")

    def __init__(self, path: str, value, fold: bool):
        self.path = path
        self.value = value
        self.fold = fold

    @property
    def name(self) -> str:
        return "in_" + self.path.replace(".", "_")

    def np(self, g):
        return g.param(self)

    def xl(self, ctx):
        return self.name, P_ATOM, 1.0

    def doc(self):
        return self.path, P_ATOM


class Table(Node):
    """One field of a year table (a list of rows in the YAML) as a range of inputs, for LOOKUP."""

    __slots__ = ("path", "field", "items")

    def __init__(self, path: str, field: str, items: list[Input]):
        self.path, self.field, self.items = path, field, items

    @property
    def name(self) -> str:
        return "tbl_" + self.path.replace(".", "_") + "_" + self.field

    def children(self):
        return tuple(self.items)

    def np(self, g):  # pragma: no cover - LOOKUP renders its tables itself
        raise FormulaError("a table is only used inside LOOKUP")

    def xl(self, ctx):
        return self.name, P_ATOM, 1.0

    def doc(self):
        return f"{self.path}[*].{self.field}", P_ATOM


class Ref(Node):
    """A row of a time-based sheet in the same year (lag 0) or the year before (lag 1, 0 before year 0)."""

    __slots__ = ("row", "lag")

    def __init__(self, row, lag: int = 0):
        self.row, self.lag = row, lag

    def np(self, g):
        return g.ref(self.row, self.lag)

    def xl(self, ctx):
        return ctx.cell(self.row, self.lag), P_ATOM, ctx.scale(self.row)

    def doc(self):
        return (f"{self.row.key}[t-1]" if self.lag else self.row.key), P_ATOM


class ConstRef(Node):
    """A scalar row's value (column C of the sheet): one number per scenario."""

    __slots__ = ("row",)

    def __init__(self, row):
        self.row = row

    def np(self, g):
        return g.scalar(self.row)

    def xl(self, ctx):
        return ctx.const_cell(self.row), P_ATOM, ctx.scale(self.row)

    def doc(self):
        return self.row.key, P_ATOM


class Bin(Node):
    __slots__ = ("op", "a", "b")
    PREC = {"^": P_POW, "*": P_MUL, "/": P_MUL, "+": P_ADD, "-": P_ADD}

    def __init__(self, op, a, b):
        self.op, self.a, self.b = op, a, b

    def children(self):
        return (self.a, self.b)

    def np(self, g):
        a, b = self.a.np(g), self.b.np(g)
        if self.op == "^":
            return f"_pow({a}, {b})"
        if self.op in "+-":                     # numpy adds booleans as OR and refuses to subtract them
            a = f"({a} * 1.0)" if isinstance(self.a, Cmp) else a
            b = f"({b} * 1.0)" if isinstance(self.b, Cmp) else b
        return f"({a} {self.op} {b})"

    def _join(self, ta, pa, tb, pb):
        prec = self.PREC[self.op]
        if pa < prec or (self.op == "^" and pa <= prec):
            ta = f"({ta})"
        if pb < prec or (pb == prec and self.op in "-/^"):
            tb = f"({tb})"
        return f"{ta}{self.op}{tb}", prec

    def xl(self, ctx):
        ta, pa, sa = self.a.xl(ctx)
        tb, pb, sb = self.b.xl(ctx)
        op = self.op
        if op in "+-":
            s = _common((sa, sb))
            ta, pa = rescale(ta, pa, sa, s)
            tb, pb = rescale(tb, pb, sb, s)
        elif op == "^":
            ta, pa = rescale(ta, pa, sa, 1.0)
            tb, pb = rescale(tb, pb, sb, 1.0)
            s = None if sa is None else 1.0
        elif op == "*":
            s = None if (sa is None or sb is None) else sa * sb
        else:
            s = None if sa is None else sa / (sb if sb is not None else 1.0)
        text, prec = self._join(ta, pa, tb, pb)
        return text, prec, s

    def doc(self):
        ta, pa = self.a.doc()
        tb, pb = self.b.doc()
        prec = self.PREC[self.op]
        return _spaced(self.op, ta, pa, tb, pb, prec), prec


def _spaced(op, ta, pa, tb, pb, prec):
    if pa < prec or (op == "^" and pa <= prec):
        ta = f"({ta})"
    if pb < prec or (pb == prec and op in "-/^"):
        tb = f"({tb})"
    return f"{ta} {op} {tb}" if op in "+-" else f"{ta}{op}{tb}"


class Neg(Node):
    __slots__ = ("a",)

    def __init__(self, a):
        self.a = a

    def children(self):
        return (self.a,)

    def np(self, g):
        inner = self.a.np(g)
        return f"(-({inner} * 1.0))" if isinstance(self.a, Cmp) else f"(-{inner})"

    def xl(self, ctx):
        t, p, s = self.a.xl(ctx)
        return (f"-{t}" if p == P_ATOM else f"-({t})"), P_MUL, s

    def doc(self):
        t, p = self.a.doc()
        return (f"-{t}" if p == P_ATOM else f"-({t})"), P_MUL


class Cmp(Node):
    """A comparison: 1 when true, 0 when false (TRUE/FALSE in Excel, multiplied by a number)."""

    __slots__ = ("op", "a", "b")
    PY = {">=": ">=", ">": ">", "<=": "<=", "<": "<", "=": "==", "<>": "!="}

    def __init__(self, op, a, b):
        self.op, self.a, self.b = op, a, b

    def children(self):
        return (self.a, self.b)

    def np(self, g):
        """A boolean array (True/False count as 1/0 in products, sums of rows and ``np.where``)."""
        return f"({self.a.np(g)} {self.PY[self.op]} {self.b.np(g)})"

    def xl(self, ctx):
        ta, pa, sa = self.a.xl(ctx)
        tb, pb, sb = self.b.xl(ctx)
        s = _common((sa, sb))
        ta, pa = rescale(ta, pa, sa, s)
        tb, pb = rescale(tb, pb, sb, s)
        return f"{_wrap(ta, pa, 2)}{self.op}{_wrap(tb, pb, 2)}", P_CMP, 1.0

    def doc(self):
        ta, pa = self.a.doc()
        tb, pb = self.b.doc()
        return f"{_wrap(ta, pa, 2)} {self.op} {_wrap(tb, pb, 2)}", P_CMP


class Fn(Node):
    """MIN, MAX, ABS, ISNUMBER, MOD, IF and LOOKUP."""

    __slots__ = ("name", "args")

    def __init__(self, name: str, *args):
        self.name = name
        self.args = [lift(a) for a in args]

    def children(self):
        return tuple(self.args)

    def np(self, g):
        n, a = self.name, [x.np(g) for x in self.args[:1]]
        if n in ("MIN", "MAX"):
            f = "np.minimum" if n == "MIN" else "np.maximum"
            out = self.args[0].np(g)
            for x in self.args[1:]:
                out = f"{f}({out}, {x.np(g)})"
            return out
        if n == "ABS":
            return f"np.abs({a[0]})"
        if n == "ISNUMBER":
            return f"np.isfinite({a[0]})"
        if n == "MOD":
            return f"np.mod({a[0]}, {self.args[1].np(g)})"
        if n == "IF":
            return f"np.where({a[0]}, {self.args[1].np(g)}, {self.args[2].np(g)})"
        if n == "LOOKUP":
            x, keys, vals = self.args
            out = vals.items[0].np(g)
            for k, v in zip(keys.items[1:], vals.items[1:]):
                out = f"np.where({x.np(g)} >= {k.np(g)}, {v.np(g)}, {out})"
            return out
        raise FormulaError(f"no NumPy rendering of {n}")

    def xl(self, ctx):
        parts = [x.xl(ctx) for x in self.args]
        if self.name in ("MIN", "MAX", "MOD"):
            s = _common(p[2] for p in parts)
            texts = [rescale(t, p, sc, s)[0] for t, p, sc in parts]
        elif self.name == "IF":
            s = _common((parts[1][2], parts[2][2]))
            texts = [parts[0][0]] + [rescale(t, p, sc, s)[0] for t, p, sc in parts[1:]]
        elif self.name == "LOOKUP":
            x = rescale(parts[0][0], parts[0][1], parts[0][2], 1.0)[0]
            texts, s = [x, parts[1][0], parts[2][0]], 1.0
        elif self.name == "ISNUMBER":
            s, texts = 1.0, [parts[0][0]]
        else:  # ABS
            s = parts[0][2]
            texts = [parts[0][0]]
        return f"{self.name}({','.join(texts)})", P_ATOM, s

    def doc(self):
        return f"{self.name}({', '.join(x.doc()[0] for x in self.args)})", P_ATOM


def MIN(*a):
    return Fn("MIN", *a)


def MAX(*a):
    return Fn("MAX", *a)


def ABS(a):
    return Fn("ABS", a)


def ISNUM(a):
    """1 when a value is a number (NaN, "not defined", is not): ISNUMBER in Excel."""
    return Fn("ISNUMBER", a)


def MOD(a, b):
    return Fn("MOD", a, b)


def IF(c, a, b):
    return Fn("IF", c, a, b)


def LOOKUP(x, keys: Table, values: Table):
    return Fn("LOOKUP", x, keys, values)


def CLIP(x, lo, hi):
    """min(max(x, lo), hi)."""
    return MIN(MAX(x, lo), hi)


def SUM(*nodes):
    """An explicit sum of a few terms (rendered a+b+c)."""
    nodes = [lift(n) for n in nodes]
    if not nodes:
        return Num(0)
    out = nodes[0]
    for n in nodes[1:]:
        out = out + n
    return out


def walk(node: Node):
    """Every node of an expression, depth first."""
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        stack.extend(n.children())


def formula(expr: Node, ctx, scale: float) -> str:
    """The Excel formula (without '=') of a row's expression, at the row's display scale.

    A comparison at the top is multiplied by 1, so the cell holds 1/0 (SUM ignores TRUE/FALSE).
    """
    text, prec, s = expr.xl(ctx)
    text, prec = rescale(text, prec, s, scale)
    if isinstance(expr, Cmp):
        text = f"({text})*1"
    return text
