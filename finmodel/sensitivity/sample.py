"""Making the scenarios of the sensitivity studies. Nothing here runs the model or scores it.

Each function returns a *design*: the rows to evaluate, as the engine's ``vary`` mapping
(dotted assumption path -> 1-D array over rows, every other assumption at its scenario value),
plus what :mod:`finmodel.sensitivity.analyze` needs to read the rows back. Row 0 of the
tornado, spider and grid designs is the base case itself, so every study reports a base value
computed in the same batch as its other rows.

Limits (stated in the errors): a grid has at most :data:`MAX_GRID_POINTS` points; a Monte Carlo
run at most :data:`MAX_DRAWS` draws (the metric arrays are kept for the percentiles); a Sobol or
Morris design at most :data:`MAX_GLOBAL_RUNS` model runs.
"""

from __future__ import annotations

import copy
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Sequence

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from scipy import linalg, special

from .. import scenarios as sc
from ..assumptions import Assumptions, numeric_path_problem
from ..engine import METRIC_NAMES, STRUCTURAL
from ..government import ALL_METRIC_NAMES
from ..errors import InputError, UsageError
from .distributions import Marginal, uniform

MAX_GRID_POINTS = 1_000_000
MAX_DRAWS = 10_000_000
MAX_GLOBAL_RUNS = 2_000_000
DRAW_BLOCK = 65_536          # draws made together: the unit of reproducibility, never the chunk size
DEFAULT_SEED = 0
MORRIS_Q = (0.001, 0.999)    # Morris levels of unbounded (normal, lognormal) inputs span these quantiles

#: Key drivers used when neither the command line nor the scenario's ``sensitivity.drivers``
#: names any. ``*`` stands for every item of the list. Drivers whose base value is 0 are left
#: out (a relative swing of 0 is 0).
DEFAULT_DRIVERS = (
    "space.tiers.*.rent_cny_per_m2_day",
    "space.tiers.*.occupancy.target",
    "property_service.fee_steps.0.fee_cny_per_m2_month",
    "property_service.collection.target",
    "property_service.base_area_m2",
    "property_service.fixed_team_cny_per_year",
    "property_service.variable_cost_cny_per_m2_year",
    "macro.wage_inflation",
    "parking.fee_cny_per_space_month",
    "parking.utilisation.target",
    "support.subsidy_annual_cny",
    "capex.renovation_cny",
    "space.opex_cny_per_m2_year",
    "overheads.management_cny_per_year",
    "discount.project_rate",
)


# --------------------------------------------------------------------------- paths and values
def check_metric(name: str) -> str:
    """A metric name of ``finmodel run --json``, or a one-line error listing them."""
    if name not in ALL_METRIC_NAMES:
        raise UsageError(f"unknown metric '{name}'; choose one of: {', '.join(ALL_METRIC_NAMES)}", source="--metric")
    return name


def check_path(a: Assumptions, path: str, source: str = "--driver") -> str:
    """``path`` is a numeric assumption present in ``a`` that may vary across scenarios."""
    why = numeric_path_problem(a, path)
    if why:
        parts = path.split(".")
        try:
            sc.schema_node(parts)
        except KeyError as exc:
            why += sc.did_you_mean(parts[: exc.args[0] + 1])
        raise UsageError(why, source=source, key=path)
    if STRUCTURAL.match(path):
        raise UsageError("shapes the time axis or the tax tables; it cannot vary across scenarios in one run",
                         source=source, key=path)
    return path


def value_at(a: BaseModel, path: str) -> float:
    """The scenario's value at a dotted path (checked with :func:`check_path`)."""
    node: Any = a
    for part in path.split("."):
        node = node[int(part)] if isinstance(node, list) else getattr(node, part)
    return float(node)


def is_integer(path: str) -> bool:
    """The assumption is typed ``int`` in the schema (years, counts): values are rounded."""
    try:
        return sc.schema_node(path.split(".")) is int
    except KeyError:
        return False


def _clip(path: str, x: float) -> tuple[float, bool]:
    lo, hi = sc.field_bounds(path)
    y = min(max(x, lo), hi)
    if is_integer(path):
        y = float(min(max(round(y), math.ceil(lo)), math.floor(hi)))
    return y, y != x


