"""The ``finmodel`` command line: thin commands over the library.

Errors: bad input or usage exits 2, an environment fault (unwritable folder, full disk,
locked report) exits 1, Ctrl-C exits 130; each prints exactly one line on stderr,
``error: <file>: <yaml.key>: <what is wrong>``, and no traceback unless ``--debug``.

Study commands (break-even, sensitivity, ...) live in ``finmodel/commands/`` and register
themselves on the group; they share the options defined here.
"""

from __future__ import annotations

import json
import sys
import traceback
from pathlib import Path

import click

from . import __version__
from .errors import FinmodelError, InputError

DEBUG = {"on": False}
ARGV: list[str] = []          # the arguments of this invocation (the command line shown on a workbook's About)

# TEMPORARY (until the CLI maps them itself): the flag that passes each library argument named by
# InputError.param, so that an error reads "--vary: ..." and not "vary: ...".
PARAM_FLAGS = {
    "vary": "--vary", "target": "--target", "range": "--range", "lo": "--range", "hi": "--range", "pick": "--pick",
    "metric": "--metric", "metrics": "--metric", "drivers": "--driver", "swing": "--swing", "specs": "--grid",
    "n": "-n", "trajectories": "-n", "seed": "--seed", "inputs": "--inputs", "levels": "--levels",
    "chunk_size": "--chunk-size", "workers": "--workers", "reference": "--reference", "paths": "compare",
}


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _fail(line: str, code: int) -> None:
    click.echo(f"error: {_one_line(line)}", err=True)
    sys.exit(code)


class FinmodelGroup(click.Group):
    """A click group that turns every failure into one line on stderr and an exit code."""

    def main(self, args=None, prog_name=None, **kw):  # noqa: D401
        argv = list(sys.argv[1:] if args is None else args)
        ARGV[:] = [str(x) for x in argv]
        DEBUG["on"] = "--debug" in argv
        try:
            rv = super().main(args=argv, prog_name=prog_name or "finmodel", standalone_mode=False, **kw)
        except click.exceptions.Exit as exc:
            sys.exit(exc.exit_code)
        except click.exceptions.Abort:
            click.echo("error: interrupted", err=True)
            sys.exit(130)
        except KeyboardInterrupt:
            click.echo("error: interrupted", err=True)
            sys.exit(130)
        except click.exceptions.UsageError as exc:
            if DEBUG["on"]:
                traceback.print_exc()
            _fail(exc.format_message(), 2)
        except click.exceptions.ClickException as exc:
            _fail(exc.format_message(), 2)
        except FinmodelError as exc:
            if DEBUG["on"]:
                traceback.print_exc()
            line = (exc.line(param_label=PARAM_FLAGS.get(exc.param)) if isinstance(exc, InputError)
                    else exc.line() if hasattr(exc, "line") else str(exc))
            _fail(line, exc.exit_code)
        except MemoryError:
            _fail("out of memory: reduce the number of scenarios or the chunk size", 1)
        except OSError as exc:
            if DEBUG["on"]:
                traceback.print_exc()
            where = f"{exc.filename}: " if getattr(exc, "filename", None) else ""
            _fail(f"{where}{exc.strerror or exc}", 1)
        except Exception as exc:  # an internal error: one line, the traceback on request
            if DEBUG["on"]:
                traceback.print_exc()
            _fail(f"internal error ({type(exc).__name__}): {exc}; run again with --debug for the traceback", 1)
        if isinstance(rv, int) and rv:
            sys.exit(rv)
        sys.exit(0)


# --------------------------------------------------------------------------- shared options
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
    import shlex
    return shlex.join(["finmodel"] + ARGV)


def load_scenario(scenario, sets):
    from .scenarios import load
    return load(scenario, sets)


def emit_json(obj) -> None:
    from .io import dumps
    click.echo(dumps(obj))


# --------------------------------------------------------------------------- group
@click.group(cls=FinmodelGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="finmodel")
@click.option("--debug", is_flag=True, help="Show tracebacks for errors.")
def main(debug: bool) -> None:
    """finmodel: is renovating and operating an old community 'micro-profit but sustainable'?

    Projects 20-year cash flows from YAML assumptions, solves break-evens, runs sensitivity
    studies and writes Excel reports in 万元. SCENARIO is a YAML file or a packaged scenario
    name; the default is the J-community base case.
    """
    DEBUG["on"] = DEBUG["on"] or debug


