"""Scoring the sensitivity studies: from a design and the metric values of its rows to results.

Nothing here runs the model (see :mod:`finmodel.sensitivity.sample` for the designs and
:func:`finmodel.engine.evaluate` for the runs). Every result has ``to_dict()`` (the JSON shape of
the matching command, NaN kept as float NaN; the CLI prints it as null) and ``to_frame()`` (a
pandas DataFrame).

Metric values are in the metric's unit: CNY for ``npv``, ``equity_npv`` and the cumulative cash
minima; fractions for IRRs, ``margin_avg`` and ``subsidy_dependence``; years for paybacks; a ratio
for DSCRs. NaN marks an undefined value (an IRR without a root, a payback not reached). Monte
Carlo statistics are over all draws (docs/model.md section 5): an undefined draw is ordered at the
metric's bad end and a percentile that falls among such draws is None (see
:func:`metric_summary`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np

from ..i18n import t
from .sample import (
    AttributionDesign,
    Diff,
    GlobalDesign,
    GridDesign,
    SpiderDesign,
    TornadoDesign,
)

PERCENTILES = (5, 10, 50, 90, 95)
Z95 = 1.959963984540054  # two-sided 95 % normal quantile


def _f(x) -> float:
    return float(x)


def _nan_last(values: np.ndarray) -> np.ndarray:
    """Order by decreasing value with NaN last, stable."""
    key = np.where(np.isnan(values), -np.inf, values)
    return np.argsort(-key, kind="stable")


# --------------------------------------------------------------------------- tornado
@dataclass
class TornadoResult:
    """Drivers sorted by impact ``|metric_high - metric_low|`` (undefined impacts last)."""

    metric: str
    base: float
    swing: float
    drivers: list[dict]

    @property
    def clipped(self) -> int:
        return sum(1 for d in self.drivers if d["clipped"])

    def to_dict(self) -> dict:
        return {"study": "tornado", "metric": self.metric, "base": self.base, "swing": self.swing,
                "clipped": self.clipped, "drivers": self.drivers}

    def to_frame(self):
        import pandas as pd
        return pd.DataFrame(self.drivers).set_index("path")


def tornado(design: TornadoDesign, y: np.ndarray, metric: str) -> TornadoResult:
    """``y``: the metric at the design's rows (base, then low/high per driver)."""
    y = np.asarray(y, dtype=float)
    k = len(design.swings)
    lo_m, hi_m = y[1:1 + 2 * k:2], y[2:2 + 2 * k:2]
    impact = np.abs(hi_m - lo_m)
    rows = []
    for i in _nan_last(impact):
        s = design.swings[i]
        rows.append({"path": s.path, "base_value": s.base, "low": s.low, "high": s.high, "range": s.how,
                     "clipped": s.clipped, "clipped_low": s.clipped_low, "clipped_high": s.clipped_high,
                     "metric_low": _f(lo_m[i]), "metric_high": _f(hi_m[i]), "impact": _f(impact[i]),
                     "source": s.source})
    return TornadoResult(metric, _f(y[0]), design.swing, rows)


# --------------------------------------------------------------------------- spider
@dataclass
class SpiderResult:
    metric: str
    base: float
    steps: list[float]
    drivers: list[dict]

    def to_dict(self) -> dict:
        return {"study": "spider", "metric": self.metric, "base": self.base, "steps": self.steps,
                "drivers": self.drivers}

    def to_frame(self):
        import pandas as pd
        return pd.DataFrame({d["path"]: d["metric"] for d in self.drivers}, index=self.steps).T


def spider(design: SpiderDesign, y: np.ndarray, metric: str) -> SpiderResult:
    y = np.asarray(y, dtype=float)
    k, m = design.values.shape
    grid = y[1:].reshape(k, m)
    drivers = [{"path": p, "base_value": _f(design.base[i]), "values": design.values[i].tolist(),
                "metric": grid[i].tolist(), "clipped": design.clipped[i].tolist()}
               for i, p in enumerate(design.paths)]
    return SpiderResult(metric, _f(y[0]), design.steps.tolist(), drivers)


