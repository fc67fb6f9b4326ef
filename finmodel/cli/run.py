"""``finmodel run``: project a scenario, print its KPIs and verdict, write its workbook."""

from __future__ import annotations

import shlex
from pathlib import Path

import click

from ..i18n import explicit, is_zh, t
from ..verdict import least_support_set
from .helptext import HelpCommand
from .options import Count, emit_json, json_option, load_scenario, outdir_option, scenario_argument, set_option


def _irr_note(flag: dict) -> str:
    if flag["multiple"]:
        roots = ", ".join(f"{r * 100:.2f} %" for r in flag["roots"])
        return t(f"  (several IRRs: {roots}; the investment root is shown, where NPV falls through zero)",
                 f"  (有多个内部收益率: {roots}; 显示投资型根,即净现值由正转负处)")
    if flag["reason"] not in ("ok",):
        return f"  ({irr_reason(flag['reason'])})"
    return ""


def irr_reason(reason: str) -> str:
    """Why there is no IRR, for a reader (finmodel.metrics.IRR_REASONS)."""
    return {"no_sign_change": t("no sign change: no IRR", "现金流不变号,无内部收益率"),
            "no_root": t("no root", "无解"),
            "no_investment_root": t("no investment root", "无投资型根"),
            "artefact_roots_only": t("only artefact roots below -50 %", "仅有低于-50%的伪根"),
            "empty": t("no cash flows", "无现金流")}.get(reason, reason.replace("_", " "))


def kpi_rows(s: dict) -> list[tuple[str, str]]:
    """The KPI block of ``finmodel run``: (label, value) in the current language; metric labels from the rows."""
    from .. import registry

    m = s["metrics"]
    zh = is_zh()

    def money(v):
        return t("n/a", "无") if v is None else f"{v / 1e4:,.2f} 万元"

    def pct(v):
        return t("n/a", "无") if v is None else f"{v * 100:.2f} %"

    def yrs(v):
        return t("not within the concession", "运营期内未回收") if v is None else f"{v:.2f} {t('years', '年')}"

    def ratio(v):
        return t("n/a (no debt)", "无(无借款)") if v is None else f"{v:.2f}"

    def lab(key):
        return registry.label(key, zh, short=True)

    refit = t("  (cumulative cash turns negative again later)", "  (其后累计现金流量再次转负)")
    rows = [
        (t("Scenario", "情景"), s["scenario"] + (f"  ({s['title']})" if s.get("title") else "")),
        (t("Discount rate / hurdle", "折现率 / 基准收益率"), f"{pct(s['discount_rate'])} / {pct(s['equity_hurdle_rate'])}"),
        (lab("npv"), money(m["npv"])),
        (lab("equity_npv"), money(m["equity_npv"])),
        (lab("project_irr"), pct(m["project_irr"]) + _irr_note(s["flags"]["project_irr"])),
        (lab("equity_irr"), pct(m["equity_irr"]) + _irr_note(s["flags"]["equity_irr"])),
        (lab("mirr"), pct(m["mirr"])),
        (lab("payback_years"), yrs(m["payback_years"]) + (refit if s["flags"]["payback_refit_negative"] else "")),
        (lab("discounted_payback_years"), yrs(m["discounted_payback_years"])),
        (lab("min_cumulative_cash"), money(m["min_cumulative_cash"])),
        (f"{lab('dscr_min')} / {lab('dscr_avg')}", f"{ratio(m['dscr_min'])} / {ratio(m['dscr_avg'])}"),
        (lab("margin_avg"), pct(m["margin_avg"])),
        (lab("subsidy_dependence"), pct(m["subsidy_dependence"])),
    ]
    mix, ref = s["revenue_mix"], s["revenue_mix_reference"]
    names = {"rent": t("rent", "租金"), "parking": t("parking", "停车"), "property_fees": t("property fees", "物业费"),
             "other": t("other", "其他")}
    paper = s.get("paper_case", True)
    mix_txt = "  ".join(f"{names[k]} {pct(mix[k])}" + (f" ({t('paper', '论文')} {ref[k] * 100:.0f} %)" if paper else "")
                        for k in mix)
    rows.append((t(f"Revenue mix {s['revenue_mix_year']}", f"{s['revenue_mix_year']}年收入结构"), mix_txt))
    return rows