def rows_to_vary(a: Assumptions, rows: Sequence[dict[str, float]]) -> dict[str, np.ndarray]:
    """The engine's ``vary`` for rows that each change a few paths; other paths keep the base value."""
    paths: list[str] = []
    for r in rows:
        paths.extend(p for p in r if p not in paths)
    vary = {}
    for p in paths:
        arr = np.full(len(rows), value_at(a, p))
        for i, r in enumerate(rows):
            if p in r:
                arr[i] = r[p]
        vary[p] = arr
    return vary


# --------------------------------------------------------------------------- tornado and spider
@dataclass(frozen=True)
class Swing:
    """One driver's range: ``low`` and ``high`` values of the input, clipped to its valid range."""

    path: str
    base: float
    low: float
    high: float
    how: str                 # 'declared' (the YAML's low/high) or 'swing' (base x (1 -/+ swing))
    clipped_low: bool = False
    clipped_high: bool = False
    source: str = ""

    @property
    def clipped(self) -> bool:
        return self.clipped_low or self.clipped_high


def _expand(a: Assumptions, pattern: str) -> list[str]:
    if "*" not in pattern:
        return [pattern]
    head, _, tail = pattern.partition(".*.")
    node: Any = a
    for part in head.split("."):
        node = getattr(node, part, None)
        if node is None:
            return []
    return [f"{head}.{i}.{tail}" for i in range(len(node))] if isinstance(node, list) else []


def driver_paths(a: Assumptions, paths: Sequence[str] | None = None) -> list[str]:
    """Drivers named on the command line, else the scenario's ``sensitivity.drivers``, else :data:`DEFAULT_DRIVERS`."""
    if paths:
        out = []
        for p in paths:
            check_path(a, p)
            if p in out:
                raise UsageError("driver given twice", source="--driver", key=p)
            out.append(p)
        return out
    if a.sensitivity.drivers:
        return [check_path(a, d.path, "sensitivity.drivers") for d in a.sensitivity.drivers]
    out = []
    for pattern in DEFAULT_DRIVERS:
        for p in _expand(a, pattern):
            if numeric_path_problem(a, p) is None and value_at(a, p) != 0:
                out.append(p)
    return out


def swings(a: Assumptions, paths: Sequence[str] | None = None, swing: float | None = None) -> list[Swing]:
    """Each driver's low and high input values.

    A driver declared in ``sensitivity.drivers`` with ``low``/``high`` uses them, unless ``swing``
    is given (an explicit swing applies to every driver); otherwise low, high = base x (1 -/+ swing)
    with the scenario's ``sensitivity.swing`` (0.2) by default. Values outside the input's valid
    range are clipped to it and flagged; integer inputs are rounded.
    """
    if swing is not None and not (0.0 < swing <= 1.0):
        raise UsageError(f"swing must be a fraction in (0, 1], e.g. 0.2 for -/+20 %, got {swing:g}", source="--swing")
    declared = {d.path: d for d in a.sensitivity.drivers}
    sw = a.sensitivity.swing if swing is None else swing
    out = []
    for p in driver_paths(a, paths):
        base = value_at(a, p)
        d = declared.get(p)
        if swing is None and d is not None and d.low is not None:
            lo, hi, how, src = d.low, d.high, "declared", d.source
        else:
            lo, hi = sorted((base * (1.0 - sw), base * (1.0 + sw)))
            how, src = "swing", ""
        lo_c, cl = _clip(p, lo)
        hi_c, ch = _clip(p, hi)
        out.append(Swing(p, base, lo_c, hi_c, how, cl, ch, src))
    if not out:
        raise UsageError("no drivers: name some with --driver PATH", source="--driver")
    return out


@dataclass(frozen=True)
class TornadoDesign:
    """Row 0 the base; rows 1 + 2i and 2 + 2i driver i at its low and high value."""

    swings: list[Swing]
    swing: float
    vary: dict[str, np.ndarray]

    @property
    def n_rows(self) -> int:
        return 1 + 2 * len(self.swings)


