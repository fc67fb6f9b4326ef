"""``finmodel portfolio``: many communities, one firm's accounts, one district's budget."""

from __future__ import annotations

from pathlib import Path

import click

from ..i18n import explicit, is_zh, t
from .helptext import HelpCommand
from .options import Count, emit_json, json_option, outdir_option


def _money(v) -> str:
    return t("n/a", "无") if v is None else f"{v / 1e4:,.1f}"


def _pct(v) -> str:
    return t("n/a", "无") if v is None else f"{v * 100:.2f} %"


def _year(v) -> str:
    return t("never", "无") if v is None else f"{v:.0f}"


def _tier(v) -> str:
    from ..verdict import label
    return t("n/a", "无") if v is None else f"{int(v)} {label(int(v), is_zh())}"


def _kpi_table(s: dict) -> list[str]:
    """Communities as rows and the firm below them (base case)."""
    from .. import registry
    from ..text import table

    zh = is_zh()
    lab = lambda k: registry.label(k, zh, short=True)      # noqa: E731
    head = [t("Community", "社区"), t("Year 0", "改造年"), lab("verdict_tier"), lab("equity_npv_zero") + t(" (10k)", "(万元)"),
            lab("equity_npv_hurdle") + t(" (10k)", "(万元)"), lab("equity_irr"), lab("payback_years"),
            t("District PV (10k)", "区级支出现值(万元)")]
    rows = []
    for c in s["communities"]:
        m = c["metrics"]
        rows.append([c["name"] + ("" if c["in_district"] else t(" (other district)", "(区外)")), str(c["start_year"]),
                     _tier(m["verdict_tier"]), _money(m["equity_npv_zero"]), _money(m["equity_npv_hurdle"]),
                     _pct(m["equity_irr"]), "-" if m["payback_years"] is None else f"{m['payback_years']:.1f}",
                     _money(m["gov_district_commitment_pv"])])
    f = s["firm"]["metrics"]
    rows.append([t("Firm (consolidated)", "运营方(合并)"), str(s["years"][0]), _tier(f["verdict_tier"]),
                 _money(f["equity_npv_zero"]), _money(f["equity_npv_hurdle"]), "", "", ""])
    return table(head, rows, left=1)


def _firm_lines(s: dict) -> list[tuple[str, str]]:
    from ..portfolio.summary import LABELS

    zh = is_zh()
    f, d = s["firm"], s["district"]
    m = f["metrics"]

    def lab(k):
        return LABELS[k][1 if zh else 0]

    struct = {"one_entity": t("one legal entity: one income tax, one VAT position", "同一法人: 统一缴纳所得税、统一增值税申报"),
              "project_companies": t("one project company per community: each taxed stand-alone",
                                     "每个社区一个项目公司: 各自单独纳税")}[f["legal_structure"]]
    rows = [(t("Firm", "运营方"), f"{f['name']}: {struct}"),
            (t("Rates: project / hurdle / cap", "折现率 / 基准收益率 / 微利上限"),
             " / ".join(_pct(f["rates"][k]) for k in ("project", "hurdle", "cap")))]
    for k in ("npv", "income_tax_standalone_total", "income_tax_total", "tax_saved_by_consolidation", "surcharges_saved",
              "head_office_total", "peak_funding"):
        rows.append((lab(k), f"{_money(m[k])} {t('(10k CNY)', '万元')}"))
    rows.append((lab("cliff_years"), f"{m['cliff_years']:.0f}"))
    rows.append((lab("peak_funding_year"), _year(m["peak_funding_year"])))
    rows.append((lab("self_financing_year"), _year(m["self_financing_year"])))
    rows.append((lab("equity_payback_year"), _year(m["equity_payback_year"])))
    if f.get("vat_general_required_from"):
        rows.append((t("VAT status", "增值税纳税人身份"),
                     t(f"sales pass the general-taxpayer threshold in {f['vat_general_required_from']}: general status is "
                       "compulsory from then (the projection keeps small-scale rates)",
                       f"{f['vat_general_required_from']}年销售额超过一般纳税人标准: 此后须登记为一般纳税人(本测算仍按小规模纳税人税率)")))
    v = f["verdict"]
    rows.append((t("Firm verdict", "运营方结论"), t(f"tier {v['tier']}: {v['en']} ({v['zh']})", f"第{v['tier']}档: {v['zh']}")))
    dm = d["metrics"]
    ok = t("within the red line", "未超过红线") if dm["red_line_ok"] else t("OVER the red line", "超过红线")
    rows.append((t(f"District {d['name']}", f"{d['name']}"),
                 t(f"peak {_pct(dm['budget_share_peak'])} of budget expenditure in {_year(dm['budget_share_peak_year'])} "
                   f"(these deals {dm['deals_share_peak'] * 100:.3f} %), red line {_pct(d['red_line'])}: {ok}",
                   f"占一般公共预算支出比例峰值 {_pct(dm['budget_share_peak'])}({_year(dm['budget_share_peak_year'])}年,"
                   f"本组合 {dm['deals_share_peak'] * 100:.3f} %),红线 {_pct(d['red_line'])}: {ok}")))
    if d["existing_commitments_placeholder"]:
        rows.append(("", t("(existing commitments are a placeholder share)", "(已有支出责任为占位比例)")))
    return rows


