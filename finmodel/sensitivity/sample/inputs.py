"""Assumption paths and values shared by every design: checks, base values, ``vary`` rows."""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np
from pydantic import BaseModel

from ... import paths as dotted
from ... import scenarios as sc
from ...assumptions import Assumptions, numeric_path_problem
from ...engine import STRUCTURAL
from ...errors import UsageError
from ...i18n import t
from ... import registry

DEFAULT_SEED = 0


def check_metric(name: str, param: str = "metric") -> str:
    """A metric name of ``finmodel run --json``, or a one-line error listing them (naming ``param``)."""
    known = registry.metric_names()
    if name not in known:
        hint = registry.suggest(name, known)
        raise UsageError(t(f"unknown metric '{name}'{hint}", f"未知指标 '{name}'{hint}"), param=param)
    return name


def check_path(a: Assumptions, path: str, param: str | None = "drivers", *, source: str | None = None) -> str:
    """``path`` is a numeric assumption present in ``a`` that may vary across scenarios.

    An error names the argument ``param`` that carried the path, or ``source`` where it came from a
    scenario's own section (``sensitivity.drivers``, ``uncertainty.inputs.3.path``).
    """
    where = {"source": source} if source else {"param": param}
    why = numeric_path_problem(a, path)
    if why:
        parts = path.split(".")
        try:
            sc.schema_node(parts)
        except KeyError as exc:
            why += sc.did_you_mean(parts[: exc.args[0] + 1])
        raise UsageError(why, key=path, **where)
    if STRUCTURAL.match(path):
        raise UsageError(t("shapes the time axis or the tax tables; it cannot vary across scenarios in one run",
                           "它决定时间轴或税率表,不能在一次运行的各情景间变动"), key=path, **where)
    return path


def value_at(a: BaseModel, path: str) -> float:
    """The scenario's value at a dotted path (checked with :func:`check_path`)."""
    return float(dotted.get(a, path))


def is_integer(path: str) -> bool:
    """The assumption is typed ``int`` in the schema (years, counts): values are rounded."""
    try:
        return sc.schema_node(path.split(".")) is int
    except KeyError:
        return False


def _clip(path: str, x: float) -> tuple[float, bool]:
    lo, hi = sc.field_bounds(path)
    y = min(max(x, lo), hi)
    if is_integer(path):
        y = float(min(max(round(y), math.ceil(lo)), math.floor(hi)))
    return y, y != x


def rows_to_vary(a: Assumptions, rows: Sequence[dict[str, float]]) -> dict[str, np.ndarray]:
    """The engine's ``vary`` for rows that each change a few paths; other paths keep the base value."""
    paths: list[str] = []
    for r in rows:
        paths.extend(p for p in r if p not in paths)
    vary = {}
    for p in paths:
        arr = np.full(len(rows), value_at(a, p))
        for i, r in enumerate(rows):
            if p in r:
                arr[i] = r[p]
        vary[p] = arr
    return vary
