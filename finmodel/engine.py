"""The vectorised projection: every line item as an array of shape (scenarios, years).

Conventions (MODEL.md section 5, README "Conventions"):

* Year 0 is the renovation year; operating year k = 1..N is calendar year start_year + k.
  All flows at period end. Arrays have scenarios on axis 0 and years 0..N on the last axis.
* Prices are year-1 prices, VAT-inclusive as quoted: value_k = price x (1+g)^(k-1).
  Daily rents x 365, monthly x 12. The property fee follows its step table, not inflation.
* Money is CNY. Costs are positive numbers in the line items; in the cash-flow lines
  inflows are positive and outflows negative.
* Any numeric assumption may be given as an array over scenarios through ``vary``; the
  engine broadcasts once and never loops over scenarios. The only Python loops run over
  years (VAT credit, loss carry-forward and income tax are sequential by nature), over the
  tiers, fee steps and refits of the scenario file, each vectorised over scenarios.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Mapping

import numpy as np

from . import metrics as M
from .assumptions import Assumptions
from .errors import InputError
from .scenarios import field_bounds, is_numeric_path, schema_node

# Assumptions that shape the time axis or the year tables: one value per run, never an array.
STRUCTURAL = re.compile(
    r"^(scenario\.(start_year|concession_years|calibration_year)"
    r"|tax\.loss_carryforward_years"
    r"|tax\.small_enterprise_periods\.\d+\.(from_year|to_year)"
    r"|tax\.vat\.\w+\.\d+\.from_year"
    r"|tax\.surcharge_relief_\w+\.(from_year|to_year)"
    r"|tax\.small_enterprise_threshold_cny)$")


# --------------------------------------------------------------------------- parameter view
class _View:
    """Attribute access over a nested dict whose numeric leaves are floats or (S, 1) arrays."""

    __slots__ = ("_d",)

    def __init__(self, d):
        self._d = d

    def __getattr__(self, name):
        v = self._d[name]
        if isinstance(v, dict):
            return _View(v)
        if isinstance(v, list):
            return [(_View(x) if isinstance(x, dict) else x) for x in v]
        return v


def _set_path(d: Any, parts: list[str], value) -> None:
    for p in parts[:-1]:
        d = d[int(p)] if isinstance(d, list) else d[p]
    last = parts[-1]
    if isinstance(d, list):
        d[int(last)] = value
    else:
        d[last] = value


def _get_path(d: Any, parts: list[str]):
    for p in parts:
        d = d[int(p)] if isinstance(d, list) else d[p]
    return d


def check_vary(a: Assumptions, vary: Mapping[str, Any] | None) -> tuple[dict[str, np.ndarray], int]:
    """Validate array-valued overrides: numeric paths, one length S, finite, within the schema's range."""
    if not vary:
        return {}, 1
    out: dict[str, np.ndarray] = {}
    size = None
    data = a.model_dump()
    for path, value in vary.items():
        if STRUCTURAL.match(path):
            raise InputError("changes the time axis; it cannot vary across scenarios in one run",
                             source="vary", key=path)
        if not is_numeric_path(path):
            try:
                schema_node(path.split("."))
                what = "is not a numeric assumption"
            except KeyError:
                what = "no such assumption"
            raise InputError(what, source="vary", key=path)
        try:
            _get_path(data, path.split("."))
        except (KeyError, IndexError, ValueError):
            raise InputError("not present in this scenario (list index out of range?)", source="vary", key=path) from None
        arr = np.asarray(value, dtype=float)
        if arr.ndim > 1:
            raise InputError(f"expected a scalar or a 1-D array over scenarios, got shape {arr.shape}",
                             source="vary", key=path)
        arr = arr.reshape(-1)
        if not np.all(np.isfinite(arr)):
            raise InputError("values must be finite (no NaN or infinity)", source="vary", key=path)
        lo, hi = field_bounds(path)
        if np.any(arr < lo) or np.any(arr > hi):
            bad = arr[(arr < lo) | (arr > hi)][0]
            raise InputError(f"value {bad:g} outside the valid range [{lo:g}, {hi:g}]", source="vary", key=path)
        if arr.size != 1:
            if size is not None and arr.size != size:
                raise InputError(f"length {arr.size} differs from other varied inputs ({size})",
                                 source="vary", key=path)
            size = arr.size
        out[path] = arr
    return out, (size or 1)


def _params(a: Assumptions, vary: dict[str, np.ndarray], S: int) -> _View:
    """Assumptions as attribute view; varied values become (1, S) rows (the engine works in (T, S))."""
    data = a.model_dump()
    for path, arr in vary.items():
        val = arr.reshape(1, -1) if arr.size > 1 else float(arr[0])
        _set_path(data, path.split("."), val)
    return _View(data)


