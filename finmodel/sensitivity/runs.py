"""The studies that run in one engine call: tornado, spider, grids, scenario sets, Sobol and Morris."""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np

from .. import government
from ..assumptions import Assumptions
from ..engine import DEFAULT_CHUNK, METRIC_NAMES
from ..errors import UsageError
from ..i18n import t
from . import analyze, sample
from .analyze import AttributionResult, CompareResult, GlobalResult, GridResult, SpiderResult, TornadoResult
from .sample import DEFAULT_SEED, Variant


def _evaluate(a: Assumptions, vary: dict, metrics: Sequence[str], chunk_size: int) -> dict[str, np.ndarray]:
    return government.evaluate(a, vary or None, chunk_size=chunk_size, metrics=tuple(metrics))


# --------------------------------------------------------------------------- one- and two-way
def run_tornado(a: Assumptions, metric: str = "npv", drivers: Sequence[str] | None = None,
                swing: float | None = None, *, chunk_size: int = DEFAULT_CHUNK) -> TornadoResult:
    """The metric at each driver's low and high value, sorted by impact (see :func:`sample.swings`)."""
    sample.check_metric(metric)
    d = sample.tornado(a, drivers, swing)
    y = _evaluate(a, d.vary, (metric,), chunk_size)[metric]
    return analyze.tornado(d, y, metric)


def run_spider(a: Assumptions, metric: str = "npv", drivers: Sequence[str] | None = None,
               steps: Sequence[float] | None = None, *, chunk_size: int = DEFAULT_CHUNK) -> SpiderResult:
    """The metric at relative steps of each driver (the scenario's ``sensitivity.spider_steps`` by default)."""
    sample.check_metric(metric)
    d = sample.spider(a, drivers, steps)
    y = _evaluate(a, d.vary, (metric,), chunk_size)[metric]
    return analyze.spider(d, y, metric)


def run_grid(a: Assumptions, specs: Sequence[str], metric: str = "npv", *,
             chunk_size: int = DEFAULT_CHUNK) -> GridResult:
    """A one- or two-way table of the metric over ``PATH=LO:HI:N`` axes (see :func:`sample.grid_axis`)."""
    sample.check_metric(metric)
    d = sample.grid(a, specs)
    y = _evaluate(a, d.vary, (metric,), chunk_size)[metric]
    return analyze.grid(d, y, metric)


# --------------------------------------------------------------------------- scenario sets
def run_attribution(a: Assumptions, b: Assumptions, metric: str = "npv", *, from_name: str = "a",
                    to_name: str = "b", chunk_size: int = DEFAULT_CHUNK) -> AttributionResult:
    """Split ``metric(b) - metric(a)`` into one-at-a-time parts and the interaction remainder."""
    return run_compare([Variant(from_name, "", a, ""), Variant(to_name, "", b, "")], from_name,
                       metric, chunk_size=chunk_size).attributions[0]


def run_compare(variants: Sequence[Variant], reference: str | None = None, metric: str = "npv", *,
                chunk_size: int = DEFAULT_CHUNK) -> CompareResult:
    """KPIs of every variant side by side and the attribution of ``metric`` against the reference.

    Every variant that differs from the reference in numeric assumptions only, and every
    one-at-a-time row of the attributions, is a row of one engine call on the reference; a variant
    or a difference that is not numeric (a VAT status, a list of another length) is run on its own.
    """
    sample.check_metric(metric)
    names = [v.name for v in variants]
    ref_name = reference or names[0]
    if ref_name not in names:
        raise UsageError(t(f"reference '{ref_name}' is not one of {', '.join(names)}",
                           f"参照情景 '{ref_name}' 不在 {', '.join(names)} 之中"), param="reference")
    ref = variants[names.index(ref_name)]
    a = ref.assumptions
    rows: list[dict[str, float]] = [{}]
    row_of: dict[str, int] = {ref.name: 0}
    designs = {}
    for v in variants:
        if v.name == ref.name:
            continue
        d = sample.attribution(a, v.assumptions)
        designs[v.name] = (d, len(rows))
        rows += [{x.path: float(x.b)} for x in d.numeric]
        if not d.structural:
            row_of[v.name] = len(rows)
            rows.append({x.path: float(x.b) for x in d.numeric})
    y = _evaluate(a, sample.rows_to_vary(a, rows), METRIC_NAMES, chunk_size)
    kpis: dict[str, dict[str, float]] = {}
    for v in variants:
        if v.name in row_of:
            kpis[v.name] = {k: float(y[k][row_of[v.name]]) for k in METRIC_NAMES}
        else:
            own = _evaluate(v.assumptions, {}, METRIC_NAMES, chunk_size)
            kpis[v.name] = {k: float(own[k][0]) for k in METRIC_NAMES}
    attributions = []
    for v in variants:
        if v.name == ref.name:
            continue
        d, first = designs[v.name]
        idx = [0] + list(range(first, first + len(d.numeric)))
        ys = []
        for _, alone in d.structural:
            ys.append(math.nan if isinstance(alone, str) else float(_evaluate(alone, {}, (metric,), chunk_size)[metric][0]))
        attributions.append(analyze.attribution_from_rows(d, y[metric][idx], ys, kpis[v.name][metric], metric,
                                                          ref.name, v.name))
    scen = [{"name": v.name, "title": v.title, "source": v.source, "metrics": kpis[v.name]} for v in variants]
    return CompareResult(ref.name, scen, attributions)



# --------------------------------------------------------------------------- Sobol and Morris
def _global_y(a: Assumptions, d, metric: str, chunk_size: int) -> np.ndarray:
    y = _evaluate(a, d.vary, (metric,), chunk_size)[metric]
    bad = int(np.count_nonzero(~np.isfinite(y)))
    if bad:
        raise UsageError(t(f"'{metric}' is undefined in {bad:,} of {y.size:,} runs; "
                           "Sobol and Morris need a metric defined everywhere (npv, min_cumulative_cash, ...)",
                           f"'{metric}' 在 {y.size:,} 次运行中有 {bad:,} 次无定义;"
                           "Sobol 和 Morris 需要处处有定义的指标(npv、min_cumulative_cash 等)"),
                         param="metric", key=metric)
    return y


def run_sobol(a: Assumptions, metric: str = "npv", n: int = 1024, seed: int = DEFAULT_SEED,
              drivers: Sequence[str] | None = None, swing: float | None = None, inputs: str = "auto", *,
              num_resamples: int = 200, chunk_size: int = DEFAULT_CHUNK) -> GlobalResult:
    """First-order and total Sobol indices of ``metric`` with 95 % bootstrap intervals (SALib)."""
    sample.check_metric(metric)
    d = sample.sobol(a, n, seed, drivers, swing, inputs)
    return analyze.sobol(d, _global_y(a, d, metric, chunk_size), metric, num_resamples=num_resamples)


def run_morris(a: Assumptions, metric: str = "npv", trajectories: int = 20, seed: int = DEFAULT_SEED,
               drivers: Sequence[str] | None = None, swing: float | None = None, inputs: str = "auto",
               levels: int = 4, *, chunk_size: int = DEFAULT_CHUNK) -> GlobalResult:
    """Morris screening of ``metric``: mu* (mean absolute elementary effect) and sigma (SALib)."""
    sample.check_metric(metric)
    d = sample.morris(a, trajectories, seed, levels, drivers, swing, inputs)
    return analyze.morris(d, _global_y(a, d, metric, chunk_size), metric)
