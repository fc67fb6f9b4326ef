"""``finmodel init``: a commented starter YAML for a new community, built from the schema.

Two kinds of starter:

- **from J** (the default): the J-community base case's values, each with its source note
  prefixed :data:`REPLACE` so that the file says which figures are J's and must be replaced
  (``finmodel validate`` and ``run`` count them in a warning until they are gone). The study
  ranges (tornado drivers, uncertain inputs) are written relative to the base (``-20%``,
  ``+20%``), so they follow the new community's values.
- **blank** (``--blank``): the same structure with the community's own figures left null;
  ``finmodel validate`` lists each one as still to fill, with its line.

Every key carries its schema description as a comment, so the file documents itself and
stays in step with the schema. National rules (VAT, income-tax bands, the social discount rate)
keep their values and sources: they are not the community's figures.
"""

from __future__ import annotations

import json
import math

from .scenarios import REPLACE, default_scenario_path, field_info, load_raw

#: Sections whose figures belong to the community and the deal (null in a blank starter; marked
#: in a J-based one). Everything else (tax law, discounting, macro) is national or a convention.
COMMUNITY_SECTIONS = ("property_service", "space", "parking", "other", "owners", "support", "capex", "overheads",
                      "financing", "mix")
COMMUNITY_KEYS = ("scenario.households", "scenario.start_year", "scenario.concession_years")

HEADER = """\
# finmodel scenario for a new community: a starter written by `finmodel init`.
#
# {what}
# Units are in the key names (_cny, _m2, _cny_per_m2_day); rates are fractions (0.09 = 9 %, or write 9%).
# Money is at year-1 prices, VAT-inclusive as quoted. *_year keys are operating years 1..N.
# Any value can carry a source note: key: {{value: 1600, source: "survey 2024"}}.
# A stream the deal does not have: write e.g. `parking: absent`.
# Study ranges below are relative to your values (-20% = base x 0.8), so they follow them.
# Check the file with: finmodel validate FILE; run it with: finmodel run FILE
"""
WHAT_J = ("The values are the J-community base case: each one whose source says "
          f"'{REPLACE}' is J's and must be\n# replaced by your community's figure (finmodel validate counts them).")
WHAT_BLANK = ("The community's amounts, areas, prices and counts are left null: finmodel validate lists each\n"
              "# one, with its line, until it is filled. Its rates, years and months are J community's, marked\n"
              f"# '{REPLACE}' in their source. National rules (VAT, income tax, discounting) keep their values.")


def yaml_scalar(v) -> str:
    """A scalar as YAML text: null, true/false, a number, or a JSON-quoted string."""
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    return json.dumps(str(v), ensure_ascii=False)


def _comment(path: str) -> str:
    info = field_info(path)
    desc = (info.description or "") if info is not None else ""
    return f"  # {desc}" if desc else ""


def _is_community(path: str) -> bool:
    return path.split(".")[0] in COMMUNITY_SECTIONS or path in COMMUNITY_KEYS


def _is_key_figure(path: str) -> bool:
    """An amount, area, price or count (null in a blank starter); rates, years and months keep J's
    values, marked to replace, since a blank there says nothing more."""
    info = field_info(path)
    desc = (info.description or "") if info is not None else ""
    unit = desc.rsplit("[", 1)[-1].rstrip("]. ") if desc.rstrip().endswith("]") else ""
    return unit.startswith("CNY") or unit in ("m²", "spaces", "households")


def _leaf(value, path: str, notes: dict[str, str], blank: bool) -> str:
    """A leaf as written: null (blank), {value, source} with the J mark, or the plain value."""
    numeric = isinstance(value, (int, float)) and not isinstance(value, bool)
    if blank and numeric and _is_community(path) and _is_key_figure(path):
        return "null"
    note = notes.get(path)
    if numeric and _is_community(path):
        note = f"{REPLACE}: {note}" if note else REPLACE
    if note:
        return f"{{value: {yaml_scalar(value)}, source: {yaml_scalar(note)}}}"
    return yaml_scalar(value)


