"""The subsidy corridor's conditions: viability floors and micro-profit caps, and where each binds."""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

import numpy as np

from ..assumptions import Assumptions
from ..scenarios import field_bounds, with_values
from .drivers import resolve_driver
from .problem import _Outcome, _Problem
from .solver import _problem
from .targets import Target

SUBSIDY = "support.subsidy_annual_cny"


def _corridor_assumptions(a: Assumptions) -> Assumptions:
    """The corridor is a flat annual subsidy over the scenario's subsidy years."""
    values: dict[str, Any] = {"support.subsidy_step_down": 0.0}
    return with_values(a, values)


def _corridor_targets(a: Assumptions) -> tuple[list[Target], list[Target]]:
    """NPV tests (docs/model.md section 5), the verdict's: viable = equity NPV at the hurdle >= 0 and the
    financial plan survivable (and, with a loan, the lowest DSCR at its floor); a micro profit =
    equity NPV at the cap <= 0 (and the average margin at or below its cap, when set)."""
    c = a.corridor
    floors = [Target("equity_npv_hurdle", ">=", 0.0), Target("min_cumulative_surplus", ">=", 0.0)]
    if a.financing.loan.amount_cny > 0:
        floors.append(Target("dscr_min", ">=", c.dscr_floor))
    caps = []
    if c.max_equity_irr is not None:
        caps.append(Target("equity_npv_cap", "<=", 0.0))
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
