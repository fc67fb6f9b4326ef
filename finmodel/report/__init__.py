"""Excel reports: a live, checked, bilingual workbook (see ``docs/report.md``).

``write_report`` is what ``finmodel run`` calls (inside ``finmodel.io.atomic_write``): it writes
the scenario's workbook to ``path``: Summary, Statements, Government view, the studies asked
for, then Inputs, Time, Calcs, Checks and About, with live formulas that carry their values. The report writes
results it is given and computes none: :func:`finmodel.studies.run_scenario` computes the
projection, its summary, the studies and the verdict (:mod:`finmodel.verdict`).
"""

from __future__ import annotations

from pathlib import Path

from .studies import ReportOptions, Studies

__all__ = ["write_report", "write_study_workbook", "ReportOptions", "Studies"]


def write_study_workbook(a, path: Path, studies: Studies, **kw) -> Path:
    """Study results (break-even solves, table and corridor; tornado, grids, spider, Sobol, Morris; Monte
    Carlo; compare) as a workbook in the house style (see :func:`finmodel.report.workbook.write_study_workbook`)."""
    from .workbook import write_study_workbook as _w
    return _w(a, path, studies, **kw)


def write_report(pj, summary: dict, path: Path, loaded=None, *, studies: Studies, verdict: dict,
                 options: ReportOptions | None = None, language: str | None = None,
                 command: str | None = None) -> None:
    """Write the scenario's workbook to ``path`` (the caller renames it into place).

    ``studies`` are the results the workbook shows (:func:`finmodel.studies.run_studies` computes
    the ones the options ask for; an empty :class:`Studies` for none); ``verdict`` is
    :func:`finmodel.verdict.verdict` of ``pj`` with the corridor of ``studies`` (Summary shows it,
    with the live formula of the same rule); ``options`` say what goes in (default: the YAML
    ``report:`` section). ``language`` ('zh' or 'en') and ``command`` (the command line shown on
    About) override the options.
    """
    from .workbook import write_workbook

    a = pj.assumptions
    opts = options or ReportOptions.from_assumptions(a)
    if language is not None:
        opts.language = language
    if command is not None:
        opts.command = command
    write_workbook(pj, summary, Path(path), loaded, opts, studies, verdict=verdict)
