"""Every assumption as a row of the Inputs sheet: defined name, label (zh/en), unit, value, source.

The defined name is ``in_`` + the YAML path with dots as underscores
(``support.subsidy_annual_cny`` -> ``in_support_subsidy_annual_cny``); the value is in the
YAML's own unit (CNY, not 万元: the key names say ``_cny``), so typing a value into the
workbook means the same as ``finmodel run --set`` with it.

Year tables (VAT rates by calendar year, the property-fee steps) are laid out field by field
(all ``from_year`` cells, then all rates) so that each column of the table is one contiguous
range with a name of its own (``tbl_...``) for LOOKUP.
"""

from __future__ import annotations

import typing
from dataclasses import dataclass, field

from ..assumptions import Assumptions
from ..registry import UNIT_RE as _UNIT_RE, field_info as _field_info, generic, input_label, section_label
from ..units import schema_unit_label

#: Sections of the YAML that describe studies or the report, not the deal: shown on their own sheets and in About.
STUDY_SECTIONS = ("sensitivity", "uncertainty", "sources", "report")

#: Lists whose items are year tables (contiguous field columns for LOOKUP).
YEAR_TABLES = ("property_service.fee_steps", "tax.vat.general_leasing", "tax.vat.general_service",
               "tax.vat.small_leasing", "tax.vat.small_service")

#: Inputs that shape the workbook itself (the number of year columns, the loss vintages): shown,
#: but changing them in the workbook does not reshape it; change the YAML and run again.
STRUCTURAL = ("scenario.concession_years", "tax.loss_carryforward_years")

SECTION_ZH = {k: section_label(k, True) for k in ("scenario", "discount", "macro", "property_service", "space",
                                                  "parking", "other", "mix", "owners", "support", "capex", "overheads",
                                                  "tax", "financing", "corridor", "report", "government")}
SECTION_EN = {k: section_label(k, False) for k in SECTION_ZH}


@dataclass
class InputRow:
    path: str                    # dotted YAML path
    name: str                    # defined name
    value: object                # float, int, bool, str or None
    kind: str                    # number, bool, choice, text, none
    unit: str                    # unit as in the schema ([...]), or text/choice/yes/no
    en: str
    zh: str
    source: str
    section: str
    choices: tuple = ()
    structural: bool = False
    percent: bool = False
    table: str | None = None     # the year table it belongs to (tbl name prefix)
    cell: tuple[int, int] | None = field(default=None)   # (row, col) once laid out


def name_of(path: str) -> str:
    return "in_" + path.replace(".", "_")


def _choices(ann) -> tuple:
    if typing.get_origin(ann) is typing.Literal:
        return typing.get_args(ann)
    return ()


def _walk(x, p=""):
    if isinstance(x, dict):
        for k, v in x.items():
            yield from _walk(v, f"{p}.{k}" if p else k)
    elif isinstance(x, list) and x and isinstance(x[0], dict):
        for i, v in enumerate(x):
            yield from _walk(v, f"{p}.{i}")
    else:
        yield p, x


def input_rows(a: Assumptions) -> list[InputRow]:
    """Every assumption of the deal (study sections aside), in schema order, year tables by field."""
    data = a.model_dump()
    leaves = [(p, v) for p, v in _walk(data) if p.split(".")[0] not in STUDY_SECTIONS]
    # year tables: regroup each table's leaves field by field
    ordered: list[tuple[str, object]] = []
    done = set()
    for p, v in leaves:
        table = next((t for t in YEAR_TABLES if p.startswith(t + ".")), None)
        if table is None:
            ordered.append((p, v))
            continue
        if table in done:
            continue
        done.add(table)
        mine = [(q, w) for q, w in leaves if q.startswith(table + ".")]
        fields = list(dict.fromkeys(q.rsplit(".", 1)[1] for q, _ in mine))
        for f in fields:
            ordered.extend((q, w) for q, w in mine if q.rsplit(".", 1)[1] == f)
    rows = []
    for p, v in ordered:
        desc, ann = _field_info(p)
        g = generic(p)
        m = _UNIT_RE.search(desc)
        unit = m.group(1) if m else ""
        choices = _choices(ann)
        if isinstance(v, bool):
            kind, unit = "bool", "yes/no"
        elif choices:
            kind, unit = "choice", "choice"
        elif isinstance(v, str):
            kind, unit = "text", "text"
        elif v is None:
            kind = "none"
        else:
            kind = "number"
        if g.startswith("mix.reference."):
            unit = "fraction"
        en = input_label(p, False, a)
        zh = input_label(p, True, a)
        table = next((t for t in YEAR_TABLES if p.startswith(t + ".")), None)
        rows.append(InputRow(
            path=p, name=name_of(p), value=v, kind=kind, unit=unit, en=en, zh=zh,
            source=a.sources.get(p, ""), section=p.split(".")[0], choices=choices,
            structural=p in STRUCTURAL, percent=unit in ("fraction", "fraction/year"),
            table=table))
    return rows


def unit_text(unit: str, zh: bool) -> str:
    return schema_unit_label(unit, zh)