def _emit(node, path: list[str], indent: int, lines: list[str], notes: dict[str, str], blank: bool) -> None:
    pad = "  " * indent
    for key, value in node.items():
        full = ".".join(path + [key])
        if isinstance(value, dict) and value and key not in ("reference",):
            lines.append(f"{pad}{key}:{_comment(full)}")
            _emit(value, path + [key], indent + 1, lines, notes, blank)
        elif isinstance(value, dict):
            inner = ", ".join(f"{k}: {_leaf(v, f'{full}.{k}', notes, blank)}" for k, v in value.items())
            lines.append(f"{pad}{key}: {{{inner}}}{_comment(full)}")
        elif isinstance(value, list) and value and isinstance(value[0], dict):
            lines.append(f"{pad}{key}:{_comment(full)}")
            for i, item in enumerate(value):
                sub: list[str] = []
                _emit(item, path + [key, str(i)], indent + 2, sub, notes, blank)
                lines.append(f"{pad}  - {sub[0].lstrip()}")
                lines.extend(sub[1:])
        elif isinstance(value, list):
            lines.append(f"{pad}{key}: [{', '.join(yaml_scalar(v) for v in value)}]{_comment(full)}")
        else:
            lines.append(f"{pad}{key}: {_leaf(value, full, notes, blank)}{_comment(full)}")


def _relative(x, base) -> str | float:
    """A value of a study range relative to the base: '-26.7%', '+0%', or the value when the base is 0."""
    if not isinstance(x, (int, float)) or isinstance(x, bool):
        return x
    if base == 0 or not math.isfinite(base):
        return x
    r = round((x / base - 1.0) * 100.0, 1)
    return "base" if r == 0 else f"{r:+g}%"


def _get(data: dict, path: str):
    node = data
    for p in path.split("."):
        node = node[int(p)] if isinstance(node, list) else node.get(p) if isinstance(node, dict) else None
        if node is None:
            return None
    return node if isinstance(node, (int, float)) and not isinstance(node, bool) else None


def _relative_studies(data: dict) -> None:
    """J's study ranges written relative to J's base, so they follow the new community's values."""
    for d in (data.get("sensitivity") or {}).get("drivers") or []:
        b = _get(data, d["path"])
        if b is not None:
            for k in ("low", "high"):
                if k in d:
                    d[k] = _relative(d[k], b)
    for u in (data.get("uncertainty") or {}).get("inputs") or []:
        b = _get(data, u["path"])
        if b is None:
            continue
        for k in ("min", "mode", "max", "mean"):
            if k in u and not (u.get("dist") in ("normal", "lognormal") and k in ("min", "max")):
                u[k] = _relative(u[k], b)
        if "sd" in u and b:
            u["sd"] = f"{round(u['sd'] / abs(b) * 100, 1):g}%"
        if "values" in u:
            u["values"] = [_relative(v, b) for v in u["values"]]
        if u.get("dist") in ("normal", "lognormal"):      # truncation bounds: keep them valid as relative ones
            for k in ("min", "max"):
                if k in u:
                    u[k] = _relative(u[k], b)


def starter_yaml(name: str, *, blank: bool = False) -> str:
    data, _, notes = load_raw(default_scenario_path())
    data.pop("sources", None)
    _relative_studies(data)
    data["scenario"] = dict(data["scenario"])
    safe = "".join(c if (c.isalnum() or c in "_-") else "_" for c in name) or "community"
    data["scenario"]["name"] = safe
    data["scenario"]["title"] = ""
    data["scenario"]["description"] = "Describe the community and the deal here."
    data["scenario"]["paper_case"] = False
    notes.pop("scenario.paper_case", None)
    lines: list[str] = []
    _emit(data, [], 0, lines, notes, blank)
    return HEADER.format(what=WHAT_BLANK if blank else WHAT_J) + "\n".join(lines) + "\n"
