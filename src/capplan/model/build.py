"""The orchestrator: variables, then constraint families, then the objective."""

from __future__ import annotations

from dataclasses import dataclass

from capplan.data.tables import Tables
from capplan.model import constraints as c
from capplan.model.algebra import Builder, Entries
from capplan.model.lp import LinearProgram
from capplan.model.objective import define_objective
from capplan.model.params import Params, make_params
from capplan.model.variables import Vars, define_variables


@dataclass(frozen=True)
class Model:
    """A built model: the neutral program plus what is needed to read a solution back."""

    lp: LinearProgram
    vars: Vars
    rows: dict[str, Entries]
    params: Params
    tables: Tables


def build_model(tables: Tables) -> Model:
    """Build the planning MIP from the data tables (see docs/model.md)."""
    p = make_params(tables)
    b = Builder(p.sets)
    v = define_variables(b, p)
    families: list[Entries | None] = [
        *c.define_entry(b, v, p),
        c.define_mw_total(b, v, p),
        c.define_power(b, v, p),
        c.define_supply(b, v, p),
        c.define_compute(b, v, p),
        c.define_demand(b, v, p),
        c.define_campaigns(b, v, p),
        *c.define_budget(b, v, p),
        c.define_domestic_share(b, v, p, tables.min_domestic_share_china),
        c.define_vendor_cap(b, v, p, tables.max_foreign_vendor_share),
    ]
    maximize, c0 = define_objective(b, v, p, tables)
    lp = b.build(maximize=maximize, c0=c0, name=tables.name)
    rows = {block.name: block for block in families if block is not None}
    return Model(lp, v, rows, p, tables)
