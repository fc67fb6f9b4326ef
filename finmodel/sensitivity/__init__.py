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
from .montecarlo import run_montecarlo
from .runs import run_attribution, run_compare, run_grid, run_morris, run_sobol, run_spider, run_tornado
from .sample import DEFAULT_SEED, Variant

__all__ = [
    "analyze", "sample", "run_tornado", "run_spider", "run_grid", "run_compare", "run_attribution",
    "run_montecarlo", "run_sobol", "run_morris", "TornadoResult", "SpiderResult", "GridResult",
    "CompareResult", "AttributionResult", "MonteCarloResult", "GlobalResult", "DEFAULT_SEED", "Variant",
]