# --------------------------------------------------------------------------- grid
@dataclass
class GridResult:
    """``values[i][j]``: the metric at row value i and column value j (1-D for a one-way table)."""

    metric: str
    base: float
    axes: tuple
    values: np.ndarray

    def to_dict(self) -> dict:
        r = self.axes[0]
        c = self.axes[1] if len(self.axes) > 1 else None
        return {"study": "grid", "metric": self.metric, "base": self.base,
                "row_path": r.path, "col_path": c.path if c else None,
                "rows": r.values.tolist(), "cols": c.values.tolist() if c else None,
                "values": self.values.tolist(),
                "base_point": {"row_index": r.base_index, "col_index": c.base_index if c else None,
                               "row_value": r.base, "col_value": c.base if c else None}}

    def to_frame(self):
        import pandas as pd
        r = self.axes[0]
        if len(self.axes) == 1:
            return pd.DataFrame({self.metric: self.values}, index=pd.Index(r.values, name=r.path))
        c = self.axes[1]
        return pd.DataFrame(self.values, index=pd.Index(r.values, name=r.path),
                            columns=pd.Index(c.values, name=c.path))


def grid(design: GridDesign, y: np.ndarray, metric: str) -> GridResult:
    y = np.asarray(y, dtype=float)
    return GridResult(metric, _f(y[0]), design.axes, y[1:].reshape(design.shape))


# --------------------------------------------------------------------------- compare and attribution
@dataclass
class AttributionResult:
    """The change of a metric from scenario ``a`` to ``b`` split into one-at-a-time parts.

    ``part_i = m(a with difference i taken from b) - m(a)``; ``remainder = total - sum(parts)`` is
    the interaction of the differences (0 when the metric is additive in them), so the parts and
    the remainder add up to ``total = m(b) - m(a)`` exactly.
    """

    metric: str
    from_name: str
    to_name: str
    from_value: float
    to_value: float
    parts: list[dict]

    @property
    def total(self) -> float:
        return self.to_value - self.from_value

    @property
    def remainder(self) -> float:
        return self.total - math.fsum(p["change"] for p in self.parts if math.isfinite(p["change"]))

    def to_dict(self) -> dict:
        return {"metric": self.metric, "from": self.from_name, "to": self.to_name,
                "from_value": self.from_value, "to_value": self.to_value, "total": self.total,
                "parts": self.parts, "remainder": self.remainder}

    def to_frame(self):
        import pandas as pd
        rows = self.parts + [{"path": "(interaction remainder)", "change": self.remainder},
                             {"path": "(total)", "change": self.total}]
        return pd.DataFrame(rows).set_index("path")


def _plain(v):
    if isinstance(v, (list, dict)):
        return "(changed)"
    return v


def attribution(diffs: Sequence[Diff], changes: Sequence[float], notes: Sequence[str], metric: str,
                from_name: str, to_name: str, from_value: float, to_value: float) -> AttributionResult:
    """Parts sorted by decreasing absolute change (parts that could not be evaluated alone last)."""
    ch = np.asarray(changes, dtype=float)
    parts = []
    for i in _nan_last(np.abs(ch)):
        d = diffs[i]
        parts.append({"path": d.path, "from": _plain(d.a), "to": _plain(d.b), "change": _f(ch[i]),
                      "note": notes[i]})
    return AttributionResult(metric, from_name, to_name, _f(from_value), _f(to_value), parts)


def attribution_from_rows(design: AttributionDesign, y_rows: np.ndarray, y_structural: Sequence[float],
                          y_to: float, metric: str, from_name: str, to_name: str) -> AttributionResult:
    """Score an :class:`~finmodel.sensitivity.sample.AttributionDesign` (rows: ``a`` then one per numeric difference)."""
    y_rows = np.asarray(y_rows, dtype=float)
    base = y_rows[0]
    diffs = list(design.numeric) + [d for d, _ in design.structural]
    changes = list(y_rows[1:] - base) + [v - base for v in y_structural]
    notes = [""] * len(design.numeric) + [
        ("" if not isinstance(x, str) else t(f"not valid on its own ({x}); in the remainder",
                                             f"单独变动时无效({x});计入余项"))
        for _, x in design.structural]
    return attribution(diffs, changes, notes, metric, from_name, to_name, base, y_to)


@dataclass
class CompareResult:
    """Side-by-side KPIs of named scenarios and the attribution of each against the reference."""

    reference: str
    scenarios: list[dict]            # name, title, source, metrics {name: value}
    attributions: list[AttributionResult] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"study": "compare", "reference": self.reference, "scenarios": self.scenarios,
                "attribution": [a.to_dict() for a in self.attributions]}

    def to_frame(self):
        import pandas as pd
        return pd.DataFrame({s["name"]: s["metrics"] for s in self.scenarios})


# --------------------------------------------------------------------------- Monte Carlo
#: Metrics whose undefined value (NaN) sits at the *high* end of their ordering: a payback that
#: never comes is later than every payback that does ("beyond the concession", +inf). Every other
#: metric's NaN sits below every defined value (-inf): an IRR without a root, ... (docs/model.md
#: section 5: statistics over all draws). Any metric whose name holds "payback" counts as here.
#: Until the metric registry says which way each metric is better, this table decides.
UNDEFINED_HIGH = frozenset({"payback_years", "discounted_payback_years"})


