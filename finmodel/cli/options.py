"""What the commands share: the SCENARIO argument, ``--set``, ``--json``, ``-o``, printing JSON,
loading a scenario and the command line of this invocation.

Every command module imports this module (and the library), never :mod:`finmodel.cli.main`.
"""

from __future__ import annotations

import shlex

import click

ARGV: list[str] = []          # the arguments of this invocation (the command line shown on a workbook's About)


class Count(click.ParamType):
    """A whole number of draws or runs, also written 1e6, 1_000_000 or 1,000,000."""

    name = "integer"

    def __init__(self, lo: int = 0, hi: int | None = None):
        self.lo, self.hi = lo, hi

    def convert(self, value, param, ctx):
        from ..i18n import t

        if isinstance(value, int):
            n = value
        else:
            text = str(value).strip().replace("_", "").replace(",", "")
            try:
                x = float(text)
            except ValueError:
                self.fail(t(f"'{value}' is not a whole number (1000, 1e6 and 1_000_000 are)",
                            f"'{value}' 不是整数(1000、1e6 和 1_000_000 都可以)"), param, ctx)
            if not x.is_integer():
                self.fail(t(f"'{value}' is not a whole number", f"'{value}' 不是整数"), param, ctx)
            n = int(x)
        if n < self.lo or (self.hi is not None and n > self.hi):
            top = f"{self.hi:,}" if self.hi is not None else t("any", "不限")
            self.fail(t(f"{n:,} is out of range ({self.lo:,} to {top})", f"{n:,} 超出范围({self.lo:,} 至 {top})"),
                      param, ctx)
        return n


def scenario_argument(f):
    return click.argument("scenario", required=False, metavar="[SCENARIO]")(f)


def set_option(f):
    return click.option("--set", "sets", multiple=True, metavar="PATH=VALUE",
                        help="Override an assumption (repeatable): dotted YAML path, list items by index, "
                             "e.g. --set space.tiers.2.rent_cny_per_m2_day=8")(f)


def json_option(f):
    return click.option("--json", "as_json", is_flag=True, help="Print one JSON object (NaN as null).")(f)


def outdir_option(f):
    return click.option("-o", "--output", "outdir", default="outputs", show_default=True, metavar="DIR",
                        help="Folder for the workbook.")(f)


def command_line() -> str:
    """This invocation as a shell command line: ``finmodel sensitivity --tornado -o out``."""
    return shlex.join(["finmodel"] + ARGV)


def speak_as(scenario) -> None:
    """Speak the language the scenario file asks for (report.language, read without parsing it):
    the checks of a command's arguments, before the file is loaded, and the errors of the file."""
    from .. import i18n
    from ..scenarios import peek_language

    i18n.set_language(scenario=peek_language(scenario))


def load_scenario(scenario, sets):
    """Load a scenario; its warnings (implausible values, study paths skipped) go to stderr."""
    from .. import i18n
    from ..scenarios import load
    from .errors import PARAM_FLAGS

    speak_as(scenario)                                       # errors of the file speak its language
    ld = load(scenario, sets)
    i18n.set_language(scenario=ld.assumptions.report.language)
    for w in ld.warnings:
        click.echo(f"{i18n.t('warning', '警告')}: {w.line(param_label=PARAM_FLAGS.get(w.param))}", err=True)
    return ld


def metric_name(key: str) -> str:
    """A metric as the terminal names it: its key in English (as typed after --metric or in a
    target), its short label in Chinese (from its row)."""
    from .. import registry
    from ..i18n import is_zh

    if not is_zh():
        return key
    try:
        return registry.label(key, True, short=True)
    except KeyError:
        return key


def emit_json(obj) -> None:
    from ..io import dumps
    click.echo(dumps(obj))


def tune_memory() -> None:
    """A batch command asks glibc to keep freed memory for the next chunk (process-wide, so the
    command opts in for its own process; the library never does it by itself)."""
    from .._memory import keep_heap

    keep_heap()
