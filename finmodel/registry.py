"""Names, labels and units of the model's rows and metrics, read from their one definition.

Every row of :mod:`finmodel.model` carries its key, zh/en label, unit, sheet and role; every
metric is a scalar row (``role == "metric"``) with a short name and the direction in which it
is better. This module is the lookup over them for the rest of finmodel (the CLI's messages,
the break-even targets, the study sheets, the docs) and renders the line-item and metric
references of the documentation. Nothing here is written twice: it reads the rows of the
packaged base case (or of a given scenario, whose structure may add tiers or refits).

>>> unit("npv"), label("npv", zh=True, short=True)
('CNY', '财务净现值')
"""

from __future__ import annotations

import csv
import re
import typing
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from . import units

DATA = Path(__file__).resolve().parent / "data"


@dataclass(frozen=True)
class RowInfo:
    key: str
    sheet: str
    role: str
    unit: str
    en: str
    zh: str
    formula: str          # the row's definition as readable text (keys of rows, YAML paths of inputs)


@dataclass(frozen=True)
class MetricInfo:
    key: str
    unit: str
    en: str
    zh: str
    short_en: str
    short_zh: str
    better: str | None
    formula: str


@lru_cache(maxsize=1)
def _default_assumptions():
    from .scenarios import load

    return load().assumptions


def _model(a=None):
    from . import model

    return model.build(_default_assumptions() if a is None else a)


def _formula(row) -> str:
    if row.expr is not None:
        return row.expr.doc()[0]
    if row.const is not None:
        return row.const.doc()[0]
    return ""


def rows(a=None) -> list[RowInfo]:
    """Every row with values (year rows and scalar rows), in model order."""
    m = _model(a)
    return [RowInfo(r.key, r.sheet, r.role, r.unit, r.en, r.zh, _formula(r)) for r in m.rows
            if r.expr is not None or r.const is not None]


def metrics(a=None) -> dict[str, MetricInfo]:
    """The metrics (scalar rows that studies can score), by key."""
    m = _model(a)
    out = {}
    for r in m.rows:
        if r.role != "metric" or r.kind == "hidden":        # hidden: flags the engine reports beside them
            continue
        short = r.short or (r.en, r.zh)
        out[r.key] = MetricInfo(r.key, r.unit, r.en, r.zh, short[0], short[1], r.better, _formula(r))
    return out


def metric_names(a=None) -> tuple[str, ...]:
    return tuple(metrics(a))


#: An IRR target is solved as an NPV test at that rate (docs/model.md section 5: no decision rests on an
#: IRR, which can have several roots): the NPV metric and the rate it is discounted at.
IRR_AS_NPV = {"project_irr": ("npv", "discount.project_rate"),
              "equity_irr": ("equity_npv", "discount.equity_hurdle_rate"),
              "project_irr_pre_tax": ("npv_pre_tax", "discount.project_rate")}



def solved_metric(metric: str) -> str:
    """The metric a target on ``metric`` is solved on (and whose values a break-even reports at the
    base and the ends): the NPV an IRR stands for, else the metric itself."""
    return IRR_AS_NPV[metric][0] if metric in IRR_AS_NPV else metric


#: Metrics renamed by issue 12: the old name -> (the new one, what changed in en, in zh), for the error message.
RENAMED_METRICS = {
    "gov_commitment_pv": ("gov_district_commitment_pv", "the district's; gov_public_commitment_pv for all purses",
                          "区级;全口径为 gov_public_commitment_pv"),
    "gov_commitment_pv_per_household": ("gov_district_commitment_pv_per_household", "", ""),
    "gov_tax_relief_pv": ("gov_national_relief_pv", "", ""),
    "gov_foregone_rent_pv": ("gov_forgone_rent_pv", "now at the next-best use", "现按次优用途"),
}


