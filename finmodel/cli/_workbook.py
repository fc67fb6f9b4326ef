"""``-o DIR`` of the study commands: their results as a workbook ``<DIR>/<scenario>_<study>.xlsx``.

The folder is checked before any work (a file in its place is a usage error, exit 2) and only
created when the results are written; the workbook goes through :func:`finmodel.io.atomic_write`
(a temporary file renamed into place; a file open in Excel or LibreOffice is refused), in the
house style of :func:`finmodel.report.write_study_workbook`.
"""

from __future__ import annotations

from pathlib import Path

import click

from ..errors import UsageError
from ..i18n import t
from .options import command_line


def output_option(f):
    return click.option("-o", "--output", "outdir", default=None, metavar="DIR",
                        help="Also write the results as a workbook, <DIR>/<scenario>_<study>.xlsx, in the "
                             "house style of the report (language: report.language in the YAML).")(f)


def workbook_path(outdir, scenario: str, study: str) -> Path:
    return Path(outdir) / f"{scenario}_{study}.xlsx"


def check_output(outdir, scenario: str | None = None, study: str | None = None) -> None:
    """Fail before the work, not after it: ``-o`` names a file, or the workbook is open elsewhere."""
    if outdir is None:
        return
    folder = Path(outdir)
    if folder.exists() and not folder.is_dir():
        raise UsageError(t(f"{folder}: output path exists and is not a folder", f"{folder}: 输出路径已存在且不是文件夹"),
                         param="outdir")
    if scenario is not None and study is not None:
        from ..io import check_not_locked
        check_not_locked(workbook_path(outdir, scenario, study))


def write_workbook(outdir, a, studies, study: str, loaded=None) -> str:
    """Write ``studies`` to ``<outdir>/<scenario>_<study>.xlsx`` atomically; return its path.

    Break-even solves go with the names of the break-even table's drivers (the report imports no
    study module)."""
    from ..io import atomic_write
    from ..report import write_study_workbook

    if studies.solves and not studies.driver_keys:
        from dataclasses import replace

        from ..breakeven import TABLE_DRIVERS
        studies = replace(studies, driver_keys={label: key for key, label, *_ in TABLE_DRIVERS})
    path = workbook_path(outdir, a.scenario.name, study)
    atomic_write(path, lambda tmp: write_study_workbook(a, tmp, studies, loaded=loaded, command=command_line()))
    return str(path)


def echo_workbook(path: str | None) -> None:
    if path:
        click.echo(f"{t('Workbook', '工作簿')}: {path}")
