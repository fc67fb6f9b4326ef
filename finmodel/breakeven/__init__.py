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

from .conditions import SUBSIDY, corridor_range
from .corridor import Corridor, subsidy_corridor
from ..key_drivers import OPERATING_COST_PATHS, TABLE_DRIVERS, driver_label
from .drivers import MAX_WHOLE, Driver, commercial_tier, default_range, resolve_driver, table_drivers
from .levers import LEVER_ROUNDS, LEVER_RTOL, LEVER_STEP, LEVER_XTOL
from .problem import MAX_BRACKETS, Pick
from .results import BreakEven, fmt_metric, fmt_value
from .refine import ACCEPT, FTOL, MAX_ITER
from .solver import solve, solve_many
from .table import breakeven_table
from .targets import NEVER_IS_INFINITE, Op, Target, metric_unit, parse_range, parse_target

__all__ = [
    "BreakEven", "Corridor", "Driver", "Target", "breakeven_table", "commercial_tier", "default_range",
    "corridor_range", "driver_label", "parse_range", "parse_target", "resolve_driver", "solve", "solve_many",
    "subsidy_corridor", "table_drivers",
    # constants and formatting that other modules use
    "ACCEPT", "FTOL", "LEVER_ROUNDS", "LEVER_RTOL", "LEVER_STEP", "LEVER_XTOL", "MAX_BRACKETS", "MAX_ITER",
    "MAX_WHOLE", "metric_unit", "NEVER_IS_INFINITE", "OPERATING_COST_PATHS", "Op", "Pick", "SUBSIDY",
    "TABLE_DRIVERS", "fmt_metric", "fmt_value",
]