def _draw_lines(s: dict) -> list[str]:
    from ..text import table

    head = [t("Community", "社区"), t("P(tier>=3)", "第3档及以上概率"), t("P(tier 1)", "第1档概率"),
            t("equity NPV hurdle P5 / P50 / P95 (10k)", "资本金净现值(基准) P5 / P50 / P95(万元)")]

    def band(st):
        return " / ".join(_money(st[p]) for p in ("p5", "p50", "p95"))

    rows = []
    for c in s["communities"]:
        sh = c["tier_shares"]
        rows.append([c["name"], _pct(sh["3"] + sh["4"]), _pct(sh["1"]), band(c["metrics"]["equity_npv_hurdle"])])
    sh = s["firm"]["tier_shares"]
    rows.append([t("Firm (consolidated)", "运营方(合并)"), _pct(sh["3"] + sh["4"]), _pct(sh["1"]),
                 band(s["firm"]["metrics"]["equity_npv_hurdle"])])
    out = table(head, rows, left=1)
    fm = s["firm"]["metrics"]
    out.append(t(f"Firm peak funding P50 / P95: {_money(fm['peak_funding']['p50'])} / {_money(fm['peak_funding']['p95'])} (10k CNY)",
                 f"运营方最大资金缺口 P50 / P95: {_money(fm['peak_funding']['p50'])} / {_money(fm['peak_funding']['p95'])} 万元"))
    out.append(t(f"District over the red line in {_pct(s['district']['share_over_red_line'])} of the draws",
                 f"区级超过红线的抽样比例: {_pct(s['district']['share_over_red_line'])}"))
    return out


def _client(scheduler: str | None, local_cluster: int | None):
    """A dask.distributed client: on the scheduler at ADDRESS, or on a local cluster of N worker processes."""
    from ..errors import EnvironmentFault, UsageError

    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:
        raise UsageError(t("--scheduler and --local-cluster need dask.distributed: pip install 'finmodel[cluster]'",
                           "--scheduler 与 --local-cluster 需要 dask.distributed: pip install 'finmodel[cluster]'"),
                         param="scheduler") from None
    if local_cluster:
        cluster = LocalCluster(n_workers=local_cluster, threads_per_worker=1, processes=True, dashboard_address=":0")
        return Client(cluster), cluster
    try:
        return Client(scheduler, timeout="20s"), None
    except (OSError, TimeoutError) as exc:
        raise EnvironmentFault(t(f"cannot reach the Dask scheduler at {scheduler}: {exc}",
                                 f"无法连接 Dask 调度器 {scheduler}: {exc}")) from None