def tornado(a: Assumptions, paths: Sequence[str] | None = None, swing: float | None = None) -> TornadoDesign:
    """One-at-a-time low/high rows for each driver (see :func:`swings`)."""
    sws = swings(a, paths, swing)
    rows: list[dict[str, float]] = [{}]
    for s in sws:
        rows += [{s.path: s.low}, {s.path: s.high}]
    return TornadoDesign(sws, a.sensitivity.swing if swing is None else swing, rows_to_vary(a, rows))


@dataclass(frozen=True)
class SpiderDesign:
    """Row 0 the base; row 1 + i * m + j driver i at relative step j (value base x (1 + step))."""

    paths: list[str]
    base: np.ndarray          # (k,) base input values
    steps: np.ndarray         # (m,) relative steps
    values: np.ndarray        # (k, m) input values after clipping
    clipped: np.ndarray       # (k, m) bool
    vary: dict[str, np.ndarray]


def spider(a: Assumptions, paths: Sequence[str] | None = None, steps: Sequence[float] | None = None) -> SpiderDesign:
    """Each driver moved by each relative step, the others at base (clipped to valid ranges)."""
    st = np.asarray(a.sensitivity.spider_steps if steps is None else steps, dtype=float)
    if st.size < 2 or np.any(np.diff(st) <= 0) or np.any(st <= -1.0):
        raise UsageError("spider steps must increase and stay above -100 %", source="--steps")
    ps = driver_paths(a, paths)
    base = np.array([value_at(a, p) for p in ps])
    vals = np.empty((len(ps), st.size))
    clipped = np.zeros((len(ps), st.size), dtype=bool)
    rows: list[dict[str, float]] = [{}]
    for i, p in enumerate(ps):
        for j, s in enumerate(st):
            v, c = _clip(p, base[i] if s == 0 else base[i] * (1.0 + s))
            vals[i, j], clipped[i, j] = v, c
            rows.append({p: v})
    return SpiderDesign(ps, base, st, vals, clipped, rows_to_vary(a, rows))


# --------------------------------------------------------------------------- grids
_GRID = re.compile(r"^\s*([^=\s]+)\s*=\s*([^:]+):([^:]+):([^:]+)\s*$")


@dataclass(frozen=True)
class GridAxis:
    """The values of one grid axis; ``base_index`` is where the value equals the base exactly (or None)."""

    path: str
    spec: str
    values: np.ndarray
    base: float
    relative: bool
    base_index: int | None


def _grid_number(text: str, spec: str, path: str) -> tuple[float, bool]:
    t = text.strip()
    rel = t.endswith("%")
    try:
        x = float(t[:-1] if rel else t)
    except ValueError:
        raise UsageError(f"'{t}' is not a number or a percentage in '{spec}' (expected LO:HI:N, "
                         "e.g. 5:10:11 or -20%:+20%:41)", source="--grid", key=path) from None
    if not math.isfinite(x):
        raise UsageError(f"'{t}' is not finite", source="--grid", key=path)
    return (x / 100.0 if rel else x), rel


