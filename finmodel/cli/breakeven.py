"""``finmodel breakeven``: solve any input for any target, the break-even table, the subsidy corridor.

A thin command over :mod:`finmodel.breakeven`: parse, call, print. A target that no value in the
range reaches is an answer (exit 0, ``feasible: false``); a bad path, target or range is a usage
error (exit 2, one line on stderr).
"""

from __future__ import annotations

import math

import click

from ..errors import UsageError
from ..i18n import is_zh, t
from ..text import ljust, rjust, width
from ._workbook import check_output, echo_workbook, output_option, write_workbook
from .helptext import HelpCommand
from .options import emit_json, json_option, load_scenario, metric_name, scenario_argument, set_option, speak_as

DEFAULT_VARY = "support.subsidy_annual_cny"
DEFAULT_TARGET = "npv=0"


def _money(v) -> str:
    return t("n/a", "无") if v is None or not math.isfinite(v) else f"{v:,.0f}"


def _pct(v) -> str:
    return t("n/a", "无") if v is None or not math.isfinite(v) else f"{v:+.2f} %"


def _driver(r) -> str:
    """What a solve varies: its path(s); in Chinese with the label of a break-even table driver before them."""
    from ..breakeven import TABLE_DRIVERS

    zh = next((z for _, en, z, _ in TABLE_DRIVERS if en == r.label), None)
    return f"{zh}({r.vary})" if zh and is_zh() else r.vary


def _pad(rows: list[tuple[str, str]], indent: str = "  ") -> list[str]:
    """Label and value lines, the labels padded by display width (Chinese counts two columns)."""
    w = max(width(k) for k, _ in rows)
    return [f"{indent}{ljust(k, w)}  {v}".rstrip() for k, v in rows]


def _change(r) -> str:
    from ..breakeven import fmt_value

    amount = (f"{r.change:+.6g}" if r.unit == "x base"
              else ("+" if r.change >= 0 else "-") + fmt_value(abs(r.change), r.unit))
    if r.change_rel is not None:
        return f"{amount} ({r.change_rel * 100:+.2f} %)"
    return f"{amount} {t('(absolute: the base is 0)', '(绝对变动: 基准值为 0)')}"


def _single_lines(r, scenario: str, prefix: str = "") -> list[str]:
    from ..breakeven import fmt_metric, fmt_value

    tg = r.target
    head = t(f"Break-even: {r.vary} for {tg}  ({scenario})", f"盈亏平衡求解: {_driver(r)} 使 {tg}  ({scenario})")
    rows = []
    if r.feasible:
        rows.append((t("value", "临界值"), fmt_value(r.value, r.unit)))
        rows.append((t("base value", "基准值"), fmt_value(r.base_value, r.unit)))
        if math.isfinite(r.change):
            rows.append((t("change", "变动"), _change(r)))
        if r.direction:
            word = {"floor": t("floor: the target holds at and above it", "下限: 目标在该值及以上成立"),
                    "ceiling": t("ceiling: the target holds at and below it", "上限: 目标在该值及以下成立")}
            rows.append((t("direction", "方向"), word[r.direction]))
        rows.append((t(f"{tg.metric} there", f"临界值处的{metric_name(tg.metric)}"), fmt_metric(tg.metric, r.achieved)))
    else:
        head += t(": not feasible", ": 无解")
    vm = r.values_metric
    if r.solved_as:
        rows.append((t("solved as", "求解方式"), r.solved_as))
    rows.append((t(f"{vm} at base", f"基准情景的{metric_name(vm)}"), fmt_metric(vm, r.base_metric)))
    rows.append((t("range", "搜索范围"), t(f"{fmt_value(r.lo, r.unit)} to {fmt_value(r.hi, r.unit)}",
                                        f"{fmt_value(r.lo, r.unit)} 至 {fmt_value(r.hi, r.unit)}")))
    rows.append((t(f"{vm} at the ends", f"两端的{metric_name(vm)}"),
                 f"{fmt_metric(vm, r.metric_at_lo)} / {fmt_metric(vm, r.metric_at_hi)}"))
    rows.append((t("iterations", "迭代次数"),
                 t(f"{r.iterations} after the bracketing grid ({r.evaluations} evaluations)",
                   f"分段网格之后 {r.iterations} 次(共计算 {r.evaluations} 个情景)")))
    rows.append((t("note", "说明"), r.message))
    if r.feasible and r.leaf_values:
        sets = " ".join(f"--set {s}" for s in r.sets())
        rows.append((t("check", "复核"), f"finmodel run {prefix}--no-report {sets}"))
    return [head] + _pad(rows)