# --------------------------------------------------------------------------- run
def _irr_note(flag: dict) -> str:
    if flag["multiple"]:
        roots = ", ".join(f"{r * 100:.2f} %" for r in flag["roots"])
        return f"  (several IRRs: {roots}; the one nearest zero is shown)"
    if flag["reason"] not in ("ok",):
        return f"  ({flag['reason'].replace('_', ' ')})"
    return ""


def _kpi_lines(s: dict) -> list[str]:
    m = s["metrics"]

    def money(v):
        return "n/a" if v is None else f"{v / 1e4:,.2f} 万元"

    def pct(v):
        return "n/a" if v is None else f"{v * 100:.2f} %"

    def yrs(v):
        return "not within the concession" if v is None else f"{v:.2f} years"

    def ratio(v):
        return "n/a (no debt)" if v is None else f"{v:.2f}"

    rows = [
        ("Scenario", s["scenario"] + (f"  ({s['title']})" if s.get("title") else "")),
        ("Discount rate / hurdle", f"{pct(s['discount_rate'])} / {pct(s['equity_hurdle_rate'])}"),
        ("Project NPV", money(m["npv"])),
        ("Equity NPV", money(m["equity_npv"])),
        ("Project IRR", pct(m["project_irr"]) + _irr_note(s["flags"]["project_irr"])),
        ("Equity IRR", pct(m["equity_irr"]) + _irr_note(s["flags"]["equity_irr"])),
        ("Payback", yrs(m["payback_years"]) + ("  (cumulative cash turns negative again later)" if s["flags"]["payback_refit_negative"] else "")),
        ("Discounted payback", yrs(m["discounted_payback_years"])),
        ("Min cumulative cash", money(m["min_cumulative_cash"])),
        ("DSCR min / avg", f"{ratio(m['dscr_min'])} / {ratio(m['dscr_avg'])}"),
        ("Net margin (avg)", pct(m["margin_avg"])),
        ("Subsidy dependence", pct(m["subsidy_dependence"])),
    ]
    mix = s["revenue_mix"]
    ref = s["revenue_mix_reference"]
    mix_txt = "  ".join(f"{k} {pct(mix[k])} (paper {ref[k] * 100:.0f} %)" for k in mix)
    rows.append((f"Revenue mix {s['revenue_mix_year']}", mix_txt))
    w = max(len(r[0]) for r in rows)
    return [f"{k.ljust(w)}  {v}" for k, v in rows]


@main.command()
@scenario_argument
@set_option
@json_option
@outdir_option
@click.option("--no-report", is_flag=True, help="Do not write the workbook.")
@click.option("--lang", "lang", type=click.Choice(["zh", "en"]), default=None,
              help="Language of the workbook (default: report.language in the YAML; the J-community case uses zh).")
@click.option("--pdf", is_flag=True, help="Also print the workbook to <DIR>/<scenario>.pdf through LibreOffice (soffice).")
@click.option("--no-corridor", is_flag=True,
              help="Skip the subsidy corridor (and the verdict that rests on it) for a faster run.")
@click.option("--breakeven-table", "breakeven_table", is_flag=True,
              help="Add the Break-even sheet: the break-even table (NPV = 0) of the key drivers.")
@click.option("--tornado", is_flag=True, help="Add the Sensitivity sheet with the tornado of NPV.")
@click.option("--grid", "grids", multiple=True, metavar="PATH=LO:HI:N",
              help="Add a grid of NPV to the Sensitivity sheet (a heat map); give it twice for a two-way grid.")
@click.option("--montecarlo", "mc_draws", type=click.IntRange(0, 1_000_000), default=None, metavar="N",
              help="Add the Monte Carlo sheet with N draws of the scenario's uncertainty section.")
