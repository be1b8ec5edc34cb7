"""The orchestrator: variables, then constraint families, then the objective.

A second thread computes the objective's per-variable present values (they depend only on
the variables and parameters) and assembles each family's part of the matrix once the
family is complete, while the next families are built; the program is the same as with
one thread.
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
from capplan.model.valid import define_valid
from capplan.model.variables import Vars, define_variables


@dataclass(frozen=True)
class Model:
    """A built model: the neutral program plus what is needed to read a solution back."""

    lp: LinearProgram
    vars: Vars
    rows: dict[str, Entries]
    params: Params
    tables: Tables


def build_model(tables: Tables, *, tighten: bool = True) -> Model:
    """Build the planning MIP from the data tables (see docs/model.md).

    ``tighten`` adds the valid inequalities of :mod:`capplan.model.valid` (same integer
    plans, same optimum, a tighter relaxation); ``tighten=False`` builds the plain
    formulation, which ``capplan bench --suite proof`` compares against.
    """
    p = make_params(tables)
    b = Builder(p.sets)
    v = define_variables(b, p)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="capplan-build") as pool:
        # A second thread computes the objective's present values (they need only the
        # variables and the parameters) and assembles each family's part of the matrix
        # once the family is complete, while this thread adds the next rows; numpy and
        # scipy release the GIL for their array work.  The program is the same as with
        # one thread.
        parts = pool.submit(objective_parts, v, p, tables)

        def done(*blocks: Entries | None) -> list[Entries | None]:
            for block in blocks:
                if block is not None:
                    b.finish_rows(block, pool)
            return list(blocks)

        families: list[Entries | None] = [
            *done(*c.define_entry(b, v, p)),
            *done(c.define_mw_total(b, v, p)),
            *done(c.define_power(b, v, p)),
            *done(c.define_supply(b, v, p)),
            *done(c.define_compute(b, v, p)),
            *done(c.define_demand(b, v, p)),
            *done(c.define_campaigns(b, v, p)),
            *done(*c.define_budget(b, v, p)),
            *done(c.define_domestic_share(b, v, p, tables.min_domestic_share_china)),
            *done(c.define_vendor_cap(b, v, p, tables.max_foreign_vendor_share)),
            *(done(*define_valid(b, v, p)) if tighten else []),
        ]
        maximize, c0 = define_objective(b, v, p, tables, parts.result())
        lp = b.build(maximize=maximize, c0=c0, name=tables.name)
    rows = {block.name: block for block in families if block is not None}
    return Model(lp, v, rows, p, tables)
