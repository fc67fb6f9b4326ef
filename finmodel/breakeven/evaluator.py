"""Scoring candidate values of many break-even problems in as few engine calls as possible."""

from __future__ import annotations

from typing import Any, Iterable, Sequence

import numpy as np

from .. import government
from .. import paths as dotted
from ..assumptions import Assumptions
from ..errors import InputError
from ..scenarios import validate_data
from .drivers import Driver, _base_number


class _Evaluator:
    """Scores candidate values of many problems with as few engine calls as possible.

    ``run(items)`` takes (driver, x array, fixed overrides) per problem and returns the metric
    arrays of each. All non-structural items go into one :func:`engine.evaluate` call: every path
    any item moves gets an array over all candidates, holding the base value outside the item's
    block. Structural items (the time axis changes) are scored one candidate per call.
    """

    def __init__(self, a: Assumptions, metrics: Iterable[str]):
        self.a = a
        self.metrics = tuple(dict.fromkeys(metrics))
        self.data = a.model_dump()
        self.calls = 0
        self.scenarios = 0
        self.invalid: dict[tuple[str, float], str] = {}    # (driver spec, x) -> why the scenario is not valid

    def _base(self, path: str) -> float:
        return _base_number(dotted.get(self.data, path), path)

    def run(self, items: Sequence[tuple[Driver, np.ndarray, dict[str, float]]]) -> list[dict[str, np.ndarray]]:
        out: list[dict[str, np.ndarray] | None] = [None] * len(items)
        flat = [i for i, it in enumerate(items) if not it[0].structural and it[1].size]
        if flat:
            sizes = [items[i][1].size for i in flat]
            S = int(sum(sizes))
            paths: dict[str, None] = {}
            for i in flat:
                paths.update(dict.fromkeys(items[i][0].paths))
                paths.update(dict.fromkeys(items[i][2]))
            vary = {p: np.full(S, self._base(p)) for p in paths}
            off = 0
            blocks = []
            for i, n in zip(flat, sizes):
                d, xs, fixed = items[i]
                for p, v in fixed.items():
                    vary[p][off:off + n] = v
                for p, v in d.leaves(xs.reshape(-1)).items():
                    vary[p][off:off + n] = v
                blocks.append((i, off, n))
                off += n
            res = government.evaluate(self.a, vary, metrics=self.metrics)
            self.calls += 1
            self.scenarios += S
            for i, o, n in blocks:
                out[i] = {k: res[k][o:o + n].reshape(items[i][1].shape) for k in self.metrics}
        for i, (d, xs, fixed) in enumerate(items):
            if out[i] is not None:
                continue
            flat_x = xs.reshape(-1)
            cols = {k: np.full(flat_x.size, np.nan) for k in self.metrics}
            for j, x in enumerate(flat_x):
                a2 = self._structural(d, float(x))
                if a2 is None:
                    continue
                res = government.evaluate(a2, {p: v for p, v in fixed.items()} or None, metrics=self.metrics)
                self.calls += 1
                self.scenarios += 1
                for k in self.metrics:
                    cols[k][j] = res[k][0]
            out[i] = {k: v.reshape(xs.shape) for k, v in cols.items()}
        return out  # type: ignore[return-value]

    def _structural(self, d: Driver, x: float) -> Assumptions | None:
        """The scenario with a time-axis input set to x, validated again (None if it is not valid).

        Copies only the dicts on the changed paths (``with_values`` deep-copies the whole scenario,
        which costs more than the projection). A shorter concession pulls the calibration year in.
        """
        values: dict[str, Any] = {p: (int(round(float(v))) if d.kind == "whole" else float(v))
                                  for p, v in ((p, np.asarray(v).item()) for p, v in d.leaves(np.asarray(x)).items())}
        if "scenario.concession_years" in values:
            n = values["scenario.concession_years"]
            values["scenario.calibration_year"] = min(self.a.scenario.calibration_year, n)
        data = self.data
        for path, v in values.items():
            data = dotted.replaced(data, path, v)
        try:
            return validate_data(data, {k: "breakeven" for k in values}, "breakeven")
        except InputError as exc:
            self.invalid.setdefault((d.spec, x), exc.message)
            return None