def suggest(name: str, known, *, listing: bool = True) -> str:
    """' (did you mean 'npv'?)' for a name close to one of ``known`` (case ignored first), else the
    list of known names (``listing``) or ''; a renamed metric says its new name."""
    import difflib

    known = list(known)
    from .i18n import t

    renamed = RENAMED_METRICS.get(name)
    if renamed and renamed[0] in known:
        new, en, zh = renamed
        return t(f" (renamed: {new}" + (f"; {en})" if en else ")"), f"(已更名为: {new}" + (f";{zh})" if zh else ")"))
    lower = {k.lower(): k for k in known}
    close = [lower[name.lower()]] if name.lower() in lower else difflib.get_close_matches(name, known, n=1, cutoff=0.6)

    if close:
        return t(f" (did you mean '{close[0]}'?)", f"(是否是 '{close[0]}'?)")
    return t(f"; known: {', '.join(known)}", f";可选: {', '.join(known)}") if listing else ""


def unit(key: str, a=None) -> str:
    """The unit code (:mod:`finmodel.units`) of a row or metric."""
    return _model(a)[key].unit


def label(key: str, zh: bool = False, *, short: bool = False, a=None) -> str:
    """A row's or metric's label; ``short`` for the metric's short name."""
    r = _model(a)[key]
    if short and r.short:
        return r.short[1] if zh else r.short[0]
    return r.zh if zh else r.en


def fmt(key: str, value, *, zh: bool = False, na: str = "n/a") -> str:
    """A value of a row or metric in its display unit (amounts in 万元, fractions as %)."""
    return units.fmt(value, unit(key), zh=zh, na=na)


# --------------------------------------------------------------------------- the docs
def _md_cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def line_item_reference(a=None) -> str:
    """The line-item reference (Markdown): every row by sheet, its key, labels, unit and formula."""
    m = _model(a)
    titles = {"time": "Time (时间轴)", "calcs": "Calcs (计算)", "statements": "Statements (报表)",
              "government": "Government view (政府视角)", "checks": "Checks (校验)"}
    out = ["# Line items", "",
           "Generated from the row definitions of `finmodel.model` (`python tools/update_docs.py`); do not edit.",
           "Each row is one definition: the engine evaluates it, the workbook writes it as a formula. "
           "Formulas name other rows by key, inputs by their YAML path; `x[t-1]` is last year's value. "
           "Amounts are CNY (the workbook shows 万元).", ""]
    for sheet, title in titles.items():
        out += [f"## {title}", "", "| key | 中文 | English | unit | formula |", "|---|---|---|---|---|"]
        for r in m.sheets[sheet]:
            if r.kind != "row" or (r.expr is None and r.const is None):
                continue
            out.append(f"| `{r.key}` | {_md_cell(r.zh)} | {_md_cell(r.en)} | {r.unit} | "
                       f"`{_md_cell(_formula(r))}` |")
        out.append("")
    return "\n".join(out)


def metric_reference(a=None) -> str:
    """The metric reference (Markdown): every metric, its labels, unit, direction and definition."""
    out = ["# Metrics", "",
           "Generated from the metric rows of `finmodel.model` (`python tools/update_docs.py`); do not edit.",
           "Every metric can be a break-even target, a sensitivity metric and a Monte Carlo output.", "",
           "| metric | 中文 | English | unit | better | definition |", "|---|---|---|---|---|---|"]
    for k, mi in metrics(a).items():
        out.append(f"| `{k}` | {_md_cell(mi.zh)} | {_md_cell(mi.en)} | {mi.unit} | {mi.better or '-'} | "
                   f"`{_md_cell(mi.formula)}` |")
    return "\n".join(out) + "\n"


# --------------------------------------------------------------------------- inputs
#: A field description's unit: ``... [CNY/m²/day]`` at its end.
UNIT_RE = re.compile(r"\[([^\]]+)\]\s*$")


@lru_cache(maxsize=1)
def _input_zh() -> dict[str, str]:
    with open(DATA / "input_labels.csv", encoding="utf-8", newline="") as f:
        return {row["path"]: row["zh"] for row in csv.DictReader(f)}


@lru_cache(maxsize=1)
def _sections() -> dict[str, tuple[str, str]]:
    with open(DATA / "sections.csv", encoding="utf-8", newline="") as f:
        return {row["section"]: (row["zh"], row["en"]) for row in csv.DictReader(f)}


@lru_cache(maxsize=1)
def _source_notes_zh() -> dict[str, str]:
    with open(DATA / "source_notes_zh.csv", encoding="utf-8", newline="") as f:
        return {row["en"]: row["zh"] for row in csv.DictReader(f)}