def _table_lines(df, scenario: str) -> list[str]:
    from ..breakeven import driver_label, fmt_metric, fmt_value

    target = df.attrs.get("target", "npv=0")
    metric = df.attrs.get("values_metric") or target.split("<")[0].split(">")[0].split("=")[0]
    base = fmt_metric(metric, df.attrs.get("base_metric"))
    out = [t(f"Break-even table: {target}  ({scenario}; {metric} at base {base})",
             f"盈亏平衡表: {target}  ({scenario};基准情景的{metric_name(metric)} {base})"),
           t("sorted by the change that breaks even, smallest first", "按达到目标所需的变动排序,变动最小的在前")]
    rows = []
    for key, r in df.iterrows():
        label = driver_label(str(key), default=r["label"])
        if r["feasible"]:
            change = _pct(r["change_pct"]) if math.isfinite(r["change_pct"]) else f"{r['change']:+,.6g}"
            rows.append([label, fmt_value(r["base"], r["unit"]), fmt_value(r["value"], r["unit"]), change, r["note"]])
        else:
            rows.append([label, fmt_value(r["base"], r["unit"]), t("not reached", "未达到"), "", r["note"]])
    rows.insert(0, [t("driver", "驱动因素"), t("base", "基准值"), t("break-even", "临界值"), t("change", "变动率"), ""])
    w = [max(width(row[i]) for row in rows) for i in range(4)]
    for row in rows:
        line = f"  {ljust(row[0], w[0])}  {rjust(row[1], w[1])}  {rjust(row[2], w[2])}  {rjust(row[3], w[3])}"
        out.append((line + (f"  {row[4]}" if row[4] else "")).rstrip())
    return out


#: How a corridor condition's bound was found (finmodel.breakeven.conditions), for a reader.
def _how(how: str) -> str:
    return {"solved": t("solved", "已求解"),
            "holds at the bottom of the range": t("holds at the bottom of the range", "在范围底端即成立"),
            "not reached in range": t("not reached in range", "范围内未达到"),
            "breached at the bottom of the range": t("breached at the bottom of the range", "在范围底端即已超出"),
            "not breached in range": t("not breached in range", "范围内始终未超出")}.get(how, how)


