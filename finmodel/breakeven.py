"""Break-even analysis: solve any input for any target, the break-even table, the subsidy corridor.

The street office asks "what is the least we must pay, and the most we should pay?"; the
operator asks "what occupancy, fee collection or rent do we need?". This module answers both
exactly, many problems at once, and says so plainly when no answer exists.

Terms
-----
driver
    What moves. A numeric assumption path (``support.subsidy_annual_cny``; the value is in the
    path's own unit), a set of paths scaled together by one factor (``a.b,c.d``, a wildcard
    ``property_service.fee_steps.*.fee_cny_per_m2_month``, or a list such as
    ``property_service.fee_steps`` whose items have one decimal field; the value is the factor,
    1 = base), or a whole-number path (``scenario.concession_years``; searched over whole
    values). The names of the break-even table (``subsidy``, ``capex``, ``operating_cost``, ...)
    are accepted too.
target
    ``metric OP value`` with a metric of ``finmodel run --json`` and OP one of ``=``, ``<=``,
    ``>=`` (``npv=0``, ``equity_irr=8%``, ``payback_years<=12``). ``%`` divides by 100.
floor / ceiling
    For an inequality the answer is a bound on the input: a floor when the target holds at and
    just above the value, a ceiling when it holds at and just below it.

Method
------
1. *Bracket.* Every problem's range is cut into about 50 candidates (evenly spaced, around the
   base value, and geometric for ranges that span orders of magnitude). The candidates of all
   problems are stacked into one array per assumption path, each problem's block moving only its
   own paths and holding the others at base, and scored in **one** vectorised engine call
   (:func:`finmodel.engine.evaluate`).
2. *Refine.* Each sign change of ``metric - target`` between neighbouring candidates is a
   bracket; all brackets of all problems are refined together, one engine call per iteration:
   Illinois (modified regula falsi) steps with a bisection step whenever an iteration fails to
   halve the bracket. That converges superlinearly where the metric is smooth and still closes
   in on a jump (the income-tax cliff, a payback crossing a refit year).
3. *Check.* A bracket whose metric does not come within ``1e-7`` (relative) of the target when
   it has shrunk to nothing is a jump, not a root: an ``=`` target is never claimed there. An
   inequality still has its bound there (the metric jumps across it).

Metrics that are undefined (NaN) over part of the range: payback "never" counts as an infinite
payback (it fails ``payback_years<=N``); any other undefined value (an IRR without a root, a DSCR
without debt) is neither side of the target, so no bracket spans it. When several roots or bounds
exist, the one nearest the base value is the answer (``pick="lowest"`` or ``"highest"`` to choose
otherwise); the others are listed.

Inputs that reshape the time axis (``scenario.concession_years``, the tax year tables) cannot be
arrays over scenarios: each of their candidates is one engine call of its own. Whole-number inputs
are never interpolated: every whole value in the range is scored.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace
from typing import Any, Iterable, Literal, Sequence

import numpy as np

from . import engine, government
from .assumptions import Assumptions
from .errors import InputError, UsageError
from .scenarios import (did_you_mean, field_bounds, field_info, is_numeric_path, schema_node, validate_data,
                        with_values)

def _base_number(v, path: str) -> float:
    if v is None:
        raise UsageError("has no value in this scenario (null): set it with --set before varying it",
                         source="--vary", key=path)
    return float(v)


# --------------------------------------------------------------------------- metrics
#: Unit of each metric of ``engine.METRIC_NAMES`` (how results are printed, and the floor of the
#: tolerance scale: a target of 0 CNY is solved to about 1e-10 of the base NPV, not of 0).
METRIC_UNITS = {
    "npv": "CNY", "equity_npv": "CNY", "project_irr": "fraction/year", "equity_irr": "fraction/year",
    "payback_years": "years", "discounted_payback_years": "years", "min_cumulative_cash": "CNY",
    "min_cumulative_equity_cash": "CNY", "dscr_min": "-", "dscr_avg": "-", "margin_avg": "fraction",
    "subsidy_dependence": "fraction",
    **government.GOV_METRIC_UNITS,
}
_UNIT_FLOOR = {"CNY": 1.0, "fraction/year": 1e-4, "years": 1e-3, "-": 1e-4, "fraction": 1e-4, "CNY/household": 1e-2}
#: Metrics whose NaN means "never" (an infinitely long payback), not "undefined".
NEVER_IS_INFINITE = frozenset({"payback_years", "discounted_payback_years"})

#: Convergence: stop once |metric - target| <= FTOL x scale or the bracket is a few ulps wide;
#: accept a root when |metric - target| <= ACCEPT x scale (the acceptance asks for 1e-6).
FTOL = 1e-11
ACCEPT = 1e-7
MAX_ITER = 200
MAX_BRACKETS = 8
MAX_WHOLE = 400

Op = Literal["=", "<=", ">="]
Pick = Literal["nearest", "lowest", "highest"]


@dataclass(frozen=True)
class Target:
    """``metric op value``: the condition to meet. ``value`` in the metric's unit (rates as fractions)."""

    metric: str
    op: Op
    value: float

    def __str__(self) -> str:
        return f"{self.metric}{self.op}{self.value:.12g}"

    @property
    def is_inequality(self) -> bool:
        return self.op != "="

    @property
    def unit(self) -> str:
        return METRIC_UNITS.get(self.metric, "")


_TARGET_RE = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(<=|>=|==|=|<|>|=<|=>)\s*(\S.*?)\s*$")


def _number(text: str, what: str, source: str) -> tuple[float, bool]:
    """A float from text; ``x%`` is x / 100. Returns (value, was_percent)."""
    t = text.strip().replace("_", "")
    pct = t.endswith("%")
    if pct:
        t = t[:-1].strip()
    try:
        v = float(t)
    except ValueError:
        raise UsageError(f"{what}: '{text}' is not a number", source=source) from None
    if not math.isfinite(v):
        raise UsageError(f"{what}: '{text}' must be finite", source=source)
    return (v / 100.0 if pct else v), pct


def parse_target(text: str | Target) -> Target:
    """Parse ``"npv=0"``, ``"equity_irr>=8%"``, ``"payback_years<=12"`` into a :class:`Target`.

    >>> parse_target("payback_years <= 12")
    Target(metric='payback_years', op='<=', value=12.0)
    >>> parse_target("equity_irr=8%").value
    0.08
    """
    if isinstance(text, Target):
        return text
    m = _TARGET_RE.match(str(text or ""))
    if not m:
        raise UsageError(f"expected METRIC=VALUE, METRIC<=VALUE or METRIC>=VALUE, got '{text}'", source="--target")
    metric, op, value = m.group(1), m.group(2), m.group(3)
    if metric not in government.ALL_METRIC_NAMES:
        import difflib
        close = difflib.get_close_matches(metric, government.ALL_METRIC_NAMES, n=1, cutoff=0.6)
        hint = f" (did you mean '{close[0]}'?)" if close else f"; known: {', '.join(government.ALL_METRIC_NAMES)}"
        raise UsageError(f"unknown metric '{metric}'{hint}", source="--target")
    if op in ("<", ">", "=<", "=>"):
        raise UsageError(f"use '<=' or '>=' (not '{op}') in '{text}'", source="--target")
    v, _ = _number(value, f"target value of {metric}", "--target")
    return Target(metric, "=" if op == "==" else op, v)  # type: ignore[arg-type]


def parse_range(text: str, base: float) -> tuple[float, float]:
    """Parse ``"LO:HI"``; each end absolute (``0``, ``5e6``) or relative to ``base`` (``-50%``, ``+200%``).

    A relative end is ``base x (1 + p)``: ``parse_range("-50%:+200%", 4.0) == (2.0, 12.0)``.
    Relative ends need a non-zero base; LO must be below HI.

    >>> parse_range("-50%:+200%", 4.0)
    (2.0, 12.0)
    >>> parse_range("0:5e6", 1e6)
    (0.0, 5000000.0)
    """
    parts = str(text).split(":")
    if len(parts) != 2 or not parts[0].strip() or not parts[1].strip():
        raise UsageError(f"expected LO:HI (absolute, or relative to the base like -50%:+200%), got '{text}'",
                         source="--range")
    ends = []
    for part in parts:
        v, pct = _number(part, "range end", "--range")
        if pct:
            if base == 0:
                raise UsageError(f"relative end '{part.strip()}' needs a non-zero base value; give absolute values",
                                 source="--range")
            v = base * (1.0 + v)
        ends.append(float(v))
    lo, hi = ends
    if not lo < hi:
        raise UsageError(f"LO must be below HI, got {lo:g}:{hi:g}", source="--range")
    return lo, hi


# --------------------------------------------------------------------------- drivers
#: Operating-cost lines the ``operating_cost`` driver scales together (the own-services cost is
#: a ratio of that revenue, so it is left out; capex and refits are the ``capex`` driver).
OPERATING_COST_PATHS = (
    "property_service.fixed_team_cny_per_year",
    "property_service.variable_cost_cny_per_m2_year",
    "property_service.materials_cny_per_m2_year",
    "space.opex_cny_per_m2_year",
    "parking.opex_cny_per_space_year",
    "overheads.management_cny_per_year",
    "overheads.other_cny_per_year",
)

