"""Loading scenarios: safe YAML 1.2, ``extends``, inline source notes, ``--set`` overrides.

Every failure becomes an ``InputError`` whose single line names the file (or ``--set``) and
the dotted YAML key. Nothing here prints or exits.

YAML is read with ruamel.yaml's safe, pure-Python loader (YAML 1.2: ``3e7`` is a number,
``no`` is the string "no", a duplicate key is an error, ``!!python/...`` tags are refused).
"""

from __future__ import annotations

import copy
import csv
import difflib
import math
import re
import typing
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel, ValidationError

from .assumptions import ABSENT, Assumptions
from .errors import InputError, InputErrors, InputWarning
from .i18n import t
from .yamlio import key_positions, parse_yaml_text, position_of, read_yaml_file

MAX_EXTENDS_DEPTH = 20
SOURCE_KEYS = {"value", "source"}

DEFAULT_SCENARIO = "j_community"

#: The prefix of the source note of every value ``finmodel init`` copies from J community: the
#: loader counts those left in a warning until they are replaced (:mod:`finmodel.starter` imports
#: it from here: no import cycle).
REPLACE = "J community, replace"


class Argument(str):
    """An origin that is a library argument rather than a file: errors name it as ``param``."""


# The origin of a value given in ``load(..., sets=...)`` (the command line's overrides), in the
# ``origins`` that :func:`validate_data` takes; any other origin is the file a value came from.
SETS_ORIGIN = Argument("sets")


def packaged_dir() -> Path:
    """Folder of the assumption files shipped inside the package."""
    return Path(str(resources.files("finmodel") / "data"))


def default_scenario_path() -> Path:
    return packaged_dir() / f"{DEFAULT_SCENARIO}.yaml"


# --------------------------------------------------------------------------- schema walking
def _unwrap(tp):
    """Strip Optional/Annotated to the core type."""
    origin = typing.get_origin(tp)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(tp)[0])
    if origin is typing.Union or (origin is not None and getattr(origin, "__name__", "") == "UnionType"):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        return _unwrap(args[0]) if len(args) == 1 else tp
    return tp


def schema_node(parts: list[str]):
    """The type at a dotted path of the schema: a model class, list[...], dict[...] or a scalar type.

    Raises KeyError(position) at the first part that does not exist.
    """
    tp: Any = Assumptions
    for i, part in enumerate(parts):
        tp = _unwrap(tp)
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            if part not in tp.model_fields:
                raise KeyError(i)
            tp = tp.model_fields[part].annotation
        elif typing.get_origin(tp) is list:
            if not part.lstrip("-").isdigit():
                raise KeyError(i)
            tp = typing.get_args(tp)[0]
        elif typing.get_origin(tp) is dict:
            tp = typing.get_args(tp)[1]
        else:
            raise KeyError(i)
    return _unwrap(tp)


def _model_at(parts: list[str]):
    try:
        tp = schema_node(parts)
    except KeyError:
        return None
    return tp if isinstance(tp, type) and issubclass(tp, BaseModel) else None


def did_you_mean(parts: list[str]) -> str:
    from .assumptions import RENAMED

    renamed = RENAMED.get(".".join(parts))
    if renamed:
        return t(f" (renamed: {renamed})", f" (已更名为: {renamed})")
    model = _model_at(parts[:-1])
    if model is None:
        return ""
    close = difflib.get_close_matches(parts[-1], list(model.model_fields), n=1, cutoff=0.6)
    return t(f" (did you mean '{close[0]}'?)", f"(是否是 '{close[0]}'?)") if close else ""


def field_info(path: str):
    """The pydantic FieldInfo of a dotted path (list indices allowed), or None."""
    parts = path.split(".")
    model = _model_at(parts[:-1])
    if model is None:
        return None
    return model.model_fields.get(parts[-1])


