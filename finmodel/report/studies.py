"""What goes into a report besides the projection: the options and the study results.

Plain data; nothing here runs a study (:mod:`finmodel.studies` does) or decides the verdict
(:mod:`finmodel.verdict` does).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any


@dataclass
class ReportOptions:
    """What the workbook contains; ``from_assumptions`` reads the YAML ``report:`` section."""

    language: str = "zh"
    corridor: bool = True
    breakeven_table: bool = False
    tornado: bool = False
    grids: list[list[str]] = field(default_factory=list)
    montecarlo_draws: int = 0
    montecarlo_seed: int = 0
    metric: str = "npv"
    english_sources: bool = False       # source notes as written (English) in a zh report
    command: str | None = None          # the command line that produced the file (About)

    @classmethod
    def from_assumptions(cls, a, **over) -> "ReportOptions":
        r = a.report
        opts = cls(language=r.language, corridor=r.corridor, breakeven_table=r.breakeven_table,
                   tornado=r.tornado, grids=[list(g) for g in r.grids], montecarlo_draws=r.montecarlo_draws,
                   montecarlo_seed=r.montecarlo_seed, english_sources=r.english_sources)
        for k, v in over.items():
            if v is None:
                continue
            if k == "grids":
                opts.grids = opts.grids + [list(g) for g in v]
            elif isinstance(v, bool) and not v:
                continue            # a flag left off keeps the YAML's choice
            else:
                setattr(opts, k, v)
        return opts


@dataclass
class Studies:
    """Study results for the workbook; each kind has its sheet (static values, inputs stated).

    The first six are what ``finmodel run`` can add to the report; the rest come from the study
    commands (``finmodel breakeven/sensitivity/compare -o``) and are written by
    :func:`finmodel.report.write_study_workbook` only.
    """

    corridor: Any = None            # breakeven.Corridor
    corridor_error: str | None = None
    breakeven: Any = None           # DataFrame of breakeven_table
    tornado: Any = None             # sensitivity TornadoResult
    grids: list = field(default_factory=list)
    montecarlo: Any = None          # sensitivity MonteCarloResult
    solves: list = field(default_factory=list)     # breakeven.BreakEven: single solves (Break-even sheet)
    spider: Any = None              # sensitivity SpiderResult (Sensitivity sheet)
    sobol: Any = None               # sensitivity GlobalResult, method "sobol" (Sensitivity sheet)
    morris: Any = None              # sensitivity GlobalResult, method "morris" (Sensitivity sheet)
    compare: Any = None             # sensitivity CompareResult (Compare sheet)
    #: The break-even table's drivers, English label -> key (finmodel.breakeven.TABLE_DRIVERS): a
    #: solve of one of them is named as the table names it (in Chinese in a zh workbook).
    driver_keys: dict[str, str] = field(default_factory=dict)

    def has_breakeven(self) -> bool:
        return bool(self.solves) or self.breakeven is not None or self.corridor is not None

    def has_sensitivity(self) -> bool:
        return (self.tornado is not None or bool(self.grids) or self.spider is not None or self.sobol is not None
                or self.morris is not None)

    def empty(self) -> bool:
        return not (self.has_breakeven() or self.has_sensitivity() or self.montecarlo is not None
                    or self.compare is not None)


def corridor_dict(c) -> dict | None:
    if c is None:
        return None
    d = c.to_dict()
    return {k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in d.items()}


def mc_histogram(mc, metric: str = "npv") -> tuple[list[float], list[int]]:
    h = mc.metrics.get(metric, {}).get("histogram", {})
    return list(h.get("edges", [])), list(h.get("counts", []))


def finite(x) -> bool:
    try:
        return x is not None and math.isfinite(float(x))
    except (TypeError, ValueError):
        return False


__all__ = ["ReportOptions", "Studies", "corridor_dict", "mc_histogram", "finite"]
