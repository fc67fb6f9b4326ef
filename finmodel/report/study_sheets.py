"""The Sensitivity and Compare sheets, and the house-style tables of the study sheets.

Sensitivity: the tornado (a table and a bar chart), grids as heat maps, the spider (a table and a
line chart), Sobol indices and Morris screening. Compare: the scenarios' indicators side by side
and the attribution of each change. Static results computed by the caller
(:mod:`finmodel.sensitivity`), with their inputs stated; amounts in 万元.
"""

from __future__ import annotations

import math

from .layout import (COLORS, RANGE_HOW_ZH, SMALL_PT, is_money, is_pct, auto_number_format, metric_label, metric_unit, metric_with_unit,
                     money_text)
from .. import registry
from .studies import finite
from .writer import display_width


def dist_text(d, note=str) -> str:
    """A declared distribution in a line: 'triangular: min 5.5, mode 7.5, max 10'; ``note`` renders
    its source note."""
    if not isinstance(d, dict):
        return "" if d is None else str(d)
    parts = []
    for k, v in d.items():
        if k in ("dist", "path", "source"):
            continue
        if isinstance(v, (list, tuple)):
            v = "[" + ", ".join(f"{x:g}" if isinstance(x, (int, float)) else str(x) for x in v) + "]"
        elif isinstance(v, float):
            v = f"{v:g}"
        parts.append(f"{k} {v}")
    text = f"{d.get('dist', '')}: " + ", ".join(parts)
    return text + (f"  ({note(d['source'])})" if d.get("source") else "")


