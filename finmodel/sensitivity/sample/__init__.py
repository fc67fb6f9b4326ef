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

from .draws import DRAW_BLOCK, MAX_DRAWS, DrawBlock, MonteCarloDesign, iman_conover, marginal, montecarlo
from .grids import MAX_GRID_POINTS, GridAxis, GridDesign, grid, grid_axis
from .inputs import DEFAULT_SEED, check_metric, check_path, is_integer, rows_to_vary, value_at
from .oneway import DEFAULT_DRIVERS, SpiderDesign, Swing, TornadoDesign, driver_paths, spider, swings, tornado
from .screening import MAX_GLOBAL_RUNS, MORRIS_Q, GlobalDesign, global_inputs, morris, sobol
from .sets import (IGNORED, AttributionDesign, Diff, ScenarioSetFile, Variant, attribution, differences,
                   variants_from_files, variants_from_set_file)

__all__ = [
    "DEFAULT_DRIVERS", "DEFAULT_SEED", "DRAW_BLOCK", "IGNORED", "MAX_DRAWS", "MAX_GLOBAL_RUNS", "MAX_GRID_POINTS",
    "MORRIS_Q", "AttributionDesign", "Diff", "DrawBlock", "GlobalDesign", "GridAxis", "GridDesign",
    "MonteCarloDesign", "ScenarioSetFile", "SpiderDesign", "Swing", "TornadoDesign", "Variant", "attribution",
    "check_metric", "check_path", "differences", "driver_paths", "global_inputs", "grid", "grid_axis",
    "iman_conover", "is_integer", "marginal", "montecarlo", "morris", "rows_to_vary", "sobol", "spider", "swings",
    "tornado", "value_at", "variants_from_files", "variants_from_set_file",
]
