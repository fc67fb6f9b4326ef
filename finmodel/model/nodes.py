"""The special nodes of a row definition: amortisation by vintage, growth factors, counterfactuals,
figures over the years (sums, present values, peaks) and the metrics computed by
:mod:`finmodel.metrics`. Each renders to NumPy, Excel and docs as the nodes of :mod:`.expr` do.
"""

from __future__ import annotations

from typing import Any

from .expr import P_ADD, P_ATOM, FormulaError, Node, Ref, _wrap, lift, rescale

class Growth(Node):
    """(1 + r)^n - 1: in NumPy as expm1(n log1p(r)), accurate for tiny rates; in Excel as written."""

    __slots__ = ("r", "n")

    def __init__(self, r, n):
        self.r, self.n = lift(r), lift(n)

    def children(self):
        return (self.r, self.n)

    def np(self, g):
        return f"_growth({self.r.np(g)}, {self.n.np(g)})"

    def xl(self, ctx):
        tr, pr, sr = self.r.xl(ctx)
        tn, pn, sn = self.n.xl(ctx)
        tr, pr = rescale(tr, pr, sr, 1.0)
        tn, pn = rescale(tn, pn, sn, 1.0)
        return f"(1+{_wrap(tr, pr, P_ADD + 1)})^{_wrap(tn, pn, P_ATOM)}-1", P_ADD, 1.0

    def doc(self):
        return f"(1 + {self.r.doc()[0]})^{_wrap(*self.n.doc(), P_ATOM)} - 1", P_ADD


class VintageAmort(Node):
    """Straight-line amortisation of every year's spend, summed over the years of spending.

    A spend in year v with amortisation years m_v charges rate_v = spend_v / m_v a year from year
    v+1; in year t its weight is 1 while v < t <= v + m_v and the fraction (v + m_v - t + 1) in
    the last, partial year. Rendered to Excel as one SUMPRODUCT over the rows of rates, years
    and amortisation years (the same in every year column).
    """

    __slots__ = ("rate", "m", "t")

    def __init__(self, rate_row, m_row, t_row):
        self.rate, self.m, self.t = rate_row, m_row, t_row

    def children(self):
        return (Ref(self.t),)

    def range_deps(self):
        return (self.rate, self.m, self.t)

    def np(self, g):
        return f"_vintage_amort({g.ref(self.rate, 0)}, {g.ref(self.m, 0)}, T)"

    def xl(self, ctx):
        R, V, M = ctx.range(self.rate), ctx.range(self.t), ctx.range(self.m)
        t = ctx.cell(self.t, 0)
        end = f"({V}+{M})"
        text = f"SUMPRODUCT({R},({V}<{t})*(({end}>={t})+({end}<{t})*({end}>{t}-1)*({end}-{t}+1)))"
        return text, P_ATOM, ctx.scale(self.rate)

    def doc(self):
        return f"AMORTISE({self.rate.key} over {self.m.key} years)", P_ATOM


class Counterfactual(Node):
    """A row's values in the same model evaluated with some inputs changed (``overrides``).

    Written to the workbook as static values with a note (a second complete computation); the
    engine evaluates the model once more with the overrides.
    """

    __slots__ = ("row", "overrides", "label")

    def __init__(self, row, overrides: dict[str, Any], label: str):
        self.row, self.overrides, self.label = row, dict(overrides), label

    def np(self, g):
        return g.counterfactual(self)

    def xl(self, ctx):
        raise FormulaError("a counterfactual row is written as values")

    def doc(self):
        what = ", ".join(f"{k}={v}" for k, v in self.overrides.items())
        return f"{self.row.key}[{what}]", P_ATOM