def grid_axis(a: Assumptions, spec: str) -> GridAxis:
    """Parse ``PATH=LO:HI:N``: absolute values or percentages of the base (``-20%:+20%:41``).

    N points from LO to HI inclusive. With a relative range symmetric about 0 and an odd N the
    middle point is the base value exactly.
    """
    m = _GRID.match(spec)
    if not m:
        raise UsageError(f"expected PATH=LO:HI:N, got '{spec}'", source="--grid")
    path, lo_t, hi_t, n_t = m.groups()
    check_path(a, path, "--grid")
    lo, rel_lo = _grid_number(lo_t, spec, path)
    hi, rel_hi = _grid_number(hi_t, spec, path)
    if rel_lo != rel_hi:
        raise UsageError("LO and HI must both be values or both be percentages", source="--grid", key=path)
    try:
        n = int(n_t.strip())
    except ValueError:
        raise UsageError(f"N must be a whole number, got '{n_t.strip()}'", source="--grid", key=path) from None
    if n < 2:
        raise UsageError(f"N must be at least 2, got {n}", source="--grid", key=path)
    if n > MAX_GRID_POINTS:
        raise UsageError(f"N = {n:,} is too large: a grid has at most {MAX_GRID_POINTS:,} points",
                         source="--grid", key=path)
    if lo > hi:
        raise UsageError(f"LO {lo_t.strip()} is above HI {hi_t.strip()}", source="--grid", key=path)
    base = value_at(a, path)
    if rel_lo:
        if base == 0:
            raise UsageError("a percentage of a zero base is zero: give absolute values", source="--grid", key=path)
        f = lo + (hi - lo) * (np.arange(n) / (n - 1))
        f[0], f[-1] = lo, hi
        if n % 2 == 1 and lo == -hi:
            f[n // 2] = 0.0
        values = base * (1.0 + f)
    else:
        values = np.linspace(lo, hi, n)
    vlo, vhi = sc.field_bounds(path)
    bad = values[(values < vlo) | (values > vhi)]
    if bad.size:
        raise UsageError(f"grid value {bad[0]:g} is outside the valid range [{vlo:g}, {vhi:g}]",
                         source="--grid", key=path)
    if is_integer(path):
        values = np.rint(values)
    hit = np.flatnonzero(values == base)
    return GridAxis(path, spec, values, base, rel_lo, int(hit[0]) if hit.size else None)


@dataclass(frozen=True)
class GridDesign:
    """Row 0 the base; then the grid points row-major (row axis outer, column axis inner)."""

    axes: tuple[GridAxis, ...]
    vary: dict[str, np.ndarray]

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(ax.values.size for ax in self.axes)


def grid(a: Assumptions, specs: Sequence[str]) -> GridDesign:
    """A one-way (one spec) or two-way (two specs) grid over any numeric inputs."""
    if not 1 <= len(specs) <= 2:
        raise UsageError(f"give --grid once (a one-way table) or twice (a two-way table), not {len(specs)} times",
                         source="--grid")
    axes = tuple(grid_axis(a, s) for s in specs)
    if len(axes) == 2 and axes[0].path == axes[1].path:
        raise UsageError("the two grid axes are the same input", source="--grid", key=axes[0].path)
    total = math.prod(ax.values.size for ax in axes)
    if total > MAX_GRID_POINTS:
        raise UsageError(f"the grid has {total:,} points; the limit is {MAX_GRID_POINTS:,} "
                         f"(about {MAX_GRID_POINTS * 8 // 2**20} MiB per metric); use fewer points",
                         source="--grid")
    if len(axes) == 1:
        ax = axes[0]
        vary = {ax.path: np.concatenate([[ax.base], ax.values])}
    else:
        r, c = axes
        vary = {r.path: np.concatenate([[r.base], np.repeat(r.values, c.values.size)]),
                c.path: np.concatenate([[c.base], np.tile(c.values, r.values.size)])}
    return GridDesign(axes, vary)


# --------------------------------------------------------------------------- scenario sets
@dataclass(frozen=True)
class Variant:
    """A named scenario of a comparison."""

    name: str
    title: str
    assumptions: Assumptions
    source: str


class _SetEntry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str = Field(..., min_length=1, max_length=80, description="Scenario name in the comparison.")
    title: str = Field("", max_length=200, description="Human title.")
    set: dict[str, Any] = Field(default_factory=dict, description="Overrides: dotted path -> value.")


class ScenarioSetFile(BaseModel):
    """A scenario-set file: a base scenario and named sets of overrides applied to it."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    base: str | None = Field(None, description="Base scenario file (relative to this file) or packaged name.")
    reference: str | None = Field(None, description="Name of the scenario the others are attributed against (default: the first).")
    scenarios: list[_SetEntry] = Field(..., min_length=1, max_length=100, description="The named scenarios, in order.")


def _unique_names(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for n in names:
        seen[n] = seen.get(n, 0) + 1
        out.append(n if seen[n] == 1 else f"{n}#{seen[n]}")
    return out


def variants_from_files(paths: Sequence[str], sets: Sequence[str] = ()) -> list[Variant]:
    """Each scenario file (with the same ``--set`` overrides), named by its ``scenario.name``."""
    if len(paths) < 2:
        raise UsageError("compare needs at least two scenario files, or --set-file FILE", source="compare")
    loaded = [sc.load(p, sets) for p in paths]
    names = _unique_names([ld.assumptions.scenario.name for ld in loaded])
    return [Variant(n, ld.assumptions.scenario.title, ld.assumptions, str(ld.path)) for n, ld in zip(names, loaded)]


def variants_from_set_file(path: str | Path, sets: Sequence[str] = (), base: str | None = None
                           ) -> tuple[list[Variant], str]:
    """The scenarios of a scenario-set file and the name of its reference.

    Each scenario is the base (the file's ``base``, or ``base`` given here, or the packaged J case)
    with the command line's ``--set`` overrides and then its own ``set`` overrides applied.
    """
    path = Path(path)
    raw = sc.read_yaml_file(path)
    try:
        spec = ScenarioSetFile.model_validate(raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        key = ".".join(str(p) for p in err.get("loc", ()))
        msg = err.get("msg", "invalid")
        if err.get("type") == "extra_forbidden":
            msg = f"unknown key '{key.split('.')[-1]}' (expected base, reference, scenarios)"
        raise InputError(msg, source=str(path), key=key or None) from None
    names = [e.name for e in spec.scenarios]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise InputError(f"scenario name '{dup[0]}' is used twice", source=str(path), key="scenarios")
    ref = spec.reference or names[0]
    if ref not in names:
        raise InputError(f"reference '{ref}' is not one of the scenarios ({', '.join(names)})",
                         source=str(path), key="reference")
    base_name = base or spec.base
    if base_name is None:
        base_path = sc.default_scenario_path()
    elif base is None and not Path(base_name).is_absolute() and (path.parent / base_name).exists():
        base_path = path.parent / base_name
    else:
        base_path = sc.resolve_scenario_path(base_name)
    data, origins, notes = sc.load_raw(base_path)
    for item in sets:
        k, v = sc.parse_set(item)
        data = sc.apply_set(data, k, v)
        origins[k] = "--set"
    out = []
    for i, e in enumerate(spec.scenarios):
        d = data
        for k, v in e.set.items():
            try:
                d = sc.apply_set(d, str(k), v)
            except InputError as exc:
                raise InputError(exc.message, source=str(path), key=f"scenarios.{i}.set.{k}") from None
        d = copy.deepcopy(d)
        if notes:
            d["sources"] = {**notes, **(d.get("sources") or {})}
        try:
            a = sc.validate_data(d, {**origins, **{str(k): str(path) for k in e.set}}, str(base_path))
        except InputError as exc:
            raise InputError(f"scenario '{e.name}': {exc.message}", source=exc.source, key=exc.key) from None
        out.append(Variant(e.name, e.title, a, f"{path}#{e.name}"))
    return out, ref


# --------------------------------------------------------------------------- differences and attribution
IGNORED = ("scenario.name", "scenario.title", "scenario.description", "sources", "report", "mix.reference",
           "sensitivity", "uncertainty", "corridor")


@dataclass(frozen=True)
class Diff:
    """An assumption that differs between two scenarios; ``numeric`` when it can vary in one batch."""

    path: str
    a: Any
    b: Any
    numeric: bool


def _is_num(x) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def differences(a: Assumptions, b: Assumptions) -> list[Diff]:
    """The assumptions that differ from ``a`` to ``b`` (names, titles, notes and study sections ignored).

    A list whose length differs is one difference (the whole list); a numeric value that shapes the
    time axis (``STRUCTURAL``) or any non-numeric value is not ``numeric``.
    """
    out: list[Diff] = []

    def walk(x, y, path: str):
        if path in IGNORED:
            return
        if isinstance(x, dict) and isinstance(y, dict):
            for k in list(x) + [k for k in y if k not in x]:
                p = f"{path}.{k}" if path else str(k)
                if k in x and k in y:
                    walk(x[k], y[k], p)
                elif p not in IGNORED:
                    out.append(Diff(p, x.get(k), y.get(k), False))
        elif isinstance(x, list) and isinstance(y, list) and len(x) == len(y):
            for i, (u, v) in enumerate(zip(x, y)):
                walk(u, v, f"{path}.{i}")
        elif _is_num(x) and _is_num(y):
            if x != y:
                out.append(Diff(path, x, y, not STRUCTURAL.match(path)))
        elif x != y:
            out.append(Diff(path, x, y, False))

    walk(a.model_dump(mode="python"), b.model_dump(mode="python"), "")
    return out


@dataclass(frozen=True)
class AttributionDesign:
    """One-at-a-time rows from ``a`` towards ``b``.

    Row 0 is ``a``; row 1 + i is ``a`` with numeric difference i taken from ``b``. Each non-numeric
    difference needs its own scenario (``structural``: (diff, assumptions or the error it raises)).
    """

    numeric: list[Diff]
    structural: list[tuple[Diff, Assumptions | str]]
    vary: dict[str, np.ndarray]


def attribution(a: Assumptions, b: Assumptions) -> AttributionDesign:
    diffs = differences(a, b)
    num = [d for d in diffs if d.numeric]
    rows: list[dict[str, float]] = [{}] + [{d.path: float(d.b)} for d in num]
    structural: list[tuple[Diff, Assumptions | str]] = []
    for d in diffs:
        if d.numeric:
            continue
        try:
            structural.append((d, sc.with_values(a, {d.path: copy.deepcopy(d.b)})))
        except InputError as exc:
            structural.append((d, exc.message))
    return AttributionDesign(num, structural, rows_to_vary(a, rows))


# --------------------------------------------------------------------------- Monte Carlo
def marginal(a: Assumptions, d, source: str = "uncertainty.inputs") -> Marginal:
    """A :class:`Marginal` of a declared :class:`~finmodel.assumptions.Distribution`, truncated to the valid range."""
    check_path(a, d.path, source)
    lo, hi = sc.field_bounds(d.path)
    params = {k: getattr(d, k) for k in ("min", "mode", "max", "mean", "sd", "lamb", "values", "probs")}
    return Marginal(d.path, d.dist, params, lo, hi, is_integer(d.path), d.source)


def _spearman_to_pearson(rho):
    """Pearson correlation of normals whose rank correlation is ``rho``: 2 sin(pi rho / 6)."""
    return 2.0 * np.sin(np.pi * np.asarray(rho) / 6.0)


@dataclass(frozen=True)
class DrawBlock:
    """Draws ``start .. start + size - 1``: input values and the count truncated per input."""

    start: int
    vary: dict[str, np.ndarray]
    truncated: np.ndarray        # (k,) int

    @property
    def size(self) -> int:
        return next(iter(self.vary.values())).size


@dataclass(frozen=True)
class MonteCarloDesign:
    """``n`` draws of the declared inputs, made in blocks of :data:`DRAW_BLOCK` from ``seed``.

    Block ``b`` uses its own stream, ``SeedSequence(seed, spawn_key=(b,))``, so a draw depends on
    the seed and its index only: the same seed gives the same draws bit for bit whatever the
    chunk size of the evaluation (or the number of worker processes).
    """

    inputs: list[Marginal]
    n: int
    seed: int
    method: str
    correlated: np.ndarray               # indices of inputs with a non-zero correlation
    target: np.ndarray                   # (kc, kc) rank correlation of the correlated inputs
    chol: np.ndarray | None = field(default=None, repr=False)   # Cholesky factor of the Pearson equivalent

    @property
    def n_blocks(self) -> int:
        return -(-self.n // DRAW_BLOCK)

    def block(self, b: int) -> DrawBlock:
        start = b * DRAW_BLOCK
        m = min(DRAW_BLOCK, self.n - start)
        rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence(self.seed, spawn_key=(b,))))
        u = rng.random((len(self.inputs), m))
        if self.correlated.size:
            cols = self.correlated
            if self.method == "gaussian_copula":
                u[cols] = special.ndtr(self.chol @ rng.standard_normal((cols.size, m)))
            else:
                u[cols] = iman_conover(u[cols], self.chol, rng)
        vary = {mg.path: mg.ppf(u[i]) for i, mg in enumerate(self.inputs)}
        trunc = np.array([mg.truncated(u[i]) for i, mg in enumerate(self.inputs)], dtype=np.int64)
        return DrawBlock(start, vary, trunc)

    def blocks(self) -> Iterator[DrawBlock]:
        for b in range(self.n_blocks):
            yield self.block(b)


def iman_conover(u: np.ndarray, chol: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Reorder each row of ``u`` (inputs x draws) so the rows' rank correlation approaches the target.

    Iman and Conover (1982), "A distribution-free approach to inducing rank correlation among input
    variables", Commun. Statist. B 11(3): van der Waerden scores, randomly permuted per input, are
    decorrelated by the inverse Cholesky factor of their own correlation and given the target's
    (``chol`` = Cholesky factor of the Pearson equivalent, 2 sin(pi rho / 6)); each input's values
    then take the ranks of its transformed scores. The marginal values are unchanged.
    """
    k, m = u.shape
    if m < k + 2:  # too few draws to correlate
        return u
    scores = special.ndtri(np.arange(1, m + 1) / (m + 1.0))
    s = np.stack([rng.permutation(scores) for _ in range(k)])
    e = np.corrcoef(s) if k > 1 else np.ones((1, 1))
    try:
        q = linalg.cholesky(e, lower=True)
    except linalg.LinAlgError:
        return u
    t = chol @ linalg.solve_triangular(q, s, lower=True)
    out = np.empty_like(u)
    for j in range(k):
        out[j, np.argsort(t[j])] = np.sort(u[j])
    return out


def montecarlo(a: Assumptions, n: int, seed: int = DEFAULT_SEED, method: str | None = None) -> MonteCarloDesign:
    """The Monte Carlo design of the scenario's ``uncertainty`` section (checked: paths, ranges, correlations)."""
    if not isinstance(n, (int, np.integer)) or n <= 0:
        raise UsageError(f"the number of draws must be a positive whole number, got {n}", source="-n")
    if n > MAX_DRAWS:
        raise UsageError(f"{n:,} draws is too many: the limit is {MAX_DRAWS:,} (about "
                         f"{MAX_DRAWS * 8 * len(METRIC_NAMES) // 2**20:,} MiB of metric values kept for the percentiles)",
                         source="-n")
    if not isinstance(seed, (int, np.integer)) or seed < 0:
        raise UsageError(f"the seed must be a whole number >= 0, got {seed}", source="--seed")
    u = a.uncertainty
    if not u.inputs:
        raise UsageError("the scenario declares no uncertain inputs: add an 'uncertainty: inputs:' section "
                         "(see docs/sensitivity.md)", source="uncertainty")
    margs = [marginal(a, d, f"uncertainty.inputs.{i}.path") for i, d in enumerate(u.inputs)]
    index = {m.path: i for i, m in enumerate(margs)}
    k = len(margs)
    rho = np.eye(k)
    for c in u.correlations:
        i, j = index[c.between[0]], index[c.between[1]]
        rho[i, j] = rho[j, i] = c.rho
    involved = np.flatnonzero(np.any((rho - np.eye(k)) != 0, axis=0))
    target = rho[np.ix_(involved, involved)]
    chol = None
    if involved.size:
        pearson = _spearman_to_pearson(target)
        np.fill_diagonal(pearson, 1.0)
        try:
            chol = linalg.cholesky(pearson, lower=True)
        except linalg.LinAlgError:
            raise InputError("the rank correlations are inconsistent (the correlation matrix is not positive "
                             "definite); weaken some of them", source="uncertainty", key="correlations") from None
    return MonteCarloDesign(margs, int(n), int(seed), method or u.correlation_method, involved, target, chol)


# --------------------------------------------------------------------------- Sobol and Morris
@dataclass(frozen=True)
class GlobalDesign:
    """A SALib design in the unit cube (``X``) and its image in the inputs (``vary``)."""

    method: str                          # 'sobol' or 'morris'
    problem: dict
    X: np.ndarray                        # (runs, k) points in [0, 1]^k, as SALib made them
    inputs: list[Marginal]
    inputs_from: str                     # 'distributions' or 'ranges'
    n: int                               # Sobol base sample N, or Morris trajectories
    seed: int
    levels: int = 4
    vary: dict[str, np.ndarray] = field(default_factory=dict, repr=False)

    @property
    def runs(self) -> int:
        return self.X.shape[0]


def global_inputs(a: Assumptions, paths: Sequence[str] | None = None, swing: float | None = None,
                  inputs: str = "auto") -> tuple[list[Marginal], str]:
    """The inputs of a global study: declared distributions, or uniform over the tornado ranges.

    ``inputs='auto'`` uses the distributions when the scenario declares some and no ``--driver``
    is named, the drivers' ranges otherwise. Correlations are not used (Sobol and Morris assume
    independent inputs).
    """
    if inputs not in ("auto", "ranges", "distributions"):
        raise UsageError(f"inputs must be auto, ranges or distributions, got '{inputs}'", source="--inputs")
    declared = {d.path: d for d in a.uncertainty.inputs}
    use_dist = inputs == "distributions" or (inputs == "auto" and not paths and declared)
    if use_dist:
        if not declared:
            raise UsageError("the scenario declares no uncertain inputs (uncertainty.inputs)", source="--inputs")
        chosen = list(paths) if paths else list(declared)
        missing = [p for p in chosen if p not in declared]
        if missing:
            raise UsageError("has no distribution in uncertainty.inputs", source="--driver", key=missing[0])
        return [marginal(a, declared[p]) for p in chosen], "distributions"
    out = []
    for s in swings(a, paths, swing):
        out.append(uniform(s.path, s.low, s.high, valid=sc.field_bounds(s.path), integer=is_integer(s.path)))
    return out, "ranges"


def _check_runs(runs: int, what: str) -> None:
    if runs > MAX_GLOBAL_RUNS:
        raise UsageError(f"{what} needs {runs:,} model runs; the limit is {MAX_GLOBAL_RUNS:,}", source="-n")


def _problem(margs: list[Marginal]) -> dict:
    return {"num_vars": len(margs), "names": [m.path for m in margs], "bounds": [[0.0, 1.0]] * len(margs)}


def _to_inputs(margs: list[Marginal], X: np.ndarray, q: tuple[float, float] | None = None) -> dict[str, np.ndarray]:
    out = {}
    for j, m in enumerate(margs):
        u = X[:, j]
        if q is not None and m.kind in ("normal", "lognormal"):
            u = q[0] + (q[1] - q[0]) * u
        out[m.path] = m.ppf(u)
    return out


def sobol(a: Assumptions, n: int = 1024, seed: int = DEFAULT_SEED, paths: Sequence[str] | None = None,
          swing: float | None = None, inputs: str = "auto") -> GlobalDesign:
    """Saltelli's design for first-order and total Sobol indices: N (k + 2) runs, N a power of two.

    The points come from :func:`SALib.sample.sobol.sample` (scrambled Sobol sequence, seeded) in
    the unit cube and map to each input by its quantile function.
    """
    from SALib.sample import sobol as salib_sobol

    if not isinstance(n, (int, np.integer)) or n <= 0:
        raise UsageError(f"N must be a positive power of two, got {n}", source="-n")
    if n < 16 or n & (n - 1):
        raise UsageError(f"N must be a power of two of at least 16 (Sobol sequences), got {n}", source="-n")
    margs, origin = global_inputs(a, paths, swing, inputs)
    _check_runs(n * (len(margs) + 2), f"Sobol with N = {n} and {len(margs)} inputs")
    problem = _problem(margs)
    X = salib_sobol.sample(problem, n, calc_second_order=False, seed=seed)
    return GlobalDesign("sobol", problem, X, margs, origin, n, seed, vary=_to_inputs(margs, X))


def morris(a: Assumptions, trajectories: int = 20, seed: int = DEFAULT_SEED, levels: int = 4,
           paths: Sequence[str] | None = None, swing: float | None = None, inputs: str = "auto") -> GlobalDesign:
    """Morris trajectories (``SALib.sample.morris``): r (k + 1) runs on a grid of ``levels`` levels.

    Levels span each input's range (or, for a normal or lognormal input, its 0.1-99.9 % quantiles).
    """
    from SALib.sample import morris as salib_morris

    if not isinstance(trajectories, (int, np.integer)) or trajectories < 2:
        raise UsageError(f"Morris needs at least 2 trajectories, got {trajectories}", source="-n")
    if levels < 2 or levels % 2:
        raise UsageError(f"Morris levels must be an even number >= 2, got {levels}", source="--levels")
    margs, origin = global_inputs(a, paths, swing, inputs)
    _check_runs(trajectories * (len(margs) + 1), f"Morris with {trajectories} trajectories and {len(margs)} inputs")
    problem = _problem(margs)
    X = salib_morris.sample(problem, trajectories, num_levels=levels, seed=seed)
    return GlobalDesign("morris", problem, X, margs, origin, trajectories, seed, levels,
                        vary=_to_inputs(margs, X, MORRIS_Q))
