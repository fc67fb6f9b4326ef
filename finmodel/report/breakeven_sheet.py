"""The Break-even sheet: single solves, the break-even table, the subsidy corridor's conditions and levers.

Static values solved by finmodel (:mod:`finmodel.breakeven`, run by the caller); the library's
texts are English, so a zh workbook writes its own (``*_zh``). The sheet reads the results'
fields only: the names of the break-even table's drivers come with the results
(:attr:`finmodel.report.studies.Studies.driver_keys`).
"""

from __future__ import annotations

import re

from .layout import (BREAKEVEN_DRIVERS_ZH, COLORS, SMALL_PT, is_money, is_pct, auto_number_format,
                     metric_label, metric_unit, money_per_year, money_text, target_label)
from ..registry import solved_metric
from .studies import finite

#: The statuses of a break-even solve (finmodel.breakeven.BreakEven.status) in Chinese.
SOLVE_STATUS_ZH = {"solved": "已求解", "jump": "指标在此跳变越过目标", "always": "整个范围内均满足目标",
                   "unreachable": "范围内无法达到", "undefined": "指标无定义"}

#: How a corridor condition's bound was found (finmodel.breakeven.conditions) in Chinese.
CONDITION_HOW_ZH = {"solved": "已求解", "holds at the bottom of the range": "在搜索范围下限即满足",
                    "not reached in range": "范围内无法达到", "breached at the bottom of the range": "在搜索范围下限即不满足",
                    "not breached in range": "范围内始终满足"}

#: The library's notes on a lever (finmodel.breakeven) in Chinese, those without numbers.
LEVER_NOTES_ZH = {"closes the gap": "消除缺口", "moving it further widens the gap again": "继续调整反而扩大缺口",
                  "it reaches the end of its valid range": "已到有效范围的端点",
                  "cannot move: at the end of its valid range": "无法调整: 已在有效范围的端点"}


def target_metric(target: str) -> str:
    """The metric whose values a break-even reports for a target: 'equity_npv>=0' -> 'equity_npv';
    'equity_irr>=0.08' -> 'equity_npv' (an IRR target is solved as that NPV test)."""
    return solved_metric(str(target).split("<")[0].split(">")[0].split("=")[0])


