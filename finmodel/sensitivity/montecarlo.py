"""The Monte Carlo run: draw blocks, evaluate them (in worker processes if asked), summarise."""

from __future__ import annotations

import math
from typing import Callable, Sequence

import numpy as np

from .. import engine, government
from .._threads import blas_threads, single_threaded_blas
from ..assumptions import Assumptions
from ..engine import DEFAULT_CHUNK, METRIC_NAMES
from ..errors import UsageError
from . import analyze, sample
from .analyze import MonteCarloResult
from .runs import _evaluate
from .sample import DEFAULT_SEED

_WORKER: dict = {}


def _block_job(b: int, a=None, design=None, chunk_size=None, metrics=None, keep=None, threads: int = 1):
    """Draw block ``b`` and evaluate it: (start, metrics, truncated, input sums, draws or None, block-0 draws)."""
    if a is None:
        a, design, chunk_size, metrics, keep = (_WORKER[k] for k in ("a", "design", "chunk", "metrics", "keep"))
    with blas_threads(1):       # the correlation step's matrix product: BLAS threads would only wait
        blk = design.block(b)
    m = government.evaluate(a, blk.vary, chunk_size=chunk_size, metrics=tuple(metrics), workers=threads)
    sums = {p: (x.size, float(x.mean()), float(np.sum((x - x.mean()) ** 2)), float(x.min()), float(x.max()))
            for p, x in blk.vary.items()}
    first = None
    if b == 0 and design.correlated.size:
        first = {design.inputs[i].path: blk.vary[design.inputs[i].path] for i in design.correlated}
    return blk.start, m, blk.truncated, sums, (blk.vary if keep else None), first


def _init_worker(a, design, chunk, metrics, keep):
    single_threaded_blas()
    _WORKER.update(a=a, design=design, chunk=chunk, metrics=metrics, keep=keep)


class _Totals:
    """What the blocks add up to: metric values (and draws) in place, truncation counts, input moments."""

    def __init__(self, design, n: int, metrics: Sequence[str], keep_draws: bool,
                 progress: Callable[[int], None] | None):
        self.metrics = metrics
        self.progress = progress
        self.values = {m: np.empty(n) for m in metrics}
        self.draws = {mg.path: np.empty(n) for mg in design.inputs} if keep_draws else None
        self.truncated = np.zeros(len(design.inputs), dtype=np.int64)
        self.acc = {mg.path: [0, 0.0, 0.0, math.inf, -math.inf] for mg in design.inputs}   # count, mean, M2, min, max
        self.first = None

    def take(self, res) -> None:
        """Add one block's result (see :func:`_block_job`)."""
        start, m, trunc, sums, blk_draws, blk_first = res
        size = next(iter(m.values())).size
        for k in self.metrics:
            self.values[k][start:start + size] = m[k]
        if self.draws is not None:
            for p, x in blk_draws.items():
                self.draws[p][start:start + size] = x
        self.truncated[:] += trunc
        for p, (c, mean, m2, lo, hi) in sums.items():   # Chan et al.'s pairwise update of mean and M2
            t = self.acc[p]
            tot = t[0] + c
            delta = mean - t[1]
            t[2] += m2 + delta * delta * t[0] * c / tot
            t[1] += delta * c / tot
            t[0] = tot
            t[3] = min(t[3], lo)
            t[4] = max(t[4], hi)
        if blk_first is not None:
            self.first = blk_first
        if self.progress is not None:
            self.progress(size)

    def inputs(self, design, n: int) -> list[dict]:
        """Each input as declared, with its truncation count and the moments of its draws."""
        inputs = []
        for i, mg in enumerate(design.inputs):
            _, mean, m2, lo, hi = self.acc[mg.path]
            var = m2 / max(n - 1, 1)
            inputs.append({**mg.describe(), "source": mg.source, "truncated": int(self.truncated[i]),
                           "mass_outside_valid_range": mg.mass_outside,
                           "draws": {"mean": mean, "sd": math.sqrt(var), "min": lo, "max": hi}})
        return inputs

    def achieved(self, design, n: int) -> dict | None:
        """The rank correlation of the correlated inputs over the first block, beside the target."""
        if self.first is None:
            return None
        return {**analyze.rank_correlation(self.first), "over_draws": int(min(n, sample.DRAW_BLOCK)),
                "target": design.target.tolist()}


def _run_blocks(a: Assumptions, design, chunk_size: int, metrics: tuple, keep_draws: bool, workers: int,
                totals: _Totals) -> None:
    """Every block of draws: in this process, the compiled kernel on ``workers`` threads (numba
    installed, blocks of at least ``engine.COMPILED_MIN`` draws), else in ``workers`` processes
    (forked where possible)."""
    blocks = range(design.n_blocks)
    compiled = engine._backend("auto", min(design.n, sample.DRAW_BLOCK)) == "compiled"
    if workers == 1 or design.n_blocks == 1 or compiled:
        for b in blocks:
            totals.take(_block_job(b, a, design, chunk_size, metrics, keep_draws, threads=workers))
        return
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor

    ctx = mp.get_context("fork") if "fork" in mp.get_all_start_methods() else None
    with ProcessPoolExecutor(max_workers=min(workers, design.n_blocks), mp_context=ctx,
                             initializer=_init_worker,
                             initargs=(a, design, chunk_size, metrics, keep_draws)) as ex:
        for res in ex.map(_block_job, blocks):
            totals.take(res)


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
        sample.check_metric(m, param="metrics")
    if chunk_size < 1:
        raise UsageError(f"chunk size must be at least 1, got {chunk_size}", param="chunk_size")
    if workers < 1:
        raise UsageError(f"workers must be at least 1, got {workers}", param="workers")
    design = sample.montecarlo(a, n, seed, method)
    if payback_years is None:
        payback_years = float(a.scenario.concession_years)
    # the base case (no draw): the default cash limit, and where the histogram marks the base
    base = _evaluate(a, {}, tuple(dict.fromkeys(metrics + ("min_cumulative_cash",))), chunk_size)
    if cash_limit is None:
        cash_limit = float(base["min_cumulative_cash"][0])
    totals = _Totals(design, n, metrics, keep_draws, progress)
    _run_blocks(a, design, chunk_size, metrics, keep_draws, workers, totals)
    res = analyze.montecarlo(totals.values, scenario=a.scenario.name, n=n, seed=seed, method=design.method,
                             inputs=totals.inputs(design, n), payback_years=payback_years, cash_limit=cash_limit,
                             bins=bins, achieved=totals.achieved(design, n))
    res.values = totals.values
    res.draws = totals.draws
    res.base = {m: float(v[0]) for m, v in base.items() if m in metrics and np.asarray(v).dtype != bool}
    return res
