"""``finmodel init``: a commented starter YAML for a new community, built from the schema.

Values come from the J-community base case; every key carries its schema description as a
comment, so the file documents itself and stays in step with the schema.
"""

from __future__ import annotations

import json

from .scenarios import default_scenario_path, field_info, load_raw

HEADER = """\
# finmodel scenario for a new community: a starter written by `finmodel init`.
# The values are the J-community base case: replace them with your community's figures.
# Units are in the key names (_cny, _m2, _cny_per_m2_day); rates are fractions (0.09 = 9 %).
# Money is at year-1 prices, VAT-inclusive as quoted. *_year keys are operating years 1..N.
# Any value can carry a source note: key: {value: 1600, source: "survey 2024"}.
# Check the file with: finmodel validate FILE; run it with: finmodel run FILE
"""


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


def _emit(node, path: list[str], indent: int, lines: list[str]) -> None:
    pad = "  " * indent
    for key, value in node.items():
        full = ".".join(path + [key])
        if isinstance(value, dict) and value and key not in ("reference",):
            lines.append(f"{pad}{key}:{_comment(full)}")
            _emit(value, path + [key], indent + 1, lines)
        elif isinstance(value, dict):
            inner = ", ".join(f"{k}: {yaml_scalar(v)}" for k, v in value.items())
            lines.append(f"{pad}{key}: {{{inner}}}{_comment(full)}")
        elif isinstance(value, list) and value and isinstance(value[0], dict):
            lines.append(f"{pad}{key}:{_comment(full)}")
            for i, item in enumerate(value):
                sub: list[str] = []
                _emit(item, path + [key, str(i)], indent + 2, sub)
                first = sub[0].lstrip()
                lines.append(f"{pad}  - {first}")
                lines.extend(sub[1:])
        elif isinstance(value, list):
            lines.append(f"{pad}{key}: [{', '.join(yaml_scalar(v) for v in value)}]{_comment(full)}")
        else:
            lines.append(f"{pad}{key}: {yaml_scalar(value)}{_comment(full)}")


def starter_yaml(name: str) -> str:
    data, _, _ = load_raw(default_scenario_path())
    data.pop("sources", None)
    data["scenario"] = dict(data["scenario"])
    safe = "".join(c if (c.isalnum() or c in "_-") else "_" for c in name) or "community"
    data["scenario"]["name"] = safe
    data["scenario"]["title"] = ""
    data["scenario"]["description"] = "Describe the community and the deal here."
    lines: list[str] = []
    _emit(data, [], 0, lines)
    return HEADER + "\n".join(lines) + "\n"
