"""Units: the one place for the 万元 scale, unit codes, labels, number formats and formatters.

Every quantity in the engine is in its base unit (CNY, m², a fraction, years, ...). What a
reader sees is the *display* unit: amounts in 万元 (10,000 CNY), fractions as %, prices in CNY.
A unit code maps to its zh/en label, its display scale (engine value / scale = shown value), its
Excel number format and the terminal's formatter, so the terminal, the JSON annotations and the
workbook cannot disagree.

>>> money(12_345_678.0)
'1,234.57 万元'
>>> display_scale("CNY"), display_scale("fraction")
(10000.0, 1.0)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

#: One 万元 in CNY: the scale of every amount a reader sees.
WAN = 10_000.0

_MONEY_FMT = '#,##0.00;[Red]-#,##0.00;"-"'
_NONNEG_FMT = '#,##0;[Red]-#,##0;"-"'


@dataclass(frozen=True)
class Unit:
    code: str
    zh: str                  # display label, Chinese
    en: str                  # display label, English
    scale: float             # engine value / scale = displayed value
    excel: str               # Excel number format of the displayed value
    kind: str                # money, fraction, years, ratio, count, price, flag, index, year, text


_TABLE = [
    # code            zh             en                      scale  excel format                   kind
    ("CNY",            "万元",        "CNY 10,000",           WAN,   _MONEY_FMT,                      "money"),
    ("CNY_level",      "万元",        "CNY 10,000",           WAN,   _NONNEG_FMT,                     "money"),
    ("fraction",       "%",           "%",                    1.0,   '0.00%;[Red]-0.00%;"-"',         "fraction"),
    ("fraction_fine",  "%",           "%",                    1.0,   '0.0000%;[Red]-0.0000%;"-"',     "fraction"),
    ("index",          "指数",        "index",                1.0,   "0.0000",                        "index"),
    ("factor",         "系数",        "factor",               1.0,   "0.0000",                        "index"),
    ("flag",           "1/0",         "1/0",                  1.0,   "0",                             "flag"),
    ("m2",             "平方米",      "m²",                   1.0,   _NONNEG_FMT,                     "count"),
    ("spaces",         "个",          "spaces",               1.0,   _NONNEG_FMT,                     "count"),
    ("CNY/m2/month",   "元/平方米/月", "CNY/m²/month",         1.0,   "0.00",                          "price"),
    ("year",           "年份",        "year",                 1.0,   "0",                             "year"),
    ("year_no",        "年序",        "year no.",             1.0,   "0",                             "year"),
    ("count",          "个",          "no.",                  1.0,   "0",                             "count"),
    ("period",         "期",          "period",               1.0,   "0",                             "count"),
    ("tier",           "档",          "tier",                 1.0,   "0",                             "count"),
    ("months",         "月",          "months",               1.0,   '0.00;[Red]-0.00;"-"',           "count"),
    ("years",          "年",          "years",                1.0,   '0.00;[Red]-0.00;"-"',           "years"),
    ("ratio",          "倍",          "x",                    1.0,   "0.00",                          "ratio"),
    ("CNY_exact",      "元",          "CNY",                  1.0,   "#,##0.00",                      "price"),
    ("CNY/household",  "元/户",       "CNY/household",        1.0,   _MONEY_FMT,                      "price"),
    ("CNY/household/month", "元/户/月", "CNY/household/month", 1.0,  _MONEY_FMT,                      "price"),
    ("CNY/space/month", "元/车位/月",  "CNY/space/month",      1.0,   _MONEY_FMT,                      "price"),
    ("CNY/person/month", "元/人/月",   "CNY/person/month",     1.0,   _MONEY_FMT,                      "price"),
    ("text",           "",            "",                     1.0,   "@",                             "text"),
]

UNITS: dict[str, Unit] = {row[0]: Unit(*row) for row in _TABLE}

#: The units of the YAML's inputs as the schema writes them (``[CNY/m²/day]`` at the end of a
#: field's description), as a reader sees them: (zh, en).
SCHEMA_UNITS = {
    "CNY": ("元", "CNY"), "CNY/year": ("元/年", "CNY/year"), "m²": ("平方米", "m²"), "fraction": ("%", "%"),
    "fraction/year": ("%/年", "%/year"), "years": ("年", "years"), "operating year": ("运营年", "operating year"),
    "calendar year": ("年份", "calendar year"), "months": ("月", "months"), "CNY/m²/month": ("元/平方米/月", "CNY/m²/month"),
    "CNY/m²/day": ("元/平方米/天", "CNY/m²/day"), "CNY/m²/year": ("元/平方米/年", "CNY/m²/year"),
    "CNY/space/month": ("元/车位/月", "CNY/space/month"), "CNY/month": ("元/月", "CNY/month"), "CNY/space/year": ("元/车位/年", "CNY/space/year"),
    "spaces": ("个", "spaces"), "households": ("户", "households"), "year": ("年序(0=改造年)", "year no. (0 = renovation)"),
    "months of rent": ("月租金", "months of rent"), "-": ("倍", "x"), "text": ("文字", "text"), "choice": ("选项", "choice"),
    "yes/no": ("是/否", "yes/no"),
}


def yes_no_format(zh: bool) -> str:
    """The number format of a yes/no input held as 1/0 (so formulas read it as a number): '是'/'否'
    ('yes'/'no' in English); any non-zero number reads as yes."""
    yes, no = ("是", "否") if zh else ("yes", "no")
    return f'"{yes}";"{yes}";"{no}"'


def _sections(num_format: str) -> list[str]:
    """The sections of an Excel number format (';' outside quotes)."""
    out, cur, quoted = [], "", False
    for ch in num_format:
        if ch == '"':
            quoted = not quoted
        if ch == ";" and not quoted:
            out.append(cur)
            cur = ""
        else:
            cur += ch
    return out + [cur]


def noise_threshold(num_format: str) -> float | None:
    """Below this magnitude a value of this format shows as zero: half its last digit (0.005 for
    '#,##0.00', 0.00005 for '0.00%'). None for a format with no red negative section: rounding
    noise there prints as '-0.00' but not in red, and only red formats get the zero rule."""
    secs = _sections(num_format)
    if len(secs) < 2 or "[Red]" not in secs[1]:
        return None
    first = secs[0].split('"')[0]
    digits = len(first.split(".")[1].rstrip("%")) if "." in first else 0
    return 0.5 * 10.0 ** -digits * (0.01 if "%" in first else 1.0)


def zero_format(num_format: str) -> str:
    """The number format a value under :func:`noise_threshold` takes: this format's zero section for
    positive, negative and zero alike, so that float noise prints as an exact zero does ('-'), never
    as a red '-0.00'."""
    secs = _sections(num_format)
    zero = secs[2] if len(secs) > 2 else secs[0].replace("[Red]", "")
    return ";".join([zero] * 3)


def schema_unit_label(text: str, zh: bool) -> str:
    """An input's unit as the schema writes it, for a reader (unknown units as written)."""
    pair = SCHEMA_UNITS.get(text)
    return text if pair is None else pair[0 if zh else 1]


