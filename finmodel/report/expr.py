"""A small expression language: one definition per workbook row, evaluated and rendered.

Each Calcs, Time, Statements and Checks row of the workbook is written once as an expression
over other rows (same year or the year before), defined input names and the allowed constants
(0, 1, 12, 365, 10000). The same expression

* evaluates in Python, year by year, to the row's cached values, and
* renders to the Excel formula of any year column; every column's formula is the first
  column's formula translated (FAST: one formula per row).

So the formula a reviewer reads and the number a viewer shows cannot drift apart, and the
LibreOffice recalculation test proves that Excel's reading of the formula gives the same number.

Rendering follows Excel's precedence (comparison < +,- < *,/ < ^ < unary minus binds tighter
than ^ in Excel, so a negated operand is always parenthesised). Only functions that Excel 2010
and WPS know are used.
"""

from __future__ import annotations

import math
from typing import Any, Callable

from xlsxwriter.utility import xl_col_to_name

#: The only numbers a Calcs or Statements formula may contain.
ALLOWED_NUMBERS = frozenset({0, 1, 12, 365, 10000})

#: Column layout shared by every time-based sheet.
COL_LABEL, COL_UNIT, COL_CONST, COL_PRE, COL_Y0 = 0, 1, 2, 3, 4


class FormulaError(ValueError):
    """A row's expression cannot be evaluated (a bug in a row definition)."""


class Ctx:
    """What rendering needs: the sheet the formula sits on, the year index, sheet titles."""

    __slots__ = ("sheet", "j", "titles", "last_col")

    def __init__(self, sheet: str, j: int, titles: dict[str, str], n_years: int):
        self.sheet = sheet
        self.j = j
        self.titles = titles
        self.last_col = COL_Y0 + n_years - 1

    def prefix(self, sheet: str) -> str:
        if sheet == self.sheet:
            return ""
        return "'" + self.titles[sheet].replace("'", "''") + "'!"


# --------------------------------------------------------------------------- nodes
class Node:
    prec = 9  # atomic

    # arithmetic
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

    # comparisons (methods, so that nodes stay hashable and usable in dicts)
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

    # interface
    def render(self, ctx: Ctx) -> str:  # pragma: no cover - abstract
        raise NotImplementedError

    def ev(self, j: int):  # pragma: no cover - abstract
        raise NotImplementedError


def lift(x) -> Node:
    if isinstance(x, Node):
        return x
    if isinstance(x, bool):
        raise TypeError("a boolean is not a formula constant; use an input name")
    if isinstance(x, (int, float)):
        if float(x) not in ALLOWED_NUMBERS:
            raise FormulaError(f"the constant {x!r} is not allowed in a formula; put it in Inputs or Time")
        return Num(x)
    if isinstance(x, str):
        return Str(x)
    raise TypeError(f"cannot use {type(x).__name__} in a formula")


class Num(Node):
    def __init__(self, v):
        self.v = float(v)

    def render(self, ctx):
        return str(int(self.v)) if self.v.is_integer() else repr(self.v)

    def ev(self, j):
        return self.v


class Str(Node):
    def __init__(self, s: str):
        self.s = s

    def render(self, ctx):
        return '"' + self.s.replace('"', '""') + '"'

    def ev(self, j):
        return self.s


class Name(Node):
    """A defined name (an input, or a range of inputs for LOOKUP)."""

    def __init__(self, name: str, value):
        self.name = name
        if isinstance(value, bool):
            value = 1.0 if value else 0.0
        self.value = value

    def render(self, ctx):
        return self.name

    def ev(self, j):
        return self.value


class Ref(Node):
    """Another row of a time-based sheet, in the same year (lag 0) or the year before (lag 1)."""

    def __init__(self, row, lag: int = 0):
        self.row = row
        self.lag = lag

    def render(self, ctx):
        if self.row.r is None:
            raise FormulaError(f"row {self.row.key} has no position")
        return f"{ctx.prefix(self.row.sheet)}{xl_col_to_name(COL_Y0 + ctx.j - self.lag)}{self.row.r + 1}"

    def ev(self, j):
        k = j - self.lag
        if k < 0:
            return 0.0                     # the pre-model column is blank
        if self.row.done <= k:
            raise FormulaError(f"row {self.row.key} is used in year {k} before it is computed")
        return self.row.values[k]