#: The break-even table's drivers: key, label, path spec ("{c}" is the commercial tier's index).
TABLE_DRIVERS = (
    ("subsidy", "Annual subsidy (first year)", "support.subsidy_annual_cny"),
    ("commercial_rent", "Commercial rent", "space.tiers.{c}.rent_cny_per_m2_day"),
    ("commercial_occupancy", "Commercial occupancy (target)", "space.tiers.{c}.occupancy.target"),
    ("property_fee", "Property fee (every step, scaled)", "property_service.fee_steps.*.fee_cny_per_m2_month"),
    ("collection", "Fee collection rate (target)", "property_service.collection.target"),
    ("parking_fee", "Parking fee", "parking.fee_cny_per_space_month"),
    ("parking_utilisation", "Parking utilisation (target)", "parking.utilisation.target"),
    ("capex", "Renovation capex", "capex.renovation_cny"),
    ("operating_cost", "Operating cost (all lines, scaled)", ",".join(OPERATING_COST_PATHS)),
    ("expanded_area", "Expanded service area", "property_service.expanded_area_m2"),
    ("discount_rate", "Discount rate (project)", "discount.project_rate"),
    ("concession", "Concession length", "scenario.concession_years"),
)

_UNIT_RE = re.compile(r"\[([^\]]+)\]\s*$")


def _unit_of(path: str) -> str:
    info = field_info(path)
    m = _UNIT_RE.search((info.description or "") if info is not None else "")
    return m.group(1) if m else ""


def commercial_tier(a: Assumptions) -> int:
    """Index of the tier named 'commercial' (else the tier with the highest rent)."""
    tiers = a.space.tiers
    for i, t in enumerate(tiers):
        if t.name == "commercial":
            return i
    return int(np.argmax([t.rent_cny_per_m2_day for t in tiers]))


@dataclass(frozen=True)
class Driver:
    """What a break-even moves: leaf paths and how one number ``x`` sets them.

    kind ``value``: x is the single leaf's value; ``scale``: every leaf = its base x x (base
    x = 1); ``whole``: x is a whole number set on the single leaf.
    """

    spec: str
    label: str
    paths: tuple[str, ...]
    bases: tuple[float, ...]
    kind: Literal["value", "scale", "whole"]
    lo: float                      # valid range of x (from the schema)
    hi: float
    unit: str
    structural: bool               # reshapes the time axis: one engine call per candidate
    leaf_bounds: tuple[tuple[float, float], ...] = ()

    @property
    def base_value(self) -> float:
        return 1.0 if self.kind == "scale" else self.bases[0]

    def leaves(self, x) -> dict[str, np.ndarray]:
        """Leaf values for driver values ``x`` (an array): path -> array of the same shape."""
        x = np.asarray(x, dtype=float)
        if self.kind == "scale":
            return {p: np.clip(b * x, lo, hi) for p, b, (lo, hi) in zip(self.paths, self.bases, self.leaf_bounds)}
        if self.kind == "whole":
            return {self.paths[0]: np.round(x)}
        return {self.paths[0]: x}


def _dump_get(data: Any, parts: Sequence[str]):
    for p in parts:
        data = data[int(p)] if isinstance(data, list) else data[p]
    return data


def _expand(data: dict, path: str) -> list[str]:
    """Expand ``*`` over the list indices present in the scenario; check every path exists."""
    parts = path.split(".")
    out = [[]]
    for part in parts:
        nxt = []
        for pre in out:
            if part == "*":
                try:
                    node = _dump_get(data, pre)
                except (KeyError, IndexError, ValueError, TypeError):
                    raise UsageError("not present in this scenario", source="--vary", key=".".join(pre)) from None
                if not isinstance(node, list):
                    raise UsageError("'*' stands for list items, and this is not a list", source="--vary",
                                     key=".".join(pre))
                nxt.extend(pre + [str(i)] for i in range(len(node)))
            else:
                nxt.append(pre + [part])
        out = nxt
    return [".".join(p) for p in out]


def _leaf_paths(data: dict, spec_path: str) -> list[str]:
    """The numeric leaves a path names: itself, its '*' expansion, or a list's one decimal field."""
    parts = spec_path.split(".")
    probe = [("0" if p == "*" else p) for p in parts]
    try:
        node = schema_node(probe)
    except KeyError as exc:
        pos = exc.args[0]
        hint = did_you_mean(probe[: pos + 1])
        raise UsageError(f"no such assumption '{parts[pos]}'{hint}", source="--vary", key=spec_path) from None
    import typing

    from pydantic import BaseModel
    if typing.get_origin(node) is list:
        item = typing.get_args(node)[0]
        if isinstance(item, type) and issubclass(item, BaseModel):
            floats = [n for n, f in item.model_fields.items() if f.annotation is float]
            if len(floats) == 1:
                return _leaf_paths(data, f"{spec_path}.*.{floats[0]}")
            example = f"{spec_path}.*.{floats[0] if floats else 'FIELD'}"
            raise UsageError(f"a list of several numbers; name one, e.g. {example}", source="--vary", key=spec_path)
        raise UsageError("is a list; name an item by index or use '*'", source="--vary", key=spec_path)
    if isinstance(node, type) and issubclass(node, BaseModel):
        nums = [n for n in node.model_fields if is_numeric_path(f"{'.'.join(probe)}.{n}")]
        raise UsageError(f"is a section, not a number; name a field ({', '.join(nums)})", source="--vary",
                         key=spec_path)
    if node not in (int, float):
        raise UsageError("is not a numeric assumption", source="--vary", key=spec_path)
    paths = _expand(data, spec_path)
    for p in paths:
        try:
            v = _dump_get(data, p.split("."))
        except (KeyError, IndexError, ValueError, TypeError):
            raise UsageError("not present in this scenario (list index out of range?)", source="--vary",
                             key=p) from None
        if v is None:
            raise UsageError("is empty (null) in this scenario; set it first with --set", source="--vary", key=p)
    return paths


def resolve_driver(a: Assumptions, spec: str) -> Driver:
    """A :class:`Driver` from a path, a comma list of paths, a wildcard, a list, or a table name."""
    spec = (spec or "").strip()
    if not spec:
        raise UsageError("empty path", source="--vary")
    label = spec
    names = {k: (lbl, p) for k, lbl, p in TABLE_DRIVERS}
    if spec in names:
        label, spec = names[spec][0], names[spec][1].replace("{c}", str(commercial_tier(a)))
    data = a.model_dump()
    items = [s.strip() for s in spec.split(",") if s.strip()]
    paths: list[str] = []
    for item in items:
        paths.extend(_leaf_paths(data, item))
    if len(set(paths)) != len(paths):
        raise UsageError("a path is named twice", source="--vary", key=spec)
    bases = tuple(_base_number(_dump_get(data, p.split(".")), p) for p in paths)
    structural = any(engine.STRUCTURAL.match(p) for p in paths)
    is_int = [schema_node(p.split(".")) is int for p in paths]
    single = len(paths) == 1 and "*" not in spec and "," not in spec and not _is_list_spec(spec)
    if single:
        path = paths[0]
        lo, hi = field_bounds(path)
        kind = "whole" if is_int[0] else "value"
        return Driver(spec, label, (path,), bases, kind, lo, hi, _unit_of(path), structural)
    if structural or any(is_int):
        bad = next(p for p, i in zip(paths, is_int) if i or engine.STRUCTURAL.match(p))
        raise UsageError("whole-number or time-axis inputs cannot be scaled together with others", source="--vary",
                         key=bad)
    if not any(b != 0 for b in bases):
        raise UsageError("every value is 0 in this scenario: scaling cannot move them; vary one path instead",
                         source="--vary", key=spec)
    flo, fhi = 0.0, math.inf
    leaf_bounds = []
    for p, b in zip(paths, bases):
        lo, hi = field_bounds(p)
        leaf_bounds.append((lo, hi))
        if b > 0:
            flo, fhi = max(flo, lo / b), min(fhi, hi / b)
        elif b < 0:
            flo, fhi = max(flo, hi / b), min(fhi, lo / b)
    if not flo < fhi:
        raise UsageError("no factor keeps every value within its valid range", source="--vary", key=spec)
    return Driver(spec, label, tuple(paths), bases, "scale", flo, fhi, "x base", False, tuple(leaf_bounds))


def _is_list_spec(spec: str) -> bool:
    import typing
    try:
        return typing.get_origin(schema_node(spec.split("."))) is list
    except KeyError:
        return False