def unit(code: str) -> Unit:
    try:
        return UNITS[code]
    except KeyError:
        raise KeyError(f"unknown unit code {code!r}; known: {', '.join(UNITS)}") from None


def display_scale(code: str) -> float:
    """Engine value / this = the value a reader sees (10,000 for amounts shown in 万元)."""
    return unit(code).scale


def label(code: str, zh: bool) -> str:
    u = unit(code)
    return u.zh if zh else u.en


def excel_format(code: str) -> str:
    return unit(code).excel


# --------------------------------------------------------------------------- terminal formatters
def _finite(x) -> bool:
    try:
        return x is not None and math.isfinite(float(x))
    except (TypeError, ValueError):
        return False


def money(x, *, zh: bool = True, na: str = "n/a") -> str:
    """An amount in CNY as 万元 with two decimals: ``'1,234.57 万元'`` (``zh=False``: ``CNY 10k``)."""
    if not _finite(x):
        return na
    return f"{float(x) / WAN:,.2f} " + ("万元" if zh else "CNY 10k")


def percent(x, *, digits: int = 2, na: str = "n/a", precise: bool = False) -> str:
    """A fraction as a percentage: ``0.0109 -> '1.09 %'`` (``precise``: 4 significant digits)."""
    if not _finite(x):
        return na
    return f"{100.0 * float(x):.4g} %" if precise else f"{100.0 * float(x):.{digits}f} %"


def years(x, *, zh: bool = False, na: str = "n/a", precise: bool = False) -> str:
    if not _finite(x):
        return na
    return f"{float(x):.{4 if precise else 2}f} " + ("年" if zh else "years")


def ratio(x, *, na: str = "n/a", precise: bool = False) -> str:
    if not _finite(x):
        return na
    return f"{float(x):.4g}" if precise else f"{float(x):.2f}x"


def fmt(x, code: str, *, zh: bool = False, na: str = "n/a", precise: bool = False) -> str:
    """Any value in its unit's display form (amounts in 万元, fractions in %, ...).

    ``precise`` keeps more digits (4 significant for % and ratios, 4 decimals for years): the
    form of break-even answers, where the figure is the point.
    """
    kind = unit(code).kind
    if kind == "money":
        return money(x, zh=zh, na=na)
    if kind == "fraction":
        return percent(x, na=na, precise=precise)
    if kind == "years":
        return years(x, zh=zh, na=na, precise=precise)
    if kind == "ratio":
        return ratio(x, na=na, precise=precise)
    if not _finite(x):
        return na
    u = unit(code)
    lab = u.zh if zh else u.en
    return f"{float(x):,.2f} {lab}".rstrip()