class StudySheetsMixin:
    """The Sensitivity and Compare sheets and the study tables (methods of the writer)."""

    def write_stated(self, ws, r, items, span: tuple[int, float] = (6, 78.0)) -> int:
        """A study's inputs stated above its table, one (label, value[, number format]) a row.

        A text longer than ``span[1]`` characters wraps in columns 1 to ``span[0]`` (about that wide),
        so that it prints whole."""
        lab = self.F(font_color=COLORS["helper_font"], valign="top")
        for item in items:
            label, value = item[0], item[1]
            fmt = item[2] if len(item) > 2 else None
            ws.write_string(r, 0, label, lab)
            if isinstance(value, bool):
                ws.write_string(r, 1, self.t("是", "yes") if value else self.t("否", "no"), self.F(align="left"))
            elif isinstance(value, (int, float)):
                if finite(value):
                    ws.write_number(r, 1, float(value), self.F(num_format=fmt or auto_number_format(value), align="left"))
                else:
                    ws.write_string(r, 1, self.na("na"), self.F(align="left"))
            elif display_width(str(value)) > 13 and span[0] > 1:
                lines = math.ceil(display_width(str(value)) / span[1])
                ws.merge_range(r, 1, r, span[0], str(value), self.F(align="left", valign="top", text_wrap=True))
                if lines > 1:
                    ws.set_row(r, 13.5 * lines)
            else:
                ws.write_string(r, 1, str(value), self.F(align="left"))
            r += 1
        return r

    def write_results_table(self, ws, r, frame, cols, *, index: str = "path", index_head: str | None = None,
                            metric: str | None = None, tail=None, tail_head: str | None = None, labels=None,
                            heat: bool = False):
        """One house-style table from a result's ``to_frame()``: a heading row, then a row per index entry.

        ``cols``: (frame column, heading, kind) with kind ``metric`` (the study metric, in 万元 or %),
        ``rowmetric`` (the row's own metric: the index is a metric name), ``input`` (the row's input in
        its own unit, percent for rates), ``index`` (a sensitivity index, 0.000) or ``text``. The
        index is a YAML path shown by its label (``index='path'``), a metric (``'metric'``, with its
        unit in a second column) or text; ``labels`` overrides the label of some index entries;
        ``tail(key, row)`` adds a last column of small grey text (the YAML path, a distribution);
        ``heat`` drops the red font of negative metric values (the caller colours the cells).
        Returns (next row, first data row, last data row, {column key: sheet column}).
        """
        head = index_head or (self.t("驱动因素", "Driver") if index == "path" else self.t("指标", "Indicator"))
        heads = [head] + ([self.t("单位", "Unit")] if index == "metric" else []) + [h for _, h, _ in cols]
        if tail is not None:
            heads.append(tail_head or self.t("YAML 路径", "YAML path"))
        self.head_row(ws, r, heads)
        r += 1
        first = r
        c0 = 2 if index == "metric" else 1
        where = {key: c0 + j for j, (key, _, _) in enumerate(cols)}
        sc, mfmt = self.metric_fmt(metric) if metric else (1.0, None)
        if heat and metric:
            mfmt = self.F(num_format="0.00%;-0.00%" if is_pct(metric) else
                          ("#,##0.00;-#,##0.00" if is_money(metric) else "0.00;-0.00"))
        small = self.F(font_size=SMALL_PT, font_color=COLORS["helper_font"])
        for key, row in frame.iterrows():
            key_s = str(key)
            ws.write_string(r, 0, self.table_label(key_s, index, labels), self.F(bold=bool(labels and key_s in labels)))
            if index == "metric":
                ws.write_string(r, 1, metric_unit(key_s, self.zh), self.f_unit)
            for key_c, _, kind in cols:
                x = row.get(key_c) if hasattr(row, "get") else row[key_c]
                self.results_cell(ws, r, where[key_c], x, kind, key_s, (sc, mfmt, metric))
            if tail is not None:
                ws.write_string(r, c0 + len(cols), tail(key_s, row), small)
            r += 1
        return r, first, r - 1, where

    def table_label(self, key: str, index: str, labels) -> str:
        if labels and key in labels:
            return labels[key]
        if index == "path":
            return self.path_label(key)
        if index == "metric":
            return metric_label(key, self.zh)
        return key

    def results_cell(self, ws, r, col, x, kind: str, key: str, study):
        """One cell of :meth:`write_results_table`; ``study`` is (divisor, format, metric) of the study metric."""
        sc, mfmt, metric = study
        if kind == "metric":
            self.put_num(ws, r, col, x, sc, mfmt, na=self.metric_na(metric))
        elif kind == "rowmetric":
            rsc, rfmt = self.metric_fmt(key)
            self.put_num(ws, r, col, x, rsc, rfmt, na=self.metric_na(key))
        elif kind == "input":
            if isinstance(x, str):
                ws.write_string(r, col, x, self.F(align="right"))
            elif x is None or (isinstance(x, float) and math.isnan(x)):
                ws.write_blank(r, col, None)
            else:
                self.put_input(ws, r, col, key, x)
        elif kind == "index":
            self.put_num(ws, r, col, x, 1.0, self.F(num_format="0.000"))
        elif x is not None and not (isinstance(x, float) and math.isnan(x)) and str(x) != "":
            ws.write_string(r, col, str(x), self.F(font_size=SMALL_PT, text_wrap=False))

    def write_sensitivity(self):
        ws = self.ws["sensitivity"]
        st = self.studies
        ws.write_string(0, 0, self.t("敏感性分析", "Sensitivity analysis"), self.f_title)
        r = self.static_note(ws, 1, self.t("静态值: finmodel 运行时计算;修改输入后请重新运行。金额单位: 万元。",
                                            "Static values computed by finmodel; run again after changing inputs. Amounts in CNY 10,000."))
        self.setcol(ws, 0, 0, 36)
        self.setcol(ws, 1, 30, 11)
        if st.tornado is not None:
            self.setcol(ws, 9, 9, 70)
        # printed: the driver column on every page, the tornado's numbers (and its chart) on the first
        self.print_repeat["sensitivity"] = 1
        self.print_keep["sensitivity"] = 9
        r += 1
        if st.tornado is not None:
            r = self.write_tornado(ws, r, st.tornado)
        for g in st.grids:
            r = self.write_grid(ws, r + 1, g)
        if st.spider is not None:
            r = self.write_spider(ws, r + 1, st.spider)
        for res in (st.sobol, st.morris):
            if res is not None:
                r = self.write_global(ws, r + 1, res)
        ws.hide_gridlines(2)

    def write_tornado(self, ws, r, tr) -> int:
        """The tornado: each driver at its low and high value, a table and a bar chart of the change."""
        money = is_money(tr.metric)
        sc, mfmt = self.money_fmt() if money else (1.0, self.F(num_format="0.00%" if is_pct(tr.metric) else "0.00"))
        base_txt = money_text(tr.base, self.zh) if money else f"{tr.base:,.2f}"
        ws.write_string(r, 0, self.t(f"龙卷风图: {metric_label(tr.metric, True)}(基准值 {base_txt})",
                                     f"Tornado: {metric_label(tr.metric, False)} (base {base_txt})"), self.h2())
        r += 1
        ws.write_string(r, 0, self.t(f"未给出区间的驱动因素按基准值 ±{tr.swing:.0%} 变动;按影响幅度排序",
                                     f"drivers without a range move by ±{tr.swing:.0%} of base; sorted by impact"), self.f_sub)
        r += 1
        heads = [self.t("驱动因素", "Driver"), self.t("基准值", "Base value"), self.t("低值", "Low"),
                 self.t("高值", "High"), self.t("低值时指标", "Metric at low"), self.t("高值时指标", "Metric at high"),
                 self.t("低值-基准", "Low - base"), self.t("高值-基准", "High - base"), self.t("影响幅度", "Impact"),
                 self.t("YAML 路径 / 区间来源", "YAML path / range")]
        for col, h in enumerate(heads):
            ws.write_string(r, col, h, self.f_head_left)
        r += 1
        first = r
        for d in tr.drivers:
            ws.write_string(r, 0, self.path_label(d["path"]))
            for col, k in ((1, "base_value"), (2, "low"), (3, "high")):
                self.put_input(ws, r, col, d["path"], d[k])
            for col, k in ((4, "metric_low"), (5, "metric_high"), (8, "impact")):
                self.put_num(ws, r, col, d[k], sc, mfmt)
            for col, k in ((6, "metric_low"), (7, "metric_high")):
                x = d[k]
                self.put_num(ws, r, col, (float(x) - tr.base) if finite(x) and finite(tr.base) else None, sc, mfmt)
            how = d.get("range", "")
            how = RANGE_HOW_ZH.get(how, how) if self.zh else how
            ws.write_string(r, 9, d["path"] + "  " + how + (f" ({self.note(d['source'])})" if d.get("source") else ""),
                            self.F(font_size=SMALL_PT, font_color=COLORS["helper_font"]))
            r += 1
        if tr.drivers:
            r += self.tornado_chart(ws, r + 1, tr, first, r - 1)
        return r

    def tornado_chart(self, ws, at: int, tr, first: int, last: int) -> int:
        """The tornado's bars (the change from base at the low and high values) below its table; the rows it takes."""
        money = is_money(tr.metric)
        ch = self.wb.add_chart({"type": "bar"})
        title = self.titles["sensitivity"]
        ch.add_series({"name": self.t("低值", "Low"), "categories": [title, first, 0, last, 0],
                       "values": [title, first, 6, last, 6], "fill": {"color": COLORS["chart"][1]}, "overlap": 100, "gap": 40})
        ch.add_series({"name": self.t("高值", "High"), "categories": [title, first, 0, last, 0],
                       "values": [title, first, 7, last, 7], "fill": {"color": COLORS["chart"][0]}})
        font = {"name": self.font, "size": SMALL_PT}
        unit = self.t("(万元)", ", CNY 10,000") if money else ""
        ch.set_title({"name": self.t(f"龙卷风图: {metric_label(tr.metric, True)}相对基准的变化{unit}",
                                     f"Tornado: change of {metric_label(tr.metric, False)} from base{unit}"),
                      "name_font": {"name": self.font, "size": 11, "bold": True}})
        ch.set_y_axis({"reverse": True, "num_font": font, "label_position": "low"})
        ch.set_x_axis({"num_font": font, "num_format": "#,##0", "major_gridlines": {"visible": True, "line": {"color": "#D9D9D9"}}})
        ch.set_legend({"position": "bottom", "font": font})
        height = max(300, 24 * len(tr.drivers) + 100)
        # in column B: column A is repeated on the pages across, a chart in it would be too
        return self.place_chart(ws, at, 1, ch, min(820, self.page_one_px(ws, "sensitivity", 1)), height) + 3

    def write_spider(self, ws, r, sp) -> int:
        """The spider: the metric at relative steps of each driver, a table and a line chart."""
        m = sp.metric
        sc, _ = self.metric_fmt(m)
        ws.write_string(r, 0, self.t(f"蜘蛛图: {metric_with_unit(m, True)}", f"Spider: {metric_with_unit(m, False)}"), self.h2())
        r += 1
        steps = list(sp.steps)
        r = self.write_stated(ws, r, [
            (self.t("指标", "Metric"), metric_with_unit(m, self.zh)),
            (self.t("基准值", "Base"), sp.base / sc if finite(sp.base) else sp.base, "#,##0.00" if not is_pct(m) else "0.00%"),
            (self.t("变动步长(相对基准值)", "Steps (relative to each driver's base)"),
             ", ".join(f"{x:+.0%}" for x in steps)),
            (self.t("驱动因素个数", "Drivers"), len(sp.drivers), "0"),
        ])
        frame = sp.to_frame()
        frame.insert(0, "_base", [d["base_value"] for d in sp.drivers])
        cols = [("_base", self.t("基准值", "Base value"), "input")]
        cols += [(x, f"{x:+.0%}", "metric") for x in steps]
        clipped = {d["path"]: [f"{x:+.0%}" for x, c in zip(steps, d["clipped"]) if c] for d in sp.drivers}

        def tail(path, row):
            c = clipped.get(path) or []
            return path + (self.t(f"  (超出有效范围,截断于 {', '.join(c)})", f"  (clipped to the valid range at {', '.join(c)})") if c else "")

        r, first, last, where = self.write_results_table(ws, r, frame, cols, metric=m, tail=tail, heat=True)
        c1, c2 = where[steps[0]], where[steps[-1]]
        if last >= first:
            self.diverging_scale(ws, first, c1, last, c2, [float(v) / sc for d in sp.drivers for v in d["metric"]
                                                           if finite(v)], m)
            # the chart: the drivers with the widest spread (all of them up to eight)
            spread = []
            for i, d in enumerate(sp.drivers):
                vals = [v for v in d["metric"] if finite(v)]
                spread.append((max(vals) - min(vals) if vals else -1.0, i))
            show = sorted(i for _, i in sorted(spread, reverse=True)[:8])
            title = self.titles["sensitivity"]
            ch = self.wb.add_chart({"type": "line"})
            for k, i in enumerate(show):
                ch.add_series({"name": [title, first + i, 0], "categories": [title, first - 1, c1, first - 1, c2],
                               "values": [title, first + i, c1, first + i, c2],
                               "line": {"color": COLORS["chart"][k % len(COLORS["chart"])] if k < 6 else None, "width": 1.75},
                               "marker": {"type": "circle", "size": 4}})
            font = {"name": self.font, "size": SMALL_PT}
            extra = self.t(f"(影响最大的 {len(show)} 项)", f" (the {len(show)} widest)") if len(show) < len(sp.drivers) else ""
            ch.set_title({"name": self.t(f"蜘蛛图: {metric_with_unit(m, True)}{extra}", f"Spider: {metric_with_unit(m, False)}{extra}"),
                          "name_font": {"name": self.font, "size": 11, "bold": True}})
            ch.set_x_axis({"num_font": font, "label_position": "low", "name": self.t("相对基准值的变动", "change from the base value"),
                           "name_font": {"name": self.font, "size": SMALL_PT, "bold": False}})
            ch.set_y_axis({"num_font": font, "num_format": "#,##0" if is_money(m) else ("0%" if is_pct(m) else "0.0"),
                           "major_gridlines": {"visible": True, "line": {"color": "#D9D9D9"}}})
            ch.set_legend({"position": "right", "font": font})
            r += self.place_chart(ws, r + 1, 1, ch, min(900, self.page_one_px(ws, "sensitivity", 1)), 360) + 2
        return r + 1

    def write_global(self, ws, r, g) -> int:
        """Sobol indices or Morris screening: the design stated, one row per uncertain input."""
        m = g.metric
        sobol = g.method == "sobol"
        src = (self.t("已声明的分布(uncertainty)", "declared distributions (uncertainty)") if g.inputs_from == "distributions"
               else self.t("驱动因素区间上的均匀分布", "uniform over the driver ranges"))
        if sobol:
            ws.write_string(r, 0, self.t(f"Sobol 全局敏感性指数: {metric_label(m, True)}", f"Sobol indices: {metric_label(m, False)}"), self.h2())
            stated = [(self.t("指标", "Metric"), metric_with_unit(m, self.zh)),
                      (self.t("基础样本量 N", "Base sample N"), g.n, "#,##0"),
                      (self.t("模型运行次数", "Model runs"), g.runs, "#,##0"),
                      (self.t("随机种子", "Seed"), g.seed, "0"),
                      (self.t("输入", "Inputs"), src),
                      (self.t("置信水平(自助法)", "Confidence level (bootstrap)"), g.conf_level, "0%")]
            cols = [("S1", self.t("一阶指数 S1", "First order S1"), "index"), ("S1_conf", "± S1", "index"),
                    ("ST", self.t("总效应指数 ST", "Total ST"), "index"), ("ST_conf", "± ST", "index")]
            bar = "ST"
            metric = None
        else:
            ws.write_string(r, 0, self.t(f"Morris 筛选: {metric_with_unit(m, True)}", f"Morris screening: {metric_with_unit(m, False)}"), self.h2())
            stated = [(self.t("指标", "Metric"), metric_with_unit(m, self.zh)),
                      (self.t("轨迹数", "Trajectories"), g.n, "#,##0"),
                      (self.t("网格水平数", "Levels"), g.levels, "0"),
                      (self.t("模型运行次数", "Model runs"), g.runs, "#,##0"),
                      (self.t("随机种子", "Seed"), g.seed, "0"),
                      (self.t("输入", "Inputs"), src),
                      (self.t("置信水平", "Confidence level"), g.conf_level, "0%")]
            cols = [("mu_star", "μ*", "metric"), ("mu_star_conf", "± μ*", "metric"), ("mu", "μ", "metric"),
                    ("sigma", "σ", "metric")]
            bar = "mu_star"
            metric = m
        r += 1
        r = self.write_stated(ws, r, stated)
        ws.write_string(r, 0, self.t("± 为置信区间的半宽;按影响从大到小排序。" + (
            "μ* 为输入在其整个范围内变动的平均绝对效应;σ 相对 μ* 较大表示交互作用或非线性。" if not sobol else
            "S1: 单独贡献的方差份额;ST: 含交互作用的总份额。"),
            "± is the half-width of the confidence interval; sorted by impact. " + (
            "mu*: mean absolute effect of moving an input across its whole range; sigma large against mu*: "
            "interactions or non-linearity." if not sobol else
            "S1: the share of variance an input explains alone; ST: with its interactions."),
            ), self.f_sub)
        r += 1
        frame = g.to_frame()
        dists = {row["path"]: row.get("input") for row in g.rows}
        r, first, last, where = self.write_results_table(
            ws, r, frame, cols, metric=metric, tail=lambda path, row: f"{path}  {dist_text(dists.get(path), self.note)}",
            tail_head=self.t("YAML 路径 / 分布", "YAML path / distribution"), index_head=self.t("不确定输入", "Uncertain input"))
        if last >= first:
            ws.conditional_format(first, where[bar], last, where[bar], {"type": "data_bar", "bar_color": "#5B9BD5"})
        return r + 1

    # ------------------------------------------------------------------ Compare
    def write_compare(self):
        ws = self.ws["compare"]
        cr = self.studies.compare
        ws.write_string(0, 0, self.t("情景比较与差异归因", "Scenario comparison and attribution"), self.f_title)
        r = self.static_note(ws, 1, self.t("静态值: finmodel 运行时计算;修改输入后请重新运行。金额单位: 万元。",
                                            "Static values computed by finmodel; run again after changing inputs. Amounts in CNY 10,000."))
        names = [sc["name"] for sc in cr.scenarios]
        n = len(names)
        # scenario names head the columns: wide enough for the longest (with "(reference)") on one line
        wide = max([display_width(x) for x in names] + [0.0]) + display_width(self.t("(基准)", " (reference)")) + 2
        self.setcol(ws, 0, 0, 34)
        self.setcol(ws, 1, 1, 11)
        self.setcol(ws, 2, 1 + n, min(32.0, max(15.0, wide)))
        self.setcol(ws, 2 + n, 2 + n, 36)
        self.print_repeat["compare"] = 1          # the indicators' names on every page across
        r += 1
        ws.write_string(r, 0, self.t("情景", "Scenarios"), self.h2())
        r += 1
        heads = {0: self.t("情景", "Scenario"), 1: self.t("基准", "Reference"), 2: self.t("说明", "Title"),
                 2 + n: self.t("来源", "Source")}
        for col in range(3 + n):
            if col in heads:
                ws.write_string(r, col, heads[col], self.f_head_left)
            else:
                ws.write_blank(r, col, None, self.f_head_left)
        r += 1
        for sc in cr.scenarios:
            ref = sc["name"] == cr.reference
            ws.write_string(r, 0, str(sc["name"]), self.F(bold=ref))
            ws.write_string(r, 1, self.t("是", "yes") if ref else "", self.f_unit)
            ws.write_string(r, 2, str(sc.get("title") or ""))
            ws.write_string(r, 2 + n, self.note(sc.get("source")), self.F(font_size=SMALL_PT, font_color=COLORS["helper_font"]))
            r += 1
        r += 1
        ws.write_string(r, 0, self.t("主要指标对比", "Key indicators side by side"), self.h2())
        r += 1
        frame = cr.to_frame()
        heads = [(name, name + (self.t("(基准)", " (reference)") if name == cr.reference else ""), "rowmetric")
                 for name in names]
        r, first, last, where = self.write_results_table(ws, r, frame, heads, index="metric")
        r += 1
        for att in cr.attributions:
            r = self.write_attribution(ws, r, att)
        ws.hide_gridlines(2)

    def write_attribution(self, ws, r, att) -> int:
        m = att.metric
        sc, mfmt = self.metric_fmt(m)
        ws.write_string(r, 0, self.t(f"{metric_label(m, True)}的变化归因: {att.from_name} → {att.to_name}",
                                     f"Change in {metric_label(m, False)}: {att.from_name} -> {att.to_name}"), self.h2())
        r += 1
        fmt = "#,##0.00" if not is_pct(m) else "0.00%"
        unit = metric_unit(m, self.zh)
        r = self.write_stated(ws, r, [
            (self.t(f"{att.from_name} 的{metric_label(m, True)}({unit})", f"{metric_label(m, False)} of {att.from_name} ({unit})"),
             att.from_value / sc, fmt),
            (self.t(f"{att.to_name} 的{metric_label(m, True)}({unit})", f"{metric_label(m, False)} of {att.to_name} ({unit})"),
             att.to_value / sc, fmt),
            (self.t(f"变化合计({unit})", f"Total change ({unit})"), att.total / sc, fmt),
        ])
        ws.write_string(r, 0, self.t("每次只把一项假设换成对方情景的值;交互作用余项使各部分之和等于总变化。",
                                     "Each differing assumption taken from the other scenario one at a time; the "
                                     "interaction remainder makes the parts add up to the total."), self.f_sub)
        r += 1
        frame = att.to_frame()
        rem, tot = "(interaction remainder)", "(total)"
        labels = {rem: self.t("交互作用余项", "Interaction remainder"), tot: self.t("合计", "Total")}
        cols = [("from", self.t(f"{att.from_name} 的值", f"In {att.from_name}"), "input"),
                ("to", self.t(f"{att.to_name} 的值", f"In {att.to_name}"), "input"),
                ("change", self.t(f"变化({unit})", f"Change ({unit})"), "metric")]

        def tail(path, row):
            if path in labels:
                return ""
            note = row.get("note")
            return path + (f"  ({note})" if isinstance(note, str) and note else "")

        r, first, last, where = self.write_results_table(ws, r, frame, cols, metric=m, labels=labels, tail=tail,
                                                         index_head=self.t("假设", "Assumption"))
        if last - 2 >= first:
            ws.conditional_format(first, where["change"], last - 2, where["change"],
                                  {"type": "data_bar", "bar_color": "#5B9BD5", "bar_negative_color": "#F8696B"})
        return r + 1

    def axis_text(self, ax) -> str:
        """'support.subsidy_annual_cny = 0:2e6:5: 5 values, base 1,000,000 元/年 (on the grid)'."""
        n = len(ax.values)
        u = "" if ax.path in self.path_pct else self.path_units.get(ax.path, "")
        base = f"{ax.base:.2%}" if ax.path in self.path_pct else (f"{ax.base:,.0f}" if abs(ax.base) >= 1e4 else f"{ax.base:g}")
        on = self.t("在网格上,加粗框", "on the grid, boxed") if ax.base_index is not None else self.t("不在网格上", "not on the grid")
        base = f"{base} {u}".strip()
        return self.t(f"{self.path_label(ax.path)} ─ {ax.spec}: {n} 个值,基准值 {base}({on})",
                      f"{self.path_label(ax.path)} - {ax.spec}: {n} values, base {base} ({on})")

    def write_grid(self, ws, r, g):
        """A one- or two-way grid as a heat map, its axes and the base point stated."""
        m = g.metric
        sc, _ = self.metric_fmt(m)
        axes = g.axes
        ws.write_string(r, 0, self.t(f"网格: {metric_with_unit(m, True)}", f"Grid: {metric_with_unit(m, False)}"), self.h2())
        self.row_breaks.setdefault(ws.name, []).append(r)          # a heat map starts a printed page
        r += 1
        stated = [(self.t("指标", "Metric"), metric_with_unit(m, self.zh)),
                  (self.t("基准情景的指标值", "Metric at base"), g.base / sc if finite(g.base) else g.base,
                   "0.00%" if is_pct(m) else "#,##0.00")]
        if len(axes) == 1:
            stated.append((self.t("输入", "Input"), self.axis_text(axes[0])))
        else:
            stated.append((self.t("行", "Rows"), self.axis_text(axes[0])))
            stated.append((self.t("列", "Columns"), self.axis_text(axes[1])))
        stated.append((self.t("读图", "Reading"), self.t("颜色以0为中心: 负值红、正值绿,越深离0越远;粗黑线为零值分界;加粗框为基准情景",
                                                        "colours centred at zero: negative red, positive green, deeper "
                                                        "further from zero; the thick black line is the zero contour; "
                                                        "the boxed cell is the base case")))
        r = self.write_stated(ws, r, stated)
        vals = g.values
        na = self.metric_na(m)

        def axis_fmt(ax, **extra):
            nfm = "0.00%" if ax.path in self.path_pct else "#,##0.####"
            return self.F(bold=True, bg_color=COLORS["heading_fill"], border=1, num_format=nfm, **extra)

        if len(axes) == 1:
            ax = axes[0]
            u = self.path_units.get(ax.path, "")
            ws.write_string(r, 0, self.t("输入取值", "Input value") + (self.t(f"({u})", f" ({u})") if u else ""), self.f_head_left)
            ws.write_string(r, 1, metric_label(m, self.zh), self.f_head)
            r += 1
            for i, x in enumerate(ax.values):
                ws.write_number(r + i, 0, float(x), axis_fmt(ax, align="left"))
            self.heat_map(ws, r, 1, [[y] for y in vals], m, {(ax.base_index, 0)}, na)
            return r + len(ax.values) + 1
        rax, cax = axes
        ws.write_string(r, 0, self.t("行 \\ 列", "rows \\ columns"), self.F(bold=True, bg_color=COLORS["heading_fill"], border=1,
                                                                          align="right", font_size=SMALL_PT))
        for j, x in enumerate(cax.values):
            ws.write_number(r, 1 + j, float(x), axis_fmt(cax, align="center"))
        r += 1
        for i, x in enumerate(rax.values):
            ws.write_number(r + i, 0, float(x), axis_fmt(rax, align="left"))
        self.heat_map(ws, r, 1, [list(row) for row in vals], m, {(rax.base_index, cax.base_index)}, na)
        return r + len(rax.values) + 1

    def heat_map(self, ws, r0: int, c0: int, values, metric: str, base: set, na: str) -> None:
        """Values of ``metric`` as a heat map at (r0, c0): colours diverging from zero (losses red,
        gains green, white at zero; the scale symmetric, so the smallest loss is pale red, never
        green), a thick line along the zero contour (between a negative cell and its non-negative
        neighbour), the base point boxed. A metric better when lower swaps the colours."""
        sc, _ = self.metric_fmt(metric)
        shown = [[float(v) / sc if finite(v) else None for v in row] for row in values]
        # a heat map reads by its colours: no red font on a red fill
        plain = "0.00%;-0.00%" if is_pct(metric) else ("#,##0.00;-#,##0.00" if is_money(metric) else "0.00;-0.00")
        n, k = len(shown), max((len(row) for row in shown), default=0)

        def loss(i, j):
            return 0 <= i < n and 0 <= j < len(shown[i]) and shown[i][j] is not None and shown[i][j] < 0

        def gain(i, j):
            return 0 <= i < n and 0 <= j < len(shown[i]) and shown[i][j] is not None and shown[i][j] >= 0

        for i, row in enumerate(shown):
            for j, v in enumerate(row):
                props = {"num_format": plain}
                if (i, j) in base:
                    props.update(bold=True, border=2)
                if loss(i, j):
                    for side, (di, dj) in (("top", (-1, 0)), ("bottom", (1, 0)), ("left", (0, -1)), ("right", (0, 1))):
                        if gain(i + di, j + dj):
                            props.update({side: 5, f"{side}_color": COLORS["zero_contour"]})
                self.put_num(ws, r0 + i, c0 + j, values[i][j], sc, self.F(**props), na=na)
        self.diverging_scale(ws, r0, c0, r0 + n - 1, c0 + k - 1, [v for row in shown for v in row if v is not None], metric)

    def diverging_scale(self, ws, r1: int, c1: int, r2: int, c2: int, shown: list[float], metric: str) -> None:
        """A colour scale centred at zero and symmetric (-M, 0, +M) over a range of shown values."""
        top = max((abs(v) for v in shown), default=0.0)
        if top <= 0 or r2 < r1 or c2 < c1:
            return
        low, high = COLORS["heat_loss"], COLORS["heat_gain"]
        if registry.metrics().get(metric) is not None and registry.metrics()[metric].better == "lower":
            low, high = high, low
        ws.conditional_format(r1, c1, r2, c2, {"type": "3_color_scale", "min_type": "num", "min_value": -top,
                                               "mid_type": "num", "mid_value": 0, "max_type": "num", "max_value": top,
                                               "min_color": low, "mid_color": COLORS["heat_zero"], "max_color": high})