def field_bounds(path: str) -> tuple[float, float]:
    """(low, high) bounds of a numeric field from its schema metadata (inf where open)."""
    info = field_info(path)
    lo, hi = -math.inf, math.inf
    if info is None:
        return lo, hi
    for m in info.metadata:
        if hasattr(m, "ge") and m.ge is not None:
            lo = float(m.ge)
        if hasattr(m, "gt") and m.gt is not None:
            lo = float(m.gt)
        if hasattr(m, "le") and m.le is not None:
            hi = float(m.le)
        if hasattr(m, "lt") and m.lt is not None:
            hi = float(m.lt)
    return lo, hi


def is_numeric_path(path: str) -> bool:
    try:
        tp = schema_node(path.split("."))
    except KeyError:
        return False
    return tp in (int, float)


# --------------------------------------------------------------------------- inline sources
def _strip_sources(node: Any, path: list[str], notes: dict[str, str], budget: list[int], source: str = "") -> Any:
    budget[0] -= 1
    if budget[0] < 0:
        raise InputError("document too large once aliases are expanded (over 200,000 nodes); "
                         "refusing a possible alias bomb", source=source or None)
    if isinstance(node, dict):
        if set(node) == SOURCE_KEYS or set(node) == {"value"}:
            if "source" in node:
                notes[".".join(path)] = str(node["source"])
            return _strip_sources(node["value"], path, notes, budget, source)
        return {k: _strip_sources(v, path + [str(k)], notes, budget, source) for k, v in node.items()}
    if isinstance(node, list):
        return [_strip_sources(v, path + [str(i)], notes, budget, source) for i, v in enumerate(node)]
    return node


def _deep_merge(base: dict, over: dict) -> dict:
    """Mappings merge key by key; anything else (lists included) replaces."""
    out = dict(base)
    for k, v in over.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict) and k != "sources":
            out[k] = _deep_merge(out[k], v)
        elif k == "sources" and isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = {**out[k], **v}
        else:
            out[k] = v
    return out


def _origins(node: Any, path: list[str], src: str, into: dict[str, str]) -> None:
    if isinstance(node, dict) and path[:1] != ["sources"]:
        for k, v in node.items():
            _origins(v, path + [str(k)], src, into)
    into[".".join(path)] = src


def _resolve_extends(name: str, here: Path, source: str) -> Path:
    cand = Path(name)
    if not cand.is_absolute():
        cand = here / name
    if cand.exists():
        return cand
    packaged = packaged_dir() / Path(name).name
    if packaged.exists():
        return packaged
    raise InputError(t(f"extends target not found: {name}", f"找不到 extends 指向的文件: {name}"), source=source, key="extends")


def load_raw(path: Path, _chain: tuple[Path, ...] = ()) -> tuple[dict, dict[str, str], dict[str, str]]:
    """Read a scenario file with its ``extends`` chain.

    Returns (merged data without ``extends``, origin file of each dotted key, source notes).
    """
    path = Path(path)
    real = path.resolve()
    if real in _chain:
        cycle = " -> ".join(p.name for p in (*_chain, real))
        raise InputError(t(f"extends cycle: {cycle}", f"extends 循环引用: {cycle}"), source=str(path), key="extends")
    if len(_chain) >= MAX_EXTENDS_DEPTH:
        raise InputError(t("extends chain too deep", "extends 链过深"), source=str(path), key="extends")
    data = read_yaml_file(path)
    notes: dict[str, str] = {}
    data = _strip_sources(data, [], notes, [200_000], str(path))
    parent = data.pop("extends", None)
    origins: dict[str, str] = {}
    if parent is not None:
        if not isinstance(parent, str) or not parent.strip():
            raise InputError(t("extends must be a file name", "extends 须为文件名"), source=str(path), key="extends")
        ppath = _resolve_extends(parent, path.parent, str(path))
        pdata, porigins, pnotes = load_raw(ppath, (*_chain, real))
        origins.update(porigins)
        notes = {**pnotes, **notes}
        _origins(data, [], str(path), origins)
        data = _deep_merge(pdata, data)
    else:
        _origins(data, [], str(path), origins)
    return data, origins, notes