# --------------------------------------------------------------------------- results
@dataclass
class Projection:
    """Line items of S scenarios over years 0..N, plus their metrics."""

    items: dict[str, np.ndarray]          # (S, T) arrays, CNY unless the registry says otherwise
    years: np.ndarray                     # (T,) calendar years
    n_scenarios: int
    project_rate: np.ndarray              # (S,)
    equity_rate: np.ndarray               # (S,)
    calibration_year: int
    assumptions: Assumptions

    def __getitem__(self, key: str) -> np.ndarray:
        return self.items[key]

    @property
    def T(self) -> int:
        return self.years.size

    def metrics(self) -> dict[str, np.ndarray]:
        return compute_metrics(self)

    def to_frame(self, scenario: int = 0, language: str = "en"):
        """One scenario as a DataFrame: a row per line item, label and unit, a column per calendar year."""
        from .lineitems import frame
        return frame(self, scenario, language)

    def to_long(self, scenario: int = 0):
        """One scenario in tidy long form: item, unit, year, value."""
        df = self.to_frame(scenario)
        years = [c for c in df.columns if isinstance(c, (int, np.integer))]
        long = df.reset_index().melt(id_vars=["item", "label", "unit"], value_vars=years,
                                     var_name="year", value_name="value")
        return long


# --------------------------------------------------------------------------- helpers
def _ramp(r, t, op):
    """start in year 1, linear to target after ramp_years, then target; 0 in year 0."""
    ramp = np.asarray(r.ramp_years, dtype=float)
    safe = np.where(ramp > 0, ramp, 1.0)
    with np.errstate(over="ignore"):        # a subnormal ramp length: the target at once
        frac = np.where(ramp > 0, np.clip((t - 1) / safe, 0.0, 1.0), 1.0)
    return (r.start + (r.target - r.start) * frac) * op


def _year_table(rows, cal):
    out = np.full(cal.shape, 0.0) + rows[0].rate
    for row in rows[1:]:
        out = np.where(cal >= row.from_year, row.rate, out)
    return out


def _amortise(base, spend_year, life, t, N):
    """Straight-line over min(life, N - spend_year) from the year after spending.

    Returns (amortisation per year, write-off at N), shape (T, S) or (T, 1).
    base, spend_year, life: scalars or (1, S) rows; t is the (T, 1) year column.
    """
    m = np.minimum(life, N - spend_year)
    safe = np.where(m > 0, m, 1.0)
    cum = base * np.where(m > 0, np.clip((t - spend_year) / safe, 0.0, 1.0), 0.0)
    cum = np.broadcast_to(cum, np.broadcast_shapes(np.shape(cum), t.shape))
    amort = np.diff(cum, axis=0, prepend=0.0)
    writeoff = (base - cum[-1:]) * (t == N)
    return amort, writeoff


def _ufunc(f, *args):
    """Apply a transcendental ufunc on contiguous, fully broadcast operands.

    numpy's power/log/exp loops round differently (by an ulp) for scalar, strided and
    contiguous operands, which would make a scenario's numbers depend on the batch it is in.
    Materialising the broadcast keeps one code path whatever the number of scenarios.
    """
    arrs = [np.asarray(a, dtype=float) for a in args]
    shape = np.broadcast_shapes(*(a.shape for a in arrs))
    if shape == ():
        shape = (1,)
    return f(*(np.ascontiguousarray(np.broadcast_to(a, shape)) for a in arrs))


def _col(x):
    """A parameter as a per-scenario vector (S,) or (1,), for the loops over years and the metrics."""
    return np.asarray(x, dtype=float).reshape(-1)


def _2d(x, T):
    """A line item in the engine's layout: (T, 1) when it does not vary across scenarios, else (T, S)."""
    arr = np.asarray(x, dtype=float)
    if arr.ndim < 2:
        return np.broadcast_to(arr.reshape(-1, 1) if arr.ndim == 1 else arr, (T, 1))
    if arr.shape[0] != T:
        return np.broadcast_to(arr, (T, arr.shape[1]))
    return arr


def _rows(*arrays) -> int:
    """Number of scenarios the arrays broadcast to (the last axis; 1 when none varies)."""
    return max((np.shape(x)[-1] if np.ndim(x) >= 1 else 1) for x in arrays)


def _cols(x, S: int, T: int) -> np.ndarray:
    """(T, S) C-contiguous copy: the layout for loops over years (each year a contiguous vector)."""
    return np.ascontiguousarray(np.broadcast_to(np.asarray(x, dtype=float), (T, S)))


class _Items(dict):
    """Line items stored as (T, 1) or (T, S) arrays, read as (S, T) arrays (read-only views).

    Inside the engine years run down axis 0, so each year's vector over scenarios is
    contiguous; callers see the public convention, scenarios on axis 0 and years last.
    """

    def __init__(self, S: int, T: int):
        super().__init__()
        self.shape = (S, T)

    def __getitem__(self, key):
        v = dict.__getitem__(self, key)
        return np.broadcast_to(v, (self.shape[1], self.shape[0])).T

    def raw(self, key):
        return dict.__getitem__(self, key)

    def items(self):
        return [(k, self[k]) for k in self.keys()]

    def values(self):
        return [self[k] for k in self.keys()]


