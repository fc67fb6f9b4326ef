"""The Monte Carlo sheet: the draws stated, the uncertain inputs, the distribution of each indicator,
the risk probabilities and a histogram (static values from :func:`finmodel.sensitivity.run_montecarlo`,
run by the caller; amounts in 万元).
"""

from __future__ import annotations

import math

from .. import registry, units
from .layout import (COLORS, MONEY, SMALL_PT, is_money, is_pct, PROBABILITY_LABELS, auto_number_format, metric_label,
                     metric_unit, money_text)
from .studies import finite, mc_histogram


class MonteCarloSheetMixin:
    """The Monte Carlo sheet (methods of the writer)."""

    def write_montecarlo(self):
        """The Monte Carlo sheet: the draws stated, the uncertain inputs, the indicators' distributions,
        the risk probabilities and the histogram of NPV."""
        ws = self.ws["montecarlo"]
        mc = self.studies.montecarlo
        ws.write_string(0, 0, self.t("蒙特卡洛模拟(概率分析)", "Monte Carlo simulation (probability analysis)"), self.f_title)
        method = {"iman_conover": "Iman-Conover", "gaussian_copula": self.t("高斯 Copula", "Gaussian copula")}.get(mc.method, mc.method)
        r = self.static_note(ws, 1, self.t(f"静态值: {mc.n:,} 次抽样,随机种子 {mc.seed},秩相关方法 {method},"
                                           f"{mc.truncated:,} 次抽样截断到有效范围。金额单位: 万元。",
                                           f"Static values: {mc.n:,} draws, seed {mc.seed}, rank correlation {method}; "
                                           f"{mc.truncated:,} draws truncated to valid ranges. Amounts in CNY 10,000."))
        self.setcol(ws, 0, 0, 36)
        self.setcol(ws, 1, 1, 11)
        self.setcol(ws, 2, 9, 12)
        self.setcol(ws, 10, 10, 40)
        # printed: the label column on every page, the distribution's columns (and the histogram) on the first
        self.print_repeat["montecarlo"] = 1
        self.print_keep["montecarlo"] = 8
        r = self.mc_inputs(ws, r + 1, mc)
        r = self.mc_metrics(ws, r + 1, mc)
        r = self.mc_probabilities(ws, r + 1, mc)
        self.mc_histogram_chart(ws, r, mc)
        ws.hide_gridlines(2)

    def mc_inputs(self, ws, r, mc) -> int:
        """The uncertain inputs: each distribution's parameters and its draws."""
        ws.write_string(r, 0, self.t("不确定输入", "Uncertain inputs"), self.h2())
        r += 1
        for col, h in enumerate([self.t("输入", "Input"), self.t("分布", "Distribution"), self.t("最小值", "min"),
                                 self.t("最可能值", "mode"), self.t("最大值", "max"), self.t("均值", "mean"), self.t("标准差", "sd"),
                                 self.t("抽样均值", "Draws: mean"), self.t("截断次数", "Truncated"), "", self.t("YAML 路径 / 来源", "YAML path / source")]):
            ws.write_string(r, col, h, self.f_head_left)
        r += 1
        for inp in mc.inputs:
            ws.write_string(r, 0, self.path_label(str(inp.get("path"))))
            ws.write_string(r, 1, str(inp.get("dist")))
            path = str(inp.get("path"))
            pct = path in self.path_pct
            for col, k in ((2, "min"), (3, "mode"), (4, "max"), (5, "mean"), (6, "sd")):
                x = inp.get(k)
                if finite(x):
                    ws.write_number(r, col, float(x), self.F(num_format="0.00%" if pct else auto_number_format(x)))
            dm = (inp.get("draws") or {}).get("mean")
            if finite(dm):
                ws.write_number(r, 7, float(dm), self.F(num_format="0.00%" if pct else auto_number_format(dm)))
            ws.write_number(r, 8, int(inp.get("truncated", 0)))
            extra = ""
            if inp.get("values") is not None:
                extra = f"values {inp.get('values')}" + (f" p {inp.get('probs')}" if inp.get("probs") is not None else "") + "  "
            ws.write_string(r, 10, f"{extra}{path}  {self.note(inp.get('source', ''))}", self.F(font_size=SMALL_PT, font_color=COLORS["helper_font"]))
            r += 1
        return r

    def mc_metrics(self, ws, r, mc) -> int:
        """Each indicator's mean and SD (over the draws where it is defined) and its percentiles over
        all draws, the undefined ones (never paid back, no IRR) at the bad end; the share undefined."""
        ws.write_string(r, 0, self.t("指标的概率分布", "Distribution of the indicators"), self.h2())
        ws.write_string(r, 4, self.t("分位数计入全部抽样: 未回收或无内部收益率的抽样排在不利一端;分位数落在其中时显示「不适用」。"
                                     "均值与标准差仅计有定义的抽样。",
                                     "Percentiles over all draws: a payback never reached or a missing IRR sits at the bad "
                                     "end (n/a where a percentile falls among them). Mean and SD over the defined draws."),
                        self.F(font_size=SMALL_PT, font_color=COLORS["helper_font"]))
        r += 1
        pcts = ["p5", "p10", "p50", "p90", "p95"]
        for col, h in enumerate([self.t("指标", "Indicator"), self.t("单位", "Unit"), self.t("均值", "Mean"), self.t("标准差", "SD")]
                                + [p.upper() for p in pcts] + [self.t("有定义次数", "Defined"),
                                                               self.t("无定义比例", "Share undefined")]):
            ws.write_string(r, col, h, self.f_head_left)
        r += 1
        for name, st in mc.metrics.items():
            money = is_money(name)
            pct = is_pct(name)
            sc, nf = self.money_fmt() if money else (1.0, self.F(num_format="0.00%" if pct else "0.00"))
            unit = units.label(MONEY, self.zh) if money else (
                "%" if pct else (units.label("years", self.zh) if "payback" in name else ""))
            ws.write_string(r, 0, metric_label(name, self.zh))
            ws.write_string(r, 1, unit, self.f_unit)
            for col, k in enumerate(["mean", "sd"] + pcts, start=2):
                self.put_num(ws, r, col, st.get(k), sc, nf)
            ws.write_number(r, 9, int(st.get("n_defined", 0)))
            self.put_num(ws, r, 10, st.get("share_undefined"), 1.0, self.F(num_format="0.00%"))
            r += 1
        return r

    def mc_probabilities(self, ws, r, mc) -> int:
        """The risk probabilities with their standard errors and events."""
        ws.write_string(r, 0, self.t("风险概率", "Risk probabilities"), self.h2())
        r += 1
        for k, p in mc.probabilities.items():
            lab = PROBABILITY_LABELS.get(k)
            ws.write_string(r, 0, (lab[0] if self.zh else lab[1]) if lab else k)
            if finite(p.get("p")):
                ws.write_number(r, 1, float(p["p"]), self.F(num_format="0.00%"))
            if finite(p.get("se")):
                ws.write_string(r, 2, self.t(f"标准误 ±{float(p['se']):.2%}", f"s.e. ±{float(p['se']):.2%}"), self.F(font_size=SMALL_PT))
            event = self.mc_event(k, p)
            if event:
                ws.write_string(r, 3, event, self.F(font_size=SMALL_PT, font_color=COLORS["helper_font"]))
            r += 1
        return r

    def mc_event(self, k: str, p: dict) -> str:
        """The event a risk probability counts, in words."""
        if k == "npv_below_zero":
            return self.t("事件: 财务净现值 < 0", "event: NPV < 0")
        if k == "payback_beyond" and finite(p.get("years")):
            return self.t(f"事件: 静态投资回收期晚于 {float(p['years']):g} 年或期内未回收",
                          f"event: payback later than {float(p['years']):g} years, or never")
        if k == "min_cash_below" and finite(p.get("limit")):
            limit = float(p["limit"])
            return self.t(f"事件: 最低累计净现金流量 < {money_text(limit, True)}",
                          f"event: lowest cumulative cash < {money_text(limit, False, unit=False)} "
                          f"({units.label(MONEY, False)})")
        return ""

    #: The histogram chart's height, pixels, and the rows it takes.
    HIST_H = 320
    HIST_ROWS = 17

    def mc_histogram_chart(self, ws, r, mc):
        """The histogram of NPV (else of the first indicator) as a column chart starting a page, with
        a vertical line at zero and one at the base case's value (the bins they fall in), then its
        data: bin centre, count, and where each line stands."""
        hist_metric = "npv" if "npv" in mc.metrics else next(iter(mc.metrics), "npv")
        edges, counts = mc_histogram(mc, hist_metric)
        if not counts:
            return
        base = (mc.base or {}).get(hist_metric, float("nan"))
        edges, counts = self.widen_bins(edges, counts, [0.0, base])
        title = self.titles["montecarlo"]
        hsc, _ = self.metric_fmt(hist_metric)
        hunit = metric_unit(hist_metric, self.zh)
        hfmt = "#,##0" if is_money(hist_metric) else ("0.0%" if is_pct(hist_metric) else "0.00")
        r += 1
        heading = r
        ws.write_string(r, 0, self.t(f"{metric_label(hist_metric, True)}直方图", f"{metric_label(hist_metric, False)} histogram"),
                        self.h2())
        chart_row = r + 1
        r += self.HIST_ROWS + 2
        base_txt = registry.fmt(hist_metric, base, zh=self.zh) if finite(base) else ""
        marks = [(0.0, self.t("零值", "Zero"), "0", COLORS["zero_contour"]),
                 (base, self.t("基准情景", "Base case"), self.t(f"基准 {base_txt}", f"base {base_txt}"), COLORS["chart"][1])]
        heads = [self.t(f"区间中点({hunit})", f"Bin centre ({hunit})"), self.t("次数", "Count")]
        heads += [self.t(f"{name}所在区间", f"{name} in this bin") for _, name, _, _ in marks]
        for col, h in enumerate(heads):
            ws.write_string(r, col, h, self.f_head_left)
        r += 1
        first, top = r, math.ceil(max(counts) * 1.08)
        bins = [self.bin_of(edges, x) for x, *_ in marks]
        arrow = self.F(num_format='"◀";;', align="center")
        for i, n in enumerate(counts):
            ws.write_number(r, 0, (edges[i] + edges[i + 1]) / 2 / hsc, self.F(num_format=hfmt, align="left"))
            ws.write_number(r, 1, int(n))
            for j, k in enumerate(bins):
                if k == i:
                    ws.write_number(r, 2 + j, top, arrow)
            r += 1
        ch = self.wb.add_chart({"type": "column"})
        ch.add_series({"name": self.t("次数", "Count"), "categories": [title, first, 0, r - 1, 0],
                       "values": [title, first, 1, r - 1, 1], "fill": {"color": COLORS["chart"][0]}, "gap": 5})
        lines = self.wb.add_chart({"type": "line"})
        font = {"name": self.font, "size": SMALL_PT}
        for j, ((_, _, label, color), k) in enumerate(zip(marks, bins)):
            if k is None:                   # outside the histogram's range
                continue
            lines.add_series({"name": label, "categories": [title, first, 0, r - 1, 0],
                              "values": [title, first, 2 + j, r - 1, 2 + j], "line": {"none": True},
                              "marker": {"type": "none"},
                              "y_error_bars": {"type": "percentage", "value": 100, "direction": "minus", "end_style": 0,
                                               "line": {"color": color, "width": 2, "dash_type": "dash" if j else "solid"}},
                              "data_labels": {"value": False, "custom": [{"value": label} if i == k else {"delete": True}
                                                                         for i in range(len(counts))],
                                              "position": "above", "font": {**font, "color": color, "bold": True}}})
        ch.combine(lines)
        ch.set_title({"name": self.t(f"{metric_label(hist_metric, True)}的分布({mc.n:,} 次抽样,{hunit})",
                                     f"{metric_label(hist_metric, False)} distribution ({mc.n:,} draws), {hunit}"),
                      "name_font": {"name": self.font, "size": 11, "bold": True}})
        ch.set_x_axis({"num_font": {**font, "rotation": -45}, "num_format": hfmt})
        ch.set_y_axis({"num_font": font, "min": 0})
        ch.set_legend({"none": True})
        # in column B: column A is repeated on the pages across
        self.place_chart(ws, chart_row, 1, ch, min(720, self.page_one_px(ws, "montecarlo", 1)), self.HIST_H, page_at=heading)

    #: The most empty bins added to a histogram to reach zero or the base value.
    MAX_EXTRA_BINS = 30

    @classmethod
    def widen_bins(cls, edges: list, counts: list, xs) -> tuple[list, list]:
        """Equal-width bins extended with empty ones (no draw fell there) until they hold each of
        ``xs`` that lies within :data:`MAX_EXTRA_BINS` bins of them: the zero line stays on the chart."""
        if len(edges) < 2:
            return edges, counts
        w = (edges[-1] - edges[0]) / (len(edges) - 1)
        if w <= 0 or any(abs((b - a) - w) > 1e-6 * abs(w) for a, b in zip(edges, edges[1:])):
            return edges, counts
        edges, counts = list(edges), list(counts)
        for x in xs:
            if not finite(x):
                continue
            while x < edges[0] and (edges[0] - x) <= cls.MAX_EXTRA_BINS * w:
                edges.insert(0, edges[0] - w)
                counts.insert(0, 0)
            while x > edges[-1] and (x - edges[-1]) <= cls.MAX_EXTRA_BINS * w:
                edges.append(edges[-1] + w)
                counts.append(0)
        return edges, counts

    @staticmethod
    def bin_of(edges, x) -> int | None:
        """The histogram bin holding ``x`` (the last bin includes its right edge); None outside."""
        if not finite(x) or not edges or x < edges[0] or x > edges[-1]:
            return None
        for i in range(len(edges) - 1):
            if x < edges[i + 1]:
                return i
        return len(edges) - 2
