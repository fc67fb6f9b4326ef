"""``finmodel sensitivity``, ``finmodel compare`` and ``finmodel montecarlo``: thin commands over
:mod:`finmodel.sensitivity`. They parse, call the library, print a table (or ``--json``) and leave
every error to the group, which prints one line and exits 2 for bad input.
"""

from __future__ import annotations

import math
from pathlib import Path

import click

from ..engine import DEFAULT_CHUNK, METRIC_NAMES
from ..government import ALL_METRIC_NAMES
from .. import registry, units
from ..errors import UsageError
from ..i18n import is_zh, t
from ..text import table as text_table
from ._workbook import check_output, echo_workbook, output_option, write_workbook
from . import progress
from .helptext import HelpCommand
from .options import (Count, emit_json, json_option, load_scenario, metric_name, scenario_argument, set_option,
                      speak_as, tune_memory)

# --------------------------------------------------------------------------- formatting
def unit(metric: str) -> str:
    """A metric's display unit on the terminal, from its row (amounts in 万元, fractions in %)."""
    code = registry.unit(metric)
    return "万元" if units.display_scale(code) == units.WAN else units.label(code, zh=is_zh())


def titled(metric: str) -> str:
    """A metric with its unit, as a row or a title names it: ``npv [万元]``; ``财务净现值(万元)`` in Chinese."""
    return t(f"{metric} [{unit(metric)}]", f"{metric_name(metric)}({unit(metric)})")


def fm(metric: str, v) -> str:
    """A metric value in its display unit: amounts in 万元, fractions in %, the rest as they are."""
    if v is None or not math.isfinite(v):
        return t("n/a", "无")
    u = units.unit(registry.unit(metric))
    if u.kind == "fraction":
        return f"{v * 100:.2f}"
    return f"{v / u.scale:,.2f}"


def fv(v) -> str:
    """An input value in its own unit."""
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return t("n/a", "无")
    if isinstance(v, str):
        return v
    return f"{v:,.0f}" if abs(v) >= 1e4 else f"{v:.6g}"


def _share(k: int, n: int) -> str:
    """k of n as a percentage that never rounds a few cases to 0 % or 100 %."""
    if 0 < k < n * 0.001:
        return "<0.1 %"
    if n * 0.999 < k < n:
        return ">99.9 %"
    return f"{k / n * 100:.1f} %"


def table(header: list[str], rows: list[list[str]], left: int = 1) -> list[str]:
    """Columns padded to their widest cell by display width (Chinese counts two columns); the first
    ``left`` columns left-aligned, the rest right."""
    return text_table([str(c) for c in header], [[str(c) for c in r] for r in rows], left=left)


def echo_lines(lines) -> None:
    for ln in lines:
        click.echo(ln)


