"""The model: every line item of finmodel defined once, as a named row.

The rows follow the workbook's sheets: :mod:`.time` (the year axis, flags, tax rates by year),
:mod:`.operations` (revenue, support, operating costs), :mod:`.capital` (capex, amortisation,
the maintenance reserve, the loan), :mod:`.tax` (VAT, profit, income tax), :mod:`.statements`
(working capital, cash flows, the funding and distributions, the standard tables),
:mod:`.indicators` (the metrics), :mod:`.verdict` (the tests of the four tiers),
:mod:`.government` (the public side) and :mod:`.checks`. The engine (:mod:`finmodel.engine`) evaluates them over arrays of
scenarios, the workbook (:mod:`finmodel.report`) writes their formulas, the docs list them.

To add a line item: one ``m.row(...)`` in the module where it belongs, with its key, unit,
labels and expression, and a hand-derived test. Nothing else needs an edit.
"""

from __future__ import annotations

import json
import weakref

from .core import STRUCTURAL, Model, Row, is_folded

__all__ = ["build", "Model", "Row", "STRUCTURAL", "structure_key", "BUILDERS"]


def _builders():
    from . import capital, checks, government, indicators, operations, statements, tax, time, verdict

    return [time.build, operations.build, capital.build, tax.build, statements.build, capital.finish_loan,
            statements.funding, indicators.build, verdict.build, statements.tables, government.build, checks.build]


#: Extra row builders, called after the standard ones (a plug-in point for studies and tests).
BUILDERS: list = []


def _walk(node, path=""):
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _walk(v, f"{path}.{k}" if path else k)
    elif isinstance(node, list):
        yield f"#{path}", len(node)
        for i, v in enumerate(node):
            yield from _walk(v, f"{path}.{i}")
    else:
        yield path, node


def structure_key(a) -> str:
    """What shapes the model of a scenario: list lengths, texts, choices and structural numbers.

    Two scenarios with the same key have the same rows; they differ only in the numbers that
    flow through them.
    """
    parts = [(p, v) for p, v in _walk(a.model_dump(mode="json")) if p.startswith("#") or is_folded(p, v)]
    return json.dumps(parts, ensure_ascii=False, default=str)


def _builders_key() -> str:
    return "|".join(f"{b.__module__}.{b.__qualname__}" for b in BUILDERS)


_CACHE: dict[str, Model] = {}
_KEYS: dict[int, tuple] = {}          # id(assumptions) -> (weak reference, structure key)


def _key_of(a) -> str:
    hit = _KEYS.get(id(a))
    if hit is not None and hit[0]() is a:
        return hit[1]
    key = structure_key(a)
    if len(_KEYS) > 256:
        _KEYS.clear()
    _KEYS[id(a)] = (weakref.ref(a), key)
    return key


def _build(a) -> Model:
    m = Model(a)
    for b in _builders() + list(BUILDERS):
        b(m)
    return m


def build(a, *, cache: bool = True) -> Model:
    """The rows of scenario ``a``; with ``cache``, shared by every scenario of the same structure.

    A model holds the values of the scenario it was built from only for its choices and
    structural numbers (the same for every scenario of the structure): the engine passes the
    other numbers at run time, the workbook writes the Inputs sheet from the scenario itself.
    """
    if not cache:
        return _build(a)
    key = _key_of(a) + _builders_key()
    m = _CACHE.get(key)
    if m is None:
        if len(_CACHE) >= 64:
            _CACHE.pop(next(iter(_CACHE)))
        m = _CACHE[key] = _build(a)
        if not BUILDERS:                  # (a plug-in's rows are not in the hash of the sources)
            m.structure = key             # names the kernels kept on disk (finmodel.model.compile)
    return m
