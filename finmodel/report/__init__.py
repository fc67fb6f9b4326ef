"""Excel reports: a live, checked, bilingual workbook (see ``docs/report.md``).

``write_report`` is what ``finmodel run`` calls (inside ``finmodel.io.atomic_write``): it writes
the scenario's workbook to ``path``: Summary, Inputs, Time, Calcs, Statements, the studies
asked for, Checks and About, with live formulas that carry their values.
"""

from __future__ import annotations

from pathlib import Path

from .studies import ReportOptions, Studies, run_studies, verdict

__all__ = ["write_report", "write_study_workbook", "ReportOptions", "Studies", "run_studies", "verdict"]


def write_study_workbook(a, path: Path, studies: Studies, **kw) -> Path:
    """Study results (break-even solves, table and corridor; tornado, grids, spider, Sobol, Morris; Monte
    Carlo; compare) as a workbook in the house style (see :func:`finmodel.report.workbook.write_study_workbook`)."""
    from .workbook import write_study_workbook as _w
    return _w(a, path, studies, **kw)


def write_report(pj, summary: dict, path: Path, loaded=None, *, options: ReportOptions | None = None,
                 studies: Studies | None = None, language: str | None = None, command: str | None = None) -> None:
    """Write the scenario's workbook to ``path`` (the caller renames it into place).

    ``options`` say what goes in (default: the YAML ``report:`` section); ``studies`` are results
    already computed (the corridor of ``finmodel run``); the ones asked for and missing are
    computed here. ``language`` ('zh' or 'en') and ``command`` (the command line shown on About)
    override the options.
    """
    from .workbook import write_workbook

    a = pj.assumptions
    opts = options or ReportOptions.from_assumptions(a)
    if language is not None:
        opts.language = language
    if command is not None:
        opts.command = command
    if studies is None:
        studies = run_studies(a, opts)
    write_workbook(pj, summary, Path(path), loaded, opts, studies)