def source_note(text: str, zh: bool) -> str:
    """A source note as a reader of that language sees it: in Chinese, the translation of a packaged
    scenario's English note (``data/source_notes_zh.csv``, keyed by the English text, so a note
    the user rewrote is shown as written); otherwise the note as written."""
    if not zh or not text:
        return text
    return _source_notes_zh().get(text, text)


def generic(path: str) -> str:
    """A path with its list indices as ``*``: ``space.tiers.2.share`` -> ``space.tiers.*.share``."""
    return re.sub(r"\.\d+(?=\.|$)", ".*", path)


def section_label(section: str, zh: bool) -> str:
    pair = _sections().get(section)
    return section if pair is None else pair[0 if zh else 1]


def field_info(path: str):
    """(description, annotation) of a dotted path in the schema."""
    from pydantic import BaseModel

    from .assumptions import Assumptions

    node = Assumptions
    info = None
    for p in path.split("."):
        if p.isdigit():
            continue
        if node is dict:
            return (info.description or "") if info else "", float
        info = node.model_fields[p]
        ann = info.annotation
        args = typing.get_args(ann)
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            node = ann
        elif args and isinstance(args[0], type) and issubclass(args[0], BaseModel):
            node = args[0]
        elif typing.get_origin(ann) is dict:
            node = dict
        else:
            node = None
    return (info.description or "") if info else "", info.annotation if info else None


def input_unit(path: str) -> str:
    """An input's unit as the schema writes it (``CNY/m²/day``), '' when it has none."""
    m = UNIT_RE.search(field_info(path)[0])
    return m.group(1) if m else ""


def _label_en(desc: str, path: str) -> str:
    """The description's first clause (up to ';' or ': '), without its [unit], at most 80 characters."""
    text = UNIT_RE.sub("", desc).strip().rstrip(".")
    text = re.split(r";\s|:\s", text, maxsplit=1)[0].strip().rstrip(",")
    if len(text) > 80:
        text = text[:79].rstrip() + "…"
    return text or path.rsplit(".", 1)[-1].replace("_", " ")


def _item_prefix(a, path: str, zh: bool) -> str:
    """A readable prefix for list items: the tier's name, the refit's label, the period's years."""
    m = re.match(r"space\.tiers\.(\d+)\.", path)
    if m:
        t = a.space.tiers[int(m.group(1))]
        return f"{t.label_zh or t.name}: " if zh else f"{t.name}: "
    m = re.match(r"capex\.refits\.(\d+)\.", path)
    if m:
        return f"{a.capex.refits[int(m.group(1))].label}: "
    m = re.match(r"tax\.small_enterprise_periods\.(\d+)\.(bands\.(\d+)\.)?", path)
    if m:
        per = a.tax.small_enterprise_periods[int(m.group(1))]
        s = f"{per.from_year}-{per.to_year}"
        if m.group(3) is not None:
            s += f" 第{int(m.group(3)) + 1}档" if zh else f" band {int(m.group(3)) + 1}"
        return s + ": "
    m = re.match(r"(property_service\.fee_steps|tax\.vat\.\w+)\.(\d+)\.", path)
    if m:
        return f"#{int(m.group(2)) + 1} "
    return ""


def input_label(path: str, zh: bool, a=None) -> str:
    """An input's label: the schema's description (en) or the table of Chinese labels (zh), with the
    list item it belongs to (the tier's name, the refit's label) when the scenario ``a`` is given."""
    desc, _ = field_info(path)
    en = _label_en(desc, path)
    parts = path.split(".")
    if parts[-1] in ("start", "target", "ramp_years") and len(parts) > 1:      # a Ramp: say which one
        en = parts[-2].replace("_", " ").capitalize() + ": " + en[0].lower() + en[1:]
    g = generic(path)
    if g.startswith("mix.reference."):
        en = "Paper's revenue mix: " + path.rsplit(".", 1)[1].replace("_", " ")
    prefix = _item_prefix(a, path, zh) if a is not None else ""
    return prefix + (_input_zh().get(g, en) if zh else en)