# --------------------------------------------------------------------------- --set
def parse_set(item: str) -> tuple[str, Any]:
    if "=" not in item:
        raise InputError(t(f"expected dotted.path=value, got '{item}'", f"应为 路径=值 的形式,实际为 '{item}'"), param="sets")
    key, _, text = item.partition("=")
    key = key.strip()
    if not key:
        raise InputError(t(f"empty path in '{item}'", f"'{item}' 中路径为空"), param="sets")
    text = text.strip()
    if text == "":
        raise InputError(t("empty value", "值为空"), param="sets", key=key)
    value = parse_yaml_text(text, None, param="sets") if text else None
    return key, value


def apply_set(data: dict, key: str, value: Any) -> dict:
    """Set a dotted path (list items by index) in a copy of ``data``; the path must exist in the schema."""
    parts = key.split(".")
    try:
        schema_node(parts)
    except KeyError as exc:
        pos = exc.args[0]
        hint = did_you_mean(parts[: pos + 1])
        raise InputError(t(f"no such assumption '{parts[pos]}'{hint}", f"没有假设 '{parts[pos]}'{hint}"), param="sets", key=key) from None
    out = copy.deepcopy(data)
    node: Any = out
    for i, part in enumerate(parts[:-1]):
        if isinstance(node, list):
            idx = int(part)
            if not -len(node) <= idx < len(node):
                raise InputError(t(f"index {idx} out of range (the list has {len(node)} items)",
                                   f"序号 {idx} 超出范围(该列表有 {len(node)} 项)"),
                                 param="sets", key=".".join(parts[: i + 1]))
            node = node[idx]
        else:
            if part not in node or node[part] is None:
                nxt = schema_node(parts[: i + 1])
                if typing.get_origin(nxt) is list:
                    raise InputError(t("list is empty in this scenario; set the whole list instead", "本情景中该列表为空;请设置整个列表"),
                                     param="sets", key=".".join(parts[: i + 1]))
                node[part] = {}
            node = node[part]
    last = parts[-1]
    if isinstance(node, list):
        idx = int(last)
        if not -len(node) <= idx < len(node):
            raise InputError(t(f"index {idx} out of range (the list has {len(node)} items)",
                               f"序号 {idx} 超出范围(该列表有 {len(node)} 项)"), param="sets", key=key)
        node[idx] = value
    elif isinstance(node, dict):
        node[last] = value
    else:
        raise InputError(t("cannot set inside a value that is not a mapping", "不能在非映射的值内部设置"), param="sets", key=key)
    return out


# --------------------------------------------------------------------------- validation
def _loc_key(loc: tuple) -> str:
    return ".".join(str(p) for p in loc if not (isinstance(p, str) and p.startswith("function-")))


#: Chinese amounts people type: 1200万 (ten thousands), 1.5亿 (hundred millions).
_CJK_AMOUNT = re.compile(r"^\s*([+-]?\d+(?:\.\d+)?)\s*(万|亿)\s*(元)?\s*$")


def _hint(etype: str, inp, ctx: dict) -> str:
    """A fix for common mistakes: a percentage written as a whole number, 1200万, yes/no words."""
    if etype in ("less_than_equal", "less_than") and isinstance(inp, (int, float)) and not isinstance(inp, bool):
        le = ctx.get("le", ctx.get("lt"))
        if le == 1 and 1 < inp <= 100:
            return t(f": a fraction; for {inp:g} %, write {inp / 100:g} or {inp:g}%",
                     f": 这是比例;若指 {inp:g}%,请写 {inp / 100:g} 或 {inp:g}%")
    if etype in ("float_parsing", "int_parsing", "float_type", "int_type") and isinstance(inp, str):
        m = _CJK_AMOUNT.match(inp)
        if m:
            value = float(m.group(1)) * (1e4 if m.group(2) == "万" else 1e8)
            return t(f": amounts are in CNY; write {value:.12g} ({inp.strip()} = {value:,.0f} CNY)",
                     f": 金额单位为元;请写 {value:.12g}({inp.strip()} = {value:,.0f} 元)")
        if "%" in inp or "％" in inp:
            return t(": a percentage is accepted only where the unit is a fraction; write the number",
                     ": 只有单位为比例的项可写百分数;请写数值")
    if etype == "bool_parsing" and isinstance(inp, str):
        return t(": write true or false", ": 请写 true 或 false(是/否)")
    return ""


