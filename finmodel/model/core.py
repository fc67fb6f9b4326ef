"""Rows and the model: the one list of named line items that the engine, the workbook and the docs render.

A :class:`Row` is one line item: a registry key, zh/en label, unit, the sheet it sits on, its
role, and one expression (:mod:`.expr`) over inputs and other rows. A row that uses its own
previous year (``row.prev``) is a recurrence (a balance, a carry-forward, a cumulative sum);
the engine evaluates recurrences year by year and everything else over whole arrays. A
*scalar* row has no yearly expression but a ``const`` one: a figure over the years (a present
value, a peak, a metric), shown in the sheet's constant column.

:class:`Model` collects the rows of one scenario structure (the number of tiers, refits, tax
periods and loss years shape it; every number of the YAML stays an input of the rows).
"""

from __future__ import annotations

import re
from typing import Any, Iterable

from .. import paths
from .expr import ConstRef, Input, Node, Ref, Table

SHEETS = ("time", "calcs", "statements", "government", "checks")

#: Roles of a row: what it is, for the DataFrame view, the docs and the workbook's styles.
ROLES = ("item", "calc", "flag", "statement", "government", "check", "metric")

#: Numeric inputs that shape the time axis or the year tables: constants of the compiled kernel,
#: one value per run (never an array over scenarios).
STRUCTURAL = re.compile(
    r"^(scenario\.(start_year|concession_years|calibration_year)"
    r"|tax\.loss_carryforward_years"
    r"|tax\.small_enterprise_periods\.\d+\.(from_year|to_year)"
    r"|tax\.vat\.\w+\.\d+\.from_year"
    r"|tax\.surcharge_relief_\w+\.(from_year|to_year)"
    r"|tax\.small_enterprise_threshold_cny)$")


#: The structural numbers the kernel folds as constants: the loss vintages shape the rows, and the
#: tax tables' years are written into labels. The time axis itself (start year, concession length)
#: is not folded: one model and one kernel serve every concession length.
FOLDED = re.compile(
    r"^(tax\.loss_carryforward_years"
    r"|tax\.small_enterprise_periods\.\d+\.(from_year|to_year)"
    r"|tax\.vat\.\w+\.\d+\.from_year"
    r"|tax\.surcharge_relief_\w+\.(from_year|to_year)"
    r"|tax\.small_enterprise_threshold_cny)$")


def is_folded(path: str, value: Any) -> bool:
    """Inputs the kernel treats as constants: choices, yes/no, text, blanks and the :data:`FOLDED` numbers."""
    if value is None or isinstance(value, (bool, str)):
        return True
    return bool(FOLDED.match(path))


class Row(Node):
    """A line item; inside an expression it stands for its own value in the same year."""

    __slots__ = ("model", "sheet", "key", "unit", "en", "zh", "expr", "const", "role", "style", "total",
                 "kind", "fmt", "short", "better")

    def __init__(self, model, sheet, key, unit, en, zh, expr=None, *, role="calc", style=None, const=None,
                 total=None, kind="row", fmt=None, short=None, better=None):
        self.model = model
        self.sheet = sheet
        self.key = key
        self.unit = unit
        self.en = en
        self.zh = zh
        self.expr = expr
        self.const = const
        self.role = role
        self.style = style or {"item": "item", "flag": "flag", "check": "check"}.get(role, "calc")
        self.total = (unit == "CNY" and role in ("statement", "government")) if total is None else total
        self.kind = kind
        self.fmt = fmt                      # a display unit that overrides the unit's format (e.g. CNY_level)
        self.short = short                  # (en, zh) short name of a metric, for tables and messages
        self.better = better                # a metric: "higher" or "lower" is better (None: neither)

    # ---------------------------------------------------------------- as an expression
    def np(self, g):
        return g.ref(self, 0)

    def xl(self, ctx):
        return Ref(self, 0).xl(ctx)

    def doc(self):
        return self.key, 9

    @property
    def prev(self) -> Ref:
        """This row in the year before (0 before year 0)."""
        return Ref(self, 1)

    @property
    def c(self) -> ConstRef:
        """A scalar row's value."""
        return ConstRef(self)

    @property
    def item(self) -> bool:
        return self.role == "item"

    @property
    def scalar(self) -> bool:
        return self.expr is None and self.const is not None

    def label(self, zh: bool) -> str:
        return self.zh if zh else self.en

    def __repr__(self):
        return f"Row({self.sheet}:{self.key})"