def _shown(n: int, base: int | None, most: int) -> list[int]:
    """Indices of at most ``most`` evenly spread points, ends and base included."""
    if n <= most:
        return list(range(n))
    step = -(-(n - 1) // (most - 2))
    idx = set(range(0, n, step)) | {n - 1}
    if base is not None:
        idx.add(base)
    return sorted(idx)


# --------------------------------------------------------------------------- sensitivity
def _print_tornado(r, scen: str) -> None:
    d = r.to_dict()
    m = d["metric"]
    sw = f"{d['swing'] * 100:g} %"
    click.echo(t(f"Tornado of {titled(m)} for {scen}: base {fm(m, d['base'])}; "
                 f"range declared in the scenario, else base -/+ {sw}",
                 f"{titled(m)}龙卷风图  ({scen}): 基准值 {fm(m, d['base'])};"
                 f"区间取情景中声明的,未声明的为基准值 -/+ {sw}"))
    how = {"declared": t("declared", "声明"), "swing": t("swing", "幅度")}
    rows = []
    for i, x in enumerate(d["drivers"], 1):
        lo = fv(x["low"]) + ("*" if x["clipped_low"] else "")
        hi = fv(x["high"]) + ("*" if x["clipped_high"] else "")
        rows.append([str(i), x["path"], fv(x["base_value"]), lo, hi, fm(m, x["metric_low"]),
                     fm(m, x["metric_high"]), fm(m, x["impact"]), how.get(x["range"], x["range"])])
    head = ["#", t("driver", "驱动因素"), t("base", "基准值"), t("low", "低值"), t("high", "高值"),
            t(f"{m}@low", "低值时"), t(f"{m}@high", "高值时"), t("impact", "影响"), t("range", "区间")]
    echo_lines(table(head, rows, 2))
    if d["clipped"]:
        click.echo(t(f"* clipped to the input's valid range ({d['clipped']} driver(s))",
                     f"* 已截断到输入的有效范围(共 {d['clipped']} 项)"))


def _print_spider(r, scen: str) -> None:
    d = r.to_dict()
    m = d["metric"]
    click.echo(t(f"Spider of {titled(m)} for {scen}: base {fm(m, d['base'])}; each driver moved by the steps",
                 f"{titled(m)}蛛网图  ({scen}): 基准值 {fm(m, d['base'])};各驱动因素按各步长变动"))
    head = [t("driver", "驱动因素")] + [f"{s * 100:+g}%" for s in d["steps"]]
    rows, any_clip = [], False
    for x in d["drivers"]:
        cells = []
        for v, c in zip(x["metric"], x["clipped"]):
            cells.append(fm(m, v) + ("*" if c else ""))
            any_clip |= c
        rows.append([x["path"]] + cells)
    echo_lines(table(head, rows))
    if any_clip:
        click.echo(t("* input clipped to its valid range at this step", "* 该步长下输入已截断到有效范围"))


def _print_grid(r, scen: str) -> None:
    d = r.to_dict()
    m = d["metric"]
    bp = d["base_point"]
    at = f"{d['row_path']} = {fv(bp['row_value'])}" + (f", {d['col_path']} = {fv(bp['col_value'])}"
                                                      if d["col_path"] else "")
    click.echo(t(f"Grid of {titled(m)} for {scen}: base {fm(m, d['base'])} at {at}",
                 f"{titled(m)}网格  ({scen}): 基准值 {fm(m, d['base'])},位于 {at}"))
    rows_all = d["rows"]
    ri = _shown(len(rows_all), bp["row_index"], 25)
    if d["col_path"] is None:
        body = [[fv(rows_all[i]) + (" *" if i == bp["row_index"] else ""), fm(m, d["values"][i])] for i in ri]
        echo_lines(table([d["row_path"], metric_name(m)], body))
        note = (t(f"showing {len(ri)} of {len(rows_all)} points; ", f"显示 {len(rows_all)} 个点中的 {len(ri)} 个;")
                if len(ri) < len(rows_all) else "")
    else:
        cols_all = d["cols"]
        ci = _shown(len(cols_all), bp["col_index"], 9)
        head = [f"{d['row_path']} \\ {d['col_path']}"] + [fv(cols_all[j]) + (" *" if j == bp["col_index"] else "")
                                                          for j in ci]
        body = [[fv(rows_all[i]) + (" *" if i == bp["row_index"] else "")] + [fm(m, d["values"][i][j]) for j in ci]
                for i in ri]
        echo_lines(table(head, body))
        note = (t(f"showing {len(ri)} of {len(rows_all)} rows and {len(ci)} of {len(cols_all)} columns; ",
                  f"显示 {len(rows_all)} 行中的 {len(ri)} 行、{len(cols_all)} 列中的 {len(ci)} 列;")
                if len(ri) < len(rows_all) or len(ci) < len(cols_all) else "")
    on_grid = bp["row_index"] is not None and (d["col_path"] is None or bp["col_index"] is not None)
    mark = (t("* marks the base value", "* 标记基准值") if on_grid
            else t("the base point is not on the grid", "基准点不在网格上"))
    click.echo(t(f"({note}{mark}; --json gives every point)", f"({note}{mark};--json 给出全部点)"))


def _print_global(r, scen: str) -> None:
    d = r.to_dict()
    m = d["metric"]
    src = (t("declared distributions", "情景中声明的分布") if d["inputs_from"] == "distributions"
           else t("uniform over the driver ranges", "在驱动因素区间内均匀分布"))
    if d["study"] == "sobol":
        click.echo(t(f"Sobol indices of {m} for {scen}: N = {d['n']}, {d['runs']:,} runs, inputs {src}, "
                     f"seed {d['seed']}; +/- = half-width of the 95 % bootstrap interval",
                     f"{metric_name(m)}的 Sobol 指数  ({scen}): N = {d['n']},运行 {d['runs']:,} 次,输入为{src},"
                     f"随机种子 {d['seed']};+/- 为 95 % 自助法区间的半宽"))
        rows = [[x["path"], f"{x['S1']:.3f} +/- {x['S1_conf']:.3f}", f"{x['ST']:.3f} +/- {x['ST_conf']:.3f}"]
                for x in d["inputs"]]
        echo_lines(table([t("input", "输入"), t("S1 (first order)", "S1(一阶)"), t("ST (total)", "ST(总效应)")], rows))
    else:
        click.echo(t(f"Morris screening of {titled(m)} for {scen}: {d['trajectories']} trajectories, "
                     f"{d['levels']} levels, {d['runs']:,} runs, inputs {src}, seed {d['seed']}",
                     f"{titled(m)}的 Morris 筛选  ({scen}): {d['trajectories']} 条轨迹,{d['levels']} 个水平,"
                     f"运行 {d['runs']:,} 次,输入为{src},随机种子 {d['seed']}"))
        rows = [[x["path"], fm(m, x["mu_star"]), fm(m, x["mu_star_conf"]), fm(m, x["mu"]), fm(m, x["sigma"])]
                for x in d["inputs"]]
        echo_lines(table([t("input", "输入"), "mu*", "+/- (95 %)", "mu", "sigma"], rows))
        click.echo(t("(effects of moving an input across its whole range; sigma large against mu*: "
                     "interactions or non-linearity)",
                     "(输入在其整个区间内变动的效应;sigma 相对 mu* 较大: 存在交互作用或非线性)"))


def _metric_option(f):
    return click.option("--metric", default="npv", show_default=True, metavar="NAME",
                        help=f"Metric to study, by its name in 'finmodel run --json' (or a gov_* metric of the "
                             f"government view): {', '.join(ALL_METRIC_NAMES)}.")(f)


def _chunk_option(f):
    return click.option("--chunk-size", type=Count(1), default=DEFAULT_CHUNK, show_default=True, metavar="N",
                        help="Scenarios evaluated at once (memory); results do not depend on it.")(f)


@click.command("sensitivity", cls=HelpCommand)
@scenario_argument
@click.option("--tornado", is_flag=True, help="Metric at each driver's low and high value, sorted by impact (the default).")
@click.option("--spider", is_flag=True, help="Metric at relative steps of each driver (sensitivity.spider_steps, -30 %..+30 %).")
@click.option("--grid", "grids", multiple=True, metavar="PATH=LO:HI:N",
              help="A one-way table; give it twice for a two-way table. LO, HI absolute or relative "
                   "(-20%:+20%:41: an odd N puts the base in the middle).")
@click.option("--sobol", is_flag=True, help="Sobol first-order and total indices with 95 % intervals (SALib).")
@click.option("--morris", is_flag=True, help="Morris screening: mu*, mu, sigma (SALib).")
@_metric_option
@click.option("--driver", "drivers", multiple=True, metavar="PATH",
              help="A driver (repeatable); default: the scenario's sensitivity.drivers, else the key drivers.")
@click.option("--swing", type=float, default=None, metavar="FRACTION",
              help="Relative swing for every driver, e.g. 0.2 for -/+20 % (overrides declared ranges).")
@click.option("-n", "n", type=Count(1), default=None, metavar="N",
              help="Sobol: base sample N, a power of two (default 1024). Morris: trajectories (default 20).")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the Sobol or Morris design.")
@click.option("--inputs", type=click.Choice(["auto", "ranges", "distributions"]), default="auto", show_default=True,
              help="Sobol/Morris inputs: declared distributions, or uniform over the driver ranges; "
                   "auto = distributions when declared and no --driver is given.")
@click.option("--levels", type=int, default=4, show_default=True, help="Morris grid levels (even).")
@_chunk_option
@set_option
@json_option
@output_option
def sensitivity_cmd(scenario, tornado, spider, grids, sobol, morris, metric, drivers, swing, n, seed, inputs,
                    levels, chunk_size, sets, as_json, outdir):
    """Which assumptions matter: tornado, spider, one- or two-way grids, Sobol, Morris.

    \b
    Examples:
      finmodel sensitivity --tornado --metric npv
      finmodel sensitivity --spider --driver capex.renovation_cny
      finmodel sensitivity --grid space.tiers.2.rent_cny_per_m2_day=-20%:+20%:41 --grid support.subsidy_annual_cny=0:2e6:21
      finmodel sensitivity --sobol -n 1024
      finmodel sensitivity --grid capex.renovation_cny=-20%:+20%:5 --grid support.subsidy_annual_cny=0:3e6:7 -o outputs
    """
    from .. import sensitivity as S
    from ..report import Studies

    tune_memory()
    speak_as(scenario)
    modes = [name for name, on in (("--tornado", tornado), ("--spider", spider), ("--grid", bool(grids)),
                                   ("--sobol", sobol), ("--morris", morris)) if on]
    if len(modes) > 1:
        raise UsageError(t(f"choose one study, not {' and '.join(modes)}", f"只能选择一种分析,不能同时用 {' 和 '.join(modes)}"),
                         source="sensitivity")
    mode = modes[0] if modes else "--tornado"
    S.sample.check_metric(metric)
    if n is not None and mode not in ("--sobol", "--morris"):
        raise UsageError(t("-n applies to --sobol and --morris only", "-n 只用于 --sobol 和 --morris"), param="n")
    if chunk_size < 1:
        raise UsageError(t(f"chunk size must be at least 1, got {chunk_size}", f"每批情景数至少为 1,实为 {chunk_size}"),
                         param="chunk_size")
    study = mode[2:]
    check_output(outdir)
    ld = load_scenario(scenario, sets)
    a = ld.assumptions
    check_output(outdir, a.scenario.name, study)
    if mode == "--tornado":
        r, show = S.run_tornado(a, metric, drivers or None, swing, chunk_size=chunk_size), _print_tornado
    elif mode == "--spider":
        r, show = S.run_spider(a, metric, drivers or None, chunk_size=chunk_size), _print_spider
    elif mode == "--grid":
        r, show = S.run_grid(a, grids, metric, chunk_size=chunk_size), _print_grid
    elif mode == "--sobol":
        r = S.run_sobol(a, metric, 1024 if n is None else n, seed, drivers or None, swing, inputs,
                        chunk_size=chunk_size)
        show = _print_global
    else:
        r = S.run_morris(a, metric, 20 if n is None else n, seed, drivers or None, swing, inputs, levels,
                         chunk_size=chunk_size)
        show = _print_global
    book = None
    if outdir is not None:
        st = Studies()
        if study == "grid":
            st.grids = [r]
        else:
            setattr(st, study, r)
        book = write_workbook(outdir, a, st, study, ld)
    if as_json:
        emit_json({"scenario": a.scenario.name, **r.to_dict(), "workbook": book})
    else:
        show(r, a.scenario.name)
        echo_workbook(book)


# --------------------------------------------------------------------------- compare
@click.command("compare", cls=HelpCommand)
@click.argument("files", nargs=-1, metavar="[SCENARIO.yaml ...]")
@click.option("--set-file", "set_file", default=None, metavar="FILE",
              help="A scenario-set file: a base and named overrides (see assumptions/j_community_scenarios.yaml); "
                   "a SCENARIO given with it replaces the file's base.")
@click.option("--reference", default=None, metavar="NAME",
              help="Scenario the others are attributed against (default: the set file's reference, else the first).")
@_metric_option
@_chunk_option
@set_option
@json_option
@output_option
def compare_cmd(files, set_file, reference, metric, chunk_size, sets, as_json, outdir):
    """Scenarios side by side, and what each difference contributes to the change in NPV.

    The attribution takes each differing assumption from the other scenario one at a time; the
    interaction remainder makes the parts add up to the total change.

    \b
    Examples:
      finmodel compare assumptions/j_community.yaml my_variant.yaml
      finmodel compare --set-file assumptions/j_community_scenarios.yaml -o outputs
    """
    from .. import i18n, sensitivity as S
    from ..report import Studies

    speak_as(files[0] if files else set_file)
    S.sample.check_metric(metric)
    check_output(outdir)
    if set_file:
        if len(files) > 1:
            raise UsageError(t("with --set-file give at most one SCENARIO (the base)",
                               "使用 --set-file 时至多给出一个 SCENARIO(作为基准)"), source="compare")
        variants, ref = S.sample.variants_from_set_file(set_file, sets, files[0] if files else None)
        reference = reference or ref
    else:
        variants = S.sample.variants_from_files(files, sets)
    names = [v.name for v in variants]
    ref = variants[names.index(reference)] if reference in names else (variants[0] if reference is None else None)
    i18n.set_language(scenario=(ref or variants[0]).assumptions.report.language)   # as the reference asks
    if ref is not None:         # an unknown reference is run_compare's usage error
        check_output(outdir, ref.assumptions.scenario.name, "compare")
    r = S.run_compare(variants, reference, metric, chunk_size=chunk_size)
    book = None
    if outdir is not None:
        from types import SimpleNamespace
        given = SimpleNamespace(path=set_file or ", ".join(str(f) for f in files), overrides=list(sets))
        book = write_workbook(outdir, ref.assumptions, Studies(compare=r), "compare", given)
    if as_json:
        emit_json({**r.to_dict(), "workbook": book})
        return
    _print_compare(r, book)


def _print_compare(r, book: str | None) -> None:
    """The metrics side by side, then each change in a metric split by assumption."""
    d = r.to_dict()
    names = [s["name"] for s in d["scenarios"]]
    click.echo(t(f"Scenarios compared (reference: {d['reference']}); money in 万元, rates in %, paybacks in years",
                 f"情景比较(参照情景: {d['reference']});金额单位万元,比率单位 %,回收期单位年"))
    rows = [[titled(k)] + [fm(k, s["metrics"][k]) for s in d["scenarios"]] for k in METRIC_NAMES]
    echo_lines(table([t("metric", "指标")] + names, rows))
    for att in d["attribution"]:
        m = att["metric"]
        click.echo("")
        total, ends = fm(m, att["total"]), f"{fm(m, att['from_value'])} -> {fm(m, att['to_value'])}"
        click.echo(t(f"Change in {titled(m)} from {att['from']} to {att['to']}: {total} ({ends})",
                     f"{titled(m)}从 {att['from']} 到 {att['to']} 的变动: {total}  ({ends})"))
        body = [[p["path"], fv(p["from"]), fv(p["to"]), fm(m, p["change"]) + (" !" if p["note"] else "")]
                for p in att["parts"]]
        body.append([t("interaction remainder", "交互作用余项"), "", "", fm(m, att["remainder"])])
        body.append([t("total", "合计"), "", "", fm(m, att["total"])])
        echo_lines(table([t("assumption", "假设"), t("from", "原值"), t("to", "新值"), t("change", "变动")], body))
        if any(p["note"] for p in att["parts"]):
            click.echo(t("! not valid on its own; its effect is in the remainder", "! 单独变动时无效;其影响计入余项"))
    echo_workbook(book)


# --------------------------------------------------------------------------- Monte Carlo
def _write_outputs(res, folder: Path, save_draws: bool, fmt: str, as_json_doc: dict, a, ld) -> list[str]:
    """The summary JSON, the draws (with --save-draws) and the workbook, in that order."""
    from ..io import atomic_write, dumps, ensure_dir
    from ..report import Studies

    folder = ensure_dir(folder)
    name = res.scenario
    out = []
    p = folder / f"{name}_montecarlo.json"
    atomic_write(p, lambda tmp: tmp.write_text(dumps(as_json_doc), encoding="utf-8"))
    out.append(str(p))
    if save_draws:
        df = res.draws_frame()
        if fmt == "parquet":
            p = folder / f"{name}_montecarlo_draws.parquet"
            atomic_write(p, lambda tmp: df.to_parquet(tmp))
        else:
            p = folder / f"{name}_montecarlo_draws.csv"
            atomic_write(p, lambda tmp: df.to_csv(tmp, float_format="%.17g"))
        out.append(str(p))
    out.append(write_workbook(folder, a, Studies(montecarlo=res), "montecarlo", ld))
    return out


@click.command("montecarlo", cls=HelpCommand)
@scenario_argument
@click.option("-n", "n", type=Count(1), default=10_000, show_default=True, metavar="N", help="Number of draws (1e6 and 1_000_000 are accepted).")
@click.option("--seed", type=int, default=0, show_default=True,
              help="Seed: the same seed gives the same draws bit for bit, whatever --chunk-size or --workers.")
@click.option("--metric", "metrics", multiple=True, metavar="NAME",
              help="Metric to summarise (repeatable); default: all of 'finmodel run --json'.")
@click.option("--payback-years", type=float, default=None, metavar="YEARS",
              help="Report P(payback later than YEARS); default: the concession length.")
@click.option("--cash-limit", type=float, default=None, metavar="CNY",
              help="Report P(min cumulative cash < CNY); default: the base case's minimum (more funding than planned).")
@click.option("--method", type=click.Choice(["iman_conover", "gaussian_copula"]), default=None,
              help="Rank-correlation method (default: the scenario's uncertainty.correlation_method).")
@click.option("--bins", type=click.IntRange(1, 1000), default=30, show_default=True, help="Histogram bins.")
@click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True,
              help="Cores used (results unchanged): the compiled kernel's threads when numba is installed, "
                   "else processes evaluating blocks of draws in parallel.")
