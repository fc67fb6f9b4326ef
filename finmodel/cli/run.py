"""``finmodel run``: project a scenario, print its KPIs and verdict, write its workbook."""

from __future__ import annotations

import shlex
from pathlib import Path

import click

from .options import emit_json, json_option, load_scenario, outdir_option, scenario_argument, set_option


def _irr_note(flag: dict) -> str:
    if flag["multiple"]:
        roots = ", ".join(f"{r * 100:.2f} %" for r in flag["roots"])
        return f"  (several IRRs: {roots}; the investment root is shown, where NPV falls through zero)"
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


@click.command("run")
@scenario_argument
@set_option
@json_option
@outdir_option
@click.option("--no-report", is_flag=True, help="Do not write the workbook.")
@click.option("--lang", "lang", type=click.Choice(["zh", "en"]), default=None,
              help="Language of the workbook (default: report.language in the YAML; the J-community case uses zh).")
@click.option("--pdf", "pdf", is_flag=False, flag_value="full", default=None, metavar="[summary]",
              help="Also print the workbook to <DIR>/<scenario>.pdf through LibreOffice (soffice); --pdf summary: "
                   "only the Summary (the verdict) and the Government view, to <DIR>/<scenario>_summary.pdf.")
@click.option("--no-corridor", is_flag=True,
              help="Skip the subsidy corridor and the least support to the next tier, for a faster run.")
@click.option("--breakeven-table", "breakeven_table", is_flag=True,
              help="Add the Break-even sheet: the break-even table (NPV = 0) of the key drivers.")
@click.option("--tornado", is_flag=True, help="Add the Sensitivity sheet with the tornado of NPV.")
@click.option("--grid", "grids", multiple=True, metavar="PATH=LO:HI:N",
              help="Add a grid of NPV to the Sensitivity sheet (a heat map); give it twice for a two-way grid.")
@click.option("--montecarlo", "mc_draws", type=click.IntRange(0, 1_000_000), default=None, metavar="N",
              help="Add the Monte Carlo sheet with N draws of the scenario's uncertainty section.")
@click.option("--seed", type=click.IntRange(0, None), default=None, help="Seed of the Monte Carlo draws (default 0).")
def run_cmd(scenario, sets, as_json, outdir, no_report, lang, pdf, no_corridor, breakeven_table, tornado, grids,
            mc_draws, seed):
    """Project a scenario, print its KPIs and verdict and write its workbook to DIR.

    The YAML's report: section chooses what goes into the workbook; the flags add to it.

    Example: finmodel run assumptions/j_community.yaml --set support.subsidy_annual_cny=1.5e6 --pdf summary
    """
    from ..errors import UsageError
    from ..studies import run_scenario

    if pdf is not None and pdf not in PDF_KINDS:
        if scenario is None and not pdf.startswith("-"):    # run --pdf SCENARIO: the flag, then the scenario
            scenario, pdf = pdf, "full"
        else:
            raise UsageError(f"--pdf takes 'summary' or nothing (the whole workbook), not '{pdf}'", param="pdf")
    if pdf and no_report:
        raise UsageError("--pdf prints the workbook: it cannot go with --no-report", param="pdf")
    if pdf:
        from ..report.recalc import require_soffice
        require_soffice("--pdf")
    ld = load_scenario(scenario, sets)
    a = ld.assumptions
    opts = _report_options(a, lang, no_corridor, no_report, breakeven_table, tornado, grids, mc_draws, seed)
    opts.command = _command(scenario, sets, outdir, lang, pdf, no_corridor, breakeven_table, tornado, grids,
                            mc_draws, seed)
    done = run_scenario(a, opts)
    s = done.summary
    s["report"] = None
    s["pdf"] = None
    if not no_report:
        s["report"], s["pdf"] = _write(done, ld, opts, Path(outdir), pdf)
    if as_json:
        emit_json(s)
        return
    for line in _kpi_lines(s):
        click.echo(line)
    if s.get("government"):
        from ..government import summary_lines
        for line in summary_lines(s["government"]):
            click.echo(line)
    if done.studies.corridor is not None:
        click.echo(f"Subsidy corridor        {done.studies.corridor.message}")
    for line in verdict_lines(s["verdict"]):
        click.echo(line)
    if s["report"]:
        click.echo(f"Report: {s['report']}")
    if s["pdf"]:
        click.echo(f"PDF: {s['pdf']}")


