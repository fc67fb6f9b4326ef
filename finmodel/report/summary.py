"""The Summary sheet: the verdict box and its rule, the key indicators, the subsidy corridor, the
revenue mix (against the paper's for the case study's community), the master check and two charts.

The verdict is given (:func:`finmodel.verdict.verdict`, computed by the caller); its live formula
and rule text come from :mod:`finmodel.verdict`, so the workbook, the terminal and ``--json``
apply one rule.
"""

from __future__ import annotations

import math

from xlsxwriter.utility import xl_rowcol_to_cell

from .. import __version__
from .. import units
from .. import verdict as V
from . import printing
from .layout import COL_Y0, COLORS, ROW_PT, SMALL_PT, money_per_year, money_text, target_label
from .render import display_unit
from .studies import finite
from .writer import assumptions_hash, display_width

#: The key indicators on Summary, in order; the first, the IRR and the payback in bold.
KPIS = ("npv", "npv_pre_tax", "equity_npv", "project_irr", "project_irr_pre_tax", "equity_irr", "payback_years",
        "payback_years_incl_renovation", "discounted_payback_years", "min_cumulative_cash", "min_cumulative_equity_cash",
        "min_cumulative_surplus", "dscr_min", "dscr_avg", "llcr_min", "margin_avg", "subsidy_dependence")
KPIS_BOLD = ("npv", "project_irr", "payback_years")
MIX_STREAMS = ("rent", "parking", "property_fees", "other")

#: The verdict box's colours by tier: (fill, font).
VERDICT_FILLS = {1: ("bad_fill", "bad_font"), 2: ("warn_fill", "warn_font"), 3: ("ok_fill", "ok_font"),
                 4: ("warn_fill", "warn_font")}


