"""The orchestrator: variables, then constraint families, then the objective.

The objective's per-variable present values are computed on a second thread while the
constraint families are built (they depend only on the variables and parameters); the
program is the same as with one thread.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from capplan.data.tables import Tables
from capplan.model import constraints as c
from capplan.model.algebra import Builder, Entries
from capplan.model.lp import LinearProgram
from capplan.model.objective import define_objective, objective_parts
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
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="capplan-objective") as pool:
        # The objective's present values need only the variables and the parameters, so a
        # second thread computes them while this one adds the rows (numpy releases the
        # GIL for its array work).  The result is the same as computing them here.
        parts = pool.submit(objective_parts, v, p, tables)
        families: list[Entries | None] = [
            *c.define_entry(b, v, p),
            c.define_mw_total(b, v, p),
            c.define_power(b, v, p),
            c.define_supply(b, v, p),
            compute := c.define_compute(b, v, p),
        ]
        # the largest block of rows is complete: assemble it while the rest are added
        b.finish_rows(compute, pool)
        families += [
            c.define_demand(b, v, p),
            c.define_campaigns(b, v, p),
            *c.define_budget(b, v, p),
            c.define_domestic_share(b, v, p, tables.min_domestic_share_china),
            c.define_vendor_cap(b, v, p, tables.max_foreign_vendor_share),
        ]
        maximize, c0 = define_objective(b, v, p, tables, parts.result())
    lp = b.build(maximize=maximize, c0=c0, name=tables.name)
    rows = {block.name: block for block in families if block is not None}
    return Model(lp, v, rows, p, tables)