def undefined_at(metric: str) -> str:
    """Where a draw with ``metric`` undefined goes in the ordering: 'high' (+inf) or 'low' (-inf)."""
    return "high" if metric in UNDEFINED_HIGH or "payback" in metric else "low"


def _quantiles_with_se(x: np.ndarray, ps: Sequence[float], n: int | None = None,
                       below: int = 0) -> tuple[list[float | None], list[float | None]]:
    """Percentiles (numpy's 'linear' rule) and their standard errors from order statistics.

    Over ``n`` draws (default ``x.size``): the defined values ``x`` and ``n - x.size`` undefined
    ones, ``below`` of which are ordered below every defined value (0 or ``n - x.size``; the
    rest above). A percentile that needs an undefined draw (either order statistic it
    interpolates between) is None, and so is a standard error whose interval ends on one.

    The distribution-free 95 % interval of the p-quantile runs between the order statistics of
    ranks n p -/+ 1.96 sqrt(n p (1 - p)) (the binomial count below the quantile); its half-width
    over 1.96 is reported as the standard error. ``x`` is partitioned in place.
    """
    d = x.size
    n = d if n is None else n
    pos = [(n - 1) * p for p in ps]
    half = [Z95 * math.sqrt(n * p * (1 - p)) for p in ps]
    lo_r = [min(n - 1, max(0, math.floor(n * p - h))) for p, h in zip(ps, half)]
    hi_r = [min(n - 1, max(0, math.ceil(n * p + h))) for p, h in zip(ps, half)]

    def at(rank: int) -> int | None:  # index into the defined values, None among the undefined
        j = rank - below
        return j if 0 <= j < d else None

    ranks = {int(math.floor(q)) for q in pos} | {min(n - 1, int(math.floor(q)) + 1) for q in pos}
    kth = sorted({j for j in map(at, ranks | set(lo_r) | set(hi_r)) if j is not None})
    if kth:
        x.partition(kth)
    qs: list[float | None] = []
    ses: list[float | None] = []
    for q, lo, hi in zip(pos, lo_r, hi_r):
        f = int(math.floor(q))
        jf, jc = at(f), at(min(n - 1, f + 1))
        if jf is None or (q > f and jc is None):
            qs.append(None)
        else:
            qs.append(float(x[jf]) if q == f else float(x[jf] + (x[jc] - x[jf]) * (q - f)))
        jl, jh = at(lo), at(hi)
        ses.append(None if jl is None or jh is None else float((x[jh] - x[jl]) / (2 * Z95)))
    return qs, ses


def metric_summary(v: np.ndarray, bins: int = 30, *, undefined: str = "low") -> dict:
    """Statistics of one metric over all its draws, undefined ones (NaN) included.

    Percentiles (``p5`` ... ``p95``) and their standard errors are over **all** draws, the
    undefined ones ordered at the end ``undefined`` says ('high': +inf, e.g. a payback never
    reached; 'low': -inf, e.g. no IRR; see :func:`undefined_at`); a percentile that falls
    among them is None (null in JSON): when more than half the draws never pay back, the median
    payback is None. ``share_undefined`` is their share of the draws. ``mean``, ``sd``, ``min``,
    ``max``, the histogram and the standard errors of the mean and sd are over the **defined**
    draws only (``n_defined`` of them; NaN when there is none).

    Standard errors: of the mean sd / sqrt(n); of the sd sqrt((m4 - sd^4) / n) / (2 sd) (delta
    method with the fourth central moment m4); of a percentile see :func:`_quantiles_with_se`.
    """
    if undefined not in ("low", "high"):
        raise ValueError(f"undefined must be 'low' or 'high', got {undefined!r}")
    v = np.asarray(v, dtype=float)
    ok = np.isfinite(v)
    x = v[ok] if not ok.all() else v.copy()
    n = int(x.size)
    n_all = int(v.size)
    out: dict = {"n_defined": n, "n_undefined": n_all - n,
                 "share_undefined": (n_all - n) / n_all if n_all else math.nan, "undefined_at": undefined}
    keys = [f"p{p}" for p in PERCENTILES]
    if n == 0:
        out.update({"mean": math.nan, "sd": math.nan, **{k: None for k in keys},
                    "min": math.nan, "max": math.nan,
                    "se": {"mean": math.nan, "sd": math.nan, **{k: None for k in keys}},
                    "histogram": {"edges": [], "counts": []}})
        return out
    lo, hi = float(x.min()), float(x.max())
    if lo == hi:   # a constant: exact values (a pairwise mean of equal numbers can round)
        mean, sd, se_sd = lo, 0.0, 0.0
    else:
        mean = float(x.mean())
        sd = float(x.std(ddof=1)) if n > 1 else 0.0
        dev = x - mean
        m4 = float(np.mean((dev * dev) ** 2))
        se_sd = math.sqrt(max(m4 - sd ** 4, 0.0) / n) / (2 * sd) if sd > 0 else 0.0
    counts, edges = np.histogram(x, bins=bins, range=(lo, hi) if hi > lo else None)
    below = n_all - n if undefined == "low" else 0
    qs, ses = _quantiles_with_se(x, [p / 100.0 for p in PERCENTILES], n_all, below)
    out.update({"mean": mean, "sd": sd, **dict(zip(keys, qs)), "min": lo, "max": hi,
                "se": {"mean": sd / math.sqrt(n), "sd": se_sd, **dict(zip(keys, ses))},
                "histogram": {"edges": edges.tolist(), "counts": counts.tolist()}})
    return out


