"""The schema's base: the strict model every section derives from, the field helper ``F`` (range,
unit, description) and the readings every section shares (percentages as ``8%``, 是/否)."""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field, model_validator


#: A percentage as text: ``8%``, ``-2.5 %``, ``90％`` (a full-width sign too).
PERCENT_RE = re.compile(r"^\s*([+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)\s*[%％]\s*$")


def percent_value(v):
    """``'8%'`` -> 0.08; anything else unchanged (left to the field's own validation)."""
    if isinstance(v, str):
        m = PERCENT_RE.match(v)
        if m:
            return float(m.group(1)) / 100.0
    return v


#: Yes/no in Chinese, as a street office writes it (true/false stay as they are).
YES_NO = {"是": True, "否": False}


def is_fraction_field(info) -> bool:
    """A field whose unit (the ``[...]`` at the end of its description) is a fraction."""
    d = (info.description or "").rstrip()
    return d.endswith("[fraction]") or d.endswith("[fraction/year]")


class Strict(BaseModel):
    """Base of every section: unknown keys rejected, frozen, no NaN or infinity.

    A fraction (a field whose unit is ``[fraction]``) may be written as a percentage, ``8%``
    or ``90%`` (in the YAML and in ``--set``), as well as 0.08 or 0.90; a yes/no as 是/否.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False,
                              validate_default=True)

    @model_validator(mode="before")
    @classmethod
    def _percentages(cls, data):
        if not isinstance(data, dict):
            return data
        out = None
        for name, info in cls.model_fields.items():
            if name in data and info.annotation is bool and isinstance(data[name], str) and data[name] in YES_NO:
                out = out if out is not None else dict(data)
                out[name] = YES_NO[data[name]]
            elif name in data and is_fraction_field(info):
                v = data[name]
                new = [percent_value(x) for x in v] if isinstance(v, list) else percent_value(v)
                if new is not v and new != v:
                    out = out if out is not None else dict(data)
                    out[name] = new
        return data if out is None else out


def F(default, lo=None, hi=None, desc: str = "", **kw):
    """A numeric field with a range and a described unit."""
    return Field(default, ge=lo, le=hi, description=desc, **kw)