class ConstRef(Node):
    """A row's constant (column C), absolute."""

    def __init__(self, row):
        self.row = row

    def render(self, ctx):
        return f"{ctx.prefix(self.row.sheet)}$C${self.row.r + 1}"

    def ev(self, j):
        if self.row.const_value is None:
            raise FormulaError(f"the constant of row {self.row.key} is used before it is computed")
        return self.row.const_value


class RowRange(Node):
    """A row's year columns as an absolute range (for SUM, SUMPRODUCT, IRR, ...).

    ``first`` skips leading years (1 = operating years only).
    """

    def __init__(self, row, first: int = 0):
        self.row = row
        self.first = first

    def render(self, ctx):
        a = xl_col_to_name(COL_Y0 + self.first)
        b = xl_col_to_name(ctx.last_col)
        r = self.row.r + 1
        return f"{ctx.prefix(self.row.sheet)}${a}${r}:${b}${r}"

    def ev(self, j):
        return list(self.row.values[self.first:])


class Bin(Node):
    PREC = {"^": 5, "*": 4, "/": 4, "+": 3, "-": 3}

    def __init__(self, op, a, b):
        self.op, self.a, self.b = op, a, b
        self.prec = self.PREC[op]

    def render(self, ctx):
        left = self.a.render(ctx)
        right = self.b.render(ctx)
        if self.a.prec < self.prec or (self.op == "^" and self.a.prec <= self.prec):
            left = f"({left})"
        if self.b.prec < self.prec or (self.b.prec == self.prec and self.op in "-/^"):
            right = f"({right})"
        return f"{left}{self.op}{right}"

    def ev(self, j):
        x, y = self.a.ev(j), self.b.ev(j)
        op = self.op
        if op == "+":
            return x + y
        if op == "-":
            return x - y
        if op == "*":
            return x * y
        if op == "/":
            if y == 0:
                raise FormulaError("division by zero (#DIV/0! in Excel)")
            return x / y
        return x ** y


class Neg(Node):
    prec = 4

    def __init__(self, a):
        self.a = a

    def render(self, ctx):
        inner = self.a.render(ctx)
        return f"-{inner}" if self.a.prec == 9 else f"-({inner})"

    def ev(self, j):
        return -self.a.ev(j)


class Cmp(Node):
    prec = 1

    def __init__(self, op, a, b):
        self.op, self.a, self.b = op, a, b

    def render(self, ctx):
        left = self.a.render(ctx)
        right = self.b.render(ctx)
        if self.a.prec <= 1:
            left = f"({left})"
        if self.b.prec <= 1:
            right = f"({right})"
        return f"{left}{self.op}{right}"

    def ev(self, j):
        x, y = self.a.ev(j), self.b.ev(j)
        if isinstance(x, str) or isinstance(y, str):
            sx, sy = str(x).lower(), str(y).lower()
            res = {"=": sx == sy, "<>": sx != sy}.get(self.op)
            if res is None:
                raise FormulaError("ordering comparison of text")
            return 1.0 if res else 0.0
        res = {">=": x >= y, ">": x > y, "<=": x <= y, "<": x < y, "=": x == y, "<>": x != y}[self.op]
        return 1.0 if res else 0.0


def _lookup(x, keys, values):
    pos = -1
    for i, k in enumerate(keys):
        if k <= x:
            pos = i
        else:
            break
    if pos < 0:
        raise FormulaError("LOOKUP below the first key (#N/A in Excel)")
    return values[pos]


def _mod(x, y):
    if y == 0:
        raise FormulaError("MOD by zero (#DIV/0! in Excel)")
    return x - y * math.floor(x / y)


