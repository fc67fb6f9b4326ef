"""Write the workbook: live formulas with cached values, defined names, charts, print set-up.

Sheets, in order: Summary, Statements, Government view, [Break-even], [Sensitivity], [Monte Carlo],
[Compare], Inputs, Time, Calcs, Checks, About: the results first, as a reader prints and reads
them, then the model in FAST order (inputs, time, calculations and their checks). :class:`Writer` is the writer's core
(:mod:`.writer`) with a mixin per group of sheets:

* :mod:`.sheets`: Inputs and the time-based sheets (Time, Calcs, Statements, Government view, Checks);
* :mod:`.summary`: Summary (the verdict box, the key indicators, the corridor, the revenue mix, charts);
* :mod:`.breakeven_sheet`, :mod:`.study_sheets` (Sensitivity, Compare), :mod:`.montecarlo_sheet`:
  the study results, static values with their inputs stated;
* :mod:`.about`: About and the resolved YAML.

The report writes what it is given: the projection, its summary and the verdict for the live
report; study results for a study workbook. It computes none of them.
"""

from __future__ import annotations

from pathlib import Path

from .about import AboutMixin
from .breakeven_sheet import BreakevenSheetMixin
from .montecarlo_sheet import MonteCarloSheetMixin
from .sheets import SheetsMixin
from .studies import ReportOptions, Studies
from .study_sheets import StudySheetsMixin
from .summary import SummaryMixin
from .writer import WriterBase


class Writer(SummaryMixin, SheetsMixin, BreakevenSheetMixin, StudySheetsMixin, MonteCarloSheetMixin, AboutMixin,
             WriterBase):
    """The workbook writer: :class:`WriterBase` and the sheets."""


def write_workbook(pj, summary: dict, path: Path, loaded=None, opts: ReportOptions | None = None,
                   studies: Studies | None = None, *, verdict: dict) -> Writer:
    """The live report of ``pj`` (scenario 0) with its ``summary`` and ``verdict`` (:func:`finmodel.verdict.verdict`)."""
    w = Writer(pj.assumptions, path, loaded, opts, studies, pj=pj, summary=summary, verdict=verdict)
    w.write()
    return w


def write_study_workbook(a, path: Path, studies: Studies, *, language: str | None = None, loaded=None,
                         command: str | None = None) -> Path:
    """The results of the study commands as a workbook in the house style: their sheets and About,
    static values with their inputs stated (seed, N, ranges, metric).

    Break-even (single solves, the table, the corridor with its levers), Sensitivity (tornado,
    grids as heat maps, spider, Sobol, Morris), Monte Carlo and Compare (KPIs side by side and the
    attribution), whichever ``studies`` holds. ``language`` 'zh' or 'en' (default: the scenario's
    ``report.language``); ``command`` is shown on About. For ``finmodel breakeven/sensitivity/
    montecarlo/compare -o``: call it inside ``finmodel.io.atomic_write``.
    """
    if studies.empty():
        raise ValueError("no study results to write")
    opts = ReportOptions.from_assumptions(a, language=language)
    opts.command = command
    Writer(a, Path(path), loaded, opts, studies).write(studies_only=True)
    return Path(path)