@_chunk_option
@click.option("-o", "--output", "outdir", default=None, metavar="DIR",
              help="Write the summary JSON and the workbook <scenario>_montecarlo.xlsx (and the draws with "
                   "--save-draws) to DIR.")
@click.option("--save-draws", is_flag=True, help="Save every draw (inputs and metrics) to DIR (default outputs/).")
@click.option("--draws-format", type=click.Choice(["csv", "parquet"]), default="csv", show_default=True,
              help="File format of the saved draws (Parquet needs pyarrow).")
@set_option
@json_option
def montecarlo_cmd(scenario, n, seed, metrics, payback_years, cash_limit, method, bins, workers, chunk_size,
                   outdir, save_draws, draws_format, sets, as_json):
    """Monte Carlo over the scenario's uncertainty section: percentiles, risks, histograms.

    \b
    Examples:
      finmodel montecarlo -n 100000 --seed 1
      finmodel montecarlo -n 1000000 --workers 2 -o outputs --json
      finmodel montecarlo -n 10000 --seed 1 -o outputs      # JSON summary + workbook
    """
    from .. import sensitivity as S

    tune_memory()
    speak_as(scenario)
    if n <= 0:
        raise UsageError(t(f"the number of draws must be positive, got {n}", f"抽样次数必须为正,实为 {n}"), param="n")
    for m in metrics:
        S.sample.check_metric(m)
    if save_draws and draws_format == "parquet":
        try:
            import pyarrow  # noqa: F401
        except ImportError:
            raise UsageError(t("Parquet needs pyarrow (pip install pyarrow); or use --draws-format csv",
                               "Parquet 需要 pyarrow(pip install pyarrow);或改用 --draws-format csv"),
                             param="draws_format") from None
    check_output(outdir)
    ld = load_scenario(scenario, sets)
    a = ld.assumptions
    if outdir is not None or save_draws:
        check_output(outdir or "outputs", a.scenario.name, "montecarlo")
    kw = dict(metrics=tuple(metrics) or METRIC_NAMES, chunk_size=chunk_size, keep_draws=save_draws,
              workers=workers, payback_years=payback_years, cash_limit=cash_limit, bins=bins, method=method)
    progress.STATE.update(label=t("Monte Carlo", "蒙特卡洛模拟"), total=n)       # the status line of the group (cli.progress)
    res = S.run_montecarlo(a, n, seed, **kw)
    doc = res.to_dict()
    files = []
    if outdir is not None or save_draws:
        files = _write_outputs(res, Path(outdir or "outputs"), save_draws, draws_format, doc, a, ld)
    book = files[-1] if files else None
    if as_json:
        emit_json({**doc, "files": files, "workbook": book})
        return
    _print_montecarlo(res, doc, files, book)


