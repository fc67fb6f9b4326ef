"""The ``finmodel`` group: every command registered here, every failure turned into one line.

Errors: bad input or usage exits 2, an environment fault (unwritable folder, full disk, locked
report) exits 1, Ctrl-C exits 130; each prints exactly one line on stderr,
``error: <file>: <yaml.key>: <what is wrong>``, and no traceback unless ``--debug``
(see :mod:`finmodel.cli.errors`).

The commands live in their own modules and import :mod:`finmodel.cli.options`, never this
module; this module imports them and adds them to the group, so importing any of them first
still leaves every command registered.
"""

from __future__ import annotations

import sys
import traceback

import click

from .. import __version__
from ..i18n import t
from . import options, progress
from .breakeven import breakeven_cmd
from .errors import describe_all, one_line
from .helptext import HelpGroup
from .init import init_cmd
from .portfolio import portfolio_cmd
from .run import run_cmd
from .scenarios import scenarios_cmd
from .schema import schema_cmd
from .table import table_cmd
from .sensitivity import compare_cmd, montecarlo_cmd, sensitivity_cmd
from .validate import validate_cmd

DEBUG = {"on": False}
COMMANDS = (run_cmd, table_cmd, validate_cmd, scenarios_cmd, schema_cmd, init_cmd, breakeven_cmd, sensitivity_cmd, compare_cmd,
            montecarlo_cmd, portfolio_cmd)


def _take_lang(argv: list[str]) -> list[str]:
    """``--lang zh|en`` anywhere on the line: the language of every terminal line and message
    (finmodel.i18n), and of the workbook; the rest of the line without it."""
    from .. import i18n

    out, explicit, i = [], None, 0
    while i < len(argv):
        a = argv[i]
        if a == "--lang" and i + 1 < len(argv) and argv[i + 1] in i18n.LANGS:
            explicit, i = argv[i + 1], i + 2
            continue
        if a.startswith("--lang=") and a.split("=", 1)[1] in i18n.LANGS:
            explicit, i = a.split("=", 1)[1], i + 1
            continue
        out.append(a)
        i += 1
    i18n.start(explicit)
    return out


class FinmodelGroup(HelpGroup):
    """A click group that turns every failure into one line on stderr and an exit code; its help and
    its commands' (finmodel.cli.helptext.HelpCommand) speak the terminal's language."""

    def main(self, args=None, prog_name=None, **kw):  # noqa: D401
        argv = [str(x) for x in (sys.argv[1:] if args is None else args)]
        options.ARGV[:] = argv
        DEBUG["on"] = "--debug" in argv
        progress.STATE["quiet"] = "--quiet" in argv or "-q" in argv
        argv = [a for a in argv if a not in ("--debug", "--quiet", "-q")]    # accepted anywhere on the line
        argv = _take_lang(argv)
        if not argv:                                        # bare `finmodel`: the help, exit 0
            with click.Context(self, info_name=prog_name or "finmodel") as ctx:
                click.echo(self.get_help(ctx))
            sys.exit(0)
        progress.STATE["label"] = next((a for a in argv if not a.startswith("-")), "finmodel")
        status = progress.Status() if progress.enabled() else None
        try:
            if status is None:
                rv = super().main(args=argv, prog_name=prog_name or "finmodel", standalone_mode=False, **kw)
            else:
                from ..progress import listening
                with listening(status):
                    try:
                        rv = super().main(args=argv, prog_name=prog_name or "finmodel", standalone_mode=False, **kw)
                    finally:
                        status.close()
        except click.exceptions.Exit as exc:
            sys.exit(exc.exit_code)
        except (Exception, KeyboardInterrupt) as exc:
            lines, code, has_trace = describe_all(exc)
            if has_trace and DEBUG["on"]:
                traceback.print_exc()
            word = t("error", "错误")
            for line in lines:
                click.echo(f"{word}: {one_line(line)}", err=True)
            sys.exit(code)
        if isinstance(rv, int) and rv:
            sys.exit(rv)
        sys.exit(0)


@click.group(cls=FinmodelGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="finmodel")
@click.option("--debug", is_flag=True, help="Show tracebacks for errors.")
@click.option("-q", "--quiet", is_flag=True, help="No progress line on stderr (it shows on a terminal after a second).")
@click.option("--lang", type=click.Choice(["zh", "en"]), default=None,
              help="Language of the terminal, the messages and the workbook (default: FINMODEL_LANG, then the "
                   "scenario's report.language, then the locale).")
def main(debug: bool, quiet: bool, lang) -> None:
    """finmodel: is renovating and operating an old community 'micro-profit but sustainable'?

    Projects 20-year cash flows from YAML assumptions, solves break-evens, runs sensitivity
    studies and writes Excel reports in 万元. SCENARIO is a YAML file or a packaged scenario
    name; the default is the J-community base case.
    """
    DEBUG["on"] = DEBUG["on"] or debug


for _command in COMMANDS:
    main.add_command(_command)
