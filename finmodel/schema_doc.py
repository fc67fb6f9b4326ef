"""The YAML reference as Markdown, generated from the schema (``finmodel schema --markdown``)."""

from __future__ import annotations

import typing

from pydantic import BaseModel

from .assumptions import Assumptions
from .scenarios import _unwrap, field_bounds


def _type_name(tp) -> str:
    tp = _unwrap(tp)
    origin = typing.get_origin(tp)
    if origin is list:
        inner = _unwrap(typing.get_args(tp)[0])
        return f"list of {inner.__name__}" if isinstance(inner, type) else "list"
    if origin is dict:
        return "mapping"
    if origin is typing.Literal:
        return " \\| ".join(f"`{a}`" for a in typing.get_args(tp))
    return getattr(tp, "__name__", str(tp))


def _rows(model: type[BaseModel], prefix: str, out: list[str]) -> None:
    for name, info in model.model_fields.items():
        path = f"{prefix}{name}"
        tp = _unwrap(info.annotation)
        origin = typing.get_origin(tp)
        desc = (info.description or "").replace("|", "\\|")
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            out.append(f"| `{path}` | section | | {desc} |")
            _rows(tp, path + ".", out)
            continue
        if origin is list:
            inner = _unwrap(typing.get_args(tp)[0])
            out.append(f"| `{path}` | {_type_name(tp)} | | {desc} |")
            if isinstance(inner, type) and issubclass(inner, BaseModel):
                _rows(inner, path + ".N.", out)
            continue
        lo, hi = field_bounds(path.replace(".N.", ".0."))
        rng = ""
        if lo > float("-inf") or hi < float("inf"):
            rng = f"{lo:g} .. {hi:g}"
        default = info.get_default(call_default_factory=False) if not info.is_required() else "required"
        out.append(f"| `{path}` | {_type_name(tp)} | {rng} | {desc} (default: `{default}`) |")


def markdown() -> str:
    out = ["| key | type | range | meaning [unit] |", "|---|---|---|---|"]
    _rows(Assumptions, "", out)
    return "\n".join(out) + "\n"
