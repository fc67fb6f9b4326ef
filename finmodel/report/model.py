"""Rows of the time-based sheets and their evaluation.

A :class:`Row` is a line of Time, Calcs, Statements, Government view or Checks: label (zh/en),
unit, an expression (see :mod:`.expr`) that is both its Excel formula and its Python
evaluation, an optional constant (column C) and an optional total. :meth:`Model.evaluate`
computes every row year by year, in an order where each row comes after the rows it uses in the
same year (rows may use any row's previous year: balances, the VAT credit, loss vintages). A
scalar row (column C only, no year expression: a present value, a peak) is evaluated after all
years, in the order the rows were defined.
"""

from __future__ import annotations

from typing import Iterable

from .expr import ConstRef, FormulaError, Node, Ref, RowRange, VintageAmort, Bin, Cmp, Fn, Neg

SHEETS = ("time", "calcs", "statements", "government", "checks")


class Row(Node):
    """A row; used inside an expression it is this row in the same year."""

    prec = 9

    def __init__(self, model, sheet, key, unit, en, zh, expr=None, *, item=False, const=None,
                 total=False, style="calc", kind="row", note_en="", note_zh=""):
        self.model = model
        self.sheet = sheet
        self.key = key
        self.unit = unit
        self.en = en
        self.zh = zh
        self.expr = expr
        self.item = item                 # an engine line item (registry key)
        self.const = const               # expression of the constant column (C)
        self.total = total               # column C holds the sum over the years
        self.style = style               # calc, item, total, flag, check, memo, heading, blank
        self.kind = kind                 # row, heading, blank
        self.note_en = note_en
        self.note_zh = note_zh
        self.r: int | None = None        # 0-based row on its sheet, once laid out
        self.values: list = []
        self.done = 0
        self.const_value = None
        self.total_value = None

    # expression interface: this row, same year
    def render(self, ctx):
        return Ref(self).render(ctx)

    def ev(self, j):
        if self.done <= j:
            raise FormulaError(f"row {self.key} is used in year {j} before it is computed")
        return self.values[j]

    @property
    def prev(self) -> Ref:
        """This row in the year before (the pre-model column before year 0: blank, 0)."""
        return Ref(self, 1)

    @property
    def c(self) -> ConstRef:
        return ConstRef(self)

    def rng(self, first: int = 0) -> RowRange:
        return RowRange(self, first)

    def label(self, zh: bool) -> str:
        return self.zh if zh else self.en

    def __repr__(self):
        return f"Row({self.sheet}:{self.key})"


def _deps(node, out: set):
    """Rows used in the same year (lag 0) by an expression."""
    if isinstance(node, Row):
        out.add(node)
    elif isinstance(node, Ref):
        if node.lag == 0:
            out.add(node.row)
    elif isinstance(node, VintageAmort):
        out.add(node.t)
    elif isinstance(node, (Bin, Cmp)):
        _deps(node.a, out)
        _deps(node.b, out)
    elif isinstance(node, Neg):
        _deps(node.a, out)
    elif isinstance(node, Fn):
        for x in node.args:
            _deps(x, out)


class Model:
    def __init__(self, n_years: int):
        self.T = n_years
        self.sheets: dict[str, list[Row]] = {s: [] for s in SHEETS}
        self.rows: list[Row] = []
        self.by_key: dict[str, Row] = {}

    def row(self, sheet, key, unit, en, zh, expr=None, **kw) -> Row:
        if key in self.by_key:
            raise ValueError(f"duplicate row key {key}")
        r = Row(self, sheet, key, unit, en, zh, expr, **kw)
        self.sheets[sheet].append(r)
        self.rows.append(r)
        self.by_key[key] = r
        return r

    def heading(self, sheet, en, zh):
        r = Row(self, sheet, f"_h{len(self.rows)}", "", en, zh, kind="heading", style="heading")
        self.sheets[sheet].append(r)
        return r

    def note(self, sheet, en, zh):
        """A line of text under a row (what a reader must know about it), no values."""
        r = Row(self, sheet, f"_n{len(self.rows)}", "", en, zh, kind="note", style="note")
        self.sheets[sheet].append(r)
        return r

    def blank(self, sheet):
        r = Row(self, sheet, f"_b{len(self.rows)}", "", "", "", kind="blank", style="blank")
        self.sheets[sheet].append(r)
        return r

    def __getitem__(self, key) -> Row:
        return self.by_key[key]

    def items(self) -> Iterable[Row]:
        return (r for r in self.rows if r.item)

    # ------------------------------------------------------------------ evaluation
    def _order(self) -> list[Row]:
        rows = [r for r in self.rows if r.expr is not None]
        index = {id(r): i for i, r in enumerate(rows)}
        deps = {}
        for r in rows:
            s: set = set()
            _deps(r.expr, s)
            s.discard(r)
            for d in s:
                if id(d) not in index:
                    raise FormulaError(f"row {r.key} uses row {d.key}, which has no formula")
            deps[id(r)] = s
        done: set = set()
        order: list[Row] = []
        visiting: set = set()

        def visit(r):
            if id(r) in done:
                return
            if id(r) in visiting:
                raise FormulaError(f"circular reference in the same year through row {r.key}")
            visiting.add(id(r))
            for d in sorted(deps[id(r)], key=lambda x: index[id(x)]):
                visit(d)
            visiting.discard(id(r))
            done.add(id(r))
            order.append(r)

        for r in rows:
            visit(r)
        return order

    def evaluate(self) -> None:
        order = self._order()
        for r in self.rows:
            r.values = [0.0] * self.T
            r.done = 0
        for r in self.rows:
            if r.const is not None and r.expr is not None:
                r.const_value = r.const.ev(0)
        for j in range(self.T):
            for r in order:
                try:
                    r.values[j] = r.expr.ev(j)
                except FormulaError as exc:
                    raise FormulaError(f"{r.sheet} row {r.key}, year {j}: {exc}") from None
                r.done = j + 1
        for r in self.rows:                # scalar rows (column C only): over the evaluated years, in order
            if r.const is not None and r.expr is None:
                try:
                    r.const_value = r.const.ev(0)
                except FormulaError as exc:
                    raise FormulaError(f"{r.sheet} row {r.key}: {exc}") from None
        for r in self.rows:
            if r.total:
                r.total_value = sum(v for v in r.values if isinstance(v, float))