def _print_montecarlo(res, doc: dict, files: list[str], book: str | None) -> None:
    """Percentiles of each metric, the risks with their standard errors, the files written."""
    meth = "Iman-Conover" if res.method == "iman_conover" else t("Gaussian copula", "高斯 Copula")
    click.echo(t(f"Monte Carlo of {res.scenario}: {res.n:,} draws, seed {res.seed}, {len(res.inputs)} uncertain inputs "
                 f"({meth} rank correlation); {res.truncated:,} draws truncated to valid ranges",
                 f"蒙特卡洛模拟  ({res.scenario}): 抽样 {res.n:,} 次,随机种子 {res.seed},{len(res.inputs)} 个不确定输入"
                 f"({meth} 秩相关);{res.truncated:,} 次抽样截断到有效范围"))
    head = [t("metric", "指标"), t("mean", "均值"), t("sd", "标准差"), "P5", "P10", "P50", "P90", "P95",
            t("defined", "有定义")]
    rows = []
    for k, s in doc["metrics"].items():
        rows.append([titled(k), fm(k, s["mean"]), fm(k, s["sd"])]
                    + [fm(k, s[p]) for p in ("p5", "p10", "p50", "p90", "p95")]
                    + [_share(s["n_defined"], res.n)])
    echo_lines(table(head, rows))
    pr = doc["probabilities"]
    lines = []
    if "npv_below_zero" in pr:
        lines.append([f"P({metric_name('npv')} < 0)", pr["npv_below_zero"]])
    if "payback_beyond" in pr:
        y = f"{pr['payback_beyond']['years']:g}"
        lines.append([t(f"P(payback later than {y} years or never)",
                        f"P({metric_name('payback_years')}晚于 {y} 年或不回收)"), pr["payback_beyond"]])
    if "min_cash_below" in pr:
        lim = f"{fm('npv', pr['min_cash_below']['limit'])} 万元"
        lines.append([t(f"P(min cumulative cash < {lim})", f"P({metric_name('min_cumulative_cash')} < {lim})"),
                      pr["min_cash_below"]])
    if lines:
        click.echo("")
        echo_lines(table([t("risk", "风险"), t("probability", "概率"), t("+/- (1 se)", "+/- (1 倍标准误)")],
                         [[x, f"{p['p'] * 100:.2f} %", f"{p['se'] * 100:.2f} %"] for x, p in lines]))
    se = doc["metrics"].get("npv", {}).get("se")
    if se:
        mean, p50 = f"{fm('npv', se['mean'])} 万元", f"{fm('npv', se['p50'])} 万元"
        click.echo(t(f"(standard error of the mean npv: {mean}; of its P50: {p50})",
                     f"({metric_name('npv')}均值的标准误: {mean};其 P50 的标准误: {p50})"))
    for f in files[:-1]:
        click.echo(t(f"wrote {f}", f"已写出 {f}"))
    echo_workbook(book)