#: Pydantic's messages by error type, in Chinese (the English is pydantic's own).
_PYDANTIC_ZH = {
    "greater_than_equal": "应大于或等于 {ge}", "greater_than": "应大于 {gt}",
    "less_than_equal": "应小于或等于 {le}", "less_than": "应小于 {lt}",
    "float_parsing": "应为数字", "float_type": "应为数字", "int_parsing": "应为整数", "int_type": "应为整数",
    "int_from_float": "应为整数", "bool_parsing": "应为 true 或 false", "bool_type": "应为 true 或 false",
    "string_type": "应为文字", "string_too_short": "至少 {min_length} 个字符", "string_too_long": "至多 {max_length} 个字符",
    "list_type": "应为列表", "too_short": "至少 {min_length} 项", "too_long": "至多 {max_length} 项",
    "literal_error": "应为以下之一: {expected}", "finite_number": "应为有限数值(不能是 NaN 或无穷大)",
    "model_type": "应为键值映射(一个部分)", "dict_type": "应为键值映射", "enum": "应为以下之一: {expected}",
}


def pydantic_message(etype: str, msg: str, ctx: dict) -> str:
    """A pydantic message in the current language (pydantic's English, or its Chinese by type)."""
    zh = _PYDANTIC_ZH.get(etype)
    if zh is None:
        return msg
    try:
        return t(msg, zh.format(**{k: (f"{v:g}" if isinstance(v, float) else v) for k, v in ctx.items()}))
    except (KeyError, IndexError):
        return msg


def _format_error(err: dict) -> tuple[str, str]:
    loc = tuple(err.get("loc", ()))
    key = _loc_key(loc)
    etype = err.get("type", "")
    msg = err.get("msg", "invalid value")
    if etype == "extra_forbidden":
        parts = key.split(".")
        return key, t(f"unknown key '{parts[-1]}'{did_you_mean(parts)}", f"未知的键 '{parts[-1]}'{did_you_mean(parts)}")
    if etype == "missing":
        return key, t("required key is missing", "缺少必填项")
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, "):]
    inp = err.get("input")
    if inp is None and "input" in err and etype.endswith(("_type", "_parsing")):
        return key, t("still to fill (null): give the community's figure", "尚未填写(null): 请填入本社区的数值")
    msg = pydantic_message(etype, msg, err.get("ctx") or {})
    if etype not in ("model_type",) and not isinstance(inp, (dict, list)):
        msg = t(f"{msg} (got {inp!r})", f"{msg}(现为 {inp!r})")
    return key, msg + _hint(etype, inp, err.get("ctx") or {})
class OverrideConflict(InputError):
    """A check across fields, reported on a section, that failed because of overrides inside it.

    The overrides are named after the problem by their origin, as the line names it:
    ``--set: space: tiers: shares sum to 1.2, must sum to 1 (after --set space.tiers.0.share)``.
    """

    def __init__(self, problem: str, overrides: typing.Sequence[str], *, more: str = "",
                 source: str | None = None, key: str | None = None, param: str | None = None):
        self.problem = problem
        self.overrides = tuple(overrides)
        self.more = more
        super().__init__(self._text(source or param), source=source, key=key, param=param)

    def _text(self, origin: str | None) -> str:
        return f"{self.problem} (after {origin} {', '.join(self.overrides)}){self.more}"

    def line(self, param_label: str | None = None) -> str:
        origin = self.source or (param_label or self.param if self.param else None)
        return ": ".join([p for p in (origin, self.key) if p] + [self._text(origin)])