#: What ``--pdf`` prints: the whole workbook, or the Summary and the Government view.
PDF_KINDS = ("full", "summary")
SUMMARY_PDF_SHEETS = ("summary", "government")


def verdict_lines(v: dict) -> list[str]:
    """The verdict: its tier, the least support to the next tier with the --set that reproduces it, the paper."""
    lines = [f"Verdict                 tier {v['tier']}: {v['en']} ({v['zh']})"]
    least = v.get("least_support_to_next_tier")
    if least is not None:
        if least == float("inf"):
            lines.append(f"To tier {v['tier'] + 1}               no subsidy in the search range is enough")
        else:
            lines.append(f"To tier {v['tier'] + 1}               a first-year subsidy of {least:,.0f} CNY/year "
                         f"(--set support.subsidy_annual_cny={least:.0f})")
    if v.get("paper"):
        lines.append(f"The paper               {v['paper']['en']}")
    return lines


def _report_options(a, lang, no_corridor, no_report, breakeven_table, tornado, grids, mc_draws, seed):
    """The YAML's report: section with the flags added; --no-report keeps only the corridor (the verdict's)."""
    from ..studies import ReportOptions

    opts = ReportOptions.from_assumptions(
        a, language=lang, breakeven_table=breakeven_table, tornado=tornado, grids=[list(grids)] if grids else None,
        montecarlo_draws=mc_draws or None, montecarlo_seed=seed)
    if no_corridor:
        opts.corridor = False
    if no_report:
        opts.breakeven_table = opts.tornado = False
        opts.grids, opts.montecarlo_draws = [], 0
    return opts


def _command(scenario, sets, outdir, lang, pdf, no_corridor, breakeven_table, tornado, grids, mc_draws,
             seed) -> str:
    """The command line shown on the workbook's About: the options that shape it, in a fixed order."""
    words = ["finmodel", "run"] + ([str(scenario)] if scenario else [])
    for item in sets:
        words += ["--set", item]
    words += ["-o", str(outdir)] + (["--lang", lang] if lang else []) + (["--pdf"] if pdf else [])
    words += ["summary"] if pdf == "summary" else []
    words += (["--no-corridor"] if no_corridor else []) + (["--breakeven-table"] if breakeven_table else [])
    words += (["--tornado"] if tornado else []) + [w for g in grids for w in ("--grid", g)]
    words += (["--montecarlo", str(mc_draws)] if mc_draws else []) + (["--seed", str(seed)] if seed is not None else [])
    return shlex.join(words)


def _write(done, ld, opts, outdir: Path, pdf: str | None) -> tuple[str, str | None]:
    """The workbook ``<DIR>/<scenario>.xlsx`` and, with --pdf, its PDF beside it (--pdf summary:
    ``<scenario>_summary.pdf``, the Summary and the Government view only); their paths."""
    from ..io import atomic_write, ensure_dir
    from ..report import write_report

    folder = ensure_dir(outdir)
    name = ld.assumptions.scenario.name
    path = folder / f"{name}.xlsx"
    atomic_write(path, lambda tmp: write_report(done.projection, done.summary, tmp, ld, options=opts,
                                                studies=done.studies, verdict=done.verdict))
    if not pdf:
        return str(path), None
    from ..io import check_not_locked
    from ..report.layout import SHEET_TITLES
    from ..report.recalc import to_pdf
    if pdf == "summary":
        pdf_path = folder / f"{name}_summary.pdf"
        sheets = [SHEET_TITLES[k][0 if opts.language == "zh" else 1] for k in SUMMARY_PDF_SHEETS]
    else:
        pdf_path, sheets = path.with_suffix(".pdf"), None
    check_not_locked(pdf_path)
    to_pdf(path, pdf_path, sheets)
    return str(path), str(pdf_path)