def probability(event: np.ndarray) -> dict:
    """Share of draws where ``event`` holds, with its binomial standard error sqrt(p (1 - p) / n)."""
    n = event.size
    p = float(np.count_nonzero(event)) / n if n else math.nan
    return {"p": p, "se": math.sqrt(p * (1 - p) / n) if n else math.nan}


@dataclass
class MonteCarloResult:
    """Summary of a Monte Carlo run; ``values``/``draws`` hold the raw arrays when kept.

    ``metrics[name]`` is :func:`metric_summary` of the metric's draws: percentiles over all draws
    (None where they fall among the undefined ones), ``share_undefined`` beside them, the mean,
    sd, min, max and histogram over the defined draws.
    """

    scenario: str
    n: int
    seed: int
    method: str
    metrics: dict[str, dict]
    probabilities: dict[str, dict]
    inputs: list[dict]
    achieved_rank_correlation: dict | None = None
    values: dict[str, np.ndarray] | None = field(default=None, repr=False)
    draws: dict[str, np.ndarray] | None = field(default=None, repr=False)
    base: dict[str, float] | None = None          # each metric in the base case (no draw)

    @property
    def truncated(self) -> int:
        return sum(i["truncated"] for i in self.inputs)

    def to_dict(self) -> dict:
        return {"study": "montecarlo", "scenario": self.scenario, "n": self.n, "seed": self.seed,
                "correlation_method": self.method, "truncated": self.truncated, "inputs": self.inputs,
                "achieved_rank_correlation": self.achieved_rank_correlation,
                "probabilities": self.probabilities, "metrics": self.metrics}

    def to_frame(self):
        import pandas as pd
        cols = ["mean", "sd"] + [f"p{p}" for p in PERCENTILES] + ["n_defined", "share_undefined"]
        return pd.DataFrame({k: {c: m[c] for c in cols} for k, m in self.metrics.items()}).T

    def draws_frame(self):
        """One row per draw: the input values then the metrics (needs ``keep_draws``)."""
        import pandas as pd
        if self.draws is None or self.values is None:
            raise ValueError("the draws were not kept: run with keep_draws=True")
        df = pd.DataFrame({**self.draws, **self.values})
        df.index.name = "draw"
        return df


def montecarlo(values: dict[str, np.ndarray], *, scenario: str, n: int, seed: int, method: str,
               inputs: list[dict], payback_years: float, cash_limit: float, bins: int = 30,
               achieved: dict | None = None) -> MonteCarloResult:
    """Statistics of every metric (:func:`metric_summary`: percentiles over all draws, the
    undefined ones at the metric's bad end, see :func:`undefined_at`) and the three risk
    probabilities.

    - ``npv_below_zero``: P(npv < 0);
    - ``payback_beyond``: P(payback later than ``payback_years``), a payback not reached within the
      concession (NaN) counting as later;
    - ``min_cash_below``: P(min cumulative cash < ``cash_limit``) [CNY].
    """
    stats: dict[str, dict] = {}
    done: list[tuple[np.ndarray, str, dict]] = []
    for name, v in values.items():
        if v.dtype == bool:
            continue
        end = undefined_at(name)
        same = next((s for w, e, s in done if e == end and np.array_equal(w[:64], v[:64], equal_nan=True)
                     and np.array_equal(w, v, equal_nan=True)), None)
        stats[name] = same if same is not None else metric_summary(v, bins, undefined=end)
        done.append((v, end, stats[name]))
    probs = {}
    if "npv" in values:
        probs["npv_below_zero"] = probability(values["npv"] < 0)
    if "payback_years" in values:
        pb = values["payback_years"]
        probs["payback_beyond"] = {"years": payback_years, **probability(~(pb <= payback_years))}
    if "min_cumulative_cash" in values:
        probs["min_cash_below"] = {"limit": cash_limit, **probability(values["min_cumulative_cash"] < cash_limit)}
    return MonteCarloResult(scenario, n, seed, method, stats, probs, inputs, achieved)