def default_range(d: Driver) -> tuple[float, float]:
    """The search range when none is given: the schema's bounds, within 10 x the base's size of it.

    A base of 0 searches the schema's whole range (or 0..1 where it is open). Scale drivers search
    factors 0..11 within the bounds; whole-number drivers their schema range.
    """
    b = d.base_value
    if d.kind == "whole":
        lo, hi = d.lo, d.hi
        if not (math.isfinite(lo) and math.isfinite(hi)) or hi - lo > MAX_WHOLE:
            lo, hi = max(lo, b - MAX_WHOLE // 2), min(hi, b + MAX_WHOLE // 2)
        return float(lo), float(hi)
    span = 10.0 * abs(b)
    if b == 0:
        lo = d.lo if math.isfinite(d.lo) else -1.0
        hi = d.hi if math.isfinite(d.hi) else 1.0
    else:
        lo, hi = max(d.lo, b - span), min(d.hi, b + span)
    if d.kind == "scale":
        lo = max(lo, 0.0)
    return float(lo), float(hi)


# --------------------------------------------------------------------------- evaluation
class _Evaluator:
    """Scores candidate values of many problems with as few engine calls as possible.

    ``run(items)`` takes (driver, x array, fixed overrides) per problem and returns the metric
    arrays of each. All non-structural items go into one :func:`engine.evaluate` call: every path
    any item moves gets an array over all candidates, holding the base value outside the item's
    block. Structural items (the time axis changes) are scored one candidate per call.
    """

    def __init__(self, a: Assumptions, metrics: Iterable[str]):
        self.a = a
        self.metrics = tuple(dict.fromkeys(metrics))
        self.data = a.model_dump()
        self.calls = 0
        self.scenarios = 0
        self.invalid: dict[tuple[str, float], str] = {}    # (driver spec, x) -> why the scenario is not valid

    def _base(self, path: str) -> float:
        return _base_number(_dump_get(self.data, path.split(".")), path)

    def run(self, items: Sequence[tuple[Driver, np.ndarray, dict[str, float]]]) -> list[dict[str, np.ndarray]]:
        out: list[dict[str, np.ndarray] | None] = [None] * len(items)
        flat = [i for i, it in enumerate(items) if not it[0].structural and it[1].size]
        if flat:
            sizes = [items[i][1].size for i in flat]
            S = int(sum(sizes))
            paths: dict[str, None] = {}
            for i in flat:
                paths.update(dict.fromkeys(items[i][0].paths))
                paths.update(dict.fromkeys(items[i][2]))
            vary = {p: np.full(S, self._base(p)) for p in paths}
            off = 0
            blocks = []
            for i, n in zip(flat, sizes):
                d, xs, fixed = items[i]
                for p, v in fixed.items():
                    vary[p][off:off + n] = v
                for p, v in d.leaves(xs.reshape(-1)).items():
                    vary[p][off:off + n] = v
                blocks.append((i, off, n))
                off += n
            res = government.evaluate(self.a, vary, metrics=self.metrics)
            self.calls += 1
            self.scenarios += S
            for i, o, n in blocks:
                out[i] = {k: res[k][o:o + n].reshape(items[i][1].shape) for k in self.metrics}
        for i, (d, xs, fixed) in enumerate(items):
            if out[i] is not None:
                continue
            flat_x = xs.reshape(-1)
            cols = {k: np.full(flat_x.size, np.nan) for k in self.metrics}
            for j, x in enumerate(flat_x):
                a2 = self._structural(d, float(x))
                if a2 is None:
                    continue
                res = government.evaluate(a2, {p: v for p, v in fixed.items()} or None, metrics=self.metrics)
                self.calls += 1
                self.scenarios += 1
                for k in self.metrics:
                    cols[k][j] = res[k][0]
            out[i] = {k: v.reshape(xs.shape) for k, v in cols.items()}
        return out  # type: ignore[return-value]

    def _structural(self, d: Driver, x: float) -> Assumptions | None:
        """The scenario with a time-axis input set to x, validated again (None if it is not valid).

        Copies only the dicts on the changed paths (``with_values`` deep-copies the whole scenario,
        which costs more than the projection). A shorter concession pulls the calibration year in.
        """
        values: dict[str, Any] = {p: (int(round(float(v))) if d.kind == "whole" else float(v))
                                  for p, v in ((p, np.asarray(v).item()) for p, v in d.leaves(np.asarray(x)).items())}
        if "scenario.concession_years" in values:
            n = values["scenario.concession_years"]
            values["scenario.calibration_year"] = min(self.a.scenario.calibration_year, n)
        data = self.data
        for path, v in values.items():
            data = _set_copy(data, path.split("."), v)
        try:
            return validate_data(data, {k: "breakeven" for k in values}, "breakeven")
        except InputError as exc:
            self.invalid.setdefault((d.spec, x), exc.message)
            return None


def _set_copy(node: Any, parts: Sequence[str], value: Any) -> Any:
    """A copy of ``node`` with ``value`` at ``parts``, sharing every branch it does not change."""
    if not parts:
        return value
    if isinstance(node, list):
        out = list(node)
        i = int(parts[0])
        out[i] = _set_copy(node[i], parts[1:], value)
        return out
    out = dict(node)
    out[parts[0]] = _set_copy(node[parts[0]], parts[1:], value)
    return out


# --------------------------------------------------------------------------- results
@dataclass(frozen=True)
class BreakEven:
    """The answer to one break-even problem.

    ``value`` is in the driver's unit (the factor for a scaled driver); ``change`` is value -
    base_value and ``change_rel`` that change over |base_value| (None where the base is 0).
    ``direction`` is ``floor`` (the target holds at and above value) or ``ceiling`` (at and
    below) for an inequality, None for ``=``. ``feasible`` False means no value in [lo, hi]
    meets the target: ``value`` and ``achieved`` are NaN and ``metric_at_lo/hi`` say why.
    """

    vary: str
    label: str
    paths: tuple[str, ...]
    kind: str
    unit: str
    target: Target
    value: float
    achieved: float
    base_value: float
    base_metric: float
    change: float
    change_rel: float | None
    direction: str | None
    feasible: bool
    status: str                    # solved, jump, always, unreachable, undefined
    iterations: int
    evaluations: int
    lo: float
    hi: float
    metric_at_lo: float
    metric_at_hi: float
    message: str
    other_values: tuple[float, ...] = ()
    leaf_values: dict[str, float] = field(default_factory=dict)
    closest_value: float = math.nan        # when not feasible: the candidate nearest the target
    closest_metric: float = math.nan

    def to_dict(self) -> dict:
        """Plain types for JSON (NaN becomes null through ``finmodel.io.jsonable``)."""
        return {
            "vary": self.vary, "label": self.label, "paths": list(self.paths), "kind": self.kind, "unit": self.unit,
            "target": str(self.target), "metric": self.target.metric, "op": self.target.op,
            "target_value": self.target.value, "value": self.value, "achieved": self.achieved,
            "base_value": self.base_value, "base_metric": self.base_metric, "change": self.change,
            "change_rel": self.change_rel, "direction": self.direction, "feasible": self.feasible,
            "status": self.status, "iterations": self.iterations, "evaluations": self.evaluations,
            "range": [self.lo, self.hi], "metric_at_lo": self.metric_at_lo, "metric_at_hi": self.metric_at_hi,
            "other_values": list(self.other_values), "leaf_values": dict(self.leaf_values),
            "closest_value": self.closest_value, "closest_metric": self.closest_metric, "message": self.message,
        }

    def sets(self) -> list[str]:
        """``--set`` arguments that reproduce the answer with ``finmodel run``."""
        return [f"{p}={v!r}" for p, v in self.leaf_values.items()]


@dataclass
class _Problem:
    driver: Driver
    target: Target
    lo: float
    hi: float
    pick: Pick = "nearest"
    fixed: dict[str, float] = field(default_factory=dict)
    max_brackets: int = MAX_BRACKETS
    rtol: float | None = None      # looser tolerance (relative to the metric scale and the range)
    driver_calibration_year: int = 1   # the scenario's calibration year (a shorter concession pulls it in)

    @property
    def x0(self) -> float:
        return min(max(self.driver.base_value, self.lo), self.hi)


@dataclass
class _Bound:
    """One place in the range where the target starts or stops holding (or an exact root)."""

    x: float                 # the answer: for an inequality, the satisfied side
    metric: float
    other_x: float           # the other side of the final bracket
    other_metric: float
    exact: bool              # |metric - target| within ACCEPT: a root, not a jump
    iterations: int
    direction: str | None    # floor / ceiling for an inequality


@dataclass
class _Outcome:
    grid: np.ndarray
    metric: np.ndarray
    h: np.ndarray
    base_metric: float
    bounds: list[_Bound]
    undefined_inside: int
    evaluations: int
    invalid: list[tuple[float, str]] = field(default_factory=list)   # candidates that are not valid scenarios


def _h(t: Target, m: np.ndarray) -> np.ndarray:
    """Signed distance to the target: >= 0 exactly where the target holds (for '=', metric - value)."""
    m = np.asarray(m, dtype=float)
    if t.metric in NEVER_IS_INFINITE:
        m = np.where(np.isnan(m), np.inf, m)
    with np.errstate(invalid="ignore"):
        return (t.value - m) if t.op == "<=" else (m - t.value)


def _scale(t: Target, base_metric: float, metric: np.ndarray) -> float:
    fin = [abs(t.value)]
    if math.isfinite(base_metric):
        fin.append(abs(base_metric))
    else:
        finite = np.abs(metric[np.isfinite(metric)])
        if finite.size:
            fin.append(float(np.median(finite)))
    return max(max(fin), _UNIT_FLOOR.get(t.unit, 1e-6))


_REL_STEPS = np.array([-0.9, -0.75, -0.5, -0.25, -0.1, -0.05, -0.01, 0.0, 0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 4.0])
_K = 56


def _grid(lo: float, hi: float, base: float) -> np.ndarray:
    """About 50 candidates in [lo, hi]: even, around the base, and geometric across magnitudes."""
    pts = [np.linspace(lo, hi, 25)]
    if base != 0:
        pts.append(base * (1.0 + _REL_STEPS))
    if lo >= 0 and hi > 0:
        pts.append(np.geomspace(max(lo, hi * 1e-6), hi, 13))
    g = np.unique(np.clip(np.concatenate(pts), lo, hi))
    g = g[(g >= lo) & (g <= hi)]
    if g.size > _K:
        keep = np.unique(np.concatenate([[0, g.size - 1], np.round(np.linspace(0, g.size - 1, _K - 2)).astype(int)]))
        g = g[keep]
    return np.concatenate([g, np.full(_K - g.size, hi)]) if g.size < _K else g


def _solve_problems(a: Assumptions, problems: Sequence[_Problem]) -> tuple[list[_Outcome], _Evaluator]:
    """Bracket and refine every problem together (see the module docstring).

    Pass 1 scores each problem's grid and refines every sign change. A bracket can hide more than
    one crossing, so up to two more passes look again where the first answer may not be the whole
    story: both sides of a jump for an ``=`` target (a root may sit beside the jump), and the part
    of the bracket between the answer and the side the pick prefers (below it for ``"lowest"``,
    above it for ``"highest"``, toward the base value for ``"nearest"``). Each such stretch is
    sampled at 17 points in one shared engine call and its sign changes are refined.
    """
    ev = _Evaluator(a, [p.target.metric for p in problems])
    cont = [i for i, p in enumerate(problems) if p.driver.kind != "whole"]
    whole = [i for i, p in enumerate(problems) if p.driver.kind == "whole"]
    cands: dict[int, np.ndarray] = {}
    for i in cont:
        p = problems[i]
        cands[i] = np.append(_grid(p.lo, p.hi, p.x0), p.driver.base_value)
    for i in whole:
        p = problems[i]
        xs = np.arange(math.ceil(p.lo), math.floor(p.hi) + 1, dtype=float)
        cands[i] = np.append(xs, p.driver.base_value)
    order = list(range(len(problems)))
    res = ev.run([(problems[i].driver, cands[i], problems[i].fixed) for i in order])
    outcomes: list[_Outcome | None] = [None] * len(problems)
    brackets = []   # (problem index, a, b, ha, hb, ma, mb)
    for i in order:
        p, t = problems[i], problems[i].target
        m_all = res[i][t.metric]
        xs, m, base_metric = cands[i][:-1], m_all[:-1], float(m_all[-1])
        xs, idx = np.unique(xs, return_index=True)
        m = m[idx]
        h = _h(t, m)
        ok = ~np.isnan(h)
        sat = h >= 0
        bounds: list[_Bound] = []
        if p.driver.kind == "whole":
            # whole values: neighbours among the valid values; the answer is a whole value, no refinement
            k = np.flatnonzero(ok)
            for j0, j1 in zip(k[:-1], k[1:]):
                if sat[j0] == sat[j1]:
                    continue
                js, ju = (j0, j1) if sat[j0] else (j1, j0)
                if t.op == "=":   # the first value at or past the crossing, moving from base
                    js, ju = (j1, j0) if abs(xs[j1] - p.x0) >= abs(xs[j0] - p.x0) else (j0, j1)
                direction = None if t.op == "=" else ("floor" if xs[js] > xs[ju] else "ceiling")
                bounds.append(_Bound(xs[js], m[js], xs[ju], m[ju], bool(h[js] == 0), 0, direction))
        else:
            for j0 in range(xs.size - 1):
                j1 = j0 + 1
                if not (ok[j0] and ok[j1]):
                    continue
                if sat[j0] != sat[j1]:
                    brackets.append((i, xs[j0], xs[j1], h[j0], h[j1], m[j0], m[j1]))
                elif t.op == "=" and h[j0] == 0:
                    bounds.append(_Bound(xs[j0], m[j0], xs[j0], m[j0], True, 0, None))
            if t.op == "=" and ok[-1] and h[-1] == 0:
                bounds.append(_Bound(xs[-1], m[-1], xs[-1], m[-1], True, 0, None))
        bad = [(float(x), ev.invalid[(p.driver.spec, float(x))]) for x in xs if (p.driver.spec, float(x)) in ev.invalid]
        outcomes[i] = _Outcome(xs, m, h, base_metric, bounds, 0, cands[i].size, bad)
    pending = _keep(problems, brackets)
    for pass_no in range(3):
        if not pending:
            break
        found = _refine(problems, outcomes, pending, ev)
        if pass_no == 2:
            break
        # stretches to look at again: their two ends are on the same side of the target
        looks = []
        for i, bd, (a0, b0) in found:
            p = problems[i]
            lo_x, hi_x = min(bd.x, bd.other_x), max(bd.x, bd.other_x)
            if p.target.op == "=" and not bd.exact:
                looks += [(i, a0, lo_x), (i, hi_x, b0)]
            elif p.pick == "lowest" or (p.pick == "nearest" and p.x0 < lo_x):
                looks.append((i, a0, lo_x))
            elif p.pick == "highest" or (p.pick == "nearest" and p.x0 > hi_x):
                looks.append((i, hi_x, b0))
        looks = [(i, u, v) for i, u, v in looks if v - u > 1e-9 * (problems[i].hi - problems[i].lo)]
        if not looks:
            break
        xs_l = [np.linspace(u, v, 17) for _, u, v in looks]
        res = ev.run([(problems[i].driver, x, problems[i].fixed) for (i, _, _), x in zip(looks, xs_l)])
        brackets = []
        for (i, _, _), x, r in zip(looks, xs_l, res):
            t = problems[i].target
            m = r[t.metric]
            h = _h(t, m)
            outcomes[i].evaluations += x.size
            for j0 in range(x.size - 1):
                if not (np.isnan(h[j0]) or np.isnan(h[j0 + 1])) and (h[j0] >= 0) != (h[j0 + 1] >= 0):
                    brackets.append((i, x[j0], x[j0 + 1], h[j0], h[j0 + 1], m[j0], m[j0 + 1]))
        pending = _keep(problems, brackets)
    return outcomes, ev  # type: ignore[return-value]


def _keep(problems, brackets) -> list:
    """At most ``max_brackets`` per problem: those that matter for its pick."""
    by_prob: dict[int, list] = {}
    for br in brackets:
        by_prob.setdefault(br[0], []).append(br)
    chosen = []
    for i, brs in by_prob.items():
        p = problems[i]
        key = {"nearest": lambda b: min(abs(b[1] - p.x0), abs(b[2] - p.x0)),
               "lowest": lambda b: b[1], "highest": lambda b: -b[2]}[p.pick]
        chosen.extend(sorted(brs, key=key)[:p.max_brackets])
    return chosen


def _refine(problems, outcomes, chosen, ev: _Evaluator) -> list[tuple[int, _Bound, tuple[float, float]]]:
    """Illinois steps with bisection safeguards, all brackets at once (one engine call per iteration).

    Each bracket keeps one end on each side of the target; an Illinois (regula falsi) step is taken
    when it falls inside the bracket and the previous step halved it, a bisection otherwise. A
    bracket stops when an evaluated point is within FTOL of the target (on the satisfied side for an
    inequality) or when it is a few ulps wide. Adds a :class:`_Bound` per bracket to its outcome
    and returns (problem index, bound, original bracket) for each.
    """
    n = len(chosen)
    prob = np.array([c[0] for c in chosen])
    a = np.array([c[1] for c in chosen], dtype=float)
    b = np.array([c[2] for c in chosen], dtype=float)
    a0, b0 = a.copy(), b.copy()
    ha = np.array([c[3] for c in chosen], dtype=float)
    hb = np.array([c[4] for c in chosen], dtype=float)
    ma = np.array([c[5] for c in chosen], dtype=float)
    mb = np.array([c[6] for c in chosen], dtype=float)
    sa, sb = ha.copy(), hb.copy()          # Illinois-scaled copies used only for the step
    targets = [problems[i].target for i in prob]
    tval = np.array([t.value for t in targets])
    below = np.array([t.op == "<=" for t in targets])
    eq = np.array([t.op == "=" for t in targets])
    never = np.array([t.metric in NEVER_IS_INFINITE for t in targets])
    scale = np.array([_scale(problems[i].target, outcomes[i].base_metric, outcomes[i].metric) for i in prob])
    rtol = np.array([problems[i].rtol or 0.0 for i in prob])
    ftol = np.maximum(FTOL, rtol) * scale
    span = np.array([problems[i].hi - problems[i].lo for i in prob])
    # a jump is closed in on to 1e-12 of the range (a few ulps at least), or to rtol of it
    xtol = np.maximum(4 * np.finfo(float).eps * np.maximum(np.abs(a), np.abs(b)), np.maximum(1e-12, rtol) * span)
    last = np.zeros(n, dtype=int)           # -1: a was replaced last, +1: b was
    bisect = np.zeros(n, dtype=bool)
    active = np.ones(n, dtype=bool)
    stop_x = np.full(n, np.nan)
    stop_m = np.full(n, np.nan)
    stop_h = np.full(n, np.nan)
    iters = np.zeros(n, dtype=int)
    undefined = np.zeros(n, dtype=bool)
    for _ in range(MAX_ITER):
        active &= (b - a) > xtol
        act = np.flatnonzero(active)
        if act.size == 0:
            break
        with np.errstate(all="ignore"):
            rf = (a * sb - b * sa) / (sb - sa)
        use = np.isfinite(rf) & (rf > a) & (rf < b) & ~bisect
        x = np.where(use, rf, 0.5 * (a + b))[act]
        res = ev.run([(problems[prob[j]].driver, x[k:k + 1], problems[prob[j]].fixed) for k, j in enumerate(act)])
        m = np.array([r[targets[j].metric][0] for r, j in zip(res, act)], dtype=float)
        mm = np.where(never[act] & np.isnan(m), np.inf, m)
        with np.errstate(invalid="ignore"):
            h = np.where(below[act], tval[act] - mm, mm - tval[act])
        iters[act] += 1
        nan = np.isnan(h)                              # undefined inside the bracket: cannot tell the side
        undefined[act[nan]] = True
        with np.errstate(invalid="ignore"):
            tight = ~nan & (np.abs(h) <= ftol[act]) & (eq[act] | (h >= 0))
        stop_x[act[tight]], stop_m[act[tight]], stop_h[act[tight]] = x[tight], m[tight], h[tight]
        active[act[nan | tight]] = False
        go = ~nan & ~tight
        j, x, m, h = act[go], x[go], m[go], h[go]
        old = b[j] - a[j]
        left = (h >= 0) == (ha[j] >= 0)                # x replaces the end on its own side
        ja, jb = j[left], j[~left]
        a[ja], ha[ja], ma[ja], sa[ja] = x[left], h[left], m[left], h[left]
        sb[ja] *= np.where(last[ja] == -1, 0.5, 1.0)   # Illinois: halve the end kept twice
        last[ja] = -1
        b[jb], hb[jb], mb[jb], sb[jb] = x[~left], h[~left], m[~left], h[~left]
        sa[jb] *= np.where(last[jb] == 1, 0.5, 1.0)
        last[jb] = 1
        bisect[j] = (b[j] - a[j]) > 0.5 * old
    found = []
    for j in range(n):
        i = prob[j]
        t = targets[j]
        accept = max(ACCEPT, 10 * rtol[j]) * scale[j]
        outcomes[i].evaluations += int(iters[j])
        if undefined[j]:
            outcomes[i].undefined_inside += 1
            continue
        if not np.isnan(stop_x[j]):
            x, mm, hh = stop_x[j], stop_m[j], stop_h[j]
            # the other side of the target: the end whose sign differs from the stopping point's
            ox, om = (a[j], ma[j]) if (ha[j] >= 0) != (hh >= 0) else (b[j], mb[j])
        elif t.op == "=":
            x, mm, hh, ox, om = ((a[j], ma[j], ha[j], b[j], mb[j]) if abs(ha[j]) <= abs(hb[j])
                                 else (b[j], mb[j], hb[j], a[j], ma[j]))
        else:
            x, mm, hh, ox, om = ((a[j], ma[j], ha[j], b[j], mb[j]) if ha[j] >= 0
                                 else (b[j], mb[j], hb[j], a[j], ma[j]))
        exact = bool(abs(hh) <= accept)
        direction = None if t.op == "=" else ("floor" if ox < x else "ceiling")
        bd = _Bound(float(x), float(mm), float(ox), float(om), exact, int(iters[j]), direction)
        # the same place found again from a neighbouring stretch is not a new answer
        if any(abs(o.x - bd.x) <= 2 * xtol[j] for o in outcomes[i].bounds):
            continue
        outcomes[i].bounds.append(bd)
        found.append((int(i), bd, (float(a0[j]), float(b0[j]))))
    return found


# --------------------------------------------------------------------------- formatting
def fmt_metric(metric: str, v: float | None) -> str:
    """A metric value for people: money in 万元, rates in %, years, ratios."""
    if v is None or not math.isfinite(v):
        if metric in NEVER_IS_INFINITE and v is not None and not math.isnan(v):
            return "never"
        return "never (not within the concession)" if metric in NEVER_IS_INFINITE else "n/a"
    u = METRIC_UNITS.get(metric, "")
    if u == "CNY":
        return f"{v / 1e4:,.2f} 万元"
    if u in ("fraction", "fraction/year"):
        return f"{v * 100:.4g} %"
    if u == "years":
        return f"{v:.4f} years"
    return f"{v:.4g}"


def fmt_value(v: float, unit: str) -> str:
    if v is None or not math.isfinite(v):
        return "n/a"
    if unit == "x base":
        return f"x{v:.6g}"
    if unit.startswith("fraction"):
        return f"{v:.6g} ({v * 100:.4g} %)"
    if abs(v) >= 1e4:
        return f"{v:,.0f} {unit}".rstrip()
    return f"{v:.6g} {unit}".rstrip()


def _describe_ends(t: Target, lo: float, hi: float, m_lo: float, m_hi: float, unit: str) -> str:
    return (f"{t.metric} is {fmt_metric(t.metric, m_lo)} at {fmt_value(lo, unit)} and "
            f"{fmt_metric(t.metric, m_hi)} at {fmt_value(hi, unit)}")


# --------------------------------------------------------------------------- results of problems
def _result(p: _Problem, o: _Outcome) -> BreakEven:
    t, d = p.target, p.driver
    invalid_note = ""
    if o.invalid:
        # whole values that are not valid scenarios (a refit after a short concession): report the valid span
        valid = ~np.isin(o.grid, [x for x, _ in o.invalid])
        xs_bad = [x for x, _ in o.invalid]
        invalid_note = (f"; {fmt_value(min(xs_bad), d.unit)} to {fmt_value(max(xs_bad), d.unit)} not valid here "
                        f"({len(xs_bad)} values; e.g. {o.invalid[0][1]})") if len(xs_bad) > 1 else \
            f"; {fmt_value(xs_bad[0], d.unit)} is not valid here ({o.invalid[0][1]})"
        if valid.any():
            k = np.flatnonzero(valid)
            p = replace(p, lo=float(o.grid[k[0]]), hi=float(o.grid[k[-1]]))
            o = replace(o, grid=o.grid[k[0]:k[-1] + 1], metric=o.metric[k[0]:k[-1] + 1], h=o.h[k[0]:k[-1] + 1])
    m_lo, m_hi = float(o.metric[0]), float(o.metric[-1])   # the candidates start at lo and end at hi
    ends = _describe_ends(t, p.lo, p.hi, m_lo, m_hi, d.unit) + invalid_note
    good = [bd for bd in o.bounds if bd.exact or t.is_inequality]
    jumps = [bd for bd in o.bounds if not bd.exact]
    common = dict(vary=d.spec, label=d.label, paths=d.paths, kind=d.kind, unit=d.unit, target=t,
                  base_value=d.base_value, base_metric=o.base_metric, lo=p.lo, hi=p.hi,
                  metric_at_lo=m_lo, metric_at_hi=m_hi)
    if good:
        key = {"nearest": lambda bd: (abs(bd.x - p.x0), bd.x), "lowest": lambda bd: bd.x,
               "highest": lambda bd: -bd.x}[p.pick]
        good.sort(key=key)
        best = good[0]
        others = tuple(sorted(bd.x for bd in good[1:]))
        x = best.x
        change = x - d.base_value
        rel = change / abs(d.base_value) if d.base_value != 0 else None
        leaf = {pth: float(np.asarray(v).item()) for pth, v in d.leaves(np.asarray(x)).items()}
        if d.kind == "whole":
            leaf = {pth: int(v) for pth, v in leaf.items()}
            n = leaf.get("scenario.concession_years")
            if n is not None and n < p.driver_calibration_year:   # as the search did: calibration within N
                leaf["scenario.calibration_year"] = n
        msg = _solved_message(t, d, best, x)
        if others:
            msg += f"; other solutions in range: {', '.join(fmt_value(v, d.unit) for v in others)}"
        if jumps and t.op == "=":
            msg += f"; the metric also jumps across the target (no solution there) near {fmt_value(jumps[0].x, d.unit)}"
        return BreakEven(**common, value=float(x), achieved=float(best.metric), change=float(change), change_rel=rel,
                         direction=best.direction, feasible=True, status="solved" if best.exact else "jump",
                         iterations=best.iterations, evaluations=o.evaluations, message=msg, other_values=others,
                         leaf_values=leaf)
    ok = ~np.isnan(o.h)
    nan = dict(value=math.nan, achieved=math.nan, change=math.nan, change_rel=None, direction=None,
               iterations=max([bd.iterations for bd in o.bounds], default=0), evaluations=o.evaluations,
               leaf_values={})
    if t.is_inequality and ok.any() and np.all(o.h[ok] >= 0):
        x0 = p.x0
        leaf = {pth: float(np.asarray(v).item()) for pth, v in d.leaves(np.asarray(x0)).items()}
        nan.update(value=float(x0), achieved=o.base_metric if x0 == d.base_value else math.nan,
                   change=float(x0 - d.base_value), change_rel=0.0 if d.base_value != 0 else None, leaf_values=leaf)
        where = "" if ok.all() else " (wherever it is defined)"
        return BreakEven(**common, **nan, feasible=True, status="always",
                         message=(f"{t} holds over the whole range{where}: there is no floor or ceiling inside "
                                  f"it; {ends}"))
    if not ok.any():
        return BreakEven(**common, **nan, feasible=False, status="undefined",
                         message=f"{t.metric} is undefined over the whole range; {ends}")
    if jumps:
        j = min(jumps, key=lambda bd: abs(bd.x - p.x0))
        m1, m2 = (j.metric, j.other_metric) if j.x < j.other_x else (j.other_metric, j.metric)
        return BreakEven(**common, **nan, feasible=False, status="jump",
                         message=(f"no value meets {t}: {t.metric} jumps from {fmt_metric(t.metric, m1)} to "
                                  f"{fmt_metric(t.metric, m2)} at {fmt_value(j.x, d.unit)} without taking "
                                  f"the target value; {ends}"))
    if o.undefined_inside:
        return BreakEven(**common, **nan, feasible=False, status="undefined",
                         message=f"{t.metric} is undefined inside the only bracket of the target; {ends}")
    defined = o.metric[ok]
    if t.metric in NEVER_IS_INFINITE:
        defined = np.where(np.isnan(o.metric), np.inf, o.metric)[ok]
    lo_m, hi_m = float(np.nanmin(defined)), float(np.nanmax(defined))
    side = "below" if hi_m < t.value else ("above" if lo_m > t.value else "on both sides of, but never crosses,")
    partly = "" if ok.all() else "; undefined over part of the range"
    hk = np.where(ok, np.abs(o.h) if t.op == "=" else -o.h, np.inf)
    k = int(np.argmin(hk))
    closest = f"; closest: {fmt_metric(t.metric, float(o.metric[k]))} at {fmt_value(float(o.grid[k]), d.unit)}"
    return BreakEven(**common, **nan, feasible=False, status="unreachable", closest_value=float(o.grid[k]),
                     closest_metric=float(o.metric[k]),
                     message=(f"no value in range reaches {t}: {t.metric} stays {side} {t.value:g}{partly}"
                              f"{closest}; {ends}"))


def _solved_message(t: Target, d: Driver, bd: _Bound, x: float) -> str:
    v = fmt_value(x, d.unit)
    if d.kind == "whole":
        if t.op == "=":
            return (f"whole values only: {t.metric} passes {t.value:g} between {fmt_value(min(x, bd.other_x), d.unit)} "
                    f"and {fmt_value(max(x, bd.other_x), d.unit)}; first whole value at or past it: {v}")
        return f"{t} holds {'from' if bd.direction == 'floor' else 'up to'} {v} (whole values)"
    if not bd.exact:
        m1, m2 = (bd.metric, bd.other_metric) if bd.x < bd.other_x else (bd.other_metric, bd.metric)
        return (f"{t.metric} jumps from {fmt_metric(t.metric, m1)} to {fmt_metric(t.metric, m2)} "
                f"at {v}: {t} holds {'at and above' if bd.direction == 'floor' else 'at and below'} it")
    if t.op == "=":
        return f"{t} at {v}"
    return f"{t} holds {'at and above' if bd.direction == 'floor' else 'at and below'} {v} ({bd.direction})"


# --------------------------------------------------------------------------- public API
def _problem(a: Assumptions, vary: str | Driver, target: str | Target, lo=None, hi=None, pick: Pick = "nearest",
             fixed: dict[str, float] | None = None) -> _Problem:
    d = vary if isinstance(vary, Driver) else resolve_driver(a, vary)
    t = parse_target(target)
    dlo, dhi = default_range(d)
    base = d.base_value

    def end(v, default):
        if v is None:
            return default
        if isinstance(v, str):
            val, pct = _number(v, "range end", "--range")
            if pct:
                if base == 0:
                    raise UsageError("a relative range end needs a non-zero base value", source="--range")
                return base * (1.0 + val)
            return val
        v = float(v)
        if not math.isfinite(v):
            raise UsageError(f"range end {v} must be finite", source="--range")
        return v

    rlo, rhi = end(lo, dlo), end(hi, dhi)
    if not rlo < rhi:
        raise UsageError(f"LO must be below HI, got {rlo:g}:{rhi:g}", source="--range")
    clo, chi = max(rlo, d.lo), min(rhi, d.hi)
    if d.kind == "scale":
        clo = max(clo, 0.0)
    if d.kind == "whole":
        clo, chi = math.ceil(clo), math.floor(chi)
        if chi - clo > MAX_WHOLE:
            raise UsageError(f"range of {chi - clo:g} whole values is too wide (at most {MAX_WHOLE})", source="--range")
    if not clo < chi:
        raise UsageError(f"range {rlo:g}:{rhi:g} is outside the valid range [{d.lo:g}, {d.hi:g}] of {d.spec}",
                         source="--range")
    if pick not in ("nearest", "lowest", "highest"):
        raise UsageError(f"pick must be nearest, lowest or highest, got '{pick}'", source="pick")
    return _Problem(d, t, float(clo), float(chi), pick, dict(fixed or {}),
                    driver_calibration_year=a.scenario.calibration_year)


def solve(a: Assumptions, vary_path: str = "support.subsidy_annual_cny", target: str | Target = "npv=0",
          lo: float | str | None = None, hi: float | str | None = None, *, pick: Pick = "nearest") -> BreakEven:
    """Solve one input for one target.

    Parameters
    ----------
    a : Assumptions
        The scenario (``finmodel.scenarios.load(...).assumptions``).
    vary_path : str
        A numeric assumption path, a comma list or wildcard scaled by one factor, a list like
        ``property_service.fee_steps``, or a break-even table name (``capex``, ``operating_cost``).
    target : str or Target
        ``"npv=0"``, ``"equity_irr>=0.08"``, ``"payback_years<=12"``, ...
    lo, hi : float or str, optional
        The search range in the driver's unit, absolute or relative to base (``"-50%"``); default
        :func:`default_range`. Clipped to the schema's valid range.
    pick : {"nearest", "lowest", "highest"}
        Which solution to report when there are several (default: nearest the base value).

    Returns
    -------
    BreakEven
        With ``feasible`` False (and the metric at both ends) when no value in range meets the target.

    Examples
    --------
    >>> from finmodel.scenarios import load
    >>> r = solve(load().assumptions)                 # the annual subsidy at which project NPV = 0
    >>> r.feasible, r.direction, abs(r.achieved) < 1.0
    (True, None, True)
    """
    return solve_many(a, [(vary_path, target, lo, hi)], pick=pick)[0]


def solve_many(a: Assumptions, specs: Sequence[tuple], *, pick: Pick = "nearest") -> list[BreakEven]:
    """Solve many (vary, target[, lo, hi]) problems at once, sharing every engine call."""
    problems = []
    for spec in specs:
        vary, target, *rest = spec
        lo = rest[0] if len(rest) > 0 else None
        hi = rest[1] if len(rest) > 1 else None
        problems.append(_problem(a, vary, target, lo, hi, pick))
    outcomes, _ = _solve_problems(a, problems)
    return [_result(p, o) for p, o in zip(problems, outcomes)]


# --------------------------------------------------------------------------- the table
def table_drivers(a: Assumptions) -> list[tuple[str, str, str]]:
    """(key, label, path spec) of the break-even table's drivers for this scenario."""
    c = str(commercial_tier(a))
    return [(k, lbl, spec.replace("{c}", c)) for k, lbl, spec in TABLE_DRIVERS]


def breakeven_table(a: Assumptions, target: str | Target = "npv=0", drivers: Sequence[str] | None = None):
    """The break-even table: for each key driver, the value at which the target (NPV = 0) is met.

    One row per driver, sorted by how little change breaks the deal: the smallest relative change
    first (an absolute change where the base is 0 comes after), the unreachable ones last. Every
    continuous driver is solved in one shared set of engine calls; the concession length, which
    reshapes the time axis, is searched over whole years and reports the shortest length at which
    the target holds (for ``npv=0`` read as ``npv>=0``).

    Index: the driver's key. Columns: label, vary, unit, base, value, change, change_pct (percent),
    feasible, achieved, lo, hi, metric_at_lo, metric_at_hi, closest_value and closest_metric (where
    not feasible: the candidate nearest the target), note. Scaled drivers (property fee, operating
    cost) give a factor: value 1.31 means every value they scale is 1.31 x its base. ``df.attrs``
    holds the target and the metric at base.
    """
    import pandas as pd

    t = parse_target(target)
    rows = table_drivers(a)
    if drivers is not None:
        unknown = [k for k in drivers if k not in {r[0] for r in rows}]
        if unknown:
            raise UsageError(f"unknown driver(s) {', '.join(unknown)}; known: {', '.join(r[0] for r in rows)}",
                             source="table")
        rows = [r for r in rows if r[0] in drivers]
    problems, keys = [], []
    for key, label, spec in rows:
        d = replace(resolve_driver(a, spec), label=label)
        tt = t
        pick: Pick = "nearest"
        if d.kind == "whole":
            pick = "lowest"
            if t.op == "=":
                # whole years cannot hit a value exactly: the shortest length that reaches it
                tt = Target(t.metric, "<=" if t.metric in NEVER_IS_INFINITE else ">=", t.value)
        problems.append(_problem(a, d, tt, pick=pick))
        keys.append(key)
    outcomes, _ = _solve_problems(a, problems)
    results = [_result(p, o) for p, o in zip(problems, outcomes)]
    out = []
    for key, r, p in zip(keys, results, problems):
        if r.kind == "whole" and r.feasible:
            note = f"the shortest with {r.target}" + ("" if r.status != "always" else " (holds at every value)")
        elif r.feasible:
            note = "" if r.status == "solved" else r.message
            if r.kind == "scale":
                fields = {pth.rsplit(".", 1)[-1] for pth in r.paths}
                short = [(pth.rsplit(".", 1)[0] if len(fields) == 1 else pth) for pth in r.paths]
                parts = [f"{'.'.join(sp.split('.')[-2:])} {b:g} -> {r.leaf_values[pth]:.4g}"
                         for sp, pth, b in zip(short, r.paths, p.driver.bases)]
                scaled = "; ".join(parts) if len(parts) <= 2 else f"each of {len(parts)} lines x{r.value:.4g}"
                note = f"{scaled}{'; ' + note if note else ''}"
        elif math.isfinite(r.closest_value):
            note = (f"not reached from {fmt_value(r.lo, r.unit)} to {fmt_value(r.hi, r.unit)}; closest: "
                    f"{fmt_metric(t.metric, r.closest_metric)} at {fmt_value(r.closest_value, r.unit)}")
        else:
            note = r.message
        out.append({
            "driver": key, "label": r.label, "vary": r.vary, "unit": r.unit, "base": r.base_value,
            "value": r.value if r.feasible else math.nan, "change": r.change if r.feasible else math.nan,
            "change_pct": (r.change_rel * 100 if (r.feasible and r.change_rel is not None) else math.nan),
            "feasible": r.feasible, "achieved": r.achieved, "lo": r.lo, "hi": r.hi,
            "metric_at_lo": r.metric_at_lo, "metric_at_hi": r.metric_at_hi, "closest_value": r.closest_value,
            "closest_metric": r.closest_metric, "note": note,
        })
    df = pd.DataFrame(out)
    df["_k1"] = ~df["feasible"]
    df["_k2"] = df["change_pct"].isna()
    df["_k3"] = np.where(df["change_pct"].notna(), df["change_pct"].abs(), df["change"].abs())
    df = df.sort_values(["_k1", "_k2", "_k3"], kind="stable").drop(columns=["_k1", "_k2", "_k3"])
    df = df.set_index("driver")
    df.attrs["target"] = str(t)
    df.attrs["base_metric"] = results[0].base_metric if results else math.nan
    return df


# --------------------------------------------------------------------------- the corridor
@dataclass(frozen=True)
class Corridor:
    """The subsidy corridor: the least flat annual subsidy that makes the operator viable and the
    most that still leaves it a micro profit, tax recomputed at every value.

    ``least`` and ``most`` are flat annual subsidies [CNY/year] paid in operating years
    ``years``; ``exists`` is least <= most. ``levers`` (when there is no corridor) rank the
    break-even table's drivers by the change that closes the gap.
    """

    least: float
    most: float
    exists: bool
    years: tuple[int, int]
    hurdle_rate: float
    dscr_floor: float | None
    caps: dict[str, float]
    base_subsidy: float
    lo: float
    hi: float
    least_binding: str | None
    most_binding: str | None
    constraints: list[dict]
    levers: list[dict]
    message: str
    evaluations: int

    @property
    def gap(self) -> float:
        return self.least - self.most

    def to_dict(self) -> dict:
        return {"least": self.least, "most": self.most, "exists": self.exists, "gap": self.gap,
                "subsidy_years": list(self.years), "hurdle_rate": self.hurdle_rate, "dscr_floor": self.dscr_floor,
                "caps": dict(self.caps), "base_subsidy": self.base_subsidy, "range": [self.lo, self.hi],
                "least_binding": self.least_binding, "most_binding": self.most_binding,
                "constraints": self.constraints, "levers": self.levers, "message": self.message,
                "evaluations": self.evaluations}


SUBSIDY = "support.subsidy_annual_cny"


def _corridor_assumptions(a: Assumptions) -> Assumptions:
    c = a.corridor
    values: dict[str, Any] = {"support.subsidy_step_down": 0.0}
    if c.equity_hurdle_rate is not None:
        values["discount.equity_hurdle_rate"] = c.equity_hurdle_rate
    return with_values(a, values)


def _corridor_targets(a: Assumptions) -> tuple[list[Target], list[Target]]:
    c = a.corridor
    floors = [Target("equity_npv", ">=", 0.0)]
    if a.financing.loan.amount_cny > 0:
        floors.append(Target("dscr_min", ">=", c.dscr_floor))
    caps = []
    if c.max_equity_irr is not None:
        caps.append(Target("equity_irr", "<=", c.max_equity_irr))
    if c.max_margin_avg is not None:
        caps.append(Target("margin_avg", "<=", c.max_margin_avg))
    return floors, caps


def _floor_of(p: _Problem, o: _Outcome) -> tuple[float, str]:
    """Least x in [lo, hi] where the target holds: lo if it holds there, else the lowest floor."""
    ok = ~np.isnan(o.h)
    if ok[0] and o.h[0] >= 0:
        return p.lo, "holds at the bottom of the range"
    fl = sorted((bd.x for bd in o.bounds if bd.direction == "floor"))
    if fl:
        return fl[0], "solved"
    return math.inf, "not reached in range"


def _ceiling_of(p: _Problem, o: _Outcome) -> tuple[float, str]:
    """Most x before the target first fails, from lo up: NaN if it fails at lo already, hi if never."""
    ok = ~np.isnan(o.h)
    if ok[0] and o.h[0] < 0:
        return math.nan, "breached at the bottom of the range"
    ce = sorted((bd.x for bd in o.bounds if bd.direction == "ceiling"))
    if ce:
        return ce[0], "solved"
    return p.hi, "not breached in range"


def _corridor_problems(a: Assumptions, lo: float, hi: float, fixed: dict[str, float] | None = None,
                       rtol: float | None = None) -> tuple[list[_Problem], int]:
    """One problem per corridor condition, all varying the subsidy; the first ``nf`` are viability floors.

    Only the lowest bracket of each matters (the least viable value, the first breach), so one is kept.
    """
    floors, caps = _corridor_targets(a)
    d = resolve_driver(a, SUBSIDY)
    probs = [replace(_problem(a, d, t, lo, hi, pick="lowest", fixed=fixed), max_brackets=1, rtol=rtol)
             for t in floors + caps]
    return probs, len(floors)


def _corridor_bounds(probs, outs, nf):
    """least (inf: never viable in range), most (NaN: micro profit breached even at lo), and which bind."""
    fl = [_floor_of(p, o) for p, o in zip(probs[:nf], outs[:nf])]
    ce = [_ceiling_of(p, o) for p, o in zip(probs[nf:], outs[nf:])]
    least = max(v for v, _ in fl)
    lb = probs[int(np.argmax([v for v, _ in fl]))].target
    most_v = [(-math.inf if math.isnan(v) else v) for v, _ in ce]
    k = int(np.argmin(most_v))
    most = ce[k][0]
    mb = probs[nf + k].target
    return least, most, lb, mb, fl, ce


def _gap_state(least: float, most: float) -> str:
    """closed (least <= most), gap, overshoot (micro profit breached even at the bottom), unviable."""
    if math.isnan(most):
        return "overshoot"
    if not math.isfinite(least):
        return "unviable"
    return "closed" if least <= most else "gap"


def corridor_range(a: Assumptions) -> tuple[float, float]:
    """Default subsidy range of the corridor: 0 to the larger of 11 x the base subsidy and twice the
    up-front cost (capex + pre-operating) spread over the subsidy years, within the schema's bound."""
    lo_s, hi_s = field_bounds(SUBSIDY)
    n_years = max(1, min(a.support.subsidy_last_year, a.scenario.concession_years) - a.support.subsidy_first_year + 1)
    upfront = a.capex.renovation_cny + a.capex.pre_operating_cost_cny
    return 0.0, float(min(hi_s, max(11.0 * a.support.subsidy_annual_cny, 2.0 * upfront / n_years, 1e6)))


def subsidy_corridor(a: Assumptions, lo: float | None = None, hi: float | None = None, *,
                     levers: bool = True) -> Corridor:
    """The least and the most flat annual subsidy (``corridor`` section of the YAML).

    The subsidy is paid flat (no step-down) in operating years subsidy_first_year..subsidy_last_year;
    tax is recomputed at every value (the income-tax cliff makes profit jump).

    *Least*: the lowest subsidy at which equity NPV >= 0 at the hurdle (``corridor.equity_hurdle_rate``,
    else ``discount.equity_hurdle_rate``) and, with a loan, DSCR min >= ``corridor.dscr_floor``.
    *Most*: the highest subsidy before the operator first earns more than a micro profit, counting up
    from the bottom of the range: equity IRR <= ``max_equity_irr`` and average net margin <=
    ``max_margin_avg``. Above the first breach the income-tax cliff can pull profit back under a cap
    for a while; paying there only hands more to the tax office, so the first breach is the answer.

    When least > most there is no corridor. With ``levers``, each driver of the break-even table
    (subsidy and concession length aside) is moved the way that lowers the least viable subsidy,
    10 % first and then by secant steps on the gap, to find the smallest change that closes it.
    """
    ac = _corridor_assumptions(a)
    d = resolve_driver(ac, SUBSIDY)
    base = a.support.subsidy_annual_cny
    dlo, dhi = corridor_range(a)
    lo = dlo if lo is None else float(lo)
    hi = dhi if hi is None else float(hi)
    probs, nf = _corridor_problems(ac, lo, hi)
    lo, hi = probs[0].lo, probs[0].hi
    outs, ev = _solve_problems(ac, probs)
    least, most, lb, mb, fl, ce = _corridor_bounds(probs, outs, nf)
    results = [_result(p, o) for p, o in zip(probs, outs)]
    cons = []
    for k, (p, r) in enumerate(zip(probs, results)):
        bound, how = (fl[k] if k < nf else ce[k - nf])
        cons.append({"target": str(p.target), "role": "viability" if k < nf else "micro_profit", "bound": bound,
                     "how": how, "metric_at_lo": r.metric_at_lo, "metric_at_hi": r.metric_at_hi,
                     "metric_at_base": r.base_metric})
    evaluations = ev.scenarios
    c = ac.corridor
    hurdle = ac.discount.equity_hurdle_rate
    years = (a.support.subsidy_first_year, min(a.support.subsidy_last_year, a.scenario.concession_years))
    caps = {t.metric: t.value for t in _corridor_targets(ac)[1]}
    state = _gap_state(least, most)
    exists = state == "closed"
    unit = d.unit
    lever_rows: list[dict] = []
    if state == "overshoot":
        viable = "is viable" if math.isfinite(least) and least <= lo else "is not yet viable"
        msg = (f"no corridor: even at {fmt_value(lo, unit)} the operator earns more than a micro profit ({mb} "
               f"fails there) and {viable}; no subsidy is due on the micro-profit test")
    elif state == "unviable":
        msg = (f"no subsidy up to {fmt_value(hi, unit)} makes the operator viable ({lb} not reached); "
               f"widen the range or see the break-even table")
    elif exists:
        msg = (f"corridor: pay at least {fmt_value(least, unit)} ({lb}) and at most "
               f"{fmt_value(most, unit)} ({mb}), flat, in operating years {years[0]}-{years[1]}")
    else:
        msg = (f"no corridor: the deal cannot be both viable and micro-profit at these assumptions; the least "
               f"viable subsidy {fmt_value(least, unit)} ({lb}) is above the most {fmt_value(most, unit)} "
               f"({mb}) by {fmt_value(least - most, unit)}")
    if levers and state == "gap":
        lever_rows, n_ev = _levers(a, ac, lo, hi, least, least - most)
        evaluations += n_ev
        closing = [r for r in lever_rows if r["closes"]]
        if closing:
            best = closing[0]
            msg += (f"; the lever that closes the gap fastest: {best['label']} {best['change_pct']:+.1f} % "
                    f"({fmt_value(best['base'], best['unit'])} -> {fmt_value(best['value'], best['unit'])})")
        elif lever_rows and lever_rows[0]["narrows"]:
            best = lever_rows[0]
            msg += (f"; no single lever closes it: {best['label']} narrows it most ({best['change_pct']:+.1f} % "
                    f"leaves {fmt_value(best['gap'], unit)}; {best['note']})")
        elif lever_rows:
            msg += "; no single lever of the break-even table narrows it"
    return Corridor(least=least, most=most, exists=exists, years=years, hurdle_rate=hurdle,
                    dscr_floor=c.dscr_floor if a.financing.loan.amount_cny > 0 else None, caps=caps,
                    base_subsidy=base, lo=lo, hi=hi, least_binding=str(lb), most_binding=str(mb), constraints=cons,
                    levers=lever_rows, message=msg, evaluations=evaluations)


LEVER_STEP = 0.10
LEVER_ROUNDS = 12
LEVER_RTOL = 1e-6
LEVER_XTOL = 5e-3     # the edge is pinned to 0.5 % of the base


def _levers(a: Assumptions, ac: Assumptions, lo: float, hi: float, least: float,
            gap0: float) -> tuple[list[dict], int]:
    """For each table driver, the change (in its favourable direction) that brings least - most to 0.

    The favourable direction is the one that raises equity NPV at the least viable subsidy (so it
    lowers that subsidy): one engine call for all drivers. Then 10 % that way and secant steps on the
    gap, never back past the base nor out of the valid range. Once a step closes the gap, or
    overshoots (micro profit breached even without subsidy), the last open point and that step
    bracket the edge, refined by regula falsi and bisection to 0.5 % of the base. Every round solves
    the corridor of every driver at once: one batch of problems, each driver's block holding its paths
    at the trial value. A row ``closes`` only where the gap was computed at or below 0 at ``value``.
    """
    levers = []
    for key, label, spec in table_drivers(a):
        if key in ("subsidy", "concession"):
            continue
        d = resolve_driver(ac, spec)
        if d.structural or d.kind == "whole" or d.base_value == 0:
            continue
        levers.append((key, label, d))
    if not levers:
        return [], 0
    # favourable direction: d(equity NPV)/d(driver) at the least viable subsidy, one call for all
    ev = _Evaluator(ac, ["equity_npv"])
    probe = [d.base_value * 1.01 if d.base_value * 1.01 <= d.hi else d.base_value * 0.99 for _, _, d in levers]
    res = ev.run([(d, np.array([d.base_value, x]), {SUBSIDY: least}) for (_, _, d), x in zip(levers, probe)])
    sign = []
    for r, x, (_, _, d) in zip(res, probe, levers):
        e0, e1 = r["equity_npv"]
        sign.append(float(np.sign((e1 - e0) * (x - d.base_value))))
    n_ev = ev.scenarios

    def clip(k, x):
        d = levers[k][2]
        b = d.base_value
        lo_d = max(d.lo, 0.0) if d.kind == "scale" else d.lo
        x = min(max(x, lo_d), d.hi)
        return max(x, b) if sign[k] > 0 else min(x, b)     # never back past the base

    def gaps(values: dict[int, float]) -> dict[int, tuple[float, str]]:
        nonlocal n_ev
        probs, spans = [], []
        for k, x in values.items():
            d = levers[k][2]
            fixed = {p: float(np.asarray(v).item()) for p, v in d.leaves(np.asarray(x)).items()}
            ps, nf = _corridor_problems(ac, lo, hi, fixed, rtol=LEVER_RTOL)
            spans.append((k, len(probs), len(ps), nf))
            probs.extend(ps)
        outs, evg = _solve_problems(ac, probs)
        n_ev += evg.scenarios
        out = {}
        for k, pos, n, nf in spans:
            l_, m_, *_ = _corridor_bounds(probs[pos:pos + n], outs[pos:pos + n], nf)
            st = _gap_state(l_, m_)
            out[k] = (l_ - m_ if st in ("gap", "closed") else math.nan, st)
        return out

    movable = [k for k in range(len(levers)) if sign[k] != 0]     # the others do not move the corridor
    # per lever: the last open point (x_n, g_n), the point before it (for secant steps), and the
    # nearest point beyond the edge (x_e, with its state: closed or overshoot)
    x_n = {k: levers[k][2].base_value for k in movable}
    g_n = {k: gap0 for k in movable}
    prev: dict[int, tuple[float, float]] = {}
    x_e: dict[int, float] = {}
    g_e: dict[int, float] = {}
    st_e: dict[int, str] = {}
    stop: dict[int, str] = {}
    g10: dict[int, float] = {}
    best = {k: (x_n[k], g_n[k]) for k in movable}       # the open point with the smallest gap
    trial = {k: clip(k, levers[k][2].base_value * (1 + sign[k] * LEVER_STEP)) for k in movable}
    for k in [k for k, x in trial.items() if x == levers[k][2].base_value]:
        trial.pop(k)
        stop[k] = "it is at the end of its valid range"
    for rnd in range(LEVER_ROUNDS):
        if not trial:
            break
        g_new = gaps(trial)
        if rnd == 0:
            g10 = {k: g for k, (g, _) in g_new.items()}
        for k, x in trial.items():
            g, st = g_new[k]
            if st == "gap":
                prev[k] = (x_n[k], g_n[k])
                x_n[k], g_n[k] = x, g
                if g < best[k][1]:
                    best[k] = (x, g)
            else:
                x_e[k], g_e[k], st_e[k] = x, g, st
        trial = {}
        for k in movable:
            if k in stop:
                continue
            b = levers[k][2].base_value
            if k in x_e:                          # bracketed: close in on the edge
                if abs(x_e[k] - x_n[k]) <= LEVER_XTOL * abs(b):
                    continue
                x = 0.5 * (x_n[k] + x_e[k])
                if st_e[k] == "closed" and rnd % 2 == 0 and g_n[k] != g_e[k]:
                    x = x_n[k] - g_n[k] * (x_e[k] - x_n[k]) / (g_e[k] - g_n[k])
                trial[k] = x
            elif k in prev:                       # secant toward gap 0 while it keeps narrowing
                (x0, gg0), x1, gg1 = prev[k], x_n[k], g_n[k]
                if gg1 >= gg0:
                    stop[k] = "the gap widens"
                    continue
                step = -gg1 * (x1 - x0) / (gg1 - gg0)
                step = max(-4 * abs(x1 - x0), min(4 * abs(x1 - x0), step))   # at most 4x the last step
                xn = clip(k, x1 + step)
                if xn == x1:
                    stop[k] = "it reaches the end of its valid range"
                    continue
                trial[k] = xn
    rows = []
    for k in movable:
        key, label, d = levers[k]
        b = d.base_value
        closes = st_e.get(k) == "closed"
        x, g = (x_e[k], g_e[k]) if closes else best[k]
        narrows = closes or g < gap0
        step = clip(k, b * (1 + sign[k] * LEVER_STEP))
        if closes:
            note = "closes the gap"
        elif not narrows:
            g1 = g10.get(k, math.nan)
            note = (f"does not narrow it: {(step - b) / abs(b) * 100:+.0f} % leaves {fmt_value(g1, 'CNY/year')}"
                    if step != b else "cannot move: at the end of its valid range")
        elif st_e.get(k) == "overshoot":
            note = (f"by {(x_e[k] - b) / abs(b) * 100:+.1f} % the operator earns more than a micro profit "
                    f"even without subsidy")
        else:
            note = {"the gap widens": "moving it further widens the gap again"}.get(stop.get(k, ""),
                                                                                    stop.get(k, "search ended"))
        rows.append({"driver": key, "label": label, "vary": d.spec, "unit": d.unit, "base": b, "value": x,
                     "change_pct": (x - b) / abs(b) * 100, "gap": g, "closes": closes, "narrows": narrows,
                     "gap_after_10pct": g10.get(k, math.nan), "note": note})
    rows.sort(key=lambda r: (not r["closes"], not r["narrows"], abs(r["change_pct"]) if r["closes"] else 0.0,
                             r["gap"] if math.isfinite(r["gap"]) else math.inf))
    return rows, n_ev


__all__ = [
    "BreakEven", "Corridor", "Driver", "Target", "breakeven_table", "commercial_tier", "default_range",
    "corridor_range", "parse_range", "parse_target", "resolve_driver", "solve", "solve_many", "subsidy_corridor",
    "table_drivers",
]