def _is_set(origin) -> bool:
    # SETS_ORIGIN, or the string "--set" with which finmodel.sensitivity.sample still marks the same
    # overrides in the origins it passes (its errors keep that string as their source)
    return origin is SETS_ORIGIN or origin == "--set"


def _one_error(err: dict, origins: dict[str, str], default_source: str, positions) -> InputError:
    key, msg = _format_error(err)
    # find the file that set this key (or its nearest ancestor)
    src = default_source
    parts = key.split(".") if key else []
    for n in range(len(parts), 0, -1):
        cand = ".".join(parts[:n])
        if cand in origins:
            src = origins[cand]
            break
    # a cross-field check (reported on the section) failed because of an override inside it
    inside = [k for k, o in origins.items() if _is_set(o) and (not key or k.startswith(key + "."))]
    if inside and not _is_set(src):
        src = origins[inside[0]]
        origin = {"param": str(src)} if isinstance(src, Argument) else {"source": src}
        return OverrideConflict(msg, inside, key=key or None, **origin)
    if isinstance(src, Argument):
        return InputError(msg, param=str(src), key=key or None)
    where = position_of(positions(src), key) if src and Path(str(src)).is_file() else None
    return InputError(msg, source=src, key=key or None, where=where)


def _is_consequence(err: dict) -> bool:
    """A study range written relative to a base that could not be read (the base itself is in error)."""
    from .schema_base import PERCENT_RE

    inp = err.get("input")
    return isinstance(inp, str) and (PERCENT_RE.match(inp) is not None or inp.strip() == "base")


def validation_to_input_error(exc: ValidationError, origins: dict[str, str], default_source: str) -> InputError:
    """Every problem of a validation at once, each one line with its file, line:column and key."""
    cache: dict[str, dict] = {}

    def positions(src: str) -> dict:
        if src not in cache:
            cache[src] = key_positions(src)
        return cache[src]

    raw = exc.errors()
    own = [e for e in raw if not _is_consequence(e)]
    errors = [_one_error(err, origins, default_source, positions) for err in (own or raw)]
    errors.sort(key=lambda e: (e.source or "", e.where or (10**9, 0)))       # in the file's order
    return errors[0] if len(errors) == 1 else InputErrors(errors)


def validate_data(data: dict, origins: dict[str, str] | None = None, source: str = "<assumptions>") -> Assumptions:
    try:
        return Assumptions.model_validate(data)
    except ValidationError as exc:
        raise validation_to_input_error(exc, origins or {}, source) from None
    except RecursionError:
        raise InputError(t("assumptions nested too deeply", "假设嵌套过深"), source=source) from None


@dataclass(frozen=True)
class Loaded:
    """A validated scenario with where it came from, and the warnings it raised (never errors:
    values outside their plausible range, study paths that are not in this scenario)."""

    assumptions: Assumptions
    path: Path
    overrides: tuple[str, ...] = ()
    data: dict = field(default_factory=dict, repr=False)
    warnings: tuple[InputWarning, ...] = ()


def _missing_sections(data: dict, path: Path) -> list[InputError]:
    """The sections carrying the deal's money that the file neither gives nor declares absent."""
    return [InputError(t(f"section '{name}' is missing: give the community's figures, or write "
                         f"'{name}: absent' if the deal has no such stream",
                         f"缺少 '{name}' 部分: 请填入本社区的数值;若项目没有这项收支,写 '{name}: absent'"),
                       source=str(path), key=name)
            for name in ABSENT if name not in data]


def _path_in_data(data: dict, path: str) -> bool:
    """False when a study path points into a list item this scenario does not have (a third tier)."""
    node: Any = data
    for part in path.split("."):
        if isinstance(node, list):
            if not part.isdigit() or int(part) >= len(node):
                return False
            node = node[int(part)]
        elif isinstance(node, dict):
            if part not in node:
                return True            # a default of the schema (or an unknown key: the schema says which)
            node = node[part]
        else:
            return True
    return True


