"""Sensitivity studies at scale: tornado, spider, grids, scenario sets, Monte Carlo, Sobol, Morris.

Three steps, kept apart as SALib does: :mod:`.sample` makes the scenarios (a design: the engine's
``vary`` arrays), :func:`finmodel.engine.evaluate` runs them all in one vectorised, chunked call,
and :mod:`.analyze` scores them. The ``run_*`` functions below chain the three::

    from finmodel.scenarios import load
    from finmodel.sensitivity import run_tornado, run_montecarlo

    a = load("assumptions/j_community.yaml").assumptions
    run_tornado(a, metric="npv").to_frame()
    run_montecarlo(a, n=100_000, seed=1).to_dict()["probabilities"]

Only scenario sets whose members differ in non-numeric ways (a VAT status, a different number of
tiers, a longer concession) need more than one engine call: one per such member.
"""

from __future__ import annotations

import math
from typing import Callable, Sequence

import numpy as np

from .. import government
from ..assumptions import Assumptions
from ..engine import DEFAULT_CHUNK, METRIC_NAMES
from ..errors import UsageError
from . import analyze, sample
from .analyze import (
    AttributionResult,
    CompareResult,
    GlobalResult,
    GridResult,
    MonteCarloResult,
    SpiderResult,
    TornadoResult,
)
from .sample import DEFAULT_SEED, Variant

__all__ = [
    "analyze", "sample", "run_tornado", "run_spider", "run_grid", "run_compare", "run_attribution",
    "run_montecarlo", "run_sobol", "run_morris", "TornadoResult", "SpiderResult", "GridResult",
    "CompareResult", "AttributionResult", "MonteCarloResult", "GlobalResult",
]


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
        raise UsageError(f"reference '{ref_name}' is not one of {', '.join(names)}", source="--reference")
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


# --------------------------------------------------------------------------- Monte Carlo
_WORKER: dict = {}


def _block_job(b: int, a=None, design=None, chunk_size=None, metrics=None, keep=None):
    """Draw block ``b`` and evaluate it: (start, metrics, truncated, input sums, draws or None, block-0 draws)."""
    if a is None:
        a, design, chunk_size, metrics, keep = (_WORKER[k] for k in ("a", "design", "chunk", "metrics", "keep"))
    blk = design.block(b)
    m = government.evaluate(a, blk.vary, chunk_size=chunk_size, metrics=tuple(metrics))
    sums = {p: (x.size, float(x.mean()), float(np.sum((x - x.mean()) ** 2)), float(x.min()), float(x.max()))
            for p, x in blk.vary.items()}
    first = None
    if b == 0 and design.correlated.size:
        first = {design.inputs[i].path: blk.vary[design.inputs[i].path] for i in design.correlated}
    return blk.start, m, blk.truncated, sums, (blk.vary if keep else None), first


def _init_worker(a, design, chunk, metrics, keep):
    _WORKER.update(a=a, design=design, chunk=chunk, metrics=metrics, keep=keep)