def aligned(rows: list[tuple[str, str]], width: int = 28) -> list[str]:
    """Label and value lines, labels padded by display width (Chinese counts two columns)."""
    from ..text import ljust, width as text_width

    w = max([width] + [text_width(k) + 2 for k, _ in rows])
    return [f"{ljust(k, w)}{v}" for k, v in rows]


@click.command("run", cls=HelpCommand)
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
@click.option("--montecarlo", "mc_draws", type=Count(0, 1_000_000), default=None, metavar="N",
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
            raise UsageError(t(f"--pdf takes 'summary' or nothing (the whole workbook), not '{pdf}'",
                               f"--pdf 只接受 summary 或不带值(整个工作簿),不能是 '{pdf}'"), param="pdf")
    if pdf and no_report:
        raise UsageError("--pdf prints the workbook: it cannot go with --no-report", param="pdf")
    if pdf:
        from ..report.recalc import require_soffice
        require_soffice("--pdf")
    ld = load_scenario(scenario, sets)
    a = ld.assumptions
    lang = lang or explicit()
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
    rows = kpi_rows(s)
    if s.get("government"):
        from ..government import summary_rows
        rows += summary_rows(s["government"])
    c = done.studies.corridor
    if c is not None:
        rows.append((t("Subsidy corridor", "补贴区间"), c.message))
        given = _given(scenario, sets)
        for which in ("least", "most"):
            if c.sets(which):
                word = {"least": t("check least:", "复核下限:"), "most": t("check most:", "复核上限:")}[which]
                rows.append((f"  {word}", f"finmodel run {given}--no-report " + " ".join(f"--set {x}" for x in c.sets(which))))
    rows += verdict_rows(s["verdict"])
    added = _added(opts)
    if added and s["report"]:
        rows.append((t("Studies added", "附加分析"), added))
    for line in aligned(rows):
        click.echo(line)
    if s["report"]:
        click.echo(f"{t('Report', '报告')}: {s['report']}")
    if s["pdf"]:
        click.echo(f"PDF: {s['pdf']}")


#: What ``--pdf`` prints: the whole workbook, or the Summary and the Government view.
PDF_KINDS = ("full", "summary")
SUMMARY_PDF_SHEETS = ("summary", "government")


def verdict_rows(v: dict) -> list[tuple[str, str]]:
    """The verdict: its tier, the least support to the next tier with the --set that reproduces it, the paper."""
    rows = [(t("Verdict", "结论"), t(f"tier {v['tier']}: {v['en']} ({v['zh']})", f"第{v['tier']}档: {v['zh']}"))]
    least = v.get("least_support_to_next_tier")
    if least is not None:
        label = t(f"To tier {v['tier'] + 1}", f"升至第{v['tier'] + 1}档")
        if least == float("inf"):
            rows.append((label, t("no subsidy in the search range is enough", "搜索范围内的补贴均不足")))
        else:
            need, override = least_support_set(least)
            rows.append((label, t(f"a first-year subsidy of {need:,} CNY/year", f"首年补贴 {need:,} 元/年")
                         + f" (--set {override})"))
    if v.get("paper"):
        rows.append((t("The paper", "与论文的关系"), v["paper"]["zh" if is_zh() else "en"]))
    return rows


def _added(opts) -> str:
    """The studies this run added to the workbook, and their sheets (flags and the YAML's report: section)."""
    parts = []
    if opts.breakeven_table:
        parts.append(t("break-even table (sheet Break-even)", "盈亏平衡表(「盈亏平衡」表)"))
    sens = ([t("tornado", "龙卷风图")] if opts.tornado else []) + (
        [t(f"{len(opts.grids)} grid(s)", f"{len(opts.grids)}个网格")] if opts.grids else [])
    if sens:
        parts.append(t(f"{' and '.join(sens)} (sheet Sensitivity)", f"{'、'.join(sens)}(「敏感性」表)"))
    if opts.montecarlo_draws:
        n, seed = opts.montecarlo_draws, opts.montecarlo_seed or 0
        parts.append(t(f"Monte Carlo, {n:,} draws, seed {seed} (sheet Monte Carlo)",
                       f"蒙特卡洛模拟 {n:,} 次,随机种子 {seed}(「蒙特卡洛」表)"))
    return t("; ", ";").join(parts)


def _given(scenario, sets) -> str:
    """The scenario and overrides of this run, as the start of a check command line."""
    given = ([shlex.quote(str(scenario))] if scenario else []) + [f"--set {shlex.quote(s)}" for s in sets]
    return "".join(g + " " for g in given)


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
