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
from capplan.model.algebra import Builder, Entries
from capplan.model.families import definitions
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


def build_model(tables: Tables) -> Model:
    """Build the planning MIP from the data tables (see docs/model.md)."""
    p = make_params(tables)
    b = Builder(p.sets)
    v = define_variables(b, p)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="capplan-build") as pool:
        # A second thread computes the objective's present values (they need only the
        # variables and the parameters) and assembles each family's part of the matrix
        # once the family is complete, while this thread adds the next rows; numpy and
        # scipy release the GIL for their array work.  The program is the same as with
        # one thread.
        parts = pool.submit(objective_parts, v, p)

        def done(*made: Entries | None) -> list[Entries]:
            out = [block for block in made if block is not None]
            for block in out:
                b.finish_rows(block, pool)
            return out

        blocks: list[Entries] = []
        for define in definitions():  # the registry's order (capplan.model.families)
            made = define(b, v, p)
            blocks += done(*(made if isinstance(made, list) else [made]))
        maximize, c0 = define_objective(b, v, p, parts.result())
        lp = b.build(maximize=maximize, c0=c0, name=p.name)
    rows = {block.name: block for block in blocks}
    return Model(lp, v, rows, p)