# --------------------------------------------------------------------------- aggregates (scalar rows)
class Agg(Node):
    """A figure over the years of a row (one number per scenario): the value of a scalar row."""

    __slots__ = ("fn", "rows", "first")
    #: name -> (NumPy function of the kernel, Excel function)
    FUNCS = {"SUM": ("_sum_years", "SUM({0})"), "MAX": ("_max_years", "MAX({0})"), "MIN": ("_min_years", "MIN({0})"),
             "SUMPRODUCT": ("_sumproduct_years", "SUMPRODUCT({0})"), "SUMABS": ("_sumabs_years", "SUMPRODUCT(ABS({0}))"),
             "COUNT_NEG": ("_count_neg_years", 'COUNTIF({0},"<0")'),
             "COUNT_ABOVE_ONE": ("_count_above_one_years", 'COUNTIF({0},">1")'),
             "MAXABS": ("_maxabs_years", "SUMPRODUCT(MAX(ABS({0})))")}

    def __init__(self, fn: str, *rows, first: int = 0):
        self.fn, self.rows, self.first = fn, rows, first

    def range_deps(self):
        return self.rows

    def np(self, g):
        args = ", ".join(g.ref(r, 0) for r in self.rows)
        return g.shared(f"{self.FUNCS[self.fn][0]}({args}, {self.first})")

    def xl(self, ctx):
        rngs = [ctx.range(r, self.first) for r in self.rows]
        s = 1.0
        for r in self.rows:
            s *= ctx.scale(r)
        if self.fn.startswith("COUNT"):
            s = 1.0
        return self.FUNCS[self.fn][1].format(",".join(rngs)), P_ATOM, s

    def doc(self):
        years = "operating years" if self.first == 1 else "all years"
        return f"{self.fn}({', '.join(r.key for r in self.rows)}; {years})", P_ATOM


class Metric(Node):
    """A metric of one or more rows by a function of :mod:`finmodel.metrics` (IRR, payback, DSCR).

    ``fn`` names the kernel's helper (``finmodel.model.compile.METRICS``); ``excel`` is the
    Excel spelling of the same figure, a template with ``{r0}``, ``{r1}``, ... (the rows'
    ranges), ``{<name>}`` for the ranges of ``refs`` (helper rows that only the Excel spelling
    needs), the named ``args`` and the texts ``{na}``, ``{never}``, ``{no_irr}``; None when
    Excel has no spelling (the figure is then not written to the workbook).
    """

    __slots__ = ("fn", "rows", "excel", "refs", "args", "unit_row", "na")

    def __init__(self, fn: str, *rows, excel: str | None, refs: dict | None = None, unit_row: bool = False,
                 na: str = "na", **args):
        self.fn, self.rows, self.excel, self.refs, self.na = fn, rows, excel, dict(refs or {}), na
        self.args = {k: lift(v) for k, v in args.items()}
        self.unit_row = unit_row            # the result has the first row's unit (else a pure number)

    def children(self):
        return tuple(self.args.values())

    def range_deps(self):
        return self.rows

    def np(self, g):
        rows = "".join(f", {g.ref(r, 0)}" for r in self.rows)
        extra = "".join(f", {k}={v.np(g)}" for k, v in self.args.items())
        return f"_M.metric({self.fn!r}{rows}{extra})"

    def xl(self, ctx):
        if self.excel is None:
            raise FormulaError(f"the metric {self.fn} has no Excel spelling")
        kw = {f"r{i}": ctx.range(r) for i, r in enumerate(self.rows)}
        kw.update({k: ctx.range(r) for k, r in self.refs.items()})
        for k, v in self.args.items():
            text, prec, scale = v.xl(ctx)
            kw[k] = rescale(text, prec, scale, 1.0)[0]
        kw.update({k: ctx.na(k) for k in ("na", "never", "no_irr")})
        return self.excel.format(**kw), P_ATOM, (ctx.scale(self.rows[0]) if self.unit_row else 1.0)

    def doc(self):
        args = [r.key for r in self.rows] + [f"{k}={v.doc()[0]}" for k, v in self.args.items()]
        return f"{self.fn.upper()}({', '.join(args)})", P_ATOM


class Const(Node):
    """A model constant that is not an assumption (a tolerance): a named cell on Inputs, a number in NumPy."""

    __slots__ = ("name", "value", "unit", "en", "zh", "note_en", "note_zh")

    def __init__(self, name: str, value: float, unit: str, en: str, zh: str, note_en: str = "", note_zh: str = ""):
        self.name, self.value, self.unit = name, float(value), unit
        self.en, self.zh, self.note_en, self.note_zh = en, zh, note_en, note_zh

    def np(self, g):
        return repr(self.value)

    def xl(self, ctx):
        return self.name, P_ATOM, 1.0

    def doc(self):
        return self.name, P_ATOM


class NA(Node):
    """Not defined: NaN in NumPy, a short text in Excel (``na``, ``never``, ``no_irr``)."""

    __slots__ = ("key",)

    def __init__(self, key: str = "na"):
        self.key = key

    def np(self, g):
        return "_NAN"

    def xl(self, ctx):
        return '"' + ctx.na(self.key) + '"', P_ATOM, None

    def doc(self):
        return "n/a", P_ATOM


def SUMR(row, first: int = 0):
    """The sum of a row over its years (from year ``first``)."""
    return Agg("SUM", row, first=first)