def _skip_missing_study_paths(data: dict, source: str) -> tuple[dict, list[InputWarning]]:
    """Drop tornado drivers and uncertain inputs whose path is not in this scenario, with a warning."""
    warnings: list[InputWarning] = []
    data = dict(data)
    dropped: set[str] = set()
    for sec, key in (("sensitivity", "drivers"), ("uncertainty", "inputs")):
        block = data.get(sec)
        if not isinstance(block, dict) or not isinstance(block.get(key), list):
            continue
        kept = []
        for i, item in enumerate(block[key]):
            p = item.get("path") if isinstance(item, dict) else None
            if isinstance(p, str) and not _path_in_data(data, p):
                dropped.add(p)
                warnings.append(InputWarning(t(f"'{p}' is not in this scenario: skipped", f"本情景中没有 '{p}': 已跳过"), source=source,
                                             key=f"{sec}.{key}.{i}.path"))
            else:
                kept.append(item)
        data[sec] = {**block, key: kept}
    unc = data.get("uncertainty")
    if dropped and isinstance(unc, dict) and isinstance(unc.get("correlations"), list):
        data["uncertainty"] = {**unc, "correlations": [
            c for c in unc["correlations"]
            if not (isinstance(c, dict) and isinstance(c.get("between"), list) and set(map(str, c["between"])) & dropped)]}
    return data, warnings


#: Where a scenario named without a path is looked for, in order: the working folder's
#: ``assumptions/``, then the scenarios shipped with finmodel.
def scenario_dirs() -> list[Path]:
    return [Path("assumptions"), packaged_dir()]


def available_scenarios() -> dict[str, Path]:
    """Scenario names that can be given without a path -> their file (first found wins)."""
    out: dict[str, Path] = {}
    for d in scenario_dirs():
        if d.is_dir():
            for f in sorted(d.glob("*.yaml")):
                if _SCENARIO_FILE.search(f.read_text(encoding="utf-8", errors="replace")):
                    out.setdefault(f.stem, f)
    return out


#: A scenario file (not a set file of `finmodel compare`): it has a top-level scenario: or extends:.
_SCENARIO_FILE = re.compile(r"^(scenario|extends):", re.M)


def peek_language(scenario) -> str:
    """The language a scenario file asks for (report.language), read without parsing it: 'en' when
    the file says ``language: en``, else 'zh' (the schema's default). For its error messages,
    which come before the file is parsed."""
    try:
        text = resolve_scenario_path(scenario).read_text(encoding="utf-8-sig", errors="replace")
    except (OSError, InputError):
        return "zh"
    return "en" if re.search(r"^\s+language:\s*['\"]?en\b", text, re.M) else "zh"


def resolve_scenario_path(scenario: str | Path | None) -> Path:
    """A file path as given, or a name (``j_community_loan``) looked up in :func:`scenario_dirs`."""
    if scenario is None or str(scenario) == "":
        return default_scenario_path()
    p = Path(scenario)
    if p.exists() or p.suffix in (".yaml", ".yml") or "/" in str(scenario) or "\\" in str(scenario):
        return p
    found = available_scenarios().get(str(scenario))
    if found is not None:
        return found
    names = sorted(available_scenarios())
    close = difflib.get_close_matches(str(scenario), names, n=1, cutoff=0.5)
    hint = f"did you mean '{close[0]}'? " if close else ""
    hint_zh = f"是否是 '{close[0]}'?" if close else ""
    raise InputError(t(f"no such file or scenario; {hint}scenarios: {', '.join(names)} (finmodel scenarios lists them)",
                       f"没有这个文件或情景;{hint_zh}可用情景: {', '.join(names)}(finmodel scenarios 可列出)"),
                     source=str(scenario))


@lru_cache(maxsize=1)
def _plausible() -> list[tuple[str, float, float, str, str]]:
    with open(packaged_dir() / "plausible.csv", encoding="utf-8", newline="") as f:
        return [(r["path"], float(r["low"]), float(r["high"]), r["en"], r["zh"]) for r in csv.DictReader(f)]