class BreakevenSheetMixin:
    """The Break-even sheet (methods of the writer)."""

    def write_breakeven(self):
        ws = self.ws["breakeven"]
        st = self.studies
        ws.write_string(0, 0, self.t("盈亏平衡分析(临界值)", "Break-even analysis (switching values)"), self.f_title)
        r = self.static_note(ws, 1, self.t("静态值: finmodel 按当前假设求解;修改输入后请重新运行。",
                                           "Static values solved by finmodel at these inputs; run again after changing inputs."))
        self.setcol(ws, 0, 0, 30)
        self.setcol(ws, 1, 1, 16 if st.solves and st.breakeven is None else 12)
        self.setcol(ws, 2, 6, 14)
        self.setcol(ws, 7, 7, 34)
        self.setcol(ws, 8, 8, 60)
        r += 1
        for b in st.solves:
            r = self.write_solve(ws, r, b) + 1
        if st.breakeven is not None:
            r = self.write_breakeven_table(ws, r, st.breakeven) + 1
        if st.corridor is not None:
            if self.studies_only:           # no Summary here: the corridor itself first
                r = self.write_corridor(ws, r, last_col=5, text_width=72) + 1
            self.write_corridor_conditions(ws, r, st.corridor)
        ws.hide_gridlines(2)

    def driver_label_of(self, key: str, label: str) -> str:
        """A driver of the break-even table by its key, in the workbook's language."""
        return BREAKEVEN_DRIVERS_ZH.get(key, label) if self.zh else label

    # ------------------------------------------------------------------ the break-even table
    def write_breakeven_table(self, ws, r, df) -> int:
        """The break-even table (one row per driver: base, switching value, change); the next row."""
        target = df.attrs.get("target", "npv=0")
        ws.write_string(r, 0, self.t(f"盈亏平衡表(目标: {target_label(target, True)})", f"Break-even table (target: {target})"),
                        self.F(bold=True, font_size=12, font_color=COLORS["title_font"]))
        r += 1
        heads = [self.t("驱动因素", "Driver"), self.t("单位", "Unit"), self.t("基准值", "Base"), self.t("临界值", "Switching value"),
                 self.t("变动", "Change"), self.t("变动率", "Change %"), self.t("可达", "Feasible"), self.t("YAML 路径", "YAML path"),
                 self.t("说明", "Note")]
        self.head_row(ws, r, heads)
        r += 1
        first = r
        for key, row in df.iterrows():
            self.breakeven_table_row(ws, r, str(key), row, target)
            r += 1
        if r > first:
            ws.conditional_format(first, 5, r - 1, 5, {"type": "data_bar", "bar_color": "#5B9BD5"})
        return r

    def breakeven_table_row(self, ws, r, key: str, row, target: str):
        unit = str(row.get("unit", ""))
        pct = unit.startswith("fraction")
        ws.write_string(r, 0, self.driver_label_of(key, str(row.get("label", key))))
        ws.write_string(r, 1, self.study_unit(unit), self.f_unit)
        for col, fld in ((2, "base"), (3, "value"), (4, "change")):
            self.put_num(ws, r, col, row.get(fld), fmt=self.F(num_format="0.00%") if pct else None, na="no_irr")
        x = row.get("change_pct")
        self.put_num(ws, r, 5, (float(x) / 100.0) if finite(x) else None, fmt=self.F(num_format="+0.0%;-0.0%;0.0%"),
                     na="no_irr")
        ws.write_string(r, 6, self.t("是", "yes") if bool(row.get("feasible")) else self.t("否", "no"), self.f_unit)
        ws.write_string(r, 7, str(row.get("vary", "")), self.F(font_size=SMALL_PT, font_color=COLORS["helper_font"]))
        ws.write_string(r, 8, self.breakeven_note(row, unit, target), self.F(font_size=SMALL_PT, text_wrap=True))

    def breakeven_note(self, row, unit: str, target: str) -> str:
        """The library's note on a row of the table (English), in Chinese for a zh workbook."""
        note = str(row.get("note", "") or "")
        if not self.zh:
            return note
        note = re.sub(r"\beach of (\d+) lines x", r"全部 \1 项 ×", note)
        if not bool(row.get("feasible")):
            metric = target_metric(target)
            note = f"在 {self.value_text(row.get('lo'), unit)} 至 {self.value_text(row.get('hi'), unit)} 内未达到目标"
            if finite(row.get("closest_value")):
                note += (f";最接近: {metric_label(metric, True)} {self.metric_text(metric, row.get('closest_metric'))}"
                         f",于 {self.value_text(row.get('closest_value'), unit)}")
        return note

    # ------------------------------------------------------------------ the corridor: conditions and levers
    def write_corridor_conditions(self, ws, r, c) -> int:
        """Each condition of the corridor (its subsidy bound, the metric now) and, with a gap, the levers."""
        ws.write_string(r, 0, self.t("补贴区间: 各项条件", "Subsidy corridor: the conditions"),
                        self.F(bold=True, font_size=12, font_color=COLORS["title_font"]))
        r += 1
        heads = [self.t("条件", "Condition"), self.t("作用", "Role"), self.t("补贴临界值", "Subsidy bound"), self.t("单位", "Unit"),
                 self.t("当前补贴下的指标", "Metric at the current subsidy"), self.t("求解", "How")]
        self.head_row(ws, r, heads)
        r += 1
        roles = {"viability": self.t("可持续", "viability"), "micro_profit": self.t("微利", "micro profit")}
        for con in c.constraints:
            tgt = str(con.get("target"))
            metric = target_metric(tgt)
            ws.write_string(r, 0, target_label(tgt, self.zh))
            role = con.get("role", "")
            ws.write_string(r, 1, roles.get(role, role))
            self.put_num(ws, r, 2, con.get("bound"), *self.money_fmt())
            ws.write_string(r, 3, money_per_year(self.zh), self.f_unit)
            self.condition_metric(ws, r, metric, con.get("metric_at_base"))
            how = str(con.get("how", ""))
            ws.write_string(r, 5, CONDITION_HOW_ZH.get(how, how) if self.zh else how, self.F(font_size=SMALL_PT))
            r += 1
        if c.levers:
            r += 1
            ws.write_string(r, 0, self.t("缩小缺口的杠杆(每次只动一项)", "Levers that narrow the gap (one at a time)"),
                            self.F(bold=True, font_size=12, font_color=COLORS["title_font"]))
            r = self.write_levers(ws, r + 1, c.levers)
        return r

    def condition_metric(self, ws, r, metric: str, x):
        if is_money(metric):
            self.put_num(ws, r, 4, x, *self.money_fmt())
        elif is_pct(metric):
            self.put_num(ws, r, 4, x, 1.0, self.F(num_format="0.00%"))
        else:
            self.put_num(ws, r, 4, x)

    def write_levers(self, ws, r, levers) -> int:
        """The levers of a corridor with a gap: each driver moved alone, the gap left at the least subsidy."""
        heads = [self.t("驱动因素", "Driver"), self.t("单位", "Unit"), self.t("基准值", "Base"), self.t("调整到", "Moved to"),
                 self.t("变动率", "Change %"), self.t(f"剩余缺口({money_per_year(True)})", f"Gap left ({money_per_year(False)})"),
                 self.t("缩小缺口", "Narrows"), self.t("YAML 路径", "YAML path"), self.t("说明", "Note")]
        self.head_row(ws, r, heads)
        r += 1
        yes_no = {True: self.t("是", "yes"), False: self.t("否", "no")}
        for lv in levers:
            unit = str(lv.get("unit", ""))
            pct = unit.startswith("fraction")
            key = str(lv.get("driver", ""))
            ws.write_string(r, 0, self.driver_label_of(key, str(lv.get("label", key))))
            ws.write_string(r, 1, self.study_unit(unit), self.f_unit)
            for col, fld in ((2, "base"), (3, "value")):
                self.put_num(ws, r, col, lv.get(fld), fmt=self.F(num_format="0.00%") if pct else None)
            x = lv.get("change_pct")
            self.put_num(ws, r, 4, float(x) / 100.0 if finite(x) else None, fmt=self.F(num_format="+0.0%;-0.0%;0.0%"))
            closes = bool(lv.get("closes"))
            self.put_num(ws, r, 5, 0.0 if closes else lv.get("gap"), *self.money_fmt())
            ws.write_string(r, 6, self.t("消除缺口", "closes it") if closes else yes_no[bool(lv.get("narrows"))], self.f_unit)
            ws.write_string(r, 7, str(lv.get("vary", "")), self.F(font_size=SMALL_PT, font_color=COLORS["helper_font"]))
            ws.write_string(r, 8, self.lever_note(lv), self.F(font_size=SMALL_PT, text_wrap=True))
            r += 1
        return r

    def lever_note(self, lv) -> str:
        """The library's note on a lever (English), in Chinese for a zh workbook."""
        note = str(lv.get("note", "") or "")
        if not self.zh:
            return note
        m = re.match(r"does not narrow it: ([+-]\d+) % leaves", note)
        if m:
            g = lv.get("gap_after_10pct")
            left = f",缺口仍为 {money_text(g, True)}/年" if finite(g) else ""
            return f"不能缩小缺口: 变动 {m.group(1)}%{left}"
        m = re.match(r"by ([+-][\d.]+) % the operator earns more than a micro profit", note)
        if m:
            return f"变动 {m.group(1)}% 时,即使没有补贴企业收益也超过微利上限"
        return LEVER_NOTES_ZH.get(note, note)

    # ------------------------------------------------------------------ a single break-even solve
    def solve_driver_label(self, b) -> str:
        if not self.zh:
            return str(b.label)
        key = self.studies.driver_keys.get(str(b.label))
        if key in BREAKEVEN_DRIVERS_ZH:                 # a name of the break-even table (--vary capex)
            return BREAKEVEN_DRIVERS_ZH[key]
        if b.vary in self.path_labels:
            return self.path_labels[b.vary]
        return f"{b.vary}(各项同比例)" if b.kind == "scale" else str(b.label)

    def input_fmt(self, unit: str):
        if unit.startswith("fraction"):
            return self.F(num_format="0.00%")
        if unit == "x base":
            return self.F(num_format="0.0000")
        return None

    def value_text(self, v, unit: str) -> str:
        if not finite(v):
            return self.na("na")
        v = float(v)
        if unit.startswith("fraction"):
            return f"{v:.2%}"
        if unit == "x base":
            return self.t(f"基准值的 {v:.4g} 倍", f"x{v:.6g} of base")
        u = self.study_unit(unit)
        return (f"{v:,.0f} {u}" if abs(v) >= 1e4 else f"{v:.6g} {u}").rstrip()

    def metric_text(self, metric: str, v) -> str:
        if not finite(v):
            return self.na(self.metric_na(metric))
        v = float(v)
        if is_money(metric):
            return money_text(v, self.zh)
        if is_pct(metric):
            return f"{v:.2%}"
        return f"{v:.2f} {metric_unit(metric, self.zh)}"

    def solve_note_zh(self, b) -> str:
        tl = target_label(str(b.target), True)
        val = self.value_text(b.value, b.unit)
        if b.status == "always":
            return f"在整个搜索范围内 {tl} 均成立"
        if not b.feasible:
            return (f"在搜索范围({self.value_text(b.lo, b.unit)} 至 {self.value_text(b.hi, b.unit)})内"
                    f"无法达到 {tl};两端的指标见上")
        if b.status == "jump":
            return f"{metric_label(b.target.metric, True)} 在 {val} 处跳变越过目标(无精确解,报告跳变点)"
        if b.direction == "floor":
            return f"{tl} 在 {val} 及以上成立(下限: 至少需要这么多)"
        if b.direction == "ceiling":
            return f"{tl} 在 {val} 及以下成立(上限: 至多这么多)"
        return f"{tl} 于 {val}"

    def solve_rows(self, b) -> list[tuple]:
        """The rows of a solve: (label, value, unit, note); a value ("in"|"rel"|"m"|"v", x) is a number in
        the input's unit, a relative change, the metric or (v) the metric solved on; anything else is text."""
        mlab, munit = metric_label(b.target.metric, self.zh), metric_unit(b.target.metric, self.zh)
        vlab, vunit = metric_label(b.values_metric, self.zh), metric_unit(b.values_metric, self.zh)
        unit = self.study_unit(b.unit) if not b.unit.startswith("fraction") else "%"
        direction = {"floor": self.t("下限: 目标在该值及以上成立", "floor: the target holds at and above it"),
                     "ceiling": self.t("上限: 目标在该值及以下成立", "ceiling: the target holds at and below it")}
        rows = [
            (self.t("求解的输入", "Input solved for"), self.solve_driver_label(b), "", ", ".join(b.paths)),
            (self.t("目标", "Target"), target_label(str(b.target), self.zh), "", str(b.target)),
            (self.t("临界值", "Break-even value"), ("in", b.value) if b.feasible else self.t("未达到", "not reached"), unit, ""),
            (self.t("基准值", "Base value"), ("in", b.base_value), unit, ""),
            (self.t("变动", "Change"), ("in", b.change if b.feasible else None), unit, ""),
            (self.t("变动率", "Change %"), ("rel", b.change_rel if b.feasible else None), "%",
             self.t("基准值为0,无变动率", "the base is 0: no relative change") if b.feasible and b.change_rel is None else ""),
            (self.t("方向", "Direction"), direction.get(b.direction, self.t("等式目标", "an equality target")), "", ""),
            (self.t(f"临界值处的{mlab}", f"{mlab} there"), ("m", b.achieved if b.feasible else None), munit, ""),
            (self.t(f"基准情景的{vlab}", f"{vlab} at base"), ("v", b.base_metric), vunit, b.solved_as or ""),
            (self.t("搜索范围下限", "Search range: low"), ("in", b.lo), unit, ""),
            (self.t("搜索范围上限", "Search range: high"), ("in", b.hi), unit, ""),
            (self.t(f"下限处的{vlab}", f"{vlab} at the low end"), ("v", b.metric_at_lo), vunit, ""),
            (self.t(f"上限处的{vlab}", f"{vlab} at the high end"), ("v", b.metric_at_hi), vunit, ""),
        ]
        if b.other_values:
            rows.append((self.t("其他满足目标的值", "Other values meeting the target"),
                         "; ".join(self.value_text(x, b.unit) for x in b.other_values), "", ""))
        if not b.feasible and finite(b.closest_value):
            rows.append((self.t("最接近目标的值", "Closest value"), ("in", b.closest_value), unit, ""))
            rows.append((self.t(f"该值处的{vlab}", f"{vlab} there"), ("v", b.closest_metric), vunit, ""))
        rows += [
            (self.t("可达", "Feasible"), self.t("是", "yes") if b.feasible else self.t("否", "no"), "",
             self.t(SOLVE_STATUS_ZH.get(b.status, b.status), b.status)),
            (self.t("计算量", "Work"), self.t(f"网格后迭代 {b.iterations} 次,共计算 {b.evaluations} 个情景",
                                              f"{b.iterations} iterations after the bracketing grid, {b.evaluations} evaluations"), "", ""),
            (self.t("结论", "In words"), self.solve_note_zh(b) if self.zh else b.message, "", ""),
        ]
        if b.feasible and b.leaf_values:
            rows.append((self.t("核对命令", "Check"), "finmodel run --no-report " + " ".join(f"--set {x}" for x in b.sets()),
                         "", ""))
        return rows

    def write_solve(self, ws, r, b) -> int:
        """One break-even solve (``finmodel breakeven --vary ... --target ...``) as a labelled column."""
        m = b.target.metric
        sc, mfmt = self.metric_fmt(m)
        ifmt = self.input_fmt(b.unit)
        ws.write_string(r, 0, self.t(f"临界值求解: {self.solve_driver_label(b)}", f"Break-even: {self.solve_driver_label(b)}"),
                        self.h2())
        r += 1
        for col, h in enumerate([self.t("项目", "Item"), self.t("数值", "Value"), self.t("单位", "Unit"),
                                 self.t("说明", "Note")]):
            ws.write_string(r, col, h, self.f_head_left)
        r += 1
        note = self.F(font_size=SMALL_PT, font_color=COLORS["helper_font"])
        rows = self.solve_rows(b)
        key_label = rows[2][0]                          # the break-even value, in bold
        for label, value, u, text in rows:
            ws.write_string(r, 0, label, self.F(bold=label == key_label))
            if isinstance(value, tuple):
                kind, x = value
                if kind == "in":
                    self.put_num(ws, r, 1, x, 1.0, ifmt or (self.F(num_format=auto_number_format(x)) if finite(x) else None))
                elif kind == "rel":
                    self.put_num(ws, r, 1, x, 1.0, self.F(num_format="+0.00%;-0.00%;0.00%"))
                elif kind == "v":                       # a value of the metric solved on (an IRR's NPV)
                    self.put_num(ws, r, 1, x, *self.metric_fmt(b.values_metric), na=self.metric_na(b.values_metric))
                else:
                    self.put_num(ws, r, 1, x, sc, mfmt, na=self.metric_na(m))
            else:
                ws.write_string(r, 1, str(value), self.F(bold=label == key_label))
            if u:
                ws.write_string(r, 2, u, self.f_unit)
            if text:
                ws.write_string(r, 3, text, note)
            r += 1
        return r
