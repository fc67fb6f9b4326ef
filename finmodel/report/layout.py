"""The house style: sheet names, column layout, units, number formats, colours, fixed texts (zh/en)."""

from __future__ import annotations

from .. import registry, units
from ..key_drivers import TABLE_DRIVERS
from .render import NA_TEXT, COL_CONST, COL_LABEL, COL_PRE, COL_UNIT, COL_Y0, HEADER_ROWS  # noqa: F401  (re-exported)

#: Sheets in their order, by key: (zh, en). Results first, then the studies, then the model in
#: FAST order (inputs, time, calculations, checks), then About.
SHEET_TITLES = {
    "summary": ("摘要", "Summary"),
    "statements": ("报表", "Statements"),
    "government": ("政府视角", "Government view"),
    "breakeven": ("盈亏平衡", "Break-even"),
    "sensitivity": ("敏感性", "Sensitivity"),
    "montecarlo": ("蒙特卡洛", "Monte Carlo"),
    "compare": ("情景比较", "Compare"),
    "inputs": ("假设", "Inputs"),
    "time": ("时间轴", "Time"),
    "calcs": ("计算", "Calcs"),
    "checks": ("校验", "Checks"),
    "about": ("说明", "About"),
}


COLORS = {
    "input_fill": "#FFF2CC",      # inputs: pale yellow fill, blue text (FAST)
    "input_font": "#1F4E9E",
    "structural_fill": "#E7E6E6",
    "heading_fill": "#D9E2F3",
    "title_font": "#1F3864",
    "helper_font": "#595959",
    "ok_fill": "#C6EFCE",
    "ok_font": "#006100",
    "bad_fill": "#FFC7CE",
    "bad_font": "#9C0006",
    "warn_fill": "#FFEB9C",
    "warn_font": "#9C5700",
    "heat_loss": "#F8696B",      # heat maps: diverging from white at zero
    "heat_zero": "#FFFFFF",
    "heat_gain": "#63BE7B",
    "zero_contour": "#000000",
    "chart": ["#1F4E9E", "#ED7D31", "#A5A5A5", "#FFC000", "#5B9BD5", "#70AD47"],
}

FONT_ZH = "Microsoft YaHei"    # Excel/WPS on Windows; LibreOffice falls back to Noto Sans CJK
FONT_EN = "Calibri"


def workbook_options(zh: bool) -> dict:
    """xlsxwriter's options for every workbook finmodel writes: text is never read as a formula, a
    URL or a number (a name from YAML stays text), NaN as #NUM!, the house font (column widths are
    in its characters, so the print plans of :mod:`.printing` hold)."""
    return {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False,
            "nan_inf_to_errors": True,
            "default_format_properties": {"font_name": FONT_ZH if zh else FONT_EN, "font_size": FONT_PT}}


#: The unit code (finmodel.units) of the amounts on the report's sheets: CNY, shown in 万元.
MONEY = "CNY"


def money_text(x, zh: bool, *, unit: bool = True) -> str:
    """An amount in CNY as a text of the report, in 万元 with two decimals: '1,234.57 万元' /
    '1,234.57 CNY 10,000' (``unit=False``: the number only). The scale and label are units'."""
    number = f"{float(x) / units.display_scale(MONEY):,.2f}"
    return f"{number} {units.label(MONEY, zh)}" if unit else number


def money_per_year(zh: bool) -> str:
    """The unit of an annual amount: '万元/年' / 'CNY 10,000/yr'."""
    return units.label(MONEY, zh) + ("/年" if zh else "/yr")


def T(zh: bool, zh_text: str, en_text: str) -> str:
    return zh_text if zh else en_text


def metric_unit_of(name: str):
    """The unit (finmodel.units) of a metric's row in the model; None for a name the model lacks."""
    try:
        return units.unit(registry.unit(name))
    except KeyError:
        return None


def is_money(name: str) -> bool:
    """A metric shown in 万元 (its row's unit has the 万元 scale)."""
    u = metric_unit_of(name)
    return u is not None and u.scale == units.WAN


def is_pct(name: str) -> bool:
    """A metric shown as a percentage (its row's unit is a fraction)."""
    u = metric_unit_of(name)
    return u is not None and u.kind == "fraction"


PROBABILITY_LABELS = {
    "npv_below_zero": ("财务净现值小于0的概率", "P(NPV < 0)"),
    "payback_beyond": ("运营期内未能回收(或晚于设定年限)的概率", "P(payback later than the limit)"),
    "min_cash_below": ("资金缺口大于基准情景的概率", "P(funding gap deeper than the base case's)"),
}

