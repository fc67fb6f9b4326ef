"""The studies a scenario's report asks for, computed: above break-even and sensitivity, below the CLI.

:mod:`finmodel.report` writes results it is given and runs none; ``finmodel run`` calls
:func:`run_scenario` (the projection, its summary, the studies of the report options, the
verdict, :mod:`finmodel.verdict`) and hands the results to :func:`finmodel.report.write_report`.
The options and results are plain data (:class:`ReportOptions`, :class:`Studies`, from
:mod:`finmodel.report.studies`).

The break-even and sensitivity modules are imported lazily, only when a study is asked for, so
that a plain ``finmodel run`` stays fast and works even where they are missing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .engine import project
from .report.studies import ReportOptions, Studies, corridor_dict
from .summary import summarise
from .verdict import least_support_to_next_tier, verdict

__all__ = ["ReportOptions", "Studies", "ScenarioRun", "run_studies", "run_scenario"]


def run_studies(a, opts: ReportOptions) -> Studies:
    """Compute the studies the options ask for (lazy imports)."""
    st = Studies()
    if opts.corridor:
        try:
            from . import breakeven
        except ImportError as exc:   # pragma: no cover - the module ships with finmodel
            st.corridor_error = f"break-even module unavailable: {exc}"
        else:
            st.corridor = breakeven.subsidy_corridor(a)
    if opts.breakeven_table:
        from . import breakeven
        st.breakeven = breakeven.breakeven_table(a)
    if opts.tornado or opts.grids or opts.montecarlo_draws:
        from . import sensitivity
        if opts.tornado:
            st.tornado = sensitivity.run_tornado(a, metric=opts.metric)
        for specs in opts.grids:
            st.grids.append(sensitivity.run_grid(a, list(specs), metric=opts.metric))
        if opts.montecarlo_draws:
            st.montecarlo = sensitivity.run_montecarlo(a, int(opts.montecarlo_draws), seed=int(opts.montecarlo_seed))
    return st


@dataclass
class ScenarioRun:
    """One scenario, projected and studied: what ``finmodel run`` prints and writes."""

    projection: Any          # engine.project(a)
    summary: dict            # summary.summarise, with "verdict" and "corridor"
    studies: Studies
    verdict: dict            # verdict.verdict: the tier, its tests and the least support to the next tier


def run_scenario(a, opts: ReportOptions) -> ScenarioRun:
    """Project ``a``, summarise it, compute the studies ``opts`` ask for and the verdict with the
    least support to the next tier (a break-even study, skipped with the corridor's studies off)."""
    pj = project(a)
    s = summarise(pj)
    studies = run_studies(a, opts)
    tier = int(pj.scalar("verdict_tier")[0])
    least = least_support_to_next_tier(a, tier) if opts.corridor and tier < 3 else None
    v = verdict(pj, least_support=least)
    s["verdict"] = v
    s["corridor"] = corridor_dict(studies.corridor)
    return ScenarioRun(pj, s, studies, v)