def run_montecarlo(a: Assumptions, n: int, seed: int = DEFAULT_SEED, *, metrics: Sequence[str] = METRIC_NAMES,
                   chunk_size: int = DEFAULT_CHUNK, keep_draws: bool = False, workers: int = 1,
                   payback_years: float | None = None, cash_limit: float | None = None, bins: int = 30,
                   method: str | None = None, progress: Callable[[int], None] | None = None) -> MonteCarloResult:
    """``n`` draws of the scenario's ``uncertainty`` inputs through the engine, summarised.

    The draws depend on ``seed`` and their index only (see :class:`sample.MonteCarloDesign`), so
    ``chunk_size`` and ``workers`` change the speed and the memory, not the draws (nor the results,
    as far as the engine computes each scenario independently of its chunk's width). Memory:
    the metric arrays, 8 bytes x ``n`` x metrics (and the inputs with ``keep_draws``), plus one
    block of :data:`sample.DRAW_BLOCK` draws per worker.

    ``payback_years`` (default: the concession length) and ``cash_limit`` [CNY] (default: the base
    case's minimum cumulative cash, i.e. the chance of needing more funding than planned) set the
    risk probabilities; ``progress(k)`` is called with the number of draws done after each block.
    """
    metrics = tuple(metrics)
    for m in metrics:
        sample.check_metric(m)
    if chunk_size < 1:
        raise UsageError(f"chunk size must be at least 1, got {chunk_size}", source="--chunk-size")
    if workers < 1:
        raise UsageError(f"workers must be at least 1, got {workers}", source="--workers")
    design = sample.montecarlo(a, n, seed, method)
    if payback_years is None:
        payback_years = float(a.scenario.concession_years)
    if cash_limit is None:
        cash_limit = float(_evaluate(a, {}, ("min_cumulative_cash",), chunk_size)["min_cumulative_cash"][0])
    values = {m: np.empty(n) for m in metrics}
    draws = {mg.path: np.empty(n) for mg in design.inputs} if keep_draws else None
    truncated = np.zeros(len(design.inputs), dtype=np.int64)
    acc = {mg.path: [0, 0.0, 0.0, math.inf, -math.inf] for mg in design.inputs}   # count, mean, M2, min, max
    first = None

    def take(res):
        nonlocal first
        start, m, trunc, sums, blk_draws, blk_first = res
        size = next(iter(m.values())).size
        for k in metrics:
            values[k][start:start + size] = m[k]
        if draws is not None:
            for p, x in blk_draws.items():
                draws[p][start:start + size] = x
        truncated[:] += trunc
        for p, (c, mean, m2, lo, hi) in sums.items():   # Chan et al.'s pairwise update of mean and M2
            t = acc[p]
            tot = t[0] + c
            delta = mean - t[1]
            t[2] += m2 + delta * delta * t[0] * c / tot
            t[1] += delta * c / tot
            t[0] = tot
            t[3] = min(t[3], lo)
            t[4] = max(t[4], hi)
        if blk_first is not None:
            first = blk_first
        if progress is not None:
            progress(size)

    blocks = range(design.n_blocks)
    if workers == 1 or design.n_blocks == 1:
        for b in blocks:
            take(_block_job(b, a, design, chunk_size, metrics, keep_draws))
    else:
        import multiprocessing as mp
        from concurrent.futures import ProcessPoolExecutor

        ctx = mp.get_context("fork") if "fork" in mp.get_all_start_methods() else None
        with ProcessPoolExecutor(max_workers=min(workers, design.n_blocks), mp_context=ctx,
                                 initializer=_init_worker,
                                 initargs=(a, design, chunk_size, metrics, keep_draws)) as ex:
            for res in ex.map(_block_job, blocks):
                take(res)

    inputs = []
    for i, mg in enumerate(design.inputs):
        _, mean, m2, lo, hi = acc[mg.path]
        var = m2 / max(n - 1, 1)
        inputs.append({**mg.describe(), "source": mg.source, "truncated": int(truncated[i]),
                       "mass_outside_valid_range": mg.mass_outside,
                       "draws": {"mean": mean, "sd": math.sqrt(var), "min": lo, "max": hi}})
    achieved = None
    if first is not None:
        achieved = {**analyze.rank_correlation(first), "over_draws": int(min(n, sample.DRAW_BLOCK)),
                    "target": design.target.tolist()}
    res = analyze.montecarlo(values, scenario=a.scenario.name, n=n, seed=seed, method=design.method,
                             inputs=inputs, payback_years=payback_years, cash_limit=cash_limit, bins=bins,
                             achieved=achieved)
    res.values = values
    res.draws = draws
    return res


# --------------------------------------------------------------------------- Sobol and Morris
def _global_y(a: Assumptions, d, metric: str, chunk_size: int) -> np.ndarray:
    y = _evaluate(a, d.vary, (metric,), chunk_size)[metric]
    bad = int(np.count_nonzero(~np.isfinite(y)))
    if bad:
        raise UsageError(f"'{metric}' is undefined in {bad:,} of {y.size:,} runs; "
                         "Sobol and Morris need a metric defined everywhere (npv, min_cumulative_cash, ...)",
                         source="--metric", key=metric)
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