# --------------------------------------------------------------------------- the engine
def project(a: Assumptions, vary: Mapping[str, Any] | None = None, *, detail: bool = True,
            _checked: tuple[dict[str, np.ndarray], int] | None = None) -> Projection:
    """Project S scenarios (S = length of the arrays in ``vary``, else 1) in one vectorised pass.

    ``vary`` maps dotted assumption paths to scalars or 1-D arrays over scenarios (validated
    against the schema's ranges). ``detail=False`` skips the lines only reports need (the
    direct cash build-up, cumulative cash, the yearly mix, the segment result, memo lines):
    batch runs use it; every metric is the same either way.
    """
    checked, S = _checked if _checked is not None else check_vary(a, vary)
    p = _params(a, checked, S)
    N = a.scenario.concession_years
    T = N + 1
    t = np.arange(T, dtype=float).reshape(-1, 1)   # the year column: years run down axis 0
    cal = a.scenario.start_year + t
    op = (t >= 1).astype(float)
    last = (t == N).astype(float)
    first = (t == 0).astype(float)
    before_last = (t < N).astype(float)
    items = _Items(S, T)

    def put(name, value):
        arr = _2d(value, T)
        items[name] = arr
        return arr

    def esc(g):
        return _ufunc(np.power, 1.0 + np.asarray(g, dtype=float), t - 1)

    mac = p.macro
    cpi = esc(mac.cpi_inflation)
    wage = esc(mac.wage_inflation)
    put("cpi_index", cpi * op)
    put("wage_index", wage * op)

    # ------------------------------------------------------------ property service (drivers)
    ps = p.property_service
    base_area = ps.base_area_m2 * op
    exp_area = ps.expanded_area_m2 * (t >= ps.expansion_from_year) * op
    served = put("served_area_m2", base_area + exp_area)
    fee = np.zeros_like(t) + ps.fee_steps[0].fee_cny_per_m2_month
    for step in ps.fee_steps[1:]:
        fee = np.where(t >= step.from_year, step.fee_cny_per_m2_month, fee)
    fee = put("property_fee_cny_per_m2_month", fee * op)
    bm_base = np.clip(12.0 * t - ps.trial_months, 0.0, 12.0) * op
    bm_exp = np.clip(12.0 * (t - ps.expansion_from_year + 1) - ps.expansion_trial_months, 0.0, 12.0) * op
    billed = put("property_fees_billed", fee * (ps.base_area_m2 * bm_base + ps.expanded_area_m2 * bm_exp))
    collection = put("collection_rate", _ramp(ps.collection, t, op))
    fees_gross_drv = billed * collection
    ps_team = put("cost_property_team", ps.fixed_team_cny_per_year * wage * op)
    ps_var = put("cost_property_variable", ps.variable_cost_cny_per_m2_year * served * wage)
    ps_mat = put("cost_property_materials", ps.materials_cny_per_m2_year * served * cpi)

    # ------------------------------------------------------------ space rent by tier
    sp = p.space
    leasable = sp.total_area_m2 * sp.leasable_ratio
    rent_by_cat = {"leasing": 0.0, "service": 0.0, "exempt": 0.0}
    roll_monthly = 0.0
    occupied = 0.0
    for i, tier in enumerate(sp.tiers):
        area = leasable * tier.share
        occ = _ramp(tier.occupancy, t, op)
        contract = area * occ * tier.rent_cny_per_m2_day * 365.0 * esc(tier.escalation)
        rent_free = np.clip(tier.rent_free_months - 12.0 * (t - 1), 0.0, 12.0) * op
        lease = np.asarray(tier.lease_years, dtype=float)
        relet = (t > 1) & (np.mod(t - 1, lease) == 0)
        months = np.clip(12.0 - rent_free - tier.relet_vacancy_months * relet, 0.0, 12.0) * op
        rent_i = put(f"rent_tier_{i}", contract * months / 12.0)
        rent_by_cat[a.space.tiers[i].vat_category] = rent_by_cat[a.space.tiers[i].vat_category] + rent_i
        roll_monthly = roll_monthly + contract * op / 12.0
        if detail:
            occupied = occupied + area * occ
    if detail:
        put("occupied_area_m2", occupied)
    rent_gross = put("rent_gross", sum(rent_by_cat.values()))
    space_opex = put("cost_space", sp.opex_cny_per_m2_year * sp.total_area_m2 * cpi * op)

    # ------------------------------------------------------------ parking
    pk = p.parking
    spaces = put("parking_spaces", pk.existing_spaces * op + pk.new_spaces * (t >= pk.new_spaces_from_year) * op)
    util = put("parking_utilisation", _ramp(pk.utilisation, t, op))
    parking_all = spaces * util * pk.fee_cny_per_space_month * 12.0 * esc(pk.escalation)
    owners_share = p.owners.common_area_income_share
    owners_parking = parking_all * pk.common_land_share * owners_share
    parking_gross_drv = parking_all - owners_parking
    parking_opex = put("cost_parking", pk.opex_cny_per_space_year * spaces * cpi)

    # ------------------------------------------------------------ other revenue
    ot = p.other
    oesc = esc(ot.escalation) * op
    adv_all = ot.advertising_cny_per_year * oesc
    owners_adv = adv_all * owners_share
    adv_gross = adv_all - owners_adv
    own = put("own_services", ot.own_services_cny_per_year * _ramp(ot.own_services_volume, t, op) * esc(ot.escalation))
    own_cost = put("cost_own_services", own * ot.own_services_cost_ratio)
    other_serv = ot.other_services_cny_per_year * oesc

    # ------------------------------------------------------------ VAT rates and status
    tx = p.tax
    g_leasing = _year_table(tx.vat.general_leasing, cal)
    g_service = _year_table(tx.vat.general_service, cal)
    s_leasing = _year_table(tx.vat.small_leasing, cal)
    s_service = _year_table(tx.vat.small_service, cal)
    modes = (a.property_service.mode, a.parking.mode, a.other.mode)
    anchor = p.mix.rent_share

    def streams(general):
        lr = np.where(general, g_leasing, s_leasing)
        sr = np.where(general, g_service, s_service)
        rent_net = rent_by_cat["leasing"] / (1 + lr) + rent_by_cat["service"] / (1 + sr) + rent_by_cat["exempt"]
        if modes[0] == "share":
            fees_net = rent_net * ps.share_of_revenue / anchor
            fees_g = fees_net * (1 + sr)
        else:
            fees_g = fees_gross_drv
            fees_net = fees_g / (1 + sr)
        if modes[1] == "share":
            park_net = rent_net * pk.share_of_revenue / anchor
            park_g = park_net * (1 + lr)
        else:
            park_g = parking_gross_drv
            park_net = park_g / (1 + lr)
        if modes[2] == "share":
            other_net = rent_net * ot.share_of_revenue / anchor
            other_g = other_net * (1 + sr)
        else:
            other_g = adv_gross + own + other_serv
            other_net = adv_gross / (1 + lr) + own + other_serv / (1 + sr)
        return lr, sr, rent_net, fees_g, fees_net, park_g, park_net, other_g, other_net

    status = a.tax.taxpayer_status
    if status == "general":
        general = np.ones((T, 1), dtype=bool)
    elif status == "small_scale":
        general = np.zeros((T, 1), dtype=bool)
    else:
        small = streams(np.zeros((T, 1), dtype=bool))
        sales = small[2] + small[4] + small[6] + small[8]
        over = sales > tx.general_threshold_cny
        any_over = over.any(axis=0, keepdims=True)
        first_over = np.where(any_over, np.argmax(over, axis=0)[None, :], T + 1)
        general = t > first_over
    put("general_taxpayer", general.astype(float))
    lr, sr, rent_net, fees_g, fees_net, park_g, park_net, other_g, other_net = streams(general)
    put("property_fees_collected", fees_g)
    put("parking_gross", park_g)
    put("other_gross", other_g)
    if detail:
        put("owners_share_paid", owners_parking * (modes[1] == "drivers") + owners_adv * (modes[2] == "drivers"))
    rent_net = put("rev_rent", rent_net)
    park_net = put("rev_parking", park_net)
    fees_net = put("rev_property_fees", fees_net)
    other_net = put("rev_other", other_net)
    revenue = put("revenue", rent_net + park_net + fees_net + other_net)
    if detail:
        safe_rev = np.where(revenue != 0, revenue, 1.0)
        for stream, net in (("rent", rent_net), ("parking", park_net), ("property_fees", fees_net),
                            ("other", other_net)):
            put(f"mix_{stream}", np.where(revenue != 0, net / safe_rev, 0.0))

    # ------------------------------------------------------------ support
    su = p.support
    since = t - su.subsidy_first_year
    sub_on = (t >= su.subsidy_first_year) & (t <= su.subsidy_last_year)
    subsidy_gross = put("subsidy_received", su.subsidy_annual_cny * np.maximum(0.0, 1.0 - su.subsidy_step_down * since) * sub_on * op)
    if a.support.subsidy_vat == "purchased_service":
        subsidy_net = subsidy_gross / (1 + sr)
    else:
        subsidy_net = subsidy_gross
    subsidy_net = put("subsidy", subsidy_net)
    grant = put("capital_grant", su.capital_grant_cny * (t == su.capital_grant_year))
    grant_taxable = a.support.capital_grant_taxable
    support = put("support", subsidy_net + (grant if grant_taxable else 0.0))

    output_vat = put("vat_output", (rent_gross - rent_net) + (fees_g - fees_net) + (park_g - park_net)
                     + (other_g - other_net) + (subsidy_gross - subsidy_net))

    # ------------------------------------------------------------ costs and their input VAT
    ov = p.overheads
    mgmt = put("cost_management", ov.management_cny_per_year * wage * op)
    ov_other = put("cost_overheads_other", ov.other_cny_per_year * cpi * op)

    def credit(gross, rate):
        return gross * rate / (1 + rate) * general

    in_opex = put("vat_input_opex", credit(ps_mat, ps.materials_input_vat_rate) + credit(space_opex, sp.opex_input_vat_rate)
                  + credit(parking_opex, pk.opex_input_vat_rate) + credit(ov_other, ov.other_input_vat_rate))
    opex_gross = put("opex_paid", ps_team + ps_var + ps_mat + space_opex + parking_opex + own_cost + mgmt + ov_other)
    opex = put("opex", opex_gross - in_opex)
    if detail:
        put("property_segment_result",
            fees_net - ps_team - ps_var - (ps_mat - credit(ps_mat, ps.materials_input_vat_rate)))
    preop = put("pre_operating_cost", p.capex.pre_operating_cost_cny * first)
    handback = put("handback_cost", p.capex.handback_cost_cny * cpi * last)

    # ------------------------------------------------------------ capital
    cx = p.capex
    cap_rate = cx.input_vat_rate
    renov_gross = cx.renovation_cny * first
    refit_gross = 0.0
    amort = 0.0
    writeoff = 0.0
    refit_amort = 0.0           # refits apart: usually (T, 1), added to the renovation's once
    refit_writeoff = 0.0
    renov_credit = renov_gross * cap_rate / (1 + cap_rate) * general
    a_r, w_r = _amortise(cx.renovation_cny - renov_credit[:1], 0.0, cx.life_years, t, N)
    amort, writeoff = amort + a_r, writeoff + w_r
    refit_credit = 0.0
    refit_list = [(r.year, r.amount_cny, r.life_years) for r in cx.refits]
    every = np.asarray(cx.periodic_refit_every_years, dtype=float)
    max_every = float(np.max(every))
    min_every = float(np.min(every))
    if max_every > 0:
        for j in range(1, int(N // max(min_every, 1)) + 1):
            yr = np.where(every > 0, j * every, np.inf)
            amt = np.where(yr < N, cx.periodic_refit_cny, 0.0)
            refit_list.append((np.where(yr < N, yr, N), amt, cx.periodic_refit_life_years))
    for year, amount, life in refit_list:
        at = (t == year)
        gross_y = amount * cpi * at
        cred_y = gross_y * cap_rate / (1 + cap_rate) * general
        refit_gross = refit_gross + gross_y
        refit_credit = refit_credit + cred_y
        net_amount = np.sum(gross_y - cred_y, axis=0, keepdims=True)
        a_i, w_i = _amortise(net_amount, year, life, t, N)
        refit_amort, refit_writeoff = refit_amort + a_i, refit_writeoff + w_i
    if not grant_taxable:
        a_g, w_g = _amortise(-su.capital_grant_cny, su.capital_grant_year, np.maximum(1.0, cx.life_years - su.capital_grant_year), t, N)
        amort, writeoff = amort + a_g, writeoff + w_g
    capex_gross = put("capex_paid", renov_gross + refit_gross)
    put("refits_paid", refit_gross)
    in_capex = put("vat_input_capex", renov_credit + refit_credit)
    capex_net = put("capex", capex_gross - in_capex)
    amort = put("amortisation", amort + refit_amort)
    writeoff = writeoff + refit_writeoff

    # ------------------------------------------------------------ VAT payable and credit
    vat_net = in_opex + in_capex - output_vat
    R = _rows(vat_net)
    net_c = _cols(vat_net, R, T)
    payable_c = np.empty((T, R))
    credit_c = np.empty((T, R))
    c = np.zeros(R)
    for k in range(T):
        x = c + net_c[k]
        np.maximum(-x, 0.0, out=payable_c[k])
        c = np.maximum(x, 0.0)
        credit_c[k] = c
    payable = put("vat_payable", payable_c)
    credit_bal = put("vat_credit", credit_c)
    vat_forfeit = put("vat_credit_forfeited", credit_bal[-1:] * last)
    writeoff = put("writeoff", writeoff + vat_forfeit)

    # ------------------------------------------------------------ loan
    ln = p.financing.loan
    D = np.asarray(ln.amount_cny, dtype=float)
    r = np.asarray(ln.rate, dtype=float)
    n_rep = np.asarray(ln.tenor_years, dtype=float) - ln.grace_years
    if np.any((D > 0) & (np.asarray(ln.tenor_years) > N)):
        raise InputError(f"tenor is beyond the concession of {N} years", source="assumptions",
                         key="financing.loan.tenor_years")
    j = np.clip(t - ln.grace_years, 0.0, n_rep)
    # annuity balance after j of n payments: D ((1+r)^n - (1+r)^j) / ((1+r)^n - 1), written with
    # expm1/log1p so that a tiny rate stays accurate; a zero rate repays in equal parts
    log_growth = _ufunc(np.log1p, r)
    grown_n = _ufunc(np.expm1, n_rep * log_growth)
    grown_j = _ufunc(np.expm1, j * log_growth)
    annuity_bal = np.where(grown_n > 0, D * (grown_n - grown_j) / np.where(grown_n > 0, grown_n, 1.0),
                           D * (1 - j / n_rep))
    if a.financing.loan.repayment == "annuity":
        bal = annuity_bal
    else:
        bal = D * (1 - j / n_rep)
    bal = _2d(bal, T)
    bal_prev = np.concatenate([np.zeros((1, bal.shape[1])), bal[:-1]], axis=0)
    draw = put("loan_draw", D * first)
    interest = put("interest", r * bal_prev * op)
    principal = put("principal", (bal_prev - bal) * op)
    put("loan_balance", bal)
    debt_service = put("debt_service", interest + principal)

    # ------------------------------------------------------------ tax loop (levered and unlevered)
    # Sequential by nature (surcharge relief uses last year's taxable income, losses carry
    # forward), so it loops over years on (T, S) arrays, each year a contiguous vector.
    Y = a.tax.loss_carryforward_years
    relief_on = a.tax.small_enterprise_relief
    thr = _col(tx.small_enterprise_threshold_cny)
    rss = tx.surcharge_relief_small_scale
    rse = tx.surcharge_relief_small_enterprise
    holiday = _col(su.income_tax_holiday_years)
    own_adj = (1.0 - tx.own_services_income_factor) * own
    if a.support.subsidy_taxable:
        nontax_adj = np.zeros((T, 1))
    else:
        nontax_adj = np.maximum(0.0, subsidy_net - opex)
    pre_ebitda = revenue + support - opex - preop - handback
    below_ebitda = amort + writeoff
    adj = own_adj + nontax_adj
    std_rate = _col(tx.income_tax_rate)
    R = _rows(pre_ebitda, payable, below_ebitda, interest, adj, general, thr, std_rate, holiday,
              _col(tx.surcharge_rate), _col(rss.factor), _col(rse.factor),
              *[_col(b.rate) for per in tx.small_enterprise_periods for b in per.bands],
              *[_col(b.upto_cny) for per in tx.small_enterprise_periods for b in per.bands])
    pre_c = _cols(pre_ebitda, R, T)
    pay_c = _cols(payable, R, T)
    below_c = _cols(below_ebitda, R, T)
    int_c = _cols(interest, R, T)
    adj_c = _cols(adj, R, T)
    gen_c = np.ascontiguousarray(np.broadcast_to(general, (T, R)))
    surch_c = np.empty((T, R))
    ebitda_c = np.empty((T, R))
    taxable_c = np.empty((T, R))
    expired_c = np.empty((T, R))
    tax_l_c = np.empty((T, R))
    tax_u_c = np.empty((T, R))
    loss_l = np.zeros((T, R))
    loss_u = np.zeros((T, R))
    small_prev = np.ones(R, dtype=bool)
    periods = a.tax.small_enterprise_periods
    surcharge_rate = _col(tx.surcharge_rate)

    def band_tax(x, year):
        for per_i, per in enumerate(periods):
            if per.from_year <= year <= per.to_year:
                out = np.zeros_like(x)
                lo = 0.0
                for b in tx.small_enterprise_periods[per_i].bands:
                    up = _col(b.upto_cny)
                    out = out + _col(b.rate) * np.clip(x - lo, 0.0, np.maximum(up - lo, 0.0))
                    lo = up
                return out
        return None

    def income_tax(x, k, year):
        std = std_rate * x
        if relief_on:
            bt = band_tax(x, year)
            if bt is not None:
                std = np.where(x <= thr, bt, std)
        return std * ~((k >= 1) & (k <= holiday))

    def use_losses(buf, k, x):
        """Offset profit x with the losses of years k-Y..k-1, oldest first.

        A loss of year o can be used in years o+1..o+Y; what is left after year o+Y expires.
        Returns (taxable income, losses expiring this year).
        """
        remaining = np.maximum(x, 0.0)
        if remaining.any():
            for o in range(max(0, k - Y), k):
                if not buf[o].any():
                    continue
                use = np.minimum(buf[o], remaining)
                buf[o] -= use
                remaining -= use
        buf[k] = np.maximum(-x, 0.0)
        expired = np.zeros(R)
        if k - Y >= 0:
            expired = buf[k - Y].copy()
            buf[k - Y] = 0.0
        return remaining, expired

    debt_free = not np.any(int_c)
    for k in range(T):
        year = int(cal[k, 0])
        factor = np.ones(R)
        if rss.from_year <= year <= rss.to_year:
            factor = np.where(~gen_c[k], _col(rss.factor), factor)
        if relief_on and rse.from_year <= year <= rse.to_year:
            factor = np.where(gen_c[k] & small_prev, np.minimum(factor, _col(rse.factor)), factor)
        surch_c[k] = surcharge_rate * pay_c[k] * factor
        ebitda_c[k] = pre_c[k] - surch_c[k]
        base_u = ebitda_c[k] - below_c[k] - adj_c[k]
        base_l = base_u - int_c[k]
        taxable_c[k], expired_c[k] = use_losses(loss_l, k, base_l)
        tax_l_c[k] = income_tax(taxable_c[k], k, year)
        if debt_free:           # no interest in any scenario: the unlevered tax is the same
            tax_u_c[k] = tax_l_c[k]
        else:
            taxable_u, _ = use_losses(loss_u, k, base_u)
            tax_u_c[k] = income_tax(taxable_u, k, year)
        small_prev = taxable_c[k] <= thr
    surch, ebitda, taxable_l, expired_l, tax_l, tax_u = surch_c, ebitda_c, taxable_c, expired_c, tax_l_c, tax_u_c
    put("surcharges", surch)
    ebitda = put("ebitda", ebitda)
    ebit = put("ebit", ebitda - amort - writeoff)
    ebt = put("ebt", ebit - interest)
    put("taxable_income", taxable_l)
    put("tax_losses_expired", expired_l)
    tax_l = put("income_tax", tax_l)
    tax_u = put("income_tax_unlevered", tax_u)
    ni = put("net_income", ebt - tax_l)

    # ------------------------------------------------------------ working capital
    arrears = put("wc_fees_in_arrears", ps.arrears_months / 12.0 * fees_g * before_last)
    deposits = put("wc_deposits", sp.deposit_months * roll_monthly * before_last)
    advance = put("wc_rent_in_advance", sp.rent_in_advance_months * roll_monthly * before_last)
    wc = put("working_capital", arrears + credit_bal - deposits - advance)
    d_wc = put("wc_change", np.diff(wc, axis=0, prepend=0.0))

    # ------------------------------------------------------------ cash flows
    grant_inv = grant * (not grant_taxable)
    put("capital_grant_investing", grant_inv)
    pfcf = put("project_fcf", ebitda - tax_u - capex_net + grant_inv - d_wc)
    efcf = put("equity_fcf", ebitda - tax_l - capex_net + grant_inv - d_wc + draw - debt_service)
    put("cfads", ebitda - tax_l - capex_net + grant_inv - d_wc)
    pr = np.broadcast_to(_col(p.discount.project_rate), (S,)).copy()
    er = np.broadcast_to(_col(p.discount.equity_hurdle_rate), (S,)).copy()
    result = Projection(items=items, years=cal.reshape(-1).astype(int), n_scenarios=S, project_rate=pr,
                        equity_rate=er, calibration_year=a.scenario.calibration_year, assumptions=a)
    if not detail:
        return result
    # the direct build-up of equity cash: receipts - payments (a check on the indirect one)
    d_dep = np.diff(deposits + advance, axis=0, prepend=0.0)
    d_arr = np.diff(arrears, axis=0, prepend=0.0)
    receipts = put("cash_receipts", rent_gross + park_g + fees_g + other_g + subsidy_gross + grant + draw + d_dep - d_arr)
    payments = put("cash_payments", opex_gross + preop + handback + capex_gross + payable + surch + tax_l + interest + principal)
    put("equity_fcf_direct", receipts - payments)
    put("equity_fcf_indirect", ni + amort + writeoff - capex_net + grant_inv - d_wc + draw - principal)
    put("cum_project_fcf", np.cumsum(pfcf, axis=0))
    put("cum_equity_fcf", np.cumsum(efcf, axis=0))

    return result


# --------------------------------------------------------------------------- metrics of a projection
METRIC_NAMES = ("npv", "equity_npv", "project_irr", "equity_irr", "payback_years", "discounted_payback_years",
                "min_cumulative_cash", "min_cumulative_equity_cash", "dscr_min", "dscr_avg", "margin_avg",
                "subsidy_dependence")


def _sum_operating_years(x: np.ndarray) -> np.ndarray:
    """Sum over years 1..N, year by year in a fixed order, so that a scenario's sum has the same
    bits whatever the batch it is computed in (numpy's pairwise reductions depend on layout)."""
    acc = np.zeros(x.shape[0])
    for k in range(1, x.shape[1]):
        acc = acc + x[:, k]
    return acc


FLAG_NAMES = ("project_irr_multiple", "equity_irr_multiple", "payback_refit_negative")


def compute_metrics(pj: Projection, names: tuple[str, ...] | None = None) -> dict[str, np.ndarray]:
    """The metrics of MODEL.md section 5, each an (S,) array (NaN where undefined), plus flags.

    ``names`` limits the work to the named metrics (and the flags that go with them).
    Equity metrics reuse the project ones where the two cash flows are identical (no debt,
    no tax difference), which is exact, not an approximation.
    """
    want = set(METRIC_NAMES + FLAG_NAMES) if names is None else set(names)
    unknown = want - set(METRIC_NAMES + FLAG_NAMES)
    if unknown:
        raise InputError(f"unknown metric(s): {', '.join(sorted(unknown))}; known: {', '.join(METRIC_NAMES)}",
                         source="metrics")
    it = pj.items
    pf = np.ascontiguousarray(it["project_fcf"])
    out: dict[str, np.ndarray] = {}
    need_equity = want & {"equity_npv", "equity_irr", "equity_irr_multiple", "min_cumulative_equity_cash"}
    ef = np.ascontiguousarray(it["equity_fcf"]) if need_equity else None
    same = ef is not None and np.array_equal(pf, ef)
    if "npv" in want:
        out["npv"] = np.asarray(M.npv(pj.project_rate, pf))
    if "equity_npv" in want:
        out["equity_npv"] = np.asarray(M.npv(pj.equity_rate, ef))
    pirr = None
    if want & {"project_irr", "project_irr_multiple"} or (same and want & {"equity_irr", "equity_irr_multiple"}):
        pirr = M.irr(pf, return_details=True)
        out["project_irr"] = np.asarray(pirr.rate, dtype=float)
        out["project_irr_multiple"] = np.asarray(pirr.multiple, dtype=bool)
    if want & {"equity_irr", "equity_irr_multiple"}:
        eirr = pirr if same else M.irr(ef, return_details=True)
        out["equity_irr"] = np.asarray(eirr.rate, dtype=float)
        out["equity_irr_multiple"] = np.asarray(eirr.multiple, dtype=bool)
    if want & {"payback_years", "payback_refit_negative"}:
        pb = M.payback(pf, return_details=True)
        out["payback_years"] = np.asarray(pb.years, dtype=float)
        out["payback_refit_negative"] = np.asarray(pb.refit_negative, dtype=bool)
    if "discounted_payback_years" in want:
        out["discounted_payback_years"] = np.asarray(M.discounted_payback(pj.project_rate, pf), dtype=float)
    if "min_cumulative_cash" in want:
        out["min_cumulative_cash"] = np.asarray(M.min_cumulative(pf), dtype=float)
    if "min_cumulative_equity_cash" in want:
        out["min_cumulative_equity_cash"] = (out["min_cumulative_cash"] if same and "min_cumulative_cash" in out
                                             else np.asarray(M.min_cumulative(ef), dtype=float))
    if want & {"dscr_min", "dscr_avg"}:
        # a debt service below a thousandth of a fen is no debt service (it would only make the
        # ratio overflow): DSCR is defined in the years with debt service
        raw_ds = it.raw("debt_service")
        if not np.any(raw_ds > 1e-5):        # no debt in any scenario: DSCR undefined everywhere
            out["dscr_min"] = np.full(pj.n_scenarios, np.nan)
            out["dscr_avg"] = np.full(pj.n_scenarios, np.nan)
        else:
            cfads, ds = it["cfads"], it["debt_service"]
            ds = np.where(ds > 1e-5, ds, 0.0)
            out["dscr_min"] = np.asarray(M.dscr_min(cfads, ds), dtype=float)
            out["dscr_avg"] = np.asarray(M.dscr_avg(cfads, ds), dtype=float)
    if want & {"margin_avg", "subsidy_dependence"}:
        rev = _sum_operating_years(it["revenue"])
        ni = _sum_operating_years(it["net_income"])
        sup = _sum_operating_years(it["subsidy"]) + _sum_operating_years(it["capital_grant"])
        with np.errstate(divide="ignore", invalid="ignore"):
            out["margin_avg"] = np.where(rev != 0, ni / np.where(rev != 0, rev, 1.0), np.nan)
            tot = rev + sup
            out["subsidy_dependence"] = np.where(tot != 0, sup / np.where(tot != 0, tot, 1.0), np.nan)
    return {k: out[k] for k in METRIC_NAMES + FLAG_NAMES if k in out and (k in want or names is None)}


def revenue_mix(pj: Projection, year: int | None = None) -> dict[str, np.ndarray]:
    """Shares of operating revenue net of VAT (support excluded) in an operating year (default: calibration year)."""
    k = pj.calibration_year if year is None else year
    parts = {"rent": pj["rev_rent"][:, k], "parking": pj["rev_parking"][:, k],
             "property_fees": pj["rev_property_fees"][:, k], "other": pj["rev_other"][:, k]}
    total = sum(parts.values())
    with np.errstate(divide="ignore", invalid="ignore"):
        return {name: np.where(total != 0, v / np.where(total != 0, total, 1.0), np.nan) for name, v in parts.items()}


DEFAULT_CHUNK = 8192


_WORKER: dict[str, Any] = {}


def _init_worker(a, checked, own, extra) -> None:
    from ._memory import keep_heap

    keep_heap()
    _WORKER.update(a=a, checked=checked, own=own, extra=extra)


def _score_chunk(bounds: tuple[int, int], a=None, checked=None, own=None, extra=None) -> dict[str, np.ndarray]:
    """Project and score scenarios lo..hi of a batch (in this process, or in a worker)."""
    if a is None:
        a, checked, own, extra = (_WORKER[k] for k in ("a", "checked", "own", "extra"))
    lo, hi = bounds
    part = {k: (v[lo:hi] if v.size > 1 else v) for k, v in checked.items()}
    pj = project(a, None, detail=False, _checked=(part, hi - lo))
    m = dict(compute_metrics(pj, names=own)) if (own is None or own) else {}
    if extra is not None:
        m.update(extra(pj, part))
    return m


def evaluate(a: Assumptions, vary: Mapping[str, Any] | None = None, *, chunk_size: int = DEFAULT_CHUNK,
             metrics: tuple[str, ...] | None = None, extra=None, workers: int = 1) -> dict[str, np.ndarray]:
    """Project and score S scenarios in chunks: each metric as an (S,) array.

    The same engine and metrics as ``project(...).metrics()``, run ``chunk_size`` scenarios
    at a time so memory stays bounded (about 1 MB per line item per 6,000 scenarios).
    ``metrics`` limits the output to the named metrics (all by default). ``extra``, a
    callable ``extra(projection, chunk_vary) -> {name: (S,) array}``, scores names the engine
    does not know (the government view uses it); the engine never imports its callers.
    ``workers`` > 1 scores the chunks in that many forked processes; every scenario's result
    is the same bits whatever the chunk size or the number of workers.
    """
    from ._memory import keep_heap

    checked, S = check_vary(a, vary)
    if chunk_size < 1:
        raise InputError("chunk_size must be at least 1", source="evaluate", key="chunk_size")
    if workers < 1:
        raise InputError("workers must be at least 1", source="evaluate", key="workers")
    known = set(METRIC_NAMES + FLAG_NAMES)
    own = metrics if (metrics is None or extra is None) else tuple(n for n in metrics if n in known)
    bounds = [(lo, min(S, lo + chunk_size)) for lo in range(0, S, chunk_size)]
    if len(bounds) > 1:
        keep_heap()
    out: dict[str, np.ndarray] = {}

    def take(lo_hi, m):
        lo, hi = lo_hi
        for k, v in m.items():
            if k not in out:
                out[k] = np.empty(S, dtype=np.asarray(v).dtype)
            out[k][lo:hi] = v

    import multiprocessing as mp

    if workers > 1 and len(bounds) > 1 and "fork" in mp.get_all_start_methods():
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(max_workers=min(workers, len(bounds)), mp_context=mp.get_context("fork"),
                                 initializer=_init_worker, initargs=(a, checked, own, extra)) as ex:
            for lo_hi, m in zip(bounds, ex.map(_score_chunk, bounds)):
                take(lo_hi, m)
    else:
        for lo_hi in bounds:
            take(lo_hi, _score_chunk(lo_hi, a, checked, own, extra))
    return out
