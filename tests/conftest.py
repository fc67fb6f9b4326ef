"""Shared helpers: small hand-checkable scenarios built from a zero case."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from finmodel.scenarios import validate_data

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def english_terminal():
    """The tests read the terminal in English (FINMODEL_LANG=en, as the README's examples do); a zh
    scenario prints Chinese by default, which tests/test_i18n.py checks with FINMODEL_LANG unset.

    Its own MonkeyPatch, not the test's: a test that calls ``monkeypatch.undo()`` half-way keeps
    the English terminal."""
    mp = pytest.MonkeyPatch()
    mp.setenv("FINMODEL_LANG", "en")
    from finmodel import i18n
    tokens = i18n._EXPLICIT.set(None), i18n._LANG.set(None)
    yield
    i18n._EXPLICIT.reset(tokens[0])
    i18n._LANG.reset(tokens[1])
    mp.undo()
BASE_YAML = ROOT / "assumptions" / "j_community.yaml"

# A Monte Carlo spread over the inputs that move the whole projection: the same ranges as RANGES
# in benchmarks/bench_engine.py, kept here too because tests do not import benchmarks.
ENGINE_RANGES = {
    "support.subsidy_annual_cny": (0.0, 3e6),
    "space.tiers.2.rent_cny_per_m2_day": (4.0, 12.0),
    "space.tiers.1.occupancy.target": (0.6, 1.0),
    "property_service.collection.target": (0.6, 0.95),
    "property_service.fee_steps.0.fee_cny_per_m2_month": (0.3, 0.8),
    "parking.fee_cny_per_space_month": (80.0, 250.0),
    "macro.wage_inflation": (0.02, 0.07),
    "capex.renovation_cny": (2.5e7, 3.5e7),
}


def merge(base: dict, over: dict) -> dict:
    out = copy.deepcopy(base)
    for k, v in over.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = merge(out[k], v)
        else:
            out[k] = copy.deepcopy(v)
    return out


def zero_case(n_years: int = 10) -> dict:
    """Everything off: no revenue, no cost, no inflation, taxes at the standard rate, no relief."""
    return {
        "scenario": {"name": "small", "start_year": 2019, "concession_years": n_years, "calibration_year": 1},
        "discount": {"project_rate": 0.08, "equity_hurdle_rate": 0.08},
        "macro": {"cpi_inflation": 0.0, "wage_inflation": 0.0},
        "property_service": {"base_area_m2": 0, "collection": {"start": 1, "target": 1, "ramp_years": 0}},
        "space": {"total_area_m2": 0, "leasable_ratio": 1.0,
                  "tiers": [{"name": "only", "share": 1.0, "rent_cny_per_m2_day": 0.0,
                             "occupancy": {"start": 1, "target": 1, "ramp_years": 0}, "escalation": 0.0,
                             "rent_free_months": 0, "lease_years": 50, "relet_vacancy_months": 0,
                             "vat_category": "exempt"}]},
        "parking": {"existing_spaces": 0, "utilisation": {"start": 1, "target": 1, "ramp_years": 0}},
        "support": {"subsidy_annual_cny": 0},
        "capex": {"renovation_cny": 0, "input_vat_rate": 0.0, "life_years": n_years},
        "tax": {"taxpayer_status": "general", "small_enterprise_relief": False, "income_tax_rate": 0.25},
    }


def case(n_years: int = 10, **sections):
    """A validated small scenario: the zero case with the given sections merged in."""
    return validate_data(merge(zero_case(n_years), sections))


@pytest.fixture(scope="session")
def base():
    from finmodel.scenarios import load
    return load(BASE_YAML).assumptions