def _corridor_lines(c, scenario: str, prefix: str = "") -> list[str]:
    from ..breakeven import driver_label, fmt_metric, fmt_value

    u = "CNY/year"
    y0, y1 = c.years
    lo, hi = fmt_value(c.lo, u), fmt_value(c.hi, u)
    out = [t(f"Subsidy corridor  ({scenario}; a flat annual subsidy in operating years {y0}-{y1}, tax recomputed)",
             f"补贴区间  ({scenario};运营第{y0}-{y1}年每年固定金额补贴,逐值重算税费)"),
           t(f"  searched {lo} to {hi}; base subsidy {fmt_value(c.base_subsidy, u)}",
             f"  搜索范围 {lo} 至 {hi};基准补贴 {fmt_value(c.base_subsidy, u)}")]
    hurdle = t(f"hurdle {c.hurdle_rate * 100:.4g} %", f"基准收益率 {c.hurdle_rate * 100:.4g} %")
    least = fmt_value(c.least, u) if math.isfinite(c.least) else t("not reached", "未达到")
    most = fmt_value(c.most, u) if math.isfinite(c.most) else t("none (breached at the bottom)", "无(在范围底端即已超出)")
    binding = t("binding:", "约束条件:")
    bounds = [(t("least (viable)", "最低(可持续)"), least, f"{binding} {c.least_binding} ({hurdle})"),
              (t("most (micro profit)", "最高(微利)"), most, f"{binding} {c.most_binding}")]
    lw = max(21, *(width(k) + 2 for k, _, _ in bounds))
    vw = max(width(v) for _, v, _ in bounds)
    out += [f"  {ljust(k, lw)}{ljust(v, vw)}   {b}" for k, v, b in bounds]
    out.append(t("  conditions:", "  条件:"))
    roles = {"viability": t("viability", "可持续"), "micro_profit": t("micro_profit", "微利")}
    rows = []
    for k in c.constraints:
        b = k["bound"]
        how = _how(k["how"])
        bound = fmt_value(b, u) if isinstance(b, float) and math.isfinite(b) else how
        metric = k["target"].split("<")[0].split(">")[0].split("=")[0]
        m_lo, m_hi = fmt_metric(metric, k["metric_at_lo"]), fmt_metric(metric, k["metric_at_hi"])
        rows.append([k["target"], roles.get(k["role"], k["role"]), bound,
                     t(f"({how}; {m_lo} at {lo}, {m_hi} at {hi})", f"({how};补贴 {lo} 时为 {m_lo},{hi} 时为 {m_hi})")])
    w = max(width(r[0]) for r in rows)
    out += [f"    {ljust(r[0], w)}  {ljust(r[1], 12)}  {rjust(r[2], 20)}  {r[3]}" for r in rows]
    out.append(f"  => {c.message}")
    words = {"least": t("check least:", "复核下限:"), "most": t("check most:", "复核上限:")}
    ww = max(width(w) for w in words.values())
    out += [f"  {ljust(words[which], ww)} finmodel run {prefix}--no-report " + " ".join(f"--set {x}" for x in c.sets(which))
            for which in ("least", "most") if c.sets(which)]
    if c.levers:
        out.append(t("  levers (each moved the way that lowers the least viable subsidy):",
                     "  杠杆(每项朝降低最低可持续补贴的方向单独调整):"))
        rows = []
        for r in c.levers:
            label = driver_label(r["driver"], default=r["label"])
            if r["narrows"]:
                state = (t("closes the gap", "消除缺口") if r["closes"] else
                         t(f"gap left {_money(r['gap'])} CNY/year; {r['note']}",
                           f"剩余缺口 {_money(r['gap'])} 元/年;{r['note']}"))
                rows.append([label, f"{r['change_pct']:+8.2f} %", fmt_value(r["value"], r["unit"]), state])
            else:
                rows.append([label, "", "", r["note"]])
        wl = max(width(r[0]) for r in rows)
        for r in rows:
            out.append(f"    {ljust(r[0], wl)}  {rjust(r[1], 10)}  {rjust(r[2], 22)}  {r[3]}")
    return out


@click.command("breakeven", cls=HelpCommand)
@scenario_argument
@click.option("--vary", "vary", default=None, metavar="PATH",
              help="What to solve for: a numeric assumption path (default support.subsidy_annual_cny); "
                   "a comma list, a '*' wildcard or a list such as property_service.fee_steps, scaled "
                   "together by one factor; or a table name (subsidy, commercial_rent, commercial_occupancy, "
                   "property_fee, collection, parking_fee, parking_utilisation, capex, operating_cost, "
                   "expanded_area, discount_rate, concession).")
@click.option("--target", "target", default=None, metavar="EXPR",
              help="METRIC=V, METRIC<=V or METRIC>=V with a metric of 'finmodel run --json' "
                   "(default npv=0); V may end in %, e.g. equity_irr>=8%.")
@click.option("--range", "range_", default=None, metavar="LO:HI",
              help="Search range of the varied input: absolute (0:5e6) or relative to the base "
                   "(-50%:+200%); default: the schema's bounds within 10x the base's size.")
@click.option("--pick", type=click.Choice(["nearest", "lowest", "highest"]), default="nearest", show_default=True,
              help="Which solution to report when several values meet the target.")
@set_option
@json_option
@click.option("--table", "table", is_flag=True,
              help="The break-even table: every key driver's value at the target (default npv=0), "
                   "sorted by the change it needs, and the shortest concession that reaches it.")
@click.option("--corridor", "corridor", is_flag=True,
              help="The subsidy corridor: the least flat annual subsidy at which the operator is viable "
                   "and the most before it earns more than a micro profit (the YAML's corridor section).")