class SummaryMixin:
    """The Summary sheet and the corridor box (methods of the writer)."""

    def write_summary(self):
        ws = self.ws["summary"]
        self.setcol(ws, 0, 0, 34 if self.zh else 40)
        self.setcol(ws, 1, 1, 16)
        self.setcol(ws, 2, 2, 12)
        self.setcol(ws, 3, 3, 62)
        r = self.summary_heading(ws)
        vr = r + 1                                   # the verdict box; its formula once the names exist
        tier_row, r = self.verdict_inputs(ws, vr)
        kpis = r + 2
        r = self.summary_kpis(ws, kpis)
        r = self.payback_point(ws, r)
        self.verdict_box(ws, vr, tier_row)
        r = self.write_corridor(ws, r + 2)
        mix = r + 1
        r = self.revenue_mix(ws, mix)
        r = self.master_check(ws, r + 2)
        r = self.summary_footnote(ws, r + 2)
        self.summary_charts(ws, r + 2)
        # printed: the verdict; the indicators and the corridor; the mix, the check and the charts
        self.print_cols["summary"] = 3
        self.row_breaks.setdefault(ws.name, []).extend([kpis, mix])
        ws.hide_gridlines(2)

    def summary_note(self):
        return self.F(font_size=SMALL_PT, font_color=COLORS["helper_font"], text_wrap=True, valign="top")

    def summary_h2(self):
        return self.F(bold=True, font_size=13, font_color=COLORS["title_font"])

    def summary_heading(self, ws) -> int:
        """Title, subtitle and the facts of the run; the next free row."""
        a, N = self.a, self.N
        f_val = self.F(num_format="@", bold=True)
        ws.write_string(0, 0, a.scenario.title or a.scenario.name,
                        self.F(bold=True, font_size=16, font_color=COLORS["title_font"]))
        ws.write_string(1, 0, self.t("老旧小区改造运营项目财务可持续性评价(finmodel)",
                                     "Financial sustainability of an old-community renovation and operation (finmodel)"),
                        self.f_sub)
        y0 = a.scenario.start_year
        info = [
            (self.t("情景", "Scenario"), a.scenario.name),
            (self.t("日期", "Date"), self.when.strftime("%Y-%m-%d")),
            (self.t("finmodel 版本", "finmodel version"), __version__),
            (self.t("假设哈希(SHA-256 前16位)", "Assumptions hash (SHA-256, first 16)"), assumptions_hash(a)),
            (self.t("运营期", "Concession"), self.t(f"{y0 + 1}-{y0 + N} 年(共 {N} 年),改造年 {y0}",
                                                     f"{y0 + 1}-{y0 + N} ({N} years), renovation in {y0}")),
        ]
        r = 3
        for k, v in info:
            ws.write_string(r, 0, k, self.f_label)
            ws.write_string(r, 1, str(v), f_val)
            r += 1
        return r

    # ------------------------------------------------------------------ the verdict
    #: The tests of the tier shown under the verdict (live links to the Calcs' rows).
    VERDICT_TESTS = ("verdict_hurdle_rate", "equity_npv_zero", "equity_npv_hurdle", "equity_npv_cap", "survivable")

    def verdict_inputs(self, ws, vr: int) -> tuple[int, int]:
        """The verdict's heading and the tests of its tier below it, live; the least support to the
        next tier (static, from the run) and the paper's words (J only). (row of the tier, last row)."""
        v, note, ctx = self.verdict, self.summary_note(), self.ctx("summary")
        ws.write_string(vr, 0, self.t("结论", "Verdict"), self.F(bold=True, font_size=15, valign="vcenter",
                                                                font_color=COLORS["title_font"]))
        r = vr + 1
        for key in self.VERDICT_TESTS:
            row = self.model[key]
            u = display_unit(row)
            # a yes/no test (the flag 1 = yes) reads 是/否 here, not 1/0
            flag = units.unit(u).kind == "flag"
            nf = units.yes_no_format(self.zh) if flag else units.excel_format(u)
            ws.write_string(r, 0, row.label(self.zh))
            ws.write_formula(r, 1, "=" + ctx.const_cell(row), self.F(num_format=nf, align="right"), self.vals.const(row))
            ws.write_string(r, 2, self.t("是/否", "yes/no") if flag else units.label(u, self.zh), self.f_unit)
            if key == "verdict_hurdle_rate":
                ws.write_string(r, 3, self.t("判定检验(随「假设」表实时重算)", "the tests of the tier (live)"), note)
            r += 1
        scale, wanfmt = self.money_fmt()
        least = v.get("least_support_to_next_tier")
        nxt = v["tier"] + 1
        ws.write_string(r, 0, self.t(f"升至第{nxt}档所需的最低首年补贴", f"Least first-year subsidy for tier {nxt}")
                        if v["tier"] < 3 else self.t("升档所需补贴", "Support for a higher tier"))
        if least is None:
            ws.write_string(r, 1, self.na("na" if v["tier"] >= 3 else "not_computed"), self.F(align="right"))
        elif not finite(least):
            ws.write_string(r, 1, self.na("none"), self.F(align="right"))
        else:
            ws.write_number(r, 1, least / scale, wanfmt)
            override = V.least_support_set(least)[1]
            ws.write_string(r, 3, self.t(f"静态值,由 finmodel 求解;复现: --set {override}",
                                         f"static, solved by finmodel; reproduce: --set {override}"), note)
        ws.write_string(r, 2, money_per_year(self.zh), self.f_unit)
        self.define("out_least_support_to_next_tier", "summary", r, 1)
        if v.get("paper"):
            r += 1
            ws.merge_range(r, 0, r, 3, v["paper"]["zh" if self.zh else "en"], self.F(text_wrap=True, valign="top",
                                                                                      font_size=SMALL_PT, italic=True))
            ws.set_row(r, 40)
        return self.r("verdict_tier"), r

    def verdict_box(self, ws, vr: int, tier_row: int):
        """The verdict as a live formula of the tier row (:func:`finmodel.verdict.excel_text`), coloured, its rule beside it."""
        v, zh = self.verdict, self.zh
        tier_cell = self.ctx("summary").const_cell(self.model["verdict_tier"])
        big = self.F(bold=True, font_size=15, border=2, align="center", valign="vcenter", text_wrap=True)
        ws.merge_range(vr, 1, vr, 2, "", big)
        ws.write_formula(vr, 1, V.excel_text(tier_cell, zh), big, V.label(v["tier"], zh))
        self.define("out_verdict", "summary", vr, 1)
        ws.write_string(vr, 3, V.rule_text(zh), self.F(font_size=SMALL_PT, text_wrap=True, valign="vcenter",
                                                        font_color=COLORS["helper_font"]))
        ws.set_row(vr, 96 if zh else 110)
        for tier, (bg, fg) in VERDICT_FILLS.items():
            ws.conditional_format(vr, 1, vr, 2, {"type": "cell", "criteria": "==", "value": f'"{V.label(tier, zh)}"',
                                                 "format": self.F(bg_color=COLORS[bg], font_color=COLORS[fg], bold=True)})

    # ------------------------------------------------------------------ key indicators
    def irr_notes(self) -> dict[str, str]:
        out = {}
        for which in ("project_irr", "equity_irr"):
            fl = self.s["flags"][which]
            if fl["multiple"]:
                roots = ", ".join(units.percent(x) for x in fl["roots"])
                out[which] = self.t(f"有多个内部收益率({roots}),显示投资型根(净现值在此由正转负);判定不依赖内部收益率",
                                    f"several IRRs ({roots}); the investment root is shown (NPV falls through zero "
                                    "there); no decision rests on it")
            elif fl["reason"] != "ok":
                out[which] = self.t(f"无内部收益率({fl['reason']})", f"no IRR ({fl['reason']})")
        return out

    def kpi_notes(self) -> dict[str, str]:
        """The note beside each key indicator (empty for most)."""
        a, flags = self.a, self.s["flags"]
        pr, eh = a.discount.project_rate, a.discount.equity_hurdle_rate
        notes = {
            "npv": self.t(f"按项目折现率 {pr:.2%};第0年(改造年)不折现", f"at the project rate {pr:.2%}; year 0 undiscounted"),
            "equity_npv": self.t(f"按资本金基准收益率 {eh:.2%}", f"at the equity hurdle {eh:.2%}"),
            "min_cumulative_cash": self.t("项目投资现金流量,融资前", "project cash flow, before financing"),
            "dscr_min": "" if flags["has_debt"] else self.t("无贷款,不适用", "no debt"),
            "margin_avg": self.t("运营期净利润合计 / 营业收入合计(不含税,不含补贴)",
                                 "sum of net income / sum of revenue net of VAT (support excluded)"),
            "subsidy_dependence": self.t("政府支持 / (营业收入 + 政府支持),运营期合计",
                                         "support / (revenue + support), over the operating years"),
        }
        notes.update(self.irr_notes())
        if flags["payback_refit_negative"]:
            notes["payback_years"] = self.t("回收后累计净现金流量再次为负(更新改造或移交)",
                                            "cumulative cash turns negative again later (refit or hand-back)")
        return notes

    def summary_kpis(self, ws, r) -> int:
        """The key indicators: live links to the Calcs' metric rows, each a defined name ``out_<metric>``."""
        ws.write_string(r, 0, self.t("主要指标", "Key indicators"), self.summary_h2())
        r += 1
        for col, h in enumerate([self.t("指标", "Indicator"), self.t("数值", "Value"), self.t("单位", "Unit"),
                                 self.t("说明", "Note")]):
            ws.write_string(r, col, h, self.f_head_left)
        r += 1
        notes, note, ctx = self.kpi_notes(), self.summary_note(), self.ctx("summary")
        for name in KPIS:
            row = self.model[name]
            u = display_unit(row)
            bold = name in KPIS_BOLD
            label = row.label(self.zh)
            ws.write_string(r, 0, label, self.F(bold=bold, text_wrap=True, valign="top"))
            lines = math.ceil(display_width(label) / (self.colw[ws.name][0] - 1))
            ws.write_formula(r, 1, "=" + ctx.const_cell(row), self.F(num_format=units.excel_format(u), align="right",
                                                                     bold=bold), self.vals.const(row))
            ws.write_string(r, 2, units.label(u, self.zh), self.f_unit)
            text = notes.get(name, "")
            if text:
                ws.write_string(r, 3, text, note)
                if len(text) > 60:
                    lines = max(lines, 2)
            if lines > 1:                    # a long label wraps in its column (it was cut at the edge)
                ws.set_row(r, ROW_PT * lines)
            self.define(f"out_{name}", "summary", r, 1)
            r += 1
        return r

    def payback_point(self, ws, r) -> int:
        """The payback date (the Calcs' row: the end of year 0 plus the payback, when cumulative cash
        turns non-negative), and a hidden helper row: where the cash-flow chart marks it (each
        year's point sits at its calendar-year label, so at start year + payback)."""
        row = self.model["payback_date"]
        ws.write_string(r, 0, row.label(self.zh))
        ws.write_formula(r, 1, "=" + self.ctx("summary").const_cell(row), self.F(num_format="0.00", align="right"),
                         self.vals.const(row))
        ws.write_string(r, 2, units.label("year", self.zh), self.f_unit)
        r += 1
        pb = self.s["metrics"].get("payback_years")
        ws.write_formula(r, 1, '=IF(ISNUMBER(out_payback_years),in_scenario_start_year+out_payback_years,"-")',
                         self.F(num_format="0.00"), (self.a.scenario.start_year + pb) if pb is not None else "-")
        ws.write_number(r, 2, 0, self.F(num_format=";;;"))       # the point's height: on the zero line
        ws.set_row(r, None, None, {"hidden": True})
        self.payback_point_row = r
        return r

    # ------------------------------------------------------------------ revenue mix, master check
    def revenue_mix(self, ws, r) -> int:
        """The revenue mix of the calibration year; against the paper's 46/19/26/9 only for the case
        study's own community (``scenario.paper_case``). The row of its total."""
        s, paper = self.s, self.a.scenario.paper_case
        year = s["revenue_mix_year"]
        ws.write_string(r, 0, self.t(f"收入结构({year}年,不含税)" + ("与论文对比" if paper else ""),
                                     f"Revenue mix in {year} (net of VAT)" + (" against the paper" if paper else "")),
                        self.summary_h2())
        r += 1
        heads = [self.t("收入", "Stream"), self.t("模型", "Model") if paper else self.t("占比", "Share")]
        heads += [self.t("论文", "Paper"), self.t("差(百分点)", "Difference (points)")] if paper else []
        for col, h in enumerate(heads):
            ws.write_string(r, col, h, self.f_head_left)
        r += 1
        names = {"rent": self.t("租金", "Rent"), "parking": self.t("停车费", "Parking"),
                 "property_fees": self.t("物业费", "Property fees"), "other": self.t("其他", "Other")}
        first = r
        for k in MIX_STREAMS:
            ws.write_string(r, 0, names[k])
            self.mix_row(ws, r, k, paper)
            r += 1
        ws.write_string(r, 0, self.t("合计", "Total"), self.f_label_total)
        tot = sum(x for x in s["revenue_mix"].values() if x is not None)
        ws.write_formula(r, 1, f"=SUM({xl_rowcol_to_cell(first, 1)}:{xl_rowcol_to_cell(r - 1, 1)})",
                         self.F(num_format="0.00%", bold=True, top=1), tot)
        if paper:
            ws.write_formula(r, 2, f"=SUM({xl_rowcol_to_cell(first, 2)}:{xl_rowcol_to_cell(r - 1, 2)})",
                             self.F(num_format="0.00%", bold=True, top=1), sum(s["revenue_mix_reference"].values()))
            ws.write_blank(r, 3, None, self.F(top=1))
        return r

    def mix_row(self, ws, r, k: str, paper: bool):
        """One stream's share: the model's (its mix row, else revenue over total); for the paper's
        case, the paper's share and the difference."""
        c, ctx, na = self.model.by_key, self.ctx("summary"), self.na("na")
        row = c.get(f"mix_{k}")
        val = self.s["revenue_mix"].get(k)
        ref = self.s["revenue_mix_reference"][k]
        if row is not None:
            formula = f"=INDEX({ctx.range(row)},in_scenario_calibration_year+1)"
        else:
            formula = (f"=INDEX({ctx.range(c['rev_' + k])},in_scenario_calibration_year+1)/"
                       f"INDEX({ctx.range(c['revenue'])},in_scenario_calibration_year+1)")
        ws.write_formula(r, 1, formula, self.F(num_format="0.00%"), val if val is not None else na)
        if not paper:
            return
        ws.write_formula(r, 2, f"=in_mix_reference_{k}", self.F(num_format="0.00%"), ref)
        diff = (val - ref) * 100 if val is not None else na
        ws.write_formula(r, 3, f'=IFERROR(({xl_rowcol_to_cell(r, 1)}-{xl_rowcol_to_cell(r, 2)})*100,"{na}")',
                         self.F(num_format='+0.00;-0.00;0.00', align="left", indent=2), diff)

    def master_check(self, ws, r) -> int:
        ws.write_string(r, 0, self.t("总校验(0=正常,详见「校验」表)", "Master check (0 = ok; see Checks)"),
                        self.F(bold=True, font_size=12))
        ws.write_formula(r, 1, "=out_master_check", self.F(bold=True, num_format="0", align="center", border=2,
                                                           font_size=12), self.master_cached)
        red = self.F(bg_color=COLORS["bad_fill"], font_color=COLORS["bad_font"], bold=True)
        green = self.F(bg_color=COLORS["ok_fill"], font_color=COLORS["ok_font"], bold=True)
        ws.conditional_format(r, 1, r, 1, {"type": "cell", "criteria": "!=", "value": 0, "format": red})
        ws.conditional_format(r, 1, r, 1, {"type": "cell", "criteria": "==", "value": 0, "format": green})
        return r

    def summary_footnote(self, ws, r):
        ws.merge_range(r, 0, r, 3, self.t("说明: 本工作簿为可重算模型。修改「假设」表中的黄色单元格,计算、报表、指标与结论随之更新;"
                                          "补贴区间、盈亏平衡、敏感性与蒙特卡洛结果为运行时的静态值。",
                                          "This workbook is a live model: change a yellow cell on Inputs and Calcs, Statements, "
                                          "the indicators and the verdict recalculate; the corridor, break-even, sensitivity and "
                                          "Monte Carlo results are static values from the run."),
                       self.F(italic=True, font_size=SMALL_PT, font_color=COLORS["helper_font"], text_wrap=True, valign="top"))
        ws.set_row(r, 26)
        return r

    # ------------------------------------------------------------------ the corridor
    def corridor_message_zh(self, c) -> str:
        y0, y1 = c.years
        least, most = c.least, c.most
        lb, mb = target_label(c.least_binding, True), target_label(c.most_binding, True)

        def wan(x):
            return money_text(x, True)

        if c.exists:
            return f"补贴区间: 每年至少 {wan(least)}({lb})、至多 {wan(most)}({mb}),运营第{y0}-{y1}年按固定金额支付。"
        if not finite(most):
            return "无补贴区间: 即使不给补贴,企业收益也已超过微利上限;按微利标准无需补贴。"
        if not finite(least):
            return f"无补贴区间: 在搜索范围内(至 {wan(c.hi)}/年)任何补贴都不能使企业可持续({lb} 无法达到)。"
        return (f"无补贴区间: 使企业可持续的最低补贴 {wan(least)}/年({lb})高于微利上限 {wan(most)}/年"
                f"({mb}),相差 {wan(least - most)}/年;缩小缺口的杠杆见「盈亏平衡」表。")

    def write_corridor(self, ws, r, last_col: int = 3, text_width: float = 100):
        """The corridor box (Summary; the Break-even sheet of a study workbook): notes and texts span
        columns 3 (1) to ``last_col``, about ``text_width`` characters wide."""
        c = self.studies.corridor
        ws.write_string(r, 0, self.t("补贴区间(最低可持续补贴 ~ 微利上限补贴)", "Subsidy corridor (least viable to most at a micro profit)"),
                        self.F(bold=True, font_size=13, font_color=COLORS["title_font"]))
        r += 1
        if c is None:
            msg = self.studies.corridor_error or self.t("未计算(本次运行关闭了补贴区间)", "not computed (corridor turned off for this run)")
            ws.write_string(r, 0, msg, self.f_sub)
            return r + 1
        r = self.corridor_bounds(ws, r, c, last_col)
        ws.write_string(r, 0, self.t("补贴区间是否存在", "Corridor exists"))
        ws.write_string(r, 1, self.t("存在", "yes") if c.exists else self.t("不存在", "no"), self.F(bold=True, align="right"))
        r += 1
        msg = self.corridor_message_zh(c) if self.zh else c.message
        self.corridor_text(ws, r, self.t("结论说明", "In words"), msg, last_col, text_width)
        r += 1
        caps = ", ".join(target_label(f"{k}<={v}", self.zh) for k, v in c.caps.items())
        text = self.t(f"可持续: 资本金净现值(基准收益率 {c.hurdle_rate:.2%})≥ 0" + (f",偿债备付率 ≥ {c.dscr_floor}" if c.dscr_floor else "")
                      + f";微利: {caps}。按当前假设求解的静态值,共计算 {c.evaluations:,} 个情景。",
                      f"viable: equity NPV at {c.hurdle_rate:.2%} >= 0" + (f", DSCR >= {c.dscr_floor}" if c.dscr_floor else "")
                      + f"; micro profit: {caps}. Static, solved at these inputs ({c.evaluations:,} scenarios).")
        self.corridor_text(ws, r, self.t("判定口径", "Tests"), text, last_col, text_width)
        return r + 1

    def corridor_bounds(self, ws, r, c, last_col: int) -> int:
        """The least viable subsidy, the most at a micro profit and the current subsidy, in 万元/年."""
        note = self.summary_note()
        scale, wanfmt = self.money_fmt()
        y0, y1 = c.years
        binding = self.t("约束: ", "binding: ")
        rows = [
            (self.t("最低可持续补贴", "Least viable subsidy"), c.least, binding + target_label(c.least_binding, self.zh)),
            (self.t("微利上限补贴", "Most at a micro profit"), c.most, binding + target_label(c.most_binding, self.zh)),
            (self.t("当前补贴(首年)", "Current subsidy (first year)"), c.base_subsidy,
             self.t(f"补贴区间按运营第{y0}-{y1}年固定金额计算(不递减)", f"the corridor pays it flat in operating years {y0}-{y1}")),
        ]
        for label, val, text in rows:
            ws.write_string(r, 0, label)
            if finite(val):
                ws.write_number(r, 1, float(val) / scale, wanfmt)
            else:
                ws.write_string(r, 1, self.na("none"), self.F(align="right"))
            ws.write_string(r, 2, money_per_year(self.zh), self.f_unit)
            if last_col > 3:
                ws.merge_range(r, 3, r, last_col, text, note)
            else:
                ws.write_string(r, 3, text, note)
            r += 1
        return r

    def corridor_text(self, ws, r, label: str, text: str, last_col: int, text_width: float):
        """A labelled paragraph of the corridor box, merged across to ``last_col``, rows tall enough."""
        ws.write_string(r, 0, label, self.F(valign="top"))
        ws.merge_range(r, 1, r, last_col, text, self.F(font_size=SMALL_PT, text_wrap=True, valign="top"))
        ws.set_row(r, 13 * max(2, math.ceil(display_width(text) / text_width)))

    # ------------------------------------------------------------------ charts
    #: The Summary's charts: height in pixels, and the gap between the two side by side.
    CHART_H = 300
    CHART_GAP = 12

    def summary_charts(self, ws, r: int):
        """The two charts side by side below the tables, together as wide as them (the Summary
        prints its columns A:D)."""
        w = sum(printing.col_pixels(self.colw[ws.name][c]) for c in range(4))
        half = (w - self.CHART_GAP) // 2
        self.revenue_chart(ws, r, half, 0)
        self.cash_chart(ws, r, half, half + self.CHART_GAP)
        if "government" in self.ws:        # the street office's commitments against its red line
            self.government_chart(ws, r + math.ceil(self.CHART_H / 20) + 2, w)

    def chart_title(self, zh_text: str, en_text: str) -> dict:
        return {"name": self.t(zh_text, en_text), "name_font": {"name": self.font, "size": 11, "bold": True}}

    def revenue_chart(self, ws, at: int, width: int, x: int):
        """Revenue by stream and the subsidy, stacked by operating year."""
        calc, timet, cal = self.titles["calcs"], self.titles["time"], self.r("calendar_year")
        font = {"name": self.font, "size": SMALL_PT}
        ch = self.wb.add_chart({"type": "column", "subtype": "stacked"})
        series = [("rev_rent", self.t("租金", "Rent")), ("rev_parking", self.t("停车费", "Parking")),
                  ("rev_property_fees", self.t("物业费", "Property fees")), ("rev_other", self.t("其他", "Other")),
                  ("subsidy", self.t("财政补贴", "Subsidy"))]
        for i, (key, name) in enumerate(series):
            ch.add_series({"name": name, "categories": [timet, cal, COL_Y0 + 1, cal, self.last_col],
                           "values": [calc, self.r(key), COL_Y0 + 1, self.r(key), self.last_col],
                           "fill": {"color": COLORS["chart"][i]}, "gap": 40})
        ch.set_title(self.chart_title("营业收入(不含税)与财政补贴(万元)", "Revenue by stream (net of VAT) and subsidy, CNY 10,000"))
        ch.set_x_axis({"num_font": {**font, "rotation": -45}})
        ch.set_y_axis({"num_font": font, "num_format": "#,##0", "major_gridlines": {"visible": True, "line": {"color": "#D9D9D9"}}})
        ch.set_legend({"position": "bottom", "font": font})
        self.place_chart(ws, at, 0, ch, width, self.CHART_H, x, page_at=None)

    def cash_chart(self, ws, at: int, width: int, x: int):
        """Cumulative cash flows (project; equity with a loan) and the payback point."""
        calc, timet, cal = self.titles["calcs"], self.titles["time"], self.r("calendar_year")
        font = {"name": self.font, "size": SMALL_PT}
        sc = self.wb.add_chart({"type": "scatter", "subtype": "straight_with_markers"})
        sc.add_series({"name": self.t("累计净现金流量(项目投资)", "Cumulative project cash flow"),
                       "categories": [timet, cal, COL_Y0, cal, self.last_col],
                       "values": [calc, self.r("cum_project_fcf"), COL_Y0, self.r("cum_project_fcf"), self.last_col],
                       "line": {"color": COLORS["chart"][0], "width": 2},
                       "marker": {"type": "circle", "size": 4, "fill": {"color": COLORS["chart"][0]},
                                  "border": {"color": COLORS["chart"][0]}}})
        if self.s["flags"]["has_debt"]:
            sc.add_series({"name": self.t("累计资本金净现金流量", "Cumulative equity cash flow"),
                           "categories": [timet, cal, COL_Y0, cal, self.last_col],
                           "values": [calc, self.r("cum_equity_fcf"), COL_Y0, self.r("cum_equity_fcf"), self.last_col],
                           "line": {"color": COLORS["chart"][1], "width": 1.5, "dash_type": "dash"},
                           "marker": {"type": "none"}})
        pr = self.payback_point_row
        pb = self.s["metrics"].get("payback_years")
        label = self.t(f"回收期 {pb:.2f} 年", f"payback {pb:.2f} years") if pb is not None else ""
        sc.add_series({"name": self.t("投资回收点", "Payback point"),
                       "categories": [self.titles["summary"], pr, 1, pr, 1],
                       "values": [self.titles["summary"], pr, 2, pr, 2],
                       "line": {"none": True},
                       "marker": {"type": "diamond", "size": 11, "fill": {"color": "#C00000"}, "border": {"color": "#C00000"}},
                       "data_labels": {"custom": [{"value": label}], "position": "above",
                                       "font": {**font, "bold": True, "color": "#C00000"}}})
        sc.set_title(self.chart_title("累计净现金流量与投资回收点(万元)", "Cumulative cash flow and payback, CNY 10,000"))
        y0 = self.a.scenario.start_year
        sc.set_x_axis({"min": y0, "max": y0 + self.N, "major_unit": 2, "num_format": "0", "num_font": font,
                       "label_position": "low", "major_gridlines": {"visible": False}})
        sc.set_y_axis({"num_font": font, "num_format": "#,##0", "major_gridlines": {"visible": True, "line": {"color": "#D9D9D9"}}})
        sc.set_legend({"position": "bottom", "font": font})
        sc.show_hidden_data()          # the payback point's helper row is hidden, its point still plotted
        self.place_chart(ws, at, 0, sc, width, self.CHART_H, x, page_at=None)