def rank_correlation(draws: dict[str, np.ndarray]) -> dict:
    """Spearman rank correlation matrix of some draws (ties get distinct ranks)."""
    names = list(draws)
    ranks = np.empty((len(names), next(iter(draws.values())).size))
    for i, k in enumerate(names):
        ranks[i, np.argsort(draws[k], kind="stable")] = np.arange(ranks.shape[1])
    c = np.corrcoef(ranks) if len(names) > 1 else np.ones((1, 1))
    return {"inputs": names, "matrix": c.tolist()}


# --------------------------------------------------------------------------- Sobol and Morris
@dataclass
class GlobalResult:
    """Sobol indices (S1, ST with confidence half-widths) or Morris statistics, one row per input."""

    method: str
    metric: str
    n: int
    runs: int
    seed: int
    inputs_from: str
    rows: list[dict]
    conf_level: float = 0.95
    levels: int | None = None

    def to_dict(self) -> dict:
        d = {"study": self.method, "metric": self.metric, "runs": self.runs, "seed": self.seed,
             "inputs_from": self.inputs_from, "conf_level": self.conf_level, "inputs": self.rows}
        if self.method == "sobol":
            d["n"] = self.n
        else:
            d["trajectories"], d["levels"] = self.n, self.levels
        return d

    def to_frame(self):
        import pandas as pd
        return pd.DataFrame(self.rows).set_index("path")


def _input_note(m) -> dict:
    d = m.describe()
    d.pop("path", None)
    return d


def sobol(design: GlobalDesign, y: np.ndarray, metric: str, *, num_resamples: int = 200,
          conf_level: float = 0.95) -> GlobalResult:
    """First-order and total Sobol indices by :func:`SALib.analyze.sobol.analyze` (bootstrap intervals).

    The confidence values are half-widths of the ``conf_level`` interval. Rows sorted by ST.
    """
    from SALib.analyze import sobol as salib_sobol

    # SALib seeds its bootstrap only `if seed:`, so seed 0 would draw unseeded; a Generator always seeds it
    Si = salib_sobol.analyze(design.problem, np.asarray(y, dtype=float), calc_second_order=False,
                             num_resamples=num_resamples, conf_level=conf_level,
                             seed=np.random.default_rng(design.seed))
    rows = [{"path": m.path, "S1": _f(Si["S1"][j]), "S1_conf": _f(Si["S1_conf"][j]),
             "ST": _f(Si["ST"][j]), "ST_conf": _f(Si["ST_conf"][j]), "input": _input_note(m)}
            for j, m in enumerate(design.inputs)]
    order = _nan_last(np.array([r["ST"] for r in rows]))
    return GlobalResult("sobol", metric, design.n, design.runs, design.seed, design.inputs_from,
                        [rows[i] for i in order], conf_level)


def morris(design: GlobalDesign, y: np.ndarray, metric: str, *, num_resamples: int = 1000,
           conf_level: float = 0.95) -> GlobalResult:
    """Morris mu, mu* and sigma by :func:`SALib.analyze.morris.analyze`, sorted by mu*.

    Elementary effects are per unit of the unit cube (a move across an input's whole range is 1),
    so mu* is in the metric's unit and comparable across inputs.
    """
    from SALib.analyze import morris as salib_morris

    Si = salib_morris.analyze(design.problem, design.X, np.asarray(y, dtype=float), num_resamples=num_resamples,
                              conf_level=conf_level, num_levels=design.levels, seed=design.seed)
    rows = [{"path": m.path, "mu": _f(Si["mu"][j]), "mu_star": _f(Si["mu_star"][j]),
             "sigma": _f(Si["sigma"][j]), "mu_star_conf": _f(Si["mu_star_conf"][j]), "input": _input_note(m)}
            for j, m in enumerate(design.inputs)]
    order = _nan_last(np.array([r["mu_star"] for r in rows]))
    return GlobalResult("morris", metric, design.n, design.runs, design.seed, design.inputs_from,
                        [rows[i] for i in order], conf_level, design.levels)
