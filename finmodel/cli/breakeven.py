"""``finmodel breakeven``: solve any input for any target, the break-even table, the subsidy corridor.

A thin command over :mod:`finmodel.breakeven`: parse, call, print. A target that no value in the
range reaches is an answer (exit 0, ``feasible: false``); a bad path, target or range is a usage
error (exit 2, one line on stderr).
"""

from __future__ import annotations

import math

import click

from ..errors import UsageError
from ._workbook import check_output, echo_workbook, output_option, write_workbook
from .options import emit_json, json_option, load_scenario, scenario_argument, set_option

DEFAULT_VARY = "support.subsidy_annual_cny"
DEFAULT_TARGET = "npv=0"


def _money(v) -> str:
    return "n/a" if v is None or not math.isfinite(v) else f"{v:,.0f}"


def _pct(v) -> str:
    return "n/a" if v is None or not math.isfinite(v) else f"{v:+.2f} %"


def _change(r) -> str:
    from ..breakeven import fmt_value

    amount = (f"{r.change:+.6g}" if r.unit == "x base"
              else ("+" if r.change >= 0 else "-") + fmt_value(abs(r.change), r.unit))
    if r.change_rel is not None:
        return f"{amount} ({r.change_rel * 100:+.2f} %)"
    return f"{amount} (absolute: the base is 0)"


def _single_lines(r, scenario: str, prefix: str = "") -> list[str]:
    from ..breakeven import fmt_metric, fmt_value

    t = r.target
    head = f"Break-even: {r.vary} for {t}  ({scenario})"
    rows = []
    if r.feasible:
        rows.append(("value", fmt_value(r.value, r.unit)))
        rows.append(("base value", fmt_value(r.base_value, r.unit)))
        if math.isfinite(r.change):
            rows.append(("change", _change(r)))
        if r.direction:
            word = "the target holds at and above it" if r.direction == "floor" else "the target holds at and below it"
            rows.append(("direction", f"{r.direction}: {word}"))
        rows.append((f"{t.metric} there", fmt_metric(t.metric, r.achieved)))
    else:
        head += ": not feasible"
    vm = r.values_metric
    if r.solved_as:
        rows.append(("solved as", r.solved_as))
    rows.append((f"{vm} at base", fmt_metric(vm, r.base_metric)))
    rows.append(("range", f"{fmt_value(r.lo, r.unit)} to {fmt_value(r.hi, r.unit)}"))
    rows.append((f"{vm} at the ends", f"{fmt_metric(vm, r.metric_at_lo)} / {fmt_metric(vm, r.metric_at_hi)}"))
    rows.append(("iterations", f"{r.iterations} after the bracketing grid ({r.evaluations} evaluations)"))
    rows.append(("note", r.message))
    if r.feasible and r.leaf_values:
        sets = " ".join(f"--set {s}" for s in r.sets())
        rows.append(("check", f"finmodel run {prefix}--no-report {sets}"))
    w = max(len(k) for k, _ in rows)
    return [head] + [f"  {k.ljust(w)}  {v}" for k, v in rows]


def _table_lines(df, scenario: str) -> list[str]:
    from ..breakeven import fmt_metric, fmt_value

    target = df.attrs.get("target", "npv=0")
    metric = df.attrs.get("values_metric") or target.split("<")[0].split(">")[0].split("=")[0]
    base = fmt_metric(metric, df.attrs.get("base_metric"))
    out = [f"Break-even table: {target}  ({scenario}; {metric} at base {base})",
           "sorted by the change that breaks even, smallest first"]
    rows = [("driver", "base", "break-even", "change", "")]
    for key, r in df.iterrows():
        if r["feasible"]:
            change = _pct(r["change_pct"]) if math.isfinite(r["change_pct"]) else f"{r['change']:+,.6g}"
            rows.append((r["label"], fmt_value(r["base"], r["unit"]), fmt_value(r["value"], r["unit"]), change,
                         r["note"]))
        else:
            rows.append((r["label"], fmt_value(r["base"], r["unit"]), "not reached", "", r["note"]))
    w = [max(len(str(row[i])) for row in rows) for i in range(4)]
    for row in rows:
        line = f"  {row[0].ljust(w[0])}  {row[1].rjust(w[1])}  {row[2].rjust(w[2])}  {row[3].rjust(w[3])}"
        out.append((line + (f"  {row[4]}" if row[4] else "")).rstrip())
    return out


def _corridor_lines(c, scenario: str, prefix: str = "") -> list[str]:
    from ..breakeven import fmt_metric, fmt_value

    u = "CNY/year"
    y0, y1 = c.years
    out = [f"Subsidy corridor  ({scenario}; a flat annual subsidy in operating years {y0}-{y1}, tax recomputed)",
           f"  searched {fmt_value(c.lo, u)} to {fmt_value(c.hi, u)}; base subsidy {fmt_value(c.base_subsidy, u)}"]
    hurdle = f"hurdle {c.hurdle_rate * 100:.4g} %"
    least = fmt_value(c.least, u) if math.isfinite(c.least) else "not reached"
    most = fmt_value(c.most, u) if math.isfinite(c.most) else "none (breached at the bottom)"
    out.append(f"  least (viable)       {least}   binding: {c.least_binding} ({hurdle})")
    out.append(f"  most (micro profit)  {most}   binding: {c.most_binding}")
    out.append("  conditions:")
    w = max(len(k["target"]) for k in c.constraints)
    for k in c.constraints:
        b = k["bound"]
        bound = fmt_value(b, u) if isinstance(b, float) and math.isfinite(b) else k["how"]
        metric = k["target"].split("<")[0].split(">")[0].split("=")[0]
        out.append(f"    {k['target'].ljust(w)}  {k['role']:<12}  {bound:>20}  ({k['how']}; "
                   f"{fmt_metric(metric, k['metric_at_lo'])} at {fmt_value(c.lo, u)}, "
                   f"{fmt_metric(metric, k['metric_at_hi'])} at {fmt_value(c.hi, u)})")
    out.append(f"  => {c.message}")
    out += [f"  check {which}:{' ' * (5 - len(which))} finmodel run {prefix}--no-report "
            + " ".join(f"--set {x}" for x in c.sets(which)) for which in ("least", "most") if c.sets(which)]
    if c.levers:
        out.append("  levers (each moved the way that lowers the least viable subsidy):")
        wl = max(len(r["label"]) for r in c.levers)
        for r in c.levers:
            if r["narrows"]:
                state = "closes the gap" if r["closes"] else f"gap left {_money(r['gap'])} CNY/year; {r['note']}"
                out.append(f"    {r['label'].ljust(wl)}  {r['change_pct']:+8.2f} %  "
                           f"{fmt_value(r['value'], r['unit']):>22}  {state}")
            else:
                out.append(f"    {r['label'].ljust(wl)}  {'':>10}  {'':>22}  {r['note']}")
    return out


@click.command("breakeven")
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

    if (table or corridor) and vary is not None:
        raise UsageError("applies to a single solve, not to --table or --corridor", param="vary")
    if corridor and target is not None and not table:
        raise UsageError("the corridor's conditions come from the YAML's corridor section, not --target",
                         param="target")
    if table and range_ is not None:
        raise UsageError("applies to a single solve or to --corridor alone, not to --table", param="range")
    if table and pick != "nearest":
        raise UsageError("applies to a single solve only", param="pick")
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
        lines += [f"  check {r['label']}: finmodel run {given}--no-report {r['sets']}"
                  for _, r in df.iterrows() if r["feasible"] and r["sets"]]
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
