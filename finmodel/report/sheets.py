"""Inputs and the time-based sheets (Time, Calcs, Statements, Government view, Checks).

The time-based sheets share one column layout: label, unit, constant (or total), a blank
pre-model column, then one column per year (calendar years in the header). Every formula also
carries its value (XlsxWriter ``write_formula(..., value=)``): the engine's value for the
engine's line items, the row's own evaluation for the rest, so viewers that do not recalculate
show the numbers.
"""

from __future__ import annotations

import math

from xlsxwriter.utility import xl_rowcol_to_cell

from .. import units
from ..model.expr import FormulaError
from .inputs import SECTION_EN, SECTION_ZH, unit_text
from .layout import COL_CONST, COL_LABEL, COL_PRE, COL_UNIT, COL_Y0, COLORS, FONT_PT, HEADER_ROWS, ROW_PT, SMALL_PT, YEAR_COL_W, YEAR_LABEL_W
from .printing import rows_per_page
from .render import const_formula, display_unit, is_static, year_formula
from .writer import display_width


#: A note row of a year sheet spans the label, unit, constant and pre-model columns and this many years.
NOTE_YEARS = 5
#: The width of the Inputs' source column, characters (a note of 9-pt text wraps at about this many).
SOURCE_W = 50


class SheetsMixin:
    """Inputs, the time-based sheets and the Checks' flags (methods of the writer)."""

    def write_inputs(self):
        """Every YAML input a named cell (``in_`` + its path), by section; then the model's constants."""
        ws = self.ws["inputs"]
        self.inputs_heading(ws)
        r = 2
        section = None
        label_w = 20.0
        tables: dict[tuple[str, str], list[int]] = {}
        for ir in self.input_rows:
            if ir.section != section:
                section = ir.section
                r += 1 if r > 2 else 0
                self.section_row(ws, r, SECTION_ZH.get(section, section) if self.zh else SECTION_EN.get(section, section))
                r += 1
            label_w = max(label_w, self.write_input_row(ws, r, ir))
            if ir.table is not None:
                tables.setdefault((ir.table, ir.path.rsplit(".", 1)[1]), []).append(r)
            r += 1
        for (table, fld), rws in tables.items():
            self.define("tbl_" + table.replace(".", "_") + "_" + fld, "inputs", rws[0], 2, rws[-1], 2)
        self.write_model_constants(ws, r + 1)
        self.setcol(ws, 0, 0, min(44, label_w + 1))
        self.setcol(ws, 1, 1, 11)
        self.setcol(ws, 2, 2, 18)
        self.setcol(ws, 3, 3, SOURCE_W)
        self.setcol(ws, 4, 4, 40)
        self.print_cols["inputs"] = 3          # the defined names (column E) are for the screen
        ws.freeze_panes(2, 1)

    def inputs_heading(self, ws):
        ws.write_string(0, 0, self.t("假设(输入)", "Inputs"), self.f_title)
        # across the value and source columns (the printed page's width), wrapped
        ws.merge_range(0, 2, 0, 3, self.t("黄色单元格为输入项,可直接修改,全表随之重算;灰色为结构性输入(需修改YAML后重新运行)。金额单位为元(与YAML一致)。",
                                          "Yellow cells are inputs: change one and the whole workbook recalculates. Grey cells "
                                          "are structural (change the YAML and run again). Amounts in CNY, as in the YAML."),
                       self.F(italic=True, font_color=COLORS["helper_font"], text_wrap=True, valign="top"))
        ws.set_row(0, 2 * ROW_PT)
        heads = [self.t("项目", "Assumption"), self.t("单位", "Unit"), self.t("数值", "Value"), self.t("来源", "Source"),
                 self.t("名称(in_ + YAML 路径)", "Name (in_ + YAML path)")]
        for c, h in enumerate(heads):
            ws.write_string(1, c, h, self.f_head_left)

    def section_row(self, ws, r, title: str):
        ws.write_string(r, 0, title, self.f_section)
        for c in range(1, 5):
            ws.write_blank(r, c, None, self.f_section)

    def write_input_row(self, ws, r, ir) -> float:
        """One input: label, unit, the value (a named input cell), its name and source; the label's width."""
        label = ir.zh if self.zh else ir.en
        ws.write_string(r, 0, label, self.F(valign="top"))
        ws.write_string(r, 1, unit_text(ir.unit, self.zh), self.F(font_color=COLORS["helper_font"], align="center",
                                                                   valign="top"))
        self.write_input_value(ws, r, ir)
        ws.write_string(r, 4, ir.name, self.F(font_color=COLORS["helper_font"], font_size=SMALL_PT, valign="top"))
        lines = 1
        if ir.source:
            source = self.note(ir.source)
            ws.write_string(r, 3, source, self.F(font_size=SMALL_PT, text_wrap=True, valign="top"))
            lines = max(lines, math.ceil(display_width(source) / SOURCE_W))
        if ir.kind == "text":
            lines = max(lines, math.ceil(display_width(str(ir.value)) / 17))
        if lines > 1:
            ws.set_row(r, 13.5 * min(lines, 20))
        ir.cell = (r, 2)
        self.define(ir.name, "inputs", r, 2)
        return display_width(label)

    def write_model_constants(self, ws, r):
        """The model's constants (not from the YAML), each a named cell."""
        self.section_row(ws, r, self.t("模型常数(非YAML输入)", "Model constants (not from the YAML)"))
        r += 1
        for k in self.model.constants():
            ws.write_string(r, 0, self.t(k.zh, k.en))
            ws.write_string(r, 1, units.label(k.unit, self.zh), self.f_unit)
            ws.write_number(r, 2, k.value, self.F(num_format="0.00000" if k.value >= 1e-6 else "0.0E+00",
                                                  bg_color=COLORS["structural_fill"], border=1, border_color="#BFBFBF"))
            ws.write_string(r, 4, k.name, self.F(font_color=COLORS["helper_font"], font_size=SMALL_PT))
            note = self.t(k.note_zh, k.note_en)
            ws.write_string(r, 3, note, self.F(font_size=SMALL_PT, text_wrap=True, valign="top"))
            if display_width(note) > SOURCE_W:
                ws.set_row(r, ROW_PT * math.ceil(display_width(note) / SOURCE_W))
            self.define(k.name, "inputs", r, 2)
            r += 1

    def write_input_value(self, ws, r, ir):
        fmt_props = {"bg_color": COLORS["structural_fill"] if ir.structural else COLORS["input_fill"],
                     "font_color": COLORS["input_font"], "border": 1, "border_color": "#BFBFBF", "valign": "top"}
        v = ir.value
        if ir.kind == "bool":             # 1/0 shown as 是/否: live in formulas, typed as 1 or 0
            ws.write_number(r, 2, 1 if v else 0, self.F(align="center", num_format=units.yes_no_format(self.zh),
                                                        **fmt_props))
            ws.data_validation(r, 2, r, 2, {
                "validate": "integer", "criteria": "between", "minimum": 0, "maximum": 1,
                "input_title": self.t("是/否", "yes/no"), "input_message": self.t("1 = 是,0 = 否", "1 = yes, 0 = no"),
                "error_title": self.t("是/否", "yes/no"), "error_message": self.t("请输入 1(是)或 0(否)", "Type 1 (yes) or 0 (no)")})
        elif ir.kind in ("choice", "text"):
            wrap = {"text_wrap": True} if ir.kind == "text" else {"align": "center"}
            ws.write_string(r, 2, str(v), self.F(**wrap, **fmt_props))
            if ir.kind == "choice":
                ws.data_validation(r, 2, r, 2, {"validate": "list", "source": [str(c) for c in ir.choices]})
        elif ir.kind == "none":
            ws.write_blank(r, 2, None, self.F(**fmt_props))
        else:
            if ir.percent:
                nf = "0.00%"
            elif ir.unit in ("calendar year", "operating year", "year"):
                nf = "0"
            elif isinstance(v, int) or float(v).is_integer():
                nf = "#,##0" if abs(float(v)) >= 1000 else "0"
            else:
                nf = "#,##0.00##" if abs(float(v)) >= 1000 else "0.00##"
            ws.write_number(r, 2, float(v), self.F(num_format=nf, **fmt_props))

    # ------------------------------------------------------------------ time-based sheets
    def year_headers(self, key, ws, third: str):
        title = {"time": self.t("时间轴", "Time axis"), "calcs": self.t("计算(与Python引擎逐行对应)", "Calculations (line by line as the Python engine)"),
                 "statements": self.t("财务评价报表", "Financial statements"),
                 "government": self.t("政府视角", "Government view"),
                 "checks": self.t("校验", "Checks")}[key]
        ws.write_string(0, 0, title, self.f_title)
        # in the unit column: repeated on every page across with the labels
        ws.write_string(0, COL_UNIT, self.t("金额单位: 万元", "Amounts in CNY 10,000"), self.f_sub)
        ws.write_string(1, COL_LABEL, self.t("项目", "Line item"), self.f_head_left)
        ws.write_string(1, COL_UNIT, self.t("单位", "Unit"), self.f_head)
        ws.write_string(1, COL_CONST, third, self.f_head)
        ws.write_blank(1, COL_PRE, None, self.f_head)
        ws.write_string(2, COL_LABEL, self.t("年序(0=改造年)", "Year no. (0 = renovation)"), self.f_yearno)
        ws.write_blank(2, COL_UNIT, None, self.f_yearno)
        ws.write_blank(2, COL_CONST, None, self.f_yearno)
        ws.write_blank(2, COL_PRE, None, self.f_yearno)
        cal = self.model["calendar_year"]
        tt = self.model["t"]
        for j in range(self.T):
            c = COL_Y0 + j
            ctx = self.ctx(key, j)
            ws.write_formula(1, c, "=" + ctx.cell(cal), self.f_year, int(self.cached(cal, j)))
            ws.write_formula(2, c, "=" + ctx.cell(tt), self.f_yearno, int(self.cached(tt, j)))

    def write_time_sheet(self, key):
        ws = self.ws[key]
        third = {"time": self.t("常数", "Constant"), "calcs": self.t("常数", "Constant"),
                 "statements": self.t("合计", "Total"), "government": self.t("合计/数值", "Total / value"),
                 "checks": self.t("校验(0=正常)", "Flag (0 = ok)")}[key]
        self.year_headers(key, ws, third)
        label_w = 24.0
        last = self.last_col
        for row in self.model.sheets[key]:
            label_w = max(label_w, self.write_sheet_row(key, ws, row))
        self.setcol(ws, COL_LABEL, COL_LABEL, min(YEAR_LABEL_W, label_w + 1))
        self.setcol(ws, COL_UNIT, COL_UNIT, 11 if self.zh else 13)
        self.setcol(ws, COL_CONST, COL_CONST, 11)
        self.setcol(ws, COL_PRE, COL_PRE, 1.5)
        self.setcol(ws, COL_Y0, last, YEAR_COL_W)
        ws.freeze_panes(HEADER_ROWS, COL_Y0)
        if key == "checks":
            red = self.F(bg_color=COLORS["bad_fill"], font_color=COLORS["bad_font"])
            ws.conditional_format(HEADER_ROWS, COL_Y0, HEADER_ROWS + len(self.model.sheets[key]), last,
                                  {"type": "formula", "criteria": f"=ABS({xl_rowcol_to_cell(HEADER_ROWS, COL_Y0)})>k_check_tolerance/10000",
                                   "format": red})

    def write_sheet_row(self, key, ws, row) -> float:
        """One row of a time-based sheet: label, unit, constant or total, a formula per year; its label width."""
        i = self.model.sheets[key].index(row)
        r = HEADER_ROWS + i
        last = self.last_col
        if row.kind == "heading":
            ws.write_string(r, COL_LABEL, row.label(self.zh), self.f_section)
            for c in range(1, last + 1):
                ws.write_blank(r, c, None, self.f_section)
            return 0.0
        if row.kind == "blank":
            return 0.0
        if row.kind == "note":             # wrapped across the first printed page's columns
            text = row.label(self.zh)
            lines = self.row_lines(row)
            ws.merge_range(r, COL_LABEL, r, COL_Y0 + NOTE_YEARS - 1, text,
                           self.F(italic=True, font_color=COLORS["helper_font"], font_size=SMALL_PT, text_wrap=True,
                                  valign="top"))
            if lines > 1:
                ws.set_row(r, ROW_PT * lines)
            return 0.0
        label = row.label(self.zh)
        helper = row.role != "item" and key == "calcs"
        total = row.style == "total"
        lines = self.row_lines(row)
        if lines > 1:                      # a long label wraps in the label column, its row taller
            ws.set_row(r, ROW_PT * lines)
        ws.write_string(r, COL_LABEL, label, self.label_fmt(total, helper, wrap=lines > 1))
        code = display_unit(row)
        ws.write_string(r, COL_UNIT, units.label(code, self.zh), self.f_unit)
        nf = self.num(code, total=total, helper=helper)
        if row.const is not None:
            ws.write_formula(r, COL_CONST, const_formula(row, self.ctx(key)), nf, self.vals.const(row))
        elif row.total:
            rng = self.ctx(key).range(row)
            ws.write_formula(r, COL_CONST, f"=SUM({rng})", nf, self.vals.total(row))
        if row.expr is None:               # a scalar row: column C only
            return display_width(label)
        # the pre-model column holds the opening value 0 that year 0 reads as "last year" (a blank
        # cell would be skipped by MIN and MAX instead of counting as 0)
        ws.write_number(r, COL_PRE, 0, self.F(num_format=";;;"))
        if is_static(row):                 # values from a second computation (a note says why)
            sf = self.F(num_format=units.excel_format(code), bg_color=COLORS["structural_fill"], italic=True)
            for j in range(self.T):
                ws.write(r, COL_Y0 + j, self.cached(row, j), sf)
            return display_width(label)
        for j in range(self.T):
            try:
                text = year_formula(row, self.ctx(key, j))
            except FormulaError as exc:  # pragma: no cover - a bug in a row definition
                raise FormulaError(f"{key} row {row.key}: {exc}") from None
            ws.write_formula(r, COL_Y0 + j, text, nf, self.cached(row, j))
        return display_width(label)

    def row_lines(self, row) -> int:
        """The lines a row of a year sheet takes: a long label wraps in the label column, a note
        across the first page's columns."""
        if row.kind == "row":
            return max(1, math.ceil(display_width(row.label(self.zh)) / (YEAR_LABEL_W - 1)))
        if row.kind == "note":
            span = YEAR_LABEL_W + 11 + 11 + 1.5 + NOTE_YEARS * YEAR_COL_W
            return max(1, math.ceil(display_width(row.label(self.zh)) * SMALL_PT / FONT_PT / (span - 4)))
        return 1

    def page_breaks(self, ws, rows, scale: int):
        """Where the printed pages of a year sheet break down the rows, at its print ``scale``.

        A section (a heading and its rows) that fits the rest of a page stays on it; one that fits
        a page but not the rest of this one starts the next page, unless more than half of this
        one would be left empty; a longer one runs on, broken where each page is full.
        """
        capacity = rows_per_page(scale, ROW_PT, HEADER_ROWS + 1)
        sections: list[list[tuple[int, int]]] = []             # per section: (sheet row, lines)
        for i, row in enumerate(rows):
            if row.kind == "heading" or not sections:
                sections.append([])
            sections[-1].append((HEADER_ROWS + i, self.row_lines(row)))
        breaks, used = [], 0
        for sec in sections:
            size = sum(n for _, n in sec)
            if used + size <= capacity:
                used += size
                continue
            if size <= capacity and capacity - used < capacity / 2:
                breaks.append(sec[0][0])
                used = size
                continue
            for r, n in sec:                                   # runs on: break where the page is full
                if used + n > capacity:
                    breaks.append(r)
                    used = 0
                used += n
        breaks += [b for b in self.row_breaks.get(ws.name, []) if b > 0]      # a chart below the rows
        if breaks:
            ws.set_h_pagebreaks(sorted(set(breaks)))

    def define_government_names(self):
        """out_gov_*: the Government view's headline figures (万元, fraction)."""
        for name in ("gov_district_commitment_pv", "gov_net_cost_pv", "gov_vfm", "gov_budget_share_peak",
                     "gov_deal_budget_share_peak"):
            self.define(f"out_{name}", "government", self.r(name), COL_CONST)
        ws = self.ws["government"]
        red = self.F(bg_color=COLORS["bad_fill"], font_color=COLORS["bad_font"], bold=True)
        green = self.F(bg_color=COLORS["ok_fill"], font_color=COLORS["ok_font"], bold=True)
        for key, good in (("gov_red_line_ok", 1), ("gov_above_warning", 0)):
            r = self.r(key)
            ws.conditional_format(r, COL_CONST, r, COL_CONST, {"type": "cell", "criteria": "==", "value": good, "format": green})
            ws.conditional_format(r, COL_CONST, r, COL_CONST, {"type": "cell", "criteria": "!=", "value": good, "format": red})

    def government_chart(self, ws, at: int, width: int) -> int:
        """Commitments by year and purse (stacked columns, 万元) against the red line (shares, right
        axis), from the Government view's rows, at row ``at`` of ``ws`` (the Summary: a page of one
        across, where it prints whole; below the Government view it added a page of empty columns
        across), starting a printed page. The rows it covers."""
        gov, timet, cal = self.titles["government"], self.titles["time"], self.r("calendar_year")
        font = {"name": self.font, "size": SMALL_PT}
        cats = [timet, cal, COL_Y0, cal, self.last_col]
        ch = self.wb.add_chart({"type": "column", "subtype": "stacked"})
        columns = [("gov_support_to_operator", self.t("区级: 支付给运营方", "District: paid to the operator")),
                   ("gov_district_works", self.t("区级: 自有公共改造工程", "District: its own public works")),
                   ("gov_programme_works", self.t("上级: 中央及市级改造资金", "Wider state: renovation programmes")),
                   ("gov_national_relief", self.t("上级: 税费减免", "Wider state: tax relief"))]
        for i, (key, name) in enumerate(columns):
            r = self.r(key)
            ch.add_series({"name": name, "categories": cats, "values": [gov, r, COL_Y0, r, self.last_col],
                           "fill": {"color": COLORS["chart"][i]}, "gap": 40})
        ln = self.wb.add_chart({"type": "line"})
        lines = [("gov_budget_share", self.t("占区预算支出比例(含已有支出责任)", "Share of the district's budget (existing included)"),
                  {"color": COLORS["chart"][4], "width": 2}),
                 ("gov_deal_budget_share", self.t("本项目占比", "The deal's own share"), {"color": COLORS["chart"][5], "width": 2}),
                 ("gov_warning_level_by_year", self.t("预警线", "Warning level"), {"color": "#ED7D31", "width": 1.25, "dash_type": "dash"}),
                 ("gov_red_line_by_year", self.t("红线", "Red line"), {"color": "#C00000", "width": 2, "dash_type": "dash"})]
        for key, name, style in lines:
            r = self.r(key)
            ln.add_series({"name": name, "categories": cats, "values": [gov, r, COL_Y0, r, self.last_col],
                           "line": style, "marker": {"type": "none"}, "y2_axis": True})
        ch.combine(ln)
        ch.set_title(self.chart_title("财政支出责任(按年度与出资方,万元)与财政承受能力红线",
                                      "Commitments by year and purse (CNY 10,000) against the red line"))
        ch.set_x_axis({"num_font": {**font, "rotation": -45}})
        ch.set_y_axis({"num_font": font, "num_format": "#,##0", "name": self.t("万元", "CNY 10,000"),
                       "name_font": font, "major_gridlines": {"visible": True, "line": {"color": "#D9D9D9"}}})
        ln.set_y2_axis({"num_font": font, "num_format": "0%", "min": 0, "name": self.t("占预算支出比例", "share of the budget"),
                        "name_font": font})
        ch.set_legend({"position": "bottom", "font": font})
        return self.place_chart(ws, at, COL_LABEL, ch, width, 420)

    # ------------------------------------------------------------------ Checks: flags and master check
    def write_checks_flags(self):
        """The flags (column C of each check row) and the master check are rows of the model; here
        their colours and the name ``out_master_check``."""
        ws = self.ws["checks"]
        ok = self.F(bg_color=COLORS["ok_fill"], font_color=COLORS["ok_font"], bold=True)
        bad = self.F(bg_color=COLORS["bad_fill"], font_color=COLORS["bad_font"], bold=True)
        rows = [r for r in self.model.sheets["checks"] if r.kind == "row" and r.const is not None]
        for row in rows:
            r = self.r(row.key)
            ws.conditional_format(r, COL_CONST, r, COL_CONST, {"type": "cell", "criteria": "!=", "value": 0, "format": bad})
            ws.conditional_format(r, COL_CONST, r, COL_CONST, {"type": "cell", "criteria": "==", "value": 0, "format": ok})
        self.define("out_master_check", "checks", self.r("master_check"), COL_CONST)
        self.master_cached = self.vals.const(self.model["master_check"])