class Model:
    """The rows of one scenario structure, in sheet order, with the inputs they use.

    ``m.I(path)`` is an input node (the scenario's value travels with it); ``m.row(...)`` adds a
    row; ``m.heading``, ``m.note`` and ``m.blank`` lay out a sheet.
    """

    def __init__(self, a):
        self.a = a
        self.data = a.model_dump()
        self.sheets: dict[str, list[Row]] = {s: [] for s in SHEETS}
        self.rows: list[Row] = []
        self.by_key: dict[str, Row] = {}
        self._inputs: dict[str, Input] = {}
        self.cache: dict = {}               # compiled kernels (finmodel.model.compile)
        self.structure: str | None = None   # the structure key of a shared model (finmodel.model.build)

    # ---------------------------------------------------------------- inputs
    def I(self, path: str) -> Input:  # noqa: E743 - the name reads as in the row definitions
        node = self._inputs.get(path)
        if node is None:
            value = paths.get(self.data, path)
            if isinstance(value, (dict, list)):
                raise KeyError(f"{path} is a section, not an input")
            node = Input(path, value, is_folded(path, value))
            self._inputs[path] = node
        return node

    def table(self, path: str, field: str) -> Table:
        items = paths.get(self.data, path)
        return Table(path, field, [self.I(f"{path}.{i}.{field}") for i in range(len(items))])

    @property
    def inputs(self) -> dict[str, Input]:
        return dict(self._inputs)

    def constants(self) -> list:
        """The model constants (tolerances) the rows use, in order of first use."""
        from .expr import walk
        from .nodes import Const

        seen: dict[str, Const] = {}
        for r in self.rows:
            for e in (r.expr, r.const):
                if e is not None:
                    for n in walk(e):
                        if isinstance(n, Const):
                            seen.setdefault(n.name, n)
        return list(seen.values())

    # ---------------------------------------------------------------- rows and layout
    def row(self, sheet, key, unit, en, zh, expr=None, **kw) -> Row:
        if key in self.by_key:
            raise ValueError(f"duplicate row key {key}")
        r = Row(self, sheet, key, unit, en, zh, expr, **kw)
        if r.kind != "hidden":
            self.sheets[sheet].append(r)
        self.rows.append(r)
        self.by_key[key] = r
        return r

    def _layout(self, sheet, kind, en="", zh="", key=None) -> Row:
        r = Row(self, sheet, key or f"_{kind[0]}{len(self.rows)}_{len(self.sheets[sheet])}", "text", en, zh, kind=kind,
                style=kind, role="calc")
        self.sheets[sheet].append(r)
        return r

    def heading(self, sheet, en, zh, key=None) -> Row:
        """A section heading; ``key`` names a standard table (``table_<key>``: finmodel table --statement)."""
        return self._layout(sheet, "heading", en, zh, key=f"table_{key}" if key else None)

    def note(self, sheet, en, zh) -> Row:
        """A line of text under a row (what a reader must know about it), no values."""
        return self._layout(sheet, "note", en, zh)

    def blank(self, sheet) -> Row:
        return self._layout(sheet, "blank")

    def __getitem__(self, key) -> Row:
        return self.by_key[key]

    def __contains__(self, key) -> bool:
        return key in self.by_key

    def items(self) -> Iterable[Row]:
        """The engine's line items (role ``item``), in model order."""
        return (r for r in self.rows if r.role == "item")


def may_be_undefined(row: Row) -> bool:
    """Whether a row's definition allows "not defined" (NaN): an NA branch, a metric, or a row that copies one."""
    from .expr import Ref, walk
    from .nodes import NA, Metric

    memo = row.model.cache.setdefault("undefined", {})

    def go(r: Row, path: frozenset) -> bool:
        if r.key in memo:
            return memo[r.key]
        if r.key in path:
            return False
        found = False
        for e in (r.expr, r.const):
            for n in (walk(e) if e is not None else ()):
                if isinstance(n, (NA, Metric)):
                    found = True
                elif isinstance(n, (Ref, Row)):
                    target = n.row if isinstance(n, Ref) else n
                    found = target is not r and go(target, path | {r.key})
                if found:
                    break
            if found:
                break
        memo[r.key] = found
        return found

    return go(row, frozenset())
