"""capplan's futures as members of a stochastic program.

Each future's model is built from the same constraint families as ``capplan solve``
(:func:`capplan.model.build.build_model`) on the base inputs with the future's overlays
applied in memory (:class:`capplan.hedge.overlay.BaseInputs`).  Its stage-t decisions
are the columns with period t (``build``, ``enter``, ``pods``, ``serve``, ``train``),
keyed by their labels (``pods[CN,Ascend 910C,FY2026]``); the node of period t is the
set of outcomes known by then (factors whose ``known_at`` is t or earlier).  ``short``
(a penalised campaign's shortfall) has no period: it is each future's own.

**Priced campaign shortfall.**  A required campaign (no late penalty) is a hard row in
``capplan solve``.  A plan fixed in an earlier period (EEV) or shared with other futures
may not be able to deliver it in some future, which would make the hedge infeasible.  So
the hedge gives every required campaign a shortfall column ``hedge_short[k]`` in every
future, priced at the futures file's ``shortfall_penalty_rmb_per_zflop`` (discounted to
the deadline's mid-period, as a late penalty is), far above what compute earns: it is
used only where delivery is impossible, and is reported per future.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp

from capplan.config.futures import Futures, FutureSpec
from capplan.errors import InputError, Problem
from capplan.hedge.overlay import BaseInputs
from capplan.hedge.program import Member
from capplan.model.build import Model, build_model
from capplan.model.lp import Block, LinearProgram

DECISIONS = ("build", "enter", "pods", "serve", "train")
Stage = tuple[tuple[str, ...], np.ndarray]  # a period's decision labels and columns
ROOT = "ROOT"


@dataclass(frozen=True)
class FutureModel:
    """A future's model, its program with the shortfall columns, and its member."""

    spec: FutureSpec
    model: Model
    member: Member

    @property
    def num_model_vars(self) -> int:
        return self.model.lp.num_vars


def with_shortfall(model: Model, penalty_rmb_per_zflop: float) -> LinearProgram:
    """The model's program plus a priced ``hedge_short[k]`` for each required campaign."""
    lp = model.lp
    rows = model.rows.get("campaign")
    p = model.params
    if rows is None:
        return lp
    codes = rows["campaign"]
    required = np.flatnonzero(np.isnan(p.camp_penalty[codes]))
    if len(required) == 0:
        return lp
    k = len(required)
    n = lp.num_vars
    deadline = p.camp_deadline[codes[required]]
    price = penalty_rmb_per_zflop / 1e6 * p.disc_mid[deadline]
    sign = 1.0 if lp.maximize else -1.0
    extra = sp.csr_matrix((np.ones(k), (rows.ids[required], np.arange(k))), shape=(lp.num_rows, k))
    names = pd.Index(p.sets["campaign"][codes[required]], name="campaign")
    return LinearProgram(
        c=np.concatenate([lp.c, -sign * price]),
        matrix=sp.hstack([lp.A, extra], format="csr"),
        row_lb=lp.row_lb,
        row_ub=lp.row_ub,
        col_lb=np.concatenate([lp.col_lb, np.zeros(k)]),
        col_ub=np.concatenate([lp.col_ub, np.full(k, np.inf)]),
        integer=np.concatenate([lp.integer, np.zeros(k, dtype=bool)]),
        maximize=lp.maximize,
        c0=lp.c0,
        name=lp.name,
        var_blocks={**lp.var_blocks, "hedge_short": Block("hedge_short", n, names)},
        row_blocks=lp.row_blocks,
    )


def stage_columns(model: Model) -> list[Stage]:
    """Per period: (labels, column numbers) of the decisions of that period."""
    periods = len(model.params.sets["period"])
    labels = model.lp.var_names()
    out = []
    for t in range(periods):
        cols = np.concatenate(
            [
                getattr(model.vars, name).ids[getattr(model.vars, name)["period"] == t]
                for name in DECISIONS
            ]
        )
        out.append((tuple(labels[j] for j in cols.tolist()), cols))
    return out


def node_path(spec: FutureSpec, futures: Futures, periods: list[str]) -> tuple[str, ...]:
    """The node of each period: the outcomes known by its start (``ROOT`` for none)."""
    out = []
    for t in range(len(periods)):
        known = [
            f"{factor}={outcome}"
            for factor, outcome in spec.outcomes
            if periods.index(futures.known_at(factor)) <= t
        ]
        out.append("+".join(known) if known else ROOT)
    return tuple(out)


def build_futures(base: BaseInputs, futures: Futures) -> list[FutureModel]:
    """Every future's model and member (problems of every future reported at once)."""
    periods = list(base.config.model.horizon.periods)
    first = [k for k, f in futures.spec.factors.items() if f.known_at == periods[0]]
    if first:
        raise InputError(
            [
                Problem(
                    futures.display,
                    f"factors.{k}.known_at",
                    f"known at the first period {periods[0]}: nothing would be committed "
                    "before it is known; expected a later period (or leave the factor out)",
                )
                for k in first
            ]
        )
    penalty = futures.spec.shortfall_penalty_rmb_per_zflop
    out: list[FutureModel] = []
    problems: list[Problem] = []
    built: dict[tuple[int, ...], tuple[Model, LinearProgram, list[Stage]]] = {}
    for spec in futures.futures:
        try:
            inputs = base.apply(spec.overlays)
        except InputError as exc:
            problems += exc.problems
            continue
        key = tuple(id(o) for o in spec.overlays)
        if key not in built:  # futures with the same outcomes have the same model
            model = build_model(inputs.tables)
            built[key] = (model, with_shortfall(model, penalty), stage_columns(model))
        model, lp, stages = built[key]
        member = Member(
            spec.name,
            spec.probability,
            lp,
            node_path(spec, futures, periods),
            tuple(keys for keys, _ in stages),
            tuple(cols for _, cols in stages),
        )
        out.append(FutureModel(spec, model, member))
    if problems:
        raise InputError(problems)
    return out