#: Drivers of the break-even table in Chinese, by key, from their one table (finmodel.key_drivers).
BREAKEVEN_DRIVERS_ZH = {key: zh for key, _, zh, _ in TABLE_DRIVERS}

#: How a tornado driver's range was set (finmodel.sensitivity: OneWay.how) in Chinese.
RANGE_HOW_ZH = {"declared": "给定区间", "swing": "基准值±幅度"}

#: Units as the studies print them -> Chinese.
STUDY_UNIT_ZH = {"CNY": "元", "CNY/year": "元/年", "x base": "倍基准值", "fraction": "%", "fraction/year": "%/年",
                 "years": "年", "m²": "平方米", "CNY/m²/day": "元/平方米/天", "CNY/m²/month": "元/平方米/月",
                 "CNY/space/month": "元/车位/月", "-": "倍"}


def metric_label(name: str, zh: bool) -> str:
    """A metric's short standard name (docs/glossary.md), from its row in the model."""
    try:
        return registry.label(name, zh, short=True)
    except KeyError:
        return name


def metric_unit(name: str, zh: bool) -> str:
    """The unit a metric is shown in on the study sheets, from its row: 万元 for money, % for rates."""
    u = metric_unit_of(name)
    if u is None:
        return units.label("ratio", zh)
    return "%" if u.kind == "fraction" else units.label(u.code, zh)


def metric_with_unit(name: str, zh: bool) -> str:
    """'财务净现值(万元)' / 'NPV (CNY 10,000)'."""
    u = metric_unit(name, zh)
    return f"{metric_label(name, zh)}({u})" if zh else f"{metric_label(name, zh)} ({u})"


def target_label(target: str, zh: bool) -> str:
    """'equity_npv>=0' -> '资本金财务净现值 ≥ 0' (zh) or 'equity NPV >= 0'."""
    import re

    m = re.match(r"^\s*([a-z_]+)\s*(<=|>=|=)\s*(\S+)\s*$", str(target))
    if not m:
        return str(target)
    name, op, val = m.groups()
    try:
        v = float(val)
        if is_pct(name):
            val = f"{v:.2%}"
        elif is_money(name):
            val = money_text(v, zh, unit=zh)
    except ValueError:
        pass
    ops = {"<=": "≤", ">=": "≥", "=": "="} if zh else {"<=": "<=", ">=": ">=", "=": "="}
    irr = f"{metric_label(name, zh)} {ops[op]} {val}"
    if name in registry.IRR_AS_NPV and val.endswith("%"):
        # solved as an NPV test (docs/model.md section 5): say that first, the IRR reading after it
        npv = metric_label(registry.solved_metric(name), zh)
        return (f"{npv}(按 {val} 折现){ops[op]} 0(相当于{irr})" if zh else f"{npv} at {val} {ops[op]} 0 (read as {irr})")
    return irr


def auto_number_format(v) -> str:
    try:
        x = abs(float(v))
    except (TypeError, ValueError):
        return "General"
    if x >= 1000:
        return "#,##0"
    if x >= 1 or x == 0:
        return "0.00##"
    return "0.0000##"


NA = NA_TEXT


# --------------------------------------------------------------------------- printing
#: The paper every sheet prints on: A4 (XlsxWriter paper code 9), landscape.
PAPER = {"code": 9, "width_pt": 841.89, "height_pt": 595.28}
#: Page margins, inches (the footer sits in the bottom one).
MARGINS = {"left": 0.4, "right": 0.4, "top": 0.5, "bottom": 0.6}
#: The workbook's text: the default size, and the smallest any cell or chart uses (notes, YAML paths, sources).
FONT_PT = 10
SMALL_PT = 9
#: Excel's default column width, characters.
DEFAULT_COL_W = 8.43
#: No text prints smaller than this (points, font size x print scale).
MIN_PRINTED_PT = 8.0
#: The smallest print scale: SMALL_PT x MIN_SCALE >= MIN_PRINTED_PT.
MIN_SCALE = 0.9
#: How wide a character of a column's width prints, points: the widest digit of the default font at
#: 10 pt where the reader's spreadsheet lacks Microsoft YaHei or Calibri (DejaVu Sans, 0.636 em).
CHAR_PT = 6.36
#: The share of the printable width a page is planned to fill (room for a font drawn wider).
PRINT_SLACK = 0.97
#: The widest label column of a year sheet, characters: a longer label wraps.
YEAR_LABEL_W = 36
#: The width of a year column of a year sheet, characters (up to -999,999.99 万元).
YEAR_COL_W = 9.5
#: The height of a row of 10-pt text as LibreOffice and Excel draw it, points.
ROW_PT = 15.0

assert SMALL_PT * MIN_SCALE >= MIN_PRINTED_PT
