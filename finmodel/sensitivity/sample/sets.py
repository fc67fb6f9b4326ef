"""Scenario sets: named variants from files or a scenario-set file, their differences, attribution rows."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ... import scenarios as sc
from ...yamlio import read_yaml_file
from ...assumptions import Assumptions
from ...engine import STRUCTURAL
from ...errors import InputError, UsageError
from ...i18n import t
from .inputs import rows_to_vary


@dataclass(frozen=True)
class Variant:
    """A named scenario of a comparison."""

    name: str
    title: str
    assumptions: Assumptions
    source: str


class _SetEntry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str = Field(..., min_length=1, max_length=80, description="Scenario name in the comparison.")
    title: str = Field("", max_length=200, description="Human title.")
    set: dict[str, Any] = Field(default_factory=dict, description="Overrides: dotted path -> value.")


class ScenarioSetFile(BaseModel):
    """A scenario-set file: a base scenario and named sets of overrides applied to it."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    base: str | None = Field(None, description="Base scenario file (relative to this file) or packaged name.")
    reference: str | None = Field(None, description="Name of the scenario the others are attributed against (default: the first).")
    scenarios: list[_SetEntry] = Field(..., min_length=1, max_length=100, description="The named scenarios, in order.")


def _unique_names(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for n in names:
        seen[n] = seen.get(n, 0) + 1
        out.append(n if seen[n] == 1 else f"{n}#{seen[n]}")
    return out


def variants_from_files(paths: Sequence[str], sets: Sequence[str] = ()) -> list[Variant]:
    """Each scenario file (with the same overrides ``sets``), named by its ``scenario.name``."""
    if len(paths) < 2:
        raise UsageError(t("compare needs at least two scenario files, or a scenario-set file",
                           "compare 需要至少两个情景文件,或一个情景集文件"), param="paths")
    loaded = [sc.load(p, sets) for p in paths]
    names = _unique_names([ld.assumptions.scenario.name for ld in loaded])
    return [Variant(n, ld.assumptions.scenario.title, ld.assumptions, str(ld.path)) for n, ld in zip(names, loaded)]


def variants_from_set_file(path: str | Path, sets: Sequence[str] = (), base: str | None = None
                           ) -> tuple[list[Variant], str]:
    """The scenarios of a scenario-set file and the name of its reference.

    Each scenario is the base (the file's ``base``, or ``base`` given here, or the packaged J case)
    with the overrides ``sets`` and then its own ``set`` overrides applied.
    """
    path = Path(path)
    raw = read_yaml_file(path)
    try:
        spec = ScenarioSetFile.model_validate(raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        key = ".".join(str(p) for p in err.get("loc", ()))
        msg = err.get("msg", "invalid")
        if err.get("type") == "extra_forbidden":
            msg = t(f"unknown key '{key.split('.')[-1]}' (expected base, reference, scenarios)",
                    f"未知的键 '{key.split('.')[-1]}'(应为 base、reference、scenarios)")
        raise InputError(msg, source=str(path), key=key or None) from None
    names = [e.name for e in spec.scenarios]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise InputError(t(f"scenario name '{dup[0]}' is used twice", f"情景名 '{dup[0]}' 用了两次"), source=str(path),
                         key="scenarios")
    ref = spec.reference or names[0]
    if ref not in names:
        raise InputError(t(f"reference '{ref}' is not one of the scenarios ({', '.join(names)})",
                           f"参照情景 '{ref}' 不在情景之中({', '.join(names)})"), source=str(path), key="reference")
    base_name = base or spec.base
    if base_name is None:
        base_path = sc.default_scenario_path()
    elif base is None and not Path(base_name).is_absolute() and (path.parent / base_name).exists():
        base_path = path.parent / base_name
    else:
        base_path = sc.resolve_scenario_path(base_name)
    data, origins, notes = sc.load_raw(base_path)
    for item in sets:
        k, v = sc.parse_set(item)
        data = sc.apply_set(data, k, v)
        origins[k] = "--set"
    out = []
    for i, e in enumerate(spec.scenarios):
        d = data
        for k, v in e.set.items():
            try:
                d = sc.apply_set(d, str(k), v)
            except InputError as exc:
                raise InputError(exc.message, source=str(path), key=f"scenarios.{i}.set.{k}") from None
        d = copy.deepcopy(d)
        if notes:
            d["sources"] = {**notes, **(d.get("sources") or {})}
        try:
            a = sc.validate_data(d, {**origins, **{str(k): str(path) for k in e.set}}, str(base_path))
        except InputError as exc:
            raise InputError(t(f"scenario '{e.name}': {exc.message}", f"情景 '{e.name}': {exc.message}"),
                             source=exc.source, key=exc.key) from None
        out.append(Variant(e.name, e.title, a, f"{path}#{e.name}"))
    return out, ref


# --------------------------------------------------------------------------- differences and attribution
IGNORED = ("scenario.name", "scenario.title", "scenario.description", "sources", "report", "mix.reference",
           "sensitivity", "uncertainty", "corridor")


@dataclass(frozen=True)
class Diff:
    """An assumption that differs between two scenarios; ``numeric`` when it can vary in one batch."""

    path: str
    a: Any
    b: Any
    numeric: bool


def _is_num(x) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def differences(a: Assumptions, b: Assumptions) -> list[Diff]:
    """The assumptions that differ from ``a`` to ``b`` (names, titles, notes and study sections ignored).

    A list whose length differs is one difference (the whole list); a numeric value that shapes the
    time axis (``STRUCTURAL``) or any non-numeric value is not ``numeric``.
    """
    out: list[Diff] = []

    def walk(x, y, path: str):
        if path in IGNORED:
            return
        if isinstance(x, dict) and isinstance(y, dict):
            for k in list(x) + [k for k in y if k not in x]:
                p = f"{path}.{k}" if path else str(k)
                if k in x and k in y:
                    walk(x[k], y[k], p)
                elif p not in IGNORED:
                    out.append(Diff(p, x.get(k), y.get(k), False))
        elif isinstance(x, list) and isinstance(y, list) and len(x) == len(y):
            for i, (u, v) in enumerate(zip(x, y)):
                walk(u, v, f"{path}.{i}")
        elif _is_num(x) and _is_num(y):
            if x != y:
                out.append(Diff(path, x, y, not STRUCTURAL.match(path)))
        elif x != y:
            out.append(Diff(path, x, y, False))

    walk(a.model_dump(mode="python"), b.model_dump(mode="python"), "")
    return out


@dataclass(frozen=True)
class AttributionDesign:
    """One-at-a-time rows from ``a`` towards ``b``.

    Row 0 is ``a``; row 1 + i is ``a`` with numeric difference i taken from ``b``. Each non-numeric
    difference needs its own scenario (``structural``: (diff, assumptions or the error it raises)).
    """

    numeric: list[Diff]
    structural: list[tuple[Diff, Assumptions | str]]
    vary: dict[str, np.ndarray]


def attribution(a: Assumptions, b: Assumptions) -> AttributionDesign:
    diffs = differences(a, b)
    num = [d for d in diffs if d.numeric]
    rows: list[dict[str, float]] = [{}] + [{d.path: float(d.b)} for d in num]
    structural: list[tuple[Diff, Assumptions | str]] = []
    for d in diffs:
        if d.numeric:
            continue
        try:
            structural.append((d, sc.with_values(a, {d.path: copy.deepcopy(d.b)})))
        except InputError as exc:
            structural.append((d, exc.message))
    return AttributionDesign(num, structural, rows_to_vary(a, rows))
