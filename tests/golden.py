"""Reference outputs of the model at a fixed commit, and the comparison with today's code.

``finmodel run --json --no-report`` of the packaged scenarios and of 20 seeded ``--set``
variants, plus every line item of their projections, were written by
``python tests/golden.py write`` at commit ``afbd964`` (the engine written by hand, before the
model became one list of named rows). ``tests/test_golden.py`` recomputes them with today's
code and asks for agreement to 1e-9 relative (1e-6 CNY absolute for amounts that are zero up
to rounding), so that a refactoring cannot change a number unnoticed. An issue that changes
numbers on purpose writes the files again and says so in its commit.

Written again, on purpose, by issue 11 ("decisions a reviewer can trust"): the IRR is the
investment root (docs/model.md section 5), the tax rules by calendar year (20 % for a small low-profit
enterprise after 2027, pre-operating cost deducted when operation starts, the own-services rule
dated), the corridor's conditions as NPV tests, the four verdict tiers, the funding rows and the
standard tables. The numbers of afbd964 checked the one-definition step (issue 10) before that.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data" / "golden"

#: (name, scenario file, --set overrides) for the packaged scenarios.
PACKAGED = [
    ("j_community", "assumptions/j_community.yaml", []),
    ("j_community_loan", "assumptions/j_community_loan.yaml", []),
    ("pessimistic", "assumptions/j_community.yaml",
     ["space.tiers.2.rent_cny_per_m2_day=6.0", "space.tiers.2.occupancy.target=0.80",
      "property_service.collection.target=0.80", "macro.wage_inflation=0.06", "capex.renovation_cny=33000000",
      "parking.fee_cny_per_space_month=170"]),
]

#: Continuous inputs and their ranges for the random variants (plausible, not the schema's limits).
RANGES = [
    ("support.subsidy_annual_cny", 0.0, 4e6), ("support.subsidy_last_year", 1, 10),
    ("space.tiers.2.rent_cny_per_m2_day", 3.0, 12.0), ("space.tiers.1.occupancy.target", 0.5, 1.0),
    ("property_service.collection.target", 0.5, 0.95), ("property_service.fee_steps.0.fee_cny_per_m2_month", 0.3, 0.8),
    ("parking.fee_cny_per_space_month", 80.0, 250.0), ("macro.wage_inflation", 0.0, 0.08),
    ("capex.renovation_cny", 1e7, 4e7), ("capex.handback_cost_cny", 0.0, 5e6),
    ("capex.periodic_refit_every_years", 0, 8), ("property_service.expanded_area_m2", 0.0, 150000.0),
    ("other.own_services_cny_per_year", 0.0, 2e6), ("support.capital_grant_cny", 0.0, 5e6),
]
#: Discrete switches the variants draw from.
SWITCHES = [
    ("tax.taxpayer_status", ["general", "small_scale", "auto"]),
    ("support.subsidy_vat", ["none", "purchased_service"]),
    ("support.subsidy_taxable", ["true", "false"]),
    ("support.capital_grant_taxable", ["true", "false"]),
    ("tax.small_enterprise_relief", ["true", "false"]),
    ("parking.mode", ["drivers", "share"]),
    ("financing.loan.amount_cny", ["0", "8000000"]),
    ("financing.loan.repayment", ["annuity", "equal_principal"]),
]


def variants(n: int = 20, seed: int = 20261204) -> list[tuple[str, str, list[str]]]:
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        sets = []
        for path, lo, hi in RANGES:
            if rng.random() < 0.5:
                x = rng.uniform(lo, hi)
                sets.append(f"{path}={int(round(x)) if isinstance(lo, int) else round(float(x), 6)}")
        for path, choices in SWITCHES:
            if rng.random() < 0.4:
                sets.append(f"{path}={choices[int(rng.integers(len(choices)))]}")
        if any(s.startswith("financing.loan.amount_cny=8") for s in sets):
            sets += ["financing.loan.rate=0.045", "financing.loan.tenor_years=12", "financing.loan.grace_years=1"]
        if any(s.startswith("support.capital_grant_cny") for s in sets):
            sets.append("support.capital_grant_year=1")
        out.append((f"variant_{i:02d}", "assumptions/j_community.yaml", sets))
    return out


def cases():
    return PACKAGED + variants()


def snapshot(scenario: str, sets: list[str]) -> dict:
    """``run --json --no-report`` of a scenario, and every line item of its projection (scenario 0)."""
    from click.testing import CliRunner

    from finmodel.cli import main
    from finmodel.engine import project
    from finmodel.scenarios import load

    args = ["run", str(ROOT / scenario), "--json", "--no-report"]
    for s in sets:
        args += ["--set", s]
    res = CliRunner().invoke(main, args)
    if res.exit_code != 0:
        raise RuntimeError(f"{scenario} {sets}: exit {res.exit_code}: {res.output}")
    run = json.loads(res.output)
    pj = project(load(ROOT / scenario, sets).assumptions)
    items = {k: [float(x) for x in np.asarray(v)[0]] for k, v in pj.items.items()}
    return {"scenario": scenario, "sets": sets, "run": run, "items": items}


def write() -> None:
    DATA.mkdir(parents=True, exist_ok=True)
    for name, scenario, sets in cases():
        (DATA / f"{name}.json").write_text(json.dumps(snapshot(scenario, sets), sort_keys=True) + "\n")
        print(name, len(sets))


if __name__ == "__main__":
    if sys.argv[1:] == ["write"]:
        write()
