"""Loading scenarios: safe YAML 1.2, ``extends``, inline source notes, ``--set`` overrides.

Every failure becomes an ``InputError`` whose single line names the file (or ``--set``) and
the dotted YAML key. Nothing here prints or exits.

YAML is read with ruamel.yaml's safe, pure-Python loader (YAML 1.2: ``3e7`` is a number,
``no`` is the string "no", a duplicate key is an error, ``!!python/...`` tags are refused).
"""

from __future__ import annotations

import copy
import difflib
import math
import typing
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel, ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from .assumptions import Assumptions
from .errors import InputError

MAX_FILE_BYTES = 2_000_000
MAX_ALIASES = 100
MAX_EXTENDS_DEPTH = 20
SOURCE_KEYS = {"value", "source"}

DEFAULT_SCENARIO = "j_community"


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


# --------------------------------------------------------------------------- YAML
def _yaml() -> YAML:
    y = YAML(typ="safe", pure=True)
    y.allow_duplicate_keys = False
    return y


def _first_line(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    problem = getattr(exc, "problem", None)
    mark = getattr(exc, "problem_mark", None)
    if problem:
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark is not None else ""
        return f"{problem}{where}"
    return text[0] if text else type(exc).__name__


class _TooManyAliases(Exception):
    pass


_PARSED: dict[str, Any] = {}


def parse_yaml_text(text: str, source: str | None, *, param: str | None = None) -> Any:
    """Parse YAML text safely; refuse alias bombs and unknown tags with one line.

    ``source`` is the file the text came from; ``param`` the library argument that carried it instead.
    A text parsed before in this process is not parsed again (a copy of the result is returned):
    a command that reads the scenario and the default case reads the same file twice.
    """
    hit = _PARSED.get(text)
    if hit is not None:
        return copy.deepcopy(hit)
    data = _parse(text, source, param)
    if len(_PARSED) >= 8:
        _PARSED.pop(next(iter(_PARSED)))
    _PARSED[text] = copy.deepcopy(data)
    return data


def _parse(text: str, source: str | None, param: str | None) -> Any:
    y = _yaml()
    count = [0]

    class Counting(y.Composer):
        """Counts the aliases as the document is composed (one pass over the text: it was parsed twice)."""

        def return_alias(self, node):
            count[0] += 1
            if count[0] > MAX_ALIASES:
                raise _TooManyAliases()
            return node

    y.Composer = Counting
    try:
        node = y.compose(text)
    except _TooManyAliases:
        raise InputError(f"too many YAML aliases (more than {MAX_ALIASES}); refusing a possible alias bomb",
                         source=source, param=param) from None
    except YAMLError as exc:
        raise InputError(f"YAML syntax error: {_first_line(exc)}", source=source, param=param) from None
    except RecursionError:
        raise InputError("YAML nesting too deep", source=source, param=param) from None
    try:
        return None if node is None else y.constructor.construct_document(node)
    except YAMLError as exc:
        name = type(exc).__name__
        if "Duplicate" in name:
            key = getattr(exc, "problem", "") or ""
            return_msg = f"duplicate key: {key}" if key else "duplicate key"
            raise InputError(return_msg, source=source, param=param) from None
        if "Constructor" in name:
            raise InputError(f"tag not allowed: {_first_line(exc)}", source=source, param=param) from None
        raise InputError(f"YAML syntax error: {_first_line(exc)}", source=source, param=param) from None
    except RecursionError:
        raise InputError("YAML nesting too deep", source=source, param=param) from None


def read_yaml_file(path: Path) -> dict:
    source = str(path)
    if not path.exists():
        raise InputError("file not found", source=source)
    if path.is_dir():
        raise InputError("is a directory, not a YAML file", source=source)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", source=source) from None
    if len(raw) > MAX_FILE_BYTES:
        raise InputError(f"file too large ({len(raw)} bytes > {MAX_FILE_BYTES})", source=source)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text (byte {exc.start})", source=source) from None
    if not text.strip():
        raise InputError("empty file: expected a YAML mapping of assumptions", source=source)
    data = parse_yaml_text(text, source)
    if data is None:
        raise InputError("empty document: expected a YAML mapping of assumptions", source=source)
    if not isinstance(data, dict):
        raise InputError(f"expected a YAML mapping at the top, got {type(data).__name__}", source=source)
    return data


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
    model = _model_at(parts[:-1])
    if model is None:
        return ""
    close = difflib.get_close_matches(parts[-1], list(model.model_fields), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


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
    raise InputError(f"extends target not found: {name}", source=source, key="extends")


def load_raw(path: Path, _chain: tuple[Path, ...] = ()) -> tuple[dict, dict[str, str], dict[str, str]]:
    """Read a scenario file with its ``extends`` chain.

    Returns (merged data without ``extends``, origin file of each dotted key, source notes).
    """
    path = Path(path)
    real = path.resolve()
    if real in _chain:
        cycle = " -> ".join(p.name for p in (*_chain, real))
        raise InputError(f"extends cycle: {cycle}", source=str(path), key="extends")
    if len(_chain) >= MAX_EXTENDS_DEPTH:
        raise InputError("extends chain too deep", source=str(path), key="extends")
    data = read_yaml_file(path)
    notes: dict[str, str] = {}
    data = _strip_sources(data, [], notes, [200_000], str(path))
    parent = data.pop("extends", None)
    origins: dict[str, str] = {}
    if parent is not None:
        if not isinstance(parent, str) or not parent.strip():
            raise InputError("extends must be a file name", source=str(path), key="extends")
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
        raise InputError(f"expected dotted.path=value, got '{item}'", param="sets")
    key, _, text = item.partition("=")
    key = key.strip()
    if not key:
        raise InputError(f"empty path in '{item}'", param="sets")
    text = text.strip()
    if text == "":
        raise InputError("empty value", param="sets", key=key)
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
        raise InputError(f"no such assumption '{parts[pos]}'{hint}", param="sets", key=key) from None
    out = copy.deepcopy(data)
    node: Any = out
    for i, part in enumerate(parts[:-1]):
        if isinstance(node, list):
            idx = int(part)
            if not -len(node) <= idx < len(node):
                raise InputError(f"index {idx} out of range (the list has {len(node)} items)",
                                 param="sets", key=".".join(parts[: i + 1]))
            node = node[idx]
        else:
            if part not in node or node[part] is None:
                nxt = schema_node(parts[: i + 1])
                if typing.get_origin(nxt) is list:
                    raise InputError("list is empty in this scenario; set the whole list instead",
                                     param="sets", key=".".join(parts[: i + 1]))
                node[part] = {}
            node = node[part]
    last = parts[-1]
    if isinstance(node, list):
        idx = int(last)
        if not -len(node) <= idx < len(node):
            raise InputError(f"index {idx} out of range (the list has {len(node)} items)", param="sets", key=key)
        node[idx] = value
    elif isinstance(node, dict):
        node[last] = value
    else:
        raise InputError("cannot set inside a value that is not a mapping", param="sets", key=key)
    return out


# --------------------------------------------------------------------------- validation
def _loc_key(loc: tuple) -> str:
    return ".".join(str(p) for p in loc if not (isinstance(p, str) and p.startswith("function-")))


def _format_error(err: dict) -> tuple[str, str]:
    loc = tuple(err.get("loc", ()))
    key = _loc_key(loc)
    etype = err.get("type", "")
    msg = err.get("msg", "invalid value")
    if etype == "extra_forbidden":
        parts = key.split(".")
        return key, f"unknown key '{parts[-1]}'{did_you_mean(parts)}"
    if etype == "missing":
        return key, "required key is missing"
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, "):]
    inp = err.get("input")
    if etype not in ("model_type",) and not isinstance(inp, (dict, list)):
        msg = f"{msg} (got {inp!r})"
    return key, msg


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


def validation_to_input_error(exc: ValidationError, origins: dict[str, str], default_source: str) -> InputError:
    errors = exc.errors()
    key, msg = _format_error(errors[0])
    # find the file that set this key (or its nearest ancestor)
    src = default_source
    parts = key.split(".") if key else []
    for n in range(len(parts), 0, -1):
        cand = ".".join(parts[:n])
        if cand in origins:
            src = origins[cand]
            break
    more = f" (+{len(errors) - 1} more)" if len(errors) > 1 else ""
    # a cross-field check (reported on the section) failed because of an override inside it
    inside = [k for k, o in origins.items() if _is_set(o) and (not key or k.startswith(key + "."))]
    if inside and not _is_set(src):
        src = origins[inside[0]]
        origin = {"param": str(src)} if isinstance(src, Argument) else {"source": src}
        return OverrideConflict(msg, inside, more=more, key=key or None, **origin)
    if isinstance(src, Argument):
        return InputError(msg + more, param=str(src), key=key or None)
    return InputError(msg + more, source=src, key=key or None)


def validate_data(data: dict, origins: dict[str, str] | None = None, source: str = "<assumptions>") -> Assumptions:
    try:
        return Assumptions.model_validate(data)
    except ValidationError as exc:
        raise validation_to_input_error(exc, origins or {}, source) from None
    except RecursionError:
        raise InputError("assumptions nested too deeply", source=source) from None


@dataclass(frozen=True)
class Loaded:
    """A validated scenario with where it came from."""

    assumptions: Assumptions
    path: Path
    overrides: tuple[str, ...] = ()
    data: dict = field(default_factory=dict, repr=False)


def resolve_scenario_path(scenario: str | Path | None) -> Path:
    if scenario is None or str(scenario) == "":
        return default_scenario_path()
    p = Path(scenario)
    if p.exists() or p.suffix in (".yaml", ".yml") or "/" in str(scenario):
        return p
    packaged = packaged_dir() / f"{scenario}.yaml"
    if packaged.exists():
        return packaged
    return p


def load(scenario: str | Path | None = None, sets: typing.Sequence[str] = ()) -> Loaded:
    """Load, extend, override and validate one scenario file."""
    path = resolve_scenario_path(scenario)
    data, origins, notes = load_raw(path)
    for item in sets:
        key, value = parse_set(item)
        data = apply_set(data, key, value)
        origins[key] = SETS_ORIGIN
    if notes:
        data = dict(data)
        data["sources"] = {**notes, **(data.get("sources") or {})}
    a = validate_data(data, origins, str(path))
    return Loaded(assumptions=a, path=path, overrides=tuple(sets), data=data)


def with_values(a: Assumptions, values: dict[str, Any]) -> Assumptions:
    """A new validated Assumptions with scalar values set at dotted paths (Python API)."""
    data = a.model_dump(mode="python")
    for key, value in values.items():
        if isinstance(value, np.generic):
            value = value.item()
        data = apply_set(data, key, value)
    return validate_data(data, {k: "override" for k in values}, "override")
