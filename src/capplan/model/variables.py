"""The decision variables and their domains.

Domains carry three of the model's rules, so that no row is needed for them:
eligibility (pods exist only for allowed region-part pairs), data residency (a demand
segment is served only from regions of its zone) and the state-work rule (a domestic-only
segment is served only by domestic parts).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from capplan.model.algebra import Builder, Entries, Runs
from capplan.model.params import Params


@dataclass(frozen=True)
class Vars:
    build: Entries  # (region, period) integer: modules whose construction starts in period
    enter: Entries  # (region, period) binary: the region is entered in period
    pods: Entries  # (region, part, period) integer: pods bought and installed in period
    serve: Entries  # (segment, region, part, period) ZFLOP of inference served
    train: Entries  # (campaign, region, part, period) ZFLOP of training delivered
    short: Entries  # (campaign,) ZFLOP a penalised campaign is short at its deadline


def module_bound(p: Params) -> np.ndarray:
    """Largest number of modules a region can start in one period (R,), always finite.

    The smallest of the per-period MW limit, the horizon MW limit, what the whole budget
    could buy at the cheapest period's price, and the MW that every obtainable accelerator
    could draw; finite bounds keep the MIP tight and the entry gate's big-M finite.
    """
    by_total = np.floor(p.mw_total / p.module_mw + 1e-9)
    cheapest = p.module_capex.min(axis=1)
    safe = np.where(cheapest > 0, cheapest, 1.0)
    by_budget = np.where(cheapest > 0, np.floor(p.budget_total / safe + 1e-9), np.inf)
    all_units_mw = float((p.supply_units.sum(axis=(1, 2)) * p.pod_mw / p.pod).sum())
    by_need = np.ceil(all_units_mw / p.module_mw - 1e-9)
    return np.minimum.reduce([p.build_cap, by_total, by_budget, by_need])


def _in_window(p: Params) -> np.ndarray | Runs:
    """Where ``train`` exists: ``camp_option[k,r,p] and camp_window[k,t]``.

    A window is one run of periods (earliest..deadline), so it is given as :class:`Runs`.
    """
    window = p.camp_window
    first = window.argmax(axis=1) if window.size else np.zeros(len(window), dtype=np.int64)
    length = window.sum(axis=1)
    age = np.arange(window.shape[1])[None, :] - first[:, None]
    if not np.array_equal((age >= 0) & (age < length[:, None]), window):
        # not one run of periods (never for windows built from earliest..deadline)
        return p.camp_option[..., None] & window[:, None, None, :]
    return Runs(p.camp_option, first=first[:, None, None], length=length[:, None, None])


def define_variables(b: Builder, p: Params) -> Vars:
    """Add every variable block with its bounds and integrality."""
    T = len(p.sets["period"])
    periods = np.arange(T)
    # a build must power on within the horizon to be of use
    on_time = periods[None, :] + p.offset[:, None] <= T - 1
    cap = module_bound(p)
    build = b.add_variables(
        "build", ("region", "period"), mask=on_time, ub=cap[:, None], integer=True
    )
    enter = b.add_variables(
        "enter",
        ("region", "period"),
        mask=on_time & p.needs_entry[:, None],
        ub=1.0,
        integer=True,
    )
    by_budget = np.floor(p.budget_total / np.where(p.pod_capex > 0, p.pod_capex, np.nan) + 1e-9)
    pod_ub = np.minimum(p.pod_cap, np.nan_to_num(by_budget, nan=np.inf))
    pods = b.add_variables(
        "pods",
        ("region", "part", "period"),
        mask=Runs(p.eligible, first=0, length=T),  # every period
        ub=pod_ub,
        integer=True,
    )
    serve_mask = (
        (p.seg_zone[:, None, None] == p.zone[None, :, None])
        & p.eligible[None, :, :]
        & (~p.seg_domestic_only[:, None, None] | p.domestic[None, None, :])
    )
    serve = b.add_variables(
        "serve",
        ("segment", "region", "part", "period"),
        mask=Runs(serve_mask, first=0, length=T),
    )
    train = b.add_variables(
        "train",
        ("campaign", "region", "part", "period"),
        mask=_in_window(p),
    )
    short = b.add_variables("short", ("campaign",), mask=~np.isnan(p.camp_penalty))
    return Vars(build, enter, pods, serve, train, short)