@output_option
def breakeven_cmd(scenario, vary, target, range_, pick, sets, as_json, table, corridor, outdir):
    """Solve an input for a target; the break-even table; the subsidy corridor.

    Default: the annual subsidy at which project NPV = 0 at the scenario's discount rate.
    A target out of reach is reported with the metric at both ends (exit 0, feasible false).

    \b
    Examples:
      finmodel breakeven
      finmodel breakeven --vary space.tiers.2.rent_cny_per_m2_day --target "equity_irr>=8%"
      finmodel breakeven --vary capex --target "payback_years<=12" --range -60%:0%
      finmodel breakeven --table
      finmodel breakeven --corridor --json
      finmodel breakeven --table --corridor -o outputs
    """
    from .. import breakeven as B

    speak_as(scenario)
    if (table or corridor) and vary is not None:
        raise UsageError(t("applies to a single solve, not to --table or --corridor",
                           "只用于单项求解,不能与 --table 或 --corridor 同用"), param="vary")
    if corridor and target is not None and not table:
        raise UsageError(t("the corridor's conditions come from the YAML's corridor section, not --target",
                           "补贴区间的条件来自 YAML 的 corridor 部分,而不是 --target"), param="target")
    if table and range_ is not None:
        raise UsageError(t("applies to a single solve or to --corridor alone, not to --table",
                           "只用于单项求解或单独的 --corridor,不能与 --table 同用"), param="range")
    if table and pick != "nearest":
        raise UsageError(t("applies to a single solve only", "只用于单项求解"), param="pick")
    parsed_target = B.parse_target(target or DEFAULT_TARGET)   # a bad target fails before loading
    check_output(outdir)
    ld = load_scenario(scenario, sets)
    a = ld.assumptions
    check_output(outdir, a.scenario.name, study_name(table, corridor))
    if table or corridor:
        _table_and_corridor(a, ld, parsed_target, range_, table, corridor, as_json, outdir, _given(scenario, sets))
    else:
        _single(a, ld, vary or DEFAULT_VARY, parsed_target, range_, pick, as_json, outdir, _given(scenario, sets))


def study_name(table: bool, corridor: bool) -> str:
    """The study in the workbook's name, one per kind of result: ``<scenario>_breakeven.xlsx`` (a
    single solve), ``_breakeven_table``, ``_corridor`` or ``_breakeven_table_corridor``."""
    return "_".join(["breakeven_table"] * table + ["corridor"] * corridor) or "breakeven"


def _given(scenario, sets) -> str:
    """The scenario and overrides of this command, as the start of the check command line."""
    import shlex
    given = ([shlex.quote(str(scenario))] if scenario else []) + [f"--set {shlex.quote(s)}" for s in sets]
    return "".join(g + " " for g in given)


def _single(a, ld, vary, target, range_, pick, as_json, outdir, given: str) -> None:
    """One solve: the value of ``vary`` that meets ``target``."""
    from .. import breakeven as B
    from ..report import Studies

    name = a.scenario.name
    driver = B.resolve_driver(a, vary)
    lo = hi = None
    if range_ is not None:
        lo, hi = B.parse_range(range_, driver.base_value)
    r = B.solve(a, driver, target, lo, hi, pick=pick)
    book = write_workbook(outdir, a, Studies(solves=[r]), "breakeven", ld) if outdir is not None else None
    if as_json:
        emit_json({"scenario": name, **r.to_dict(), "workbook": book})
        return
    for line in _single_lines(r, name, given):
        click.echo(line)
    echo_workbook(book)


def _table_and_corridor(a, ld, target, range_, table: bool, corridor: bool, as_json: bool, outdir, given: str = "") -> None:
    """The break-even table (--table), the subsidy corridor (--corridor), or both."""
    from .. import breakeven as B
    from ..report import Studies

    name = a.scenario.name
    out = {}
    lines: list[str] = []
    studies = Studies()
    if table:
        df = B.breakeven_table(a, target)
        studies.breakeven = df
        rows = df.reset_index().to_dict(orient="records")
        out["table"] = {"scenario": name, "target": df.attrs["target"], "base_metric": df.attrs["base_metric"],
                        "rows": rows}
        lines += _table_lines(df, name)
        lines += [f"  {t('check', '复核')} {B.driver_label(str(key), default=r['label'])}: "
                  f"finmodel run {given}--no-report {r['sets']}"
                  for key, r in df.iterrows() if r["feasible"] and r["sets"]]
    if corridor:
        lo = hi = None
        if range_ is not None:
            lo, hi = B.parse_range(range_, a.support.subsidy_annual_cny)
        c = B.subsidy_corridor(a, lo, hi)
        studies.corridor = c
        out["corridor"] = {"scenario": name, **c.to_dict()}
        if lines:
            lines.append("")
        lines += _corridor_lines(c, name, given)
    book = write_workbook(outdir, a, studies, study_name(table, corridor), ld) if outdir is not None else None
    if as_json:
        emit_json({**(out["table"] if not corridor else out["corridor"] if not table else out), "workbook": book})
        return
    for line in lines:
        click.echo(line)
    echo_workbook(book)