def _expand(a: Assumptions, pattern: str) -> list[str]:
    """The concrete paths of a pattern with ``*`` for list items in this scenario."""
    out = [""]
    for part in pattern.split("."):
        nxt = []
        for pre in out:
            if part == "*":
                node: Any = a
                for q in pre.split("."):
                    node = node[int(q)] if isinstance(node, list) else getattr(node, q)
                nxt += [f"{pre}.{i}" for i in range(len(node))]
            else:
                nxt.append(f"{pre}.{part}" if pre else part)
        out = nxt
    return out


def plausibility_warnings(a: Assumptions, origins: dict[str, str], source: str) -> list[InputWarning]:
    """Values inside their valid range but outside the plausible one (finmodel/data/plausible.csv)."""
    from .study_inputs import value_at

    out: list[InputWarning] = []
    positions: dict | None = None
    for pattern, lo, hi, en, zh in _plausible():
        for path in _expand(a, pattern):
            v = value_at(a, path)
            if v is None or lo <= v <= hi:
                continue
            src = origins.get(path, source)
            if isinstance(src, Argument):
                out.append(InputWarning(t(f"{v:g} is implausible: {en}", f"{v:g} 不太合理: {zh}"), param=str(src), key=path))
                continue
            if positions is None:
                positions = key_positions(src) if Path(str(src)).is_file() else {}
            out.append(InputWarning(t(f"{v:g} is implausible: {en}", f"{v:g} 不太合理: {zh}"), source=src, key=path,
                                    where=position_of(positions, path)))
    return out



def _replace_warning(a: Assumptions, source: str) -> list[InputWarning]:
    """One warning while values copied from J community by ``finmodel init`` are still there."""
    left = [k for k, v in a.sources.items() if v.startswith(REPLACE)]
    if not left:
        return []
    return [InputWarning(t(f"{len(left)} values are still J community's, copied by finmodel init (their source says "
                           f"'{REPLACE}'), e.g. {', '.join(left[:3])}: replace them with this community's figures",
                           f"仍有 {len(left)} 个数值是 finmodel init 复制的J社区数值(来源说明为 '{REPLACE}'),"
                           f"如 {', '.join(left[:3])}: 请替换为本社区的数值"), source=source)]


def load(scenario: str | Path | None = None, sets: typing.Sequence[str] = ()) -> Loaded:
    """Load, extend, override and validate one scenario file.

    Every problem of the file is reported at once (``InputErrors``), each with its line and
    column; the sections carrying the deal's money must be given or declared absent; study
    paths not in this scenario are skipped with a warning; implausible values warn.
    """
    path = resolve_scenario_path(scenario)
    data, origins, notes = load_raw(path)
    missing = _missing_sections(data, path)
    for item in sets:
        key, value = parse_set(item)
        data = apply_set(data, key, value)
        origins[key] = SETS_ORIGIN
    if notes:
        data = dict(data)
        data["sources"] = {**notes, **(data.get("sources") or {})}
    data, warnings = _skip_missing_study_paths(data, str(path))
    try:
        a = validate_data(data, origins, str(path))
    except InputError as exc:
        if not missing:
            raise
        raise InputErrors(missing + list(getattr(exc, "errors", [exc]))) from None
    if missing:
        raise missing[0] if len(missing) == 1 else InputErrors(missing)
    warnings += plausibility_warnings(a, origins, str(path))
    warnings += _replace_warning(a, str(path))
    return Loaded(assumptions=a, path=path, overrides=tuple(sets), data=data, warnings=tuple(warnings))


def with_values(a: Assumptions, values: dict[str, Any]) -> Assumptions:
    """A new validated Assumptions with scalar values set at dotted paths (Python API)."""
    data = a.model_dump(mode="python")
    for key, value in values.items():
        if isinstance(value, np.generic):
            value = value.item()
        data = apply_set(data, key, value)
    return validate_data(data, {k: "override" for k in values}, "override")