FUNCS: dict[str, Callable[..., Any]] = {
    "MIN": lambda *a: min(a),
    "MAX": lambda *a: max(a),
    "ABS": abs,
    "MOD": _mod,
    "LOOKUP": _lookup,
}


class Fn(Node):
    def __init__(self, name: str, *args):
        self.name = name
        self.args = [lift(a) for a in args]

    def render(self, ctx):
        return f"{self.name}({','.join(a.render(ctx) for a in self.args)})"

    def ev(self, j):
        if self.name == "IF":
            c = self.args[0].ev(j)
            if isinstance(c, str):
                raise FormulaError("IF on text")
            return self.args[1].ev(j) if c != 0 else self.args[2].ev(j)
        return FUNCS[self.name](*(a.ev(j) for a in self.args))


def MIN(*a):
    return Fn("MIN", *a)


def MAX(*a):
    return Fn("MAX", *a)


def ABS(a):
    return Fn("ABS", a)


def MOD(a, b):
    return Fn("MOD", a, b)


def IF(c, a, b):
    return Fn("IF", c, a, b)


def LOOKUP(x, keys: Name, values: Name):
    return Fn("LOOKUP", x, keys, values)


def CLIP(x, lo, hi):
    """min(max(x, lo), hi), as numpy.clip."""
    return MIN(MAX(x, lo), hi)


def SUM(*nodes):
    """Explicit sum of a few terms (rendered a+b+c, never SUM over a range)."""
    nodes = [lift(n) for n in nodes]
    out = nodes[0]
    for n in nodes[1:]:
        out = out + n
    return out


class VintageAmort(Node):
    """Straight-line amortisation of every year's spend, summed over vintages.

    A spend in year v amortised over m_v years from year v+1 charges ``rate_v = spend_v / m_v``
    in year t with the weight clip(v + m_v - t + 1, 0, 1) for v < t (the last, partial year of a
    fractional life gets the fraction). Rendered as one SUMPRODUCT over the vintage rows, the
    same in every year column.
    """

    prec = 9

    def __init__(self, rate_row, m_row, t_row):
        self.rate, self.m, self.t = rate_row, m_row, t_row

    def render(self, ctx):
        R = RowRange(self.rate).render(ctx)
        V = RowRange(self.t).render(ctx)
        M = RowRange(self.m).render(ctx)
        t = Ref(self.t).render(ctx)
        end = f"({V}+{M})"
        return (f"SUMPRODUCT({R},({V}<{t})*(({end}>={t})+({end}<{t})*({end}>{t}-1)*({end}-{t}+1)))")

    def ev(self, j):
        t = self.t.values[j]
        total = 0.0
        for v in range(j):
            tv = self.t.values[v]
            end = tv + self.m.values[v]
            w = 0.0
            if tv < t:
                w = (1.0 if end >= t else 0.0) + ((1.0 if end < t else 0.0) * (1.0 if end > t - 1 else 0.0) * (end - t + 1))
            total += self.rate.values[v] * w
        return total


class SumProduct(Node):
    """SUMPRODUCT of two rows' year columns (a present value: a row against a discount-factor row)."""

    prec = 9

    def __init__(self, a: RowRange, b: RowRange):
        self.a, self.b = a, b

    def render(self, ctx):
        return f"SUMPRODUCT({self.a.render(ctx)},{self.b.render(ctx)})"

    def ev(self, j):
        return math.fsum(x * y for x, y in zip(self.a.ev(j), self.b.ev(j)))


class RangeMax(Node):
    """MAX over a row's year columns."""

    prec = 9

    def __init__(self, a: RowRange):
        self.a = a

    def render(self, ctx):
        return f"MAX({self.a.render(ctx)})"

    def ev(self, j):
        return max(self.a.ev(j))


class Static(Node):
    """Values computed outside the workbook (written as numbers, not formulas): a row that no
    simple formula gives. Rendering it is an error: the writer writes its values instead."""

    prec = 9

    def __init__(self, values):
        self.values = [float(v) for v in values]

    def render(self, ctx):
        raise FormulaError("a static row has no formula")

    def ev(self, j):
        return self.values[j]