@click.option("--seed", type=click.IntRange(0, None), default=None, help="Seed of the Monte Carlo draws (default 0).")
def run(scenario, sets, as_json, outdir, no_report, lang, pdf, no_corridor, breakeven_table, tornado, grids,
        mc_draws, seed):
    """Project a scenario, print its KPIs and verdict and write its workbook to DIR.

    The YAML's report: section chooses what goes into the workbook; the flags add to it.

    Example: finmodel run assumptions/j_community.yaml --set support.subsidy_annual_cny=1.5e6 --pdf
    """
    import shlex

    from .engine import project
    from .errors import UsageError
    from .report.studies import ReportOptions, corridor_dict, run_studies, verdict
    from .summary import summarise

    if pdf and no_report:
        raise UsageError("--pdf prints the workbook: it cannot go with --no-report", source="--pdf")
    if pdf:
        from .report.recalc import require_soffice
        require_soffice("--pdf")
    ld = load_scenario(scenario, sets)
    a = ld.assumptions
    words = ["finmodel", "run"] + ([str(scenario)] if scenario else [])
    for item in sets:
        words += ["--set", item]
    words += ["-o", str(outdir)] + (["--lang", lang] if lang else []) + (["--pdf"] if pdf else [])
    words += (["--no-corridor"] if no_corridor else []) + (["--breakeven-table"] if breakeven_table else [])
    words += (["--tornado"] if tornado else []) + [w for g in grids for w in ("--grid", g)]
    words += (["--montecarlo", str(mc_draws)] if mc_draws else []) + (["--seed", str(seed)] if seed is not None else [])
    opts = ReportOptions.from_assumptions(
        a, language=lang, breakeven_table=breakeven_table, tornado=tornado, grids=[list(grids)] if grids else None,
        montecarlo_draws=mc_draws or None, montecarlo_seed=seed)
    if no_corridor:
        opts.corridor = False
    if no_report:
        opts.breakeven_table = opts.tornado = False
        opts.grids, opts.montecarlo_draws = [], 0
    opts.command = shlex.join(words)
    pj = project(a)
    s = summarise(pj)
    studies = run_studies(a, opts)
    v = verdict(pj, s, studies.corridor) if opts.corridor else None
    s["verdict"] = v
    s["corridor"] = corridor_dict(studies.corridor)
    s["report"] = None
    s["pdf"] = None
    if not no_report:
        from .io import atomic_write, ensure_dir
        from .report import write_report
        folder = ensure_dir(Path(outdir))
        path = folder / f"{a.scenario.name}.xlsx"
        atomic_write(path, lambda tmp: write_report(pj, s, tmp, ld, options=opts, studies=studies))
        s["report"] = str(path)
        if pdf:
            from .io import check_not_locked
            from .report.recalc import to_pdf
            pdf_path = path.with_suffix(".pdf")
            check_not_locked(pdf_path)
            to_pdf(path, pdf_path)
            s["pdf"] = str(pdf_path)
    if as_json:
        emit_json(s)
    else:
        for line in _kpi_lines(s):
            click.echo(line)
        if s.get("government"):
            from .government import summary_lines
            for line in summary_lines(s["government"]):
                click.echo(line)
        c = studies.corridor
        if c is not None:
            click.echo(f"Subsidy corridor        {c.message}")
        if v is not None:
            click.echo(f"Verdict                 {v['en']} ({v['zh']})")
        if s["report"]:
            click.echo(f"Report: {s['report']}")
        if s["pdf"]:
            click.echo(f"PDF: {s['pdf']}")


# --------------------------------------------------------------------------- validate, schema, init
@main.command()
@click.argument("file", metavar="FILE")
@set_option
def validate(file, sets):
    """Check a scenario file (and overrides) against the schema; print one line.

    Example: finmodel validate assumptions/j_community.yaml
    """
    ld = load_scenario(file, sets)
    a = ld.assumptions
    click.echo(f"ok: {ld.path}: scenario '{a.scenario.name}', {a.scenario.concession_years} operating years "
               f"from {a.scenario.start_year + 1}")


@main.command()
@click.option("--markdown", is_flag=True, help="Print the YAML reference as a Markdown table instead.")
def schema(markdown):
    """Print the JSON Schema of the assumptions.

    Example: finmodel schema > schema.json
    """
    if markdown:
        from .schema_doc import markdown as md
        click.echo(md(), nl=False)
        return
    from .assumptions import Assumptions
    click.echo(json.dumps(Assumptions.model_json_schema(), ensure_ascii=False, indent=2))


@main.command()
@click.argument("path", metavar="PATH")
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
def init(path, force):
    """Write a commented starter YAML for a new community.

    Example: finmodel init my_community.yaml
    """
    from .io import write_text_atomic
    from .starter import starter_yaml

    p = Path(path)
    if p.exists() and not force:
        raise InputError("file exists; use --force to overwrite", source=str(p))
    if p.suffix not in (".yaml", ".yml"):
        raise InputError("the starter file name must end in .yaml or .yml", source=str(p))
    write_text_atomic(p, starter_yaml(p.stem))
    click.echo(f"wrote {p}: edit the values marked 'assumed', then run: finmodel validate {p}")


def _register_commands() -> None:
    from . import commands
    commands.register_all(main)


_register_commands()

if __name__ == "__main__":  # pragma: no cover
    main()
