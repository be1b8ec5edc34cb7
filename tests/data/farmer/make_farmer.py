"""Write the Birge-Louveaux farmer problem as an mpi-sppy MPS directory (run from the
repository root: ``python tests/data/farmer/make_farmer.py``).

Source: J. R. Birge and F. Louveaux, *Introduction to Stochastic Programming*, 2nd ed.,
Springer 2011, section 1.1 (the farmer's problem); the same data as mpi-sppy's
``examples/farmer``.  500 acres of wheat, corn and sugar beets; planting costs 150, 230
and 260 per acre; 200 t of wheat and 240 t of corn are needed for cattle feed, bought at
238 and 210 or sold at 170 and 150 per t; beets sell at 36 per t up to a 6000 t quota and
10 per t beyond.  Yields per acre (wheat, corn, beets) are 20% below, at or 20% above the
mean (2.5, 3, 20 t), each with probability 1/3.

Published values (minimisation of cost = - profit): RP = -108390, WS = -115405.56,
EEV = -107240, EVPI = 7015.56, VSS = 1150.  ``min/`` holds that form, ``max/`` the same
problem maximising profit (every objective coefficient negated).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp

from capplan.model.lp import Block, LinearProgram
from capplan.mps import write_mps

HERE = Path(__file__).resolve().parent
CROPS = ["WHEAT", "CORN", "BEETS"]
YIELDS = {"scen0": (2.0, 2.4, 16.0), "scen1": (2.5, 3.0, 20.0), "scen2": (3.0, 3.6, 24.0)}
COLUMNS = [
    *(f"DevotedAcreage_{c}" for c in CROPS),
    "QuantityPurchased_WHEAT",
    "QuantitySold_WHEAT",
    "QuantityPurchased_CORN",
    "QuantitySold_CORN",
    "QuantitySold_BEETS_favorable",
    "QuantitySold_BEETS_unfavorable",
]
COST = [150.0, 230.0, 260.0, 238.0, -170.0, 210.0, -150.0, -36.0, -10.0]
ROWS = ["TotalAcreage", "Feed_WHEAT", "Feed_CORN", "Beets_yield", "Beets_quota"]


def program(yields: tuple[float, float, float], maximize: bool) -> LinearProgram:
    w, c, b = yields
    A = np.array(
        [
            [1, 1, 1, 0, 0, 0, 0, 0, 0],  # acreage <= 500
            [w, 0, 0, 1, -1, 0, 0, 0, 0],  # wheat for feed >= 200
            [0, c, 0, 0, 0, 1, -1, 0, 0],  # corn for feed >= 240
            [0, 0, -b, 0, 0, 0, 0, 1, 1],  # beets sold <= beets grown
            [0, 0, 0, 0, 0, 0, 0, 1, 0],  # favourable-price beets <= 6000
        ],
        dtype=float,
    )
    inf = np.inf
    sign = -1.0 if maximize else 1.0
    return LinearProgram(
        c=sign * np.array(COST),
        matrix=sp.csr_matrix(A),
        row_lb=np.array([-inf, 200, 240, -inf, -inf]),
        row_ub=np.array([500, inf, inf, 0, 6000]),
        col_lb=np.zeros(9),
        col_ub=np.full(9, inf),
        integer=np.zeros(9, dtype=bool),
        maximize=maximize,
        name="farmer",
        var_blocks={"x": Block("", 0, pd.Index(COLUMNS))},
        row_blocks={"row": Block("", 0, pd.Index(ROWS))},
    )


def main() -> None:
    for form, maximize in (("min", False), ("max", True)):
        folder = HERE / form
        folder.mkdir(exist_ok=True)
        for name, yields in YIELDS.items():
            write_mps(program(yields, maximize), folder / f"{name}.mps")
            tree = {
                "scenarioData": {"name": name, "scenProb": 1 / 3},
                "treeData": {
                    "globalNodeCount": 1,
                    "nodes": {"ROOT": {"serialNumber": 0, "condProb": 1.0, "nonAnts": COLUMNS[:3]}},
                },
            }
            text = json.dumps(tree, indent=2) + "\n"
            (folder / f"{name}_nonants.json").write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