@click.command("portfolio", cls=HelpCommand)
@click.argument("file", metavar="FILE")
@click.option("--draws", type=Count(1, 10_000_000), default=None, metavar="N",
              help="Monte Carlo: N draws of each community's uncertainty section, consolidated draw by draw.")
@click.option("--seed", type=click.IntRange(0, None), default=0, show_default=True,
              help="Seed of the draws (each community has its own streams from it).")
@click.option("--chunk", type=Count(1, 10_000_000), default=1000, show_default=True, metavar="N",
              help="Draws per task (the results do not depend on it).")
@click.option("--workers", type=click.IntRange(1, 1024), default=1, show_default=True,
              help="Local worker processes.")
@click.option("--scheduler", default=None, metavar="ADDRESS",
              help="Run the tasks on the Dask cluster whose scheduler is at ADDRESS (tcp://host:8786).")
@click.option("--local-cluster", "local_cluster", type=click.IntRange(1, 1024), default=None, metavar="N",
              help="Run the tasks on a local Dask cluster of N worker processes.")
@click.option("--skip-invalid", is_flag=True,
              help="Leave out a community that fails validation (reported) and go on with the rest.")
@json_option
@outdir_option
@click.option("--no-report", is_flag=True, help="Do not write the workbook.")
def portfolio_cmd(file, draws, seed, chunk, workers, scheduler, local_cluster, skip_invalid, as_json, outdir, no_report):
    """Consolidate a portfolio: the communities, the operator firm's taxes, cash and verdict, and the
    district's commitments against its red line.

    Example: finmodel portfolio assumptions/operator_portfolio.yaml
    """
    from .. import i18n
    from ..errors import UsageError
    from ..portfolio import load_portfolio, run_portfolio
    from ..portfolio.summary import summarise
    from .options import speak_as

    speak_as(file)
    if scheduler and local_cluster:
        raise UsageError(t("give --scheduler or --local-cluster, not both", "--scheduler 与 --local-cluster 只能选一个"),
                         param="scheduler")
    lp = load_portfolio(file, skip_invalid=skip_invalid)
    if not explicit():
        i18n.set_language(scenario=lp.portfolio.portfolio.language)
    for i, name, exc in lp.failed:
        for line in exc.lines():
            click.echo(f"{t('warning', '警告')}: {t(f'community {name} left out', f'社区 {name} 已跳过')}: {line}", err=True)
    from . import progress
    progress.STATE["total"] = len(lp.members) * (draws or 1)
    client = cluster = None
    if scheduler or local_cluster:
        client, cluster = _client(scheduler, local_cluster)
    try:
        res = run_portfolio(lp, draws=draws, seed=seed, chunk=chunk, workers=workers, client=client)
    finally:
        if client is not None:
            client.close()
        if cluster is not None:
            cluster.close()
    s = summarise(res)
    s["report"] = None
    if not no_report and draws is None:
        s["report"] = _write(res, s, Path(outdir))
    if as_json:
        emit_json(s)
        return
    if draws is None:
        for line in _kpi_table(s):
            click.echo(line)
        click.echo("")
        from .run import aligned
        for line in aligned(_firm_lines(s)):
            click.echo(line)
    else:
        click.echo(t(f"{draws:,} draws, seed {seed}", f"抽样 {draws:,} 次,随机种子 {seed}"))
        for line in _draw_lines(s):
            click.echo(line)
    if s["report"]:
        click.echo(f"{t('Report', '报告')}: {s['report']}")
    elif draws is not None and not no_report:
        click.echo(t("(no workbook with --draws: run without it for the workbook of the base case)",
                     "(使用 --draws 时不写工作簿: 不加该选项运行可得基准情景的工作簿)"))


def _write(res, s: dict, outdir: Path) -> str:
    from ..io import atomic_write, ensure_dir
    from ..report.portfolio_sheet import write_portfolio_report

    folder = ensure_dir(outdir)
    path = folder / f"{res.loaded.portfolio.portfolio.name}.xlsx"
    atomic_write(path, lambda tmp: write_portfolio_report(res, s, tmp, language="zh" if is_zh() else "en"))
    return str(path)
